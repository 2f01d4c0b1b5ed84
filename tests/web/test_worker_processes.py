"""The worker as real processes: killed mid-batch it loses nothing and duplicates nothing a person sees; two
workers never send one message twice; ``make run``'s ``desa-digital worker -- SERVER`` starts the worker beside
the web server and stops both together. Mail goes to a fake SMTP server on 127.0.0.1 (tests/support/mailserver.py).
"""

from __future__ import annotations

import collections
import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select, update

from assessment.models import Job, JobStatus, Notification, Role
from assessment.platform.extensions import db
from assessment.services.notifications import message_id, notify
from tests.conftest import MakeUser
from tests.support.live import PROJECT_DIR, free_port
from tests.support.mailserver import FakeMailServer

postgresql_only = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgresql"),
    reason="row locks (SELECT ... FOR UPDATE SKIP LOCKED) are PostgreSQL's; set DATABASE_URL to a PostgreSQL URL",
)
sqlite_only = pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgresql"), reason="the SQLite compare-and-set claim"
)


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"gave up waiting for {what}")


def environment(app: Flask, tmp_path: Path, mail_port: int) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": app.config["SECRET_KEY"],
        "EVIDENCE_DIR": str(tmp_path / "evidence"),
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(mail_port),
        "SMTP_STARTTLS": "0",
        "WORKER_POLL_SECONDS": "1",
        "PYTHONPATH": str(PROJECT_DIR),
    }


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as output:
        # Its own process group: a signal from the test reaches it and its children, nothing else.
        return subprocess.Popen(command, cwd=PROJECT_DIR, env=env, stdout=output, stderr=output, start_new_session=True)


WORKER = [sys.executable, "-m", "assessment", "worker"]


@pytest.fixture
def mail_app(app: Flask) -> Flask:
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_STARTTLS=False)
    return app


def outbox(make_user: MakeUser, count: int) -> list[Notification]:
    users = [make_user(Role.operator_desa, "64.09.04.2002", email=f"operator{k}@contoh.id") for k in range(count)]
    rows = notify(users, "hasil_sementara", "Hasil sementara diumumkan.", "/hasil/1")
    db.session.commit()
    return rows


def by_message_id(server: FakeMailServer) -> collections.Counter[str]:
    return collections.Counter(str(message["Message-ID"]) for message in server.messages)


def test_killed_worker_loses_nothing_and_duplicates_nothing_a_person_sees(
    mail_app: Flask, make_user: MakeUser, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    """SIGKILL while the mail server holds the fourth message (it counts as delivered, but the worker never hears
    so): after the lease, the next run sends what was left; every message arrives, each with its own stable
    Message-ID, so the one that went twice is one message to the person's mail system."""
    rows = outbox(make_user, 6)
    with FakeMailServer(hang_after=3) as server:
        mail_app.config["SMTP_PORT"] = server.port
        worker = start(WORKER, environment(mail_app, tmp_path, server.port), tmp_path / "worker.log")
        try:
            wait_for(server.hanging.is_set, "the worker to send the fourth message")
        finally:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=30)
        server.stop_hanging()
        db.session.expire_all()
        mailed = [row for row in rows if row.mailed_at is not None]
        assert len(mailed) == 3  # the fourth was taken by the server, but the worker died before recording it
        in_hand = db.session.scalars(select(Job).where(Job.kind == "mail", Job.status == JobStatus.running)).all()
        assert len(in_hand) == 3
        assert runner.invoke(args=["worker", "--once"]).exit_code == 0  # within the lease: not taken again
        db.session.expire_all()
        assert sum(row.mailed_at is not None for row in rows) == 3
        # The killed worker's lease runs out.
        db.session.execute(
            update(Job)
            .where(Job.status == JobStatus.running)
            .values(locked_until=datetime.now(UTC) - timedelta(seconds=1))
        )
        db.session.commit()
        result = runner.invoke(args=["worker", "--once"])
        assert result.exit_code == 0, result.output
        db.session.expire_all()
        assert all(row.mailed_at is not None for row in rows)
        counts = by_message_id(server)
        assert set(counts) == {message_id(mail_app.config, row) for row in rows}
        assert sorted(counts.values()) == [1, 1, 1, 1, 1, 2]  # only the one in hand went twice, same Message-ID
        per_person = collections.defaultdict(set)
        for message in server.messages:
            per_person[str(message["To"])].add(str(message["Message-ID"]))
        assert all(len(ids) == 1 for ids in per_person.values()) and len(per_person) == 6


