"""The rules of a schedule change: what the committee may move, and what the schedule must stay.

The rule is written once, in the docstring of :func:`plan_schedule_change`; the operation
(:func:`assessment.competitions.operations.change_schedule`), the competition page and ``desa-digital competition
schedule`` all go through it, so the browser and the command line refuse exactly the same changes. The planner
itself is pure: it reads the current stages, the requested days and the clock it is given, and returns the moves
(or every reason to refuse); it never touches the database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import pairwise

from flask_babel import gettext as _

from assessment.competitions.schedule import stage_window
from assessment.models import STAGE_ORDER, StageCode
from assessment.platform.wita import WITA
from assessment.services.stages import STAGE_NAMES

REASON_MAX = 2000


@dataclass(frozen=True, slots=True)
class StageDates:
    """When a stage is open: from ``starts_at`` (included) to ``ends_at`` (excluded), aware UTC instants."""

    starts_at: datetime
    ends_at: datetime

    @property
    def first_day(self) -> date:
        """The stage's first calendar day in WITA."""
        return self.starts_at.astimezone(WITA).date()

    @property
    def last_day(self) -> date:
        """The stage's last calendar day in WITA (it ends at 00:00 WITA of the day after)."""
        return (self.ends_at.astimezone(WITA) - timedelta(microseconds=1)).date()


@dataclass(frozen=True, slots=True)
class StageMove:
    """One stage's dates before (None: the stage was not scheduled) and after the change.

    ``shifted``: the stage was not asked for; it moved with the stages before it (rule 6).
    """

    code: StageCode
    before: StageDates | None
    after: StageDates
    shifted: bool = False


@dataclass(frozen=True, slots=True)
class ScheduleProblem:
    """One reason a change is refused. ``code`` is one of :data:`PROBLEM_CODES`; ``stage`` the stage concerned,
    ``other`` the stage it collides with (``overlap``)."""

    code: str
    stage: StageCode | None = None
    other: StageCode | None = None


PROBLEM_CODES = (
    "reason_missing",
    "reason_too_long",
    "no_change",
    "last_before_first",
    "stage_ended",
    "open_start_moved",
    "open_shortened",
    "starts_in_past",
    "overlap",
)


@dataclass
class ScheduleRefused(Exception):
    """The change breaks a rule; nothing is changed. ``problems`` lists every broken rule.

    ``offer_days``/``offer``: when the only trouble is that later stages would overlap, shifting them by
    ``offer_days`` days (rule 6) gives the schedule ``offer`` that keeps every rule; None when that does not help.
    """

    problems: list[ScheduleProblem]
    offer_days: int | None = None
    offer: list[StageMove] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(", ".join(problem.code for problem in self.problems))


def shift_days(current: Mapping[StageCode, StageDates], requested: Mapping[StageCode, tuple[date, date]]) -> int:
    """By how many days rule 6 shifts the later stages: how far the last day of the latest requested stage moved
    (0 when that stage was not scheduled before, or its last day stays)."""
    latest = max(requested, key=STAGE_ORDER.index)
    before = current.get(latest)
    if before is None:
        return 0
    return (requested[latest][1] - before.last_day).days


def plan_schedule_change(
    current: Mapping[StageCode, StageDates],
    requested: Mapping[StageCode, tuple[date, date]],
    reason: str,
    now: datetime,
    *,
    shift_later: bool = False,
) -> list[StageMove]:
    """The moves that give the ``requested`` days (first and last day, both included, in WITA) at ``now``.

    The rules of a schedule change:

    1. **Whole days in WITA.** A stage given as its first and last day runs from 00:00 WITA of the first day to
       00:00 WITA after the last (:func:`~assessment.competitions.schedule.stage_window`); the last day may not
       come before the first.
    2. **A written reason.** Every change needs a reason (at most 2,000 characters); it is kept with the change,
       shown in the schedule's history and sent to the people the change affects. A request that changes no date
       is refused as no change.
    3. **An ended stage is history.** A stage whose end has passed (``ends_at <= now``) is never moved, shortened,
       extended or reopened, neither when asked for nor by a shift. Late work of one desa goes through a
       committee exception (:func:`assessment.services.stages.stage_gate`; for the self-assessment,
       :func:`assessment.desa.rules.self_assessment_window`).
    4. **The open stage is only extended.** While a stage is open (``starts_at <= now < ends_at``) its first day
       stays and its last day may only move later: people are working to the announced deadline, so it is never
       brought forward.
    5. **A stage not yet started** (or not yet scheduled at all) may get any dates whose first day is today (WITA)
       or later: a change never starts a stage in the past.
    6. **Shifting the later stages.** Asked for (``shift_later``), every scheduled stage after the latest
       requested one, and not requested itself, moves by the same number of days as that stage's last day moved
       (:func:`shift_days`); shifted stages obey rules 3-5 like requested ones. When a change is refused only
       because later stages would overlap, the refusal offers this shift (``offer_days``) if it would succeed.
    7. **In order, without overlap.** After the change the stages still follow the competition's life cycle
       (:data:`~assessment.models.STAGE_ORDER`) and each starts at or after the end of the one before it (gaps
       are allowed).

    Every broken rule is reported together (:class:`ScheduleRefused`); nothing is moved unless all hold.
    """
    problems = _reason_problems(reason)
    moves: dict[StageCode, StageMove] = {}
    for code, (first, last) in requested.items():
        if last < first:
            problems.append(ScheduleProblem("last_before_first", code))
            continue
        after = StageDates(*stage_window(first, last))
        before = current.get(code)
        if before != after:
            moves[code] = StageMove(code, before, after)
    if shift_later and requested:
        moves.update(_shifted(current, requested, moves))
    for move in moves.values():
        problems.extend(_move_problems(move, now))
    if not moves and not any(problem.code == "last_before_first" for problem in problems):
        problems.append(ScheduleProblem("no_change"))
    overlaps = _overlaps(current, moves)
    if problems or overlaps:
        refused = ScheduleRefused(problems + overlaps)
        if overlaps and not shift_later and not problems:
            _offer(refused, current, requested, reason, now)
        raise refused
    return [moves[code] for code in STAGE_ORDER if code in moves]


