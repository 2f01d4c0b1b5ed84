"""Slow documents in the worker (assessment/documents, rules in the docstring of its operations.py): the kabupaten
PDF report. The click enqueues one job and shows a progress page that turns into the download; the file is kept
in the content-addressed store and reused while the results are unchanged; a failure is said in words; every
page of it keeps the report's access rule."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from assessment.documents.operations import DOCUMENT_JOB
from assessment.jobs import queue
from assessment.models import AuditEvent, BeritaAcara, BeritaAcaraKind, DeskScore, Job, JobStatus, Role, StageCode
from assessment.platform.extensions import db
from assessment.platform.storage import get_store
from assessment.publication.operations import finalise_results, publish_provisional
from assessment.services.sweep import sweep_evidence_store
from tests.conftest import Login, MakeUser
from tests.support.published import open_results_stage
from tests.support.published import results_world as published_world
from tests.support.results import SEMOI, ResultsWorld, results_world


@pytest.fixture
def world(app: Flask, make_user: MakeUser) -> ResultsWorld:
    return results_world(make_user)


def report_url(world: ResultsWorld) -> str:
    return f"/hasil/{world.competition.id}/laporan/64.09.pdf"


def document_jobs() -> list[Job]:
    return list(db.session.scalars(select(Job).where(Job.kind == DOCUMENT_JOB).order_by(Job.id)))


def run_documents() -> list[queue.Outcome]:
    return queue.run_due(queue.worker_name(), kinds=[DOCUMENT_JOB])


def test_the_click_shows_a_progress_page_that_turns_into_the_download(
    world: ResultsWorld, client: FlaskClient, login: Login
) -> None:
    login(client, world.committee)
    click = client.get(report_url(world))
    [job] = document_jobs()
    assert click.status_code == 303 and click.location == f"/dokumen/{job.id}"
    waiting = client.get(f"/dokumen/{job.id}").get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="5">' in waiting and "Menunggu giliran" in waiting
    assert "<script" not in waiting.split("<main", 1)[-1]  # no script needed to follow it
    # The person may stop the refreshing (WCAG 2.2.1) and refresh by hand instead.
    still = client.get(f"/dokumen/{job.id}?diam=1").get_data(as_text=True)
    assert 'http-equiv="refresh"' not in still and "Perbarui halaman" in still and "Menunggu giliran" in still
    assert [outcome.status for outcome in run_documents()] == [JobStatus.done]
    done = client.get(f"/dokumen/{job.id}").get_data(as_text=True)
    assert "Dokumen siap." in done and 'http-equiv="refresh"' not in done
    assert f'href="/dokumen/{job.id}/unduh"' in done
    download = client.get(f"/dokumen/{job.id}/unduh")
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
    assert download.headers["Cache-Control"] == "no-store"
    assert f"laporan-{world.competition.id}-64.09.pdf" in download.headers["Content-Disposition"]
    # The report's own link now serves the same stored file at once, without a new job.
    again = client.get(report_url(world))
    assert again.status_code == 200 and again.data == download.data
    assert len(document_jobs()) == 1


def test_the_progress_page_says_how_far_the_worker_has_come(
    world: ResultsWorld, client: FlaskClient, login: Login
) -> None:
    login(client, world.committee)
    client.get(report_url(world))
    [job] = document_jobs()
    db.session.execute(
        update(Job).where(Job.id == job.id).values(status=JobStatus.running, result="2/3", locked_by="w", attempts=1)
    )
    db.session.commit()
    page = client.get(f"/dokumen/{job.id}").get_data(as_text=True)
    assert "Sedang dibuat… langkah 2 dari 3." in page and '<progress max="3" value="2">' in page
    assert 'http-equiv="refresh"' in page


def test_changed_results_make_a_new_document_and_unchanged_ones_reuse_it(
    world: ResultsWorld, client: FlaskClient, login: Login
) -> None:
    login(client, world.committee)
    client.get(report_url(world))
    run_documents()
    first = client.get(report_url(world))
    assert first.status_code == 200
    # A level of Semoi Dua changes: the report's data is no longer what the stored file shows.
    score = db.session.scalars(
        select(DeskScore).join(DeskScore.assignment).where(DeskScore.indicator_code == "A2")
    ).first()
    assert score is not None
    score.level = 0 if score.level != 0 else 1
    db.session.commit()
    click = client.get(report_url(world))
    assert click.status_code == 303
    jobs = document_jobs()
    assert len(jobs) == 2 and jobs[0].key != jobs[1].key
    run_documents()
    second = client.get(report_url(world))
    assert second.status_code == 200 and second.data != first.data


def test_the_visitors_language_is_part_of_the_document(world: ResultsWorld, client: FlaskClient, login: Login) -> None:
    login(client, world.committee)
    client.get(report_url(world))
    client.set_cookie("lang", "en")
    client.get(report_url(world))
    jobs = document_jobs()
    assert [job.payload.count('"lang": "en"') for job in jobs] == [0, 1]


def test_a_failure_is_said_in_words_never_as_a_traceback(
    world: ResultsWorld, client: FlaskClient, login: Login, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> bytes:
        raise RuntimeError("WeasyPrint rusak di /srv/rahasia")

    monkeypatch.setattr("assessment.results.documents.kabupaten_pdf", broken)
    login(client, world.committee)
    client.get(report_url(world))
    [job] = document_jobs()
    assert [outcome.status for outcome in run_documents()] == [JobStatus.pending]  # tried again after a backoff
    retrying = client.get(f"/dokumen/{job.id}").get_data(as_text=True)
    assert "Percobaan pertama gagal" in retrying and "rusak" not in retrying
    db.session.execute(update(Job).where(Job.id == job.id).values(run_at=datetime.now(UTC) - timedelta(seconds=1)))
    db.session.commit()
    assert [outcome.status for outcome in run_documents()] == [JobStatus.parked]
    page = client.get(f"/dokumen/{job.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Dokumen tidak dapat dibuat." in html
    assert "rusak" not in html and "Traceback" not in html and "/srv/" not in html
    assert 'http-equiv="refresh"' not in html
    assert client.get(f"/dokumen/{job.id}/unduh").status_code == 303  # nothing to download: back to the page
    # The committee sees the reason on the delivery page, and the person may ask for it again.
    assert "WeasyPrint rusak" in client.get("/panitia/pengiriman/").get_data(as_text=True)
    monkeypatch.undo()
    assert client.post(f"/dokumen/{job.id}/ulang").status_code == 303
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "job.retry")) == 1
    assert [outcome.status for outcome in run_documents()] == [JobStatus.done]


def test_every_page_of_a_document_keeps_the_reports_access_rule(
    world: ResultsWorld, app: Flask, login: Login, make_user: MakeUser
) -> None:
    committee = login(app.test_client(), world.committee)
    committee.get(report_url(world))
    run_documents()
    [job] = document_jobs()
    pages = (f"/dokumen/{job.id}", f"/dokumen/{job.id}/unduh")
    dpmd = login(app.test_client(), make_user(Role.dpmd, "64.09"))
    others = [
        dpmd,
        login(app.test_client(), make_user(Role.panitia, "63")),
        login(app.test_client(), make_user(Role.dpmd, "64.01")),
        login(app.test_client(), make_user(Role.operator_desa, SEMOI)),
        login(app.test_client(), world.lead),
    ]
    for client in others:
        for url in pages:
            assert client.get(url).status_code == 403, url
        assert client.post(f"/dokumen/{job.id}/ulang").status_code == 403
    anonymous = app.test_client().get(pages[1])
    assert anonymous.status_code == 302 and anonymous.location.startswith("/masuk")
    # DPMD of the kabupaten once the results are published, as for results.report_pdf.
    world.competition.results_published_at = datetime.now(UTC)
    db.session.commit()
    assert dpmd.get(pages[1]).status_code == 200


def test_the_store_sweep_keeps_a_finished_documents_file(
    world: ResultsWorld, client: FlaskClient, login: Login
) -> None:
    login(client, world.committee)
    client.get(report_url(world))
    run_documents()
    [job] = document_jobs()
    store = get_store()
    assert job.result and store.exists(job.result)
    sweep_evidence_store(store, datetime.now(UTC) + timedelta(days=1))
    assert store.exists(job.result)
    # Once its job is gone (pruned after 30 days), the file is a cache no longer named: swept, and made again.
    db.session.delete(job)
    db.session.commit()
    sweep_evidence_store(store, datetime.now(UTC) + timedelta(days=1))
    assert not store.exists(job.result)
    assert client.get(report_url(world)).status_code == 303


def test_the_berita_acara_pleno_is_made_by_the_worker_and_registered_once(
    app: Flask, client: FlaskClient, login: Login, make_user: MakeUser
) -> None:
    world = published_world(make_user)
    now = datetime.now(UTC)
    publish_provisional(world.competition, world.committee, now)
    open_results_stage(world.competition, StageCode.penetapan)
    finalise_results(world.competition, world.committee, now)
    login(client, world.committee)
    click = client.post(f"/berita-acara/lomba/{world.competition.id}/buat", data={"kind": "pleno"})
    [job] = document_jobs()
    assert click.status_code == 303 and click.location == f"/dokumen/{job.id}"
    assert db.session.scalar(select(func.count()).select_from(BeritaAcara)) == 0  # nothing made in the request
    assert [outcome.status for outcome in run_documents()] == [JobStatus.done]
    # Run again (a worker that died before recording the outcome): the code was chosen at the click, so the
    # document is found registered, not made a second time.
    db.session.execute(update(Job).where(Job.id == job.id).values(status=JobStatus.pending))
    db.session.commit()
    assert [outcome.status for outcome in run_documents()] == [JobStatus.done]
    [document] = db.session.scalars(select(BeritaAcara)).all()
    assert document.kind is BeritaAcaraKind.pleno and document.created_by_id == world.committee.id
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "berita_acara.generate")).all()
    assert event.actor_id == world.committee.id
    download = client.get(f"/dokumen/{job.id}/unduh")
    assert download.status_code == 200 and hashlib.sha256(download.data).hexdigest() == document.sha256
    assert f"berita-acara-pleno-{document.kode}.pdf" in download.headers["Content-Disposition"]
    # Only the committee over the competition's province reaches it; the ketua tim does not (pleno is the panitia's).
    assert login(app.test_client(), world.lead).get(f"/dokumen/{job.id}").status_code == 403
