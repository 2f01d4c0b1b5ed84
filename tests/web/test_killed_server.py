"""A server killed (SIGKILL) during an upload or a save leaves no half-written row and no half-written file, and
what it may leave (a stored file no row refers to, an unfinished temporary file) is removed by
``desa-digital evidence sweep`` (:func:`assessment.services.sweep.sweep_evidence_store`).

These tests run a real gunicorn in a subprocess against the test database and kill its process group.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import text

from assessment.models import Evidence, EvidenceKind, Participant, Role, SelfAssessment, User
from assessment.platform.extensions import db
from assessment.platform.storage import TEMP_PREFIX, LocalEvidenceStore, get_store
from assessment.services.sweep import sweep_evidence_store
from tests.conftest import TEST_PASSWORD, MakeUser
from tests.support import files
from tests.support.competition import create_competition
from tests.support.live import LiveServer, WebClient, multipart

DESA = "64.09.04.2002"


def store_files(app: Flask) -> list[Path]:
    return sorted(path for path in Path(app.config["EVIDENCE_DIR"]).rglob("*") if path.is_file())


def on_postgresql(app: Flask) -> bool:
    return db.engine.dialect.name == "postgresql"


@pytest.fixture
def operator(app: Flask, make_user: MakeUser) -> tuple[Participant, User]:
    _competition, [participant] = create_competition(desa={DESA: "Bukit Raya"})
    return participant, make_user(Role.operator_desa, DESA)


@pytest.fixture
def server(app: Flask, tmp_path: Path) -> Iterator[LiveServer]:
    live = LiveServer(
        {
            "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "EVIDENCE_DIR": app.config["EVIDENCE_DIR"],
            "SECRET_KEY": "kunci-uji-server-hidup",
        },
        log=tmp_path / "gunicorn.log",
    ).start()
    yield live
    live.kill()


def signed_in(server: LiveServer, user: User, participant: Participant) -> tuple[WebClient, str]:
    """A client signed in as ``user`` and the CSRF token of the indicator page."""
    client = WebClient(server.port)
    client.login(user.email, TEST_PASSWORD)
    page = client.get(f"/desa/peserta/{participant.id}/indikator/A1")
    assert page.status == 200
    return client, client.csrf(page.text)


def raw_request(port: int, client: WebClient, path: str, body: bytes, content_type: str) -> socket.socket:
    """Open a connection and send the request head only; the caller sends the body (slowly, or at once)."""
    connection = socket.create_connection(("127.0.0.1", port), timeout=30)
    cookies = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\nCookie: {cookies}\r\nAccept: application/json\r\n\r\n"
    )
    connection.sendall(head.encode())
    return connection


def test_server_killed_during_a_slow_upload_stores_nothing(
    app: Flask, runner: FlaskCliRunner, operator, server: LiveServer
) -> None:
    participant, user = operator
    client, token = signed_in(server, user, participant)
    photo = files.jpeg(900, 900, gps=False, orientation=None) + os.urandom(64)
    body, content_type = multipart({"csrf_token": token}, "file", "foto.jpg", photo, "image/jpeg")
    connection = raw_request(
        server.port, client, f"/desa/peserta/{participant.id}/indikator/A1/bukti", body, content_type
    )
    # A slow mobile link: the first half of the body in small pieces, then the server dies.
    half = len(body) // 2
    for start in range(0, half, 4096):
        connection.sendall(body[start : start + 4096])
        time.sleep(0.01)
    server.kill()
    connection.close()
    assert db.session.scalars(db.select(Evidence)).all() == []
    assert store_files(app) == []
    result = runner.invoke(args=["evidence", "sweep", "--grace-minutes", "0"])
    assert result.exit_code == 0, result.output
    assert "0 berkas sementara, 0 berkas tanpa baris bukti" in result.output


def _hold_audit_head(app: Flask):
    """Hold the audit chain head's row lock (PostgreSQL) in another connection: a commit then waits for it."""
    connection = db.engine.connect()
    transaction = connection.begin()
    connection.execute(text("UPDATE audit_chain_head SET last_seq = last_seq WHERE id = 1"))
    return connection, transaction