def _reason_problems(reason: str) -> list[ScheduleProblem]:
    text = reason.strip()
    if not text:
        return [ScheduleProblem("reason_missing")]
    if len(text) > REASON_MAX:
        return [ScheduleProblem("reason_too_long")]
    return []


def _shifted(
    current: Mapping[StageCode, StageDates],
    requested: Mapping[StageCode, tuple[date, date]],
    moves: Mapping[StageCode, StageMove],
) -> dict[StageCode, StageMove]:
    """Rule 6: the later stages, moved by :func:`shift_days`."""
    days = shift_days(current, requested)
    if days == 0:
        return {}
    latest = STAGE_ORDER.index(max(requested, key=STAGE_ORDER.index))
    delta = timedelta(days=days)
    shifted: dict[StageCode, StageMove] = {}
    for code in STAGE_ORDER[latest + 1 :]:
        before = current.get(code)
        if before is None or code in requested or code in moves:
            continue
        shifted[code] = StageMove(
            code, before, StageDates(before.starts_at + delta, before.ends_at + delta), shifted=True
        )
    return shifted


def _move_problems(move: StageMove, now: datetime) -> list[ScheduleProblem]:
    """Rules 3-5 for one stage."""
    before, after = move.before, move.after
    if before is not None and before.ends_at <= now:
        return [ScheduleProblem("stage_ended", move.code)]
    if before is not None and before.starts_at <= now:
        problems = []
        if after.starts_at != before.starts_at:
            problems.append(ScheduleProblem("open_start_moved", move.code))
        if after.ends_at < before.ends_at:
            problems.append(ScheduleProblem("open_shortened", move.code))
        return problems
    if after.first_day < now.astimezone(WITA).date():
        return [ScheduleProblem("starts_in_past", move.code)]
    return []


def _overlaps(current: Mapping[StageCode, StageDates], moves: Mapping[StageCode, StageMove]) -> list[ScheduleProblem]:
    """Rule 7 over the schedule as it would be."""
    schedule = {code: dates for code, dates in current.items()}
    schedule.update({code: move.after for code, move in moves.items()})
    ordered = [(code, schedule[code]) for code in STAGE_ORDER if code in schedule]
    return [
        ScheduleProblem("overlap", later, earlier)
        for (earlier, first), (later, second) in pairwise(ordered)
        if second.starts_at < first.ends_at and (earlier in moves or later in moves)
    ]


def _offer(
    refused: ScheduleRefused,
    current: Mapping[StageCode, StageDates],
    requested: Mapping[StageCode, tuple[date, date]],
    reason: str,
    now: datetime,
) -> None:
    """Rule 6's offer: the shift that would make this change acceptable, if there is one."""
    days = shift_days(current, requested)
    if days == 0:
        return
    try:
        refused.offer = plan_schedule_change(current, requested, reason, now, shift_later=True)
    except ScheduleRefused:
        return
    refused.offer_days = days


def problem_message(problem: ScheduleProblem) -> str:
    """Why a change is refused, in the reader's language (Indonesian outside a request: the CLI)."""
    stage = str(_(STAGE_NAMES[problem.stage])) if problem.stage else ""
    other = str(_(STAGE_NAMES[problem.other])) if problem.other else ""
    messages = {
        "reason_missing": _("Tulis alasan perubahan jadwal."),
        "reason_too_long": _("Alasan paling panjang 2.000 karakter."),
        "no_change": _("Tanggal yang diminta sama dengan jadwal sekarang; tidak ada yang diubah."),
        "last_before_first": _("Tahap %(stage)s: tanggal selesai sebelum tanggal mulai.", stage=stage),
        "stage_ended": _(
            "Tahap %(stage)s sudah selesai dan tidak dapat dibuka atau diubah lagi; pekerjaan yang "
            "terlambat untuk satu desa diberi pengecualian panitia.",
            stage=stage,
        ),
        "open_start_moved": _("Tahap %(stage)s sedang berjalan: tanggal mulainya tidak dapat diubah.", stage=stage),
        "open_shortened": _(
            "Tahap %(stage)s sedang berjalan: tenggatnya hanya dapat diperpanjang, tidak dimajukan.", stage=stage
        ),
        "starts_in_past": _("Tahap %(stage)s tidak dapat dimulai sebelum hari ini (WITA).", stage=stage),
        "overlap": _("Tahap %(stage)s harus mulai setelah tahap %(other)s selesai.", stage=stage, other=other),
    }
    return str(messages[problem.code])
