"""The contestable rules of the self-assessment, one test per rule (see assessment/desa/rules.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from assessment.criteria.files import load_rubric_bytes
from assessment.desa.rules import (
    MISSING_EVIDENCE,
    MISSING_EXPLANATION,
    MISSING_LEVEL,
    indicator_progress,
    neighbours,
    next_to_fill,
)
from assessment.desa.rules import self_assessment_window as window
from assessment.models import Competition, Participant, Stage, StageCode, SubmissionStatus
from tests.support.competition import SMALL_RUBRIC

START = datetime(2026, 8, 1, tzinfo=UTC)
END = datetime(2026, 8, 31, 16, 0, tzinfo=UTC)
REVIEW_END = datetime(2026, 9, 15, 16, 0, tzinfo=UTC)


def competition(with_review: bool = False, with_stage: bool = True) -> Competition:
    stages = [Stage(code=StageCode.penilaian_mandiri, starts_at=START, ends_at=END)] if with_stage else []
    if with_review:
        stages.append(Stage(code=StageCode.verifikasi_kelengkapan, starts_at=END, ends_at=REVIEW_END))
    return Competition(name="x", year=2026, stages=stages)


def participant(status: SubmissionStatus = SubmissionStatus.draf) -> Participant:
    return Participant(status=status)


def test_window_is_open_from_start_until_before_the_deadline() -> None:
    assert window(competition(), participant(), START).is_open
    assert window(competition(), participant(), END - timedelta(seconds=1)).is_open


def test_window_is_closed_at_the_deadline_itself() -> None:
    result = window(competition(), participant(), END)
    assert not result.is_open
    assert (result.reason, result.deadline) == ("closed", END)


def test_window_is_closed_before_the_start() -> None:
    assert window(competition(), participant(), START - timedelta(seconds=1)).reason == "not_started"


def test_window_without_a_self_assessment_stage_is_closed() -> None:
    assert window(competition(with_stage=False), participant(), START).reason == "no_schedule"


def test_submitted_or_complete_self_assessment_is_locked() -> None:
    for status in (SubmissionStatus.diajukan, SubmissionStatus.lengkap):
        assert window(competition(), participant(status), START + timedelta(days=1)).reason == "locked"


def test_returned_submission_may_be_fixed_until_the_end_of_the_completeness_check() -> None:
    returned = participant(SubmissionStatus.dikembalikan)
    result = window(competition(with_review=True), returned, END + timedelta(days=1))
    assert result.is_open and result.deadline == REVIEW_END
    assert not window(competition(with_review=True), returned, REVIEW_END).is_open


def test_returned_submission_without_a_check_stage_keeps_the_self_assessment_deadline() -> None:
    assert not window(competition(), participant(SubmissionStatus.dikembalikan), END).is_open


def test_a_draft_does_not_get_the_completeness_check_extension() -> None:
    assert not window(competition(with_review=True), participant(), END + timedelta(days=1)).is_open


RUBRIC = load_rubric_bytes(SMALL_RUBRIC.encode(), "r.yaml")


def test_every_indicator_needs_a_level() -> None:
    progress = indicator_progress(RUBRIC, {"A1": 0}, {}, {})
    assert [item.missing for item in progress] == [(), (MISSING_LEVEL,)]
    assert [item.blocks_submission for item in progress] == [False, True]


def test_level_above_lowest_needs_explanation_and_evidence_but_does_not_block() -> None:
    progress = indicator_progress(RUBRIC, {"A1": 3, "A2": 2}, {"A2": "SK ada"}, {"A2": 1})
    assert progress[0].missing == (MISSING_EXPLANATION, MISSING_EVIDENCE)
    assert progress[1].missing == ()
    assert not any(item.blocks_submission for item in progress)


def test_lowest_level_needs_no_evidence() -> None:
    progress = indicator_progress(RUBRIC, {"A1": 0, "A2": 0}, {}, {})
    assert all(item.missing == () for item in progress)


def test_exception_keeps_the_self_assessment_open_for_one_desa() -> None:
    from assessment.models import StageException

    extended = END + timedelta(days=3)
    mine = participant()
    mine.stage_exceptions = [StageException(stage=StageCode.penilaian_mandiri, ends_at=extended, reason="Sakit.")]
    result = window(competition(), mine, END + timedelta(days=1))
    assert (result.is_open, result.reason, result.deadline) == (True, "exception", extended)
    assert not window(competition(), mine, extended).is_open
    assert not window(competition(), participant(), END + timedelta(days=1)).is_open  # another desa
    other_stage = participant()
    other_stage.stage_exceptions = [StageException(stage=StageCode.penilaian_dokumen, ends_at=extended, reason="Lain.")]
    assert not window(competition(), other_stage, END + timedelta(days=1)).is_open
    revoked = participant()
    revoked.stage_exceptions = [
        StageException(stage=StageCode.penilaian_mandiri, ends_at=extended, reason="x", revoked_at=END)
    ]
    assert not window(competition(), revoked, END + timedelta(days=1)).is_open
    locked = participant(SubmissionStatus.diajukan)
    locked.stage_exceptions = [StageException(stage=StageCode.penilaian_mandiri, ends_at=extended, reason="x")]
    assert window(competition(), locked, END + timedelta(days=1)).reason == "locked"


def test_rule_after_saving_stay_while_this_indicator_still_needs_something() -> None:
    progress = indicator_progress(RUBRIC, {"A1": 3}, {"A1": "OpenSID"}, {})  # A1 still needs evidence
    assert next_to_fill(progress, "A1") == "A1"


def test_rule_after_saving_go_to_the_next_indicator_that_needs_something() -> None:
    progress = indicator_progress(RUBRIC, {"A1": 0}, {}, {})
    assert next_to_fill(progress, "A1") == "A2"


def test_rule_after_saving_wrap_round_to_an_earlier_indicator() -> None:
    progress = indicator_progress(RUBRIC, {"A2": 0}, {}, {})
    assert next_to_fill(progress, "A2") == "A1"


def test_rule_after_saving_the_last_missing_piece_go_to_the_desa_page() -> None:
    progress = indicator_progress(RUBRIC, {"A1": 0, "A2": 0}, {}, {})
    assert next_to_fill(progress, "A2") is None


def test_neighbours_follow_rubric_order_and_stop_at_the_ends() -> None:
    progress = indicator_progress(RUBRIC, {}, {}, {})
    assert neighbours(progress, "A1") == (None, "A2")
    assert neighbours(progress, "A2") == ("A1", None)
