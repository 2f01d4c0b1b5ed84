"""The committee moves the schedule in a real browser: extend the open stage with a reason, accept the offer to
shift the later stages, read the history; the pages pass axe (WCAG 2 A/AA) at phone size."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from pathlib import Path

import pyotp
import pytest
from flask import Flask
from playwright.sync_api import expect

from assessment.auth import two_factor
from assessment.auth.operations import GrantSpec, create_user
from assessment.competitions.schedule import stage_window
from assessment.models import Role, Stage, StageCode, utcnow
from assessment.platform.extensions import db
from assessment.platform.wita import WITA
from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import OpenSession, axe_violations
from tests.support.competition import create_competition

pytestmark = pytest.mark.e2e

SECRET = two_factor.new_secret()
EMAIL = "panitia@kaltimprov.go.id"
REASON = "Jaringan internet terputus tiga hari di Kecamatan Sepaku."


def _day(offset: int) -> date:
    return datetime.now(WITA).date() + timedelta(days=offset)


@pytest.fixture
def competition_id(live_app: Flask) -> int:
    with live_app.app_context():
        competition, _participants = create_competition(desa={"64.09.04.2002": "Bukit Raya"})
        for code, first, last in (
            (StageCode.penilaian_mandiri, -5, 3),
            (StageCode.verifikasi_kelengkapan, 4, 8),
            (StageCode.penilaian_dokumen, 9, 15),
        ):
            starts_at, ends_at = stage_window(_day(first), _day(last))
            stage = competition.stage(code)
            if stage is None:
                competition.stages.append(Stage(code=code, starts_at=starts_at, ends_at=ends_at))
            else:
                stage.starts_at, stage.ends_at = starts_at, ends_at
        user = create_user("Panitia Provinsi", EMAIL, TEST_PASSWORD, [GrantSpec(Role.panitia, "64")])
        user.totp_secret, user.totp_confirmed_at = SECRET, utcnow()
        db.session.commit()
        return competition.id


def test_committee_extends_and_shifts_the_schedule(
    open_session: OpenSession, competition_id: int, axe_js: Path
) -> None:
    session = open_session(bypass_csp=True)
    page = session.page
    page.goto("/masuk")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Kata sandi").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.get_by_label("Kode 6 angka dari aplikasi autentikator").fill(pyotp.TOTP(SECRET).now())
    page.get_by_role("button", name=re.compile("Masuk|Lanjut|Verifikasi|Kirim")).click()
    page.wait_for_load_state()

    page.goto(f"/panitia/lomba/{competition_id}")
    expect(page.get_by_role("heading", name="Riwayat jadwal")).to_be_visible()
    assert axe_violations(page, axe_js) == []
    page.get_by_role("link", name="Perpanjang Penilaian mandiri").click()
    expect(page.get_by_text("tenggatnya hanya dapat diperpanjang")).to_be_visible()
    assert axe_violations(page, axe_js) == []
    page.get_by_label("Hari terakhir").fill(_day(6).isoformat())
    page.get_by_label(re.compile("Alasan perubahan")).fill(REASON)
    page.get_by_role("button", name="Simpan jadwal").click()
    expect(page.get_by_role("heading", name="Jadwal tidak diubah")).to_be_visible()
    expect(page.get_by_role("heading", name="Geser tahap sesudahnya 3 hari?")).to_be_visible()
    assert axe_violations(page, axe_js) == []
    page.get_by_role("button", name="Ubah dan geser tahap sesudahnya").click()
    expect(page.get_by_text("Jadwal diubah dan dicatat di riwayat jadwal")).to_be_visible()
    expect(page.get_by_text(f"Alasan: {REASON}")).to_be_visible()
    expect(page.get_by_text("ikut digeser")).to_have_count(2)
    session.requests.assert_local()
