"""Accounts in bulk with invitations (issue 12, point 3): the committee (any role) and DPMD (operator desa and
verifikator kecamatan inside its kabupaten) import accounts from CSV or Excel in the browser and on the command
line, all or nothing; a new account has no password but a single-use, expiring invitation link, e-mailed when SMTP
is set and always printable as letters."""

from __future__ import annotations

import io
import re
import smtplib
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from openpyxl import Workbook, load_workbook
from pypdf import PdfReader

from assessment.accounts.importing import parse_role
from assessment.auth.operations import authenticate
from assessment.models import AccountInvitation, AuditEvent, Role, RoleGrant, User
from assessment.platform.extensions import db
from tests.conftest import Login, MakeRegion, MakeUser
from tests.support.documents import fetch_document

HEADER = "nama,email,peran,wilayah,wilayah_asal\n"
GOOD = (
    HEADER
    + "Siti Operator,siti@contoh.id,operator_desa,64.09.04.2002,\n"
    + "Budi Verifikator,budi@contoh.id,Verifikator Kecamatan,64.09.04,\n"
    + "Siti Operator,siti@contoh.id,operator-desa,64.09.04.2003,\n"
)
NEW_PASSWORD = "kebun-lada-di-sepaku-2026"


@pytest.fixture
def regions(make_region: MakeRegion) -> None:
    for code in ("64.09.04.2002", "64.09.04.2003", "64.01.01.2001", "64.72"):
        make_region(code)


def upload(client: FlaskClient, text: str, *, dry_run: bool = False, name: str = "akun.csv") -> Any:
    data: dict[str, Any] = {"file": (io.BytesIO(text.encode()), name)}
    if dry_run:
        data["dry_run"] = "y"
    return client.post("/pengguna/impor", data=data, content_type="multipart/form-data")


def accounts() -> dict[str, list[tuple[str, str]]]:
    return {
        user.email: sorted((grant.role.value, grant.region_code) for grant in user.grants)
        for user in db.session.scalars(db.select(User))
    }


def test_parse_role() -> None:
    assert parse_role("Operator Desa") is Role.operator_desa
    assert parse_role(" verifikator-kecamatan ") is Role.verifikator_kecamatan
    assert parse_role("kades") is None


def test_the_committee_imports_accounts_without_passwords_each_with_an_invitation(
    app: Flask, regions: None, make_user: MakeUser, login: Login
) -> None:
    committee = make_user(Role.panitia, "64")
    client = login(app.test_client(), committee)
    response = upload(client, GOOD)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_data(as_text=True)
    assert "Akun baru: 2" in body and "Peran baru: 3" in body
    siti = db.session.scalar(db.select(User).where(User.email == "siti@contoh.id"))
    assert siti is not None and siti.password_hash.startswith("$argon2id$")
    assert accounts()["siti@contoh.id"] == [("operator_desa", "64.09.04.2002"), ("operator_desa", "64.09.04.2003")]
    # No password works for an account that has not chosen one.
    for guess in ("", "kata-sandi-uji-1234", siti.password_hash):
        assert authenticate("siti@contoh.id", guess) is None
    invitations = db.session.scalars(db.select(AccountInvitation)).all()
    assert len(invitations) == 2 and len({item.batch for item in invitations}) == 1
    assert {"user.create", "user.invite", "user.import"} <= set(db.session.scalars(db.select(AuditEvent.action)))
    # The letters: one page per new account.
    match = re.search(r'href="(/pengguna/undangan\.pdf\?batch=[0-9a-f]+)"', body)
    assert match is not None
    pdf = fetch_document(client, match.group(1))
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.data))
    assert len(reader.pages) == 2
    texts = [page.extract_text() for page in reader.pages]
    assert "Budi Verifikator" in texts[0] and "64.09.04" in texts[0] and "/undangan/" in texts[0]
    assert "Siti Operator" in texts[1] and "siti@contoh.id" in texts[1]


