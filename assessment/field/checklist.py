"""What the field page shows per indicator: the rubric, the desk levels, the agreed level, the field level, photos.

Read-only: it loads rows and puts them side by side; the rules themselves are in :mod:`assessment.field.rules`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from assessment.criteria.model import Indicator, Rubric
from assessment.field.rules import checklist_order
from assessment.models import (
    Assignment,
    EvidenceStatus,
    EvidenceVerdict,
    FieldLevel,
    FieldPhoto,
    Participant,
    Reconciliation,
)
from assessment.platform.extensions import db

DOUBTFUL = (EvidenceVerdict.tidak_valid, EvidenceVerdict.tidak_cukup)


@dataclass(frozen=True)
class DeskLevel:
    """One counted assessor's desk level on the indicator."""

    assessor: str
    level: int | None
    not_applicable: bool
    note: str


@dataclass(frozen=True)
class Doubt:
    """A piece of evidence an assessor marked invalid or insufficient."""

    evidence_name: str
    verdict: EvidenceVerdict
    assessor: str
    evidence_id: int


@dataclass(frozen=True)
class ChecklistItem:
    """One indicator of the field checklist, with every level that was given to it."""

    indicator: Indicator
    desk: list[DeskLevel]
    agreed: Reconciliation | None
    field: FieldLevel | None
    doubts: list[Doubt]
    photos: list[FieldPhoto]

    @property
    def doubted_files(self) -> int:
        """How many pieces of evidence were doubted: a file doubted by two assessors is one file, not two."""
        return len({doubt.evidence_id for doubt in self.doubts})


def checklist(participant: Participant, rubric: Rubric) -> list[ChecklistItem]:
    """The field checklist of a desa, doubted indicators first (:func:`~assessment.field.rules.checklist_order`)."""
    assignments = list(
        db.session.scalars(
            select(Assignment)
            .where(
                Assignment.participant_id == participant.id,
                Assignment.withdrawn_at.is_(None),
                Assignment.submitted_at.is_not(None),
            )
            .order_by(Assignment.id)
        ).unique()
    )
    evidence = {e.id: e for e in participant.evidence if e.status == EvidenceStatus.aktif}
    desk: dict[str, list[DeskLevel]] = {}
    doubts: dict[str, list[Doubt]] = {}
    for assignment in assignments:
        for row in assignment.scores:
            desk.setdefault(row.indicator_code, []).append(
                DeskLevel(assignment.assessor.name, row.level, row.not_applicable, row.note)
            )
        for judgement in assignment.judgements:
            item = evidence.get(judgement.evidence_id)
            if item is not None and judgement.verdict in DOUBTFUL:
                doubts.setdefault(item.indicator_code, []).append(
                    Doubt(item.original_name or item.url or "", judgement.verdict, assignment.assessor.name, item.id)
                )
    agreed = {
        r.indicator_code: r
        for r in db.session.scalars(select(Reconciliation).where(Reconciliation.participant_id == participant.id))
    }
    field = {
        f.indicator_code: f
        for f in db.session.scalars(select(FieldLevel).where(FieldLevel.participant_id == participant.id))
    }
    photos: dict[str, list[FieldPhoto]] = {}
    for photo in db.session.scalars(
        select(FieldPhoto)
        .where(FieldPhoto.participant_id == participant.id, FieldPhoto.removed_at.is_(None))
        .order_by(FieldPhoto.uploaded_at, FieldPhoto.id)
    ):
        photos.setdefault(photo.indicator_code, []).append(photo)
    indicators = {indicator.code: indicator for indicator in rubric.indicators}
    return [
        ChecklistItem(
            indicators[code],
            desk.get(code, []),
            agreed.get(code),
            field.get(code),
            doubts.get(code, []),
            photos.get(code, []),
        )
        for code in checklist_order(indicators, doubts)
    ]
