"""Signing in and out: argon2id hashes, one message for every failed sign-in, sessions that can be revoked."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from assessment.auth.operations import end_all_sessions
from assessment.auth.routes import safe_next
from assessment.models import Role, User
from assessment.platform.extensions import db
from tests.conftest import TEST_PASSWORD, Login, MakeUser


def _sign_in(client: FlaskClient, email: str, password: str, **extra: str):
    return client.post("/masuk", data={"email": email, "password": password, **extra})


def test_login_page_is_indonesian(client: FlaskClient) -> None:
    html = client.get("/masuk").get_data(as_text=True)
    assert "Masuk" in html
    assert "Kata sandi" in html


def test_login_with_right_password_signs_in(client: FlaskClient, make_user: MakeUser) -> None:
    user = make_user(Role.dpmd, "64.09", name="Siti DPMD")
    response = _sign_in(client, user.email, TEST_PASSWORD)
    assert response.status_code == 302
    html = client.get("/").get_data(as_text=True)
    assert "Siti DPMD" in html
    assert "Keluar" in html
    assert user.last_login_at is not None


def test_email_is_matched_without_case(client: FlaskClient, make_user: MakeUser) -> None:
    user = make_user(Role.dpmd, "64.09", email="Operator@Contoh.ID")
    assert user.email == "operator@contoh.id"
    assert _sign_in(client, "  OPERATOR@contoh.id ", TEST_PASSWORD).status_code == 302


def test_wrong_password_shows_one_message(client: FlaskClient, make_user: MakeUser) -> None:
    user = make_user(Role.dpmd, "64.09")
    wrong = _sign_in(client, user.email, "bukan-kata-sandinya")
    unknown = _sign_in(client, "tidak-ada@contoh.id", TEST_PASSWORD)
    for response in (wrong, unknown):
        assert response.status_code == 200
        assert "Email atau kata sandi salah." in response.get_data(as_text=True)
    assert "Keluar" not in client.get("/").get_data(as_text=True)


def test_inactive_account_cannot_sign_in(client: FlaskClient, make_user: MakeUser) -> None:
    user = make_user(Role.dpmd, "64.09", active=False)
    response = _sign_in(client, user.email, TEST_PASSWORD)
    assert "Email atau kata sandi salah." in response.get_data(as_text=True)


def test_password_is_stored_as_argon2id(make_user: MakeUser) -> None:
    user = make_user(Role.dpmd, "64.09")
    assert user.password_hash.startswith("$argon2id$")
    assert TEST_PASSWORD not in user.password_hash


def test_logout_ends_the_session(client: FlaskClient, make_user: MakeUser, login: Login) -> None:
    login(client, make_user(Role.dpmd, "64.09"))
    assert "Keluar" in client.get("/").get_data(as_text=True)
    assert client.get("/keluar").status_code == 405
    assert client.post("/keluar").status_code == 302
    assert "Keluar" not in client.get("/").get_data(as_text=True)


def test_session_version_bump_ends_every_session(app: Flask, make_user: MakeUser, login: Login) -> None:
    user = make_user(Role.dpmd, "64.09")
    first = login(app.test_client(), user)
    second = login(app.test_client(), user)
    end_all_sessions(user)
    for client in (first, second):
        assert "Keluar" not in client.get("/").get_data(as_text=True)


def test_session_of_deactivated_user_stops_working(client: FlaskClient, make_user: MakeUser, login: Login) -> None:
    user = make_user(Role.dpmd, "64.09")
    login(client, user)
    user.active = False
    db.session.commit()
    assert "Keluar" not in client.get("/").get_data(as_text=True)


def test_login_follows_only_local_next(client: FlaskClient, make_user: MakeUser) -> None:
    user = make_user(Role.dpmd, "64.09")
    response = _sign_in(client, user.email, TEST_PASSWORD, next="https://jahat.example/x")
    assert response.headers["Location"] == "/beranda"
    client.post("/keluar")
    response = _sign_in(client, user.email, TEST_PASSWORD, next="/masuk?x=1")
    assert response.headers["Location"] == "/masuk?x=1"


def test_safe_next_refuses_other_hosts() -> None:
    assert safe_next("/kompetisi/1") == "/kompetisi/1"
    for target in ("//jahat.example", "/\\jahat.example", "https://jahat.example", "javascript:alert(1)", "", None):
        assert safe_next(target) is None


def test_user_get_id_carries_session_version(make_user: MakeUser) -> None:
    user: User = make_user(Role.dpmd, "64.09")
    assert user.get_id() == f"{user.id}:1"
