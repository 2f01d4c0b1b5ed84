"""A job queue kept in the database: the background worker's only infrastructure (no broker to install).

The delivery rules, written once:

- **Idempotent enqueue.** Every job has a key; enqueueing a key that exists does nothing (``INSERT ... ON
  CONFLICT DO NOTHING``, on PostgreSQL as on SQLite), so two workers planning the same reminder, or a request
  retried by a browser, make one job. A job is enqueued inside the caller's transaction: a rolled-back change
  leaves no job.
- **One worker per job.** A worker claims due jobs before running them. On PostgreSQL the candidates are locked
  with ``SELECT ... FOR UPDATE SKIP LOCKED``, so concurrent workers take disjoint sets without waiting on each
  other; on SQLite each job is claimed with a compare-and-set ``UPDATE ... WHERE`` it is still due (SQLite runs
  one writer at a time, so exactly one claim succeeds). A claim sets ``running``, the worker's name, a lease
  (``WORKER_LEASE_SECONDS``, default 300) and counts one attempt.
- **At least once.** A worker killed while running a job leaves it ``running``; once its lease has passed, any
  worker takes it again. Handlers are therefore written to be idempotent (an e-mail records that it was sent and
  carries a stable Message-ID, so a repeat is recognised).
- **Retries with backoff.** A job that raises is due again after 1, 5, 25 minutes, 2 hours, then every 6 hours
  (:func:`backoff`), until it has used ``max_attempts`` (default 5); then it is **parked** with its error, kept
  for the committee to see, and never run again by itself. A handler raises :class:`Permanent` for an error that
  no retry can mend (parked at once).
- **Queues.** Every job kind belongs to a queue: ``default`` (e-mail, WhatsApp/SMS, reminders, publication and
  other quick work) unless its handler names another; ``links`` holds the link captures (:mod:`assessment.links`,
  up to a minute each against slow or hostile sites). ``desa-digital worker --queue links`` runs only link
  captures and ``--queue default`` everything else, so two such workers never wait on each other. A worker told
  no queue (``make run``'s single worker) takes both, interleaved (:func:`run_queues`): every due job of the
  default queue, then one job of each other queue, and again; so an e-mail waits behind at most one link capture,
  and a flood of e-mails cannot hold the link captures back beyond the time to send them.
- **Outcome by the claimer only.** A worker records success or failure only while the job is still its own
  (same worker name): a worker that lost its lease cannot overwrite the outcome of the one that took over.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from flask import current_app
from sqlalchemy import Table, and_, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import ColumnElement

from assessment.models import Job, JobStatus
from assessment.platform.extensions import db
from assessment.platform.wita import now_utc

log = logging.getLogger(__name__)

DEFAULT_LEASE_SECONDS = 300
DEFAULT_MAX_ATTEMPTS = 5
BACKOFF_CAP = timedelta(hours=6)
ERROR_LENGTH = 2000


class Permanent(Exception):
    """A failure no retry can mend (a missing address, a message the channel refuses for good): park at once."""


class Deferred(Exception):
    """Not now (quiet hours): the job is due again at ``until``, and this run does not count as an attempt."""

    def __init__(self, until: datetime) -> None:
        super().__init__(f"ditunda sampai {until.isoformat()}")
        self.until = until


@dataclass
class RunContext:
    """What a handler gets besides its job: the moment of the run and connections shared by one batch (one SMTP
    connection for many e-mails), closed when the batch ends."""

    now: datetime
    stack: ExitStack
    key: str = ""
    """The key of the job being run (an idempotency key to hand on, e.g. to an HTTP gateway)."""
    job_id: int = 0
    """The id of the job being run (for :func:`progress`)."""
    _cache: dict[str, Any] = field(default_factory=dict)

    def shared(self, name: str, open_it: Callable[[ExitStack], Any]) -> Any:
        """The batch's ``name`` resource, opened on first use; an opening that failed fails every later use in the
        batch the same way (a mail server that is down is not dialled once per message)."""
        if name not in self._cache:
            try:
                self._cache[name] = open_it(self.stack)
            except Exception as error:
                self._cache[name] = error
                raise
        value = self._cache[name]
        if isinstance(value, Exception):
            raise value
        return value

    def forget(self, name: str) -> None:
        """Drop a shared resource that broke mid-batch (the next use opens a fresh one)."""
        self._cache.pop(name, None)


Handler = Callable[[dict[str, Any], RunContext], str | None]
HANDLERS: dict[str, Handler] = {}
DEFAULT_QUEUE = "default"
LINKS_QUEUE = "links"
QUEUE_NAMES = (DEFAULT_QUEUE, LINKS_QUEUE)
QUEUE_OF: dict[str, str] = {}
"""The job kinds outside the default queue, with their queue (see "Queues" in the module docstring)."""


def handler(kind: str, *, queue_name: str = DEFAULT_QUEUE) -> Callable[[Handler], Handler]:
    """Register the function that runs jobs of ``kind`` (it returns a short result text, or None), in the queue
    ``queue_name``."""
    if queue_name not in QUEUE_NAMES:
        raise ValueError(f"unknown queue {queue_name!r}")

    def register(function: Handler) -> Handler:
        HANDLERS[kind] = function
        if queue_name != DEFAULT_QUEUE:
            QUEUE_OF[kind] = queue_name
        return function

    return register


def backoff(attempts: int) -> timedelta:
    """The wait before the next try of a job that failed its ``attempts``-th time: 1, 5, 25 minutes, about two
    hours, then six hours at most."""
    return min(timedelta(minutes=5 ** max(attempts - 1, 0)), BACKOFF_CAP)


def enqueue(
    kind: str,
    key: str,
    payload: dict[str, Any] | None = None,
    *,
    run_at: datetime | None = None,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
) -> bool:
    """Add a job to the caller's transaction unless one with ``key`` exists; True when it was added.

    Not committed here: the caller's commit writes it with the change that caused it.
    """
    values = {
        "key": key,
        "kind": kind,
        "payload": json.dumps(payload or {}, sort_keys=True),
        "status": JobStatus.pending.value,
        "run_at": run_at or now_utc(),
        "attempts": 0,
        "max_attempts": max_attempts,
        "created_at": now_utc(),
    }
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = cast(Table, Job.__table__)
    # The core table, not the ORM entity: RETURNING tells reliably, on both databases, whether a row went in.
    statement = insert(table).values(**values).on_conflict_do_nothing(index_elements=["key"]).returning(table.c.id)
    return db.session.execute(statement).first() is not None


def worker_name() -> str:
    """A name unique to this worker process (host, pid and a random part: pids are reused across restarts)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def lease() -> timedelta:
    seconds = current_app.config.get("WORKER_LEASE_SECONDS") or DEFAULT_LEASE_SECONDS
    return timedelta(seconds=int(seconds))


