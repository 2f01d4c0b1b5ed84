"""``desa-digital evidence purge``: delete evidence files past their retention period (hashes stay)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from assessment.platform.storage import get_store
from assessment.services.retention import purge_expired_evidence
from assessment.services.sweep import DEFAULT_GRACE, sweep_evidence_store

evidence_cli = AppGroup("evidence", help="Berkas bukti: masa simpan dan pembersihan sisa unggahan.")


@evidence_cli.command("purge")
@click.option(
    "--days",
    type=click.IntRange(min=1),
    help="Masa simpan dalam hari (bawaan: EVIDENCE_RETENTION_DAYS dari konfigurasi).",
)
@click.option("--dry-run", is_flag=True, help="Hanya hitung; tidak menghapus apa pun.")
def purge_command(days: int | None, dry_run: bool) -> None:
    """Hapus berkas bukti yang diunggah lebih lama dari masa simpan; baris dan hash-nya tetap disimpan."""
    days = days or current_app.config.get("EVIDENCE_RETENTION_DAYS")
    if not days:
        raise click.UsageError("Masa simpan belum ditetapkan: pakai --days N atau EVIDENCE_RETENTION_DAYS.")
    result = purge_expired_evidence(get_store(), int(days), datetime.now(UTC), dry_run=dry_run)
    verb = "akan dihapus" if dry_run else "dihapus"
    click.echo(
        f"Masa simpan {days} hari: berkas dari {result.evidence} bukti {verb} ({result.files} berkas "
        f"tersimpan); baris bukti dan hash-nya tetap."
    )


@evidence_cli.command("sweep")
@click.option(
    "--grace-minutes",
    type=click.IntRange(min=0),
    default=int(DEFAULT_GRACE.total_seconds() // 60),
    show_default=True,
    help="Hanya sisa yang lebih tua dari ini yang dihapus (unggahan yang sedang berjalan aman).",
)
@click.option("--dry-run", is_flag=True, help="Hanya hitung; tidak menghapus apa pun.")
def sweep_command(grace_minutes: int, dry_run: bool) -> None:
    """Hapus sisa unggahan yang terputus: berkas sementara dan berkas tersimpan yang tidak dirujuk bukti mana pun."""
    result = sweep_evidence_store(get_store(), datetime.now(UTC), timedelta(minutes=grace_minutes), dry_run=dry_run)
    verb = "akan dihapus" if dry_run else "dihapus"
    click.echo(
        f"Sisa unggahan {verb}: {result.incomplete} berkas sementara, {result.unreferenced} berkas tanpa "
        f"baris bukti (lebih tua dari {grace_minutes} menit)."
    )


def register(app: Flask) -> None:
    app.cli.add_command(evidence_cli)
