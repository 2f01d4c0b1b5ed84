"""The field-stage rules that need no app: who is a finalist (ties at the cut), what a field level needs, the
checklist order."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessment.field.rules import checklist_order, field_level_problems, select_finalists
from assessment.scoring import AssessmentRows, Ranking, score
from tests.core.rubric_factory import desa, make_rubric

RUBRIC = make_rubric([[1]])


def ranking_of(levels: dict[str, int | None]) -> Ranking:
    """One indicator, one assessor: the level is the whole index (None: not applicable)."""
    rubric = make_rubric([[1]], allow_na=["I1"])
    records = [(code, "I1", "a", level) for code, level in levels.items()]
    return score(rubric, AssessmentRows.from_records(rubric, records))


def test_finalists_top_n_of_province() -> None:
    ranking = ranking_of({desa(1): 4, desa(2): 3, desa(3): 2, desa(4): 1, desa(5, "64.01.01"): 0})
    assert select_finalists(ranking, "provinsi", 2) == (desa(1), desa(2))


def test_finalists_top_n_of_each_kabupaten() -> None:
    # PPU (64.09): 4, 3, 2; Paser (64.01): 1, 0. The top 2 of each kabupaten, whatever the provincial rank.
    ranking = ranking_of({desa(1): 4, desa(2): 3, desa(3): 2, desa(4, "64.01.01"): 1, desa(5, "64.01.01"): 0})
    assert select_finalists(ranking, "kabupaten", 2) == (desa(1), desa(2), desa(4, "64.01.01"), desa(5, "64.01.01"))


def test_finalists_include_everyone_tied_with_the_last_place() -> None:
    # Ranks 1, 2, 3, 3, 5: with N = 3 both desa tied at the third place are visited (four finalists).
    ranking = ranking_of({desa(1): 4, desa(2): 3, desa(3): 2, desa(4): 2, desa(5): 1})
    assert select_finalists(ranking, "provinsi", 3) == (desa(1), desa(2), desa(3), desa(4))
    # A tie above the cut does not push the cut down: ranks 1, 1, 3 with N = 2 keep only the two tied first.
    ranking = ranking_of({desa(1): 4, desa(2): 4, desa(3): 3})
    assert select_finalists(ranking, "provinsi", 2) == (desa(1), desa(2))


def test_finalists_never_a_desa_without_an_index() -> None:
    ranking = ranking_of({desa(1): 4, desa(2): None})
    assert select_finalists(ranking, "provinsi", 5) == (desa(1),)


def test_finalists_refuse_bad_rule() -> None:
    ranking = ranking_of({desa(1): 4})
    with pytest.raises(ValueError, match="scope"):
        select_finalists(ranking, "kecamatan", 3)
    with pytest.raises(ValueError, match="finalist"):
        select_finalists(ranking, "provinsi", 0)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=4), min_size=1, max_size=12), st.integers(min_value=1, max_value=6))
def test_finalists_property_ties_at_cut(levels: Sequence[int], count: int) -> None:
    """At least min(N, desa) finalists; a desa is a finalist exactly when fewer than N desa score strictly higher."""
    codes = [desa(i + 1) for i in range(len(levels))]
    ranking = ranking_of(dict(zip(codes, levels, strict=True)))
    chosen = set(select_finalists(ranking, "provinsi", count))
    assert len(chosen) >= min(count, len(codes))
    for code, level in zip(codes, levels, strict=True):
        higher = sum(1 for other in levels if other > level)
        assert (code in chosen) == (higher < count)


def test_field_level_needs_scale_and_note() -> None:
    assert field_level_problems(RUBRIC, 3, "Ruang podcast ada dan dipakai.") == []
    assert field_level_problems(RUBRIC, None, "") == []
    assert field_level_problems(RUBRIC, 3, "  ") == ["note"]
    assert field_level_problems(RUBRIC, 7, "x") == ["level"]
    assert field_level_problems(RUBRIC, None, "x" * 2001) == ["note_length"]


def test_checklist_puts_doubted_indicators_first() -> None:
    assert checklist_order(["A1", "A2", "B1", "B2"], {"B2", "A2"}) == ["A2", "B2", "A1", "B1"]
