"""The rules of the self-assessment a desa could contest: when it is open, what is still missing, when it locks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from assessment.criteria.model import Indicator, Rubric
from assessment.models import Competition, Participant, StageCode, SubmissionStatus
from assessment.services.stages import GateReason

EDITABLE_STATUSES = frozenset({SubmissionStatus.draf, SubmissionStatus.dikembalikan})


@dataclass(frozen=True, slots=True)
class Window:
    """Whether the operator may change and submit the self-assessment now, and until when."""

    is_open: bool
    deadline: datetime | None
    reason: GateReason
    """``open``, ``exception`` (open until a committee exception's end), ``not_started``, ``closed``,
    ``no_schedule`` or ``locked``."""


def self_assessment_window(competition: Competition, participant: Participant, now: datetime) -> Window:
    """When a desa may change and submit its self-assessment.

    - The self-assessment is open during the competition's ``penilaian_mandiri`` stage: from its ``starts_at``
      (included) until its ``ends_at`` (excluded). At the deadline itself it is closed. Times are compared in UTC;
      pages show them in WITA (Asia/Makassar).
    - A submission returned for revision (``dikembalikan``) may be fixed and resubmitted until the end of the
      ``verifikasi_kelengkapan`` stage when the competition has one (the return usually comes after the
      self-assessment deadline); otherwise until the ``penilaian_mandiri`` deadline.
    - A competition without a ``penilaian_mandiri`` stage has no open self-assessment.
    - Once submitted (``diajukan``) or found complete (``lengkap``) the self-assessment is locked, whatever the date.
    - **Exception for one desa.** A committee exception for the desa in the ``penilaian_mandiri`` stage (a desa
      whose operator was ill gets three more days), not revoked, keeps a draft or returned self-assessment open
      from the stage's start until the exception's end, when that is later than the deadline above (the window's
      ``reason`` is then ``exception``). It opens the whole self-assessment, submission included, and unlocks
      nothing already submitted. An exception never reaches another desa or another stage.
    """
    stage = competition.stage(StageCode.penilaian_mandiri)
    if stage is None:
        return Window(False, None, GateReason.no_schedule)
    deadline = stage.ends_at
    if participant.status == SubmissionStatus.dikembalikan:
        check = competition.stage(StageCode.verifikasi_kelengkapan)
        if check is not None and check.ends_at > deadline:
            deadline = check.ends_at
    reason = GateReason.open
    for exception in participant.stage_exceptions:
        if (
            exception.stage == StageCode.penilaian_mandiri
            and exception.revoked_at is None
            and exception.ends_at > deadline
        ):
            deadline, reason = exception.ends_at, GateReason.exception
    if participant.status not in EDITABLE_STATUSES:
        return Window(False, deadline, GateReason.locked)
    if now < stage.starts_at:
        return Window(False, deadline, GateReason.not_started)
    if now >= deadline:
        return Window(False, deadline, GateReason.closed)
    return Window(True, deadline, reason)


@dataclass(frozen=True, slots=True)
class IndicatorProgress:
    """What the operator has filled in for one indicator and what is still missing."""

    indicator: Indicator
    level: int | None
    explanation: str
    evidence_count: int
    missing: tuple[str, ...]

    @property
    def blocks_submission(self) -> bool:
        return self.level is None


MISSING_LEVEL = "level"
MISSING_EXPLANATION = "penjelasan"
MISSING_EVIDENCE = "bukti"


def indicator_progress(
    rubric: Rubric,
    levels: Mapping[str, int | None],
    explanations: Mapping[str, str],
    evidence_counts: Mapping[str, int],
) -> list[IndicatorProgress]:
    """The checklist of what is still missing, indicator by indicator, in rubric order.

    - Every indicator needs a level (any level of the scale, the lowest included): without one the
      self-assessment cannot be submitted.
    - A level above the lowest needs an explanation and at least one piece of evidence (a file or a link); these
      are listed as missing but do not block submission (the completeness check decides).
    """
    progress = []
    for indicator in rubric.indicators:
        level = levels.get(indicator.code)
        explanation = (explanations.get(indicator.code) or "").strip()
        count = evidence_counts.get(indicator.code, 0)
        missing: list[str] = []
        if level is None:
            missing.append(MISSING_LEVEL)
        if level is not None and level > rubric.scale.min:
            if not explanation:
                missing.append(MISSING_EXPLANATION)
            if count == 0:
                missing.append(MISSING_EVIDENCE)
        progress.append(IndicatorProgress(indicator, level, explanation, count, tuple(missing)))
    return progress


def next_to_fill(progress: Sequence[IndicatorProgress], saved_code: str) -> str | None:
    """Where the operator goes after saving indicator ``saved_code``: the rule of the self-assessment's flow.

    - If the saved indicator itself still needs something (a level above the lowest without an explanation or
      evidence), the operator stays on it, since that is where the missing piece is added.
    - Otherwise the next indicator in rubric order after it that still needs something, wrapping round to the
      first ones.
    - None when nothing is missing anywhere: the desa page, where the self-assessment is submitted.
    """
    codes = [item.indicator.code for item in progress]
    needing = {item.indicator.code for item in progress if item.missing}
    if saved_code in needing:
        return saved_code
    start = codes.index(saved_code) + 1 if saved_code in codes else 0
    for code in codes[start:] + codes[:start]:
        if code in needing:
            return code
    return None


def neighbours(progress: Sequence[IndicatorProgress], code: str) -> tuple[str | None, str | None]:
    """The indicators before and after ``code`` in rubric order (None at either end): the page's "sebelumnya" and
    "berikutnya" links."""
    codes = [item.indicator.code for item in progress]
    position = codes.index(code)
    return (codes[position - 1] if position > 0 else None, codes[position + 1] if position + 1 < len(codes) else None)
