"""Stage dates: the committee writes calendar days in Kalimantan Timur time (WITA); the database keeps UTC."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from assessment.models import STAGE_ORDER, StageCode
from assessment.platform.wita import WITA

__all__ = ["DEFAULT_STAGE_DAYS", "default_schedule", "schedule_with", "stage_window"]

# Days each stage lasts in a schedule proposed by default (the committee changes the dates as it likes).
DEFAULT_STAGE_DAYS: dict[StageCode, int] = {
    StageCode.pendaftaran: 14,
    StageCode.penilaian_mandiri: 21,
    StageCode.verifikasi_kelengkapan: 7,
    StageCode.penilaian_dokumen: 14,
    StageCode.rekonsiliasi: 5,
    StageCode.klarifikasi_lapangan: 10,
    StageCode.pleno: 2,
    StageCode.pengumuman_sementara: 1,
    StageCode.masa_sanggah: 5,
    StageCode.penetapan: 2,
}

# Indonesian names, marked for the catalogue: pages translate them where they show them (``_(name)``).


def stage_window(first_day: date, last_day: date) -> tuple[datetime, datetime]:
    """A stage given as calendar days runs from 00:00 WITA of its first day to 00:00 WITA after its last day.

    Both days are included: a self-assessment stage "1–14 Desember" accepts a submission at 23:59:59 WITA on
    14 December and refuses one at 00:00 WITA on 15 December. Returned as UTC instants.
    """
    if last_day < first_day:
        raise ValueError("tanggal akhir sebelum tanggal mulai")
    starts = datetime.combine(first_day, time(0), tzinfo=WITA)
    ends = datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=WITA)
    return starts.astimezone(ZoneInfo("UTC")), ends.astimezone(ZoneInfo("UTC"))


def default_schedule(first_day: date) -> dict[StageCode, tuple[date, date]]:
    """Every stage one after the other from ``first_day``, lasting :data:`DEFAULT_STAGE_DAYS` each."""
    schedule: dict[StageCode, tuple[date, date]] = {}
    day = first_day
    for code in STAGE_ORDER:
        last = day + timedelta(days=DEFAULT_STAGE_DAYS[code] - 1)
        schedule[code] = (day, last)
        day = last + timedelta(days=1)
    return schedule


def schedule_with(first_day: date, fixed: dict[StageCode, tuple[date, date]]) -> dict[StageCode, tuple[date, date]]:
    """The default schedule from ``first_day`` with the ``fixed`` stages' dates as given.

    A stage without fixed dates that would begin before the previous stage ends is moved to the day after it,
    keeping its default length; fixed stages are never moved (overlaps among them are refused later).
    """
    schedule: dict[StageCode, tuple[date, date]] = {}
    previous_last: date | None = None
    for code, (first, last) in default_schedule(first_day).items():
        if code in fixed:
            first, last = fixed[code]
        elif previous_last is not None and first <= previous_last:
            first = previous_last + timedelta(days=1)
            last = first + timedelta(days=DEFAULT_STAGE_DAYS[code] - 1)
        schedule[code] = (first, last)
        previous_last = last
    return schedule
