"""Two-step verification at rest (issue 19, point 3): TOTP secrets encrypted with a key from the environment,
never in the session cookie while enrolling, and one-time recovery codes (rules in assessment/auth/two_factor.py)."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text

from assessment import create_app
from assessment.auth import two_factor
from assessment.models import AuditEvent, RecoveryCode, Role, User, utcnow
from assessment.platform.extensions import db
from assessment.platform.keys import purpose_key
from tests.conftest import TEST_PASSWORD, MakeUser

CODE = re.compile(r'<code class="fingerprint">([A-Z2-9]{5}-[A-Z2-9]{5})</code>')


def _sign_in(client: FlaskClient, email: str) -> None:
    response = client.post("/masuk", data={"email": email, "password": TEST_PASSWORD})
    assert response.status_code == 302


def _enrol(client: FlaskClient) -> tuple[str, list[str]]:
    """Enrol through the pages; the secret shown and the recovery codes shown."""
    page = client.get("/akun/dua-langkah").get_data(as_text=True)
    match = re.search(r'<code class="fingerprint">([A-Z2-7 ]+)</code>', page)
    assert match
    secret = match.group(1).replace(" ", "")
    response = client.post("/akun/dua-langkah", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    return secret, CODE.findall(response.get_data(as_text=True))


def _stored_secret(user_id: int) -> str:
    return str(
        db.session.execute(text("SELECT totp_secret FROM user_account WHERE id = :id"), {"id": user_id}).scalar_one()
    )


def test_totp_secret_encrypted_at_rest(app: Flask, client: FlaskClient, make_user: MakeUser) -> None:
    user = make_user(Role.panitia, "64")
    _sign_in(client, user.email)
    secret, _codes = _enrol(client)
    stored = _stored_secret(user.id)
    assert stored.startswith("totp1:") and secret not in stored
    assert two_factor.unseal(stored, purpose_key("totp"), user.id) == secret
    # Another key (a copy of the database elsewhere) or another account's row opens nothing.
    assert two_factor.unseal(stored, b"k" * 32, user.id) is None
    assert two_factor.unseal(stored, purpose_key("totp"), user.id + 1) is None


def test_totp_key_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TOTP_KEY", "kunci-totp-dari-lingkungan-yang-panjang")
    monkeypatch.setenv("SECRET_KEY", "kunci-sesi")
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    other = create_app({"INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": "sqlite://", "TOTP_KEY": None})
    with app.app_context():
        assert app.config["TOTP_KEY"] == "kunci-totp-dari-lingkungan-yang-panjang"
        from_environment = purpose_key("totp")
        assert from_environment != purpose_key("audit")
    with other.app_context():
        assert purpose_key("totp") != from_environment  # derived from SECRET_KEY instead


def test_enrolment_secret_never_in_the_session_cookie(app: Flask, client: FlaskClient, make_user: MakeUser) -> None:
    user = make_user(Role.asesor, "64")
    _sign_in(client, user.email)
    page = client.get("/akun/dua-langkah").get_data(as_text=True)
    match = re.search(r'<code class="fingerprint">([A-Z2-7 ]+)</code>', page)
    assert match
    secret = match.group(1).replace(" ", "")
    cookie = client.get_cookie("session")
    assert cookie is not None
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    content = serializer.loads(cookie.value)
    assert secret not in repr(content)
    # The same secret is offered again on the next visit (kept, encrypted, in the account row).
    again = client.get("/akun/dua-langkah").get_data(as_text=True)
    assert match.group(1) in again
    pending = db.session.get(User, user.id)
    assert pending is not None and pending.totp_pending_secret and secret not in pending.totp_pending_secret


def test_recovery_codes_shown_once_stored_hashed_and_usable_once(
    app: Flask, client: FlaskClient, make_user: MakeUser
) -> None:
    user = make_user(Role.ketua_tim, "64")
    _sign_in(client, user.email)
    _secret, codes = _enrol(client)
    assert len(codes) == 10 and len(set(codes)) == 10
    stored = db.session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)).all()
    assert len(stored) == 10
    assert not any(code.replace("-", "") in value or code in value for code in codes for value in stored)
    client.post("/keluar")
    # A recovery code stands in for the app's code, typed loosely (lower case, spaces).
    _sign_in(client, user.email)
    typed = codes[0].lower().replace("-", " ")
    assert client.post("/masuk/kode", data={"code": typed}).status_code == 302
    assert client.get("/beranda").status_code == 200
    [used] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "auth.recovery_code_used")).all()
    assert used.after_json == '{"remaining":9}'
    client.post("/keluar")
    # Never twice.
    _sign_in(client, user.email)
    assert client.post("/masuk/kode", data={"code": codes[0]}).status_code == 200
    assert client.get("/beranda").status_code == 302
    assert client.post("/masuk/kode", data={"code": codes[1]}).status_code == 302


def test_recovery_codes_regenerated_void_the_old(app: Flask, client: FlaskClient, make_user: MakeUser) -> None:
    user = make_user(Role.panitia, "64")
    _sign_in(client, user.email)
    secret, old = _enrol(client)
    page = client.get("/akun/kode-pemulihan").get_data(as_text=True)
    assert "10 kode pemulihan" in page
    assert (
        client.post(
            "/akun/kode-pemulihan", data={"code": "000000" if pyotp.TOTP(secret).now() != "000000" else "111111"}
        ).status_code
        == 422
    )
    response = client.post("/akun/kode-pemulihan", data={"code": pyotp.TOTP(secret).at(time.time() + 30)})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    new = CODE.findall(response.get_data(as_text=True))
    assert len(new) == 10 and not set(new) & set(old)
    client.post("/keluar")
    _sign_in(client, user.email)
    assert client.post("/masuk/kode", data={"code": old[0]}).status_code == 200
    assert client.post("/masuk/kode", data={"code": new[0]}).status_code == 302


def test_secret_stored_before_encryption_is_encrypted_at_next_use(
    app: Flask, client: FlaskClient, make_user: MakeUser
) -> None:
    user = make_user(Role.asesor, "64")
    plain = pyotp.random_base32(32)
    user.totp_secret = plain
    user.totp_confirmed_at = utcnow()
    db.session.commit()
    _sign_in(client, user.email)
    assert client.post("/masuk/kode", data={"code": pyotp.TOTP(plain).now()}).status_code == 302
    stored = _stored_secret(user.id)
    assert stored.startswith("totp1:") and plain not in stored


def test_reset_2fa_forgets_recovery_codes(app: Flask, client: FlaskClient, make_user: MakeUser) -> None:
    from assessment.auth.operations import reset_second_factor

    user = make_user(Role.panitia, "64")
    _sign_in(client, user.email)
    _enrol(client)
    reset_second_factor(user)
    assert db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id)).all() == []


def test_wrong_codes_for_new_recovery_codes_count_towards_the_limit(
    app: Flask, client: FlaskClient, make_user: MakeUser
) -> None:
    """A stolen session cannot guess its way to new recovery codes: wrong codes count like failed sign-ins."""
    user = make_user(Role.panitia, "64")
    _sign_in(client, user.email)
    secret, _codes = _enrol(client)
    wrong = "000000" if pyotp.TOTP(secret).now() != "000000" else "111111"
    statuses = [client.post("/akun/kode-pemulihan", data={"code": wrong}).status_code for _ in range(6)]
    assert statuses[:5] == [422] * 5 and statuses[5] == 429
