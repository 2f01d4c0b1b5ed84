"""The rubric model: frozen, typed values that the scoring core consumes.

A rubric is plain data written by a committee (YAML or Excel) and parsed by :mod:`assessment.criteria.parse`,
which checks every rule stated there. Weights and band thresholds are :class:`~decimal.Decimal` so that a weight
of 2.75 is exactly 2.75: rankings are decided on exact values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

Aggregation = Literal["mean", "median"]
"""How several assessors' levels for one village x indicator are combined."""

DEFAULT_TIE_BREAK: tuple[str, ...] = ("aspects_by_weight", "top_levels", "zero_levels")
DEFAULT_ELIGIBLE: tuple[str, ...] = ("desa", "desa_adat")
REGION_KINDS: tuple[str, ...] = ("provinsi", "kabupaten", "kota", "kecamatan", "desa", "desa_adat", "kelurahan")


@dataclass(frozen=True, slots=True)
class Scale:
    """The integer level scale, both ends included (``min < max``)."""

    min: int
    max: int

    @property
    def levels(self) -> tuple[int, ...]:
        return tuple(range(self.min, self.max + 1))


@dataclass(frozen=True, slots=True)
class Band:
    """A predikat: the label of every index at or above ``min`` (up to the next band's ``min``)."""

    min: Decimal
    label: str


@dataclass(frozen=True, slots=True)
class Level:
    """The description of one level of one indicator: what an assessor must see to give it."""

    value: int
    description: str


@dataclass(frozen=True, slots=True)
class Indicator:
    """One criterion: its weight in the index, a description per level, and the evidence that proves it."""

    code: str
    name: str
    weight: Decimal
    levels: tuple[Level, ...]
    evidence: tuple[str, ...] = ()
    verification: str = ""
    allow_na: bool = False

    def level_description(self, value: int) -> str:
        for level in self.levels:
            if level.value == value:
                return level.description
        raise KeyError(value)


@dataclass(frozen=True, slots=True)
class Aspect:
    """A group of indicators; its weight is the sum of its indicators' weights."""

    code: str
    name: str
    indicators: tuple[Indicator, ...]

    @property
    def weight(self) -> Decimal:
        return sum((indicator.weight for indicator in self.indicators), Decimal(0))


@dataclass(frozen=True, slots=True)
class Rubric:
    """A complete, validated rubric. Build it with :func:`assessment.criteria.parse.parse_rubric`."""

    id: str
    title: str
    version: str
    scale: Scale
    bands: tuple[Band, ...]
    aspects: tuple[Aspect, ...]
    level_names: tuple[tuple[int, str], ...] = ()
    aggregation: Aggregation = "mean"
    disagreement_threshold: int = 2
    tie_break: tuple[str, ...] = DEFAULT_TIE_BREAK
    eligible: tuple[str, ...] = DEFAULT_ELIGIBLE
    _by_code: dict[str, Indicator] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        # Cached lookup; frozen dataclasses need object.__setattr__ for derived fields.
        object.__setattr__(self, "_by_code", {i.code: i for a in self.aspects for i in a.indicators})

    @property
    def indicators(self) -> tuple[Indicator, ...]:
        """Every indicator in rubric order (aspect by aspect)."""
        return tuple(indicator for aspect in self.aspects for indicator in aspect.indicators)

    def indicator(self, code: str) -> Indicator:
        return self._by_code[code]

    def aspect_of(self, indicator_code: str) -> Aspect:
        for aspect in self.aspects:
            if any(indicator.code == indicator_code for indicator in aspect.indicators):
                return aspect
        raise KeyError(indicator_code)

    def band_for(self, shown_index: Decimal) -> Band:
        """The band whose ``min`` is the highest not above ``shown_index`` (the rounded, shown index)."""
        chosen = self.bands[0]
        for band in sorted(self.bands, key=lambda b: b.min):
            if band.min <= shown_index:
                chosen = band
        return chosen
