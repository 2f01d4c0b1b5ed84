"""The engine's fast routes give exactly what its general route gives (they exist only for speed, see bench/)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessment.scoring import (
    NA_LEVEL,
    AssessmentRows,
    ScoringInputError,
    _cell_counts,
    _cell_index,
    _order_codes,
    _parse_codes,
    _refined_codes,
    _regular_counts,
    _validate,
    score,
)
from tests.core.rubric_factory import desa, make_rubric

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
RUBRIC = make_rubric([["2", "1.5"], ["1", "0.5"]], allow_na=["I4"])
MEDIAN_RUBRIC = make_rubric([["2", "1.5"], ["1", "0.5"]], allow_na=["I4"], aggregation="median", scale=(1, 5))


@st.composite
def regular_rows(draw: st.DrawFn) -> tuple[bool, AssessmentRows]:
    """Rows in the layout of a complete export (desa by desa, indicator by indicator, ``m`` rows per cell),
    with now and then what the general route refuses: a repeated assessor, a level off the scale, NA on I1-I3."""
    median = draw(st.booleans())
    rubric = MEDIAN_RUBRIC if median else RUBRIC
    low, high = rubric.scale.min, rubric.scale.max
    n_v, m = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    pool = draw(st.integers(m, 6))
    n_i = len(rubric.indicators)
    desa_index = np.repeat(np.arange(n_v), n_i * m)
    indicator = np.tile(np.repeat(np.arange(n_i), m), n_v)
    assessor, level = [], []
    for _ in range(n_v * n_i):
        team = draw(st.lists(st.integers(0, pool - 1), min_size=m, max_size=m, unique=not draw(st.booleans())))
        assessor.extend(team)
        for _ in range(m):
            choice = draw(st.integers(low - 3, high + 1))
            level.append(NA_LEVEL if choice < low - 1 else choice)
    rows = AssessmentRows(
        tuple(desa(v) for v in range(n_v)),
        tuple(f"asesor{k}" for k in range(pool)),
        desa_index.astype(np.int64),
        indicator.astype(np.int64),
        np.array(assessor, dtype=np.int64),
        np.array(level, dtype=np.int64),
    )
    return median, rows


@SETTINGS
@given(regular_rows())
def test_regular_layout_counts_equal_the_general_route(case: tuple[bool, AssessmentRows]) -> None:
    """Rules 1-2: the complete-export route accepts exactly the rows the general route accepts, with the same
    count patterns and the same pattern of every cell; anything the general route refuses it leaves to it."""
    median, rows = case
    rubric = MEDIAN_RUBRIC if median else RUBRIC
    cell = _cell_index(rubric, rows)
    problems, most, na_rows = _validate(rubric, rows, cell, _parse_codes(rows.desa_codes))
    fast = _regular_counts(rubric, rows)
    if problems:
        assert fast is None
        with pytest.raises(ScoringInputError):
            score(rubric, rows)
        return
    general = _cell_counts(rubric, rows, cell, most, na_rows)
    assert fast is not None
    assert fast.patterns.tolist() == general.patterns.tolist()
    assert fast.code.tolist() == general.code.tolist()


@SETTINGS
@given(regular_rows(), st.randoms(use_true_random=False))
def test_regular_layout_scores_like_the_same_rows_in_any_order(case: tuple[bool, AssessmentRows], rnd: object) -> None:
    """Rule 4: the ranking does not depend on the row order, so it cannot depend on which route counted it."""
    median, rows = case
    rubric = MEDIAN_RUBRIC if median else RUBRIC
    order = list(range(len(rows)))
    rnd.shuffle(order)  # type: ignore[attr-defined]
    if len(order) > 1 and order == sorted(order):
        order.reverse()
    shuffled = AssessmentRows(
        rows.desa_codes,
        rows.assessors,
        rows.desa[order],
        rows.indicator[order],
        rows.assessor[order],
        rows.level[order],
    )
    try:
        expected = score(rubric, shuffled)
    except ScoringInputError as error:
        with pytest.raises(ScoringInputError) as again:
            score(rubric, rows)
        # The same problems, named by other row numbers.
        assert len(again.value.problems) == len(error.problems)
        return
    got = score(rubric, rows)
    assert [(r.code, r.index, r.rank, r.tied, r.aspects, r.complete) for r in got.results()] == [
        (r.code, r.index, r.rank, r.tied, r.aspects, r.complete) for r in expected.results()
    ]
    assert got.flags.desa.tolist() == expected.flags.desa.tolist()
    assert got.flags.indicator.tolist() == expected.flags.indicator.tolist()


@SETTINGS
@given(st.integers(1, 300), st.integers(1, 2000), st.integers(1, 6), st.integers(0, 2**32 - 1))
def test_rule_ranking_integer_keys_order_like_their_float_keys(n: int, spread: int, n_keys: int, seed: int) -> None:
    """Rule 6: an exact integer key (a score over the same applicable weight, or a count) ranks without a sort and
    gives exactly the codes of the same key as floats, whether its range is small or wide."""
    rng = np.random.default_rng(seed)
    keys = [rng.integers(-spread, spread + 1, n) * int(rng.integers(1, 10**6)) for _ in range(n_keys)]
    expected = _order_codes([key.astype(np.float64) for key in keys])
    assert _order_codes(keys).tolist() == expected.tolist()
    assert _refined_codes(keys).tolist() == expected.tolist()


@SETTINGS
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 4)), min_size=1, max_size=60), st.booleans())
def test_rule_ranking_competition_ranks_within_groups(pairs: list[tuple[int, int]], huge_groups: bool) -> None:
    """Rule 6: a desa's rank in its kabupaten or kecamatan is 1 + the desa of its group strictly ahead of it
    (1, 2, 2, 4), both by the packed sort and by the general route (groups too large to pack)."""
    from assessment.scoring import competition_ranks

    codes = np.array([c for c, _ in pairs], dtype=np.int64)
    groups = np.array([g for _, g in pairs], dtype=np.int64) * (2**55 if huge_groups else 1)
    expected = [
        1 + sum(1 for c2, g2 in zip(codes, groups, strict=True) if g2 == g and c2 < c)
        for c, g in zip(codes, groups, strict=True)
    ]
    assert competition_ranks(codes, groups).tolist() == expected


@SETTINGS
@given(st.lists(st.integers(1, 5), min_size=1, max_size=60), st.booleans())
def test_result_order_is_by_rank_then_code(ranks: list[int], code_order: bool) -> None:
    """The published order: rank first, then the code (whether or not the desa came in code order)."""
    from assessment.scoring import _result_order

    number = np.arange(len(ranks), dtype=np.int64) * 7 + 640_904_2001
    if not code_order:
        number = number[::-1].copy()
    rank = np.array(ranks, dtype=np.int64)
    expected = sorted(range(len(ranks)), key=lambda j: (ranks[j], number[j]))
    assert _result_order(rank, number).tolist() == expected


@st.composite
def consistent_teams(draw: st.DrawFn) -> AssessmentRows:
    """A complete export whose every desa lists its team in one order (any order) on every indicator."""
    n_v, m = draw(st.integers(1, 5)), draw(st.integers(1, 4))
    n_i = len(RUBRIC.indicators)
    assessor, level = [], []
    for _ in range(n_v):
        team = draw(st.lists(st.integers(0, 7), min_size=m, max_size=m, unique=True))
        for i in range(n_i):
            assessor.extend(team)
            level.extend(
                draw(
                    st.lists(st.sampled_from([0, 1, 2, 3, 4] + ([NA_LEVEL] if i == 3 else [])), min_size=m, max_size=m)
                )
            )
    return AssessmentRows(
        tuple(desa(v) for v in range(n_v)),
        tuple(f"asesor{k}" for k in range(8)),
        np.repeat(np.arange(n_v), n_i * m),
        np.tile(np.repeat(np.arange(n_i), m), n_v),
        np.array(assessor, dtype=np.int64),
        np.array(level, dtype=np.int64),
    )


@SETTINGS
@given(consistent_teams(), st.randoms(use_true_random=False), st.integers(0, 2**32 - 1))
def test_rule_rank_confidence_same_for_any_row_order(rows: AssessmentRows, rnd: object, seed: int) -> None:
    """Rule 10: the bootstrap numbers each desa's assessors by assessor, not by row, so a complete export (read
    through its teams) and the same rows in another order (read row by row) give the same intervals, seed for
    seed."""
    from assessment.scoring import _consistent_teams, rank_confidence

    order = list(range(len(rows)))
    rnd.shuffle(order)  # type: ignore[attr-defined]
    shuffled = AssessmentRows(
        rows.desa_codes,
        rows.assessors,
        rows.desa[order],
        rows.indicator[order],
        rows.assessor[order],
        rows.level[order],
    )
    m = len(rows) // (len(rows.desa_codes) * len(RUBRIC.indicators))
    assert _consistent_teams(RUBRIC, rows, np.arange(len(rows.desa_codes)), m) is not None
    fast = rank_confidence(RUBRIC, rows, score(RUBRIC, rows), resamples=15, seed=seed)
    general = rank_confidence(RUBRIC, shuffled, score(RUBRIC, shuffled), resamples=15, seed=seed)
    assert fast.rank_min.tolist() == general.rank_min.tolist()
    assert fast.rank_max.tolist() == general.rank_max.tolist()
    assert fast.top3.tolist() == general.top3.tolist()


def test_consistent_teams_refuses_a_team_that_changes_between_indicators() -> None:
    from assessment.scoring import _consistent_teams

    n_i = len(RUBRIC.indicators)
    assessor = np.tile([0, 1], n_i)
    assessor[-2:] = [1, 0]  # the last indicator lists the same team in the other order
    rows = AssessmentRows(
        (desa(0),),
        ("a", "b"),
        np.zeros(2 * n_i, dtype=np.int64),
        np.repeat(np.arange(n_i), 2),
        assessor,
        np.full(2 * n_i, 2, dtype=np.int64),
    )
    assert _consistent_teams(RUBRIC, rows, np.arange(1), 2) is None
