"""Editions kept apart: every working list shows the current edition first and folds the older ones below.

The rule is written once, in :func:`split_editions`; the operator's, the assessor's and the verifikator's lists use
it, so a desa that took part last year never finds last year's self-assessment mixed in with this year's.
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