def _claimable(
    now: datetime, kinds: Iterable[str] | None, ignore_schedule: bool, other_kinds: Iterable[str] = ()
) -> ColumnElement[bool]:
    waiting = Job.status == JobStatus.pending
    if not ignore_schedule:
        waiting = and_(waiting, Job.run_at <= now)
    abandoned = and_(Job.status == JobStatus.running, Job.locked_until <= now)
    condition = or_(waiting, abandoned)
    if kinds is not None:
        condition = and_(condition, Job.kind.in_(list(kinds)))
    left_out = list(other_kinds)
    if left_out:
        condition = and_(condition, Job.kind.not_in(left_out))
    return condition


def claim(
    worker: str,
    now: datetime,
    limit: int,
    *,
    kinds: Iterable[str] | None = None,
    ignore_schedule: bool = False,
    exclude: Iterable[int] = (),
    other_kinds: Iterable[str] = (),
) -> list[int]:
    """Take up to ``limit`` due jobs for ``worker`` and commit the claim; their ids, oldest due first.

    ``ignore_schedule`` also takes jobs waiting for a retry (an administrator's explicit "send now"); ``exclude``
    leaves out jobs already tried in this call; ``kinds`` takes only jobs of those kinds, ``other_kinds`` none of
    those.
    """
    kinds = list(kinds) if kinds is not None else None
    condition = _claimable(now, kinds, ignore_schedule, other_kinds)
    excluded = list(exclude)
    if excluded:
        condition = and_(condition, Job.id.not_in(excluded))
    taken = {
        "status": JobStatus.running,
        "locked_by": worker,
        "locked_until": now + lease(),
        "attempts": Job.attempts + 1,
    }
    candidates = select(Job.id).where(condition).order_by(Job.run_at, Job.id).limit(limit)
    try:
        if db.session.get_bind().dialect.name == "postgresql":
            ids = list(db.session.scalars(candidates.with_for_update(skip_locked=True)))
            if ids:
                db.session.execute(update(Job).where(Job.id.in_(ids)).values(**taken))
        else:
            ids = []
            for job_id in list(db.session.scalars(candidates)):
                # Compare-and-set: the update only matches while the job is still claimable.
                result = db.session.execute(update(Job).where(Job.id == job_id, condition).values(**taken))
                if getattr(result, "rowcount", 0) == 1:
                    ids.append(job_id)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return ids


