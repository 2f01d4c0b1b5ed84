"""The engine's breakdown of one result: final levels and each indicator's contribution to the index."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given

from assessment.scoring import AssessmentRows, final_levels, index_contributions, score
from tests.core.rubric_factory import desa
from tests.core.test_scoring_properties import MEDIAN_RUBRIC, RUBRIC, SETTINGS, Record, assessments


def test_final_levels_are_the_aggregated_levels() -> None:
    code = desa(0, "64.09.04")
    records: list[Record] = [
        (code, "I1", "a", 1),
        (code, "I1", "b", 4),
        (code, "I2", "a", 3),
        (code, "I4", "a", None),
        (code, "I4", "b", None),
    ]
    rows = AssessmentRows.from_records(RUBRIC, records)
    ranking = score(RUBRIC, rows)
    levels = final_levels(RUBRIC, rows, ranking)
    assert levels.level(0, 0) == Fraction(5, 2)  # mean of 1 and 4
    assert levels.level(0, 1) == 3
    assert levels.level(0, 2) == 0 and bool(levels.missing[0, 2])  # nobody scored I3: the lowest level
    assert levels.level(0, 3) is None  # every row N/A: not applicable


def test_index_contributions_by_hand() -> None:
    # Weights 2, 1.5 | 1, 0.5 (I4 N/A here, so the denominator is 4.5); scale 0-4.
    code = desa(0, "64.09.04")
    records: list[Record] = [(code, "I1", "a", 4), (code, "I2", "a", 2), (code, "I3", "a", 1), (code, "I4", "a", None)]
    rows = AssessmentRows.from_records(RUBRIC, records)
    ranking = score(RUBRIC, rows)
    parts = index_contributions(RUBRIC, final_levels(RUBRIC, rows, ranking), 0)
    assert parts == (
        Fraction(100 * 2 * 4, 4 * Fraction(9, 2)),
        Fraction(100 * Fraction(3, 2) * 2, 4 * Fraction(9, 2)),
        Fraction(100 * 1 * 1, 4 * Fraction(9, 2)),
        None,
    )


@SETTINGS
@given(assessments())
def test_property_contributions_add_up_to_the_exact_index(records: list[Record]) -> None:
    for rubric in (RUBRIC, MEDIAN_RUBRIC):
        rows = AssessmentRows.from_records(rubric, records)
        ranking = score(rubric, rows)
        levels = final_levels(rubric, rows, ranking)
        for j in range(len(ranking)):
            parts = [p for p in index_contributions(rubric, levels, j) if p is not None]
            exact = ranking.exact_index(j)
            assert (sum(parts) if parts else None) == exact
