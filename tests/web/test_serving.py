"""The server `make run` starts (waitress via `desa-digital serve`): slow clients cannot hold the app."""

from __future__ import annotations

import http.client
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from assessment.platform.serving import create_server, server_settings

SLOW_CLIENTS = 20


@pytest.fixture
def served(app: Flask) -> Iterator[int]:
    """The app on waitress on a free loopback port, with only 2 worker threads (as few as gunicorn's 2 workers)."""
    server = create_server(app, "127.0.0.1", 0, threads=2)
    runner = threading.Thread(target=server.run, daemon=True)
    runner.start()
    yield int(server.effective_port)
    server.task_dispatcher.shutdown()
    server.close()
    for dispatcher in list(server._map.values()):
        dispatcher.close()
    runner.join(timeout=10)


def _slow_sign_in(port: int) -> socket.socket:
    """A client that announced a 1,000-byte sign-in form and has sent only its first bytes (and then stalls)."""
    connection = socket.create_connection(("127.0.0.1", port), timeout=30)
    connection.sendall(
        b"POST /masuk HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nemail=si"
    )
    return connection


def _get(port: int, path: str) -> tuple[int, bytes]:
    # The timeout only stops a hung test; the assertion is that the answer comes while the slow clients stall.
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_twenty_stalled_sign_in_uploads_do_not_hold_other_visitors(served: int) -> None:
    stalled = [_slow_sign_in(served) for _ in range(SLOW_CLIENTS)]
    try:
        for path in ("/", "/masuk", "/static/css/app.css"):
            status, body = _get(served, path)
            assert status == 200, path
            assert body
        # The stalled clients are still mid-body: none has been answered.
        for connection in stalled:
            connection.setblocking(False)
            with pytest.raises(BlockingIOError):
                connection.recv(1)
    finally:
        for connection in stalled:
            connection.close()


def test_server_limits_follow_the_upload_limit() -> None:
    settings = server_settings(25 * 1024 * 1024)
    assert settings["max_request_body_size"] == 26 * 1024 * 1024
    assert settings["outbuf_high_watermark"] >= settings["max_request_body_size"]
    assert settings["asyncore_use_poll"] is True


def test_make_run_serves_with_the_buffering_server() -> None:
    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text(encoding="utf-8")
    run_recipe: list[Any] = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0].splitlines()
    assert any("desa-digital serve" in line for line in run_recipe)
    assert not any("gunicorn" in line for line in run_recipe)
