"""repo.results_report: the engine's results over the verified rows, checked against values worked out by hand."""

from __future__ import annotations

import pytest
from flask import Flask

from assessment import repo
from assessment.models import DeskScore
from assessment.platform.extensions import db
from tests.conftest import MakeUser
from tests.support.results import (
    BUKIT,
    EXPECTED_FINAL,
    EXPECTED_INDEX,
    INJECTED,
    INJECTED_NAME,
    PASER,
    PROVINCE_ORDER,
    SEMOI,
    ResultsWorld,
    results_world,
)


@pytest.fixture
def world(app: Flask, make_user: MakeUser) -> ResultsWorld:
    return results_world(make_user)


def test_province_ranking_from_verified_rows(world: ResultsWorld) -> None:
    report = repo.results_report(world.competition)
    assert report.region_code == "64"
    assert [d.code for d in report.desa] == PROVINCE_ORDER
    assert [d.rank for d in report.desa] == [1, 2, 3]
    assert {d.code: d.index for d in report.desa} == EXPECTED_INDEX
    assert {d.code: d.predikat for d in report.desa} == {SEMOI: "Baik", BUKIT: "Baik", PASER: "Kurang"}
    # One aspect only: its score is the index.
    assert all(d.aspects == (d.index,) for d in report.desa)
    assert all(d.complete for d in report.desa)
    assert not any(d.tied for d in report.desa)
    # The desa whose assessors have not submitted is listed apart with its state, never with an index.
    [unranked] = report.unranked
    assert (unranked.code, unranked.name, unranked.state) == (INJECTED, INJECTED_NAME, "penilaian_belum_selesai")
    assert (unranked.submitted, unranked.assigned) == (0, 2)


def test_reconciled_level_replaces_assessors_levels(world: ResultsWorld) -> None:
    report = repo.results_report(world.competition)
    finals = {(f.desa_code, f.indicator_code): f.level for f in report.final_levels if f.level is not None}
    assert finals == EXPECTED_FINAL
    wide = {(f.desa_code, f.indicator_code) for f in report.final_levels if f.wide_gap}
    assert wide == {(BUKIT, "A1")}  # 1 vs 4: three levels apart; Desa Paser A2 (0 vs 1) and Semoi Dua A2 only one
    assert not [f for f in report.final_levels if f.desa_code == INJECTED]  # not ranked: no final levels


def test_assessor_levels_keep_names_and_notes(world: ResultsWorld) -> None:
    report = repo.results_report(world.competition)
    bukit_a1 = sorted(
        (a.assessor, a.level) for a in report.assessor_levels if a.desa_code == BUKIT and a.indicator_code == "A1"
    )
    assert bukit_a1 == [("Asesor Dua", 4), ("Asesor Satu", 1)]
    assert len(report.assessor_levels) == 12
    assert all(a.note.startswith("Catatan") for a in report.assessor_levels)


def test_rule_8b_self_index_and_its_gap_in_index_points(world: ResultsWorld) -> None:
    report = repo.results_report(world.competition)
    by_code = {d.code: d for d in report.desa}
    assert by_code[BUKIT].self_index == 100.0
    assert by_code[SEMOI].self_index is None
    # The gap is the self index minus the verified index in index points (not rule 8's mean level gap).
    bukit = by_code[BUKIT]
    assert bukit.self_index_gap == 100.0 - bukit.index
    assert by_code[SEMOI].self_index_gap is None


def test_kabupaten_report_ranks_within_kabupaten(world: ResultsWorld) -> None:
    report = repo.results_report(world.competition, "64.09")
    assert [d.code for d in report.desa] == [SEMOI, BUKIT]
    assert [d.rank for d in report.desa] == [1, 2]
    assert [u.code for u in report.unranked] == [INJECTED]
    kecamatan = repo.results_report(world.competition, "64.09.04")
    assert [(d.code, d.rank) for d in kecamatan.desa] == [(SEMOI, 1), (BUKIT, 2)]


def test_rank_interval_and_top3_probability(world: ResultsWorld) -> None:
    report = repo.results_report(world.competition)
    for desa in report.desa:
        assert desa.best_rank is not None and desa.worst_rank is not None
        assert 1 <= desa.best_rank <= desa.worst_rank <= 3  # among the three ranked desa only
        assert desa.top3_chance is not None and 0 <= desa.top3_chance <= 1
    by_code = {d.code: d for d in report.desa}
    assert INJECTED not in by_code
    # Three ranked desa: each is in the top three in every resample.
    assert all(d.top3_chance == 1.0 for d in report.desa)
    # Semoi Dua's worst resample (A1 4, A2 3 twice: 60 + 30 = 90) still beats Bukit Raya's best (A1 3, A2 3: 75).
    assert by_code[SEMOI].best_rank == by_code[SEMOI].worst_rank == 1
    assert by_code[SEMOI].top3_chance == 1.0


def test_evidence_list(world: ResultsWorld) -> None:
    report = repo.results_report(world.competition)
    assert [(e.desa_code, e.indicator_code, e.kind, e.name) for e in report.evidence] == [
        (BUKIT, "A1", "tautan", "https://bukitraya.desa.id/layanan"),
        (BUKIT, "A2", "berkas", "=surat-tte.pdf"),
    ]
    lean = repo.results_report(world.competition, evidence=False, assessor_levels=False)
    assert lean.evidence == () and lean.assessor_levels == ()
    assert lean.desa == report.desa


def test_engine_run_cached_until_data_changes(world: ResultsWorld) -> None:
    first = repo.engine_run(world.competition)
    assert repo.engine_run(world.competition) is first
    score = db.session.scalar(db.select(DeskScore).where(DeskScore.indicator_code == "A2").order_by(DeskScore.id))
    assert score is not None
    score.level = 3 if score.level != 3 else 2
    db.session.commit()
    second = repo.engine_run(world.competition)
    assert second is not first
