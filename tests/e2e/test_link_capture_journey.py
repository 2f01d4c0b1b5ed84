"""Browser journey (Chromium, phone-sized, CSRF on): an operator adds a link, the worker captures it from a local
server, the operator sees "diarsipkan" and opens the capture; the archived copy is shown in a sandboxed frame in
which nothing runs and nothing is fetched, even a copy with a script and an image planted in it, with its
screenshot (drawn by Chromium in the worker) fitting the phone's width; the page passes axe."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import expect
from sqlalchemy import select

from assessment.auth.operations import GrantSpec, create_user
from assessment.jobs import queue
from assessment.models import CaptureOutcome, CaptureTrigger, Evidence, LinkCapture, Role
from assessment.platform.extensions import db
from assessment.platform.storage import get_store
from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import OpenSession, axe_violations
from tests.support.competition import create_competition
from tests.support.link_server import LinkServer, link_server

pytestmark = pytest.mark.e2e

DESA = "64.09.04.2002"
OPERATOR = "operator@bukitraya.desa.id"


@pytest.fixture
def server() -> Iterator[LinkServer]:
    with link_server() as running:
        yield running


def test_operator_sees_the_capture_and_the_copy_runs_and_fetches_nothing(
    live_app: Flask, open_session: OpenSession, server: LinkServer, axe_js: Path
) -> None:
    live_app.config["LINK_CAPTURE_ALLOW"] = "127.0.0.1"
    live_app.config["LINK_SCREENSHOTS"] = "1"
    live_app.config["CHROMIUM_PATH"] = "/usr/bin/chromium"
    with live_app.app_context():
        _, (mine,) = create_competition(desa={DESA: "Bukit Raya"})
        create_user("Operator Bukit Raya", OPERATOR, TEST_PASSWORD, [GrantSpec(Role.operator_desa, DESA)])
        participant_id = mine.id
    session = open_session(OPERATOR, TEST_PASSWORD)
    page = session.page
    page.goto(f"/desa/peserta/{participant_id}/indikator/A1")
    page.get_by_label("Tautan bukti").fill(server.url("/page"))
    page.get_by_role("button", name="Tambah tautan").click()
    expect(page.get_by_text("menunggu diarsipkan")).to_be_visible()
    with live_app.app_context():
        queue.run_due("e2e")
        evidence = db.session.scalars(select(Evidence).where(Evidence.url == server.url("/page"))).one()
        capture = db.session.scalars(select(LinkCapture).where(LinkCapture.evidence_id == evidence.id)).one()
        assert capture.outcome is CaptureOutcome.archived
        assert capture.screenshot_sha256, capture.screenshot_detail
        # A copy with a script and an image planted in it (as if the sanitiser had missed them): the serving
        # page's CSP must still keep both from running or loading.
        planted = (
            f'<html><body><p>salinan</p><img src="{server.url("/pixel")}" alt="x">'
            f'<script>var r = new XMLHttpRequest(); r.open("GET", "{server.url("/beacon")}", false);'
            f" r.send(); document.body.dataset.ran = 'yes';</script></body></html>"
        ).encode()
        planted_key = get_store().put(planted).sha256
        row = LinkCapture(
            evidence_id=evidence.id,
            trigger=CaptureTrigger.recheck,
            outcome=CaptureOutcome.archived,
            requested_url=evidence.url or "",
            archive_sha256=planted_key,
            body_sha256=planted_key,
        )
        db.session.add(row)
        db.session.commit()
        capture_id, planted_id = capture.id, row.id
    page.reload()
    expect(page.get_by_role("link", name="diarsipkan")).to_be_visible()

    page.goto(f"/tautan/arsip/{capture_id}")
    expect(page.get_by_role("heading", name="Desa Sukamaju & Inovasi")).to_be_visible()
    frame = page.frame_locator("iframe.archived-copy")
    expect(frame.get_by_text("Selamat datang di Desa Sukamaju")).to_be_visible()
    page.wait_for_load_state("load")
    screenshot = page.get_by_role("img", name="Tangkapan layar salinan halaman Desa Sukamaju & Inovasi")
    expect(screenshot).to_be_visible()
    # The image loads lazily (it sits below the copy on a phone) and may still be on its way under load: scroll to
    # it and wait until it has arrived before reading its size (read too early, naturalWidth is 0).
    screenshot.scroll_into_view_if_needed()
    page.wait_for_function("image => image.complete && image.naturalWidth > 0", arg=screenshot.element_handle())
    assert screenshot.evaluate("image => image.naturalWidth") == 1280
    box = screenshot.bounding_box()
    assert box is not None and box["x"] + box["width"] <= page.viewport_size["width"], "it fits the phone"
    # The real copy does not even ask: its references were removed when it was archived.
    assert not [url for url in session.requests.urls if f":{server.port}/" in url], (
        "the browser never asks the linked site for anything"
    )
    session.requests.assert_local()

    page.goto(f"/tautan/arsip/{planted_id}")
    expect(page.frame_locator("iframe.archived-copy").get_by_text("salinan")).to_be_visible()
    page.wait_for_load_state("load")
    # The planted ones are asked for by the parser but blocked by the CSP before they leave the browser.
    assert "/beacon" not in server.hits and "/pixel" not in server.hits
    assert page.frame_locator("iframe.archived-copy").locator("body[data-ran]").count() == 0

    checker = open_session(OPERATOR, TEST_PASSWORD, bypass_csp=True).page
    checker.goto(f"/tautan/arsip/{capture_id}")
    assert axe_violations(checker, axe_js) == []
