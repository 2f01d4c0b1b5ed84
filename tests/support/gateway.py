"""A fake WhatsApp/SMS gateway on 127.0.0.1: records each POST (headers and JSON body) and answers with the
statuses it is given (200 once they run out)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with self.server.lock:
            self.server.requests.append((dict(self.headers.items()), json.loads(body)))
            status = self.server.statuses.pop(0) if self.server.statuses else 200
        answer = b'{"ok": true}' if status < 400 else b'{"error": "nomor tidak terdaftar"}'
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: Any) -> None:
        return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[tuple[dict[str, str], Any]] = []
        self.statuses: list[int] = []
        self.lock = threading.Lock()


class FakeGateway:
    """``with FakeGateway() as gateway:`` ... ``gateway.url``, ``gateway.requests``, ``gateway.answer(500, ...)``."""

    def __init__(self) -> None:
        self._server = _Server()
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/kirim"

    @property
    def requests(self) -> list[tuple[dict[str, str], Any]]:
        with self._server.lock:
            return list(self._server.requests)

    def answer(self, *statuses: int) -> None:
        with self._server.lock:
            self._server.statuses = list(statuses)

    def __enter__(self) -> FakeGateway:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
