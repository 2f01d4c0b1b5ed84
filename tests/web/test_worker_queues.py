"""The worker's queues (assessment/jobs/queue.py, "Queues"): link captures, slow against hostile sites, never hold
back e-mail and the other quick jobs, whether one worker takes both queues or one worker runs each."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from assessment.jobs import queue
from assessment.links.capture import CAPTURE_JOB
from assessment.models import Job, JobStatus
from assessment.platform.extensions import db
from assessment.platform.wita import now_utc

ORDER: list[str] = []
SLOW_SECONDS = 0.3


@pytest.fixture
def slow_links_and_mail(monkeypatch: pytest.MonkeyPatch) -> None:
    """A link capture that takes SLOW_SECONDS (the first one also causes an e-mail, as a change during a capture
    would), and an e-mail kind of the default queue; both record the order they ran in."""
    ORDER.clear()

    def slow_capture(payload: dict[str, Any], context: queue.RunContext) -> str:
        ORDER.append(f"link{payload['n']}")
        if payload["n"] == 1:
            queue.enqueue("test.mail", "mail-during-capture")
            db.session.commit()
        time.sleep(SLOW_SECONDS)
        return "ok"

    def mail(payload: dict[str, Any], context: queue.RunContext) -> str:
        ORDER.append("mail")
        return "sent"

    monkeypatch.setitem(queue.HANDLERS, CAPTURE_JOB, slow_capture)
    monkeypatch.setitem(queue.HANDLERS, "test.mail", mail)


def enqueue_links(count: int) -> None:
    for n in range(1, count + 1):
        queue.enqueue(CAPTURE_JOB, f"link-{n}", {"n": n}, run_at=now_utc() - timedelta(minutes=10 - n))
    db.session.commit()


def test_link_captures_are_in_their_own_queue_and_e_mail_in_the_default_one() -> None:
    assert queue.QUEUE_OF.get(CAPTURE_JOB) == queue.LINKS_QUEUE
    assert "mail" not in queue.QUEUE_OF and "mail.outbox" not in queue.QUEUE_OF


def test_a_worker_taking_both_queues_sends_an_e_mail_after_at_most_one_link_capture(
    app: Flask, slow_links_and_mail: None
) -> None:
    enqueue_links(3)
    outcomes = queue.run_queues("w1")
    assert [outcome.status for outcome in outcomes] == [JobStatus.done] * 4
    # The e-mail appeared while the first capture ran; it goes before the two captures still waiting (one batch
    # of every due job, oldest first, would have sent it last).
    assert ORDER == ["link1", "mail", "link2", "link3"]


def test_a_default_worker_sends_e_mail_while_link_captures_wait_for_the_links_worker(
    app: Flask, slow_links_and_mail: None
) -> None:
    enqueue_links(3)
    queue.enqueue("test.mail", "mail-first")
    db.session.commit()
    started = time.monotonic()
    outcomes = queue.run_queues("default-worker", [queue.DEFAULT_QUEUE])
    assert [outcome.kind for outcome in outcomes] == ["test.mail"]
    assert time.monotonic() - started < SLOW_SECONDS, "no link capture ran in the default worker"
    waiting = db.session.scalars(select(Job.status).where(Job.kind == CAPTURE_JOB)).all()
    assert waiting == [JobStatus.pending] * 3
    outcomes = queue.run_queues("links-worker", [queue.LINKS_QUEUE])
    assert [outcome.kind for outcome in outcomes] == [CAPTURE_JOB] * 3
    # The e-mail the first capture caused is not the links worker's.
    assert db.session.scalars(select(Job.status).where(Job.key == "mail-during-capture")).one() is JobStatus.pending


def test_worker_queue_option_runs_only_that_queue(
    app: Flask, runner: FlaskCliRunner, slow_links_and_mail: None
) -> None:
    enqueue_links(1)
    result = runner.invoke(args=["worker", "--once", "--queue", "links"])
    assert result.exit_code == 0, result.output
    assert ORDER == ["link1"]
    result = runner.invoke(args=["worker", "--once", "--queue", "nowhere"])
    assert result.exit_code == 2
    result = runner.invoke(args=["worker", "--queue", "links", "--", "true"])
    assert result.exit_code == 2 and "--queue" in result.output
