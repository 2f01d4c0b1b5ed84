"""``desa-digital notifications deadlines``: remind whoever must still act before a stage ends."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from assessment.deadlines import send_deadline_reminders
from assessment.wita import now_utc

notifications_cli = AppGroup("notifications", help="Pemberitahuan: pengingat tenggat.")


@notifications_cli.command("deadlines")
@click.option("--hours", type=click.IntRange(min=1, max=24 * 30), default=48, show_default=True,
              help="Ingatkan bila tahap berakhir dalam sekian jam.")
def deadlines_command(hours: int) -> None:
    """Kirim pengingat tenggat (kotak masuk, dan e-mail bila SMTP diatur) sekali per orang per tahap."""
    sent = send_deadline_reminders(now_utc(), hours)
    people = len({reminder.user_id for reminder in sent})
    click.echo(f"{len(sent)} pengingat tenggat terkirim kepada {people} orang (tahap berakhir dalam {hours} jam).")


def register(app: Flask) -> None:
    app.cli.add_command(notifications_cli)
