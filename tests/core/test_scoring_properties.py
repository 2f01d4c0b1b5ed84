"""Property tests of the scoring core: invariances a published ranking must have whatever the data."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessment.scoring import AssessmentRows, Ranking, score
from tests.core.rubric_factory import desa, make_rubric

# The CI machine is shared: generation time says nothing about the engine, so the too-slow check is off.
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
RUBRIC = make_rubric([["2", "1.5"], ["1", "0.5"]], allow_na=["I4"])
MEDIAN_RUBRIC = make_rubric([["2", "1.5"], ["1", "0.5"]], allow_na=["I4"], aggregation="median")
Record = tuple[str, str, str, int | None]


@st.composite
def assessments(draw: st.DrawFn) -> list[Record]:
    """A few desa in two kecamatan, up to three assessors, some rows missing, NA where allowed."""
    n_desa = draw(st.integers(2, 6))
    records: list[Record] = []
    for v in range(n_desa):
        code = desa(v, "64.09.04" if v % 2 else "64.01.02")
        for indicator in ("I1", "I2", "I3", "I4"):
            for assessor in "abc":
                choice = draw(st.integers(-2, 4))
                if choice == -2:
                    continue  # no row
                if choice == -1:
                    records.append((code, indicator, assessor, None if indicator == "I4" else 0))
                else:
                    records.append((code, indicator, assessor, choice))
    return records


def published(ranking: Ranking) -> list[tuple[object, ...]]:
    return [
        (
            r.code,
            r.index,
            r.shown_index,
            r.predikat,
            r.rank,
            r.rank_kabupaten,
            r.rank_kecamatan,
            r.complete,
            r.tied,
            r.aspects,
        )
        for r in ranking.results()
    ]


def scored(records: list[Record], median: bool = False) -> Ranking:
    rubric = MEDIAN_RUBRIC if median else RUBRIC
    return score(rubric, AssessmentRows.from_records(rubric, records))


@SETTINGS
@given(assessments(), st.randoms(use_true_random=False), st.booleans())
def test_property_permuting_rows_never_changes_output(records: list[Record], rnd: object, median: bool) -> None:
    shuffled = list(records)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert published(scored(records, median)) == published(scored(shuffled, median))


@SETTINGS
@given(assessments(), st.data(), st.booleans())
def test_property_raising_one_level_never_lowers_that_desa_index(
    records: list[Record], data: st.DataObject, median: bool
) -> None:
    raisable = [k for k, r in enumerate(records) if r[3] is not None and r[3] < 4]
    if not raisable:
        return
    k = data.draw(st.sampled_from(raisable))
    code, indicator, assessor, level = records[k]
    assert level is not None
    raised = [*records[:k], (code, indicator, assessor, level + 1), *records[k + 1 :]]
    before = {r.code: r.index for r in scored(records, median).results()}
    after = {r.code: r.index for r in scored(raised, median).results()}
    assert before[code] is not None and after[code] is not None
    assert Fraction(after[code]) >= Fraction(before[code])


@SETTINGS
@given(assessments(), st.data())
def test_property_adding_or_removing_a_desa_never_swaps_two_others(records: list[Record], data: st.DataObject) -> None:
    codes = sorted({r[0] for r in records})
    if len(codes) < 3:
        return
    gone = data.draw(st.sampled_from(codes))
    full = {r.code: r.rank for r in scored(records).results()}
    fewer = {r.code: r.rank for r in scored([r for r in records if r[0] != gone]).results()}
    others = [c for c in codes if c != gone and c in full]
    for x in others:
        for y in others:
            before = (full[x] > full[y]) - (full[x] < full[y])
            after = (fewer[x] > fewer[y]) - (fewer[x] < fewer[y])
            assert before == after


def as_lists(rows: AssessmentRows) -> tuple[object, ...]:
    return (
        rows.desa_codes,
        rows.assessors,
        rows.desa.tolist(),
        rows.indicator.tolist(),
        rows.assessor.tolist(),
        rows.level.tolist(),
    )


@SETTINGS
@given(assessments(), st.data())
def test_property_selecting_desa_from_built_rows_equals_building_their_records(
    records: list[Record], data: st.DataObject
) -> None:
    """``AssessmentRows.only`` (who is ranked and the engine share one conversion) gives, integer for integer, the
    rows :meth:`AssessmentRows.from_records` builds from the selected desa's records: same desa order (a listed desa
    without rows included), same assessor numbering by first appearance, same row order."""
    codes = sorted({r[0] for r in records})
    chosen = data.draw(st.lists(st.sampled_from([*codes, desa(99)]), unique=True))
    built = AssessmentRows.from_records(RUBRIC, records)
    selected = built.only(chosen)
    expected = AssessmentRows.from_records(RUBRIC, [r for r in records if r[0] in chosen], desa_codes=chosen)
    assert as_lists(selected) == as_lists(expected)
    assert published(score(RUBRIC, selected)) == published(score(RUBRIC, expected))