@dataclass
class Outcome:
    """What one job run came to."""

    job_id: int
    kind: str
    status: JobStatus
    detail: str
    deferred: bool = False
    """Held back (quiet hours), not failed."""


def _describe(error: BaseException) -> str:
    text = f"{type(error).__name__}: {error}".strip()
    return text[:ERROR_LENGTH]


def _finish(job_id: int, worker: str, values: dict[str, Any]) -> None:
    db.session.execute(
        update(Job)
        .where(Job.id == job_id, Job.locked_by == worker, Job.status == JobStatus.running)
        .values(locked_by=None, locked_until=None, **values)
    )
    db.session.commit()


def run_claimed(job_id: int, worker: str, context: RunContext) -> Outcome:
    """Run one claimed job and record its outcome (done, pending again after a backoff, or parked)."""
    job = db.session.get(Job, job_id)
    if job is None:
        return Outcome(job_id, "?", JobStatus.done, "gone")
    kind, attempts, max_attempts = job.kind, job.attempts, job.max_attempts
    payload = json.loads(job.payload or "{}")
    function = HANDLERS.get(kind)
    context.key = job.key
    context.job_id = job.id
    try:
        if function is None:
            raise Permanent(f"no handler for job kind {kind!r}")
        result = function(payload, context)
    except Deferred as deferred:
        db.session.rollback()
        _finish(job_id, worker, {"status": JobStatus.pending, "run_at": deferred.until, "attempts": Job.attempts - 1})
        return Outcome(job_id, kind, JobStatus.pending, str(deferred), deferred=True)
    except Exception as error:
        db.session.rollback()
        detail = _describe(error)
        now = now_utc()
        if isinstance(error, Permanent) or attempts >= max_attempts:
            log.error(
                "Job %d (%s) parked after %d attempts: %s",
                job_id,
                kind,
                attempts,
                detail,
                exc_info=not isinstance(error, Permanent),
            )
            _finish(job_id, worker, {"status": JobStatus.parked, "last_error": detail, "finished_at": now})
            return Outcome(job_id, kind, JobStatus.parked, detail)
        log.warning(
            "Job %d (%s) failed (attempt %d of %d), retried later: %s", job_id, kind, attempts, max_attempts, detail
        )
        _finish(job_id, worker, {"status": JobStatus.pending, "last_error": detail, "run_at": now + backoff(attempts)})
        return Outcome(job_id, kind, JobStatus.pending, detail)
    _finish(
        job_id, worker, {"status": JobStatus.done, "result": (result or "")[:ERROR_LENGTH], "finished_at": now_utc()}
    )
    return Outcome(job_id, kind, JobStatus.done, result or "")


