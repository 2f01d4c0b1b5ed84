"""Participation of a region's desa in a competition: the funnel, who stopped where, and who is late.

Bulk reads only (a handful of queries whatever the number of desa); the rules are in :func:`participation`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute

from assessment import repo
from assessment.core.standing import Standing
from assessment.criteria.model import Rubric
from assessment.models import (
    Assignment,
    Competition,
    Participant,
    Region,
    RegionKind,
    StageCode,
    StageException,
    SubmissionStatus,
)
from assessment.platform.extensions import db

# The funnel's stages in order: (key, label, the stage of the calendar whose end makes a desa that has not moved on
# from the previous funnel stage late).
FUNNEL: tuple[tuple[str, object, StageCode | None], ...] = (
    ("berhak", _l("Desa yang berhak"), None),
    ("terdaftar", _l("Terdaftar"), StageCode.pendaftaran),
    ("diajukan", _l("Mengajukan penilaian mandiri"), StageCode.penilaian_mandiri),
    ("lengkap", _l("Lengkap"), StageCode.verifikasi_kelengkapan),
    ("dinilai", _l("Dinilai asesor"), StageCode.penilaian_dokumen),
    ("terverifikasi", _l("Terverifikasi"), StageCode.rekonsiliasi),
)


@dataclass(frozen=True, slots=True)
class DesaProgress:
    """How far one eligible desa of the region has come (``reached`` indexes :data:`FUNNEL`)."""

    code: str
    name: str
    group_code: str  # the region one level below the dashboard's root (kabupaten or kecamatan)
    participant_id: int | None
    reached: int


@dataclass(frozen=True, slots=True)
class StageCount:
    """One funnel stage: its key, label and the number of desa that reached it."""

    key: str
    label: str
    count: int


@dataclass(frozen=True, slots=True)
class LateList:
    """The desa that stopped before ``stage`` (they reached the stage before it); ``late`` once its deadline passed."""

    key: str
    label: str
    deadline: datetime | None
    late: bool
    desa: tuple[DesaProgress, ...]


@dataclass(frozen=True, slots=True)
class GroupProgress:
    """Funnel counts for one kabupaten or kecamatan of the region."""

    code: str
    name: str
    counts: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Participation:
    """The region's funnel, the desa stopped at each stage, and the funnel per group (kabupaten or kecamatan)."""

    stages: tuple[StageCount, ...]
    waiting: tuple[LateList, ...]
    groups: tuple[GroupProgress, ...]
    desa: tuple[DesaProgress, ...]


def _within(column: InstrumentedAttribute[str], root: str) -> ColumnElement[bool]:
    return or_(column == root, column.startswith(root + ".", autoescape=True))


def group_code(code: str, root: str) -> str:
    """The region one level below ``root`` that contains ``code`` (for a kecamatan root: the desa itself)."""
    depth = root.count(".") + 2
    return ".".join(code.split(".")[:depth])


