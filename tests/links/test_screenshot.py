"""Screenshots of captured pages (assessment/links/screenshot.py): drawn by the Chromium installed here
(/usr/bin/chromium, as in CI) from the archived copy, without scripts or network, through the worker."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from assessment.jobs import queue
from assessment.links import capture as capture_module
from assessment.links import screenshot
from assessment.links.screenshot import PNG_SIGNATURE, ScreenshotFailed, resolve, take_screenshot
from assessment.models import Evidence, LinkCapture, Participant, Role
from assessment.platform.extensions import db
from assessment.platform.storage import get_store
from assessment.platform.wita import now_utc
from assessment.services.retention import purge_expired_evidence
from assessment.services.sweep import sweep_evidence_store
from tests.conftest import Login, MakeUser
from tests.support.competition import create_competition
from tests.support.link_server import LinkServer, link_server

DESA = "64.09.04.2002"
CHROMIUM = "/usr/bin/chromium"
# A tiny valid PNG (1x1), for the rules that do not need Chromium itself (sweep, retention).
TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


@pytest.fixture(scope="module")
def server() -> Iterator[LinkServer]:
    with link_server() as running:
        yield running


@pytest.fixture
def mine(
    app: Flask, make_user: MakeUser, login: Login, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> Participant:
    app.config["LINK_CAPTURE_ALLOW"] = "127.0.0.1"
    app.config["LINK_SCREENSHOTS"] = "1"
    app.config["CHROMIUM_PATH"] = CHROMIUM
    monkeypatch.setattr(capture_module, "CAPTURE_SECONDS", 2.0)
    _competition, [participant] = create_competition(desa={DESA: "Bukit Raya"})
    login(client, make_user(Role.operator_desa, DESA, name="Operator Bukit Raya"))
    return participant


def capture_of(client: FlaskClient, participant: Participant, address: str) -> LinkCapture:
    response = client.post(f"/desa/peserta/{participant.id}/indikator/A1/tautan", data={"url": address})
    assert response.status_code == 302
    evidence = db.session.scalars(select(Evidence).where(Evidence.url == address)).one()
    outcomes = queue.run_due("w1")
    assert [outcome.status.value for outcome in outcomes] == ["done"]
    return db.session.scalars(select(LinkCapture).where(LinkCapture.evidence_id == evidence.id)).one()


@pytest.mark.skipif(not Path(CHROMIUM).is_file(), reason="Chromium is part of the test set-up (README)")
def test_a_captured_page_gets_a_screenshot_of_its_archived_copy(
    client: FlaskClient, mine: Participant, server: LinkServer
) -> None:
    capture = capture_of(client, mine, server.url("/page"))
    assert capture.screenshot_sha256 and capture.screenshot_detail is None
    with get_store().open(capture.screenshot_sha256) as handle:
        png = handle.read()
    assert png.startswith(PNG_SIGNATURE) and hashlib.sha256(png).hexdigest() == capture.screenshot_sha256
    width = int.from_bytes(png[16:20], "big")
    assert width == screenshot.WIDTH
    page = client.get(f"/tautan/arsip/{capture.id}").get_data(as_text=True)
    assert f"/tautan/arsip/{capture.id}/tangkapan-layar" in page and capture.screenshot_sha256 in page
    image = client.get(f"/tautan/arsip/{capture.id}/tangkapan-layar")
    assert image.status_code == 200 and image.mimetype == "image/png" and image.data == png
    image.close()


@pytest.mark.skipif(not Path(CHROMIUM).is_file(), reason="Chromium is part of the test set-up (README)")
def test_drawing_the_screenshot_sends_no_request_outside(
    client: FlaskClient, mine: Participant, server: LinkServer
) -> None:
    before = len(server.hits)
    capture = capture_of(client, mine, server.url("/styled"))
    assert capture.screenshot_sha256, capture.screenshot_detail
    with get_store().open(capture.archive_sha256 or "") as handle:
        archive = handle.read().decode()
    assert f"{server.base}/styled/bg.png" in archive, "the copy still names the images: Chromium must not load them"
    hits = server.hits[before:]
    assert hits == ["/styled"], f"only the worker's own fetch of the page reached the site, not Chromium: {hits}"


@pytest.mark.skipif(not Path(CHROMIUM).is_file(), reason="Chromium is part of the test set-up (README)")
def test_every_request_of_the_copy_but_itself_is_aborted_inside_chromium(
    tmp_path: Path, server: LinkServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The copy's CSP is relaxed here so that the image is asked for: the aborting route must stop it on its own.
    monkeypatch.setattr(screenshot, "ARCHIVE_POLICY", "default-src *; img-src * data:; style-src 'unsafe-inline'")
    source = tmp_path / "arsip.html"
    image = server.url("/styled/direct.png")
    source.write_text(f'<html><body><p style="height:50px;background:url({image})">x</p></body></html>')
    blocked: list[str] = []
    before = len(server.hits)
    # In a thread of its own, as the worker's child process runs it: Playwright's sync API refuses a thread where an
    # asyncio loop runs, and the browser tests of this session leave one running in the main thread.
    failures: list[BaseException] = []

    def draw() -> None:
        try:
            screenshot.draw(CHROMIUM, source, tmp_path / "layar.png", blocked)
        except BaseException as error:  # re-raised below, in the test's own thread
            failures.append(error)

    drawing = threading.Thread(target=draw)
    drawing.start()
    drawing.join(timeout=120)
    assert not drawing.is_alive(), "drawing the screenshot did not finish"
    if failures:
        raise failures[0]
    assert (tmp_path / "layar.png").read_bytes().startswith(PNG_SIGNATURE)
    assert blocked == [image], "the request was made and aborted by the route"
    assert server.hits[before:] == []


def test_no_screenshot_when_screenshots_are_off(
    app: Flask, client: FlaskClient, mine: Participant, server: LinkServer
) -> None:
    app.config["LINK_SCREENSHOTS"] = "0"
    capture = capture_of(client, mine, server.url("/page"))
    assert capture.archive_sha256
    assert capture.screenshot_sha256 is None and capture.screenshot_detail is None
    assert client.get(f"/tautan/arsip/{capture.id}/tangkapan-layar").status_code == 404


def test_a_chromium_failure_leaves_the_capture_without_screenshot_and_a_reason(
    app: Flask, client: FlaskClient, mine: Participant, server: LinkServer
) -> None:
    app.config["CHROMIUM_PATH"] = "/bin/false"
    capture = capture_of(client, mine, server.url("/page"))
    assert capture.archive_sha256 and capture.text, "the rest of the capture is kept"
    assert capture.screenshot_sha256 is None
    assert capture.screenshot_detail and capture.screenshot_detail.startswith("Chromium gagal")
    page = client.get(f"/tautan/arsip/{capture.id}").get_data(as_text=True)
    assert "Tangkapan layar halaman ini tidak dapat dibuat" in page


def test_screenshots_asked_for_without_chromium_say_so(tmp_path: Path) -> None:
    assert resolve("1", str(tmp_path / "tidak-ada")) == screenshot.Setting(None, "Chromium tidak ditemukan")
    assert resolve("auto", str(tmp_path / "tidak-ada")) == screenshot.Setting(None, "")
    assert resolve("0", CHROMIUM) == screenshot.Setting(None, "")


@pytest.mark.skipif(not Path(CHROMIUM).is_file(), reason="Chromium is part of the test set-up (README)")
def test_screenshots_are_on_by_themselves_where_chromium_is_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(Path(CHROMIUM).parent))
    assert resolve("auto", "").chromium == CHROMIUM


@pytest.mark.skipif(not Path(CHROMIUM).is_file(), reason="Chromium is part of the test set-up (README)")
def test_a_screenshot_that_runs_over_its_time_is_stopped() -> None:
    with pytest.raises(ScreenshotFailed, match="tidak selesai"):
        take_screenshot(b"<html><body>x</body></html>", CHROMIUM, seconds=0.2)


def test_the_sweep_keeps_screenshots_and_the_retention_purge_takes_them(
    app: Flask, client: FlaskClient, mine: Participant, server: LinkServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(capture_module, "take_screenshot", lambda archive, chromium: TINY_PNG)
    capture = capture_of(client, mine, server.url("/page"))
    key = capture.screenshot_sha256 or ""
    assert key == hashlib.sha256(TINY_PNG).hexdigest()
    store = get_store()
    sweep_evidence_store(store, now_utc() + timedelta(days=2), grace=timedelta(0))
    assert store.exists(key), "a capture's screenshot is evidence, never a leftover"
    evidence = db.session.get(Evidence, capture.evidence_id)
    assert evidence is not None
    evidence.uploaded_at = now_utc() - timedelta(days=400)
    db.session.commit()
    purge_expired_evidence(store, 365, now_utc())
    assert not store.exists(key), "the screenshot follows its link's retention, like the body and the copy"
    db.session.refresh(capture)
    assert capture.screenshot_sha256 == key, "the row keeps its hash"


def test_a_recheck_of_an_unchanged_page_reuses_its_screenshot(
    client: FlaskClient, mine: Participant, server: LinkServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn: list[bytes] = []

    def fake(archive: bytes, chromium: str) -> bytes:
        drawn.append(archive)
        return TINY_PNG + len(drawn).to_bytes(2, "big")

    monkeypatch.setattr(capture_module, "take_screenshot", fake)
    server.state["changing"] = "versi pertama"
    first = capture_of(client, mine, server.url("/changing"))
    capture_module.recheck_participant(mine.id, "sama")
    db.session.commit()
    queue.run_due("w1")
    server.state["changing"] = "versi kedua"
    capture_module.recheck_participant(mine.id, "berubah")
    db.session.commit()
    queue.run_due("w1")
    same, changed = db.session.scalars(
        select(LinkCapture)
        .where(LinkCapture.evidence_id == first.evidence_id, LinkCapture.id != first.id)
        .order_by(LinkCapture.id)
    ).all()
    assert same.archive_sha256 == first.archive_sha256 and same.screenshot_sha256 == first.screenshot_sha256
    assert changed.screenshot_sha256 not in (None, first.screenshot_sha256)
    assert len(drawn) == 2, "Chromium drew the first copy and the changed one, not the unchanged recheck"
