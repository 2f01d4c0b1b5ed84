"""Accounts and sessions: common passwords refused, sign-in limits, every session ended, timeouts, cookies, TOTP."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from pathlib import Path

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from hypothesis import given
from hypothesis import strategies as st

from assessment import create_app
from assessment.auth.operations import AccountError, LoginThrottled, authenticate, create_user
from assessment.auth.passwords import COMMON_WORDS, is_common_password, password_problems
from assessment.auth.sessions import SEEN, STARTED
from assessment.models import LoginFailure, Role, User, utcnow
from assessment.platform.extensions import db
from tests.conftest import TEST_PASSWORD, IsolatedClient, Login, MakeRegion, MakeUser, config_for_tests

STRONG = "genteng bocor saat hujan deras"


@pytest.fixture
def another_app(tmp_path: Path):
    """Another app server on the same database (its connections are closed afterwards)."""
    made: list[Flask] = []

    def make(**overrides: object) -> Flask:
        other = create_app(config_for_tests(tmp_path, **overrides))
        other.test_client_class = IsolatedClient
        made.append(other)
        return other

    yield make
    for other in made:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


def sign_in(client: FlaskClient, email: str, password: str = TEST_PASSWORD, address: str = "10.0.0.1"):
    return client.post("/masuk", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address})


def is_signed_in(client: FlaskClient) -> bool:
    return client.get("/beranda").status_code == 200


# --- passwords -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    [
        "password123",
        "Password2026!",
        "Bismillah2026",
        "desadigital2026",
        "qwertyuiop",
        "1234567890",
        "0987654321",
        "aaaaaaaaaaaa",
        "s4y4ngku123",
        "sayangsayang",
        "P@ssw0rd2024",
        "2026-08-17!!",
        "Kaltim.Samarinda",
        "abcdefghijk",
    ],
)
def test_common_password_is_refused(password: str) -> None:
    assert is_common_password(password)
    assert password_problems(password)


@pytest.mark.parametrize("password", [STRONG, "kopi-tubruk-di-teras-sepaku", "Xq7!mW2#pL9v"])
def test_uncommon_password_of_ten_or_more_characters_is_accepted(password: str) -> None:
    assert password_problems(password, email="siti@contoh.id", name="Siti Aminah") == []


@given(
    word=st.sampled_from(sorted(COMMON_WORDS)),
    tail=st.text(alphabet="0123456789!@#.-_ ", max_size=8),
    upper=st.booleans(),
)
def test_common_word_with_digits_or_symbols_around_it_is_refused(word: str, tail: str, upper: bool) -> None:
    password = (word.upper() if upper else word.capitalize()) + tail
    assert is_common_password(password)


def test_password_with_the_accounts_own_name_or_email_is_refused() -> None:
    assert password_problems("aminah-kopi-tubruk", name="Siti Aminah")
    assert password_problems("kopi-sitiaminah-99", email="sitiaminah@contoh.id")


def test_short_password_is_refused() -> None:
    assert password_problems("Xq7!mW2#p") == ["Kata sandi paling sedikit 10 karakter."]


def test_users_create_refuses_a_common_password(runner: FlaskCliRunner, make_region: MakeRegion) -> None:
    make_region("64.09.04.2002")
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--name",
            "Siti",
            "--email",
            "siti@contoh.id",
            "--role",
            "operator_desa",
            "--region",
            "64.09.04.2002",
            "--password-stdin",
        ],
        input="bismillah123\n",
    )
    assert result.exit_code == 1
    assert "terlalu umum" in result.output
    assert db.session.scalar(db.select(User)) is None


# --- sign-in limits --------------------------------------------------------------------------------------------


def test_five_failures_lock_the_account_but_not_its_neighbours(client: FlaskClient, make_user: MakeUser) -> None:
    victim = make_user(Role.operator_desa, "64.09.04.2002", email="korban@contoh.id")
    make_user(Role.operator_desa, "64.09.04.2003", email="tetangga@contoh.id")
    for _ in range(5):
        assert sign_in(client, victim.email, "salah-salah-salah").status_code == 200
    refused = sign_in(client, victim.email)
    assert refused.status_code == 429
    assert "Coba lagi dalam 15 menit" in refused.get_data(as_text=True)
    assert not is_signed_in(client)
    # Same mobile address (CGNAT), another account of the desa next door: still fine.
    assert sign_in(client, "tetangga@contoh.id").status_code == 302


def test_address_limit_is_loose_and_separate(app: Flask, client: FlaskClient, make_user: MakeUser) -> None:
    app.config["LOGIN_ADDRESS_LIMIT"] = 4
    user = make_user(Role.operator_desa, "64.09.04.2002")
    for number in range(4):
        sign_in(client, f"orang{number}@contoh.id", "salah-salah-salah", address="203.0.113.9")
    assert sign_in(client, user.email, address="203.0.113.9").status_code == 429
    assert sign_in(client, user.email, address="203.0.113.10").status_code == 302


def test_failures_expire_after_the_window_and_success_clears_them(app: Flask, make_user: MakeUser) -> None:
    user = make_user(Role.operator_desa, "64.09.04.2002")
    start = utcnow()
    for _ in range(5):
        assert authenticate(user.email, "salah-salah-salah", "10.0.0.1", now=start) is None
    with pytest.raises(LoginThrottled):
        authenticate(user.email, TEST_PASSWORD, "10.0.0.1", now=start + timedelta(minutes=14))
    assert authenticate(user.email, TEST_PASSWORD, "10.0.0.1", now=start + timedelta(minutes=16)) is not None
    assert (
        db.session.scalar(
            db.select(db.func.count()).select_from(LoginFailure).where(LoginFailure.account == user.email)
        )
        == 0
    )


def test_failures_older_than_a_day_are_deleted(app: Flask, make_user: MakeUser) -> None:
    start = utcnow()
    authenticate("siapa@contoh.id", "salah-salah-salah", "10.0.0.1", now=start - timedelta(days=2))
    authenticate("lain@contoh.id", "salah-salah-salah", "10.0.0.2", now=start)
    accounts = db.session.scalars(db.select(LoginFailure.account)).all()
    assert accounts == ["lain@contoh.id"]


def test_login_limits_are_shared_by_every_app_server(app: Flask, another_app, make_user: MakeUser) -> None:
    user = make_user(Role.operator_desa, "64.09.04.2002")
    for _ in range(5):
        sign_in(app.test_client(), user.email, "salah-salah-salah")
    other_server = another_app()
    assert sign_in(other_server.test_client(), user.email).status_code == 429


# --- ending sessions -------------------------------------------------------------------------------------------


def copied_client(app: Flask, original: FlaskClient) -> FlaskClient:
    """Another browser holding a copy of ``original``'s session cookie."""
    cookie = original.get_cookie("session")
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie("session", cookie.value)
    return thief


