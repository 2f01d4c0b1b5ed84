"""Where each level of one desa comes from (the why-this-rank page), and that desa's evidence."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select

from assessment.models import (
    Assignment,
    Competition,
    DeskScore,
    Evidence,
    EvidenceJudgement,
    EvidenceKind,
    EvidenceStatus,
    FieldLevel,
    Objection,
    Participant,
    User,
)
from assessment.platform.extensions import db
from assessment.repo.verified import reconciled_rows


@dataclass(frozen=True, slots=True)
class LevelSource:
    """One entry in the history of an indicator's level: who gave which level at which stage, and whether it counts.

    ``stage`` is a stage code (``penilaian_dokumen``, ``rekonsiliasi``; later ``klarifikasi_lapangan``,
    ``masa_sanggah``), ``counted`` says whether the level is part of the score now.
    """

    stage: str
    by: str
    level: int | None
    not_applicable: bool
    note: str
    at: datetime | None
    counted: bool


ProvenanceSource = Callable[[Competition, str], Iterable[tuple[str, LevelSource]]]
"""A provider of level history: (competition, desa code) -> (indicator code, entry) pairs."""


def desk_provenance(competition: Competition, desa_code: str) -> Iterable[tuple[str, LevelSource]]:
    """Each counted desk score of the desa (submitted, not withdrawn)."""
    rows = db.session.execute(
        select(
            DeskScore.indicator_code,
            User.name,
            DeskScore.level,
            DeskScore.not_applicable,
            DeskScore.note,
            DeskScore.updated_at,
        )
        .join(Assignment, DeskScore.assignment_id == Assignment.id)
        .join(Participant, Assignment.participant_id == Participant.id)
        .join(User, Assignment.assessor_id == User.id)
        .where(
            Participant.competition_id == competition.id,
            Participant.desa_code == desa_code,
            Assignment.submitted_at.is_not(None),
            Assignment.withdrawn_at.is_(None),
        )
        .order_by(DeskScore.indicator_code, Assignment.assessor_id)
    )
    for indicator, name, level, not_applicable, note, updated in rows:
        yield (
            indicator,
            LevelSource(
                "penilaian_dokumen", name, None if not_applicable else level, not_applicable, note or "", updated, True
            ),
        )


def reconciliation_provenance(competition: Competition, desa_code: str) -> Iterable[tuple[str, LevelSource]]:
    """The ketua tim's agreed level, which replaces the assessors' levels of that item in the score."""
    for row in reconciled_rows(competition, desa_code):
        yield (
            row.indicator_code,
            LevelSource("rekonsiliasi", row.decided_by, row.level, False, row.reason, row.decided_at, True),
        )


def field_provenance(competition: Competition, desa_code: str) -> Iterable[tuple[str, LevelSource]]:
    """The field team's level (klarifikasi lapangan); a field note without a level is shown but replaces nothing."""
    rows = db.session.execute(
        select(FieldLevel.indicator_code, User.name, FieldLevel.level, FieldLevel.note, FieldLevel.updated_at)
        .join(Participant, FieldLevel.participant_id == Participant.id)
        .outerjoin(User, FieldLevel.updated_by_id == User.id)
        .where(Participant.competition_id == competition.id, Participant.desa_code == desa_code)
        .order_by(FieldLevel.indicator_code)
    )
    for indicator, name, level, note, updated in rows:
        yield (
            indicator,
            LevelSource("klarifikasi_lapangan", name or "", level, False, note or "", updated, level is not None),
        )


def objection_provenance(competition: Competition, desa_code: str) -> Iterable[tuple[str, LevelSource]]:
    """The committee's answers to the desa's objections that changed a level (the latest answer counts)."""
    rows = db.session.execute(
        select(
            Objection.answer_indicator_code,
            User.name,
            Objection.new_level,
            Objection.answer_reason,
            Objection.answered_at,
        )
        .join(Participant, Objection.participant_id == Participant.id)
        .outerjoin(User, Objection.answered_by_id == User.id)
        .where(
            Participant.competition_id == competition.id,
            Participant.desa_code == desa_code,
            Objection.new_level.is_not(None),
        )
        .order_by(Objection.answered_at, Objection.id)
    )
    for indicator, name, level, reason, answered in rows:
        if indicator is not None:
            yield indicator, LevelSource("masa_sanggah", name or "", level, False, reason or "", answered, True)


