"""``desa-digital serve``: run the web app on waitress (see :mod:`assessment.platform.serving` for why and how)."""

from __future__ import annotations

import logging
import signal

import click
from flask import Flask, current_app

from assessment.platform.serving import DEFAULT_THREADS, create_server, settle_heap


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Alamat yang didengarkan.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port yang didengarkan.")
@click.option(
    "--threads",
    default=DEFAULT_THREADS,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Jumlah thread pekerja aplikasi.",
)
@click.option(
    "--access-log/--no-access-log",
    default=True,
    show_default=True,
    help="Catat tiap permintaan (metode, jalur, status, lama) ke keluaran standar.",
)
def serve_command(host: str, port: int, threads: int, access_log: bool) -> None:
    """Jalankan aplikasi web (waitress) di HOST:PORT sampai dihentikan (Ctrl+C)."""
    if access_log:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
        logging.getLogger("waitress").setLevel(logging.WARNING)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    server = create_server(app, host, port, threads=threads, access_log=access_log)
    click.echo(f"Melayani di http://{host}:{server.effective_port} ({threads} thread; hentikan dengan Ctrl+C)")
    # systemd and `kill` stop with SIGTERM: stop like Ctrl+C, so requests in progress get up to 5 s to finish
    # (waitress shuts its worker threads down on SystemExit) instead of being cut off.
    signal.signal(signal.SIGTERM, _stop)
    settle_heap()
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()


def _stop(_signal: int, _frame: object) -> None:
    raise SystemExit(0)


def register(app: Flask) -> None:
    app.cli.add_command(serve_command)
