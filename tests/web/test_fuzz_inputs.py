"""Property-based fuzzing (hypothesis) of the upload, import and form endpoints through the Flask test client:
arbitrary bytes, text and field combinations never give a server error and never store what should not be stored.

Each test keeps one app and database for all its examples and checks invariants that hold however many examples
ran before: every stored evidence row is an accepted type and every stored file belongs to a row; every stored
self-assessment or desk score is on the rubric's scale with a note within its limit; nothing is assigned and no
rubric stored unless the response said so.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessment.models import Assignment, DeskScore, Evidence, Role, SelfAssessment, StoredRubric
from assessment.platform.extensions import db
from assessment.services.evidence import MEDIA_TYPES
from tests.conftest import Login, MakeUser
from tests.support import files
from tests.support.competition import SMALL_RUBRIC, create_competition
from tests.support.verification import verification_competition

DESA = "64.09.04.2002"
FUZZ = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Bytes that start like the accepted types (and like the rejected look-alikes), then anything.
PREFIXES = [
    b"",
    b"%PDF-1.7\n",
    b"\xff\xd8\xff\xe0",
    b"\x89PNG\r\n\x1a\n",
    b"RIFF\x00\x00\x00\x00WEBP",
    b"\x00\x00\x00\x18ftypisom",
    b"\x00\x00\x00\x18ftypheic",
    b"PK\x03\x04",
    b"<svg",
    b"GIF89a",
]
real_files = st.sampled_from([files.pdf(), files.jpeg(gps=False), files.png(), files.mp4(), files.webp()])
upload_bytes = st.one_of(
    st.builds(lambda prefix, tail: prefix + tail, st.sampled_from(PREFIXES), st.binary(max_size=2048)),
    st.builds(lambda data, cut: data[:cut], real_files, st.integers(min_value=0, max_value=4000)),
    st.builds(lambda data, tail: data + tail, real_files, st.binary(max_size=512)),
)
file_names = st.one_of(st.text(max_size=300), st.sampled_from(["../../x.pdf", "a\x00.jpg", "CON.png", ""]))
form_text = st.one_of(
    st.text(max_size=50), st.text(max_size=3000), st.sampled_from(["", "0", "4", "-1", "5", "None", "NA", "1e3"])
)


def stored_files(app: Flask) -> set[str]:
    return {path.name for path in Path(app.config["EVIDENCE_DIR"]).rglob("*") if path.is_file()}


@pytest.fixture
def operator(app: Flask, client: FlaskClient, make_user: MakeUser, login: Login):
    _, [participant] = create_competition(desa={DESA: "Bukit Raya"})
    login(client, make_user(Role.operator_desa, DESA))
    return participant


@FUZZ
@given(data=upload_bytes, filename=file_names, code=st.sampled_from(["A1", "A2"]), json=st.booleans())
def test_fuzzed_upload_never_errors_and_stores_only_accepted_files(
    app: Flask, client: FlaskClient, operator, data: bytes, filename: str, code: str, json: bool
) -> None:
    before = db.session.scalar(db.select(db.func.count()).select_from(Evidence))
    response = client.post(
        f"/desa/peserta/{operator.id}/indikator/{code}/bukti",
        headers={"Accept": "application/json"} if json else {},
        data={"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )
    response.close()
    assert response.status_code < 500
    rows = db.session.scalars(db.select(Evidence)).all()
    if response.status_code >= 400:
        assert len(rows) == before
    assert all(row.media_type in MEDIA_TYPES for row in rows)
    referenced = {key for row in rows for key in (row.sha256, row.display_sha256) if key}
    assert stored_files(app) == referenced


field_names = st.sampled_from(
    ["level", "explanation", "version", "csrf_token", "note", "not_applicable", "verdict-1", "verdict-x", "file", "url"]
)


@FUZZ
@given(fields=st.dictionaries(field_names, form_text, max_size=6))
def test_fuzzed_self_assessment_form_never_errors_and_stores_only_valid_values(
    client: FlaskClient, operator, fields: dict[str, str]
) -> None:
    response = client.post(f"/desa/peserta/{operator.id}/indikator/A1", data=fields)
    assert response.status_code < 500
    for row in db.session.scalars(db.select(SelfAssessment)):
        assert row.level is None or 0 <= row.level <= 4
        assert len(row.explanation) <= 2000


@pytest.fixture
def assessor(app: Flask, client: FlaskClient, make_user: MakeUser, login: Login) -> Assignment:
    from datetime import UTC, datetime

    from assessment.assignments.operations import assign_assessor

    _competition, (bukit, *_rest) = verification_competition()
    db.session.add(SelfAssessment(participant_id=bukit.id, indicator_code="A1", level=3, explanation="x"))
    db.session.commit()
    committee = make_user(Role.panitia, "64")
    person = make_user(Role.asesor, "64", home_region_code="64.72")
    login(client, person)
    return assign_assessor(bukit, person, committee, datetime.now(UTC))


@FUZZ
@given(fields=st.dictionaries(field_names, form_text, max_size=6), code=st.sampled_from(["A1", "A2"]))
def test_fuzzed_desk_score_form_never_errors_and_stores_only_valid_values(
    client: FlaskClient, assessor: Assignment, fields: dict[str, str], code: str
) -> None:
    response = client.post(f"/asesor/penugasan/{assessor.id}/indikator/{code}", data=fields)
    assert response.status_code < 500
    for score in db.session.scalars(db.select(DeskScore)):
        assert score.level is None or 0 <= score.level <= 4
        assert len(score.note) <= 2000
        # A level that differs from the desa's own needs a note (the rules of desk_score_problems).
        if score.indicator_code == "A1" and score.level not in (None, 3):
            assert score.note


csv_cells = st.one_of(
    st.sampled_from(
        [
            "64.09.04.2002",
            "64.09.04.2003",
            "asesor1@contoh.id",
            "ASESOR1@contoh.id",
            "kode_desa",
            "email_asesor",
            "",
            '"',
            '""',
            ";",
            ",",
            "\ufeff",
        ]
    ),
    st.text(max_size=20),
)
csv_text = st.lists(st.lists(csv_cells, max_size=4), max_size=8).map(
    lambda rows: "\n".join(",".join(row) for row in rows)
)


@FUZZ
@given(
    text=csv_text,
    header=st.booleans(),
    raw=st.one_of(st.none(), st.binary(max_size=512)),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1"]),
)
def test_fuzzed_assignment_csv_never_errors_and_assigns_only_on_success(
    app: Flask,
    make_user: MakeUser,
    client: FlaskClient,
    login: Login,
    text: str,
    header: bool,
    raw: bytes | None,
    encoding: str,
) -> None:
    state = app.extensions.setdefault("fuzz_csv", {})
    if not state:
        competition_row, _ = verification_competition()
        make_user(Role.asesor, "64", home_region_code="64.01", email="asesor1@contoh.id")
        login(client, make_user(Role.panitia, "64"))
        state["competition"] = competition_row.id
    body = (
        raw
        if raw is not None
        else (("kode_desa,email_asesor\n" if header else "") + text).encode(encoding, errors="replace")
    )
    before = db.session.scalar(db.select(db.func.count()).select_from(Assignment))
    response = client.post(
        f"/panitia/verifikasi/lomba/{state['competition']}/unggah-csv",
        data={"file": (io.BytesIO(body), "tugas.csv")},
        content_type="multipart/form-data",
    )
    response.close()
    assert response.status_code < 500
    after = db.session.scalar(db.select(db.func.count()).select_from(Assignment))
    if response.status_code != 302:
        assert after == before
    for assignment in db.session.scalars(db.select(Assignment)):
        assert assignment.participant.desa_code in ("64.09.04.2002", "64.09.04.2003", "64.01.01.2001")


yaml_text = st.one_of(
    st.text(max_size=400),
    st.builds(lambda cut, noise: SMALL_RUBRIC[:cut] + noise, st.integers(0, len(SMALL_RUBRIC)), st.text(max_size=40)),
    st.builds(
        lambda a, b: SMALL_RUBRIC.replace(a, b),
        st.sampled_from(["60", "40", "A1", "0:", "max: 4", "Kurang"]),
        st.text(max_size=10),
    ),
)


@FUZZ
@given(
    text=yaml_text,
    raw=st.one_of(st.none(), st.binary(max_size=600)),
    filename=st.sampled_from(["rubrik.yaml", "rubrik.xlsx", "rubrik", "r.yml"]),
)
def test_fuzzed_rubric_upload_never_errors_and_stores_only_valid_rubrics(
    app: Flask, make_user: MakeUser, client: FlaskClient, login: Login, text: str, raw: bytes | None, filename: str
) -> None:
    if "fuzz_rubric" not in app.extensions:
        login(client, make_user(Role.panitia, "64"))
        app.extensions["fuzz_rubric"] = True
    before = db.session.scalar(db.select(db.func.count()).select_from(StoredRubric))
    body = raw if raw is not None else text.encode("utf-8", errors="replace")
    response = client.post(
        "/panitia/rubrik/unggah", data={"rubric": (io.BytesIO(body), filename)}, content_type="multipart/form-data"
    )
    response.close()
    assert response.status_code < 500
    after = db.session.scalar(db.select(db.func.count()).select_from(StoredRubric))
    assert after == before or response.status_code == 302


levels_cells = st.one_of(
    st.sampled_from(
        [
            "64.09.04.2002",
            "A1",
            "A2",
            "asesor-1",
            "0",
            "3",
            "4",
            "NA",
            "5",
            "-1",
            "",
            '"',
            "kode_wilayah",
            "indikator",
            "asesor",
            "level",
        ]
    ),
    st.text(max_size=12),
)
levels_text = st.lists(st.lists(levels_cells, min_size=0, max_size=5), max_size=8).map(
    lambda rows: "kode_wilayah,indikator,asesor,level\n" + "\n".join(",".join(row) for row in rows)
)


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=levels_text, raw=st.one_of(st.none(), st.binary(max_size=300)))
def test_fuzzed_levels_csv_never_crashes_the_score_command(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path, text: str, raw: bytes | None
) -> None:
    rubric = tmp_path / "rubrik.yaml"
    rubric.write_text(SMALL_RUBRIC, encoding="utf-8")
    levels = tmp_path / "level.csv"
    levels.write_bytes(raw if raw is not None else text.encode("utf-8", errors="replace"))
    out = tmp_path / "hasil.csv"
    out.unlink(missing_ok=True)
    result = runner.invoke(args=["score", "--rubric", str(rubric), "--levels", str(levels), "--out", str(out)])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    if result.exit_code != 0:
        assert not out.exists() and result.output.strip()
