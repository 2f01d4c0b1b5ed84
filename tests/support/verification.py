"""A competition in its verification stages for tests: complete desa, assessors, stages placed around 'now'."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from assessment.models import Competition, Participant, Stage, StageCode, SubmissionStatus
from assessment.platform.extensions import db
from tests.support.competition import SMALL_RUBRIC, create_competition

DESA = {"64.09.04.2002": "Bukit Raya", "64.09.04.2003": "Semoi Dua", "64.01.01.2001": "Desa Paser"}
# The small rubric with an uji akses on A1 (its verification text names one).
ACCESS_TEST_RUBRIC = SMALL_RUBRIC.replace(
    "        evidence: [URL layanan, Tangkapan layar alur permohonan]\n",
    "        evidence: [URL layanan, Tangkapan layar alur permohonan]\n"
    "        verification: Uji akses — asesor mengajukan satu permohonan surat uji.\n",
).replace("id: uji-kecil", "id: uji-kecil-akses")


def set_stage(competition: Competition, code: StageCode, starts: timedelta, ends: timedelta) -> Stage:
    """Place stage ``code`` at ``now + starts`` .. ``now + ends`` (creating it if needed)."""
    now = datetime.now(UTC)
    stage = competition.stage(code)
    if stage is None:
        stage = Stage(code=code, starts_at=now + starts, ends_at=now + ends)
        competition.stages.append(stage)
    stage.starts_at = now + starts
    stage.ends_at = now + ends
    db.session.commit()
    return stage


def verification_competition(
    open_stage: StageCode | None = StageCode.penilaian_dokumen,
    desa: dict[str, str] | None = None,
    source: str = SMALL_RUBRIC,
) -> tuple[Competition, list[Participant]]:
    """Self-assessment over, every desa ``lengkap``; ``open_stage`` open now, the other verification stages later
    (penilaian_dokumen, then rekonsiliasi) or earlier, in calendar order."""
    competition, participants = create_competition(
        opens=timedelta(days=-30), closes=timedelta(days=-20), desa=desa or DESA, source=source
    )
    order = [StageCode.verifikasi_kelengkapan, StageCode.penilaian_dokumen, StageCode.rekonsiliasi]
    position = order.index(open_stage) if open_stage in order else -1
    for index, code in enumerate(order):
        offset = timedelta(days=10 * (index - position)) if position >= 0 else timedelta(days=10 * (index + 1))
        set_stage(competition, code, offset - timedelta(days=5), offset + timedelta(days=5))
    for participant in participants:
        participant.status = SubmissionStatus.lengkap
    db.session.commit()
    return competition, participants