def test_importing_twice_changes_nothing_and_an_existing_email_gets_the_new_grant(
    app: Flask, regions: None, make_user: MakeUser, login: Login
) -> None:
    client = login(app.test_client(), make_user(Role.panitia, "64"))
    existing = make_user(Role.asesor, "64", email="asesor@contoh.id", home_region_code="64.72")
    hash_before = existing.password_hash
    assert upload(client, GOOD).status_code == 200
    before = accounts()
    invitations = db.session.scalar(db.select(db.func.count()).select_from(AccountInvitation))
    body = upload(client, GOOD).get_data(as_text=True)
    assert "Akun baru: 0" in body and "Peran baru: 0" in body and "Baris yang tidak mengubah apa pun: 3" in body
    assert accounts() == before
    assert db.session.scalar(db.select(db.func.count()).select_from(AccountInvitation)) == invitations
    body = upload(client, HEADER + "Nama Lain,asesor@contoh.id,ketua_tim,64,\n").get_data(as_text=True)
    assert "Akun baru: 0" in body and "Peran baru: 1" in body
    user = db.session.get(User, existing.id)
    assert user is not None and user.password_hash == hash_before and user.name != "Nama Lain"
    assert accounts()["asesor@contoh.id"] == [("asesor", "64"), ("ketua_tim", "64")]


def test_every_problem_is_listed_with_its_line_and_nothing_is_saved(
    app: Flask, regions: None, make_user: MakeUser, login: Login
) -> None:
    client = login(app.test_client(), make_user(Role.panitia, "64"))
    before = accounts()
    text = (
        HEADER
        + "Siti,siti@contoh.id,operator_desa,64.09.04.2002,\n"  # 2: fine
        + ",tanpa-nama@contoh.id,operator_desa,64.09.04.2002,\n"  # 3: no name
        + "Andi,bukan-email,operator_desa,64.09.04.2002,\n"  # 4: bad e-mail
        + "Rina,rina@contoh.id,kepala_desa,64.09.04.2002,\n"  # 5: unknown role
        + "Joko,joko@contoh.id,operator_desa,64.09.04,\n"  # 6: a kecamatan for an operator
        + "Dewi,dewi@contoh.id,operator_desa,64.09.04.9999,\n"  # 7: unknown region
        + "Siti Lain,siti@contoh.id,operator_desa,64.09.04.2003,\n"  # 8: same e-mail, another name
        + "Siti,siti@contoh.id,operator_desa,64.09.04.2002,\n"  # 9: the same grant twice
        + "Eko,eko@contoh.id,dpmd,64.09,64.72\n"
    )  # 10: home region for a non-asesor
    response = upload(client, text)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    for line, words in [
        (3, "nama kosong"),
        (4, "email bukan-email tidak sah"),
        (5, "peran kepala_desa tidak"),
        (6, "berlaku untuk wilayah desa/desa_adat"),
        (7, "Wilayah 64.09.04.9999 tidak dikenal"),
        (8, "sudah di baris 2 dengan nama Siti"),
        (9, "sudah di baris 2"),
        (10, "wilayah_asal hanya untuk peran asesor"),
    ]:
        assert re.search(rf"Baris {line}: [^<]*{re.escape(words)}", body), (line, words)
    assert "Baris 2:" not in body
    assert accounts() == before
    assert db.session.scalar(db.select(db.func.count()).select_from(AccountInvitation)) == 0


