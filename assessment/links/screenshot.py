"""Screenshots of captured web pages, drawn by headless Chromium from the archived copy, never from the live site.

The rules, written once (tests in ``tests/links/test_screenshot.py``):

- **What is drawn.** The archived copy of the page (:mod:`assessment.links.page`: no scripts, no event handlers,
  no outgoing references), as stored with the capture. Chromium is never given the desa's address: the fetch
  rules (:mod:`assessment.links.fetch`: address checks, size and time bounds) stay the only way anything comes
  in from the network.
- **Nothing leaves.** JavaScript is off. The copy is served to Chromium under a made-up address from memory; every
  other request the page would make (a ``url()`` left in a style, a font) is aborted before it leaves the browser.
  Behind that, the copy carries the same Content-Security-Policy as on the assessor's page (``default-src
  'none'``), every host name resolves to nothing and the proxy is a closed local port. So the live page's images
  and style sheets are not in the screenshot (they would have to come through the safe fetcher; we chose not to):
  images show as their ``alt`` text, as in the archived copy the assessor opens.
- **Bounded.** A 1280 × 800 window, the full page down to at most 8,000 pixels; the whole drawing (start of
  Chromium included) within 45 seconds, in a child process that is killed with its browser when it runs over; a
  result that is not a PNG, or is larger than 10 MB, is refused. It runs in the worker's capture job only, never
  in a request.
- **Optional.** ``LINK_SCREENSHOTS``: ``auto`` (the default) draws screenshots when Chromium
  (``CHROMIUM_PATH``, else ``chromium`` or ``chromium-browser`` on the ``PATH``) and the Playwright package are
  both installed; ``0`` never; ``1`` always (a capture then says when Chromium is missing).
- **Once per copy.** The picture depends on the archived copy alone, so a recheck that finds the same copy (the
  same SHA-256) reuses the screenshot already drawn of it (:func:`assessment.links.capture.capture_link`).
- **Failure is an outcome.** A capture whose screenshot failed keeps everything else and says why
  (``screenshot_detail``); the capture job does not fail because of it.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

WIDTH, HEIGHT = 1280, 800
MAX_HEIGHT = 8000
SECONDS = 45.0
"""The time limit of one screenshot, Chromium's start included (a busy machine needs 5 to 15 seconds)."""
MAX_PNG_BYTES = 10 * 1024 * 1024
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ARCHIVE_ADDRESS = "http://arsip.invalid/"
"""The made-up address the archived copy is served under inside Chromium (``.invalid`` never resolves)."""
ARCHIVE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
CHROMIUM_NAMES = ("chromium", "chromium-browser")
CHROMIUM_ARGS = [
    # Behind the aborted requests: no name resolves and the proxy is a closed port (also for loopback addresses).
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--proxy-server=http://127.0.0.1:9",
    "--proxy-bypass-list=<-loopback>",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-domain-reliability",
    "--no-pings",
    "--dns-prefetch-disable",
    "--no-first-run",
    "--disable-gpu",
    "--disable-quic",
]


class ScreenshotFailed(Exception):
    """No screenshot; the message says why (kept on the capture)."""


@dataclass(frozen=True)
class Setting:
    """Whether to draw screenshots, with which Chromium, and (when asked for but impossible) why not."""

    chromium: str | None
    reason: str = ""


def resolve(setting: str, chromium_path: str = "") -> Setting:
    """``LINK_SCREENSHOTS`` (``auto``/``0``/``1``) and ``CHROMIUM_PATH`` turned into a Chromium to use (see the
    module docstring): off, or auto without Chromium or Playwright, gives no Chromium and no reason; on without
    them gives the reason."""
    mode = (setting or "auto").strip().lower()
    if mode in ("0", "off", "false", "no", "tidak"):
        return Setting(None)
    candidates = (
        [chromium_path] if chromium_path else [found for name in CHROMIUM_NAMES if (found := shutil.which(name))]
    )
    executable = next((path for path in candidates if path and os.access(path, os.X_OK)), None)
    missing = ""
    if executable is None:
        missing = "Chromium tidak ditemukan"
    elif importlib.util.find_spec("playwright") is None:
        missing = "paket Playwright tidak terpasang"
    if missing:
        return Setting(None, "" if mode == "auto" else missing)
    return Setting(executable)


