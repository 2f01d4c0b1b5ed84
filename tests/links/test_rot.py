"""Rot and change (assessment/links/capture.py: link_state, recheck_participant, recheck_when_desk_scoring_opens):
links rechecked when penilaian dokumen opens and when an assessor asks, compared with their first capture."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from assessment.assignments.operations import assign_assessor
from assessment.jobs import queue
from assessment.links import capture as capture_module
from assessment.links.capture import LinkState, link_state, sweep_uncaptured
from assessment.models import (
    CaptureOutcome,
    CaptureTrigger,
    Evidence,
    EvidenceKind,
    LinkCapture,
    Role,
)
from assessment.platform.extensions import db
from assessment.platform.wita import now_utc
from tests.conftest import Login, MakeUser
from tests.support.competition import SMALL_RUBRIC
from tests.support.link_server import LinkServer, link_server
from tests.support.verification import verification_competition


@pytest.fixture(scope="module")
def server() -> Iterator[LinkServer]:
    with link_server() as running:
        yield running


def capture(outcome: CaptureOutcome, text: str | None = None, body: str | None = None) -> LinkCapture:
    return LinkCapture(
        evidence_id=1,
        trigger=CaptureTrigger.added,
        outcome=outcome,
        requested_url="https://x.id/",
        text=text,
        body_sha256=body,
    )


def test_link_state() -> None:
    page = capture(CaptureOutcome.archived, text="Selamat datang", body="a" * 64)
    same_words_new_tokens = capture(CaptureOutcome.archived, text="Selamat datang", body="b" * 64)
    assert link_state(None, None) is LinkState.pending
    assert link_state(page, page) is LinkState.same
    assert link_state(page, same_words_new_tokens) is LinkState.same
    assert link_state(page, capture(CaptureOutcome.archived, text="Selamat tinggal")) is LinkState.changed
    assert link_state(page, capture(CaptureOutcome.not_found)) is LinkState.dead
    assert link_state(page, capture(CaptureOutcome.unreachable)) is LinkState.unreachable
    assert link_state(page, capture(CaptureOutcome.timeout)) is LinkState.unreachable
    assert link_state(page, capture(CaptureOutcome.refused)) is LinkState.other
    pdf = capture(CaptureOutcome.not_html, body="c" * 64)
    assert link_state(pdf, capture(CaptureOutcome.not_html, body="c" * 64)) is LinkState.same
    assert link_state(pdf, capture(CaptureOutcome.not_html, body="d" * 64)) is LinkState.changed
    assert link_state(capture(CaptureOutcome.unreachable), page) is LinkState.changed


@pytest.fixture
def desk(app: Flask, make_user: MakeUser, server: LinkServer, monkeypatch: pytest.MonkeyPatch):
    app.config["LINK_CAPTURE_ALLOW"] = "127.0.0.1"
    monkeypatch.setattr(capture_module, "CAPTURE_SECONDS", 1.0)
    server.state["changing"] = "versi pertama"
    _competition, (bukit, *_rest) = verification_competition()
    links = {}
    for path in ("/changing", "/page", "/missing"):
        links[path] = Evidence(
            participant_id=bukit.id, indicator_code="A1", kind=EvidenceKind.url, url=server.url(path)
        )
        db.session.add(links[path])
    db.session.commit()
    committee = make_user(Role.panitia, "64")
    assessor = make_user(Role.asesor, "64", home_region_code="64.72", name="Asesor Pertama")
    assignment = assign_assessor(bukit, assessor, committee, datetime.now(UTC))
    return bukit, links, assessor, assignment


def captures_of(evidence: Evidence) -> list[LinkCapture]:
    return list(
        db.session.scalars(select(LinkCapture).where(LinkCapture.evidence_id == evidence.id).order_by(LinkCapture.id))
    )


def test_links_are_rechecked_once_when_penilaian_dokumen_opens(app: Flask, desk, server: LinkServer) -> None:
    _bukit, links, _assessor, _assignment = desk
    # Each link: its first capture, and (the stage is open) one recheck.
    assert sweep_uncaptured(now_utc()) == 6
    queue.run_due("w1")
    assert sweep_uncaptured(now_utc()) == 0, "once per stage opening"
    for evidence in links.values():
        assert len(captures_of(evidence)) == 2


def test_an_assessor_rechecks_and_sees_each_link_s_state(
    app: Flask, client: FlaskClient, desk, login: Login, server: LinkServer
) -> None:
    bukit, links, assessor, assignment = desk
    for evidence in links.values():
        capture_module.enqueue_capture(evidence.id)
    db.session.commit()
    queue.run_due("w1")
    server.state["changing"] = "versi kedua"
    login(client, assessor)
    page = f"/asesor/penugasan/{assignment.id}/indikator/A1"
    response = client.post(f"/tautan/peserta/{bukit.id}/periksa-ulang", data={"next": page})
    assert response.status_code == 302 and response.headers["Location"].endswith(page)
    queue.run_due("w1")
    changing = captures_of(links["/changing"])
    assert [item.trigger for item in changing] == [CaptureTrigger.added, CaptureTrigger.recheck]
    html = client.get(page).get_data(as_text=True)
    assert "berubah sejak diajukan" in html
    assert "aktif, sama seperti saat diajukan" in html
    assert "mati (404)" in html
    for item in changing:
        assert f"/tautan/arsip/{item.id}" in html, "both captures can be opened"


def test_a_recheck_is_refused_outside_the_assessor_s_scope_and_to_operators(
    app: Flask, client: FlaskClient, desk, login: Login, make_user: MakeUser
) -> None:
    bukit, _links, _assessor, _assignment = desk
    login(client, make_user(Role.asesor, "63"))
    assert client.post(f"/tautan/peserta/{bukit.id}/periksa-ulang").status_code == 403
    login(client, make_user(Role.operator_desa, bukit.desa_code))
    assert client.post(f"/tautan/peserta/{bukit.id}/periksa-ulang").status_code == 403


def test_a_recheck_redirect_never_leaves_the_app(app: Flask, client: FlaskClient, desk, login: Login) -> None:
    bukit, _links, assessor, _assignment = desk
    login(client, assessor)
    for target in ("https://evil.example/", "//evil.example/", "/\\\\evil.example"):
        response = client.post(f"/tautan/peserta/{bukit.id}/periksa-ulang", data={"next": target})
        assert response.status_code == 302 and "evil" not in response.headers["Location"]


def test_feed_counts_are_shown_beside_indicators_that_ask_for_activity_only(
    app: Flask,
    client: FlaskClient,
    login: Login,
    make_user: MakeUser,
    server: LinkServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app.config["LINK_CAPTURE_ALLOW"] = "127.0.0.1"
    monkeypatch.setattr(capture_module, "CAPTURE_SECONDS", 1.0)
    # A2 asks for updates ("diperbarui"); A1 does not (assessment/links/feeds.py, asks_for_activity).
    source = SMALL_RUBRIC.replace(
        "3: TTE BSrE untuk semua surat keluar.", "3: Daftar surat ber-TTE diperbarui tiap bulan."
    ).replace("id: uji-kecil", "id: uji-aktivitas")
    _competition, (bukit, *_rest) = verification_competition(source=source)
    for code in ("A1", "A2"):
        db.session.add(
            Evidence(participant_id=bukit.id, indicator_code=code, kind=EvidenceKind.url, url=server.url("/feed-page"))
        )
    db.session.commit()
    assert sweep_uncaptured(now_utc()) > 0
    queue.run_due("w1")
    assessor = make_user(Role.asesor, "64", home_region_code="64.72", name="Asesor Umpan")
    assignment = assign_assessor(bukit, assessor, make_user(Role.panitia, "64"), datetime.now(UTC))
    login(client, assessor)
    a1 = client.get(f"/asesor/penugasan/{assignment.id}/indikator/A1").get_data(as_text=True)
    a2 = client.get(f"/asesor/penugasan/{assignment.id}/indikator/A2").get_data(as_text=True)
    assert "diarsipkan" in a1 and "Aktivitas umpan" not in a1
    assert "Aktivitas umpan" in a2 and "unggahan dalam 30 hari" in a2
