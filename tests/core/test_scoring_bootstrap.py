"""Fast paths of the scoring core checked against straightforward versions: the bootstrap (rule 10) against re-scoring
every resample with :func:`score`, the rule-6 order codes against a tuple sort, the code check against rule 5."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessment.criteria.model import Rubric
from assessment.scoring import AssessmentRows, rank_confidence, score
from tests.core.rubric_factory import make_rubric
from tests.core.test_scoring_properties import Record, assessments

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
RUBRIC = make_rubric([["2", "1.5"], ["1", "0.5"]], allow_na=["I4"])
MEDIAN_RUBRIC = make_rubric([["2", "1.5"], ["1", "0.5"]], allow_na=["I4"], aggregation="median")
KELURAHAN = "64.09.04.1001"  # not eligible by default: its rows must not take part


def straightforward(
    rubric: Rubric, records: list[Record], resamples: int, seed: int
) -> tuple[list[int], list[int], list[int]]:
    """Rule 10 as written: per resample, each desa draws as many of its assessors as it has (uniformly, with
    replacement: an ordered draw of m out of m, m**m equally likely, from the same seeded generator, desa
    grouped by m in ascending m, then in published-desa order); the drawn assessors' rows (a twice-drawn
    assessor counted twice) are scored and ranked by :func:`score` itself."""
    rows = AssessmentRows.from_records(rubric, records)
    ranking = score(rubric, rows)
    codes = list(ranking.desa_codes)
    team: dict[str, list[str]] = {code: [] for code in codes}
    for code, _, assessor, _ in records:
        if code in team and assessor not in team[code]:
            team[code].append(assessor)
    order = {name: k for k, name in enumerate(rows.assessors)}
    for code in codes:
        team[code].sort(key=order.__getitem__)  # slots follow the assessor numbering
    rng = np.random.default_rng(seed)
    ranks: dict[str, list[int]] = {code: [] for code in codes}
    for _ in range(resamples):
        drawn: dict[str, list[str]] = {}
        for m in sorted({len(t) for t in team.values()}):
            members = [code for code in codes if len(team[code]) == m]
            if m == 1:
                drawn.update({code: list(team[code]) for code in members})
                continue
            for code, ordered in zip(members, rng.integers(0, m**m, size=len(members)).tolist(), strict=True):
                picks = []
                for _ in range(m):
                    ordered, slot = divmod(ordered, m)
                    picks.append(team[code][slot])
                drawn[code] = picks
        resample = [
            (code, indicator, f"{assessor}#{copy}", level)
            for code in codes
            for copy, assessor in enumerate(drawn[code])
            for c, indicator, a, level in records
            if c == code and a == assessor
        ]
        result = score(rubric, AssessmentRows.from_records(rubric, resample, desa_codes=codes))
        for code in codes:
            ranks[code].append(int(result.rank[result.position(code)]))
    low = math.ceil(Fraction(1, 20) * resamples) - 1
    high = math.ceil(Fraction(19, 20) * resamples) - 1
    return (
        [sorted(ranks[code])[low] for code in codes],
        [sorted(ranks[code])[high] for code in codes],
        [sum(r <= 3 for r in ranks[code]) for code in codes],
    )


@SETTINGS
@given(assessments(), st.integers(0, 2**32 - 1), st.booleans(), st.booleans())
def test_rule_bootstrap_equals_rescoring_every_resample(
    records: list[Record], seed: int, median: bool, kelurahan: bool
) -> None:
    rubric = MEDIAN_RUBRIC if median else RUBRIC
    if kelurahan:
        records = [*records, (KELURAHAN, "I1", "a", 4), (KELURAHAN, "I2", "b", 4)]
    rows = AssessmentRows.from_records(rubric, records)
    fast = rank_confidence(rubric, rows, score(rubric, rows), resamples=20, seed=seed)
    low, high, top3 = straightforward(rubric, records, 20, seed)
    assert fast.rank_min.tolist() == low
    assert fast.rank_max.tolist() == high
    assert fast.top3.tolist() == top3


@SETTINGS
@given(st.integers(1, 300), st.integers(1, 4), st.integers(1, 6), st.integers(0, 2**32 - 1))
def test_rule_ranking_order_codes_follow_the_cascade(n: int, distinct: int, n_keys: int, seed: int) -> None:
    """Rule 6 (the cascade as codes): equal codes exactly for equal key tuples, lower codes for better tuples, for
    both ways of computing them (dense ranks for tie-heavy keys, refining the ties otherwise)."""
    from assessment.scoring import _order_codes, _refined_codes

    rng = np.random.default_rng(seed)
    keys = [rng.integers(0, distinct, n).astype(np.float64) / 7 for _ in range(n_keys)]
    keys[0][rng.random(n) < 0.1] = -np.inf  # an empty score sorts below any number
    tuples = [tuple(-float(key[j]) for key in keys) for j in range(n)]
    expected = {value: code for code, value in enumerate(sorted(set(tuples)))}
    assert _order_codes(keys).tolist() == [expected[t] for t in tuples]
    assert _refined_codes(keys).tolist() == [expected[t] for t in tuples]


@SETTINGS
@given(
    st.lists(
        st.one_of(
            st.text(alphabet="0123456789.", min_size=13, max_size=13),
            st.sampled_from(
                [
                    "64.09.04.2001",
                    "64.09.04.1005",
                    "64.09.04.3001",
                    "64.09.04.4001",
                    "64.09.04.200١",
                    "64.09.04.2001 ",
                    "64.09.04.200",
                    "6409.04.20011",
                    "64.09.04.2Ｏ01",
                ]
            ),
            st.text(min_size=0, max_size=15),
        ),
        max_size=30,
    )
)
def test_rule_eligibility_code_check_matches_the_written_rule(codes: list[str]) -> None:
    """Rule 5 / rule 1 (malformed region code): the vectorised check, on its fast ASCII path and its general path,
    flags exactly the codes that are not ``pp.kk.cc.dddd`` with a desa part starting 1, 2 or 3."""
    from assessment.scoring import _is_desa_code, _parse_codes

    parsed = _parse_codes(codes)
    assert parsed.bad == [k for k, code in enumerate(codes) if not _is_desa_code(code)]
    for k, code in enumerate(codes):
        if _is_desa_code(code):
            assert int(parsed.kind_digit[k]) == int(code[9])
            assert int(parsed.number[k]) == int(code.replace(".", ""))
