"""Reading the delivery state of messages from the job queue, and queueing test messages; each verb owns its
commit."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from assessment.models import Competition, Job, JobStatus, Notification
from assessment.platform.extensions import db
from assessment.services.audit import record_event
from assessment.services.fanout import FANOUT_JOB, USER_PREFIX, progress_of
from assessment.services.gateway import WHATSAPP_JOB, enqueue_whatsapp
from assessment.services.notifications import MAIL_JOB, TEST_MAIL_JOB, enqueue_test_mail

CHANNELS = {"email": (MAIL_JOB, TEST_MAIL_JOB), "whatsapp": (WHATSAPP_JOB,)}
CHANNEL_OF = {kind: channel for channel, kinds in CHANNELS.items() for kind in kinds}
STATES = ("sent", "pending", "failed", "parked")
TEST_TEXT = "Pesan uji Lomba Desa Digital: saluran ini berfungsi."


class NoAddress(Exception):
    """The person has no address on this channel (no phone number, or the channel is not configured)."""


def state_of(job: Job) -> str:
    """sent (done), pending (waiting, never failed: including held by quiet hours), failed (waiting for a retry
    after an error), parked (gave up; its error kept)."""
    if job.status is JobStatus.done:
        return "sent"
    if job.status is JobStatus.parked:
        return "parked"
    return "failed" if job.last_error else "pending"


@dataclass(frozen=True)
class Delivery:
    """One message as the delivery page shows it."""

    job: Job
    channel: str
    state: str
    recipient: str


def _recipient(job: Job, payload: dict[str, Any], notifications: dict[int, Notification]) -> str:
    if "to" in payload:
        return str(payload["to"])
    row = notifications.get(int(payload.get("notification_id", 0)))
    return (row.mail_to or "") if row is not None else ""


def summary() -> dict[str, dict[str, int]]:
    """Message counts per channel and state."""
    counts = {channel: dict.fromkeys(STATES, 0) for channel in CHANNELS}
    kinds = list(CHANNEL_OF)
    rows = db.session.execute(
        select(Job.kind, Job.status, Job.last_error.is_not(None), func.count(Job.id))
        .where(Job.kind.in_(kinds))
        .group_by(Job.kind, Job.status, Job.last_error.is_not(None))
    )
    for kind, status, errored, count in rows:
        state = {JobStatus.done: "sent", JobStatus.parked: "parked"}.get(status, "failed" if errored else "pending")
        counts[CHANNEL_OF[kind]][state] += count
    return counts


def recent(limit: int = 200) -> list[Delivery]:
    """The messages not sent (newest first), then the latest sent, ``limit`` in all."""
    kinds = list(CHANNEL_OF)
    open_jobs = list(
        db.session.scalars(
            select(Job).where(Job.kind.in_(kinds), Job.status != JobStatus.done).order_by(Job.id.desc()).limit(limit)
        )
    )
    done = list(
        db.session.scalars(
            select(Job)
            .where(Job.kind.in_(kinds), Job.status == JobStatus.done)
            .order_by(Job.id.desc())
            .limit(max(limit - len(open_jobs), 0))
        )
    )
    payloads = {job.id: json.loads(job.payload or "{}") for job in open_jobs + done}
    ids = [int(p["notification_id"]) for p in payloads.values() if "notification_id" in p]
    notifications = {row.id: row for row in db.session.scalars(select(Notification).where(Notification.id.in_(ids)))}
    return [
        Delivery(job, CHANNEL_OF[job.kind], state_of(job), _recipient(job, payloads[job.id], notifications))
        for job in open_jobs + done
    ]


@dataclass(frozen=True)
class Fanout:
    """One notification of many people after an event (:mod:`assessment.services.fanout`): how far the worker has
    come."""

    job: Job
    kind: str
    competition: Competition | None
    done: int
    total: int
    state: str
    accounts: bool
    """Its entries are accounts (a schedule change), not desa."""


def fanouts(limit: int = 20) -> list[Fanout]:
    """The latest fan-outs, newest first, each with the desa done out of all (``sent`` once finished)."""
    jobs = list(db.session.scalars(select(Job).where(Job.kind == FANOUT_JOB).order_by(Job.id.desc()).limit(limit)))
    found = []
    for job in jobs:
        payload = json.loads(job.payload or "{}")
        total = len(payload.get("messages", []))
        competition = db.session.get(Competition, payload["competition_id"]) if payload.get("competition_id") else None
        done = total if job.status is JobStatus.done else min(progress_of(job.result), total)
        accounts = all(str(entry[0]).startswith(USER_PREFIX) for entry in payload.get("messages", []))
        found.append(
            Fanout(job, str(payload.get("kind", "")), competition, done, total, state_of(job), accounts and total > 0)
        )
    return found


def parked_work(limit: int = 50) -> list[Job]:
    """Other jobs (reminders, the outbox sweep) that gave up, newest first: the committee sees them here too."""
    return list(
        db.session.scalars(
            select(Job)
            .where(Job.kind.not_in(list(CHANNEL_OF)), Job.status == JobStatus.parked)
            .order_by(Job.id.desc())
            .limit(limit)
        )
    )


class NotParked(Exception):
    """Only a parked job can be tried again."""


def retry_parked(job: Job, now: datetime) -> None:
    """Try a parked job again (after the cause was mended: a gateway token, a mail server): due now, with a fresh
    count of attempts; its last error stays until the next run. Audited."""
    if job.status is not JobStatus.parked:
        raise NotParked(job.id)
    job.status, job.attempts, job.run_at, job.finished_at = JobStatus.pending, 0, now, None
    record_event("job.retry", target=f"job:{job.id}", after={"kind": job.kind})
    db.session.commit()


def queue_test_message(user: Any, channel: str, now: datetime, *, to: str | None = None) -> Job:
    """Queue one test message on ``channel`` to ``to`` (default: ``user``'s own address), sent at once by the
    worker (quiet hours do not hold it); audited. Raises :class:`NoAddress` when there is nowhere to send it."""
    key = f"test:{channel}:{uuid.uuid4().hex}"
    if channel == "email":
        address = to or (user.email if user is not None else None)
        if not address:
            raise NoAddress(channel)
        enqueue_test_mail(key, address, TEST_TEXT)
    elif channel == "whatsapp":
        address = to or (user.phone if user is not None else None)
        if not address:
            raise NoAddress(channel)
        enqueue_whatsapp(key, address, TEST_TEXT, urgent=True, now=now)
    else:
        raise ValueError(channel)
    record_event("notification.test", target=f"job:{key}", after={"channel": channel}, actor=user)
    db.session.commit()
    return db.session.scalars(select(Job).where(Job.key == key)).one()