def _wait_for(condition, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


def test_server_killed_between_storing_a_file_and_committing_its_row_leaves_an_orphan_the_sweep_removes(
    app: Flask, runner: FlaskCliRunner, operator, server: LiveServer
) -> None:
    if not on_postgresql(app):
        pytest.skip("needs PostgreSQL's row locks to stop the server between the file and the commit")
    participant, user = operator
    # A file that a row refers to: the sweep must keep it.
    kept_key = get_store().put(files.pdf()).sha256
    db.session.add(
        Evidence(
            participant_id=participant.id,
            indicator_code="A2",
            kind=EvidenceKind.file,
            sha256=kept_key,
            size=1,
            media_type="application/pdf",
            original_name="surat.pdf",
        )
    )
    db.session.commit()
    before = store_files(app)
    client, token = signed_in(server, user, participant)
    photo = files.jpeg(300, 300, gps=False, orientation=None)
    body, content_type = multipart({"csrf_token": token}, "file", "foto.jpg", photo, "image/jpeg")
    connection, transaction = _hold_audit_head(app)
    try:
        request = raw_request(
            server.port, client, f"/desa/peserta/{participant.id}/indikator/A1/bukti", body, content_type
        )
        request.sendall(body)
        # The upload stores its file and its display copy, then waits at the commit for the audit head lock.
        _wait_for(lambda: len(store_files(app)) >= len(before) + 2)
        server.kill()
        request.close()
    finally:
        transaction.rollback()
        connection.close()
    db.session.expire_all()
    assert db.session.scalars(db.select(Evidence.sha256)).all() == [kept_key]
    orphans = [path for path in store_files(app) if path not in before]
    assert len(orphans) == 2 and not any(path.name.startswith(TEMP_PREFIX) for path in orphans)
    # Too recent for the default grace period (an upload could still be running): kept.
    assert "0 berkas tanpa baris bukti" in runner.invoke(args=["evidence", "sweep"]).output
    result = runner.invoke(args=["evidence", "sweep", "--grace-minutes", "0"])
    assert result.exit_code == 0, result.output
    assert "2 berkas tanpa baris bukti" in result.output
    assert store_files(app) == before


def test_server_killed_during_a_save_leaves_the_saved_row_unchanged(app: Flask, operator, server: LiveServer) -> None:
    if not on_postgresql(app):
        pytest.skip("needs PostgreSQL's row locks to stop the server inside the save's transaction")
    participant, user = operator
    client, token = signed_in(server, user, participant)
    url = f"/desa/peserta/{participant.id}/indikator/A1"
    assert (
        client.post(url, {"csrf_token": token, "level": "2", "explanation": "Tiga surat.", "version": "0"}).status
        == 302
    )
    connection, transaction = _hold_audit_head(app)
    try:
        body = f"csrf_token={token}&level=4&explanation=Terpadu&version=1".encode()
        request = raw_request(server.port, client, url, body, "application/x-www-form-urlencoded")
        request.sendall(body)
        # The save has written its row change and waits for the audit head lock at its commit.
        _wait_for(
            lambda: (
                db.session.scalar(
                    text(
                        "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                        "WHERE NOT l.granted AND a.pid <> pg_backend_pid()"
                    )
                )
                > 0
            )
        )
        server.kill()
        request.close()
    finally:
        transaction.rollback()
        connection.close()
    db.session.expire_all()
    [row] = db.session.scalars(db.select(SelfAssessment)).all()
    assert (row.level, row.explanation, row.version) == (2, "Tiga surat.", 1)


# --- the sweep itself (SQLite and PostgreSQL) -----------------------------------------------------------------


def _age(path: Path, hours: float) -> None:
    moment = time.time() - hours * 3600
    os.utime(path, (moment, moment))


def test_sweep_removes_only_old_leftovers_and_never_referenced_files(app: Flask, operator) -> None:
    participant, _user = operator
    store = get_store()
    assert isinstance(store, LocalEvidenceStore)
    referenced = store.put(files.pdf()).sha256
    display = store.put(files.jpeg(gps=False)).sha256
    db.session.add(
        Evidence(
            participant_id=participant.id,
            indicator_code="A1",
            kind=EvidenceKind.file,
            sha256=referenced,
            display_sha256=display,
            size=1,
            media_type="application/pdf",
        )
    )
    db.session.commit()
    old_orphan = store.put(b"sisa lama").sha256
    new_orphan = store.put(b"sisa baru").sha256
    old_temp = store.root / f"{TEMP_PREFIX}lama"
    old_temp.write_bytes(b"setengah")
    new_temp = store.root / "ab" / f"{TEMP_PREFIX}baru"
    new_temp.parent.mkdir(parents=True, exist_ok=True)
    new_temp.write_bytes(b"sedang ditulis")
    for key in (referenced, display, old_orphan):
        _age(store.root / key[:2] / key[2:4] / key, 5)
    _age(old_temp, 5)
    now = datetime.now(UTC)
    assert sweep_evidence_store(store, now, timedelta(hours=1), dry_run=True).unreferenced == 1
    assert store.exists(old_orphan)
    result = sweep_evidence_store(store, now, timedelta(hours=1))
    assert (result.incomplete, result.unreferenced) == (1, 1)
    assert not store.exists(old_orphan) and not old_temp.exists()
    assert store.exists(referenced) and store.exists(display) and store.exists(new_orphan) and new_temp.exists()


def test_storing_a_file_again_renews_it_so_the_sweep_spares_a_running_upload(app: Flask) -> None:
    store = get_store()
    assert isinstance(store, LocalEvidenceStore)
    key = store.put(b"bukti yang diunggah ulang").sha256
    _age(store.root / key[:2] / key[2:4] / key, 5)
    # A new upload of the same bytes has stored it (again) and has not committed its row yet.
    store.put(b"bukti yang diunggah ulang")
    result = sweep_evidence_store(store, datetime.now(UTC), timedelta(hours=1))
    assert result.unreferenced == 0 and store.exists(key)


def test_sweep_and_retention_never_take_berita_acara_or_objection_files(app: Flask, operator) -> None:
    from assessment.models import BeritaAcara, BeritaAcaraKind, Objection
    from assessment.services.retention import purge_expired_evidence

    participant, user = operator
    store = get_store()
    assert isinstance(store, LocalEvidenceStore)
    minutes = store.put(b"%PDF-1.7 berita acara").sha256
    attached = store.put(b"lampiran sanggah").sha256
    # The same bytes were also uploaded as evidence long ago, so the retention purge would delete them by hash.
    old = datetime.now(UTC) - timedelta(days=400)
    db.session.add_all(
        [
            BeritaAcara(
                kind=BeritaAcaraKind.pleno,
                competition_id=participant.competition_id,
                kode="UJIBERITAACARA01",
                sha256=minutes,
            ),
            Objection(
                participant_id=participant.id, reason="Nilai keliru.", evidence_sha256=attached, filed_by_id=user.id
            ),
            Evidence(
                participant_id=participant.id,
                indicator_code="A1",
                kind=EvidenceKind.file,
                sha256=minutes,
                size=1,
                media_type="application/pdf",
                original_name="a.pdf",
                uploaded_at=old,
            ),
        ]
    )
    db.session.commit()
    for key in (minutes, attached):
        _age(store.root / key[:2] / key[2:4] / key, 5)
    purge_expired_evidence(store, 30, datetime.now(UTC))
    result = sweep_evidence_store(store, datetime.now(UTC), timedelta(hours=1))
    assert result.unreferenced == 0
    assert store.exists(minutes) and store.exists(attached)