PROVENANCE_SOURCES: tuple[ProvenanceSource, ...] = (
    desk_provenance,
    reconciliation_provenance,
    field_provenance,
    objection_provenance,
)
"""Every source of level history, in the order of their precedence in :func:`verified_records` (lowest first)."""


def level_provenance(competition: Competition, desa_code: str) -> dict[str, list[LevelSource]]:
    """The history of each indicator's level of one desa, from every :data:`PROVENANCE_SOURCES` entry in order.

    ``counted`` follows :func:`verified_records`: of the entries that could count, only those of the highest
    source present count (every desk score when nothing replaced them; otherwise the one replacing level, and of
    several objection answers the latest).
    """
    history: dict[str, list[LevelSource]] = {}
    for source in PROVENANCE_SOURCES:
        for indicator, entry in source(competition, desa_code):
            history.setdefault(indicator, []).append(entry)
    for indicator, entries in history.items():
        candidates = [i for i, entry in enumerate(entries) if entry.counted]
        if not candidates:
            continue
        top = entries[candidates[-1]].stage
        counted = set(candidates if top == "penilaian_dokumen" else candidates[-1:])
        history[indicator] = [replace(entry, counted=i in counted) for i, entry in enumerate(entries)]
    return history


@dataclass(frozen=True, slots=True)
class EvidenceRecord:
    """One active piece of evidence of a desa, with each assessor's verdict on it."""

    id: int
    indicator_code: str
    kind: str  # "berkas" or "tautan"
    name: str
    sha256: str
    uploaded_at: datetime | None
    verdicts: tuple[tuple[str, str], ...]  # (assessor name, verdict) of counted assessments


def desa_evidence(competition: Competition, desa_code: str) -> list[EvidenceRecord]:
    """The desa's active evidence with the verdicts of its counted (submitted, not withdrawn) assessments."""
    items = db.session.execute(
        select(
            Evidence.id,
            Evidence.indicator_code,
            Evidence.kind,
            Evidence.original_name,
            Evidence.url,
            Evidence.sha256,
            Evidence.uploaded_at,
        )
        .join(Participant, Evidence.participant_id == Participant.id)
        .where(
            Participant.competition_id == competition.id,
            Participant.desa_code == desa_code,
            Evidence.status == EvidenceStatus.aktif,
        )
        .order_by(Evidence.indicator_code, Evidence.uploaded_at, Evidence.id)
    ).all()
    verdicts: dict[int, list[tuple[str, str]]] = {}
    for evidence_id, name, verdict in db.session.execute(
        select(EvidenceJudgement.evidence_id, User.name, EvidenceJudgement.verdict)
        .join(Assignment, EvidenceJudgement.assignment_id == Assignment.id)
        .join(User, Assignment.assessor_id == User.id)
        .where(
            EvidenceJudgement.evidence_id.in_([row[0] for row in items]),
            Assignment.submitted_at.is_not(None),
            Assignment.withdrawn_at.is_(None),
        )
        .order_by(EvidenceJudgement.evidence_id, User.name)
    ):
        verdicts.setdefault(evidence_id, []).append((name, str(verdict)))
    return [
        EvidenceRecord(
            evidence_id,
            indicator,
            "berkas" if kind == EvidenceKind.file else "tautan",
            (name or "") if kind == EvidenceKind.file else (url or ""),
            sha256 or "",
            uploaded,
            tuple(verdicts.get(evidence_id, ())),
        )
        for evidence_id, indicator, kind, name, url, sha256, uploaded in items
    ]
