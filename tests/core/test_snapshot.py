"""Property tests of the published documents' canonical form: anyone recomputes the same bytes from the levels."""

from __future__ import annotations

import json
import math
from decimal import Decimal
from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessment.publication.snapshot import canonical_bytes, level_rows, rank, ranking_rows
from tests.core.test_scoring_properties import RUBRIC, Record, assessments

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _document(records: list[Record]) -> bytes:
    names = {record[0]: f"Desa {record[0]}" for record in records}
    return canonical_bytes({"level": level_rows(records), "peringkat": ranking_rows(rank(RUBRIC, records), names)})


@SETTINGS
@given(assessments(), st.randoms(use_true_random=False))
def test_snapshot_bytes_independent_of_row_order(records: list[Record], random: object) -> None:
    shuffled = list(records)
    random.shuffle(shuffled)  # type: ignore[attr-defined]
    assert _document(shuffled) == _document(records)


@SETTINGS
@given(assessments())
def test_canonical_json_round_trips(records: list[Record]) -> None:
    data = _document(records)
    assert canonical_bytes(json.loads(data)) == data


@SETTINGS
@given(assessments())
def test_shown_index_is_the_exact_index_rounded_half_up(records: list[Record]) -> None:
    rows = json.loads(_document(records))["peringkat"]
    for row in rows:
        if row["indeks_eksak"] is None:
            assert row["indeks"] is None
            continue
        exact = Fraction(row["indeks_eksak"])
        hundredths = math.floor(exact * 100 + Fraction(1, 2))  # half-up; indices are never negative
        assert Decimal(row["indeks"]) == Decimal(hundredths) / 100
