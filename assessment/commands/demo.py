"""``desa-digital demo``: seed a demo ready to explore (PPU regions, a competition, accounts, self-assessments)."""

from __future__ import annotations

import os
import re
from datetime import datetime
from pathlib import Path

import click
from flask import Flask, current_app
from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from assessment.dashboard.maps import warm_display_geojson
from assessment.demo.seed import DEMO_EMAIL_DOMAIN, DemoAccount, database_has_data, seed_demo
from assessment.platform.extensions import db
from assessment.platform.storage import get_store
from assessment.platform.wita import WITA

DEFAULT_RUBRIC = Path(__file__).resolve().parents[2] / "data" / "rubrics" / "desa-digital-kaltim-2026.yaml"
ACCOUNTS_FILE = "demo-akun.txt"
DEFAULT_DATABASE_FILE = "desa-digital.sqlite3"


def accounts_file_for(database_url: str, instance_path: Path) -> Path:
    """Where the demo's account list goes: beside the database it describes, never over another database's list.

    - the default SQLite database (``<instance>/desa-digital.sqlite3``): ``<instance>/demo-akun.txt``;
    - any other SQLite file ``<folder>/<name>.<ext>``: ``<folder>/<name>-demo-akun.txt``, next to it;
    - a database server (PostgreSQL): ``<instance>/demo-akun-<host>-<port>-<database>.txt``, since the server
      has no folder of its own here.
    A demo seeded into another database therefore never overwrites the instance's list (whose passwords would
    then be lost while its accounts still exist).
    """
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        database = Path(url.database)
        if database.name == DEFAULT_DATABASE_FILE:
            return database.parent / ACCOUNTS_FILE
        return database.parent / f"{database.stem}-{ACCOUNTS_FILE}"
    parts = [url.host or "lokal", str(url.port or ""), url.database or ""]
    label = "-".join(re.sub(r"[^A-Za-z0-9_.]+", "_", part) for part in parts if part).strip(".")
    return instance_path / f"demo-akun-{label}.txt"


def write_accounts_file(path: Path, accounts: list[DemoAccount]) -> None:
    """Write the demo accounts and passwords to ``path``, readable by its owner only (mode 600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("# Akun DEMO Penilaian Desa Digital (bukan akun nyata). Kata sandi dibuat acak.\n")
        for account in accounts:
            handle.write(f"{account.role}\t{account.region}\t{account.email}\t{account.password}\n")


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="Lewati tanpa galat bila basis data sudah berisi akun atau lomba.")
def demo_command(if_empty: bool) -> None:
    """Isi basis data kosong dengan data DEMO: wilayah PPU, satu lomba, akun tiap peran, penilaian mandiri contoh."""
    if not inspect(db.engine).has_table("user_account"):
        raise click.ClickException("Basis data belum disiapkan: jalankan dulu `desa-digital db upgrade`.")
    if database_has_data():
        if if_empty:
            click.echo("Basis data sudah berisi data; demo tidak dijalankan.")
            return
        raise click.ClickException("Basis data sudah berisi akun atau lomba; demo hanya untuk basis data kosong.")
    result = seed_demo(
        DEFAULT_RUBRIC.read_bytes(),
        DEFAULT_RUBRIC.name,
        datetime.now(WITA).date(),
        get_store(),
        current_app.config["MAX_CONTENT_LENGTH"],
    )
    # The dashboards' maps are simplified once here, not on the first visitor's request.
    warm_display_geojson()
    instance_path = Path(current_app.config.get("INSTANCE_PATH") or current_app.instance_path)
    accounts_file = accounts_file_for(str(current_app.config["SQLALCHEMY_DATABASE_URI"]), instance_path)
    write_accounts_file(accounts_file, result.accounts)
    click.echo(
        f"DEMO siap: {result.competition.name} (id {result.competition.id}), "
        f"{result.participants} desa peserta, {result.regions_added} wilayah PPU ditambahkan "
        f"({result.boundaries} dengan batas wilayah untuk peta), "
        f"{result.evidence_files} berkas dan {result.evidence_links} tautan bukti contoh."
    )
    for edition in result.finished:
        click.echo(
            f"Edisi lalu (selesai, hasil final dan halaman verifikasi publik): {edition.name} "
            f"(id {edition.id}); hasil: /hasil/{edition.id}/peringkat/64.09, dasbor: /dasbor/{edition.id}/64.09"
        )
    click.echo(f"Akun DEMO (email @{DEMO_EMAIL_DOMAIN}, kata sandi acak; juga di {accounts_file}):")
    for account in result.accounts:
        click.echo(f"  {account.role:<22} {account.region:<14} {account.email:<34} {account.password}")


def register(app: Flask) -> None:
    app.cli.add_command(demo_command)
