"""The public front door: which competitions are current, which stage each is in and until when, and which past
editions have published results. Pure over the stage dates and the instant (the page loads, this decides)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from assessment.models import Competition, Stage, StageCode


@dataclass(frozen=True, slots=True)
class CurrentEdition:
    """A competition still running: its stage now (``open``) or the next one to start (``open`` False)."""

    competition: Competition
    stage_code: StageCode
    starts_at: datetime
    ends_at: datetime
    open: bool


def stage_now(stages: Sequence[Stage], now: datetime) -> tuple[Stage, bool] | None:
    """The stage a competition is in at ``now`` and whether it is open, or None when every stage has ended.

    A stage is open from its start (included) to its end (excluded), as everywhere; between two stages the next one
    to start is shown (with its first day), and before the first stage, the first one.
    """
    ordered = sorted(stages, key=lambda stage: stage.starts_at)
    for stage in ordered:
        if stage.starts_at <= now < stage.ends_at:
            return stage, True
    upcoming = [stage for stage in ordered if stage.starts_at > now]
    return (upcoming[0], False) if upcoming else None


def front_door(competitions: Sequence[Competition], now: datetime) -> tuple[list[CurrentEdition], list[Competition]]:
    """The current editions (a competition is current until its last stage ends), newest year first, and the past
    editions whose results are published (unpublished past ones are not shown to the public), newest first."""
    current: list[CurrentEdition] = []
    past: list[Competition] = []
    for competition in sorted(competitions, key=lambda item: (-item.year, -item.id)):
        found = stage_now(competition.stages, now)
        if found is not None:
            stage, is_open = found
            current.append(CurrentEdition(competition, stage.code, stage.starts_at, stage.ends_at, is_open))
        elif competition.results_public:
            past.append(competition)
    return current, past
