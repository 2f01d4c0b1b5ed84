"""Scheduled work, without cron: each worker enqueues the periodic jobs of the current time slot.

Every periodic task has an interval; the job of the slot that contains ``now`` gets the key ``<kind>@<slot
start>``, so however many workers run, each slot's job is enqueued (and run) once. A worker that was stopped runs
the current slot's job when it starts again; missed slots are not replayed, since each run looks at the present
(the reminders re-read the stage dates, the outbox sweep the whole outbox).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import current_app

from assessment.documents.operations import PURGE_JOB as SEALED_PURGE_JOB
from assessment.jobs import queue
from assessment.links.capture import SWEEP_JOB as LINK_SWEEP_JOB
from assessment.platform.extensions import db
from assessment.services.deadlines import REMINDER_JOB, plan_deadline_reminders
from assessment.services.notifications import enqueue_outbox

OUTBOX_JOB = "mail.outbox"
PRUNE_JOB = "jobs.prune"
DONE_JOBS_KEPT = timedelta(days=30)


@dataclass(frozen=True)
class Periodic:
    """A job enqueued once per ``every``."""

    kind: str
    every: timedelta
    max_attempts: int = 3


PERIODIC = (
    Periodic(REMINDER_JOB, timedelta(minutes=15)),
    Periodic(OUTBOX_JOB, timedelta(minutes=5)),
    Periodic(PRUNE_JOB, timedelta(days=1)),
    Periodic(LINK_SWEEP_JOB, timedelta(minutes=15)),
    Periodic(SEALED_PURGE_JOB, timedelta(minutes=15)),
)


def slot_start(now: datetime, every: timedelta) -> datetime:
    """The start of the slot of length ``every`` (counted from the Unix epoch) that contains ``now``."""
    seconds = int(every.total_seconds())
    return datetime.fromtimestamp(int(now.timestamp()) // seconds * seconds, tz=UTC)


def schedule_due(now: datetime) -> int:
    """Enqueue this slot's job of every periodic task (a no-op for slots already enqueued); returns how many were
    added, and commits."""
    added = 0
    for task in PERIODIC:
        start = slot_start(now, task.every)
        added += queue.enqueue(
            task.kind, f"{task.kind}@{start:%Y-%m-%dT%H:%MZ}", run_at=start, max_attempts=task.max_attempts
        )
    db.session.commit()
    return added


@queue.handler(REMINDER_JOB)
def run_reminders(payload: dict[str, Any], context: queue.RunContext) -> str:
    """Send the deadline reminders due now (:func:`assessment.services.deadlines.plan_deadline_reminders`)."""
    sent = plan_deadline_reminders(context.now, current_app.config.get("REMINDER_DAYS") or (7, 3, 1))
    return f"{len(sent)} pengingat"


@queue.handler(OUTBOX_JOB)
def sweep_outbox(payload: dict[str, Any], context: queue.RunContext) -> str:
    """Give every e-mail still waiting in the outbox its job (see
    :func:`assessment.services.notifications.enqueue_outbox`)."""
    if not current_app.config.get("SMTP_HOST"):
        return "SMTP_HOST tidak diatur"
    return f"{enqueue_outbox()} e-mail diantrekan"


@queue.handler(PRUNE_JOB)
def prune_jobs(payload: dict[str, Any], context: queue.RunContext) -> str:
    """Delete finished jobs older than 30 days (parked ones stay)."""
    return f"{queue.prune(context.now - DONE_JOBS_KEPT)} pekerjaan lama dihapus"
