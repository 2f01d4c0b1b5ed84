"""The rules of a schedule change, one test per rule (see the docstring of
:func:`assessment.competitions.rescheduling.plan_schedule_change`)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from assessment.competitions.rescheduling import (
    ScheduleRefused,
    StageDates,
    plan_schedule_change,
    shift_days,
)
from assessment.competitions.schedule import stage_window
from assessment.models import StageCode
from assessment.platform.wita import WITA

# 10 December 2026, 12:00 WITA.
NOW = datetime(2026, 12, 10, 4, 0, tzinfo=UTC)
REASON = "Jaringan internet di beberapa kecamatan terputus."


def days(first: str, last: str) -> StageDates:
    return StageDates(*stage_window(date.fromisoformat(first), date.fromisoformat(last)))


def schedule() -> dict[StageCode, StageDates]:
    """Registration ended, self-assessment open, completeness check and desk scoring still to come."""
    return {
        StageCode.pendaftaran: days("2026-11-01", "2026-11-14"),
        StageCode.penilaian_mandiri: days("2026-12-01", "2026-12-14"),
        StageCode.verifikasi_kelengkapan: days("2026-12-15", "2026-12-21"),
        StageCode.penilaian_dokumen: days("2026-12-22", "2026-12-31"),
    }


def plan(requested: dict[StageCode, tuple[str, str]], *, reason: str = REASON, shift_later: bool = False):
    asked = {code: (date.fromisoformat(first), date.fromisoformat(last)) for code, (first, last) in requested.items()}
    return plan_schedule_change(schedule(), asked, reason, NOW, shift_later=shift_later)


def refusal(requested: dict[StageCode, tuple[str, str]], **kwargs: object) -> ScheduleRefused:
    with pytest.raises(ScheduleRefused) as caught:
        plan(requested, **kwargs)  # type: ignore[arg-type]
    return caught.value


def codes(refused: ScheduleRefused) -> list[tuple[str, StageCode | None]]:
    return [(problem.code, problem.stage) for problem in refused.problems]


def test_rule_whole_days_in_wita() -> None:
    [move] = plan({StageCode.penilaian_dokumen: ("2026-12-22", "2027-01-04")})
    assert move.after.ends_at == datetime(2027, 1, 5, tzinfo=WITA)
    assert move.after.ends_at.astimezone(UTC) == datetime(2027, 1, 4, 16, 0, tzinfo=UTC)
    assert (move.after.first_day, move.after.last_day) == (date(2026, 12, 22), date(2027, 1, 4))
    refused = refusal({StageCode.penilaian_dokumen: ("2026-12-31", "2026-12-22")})
    assert codes(refused) == [("last_before_first", StageCode.penilaian_dokumen)]


def test_rule_a_written_reason() -> None:
    assert codes(refusal({StageCode.penilaian_dokumen: ("2026-12-22", "2027-01-04")}, reason="  ")) == [
        ("reason_missing", None)
    ]
    assert codes(refusal({StageCode.penilaian_dokumen: ("2026-12-22", "2027-01-04")}, reason="x" * 2001)) == [
        ("reason_too_long", None)
    ]
    assert codes(refusal({StageCode.penilaian_dokumen: ("2026-12-22", "2026-12-31")})) == [("no_change", None)]


def test_rule_an_ended_stage_is_history() -> None:
    for first, last in (("2026-11-01", "2026-11-20"), ("2026-11-01", "2026-11-10"), ("2026-12-11", "2026-12-12")):
        refused = refusal({StageCode.pendaftaran: (first, last)})
        assert ("stage_ended", StageCode.pendaftaran) in codes(refused)
    # A stage ends at 00:00 WITA after its last day: from that instant it is history.
    ended_at = schedule()[StageCode.penilaian_mandiri].ends_at
    asked = {StageCode.penilaian_mandiri: (date(2026, 12, 1), date(2026, 12, 17))}
    assert plan_schedule_change(schedule(), asked, REASON, ended_at - timedelta(microseconds=1), shift_later=True)
    with pytest.raises(ScheduleRefused) as caught:
        plan_schedule_change(schedule(), asked, REASON, ended_at, shift_later=True)
    assert codes(caught.value)[0] == ("stage_ended", StageCode.penilaian_mandiri)


def test_rule_the_open_stage_is_only_extended() -> None:
    current = schedule()
    current[StageCode.verifikasi_kelengkapan] = days("2026-12-20", "2026-12-21")
    asked = {StageCode.penilaian_mandiri: (date(2026, 12, 1), date(2026, 12, 17))}
    [move] = plan_schedule_change(current, asked, REASON, NOW)
    assert move.before == current[StageCode.penilaian_mandiri]
    assert move.after.starts_at == move.before.starts_at and move.after.last_day == date(2026, 12, 17)
    shortened = refusal({StageCode.penilaian_mandiri: ("2026-12-01", "2026-12-12")})
    assert codes(shortened) == [("open_shortened", StageCode.penilaian_mandiri)]
    restarted = refusal({StageCode.penilaian_mandiri: ("2026-12-03", "2026-12-14")})
    assert codes(restarted) == [("open_start_moved", StageCode.penilaian_mandiri)]


def test_rule_a_stage_not_yet_started() -> None:
    [move] = plan({StageCode.verifikasi_kelengkapan: ("2026-12-16", "2026-12-20")})
    assert (move.after.first_day, move.after.last_day) == (date(2026, 12, 16), date(2026, 12, 20))
    # Today (WITA) is the earliest first day; a stage never scheduled may be added under the same rule.
    added = plan_schedule_change(
        {StageCode.pendaftaran: days("2026-11-01", "2026-11-14")},
        {StageCode.penilaian_mandiri: (date(2026, 12, 10), date(2026, 12, 20))},
        REASON,
        NOW,
    )
    assert added[0].before is None and added[0].after.first_day == date(2026, 12, 10)
    refused = refusal({StageCode.penilaian_dokumen: ("2026-12-09", "2026-12-31")})
    assert ("starts_in_past", StageCode.penilaian_dokumen) in codes(refused)


def test_rule_shifting_the_later_stages() -> None:
    asked = {StageCode.penilaian_mandiri: ("2026-12-01", "2026-12-17")}
    refused = refusal(asked)
    assert codes(refused) == [("overlap", StageCode.verifikasi_kelengkapan)]
    assert (
        refused.offer_days
        == 3
        == shift_days(schedule(), {StageCode.penilaian_mandiri: (date(2026, 12, 1), date(2026, 12, 17))})
    )
    moves = plan(asked, shift_later=True)
    assert refused.offer == moves
    assert [(move.code, move.shifted, move.after.first_day, move.after.last_day) for move in moves] == [
        (StageCode.penilaian_mandiri, False, date(2026, 12, 1), date(2026, 12, 17)),
        (StageCode.verifikasi_kelengkapan, True, date(2026, 12, 18), date(2026, 12, 24)),
        (StageCode.penilaian_dokumen, True, date(2026, 12, 22 + 3), date(2027, 1, 3)),
    ]
    # Only the stages after the requested one move; a shortened stage brings the later ones forward as much.
    assert all(move.code != StageCode.pendaftaran for move in moves)
    back = plan_schedule_change(
        schedule(),
        {StageCode.verifikasi_kelengkapan: (date(2026, 12, 15), date(2026, 12, 18))},
        REASON,
        NOW,
        shift_later=True,
    )
    assert [(move.code, move.after.first_day) for move in back] == [
        (StageCode.verifikasi_kelengkapan, date(2026, 12, 15)),
        (StageCode.penilaian_dokumen, date(2026, 12, 19)),
    ]


def test_rule_in_order_without_overlap() -> None:
    overlap = refusal({StageCode.verifikasi_kelengkapan: ("2026-12-14", "2026-12-21")})
    assert ("overlap", StageCode.verifikasi_kelengkapan) in codes(overlap)
    assert overlap.offer_days is None  # shifting later stages cannot cure an overlap with an earlier one
    crossing = refusal({StageCode.penilaian_dokumen: ("2026-12-15", "2026-12-16")})
    assert codes(crossing) == [("overlap", StageCode.penilaian_dokumen)]
    gap = plan({StageCode.penilaian_dokumen: ("2026-12-28", "2027-01-10")})
    assert gap[0].after.first_day == date(2026, 12, 28)
