"""Malformed imports (tests/support/import_corpus.py): the assignment CSV and the rubric upload through the web, the
levels CSV through ``desa-digital score``. Each is refused with a message, never a server error, and nothing is
stored (no assignment, no rubric, no results file)."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from assessment.models import Assignment, Role, StoredRubric
from assessment.platform.extensions import db
from tests.conftest import Login, MakeUser
from tests.support.competition import SMALL_RUBRIC
from tests.support.corpus import CORPUS
from tests.support.import_corpus import (
    ASSIGNMENT_HEADER,
    ASSIGNMENT_ROW,
    LEVELS_HEADER,
    LEVELS_ROW,
    RUBRIC_CORPUS,
    Maker,
    csv_corpus,
)
from tests.support.live import multipart
from tests.support.verification import verification_competition

ASSIGNMENT_CSV = csv_corpus(ASSIGNMENT_HEADER, ASSIGNMENT_ROW)
LEVELS_CSV = csv_corpus(LEVELS_HEADER, LEVELS_ROW)


def post_file(client: FlaskClient, url: str, field: str, filename: str, data: bytes):
    # A body built here (not by the test client), so a large one is not spooled to a file the client never closes.
    body, content_type = multipart({}, field, filename, data)
    response = client.post(url, data=body, content_type=content_type)
    response.close()
    return response


def count(model: type) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model)) or 0


def test_at_least_thirty_malformed_files_across_uploads_and_imports() -> None:
    refused_uploads = [item for item in CORPUS if item[3] == "tolak"]
    assert len(refused_uploads) + len(ASSIGNMENT_CSV) + len(LEVELS_CSV) + len(RUBRIC_CORPUS) >= 30
    assert len(RUBRIC_CORPUS) + len(ASSIGNMENT_CSV) >= 30


@pytest.fixture
def committee(app: Flask, make_user: MakeUser, login: Login, client: FlaskClient) -> FlaskClient:
    return login(client, make_user(Role.panitia, "64"))


@pytest.mark.parametrize(("name", "make"), ASSIGNMENT_CSV, ids=[name for name, _ in ASSIGNMENT_CSV])
def test_malformed_assignment_csv_is_refused_with_a_message_and_assigns_nothing(
    app: Flask, make_user: MakeUser, committee: FlaskClient, name: str, make: Maker
) -> None:
    competition, _ = verification_competition()
    make_user(Role.asesor, "64", home_region_code="64.01", email="asesor1@contoh.id")
    response = post_file(
        committee, f"/panitia/verifikasi/lomba/{competition.id}/unggah-csv", "file", "tugas.csv", make()
    )
    page = response.get_data(as_text=True)
    assert 400 <= response.status_code < 500, (name, response.status_code)
    assert 'class="error' in page or "Baris" in page or "berkas" in page.lower(), name
    assert count(Assignment) == 0


@pytest.mark.parametrize(("name", "filename", "make"), RUBRIC_CORPUS, ids=[name for name, _, _ in RUBRIC_CORPUS])
def test_malformed_rubric_upload_is_refused_with_a_message_and_stores_nothing(
    committee: FlaskClient, name: str, filename: str, make: Maker
) -> None:
    response = post_file(committee, "/panitia/rubrik/unggah", "rubric", filename, make())
    page = response.get_data(as_text=True)
    assert response.status_code in (200, 422), (name, response.status_code)
    # Either the problems of the file, or (an empty file) the request to choose one.
    assert "Pilih berkas rubrik." in page or 'class="problems' in page or "Berkas" in page, name
    assert count(StoredRubric) == 0


@pytest.mark.parametrize(("name", "make"), LEVELS_CSV, ids=[name for name, _ in LEVELS_CSV])
def test_malformed_levels_csv_exits_with_a_message_and_writes_no_results(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path, name: str, make: Maker
) -> None:
    rubric = tmp_path / "rubrik.yaml"
    rubric.write_text(SMALL_RUBRIC, encoding="utf-8")
    levels = tmp_path / "level.csv"
    levels.write_bytes(make())
    out = tmp_path / "hasil.csv"
    result = runner.invoke(args=["score", "--rubric", str(rubric), "--levels", str(levels), "--out", str(out)])
    assert result.exit_code not in (0, None), (name, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "level.csv" in result.output and "Traceback" not in result.output
    assert not out.exists()
