"""The scoring rules of assessment/scoring.py, one test (at least) per rule, with the arithmetic done by hand."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

from assessment.criteria.model import Band
from assessment.scoring import (
    NA_LEVEL,
    AssessmentRows,
    DesaResult,
    Ranking,
    ScoringInputError,
    SelfLevels,
    _multisets,
    _order_codes,
    _order_key,
    alpha_from_coincidences,
    assessor_severity,
    compare_self,
    competition_ranks,
    integer_weights,
    krippendorff_alpha,
    rank_confidence,
    reconciliation_flags,
    region_kind,
    round_half_up,
    score,
    validate_rows,
    weight_sensitivity,
)
from tests.core.rubric_factory import desa, make_rubric

Record = tuple[str, str, str, int | None]


def by_code(ranking: Ranking) -> dict[str, DesaResult]:
    return {result.code: result for result in ranking.results()}


def run(
    rubric_aspects: Sequence[Sequence[str | int]], records: Sequence[Record], **options: object
) -> dict[str, DesaResult]:
    rubric = make_rubric(rubric_aspects, **options)  # type: ignore[arg-type]
    return by_code(score(rubric, AssessmentRows.from_records(rubric, records)))


# --- Rule 2: aggregation, NA, missing rows -------------------------------------------------------------------


def test_rule_mean_of_assessors_worked_example_with_decimal_weights() -> None:
    # Aspect A1: I1 (2.5), I2 (1.5); aspect A2: I3 (1). Two assessors a, b.
    # I1: (4 + 3) / 2 = 3.5; I2: (2 + 2) / 2 = 2; I3: (1 + 4) / 2 = 2.5.
    # index = 100 * (2.5*3.5/4 + 1.5*2/4 + 1*2.5/4) / 5 = 100 * 14.25 / 20 = 71.25 -> "Baik" (60 <= 71.25 < 80)
    # A1 = 100 * (2.5*3.5 + 1.5*2) / (4 * 4) = 100 * 11.75 / 16 = 73.4375 -> shown 73.44
    # A2 = 100 * 2.5 / 4 = 62.5
    records = [
        (desa(1), "I1", "a", 4),
        (desa(1), "I1", "b", 3),
        (desa(1), "I2", "a", 2),
        (desa(1), "I2", "b", 2),
        (desa(1), "I3", "a", 1),
        (desa(1), "I3", "b", 4),
    ]
    result = run([["2.5", "1.5"], ["1"]], records)[desa(1)]
    assert result.index == Fraction(7125, 100)
    assert result.shown_index == Decimal("71.25")
    assert result.predikat == "Baik"
    assert result.aspects == (Decimal("73.44"), Decimal("62.50"))
    assert result.complete
    assert result.rank == 1


def test_rule_median_odd_count_is_middle_value() -> None:
    # levels 0, 3, 4: median 3 -> 100 * 3/4 = 75 (the mean, 7/3, would give 58.33)
    records = [(desa(1), "I1", "a", 0), (desa(1), "I1", "b", 3), (desa(1), "I1", "c", 4)]
    assert run([["1"]], records, aggregation="median")[desa(1)].index == 75


def test_rule_median_even_count_is_mean_of_middle_two() -> None:
    # levels 1, 2, 4, 4: middle two are 2 and 4 -> median 3 -> index 75 (the mean, 2.75, would give 68.75)
    records = [(desa(1), "I1", x, level) for x, level in zip("abcd", (4, 1, 4, 2), strict=True)]
    assert run([["1"]], records, aggregation="median")[desa(1)].index == 75
    # two levels 1 and 2: median 1.5 -> 100 * 1.5 / 4 = 37.5
    records = [(desa(1), "I1", "a", 1), (desa(1), "I1", "b", 2)]
    assert run([["1"]], records, aggregation="median")[desa(1)].index == Fraction(75, 2)


def test_rule_na_rows_are_ignored() -> None:
    # I1 (w 3): (4 + 2) / 2 = 3; I2 (w 1, NA allowed): a = NA, b = 1 -> 1 (the NA is not a zero)
    # index = 100 * (3*3/4 + 1*1/4) / 4 = 100 * 10 / 16 = 62.5
    records = [(desa(1), "I1", "a", 4), (desa(1), "I1", "b", 2), (desa(1), "I2", "a", None), (desa(1), "I2", "b", 1)]
    assert run([["3", "1"]], records, allow_na=["I2"])[desa(1)].index == Fraction(125, 2)


def test_rule_all_na_makes_indicator_not_applicable_and_leaves_denominator() -> None:
    # I2 NA for both assessors: index = 100 * (3 * 3/4) / 3 = 75 (not 100 * 9/4 / 4 = 56.25)
    records = [(desa(1), "I1", "a", 4), (desa(1), "I1", "b", 2), (desa(1), "I2", "a", None), (desa(1), "I2", "b", None)]
    result = run([["3", "1"]], records, allow_na=["I2"])[desa(1)]
    assert result.index == 75
    assert result.complete


def test_rule_na_not_allowed_is_input_error() -> None:
    rubric = make_rubric([["1", "1"]], allow_na=["I2"])
    rows = AssessmentRows.from_records(rubric, [(desa(1), "I1", "a", None), (desa(1), "I2", "a", None)])
    problems = validate_rows(rubric, rows)
    assert [p.row for p in problems] == [0]
    assert "NA tidak diizinkan" in problems[0].message
    with pytest.raises(ScoringInputError):
        score(rubric, rows)


def test_rule_missing_row_scores_minimum_and_marks_incomplete() -> None:
    # desa 1 has no row for I2 (weight 1): it counts as level 0: 100 * (3 * 3/4 + 0) / 4 = 56.25, lengkap = tidak
    records = [(desa(1), "I1", "a", 4), (desa(1), "I1", "b", 2), (desa(2), "I1", "a", 1), (desa(2), "I2", "a", 1)]
    results = run([["3", "1"]], records)
    assert results[desa(1)].index == Fraction(5625, 100)
    assert not results[desa(1)].complete
    assert results[desa(2)].complete


def test_rule_desa_without_rows_is_incomplete_at_minimum() -> None:
    rubric = make_rubric([["1"]])
    rows = AssessmentRows.from_records(rubric, [(desa(1), "I1", "a", 2)], desa_codes=[desa(1), desa(2)])
    results = by_code(score(rubric, rows))
    assert results[desa(2)].index == 0
    assert not results[desa(2)].complete
    assert results[desa(2)].rank == 2


def test_rule_level_off_scale_is_input_error() -> None:
    rubric = make_rubric([["1"]], scale=(1, 5))
    rows = AssessmentRows.from_records(
        rubric, [(desa(1), "I1", "a", 3), (desa(1), "I1", "b", 0), (desa(2), "I1", "a", 6)]
    )
    assert [p.row for p in validate_rows(rubric, rows)] == [1, 2]


def test_rule_duplicate_rows_are_input_error() -> None:
    rubric = make_rubric([["1", "1"]])
    records: list[Record] = [
        (desa(2), "I2", "b", 1),
        (desa(1), "I1", "a", 3),
        (desa(2), "I1", "a", 1),
        (desa(1), "I1", "a", 4),
    ]
    problems = validate_rows(rubric, AssessmentRows.from_records(rubric, records))
    assert [p.row for p in problems] == [3]
    assert "baris ganda" in problems[0].message
    # the same assessor on another indicator, or another assessor, is not a duplicate
    assert validate_rows(rubric, AssessmentRows.from_records(rubric, records[:3])) == ()
    # rows grouped by desa and indicator (the usual export), the twin two rows back
    grouped: list[Record] = [
        (desa(1), "I1", "b", 1),
        (desa(1), "I1", "a", 2),
        (desa(1), "I1", "b", 3),
        (desa(1), "I2", "a", 1),
        (desa(1), "I2", "b", 1),
    ]
    assert [p.row for p in validate_rows(rubric, AssessmentRows.from_records(rubric, grouped))] == [2]
    assert validate_rows(rubric, AssessmentRows.from_records(rubric, grouped[1:])) == ()
    # assessors out of order inside a cell, without a twin, is fine
    unordered: list[Record] = [(desa(1), "I1", "b", 1), (desa(1), "I1", "a", 2), (desa(1), "I2", "a", 1)]
    assert validate_rows(rubric, AssessmentRows.from_records(rubric, unordered)) == ()


def test_rule_malformed_region_code_is_input_error() -> None:
    rubric = make_rubric([["1"]])
    for bad in ("64.09.04.200", "64.9.04.2002", "64.09.04.5002", "64-09-04-2002", "64.09.04.２００２"):
        problems = validate_rows(
            rubric, AssessmentRows.from_records(rubric, [(desa(1), "I1", "a", 1), (bad, "I1", "a", 1)])
        )
        assert [p.row for p in problems] == [1], bad
        assert "kode wilayah" in problems[0].message


# --- Rule 3: index and aspect scores -------------------------------------------------------------------------


def test_rule_index_on_a_scale_of_one_to_five() -> None:
    # scale 1-5: I1 = 5 -> (5-1)/4 = 1, I2 = 2 -> (2-1)/4 = 0.25; index = 100 * 1.25 / 2 = 62.5
    records = [(desa(1), "I1", "a", 5), (desa(1), "I2", "a", 2)]
    assert run([["1", "1"]], records, scale=(1, 5))[desa(1)].index == Fraction(125, 2)


def test_rule_aspect_score_empty_when_no_indicator_applicable() -> None:
    records = [(desa(1), "I1", "a", 2), (desa(1), "I2", "a", None)]
    result = run([["1"], ["1"]], records, allow_na=["I2"])[desa(1)]
    assert result.aspects == (Decimal("50.00"), None)
    assert result.index == 50


def test_rule_desa_without_applicable_indicator_has_empty_index_and_ranks_last() -> None:
    records = [(desa(1), "I1", "a", None), (desa(2), "I1", "a", 0)]
    results = run([["1"]], records, allow_na=["I1"])
    assert results[desa(1)].index is None
    assert results[desa(1)].predikat is None
    assert results[desa(2)].rank == 1
    assert results[desa(1)].rank == 2


# --- Rule 4: exactness, rounding, predikat -------------------------------------------------------------------


def test_rule_equal_exact_indices_are_equal_whatever_the_arithmetic_path() -> None:
    # Weights 0.1, 0.2, 0.3. desa 1: I1 = I2 = 4, I3 = 0 -> 100 * (0.1 + 0.2) / 0.6 = 50
    # desa 2: I3 = 4, the others 0 -> 100 * 0.3 / 0.6 = 50. In floats 0.1*4 + 0.2*4 != 0.3*4, which would split them.
    assert 0.1 * 4 + 0.2 * 4 != 0.3 * 4
    records = [
        (desa(1), "I1", "a", 4),
        (desa(1), "I2", "a", 4),
        (desa(1), "I3", "a", 0),
        (desa(2), "I1", "a", 0),
        (desa(2), "I2", "a", 0),
        (desa(2), "I3", "a", 4),
    ]
    results = run([["0.1", "0.2", "0.3"]], records, tie_break=[])
    assert results[desa(1)].index == results[desa(2)].index == 50
    assert results[desa(1)].rank == results[desa(2)].rank == 1
    assert results[desa(1)].tied and results[desa(2)].tied


def test_rule_equal_indices_through_different_na_denominators_and_input_orders() -> None:
    # desa 1: I1 (w 1) = 4, I2 (w 2) = 2, I3 (w 3, NA) -> 100 * (4 + 4) / (4 * 3) = 66.67 (200/3)
    # desa 2: I1 = 4, I2 = 2, I3 = 8/3 via mean of 3, 3, 2 -> 100 * (4 + 4 + 8) / (4 * 6) = 200/3
    base: list[Record] = [
        (desa(1), "I1", "a", 4),
        (desa(1), "I2", "a", 2),
        (desa(1), "I3", "a", None),
        (desa(2), "I1", "a", 4),
        (desa(2), "I2", "a", 2),
        (desa(2), "I3", "a", 3),
        (desa(2), "I3", "b", 3),
        (desa(2), "I3", "c", 2),
        (desa(2), "I1", "b", 4),
        (desa(2), "I2", "b", 2),
        (desa(2), "I1", "c", 4),
        (desa(2), "I2", "c", 2),
    ]
    for records in (base, base[::-1]):
        results = run([["1", "2", "3"]], records, allow_na=["I3"], tie_break=[])
        assert results[desa(1)].index == results[desa(2)].index == Fraction(200, 3)
        assert results[desa(1)].rank == results[desa(2)].rank == 1


def test_rule_shown_index_rounds_half_up_on_exact_value() -> None:
    # I1 (w 1): levels 0 and 1 -> 0.5; I2 (w 99): 0. index = 100 * (1 * 0.5/4) / 100 = 0.125 exactly -> 0.13
    # (round-half-even would give 0.12). Bands: 0.13 and up is "B", so the predikat follows the shown value.
    bands = (Band(Decimal(0), "A"), Band(Decimal("0.13"), "B"))
    records = [(desa(1), "I1", "a", 0), (desa(1), "I1", "b", 1), (desa(1), "I2", "a", 0), (desa(1), "I2", "b", 0)]
    result = run([["1", "99"]], records, bands=bands)[desa(1)]
    assert result.index == Fraction(1, 8)
    assert result.shown_index == Decimal("0.13")
    assert result.predikat == "B"
    assert round_half_up(Fraction(12345, 1000)) == Decimal("12.35")
    assert round_half_up(Fraction(-1, 8)) == Decimal("-0.13")


def test_rule_predikat_is_band_with_highest_min_not_above_shown_index() -> None:
    # index 100 * 3/4 = 75 -> Baik (60); 100 * 4/4 = 100 -> Sangat Baik (80); 25 -> Kurang (0); 40 -> Cukup (40)
    records = [
        (desa(1), "I1", "a", 3),
        (desa(2), "I1", "a", 4),
        (desa(3), "I1", "a", 1),
        (desa(4), "I1", "a", 2),
        (desa(4), "I1", "b", 2),
        (desa(4), "I1", "c", 2),
        (desa(4), "I1", "d", 0),
        (desa(4), "I1", "e", 2),
    ]
    # desa 4: (2+2+2+0+2)/5 = 1.6 -> 100 * 1.6 / 4 = 40 exactly -> Cukup
    results = run([["1"]], records)
    assert [results[desa(k)].predikat for k in (1, 2, 3, 4)] == ["Baik", "Sangat Baik", "Kurang", "Cukup"]


def test_rule_float_key_is_order_exact_against_fractions() -> None:
    rng = np.random.default_rng(7)
    numerator = rng.integers(0, 10**6, 5000)
    weight = rng.integers(1, 10**4, 5000)
    numerator[:100] = numerator[100:200] * 3
    weight[:100] = weight[100:200] * 3  # equal rationals with different denominators
    codes = _order_codes([_order_key(numerator, weight)])
    fractions = [Fraction(int(a), int(b)) for a, b in zip(numerator, weight, strict=True)]
    position = {f: i for i, f in enumerate(sorted(set(fractions), reverse=True))}
    expected = np.array([position[f] for f in fractions])
    assert np.array_equal(codes, expected)


def test_rule_fraction_fallback_when_the_float_bound_fails() -> None:
    # 2**53 + 1 over 1 and 2**53 over 1 round to the same float: the exact fallback must keep them apart.
    numerator = np.array([2**53 + 1, 2**53, 1], dtype=object)
    weight = np.array([1, 1, 3], dtype=object)
    assert float(2**53 + 1) == float(2**53)
    assert list(_order_codes([_order_key(numerator, weight)])) == [0, 1, 2]


def test_rule_integer_weights_keep_ratios() -> None:
    rubric = make_rubric([["2.5", "1.25"], ["0.5"]])
    assert integer_weights(rubric) == [10, 5, 2]


# --- Rule 5: eligibility -------------------------------------------------------------------------------------


def test_rule_only_eligible_kinds_take_part_kind_from_code() -> None:
    records = [("64.09.04.1001", "I1", "a", 4), ("64.09.04.2001", "I1", "a", 2), ("64.09.04.3001", "I1", "a", 3)]
    results = run([["1"]], records)
    assert set(results) == {"64.09.04.2001", "64.09.04.3001"}
    assert results["64.09.04.3001"].rank == 1  # the kelurahan's 4 takes no place
    assert region_kind("64.09.04.1001") == "kelurahan"
    assert region_kind("64.09.04.3001") == "desa_adat"
    assert region_kind("64.09.04") is None


def test_rule_kind_from_region_table_wins_over_code() -> None:
    rubric = make_rubric([["1"]])
    rows = AssessmentRows.from_records(
        rubric, [(desa(1), "I1", "a", 4), (desa(2), "I1", "a", 2), ("64.09.04.1003", "I1", "a", 1)]
    )
    ranking = score(rubric, rows, kinds={desa(1): "kelurahan", "64.09.04.1003": "desa"})
    assert set(ranking.desa_codes) == {desa(2), "64.09.04.1003"}


def test_rule_eligible_list_comes_from_rubric() -> None:
    records = [("64.09.04.1001", "I1", "a", 4), ("64.09.04.2001", "I1", "a", 2)]
    assert set(run([["1"]], records, eligible=["kelurahan"])) == {"64.09.04.1001"}


# --- Rule 6: ordering, tie-break cascade, competition ranking, groups ----------------------------------------


def test_rule_tie_broken_by_heaviest_aspect_first() -> None:
    # A1: I1 (w 1); A2: I2 (w 2), I3 (w 1): A2 is heavier, so it decides first although it comes second.
    # desa 1: 4, 2, 2 -> sum w*L = 4 + 4 + 2 = 10; A1 = 100, A2 = 100 * 6/12 = 50
    # desa 2: 2, 3, 2 -> 2 + 6 + 2 = 10 (same index 62.5); A1 = 50, A2 = 100 * 8/12 = 66.67 -> desa 2 first
    records = [
        (desa(1), "I1", "a", 4),
        (desa(1), "I2", "a", 2),
        (desa(1), "I3", "a", 2),
        (desa(2), "I1", "a", 2),
        (desa(2), "I2", "a", 3),
        (desa(2), "I3", "a", 2),
    ]
    results = run([["1"], ["2", "1"]], records)
    assert results[desa(1)].index == results[desa(2)].index == Fraction(125, 2)
    assert (results[desa(2)].rank, results[desa(1)].rank) == (1, 2)
    assert not results[desa(1)].tied


def test_rule_equal_aspect_weights_keep_rubric_order() -> None:
    # A1: I1 (w 2); A2: I2 (w 1), I3 (w 1): equal weights, so A1 (first in the rubric) decides first.
    # desa 1: 4, 2, 0 -> 8 + 2 = 10, A1 = 100, A2 = 25; desa 2: 3, 2, 2 -> 6 + 4 = 10, A1 = 75, A2 = 50
    records = [
        (desa(1), "I1", "a", 4),
        (desa(1), "I2", "a", 2),
        (desa(1), "I3", "a", 0),
        (desa(2), "I1", "a", 3),
        (desa(2), "I2", "a", 2),
        (desa(2), "I3", "a", 2),
    ]
    results = run([["2"], ["1", "1"]], records)
    assert (results[desa(1)].rank, results[desa(2)].rank) == (1, 2)


def test_rule_tie_broken_by_named_aspect() -> None:
    records = [
        (desa(1), "I1", "a", 4),
        (desa(1), "I2", "a", 2),
        (desa(1), "I3", "a", 0),
        (desa(2), "I1", "a", 3),
        (desa(2), "I2", "a", 2),
        (desa(2), "I3", "a", 2),
    ]
    # same data as above, but the cascade names A2 first: desa 2 (A2 = 50) beats desa 1 (A2 = 25)
    results = run([["2"], ["1", "1"]], records, tie_break=["aspect:A2"])
    assert (results[desa(2)].rank, results[desa(1)].rank) == (1, 2)


def test_rule_tie_broken_by_top_levels_then_zero_levels() -> None:
    # One aspect, weights 1, 1, 1, so every aspect score equals the index: sums 6 -> index 50 for all three.
    # desa 1: 4, 1, 1 -> one top level, no zero; desa 2: 4, 2, 0 -> one top, one zero; desa 3: 3, 3, 0 -> no top.
    records = [
        (desa(1), "I1", "a", 4),
        (desa(1), "I2", "a", 1),
        (desa(1), "I3", "a", 1),
        (desa(2), "I1", "a", 4),
        (desa(2), "I2", "a", 2),
        (desa(2), "I3", "a", 0),
        (desa(3), "I1", "a", 3),
        (desa(3), "I2", "a", 3),
        (desa(3), "I3", "a", 0),
    ]
    results = run([["1", "1", "1"]], records)
    assert [results[desa(k)].rank for k in (1, 2, 3)] == [1, 2, 3]
    # top levels alone cannot separate desa 1 and 2
    results = run([["1", "1", "1"]], records, tie_break=["top_levels"])
    assert [results[desa(k)].rank for k in (1, 2, 3)] == [1, 1, 3]


def test_rule_empty_aspect_score_sorts_below_any_number() -> None:
    # desa 1: I1 = 2, I2 = NA -> index 50, A2 empty; desa 2: I1 = 4, I2 = 0 -> index 50, A2 = 0 -> desa 2 first
    records = [(desa(1), "I1", "a", 2), (desa(1), "I2", "a", None), (desa(2), "I1", "a", 4), (desa(2), "I2", "a", 0)]
    results = run([["1"], ["1"]], records, allow_na=["I2"], tie_break=["aspect:A2"])
    assert (results[desa(2)].rank, results[desa(1)].rank) == (1, 2)


def test_rule_standard_competition_ranking_shares_rank_and_marks_seri() -> None:
    # indices 100, 50, 50, 25 -> ranks 1, 2, 2, 4; the two 50s are seri
    records = [(desa(1), "I1", "a", 4), (desa(2), "I1", "a", 2), (desa(3), "I1", "a", 2), (desa(4), "I1", "a", 1)]
    results = run([["1"]], records)
    assert [results[desa(k)].rank for k in (1, 2, 3, 4)] == [1, 2, 2, 4]
    assert [results[desa(k)].tied for k in (1, 2, 3, 4)] == [False, True, True, False]
    assert list(competition_ranks(np.array([3, 0, 1, 1]))) == [4, 1, 2, 2]


def test_rule_never_ordered_by_code_or_input_order() -> None:
    records = [(desa(9), "I1", "a", 2), (desa(1), "I1", "a", 2), (desa(5), "I1", "a", 2)]
    for order in (records, records[::-1], records[1:] + records[:1]):
        results = run([["1"]], order)
        assert {r.rank for r in results.values()} == {1}
    rubric = make_rubric([["1"]])
    ranking = score(rubric, AssessmentRows.from_records(rubric, records))
    assert [r.code for r in ranking.results()] == [desa(1), desa(5), desa(9)]  # published order: rank, then code


def test_rule_kabupaten_and_kecamatan_ranks_from_code() -> None:
    # 64.09.04.2001 (100), 64.09.01.2001 (75), 64.09.04.2002 (50), 64.01.01.2001 (25), 64.09.04.2003 (50)
    records = [
        ("64.09.04.2001", "I1", "a", 4),
        ("64.09.01.2001", "I1", "a", 3),
        ("64.09.04.2002", "I1", "a", 2),
        ("64.01.01.2001", "I1", "a", 1),
        ("64.09.04.2003", "I1", "a", 2),
    ]
    results = run([["1"]], records)
    got = {code: (r.rank, r.rank_kabupaten, r.rank_kecamatan) for code, r in results.items()}
    assert got == {
        "64.09.04.2001": (1, 1, 1),
        "64.09.01.2001": (2, 2, 1),
        "64.09.04.2002": (3, 3, 2),
        "64.09.04.2003": (3, 3, 2),
        "64.01.01.2001": (5, 1, 1),
    }


# --- Rule 7: reconciliation ----------------------------------------------------------------------------------


def test_rule_reconciliation_flag_at_threshold() -> None:
    rubric = make_rubric([["1", "1", "1"]], allow_na=["I3"])
    records: list[Record] = [
        (desa(1), "I1", "a", 1),
        (desa(1), "I1", "b", 3),  # spread 2: flagged
        (desa(1), "I2", "a", 1),
        (desa(1), "I2", "b", 2),  # spread 1: not flagged
        (desa(1), "I3", "a", None),
        (desa(1), "I3", "b", 4),
    ]  # NA does not count
    flags = reconciliation_flags(rubric, AssessmentRows.from_records(rubric, records))
    assert list(zip(flags.desa, flags.indicator, flags.spread, strict=True)) == [(0, 0, 2)]
    strict = make_rubric([["1", "1", "1"]], allow_na=["I3"], threshold=1)
    assert len(reconciliation_flags(strict, AssessmentRows.from_records(strict, records))) == 2


# --- Rule 8: self vs verified --------------------------------------------------------------------------------


def test_rule_self_vs_verified_mean_gap_and_flag() -> None:
    rubric = make_rubric([["1"] * 5], allow_na=["I5"])
    verified = [(desa(1), f"I{k}", "a", level) for k, level in zip(range(1, 6), (0, 2, 4, 1, None), strict=True)]
    verified += [(desa(2), "I1", "a", 2)]
    rows = AssessmentRows.from_records(rubric, verified)
    # desa 1: self 3, 2, 4, 1 vs verified 0, 2, 4, 1 -> gaps 3, 0, 0, 0 -> mean 3/4; one large gap of four = 25%
    # (I5 is NA for the assessor, so it is not compared). desa 2: self 3 vs 2 -> 1, no large gap.
    mine = SelfLevels.from_records(
        rubric,
        rows,
        [
            (desa(1), "I1", 3),
            (desa(1), "I2", 2),
            (desa(1), "I3", 4),
            (desa(1), "I4", 1),
            (desa(1), "I5", 4),
            (desa(2), "I1", 3),
        ],
    )
    comparison = compare_self(rubric, rows, mine)
    assert comparison.mean_gap(0) == Fraction(3, 4)
    assert list(comparison.compared) == [4, 1]
    assert list(comparison.flagged) == [True, False]
    # one large gap in six compared indicators (17%) is below 20%: no flag
    rubric6 = make_rubric([["1"] * 6])
    rows6 = AssessmentRows.from_records(rubric6, [(desa(1), f"I{k}", "a", 0) for k in range(1, 7)])
    mine6 = SelfLevels.from_records(rubric6, rows6, [(desa(1), "I1", 2)] + [(desa(1), f"I{k}", 0) for k in range(2, 7)])
    assert not compare_self(rubric6, rows6, mine6).flagged[0]


# --- Rule 9: reliability -------------------------------------------------------------------------------------

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", the 4-observer, 12-unit example (values 1-5,
# None = missing): ordinal alpha 0.815, nominal 0.743.
KRIPPENDORFF_2011 = {
    "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    "C": [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
}


def krippendorff_rows() -> tuple[object, AssessmentRows]:
    rubric = make_rubric([["1"]], scale=(1, 5))
    records = [
        (desa(unit), "I1", observer, value)
        for observer, values in KRIPPENDORFF_2011.items()
        for unit, value in enumerate(values)
        if value is not None
    ]
    return rubric, AssessmentRows.from_records(rubric, records)


def test_rule_krippendorff_alpha_reproduces_krippendorff_2011() -> None:
    rubric, rows = krippendorff_rows()
    alpha, units, per_indicator = krippendorff_alpha(rubric, rows)  # type: ignore[arg-type]
    assert alpha is not None
    assert round_half_up(alpha, 3) == Decimal("0.815")
    assert units == 11  # unit 12 has a single value and is not pairable
    assert per_indicator[0].alpha == alpha


def test_rule_alpha_nominal_metric_reproduces_krippendorff_2011() -> None:
    from assessment.scoring import _checked_cells, _coincidences_by_indicator

    rubric, rows = krippendorff_rows()
    coincidences, _ = _coincidences_by_indicator(_checked_cells(rubric, rows), 1)  # type: ignore[arg-type]
    nominal = alpha_from_coincidences(coincidences[0], "nominal")
    assert nominal is not None
    assert round_half_up(nominal, 3) == Decimal("0.743")


def test_rule_alpha_per_indicator_and_perfect_agreement() -> None:
    rubric = make_rubric([["1", "1"]])
    # I1: both assessors agree on every unit (alpha 1); I2: they always disagree in opposite directions
    records = [(desa(k), "I1", x, k % 5) for k in range(5) for x in "ab"]
    records += [(desa(k), "I2", "a", 0 if k % 2 else 4) for k in range(5)]
    records += [(desa(k), "I2", "b", 4 if k % 2 else 0) for k in range(5)]
    _, units, per_indicator = krippendorff_alpha(rubric, AssessmentRows.from_records(rubric, records))
    assert per_indicator[0].alpha == 1
    assert per_indicator[1].alpha is not None and per_indicator[1].alpha < 0
    assert units == 10


def test_rule_assessor_severity_is_mean_signed_difference_from_the_others() -> None:
    rubric = make_rubric([["1", "1"]])
    # item desa1/I1: a 1, b 3, c 2 -> a: 1 - 2.5 = -1.5; item desa1/I2: a 0, b 4 -> a: -4; item desa2/I1: a alone
    records = [
        (desa(1), "I1", "a", 1),
        (desa(1), "I1", "b", 3),
        (desa(1), "I1", "c", 2),
        (desa(1), "I2", "a", 0),
        (desa(1), "I2", "b", 4),
        (desa(2), "I1", "a", 4),
    ]
    severity = {s.assessor: s for s in assessor_severity(rubric, AssessmentRows.from_records(rubric, records))}
    assert severity["a"].items == 2
    assert severity["a"].mean_difference == Fraction(-11, 4)  # (-1.5 - 4) / 2
    # b: item 1: 3 - (1 + 2)/2 = 1.5; item 2: 4 - 0 = 4 -> 11/4. c: 2 - (1 + 3)/2 = 0
    assert severity["b"].mean_difference == Fraction(11, 4)
    assert severity["c"].mean_difference == 0


# --- Rule 10: rank confidence --------------------------------------------------------------------------------


def test_rule_bootstrap_multiset_probabilities() -> None:
    sets, probability = _multisets(2)
    assert sets.tolist() == [[2, 0], [1, 1], [0, 2]]
    assert probability.tolist() == [0.25, 0.5, 0.25]
    sets3, probability3 = _multisets(3)
    assert len(sets3) == 10 and abs(probability3.sum() - 1) < 1e-12


def bootstrap_case() -> tuple[object, AssessmentRows, Ranking]:
    rubric = make_rubric([["1"]])
    records: list[Record] = [
        (desa(1), "I1", "a", 4),
        (desa(1), "I1", "b", 0),  # mean 2, resamples 0, 2 or 4
        (desa(2), "I1", "a", 3),
    ]  # one assessor: always 3
    records += [(desa(k), "I1", "a", 1) for k in range(3, 6)]  # three desa always at 1
    rows = AssessmentRows.from_records(rubric, records)
    return rubric, rows, score(rubric, rows)


def test_rule_bootstrap_rank_interval_and_top3() -> None:
    rubric, rows, ranking = bootstrap_case()
    confidence = rank_confidence(rubric, rows, ranking, resamples=400, seed=11)  # type: ignore[arg-type]
    j1, j2 = ranking.position(desa(1)), ranking.position(desa(2))
    # desa 1 draws {a, a} (4: rank 1) 1/4, {a, b} (2: rank 2) 1/2, {b, b} (0: behind all four others, rank 5)
    # 1/4 of the time: the 5% quantile is 1, the 95% quantile 5
    assert (confidence.rank_min[j1], confidence.rank_max[j1]) == (1, 5)
    assert abs(float(confidence.p_top3(j1)) - 0.75) < 0.08
    # desa 2 (75) is 2nd when desa 1 draws {a, a} (100), otherwise 1st
    assert confidence.rank_min[j2] == 1 and confidence.rank_max[j2] == 2
    assert confidence.p_top3(j2) == 1
    j3 = ranking.position(desa(3))
    # the three desa at 1 are 3rd together, or 2nd when desa 1 falls to 0
    assert confidence.rank_min[j3] == 2 and confidence.rank_max[j3] == 3


def test_rule_bootstrap_same_seed_same_output() -> None:
    rubric, rows, ranking = bootstrap_case()
    first = rank_confidence(rubric, rows, ranking, resamples=50, seed=3)  # type: ignore[arg-type]
    again = rank_confidence(rubric, rows, ranking, resamples=50, seed=3)  # type: ignore[arg-type]
    assert np.array_equal(first.rank_min, again.rank_min)
    assert np.array_equal(first.rank_max, again.rank_max)
    assert np.array_equal(first.top3, again.top3)


def test_rule_bootstrap_resamples_median_rubric() -> None:
    rubric = make_rubric([["1"]], aggregation="median")
    records = [(desa(1), "I1", x, level) for x, level in zip("abc", (0, 4, 4), strict=True)]
    records += [(desa(2), "I1", "a", 3)]
    rows = AssessmentRows.from_records(rubric, records)
    ranking = score(rubric, rows)
    confidence = rank_confidence(rubric, rows, ranking, resamples=300, seed=5)
    j1 = ranking.position(desa(1))
    # median 4 unless at least two of three draws are the 0 (probability 7/27): then it falls below desa 2
    assert ranking.rank[j1] == 1
    assert (confidence.rank_min[j1], confidence.rank_max[j1]) == (1, 2)


def test_rule_weight_sensitivity_share_of_runs_rank_holds() -> None:
    rubric = make_rubric([["1", "1"]])
    # desa 1 (4, 4) is first and desa 4 (0, 0) last under any weights. desa 2 (4, 0) and desa 3 (0, 4) share rank 2;
    # a run keeps desa 2 at 2 when factor 1 >= factor 2 and desa 3 at 2 when factor 2 >= factor 1 (both when equal,
    # 1 in 41), so each holds in about half of the runs and together in at least every run.
    records = [
        (desa(1), "I1", "a", 4),
        (desa(1), "I2", "a", 4),
        (desa(2), "I1", "a", 4),
        (desa(2), "I2", "a", 0),
        (desa(3), "I1", "a", 0),
        (desa(3), "I2", "a", 4),
        (desa(4), "I1", "a", 0),
        (desa(4), "I2", "a", 0),
    ]
    rows = AssessmentRows.from_records(rubric, records)
    ranking = score(rubric, rows)
    sensitivity = weight_sensitivity(rubric, rows, ranking, runs=200, seed=1)
    held = {code: int(sensitivity.held[ranking.position(code)]) for code in ranking.desa_codes}
    assert held[desa(1)] == 200 and held[desa(4)] == 200
    assert 60 < held[desa(2)] < 140 and 60 < held[desa(3)] < 140
    assert held[desa(2)] + held[desa(3)] >= 200
    again = weight_sensitivity(rubric, rows, ranking, runs=200, seed=1)
    assert np.array_equal(again.held, sensitivity.held)


def test_na_sentinel_is_outside_any_reasonable_scale() -> None:
    assert NA_LEVEL < -(2**30)


def test_scoring_core_imports_only_stdlib_numpy_and_core() -> None:
    from tests.core.test_core_imports import PACKAGE, imported_modules, is_allowed

    modules = imported_modules((PACKAGE / "scoring.py").read_text(encoding="utf-8"))
    assert "numpy" in modules
    assert sorted(module for module in modules if not is_allowed(module)) == []


def test_rule_exact_with_many_decimal_weights_beyond_int64() -> None:
    # Weights with 13 decimals scale to integers near 10**12, so the engine switches to Python integers.
    # I1: (1 + 2 + 4) / 3 = 7/3, I2: 3, I3: NA. index = 100 * (w1 * 7/3 / 4 + w2 * 3/4) / (w1 + w2)
    w1, w2 = Fraction("0.1234567890123"), Fraction("0.9876543210987")
    records = [(desa(1), "I1", x, level) for x, level in zip("abc", (1, 2, 4), strict=True)]
    records += [
        (desa(1), "I2", "a", 3),
        (desa(1), "I3", "a", None),
        (desa(2), "I1", "a", 4),
        (desa(2), "I2", "a", 2),
        (desa(2), "I3", "a", 1),
    ]
    rubric = make_rubric([["0.1234567890123", "0.9876543210987", "0.5"]], allow_na=["I3"])
    ranking = score(rubric, AssessmentRows.from_records(rubric, records))
    assert ranking.index_numerator.dtype == object
    expected = 100 * (w1 * Fraction(7, 3) / 4 + w2 * Fraction(3, 4)) / (w1 + w2)
    result = by_code(ranking)[desa(1)]
    assert result.index == expected
    assert result.shown_index == round_half_up(expected)


def test_rule_bootstrap_without_eligible_desa_is_empty() -> None:
    rubric = make_rubric([["1"]])
    rows = AssessmentRows.from_records(rubric, [("64.09.04.1001", "I1", "a", 2)])
    ranking = score(rubric, rows)
    assert len(ranking) == 0
    confidence = rank_confidence(rubric, rows, ranking, resamples=10, seed=1)
    assert len(confidence.rank_min) == 0


def test_rule_bootstrap_linear_shortcut_gives_the_same_result() -> None:

    rubric = make_rubric([["2.5", "1"], ["1.5"]], allow_na=["I3"])
    rng = np.random.default_rng(3)
    records: list[Record] = []
    for v in range(40):
        for indicator in ("I1", "I2", "I3"):
            for assessor in "abc"[: 1 + v % 3]:
                if v % 7 == 0 and indicator == "I2" and assessor == "a":
                    continue  # an assessor without a row: this desa takes the general path
                level = None if (indicator == "I3" and v % 5 == 0) else int(rng.integers(0, 5))
                records.append((desa(v), indicator, assessor, level))
    rows = AssessmentRows.from_records(rubric, records)
    ranking = score(rubric, rows)
    fast = rank_confidence(rubric, rows, ranking, resamples=100, seed=9)
    general = rank_confidence(rubric, rows, ranking, resamples=100, seed=9, linear_shortcut=False)
    assert np.array_equal(fast.rank_min, general.rank_min)
    assert np.array_equal(fast.rank_max, general.rank_max)
    assert np.array_equal(fast.top3, general.top3)
    assert len(set(fast.rank_max.tolist())) > 3  # the resamples really move desa
