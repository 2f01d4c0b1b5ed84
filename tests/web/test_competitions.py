"""The committee's pages: upload a rubric (problems with locations, or a preview), create a competition."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape

from assessment.competitions.schedule import default_schedule
from assessment.criteria.files import load_rubric, load_rubric_bytes, rubric_to_excel_bytes
from assessment.criteria.fingerprint import fingerprint
from assessment.models import Competition, Role, StageCode, StoredRubric, User
from assessment.platform.extensions import db
from tests.conftest import Login, MakeRegion, MakeUser

RUBRIC = Path(__file__).resolve().parents[2] / "data" / "rubrics" / "desa-digital-kaltim-2026.yaml"


@pytest.fixture
def panitia(client: FlaskClient, make_user: MakeUser, make_region: MakeRegion, login: Login) -> User:
    make_region("64.09")
    user = make_user(Role.panitia, "64", name="Panitia Uji")
    login(client, user)
    return user


def _upload(client: FlaskClient, data: bytes, filename: str):
    return client.post(
        "/panitia/rubrik/unggah", data={"rubric": (io.BytesIO(data), filename)}, content_type="multipart/form-data"
    )


def _stage_form(first_day: date) -> dict[str, str]:
    fields: dict[str, str] = {}
    for code, (first, last) in default_schedule(first_day).items():
        fields[f"{code.value}_start"] = first.isoformat()
        fields[f"{code.value}_end"] = last.isoformat()
    return fields


def _stored_rubric_id(client: FlaskClient) -> int:
    response = _upload(client, RUBRIC.read_bytes(), RUBRIC.name)
    assert response.status_code == 302
    match = re.search(r"/panitia/rubrik/(\d+)$", response.headers["Location"])
    assert match
    return int(match.group(1))


def test_valid_yaml_rubric_shows_tree_weights_and_fingerprint(client: FlaskClient, panitia: User) -> None:
    rubric = load_rubric(RUBRIC)
    rubric_id = _stored_rubric_id(client)
    html = client.get(f"/panitia/rubrik/{rubric_id}").get_data(as_text=True)
    assert rubric.title in html
    assert fingerprint(rubric) in html
    for aspect in rubric.aspects:
        assert escape(f"{aspect.code}. {aspect.name}") in html
    first = rubric.indicators[0]
    assert f"<td>{first.code}</td><td>{escape(first.name)}</td><td>{first.weight}</td>" in html
    assert db.session.scalars(db.select(StoredRubric)).one().fingerprint == fingerprint(rubric)


def test_excel_rubric_is_accepted_from_its_content(client: FlaskClient, panitia: User) -> None:
    workbook = rubric_to_excel_bytes(load_rubric(RUBRIC))
    response = _upload(client, workbook, "rubrik-panitia.xlsx")
    assert response.status_code == 302
    stored = db.session.scalars(db.select(StoredRubric)).one()
    assert stored.source_format.value == "xlsx"
    assert stored.source_bytes == workbook
    assert stored.fingerprint == fingerprint(load_rubric_bytes(workbook, "x.xlsx"))


def test_bad_rubric_lists_every_problem_with_its_location(client: FlaskClient, panitia: User) -> None:
    text = RUBRIC.read_text(encoding="utf-8").replace("weight: 7", "weight: -7", 1).replace("code: A2", "code: A1", 1)
    response = _upload(client, text.encode("utf-8"), "rusak.yaml")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "masalah dalam rusak.yaml" in html
    locations = re.findall(r"<td><code>([^<]+)</code></td>", html)
    assert len(locations) >= 2
    assert all(re.match(r"\d+:", location) for location in locations)
    assert "Rubrik belum disimpan" in html
    assert db.session.scalars(db.select(StoredRubric)).all() == []


def test_a_picture_is_not_a_rubric(client: FlaskClient, panitia: User) -> None:
    response = _upload(client, b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "rubrik.yaml")
    assert response.status_code == 422
    assert "bukan rubrik" in response.get_data(as_text=True)


def test_upload_without_a_file_asks_for_one(client: FlaskClient, panitia: User) -> None:
    response = client.post("/panitia/rubrik/unggah", data={}, content_type="multipart/form-data")
    assert response.status_code == 200
    assert "Pilih berkas rubrik." in response.get_data(as_text=True)


def test_committee_creates_a_competition_from_the_preview(client: FlaskClient, panitia: User) -> None:
    rubric_id = _stored_rubric_id(client)
    form = {
        "rubric_id": str(rubric_id),
        "name": "Lomba Desa Digital Kaltim 2027",
        "year": "2027",
        "scope": "64",
        "quotas": "64.09=12\n",
        **_stage_form(date(2027, 1, 4)),
    }
    response = client.post("/panitia/lomba/baru", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)
    competition = db.session.scalars(db.select(Competition)).one()
    assert (competition.name, competition.year, competition.scope_region_code) == (
        "Lomba Desa Digital Kaltim 2027",
        2027,
        "64",
    )
    assert [(quota.kabupaten_code, quota.quota) for quota in competition.quotas] == [("64.09", 12)]
    assert competition.created_by_id == panitia.id
    assert len(competition.stages) == len(StageCode)
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Lomba Desa Digital Kaltim 2027" in html
    assert "Penilaian mandiri" in html
    assert competition.rubric.fingerprint in html
    listing = client.get("/panitia/lomba").get_data(as_text=True)
    assert "Lomba Desa Digital Kaltim 2027" in listing


def test_competition_form_reports_half_filled_stage_and_bad_year(client: FlaskClient, panitia: User) -> None:
    rubric_id = _stored_rubric_id(client)
    form = {
        "rubric_id": str(rubric_id),
        "name": "Lomba",
        "year": "2027",
        "scope": "64",
        **_stage_form(date(2027, 1, 4)),
    }
    form["pleno_end"] = ""
    response = client.post("/panitia/lomba/baru", data=form)
    assert response.status_code == 422
    assert "Tahap Pleno: isi tanggal mulai dan selesai" in response.get_data(as_text=True)
    form["pleno_end"] = form["pleno_start"]
    form["quotas"] = "64.09 sepuluh"
    response = client.post("/panitia/lomba/baru", data=form)
    assert response.status_code == 422
    assert "Kuota baris 1: tulis KODE_KABUPATEN=JUMLAH" in response.get_data(as_text=True)
    form["quotas"] = "63.01=5"
    response = client.post("/panitia/lomba/baru", data=form)
    assert response.status_code == 422
    assert "Kuota: 63.01 bukan kabupaten/kota yang dikenal." in response.get_data(as_text=True)
    form["quotas"] = ""
    form["year"] = "1999"
    response = client.post("/panitia/lomba/baru", data=form)
    assert response.status_code == 422
    assert "Tahun antara 2000 dan 2100." in response.get_data(as_text=True)
    assert db.session.scalars(db.select(Competition)).all() == []


def test_scope_outside_the_committee_members_provinsi_is_not_offered(
    client: FlaskClient, panitia: User, make_region: MakeRegion
) -> None:
    make_region("63.01")
    rubric_id = _stored_rubric_id(client)
    html = client.get(f"/panitia/rubrik/{rubric_id}").get_data(as_text=True)
    assert 'value="64.09"' in html
    assert 'value="63.01"' not in html
    form = {
        "rubric_id": str(rubric_id),
        "name": "Lomba",
        "year": "2027",
        "scope": "63.01",
        **_stage_form(date(2027, 1, 4)),
    }
    assert client.post("/panitia/lomba/baru", data=form).status_code == 422
    assert db.session.scalars(db.select(Competition)).all() == []


@pytest.mark.parametrize(
    "role, region",
    [
        (Role.operator_desa, "64.09.04.2002"),
        (Role.verifikator_kecamatan, "64.09.04"),
        (Role.dpmd, "64.09"),
        (Role.asesor, "64"),
        (Role.ketua_tim, "64"),
    ],
)
def test_other_roles_get_403_on_committee_pages(
    role: Role, region: str, app: Flask, make_user: MakeUser, login: Login
) -> None:
    client = login(app.test_client(), make_user(role, region))
    for path in ("/panitia/rubrik/unggah", "/panitia/lomba", "/panitia/rubrik/1"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "Akses ditolak" in response.get_data(as_text=True)
    assert _upload(client, RUBRIC.read_bytes(), RUBRIC.name).status_code == 403
    assert db.session.scalars(db.select(StoredRubric)).all() == []


def test_committee_of_another_provinsi_gets_403_on_the_competition(
    app: Flask, client: FlaskClient, panitia: User, make_user: MakeUser, login: Login
) -> None:
    rubric_id = _stored_rubric_id(client)
    form = {
        "rubric_id": str(rubric_id),
        "name": "Lomba",
        "year": "2027",
        "scope": "64",
        **_stage_form(date(2027, 1, 4)),
    }
    location = client.post("/panitia/lomba/baru", data=form).headers["Location"]
    other = login(app.test_client(), make_user(Role.panitia, "63"))
    assert other.get(location).status_code == 403
    assert "Lomba" not in other.get("/panitia/lomba").get_data(as_text=True).split("<h1>")[-1].split("</main>")[0]


def test_anonymous_visitor_is_sent_to_login(client: FlaskClient) -> None:
    response = client.get("/panitia/rubrik/unggah")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/masuk?next=")


def test_home_lists_the_links_of_the_users_roles(app: Flask, make_user: MakeUser, login: Login) -> None:
    committee = login(app.test_client(), make_user(Role.panitia, "64"))
    html = committee.get("/beranda").get_data(as_text=True)
    assert "Unggah rubrik dan buat lomba" in html
    assert "Panitia provinsi — Wilayah 64 (64)" in html
    operator = login(app.test_client(), make_user(Role.operator_desa, "64.09.04.2002"))
    html = operator.get("/beranda").get_data(as_text=True)
    assert "Operator desa" in html
    assert "Unggah rubrik" not in html


def test_missing_csrf_token_gives_the_400_page(app: Flask, client: FlaskClient, make_user: MakeUser) -> None:
    app.config["WTF_CSRF_ENABLED"] = True
    user = make_user(Role.panitia, "64")
    response = client.post("/masuk", data={"email": user.email, "password": "x"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Permintaan tidak valid" in html
    assert "Formulir ini sudah kedaluwarsa atau tidak lengkap" in html
    page = client.get("/masuk").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token
    from tests.conftest import TEST_PASSWORD

    signed_in = client.post(
        "/masuk", data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": token.group(1)}
    )
    assert signed_in.status_code == 302