def participation(
    competition: Competition, rubric: Rubric, root: str, now: datetime, standings: Mapping[str, Standing] | None = None
) -> Participation:
    """The participation funnel of the desa under ``root``, each stage a subset of the one before.

    Rules (funnel and lateness):

    1. **Berhak** (eligible): the regions under ``root`` whose kind the rubric makes eligible (``eligible``;
       desa and desa adat by default; kelurahan never unless the rubric says so) and that are in force today
       (no ``valid_to`` or one after today).
    2. **Terdaftar**: of those, the desa registered as participants of the competition.
    3. **Mengajukan**: of those, the submissions waiting for or past the completeness check (status ``diajukan``
       or ``lengkap``). A submission returned for revision (``dikembalikan``) counts as not submitted until the
       desa submits again.
    4. **Lengkap**: marked complete (status ``lengkap``).
    5. **Dinilai**: complete, and at least one assessor has submitted their desk scores (an assignment submitted
       and not withdrawn for a conflict).
    6. **Terverifikasi**: ranked, by the one rule every result obeys (:func:`assessment.core.standing.who_is_ranked`:
       as many assessors as the competition requires, all submitted, every indicator with a verified level, no
       item waiting for reconciliation, not withdrawn by the committee). ``standings`` is that rule's answer for
       the region when the caller has it (:attr:`assessment.repo.EngineRun.standings`); otherwise it is read.

    A desa that stopped at one stage is **late** once the calendar stage that should move it on has ended
    (pendaftaran, penilaian mandiri, verifikasi kelengkapan, penilaian dokumen, rekonsiliasi in that order),
    unless the committee gave it an exception for that stage that has not been revoked and has not ended. With no
    such stage in the calendar, nobody is late at it.
    """
    kinds = [RegionKind(kind) for kind in rubric.eligible if kind in RegionKind.__members__]
    today = now.date()
    eligible = db.session.execute(
        select(Region.code, Region.name)
        .where(
            _within(Region.code, root), Region.kind.in_(kinds), or_(Region.valid_to.is_(None), Region.valid_to > today)
        )
        .order_by(Region.code)
    ).all()
    participants = {
        code: (pid, status)
        for pid, code, status in db.session.execute(
            select(Participant.id, Participant.desa_code, Participant.status).where(
                Participant.competition_id == competition.id, _within(Participant.desa_code, root)
            )
        )
    }
    submitted = dict(
        db.session.execute(
            select(Assignment.participant_id, func.count(Assignment.id))
            .join(Participant, Participant.id == Assignment.participant_id)
            .where(
                Participant.competition_id == competition.id,
                _within(Participant.desa_code, root),
                Assignment.submitted_at.is_not(None),
                Assignment.withdrawn_at.is_(None),
            )
            .group_by(Assignment.participant_id)
        ).all()
    )
    if standings is None:
        standings = repo.region_standings(competition, root)

    progress: list[DesaProgress] = []
    for code, name in eligible:
        reached = 0
        pid: int | None = None
        if code in participants:
            pid, status = participants[code]
            reached = 1
            if status in (SubmissionStatus.diajukan, SubmissionStatus.lengkap):
                reached = 2
            if status == SubmissionStatus.lengkap:
                reached = 3
                if submitted.get(pid, 0) >= 1:
                    reached = 4
                    found = standings.get(code)
                    if found is not None and found.ranked:
                        reached = 5
        progress.append(DesaProgress(code, name, group_code(code, root), pid, reached))

    counts = Counter(p.reached for p in progress)
    totals = [sum(n for r, n in counts.items() if r >= k) for k in range(len(FUNNEL))]
    stages = tuple(StageCount(key, str(label), totals[k]) for k, (key, label, _stage) in enumerate(FUNNEL))

    deadlines = {stage.code: stage.ends_at for stage in competition.stages}
    excused = _excused(competition, root, now)
    waiting: list[LateList] = []
    for k in range(1, len(FUNNEL)):
        key, label, calendar_stage = FUNNEL[k]
        deadline = deadlines.get(calendar_stage) if calendar_stage else None
        stopped = tuple(
            p
            for p in progress
            if p.reached == k - 1 and (p.participant_id is None or (p.participant_id, calendar_stage) not in excused)
        )
        waiting.append(LateList(key, str(label), deadline, deadline is not None and now >= deadline, stopped))

    names = dict(
        db.session.execute(
            select(Region.code, Region.name).where(Region.code.in_({p.group_code for p in progress}))
        ).all()
    )
    groups: list[GroupProgress] = []
    for group in sorted({p.group_code for p in progress}):
        members = [p for p in progress if p.group_code == group]
        groups.append(
            GroupProgress(
                group,
                names.get(group, group),
                tuple(sum(1 for p in members if p.reached >= k) for k in range(len(FUNNEL))),
            )
        )
    return Participation(stages, tuple(waiting), tuple(groups), tuple(progress))


def _excused(competition: Competition, root: str, now: datetime) -> set[tuple[int, StageCode]]:
    """(participant, stage) pairs with a running, unrevoked committee exception."""
    rows = db.session.execute(
        select(StageException.participant_id, StageException.stage)
        .join(Participant, Participant.id == StageException.participant_id)
        .where(
            Participant.competition_id == competition.id,
            _within(Participant.desa_code, root),
            StageException.revoked_at.is_(None),
            StageException.ends_at > now,
        )
    ).all()
    return {(pid, StageCode(stage)) for pid, stage in rows}
