"""``desa-digital users create``."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskCliRunner

from assessment.auth.operations import authenticate
from assessment.models import Role, User
from assessment.platform.extensions import db
from tests.conftest import TEST_PASSWORD, Login, MakeRegion, MakeUser

PASSWORD = "kata-sandi-panjang-1"


def _create(runner: FlaskCliRunner, *args: str, password: str = PASSWORD):
    return runner.invoke(
        args=["users", "create", "--name", "Siti Operator", "--email", "Siti@Contoh.id", "--password-stdin", *args],
        input=password + "\n",
    )


def test_users_create_with_password_from_stdin(app: Flask, runner: FlaskCliRunner, make_region: MakeRegion) -> None:
    make_region("64.09.04.2002")
    result = _create(runner, "--role", "operator_desa", "--region", "64.09.04.2002")
    assert result.exit_code == 0, result.output
    assert "Akun dibuat: siti@contoh.id" in result.output
    assert PASSWORD not in result.output
    user = authenticate("siti@contoh.id", PASSWORD)
    assert user is not None
    assert [(g.role, g.region_code) for g in user.grants] == [(Role.operator_desa, "64.09.04.2002")]


def test_users_create_several_grants_and_asesor_home(
    app: Flask, runner: FlaskCliRunner, make_region: MakeRegion
) -> None:
    make_region("64.09.04")
    result = _create(
        runner,
        "--role",
        "asesor",
        "--region",
        "64",
        "--role",
        "ketua_tim",
        "--region",
        "64",
        "--home-region",
        "64.09.04",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalars(db.select(User)).one()
    grants = {(g.role, g.region_code, g.home_region_code) for g in user.grants}
    assert grants == {(Role.asesor, "64", "64.09.04"), (Role.ketua_tim, "64", None)}


def test_users_create_generated_password_is_shown_once(
    app: Flask, runner: FlaskCliRunner, make_region: MakeRegion
) -> None:
    make_region("64.09")
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--name",
            "DPMD",
            "--email",
            "dpmd@contoh.id",
            "--generate-password",
            "--role",
            "dpmd",
            "--region",
            "64.09",
        ]
    )
    assert result.exit_code == 0, result.output
    password = result.output.split("Kata sandi: ")[1].strip()
    assert len(password) >= 16
    assert authenticate("dpmd@contoh.id", password) is not None


def test_users_create_refuses_a_grant_on_the_wrong_kind_of_region(
    app: Flask, runner: FlaskCliRunner, make_region: MakeRegion
) -> None:
    make_region("64.09.04.2002")
    result = _create(runner, "--role", "operator_desa", "--region", "64.09.04", password="pendek")
    assert result.exit_code != 0
    assert "Peran operator_desa berlaku untuk wilayah desa/desa_adat, bukan kecamatan (64.09.04)." in result.output
    assert "Kata sandi paling sedikit 10 karakter." in result.output
    assert "Akun tidak dibuat." in result.output
    assert db.session.scalars(db.select(User)).all() == []


def test_users_create_refuses_unknown_region_and_duplicate_email(
    app: Flask, runner: FlaskCliRunner, make_region: MakeRegion
) -> None:
    make_region("64.09")
    assert _create(runner, "--role", "dpmd", "--region", "64.09").exit_code == 0
    again = _create(runner, "--role", "dpmd", "--region", "64.99")
    assert again.exit_code != 0
    assert "Email siti@contoh.id sudah dipakai akun lain." in again.output
    assert "Wilayah 64.99 tidak dikenal." in again.output


def test_users_create_needs_a_region_for_each_role(app: Flask, runner: FlaskCliRunner) -> None:
    result = _create(runner, "--role", "dpmd")
    assert result.exit_code != 0
    assert "Setiap --role perlu satu --region" in result.output


def test_users_create_asks_for_the_password_twice(app: Flask, runner: FlaskCliRunner, make_region: MakeRegion) -> None:
    make_region("64.09")
    args = ["users", "create", "--name", "DPMD", "--email", "dpmd@contoh.id", "--role", "dpmd", "--region", "64.09"]
    result = runner.invoke(args=args, input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "Ulangi kata sandi" in result.output
    assert PASSWORD not in result.output
    assert authenticate("dpmd@contoh.id", PASSWORD) is not None


def test_users_end_sessions_signs_the_user_out_everywhere(
    app: Flask, runner: FlaskCliRunner, make_user: MakeUser, login: Login
) -> None:
    user = make_user(Role.dpmd, "64.09", email="dpmd@contoh.id")
    client = login(app.test_client(), user)
    assert "Keluar" in client.get("/").get_data(as_text=True)
    result = runner.invoke(args=["users", "end-sessions", "DPMD@contoh.id"])
    assert result.exit_code == 0, result.output
    assert "Keluar" not in client.get("/").get_data(as_text=True)
    assert authenticate("dpmd@contoh.id", TEST_PASSWORD) is not None


def test_users_deactivate_closes_the_account(
    app: Flask, runner: FlaskCliRunner, make_user: MakeUser, login: Login
) -> None:
    user = make_user(Role.dpmd, "64.09", email="dpmd@contoh.id")
    client = login(app.test_client(), user)
    assert runner.invoke(args=["users", "deactivate", "dpmd@contoh.id"]).exit_code == 0
    assert "Keluar" not in client.get("/").get_data(as_text=True)
    assert authenticate("dpmd@contoh.id", TEST_PASSWORD) is None
    missing = runner.invoke(args=["users", "deactivate", "tidak-ada@contoh.id"])
    assert missing.exit_code != 0
    assert "Tidak ada akun dengan email tidak-ada@contoh.id." in missing.output
