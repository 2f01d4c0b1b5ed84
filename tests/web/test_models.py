"""The schema: migrations match the models, timestamps are aware UTC, stored rubrics never change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError, IntegrityError, StatementError

from assessment import create_app
from assessment.models import (
    Competition,
    ImmutableRowError,
    Participant,
    Region,
    RegionKind,
    RubricFormat,
    Stage,
    StageCode,
    StoredRubric,
)
from assessment.platform.extensions import db
from tests.conftest import MakeRegion, config_for_tests, reset_database


def test_migrations_create_exactly_the_models_schema(tmp_path: Path) -> None:
    app = create_app(config_for_tests(tmp_path))
    with app.app_context():
        reset_database()
        try:
            flask_migrate.upgrade()
            assert "stored_rubric" in inspect(db.engine).get_table_names()
            with db.engine.connect() as connection:
                context = MigrationContext.configure(connection, opts={"compare_type": True})
                assert compare_metadata(context, db.metadata) == []
            flask_migrate.downgrade(revision="base")
            assert "region" not in inspect(db.engine).get_table_names()
        finally:
            reset_database()
            db.engine.dispose()


def _rubric() -> StoredRubric:
    return StoredRubric(
        fingerprint="a" * 64, source_format=RubricFormat.yaml, source_text="judul: uji", rubric_json="{}", title="Uji"
    )


def _competition(make_region: MakeRegion) -> Competition:
    make_region("64")
    competition = Competition(name="Lomba Uji", year=2026, scope_region_code="64", rubric=_rubric())
    db.session.add(competition)
    db.session.commit()
    return competition


def test_timestamps_come_back_aware_utc(app: Flask, make_region: MakeRegion) -> None:
    competition = _competition(make_region)
    wita = timezone(timedelta(hours=8))
    start = datetime(2026, 12, 1, 8, 0, tzinfo=wita)
    db.session.add(
        Stage(
            competition=competition,
            code=StageCode.penilaian_mandiri,
            starts_at=start,
            ends_at=start + timedelta(days=14),
        )
    )
    db.session.commit()
    db.session.expire_all()
    stage = db.session.scalars(db.select(Stage)).one()
    assert stage.starts_at.tzinfo is not None
    assert stage.starts_at.utcoffset() == timedelta(0)
    assert stage.starts_at == datetime(2026, 12, 1, 0, 0, tzinfo=UTC)


def test_naive_timestamps_are_refused(app: Flask, make_region: MakeRegion) -> None:
    competition = _competition(make_region)
    db.session.add(
        Stage(
            competition=competition,
            code=StageCode.pleno,
            starts_at=datetime(2026, 1, 1),
            ends_at=datetime(2026, 1, 2, tzinfo=UTC),
        )
    )
    with pytest.raises(StatementError):
        db.session.commit()
    db.session.rollback()


def test_stage_is_open_from_start_included_to_end_excluded() -> None:
    start = datetime(2026, 12, 1, tzinfo=UTC)
    stage = Stage(code=StageCode.penilaian_mandiri, starts_at=start, ends_at=start + timedelta(days=1))
    assert not stage.is_open(start - timedelta(microseconds=1))
    assert stage.is_open(start)
    assert stage.is_open(start + timedelta(days=1) - timedelta(microseconds=1))
    assert not stage.is_open(start + timedelta(days=1))


def test_stored_rubric_cannot_be_changed_or_deleted(app: Flask, make_region: MakeRegion) -> None:
    rubric = _competition(make_region).rubric
    rubric.rubric_json = '{"diubah": true}'
    with pytest.raises(ImmutableRowError):
        db.session.commit()
    db.session.rollback()
    db.session.delete(rubric)
    with pytest.raises(ImmutableRowError):
        db.session.commit()
    db.session.rollback()


def _raw_change_is_refused(statement: str) -> None:
    with pytest.raises(DBAPIError) as refused, db.engine.begin() as connection:
        connection.execute(text(statement))
    assert "append-only" in str(refused.value)


def test_stored_rubric_is_append_only_in_the_database_itself(app: Flask, make_region: MakeRegion) -> None:
    _competition(make_region)
    _raw_change_is_refused("UPDATE stored_rubric SET rubric_json = 'diubah'")
    _raw_change_is_refused("DELETE FROM stored_rubric")
    assert db.session.scalars(db.select(StoredRubric.rubric_json)).all() == ["{}"]


def test_migrations_make_stored_rubric_append_only(tmp_path: Path) -> None:
    app = create_app(config_for_tests(tmp_path))
    with app.app_context():
        reset_database()
        try:
            flask_migrate.upgrade()
            with db.engine.begin() as connection:
                connection.execute(
                    text(
                        "INSERT INTO stored_rubric (fingerprint, source_format, rubric_json, title, created_at) "
                        "VALUES ('f', 'yaml', '{}', 'Uji', CURRENT_TIMESTAMP)"
                    )
                )
            _raw_change_is_refused("UPDATE stored_rubric SET title = 'Diubah'")
            _raw_change_is_refused("DELETE FROM stored_rubric")
        finally:
            reset_database()
            db.engine.dispose()


def test_participant_is_unique_per_competition_and_desa(app: Flask, make_region: MakeRegion) -> None:
    competition = _competition(make_region)
    make_region("64.09.04.2002")
    db.session.add_all([Participant(competition=competition, desa_code="64.09.04.2002") for _ in range(2)])
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_region_codes_must_exist(app: Flask, make_region: MakeRegion) -> None:
    competition = _competition(make_region)
    db.session.add(Participant(competition=competition, desa_code="99.99.99.2999"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_region_kind_outside_the_list_is_refused(app: Flask) -> None:
    db.session.add(Region(code="64", name="Kalimantan Timur", kind="kota_adat"))
    with pytest.raises(StatementError):
        db.session.commit()
    db.session.rollback()
    db.session.add(Region(code="64", name="Kalimantan Timur", kind=RegionKind.provinsi))
    db.session.commit()
