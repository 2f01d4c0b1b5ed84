"""The desk-scoring rules a desa (or an assessor) could contest, each written once here."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from assessment.criteria.model import Indicator, Rubric
from assessment.models import Assignment, EvidenceVerdict

NOTE_MAX = 2000
RESULT_MAX = 2000


def asks_for_access_test(indicator: Indicator) -> bool:
    """An indicator asks for an *uji akses* when its verification text (the rubric's ``verification``) names one.

    The default rubric writes "Uji akses — asesor mengajukan ..." for the letter service and the complaint channel;
    the assessor then records when the test request was sent, when it was answered, and the result.
    """
    return "uji akses" in indicator.verification.lower()


def desk_score_problems(
    rubric: Rubric, indicator: Indicator, level: int | None, not_applicable: bool, note: str, self_level: int | None
) -> list[str]:
    """Why a desk score cannot be saved (empty when it can).

    - ``level``: the level must be on the rubric's scale; "not applicable" only where the indicator allows it
      (``allow_na``), and then without a level.
    - ``note``: a note is required when the assessor's level differs from the desa's self-assessed level (N/A
      differs from any level; a desa without a self-assessed level differs from any level); at most 2,000
      characters.
    - An empty level without N/A is a draft with nothing chosen yet: allowed, but it blocks submission.
    """
    problems: list[str] = []
    if not_applicable:
        if not indicator.allow_na:
            problems.append("na_not_allowed")
        if level is not None:
            problems.append("level")
    elif level is not None and level not in rubric.scale.levels:
        problems.append("level")
    chosen = not_applicable or level is not None
    if chosen and (not_applicable or level != self_level) and not note.strip():
        problems.append("note")
    if len(note) > NOTE_MAX:
        problems.append("note_length")
    return problems


def submission_problems(
    rubric: Rubric,
    levels: Mapping[str, tuple[int | None, bool]],
    evidence_by_indicator: Mapping[str, Iterable[int]],
    verdicts: Mapping[int, EvidenceVerdict],
) -> list[str]:
    """What still stops an assessor from submitting a desa's desk assessment (empty when it can be submitted).

    Every indicator needs a level or N/A, and every piece of the desa's active evidence needs a verdict (valid,
    invalid or insufficient). Returned as ``"level:<code>"`` and ``"evidence:<code>"`` in rubric order.
    """
    problems: list[str] = []
    for indicator in rubric.indicators:
        level, not_applicable = levels.get(indicator.code, (None, False))
        if level is None and not not_applicable:
            problems.append(f"level:{indicator.code}")
        if any(evidence_id not in verdicts for evidence_id in evidence_by_indicator.get(indicator.code, ())):
            problems.append(f"evidence:{indicator.code}")
    return problems


def can_see_other_scores(own: Assignment) -> bool:
    """Blind scoring: an assessor sees the other assessors' levels, notes and verdicts for a desa only after
    submitting their own desk assessment of that desa, and then only what the others have submitted (a draft may
    still change and is never shown). An assignment withdrawn for a conflict sees nothing."""
    return own.withdrawn_at is None and own.submitted_at is not None
