"""``desa-digital audit ...``: check the hash chain of the audit trail, and print its anchor."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from assessment.platform.extensions import db
from assessment.services.audit import ChainAnchor, chain_anchor, verify_chain

audit_cli = AppGroup("audit", help="Jejak audit: periksa keutuhan rantai hash.")


def _anchor(_context: click.Context, _parameter: click.Parameter, values: tuple[str, ...]) -> list[ChainAnchor]:
    try:
        return [ChainAnchor.parse(value) for value in values]
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


@audit_cli.command("verify")
@click.option(
    "--anchor",
    "anchors",
    multiple=True,
    callback=_anchor,
    metavar="JUMLAH:HASH",
    help="Jangkar yang tercetak (berita acara, snapshot final): rantai harus masih memuat peristiwa "
    "ke-JUMLAH dengan hash itu. Boleh berulang.",
)
def verify_command(anchors: list[ChainAnchor]) -> None:
    """Periksa hash, tanda tangan (MAC) dan tautan setiap peristiwa audit serta jangkar yang diberikan; sebutkan
    peristiwa pertama yang diubah, dihapus atau dipindah (keluar 1)."""
    report = verify_chain(db.session, anchors=anchors)
    if report.problem is not None:
        click.echo(report.problem.message, err=True)
        click.echo(f"Rantai jejak audit RUSAK mulai peristiwa #{report.problem.seq}.", err=True)
        raise SystemExit(1)
    click.echo(f"Rantai jejak audit utuh: {report.count} peristiwa; hash terakhir {report.head_hash}.")
    if anchors:
        click.echo(f"Cocok dengan {len(anchors)} jangkar yang diberikan.")
    if report.unsigned:
        click.echo(
            f"{report.unsigned} peristiwa ditulis sebelum penandatanganan (tanpa MAC); peristiwa bertanda "
            "tangan sesudahnya menjamin tautannya."
        )


@audit_cli.command("anchor")
def anchor_command() -> None:
    """Cetak jangkar rantai audit saat ini (JUMLAH:HASH) untuk disimpan di luar basis data."""
    click.echo(str(chain_anchor(db.session)))


def register(app: Flask) -> None:
    app.cli.add_command(audit_cli)
