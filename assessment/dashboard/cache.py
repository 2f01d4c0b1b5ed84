"""The dashboard's body, rendered once per state of the data it shows and kept in memory.

A province dashboard reads about 50,000 desk scores, runs the scoring engine and draws seven charts and tables of
841 desa: seconds of work. Its body is rendered once and kept for as long as nothing it depends on has changed.

Rule (when a dashboard is recomputed): the key holds the competition, the region, the map colouring, which
editions' scores the viewer may see, the language, and :func:`data_version`: counts, highest ids, sums of the
optimistic-lock versions and latest change times of every table a dashboard reads (participants, self
assessments, assignments, desk scores, reconciliations, field levels, objection answers, the committee's
withdrawals from the ranking, stage exceptions, regions and boundaries, competitions and their stages, the
published and final results), plus which stage deadlines and exceptions have passed at this moment. Any insert,
delete or versioned update anywhere in those tables, a publication or a deadline passing gives a new key: the page
never shows stale numbers. Each worker process (each application) keeps the last :data:`MAX_ENTRIES` bodies.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import Executable, func, select

from assessment.models import (
    Assignment,
    Competition,
    DeskScore,
    FieldLevel,
    FinalSnapshot,
    Objection,
    Participant,
    ProvisionalResult,
    RankingWithdrawal,
    Reconciliation,
    Region,
    RegionBoundary,
    SelfAssessment,
    Stage,
    StageException,
)
from assessment.platform.extensions import db

MAX_ENTRIES = 32
_lock = threading.Lock()


def _bodies() -> OrderedDict[Hashable, str]:
    """This application's kept bodies (each app, and so each test database, has its own)."""
    bodies: OrderedDict[Hashable, str] = current_app.extensions.setdefault("dashboard_bodies", OrderedDict())
    return bodies


def data_version(now: datetime) -> tuple[Any, ...]:
    """The state of everything a dashboard reads, in a handful of aggregate queries (see the module's rule)."""
    queries: list[Executable] = [
        select(func.count(), func.max(Participant.id), func.sum(Participant.version)),
        select(
            func.count(),
            func.max(SelfAssessment.id),
            func.sum(SelfAssessment.version),
            func.max(SelfAssessment.updated_at),
        ),
        select(
            func.count(),
            func.max(Assignment.id),
            func.sum(Assignment.version),
            func.max(Assignment.submitted_at),
            func.max(Assignment.withdrawn_at),
        ),
        select(func.count(), func.max(DeskScore.id), func.sum(DeskScore.version), func.max(DeskScore.updated_at)),
        select(func.count(), func.max(Reconciliation.id), func.max(Reconciliation.decided_at)),
        select(func.count(), func.max(FieldLevel.id), func.sum(FieldLevel.version), func.max(FieldLevel.updated_at)),
        select(
            func.count(),
            func.max(Objection.id),
            func.max(Objection.answered_at),
            func.sum(func.coalesce(Objection.new_level, -7)),
        ),
        select(func.count(), func.max(RankingWithdrawal.id), func.max(RankingWithdrawal.revoked_at)),
        select(func.count(), func.max(ProvisionalResult.id)),
        select(func.count(), func.max(FinalSnapshot.id)),
        select(
            func.count(),
            func.max(StageException.id),
            func.max(StageException.revoked_at),
            func.count().filter(StageException.revoked_at.is_(None), StageException.ends_at > now),
        ),
        select(func.count(), func.max(Region.id)),
        select(func.count(), func.max(RegionBoundary.id), func.max(RegionBoundary.updated_at)),
        select(func.count(), func.max(Competition.id), func.max(Competition.results_published_at)),
        select(
            func.count(),
            func.max(Stage.id),
            func.max(Stage.starts_at),
            func.max(Stage.ends_at),
            func.count().filter(Stage.ends_at <= now),
        ),
    ]
    return tuple(tuple(db.session.execute(query).one()) for query in queries)


def cached_body(key: Hashable, render: Callable[[], str]) -> str:
    """The body kept under ``key``, or ``render()`` kept under it (the oldest entries are dropped)."""
    bodies = _bodies()
    with _lock:
        body = bodies.get(key)
        if body is not None:
            bodies.move_to_end(key)
            return body
    body = render()
    with _lock:
        bodies[key] = body
        while len(bodies) > MAX_ENTRIES:
            bodies.popitem(last=False)
    return body
