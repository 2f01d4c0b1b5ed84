"""The corpus of malformed uploads (tests/support/corpus.py): never a server error, nothing stored when refused."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from assessment.models import Evidence, Participant, Role
from assessment.platform.extensions import db
from assessment.services.evidence import MEDIA_TYPES
from tests.conftest import Login, MakeUser
from tests.support.competition import create_competition
from tests.support.corpus import CORPUS

DESA = "64.09.04.2002"


@pytest.fixture
def operator(app: Flask, client: FlaskClient, make_user: MakeUser, login: Login) -> Participant:
    _, [participant] = create_competition(desa={DESA: "Bukit Raya"})
    login(client, make_user(Role.operator_desa, DESA))
    return participant


def stored(app: Flask) -> set[Path]:
    return {path for path in Path(app.config["EVIDENCE_DIR"]).rglob("*") if path.is_file()}


def test_corpus_has_at_least_thirty_files() -> None:
    assert len(CORPUS) >= 30


@pytest.mark.parametrize(("name", "make", "filename", "expectation"), CORPUS, ids=[item[0] for item in CORPUS])
def test_malformed_upload_never_errors_and_stores_nothing_when_refused(
    app: Flask, client: FlaskClient, operator: Participant, name: str, make, filename: str, expectation: str
) -> None:
    data = make()
    response = client.post(
        f"/desa/peserta/{operator.id}/indikator/A1/bukti",
        headers={"Accept": "application/json"},
        data={"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )
    response.close()
    assert response.status_code < 500, response.get_data(as_text=True)[:300]
    rows = db.session.scalars(db.select(Evidence)).all()
    if response.status_code >= 400:
        assert response.is_json and response.get_json()["message"]
        assert rows == []
        assert stored(app) == set()
    else:
        assert expectation == "periksa", f"{name} should have been refused"
        [row] = rows
        assert row.media_type in MEDIA_TYPES
        assert row.original_name and "/" not in row.original_name and "\x00" not in row.original_name


def test_photo_whose_comment_holds_a_script_is_shown_without_it(
    app: Flask, client: FlaskClient, operator: Participant
) -> None:
    from assessment.platform.storage import get_store
    from tests.support import files

    response = client.post(
        f"/desa/peserta/{operator.id}/indikator/A1/bukti",
        headers={"Accept": "application/json"},
        data={"file": (io.BytesIO(files.jpeg_with_comment_script()), "foto.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code < 300
    [row] = db.session.scalars(db.select(Evidence)).all()
    assert row.display_sha256 is not None
    with get_store().open(row.display_sha256) as handle:
        shown = handle.read()
    assert b"script" not in shown and shown.endswith(b"\xff\xd9")
