"""``desa-digital notifications deadlines``: send the deadline reminders due now (what the worker does every 15
minutes); ``desa-digital notifications send``: mail what waits in the e-mail outbox now (what the worker does
within seconds)."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from assessment.platform.wita import now_utc
from assessment.services.deadlines import plan_deadline_reminders, send_deadline_reminders
from assessment.services.notifications import send_pending

notifications_cli = AppGroup("notifications", help="Pemberitahuan: pengingat tenggat dan kotak keluar e-mail.")


@notifications_cli.command("deadlines")
@click.option(
    "--hours",
    type=click.IntRange(min=1, max=24 * 30),
    default=None,
    help="Cara lama: ingatkan sekali per tahap bila tahap berakhir dalam sekian jam.",
)
def deadlines_command(hours: int | None) -> None:
    """Kirim sekarang pengingat tenggat yang sudah jatuh tempo (H-7, H-3, H-1 menurut REMINDER_DAYS; kotak masuk,
    dan e-mail bila SMTP diatur), sekali per orang per tahap per jarak hari. Pekerja latar melakukannya sendiri
    tiap 15 menit."""
    now = now_utc()
    if hours is not None:
        legacy = send_deadline_reminders(now, hours)
        people = len({reminder.user_id for reminder in legacy})
        click.echo(
            f"{len(legacy)} pengingat tenggat terkirim kepada {people} orang (tahap berakhir dalam {hours} jam)."
        )
        return
    sent = plan_deadline_reminders(now, current_app.config.get("REMINDER_DAYS") or (7, 3, 1))
    people = len({reminder.user_id for reminder in sent})
    click.echo(f"{len(sent)} pengingat tenggat terkirim kepada {people} orang.")


@notifications_cli.command("send")
@click.option(
    "--batch", type=click.IntRange(min=1, max=10_000), default=200, show_default=True, help="E-mail per sambungan SMTP."
)
def send_command(batch: int) -> None:
    """Kirim sekarang e-mail pemberitahuan yang menunggu di kotak keluar, termasuk yang menunggu percobaan ulang
    (pekerja latar biasanya sudah mengirimnya dalam beberapa detik). Keluar dengan status 1 bila ada yang gagal;
    yang gagal dicoba lagi nanti."""
    if not current_app.config.get("SMTP_HOST"):
        click.echo("SMTP_HOST tidak diatur: tidak ada e-mail yang dikirim.")
        return
    sent, failed = send_pending(limit=batch)
    click.echo(f"{sent} e-mail terkirim, {failed} gagal (dicoba lagi nanti).")
    if failed:
        raise SystemExit(1)


@notifications_cli.command("test")
@click.option("--channel", type=click.Choice(["email", "whatsapp"]), required=True, help="Saluran yang diuji.")
@click.option("--to", "address", required=True, help="Alamat e-mail atau nomor HP (08…, +62… atau 62…).")
def test_command(channel: str, address: str) -> None:
    """Antrekan satu pesan uji; `desa-digital worker --once` berikutnya mengirimnya (status 0 bila saluran
    menerimanya, 1 beserta alasannya bila tidak). Jam tenang tidak menahan pesan uji."""
    from assessment.delivery.operations import queue_test_message
    from assessment.platform.phone import InvalidPhone, normalise_phone

    if channel == "whatsapp":
        try:
            address = normalise_phone(address)
        except InvalidPhone:
            raise click.BadParameter("bukan nomor HP Indonesia (contoh: 0812 3456 7890)", param_hint="--to") from None
    job = queue_test_message(None, channel, now_utc(), to=address)
    click.echo(f"Pesan uji #{job.id} ({channel}) ke {address} diantrekan; jalankan `desa-digital worker --once`.")


def register(app: Flask) -> None:
    app.cli.add_command(notifications_cli)
