"""The stage gate: which action is allowed when, and the committee's exceptions for one desa or one indicator.

Every verification verb asks :func:`stage_gate` before it changes anything; pages ask it too, to show why a form
is closed. The rule is written once, in the docstring of :func:`stage_gate`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select

from assessment.extensions import db
from assessment.models import Competition, Participant, StageCode, StageException


class Action(StrEnum):
    """The actions of the verification workflow that the calendar governs."""

    assign = "assign"
    desk_score = "desk_score"
    reconcile = "reconcile"
    field_verify = "field_verify"


# The stages during which each action is allowed without an exception.
ACTION_STAGES: dict[Action, tuple[StageCode, ...]] = {
    Action.assign: (StageCode.verifikasi_kelengkapan, StageCode.penilaian_dokumen),
    Action.desk_score: (StageCode.penilaian_dokumen,),
    Action.reconcile: (StageCode.rekonsiliasi,),
    Action.field_verify: (StageCode.klarifikasi_lapangan,),
}


@dataclass(frozen=True, slots=True)
class Gate:
    """The answer of :func:`stage_gate`: allowed or not, why, and the exception that allowed it, if any.

    ``reason`` is ``open``, ``exception``, ``not_started``, ``closed`` or ``no_schedule``.
    """

    allowed: bool
    reason: str
    stages: tuple[StageCode, ...]
    exception: StageException | None = None
    opens_at: datetime | None = None
    closes_at: datetime | None = None


class StageClosed(Exception):
    """An action was attempted outside its stage without an exception; ``gate`` says why."""

    def __init__(self, gate: Gate) -> None:
        super().__init__(gate.reason)
        self.gate = gate


def active_exceptions(participant: Participant, now: datetime) -> list[StageException]:
    """The participant's exceptions that are not revoked and not yet ended, oldest first."""
    rows = db.session.scalars(
        select(StageException).where(StageException.participant_id == participant.id,
                                     StageException.revoked_at.is_(None))
        .order_by(StageException.created_at, StageException.id)
    )
    return [row for row in rows if row.ends_at > now]


def stage_gate(competition: Competition, action: Action, now: datetime, *, participant: Participant | None = None,
               indicator_code: str | None = None,
               exceptions: Sequence[StageException] | None = None) -> Gate:
    """Whether ``action`` is allowed at ``now`` (for ``participant``, on ``indicator_code``).

    The rule:

    1. Each action belongs to stages (:data:`ACTION_STAGES`): assigning assessors to verifikasi kelengkapan and
       penilaian dokumen, desk scoring (and uji akses records) to penilaian dokumen, reconciliation to
       rekonsiliasi, field verification (field levels, notes, photos) to klarifikasi lapangan. It is allowed
       while one of its stages is open: from ``starts_at`` (included) to ``ends_at`` (excluded), compared in UTC
       and shown in WITA. At ``ends_at`` itself the stage is closed.
    2. Outside its stages an action is allowed for one desa only through a committee exception
       (:class:`~assessment.models.StageException`) for that desa and one of the action's stages, written with a
       reason, not revoked, and before the exception's own ``ends_at``.
    3. An exception for one indicator allows the action on that indicator only; an action on the whole desa
       (submitting a desk assessment, for example) needs an exception for the whole desa (no indicator).
    4. An exception never reaches another desa or another stage. A competition without any of the action's stages
       allows it only through an exception.
    """
    stages = ACTION_STAGES[action]
    scheduled = [stage for stage in competition.stages if stage.code in stages]
    for stage in scheduled:
        if stage.is_open(now):
            return Gate(True, "open", stages, opens_at=stage.starts_at, closes_at=stage.ends_at)
    if participant is not None:
        candidates = exceptions if exceptions is not None else active_exceptions(participant, now)
        for exception in candidates:
            if (exception.participant_id == participant.id and exception.stage in stages
                    and exception.revoked_at is None and now < exception.ends_at
                    and exception.indicator_code in (None, indicator_code)):
                return Gate(True, "exception", stages, exception=exception, closes_at=exception.ends_at)
    if not scheduled:
        return Gate(False, "no_schedule", stages)
    opens_at = min(stage.starts_at for stage in scheduled)
    closes_at = max(stage.ends_at for stage in scheduled)
    if now < opens_at:
        return Gate(False, "not_started", stages, opens_at=opens_at, closes_at=closes_at)
    return Gate(False, "closed", stages, opens_at=opens_at, closes_at=closes_at)


def require_stage(competition: Competition, action: Action, now: datetime, *, participant: Participant | None = None,
                  indicator_code: str | None = None) -> Gate:
    """:func:`stage_gate`, raising :class:`StageClosed` when the action is not allowed."""
    gate = stage_gate(competition, action, now, participant=participant, indicator_code=indicator_code)
    if not gate.allowed:
        raise StageClosed(gate)
    return gate
