"""A local web server for the link-capture tests, on 127.0.0.1 only: a normal page, a page that changes, a 404,
redirects (a chain, and to loopback and private addresses), a slow response, a large body, a gzip bomb, a page
that is not HTML, a page whose styles still point at images and fonts, and an RSS and an Atom feed with known dates."""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PAGE = """<!doctype html>
<html><head><title>Desa Sukamaju &amp; Inovasi</title>
<script>alert('x')</script><script src="https://tracker.example/t.js"></script>
<link rel="stylesheet" href="https://cdn.example/site.css">
<style>body { color: #123; }</style>
<link rel="alternate" type="application/rss+xml" href="/feed.rss" title="Berita">
</head>
<body onload="steal()">
<h1 onclick="bad()">Selamat datang di Desa Sukamaju</h1>
<p>Layanan surat online dan <a href="https://example.org/katalog" onmouseover="x()">katalog produk</a>.</p>
<img src="https://cdn.example/logo.png" alt="Logo desa">
<a href="javascript:alert(1)">klik</a>
<iframe src="https://ads.example/"></iframe>
<form action="https://evil.example/post"><input name="q"></form>
</body></html>
"""

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Berita Desa</title>
<item><title>a</title><pubDate>Sun, 06 Dec 2026 08:00:00 +0800</pubDate></item>
<item><title>b</title><pubDate>Fri, 20 Nov 2026 10:00:00 +0800</pubDate></item>
<item><title>c</title><pubDate>Mon, 01 Sep 2026 10:00:00 +0000</pubDate></item>
<item><title>d</title><pubDate>Mon, 02 Mar 2026 10:00:00 +0000</pubDate></item>
<item><title>e</title><pubDate>Wed, 01 Jan 2025 10:00:00 +0000</pubDate></item>
<item><title>no date</title></item>
</channel></rss>
"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Podcast Desa</title>
<entry><title>ep 3</title><published>2026-12-01T09:00:00+08:00</published>
<updated>2026-12-02T00:00:00Z</updated></entry>
<entry><title>ep 2</title><updated>2026-10-15T09:00:00Z</updated></entry>
<entry><title>ep 1</title><published>2025-06-01T09:00:00Z</published></entry>
</feed>
"""


@dataclass
class LinkServer:
    """The running server: its base address and state the tests can change (the changing page's text)."""

    base: str
    port: int
    state: dict[str, Any] = field(default_factory=dict)
    stopping: threading.Event = field(default_factory=threading.Event)
    hits: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"{self.base}{path}"


def _handler(server: LinkServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _send(
            self,
            status: int,
            body: bytes,
            content_type: str = "text/html; charset=utf-8",
            headers: dict[str, str] | None = None,
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Set-Cookie", "session=abc")
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def _redirect(self, location: str) -> None:
            self.send_response(302)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self) -> None:
            server.hits.append(self.path)
            server.state.setdefault("headers", []).append(dict(self.headers.items()))
            path = self.path.split("?", 1)[0]
            if path == "/page":
                self._send(200, PAGE.encode())
            elif path == "/changing":
                text = server.state.get("changing", "versi pertama")
                self._send(200, f"<html><head><title>Berubah</title></head><body><p>{text}</p></body></html>".encode())
            elif path == "/missing":
                self._send(404, b"<html><title>Not found</title></html>")
            elif path.startswith("/redirect/"):
                left = int(path.rsplit("/", 1)[1])
                self._redirect(f"/redirect/{left - 1}" if left > 1 else "/page")
            elif path == "/to-loopback":
                self._redirect(f"http://127.0.0.1:{server.port}/page")
            elif path == "/to-private":
                self._redirect("http://10.0.0.1/page")
            elif path == "/to-metadata":
                self._redirect("http://169.254.169.254/latest/meta-data/")
            elif path == "/to-file":
                self._redirect("file:///etc/passwd")
            elif path == "/slow":
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", "100000")
                self.end_headers()
                # One byte at a time, for as long as the client stays (or the server stops).
                try:
                    while not server.stopping.is_set():
                        self.wfile.write(b"x")
                        self.wfile.flush()
                        time.sleep(0.05)
                except OSError:
                    return
            elif path in ("/large", "/large-chunked"):
                size = 50 * 1024 * 1024
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                if path == "/large":
                    self.send_header("Content-Length", str(size))
                else:
                    self.send_header("Connection", "close")
                self.end_headers()
                block = b"a" * 65536
                try:
                    for _ in range(size // len(block)):
                        if server.stopping.is_set():
                            return
                        self.wfile.write(block)
                except OSError:
                    return
                self.close_connection = True
            elif path == "/bomb":
                self._send(200, server.state["bomb"], headers={"Content-Encoding": "gzip"})
            elif path == "/small-gzip":
                self._send(200, gzip.compress(PAGE.encode()), headers={"Content-Encoding": "gzip"})
            elif path == "/styled":
                # Everything a style can still ask for after the archive removed src/href: the screenshot must
                # not fetch any of it (tests/links/test_screenshot.py counts the hits).
                base = server.base
                self._send(
                    200,
                    (
                        "<html><head><title>Bergaya</title><style>"
                        f"@import url('{base}/styled/import.css');"
                        f"@font-face {{ font-family: Desa; src: url({base}/styled/font.woff2); }}"
                        f"body {{ font-family: Desa; background: #eef url({base}/styled/bg.png); }}"
                        "h1 { background-image: url(/styled/relative.png); }"
                        "</style></head><body><h1>Profil Desa Bergaya</h1>"
                        f'<div style="background-image: url({base}/styled/inline.png)">isi</div>'
                        f'<img src="{base}/styled/img.png" alt="foto">'
                        f'<svg><image href="{base}/styled/svg.png"/></svg></body></html>'
                    ).encode(),
                )
            elif path == "/plain":
                self._send(200, b"just text", "text/plain")
            elif path == "/feed.rss":
                self._send(200, RSS.encode(), "application/rss+xml")
            elif path == "/feed.atom":
                self._send(200, ATOM.encode(), "application/atom+xml")
            elif path == "/feed-page":
                self._send(
                    200,
                    b'<html><head><title>Blog</title><link rel="alternate" '
                    b'type="application/atom+xml" href="/feed.atom"></head><body>x</body></html>',
                )
            else:
                self._send(404, b"no")

    return Handler


@contextmanager
def link_server() -> Iterator[LinkServer]:
    """Serve on 127.0.0.1 on a free port for the length of the block."""
    state = LinkServer(base="", port=0)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    state.port = int(httpd.server_address[1])
    state.base = f"http://127.0.0.1:{state.port}"
    # 50 MB of zeros compress to about 50 kB.
    state.state["bomb"] = gzip.compress(b"\0" * (50 * 1024 * 1024), compresslevel=9)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.stopping.set()
        httpd.shutdown()
        httpd.server_close()
