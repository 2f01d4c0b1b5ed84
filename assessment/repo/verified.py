"""The verified rows: the desk scores that count, the agreed (reconciled), field and objection levels, and their
precedence (:func:`verified_records`), as the scoring engine's records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, select, true
from sqlalchemy.orm import InstrumentedAttribute

from assessment.criteria.model import Rubric
from assessment.models import (
    Assignment,
    Competition,
    DeskScore,
    FieldLevel,
    Objection,
    Participant,
    Reconciliation,
    User,
)
from assessment.platform.extensions import db
from assessment.scoring import (
    AssessmentRows,
    reconciliation_flags,
)
from assessment.services.security import region_condition

Record = tuple[str, str, str, int | None]
"""(desa code, indicator code, assessor, level or None for N/A): one row the engine scores."""


RECONCILED_BY = "rekonsiliasi"
"""The assessor name of the one row that carries a reconciled level in :func:`verified_records`."""

FIELD_BY = "lapangan"
"""The assessor name of the one row that carries a field level in :func:`verified_records`."""

OBJECTION_BY = "sanggah"
"""The assessor name of the one row that carries a level changed by an objection answer in :func:`verified_records`."""


@dataclass(frozen=True, slots=True)
class DeskRow:
    """One counted desk score: desa code, indicator, assessor (account id as text), level (None = N/A)."""

    desa_code: str
    indicator_code: str
    assessor: str
    level: int | None
    assessor_name: str = ""
    note: str = ""


def _connection() -> Connection:
    """The session's connection for bulk reads through SQLAlchemy Core (no ORM row objects: several times faster
    for tens of thousands of rows), after flushing pending changes as the ORM's autoflush would."""
    db.session.flush()
    return db.session.connection()


def _in_region(column: InstrumentedAttribute[str], region_code: str | None) -> ColumnElement[bool]:
    """SQL for "the code lies within ``region_code``" (all rows when None): ``security.region_condition``."""
    return true() if region_code is None else region_condition(column, region_code)


def _counted(competition: Competition, region_code: str | None) -> tuple[ColumnElement[bool], ...]:
    """The rule of :func:`desk_rows` as SQL conditions (on DeskScore joined to Assignment and Participant)."""
    return (
        Participant.competition_id == competition.id,
        Assignment.submitted_at.is_not(None),
        Assignment.withdrawn_at.is_(None),
        _in_region(Participant.desa_code, region_code),
    )


def desk_rows(competition: Competition, region_code: str | None = None) -> list[DeskRow]:
    """The desk scores that count: those of submitted assignments not withdrawn (for a conflict), in a fixed order.

    Drafts never count, and neither do the scores of an assessor whose assignment was withdrawn. With
    ``region_code``, only the desa within that region.
    """
    rows = _connection().execute(
        select(
            Participant.desa_code,
            DeskScore.indicator_code,
            Assignment.assessor_id,
            DeskScore.level,
            DeskScore.not_applicable,
            User.name,
            DeskScore.note,
        )
        .join(Assignment, DeskScore.assignment_id == Assignment.id)
        .join(Participant, Assignment.participant_id == Participant.id)
        .join(User, Assignment.assessor_id == User.id)
        .where(*_counted(competition, region_code))
        .order_by(Participant.desa_code, DeskScore.indicator_code, Assignment.assessor_id)
    )
    return [
        DeskRow(code, indicator, str(assessor), None if not_applicable else level, name, note or "")
        for code, indicator, assessor, level, not_applicable, name, note in rows
    ]


def _counted_records(competition: Competition, region_code: str | None) -> list[Record]:
    """:func:`desk_rows` as engine records only (no names, no notes): the fast path of :func:`engine_run`."""
    rows = _connection().execute(
        select(
            Participant.desa_code,
            DeskScore.indicator_code,
            Assignment.assessor_id,
            DeskScore.level,
            DeskScore.not_applicable,
        )
        .join(Assignment, DeskScore.assignment_id == Assignment.id)
        .join(Participant, Assignment.participant_id == Participant.id)
        .where(*_counted(competition, region_code))
        .order_by(Participant.desa_code, DeskScore.indicator_code, Assignment.assessor_id)
    )
    return [
        (code, indicator, str(assessor), None if not_applicable else level)
        for code, indicator, assessor, level, not_applicable in rows
    ]


@dataclass(frozen=True, slots=True)
class ReconciledRow:
    """The ketua tim's agreed level for one desa x indicator, with who decided, when and why."""

    desa_code: str
    indicator_code: str
    level: int
    reason: str
    decided_by: str
    decided_at: datetime | None


def reconciled_rows(competition: Competition, region_code: str | None = None) -> list[ReconciledRow]:
    """Every reconciled item of the competition (within ``region_code`` when given), by desa and indicator."""
    rows = _connection().execute(
        select(
            Participant.desa_code,
            Reconciliation.indicator_code,
            Reconciliation.level,
            Reconciliation.reason,
            User.name,
            Reconciliation.decided_at,
        )
        .join(Participant, Reconciliation.participant_id == Participant.id)
        .outerjoin(User, Reconciliation.decided_by_id == User.id)
        .where(Participant.competition_id == competition.id, _in_region(Participant.desa_code, region_code))
        .order_by(Participant.desa_code, Reconciliation.indicator_code)
    )
    return [
        ReconciledRow(code, indicator, level, reason, name or "", decided_at)
        for code, indicator, level, reason, name, decided_at in rows
    ]