def test_logout_ends_every_session_including_a_copied_cookie(
    app: Flask, client: FlaskClient, make_user: MakeUser
) -> None:
    user = make_user(Role.operator_desa, "64.09.04.2002")
    sign_in(client, user.email)
    thief = copied_client(app, client)
    assert is_signed_in(thief)
    client.post("/keluar")
    assert not is_signed_in(thief)


def test_password_change_ends_other_sessions_and_keeps_this_one(
    app: Flask, client: FlaskClient, make_user: MakeUser
) -> None:
    user = make_user(Role.operator_desa, "64.09.04.2002")
    sign_in(client, user.email)
    thief = copied_client(app, client)
    refused = client.post(
        "/akun/kata-sandi", data={"current": TEST_PASSWORD, "new": "password2026", "repeat": "password2026"}
    )
    assert refused.status_code == 422
    assert "terlalu umum" in refused.get_data(as_text=True)
    assert is_signed_in(thief)
    done = client.post("/akun/kata-sandi", data={"current": TEST_PASSWORD, "new": STRONG, "repeat": STRONG})
    assert done.status_code == 302
    assert is_signed_in(client)
    assert not is_signed_in(thief)
    assert authenticate(user.email, STRONG) is not None


def test_wrong_current_password_changes_nothing(client: FlaskClient, make_user: MakeUser) -> None:
    user = make_user(Role.operator_desa, "64.09.04.2002")
    sign_in(client, user.email)
    response = client.post("/akun/kata-sandi", data={"current": "bukan-ini-sandinya", "new": STRONG, "repeat": STRONG})
    assert response.status_code == 422
    assert authenticate(user.email, TEST_PASSWORD) is not None


def test_disabling_an_account_ends_its_sessions_at_once(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner, make_user: MakeUser
) -> None:
    user = make_user(Role.operator_desa, "64.09.04.2002")
    sign_in(client, user.email)
    result = runner.invoke(args=["users", "deactivate", user.email])
    assert result.exit_code == 0, result.output
    assert not is_signed_in(client)
    assert sign_in(client, user.email).status_code == 200
    assert runner.invoke(args=["users", "activate", user.email]).exit_code == 0
    assert sign_in(client, user.email).status_code == 302
    assert runner.invoke(args=["users", "activate", "tidak.ada@contoh.id"]).exit_code == 1


# --- timeouts and cookies --------------------------------------------------------------------------------------


def test_idle_session_ends(client: FlaskClient, make_user: MakeUser, login: Login) -> None:
    login(client, make_user(Role.operator_desa, "64.09.04.2002"))
    assert is_signed_in(client)
    with client.session_transaction() as session:
        session[SEEN] = int(time.time()) - 61 * 60
    response = client.get("/beranda")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/masuk")
    assert not is_signed_in(client)


def test_busy_session_still_ends_after_the_absolute_limit(
    client: FlaskClient, make_user: MakeUser, login: Login
) -> None:
    login(client, make_user(Role.operator_desa, "64.09.04.2002"))
    with client.session_transaction() as session:
        session[STARTED] = int(time.time()) - 12 * 3600 - 5
        session[SEEN] = int(time.time())
    assert client.get("/beranda").status_code == 302
    assert not is_signed_in(client)


