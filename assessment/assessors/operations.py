"""Verbs of desk scoring; each re-checks the stage gate, the assignment and the rules itself and owns its commit."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from assessment.assessors.rules import (
    RESULT_MAX,
    asks_for_access_test,
    desk_score_problems,
    submission_problems,
)
from assessment.assessors.workbook import ScoredEntry
from assessment.criteria.model import Rubric
from assessment.models import (
    AccessTest,
    Assignment,
    ConflictDeclaration,
    DeskScore,
    EvidenceJudgement,
    EvidenceStatus,
    EvidenceVerdict,
    Participant,
    Region,
    User,
)
from assessment.platform.extensions import db
from assessment.platform.versioning import SaveConflict, compare_and_set
from assessment.services.audit import record_event
from assessment.services.security import region_within
from assessment.services.stages import Action, StageClosed, mark_change_after_freeze, require_stage

REASON_MAX = 2000


class AssessmentLocked(Exception):
    """The assignment is submitted (final) or withdrawn: nothing of it can change."""


class ScoreRejected(Exception):
    """The input breaks a rule of :mod:`assessment.assessors.rules`; ``problems`` names each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(", ".join(problems))
        self.problems = problems


def _require_editable(assignment: Assignment) -> None:
    if assignment.withdrawn_at is not None or assignment.submitted_at is not None:
        raise AssessmentLocked


def self_level(participant: Participant, indicator_code: str) -> int | None:
    """The desa's self-assessed level on one indicator (None when it gave none)."""
    row = next((r for r in participant.self_assessments if r.indicator_code == indicator_code), None)
    return row.level if row else None


def save_desk_score(
    assignment: Assignment,
    rubric: Rubric,
    indicator_code: str,
    level: int | None,
    not_applicable: bool,
    note: str,
    verdicts: Mapping[int, EvidenceVerdict],
    now: datetime,
    expected_version: int | None = None,
) -> DeskScore:
    """Save the assessor's draft level, note and evidence verdicts for one indicator.

    Only during penilaian dokumen (or under a committee exception for the desa or this indicator), only on an
    assignment neither submitted nor withdrawn, and only with input that meets
    :func:`~assessment.assessors.rules.desk_score_problems`. Verdicts are kept only for the desa's active evidence
    of this indicator; any other evidence id is refused.

    Version check (two tabs or two devices saving the same score): ``expected_version`` is the version of the score
    the assessor's form was loaded with (0: no score yet). The save is a compare-and-set in the database
    (``UPDATE … WHERE id = ? AND version = ?``, or an INSERT that the unique index refuses when another save
    created the row first): it writes only if the stored version is still that one, and raises it by one.
    Otherwise nothing of this save is kept (verdicts included) and :class:`SaveConflict` carries the score as the
    other save left it. Without ``expected_version`` the version this request loaded is expected.
    """
    try:
        score = _put_desk_score(
            assignment, rubric, indicator_code, level, not_applicable, note, verdicts, now, expected_version
        )
        db.session.commit()
    except (IntegrityError, StaleDataError) as error:
        raise _conflict(assignment, indicator_code) from error
    db.session.refresh(score)
    return score


def _put_desk_score(
    assignment: Assignment,
    rubric: Rubric,
    indicator_code: str,
    level: int | None,
    not_applicable: bool,
    note: str,
    verdicts: Mapping[int, EvidenceVerdict],
    now: datetime,
    expected_version: int | None = None,
) -> DeskScore:
    """:func:`save_desk_score` up to (not including) the commit: every check, the change and its audit event."""
    participant = assignment.participant
    gate = require_stage(
        participant.competition, Action.desk_score, now, participant=participant, indicator_code=indicator_code
    )
    _require_editable(assignment)
    indicator = rubric.indicator(indicator_code)
    problems = desk_score_problems(
        rubric, indicator, level, not_applicable, note, self_level(participant, indicator_code)
    )
    allowed = {
        e.id for e in participant.evidence if e.indicator_code == indicator_code and e.status == EvidenceStatus.aktif
    }
    if any(evidence_id not in allowed for evidence_id in verdicts):
        problems.append("evidence")
    if problems:
        raise ScoreRejected(problems)
    values = {
        "level": None if not_applicable else level,
        "not_applicable": not_applicable,
        "note": note.strip(),
        "updated_at": now,
    }
    score = next((s for s in assignment.scores if s.indicator_code == indicator_code), None)
    before = None
    if score is None:
        if expected_version:
            raise _conflict(assignment, indicator_code)
        score = DeskScore(assignment_id=assignment.id, indicator_code=indicator_code, version=1, **values)
        assignment.scores.append(score)
    else:
        before = {"level": score.level, "na": score.not_applicable, "note": score.note}
        expected = score.version if expected_version is None else expected_version
        if not compare_and_set(DeskScore, score.id, expected, values):
            raise _conflict(assignment, indicator_code)
    # A flush here (the audit event queries) may already meet the unique index: a simultaneous first save.
    existing = {j.evidence_id: j for j in assignment.judgements}
    for evidence_id, verdict in verdicts.items():
        judgement = existing.get(evidence_id)
        if judgement is None:
            assignment.judgements.append(EvidenceJudgement(evidence_id=evidence_id, verdict=verdict, updated_at=now))
        else:
            judgement.verdict = verdict
            judgement.updated_at = now
    mark_change_after_freeze(gate, participant, indicator_code, Action.desk_score, assignment.assessor, now)
    record_event(
        "desk_score.save",
        target=f"assignment:{assignment.id}",
        before=before,
        after={
            "indicator": indicator_code,
            "level": values["level"],
            "na": not_applicable,
            "note": values["note"],
            "verdicts": {str(k): v for k, v in verdicts.items()},
        },
    )
    return score


