"""The HTTP server `make run` starts: waitress, set so that slow or stalled clients cannot hold the app.

Why waitress: it reads each request completely (headers and body, spooled to a temporary file past 512 KB) on
its I/O thread before a worker thread sees it, and it buffers each response the same way. A client sending a
sign-in form at 15 bytes per second, or a phone uploading a photo over a weak connection, therefore costs an
open socket, never a worker; with gunicorn's sync workers (the server used before) two such clients held both
workers and every other visitor waited. Measured in ``bench/slow_clients.py``; the production set-up (nginx in
front, TLS, worker counts) is in ``docs/deployment.md``.

The settings, and why:

- ``threads`` (8): worker threads running the app. They only ever wait on the database or the CPU.
- ``connection_limit`` (500): open connections; past it new ones wait in the listen backlog. Waitress is told
  to use ``poll`` so more than 1,024 descriptors (sockets plus spooled bodies) never trip ``select``.
- ``channel_timeout`` (60 s): a connection that sends nothing for this long is closed (a stalled phone).
- ``max_request_body_size``: the upload limit (``MAX_UPLOAD_MB``) plus 1 MB for the form around the file; a
  larger body is refused by waitress before any of it is spooled beyond that.
- ``outbuf_high_watermark``: as large as the largest upload, so sending an evidence file to a slow phone is
  buffered (on disk past 1 MB) and does not hold a worker thread until the phone has read it.
- ``ident``: no server name and version in the ``Server`` header.
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

log = logging.getLogger("assessment.access")

DEFAULT_THREADS = 8
CONNECTION_LIMIT = 500
CHANNEL_TIMEOUT_SECONDS = 60


def server_settings(max_content_length: int, threads: int = DEFAULT_THREADS) -> dict[str, Any]:
    """The waitress settings for an app whose largest accepted request body is ``max_content_length`` bytes."""
    largest = int(max_content_length) + 1024 * 1024
    return {
        "threads": threads,
        "connection_limit": CONNECTION_LIMIT,
        "asyncore_use_poll": True,
        "channel_timeout": CHANNEL_TIMEOUT_SECONDS,
        "max_request_body_size": largest,
        "outbuf_high_watermark": largest,
        "ident": "",
        # X-Forwarded-* are handled by the app (TRUSTED_PROXIES, werkzeug's ProxyFix), not by waitress.
        "clear_untrusted_proxy_headers": False,
    }


def access_logged(app: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
    """Wrap a WSGI app so each request is logged once: method, path, status and time taken (no query string:
    it can hold a search term or a sign-in ``next``)."""

    def logged(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        started = time.perf_counter()
        status: list[str] = []

        def recording_start_response(code: str, headers: Any, exc_info: Any = None) -> Any:
            status.append(code.split(" ", 1)[0])
            return start_response(code, headers, exc_info) if exc_info else start_response(code, headers)

        try:
            return app(environ, recording_start_response)
        finally:
            log.info(
                "%s %s %s %.0f ms",
                environ.get("REQUEST_METHOD"),
                environ.get("PATH_INFO"),
                status[0] if status else "-",
                (time.perf_counter() - started) * 1000,
            )

    return logged


GC_THRESHOLDS = (50_000, 20, 100)


def settle_heap() -> None:
    """Tune Python's cyclic garbage collector for a long-running server process, once its app is built.

    Why: a province's first ranking or dashboard view after a change builds a few hundred thousand short-lived
    objects (50,000 score rows, 17,000 final levels, the page), and with Python's default thresholds (700, 10, 10)
    that set off one or two full collections per view, each walking every object the process holds (the app's
    own 330,000 at start, plus the kept results): about 0.2-0.3 s of CPU per view at that scale, measured in
    ``bench/bench_dashboard.py``. So: collect once, move what exists now (modules, the app, templates) out of the
    collector's sight (``gc.freeze``: it lives as long as the process anyway), and collect the young generation
    every 50,000 allocations instead of 700. Reference cycles are still collected, only less often; memory is
    freed by reference counting as before.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def create_server(app: Flask, host: str, port: int, *, threads: int = DEFAULT_THREADS, access_log: bool = False) -> Any:
    """A waitress server for ``app`` bound to ``host``:``port`` (0: any free port), not yet running.

    Call ``.run()`` to serve and ``.close()`` to stop; ``.effective_port`` is the bound port.
    """
    from waitress import create_server as waitress_server

    application = access_logged(app) if access_log else app
    return waitress_server(
        application, host=host, port=port, **server_settings(app.config["MAX_CONTENT_LENGTH"], threads)
    )
