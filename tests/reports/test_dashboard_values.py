"""The dashboard's values and figures from made-up results: rollout, weakest indicators, region statistics, trends."""

from __future__ import annotations

import os

from hypothesis import given
from hypothesis import strategies as st

from assessment.presentation.figures import (
    IndicatorTrendPoint,
    index_by_region,
    indicator_heatmap_by_region,
    indicator_trend,
)
from assessment.presentation.reportdata import (
    DesaResult,
    FinalLevel,
    IndicatorHeading,
    indicator_rollout,
    mean_levels_by_region,
    summarise_by_region,
    weakest_indicators,
)

INDICATORS = (
    IndicatorHeading("A1", "Surat daring", "A"),
    IndicatorHeading("A2", "TTE", "A"),
    IndicatorHeading("B1", "Produk", "B"),
)


def _desa(kode: str, indeks: float, kecamatan: str = "64.09.04") -> DesaResult:
    return DesaResult(kode, f"Desa {kode[-4:]}", kecamatan, f"Kec {kecamatan[-2:]}", indeks, "Baik", 1, (indeks,))


DESA = (_desa("64.09.04.2001", 80.0), _desa("64.09.04.2002", 40.0), _desa("64.09.01.2001", 10.0, "64.09.01"))
FINALS = (
    FinalLevel("64.09.04.2001", "A1", 3.0),
    FinalLevel("64.09.04.2001", "A2", 2.0),
    FinalLevel("64.09.04.2001", "B1", None, not_applicable=True),
    FinalLevel("64.09.04.2002", "A1", 1.5),
    FinalLevel("64.09.04.2002", "A2", None),
    FinalLevel("64.09.04.2002", "B1", 4.0),
    # 64.09.01.2001 has no final level at all (not scored yet).
)


def test_coverage_rule_counts_unscored_below_and_leaves_not_applicable_out() -> None:
    rollout = {r.code: r for r in indicator_rollout(DESA, INDICATORS, FINALS, threshold=2)}
    # A1: 3, 1.5, unscored (0): 1 of 3 at level 2; mean 4.5 / 3 = 1.5.
    assert (rollout["A1"].applicable, rollout["A1"].reached, rollout["A1"].coverage, rollout["A1"].mean_level) == (
        3,
        1,
        1 / 3,
        1.5,
    )
    # A2: 2, unscored, unscored: 1 of 3; mean 2 / 3.
    assert (rollout["A2"].reached, rollout["A2"].mean_level) == (1, 2 / 3)
    # B1: not applicable for 2001, 4 for 2002, unscored for the third: 1 of 2; mean 2.
    assert (rollout["B1"].applicable, rollout["B1"].reached, rollout["B1"].coverage, rollout["B1"].mean_level) == (
        2,
        1,
        0.5,
        2.0,
    )


def test_coverage_rule_with_a_scale_starting_at_one() -> None:
    rollout = {r.code: r for r in indicator_rollout(DESA, INDICATORS, FINALS, threshold=2, minimum=1)}
    assert rollout["A1"].mean_level == (3 + 1.5 + 1) / 3


def test_an_indicator_that_applies_to_no_desa_has_no_share_and_is_not_among_the_weakest() -> None:
    finals = tuple(FinalLevel(d.code, "B1", None, not_applicable=True) for d in DESA)
    rollout = indicator_rollout(DESA, INDICATORS, finals)
    b1 = next(r for r in rollout if r.code == "B1")
    assert (b1.applicable, b1.coverage, b1.mean_level) == (0, None, None)
    assert "B1" not in [r.code for r in weakest_indicators(rollout)]


def test_weakest_indicators_lowest_mean_first_then_lower_coverage_then_code() -> None:
    rollout = indicator_rollout(DESA, INDICATORS, FINALS)
    assert [r.code for r in weakest_indicators(rollout, 2)] == ["A2", "A1"]


