"""``desa-digital users ...``: create accounts with region-scoped roles, end their sessions, deactivate them."""

from __future__ import annotations

import secrets
import sys

import click
from flask import Flask
from flask.cli import AppGroup

from assessment.auth.operations import (
    AccountError,
    GrantSpec,
    create_user,
    deactivate_user,
    end_all_sessions,
    find_user,
    set_active,
)
from assessment.models import Role, User

users_cli = AppGroup("users", help="Akun pengguna dan perannya.")

ROLE_CHOICE = click.Choice([role.value for role in Role])


def generated_password() -> str:
    """A random password of 16 URL-safe characters (about 96 bits)."""
    return secrets.token_urlsafe(12)


@users_cli.command("create")
@click.option("--name", required=True, help="Nama lengkap.")
@click.option("--email", required=True, help="Alamat email (dipakai untuk masuk).")
@click.option("--role", "roles", multiple=True, type=ROLE_CHOICE,
              help="Peran; ulangi bersama --region untuk beberapa peran.")
@click.option("--region", "regions", multiple=True,
              help="Kode wilayah peran yang disebut pada --role di posisi yang sama.")
@click.option("--home-region", help="Wilayah asal asesor (untuk konflik kepentingan).")
@click.option("--password-stdin", is_flag=True, help="Baca kata sandi dari baris pertama stdin.")
@click.option("--generate-password", is_flag=True, help="Buat kata sandi acak dan tampilkan sekali.")
def create_command(name: str, email: str, roles: tuple[str, ...], regions: tuple[str, ...], home_region: str | None,
                   password_stdin: bool, generate_password: bool) -> None:
    """Buat akun baru dengan peran per wilayah, mis. --role operator_desa --region 64.09.04.2002."""
    if len(roles) != len(regions):
        raise click.UsageError("Setiap --role perlu satu --region (dan sebaliknya).")
    if password_stdin and generate_password:
        raise click.UsageError("Pilih salah satu: --password-stdin atau --generate-password.")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif generate_password:
        password = generated_password()
    else:
        password = click.prompt("Kata sandi", hide_input=True, confirmation_prompt="Ulangi kata sandi")
    grants = [
        GrantSpec(Role(role), region.strip(), home_region if Role(role) is Role.asesor else None)
        for role, region in zip(roles, regions, strict=True)
    ]
    if home_region and not any(grant.role is Role.asesor for grant in grants):
        raise click.UsageError("--home-region hanya untuk akun dengan peran asesor.")
    try:
        user = create_user(name, email, password, grants, check=True)
    except AccountError as error:
        for problem in error.problems:
            click.echo(problem, err=True)
        raise click.ClickException("Akun tidak dibuat.") from None
    click.echo(f"Akun dibuat: {user.email} (id {user.id}).")
    for grant in user.grants:
        click.echo(f"  {grant.role.value} @ {grant.region_code}")
    if generate_password:
        click.echo(f"Kata sandi: {password}")


def _existing(email: str) -> User:
    user = find_user(email)
    if user is None:
        raise click.ClickException(f"Tidak ada akun dengan email {email}.")
    return user


@users_cli.command("end-sessions")
@click.argument("email")
def end_sessions_command(email: str) -> None:
    """Akhiri semua sesi akun ini (mis. bila perangkatnya hilang); akun tetap aktif."""
    user = _existing(email)
    end_all_sessions(user)
    click.echo(f"Semua sesi {user.email} diakhiri.")


@users_cli.command("deactivate")
@click.argument("email")
def deactivate_command(email: str) -> None:
    """Nonaktifkan akun: tidak dapat masuk lagi dan semua sesinya berakhir."""
    user = _existing(email)
    deactivate_user(user)
    click.echo(f"Akun {user.email} dinonaktifkan.")


@users_cli.command("activate")
@click.argument("email")
def activate_command(email: str) -> None:
    """Aktifkan kembali akun yang dinonaktifkan."""
    user = _existing(email)
    set_active(user, True)
    click.echo(f"Akun {user.email} aktif kembali.")


def register(app: Flask) -> None:
    app.cli.add_command(users_cli)
