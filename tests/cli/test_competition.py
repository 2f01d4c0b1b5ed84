"""``desa-digital competition create`` and the stage dates rule."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from assessment.competitions.schedule import default_schedule, schedule_with, stage_window
from assessment.criteria.files import load_rubric
from assessment.criteria.fingerprint import fingerprint
from assessment.models import Competition, StageCode, StoredRubric
from assessment.platform.extensions import db
from tests.conftest import MakeRegion

RUBRIC = Path(__file__).resolve().parents[2] / "data" / "rubrics" / "desa-digital-kaltim-2026.yaml"


def test_stage_window_runs_from_midnight_wita_to_end_of_last_day() -> None:
    starts, ends = stage_window(date(2026, 12, 1), date(2026, 12, 14))
    assert starts == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)  # 1 Dec 00:00 WITA (UTC+8)
    assert ends == datetime(2026, 12, 14, 16, 0, tzinfo=UTC)  # 15 Dec 00:00 WITA
    with pytest.raises(ValueError):
        stage_window(date(2026, 12, 2), date(2026, 12, 1))


def test_default_schedule_runs_every_stage_in_order_without_gaps() -> None:
    schedule = default_schedule(date(2026, 1, 1))
    assert list(schedule) == list(StageCode)
    days = list(schedule.values())
    for (_, last), (first, _) in itertools.pairwise(days):
        assert (first - last).days == 1


def test_fixed_stage_dates_push_later_default_stages_back() -> None:
    fixed = {StageCode.penilaian_mandiri: (date(2027, 1, 1), date(2027, 1, 31))}
    schedule = schedule_with(date(2026, 12, 1), fixed)
    assert schedule[StageCode.penilaian_mandiri] == (date(2027, 1, 1), date(2027, 1, 31))
    assert schedule[StageCode.verifikasi_kelengkapan][0] == date(2027, 2, 1)
    assert schedule[StageCode.pendaftaran] == default_schedule(date(2026, 12, 1))[StageCode.pendaftaran]


def _create(runner: FlaskCliRunner, *extra: str, rubric: Path = RUBRIC, scope: str = "64"):
    return runner.invoke(
        args=[
            "competition",
            "create",
            "--rubric",
            str(rubric),
            "--name",
            "Lomba Uji",
            "--year",
            "2026",
            "--scope",
            scope,
            "--start",
            "2026-12-01",
            *extra,
        ]
    )


def test_competition_create_stores_rubric_stages_and_quotas(
    app: Flask, runner: FlaskCliRunner, make_region: MakeRegion
) -> None:
    make_region("64.09")
    result = _create(runner, "--stage", "penilaian_mandiri=2027-01-01..2027-01-31", "--quota", "64.09=12")
    assert result.exit_code == 0, result.output
    competition = db.session.scalars(db.select(Competition)).one()
    assert (competition.name, competition.year, competition.scope_region_code) == ("Lomba Uji", 2026, "64")
    assert competition.rubric.fingerprint == fingerprint(load_rubric(RUBRIC))
    assert competition.rubric.source_text == RUBRIC.read_text(encoding="utf-8")
    assert [(q.kabupaten_code, q.quota) for q in competition.quotas] == [("64.09", 12)]
    stage = competition.stage(StageCode.penilaian_mandiri)
    assert stage is not None
    assert stage.starts_at == datetime(2026, 12, 31, 16, 0, tzinfo=UTC)
    assert len(competition.stages) == len(StageCode)


def test_same_rubric_is_stored_once(app: Flask, runner: FlaskCliRunner, make_region: MakeRegion) -> None:
    make_region("64")
    assert _create(runner).exit_code == 0
    assert _create(runner).exit_code == 0
    assert len(db.session.scalars(db.select(Competition)).all()) == 2
    assert len(db.session.scalars(db.select(StoredRubric)).all()) == 1


def test_competition_create_reports_a_bad_rubric_with_locations(
    app: Flask, runner: FlaskCliRunner, make_region: MakeRegion, tmp_path: Path
) -> None:
    make_region("64")
    bad = tmp_path / "rusak.yaml"
    bad.write_text(RUBRIC.read_text(encoding="utf-8").replace("weight: 7", "weight: -7", 1), encoding="utf-8")
    result = _create(runner, rubric=bad)
    assert result.exit_code != 0
    assert "rusak.yaml:" in result.output
    assert "weight" in result.output
    assert "Rubrik tidak sah; lomba tidak dibuat." in result.output
    assert db.session.scalars(db.select(StoredRubric)).all() == []


def test_competition_create_refuses_a_kecamatan_scope_and_overlapping_stages(
    app: Flask, runner: FlaskCliRunner, make_region: MakeRegion
) -> None:
    make_region("64.09.04")
    result = _create(runner, "--stage", "penilaian_mandiri=2026-12-01..2026-12-31", scope="64.09.04")
    assert result.exit_code != 0
    assert "Cakupan lomba harus provinsi atau kabupaten/kota, bukan kecamatan (64.09.04)." in result.output
    assert "Tahap penilaian_mandiri harus mulai setelah tahap pendaftaran selesai." in result.output
    assert db.session.scalars(db.select(Competition)).all() == []


def test_competition_create_refuses_unknown_stage(app: Flask, runner: FlaskCliRunner, make_region: MakeRegion) -> None:
    make_region("64")
    result = _create(runner, "--stage", "lomba_lari=2026-12-01..2026-12-02")
    assert result.exit_code != 0
    assert "tahap 'lomba_lari' tidak dikenal" in result.output
