"""Small rubrics built directly from the model, so the scoring tests do not depend on the rubric files."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from assessment.criteria.model import Aspect, Band, Indicator, Level, Rubric, Scale

BANDS = (
    Band(Decimal(0), "Kurang"),
    Band(Decimal(40), "Cukup"),
    Band(Decimal(60), "Baik"),
    Band(Decimal(80), "Sangat Baik"),
)


def make_rubric(
    aspects: Sequence[Sequence[str | int]],
    *,
    scale: tuple[int, int] = (0, 4),
    allow_na: Sequence[str] = (),
    aggregation: str = "mean",
    tie_break: Sequence[str] | None = None,
    bands: Sequence[Band] = BANDS,
    eligible: Sequence[str] | None = None,
    threshold: int = 2,
) -> Rubric:
    """``aspects`` lists each aspect's indicator weights (as decimal strings); indicators are I1, I2, ... in order."""
    built = []
    number = 0
    for a, weights in enumerate(aspects, start=1):
        indicators = []
        for weight in weights:
            number += 1
            code = f"I{number}"
            indicators.append(
                Indicator(
                    code,
                    f"Indikator {number}",
                    Decimal(str(weight)),
                    tuple(Level(v, f"level {v}") for v in range(scale[0], scale[1] + 1)),
                    allow_na=code in allow_na,
                )
            )
        built.append(Aspect(f"A{a}", f"Aspek {a}", tuple(indicators)))
    extra: dict[str, object] = {}
    if tie_break is not None:
        extra["tie_break"] = tuple(tie_break)
    if eligible is not None:
        extra["eligible"] = tuple(eligible)
    return Rubric(
        "uji",
        "Rubrik uji",
        "1",
        Scale(*scale),
        tuple(bands),
        tuple(built),
        aggregation=aggregation,
        disagreement_threshold=threshold,
        **extra,
    )  # type: ignore[arg-type]


def desa(number: int, kecamatan: str = "64.09.04") -> str:
    """A desa code in ``kecamatan`` (desa part 2xxx)."""
    return f"{kecamatan}.{2000 + number}"