@given(st.lists(st.one_of(st.none(), st.floats(0, 4), st.just("TB")), min_size=1, max_size=12), st.floats(0, 4))
def test_coverage_share_is_a_fraction_of_the_applicable_desa(levels: list[object], threshold: float) -> None:
    desa = [_desa(f"64.09.04.{2001 + i}", 50.0) for i in range(len(levels))]
    finals = [
        FinalLevel(d.code, "A1", None, not_applicable=True)
        if level == "TB"
        else FinalLevel(d.code, "A1", level if isinstance(level, float) else None)
        for d, level in zip(desa, levels, strict=True)
    ]
    (rollout,) = indicator_rollout(desa, INDICATORS[:1], finals, threshold)
    assert rollout.applicable == sum(level != "TB" for level in levels)
    assert 0 <= rollout.reached <= rollout.applicable
    if rollout.coverage is not None:
        assert 0 <= rollout.coverage <= 1
        assert rollout.mean_level is not None and 0 <= rollout.mean_level <= 4


def test_region_summary_mean_and_median_per_kecamatan() -> None:
    desa = (*DESA, _desa("64.09.04.2003", 70.0))
    summaries = summarise_by_region(desa, 1, lambda d: (d.kecamatan_code, d.kecamatan))
    assert [(s.code, s.desa_count, s.mean_index, s.median_index) for s in summaries] == [
        ("64.09.01", 1, 10.0, 10.0),
        ("64.09.04", 3, (80 + 40 + 70) / 3, 70.0),
    ]
    chart = index_by_region(summaries, "kecamatan")
    assert chart.table.rows == (("Kec 01", 1, 10.0, 10.0), ("Kec 04", 3, (80 + 40 + 70) / 3, 70.0))


def test_mean_levels_by_region_feed_the_province_heatmap() -> None:
    rows = mean_levels_by_region(DESA, INDICATORS, FINALS, lambda d: (d.kecamatan_code, d.kecamatan))
    assert [(r.code, r.mean_levels) for r in rows] == [
        ("64.09.01", (0.0, 0.0, 0.0)),
        ("64.09.04", ((3 + 1.5) / 2, 1.0, 4.0)),
    ]
    chart = indicator_heatmap_by_region(rows, INDICATORS, "kecamatan")
    assert chart.table.rows[1] == ("Kec 04", 2, 2.25, 1.0, 4.0)


def test_indicator_trend_has_a_gap_where_an_edition_lacked_the_indicator() -> None:
    points = [
        IndicatorTrendPoint(2024, "A1", 0.25),
        IndicatorTrendPoint(2026, "A1", 0.5),
        IndicatorTrendPoint(2026, "A2", 0.75),
    ]
    chart = indicator_trend(points, INDICATORS[:2])
    assert [column.header for column in chart.table.columns][2:] == ["2024", "2026"]
    assert chart.table.rows == (("A1", "Surat daring", 0.25, 0.5), ("A2", "TTE", None, 0.75))


ORDER_PROBE = """
from assessment.presentation.reportdata import DesaResult, FinalLevel, IndicatorHeading, indicator_rollout
desa = [DesaResult(f"64.09.04.{2001 + k}", "D", "64.09.04", "K", 1.0, "Baik", 1, (1.0,)) for k in range(40)]
levels = [FinalLevel(d.code, "A1", (k % 7) / 3 + (k % 5) / 10) for k, d in enumerate(desa)]
print(repr(indicator_rollout(desa, [IndicatorHeading("A1", "A", "A")], levels)[0].mean_level))
"""


def test_coverage_mean_is_the_same_in_every_process() -> None:
    """Rule (coverage), the mean level: the same desa give the same mean in every server process, whatever order
    Python's string hashing puts them in (a running float sum over a set differed in its last digits between
    processes, enough to round a shown mean such as x,xx5 either way)."""
    import subprocess
    import sys

    shown = {
        subprocess.run(
            [sys.executable, "-c", ORDER_PROBE],
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in range(6)
    }
    assert len(shown) == 1, shown
