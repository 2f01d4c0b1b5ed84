"""Moments as people in Kalimantan Timur read them: Indonesian date, 24-hour time, WITA (Asia/Makassar)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from flask_babel import get_locale

WITA = ZoneInfo("Asia/Makassar")


def format_wita(moment: datetime | None, locale: str = "id") -> str:
    """``Senin, 14 Desember 2026 pukul 16.30 WITA`` for an aware UTC ``moment`` ("" for None).

    A moment at exactly midnight WITA is written as 24.00 of the day before: a stage that runs "1–14 Desember"
    ends at 00:00 on 15 December, and an operator reads its deadline as "14 Desember pukul 24.00", the last day
    still open, not as a day that never was part of it.
    """
    if moment is None:
        return ""
    local = moment.astimezone(WITA)
    clock = f"{local:%H.%M}"
    if (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0):
        local -= timedelta(days=1)
        clock = "24.00"
    day = format_datetime(local, "EEEE, d MMMM y", tzinfo=WITA, locale=locale)
    word = "pukul" if locale == "id" else "at"
    return f"{day} {word} {clock} WITA"


def now_utc() -> datetime:
    """The current time, aware, in UTC: the one clock every blueprint reads (tests move it by passing ``now``)."""
    return datetime.now(UTC)


def visitor_wita(moment: datetime | None) -> str:
    """:func:`format_wita` in the visitor's language (Indonesian outside a request or when none is chosen)."""
    return format_wita(moment, str(get_locale() or "id"))
