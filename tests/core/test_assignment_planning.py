"""The automatic assignment plan (:func:`assessment.assignments.planning.plan_assignments`)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from assessment.assignments.planning import plan_assignments


def never(_assessor: int, _desa: str) -> bool:
    return False


def test_plan_gives_each_desa_n_distinct_assessors() -> None:
    plan = plan_assignments(["64.09.04.2003", "64.09.04.2002"], [7, 3, 5], {}, 2, never)
    by_desa: dict[str, list[int]] = {}
    for desa, assessor in plan.pairs:
        by_desa.setdefault(desa, []).append(assessor)
    assert sorted(by_desa) == ["64.09.04.2002", "64.09.04.2003"]
    assert all(len(set(a)) == 2 for a in by_desa.values())
    assert plan.short == ()


def test_plan_never_assigns_a_conflicted_assessor() -> None:
    def conflicted(assessor: int, desa: str) -> bool:
        return assessor == 1 and desa.startswith("64.09.")

    plan = plan_assignments(["64.09.04.2002", "64.01.01.2001"], [1, 2, 3], {}, 2, conflicted)
    assert ("64.09.04.2002", 1) not in plan.pairs
    assert sum(1 for desa, _a in plan.pairs if desa == "64.09.04.2002") == 2


def test_plan_reports_desa_short_of_assessors() -> None:
    plan = plan_assignments(["64.09.04.2002"], [1, 2], {}, 3, never)
    assert plan.short == (("64.09.04.2002", 1),)


def test_plan_counts_existing_assignments_and_load() -> None:
    plan = plan_assignments(
        ["64.09.04.2002", "64.09.04.2003"], [1, 2, 3], {"64.09.04.2002": {1, 2}}, 2, never, load={1: 1, 2: 1}
    )
    assert [p for p in plan.pairs if p[0] == "64.09.04.2002"] == []
    # Assessor 3 carries no load yet, so it is chosen first for the next desa.
    assert plan.pairs[0] == ("64.09.04.2003", 3)


def test_plan_is_deterministic_whatever_the_input_order() -> None:
    first = plan_assignments(["b", "a", "c"], [3, 1, 2], {}, 2, never)
    second = plan_assignments(["c", "a", "b"], [3, 1, 2], {}, 2, never)
    assert sorted(first.pairs) == sorted(second.pairs)


@given(desa=st.integers(1, 30), assessors=st.integers(1, 12), per_desa=st.integers(1, 4))
def test_plan_balances_load_within_one(desa: int, assessors: int, per_desa: int) -> None:
    codes = [f"64.09.04.{2000 + i}" for i in range(desa)]
    plan = plan_assignments(codes, list(range(1, assessors + 1)), {}, per_desa, never)
    load = {a: 0 for a in range(1, assessors + 1)}
    for _desa, assessor in plan.pairs:
        load[assessor] += 1
    assert max(load.values()) - min(load.values()) <= 1
    assert len(plan.pairs) == desa * min(per_desa, assessors)
    assert len(set(plan.pairs)) == len(plan.pairs)
