"""Editions kept apart: every working list shows the current edition first and folds the older ones below.

The rule is written once, in :func:`split_editions`; the operator's, the assessor's and the verifikator's lists, the
berita acara list and the inbox use it, so a desa that took part last year never finds last year's self-assessment
(or last year's notices) mixed in with this year's. An inbox notice belongs to an edition by when it was sent
(:func:`edition_at`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, TypeVar

from assessment.models import Competition

T = TypeVar("T")


def is_running(competition: Competition, now: datetime) -> bool:
    """A competition is running while any of its stages has not ended (a stage's end is excluded)."""
    return any(now < stage.ends_at for stage in competition.stages)


@dataclass
class Edition(Generic[T]):
    """One competition and its items of a list."""

    competition: Competition
    items: list[T] = field(default_factory=list)


@dataclass
class Editions(Generic[T]):
    """The current editions' items (shown first, open) and the older editions (folded), newest first."""

    current: list[Edition[T]]
    older: list[Edition[T]]

    def __bool__(self) -> bool:
        return bool(self.current or self.older)


def split_editions(items: Sequence[T], competition_of: Callable[[T], Competition], now: datetime) -> Editions[T]:
    """Group ``items`` by competition and split them into current and older editions.

    - An edition is current while its competition is running (:func:`is_running`); several can run at once (a
      provincial and a kabupaten competition), and each is shown open.
    - When none is running, the newest edition (the latest year, then the latest created) is current, so a list
      never opens with everything folded: between two editions the one just finished stays in front.
    - Older editions come after, newest first; the order of items within an edition is kept.
    """
    groups: dict[int, Edition[T]] = {}
    for item in items:
        competition = competition_of(item)
        groups.setdefault(competition.id, Edition(competition)).items.append(item)
    ordered = sorted(groups.values(), key=lambda edition: (-edition.competition.year, -edition.competition.id))
    current = [edition for edition in ordered if is_running(edition.competition, now)]
    if not current and ordered:
        current = ordered[:1]
    older = [edition for edition in ordered if edition not in current]
    return Editions(current, older)


def edition_at(moment: datetime, competitions: Sequence[Competition]) -> Competition:
    """The edition among ``competitions`` (at least one) that a notice sent at ``moment`` belongs to.

    - The newest edition (latest year, then latest created) whose schedule spans ``moment`` (from its first
      stage's start, included, to its last stage's end, excluded);
    - else the newest edition that had started before ``moment`` (a notice between two editions belongs to the
      one just past);
    - else, sent before any edition started (accounts, registration), the edition that started first.
    """
    if not competitions:
        raise ValueError("no competition to belong to")
    scheduled = [c for c in competitions if c.stages]
    if not scheduled:
        return max(competitions, key=_newest)

    def start(c: Competition) -> datetime:
        return min(stage.starts_at for stage in c.stages)

    spanning = [c for c in scheduled if start(c) <= moment < max(stage.ends_at for stage in c.stages)]
    if spanning:
        return max(spanning, key=_newest)
    started = [c for c in scheduled if start(c) <= moment]
    if started:
        return max(started, key=_newest)
    return min(scheduled, key=lambda c: (start(c), c.id))


def _newest(competition: Competition) -> tuple[int, int]:
    return competition.year, competition.id
