"""Accounts and registration in a real browser: the committee imports accounts and prints their invitation
letters, an operator chooses a password from the link, DPMD nominates within the quota (one over it is refused)
and the operator finds the competition on the desa page; every page passes axe (WCAG 2 A/AA) at phone size."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pyotp
import pytest
from flask import Flask
from playwright.sync_api import expect

from assessment.accounts.invitations import invitation_url, open_invitations, token_for
from assessment.auth import two_factor
from assessment.auth.operations import GrantSpec, create_user
from assessment.models import KabupatenQuota, Role, Stage, StageCode, User, utcnow
from assessment.platform.extensions import db
from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import OpenSession, axe_violations
from tests.support.competition import create_competition, ensure_desa
from tests.support.documents import print_letters

pytestmark = pytest.mark.e2e

SECRET = two_factor.new_secret()
PANITIA = "panitia@kaltimprov.go.id"
DPMD = "dpmd@ppu.go.id"
OPERATOR = "operator.bukitraya@contoh.id"
OPERATOR_PASSWORD = "sungai-riko-di-pagi-hari"
ACCOUNTS = (
    "nama,email,peran,wilayah\n"
    f"Operator Bukit Raya,{OPERATOR},operator_desa,64.09.04.2001\n"
    "Verifikator Sepaku,verifikator.sepaku@contoh.id,verifikator_kecamatan,64.09.04\n"
)


@pytest.fixture
def competition_id(live_app: Flask) -> int:
    with live_app.app_context():
        for code, name in (("64.09.04.2001", "Bukit Raya"), ("64.09.04.2002", "Semoi Dua")):
            ensure_desa(code, name)
        competition, _ = create_competition(opens=timedelta(days=5), closes=timedelta(days=20), desa={})
        now = utcnow()
        competition.stages.append(
            Stage(code=StageCode.pendaftaran, starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=4))
        )
        competition.quotas.append(KabupatenQuota(kabupaten_code="64.09", quota=1))
        user = create_user("Panitia Provinsi", PANITIA, TEST_PASSWORD, [GrantSpec(Role.panitia, "64")])
        user.totp_secret, user.totp_confirmed_at = SECRET, utcnow()
        create_user("DPMD PPU", DPMD, TEST_PASSWORD, [GrantSpec(Role.dpmd, "64.09")])
        db.session.commit()
        return competition.id


def test_accounts_invitations_and_nominations(
    open_session: OpenSession, live_app: Flask, competition_id: int, axe_js: Path, tmp_path: Path
) -> None:
    committee = open_session(bypass_csp=True)
    page = committee.page
    page.goto("/masuk")
    page.get_by_label("Email").fill(PANITIA)
    page.get_by_label("Kata sandi").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.get_by_label("Kode 6 angka dari aplikasi autentikator").fill(pyotp.TOTP(SECRET).now())
    page.get_by_role("button", name=re.compile("Masuk|Lanjut|Verifikasi|Kirim")).click()
    page.wait_for_load_state()

    page.goto("/pengguna/impor")
    assert axe_violations(page, axe_js) == []
    accounts = tmp_path / "akun.csv"
    accounts.write_text(ACCOUNTS + "Salah,bukan-email,operator_desa,64.09.04.2002\n")
    page.get_by_label(re.compile("Berkas CSV atau Excel")).set_input_files(str(accounts))
    page.get_by_role("button", name="Unggah dan impor").click()
    expect(page.get_by_role("heading", name="Tidak ada yang disimpan")).to_be_visible()
    expect(page.get_by_text("Baris 4: email bukan-email tidak sah")).to_be_visible()
    assert axe_violations(page, axe_js) == []
    accounts.write_text(ACCOUNTS)
    page.get_by_label(re.compile("Berkas CSV atau Excel")).set_input_files(str(accounts))
    page.get_by_role("button", name="Unggah dan impor").click()
    expect(page.get_by_role("heading", name="Impor selesai")).to_be_visible()
    assert axe_violations(page, axe_js) == []
    # Made by the background worker (issue 15): the progress page, then one download.
    letters = print_letters(page, live_app, page.get_by_role("link", name=re.compile("Cetak surat undangan")).first)
    assert letters.startswith(b"%PDF")
    page.goto("/pengguna/?q=bukit")
    assert axe_violations(page, axe_js) == []
    page.get_by_role("link", name="Operator Bukit Raya").click()
    expect(page.get_by_role("heading", name="Tindakan")).to_be_visible()
    assert axe_violations(page, axe_js) == []
    committee.requests.assert_local()

    # The operator opens the printed link (the test reads it from the database, as the letter prints it).
    with live_app.app_context(), live_app.test_request_context(base_url=page.url.split("/pengguna")[0]):
        operator_account = db.session.scalar(db.select(User).where(User.email == OPERATOR))
        assert operator_account is not None
        [invitation] = open_invitations([operator_account.id], utcnow())
        link = invitation_url(token_for(invitation))
    operator = open_session(bypass_csp=True)
    operator.page.goto(link)
    expect(operator.page.get_by_role("heading", name="Selamat datang, Operator Bukit Raya")).to_be_visible()
    assert axe_violations(operator.page, axe_js) == []
    operator.page.get_by_label("Kata sandi baru", exact=True).fill(OPERATOR_PASSWORD)
    operator.page.get_by_label("Ulangi kata sandi baru").fill(OPERATOR_PASSWORD)
    operator.page.get_by_role("button", name="Simpan kata sandi").click()
    expect(operator.page.get_by_text("Kata sandi tersimpan")).to_be_visible()
    operator.page.goto(link)
    expect(operator.page.get_by_role("heading", name="Tautan tidak berlaku")).to_be_visible()

    dpmd = open_session(DPMD, TEST_PASSWORD, bypass_csp=True)
    dpmd.page.goto("/pendaftaran/")
    assert axe_violations(dpmd.page, axe_js) == []
    dpmd.page.get_by_role("link", name="Usulan desa 64.09").click()
    expect(dpmd.page.get_by_text("0 dari 1 desa terpakai")).to_be_visible()
    assert axe_violations(dpmd.page, axe_js) == []
    dpmd.page.get_by_label("Desa", exact=True).select_option("64.09.04.2001")
    dpmd.page.get_by_role("button", name="Daftarkan").click()
    expect(dpmd.page.get_by_text("Desa Bukit Raya didaftarkan.")).to_be_visible()
    dpmd.page.get_by_label("Desa", exact=True).select_option("64.09.04.2002")
    dpmd.page.get_by_role("button", name="Daftarkan").click()
    expect(dpmd.page.get_by_text("melebihi kuota kabupaten 64.09 (1 desa)")).to_be_visible()
    assert axe_violations(dpmd.page, axe_js) == []
    dpmd.page.get_by_role("link", name="Tarik").click()
    assert axe_violations(dpmd.page, axe_js) == []
    dpmd.requests.assert_local()

    signed_in = open_session(OPERATOR, OPERATOR_PASSWORD)
    signed_in.page.goto("/desa/")
    expect(signed_in.page.get_by_text("Lomba Desa Digital Uji")).to_be_visible()
