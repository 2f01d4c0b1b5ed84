"""Rule (who is ranked), :func:`assessment.core.standing.who_is_ranked`: one test per condition, named after the rule,
and a property: every candidate gets exactly one state, and only the fully assessed are ranked."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from assessment.core.standing import BLOCKING, Candidate, State, who_is_ranked, withdrawable
from tests.core.rubric_factory import desa, make_rubric
from tests.core.test_scoring_properties import SETTINGS

RUBRIC = make_rubric([[1, 1]], allow_na=["I1", "I2"])  # I1, I2; threshold 2; desa and desa adat eligible


def full(code: str, levels: tuple[int | None, int | None] = (3, 3), assessors: int = 2) -> list[tuple]:
    """Every indicator of ``code`` scored by ``assessors`` assessors (the same levels)."""
    return [(code, f"I{i + 1}", f"a{n}", level) for n in range(assessors) for i, level in enumerate(levels)]


def ready(code: str, **changes: object) -> Candidate:
    """A complete desa with its two required assessors, both submitted; ``changes`` alter one fact."""
    values: dict[str, object] = {"kind": "desa", "status": "lengkap", "assigned": 2, "submitted": 2, "required": 2}
    values.update(changes)
    return Candidate(code, **values)  # type: ignore[arg-type]


def state(candidate: Candidate, records: list[tuple]) -> State:
    return who_is_ranked(RUBRIC, [candidate], records)[candidate.code].state


def test_who_is_ranked_a_fully_assessed_desa() -> None:
    """Rule (who is ranked): lengkap, every active assignment submitted, every indicator verified: ranked."""
    standing = who_is_ranked(RUBRIC, [ready(desa(1))], full(desa(1)))[desa(1)]
    assert standing.ranked and not standing.blocks
    assert (standing.missing, standing.unreconciled, standing.reason) == ((), (), "")


def test_who_is_ranked_condition_1_eligible_region_kind() -> None:
    kelurahan = "64.09.04.1001"
    assert state(ready(kelurahan, kind="kelurahan"), full(kelurahan)) is State.tidak_memenuhi_syarat
    # The region table's kind decides; without one, the code's desa digit (1 = kelurahan).
    assert state(ready(kelurahan, kind="desa"), full(kelurahan)) is State.diperingkat


def test_who_is_ranked_condition_2_submission_complete() -> None:
    for status, expected in (
        ("draf", State.draf),
        ("dikembalikan", State.dikembalikan),
        ("diajukan", State.belum_diperiksa),
    ):
        assert state(ready(desa(1), status=status), full(desa(1))) is expected
    assert not who_is_ranked(RUBRIC, [ready(desa(1), status="draf")], [])[desa(1)].blocks
    assert who_is_ranked(RUBRIC, [ready(desa(1), status="diajukan")], [])[desa(1)].blocks


def test_who_is_ranked_condition_3_not_withdrawn() -> None:
    standing = who_is_ranked(RUBRIC, [ready(desa(1), withdrawal="Bukti palsu.")], full(desa(1)))[desa(1)]
    assert (standing.state, standing.reason, standing.blocks) == (State.dikeluarkan, "Bukti palsu.", False)
    # A withdrawal does not reach a desa that never submitted (its own state comes first).
    assert state(ready(desa(1), status="draf", withdrawal="x"), []) is State.draf
    assert withdrawable("lengkap") and withdrawable("diajukan") and not withdrawable("draf")


def test_who_is_ranked_condition_4_assessors_required_and_submitted() -> None:
    assert state(ready(desa(1), assigned=0, submitted=0), []) is State.belum_ditugaskan
    assert state(ready(desa(1), assigned=1, submitted=1), full(desa(1), assessors=1)) is State.asesor_kurang
    # One of two submitted: never ranked on the other's levels alone.
    assert state(ready(desa(1), submitted=1), full(desa(1), assessors=1)) is State.penilaian_belum_selesai
    # A competition that asks for one assessor ranks a desa with one.
    assert state(ready(desa(1), assigned=1, submitted=1, required=1), full(desa(1), assessors=1)) is State.diperingkat
    # More assessors than required, all submitted: ranked.
    assert state(ready(desa(1), assigned=3, submitted=3), full(desa(1), assessors=3)) is State.diperingkat


def test_who_is_ranked_condition_5_every_indicator_verified() -> None:
    records = [r for r in full(desa(1)) if r[1] == "I1"]
    standing = who_is_ranked(RUBRIC, [ready(desa(1))], records)[desa(1)]
    assert (standing.state, standing.missing) == (State.level_belum_lengkap, ("I2",))
    # "Not applicable" is a verified level.
    assert state(ready(desa(1)), full(desa(1), (3, None))) is State.diperingkat


def test_who_is_ranked_condition_6_reconciliation_done() -> None:
    disputed = [(desa(1), "I1", "a0", 1), (desa(1), "I1", "a1", 3), (desa(1), "I2", "a0", 2), (desa(1), "I2", "a1", 2)]
    standing = who_is_ranked(RUBRIC, [ready(desa(1))], disputed)[desa(1)]
    assert (standing.state, standing.unreconciled, standing.blocks) == (State.menunggu_rekonsiliasi, ("I1",), True)
    # The agreed (or field, or objection) level replaces the assessors' rows with one: nothing waits any more.
    agreed = [r for r in disputed if r[1] != "I1"] + [(desa(1), "I1", "rekonsiliasi", 2)]
    assert state(ready(desa(1)), agreed) is State.diperingkat
    # One level apart is below the threshold.
    assert (
        state(
            ready(desa(1)),
            [(desa(1), "I1", "a0", 2), (desa(1), "I1", "a1", 3), (desa(1), "I2", "a0", 2), (desa(1), "I2", "a1", 2)],
        )
        is State.diperingkat
    )


def test_who_is_ranked_condition_7_some_indicator_applies() -> None:
    assert state(ready(desa(1)), full(desa(1), (None, None))) is State.tanpa_indikator_berlaku


def test_who_is_ranked_the_first_failed_condition_names_the_state() -> None:
    # Both an unsubmitted assignment and a missing indicator: the earlier condition is the state, and every
    # missing indicator is still listed for the committee.
    standing = who_is_ranked(RUBRIC, [ready(desa(1), submitted=1)], [(desa(1), "I1", "a0", 2)])[desa(1)]
    assert (standing.state, standing.missing) == (State.penilaian_belum_selesai, ("I2",))
    # Another desa's rows never decide this one's state.
    both = who_is_ranked(RUBRIC, [ready(desa(1)), ready(desa(2))], full(desa(2)))
    assert (both[desa(1)].state, both[desa(2)].state) == (State.level_belum_lengkap, State.diperingkat)


STATUSES = st.sampled_from(["draf", "diajukan", "dikembalikan", "lengkap"])


@SETTINGS
@given(
    st.lists(
        st.tuples(
            STATUSES,
            st.integers(0, 3),
            st.integers(0, 3),
            st.booleans(),
            st.lists(
                st.tuples(st.sampled_from(["I1", "I2"]), st.integers(0, 2), st.one_of(st.none(), st.integers(0, 4))),
                max_size=6,
            ),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_who_is_ranked_property_only_the_fully_assessed_are_ranked(
    desa_facts: list[tuple[str, int, int, bool, list[tuple[str, int, int | None]]]],
) -> None:
    candidates: list[Candidate] = []
    records: list[tuple] = []
    for n, (status, assigned, submitted, withdrawn, rows) in enumerate(desa_facts, start=1):
        code = desa(n)
        candidates.append(
            Candidate(code, "desa", status, assigned, min(submitted, assigned), 2, "Alasan." if withdrawn else None)
        )
        seen = set()
        for indicator, assessor, level in rows:
            if (indicator, assessor) not in seen:
                seen.add((indicator, assessor))
                records.append((code, indicator, f"a{assessor}", level))
    standings = who_is_ranked(RUBRIC, candidates, records)
    assert list(standings) == [c.code for c in candidates]
    for candidate in candidates:
        standing = standings[candidate.code]
        own = [r for r in records if r[0] == candidate.code]
        given = {i: [r[3] for r in own if r[1] == i and r[3] is not None] for i in ("I1", "I2")}
        disputed = any(levels and max(levels) - min(levels) >= 2 for levels in given.values())
        fully = (
            candidate.status == "lengkap"
            and candidate.withdrawal is None
            and candidate.assigned >= 2
            and candidate.submitted == candidate.assigned
            and {r[1] for r in own} == {"I1", "I2"}
            and any(r[3] is not None for r in own)
            and not disputed
        )
        assert standing.ranked == fully
        assert standing.blocks == (standing.state in BLOCKING)
        assert not (standing.ranked and standing.blocks)
