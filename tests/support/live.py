"""A real server in a subprocess (gunicorn on 127.0.0.1) and a small HTTP client that signs in like a browser.

Used by the fault tests (the server is killed with SIGKILL mid-request) and by the load test in ``bench/``.
"""

from __future__ import annotations

import contextlib
import html
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import pyotp

PROJECT_DIR = Path(__file__).resolve().parents[2]
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class LiveServer:
    """gunicorn serving ``assessment:create_app()`` with ``env`` added to this process's environment."""

    env: dict[str, str]
    workers: int = 1
    threads: int = 1
    log: Path | None = None
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60) -> LiveServer:
        env = {**os.environ, **self.env}
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            "--threads",
            str(self.threads),
            "--timeout",
            "120",
            "--graceful-timeout",
            "5",
            "assessment:create_app()",
        ]
        output = self.log.open("ab") if self.log else None
        try:
            # Its own process group, so a kill reaches the master and its workers and nothing else.
            self.process = subprocess.Popen(
                command,
                cwd=PROJECT_DIR,
                env=env,
                stdout=output or subprocess.DEVNULL,
                stderr=output or subprocess.DEVNULL,
                start_new_session=True,
            )
        finally:
            if output is not None:
                output.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return self
            time.sleep(0.2)
        self.kill()
        raise RuntimeError("gunicorn did not start in time")

    def kill(self) -> None:
        """SIGKILL the master and its workers (no shutdown handlers run, as in a power cut or an OOM kill)."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()


@dataclass
class Response:
    """Status, headers (lower-case names) and body of one response."""

    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class WebClient:
    """One browser: a keep-alive connection, a cookie jar, and the CSRF token of the last page read."""

    def __init__(self, port: int, timeout: float = 60) -> None:
        self.port = port
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self.connection: http.client.HTTPConnection | None = None

    def _connection(self) -> http.client.HTTPConnection:
        if self.connection is None:
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        return self.connection

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> Response:
        all_headers = {"Accept-Language": "id", **(headers or {})}
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in range(2):
            connection = self._connection()
            try:
                connection.request(method, path, body=body, headers=all_headers)
                raw = connection.getresponse()
                data = raw.read()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # gunicorn's sync worker closes idle keep-alive connections: reconnect once.
                self.close()
                if attempt:
                    raise
        for name, value in raw.getheaders():
            if name.lower() == "set-cookie":
                cookie = value.split(";", 1)[0]
                key, _, val = cookie.partition("=")
                if val and "expires=thu, 01 jan 1970" not in value.lower():
                    self.cookies[key.strip()] = val.strip()
                else:
                    self.cookies.pop(key.strip(), None)
        return Response(raw.status, {k.lower(): v for k, v in raw.getheaders()}, data)

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(self, path: str, fields: dict[str, str]) -> Response:
        body = urllib.parse.urlencode(fields).encode()
        return self.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    @staticmethod
    def csrf(page: str) -> str:
        found = _CSRF.search(page)
        if not found:
            raise AssertionError("no CSRF token on the page")
        return html.unescape(found.group(1))

    def login(self, email: str, password: str, totp_secret: str | None = None) -> None:
        """Sign in through the login page (and the code page, computing the TOTP code from the secret)."""
        token = self.csrf(self.get("/masuk").text)
        done = self.post("/masuk", {"csrf_token": token, "email": email, "password": password, "next": ""})
        if done.status != 302:
            raise AssertionError(f"sign-in refused ({done.status})")
        if "/masuk/kode" in done.headers.get("location", ""):
            if totp_secret is None:
                raise AssertionError("this account needs a second factor")
            token = self.csrf(self.get("/masuk/kode").text)
            done = self.post("/masuk/kode", {"csrf_token": token, "code": pyotp.TOTP(totp_secret).now()})
            if done.status != 302:
                raise AssertionError(f"second factor refused ({done.status})")


def multipart(
    fields: dict[str, str], file_field: str, filename: str, data: bytes, content_type: str = "application/octet-stream"
) -> tuple[bytes, str]:
    """A multipart/form-data body and its Content-Type header."""
    boundary = "----batas" + os.urandom(8).hex()
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="{filename}"\r\n'
        f"Content-Type: {content_type}\r\n\r\n".encode()
        + data
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"