def take_screenshot(archive_html: bytes, chromium: str, seconds: float = SECONDS) -> bytes:
    """A PNG of ``archive_html`` drawn by ``chromium`` under the rules of the module docstring; raises
    :class:`ScreenshotFailed` with the reason otherwise."""
    with tempfile.TemporaryDirectory(prefix="tangkapan-") as folder:
        source = Path(folder) / "arsip.html"
        target = Path(folder) / "layar.png"
        source.write_bytes(archive_html)
        # A child process of its own session: a hung Chromium is killed with everything it started.
        child = subprocess.Popen(  # noqa: S603 - our interpreter, our module, paths we made
            [sys.executable, "-m", "assessment.links.screenshot", chromium, str(source), str(target)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        try:
            _out, errors = child.communicate(timeout=seconds)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.communicate()
            raise ScreenshotFailed(f"Chromium tidak selesai dalam {seconds:.0f} detik") from None
        if child.returncode != 0:
            last = (errors or b"").decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
            raise ScreenshotFailed(f"Chromium gagal (status {child.returncode}): {last[0][:300]}")
        if not target.is_file():
            raise ScreenshotFailed("Chromium tidak menghasilkan gambar")
        if target.stat().st_size > MAX_PNG_BYTES:
            raise ScreenshotFailed("gambar lebih dari 10 MB")
        png = target.read_bytes()
    if not png.startswith(PNG_SIGNATURE):
        raise ScreenshotFailed("hasil Chromium bukan PNG")
    return png


def draw(chromium: str, source: Path, target: Path, blocked: list[str] | None = None) -> None:
    """Draw ``source`` (an archived copy) into ``target`` (PNG) with ``chromium``; every request other than the copy
    itself is aborted and, when ``blocked`` is given, its address appended to it. Runs in the child process (or a
    test), since Playwright's browser must be killable as a whole."""
    from playwright.sync_api import Route, ViewportSize, sync_playwright

    html = source.read_bytes()

    def answer(route: Route) -> None:
        if route.request.url == ARCHIVE_ADDRESS:
            route.fulfill(
                status=200,
                body=html,
                content_type="text/html; charset=utf-8",
                headers={"Content-Security-Policy": ARCHIVE_POLICY},
            )
            return
        if blocked is not None:
            blocked.append(route.request.url)
        route.abort("blockedbyclient")

    timeout_ms = SECONDS * 1000
    # Chromium's own sandbox cannot start as root (containers); elsewhere it stays on.
    args = [*CHROMIUM_ARGS, "--no-sandbox"] if os.geteuid() == 0 else CHROMIUM_ARGS
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=args, timeout=timeout_ms)
        try:
            context = browser.new_context(
                java_script_enabled=False,
                viewport=ViewportSize(width=WIDTH, height=HEIGHT),
                service_workers="block",
                accept_downloads=False,
            )
            page = context.new_page()
            page.route("**/*", answer)
            page.goto(ARCHIVE_ADDRESS, wait_until="load", timeout=timeout_ms)
            png = page.screenshot(
                full_page=True,
                type="png",
                timeout=timeout_ms,
                animations="disabled",
                clip={"x": 0, "y": 0, "width": WIDTH, "height": MAX_HEIGHT},
            )
        finally:
            browser.close()
    target.write_bytes(png)


def main(arguments: list[str]) -> int:
    """``python -m assessment.links.screenshot CHROMIUM SOURCE.html TARGET.png`` (the child process)."""
    if len(arguments) != 3:
        print("pakai: CHROMIUM SUMBER.html TUJUAN.png", file=sys.stderr)
        return 2
    try:
        draw(arguments[0], Path(arguments[1]), Path(arguments[2]))
    except Exception as error:  # reported to the parent on stderr, as one line
        print(f"{type(error).__name__}: {' '.join(str(error).split())[:300]}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
