"""The reconciliation verb; it re-checks the stage, the flag and the input itself and owns its commit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from assessment.criteria.model import Rubric
from assessment.models import Participant, Reconciliation, ReconciliationCorrection, User
from assessment.platform.extensions import db
from assessment.repo import reconciliation_items
from assessment.services.audit import record_event
from assessment.services.stages import Action, mark_change_after_freeze, require_stage

REASON_MAX = 2000


class ReconciliationRefused(Exception):
    """``code``: ``not_flagged``, ``level``, ``reason``, ``already`` or ``not_agreed``."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def reconcile_item(
    participant: Participant, rubric: Rubric, indicator_code: str, level: int, reason: str, by: User, now: datetime
) -> Reconciliation:
    """Record the ketua tim's agreed level for one flagged item of a desa.

    Only during rekonsiliasi (or under a committee exception for the desa or this indicator); only for an item
    whose submitted desk levels differ by at least the rubric's ``disagreement_threshold``
    (:func:`assessment.repo.reconciliation_items`); the level must be on the scale and a written reason (at most
    2,000 characters) is required. The agreed level then replaces the assessors' levels for that item in the score
    (:func:`assessment.repo.verified_records`); the assessors' rows are kept. One agreed level per item: a second
    one is refused.
    """
    gate = require_stage(
        participant.competition, Action.reconcile, now, participant=participant, indicator_code=indicator_code
    )
    rubric.indicator(indicator_code)
    flagged = {(code, indicator) for code, indicator, _spread in reconciliation_items(participant.competition, rubric)}
    if (participant.desa_code, indicator_code) not in flagged:
        raise ReconciliationRefused("not_flagged")
    if level not in rubric.scale.levels:
        raise ReconciliationRefused("level")
    reason = reason.strip()
    if not reason or len(reason) > REASON_MAX:
        raise ReconciliationRefused("reason")
    existing = db.session.scalar(
        select(Reconciliation).where(
            Reconciliation.participant_id == participant.id, Reconciliation.indicator_code == indicator_code
        )
    )
    if existing is not None:
        raise ReconciliationRefused("already")
    row = Reconciliation(
        participant_id=participant.id,
        indicator_code=indicator_code,
        level=level,
        reason=reason,
        decided_by_id=by.id,
        decided_at=now,
    )
    db.session.add(row)
    mark_change_after_freeze(gate, participant, indicator_code, Action.reconcile, by, now)
    record_event(
        "reconciliation.agree",
        target=f"participant:{participant.id}",
        after={"indicator": indicator_code, "level": level, "reason": reason},
    )
    try:
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        raise ReconciliationRefused("already") from error
    return row


def correct_reconciliation(
    participant: Participant, rubric: Rubric, indicator_code: str, level: int, reason: str, by: User, now: datetime
) -> Reconciliation:
    """The ketua tim corrects an agreed level with a new written reason, keeping the history.

    Same stage rule as the agreement (rekonsiliasi, or a committee exception for the desa or this indicator); only
    an item already agreed; the level must be on the scale and the new reason (at most 2,000 characters) is
    required. The earlier level, reason, decider and time are kept as a
    :class:`~assessment.models.ReconciliationCorrection` and stay visible; the corrected level is what the score
    uses from then on (:func:`assessment.repo.verified_records`).
    """
    gate = require_stage(
        participant.competition, Action.reconcile, now, participant=participant, indicator_code=indicator_code
    )
    rubric.indicator(indicator_code)
    row = db.session.scalar(
        select(Reconciliation).where(
            Reconciliation.participant_id == participant.id, Reconciliation.indicator_code == indicator_code
        )
    )
    if row is None:
        raise ReconciliationRefused("not_agreed")
    if level not in rubric.scale.levels:
        raise ReconciliationRefused("level")
    reason = reason.strip()
    if not reason or len(reason) > REASON_MAX:
        raise ReconciliationRefused("reason")
    before = {"indicator": indicator_code, "level": row.level, "reason": row.reason}
    row.corrections.append(
        ReconciliationCorrection(
            level=row.level,
            reason=row.reason,
            decided_by_id=row.decided_by_id,
            decided_at=row.decided_at,
            corrected_by_id=by.id,
            corrected_at=now,
        )
    )
    row.level = level
    row.reason = reason
    row.decided_by_id = by.id
    row.decided_at = now
    mark_change_after_freeze(gate, participant, indicator_code, Action.reconcile, by, now)
    record_event(
        "reconciliation.correct",
        target=f"participant:{participant.id}",
        before=before,
        after={"indicator": indicator_code, "level": level, "reason": reason},
    )
    db.session.commit()
    return row
