"""``desa-digital users ...``: create or import accounts with region-scoped roles, invite them, end their sessions,
deactivate them."""

from __future__ import annotations

import secrets
import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from assessment.accounts.importing import import_accounts
from assessment.accounts.invitations import (
    invitation_url,
    issue_invitation,
    mail_invitations,
    token_for,
    unmailed,
)
from assessment.accounts.letters import letters_pdf
from assessment.auth.operations import (
    AccountError,
    GrantSpec,
    create_user,
    deactivate_user,
    end_all_sessions,
    find_user,
    reset_second_factor,
    set_active,
)
from assessment.models import Role, User
from assessment.platform.tabular import TableRejected
from assessment.platform.wita import format_wita, now_utc

users_cli = AppGroup("users", help="Akun pengguna dan perannya.")

ROLE_CHOICE = click.Choice([role.value for role in Role])


def generated_password() -> str:
    """A random password of 16 URL-safe characters (about 96 bits)."""
    return secrets.token_urlsafe(12)


@users_cli.command("create")
@click.option("--name", required=True, help="Nama lengkap.")
@click.option("--email", required=True, help="Alamat email (dipakai untuk masuk).")
@click.option(
    "--role", "roles", multiple=True, type=ROLE_CHOICE, help="Peran; ulangi bersama --region untuk beberapa peran."
)
@click.option(
    "--region", "regions", multiple=True, help="Kode wilayah peran yang disebut pada --role di posisi yang sama."
)
@click.option("--home-region", help="Wilayah asal asesor (untuk konflik kepentingan).")
@click.option("--password-stdin", is_flag=True, help="Baca kata sandi dari baris pertama stdin.")
@click.option("--generate-password", is_flag=True, help="Buat kata sandi acak dan tampilkan sekali.")
def create_command(
    name: str,
    email: str,
    roles: tuple[str, ...],
    regions: tuple[str, ...],
    home_region: str | None,
    password_stdin: bool,
    generate_password: bool,
) -> None:
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


@users_cli.command("reset-2fa")
@click.argument("email")
def reset_two_factor_command(email: str) -> None:
    """Hapus verifikasi dua langkah akun ini (mis. ponsel hilang); saat masuk berikutnya ia mendaftar ulang."""
    user = _existing(email)
    reset_second_factor(user)
    click.echo(f"Verifikasi dua langkah {user.email} dihapus; semua sesinya berakhir.")


@users_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Periksa berkas saja; tidak ada yang disimpan.")
@click.option(
    "--letters",
    "letters_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Tulis surat undangan akun baru (PDF, satu halaman per akun) ke berkas ini.",
)
def import_command(path: Path, dry_run: bool, letters_path: Path | None) -> None:
    """Impor akun dari CSV/Excel berkolom nama,email,peran,wilayah[,wilayah_asal]; satu baris salah: tidak ada yang
    disimpan dan setiap masalah ditulis dengan barisnya (keluar dengan kode 1). Akun baru mendapat tautan undangan
    (ditampilkan di sini; juga dikirim lewat email bila SMTP diatur)."""
    try:
        result = import_accounts(path.read_bytes(), path.name, None, now_utc(), dry_run=dry_run)
    except TableRejected as rejected:
        for problem in rejected.problems:
            click.echo(f"{path}:{problem.line}: {problem.message}", err=True)
        raise click.ClickException("Tidak ada akun yang disimpan.") from None
    plan = result.plan
    state = "akan dibuat (periksa saja)" if dry_run else "dibuat"
    click.echo(
        f"Akun baru {state}: {len(plan.new_accounts)}; peran baru: {plan.added_grants}; "
        f"baris tanpa perubahan: {plan.unchanged_lines}."
    )
    for invitation in result.invitations:
        click.echo(f"  {invitation.user.email}: {invitation_url(token_for(invitation))}")
    if result.invitations:
        mailed = mail_invitations(result.invitations)
        if mailed.sent or mailed.failed or mailed.waiting:
            click.echo(
                f"Email undangan: {mailed.sent} terkirim, {mailed.failed} gagal, {mailed.waiting} menunggu "
                "'desa-digital users send-invitations'."
            )
        if letters_path is not None:
            letters_path.write_bytes(letters_pdf(result.invitations))
            click.echo(f"Surat undangan: {letters_path}")


@users_cli.command("invite")
@click.argument("email")
def invite_command(email: str) -> None:
    """Buat tautan undangan baru untuk akun ini (tautan lama tidak berlaku lagi) dan tampilkan; juga dikirim lewat
    email bila SMTP diatur. Pemiliknya memilih kata sandi di sana."""
    user = _existing(email)
    if not user.active:
        raise click.ClickException(f"Akun {user.email} nonaktif; aktifkan dulu.")
    invitation, token = issue_invitation(user, None, now_utc())
    click.echo(f"Tautan undangan {user.email} (sekali pakai, berlaku sampai {format_wita(invitation.expires_at)}):")
    click.echo(invitation_url(token))
    mail_invitations([invitation])


@users_cli.command("send-invitations")
def send_invitations_command() -> None:
    """Kirim lewat email undangan yang masih berlaku dan belum terkirim (untuk cron; perlu SMTP)."""
    pending = unmailed(now_utc())
    mailed = mail_invitations(pending, limit=len(pending))
    click.echo(f"Email undangan: {mailed.sent} terkirim, {mailed.failed} gagal.")


def register(app: Flask) -> None:
    app.cli.add_command(users_cli)