def test_session_cookie_is_httponly_samesite_and_secure_under_https(another_app, make_user: MakeUser) -> None:
    user = make_user(Role.operator_desa, "64.09.04.2002")
    app = another_app(SESSION_COOKIE_SECURE=True)
    response = sign_in(app.test_client(), user.email)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" in cookie


# --- second factor ---------------------------------------------------------------------------------------------


def test_committee_must_enrol_totp_then_signs_in_with_a_code_used_once(
    client: FlaskClient, make_user: MakeUser
) -> None:
    user = make_user(Role.panitia, "64")
    assert sign_in(client, user.email).status_code == 302
    enrol = client.get("/panitia/lomba")
    assert enrol.status_code == 302 and enrol.headers["Location"] == "/akun/dua-langkah"
    page = client.get("/akun/dua-langkah").get_data(as_text=True)
    assert "<svg" in page
    match = re.search(r'<code class="fingerprint">([A-Z2-7 ]+)</code>', page)
    assert match
    secret = match.group(1).replace(" ", "")
    assert client.post("/akun/dua-langkah", data={"code": "000000"}).status_code == 200
    assert db.session.get(User, user.id).totp_confirmed_at is None  # type: ignore[union-attr]
    totp = pyotp.TOTP(secret)
    confirmed = client.post("/akun/dua-langkah", data={"code": totp.now()})
    assert confirmed.status_code == 200 and "Kode pemulihan" in confirmed.get_data(as_text=True)
    assert client.get("/panitia/lomba").status_code == 200
    client.post("/keluar")

    # Password alone is not a sign-in any more.
    response = sign_in(client, user.email)
    assert response.headers["Location"] == "/masuk/kode"
    assert client.get("/beranda").status_code == 302
    assert (
        client.post("/masuk/kode", data={"code": "123456" if totp.now() != "123456" else "654321"}).status_code == 200
    )
    assert not is_signed_in(client)
    # The code accepted at enrolment cannot be replayed; the next step's code can.
    next_code = totp.at(time.time() + 30)
    assert client.post("/masuk/kode", data={"code": next_code}).status_code == 302
    assert is_signed_in(client)
    client.post("/keluar")
    sign_in(client, user.email)
    reused = client.post("/masuk/kode", data={"code": next_code})
    assert reused.status_code == 200
    assert not is_signed_in(client)
    # A reused code says to wait for the next one, not that it was mistyped.
    assert "Tunggu sampai aplikasi menampilkan kode berikutnya" in reused.get_data(as_text=True)
    wrong = client.post("/masuk/kode", data={"code": "123456" if totp.at(time.time() + 30) != "123456" else "654321"})
    assert "Kode salah." in wrong.get_data(as_text=True) and "kode berikutnya" not in wrong.get_data(as_text=True)


def test_operator_needs_no_second_factor(client: FlaskClient, make_user: MakeUser) -> None:
    user = make_user(Role.operator_desa, "64.09.04.2002")
    sign_in(client, user.email)
    assert client.get("/desa/").status_code == 200


def test_code_page_without_a_password_step_goes_back_to_sign_in(client: FlaskClient) -> None:
    response = client.get("/masuk/kode")
    assert response.status_code == 302 and response.headers["Location"] == "/masuk"


def test_wrong_codes_count_towards_the_account_limit(client: FlaskClient, make_user: MakeUser) -> None:
    user = make_user(Role.asesor, "64")
    user.totp_secret = pyotp.random_base32(32)
    user.totp_confirmed_at = utcnow()
    db.session.commit()
    for _ in range(5):
        sign_in(client, user.email)
        client.post(
            "/masuk/kode", data={"code": "000000" if pyotp.TOTP(user.totp_secret).now() != "000000" else "111111"}
        )
    assert sign_in(client, user.email).status_code == 429


def test_create_user_uses_the_password_rules(app: Flask, make_region: MakeRegion) -> None:
    with pytest.raises(AccountError, match="terlalu umum"):
        create_user("Siti", "siti@contoh.id", "sepakbola2026", check=True)


def test_session_and_sign_in_limits_come_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SESSION_IDLE_MINUTES", "5")
    monkeypatch.setenv("LOGIN_ACCOUNT_LIMIT", "nol")
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SESSION_IDLE_MINUTES"] == 5
    assert app.config["LOGIN_ACCOUNT_LIMIT"] == 5
    assert app.config["SESSION_MAX_HOURS"] == 12


def test_reset_2fa_ends_sessions_and_asks_to_enrol_again(
    client: FlaskClient, runner: FlaskCliRunner, make_user: MakeUser, login: Login
) -> None:
    user = make_user(Role.ketua_tim, "64")
    login(client, user)
    assert client.get("/beranda").status_code == 200
    result = runner.invoke(args=["users", "reset-2fa", user.email])
    assert result.exit_code == 0, result.output
    assert not is_signed_in(client)
    assert sign_in(client, user.email).headers["Location"] != "/masuk/kode"
    assert client.get("/beranda").headers["Location"] == "/akun/dua-langkah"
