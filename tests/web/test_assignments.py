"""The committee's assignment pages: by hand, from CSV, automatically; exceptions; bad input refused."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from assessment.assignments.operations import open_exception
from assessment.models import Assignment, AuditEvent, Participant, Role, StageCode, StageException, User
from assessment.platform.extensions import db
from tests.conftest import Login, MakeUser
from tests.support.competition import create_competition
from tests.support.verification import verification_competition


@pytest.fixture
def committee(app: Flask, make_user: MakeUser, client: FlaskClient, login: Login) -> FlaskClient:
    return login(client, make_user(Role.panitia, "64"))


def _count() -> int:
    return db.session.scalar(select(func.count(Assignment.id))) or 0


def test_assign_by_hand(app: Flask, make_user: MakeUser, committee: FlaskClient) -> None:
    competition, (bukit, *_rest) = verification_competition()
    assessor = make_user(Role.asesor, "64", home_region_code="64.01")
    response = committee.post(
        f"/panitia/verifikasi/lomba/{competition.id}/tugaskan",
        data={"participant_id": bukit.id, "assessor_id": assessor.id},
    )
    assert response.status_code == 302
    assert _count() == 1
    (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "assignment.create")).all()
    assert event.target == f"participant:{bukit.id}"
    page = committee.get(f"/panitia/verifikasi/lomba/{competition.id}").get_data(as_text=True)
    assert assessor.name in page


def test_assign_conflicted_assessor_refused(app: Flask, make_user: MakeUser, committee: FlaskClient) -> None:
    competition, (bukit, *_rest) = verification_competition()
    assessor = make_user(Role.asesor, "64", home_region_code="64.09")
    response = committee.post(
        f"/panitia/verifikasi/lomba/{competition.id}/tugaskan",
        data={"participant_id": bukit.id, "assessor_id": assessor.id},
    )
    assert response.status_code == 409
    assert "kabupaten asal asesor" in response.get_data(as_text=True)
    assert _count() == 0


def test_assign_outside_stage_refused(app: Flask, make_user: MakeUser, committee: FlaskClient) -> None:
    competition, (bukit, *_rest) = verification_competition(StageCode.rekonsiliasi)
    assessor = make_user(Role.asesor, "64", home_region_code="64.01")
    response = committee.post(
        f"/panitia/verifikasi/lomba/{competition.id}/tugaskan",
        data={"participant_id": bukit.id, "assessor_id": assessor.id},
    )
    assert response.status_code == 409
    assert "sudah ditutup" in response.get_data(as_text=True)
    assert _count() == 0


def test_assign_participant_of_another_competition_refused(
    app: Flask, make_user: MakeUser, committee: FlaskClient
) -> None:
    competition, _ = verification_competition()
    _other, (foreign,) = create_competition(desa={"64.09.01.2001": "Lain"})
    assessor = make_user(Role.asesor, "64", home_region_code="64.01")
    response = committee.post(
        f"/panitia/verifikasi/lomba/{competition.id}/tugaskan",
        data={"participant_id": foreign.id, "assessor_id": assessor.id},
    )
    assert response.status_code == 400
    assert _count() == 0


def test_assignment_pages_need_panitia(app: Flask, make_user: MakeUser, client: FlaskClient, login: Login) -> None:
    competition, _ = verification_competition()
    login(client, make_user(Role.asesor, "64"))
    assert client.get(f"/panitia/verifikasi/lomba/{competition.id}").status_code == 403
    kabupaten_committee = make_user(Role.panitia, "64.01")
    login(client, kabupaten_committee)
    assert client.get(f"/panitia/verifikasi/lomba/{competition.id}").status_code == 403


def test_csv_with_problems_assigns_nothing(app: Flask, make_user: MakeUser, committee: FlaskClient) -> None:
    competition, _ = verification_competition()
    make_user(Role.asesor, "64", home_region_code="64.01", email="asesor1@contoh.id")
    make_user(Role.asesor, "64", home_region_code="64.09", email="asesor2@contoh.id")
    csv_text = (
        "kode_desa,email_asesor\n64.09.04.2002,asesor1@contoh.id\n64.09.04.2002,asesor2@contoh.id\n"
        "64.99.99.2999,asesor1@contoh.id\n64.09.04.2003,nobody@contoh.id\n"
    )
    response = committee.post(
        f"/panitia/verifikasi/lomba/{competition.id}/unggah-csv",
        data={"file": (io.BytesIO(csv_text.encode()), "penugasan.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Baris 3" in page and "kabupaten asal asesor" in page
    assert "Baris 4" in page and "bukan peserta" in page
    assert "Baris 5" in page and "nobody@contoh.id" in page
    assert _count() == 0


def test_csv_assigns_every_row(app: Flask, make_user: MakeUser, committee: FlaskClient) -> None:
    competition, _ = verification_competition()
    make_user(Role.asesor, "64", home_region_code="64.01", email="asesor1@contoh.id")
    csv_text = "\ufeffkode_desa;email_asesor\n64.09.04.2002;ASESOR1@contoh.id\n64.09.04.2003;asesor1@contoh.id\n"
    response = committee.post(
        f"/panitia/verifikasi/lomba/{competition.id}/unggah-csv",
        data={"file": (io.BytesIO(csv_text.encode()), "penugasan.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert _count() == 2


def test_automatic_assignment_balances_and_avoids_conflicts(
    app: Flask, make_user: MakeUser, committee: FlaskClient
) -> None:
    competition, participants = verification_competition()
    local = make_user(Role.asesor, "64", home_region_code="64.09")
    outsiders: list[User] = [make_user(Role.asesor, "64", home_region_code="64.72") for _ in range(2)]
    response = committee.post(f"/panitia/verifikasi/lomba/{competition.id}/otomatis")
    assert response.status_code == 302
    rows = db.session.scalars(select(Assignment)).all()
    pairs = {(row.participant.desa_code, row.assessor_id) for row in rows}
    for participant in participants:
        assigned = {a for code, a in pairs if code == participant.desa_code}
        assert len(assigned) == 2
        if participant.desa_code.startswith("64.09."):
            assert local.id not in assigned
    loads = [sum(1 for _c, a in pairs if a == user.id) for user in [local, *outsiders]]
    # The local assessor can take only the desa outside PPU; the outsiders share the rest evenly.
    assert loads[0] == 1 and sorted(loads[1:]) == [2, 3]


def test_automatic_assignment_respects_n_per_competition(
    app: Flask, make_user: MakeUser, committee: FlaskClient
) -> None:
    competition, participants = verification_competition()
    for _ in range(3):
        make_user(Role.asesor, "64", home_region_code="64.72")
    assert (
        committee.post(f"/panitia/verifikasi/lomba/{competition.id}/jumlah-asesor", data={"count": "3"}).status_code
        == 302
    )
    committee.post(f"/panitia/verifikasi/lomba/{competition.id}/otomatis")
    assert _count() == 3 * len(participants)
    assert (
        committee.post(f"/panitia/verifikasi/lomba/{competition.id}/jumlah-asesor", data={"count": "0"}).status_code
        == 400
    )


def test_exception_without_reason_refused(app: Flask, committee: FlaskClient) -> None:
    competition, (bukit, *_rest) = verification_competition()
    response = committee.post(
        f"/panitia/verifikasi/lomba/{competition.id}/pengecualian",
        data={
            "participant_id": bukit.id,
            "stage": "penilaian_dokumen",
            "indicator_code": "",
            "last_day": (date.today() + timedelta(days=3)).isoformat(),
            "reason": " ",
        },
    )
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(StageException.id))) == 0


def test_exception_unknown_indicator_refused(app: Flask, committee: FlaskClient) -> None:
    competition, (bukit, *_rest) = verification_competition()
    response = committee.post(
        f"/panitia/verifikasi/lomba/{competition.id}/pengecualian",
        data={
            "participant_id": bukit.id,
            "stage": "penilaian_dokumen",
            "indicator_code": "Z9",
            "last_day": (date.today() + timedelta(days=3)).isoformat(),
            "reason": "Alasan.",
        },
    )
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(StageException.id))) == 0


def test_exception_opened_and_listed(app: Flask, committee: FlaskClient) -> None:
    competition, (bukit, *_rest) = verification_competition()
    response = committee.post(
        f"/panitia/verifikasi/lomba/{competition.id}/pengecualian",
        data={
            "participant_id": bukit.id,
            "stage": "penilaian_dokumen",
            "indicator_code": "A2",
            "last_day": (date.today() + timedelta(days=3)).isoformat(),
            "reason": "Sertifikat BSrE baru terbit.",
        },
    )
    assert response.status_code == 302
    page = committee.get(f"/panitia/verifikasi/lomba/{competition.id}").get_data(as_text=True)
    assert "Sertifikat BSrE baru terbit." in page


def test_manual_list_offers_only_assessors_who_may_take_the_desa(
    app: Flask, make_user: MakeUser, committee: FlaskClient
) -> None:
    competition, (bukit, *_rest) = verification_competition()
    free = make_user(Role.asesor, "64", home_region_code="64.01", name="Asesor Bebas")
    local = make_user(Role.asesor, "64", home_region_code="64.09", name="Asesor Lokal")
    page = committee.get(f"/panitia/verifikasi/lomba/{competition.id}?desa={bukit.id}").get_data(as_text=True)
    offered = page.split('name="assessor_id"', 1)[1].split("</select>", 1)[0]
    assert f'value="{free.id}"' in offered
    assert f'value="{local.id}"' not in offered
    # The missing one is named with the reason, before anyone submits.
    missing = page.split('class="unavailable"', 1)[1].split("</details>", 1)[0]
    assert "Asesor Lokal: konflik kepentingan: desa berada di kabupaten asal asesor" in missing
    # Without a chosen desa no assessor is offered yet (the list depends on the desa).
    first = committee.get(f"/panitia/verifikasi/lomba/{competition.id}").get_data(as_text=True)
    assert 'name="assessor_id"' not in first


def _exception_for(participant_id: int, committee_id: int) -> None:
    now = datetime.now(UTC)
    participant = db.session.get(Participant, participant_id)
    committee = db.session.get(User, committee_id)
    assert participant is not None and committee is not None
    open_exception(
        participant,
        StageCode.penilaian_dokumen,
        None,
        "Asesor baru karena yang lama sakit.",
        now + timedelta(days=3),
        committee,
        now,
    )


def test_csv_upload_honours_a_desa_exception_like_the_manual_form(
    app: Flask, make_user: MakeUser, committee: FlaskClient
) -> None:
    competition, (bukit, semoi, *_rest) = verification_competition(StageCode.rekonsiliasi)
    make_user(Role.asesor, "64", home_region_code="64.01", email="asesor1@contoh.id")
    _exception_for(bukit.id, make_user(Role.panitia, "64").id)
    rows = f"kode_desa,email_asesor\n{bukit.desa_code},asesor1@contoh.id\n{semoi.desa_code},asesor1@contoh.id\n"
    url = f"/panitia/verifikasi/lomba/{competition.id}/unggah-csv"
    response = committee.post(
        url, data={"file": (io.BytesIO(rows.encode()), "penugasan.csv")}, content_type="multipart/form-data"
    )
    assert response.status_code == 400
    assert f"{semoi.desa_code}: tahap penugasan sudah ditutup untuk desa ini" in response.get_data(as_text=True)
    assert _count() == 0
    only_bukit = f"kode_desa,email_asesor\n{bukit.desa_code},asesor1@contoh.id\n"
    response = committee.post(
        url, data={"file": (io.BytesIO(only_bukit.encode()), "penugasan.csv")}, content_type="multipart/form-data"
    )
    assert response.status_code == 302
    assert [a.participant_id for a in db.session.scalars(select(Assignment))] == [bukit.id]


def test_automatic_assignment_honours_a_desa_exception_like_the_manual_form(
    app: Flask, make_user: MakeUser, committee: FlaskClient
) -> None:
    competition, (bukit, *_rest) = verification_competition(StageCode.rekonsiliasi)
    for _ in range(2):
        make_user(Role.asesor, "64", home_region_code="64.72")
    url = f"/panitia/verifikasi/lomba/{competition.id}/otomatis"
    assert committee.post(url).status_code == 409  # the stage is closed and no desa has an exception
    _exception_for(bukit.id, make_user(Role.panitia, "64").id)
    assert committee.post(url).status_code == 302
    assert {a.participant_id for a in db.session.scalars(select(Assignment))} == {bukit.id}
    assert _count() == 2
