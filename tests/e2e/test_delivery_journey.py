"""Browser journey (Chromium, phone-sized, CSRF on): an operator turns on WhatsApp with a number typed the local
way; the committee sends itself a test e-mail from the delivery page and sees it queued; both pages pass axe."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import expect
from sqlalchemy import select

from assessment.auth.operations import GrantSpec, create_user
from assessment.models import Job, RegionKind, Role, User, utcnow
from assessment.platform.extensions import db
from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import OpenSession, axe_violations
from tests.e2e.test_verification_journey import SECRET, sign_in
from tests.support.competition import ensure_desa, ensure_region

pytestmark = pytest.mark.e2e

OPERATOR = "operator.bukit@desa.id"
COMMITTEE = "panitia@kaltimprov.go.id"


def _seed(app: Flask) -> None:
    with app.app_context():
        ensure_region("64", "Kalimantan Timur", RegionKind.provinsi)
        ensure_desa("64.09.04.2002", "Bukit Raya")
        db.session.commit()
        create_user("Operator Bukit", OPERATOR, TEST_PASSWORD, [GrantSpec(Role.operator_desa, "64.09.04.2002")])
        committee = create_user("Panitia", COMMITTEE, TEST_PASSWORD, [GrantSpec(Role.panitia, "64")])
        # The committee signs in with its second factor: the journeys' shared test secret.
        committee.totp_secret, committee.totp_confirmed_at = SECRET, utcnow()
        db.session.commit()


def test_channels_and_delivery_pages(live_app: Flask, open_session: OpenSession, axe_js: Path) -> None:
    live_app.config.update(SMTP_HOST="127.0.0.1", WA_GATEWAY_URL="http://127.0.0.1:9/kirim")
    _seed(live_app)
    operator = open_session(OPERATOR, TEST_PASSWORD, bypass_csp=True).page
    operator.goto("/kotak-masuk/")
    operator.get_by_role("link", name=re.compile("Pengaturan pemberitahuan")).click()
    operator.get_by_label("Nomor HP (WhatsApp/SMS)").fill("0812 3456 7890")
    operator.get_by_label("Kirim salinan lewat WhatsApp/SMS ke nomor di atas").check()
    operator.get_by_role("button", name="Simpan").click()
    expect(operator.get_by_text("Pengaturan pemberitahuan tersimpan.")).to_be_visible()
    expect(operator.get_by_label("Nomor HP (WhatsApp/SMS)")).to_have_value("+6281234567890")
    assert axe_violations(operator, axe_js) == []
    with live_app.app_context():
        user = db.session.scalars(select(User).where(User.email == OPERATOR)).one()
        assert (user.phone, user.notify_whatsapp) == ("+6281234567890", True)

    committee = sign_in(open_session, COMMITTEE, bypass_csp=True).page
    committee.goto("/panitia/pengiriman/")
    row = committee.get_by_role("row", name=re.compile("^E-mail"))
    row.get_by_role("button", name="Kirim pesan uji ke saya").click()
    expect(committee.get_by_text(re.compile("Pesan uji diantrekan"))).to_be_visible()
    expect(committee.get_by_role("cell", name=COMMITTEE)).to_be_visible()
    assert axe_violations(committee, axe_js) == []
    with live_app.app_context():
        assert db.session.scalars(select(Job.kind)).all() == ["mail.test"]