@dataclass(frozen=True, slots=True)
class OfflineRowRefused:
    """One workbook row the desk-scoring rules refuse: its sheet row, desa, indicator and the problems."""

    row: int
    desa_code: str
    indicator_code: str
    problems: tuple[str, ...]


class OfflineImportRefused(Exception):
    """At least one row of an offline workbook was refused; nothing was applied."""

    def __init__(self, refused: list[OfflineRowRefused]) -> None:
        super().__init__(f"{len(refused)} baris ditolak")
        self.refused = refused


def apply_offline_scores(
    assessor: User, rubric: Rubric, assignments: Mapping[str, Assignment], entries: Sequence[ScoredEntry], now: datetime
) -> int:
    """Apply the rows of an assessor's offline scoring workbook, all or nothing; returns how many were saved.

    Each row with a level (or TB) goes through exactly the checks of :func:`save_desk_score` (stage gate, the
    assignment open and the assessor's own, the desk-scoring rules, e.g. a note where the level differs from the
    self-assessment); a blank level is "not scored yet" and leaves the stored score as it is. Evidence verdicts
    are not in the workbook and stay as they are. A row for a desa that is not one of ``assignments`` (the
    assessor's open assignments: withdrawn ones, e.g. after a declared conflict, are not among them) is refused.
    If any row is refused, the whole import is rolled back and :class:`OfflineImportRefused` lists every refused
    row; otherwise one commit saves them all, with an audit event per row and one for the import.
    """
    refused: list[OfflineRowRefused] = []
    saved = 0
    for entry in entries:
        if entry.level is None and not entry.not_applicable:
            continue
        assignment = assignments.get(entry.desa_code)
        try:
            if assignment is None or assignment.assessor_id != assessor.id:
                raise ScoreRejected(["assignment"])
            _put_desk_score(
                assignment, rubric, entry.indicator_code, entry.level, entry.not_applicable, entry.note, {}, now
            )
            saved += 1
        except ScoreRejected as error:
            refused.append(OfflineRowRefused(entry.row, entry.desa_code, entry.indicator_code, tuple(error.problems)))
        except AssessmentLocked:
            refused.append(OfflineRowRefused(entry.row, entry.desa_code, entry.indicator_code, ("locked",)))
        except StageClosed:
            refused.append(OfflineRowRefused(entry.row, entry.desa_code, entry.indicator_code, ("stage",)))
        except SaveConflict:
            refused.append(OfflineRowRefused(entry.row, entry.desa_code, entry.indicator_code, ("conflict",)))
    if refused:
        db.session.rollback()
        raise OfflineImportRefused(refused)
    record_event(
        "desk_score.import_offline",
        target=f"user:{assessor.id}",
        after={"rows": saved, "desa": sorted({e.desa_code for e in entries})},
    )
    try:
        db.session.commit()
    except (IntegrityError, StaleDataError) as error:
        db.session.rollback()
        raise SaveConflict from error
    return saved


def _conflict(assignment: Assignment, indicator_code: str) -> SaveConflict[DeskScore]:
    """Undo this save and return the conflict with the score as it is stored now."""
    db.session.rollback()
    current = db.session.scalar(
        select(DeskScore)
        .where(DeskScore.assignment_id == assignment.id, DeskScore.indicator_code == indicator_code)
        .execution_options(populate_existing=True)
    )
    return SaveConflict(current)


