"""A competition in klarifikasi lapangan for tests: two desa scored at the desk, Bukit Raya ahead of Semoi Dua."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from assessment.field.operations import set_finalist_rule
from assessment.models import (
    Assignment,
    AssignmentMethod,
    Competition,
    DeskScore,
    FinalistScope,
    Participant,
    Role,
    StageCode,
    User,
)
from assessment.platform.extensions import db
from tests.support.verification import set_stage, verification_competition

# Bukit Raya: A1 4/4, A2 3/3 (index 92.5); Semoi Dua: A1 2/2, A2 2/2 (50); Desa Paser: not scored.
DESK_LEVELS = {"64.09.04.2002": {"A1": 4, "A2": 3}, "64.09.04.2003": {"A1": 2, "A2": 2}}


@dataclass
class FieldWorld:
    """Seeded rows: the competition, its desa by code, the two visiting assessors, their assignments."""

    competition: Competition
    desa: dict[str, Participant]
    first: User
    second: User
    committee: User
    lead: User
    assignments: dict[tuple[str, int], Assignment]

    def assignment(self, code: str, assessor: User) -> Assignment:
        return self.assignments[(code, assessor.id)]


def field_world(make_user: Callable[..., User], *, open_now: bool = True) -> FieldWorld:
    """Desk scoring and reconciliation over; klarifikasi lapangan open now (or tomorrow); finalists: top 1 of the
    provinsi, so Bukit Raya is the only finalist."""
    competition, participants = verification_competition(StageCode.rekonsiliasi)
    set_stage(competition, StageCode.rekonsiliasi, timedelta(days=-5), timedelta(days=-1))
    if open_now:
        set_stage(competition, StageCode.klarifikasi_lapangan, timedelta(days=-1), timedelta(days=5))
    else:
        set_stage(competition, StageCode.klarifikasi_lapangan, timedelta(days=1), timedelta(days=5))
    committee = make_user(Role.panitia, "64", name="Panitia")
    first = make_user(Role.asesor, "64", home_region_code="64.72", name="Asesor Satu")
    second = make_user(Role.asesor, "64", home_region_code="64.01", name="Asesor Dua")
    lead = make_user(Role.ketua_tim, "64", home_region_code="64.72", name="Ketua Tim")
    now = datetime.now(UTC)
    by_code = {p.desa_code: p for p in participants}
    assignments: dict[tuple[str, int], Assignment] = {}
    for code, levels in DESK_LEVELS.items():
        for assessor in (first, second):
            assignment = Assignment(
                participant_id=by_code[code].id,
                assessor_id=assessor.id,
                method=AssignmentMethod.manual,
                created_by_id=committee.id,
                created_at=now - timedelta(days=14),
                submitted_at=now - timedelta(days=6),
            )
            db.session.add(assignment)
            db.session.flush()
            for indicator, level in levels.items():
                db.session.add(
                    DeskScore(
                        assignment_id=assignment.id,
                        indicator_code=indicator,
                        level=level,
                        note=f"Dokumen {indicator} {assessor.name}",
                    )
                )
            assignments[(code, assessor.id)] = assignment
    db.session.commit()
    set_finalist_rule(competition, FinalistScope.provinsi, 1)
    return FieldWorld(competition, by_code, first, second, committee, lead, assignments)