@contextmanager
def batch(now: datetime) -> Iterator[RunContext]:
    """A run context whose shared connections are closed when the batch ends."""
    with ExitStack() as stack:
        yield RunContext(now=now, stack=stack)


def run_due(
    worker: str,
    *,
    limit: int = 50,
    kinds: Iterable[str] | None = None,
    ignore_schedule: bool = False,
    should_stop: Callable[[], bool] = lambda: False,
    other_kinds: Iterable[str] = (),
    batches: int | None = None,
) -> list[Outcome]:
    """Claim and run due jobs, batch after batch, until none is due (jobs enqueued by a job run in the same call)
    or ``batches`` batches ran; stops between two jobs when ``should_stop()``. A job that failed waits for its
    backoff, so this ends. ``kinds``/``other_kinds``: only those kinds / none of those."""
    outcomes: list[Outcome] = []
    kinds = list(kinds) if kinds is not None else None
    other_kinds = list(other_kinds)
    seen: set[int] = set()
    rounds = 0
    while not should_stop() and (batches is None or rounds < batches):
        rounds += 1
        now = now_utc()
        # "Send now" (ignore_schedule) tries each job once per call: a failure waits for the next call.
        ids = claim(
            worker,
            now,
            limit,
            kinds=kinds,
            ignore_schedule=ignore_schedule,
            exclude=seen if ignore_schedule else (),
            other_kinds=other_kinds,
        )
        if not ids:
            break
        seen.update(ids)
        with batch(now) as context:
            for position, job_id in enumerate(ids):
                if should_stop():
                    # Give the rest back at once rather than leaving them to the lease.
                    _release(ids[position:], worker)
                    return outcomes
                outcomes.append(run_claimed(job_id, worker, context))
    return outcomes


def run_queues(
    worker: str, names: Iterable[str] | None = None, *, should_stop: Callable[[], bool] = lambda: False
) -> list[Outcome]:
    """Run the due jobs of the queues ``names`` (all when None) until none is due, interleaved as the module
    docstring says ("Queues"): every due default job, then one job of each other queue, again and again."""
    wanted = [name for name in QUEUE_NAMES if names is None or name in set(names)]
    separate = {
        name: [kind for kind, owner in QUEUE_OF.items() if owner == name] for name in wanted if name != DEFAULT_QUEUE
    }
    outcomes: list[Outcome] = []
    while not should_stop():
        ran = 0
        if DEFAULT_QUEUE in wanted:
            done = run_due(worker, other_kinds=list(QUEUE_OF), should_stop=should_stop)
            outcomes.extend(done)
            ran += len(done)
        for kinds in separate.values():
            if kinds and not should_stop():
                done = run_due(worker, kinds=kinds, limit=1, batches=1, should_stop=should_stop)
                outcomes.extend(done)
                ran += len(done)
        if not ran:
            break
    return outcomes


def progress(context: RunContext, text: str) -> None:
    """Record how far the running job has come (``Job.result`` until it finishes: the progress pages read it);
    written by the handler's next commit, with the work it describes."""
    db.session.execute(
        update(Job).where(Job.id == context.job_id, Job.status == JobStatus.running).values(result=text[:ERROR_LENGTH])
    )


def _release(ids: list[int], worker: str) -> None:
    db.session.execute(
        update(Job)
        .where(Job.id.in_(ids), Job.locked_by == worker, Job.status == JobStatus.running)
        .values(status=JobStatus.pending, locked_by=None, locked_until=None, attempts=Job.attempts - 1)
    )
    db.session.commit()


def prune(before: datetime) -> int:
    """Delete finished jobs older than ``before`` (parked jobs stay until the committee has seen them)."""
    result = db.session.execute(delete(Job).where(Job.status == JobStatus.done, Job.finished_at < before))
    db.session.commit()
    return int(getattr(result, "rowcount", 0) or 0)