def two_workers_send_each_message_once(app: Flask, make_user: MakeUser, tmp_path: Path) -> None:
    rows = outbox(make_user, 40)
    with FakeMailServer() as server:
        env = environment(app, tmp_path, server.port)
        workers = [start([*WORKER, "--once"], env, tmp_path / f"worker{n}.log") for n in range(2)]
        for worker in workers:
            assert worker.wait(timeout=120) == 0, (tmp_path / "worker0.log").read_text()
        counts = by_message_id(server)
    db.session.expire_all()
    assert all(row.mailed_at is not None for row in rows)
    assert set(counts) == {message_id(app.config, row) for row in rows}
    assert set(counts.values()) == {1}
    jobs = db.session.scalars(select(Job).where(Job.kind == "mail")).all()
    assert len(jobs) == 40 and {job.status for job in jobs} == {JobStatus.done}
    assert {job.attempts for job in jobs} == {1}


@postgresql_only
def test_two_workers_never_send_the_same_message_twice_on_postgresql(
    mail_app: Flask, make_user: MakeUser, tmp_path: Path
) -> None:
    two_workers_send_each_message_once(mail_app, make_user, tmp_path)


@sqlite_only
def test_two_workers_never_send_the_same_message_twice_on_sqlite(
    mail_app: Flask, make_user: MakeUser, tmp_path: Path
) -> None:
    two_workers_send_each_message_once(mail_app, make_user, tmp_path)


# --- make run: the worker beside the server -------------------------------------------------------------------


def test_make_run_serves_through_the_worker_supervisor() -> None:
    """The Makefile's run target starts the server through ``desa-digital worker --`` (tested below)."""
    recipe = re.search(r"^run:.*?(?=^\S)", (PROJECT_DIR / "Makefile").read_text(), re.MULTILINE | re.DOTALL)
    assert recipe is not None
    serve = [line.strip() for line in recipe.group(0).splitlines() if "gunicorn" in line or "serve" in line]
    assert len(serve) == 1 and serve[0].startswith("$(BIN)/desa-digital worker -- ")


def children_of(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(part) for part in path.read_text().split()] if path.exists() else []


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = Path(f"/proc/{pid}/stat")
    return not (state.exists() and state.read_text().split(") ", 1)[1].startswith("Z"))


def serving(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        return True
    return False


def worked() -> bool:
    db.session.rollback()  # a fresh look at the database
    return db.session.execute(select(Job.id).where(Job.status == JobStatus.done).limit(1)).first() is not None


@pytest.fixture
def supervised(app: Flask, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    port = free_port()
    env = {**environment(app, tmp_path, free_port()), "SMTP_HOST": ""}
    server = [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "1",
        "assessment:create_app()",
    ]
    process = start([*WORKER, "--", *server], env, tmp_path / "run.log")
    try:
        wait_for(lambda: serving(port), "the web server")
        # The worker is up once it has run its first scheduled jobs.
        wait_for(lambda: worked(), "the worker's first jobs")
        yield process, port
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
def test_worker_and_server_start_together_and_stop_together(
    supervised: tuple[subprocess.Popen[bytes], int], how: str
) -> None:
    process, port = supervised
    children = children_of(process.pid)
    assert len(children) == 2 and all(alive(child) for child in children)
    if how == "ctrl-c":
        os.killpg(process.pid, signal.SIGINT)  # the terminal sends it to the whole foreground group
    else:
        process.send_signal(signal.SIGTERM)  # a service manager signals the main process only
    assert process.wait(timeout=60) == 0
    assert not any(alive(child) for child in children)
    assert not serving(port)


def test_when_the_server_dies_the_worker_is_stopped_too(supervised: tuple[subprocess.Popen[bytes], int]) -> None:
    process, _port = supervised
    worker, server = children_of(process.pid)
    os.kill(server, signal.SIGKILL)
    assert process.wait(timeout=60) != 0
    assert not alive(worker)
