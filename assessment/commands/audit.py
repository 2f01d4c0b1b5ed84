"""``desa-digital audit ...``: check the hash chain of the audit trail."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from assessment.audit import verify_chain
from assessment.extensions import db

audit_cli = AppGroup("audit", help="Jejak audit: periksa keutuhan rantai hash.")


@audit_cli.command("verify")
def verify_command() -> None:
    """Periksa setiap peristiwa audit; sebutkan peristiwa pertama yang diubah, dihapus atau dipindah (keluar 1)."""
    report = verify_chain(db.session)
    if report.problem is not None:
        click.echo(report.problem.message, err=True)
        click.echo(f"Rantai jejak audit RUSAK mulai peristiwa #{report.problem.seq}.", err=True)
        raise SystemExit(1)
    click.echo(f"Rantai jejak audit utuh: {report.count} peristiwa; hash terakhir {report.head_hash}.")


def register(app: Flask) -> None:
    app.cli.add_command(audit_cli)
