"""``desa-digital backup OUT`` and ``desa-digital restore IN``: the database and evidence in one checked archive."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext

from assessment.platform.extensions import db
from assessment.platform.storage import StorageError, get_store
from assessment.services.audit import verify_chain
from assessment.services.backup import BackupError, restore_backup, write_backup


@click.command("backup")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(out: Path) -> None:
    """Cadangkan basis data dan berkas bukti ke arsip OUT (dengan manifest berisi hash setiap bagian)."""
    if out.exists():
        raise click.ClickException(f"{out} sudah ada; pilih nama lain (arsip lama tidak ditimpa).")
    try:
        summary = write_backup(out, get_store())
    except (StorageError, OSError) as error:
        raise click.ClickException(f"Cadangan gagal: {error}") from None
    click.echo(
        f"Cadangan ditulis ke {out}: {sum(summary.rows.values())} baris dari {len(summary.rows)} tabel, "
        f"{summary.evidence_files} berkas bukti."
    )


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--accept-other-key",
    is_flag=True,
    help="Terima arsip yang ditandatangani dengan SECRET_KEY lain (hash bagian tetap diperiksa).",
)
@click.option(
    "--accept-broken-audit",
    is_flag=True,
    help="Pulihkan juga bila rantai jejak audit di arsip rusak (atau bertanda tangan kunci audit lain); "
    "pemulihan ini dicatat di jejak audit.",
)
@with_appcontext
def restore_command(source: Path, accept_other_key: bool, accept_broken_audit: bool) -> None:
    """Pulihkan arsip cadangan SOURCE ke basis data kosong (jalankan `db upgrade` dulu)."""
    try:
        summary = restore_backup(
            source, get_store(), accept_other_key=accept_other_key, accept_broken_audit=accept_broken_audit
        )
    except BackupError as error:
        for problem in error.problems:
            click.echo(f"{source}: {problem}", err=True)
        raise click.ClickException("Tidak ada yang dipulihkan.") from None
    report = verify_chain(db.session)
    click.echo(
        f"Dipulihkan dari {source}: {sum(summary.rows.values())} baris, {summary.evidence_files} berkas "
        f"bukti. Jejak audit: {'utuh' if report.intact else 'RUSAK'} ({report.count} peristiwa)."
    )


def register(app: Flask) -> None:
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