def field_level_rows(competition: Competition, region_code: str | None = None) -> dict[tuple[str, str], int]:
    """The field levels recorded (klarifikasi lapangan), by (desa, indicator); a field note without a level is none."""
    return {
        (code, indicator): level
        for code, indicator, level in _connection().execute(
            select(Participant.desa_code, FieldLevel.indicator_code, FieldLevel.level)
            .join(Participant, FieldLevel.participant_id == Participant.id)
            .where(
                Participant.competition_id == competition.id,
                FieldLevel.level.is_not(None),
                _in_region(Participant.desa_code, region_code),
            )
        )
        if level is not None
    }


def objection_level_rows(competition: Competition, region_code: str | None = None) -> dict[tuple[str, str], int]:
    """The levels set by the committee's answers to objections, by (desa, indicator); the latest answer counts."""
    answered: dict[tuple[str, str], int] = {}
    for code, indicator, level in _connection().execute(
        select(Participant.desa_code, Objection.answer_indicator_code, Objection.new_level)
        .join(Participant, Objection.participant_id == Participant.id)
        .where(
            Participant.competition_id == competition.id,
            Objection.new_level.is_not(None),
            _in_region(Participant.desa_code, region_code),
        )
        .order_by(Objection.answered_at, Objection.id)
    ):
        if indicator is not None and level is not None:  # the database's CHECK makes both present together
            answered[(code, indicator)] = level
    return answered


def _verified(
    desk: list[Record],
    reconciled: list[ReconciledRow],
    field: dict[tuple[str, str], int] | None = None,
    answered: dict[tuple[str, str], int] | None = None,
) -> list[Record]:
    """Apply the precedence of :func:`verified_records` to rows already read."""
    agreed = {(row.desa_code, row.indicator_code): row.level for row in reconciled}
    field = field or {}
    answered = answered or {}
    replaced = agreed.keys() | field.keys() | answered.keys()
    records = [row for row in desk if (row[0], row[1]) not in replaced] if replaced else list(desk)
    records.extend(
        (code, indicator, RECONCILED_BY, level)
        for (code, indicator), level in sorted(agreed.items())
        if (code, indicator) not in field and (code, indicator) not in answered
    )
    records.extend(
        (code, indicator, FIELD_BY, level)
        for (code, indicator), level in sorted(field.items())
        if (code, indicator) not in answered
    )
    records.extend((code, indicator, OBJECTION_BY, level) for (code, indicator), level in sorted(answered.items()))
    return records


def verified_records(
    competition: Competition, region_code: str | None = None, *, field_levels: bool = True
) -> list[Record]:
    """The rows the scoring engine scores (:meth:`assessment.scoring.AssessmentRows.from_records`).

    The rule, per desa x indicator, the later step replacing the earlier (so the precedence, highest first, is
    objection answer > field level > reconciled level > desk scores):

    1. the counted desk scores (:func:`desk_rows`);
    2. where the ketua tim reconciled the item, the assessors' rows are replaced by ONE row (assessor
       ``rekonsiliasi``) with the agreed level;
    3. where the field team recorded a field level (klarifikasi lapangan, :class:`~assessment.models.FieldLevel`
       with a level), the desk rows or the agreed row are replaced by ONE row (assessor ``lapangan``) with the
       field level. A field note without a level replaces nothing;
    4. where the committee answered an objection by changing the item's level, every row of the item is replaced
       by ONE row (assessor ``sanggah``) with that level; of several such answers, the latest counts.

    The replacing row is then the item's level whatever the aggregation. Every replaced row stays stored and is
    shown beside the level that replaced it. With ``region_code``, only the desa within that region.
    ``field_levels=False`` gives the rows before steps 3 and 4: the desk
    result the finalists of the field stage are chosen from (:func:`assessment.field.rules.select_finalists`).
    """
    desk = _counted_records(competition, region_code)
    reconciled = reconciled_rows(competition, region_code)
    if not field_levels:
        return _verified(desk, reconciled)
    return _verified(
        desk, reconciled, field_level_rows(competition, region_code), objection_level_rows(competition, region_code)
    )


def reconciliation_items(competition: Competition, rubric: Rubric) -> list[tuple[str, str, int]]:
    """The desa x indicator items whose counted desk levels differ by at least the rubric's
    ``disagreement_threshold`` (rule 7 of :mod:`assessment.scoring`), as (desa code, indicator code, spread).

    Computed on the assessors' own levels, so an item stays listed (with its agreed level) once reconciled.
    """
    records = [(row.desa_code, row.indicator_code, row.assessor, row.level) for row in desk_rows(competition)]
    if not records:
        return []
    rows = AssessmentRows.from_records(rubric, records)
    flags = reconciliation_flags(rubric, rows)
    indicators = rubric.indicators
    return [
        (rows.desa_codes[int(v)], indicators[int(i)].code, int(s))
        for v, i, s in zip(flags.desa, flags.indicator, flags.spread, strict=True)
    ]