def test_a_name_is_at_most_200_characters(app: Flask, regions: None, make_user: MakeUser, login: Login) -> None:
    client = login(app.test_client(), make_user(Role.panitia, "64"))
    before = accounts()
    response = upload(
        client,
        HEADER
        + f"{'A' * 201},panjang@contoh.id,operator_desa,64.09.04.2002,\n"
        + f"{'B' * 200},pas@contoh.id,operator_desa,64.09.04.2003,\n",
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Baris 2: nama paling panjang 200 karakter" in body and "Baris 3:" not in body
    assert accounts() == before


def test_an_asesor_grant_held_with_another_home_region_is_a_problem(
    app: Flask, regions: None, make_user: MakeUser, login: Login
) -> None:
    """The home region decides conflicts of interest: an import never changes it silently."""
    client = login(app.test_client(), make_user(Role.panitia, "64"))
    make_user(Role.asesor, "64", email="asesor@contoh.id", home_region_code="64.72")
    response = upload(client, HEADER + "Asesor,asesor@contoh.id,asesor,64,64.09.04\n")
    assert response.status_code == 422
    assert "Baris 2: asesor@contoh.id sudah asesor di 64 dengan wilayah asal 64.72" in response.get_data(as_text=True)
    held = db.session.scalar(db.select(RoleGrant).join(User).where(User.email == "asesor@contoh.id"))
    assert held is not None and held.home_region_code == "64.72"
    # The same home region again changes nothing and is no problem.
    assert upload(client, HEADER + "Asesor,asesor@contoh.id,asesor,64,64.72\n").status_code == 200


def test_dpmd_imports_operator_and_verifikator_accounts_of_its_kabupaten_only(
    app: Flask, regions: None, make_user: MakeUser, login: Login
) -> None:
    dpmd = make_user(Role.dpmd, "64.09")
    client = login(app.test_client(), dpmd)
    text = (
        HEADER
        + "Siti,siti@contoh.id,operator_desa,64.09.04.2002,\n"
        + "Paser,paser@contoh.id,operator_desa,64.01.01.2001,\n"
        + "Panitia,panitia2@contoh.id,panitia,64,\n"
        + "DPMD,dpmd2@contoh.id,dpmd,64.09,\n"
    )
    response = upload(client, text)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Baris 3: Anda tidak berwenang memberi peran operator_desa di wilayah 64.01.01.2001" in body
    assert "Baris 4: Anda tidak berwenang memberi peran panitia" in body
    assert "Baris 5: Anda tidak berwenang memberi peran dpmd" in body
    assert "siti@contoh.id" not in accounts()
    assert upload(client, GOOD).status_code == 200
    assert "siti@contoh.id" in accounts()
    # An existing account that holds a role DPMD does not manage is not changed by DPMD's import.
    make_user(Role.panitia, "64", email="anggota@contoh.id")
    response = upload(client, HEADER + "Anggota,anggota@contoh.id,operator_desa,64.09.04.2002,\n")
    assert response.status_code == 422
    assert "memegang peran yang tidak Anda kelola" in response.get_data(as_text=True)
    assert accounts()["anggota@contoh.id"] == [("panitia", "64")]


def test_dpmd_never_prints_the_letter_of_an_account_it_could_not_create(
    app: Flask, regions: None, make_user: MakeUser, login: Login
) -> None:
    committee = login(app.test_client(), make_user(Role.panitia, "64"))
    upload(
        committee, HEADER + "Ganda,ganda@contoh.id,operator_desa,64.09.04.2002,\nGanda,ganda@contoh.id,panitia,64,\n"
    )
    dpmd = login(app.test_client(), make_user(Role.dpmd, "64.09"))
    assert dpmd.get("/pengguna/undangan.pdf").status_code == 404
    assert fetch_document(committee, "/pengguna/undangan.pdf").status_code == 200


def test_the_template_names_the_columns(app: Flask, make_user: MakeUser, login: Login) -> None:
    client = login(app.test_client(), make_user(Role.dpmd, "64.09"))
    response = client.get("/pengguna/impor/templat.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data))
    assert [cell.value for cell in workbook["Akun"][1]] == ["nama", "email", "peran", "wilayah", "wilayah_asal"]


def test_an_excel_file_is_imported_like_a_csv(app: Flask, regions: None, make_user: MakeUser, login: Login) -> None:
    client = login(app.test_client(), make_user(Role.panitia, "64"))
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Nama", "Email", "Peran", "Wilayah"])
    sheet.append(["Siti Operator", "Siti@Contoh.id", "Operator Desa", "64.09.04.2002"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = client.post(
        "/pengguna/impor",
        data={"file": (io.BytesIO(buffer.getvalue()), "akun.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert accounts()["siti@contoh.id"] == [("operator_desa", "64.09.04.2002")]


def invitation_link(body: str) -> str:
    match = re.search(r"(/undangan/[A-Za-z0-9_-]{40,})", body)
    assert match is not None, body
    return match.group(1)


def test_the_invitation_link_sets_a_password_once(
    app: Flask, runner: FlaskCliRunner, regions: None, make_user: MakeUser, login: Login, client: FlaskClient
) -> None:
    upload(login(app.test_client(), make_user(Role.panitia, "64")), GOOD)
    result = runner.invoke(args=["users", "invite", "siti@contoh.id"])
    assert result.exit_code == 0, result.output
    link = invitation_link(result.output)
    token = link.rsplit("/", 1)[1]
    # Only a hash of the token is stored.
    stored = db.session.scalars(db.select(AccountInvitation)).all()
    assert all(token not in (item.token_hash, item.nonce) for item in stored)
    page = client.get(link)
    assert page.status_code == 200 and "Siti Operator" in page.get_data(as_text=True)
    weak = client.post(link, data={"new": "pendek", "repeat": "pendek"})
    assert weak.status_code == 422
    done = client.post(link, data={"new": NEW_PASSWORD, "repeat": NEW_PASSWORD})
    assert done.status_code == 302 and done.headers["Location"].endswith("/masuk")
    assert authenticate("siti@contoh.id", NEW_PASSWORD) is not None
    used = client.get(link)
    assert used.status_code == 404 and "Tautan tidak berlaku" in used.get_data(as_text=True)
    assert client.get("/undangan/" + "A" * 43).status_code == 404


def test_a_fresh_invitation_stops_the_old_link(
    app: Flask, runner: FlaskCliRunner, regions: None, make_user: MakeUser, client: FlaskClient
) -> None:
    make_user(Role.operator_desa, "64.09.04.2002", email="lama@contoh.id")
    first = invitation_link(runner.invoke(args=["users", "invite", "lama@contoh.id"]).output)
    second = invitation_link(runner.invoke(args=["users", "invite", "lama@contoh.id"]).output)
    assert first != second
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200
    assert runner.invoke(args=["users", "invite", "tidak-ada@contoh.id"]).exit_code == 1


def test_an_invitation_expires(
    app: Flask, runner: FlaskCliRunner, regions: None, make_user: MakeUser, client: FlaskClient
) -> None:
    make_user(Role.operator_desa, "64.09.04.2002", email="lama@contoh.id")
    link = invitation_link(runner.invoke(args=["users", "invite", "lama@contoh.id"]).output)
    invitation = db.session.scalar(db.select(AccountInvitation))
    assert invitation is not None
    assert invitation.expires_at - invitation.created_at == timedelta(hours=72)
    invitation.expires_at = invitation.created_at  # the expiry instant itself is excluded
    db.session.commit()
    assert client.get(link).status_code == 404
    assert client.post(link, data={"new": NEW_PASSWORD, "repeat": NEW_PASSWORD}).status_code == 404


def test_cli_import(app: Flask, runner: FlaskCliRunner, regions: None, tmp_path: Path) -> None:
    bad = tmp_path / "salah.csv"
    bad.write_text(HEADER + "Siti,siti@contoh.id,operator_desa,64.09.04.2002,\nAndi,,operator_desa,64.09.04.2002,\n")
    result = runner.invoke(args=["users", "import", str(bad)])
    assert result.exit_code == 1 and f"{bad}:3: email kosong" in result.output
    assert "siti@contoh.id" not in accounts()
    good = tmp_path / "akun.csv"
    good.write_text(GOOD)
    result = runner.invoke(args=["users", "import", "--dry-run", str(good)])
    assert result.exit_code == 0 and "Akun baru akan dibuat (periksa saja): 2" in result.output
    assert "siti@contoh.id" not in accounts()
    letters = tmp_path / "undangan.pdf"
    result = runner.invoke(args=["users", "import", str(good), "--letters", str(letters)])
    assert result.exit_code == 0, result.output
    assert result.output.count("/undangan/") == 2
    assert letters.read_bytes().startswith(b"%PDF")
    result = runner.invoke(args=["users", "import", str(good)])
    assert "Akun baru dibuat: 0; peran baru: 0; baris tanpa perubahan: 3." in result.output


class FakeSMTP:
    sent: list[Any] = []  # noqa: RUF012

    def __init__(self, host: str, port: int, timeout: int) -> None:
        self.host = host

    def __enter__(self) -> FakeSMTP:
        return self

    def __exit__(self, *args: object) -> None:
        return None

    def starttls(self) -> None:
        return None

    def login(self, user: str, password: str) -> None:
        return None

    def send_message(self, message: Any) -> None:
        if message["To"] == "ditolak@contoh.id":
            raise smtplib.SMTPRecipientsRefused({message["To"]: (550, b"no such mailbox")})
        FakeSMTP.sent.append(message)


def test_invitations_are_emailed_when_smtp_is_set(
    app: Flask, regions: None, make_user: MakeUser, login: Login, monkeypatch: pytest.MonkeyPatch, client: FlaskClient
) -> None:
    monkeypatch.setattr("assessment.accounts.invitations.smtplib.SMTP", FakeSMTP)
    FakeSMTP.sent = []
    app.config["SMTP_HOST"] = "127.0.0.1"
    committee = login(app.test_client(), make_user(Role.panitia, "64"))
    body = upload(committee, GOOD + "Ditolak,ditolak@contoh.id,operator_desa,64.09.04.2002,\n").get_data(as_text=True)
    assert "Undangan terkirim lewat email: 2." in body and "gagal dikirim lewat email: 1" in body
    mails = {mail["To"]: mail.get_content() for mail in FakeSMTP.sent}
    assert set(mails) == {"siti@contoh.id", "budi@contoh.id"}
    # The e-mailed link is the printed one, and it works.
    link = invitation_link(mails["siti@contoh.id"])
    assert client.get(link).status_code == 200
    assert (
        db.session.scalar(
            db.select(db.func.count()).select_from(AccountInvitation).where(AccountInvitation.mailed_at.is_not(None))
        )
        == 2
    )


def test_grants_made_by_the_import_are_region_scoped(
    app: Flask, regions: None, make_user: MakeUser, login: Login
) -> None:
    upload(login(app.test_client(), make_user(Role.panitia, "64")), GOOD)
    grants = db.session.scalars(db.select(RoleGrant).join(User).where(User.email == "budi@contoh.id")).all()
    assert [(grant.role, grant.region_code) for grant in grants] == [(Role.verifikator_kecamatan, "64.09.04")]


def test_forgot_password_reveals_nothing_and_without_smtp_sends_nothing(
    app: Flask, make_user: MakeUser, client: FlaskClient
) -> None:
    make_user(Role.operator_desa, "64.09.04.2002", email="ada@contoh.id")
    assert "Lupa kata sandi?" in client.get("/masuk").get_data(as_text=True)
    known = client.post("/lupa-kata-sandi", data={"email": "ada@contoh.id"}).get_data(as_text=True)
    unknown = client.post("/lupa-kata-sandi", data={"email": "tidak-ada@contoh.id"}).get_data(as_text=True)
    assert known == unknown and "Hubungi verifikator kecamatan, DPMD kabupaten, atau panitia" in known
    assert db.session.scalar(db.select(db.func.count()).select_from(AccountInvitation)) == 0
    outcomes = db.session.scalars(db.select(AuditEvent.after_json).where(AuditEvent.action == "auth.reset_request"))
    assert all("tanpa_email" in text for text in outcomes)


def test_forgot_password_emails_a_single_use_link_when_smtp_is_set(
    app: Flask, make_user: MakeUser, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("assessment.accounts.invitations.smtplib.SMTP", FakeSMTP)
    FakeSMTP.sent = []
    app.config["SMTP_HOST"] = "127.0.0.1"
    make_user(Role.operator_desa, "64.09.04.2002", email="ada@contoh.id")
    make_user(Role.operator_desa, "64.09.04.2002", email="nonaktif@contoh.id", active=False)
    answers = {
        client.post("/lupa-kata-sandi", data={"email": email}).get_data(as_text=True)
        for email in ("ada@contoh.id", "tidak-ada@contoh.id", "nonaktif@contoh.id", "ADA@contoh.id")
    }
    assert len(answers) == 1 and "Bila alamat itu terdaftar" in answers.pop()
    # One mail: the unknown and the inactive address get none, and a second request within 15 minutes waits.
    (mail,) = FakeSMTP.sent
    assert mail["To"] == "ada@contoh.id"
    link = invitation_link(mail.get_content())
    done = client.post(link, data={"new": NEW_PASSWORD, "repeat": NEW_PASSWORD})
    assert done.status_code == 302
    assert authenticate("ada@contoh.id", NEW_PASSWORD) is not None
