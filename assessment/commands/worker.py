"""``desa-digital worker``: the background worker (e-mail outbox, deadline reminders, link captures, scheduled work; see
:mod:`assessment.jobs`), once, for good, or beside a server command (``make run``)."""

from __future__ import annotations

import logging

import click
from flask import Flask

from assessment.jobs import queue
from assessment.jobs.worker import run_forever, run_once, supervise
from assessment.models import JobStatus


@click.command("worker", context_settings={"ignore_unknown_options": True})
@click.option("--once", is_flag=True, help="Jalankan pekerjaan yang sudah jatuh tempo, lalu berhenti.")
@click.option(
    "--queue",
    "queues",
    multiple=True,
    type=click.Choice(queue.QUEUE_NAMES),
    help="Hanya antrean ini (boleh diulang): links = pengarsipan tautan, default = selebihnya. "
    "Tanpa opsi: keduanya, bergantian.",
)
@click.argument("server", nargs=-1, type=click.UNPROCESSED)
def worker_command(once: bool, queues: tuple[str, ...], server: tuple[str, ...]) -> None:
    """Pekerja latar: kirim e-mail pemberitahuan, pengingat tenggat, arsip tautan bukti, dan pekerjaan terjadwal
    lain dari antrean di basis data (tanpa cron). `worker --queue links` hanya mengarsipkan tautan, `worker
    --queue default` mengerjakan selebihnya. `worker -- PERINTAH-SERVER ...` menjalankan pekerja di samping
    server web dan menghentikan keduanya bersama (Ctrl+C atau sinyal)."""
    if server and once:
        raise click.UsageError("--once tidak dapat dipakai bersama perintah server.")
    if server:
        if queues:
            raise click.UsageError("--queue tidak dapat dipakai bersama perintah server.")
        raise SystemExit(supervise(server))
    name = queue.worker_name()
    chosen = list(queues) or None
    if not once:
        # Under `make run` the worker's lines appear beside gunicorn's: a start, each retry, each parked job.
        logging.basicConfig(level=logging.INFO, format="[%(asctime)s] [worker] [%(levelname)s] %(message)s")
        run_forever(name, chosen)
        return
    outcomes = run_once(name, queues=chosen)
    done = sum(outcome.status is JobStatus.done for outcome in outcomes)
    held = sum(outcome.deferred for outcome in outcomes)
    retried = [outcome for outcome in outcomes if outcome.status is JobStatus.pending and not outcome.deferred]
    parked = [outcome for outcome in outcomes if outcome.status is JobStatus.parked]
    click.echo(
        f"{len(outcomes)} pekerjaan dijalankan: {done} selesai, {held} ditahan jam tenang, "
        f"{len(retried)} dicoba lagi nanti, {len(parked)} diparkir."
    )
    for outcome in retried + parked:
        label = "dicoba lagi nanti" if outcome.status is JobStatus.pending else "diparkir"
        click.echo(f"  #{outcome.job_id} {outcome.kind} ({label}): {outcome.detail}")
    if retried or parked:
        raise SystemExit(1)


def register(app: Flask) -> None:
    app.cli.add_command(worker_command)
