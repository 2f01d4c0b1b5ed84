"""The background worker's queue: jobs kept in the database (no other server to install)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from assessment.models.types import UTCDateTime, str_enum, utcnow
from assessment.platform.extensions import Model


class JobStatus(StrEnum):
    """Where a job stands: waiting (also between retries), taken by a worker, finished, or parked after failing."""

    pending = "pending"
    running = "running"
    done = "done"
    parked = "parked"


class Job(Model):
    """One unit of background work (see :mod:`assessment.jobs.queue` for the delivery rules).

    ``key`` is the idempotency key: a job is enqueued at most once per key, so whoever enqueues it twice (two
    workers planning the same reminder, a retried request) gets one job. ``run_at`` is when it is due (later after
    each failure: the backoff); a ``running`` job whose ``locked_until`` has passed belonged to a worker that died
    and is taken again (at-least-once).
    """

    __tablename__ = "job"
    __table_args__ = (Index("ix_job_status_run_at", "status", "run_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(50), index=True)
    payload: Mapped[str] = mapped_column(Text, default="{}")
    status: Mapped[JobStatus] = mapped_column(str_enum(JobStatus, "job_status"), default=JobStatus.pending)
    run_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    max_attempts: Mapped[int] = mapped_column(default=5, server_default="5")
    locked_by: Mapped[str | None] = mapped_column(String(100))
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
