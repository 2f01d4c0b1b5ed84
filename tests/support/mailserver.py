"""A fake SMTP server on 127.0.0.1 for tests that run the worker in another process (where the in-process
``FakeSMTP`` of tests/web/test_inbox.py cannot reach): it speaks just enough SMTP for :mod:`smtplib` (no TLS, no
authentication), keeps every message it accepted, and can be told to take a message and then hang before
answering (a worker killed between the server's acceptance and its own commit)."""

from __future__ import annotations

import email
import socketserver
import threading
from email.message import Message
from types import TracebackType


class _Session(socketserver.StreamRequestHandler):
    server: _Server

    def _reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self) -> None:
        self._reply("220 fake ESMTP")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            command = line.decode(errors="replace").strip().upper()
            if command.startswith(("EHLO", "HELO")):
                self._reply("250 fake")
            elif command.startswith(("MAIL", "RCPT", "RSET", "NOOP")):
                self._reply("250 OK")
            elif command == "DATA":
                self._reply("354 end with <CRLF>.<CRLF>")
                lines: list[bytes] = []
                while (part := self.rfile.readline()) not in (b".\r\n", b".\n", b""):
                    lines.append(part[1:] if part.startswith(b"..") else part)
                message = email.message_from_bytes(b"".join(lines))
                with self.server.lock:
                    self.server.messages.append(message)
                    hang = self.server.hang_after is not None and len(self.server.messages) > self.server.hang_after
                if hang:
                    self.server.hanging.set()
                    self.server.release.wait()
                    return
                self._reply("250 queued")
            elif command == "QUIT":
                self._reply("221 bye")
                return
            else:
                self._reply("502 not implemented")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Session)
        self.messages: list[Message] = []
        self.lock = threading.Lock()
        self.hang_after: int | None = None
        self.hanging = threading.Event()
        self.release = threading.Event()


class FakeMailServer:
    """``with FakeMailServer() as server:`` ... ``server.port``, ``server.messages``; ``hang_after=n`` accepts
    message n+1 (it counts as delivered) and never answers it."""

    def __init__(self, hang_after: int | None = None) -> None:
        self._server = _Server()
        self._server.hang_after = hang_after
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def messages(self) -> list[Message]:
        with self._server.lock:
            return list(self._server.messages)

    @property
    def hanging(self) -> threading.Event:
        return self._server.hanging

    def stop_hanging(self) -> None:
        with self._server.lock:
            self._server.hang_after = None
        self._server.release.set()

    def __enter__(self) -> FakeMailServer:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop_hanging()
        self._server.shutdown()
        self._server.server_close()
