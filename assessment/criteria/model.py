"""The rubric model: frozen, typed values that the scoring core consumes.

A rubric is plain data written by a committee (YAML or Excel) and parsed by :mod:`assessment.criteria.parse`,
which checks every rule stated there. Weights and band thresholds are :class:`~decimal.Decimal` so that a weight
of 2.75 is exactly 2.75: rankings are decided on exact values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum


class Aggregation(StrEnum):
    """How several assessors' levels for one desa x indicator are combined (scoring rule 2)."""

    mean = "mean"
    median = "median"


class TieBreakKind(StrEnum):
    """The kinds of tie-break key a rubric may list (scoring rule 6)."""

    aspects_by_weight = "aspects_by_weight"
    aspect = "aspect"
    top_levels = "top_levels"
    zero_levels = "zero_levels"


ASPECT_TIE_BREAK_PREFIX = "aspect:"


@dataclass(frozen=True, slots=True)
class TieBreakRule:
    """One tie-break key, typed: its kind and, for ``aspect:<code>``, the aspect's code.

    The rubric keeps the written form (``str(rule)``: ``aspects_by_weight``, ``aspect:B``, ...) in
    ``Rubric.tie_break`` (that text is part of the fingerprint); the scoring core reads ``Rubric.tie_break_rules``.
    """

    kind: TieBreakKind
    aspect: str | None = None

    @classmethod
    def from_text(cls, text: str) -> TieBreakRule:
        """The rule a validated tie-break word names (``ValueError`` for any other word)."""
        if text.startswith(ASPECT_TIE_BREAK_PREFIX):
            return cls(TieBreakKind.aspect, text[len(ASPECT_TIE_BREAK_PREFIX) :])
        kind = TieBreakKind(text)
        if kind is TieBreakKind.aspect:
            raise ValueError("an aspect tie-break names its aspect: aspect:<code>")
        return cls(kind)

    def __str__(self) -> str:
        return f"{ASPECT_TIE_BREAK_PREFIX}{self.aspect}" if self.kind is TieBreakKind.aspect else self.kind.value


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
    aggregation: Aggregation = Aggregation.mean
    disagreement_threshold: int = 2
    tie_break: tuple[str, ...] = DEFAULT_TIE_BREAK
    eligible: tuple[str, ...] = DEFAULT_ELIGIBLE
    _by_code: dict[str, Indicator] = field(init=False, repr=False, compare=False, hash=False)
    _tie_break_rules: tuple[TieBreakRule, ...] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        # Derived, cached values; frozen dataclasses need object.__setattr__ for them. The aggregation is stored
        # as the enum whatever the caller passed (a plain "median" from a test factory compares equal anyway).
        object.__setattr__(self, "_by_code", {i.code: i for a in self.aspects for i in a.indicators})
        object.__setattr__(self, "aggregation", Aggregation(self.aggregation))
        object.__setattr__(self, "_tie_break_rules", tuple(TieBreakRule.from_text(item) for item in self.tie_break))

    @property
    def tie_break_rules(self) -> tuple[TieBreakRule, ...]:
        """The tie-break keys, typed, in the rubric's order (what the scoring core reads)."""
        return self._tie_break_rules

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
