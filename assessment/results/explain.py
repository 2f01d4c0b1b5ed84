"""Why this rank: one desa's walk from indicator levels to weight, contribution, aspect, index and rank.

Pure arithmetic over an :class:`~assessment.repo.EngineRun` (the engine's results) and the level provenance
:func:`~assessment.repo.level_provenance` collected; no database, no web. Every number comes from the scoring
engine, including the "what if" runs for the indicators where one more level would count most.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import numpy as np

from assessment.repo import EngineRun, EvidenceRecord, LevelSource
from assessment.scoring import NA_LEVEL, AssessmentRows, index_contributions, round_half_up, score

SIMULATED_ASSESSOR = "simulasi"
GAINS_SHOWN = 5


@dataclass(frozen=True, slots=True)
class IndicatorStep:
    """One indicator of the desa: its final level, where it came from, its weight and the points it adds."""

    code: str
    name: str
    aspect_code: str
    weight: Decimal
    level: Fraction | None  # None: not applicable
    scored: bool  # False: no counted score (counts at the lowest level)
    contribution: Fraction | None  # exact points of the index
    shown_contribution: Decimal | None  # shown points (2 decimals; the shown ones add up to the shown index)
    sources: tuple[LevelSource, ...]
    evidence: tuple[EvidenceRecord, ...]


@dataclass(frozen=True, slots=True)
class AspectStep:
    """One aspect: its weight, its score (0-100) and the index points its indicators add."""

    code: str
    name: str
    weight: Decimal
    value: Decimal | None
    points: Decimal


@dataclass(frozen=True, slots=True)
class Gain:
    """What one more level on one indicator would do (computed by re-running the engine)."""

    code: str
    name: str
    new_level: Fraction
    new_index: Decimal
    increase: Decimal
    new_rank: int


@dataclass(frozen=True, slots=True)
class Explanation:
    """The whole walk for one desa in one ranking."""

    code: str
    index: Decimal | None
    exact_index: Fraction | None
    predikat: str
    rank: int
    tied: bool
    desa_count: int
    complete: bool
    aspects: tuple[AspectStep, ...]
    indicators: tuple[IndicatorStep, ...]
    ahead: tuple[str, ...]  # codes of the desa at the next place up (empty for rank 1)
    rank_ahead: int | None  # their rank
    gap_ahead: Decimal | None  # index points between this desa and the next place up
    gains: tuple[Gain, ...]

    @property
    def total_contribution(self) -> Decimal:
        """The sum of the shown contributions: equal to the shown index (see :func:`shown_parts`)."""
        return sum((step.shown_contribution or Decimal(0) for step in self.indicators), Decimal(0))


def shown_parts(parts: Sequence[Fraction | None], total_hundredths: int) -> list[Decimal | None]:
    """Round each contribution to 2 decimals so that the shown parts add up exactly to the shown index.

    The rule (largest remainder): each part is first rounded down to hundredths; the hundredths still missing to
    reach the shown index (the exact index rounded half up) go one each to the parts with the largest remainders,
    ties to the earlier indicator in rubric order. So no shown part is more than 0.01 from its exact value and the
    column of contributions sums to the index printed above it.
    """
    floors: list[int | None] = [None if p is None else math.floor(p * 100) for p in parts]
    missing = total_hundredths - sum(f for f in floors if f is not None)
    remainders = sorted(
        (-(p * 100 - f), i)
        for i, (p, f) in enumerate(zip(parts, floors, strict=True))
        if p is not None and f is not None
    )
    for _, i in remainders[: max(missing, 0)]:
        floors[i] = (floors[i] or 0) + 1
    return [None if f is None else Decimal(f) / 100 for f in floors]


def _raised(run: EngineRun, code: str, indicator: int) -> AssessmentRows:
    """The verified rows with this desa's indicator one level up (each counted row +1, at most the maximum)."""
    rows, scale = run.rows, run.rubric.scale
    desa = rows.desa_codes.index(code)
    mine = (rows.desa == desa) & (rows.indicator == indicator)
    if mine.any():
        level = rows.level.copy()
        raise_ = mine & (level != NA_LEVEL)
        level[raise_] = np.minimum(level[raise_] + 1, scale.max)
        return AssessmentRows(rows.desa_codes, rows.assessors, rows.desa, rows.indicator, rows.assessor, level)
    extra = len(rows.assessors)
    return AssessmentRows(
        rows.desa_codes,
        (*rows.assessors, SIMULATED_ASSESSOR),
        np.append(rows.desa, desa),
        np.append(rows.indicator, indicator),
        np.append(rows.assessor, extra),
        np.append(rows.level, scale.min + 1),
    )


