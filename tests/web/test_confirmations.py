"""Confirm what cannot be undone (issue 12, point 5): submitting a self-assessment, submitting desk scores and
withdrawing an assignment first show a page (no JavaScript) saying what will happen and what is still missing;
opening that page changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask
from flask.testing import FlaskClient

from assessment.assignments.operations import assign_assessor
from assessment.models import Assignment, Participant, Role, SubmissionStatus
from assessment.platform.extensions import db
from tests.conftest import Login, MakeUser
from tests.support.competition import create_competition
from tests.support.verification import verification_competition

DESA = "64.09.04.2002"


def test_self_assessment_submission_is_confirmed_on_a_page(
    app: Flask, client: FlaskClient, make_user: MakeUser, login: Login
) -> None:
    _competition, [participant] = create_competition(desa={DESA: "Bukit Raya"})
    login(client, make_user(Role.operator_desa, DESA))
    overview = client.get(f"/desa/peserta/{participant.id}").get_data(as_text=True)
    assert f'method="get" action="/desa/peserta/{participant.id}/ajukan"' in overview
    page = client.get(f"/desa/peserta/{participant.id}/ajukan").get_data(as_text=True)
    assert "Yang akan terjadi" in page and "terkunci" in page
    assert "Belum bisa diajukan: indikator berikut belum diberi level." in page
    assert "A1 Layanan surat daring" in page and "Ya, ajukan sekarang" not in page
    client.post(f"/desa/peserta/{participant.id}/indikator/A1", data={"level": "3", "explanation": ""})
    client.post(f"/desa/peserta/{participant.id}/indikator/A2", data={"level": "0", "explanation": ""})
    page = client.get(f"/desa/peserta/{participant.id}/ajukan").get_data(as_text=True)
    assert "Ya, ajukan sekarang" in page
    assert "penjelasan belum diisi" in page and "bukti belum diunggah" in page  # A1 above the lowest level
    assert db.session.get(Participant, participant.id).status == SubmissionStatus.draf  # type: ignore[union-attr]
    assert client.post(f"/desa/peserta/{participant.id}/ajukan").status_code == 302
    assert db.session.get(Participant, participant.id).status == SubmissionStatus.diajukan  # type: ignore[union-attr]


def test_desk_submission_is_confirmed_on_a_page(
    app: Flask, client: FlaskClient, make_user: MakeUser, login: Login
) -> None:
    competition, [participant, *_rest] = verification_competition()
    committee = make_user(Role.panitia, "64")
    assessor = make_user(Role.asesor, "64", home_region_code="64.01")
    assignment = assign_assessor(participant, assessor, committee, datetime.now(UTC))
    login(client, assessor)
    page = client.get(f"/asesor/penugasan/{assignment.id}/ajukan").get_data(as_text=True)
    assert "menjadi final" in page and "Indikator tanpa level:" in page and "A2 " in page
    assert "Ya, ajukan penilaian dokumen" not in page
    for code in ("A1", "A2"):
        client.post(
            f"/asesor/penugasan/{assignment.id}/indikator/{code}",
            data={"level": "2", "note": "Sesuai bukti.", "version": "0"},
        )
    page = client.get(f"/asesor/penugasan/{assignment.id}/ajukan").get_data(as_text=True)
    assert "Semua indikator dan bukti sudah dinilai." in page and "Ya, ajukan penilaian dokumen" in page
    assert db.session.get(Assignment, assignment.id).submitted_at is None  # type: ignore[union-attr]
    del competition


def test_withdrawal_is_confirmed_on_a_page(app: Flask, client: FlaskClient, make_user: MakeUser, login: Login) -> None:
    competition, [participant, *_rest] = verification_competition()
    committee = make_user(Role.panitia, "64", name="Panitia")
    assessor = make_user(Role.asesor, "64", home_region_code="64.01", name="Asesor Tarik")
    assignment = assign_assessor(participant, assessor, committee, datetime.now(UTC))
    login(client, committee)
    listing = client.get(f"/panitia/verifikasi/lomba/{competition.id}").get_data(as_text=True)
    confirm_url = f"/panitia/verifikasi/lomba/{competition.id}/penugasan/{assignment.id}/tarik"
    assert f'href="{confirm_url}"' in listing
    page = client.get(confirm_url).get_data(as_text=True)
    assert "Tarik penugasan Asesor Tarik dari Desa" in page
    assert "tidak dapat ditugaskan lagi" in page and "punya 0 dari 2 asesor" in page
    assert "Ya, tarik penugasan" in page
    assert db.session.get(Assignment, assignment.id).withdrawn_at is None  # type: ignore[union-attr]
    assert client.post(confirm_url).status_code == 302
    assert db.session.get(Assignment, assignment.id).withdrawn_at is not None  # type: ignore[union-attr]
    assert "sudah ditarik sebelumnya" in client.get(confirm_url).get_data(as_text=True)