def record_access_test(
    assignment: Assignment,
    rubric: Rubric,
    indicator_code: str,
    sent_at: datetime,
    answered_at: datetime | None,
    result: str,
    now: datetime,
) -> AccessTest:
    """Record an *uji akses* on an indicator that asks for one
    (:func:`~assessment.assessors.rules.asks_for_access_test`): sent (not in the future), answered (not before it
    was sent; empty while unanswered) and the result (at most 2,000 characters). Same stage and lock rules as a
    desk score."""
    participant = assignment.participant
    require_stage(
        participant.competition, Action.desk_score, now, participant=participant, indicator_code=indicator_code
    )
    _require_editable(assignment)
    problems: list[str] = []
    if not asks_for_access_test(rubric.indicator(indicator_code)):
        problems.append("not_asked")
    if sent_at > now:
        problems.append("sent_future")
    if answered_at is not None and (answered_at < sent_at or answered_at > now):
        problems.append("answered")
    if len(result) > RESULT_MAX:
        problems.append("result_length")
    if problems:
        raise ScoreRejected(problems)
    test = next((t for t in assignment.access_tests if t.indicator_code == indicator_code), None)
    if test is None:
        test = AccessTest(indicator_code=indicator_code, sent_at=sent_at)
        assignment.access_tests.append(test)
    test.sent_at = sent_at
    test.answered_at = answered_at
    test.result = result.strip()
    test.updated_at = now
    record_event(
        "access_test.record",
        target=f"assignment:{assignment.id}",
        after={"indicator": indicator_code, "sent_at": sent_at, "answered_at": answered_at, "result": test.result},
    )
    db.session.commit()
    return test


def desk_submission_problems(assignment: Assignment, rubric: Rubric) -> list[str]:
    """What still stops ``assignment`` from being submitted (:func:`~.rules.submission_problems` over its stored
    scores, the desa's active evidence and the assessor's judgements): the submission and its confirmation page
    read the same answer."""
    evidence: dict[str, list[int]] = {}
    for item in assignment.participant.evidence:
        if item.status == EvidenceStatus.aktif:
            evidence.setdefault(item.indicator_code, []).append(item.id)
    return submission_problems(
        rubric,
        {s.indicator_code: (s.level, s.not_applicable) for s in assignment.scores},
        evidence,
        {j.evidence_id: j.verdict for j in assignment.judgements},
    )


def submit_assessment(assignment: Assignment, rubric: Rubric, now: datetime) -> None:
    """Submit the desk assessment of a desa: final, never changed afterwards.

    Needs the stage for the whole desa (an exception for one indicator is not enough), and every indicator scored
    and every piece of evidence judged (:func:`~assessment.assessors.rules.submission_problems`). A second submit
    (two tabs) finds it submitted, or loses the optimistic-lock race, and changes nothing.
    """
    participant = assignment.participant
    gate = require_stage(participant.competition, Action.desk_score, now, participant=participant)
    _require_editable(assignment)
    problems = desk_submission_problems(assignment, rubric)
    if problems:
        raise ScoreRejected(problems)
    assignment.submitted_at = now
    mark_change_after_freeze(gate, participant, None, Action.desk_score, assignment.assessor, now)
    record_event(
        "desk_assessment.submit",
        target=f"assignment:{assignment.id}",
        after={"participant": participant.id, "submitted_at": now},
    )
    try:
        db.session.commit()
    except StaleDataError as error:
        db.session.rollback()
        raise AssessmentLocked from error


def declare_conflict(assessor: User, region: Region, reason: str, now: datetime) -> int:
    """Declare a conflict of interest with a region (a desa, or a kecamatan with its desa). Permanent.

    Every active assignment of the assessor to a desa in that region is withdrawn at once, submitted or not: its
    scores stop counting, and the assessor can no longer open anything of those desa. Returns how many were
    withdrawn.
    """
    reason = reason.strip()
    if not reason or len(reason) > REASON_MAX:
        raise ValueError("alasan wajib diisi, paling panjang 2000 karakter")
    exists = db.session.scalar(
        select(ConflictDeclaration).where(
            ConflictDeclaration.assessor_id == assessor.id, ConflictDeclaration.region_code == region.code
        )
    )
    if exists is None:
        db.session.add(
            ConflictDeclaration(assessor_id=assessor.id, region_code=region.code, reason=reason, created_at=now)
        )
    withdrawn = 0
    for assignment in db.session.scalars(
        select(Assignment).where(Assignment.assessor_id == assessor.id, Assignment.withdrawn_at.is_(None))
    ).unique():
        if region_within(assignment.participant.desa_code, region.code):
            assignment.withdrawn_at = now
            withdrawn += 1
    record_event(
        "conflict.declare",
        target=f"region:{region.code}",
        after={"assessor": assessor.id, "reason": reason, "withdrawn": withdrawn},
    )
    db.session.commit()
    return withdrawn
