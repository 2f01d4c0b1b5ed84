"""``desa-digital notifications deadlines``: remind whoever must still act before a stage ends;
``desa-digital notifications send``: mail what waits in the e-mail outbox."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from assessment.deadlines import send_deadline_reminders
from assessment.notifications import send_pending
from assessment.wita import now_utc

notifications_cli = AppGroup("notifications", help="Pemberitahuan: pengingat tenggat dan kotak keluar e-mail.")


@notifications_cli.command("deadlines")
@click.option("--hours", type=click.IntRange(min=1, max=24 * 30), default=48, show_default=True,
              help="Ingatkan bila tahap berakhir dalam sekian jam.")
def deadlines_command(hours: int) -> None:
    """Kirim pengingat tenggat (kotak masuk, dan e-mail bila SMTP diatur) sekali per orang per tahap."""
    sent = send_deadline_reminders(now_utc(), hours)
    people = len({reminder.user_id for reminder in sent})
    click.echo(f"{len(sent)} pengingat tenggat terkirim kepada {people} orang (tahap berakhir dalam {hours} jam).")


@notifications_cli.command("send")
@click.option("--batch", type=click.IntRange(min=1, max=10_000), default=200, show_default=True,
              help="E-mail per sambungan SMTP.")
def send_command(batch: int) -> None:
    """Kirim e-mail pemberitahuan yang masih menunggu di kotak keluar (aman dijalankan dari cron tiap beberapa
    menit). Berhenti pada kelompok pertama yang gagal; yang gagal dicoba lagi pada jalan berikutnya."""
    if not current_app.config.get("SMTP_HOST"):
        click.echo("SMTP_HOST tidak diatur: tidak ada e-mail yang dikirim.")
        return
    total_sent = total_failed = 0
    while True:
        sent, failed = send_pending(limit=batch)
        total_sent += sent
        total_failed += failed
        if failed or sent < batch:
            break
    click.echo(f"{total_sent} e-mail terkirim, {total_failed} gagal (dicoba lagi nanti).")
    if total_failed:
        raise SystemExit(1)


def register(app: Flask) -> None:
    app.cli.add_command(notifications_cli)
