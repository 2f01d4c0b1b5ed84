"""Deadlines shown in WITA: Indonesian words, 24-hour clock, midnight as 24.00 of the last open day."""

from __future__ import annotations

from datetime import UTC, datetime

from assessment.platform.wita import format_wita


def test_utc_moment_is_shown_in_wita_eight_hours_ahead() -> None:
    assert format_wita(datetime(2026, 8, 31, 15, 59, tzinfo=UTC)) == "Senin, 31 Agustus 2026 pukul 23.59 WITA"


def test_midnight_deadline_is_shown_as_24_00_of_the_last_open_day() -> None:
    # 16:00 UTC on 14 December is 00:00 WITA on 15 December: the stage "1–14 Desember" has just ended.
    assert format_wita(datetime(2026, 12, 14, 16, 0, tzinfo=UTC)) == "Senin, 14 Desember 2026 pukul 24.00 WITA"


def test_english_visitors_read_english_words() -> None:
    assert format_wita(datetime(2026, 8, 31, 1, 5, tzinfo=UTC), "en") == "Monday, 31 August 2026 at 09.05 WITA"


def test_no_moment_is_an_empty_text() -> None:
    assert format_wita(None) == ""
