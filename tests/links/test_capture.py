"""Capturing link evidence (assessment/links/capture.py) through the worker, against a local server on 127.0.0.1
(allowed through LINK_CAPTURE_ALLOW for these tests only), and showing it (assessment/links/routes.py)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from assessment.jobs import queue
from assessment.links import capture as capture_module
from assessment.links.capture import capture_key, captures_for_record, sweep_uncaptured
from assessment.models import (
    CaptureOutcome,
    CaptureTrigger,
    Evidence,
    EvidenceKind,
    Job,
    LinkCapture,
    Participant,
    Role,
    SubmissionStatus,
)
from assessment.platform.extensions import db
from assessment.platform.storage import get_store
from assessment.platform.wita import now_utc
from assessment.services.sweep import sweep_evidence_store
from tests.conftest import Login, MakeUser
from tests.support.competition import create_competition
from tests.support.link_server import PAGE, LinkServer, link_server

DESA = "64.09.04.2002"
OTHER_DESA = "64.09.04.2003"


@pytest.fixture(scope="module")
def server() -> Iterator[LinkServer]:
    with link_server() as running:
        yield running


@pytest.fixture
def setup(
    app: Flask,
    make_user: MakeUser,
    login: Login,
    client: FlaskClient,
    server: LinkServer,
    monkeypatch: pytest.MonkeyPatch,
):
    app.config["LINK_CAPTURE_ALLOW"] = "127.0.0.1"
    monkeypatch.setattr(capture_module, "CAPTURE_SECONDS", 1.0)
    _competition, participants = create_competition(desa={DESA: "Bukit Raya", OTHER_DESA: "Semoi Dua"})
    operator = make_user(Role.operator_desa, DESA, name="Operator Bukit Raya")
    login(client, operator)
    return participants[0], participants[1]


def add_link(client: FlaskClient, participant: Participant, address: str, code: str = "A1") -> Evidence:
    response = client.post(f"/desa/peserta/{participant.id}/indikator/{code}/tautan", data={"url": address})
    assert response.status_code == 302
    return db.session.scalars(select(Evidence).where(Evidence.url == address)).one()


def captures_of(evidence: Evidence) -> list[LinkCapture]:
    return list(
        db.session.scalars(select(LinkCapture).where(LinkCapture.evidence_id == evidence.id).order_by(LinkCapture.id))
    )


def test_adding_a_link_enqueues_its_capture_in_the_same_transaction(
    client: FlaskClient, setup, server: LinkServer
) -> None:
    mine, _ = setup
    evidence = add_link(client, mine, server.url("/page"))
    job = db.session.scalars(select(Job).where(Job.key == capture_key(evidence.id))).one()
    assert job.kind == "link.capture"


def test_a_page_is_archived_with_its_hash_text_and_a_copy_without_scripts(
    app: Flask, client: FlaskClient, setup, server: LinkServer
) -> None:
    mine, _ = setup
    evidence = add_link(client, mine, server.url("/redirect/1"))
    queue.run_due("w1")
    [capture] = captures_of(evidence)
    assert capture.outcome is CaptureOutcome.archived
    assert capture.final_url == server.url("/page") and capture.http_status == 200
    assert capture.media_type == "text/html" and capture.title == "Desa Sukamaju & Inovasi"
    assert capture.body_sha256 == hashlib.sha256(PAGE.encode()).hexdigest()
    assert "Selamat datang di Desa Sukamaju" in (capture.text or "")
    store = get_store()
    with store.open(capture.body_sha256) as handle:
        assert handle.read() == PAGE.encode()
    with store.open(capture.archive_sha256 or "") as handle:
        archived = handle.read().decode()
    assert "<script" not in archived.lower() and "onclick" not in archived.lower()
    # Announced feed counted beside the page.
    assert capture.feed_json is not None and capture.feed_json["items"] == 6


def test_the_operator_sees_diarsipkan_or_why_not(client: FlaskClient, setup, server: LinkServer) -> None:
    mine, _ = setup
    add_link(client, mine, server.url("/page"))
    add_link(client, mine, server.url("/missing"))
    add_link(client, mine, server.url("/to-private"))
    html = client.get(f"/desa/peserta/{mine.id}/indikator/A1").get_data(as_text=True)
    assert html.count("menunggu diarsipkan") == 3
    queue.run_due("w1")
    html = client.get(f"/desa/peserta/{mine.id}/indikator/A1").get_data(as_text=True)
    assert "diarsipkan" in html and "tidak ditemukan (404)" in html
    assert "alamat ditolak" in html and "menunggu diarsipkan" not in html


@pytest.mark.parametrize(
    ("path", "outcome"),
    [
        ("/missing", CaptureOutcome.not_found),
        ("/plain", CaptureOutcome.not_html),
        ("/to-private", CaptureOutcome.refused),
        ("/to-metadata", CaptureOutcome.refused),
        ("/redirect/6", CaptureOutcome.unreachable),
        ("/large", CaptureOutcome.too_large),
        ("/bomb", CaptureOutcome.too_large),
        ("/slow", CaptureOutcome.timeout),
    ],
)
def test_each_hostile_or_broken_link_gives_its_outcome(
    client: FlaskClient, setup, server: LinkServer, path: str, outcome: CaptureOutcome
) -> None:
    mine, _ = setup
    evidence = add_link(client, mine, server.url(path))
    [result] = queue.run_due("w1")
    assert result.status.value == "done", "a failed fetch is an outcome, not a job failure"
    [capture] = captures_of(evidence)
    assert capture.outcome is outcome


def test_the_worker_stays_responsive_past_a_slow_link(client: FlaskClient, setup, server: LinkServer) -> None:
    mine, _ = setup
    slow = add_link(client, mine, server.url("/slow"))
    normal = add_link(client, mine, server.url("/page"))
    outcomes = queue.run_due("w1")
    assert [outcome.status.value for outcome in outcomes] == ["done", "done"]
    assert captures_of(slow)[0].outcome is CaptureOutcome.timeout
    assert captures_of(normal)[0].outcome is CaptureOutcome.archived


def test_loopback_is_refused_when_the_allow_list_is_empty(
    app: Flask, client: FlaskClient, setup, server: LinkServer
) -> None:
    mine, _ = setup
    app.config["LINK_CAPTURE_ALLOW"] = ""
    evidence = add_link(client, mine, server.url("/page"))
    before = server.hits.count("/page")
    queue.run_due("w1")
    assert captures_of(evidence)[0].outcome is CaptureOutcome.refused
    assert server.hits.count("/page") == before


def test_the_sweep_captures_links_without_a_capture_once(
    app: Flask, client: FlaskClient, setup, server: LinkServer
) -> None:
    mine, _ = setup
    evidence = Evidence(participant_id=mine.id, indicator_code="A1", kind=EvidenceKind.url, url=server.url("/changing"))
    db.session.add(evidence)
    db.session.commit()
    assert sweep_uncaptured(now_utc()) == 1
    assert sweep_uncaptured(now_utc()) == 0, "one job per link however often the sweep runs"
    queue.run_due("w1")
    assert len(captures_of(evidence)) == 1
    assert sweep_uncaptured(now_utc()) == 0


def test_a_first_capture_is_made_once_however_often_its_job_runs(
    app: Flask, client: FlaskClient, setup, server: LinkServer
) -> None:
    mine, _ = setup
    evidence = add_link(client, mine, server.url("/page"))
    queue.run_due("w1")
    context_now = now_utc()
    with queue.batch(context_now) as context:
        context.key = capture_key(evidence.id)
        assert capture_module.run_capture({"evidence": evidence.id, "trigger": "added"}, context) == "sudah diarsipkan"
    assert len(captures_of(evidence)) == 1


def test_an_unreachable_link_is_tried_again_by_the_sweep_after_an_hour(
    app: Flask, client: FlaskClient, setup, server: LinkServer
) -> None:
    mine, _ = setup
    add_link(client, mine, server.url("/slow"))
    queue.run_due("w1")
    assert sweep_uncaptured(now_utc()) == 0
    assert sweep_uncaptured(now_utc() + timedelta(hours=1, minutes=1)) == 1


def test_the_store_sweep_keeps_capture_files(app: Flask, client: FlaskClient, setup, server: LinkServer) -> None:
    mine, _ = setup
    evidence = add_link(client, mine, server.url("/page"))
    queue.run_due("w1")
    [capture] = captures_of(evidence)
    sweep_evidence_store(get_store(), now_utc() + timedelta(days=2))
    assert get_store().exists(capture.body_sha256 or "") and get_store().exists(capture.archive_sha256 or "")


def test_the_archived_copy_is_served_sandboxed_without_script(client: FlaskClient, setup, server: LinkServer) -> None:
    mine, _ = setup
    evidence = add_link(client, mine, server.url("/page"))
    queue.run_due("w1")
    [capture] = captures_of(evidence)
    page = client.get(f"/tautan/arsip/{capture.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f"/tautan/arsip/{capture.id}/salinan" in html and 'sandbox=""' in html
    assert capture.body_sha256 in html
    copy = client.get(f"/tautan/arsip/{capture.id}/salinan")
    policy = copy.headers["Content-Security-Policy"]
    assert policy.startswith("sandbox;") and "default-src 'none'" in policy and "script-src" not in policy
    assert "<script" not in copy.get_data(as_text=True).lower()
    copy.close()
    body = client.get(f"/tautan/arsip/{capture.id}/isi")
    assert body.data == PAGE.encode() and body.headers["Content-Disposition"].startswith("attachment")
    body.close()


def test_captures_of_another_desa_are_forbidden(
    app: Flask, client: FlaskClient, setup, server: LinkServer, make_user: MakeUser, login: Login
) -> None:
    mine, _ = setup
    evidence = add_link(client, mine, server.url("/page"))
    queue.run_due("w1")
    [capture] = captures_of(evidence)
    stranger = make_user(Role.operator_desa, OTHER_DESA, name="Operator Semoi Dua")
    login(client, stranger)
    for suffix in ("", "/salinan", "/isi"):
        assert client.get(f"/tautan/arsip/{capture.id}{suffix}").status_code == 403


def test_a_feed_link_is_counted_and_a_page_s_announced_feed_too(client: FlaskClient, setup, server: LinkServer) -> None:
    mine, _ = setup
    feed = add_link(client, mine, server.url("/feed.atom"))
    blog = add_link(client, mine, server.url("/feed-page"))
    queue.run_due("w1")
    [feed_capture] = captures_of(feed)
    assert feed_capture.outcome is CaptureOutcome.not_html
    assert feed_capture.feed_json is not None and feed_capture.feed_json["items"] == 3
    [blog_capture] = captures_of(blog)
    assert blog_capture.outcome is CaptureOutcome.archived
    assert blog_capture.feed_json is not None and blog_capture.feed_json["url"] == server.url("/feed.atom")


def test_captures_for_the_record_carry_their_hashes(client: FlaskClient, setup, server: LinkServer) -> None:
    mine, other = setup
    evidence = add_link(client, mine, server.url("/page"))
    queue.run_due("w1")
    [record] = captures_for_record([mine.id, other.id])
    [capture] = captures_of(evidence)
    assert record["evidence_id"] == evidence.id and record["indicator_code"] == "A1"
    assert record["body_sha256"] == capture.body_sha256 and record["archive_sha256"] == capture.archive_sha256
    assert record["outcome"] == "archived" and record["final_url"] == server.url("/page")
    assert captures_for_record([other.id]) == []


def test_captures_follow_their_link_s_retention(app: Flask, client: FlaskClient, setup, server: LinkServer) -> None:
    from assessment.services.retention import purge_expired_evidence

    mine, _ = setup
    old = add_link(client, mine, server.url("/page"))
    recent = add_link(client, mine, server.url("/changing"))
    queue.run_due("w1")
    [old_capture] = captures_of(old)
    [recent_capture] = captures_of(recent)
    old.uploaded_at = now_utc() - timedelta(days=400)
    db.session.commit()
    store = get_store()
    purge_expired_evidence(store, 365, now_utc())
    assert not store.exists(old_capture.body_sha256 or "") and not store.exists(old_capture.archive_sha256 or "")
    assert store.exists(recent_capture.body_sha256 or "") and store.exists(recent_capture.archive_sha256 or "")
    db.session.refresh(old_capture)
    assert old_capture.body_sha256 and old_capture.text, "the capture's row, hash and text stay"


def test_the_verifikator_sees_the_capture_beside_the_link(
    app: Flask, client: FlaskClient, setup, login: Login, make_user: MakeUser, server: LinkServer
) -> None:
    mine, _ = setup
    add_link(client, mine, server.url("/missing"))
    queue.run_due("w1")
    mine.status = SubmissionStatus.diajukan
    db.session.commit()
    login(client, make_user(Role.verifikator_kecamatan, "64.09.04"))
    html = client.get(f"/kelengkapan/peserta/{mine.id}").get_data(as_text=True)
    assert "tidak ditemukan (404)" in html


def test_an_unreachable_link_is_retried_at_most_three_times(app: Flask, setup) -> None:
    mine, _ = setup
    evidence = Evidence(participant_id=mine.id, indicator_code="A1", kind=EvidenceKind.url, url="http://127.0.0.1:9/")
    db.session.add(evidence)
    db.session.commit()
    long_ago = now_utc() - timedelta(days=1)
    db.session.add(
        LinkCapture(
            evidence_id=evidence.id,
            trigger=CaptureTrigger.added,
            outcome=CaptureOutcome.unreachable,
            requested_url=evidence.url,
            fetched_at=long_ago,
        )
    )
    db.session.commit()
    for attempt in range(3):
        assert sweep_uncaptured(now_utc() + timedelta(hours=attempt)) == 1
        db.session.add(
            LinkCapture(
                evidence_id=evidence.id,
                trigger=CaptureTrigger.sweep,
                outcome=CaptureOutcome.unreachable,
                requested_url=evidence.url,
                fetched_at=long_ago,
            )
        )
        db.session.commit()
    assert sweep_uncaptured(now_utc() + timedelta(hours=5)) == 0
