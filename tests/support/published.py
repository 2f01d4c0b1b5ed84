"""A competition after the desk stage for the publication tests (freeze, objections, final snapshot): three desa
scored by two assessors, and the results stages (pengumuman sementara, masa sanggah, penetapan) around now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from assessment.assignments.operations import assign_assessor
from assessment.models import (
    Assignment,
    Competition,
    DeskScore,
    Participant,
    Reconciliation,
    Role,
    StageCode,
    StageException,
    User,
)
from assessment.platform.extensions import db
from tests.conftest import MakeUser
from tests.support.verification import set_stage, verification_competition

RESULT_STAGES = (StageCode.pengumuman_sementara, StageCode.masa_sanggah, StageCode.penetapan)

# Desk levels per desa, (first assessor, second assessor) per indicator. The small rubric weighs A1 60, A2 40 on a
# 0-4 scale, aggregated by the mean: Semoi Dua (2, 4) -> 70, Bukit Raya (3, 2) -> 65, Desa Paser -> 40: its A1
# levels 1 and 3 are two apart, so the ketua tim reconciled them to 2 (RECONCILED_A1) and every desa is ranked.
LEVELS = {
    "64.09.04.2002": {"A1": (3, 3), "A2": (2, 2)},
    "64.09.04.2003": {"A1": (2, 2), "A2": (4, 4)},
    "64.01.01.2001": {"A1": (1, 3), "A2": (1, 1)},
}
RECONCILED_A1 = 2


@dataclass
class ResultsWorld:
    """The competition, its desa by code, the committee, the ketua tim and the assessors' assignments."""

    competition: Competition
    desa: dict[str, Participant]
    committee: User
    lead: User
    assessors: list[User]
    assignments: list[Assignment]


def open_results_stage(competition: Competition, code: StageCode | None) -> None:
    """Open ``code`` now; the results stages before it are over, those after it come later (None: all later)."""
    position = RESULT_STAGES.index(code) if code is not None else -1
    for index, stage in enumerate(RESULT_STAGES):
        offset = timedelta(days=10 * (index - position)) if position >= 0 else timedelta(days=10 * (index + 1))
        set_stage(competition, stage, offset - timedelta(days=5), offset + timedelta(days=5))


def results_world(make_user: MakeUser, stage: StageCode | None = StageCode.pengumuman_sementara) -> ResultsWorld:
    competition, participants = verification_competition(StageCode.penilaian_dokumen)
    committee = make_user(Role.panitia, "64", name="Ketua Panitia")
    lead = make_user(Role.ketua_tim, "64", home_region_code="64.72", name="Ketua Tim Satu")
    assessors = [
        make_user(Role.asesor, "64", home_region_code="64.72", name="Asesor Satu"),
        make_user(Role.asesor, "64", home_region_code="64.74", name="Asesor Dua"),
    ]
    now = datetime.now(UTC)
    assignments = []
    for participant in participants:
        for index, assessor in enumerate(assessors):
            assignment = assign_assessor(participant, assessor, committee, now)
            for code, levels in LEVELS[participant.desa_code].items():
                db.session.add(
                    DeskScore(assignment_id=assignment.id, indicator_code=code, level=levels[index], note="Catatan")
                )
            assignment.submitted_at = now
            assignments.append(assignment)
    paser = next(p for p in participants if p.desa_code == "64.01.01.2001")
    db.session.add(
        Reconciliation(
            participant_id=paser.id,
            indicator_code="A1",
            level=RECONCILED_A1,
            reason="Bukti layanan surat daring sebagian berjalan.",
            decided_by_id=lead.id,
            decided_at=now,
        )
    )
    db.session.commit()
    # Desk scoring and reconciliation are over; the results stages follow.
    set_stage(competition, StageCode.penilaian_dokumen, timedelta(days=-40), timedelta(days=-30))
    set_stage(competition, StageCode.rekonsiliasi, timedelta(days=-30), timedelta(days=-20))
    open_results_stage(competition, stage)
    return ResultsWorld(competition, {p.desa_code: p for p in participants}, committee, lead, assessors, assignments)


def open_exception(
    participant: Participant,
    stage: StageCode,
    reason: str,
    by: User,
    indicator_code: str | None = None,
    created_at: datetime | None = None,
) -> StageException:
    """A committee exception for one desa (or one indicator) in ``stage``, ending in a week."""
    now = datetime.now(UTC)
    exception = StageException(
        participant_id=participant.id,
        stage=stage,
        indicator_code=indicator_code,
        reason=reason,
        ends_at=now + timedelta(days=7),
        created_by_id=by.id,
        created_at=created_at or now,
    )
    db.session.add(exception)
    db.session.commit()
    return exception