def one_level_gains(run: EngineRun, code: str, limit: int = GAINS_SHOWN) -> list[Gain]:
    """The indicators where one more level would raise the desa's index most, with the rank it would then have.

    The rule: for each applicable indicator below the scale's maximum, every counted row of the desa on that
    indicator is raised by one level (capped at the maximum; an indicator nobody scored gets one row at the lowest
    level + 1), the engine scores and ranks everyone again (tie-breaks included), and the gain is the new exact
    index minus the current one. Largest gain first; equal gains in rubric order. Other desa are unchanged.
    """
    ranking = run.ranking
    j = ranking.position(code)
    current = ranking.exact_index(j) or Fraction(0)
    kinds = {p.code: p.kind for p in run.participants}
    gains: list[tuple[Fraction, int, Gain]] = []
    for i, indicator in enumerate(run.rubric.indicators):
        level = run.levels.level(j, i)
        if level is None or level >= run.rubric.scale.max:
            continue
        again = score(run.rubric, _raised(run, code, i), kinds)
        k = again.position(code)
        new = again.exact_index(k) or Fraction(0)
        new_level = min(level + 1, Fraction(run.rubric.scale.max))
        gain = Gain(
            indicator.code,
            indicator.name,
            new_level,
            round_half_up(new),
            round_half_up(new - current),
            int(again.rank[k]),
        )
        gains.append((-(new - current), i, gain))
    gains.sort(key=lambda item: (item[0], item[1]))
    return [gain for _, _, gain in gains[:limit] if gain.increase > 0]


def explain(
    run: EngineRun, code: str, provenance: Mapping[str, Sequence[LevelSource]], evidence: Sequence[EvidenceRecord]
) -> Explanation:
    """The why-this-rank walk of desa ``code`` in ``run`` (its region's ranking)."""
    rubric, ranking, levels = run.rubric, run.ranking, run.levels
    j = ranking.position(code)
    exact = ranking.exact_index(j)
    shown_total = int(ranking.shown_index[j])
    parts = index_contributions(rubric, levels, j)
    shown = shown_parts(parts, max(shown_total, 0))
    by_indicator: dict[str, list[EvidenceRecord]] = {}
    for item in evidence:
        by_indicator.setdefault(item.indicator_code, []).append(item)
    steps: list[IndicatorStep] = []
    aspect_steps: list[AspectStep] = []
    i = 0
    for a, aspect in enumerate(rubric.aspects):
        points = Decimal(0)
        for indicator in aspect.indicators:
            steps.append(
                IndicatorStep(
                    indicator.code,
                    indicator.name,
                    aspect.code,
                    indicator.weight,
                    levels.level(j, i),
                    not bool(levels.missing[j, i]),
                    parts[i],
                    shown[i],
                    tuple(provenance.get(indicator.code, ())),
                    tuple(by_indicator.get(indicator.code, ())),
                )
            )
            points += shown[i] or Decimal(0)
            i += 1
        aspect_value = int(ranking.aspect_shown[j, a])
        aspect_steps.append(
            AspectStep(
                aspect.code,
                aspect.name,
                aspect.weight,
                None if aspect_value < 0 else Decimal(aspect_value) / 100,
                points,
            )
        )
    rank = int(ranking.rank[j])
    ahead_rank = max((int(r) for r in ranking.rank.tolist() if int(r) < rank), default=None)
    ahead: tuple[str, ...] = ()
    gap: Decimal | None = None
    if ahead_rank is not None:
        members = [k for k, r in enumerate(ranking.rank.tolist()) if r == ahead_rank]
        ahead = tuple(sorted(ranking.desa_codes[k] for k in members))
        ahead_index = ranking.exact_index(members[0]) or Fraction(0)
        gap = round_half_up(ahead_index - (exact or Fraction(0)))
    band = int(ranking.band[j])
    return Explanation(
        code=code,
        index=None if shown_total < 0 else Decimal(shown_total) / 100,
        exact_index=exact,
        predikat=rubric.bands[band].label if band >= 0 else "",
        rank=rank,
        tied=bool(ranking.tied[j]),
        desa_count=len(ranking),
        complete=bool(ranking.complete[j]),
        aspects=tuple(aspect_steps),
        indicators=tuple(steps),
        ahead=ahead,
        rank_ahead=ahead_rank,
        gap_ahead=gap,
        gains=tuple(one_level_gains(run, code)),
    )
