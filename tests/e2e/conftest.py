"""Browser tests: the app served from a thread on 127.0.0.1, driven by Playwright with Debian's Chromium.

These tests never skip themselves: without Chromium or axe-core (``AXE_JS``, fetched by ``make pytest``) they
fail with a message saying what is missing.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, Request
from werkzeug.serving import BaseWSGIServer, make_server

from assessment import create_app
from assessment.platform.extensions import db
from tests.conftest import config_for_tests, reset_database

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PHONE = {"width": 412, "height": 800}


@pytest.fixture(scope="session")
def base_url() -> str | None:
    """Replaces pytest-base-url's fixture, whose definition pytest 9 warns about (warnings are errors here).

    Tests take their URL from ``live_server`` instead.
    """
    return None


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not CHROMIUM.is_file():
        pytest.fail(f"Chromium is missing at {CHROMIUM}: apt-get install -y chromium (see RECIPES.md)")
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "headless": True, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def axe_js() -> Path:
    value = os.environ.get("AXE_JS")
    if not value or not Path(value).is_file():
        pytest.fail(
            "AXE_JS does not point at axe.min.js: run the tests with `make pytest` (it fetches axe-core "
            "with npm pack) or set AXE_JS=/path/to/axe.min.js"
        )
    return Path(value)


@pytest.fixture
def live_app(tmp_path: Path) -> Iterator[Flask]:
    """An app on its own throw-away database, with CSRF protection ON as in production."""
    app = create_app(config_for_tests(tmp_path, WTF_CSRF_ENABLED=True, TESTING=False))
    with app.app_context():
        reset_database()
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        reset_database()
        db.engine.dispose()


@pytest.fixture
def live_server(live_app: Flask) -> Iterator[str]:
    """Serve ``live_app`` on 127.0.0.1 (a free port) from a thread; yields the base URL."""
    server: BaseWSGIServer = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@dataclass
class RequestLog:
    """Every request a page made; :meth:`assert_local` fails on any that left 127.0.0.1."""

    urls: list[str] = field(default_factory=list)

    def record(self, request: Request) -> None:
        self.urls.append(request.url)

    def outside(self) -> list[str]:
        return [
            url
            for url in self.urls
            if urlsplit(url).scheme not in ("data", "blob", "about") and urlsplit(url).hostname != "127.0.0.1"
        ]

    def assert_local(self) -> None:
        assert self.outside() == [], f"requests left the server: {self.outside()}"


@dataclass
class Session:
    """A browser context for one person, with its phone-sized page and request log."""

    context: BrowserContext
    page: Page
    requests: RequestLog


OpenSession = Callable[..., Session]


@pytest.fixture
def open_session(browser: Browser, live_server: str) -> Iterator[OpenSession]:
    """Open a phone-sized (412 px) browser context, optionally signed in as ``email``."""
    contexts: list[BrowserContext] = []

    def open_(email: str | None = None, password: str | None = None, **context_args: Any) -> Session:
        context = browser.new_context(viewport=PHONE, base_url=live_server, locale="id-ID", **context_args)
        contexts.append(context)
        page = context.new_page()
        log = RequestLog()
        page.on("request", log.record)
        if email:
            page.goto("/masuk")
            page.get_by_label("Email").fill(email)
            page.get_by_label("Kata sandi").fill(password or "")
            page.get_by_role("button", name="Masuk").click()
            page.wait_for_load_state()
            assert "/masuk" not in page.url, f"sign-in failed for {email}"
        return Session(context, page, log)

    yield open_
    for context in contexts:
        context.close()


def page_weight(page: Page) -> int:
    """Bytes transferred (compressed, with headers) for the page and everything it loaded, from Resource Timing."""
    total: int = page.evaluate(
        """() => performance.getEntriesByType("navigation").concat(performance.getEntriesByType("resource"))
                 .reduce((sum, entry) => sum + entry.transferSize, 0)"""
    )
    return total


def axe_violations(page: Page, axe_js: Path) -> list[dict[str, Any]]:
    """WCAG 2 A and AA violations axe-core finds on the current page (the context must bypass CSP to inject it)."""
    page.add_script_tag(path=str(axe_js))
    result: dict[str, Any] = page.evaluate(
        """async () => await axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa"]}})"""
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]} for v in result["violations"]
    ]
