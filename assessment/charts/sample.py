"""Made-up numbers for the example page: a few desa on a grid, clearly not anyone's results."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import replace
from typing import Any

from assessment.presentation.reportdata import (
    AspectHeading,
    AssessorLevel,
    DesaResult,
    EvidenceItem,
    FinalLevel,
    IndicatorHeading,
    ResultsReport,
)

SAMPLE_ASPECTS = (
    AspectHeading("A", "Layanan publik", 0.3),
    AspectHeading("B", "Tata kelola", 0.25),
    AspectHeading("C", "Ekonomi digital", 0.2),
    AspectHeading("D", "Informasi publik", 0.15),
    AspectHeading("E", "Dukungan", 0.1),
)
SAMPLE_PREDIKAT = ("Kurang", "Cukup", "Baik", "Sangat Baik", "Memuaskan")
# Example bands only; the rubric in force defines the real ones.
_BANDS = ((40.0, "Kurang"), (55.0, "Cukup"), (70.0, "Baik"), (85.0, "Sangat Baik"))
_KECAMATAN = (("99.01.01", "Contoh Hulu"), ("99.01.02", "Contoh Tengah"), ("99.01.03", "Contoh Hilir"))
_PER_KECAMATAN = 6
_CELL = 0.05


def _predikat(index: float) -> str:
    for limit, name in _BANDS:
        if index < limit:
            return name
    return SAMPLE_PREDIKAT[-1]


def sample_results(seed: int = 2026) -> list[DesaResult]:
    """Eighteen made-up desa in three made-up kecamatan (codes under 99, which no province uses)."""
    generator = random.Random(seed)  # noqa: S311 -- example numbers, not security
    results: list[DesaResult] = []
    for k_index, (k_code, k_name) in enumerate(_KECAMATAN):
        for d_index in range(_PER_KECAMATAN):
            scores = tuple(round(generator.uniform(20, 98), 2) for _ in SAMPLE_ASPECTS)
            index = round(sum(a.weight * s for a, s in zip(SAMPLE_ASPECTS, scores, strict=True)), 2)
            results.append(
                DesaResult(
                    code=f"{k_code}.{2001 + d_index}",
                    name=f"Desa Contoh {k_index * _PER_KECAMATAN + d_index + 1}",
                    kecamatan_code=k_code,
                    kecamatan=k_name,
                    index=index,
                    predikat=_predikat(index),
                    rank=0,
                    aspects=scores,
                )
            )
    # Example ranks: by index, then code (the real tie rules live in the scoring engine).
    ordered = sorted(results, key=lambda r: (-r.index, r.code))
    return [replace(result, rank=position) for position, result in enumerate(ordered, start=1)]


def _square(x: float, y: float) -> list[list[list[float]]]:
    return [[[x, y], [x + _CELL, y], [x + _CELL, y + _CELL], [x, y + _CELL], [x, y]]]


def sample_geojson() -> tuple[dict[str, Any], dict[str, Any]]:
    """A grid of squares for the sample desa and the outlines of their kecamatan (placed off any real coast)."""
    desa_features = []
    kecamatan_features = []
    for k_index, (k_kode, k_nama) in enumerate(_KECAMATAN):
        x0 = 117.0 + k_index * 2 * _CELL
        for d_index in range(_PER_KECAMATAN):
            x = x0 + (d_index % 2) * _CELL
            y = -1.0 + (d_index // 2) * _CELL
            desa_features.append(
                {
                    "type": "Feature",
                    "properties": {"kode": f"{k_kode}.{2001 + d_index}", "nama": f"Desa Contoh {d_index + 1}"},
                    "geometry": {"type": "Polygon", "coordinates": _square(x, y)},
                }
            )
        rows = _PER_KECAMATAN // 2
        outline = [
            [x0, -1.0],
            [x0 + 2 * _CELL, -1.0],
            [x0 + 2 * _CELL, -1.0 + rows * _CELL],
            [x0, -1.0 + rows * _CELL],
            [x0, -1.0],
        ]
        kecamatan_features.append(
            {
                "type": "Feature",
                "properties": {"kode": k_kode, "nama": k_nama},
                "geometry": {"type": "Polygon", "coordinates": [outline]},
            }
        )
    return (
        {"type": "FeatureCollection", "features": desa_features},
        {"type": "FeatureCollection", "features": kecamatan_features},
    )


def synthetic_report(
    desa_codes: list[tuple[str, str, str, str]] | None = None,
    desa_count: int = 841,
    indicator_count: int = 20,
    assessor_count: int = 3,
    seed: int = 6,
) -> ResultsReport:
    """A made-up results report of the size of a province (for benchmarks and load tests, never for display).

    ``desa_codes`` are (code, name, kecamatan code, kecamatan) of real regions when given (so the map matches);
    otherwise codes under 99 are invented. Levels, indices and ranks are random; nothing is computed the way
    the scoring engine does.
    """
    generator = random.Random(seed)  # noqa: S311 -- made-up numbers, not security
    if desa_codes is None:
        desa_codes = [
            (
                f"99.01.{1 + i // 20:02d}.{2001 + i % 20}",
                f"Desa Sintetis {i + 1}",
                f"99.01.{1 + i // 20:02d}",
                f"Kecamatan Sintetis {1 + i // 20}",
            )
            for i in range(desa_count)
        ]
    aspects = tuple(
        AspectHeading(chr(ord("A") + i), name, 0.2) for i, name in enumerate(a.name for a in SAMPLE_ASPECTS)
    )
    indicators = tuple(
        IndicatorHeading(
            f"{aspects[i % len(aspects)].code}{1 + i // len(aspects)}",
            f"Indikator {i + 1}",
            aspects[i % len(aspects)].code,
        )
        for i in range(indicator_count)
    )
    assessors = [f"Asesor {i + 1}" for i in range(assessor_count)]
    desa: list[DesaResult] = []
    finals: list[FinalLevel] = []
    levels: list[AssessorLevel] = []
    evidence: list[EvidenceItem] = []
    uploaded = dt.datetime(2026, 8, 1, 9, 0)
    for code, name, kecamatan_code, kecamatan in desa_codes:
        for indicator in indicators:
            given = [generator.randint(0, 4) for _ in assessors]
            levels.extend(AssessorLevel(code, indicator.code, a, g) for a, g in zip(assessors, given, strict=True))
            spread = max(given) - min(given)
            finals.append(FinalLevel(code, indicator.code, sum(given) / len(given), wide_gap=spread >= 2))
            evidence.append(
                EvidenceItem(
                    code,
                    indicator.code,
                    "berkas",
                    f"bukti-{indicator.code}.pdf",
                    uploaded,
                    f"{generator.getrandbits(256):064x}",
                )
            )
        scores = tuple(round(generator.uniform(20, 98), 4) for _ in aspects)
        index = sum(scores) / len(scores)
        desa.append(
            DesaResult(
                code,
                name,
                kecamatan_code,
                kecamatan,
                index,
                _predikat(index),
                0,
                scores,
                top3_chance=generator.random(),
            )
        )
    ordered = sorted(desa, key=lambda r: (-r.index, r.code))
    ranked = tuple(replace(result, rank=position) for position, result in enumerate(ordered, start=1))
    return ResultsReport(
        title="Data sintetis untuk uji kecepatan",
        region_code="64",
        region_name="Kalimantan Timur",
        aspects=aspects,
        indicators=indicators,
        desa=ranked,
        final_levels=tuple(finals),
        assessor_levels=tuple(levels),
        evidence=tuple(evidence),
        predikat_order=SAMPLE_PREDIKAT,
    )
