"""The committee's working pages changed for smoother verification, in a real browser on the demo: axe-core finds no
WCAG 2 A/AA violation on any of them (assignment with its desa chooser, audit trail in words, berita acara with
reasons, objections with the indicator's levels, the completeness check with previews)."""

from __future__ import annotations

import time
from pathlib import Path

import pyotp
import pytest
from flask import Flask
from playwright.sync_api import Browser

from assessment.auth.operations import confirm_totp_enrolment, pending_totp_secret
from assessment.models import Competition, Participant, SubmissionStatus, User
from assessment.platform.extensions import db
from tests.e2e.conftest import axe_violations

pytestmark = pytest.mark.e2e

DESKTOP = {"width": 1366, "height": 768}


def _seed(live_app: Flask) -> tuple[str, str, list[str]]:
    """The demo, the committee's account enrolled in two-step verification; its e-mail, password and pages."""
    with live_app.app_context():
        result = live_app.test_cli_runner().invoke(args=["demo"])
        assert result.exit_code == 0, result.output
        account = next(line.split() for line in result.output.splitlines() if line.strip().startswith("panitia "))
        user = db.session.scalar(db.select(User).where(User.email == account[2]))
        assert user is not None
        secret = pending_totp_secret(user)
        assert confirm_totp_enrolment(user, pyotp.TOTP(secret).now())
        current, *older = db.session.scalars(db.select(Competition).order_by(Competition.year.desc())).all()
        lengkap = db.session.scalar(
            db.select(Participant).where(
                Participant.competition_id == current.id, Participant.status == SubmissionStatus.lengkap
            )
        )
        assert lengkap is not None
        pages = [
            f"/panitia/verifikasi/lomba/{current.id}?desa={lengkap.id}",
            "/panitia/jejak-audit/",
            f"/berita-acara/lomba/{older[0].id}",
            f"/panitia/sanggah/lomba/{older[0].id}",
            f"/kelengkapan/peserta/{lengkap.id}",
        ]
        return account[2], account[3] + "|" + secret, pages


def test_committee_pages_pass_axe(browser: Browser, live_app: Flask, live_server: str, axe_js: Path) -> None:
    email, secrets, pages = _seed(live_app)
    password, secret = secrets.split("|")
    context = browser.new_context(viewport=DESKTOP, base_url=live_server, locale="id-ID", bypass_csp=True)
    page = context.new_page()
    try:
        page.goto("/masuk")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Kata sandi").fill(password)
        page.get_by_role("button", name="Masuk").click()
        # The enrolment's own code was used; the next step's code is accepted (one step of clock drift).
        page.get_by_label("Kode 6 angka dari aplikasi autentikator").fill(pyotp.TOTP(secret).at(time.time() + 30))
        page.get_by_role("button", name="Masuk").click()
        page.wait_for_load_state()
        assert "/masuk" not in page.url
        for url in pages:
            response = page.goto(url)
            assert response is not None and response.status == 200, url
            assert axe_violations(page, axe_js) == [], url
    finally:
        context.close()
