"""The one place that turns rows into core values: a stored rubric back into a :class:`Rubric`."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import select

from assessment.criteria.files import load_rubric_bytes
from assessment.criteria.fingerprint import fingerprint
from assessment.criteria.model import Rubric
from assessment.extensions import db
from assessment.models import (
    Assignment,
    Competition,
    DeskScore,
    FieldLevel,
    Objection,
    Participant,
    Reconciliation,
    RubricFormat,
    StoredRubric,
)
from assessment.scoring import AssessmentRows, reconciliation_flags


@lru_cache(maxsize=32)
def _parse(fingerprint_value: str, source: bytes, filename: str) -> Rubric:
    rubric = load_rubric_bytes(source, filename)
    if fingerprint(rubric) != fingerprint_value:
        # The parser changed in a way that changes the meaning of a stored rubric: never score under it silently.
        raise RuntimeError(f"stored rubric {fingerprint_value[:12]} no longer parses to the same fingerprint")
    return rubric


def rubric_of(stored: StoredRubric) -> Rubric:
    """The core rubric of a stored one, parsed from its original source and checked against its fingerprint."""
    if stored.source_format is RubricFormat.xlsx:
        source = stored.source_bytes or b""
        filename = "rubrik.xlsx"
    else:
        source = (stored.source_text or "").encode("utf-8")
        filename = "rubrik.yaml"
    return _parse(stored.fingerprint, source, filename)


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


def desk_rows(competition: Competition) -> list[DeskRow]:
    """The desk scores that count: those of submitted assignments not withdrawn (for a conflict), in a fixed order.

    Drafts never count, and neither do the scores of an assessor whose assignment was withdrawn.
    """
    rows = db.session.execute(
        select(Participant.desa_code, DeskScore.indicator_code, Assignment.assessor_id, DeskScore.level,
               DeskScore.not_applicable)
        .join(Assignment, DeskScore.assignment_id == Assignment.id)
        .join(Participant, Assignment.participant_id == Participant.id)
        .where(Participant.competition_id == competition.id, Assignment.submitted_at.is_not(None),
               Assignment.withdrawn_at.is_(None))
        .order_by(Participant.desa_code, DeskScore.indicator_code, Assignment.assessor_id)
    )
    return [DeskRow(code, indicator, str(assessor), None if not_applicable else level)
            for code, indicator, assessor, level, not_applicable in rows]


def verified_records(competition: Competition, *, field_levels: bool = True) -> list[tuple[str, str, str, int | None]]:
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
    shown beside the level that replaced it. ``field_levels=False`` gives the rows before steps 3 and 4: the desk
    result the finalists of the field stage are chosen from (:func:`assessment.field.rules.select_finalists`).
    """
    reconciled = {(code, indicator): level for code, indicator, level in db.session.execute(
        select(Participant.desa_code, Reconciliation.indicator_code, Reconciliation.level)
        .join(Participant, Reconciliation.participant_id == Participant.id)
        .where(Participant.competition_id == competition.id))}
    field: dict[tuple[str, str], int | None] = {}
    answered: dict[tuple[str, str], int] = {}
    if field_levels:
        field = {(code, indicator): level for code, indicator, level in db.session.execute(
            select(Participant.desa_code, FieldLevel.indicator_code, FieldLevel.level)
            .join(Participant, FieldLevel.participant_id == Participant.id)
            .where(Participant.competition_id == competition.id, FieldLevel.level.is_not(None)))}
        for code, indicator, level in db.session.execute(
                select(Participant.desa_code, Objection.answer_indicator_code, Objection.new_level)
                .join(Participant, Objection.participant_id == Participant.id)
                .where(Participant.competition_id == competition.id, Objection.new_level.is_not(None))
                .order_by(Objection.answered_at, Objection.id)):
            if indicator is not None and level is not None:  # the database's CHECK makes both present together
                answered[(code, indicator)] = level
    replaced = reconciled.keys() | field.keys() | answered.keys()
    records = [(row.desa_code, row.indicator_code, row.assessor, row.level) for row in desk_rows(competition)
               if (row.desa_code, row.indicator_code) not in replaced]
    records.extend((code, indicator, RECONCILED_BY, level) for (code, indicator), level in sorted(reconciled.items())
                   if (code, indicator) not in field and (code, indicator) not in answered)
    records.extend((code, indicator, FIELD_BY, level) for (code, indicator), level in sorted(field.items())
                   if (code, indicator) not in answered)
    records.extend((code, indicator, OBJECTION_BY, level) for (code, indicator), level in sorted(answered.items()))
    return records


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
    return [(rows.villages[int(v)], indicators[int(i)].code, int(s))
            for v, i, s in zip(flags.village, flags.indicator, flags.spread, strict=True)]
