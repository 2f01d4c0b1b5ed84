"""Synthetic competitions for the benchmarks: desa x indicators x assessors, integer-coded, seeded."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from assessment.criteria.model import Aspect, Band, Indicator, Level, Rubric, Scale
from assessment.scoring import NA_LEVEL, AssessmentRows


def bench_rubric(n_indicators: int = 30, n_aspects: int = 5) -> Rubric:
    """Decimal weights (1.25, 2.5, ...), levels 0-4, the last indicator of each aspect allows NA."""
    per = n_indicators // n_aspects
    aspects = []
    for a in range(n_aspects):
        indicators = tuple(
            Indicator(
                f"I{a * per + k + 1:02d}",
                f"Indikator {a * per + k + 1}",
                Decimal("1.25") * (1 + (a + k) % 4),
                tuple(Level(v, f"level {v}") for v in range(5)),
                allow_na=k == per - 1,
            )
            for k in range(per)
        )
        aspects.append(Aspect(f"A{a + 1}", f"Aspek {a + 1}", indicators))
    bands = (
        Band(Decimal(0), "Kurang"),
        Band(Decimal(40), "Cukup"),
        Band(Decimal(60), "Baik"),
        Band(Decimal(80), "Sangat Baik"),
    )
    return Rubric("bench", "Bench", "1", Scale(0, 4), bands, tuple(aspects))


def desa_codes(n: int) -> tuple[str, ...]:
    """Plausible desa codes: 34 provinces, 20 kabupaten each, 15 kecamatan each, desa 2001...."""
    codes = []
    for v in range(n):
        prov, rest = divmod(v, 2400)
        kab, rest = divmod(rest, 120)
        kec, desa = divmod(rest, 8)
        codes.append(f"{11 + prov % 89:02d}.{kab + 1:02d}.{kec + 1:02d}.{2001 + desa + 10 * (prov // 89)}")
    return tuple(codes)


@dataclass(frozen=True)
class Synthetic:
    """The same competition as integer arrays (for the engine) and as plain arrays (for the baselines)."""

    rubric: Rubric
    rows: AssessmentRows
    weights: np.ndarray


def synthetic(
    n_desa: int, n_indicators: int = 30, n_assessors: int = 3, seed: int = 0, shuffle: bool = False, pool: int = 300
) -> Synthetic:
    """Each desa gets a team of ``n_assessors`` distinct assessors from a pool; about 1% NA where allowed."""
    rng = np.random.default_rng(seed)
    rubric = bench_rubric(n_indicators)
    n = n_desa * n_indicators * n_assessors
    desa_index = np.repeat(np.arange(n_desa, dtype=np.int64), n_indicators * n_assessors)
    indicator = np.tile(np.repeat(np.arange(n_indicators, dtype=np.int64), n_assessors), n_desa)
    team_start = rng.integers(0, pool, n_desa)
    slot = np.tile(np.arange(n_assessors, dtype=np.int64), n_desa * n_indicators)
    assessor = (team_start[desa_index] + slot * 7) % pool
    quality = rng.integers(0, 5, n_desa)
    level = np.clip(quality[desa_index] + rng.integers(-1, 2, n), 0, 4).astype(np.int64)
    allow = np.array([ind.allow_na for ind in rubric.indicators])
    na = allow[indicator] & (rng.random(n) < 0.01)
    level[na] = NA_LEVEL
    if shuffle:
        order = rng.permutation(n)
        desa_index, indicator, assessor, level = desa_index[order], indicator[order], assessor[order], level[order]
    rows = AssessmentRows(
        desa_codes(n_desa), tuple(f"asesor{k}" for k in range(pool)), desa_index, indicator, assessor, level
    )
    weights = np.array([float(ind.weight) for ind in rubric.indicators])
    return Synthetic(rubric, rows, weights)
