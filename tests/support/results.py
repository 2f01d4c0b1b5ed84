"""A scored competition for the results tests: four desa in two kabupaten, two assessors, one reconciled item.

The numbers are chosen so that every result can be worked out by hand (small rubric: A1 weight 60, A2 weight
40, scale 0-4, bands Kurang < 50 <= Baik):

==============  ======================  =========  =========  ======================================
desa            assessor levels A1, A2   final A1   final A2   index = 100 (60 A1/4 + 40 A2/4) / 100
==============  ======================  =========  =========  ======================================
Semoi Dua       (4, 4), (4, 3)           4          3.5        60 + 35 = 95.00 (Baik)
Bukit Raya      (1, 2), (4, 3); A1 -> 3  3          2.5        45 + 25 = 70.00 (Baik)
Desa Paser      (2, 0), (2, 1)           2          0.5        30 + 5 = 35.00 (Kurang)
=SUM(A1)        none                     -          -          not ranked: its assessments are not submitted
==============  ======================  =========  =========  ======================================

Bukit Raya's own levels are A1 = 4, A2 = 4: self-assessment index 100. "=SUM(A1)" is assigned to both assessors,
who have not submitted anything: it is listed apart (state ``penilaian_belum_selesai``, 0 of 2 submitted), never
with an index (:func:`assessment.core.standing.who_is_ranked`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from assessment.assignments.operations import assign_assessor
from assessment.models import (
    Assignment,
    Competition,
    DeskScore,
    Evidence,
    EvidenceKind,
    Participant,
    Reconciliation,
    Role,
    SelfAssessment,
    StageCode,
    User,
)
from assessment.platform.extensions import db
from tests.conftest import MakeUser
from tests.support.verification import verification_competition

SEMOI = "64.09.04.2003"
BUKIT = "64.09.04.2002"
PASER = "64.01.01.2001"
INJECTED = "64.09.01.2001"
INJECTED_NAME = "=SUM(A1)"
DESA = {BUKIT: "Bukit Raya", SEMOI: "Semoi Dua", PASER: "Desa Paser", INJECTED: INJECTED_NAME}
LEVELS = {
    SEMOI: ({"A1": 4, "A2": 4}, {"A1": 4, "A2": 3}),
    BUKIT: ({"A1": 1, "A2": 2}, {"A1": 4, "A2": 3}),
    PASER: ({"A1": 2, "A2": 0}, {"A1": 2, "A2": 1}),
}
EXPECTED_INDEX = {SEMOI: 95.0, BUKIT: 70.0, PASER: 35.0}
EXPECTED_FINAL = {
    (SEMOI, "A1"): 4.0,
    (SEMOI, "A2"): 3.5,
    (BUKIT, "A1"): 3.0,
    (BUKIT, "A2"): 2.5,
    (PASER, "A1"): 2.0,
    (PASER, "A2"): 0.5,
}
PROVINCE_ORDER = [SEMOI, BUKIT, PASER]


@dataclass
class ResultsWorld:
    """The scored competition and the people in it."""

    competition: Competition
    participants: dict[str, Participant]
    committee: User
    first: User
    second: User
    lead: User
    assignments: dict[tuple[str, int], Assignment]


def results_world(make_user: MakeUser, open_stage: StageCode = StageCode.rekonsiliasi) -> ResultsWorld:
    competition, participants = verification_competition(open_stage, desa=DESA)
    by_code = {p.desa_code: p for p in participants}
    committee = make_user(Role.panitia, "64", name="Panitia Provinsi")
    first = make_user(Role.asesor, "64", home_region_code="64.72", name="Asesor Satu")
    second = make_user(Role.asesor, "64", home_region_code="64.72", name="Asesor Dua")
    lead = make_user(Role.ketua_tim, "64", home_region_code="64.72", name="Ketua Tim")
    stage = competition.stage(StageCode.penilaian_dokumen)
    assert stage is not None
    now = datetime.now(UTC)
    assignments: dict[tuple[str, int], Assignment] = {}
    for code, participant in by_code.items():
        for number, assessor in enumerate((first, second)):
            assignment = assign_assessor(participant, assessor, committee, stage.starts_at + timedelta(seconds=1))
            assignments[(code, number)] = assignment
            if code in LEVELS:
                for indicator, level in LEVELS[code][number].items():
                    db.session.add(
                        DeskScore(
                            assignment_id=assignment.id,
                            indicator_code=indicator,
                            level=level,
                            note=f"Catatan {indicator} oleh {assessor.name}",
                        )
                    )
                assignment.submitted_at = now
    db.session.add(
        Reconciliation(
            participant_id=by_code[BUKIT].id,
            indicator_code="A1",
            level=3,
            reason="Layanan surat daring berjalan, belum terintegrasi",
            decided_by_id=lead.id,
            decided_at=now,
        )
    )
    for indicator in ("A1", "A2"):
        db.session.add(
            SelfAssessment(
                participant_id=by_code[BUKIT].id, indicator_code=indicator, level=4, explanation="Sudah lengkap"
            )
        )
    db.session.add(
        Evidence(
            participant_id=by_code[BUKIT].id,
            indicator_code="A1",
            kind=EvidenceKind.url,
            url="https://bukitraya.desa.id/layanan",
        )
    )
    db.session.add(
        Evidence(
            participant_id=by_code[BUKIT].id,
            indicator_code="A2",
            kind=EvidenceKind.file,
            sha256="ab" * 32,
            size=10,
            media_type="application/pdf",
            original_name="=surat-tte.pdf",
        )
    )
    db.session.commit()
    return ResultsWorld(competition, by_code, committee, first, second, lead, assignments)
