"""Personal data only where it is needed (issue 19, point 3): photo originals, evidence and submissions per role,
blind scoring without drafts, and the "same file as another desa" flag (rules in assessment/services/visibility.py)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select

from assessment.assignments.operations import assign_assessor
from assessment.models import Assignment, DeskScore, Evidence, Participant, Role, StageCode, SubmissionStatus, User
from assessment.platform.extensions import db
from tests.conftest import Login, MakeUser
from tests.support import files
from tests.support.competition import create_competition
from tests.support.verification import verification_competition

BUKIT = "64.09.04.2002"
SEMOI = "64.09.04.2003"
PASER = "64.01.01.2001"


def _upload(client: FlaskClient, participant: Participant, data: bytes, name: str, code: str = "A1") -> Evidence:
    response = client.post(
        f"/desa/peserta/{participant.id}/indikator/{code}/bukti",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    evidence = db.session.scalar(
        select(Evidence).where(Evidence.participant_id == participant.id, Evidence.original_name == name)
    )
    assert evidence is not None
    return evidence


def _has_gps(data: bytes) -> bool:
    with Image.open(io.BytesIO(data)) as image:
        return bool(image.getexif().get_ifd(0x8825))


@dataclass
class Desa:
    """One competition in its self-assessment stage with desa Bukit Raya and Semoi Dua (kecamatan Sepaku) and
    Desa Paser (kabupaten Paser), an operator each, and a photo with GPS uploaded by Bukit Raya's operator."""

    bukit: Participant
    semoi: Participant
    paser: Participant
    uploader: User
    photo: Evidence
    photo_bytes: bytes


@pytest.fixture
def desa(app: Flask, make_user: MakeUser, login: Login) -> Desa:
    _competition, (bukit, semoi, paser) = create_competition(
        desa={BUKIT: "Bukit Raya", SEMOI: "Semoi Dua", PASER: "Desa Paser"}
    )
    uploader = make_user(Role.operator_desa, BUKIT)
    data = files.jpeg()
    photo = _upload(login(app.test_client(), uploader), bukit, data, "balai.jpg")
    return Desa(bukit, semoi, paser, uploader, photo, data)


def test_photo_original_with_gps_only_to_judging_roles(
    app: Flask, desa: Desa, make_user: MakeUser, login: Login
) -> None:
    """The download link gives the original (with EXIF GPS) to the committee, the assigned assessor and the
    operator who uploaded it; the verifikator, DPMD and the desa's other operator get the display copy."""
    committee = make_user(Role.panitia, "64")
    assessor = make_user(Role.asesor, "64", home_region_code="64.72")
    db.session.add(Assignment(participant_id=desa.bukit.id, assessor_id=assessor.id, method="manual"))
    db.session.commit()
    originals = [committee, assessor, desa.uploader]
    copies = [
        make_user(Role.verifikator_kecamatan, "64.09.04"),
        make_user(Role.dpmd, "64.09"),
        make_user(Role.operator_desa, BUKIT),
    ]
    url = f"/desa/bukti/{desa.photo.id}/unduh"
    for user in originals:
        response = login(app.test_client(), user).get(url)
        data = response.get_data()
        response.close()  # a file download holds its file open until closed
        assert response.status_code == 200 and data == desa.photo_bytes, user.email
        assert _has_gps(data)
    for user in copies:
        response = login(app.test_client(), user).get(url)
        data = response.get_data()
        response.close()
        assert response.status_code == 200, user.email
        assert data != desa.photo_bytes and not _has_gps(data), user.email
        assert response.mimetype == "image/jpeg"
        assert "attachment" in response.headers["Content-Disposition"]


def test_pdf_original_served_to_every_reader(app: Flask, desa: Desa, make_user: MakeUser, login: Login) -> None:
    """A PDF has no display copy and must stay byte-identical: every reader of the submission gets it whole."""
    pdf = _upload(login(app.test_client(), desa.uploader), desa.bukit, files.pdf(), "surat.pdf", code="A2")
    response = login(app.test_client(), make_user(Role.verifikator_kecamatan, "64.09.04")).get(
        f"/desa/bukti/{pdf.id}/unduh"
    )
    data = response.get_data()
    response.close()
    assert response.status_code == 200 and data == files.pdf()


def test_duplicate_flag_for_committee_and_assessors_not_operators(
    app: Flask, desa: Desa, make_user: MakeUser, login: Login
) -> None:
    """The same file uploaded by another desa flags both copies for the committee and assessors only, and the
    flag disappears when the other copy is removed."""
    flag = "Berkas yang sama juga diunggah desa lain"
    other_operator = make_user(Role.operator_desa, SEMOI)
    operator_client = login(app.test_client(), other_operator)
    twin = _upload(operator_client, desa.semoi, desa.photo_bytes, "balai-juga.jpg")
    db.session.refresh(desa.photo)
    assert twin.duplicate_of_other_desa and desa.photo.duplicate_of_other_desa
    page = operator_client.get(f"/desa/peserta/{desa.semoi.id}/indikator/A1").get_data(as_text=True)
    assert "balai-juga.jpg" in page and flag not in page
    desa.bukit.status = SubmissionStatus.diajukan
    db.session.commit()
    committee_page = (
        login(app.test_client(), make_user(Role.panitia, "64"))
        .get(f"/kelengkapan/peserta/{desa.bukit.id}")
        .get_data(as_text=True)
    )
    assert flag in committee_page
    verifikator_page = (
        login(app.test_client(), make_user(Role.verifikator_kecamatan, "64.09.04"))
        .get(f"/kelengkapan/peserta/{desa.bukit.id}")
        .get_data(as_text=True)
    )
    assert "balai.jpg" in verifikator_page and flag not in verifikator_page
    response = operator_client.post(f"/desa/peserta/{desa.semoi.id}/bukti/{twin.id}/hapus")
    assert response.status_code == 302
    db.session.refresh(desa.photo)
    assert desa.photo.duplicate_of_other_desa is False
    committee_page = (
        login(app.test_client(), make_user(Role.panitia, "64"))
        .get(f"/kelengkapan/peserta/{desa.bukit.id}")
        .get_data(as_text=True)
    )
    assert flag not in committee_page


def test_duplicate_flag_stays_while_another_desa_still_holds_the_file(
    app: Flask, desa: Desa, make_user: MakeUser, login: Login
) -> None:
    semoi_client = login(app.test_client(), make_user(Role.operator_desa, SEMOI))
    twin = _upload(semoi_client, desa.semoi, desa.photo_bytes, "kembar.jpg")
    _upload(
        login(app.test_client(), make_user(Role.operator_desa, PASER)), desa.paser, desa.photo_bytes, "kembar-paser.jpg"
    )
    semoi_client.post(f"/desa/peserta/{desa.semoi.id}/bukti/{twin.id}/hapus")
    db.session.refresh(desa.photo)
    assert desa.photo.duplicate_of_other_desa is True


# --- assessors and the ketua tim: assigned desa only ---------------------------------------------------------


@dataclass
class Verification:
    """A competition in penilaian dokumen: Bukit Raya assigned to ``assessor``; Semoi Dua to nobody."""

    bukit: Participant
    semoi: Participant
    committee: User
    assessor: User
    assignment: Assignment
    photo: Evidence


@pytest.fixture
def verification(app: Flask, make_user: MakeUser, login: Login) -> Verification:
    _competition, (bukit, semoi, _paser) = verification_competition()
    committee = make_user(Role.panitia, "64")
    assessor = make_user(Role.asesor, "64", home_region_code="64.72")
    assignment = assign_assessor(bukit, assessor, committee, datetime.now(UTC))
    store_photo = Evidence(
        participant_id=bukit.id,
        indicator_code="A1",
        kind="file",
        sha256="a" * 64,
        size=1,
        media_type="image/jpeg",
        display_sha256="b" * 64,
        original_name="foto.jpg",
    )
    semoi_photo = Evidence(
        participant_id=semoi.id,
        indicator_code="A1",
        kind="file",
        sha256="c" * 64,
        size=1,
        media_type="application/pdf",
        original_name="semoi.pdf",
    )
    db.session.add_all([store_photo, semoi_photo])
    db.session.commit()
    return Verification(bukit, semoi, committee, assessor, assignment, semoi_photo)


def test_unassigned_desa_closed_to_assessor(app: Flask, verification: Verification, login: Login) -> None:
    """An assessor reads the submission and evidence of an assigned desa only: not another desa of the province
    (its list, its page, its files)."""
    client = login(app.test_client(), verification.assessor)
    listing = client.get("/kelengkapan/").get_data(as_text=True)
    assert f"/kelengkapan/peserta/{verification.bukit.id}" in listing
    assert f"/kelengkapan/peserta/{verification.semoi.id}" not in listing
    assert client.get(f"/kelengkapan/peserta/{verification.bukit.id}").status_code == 200
    assert client.get(f"/kelengkapan/peserta/{verification.semoi.id}").status_code == 403
    assert client.get(f"/desa/bukti/{verification.photo.id}/unduh").status_code == 403


def test_draft_self_assessments_closed_to_unassigned_assessor(app: Flask, make_user: MakeUser, login: Login) -> None:
    _competition, [draft] = create_competition(desa={BUKIT: "Bukit Raya"})
    client = login(app.test_client(), make_user(Role.asesor, "64", home_region_code="64.72"))
    assert f"/kelengkapan/peserta/{draft.id}" not in client.get("/kelengkapan/").get_data(as_text=True)
    assert client.get(f"/kelengkapan/peserta/{draft.id}").status_code == 403


def test_withdrawn_assignment_closes_the_desa(app: Flask, verification: Verification, login: Login) -> None:
    verification.assignment.withdrawn_at = datetime.now(UTC)
    db.session.commit()
    client = login(app.test_client(), verification.assessor)
    assert client.get(f"/kelengkapan/peserta/{verification.bukit.id}").status_code == 403
    assert f"/kelengkapan/peserta/{verification.bukit.id}" not in client.get("/kelengkapan/").get_data(as_text=True)


def _submitted(participant: Participant, assessor: User, committee: User, levels: dict[str, int]) -> Assignment:
    stage = participant.competition.stage(StageCode.penilaian_dokumen)
    assert stage is not None
    assignment = assign_assessor(participant, assessor, committee, stage.starts_at + timedelta(seconds=1))
    for code, level in levels.items():
        db.session.add(DeskScore(assignment_id=assignment.id, indicator_code=code, level=level, note="x"))
    assignment.submitted_at = datetime.now(UTC)
    db.session.commit()
    return assignment


def test_ketua_tim_reads_desa_in_reconciliation_only(app: Flask, make_user: MakeUser, login: Login) -> None:
    """The ketua tim reads a desa whose levels disagree (in reconciliation), not the others; a ketua tim with a
    conflict of interest (home in the desa's kabupaten) does not see it in any list either."""
    _competition, (bukit, semoi, _paser) = verification_competition(StageCode.rekonsiliasi)
    committee = make_user(Role.panitia, "64")
    first = make_user(Role.asesor, "64", home_region_code="64.72")
    second = make_user(Role.asesor, "64", home_region_code="64.01")
    _submitted(bukit, first, committee, {"A1": 1, "A2": 2})
    _submitted(bukit, second, committee, {"A1": 4, "A2": 2})
    _submitted(semoi, first, committee, {"A1": 3, "A2": 2})
    _submitted(semoi, second, committee, {"A1": 3, "A2": 2})
    lead = login(app.test_client(), make_user(Role.ketua_tim, "64", home_region_code="64.72"))
    listing = lead.get("/kelengkapan/").get_data(as_text=True)
    assert f"/kelengkapan/peserta/{bukit.id}" in listing and f"/kelengkapan/peserta/{semoi.id}" not in listing
    assert lead.get(f"/kelengkapan/peserta/{bukit.id}").status_code == 200
    assert lead.get(f"/kelengkapan/peserta/{semoi.id}").status_code == 403
    conflicted = login(app.test_client(), make_user(Role.ketua_tim, "64", home_region_code="64.09.01"))
    assert f"/kelengkapan/peserta/{bukit.id}" not in conflicted.get("/kelengkapan/").get_data(as_text=True)
    assert conflicted.get(f"/kelengkapan/peserta/{bukit.id}").status_code == 403
    page = conflicted.get(f"/ketua-tim/lomba/{bukit.competition_id}").get_data(as_text=True)
    assert "Bukit Raya" not in page


def test_assessor_sees_only_submitted_scores_of_others(
    app: Flask, verification: Verification, make_user: MakeUser, login: Login
) -> None:
    """After submitting, an assessor sees the other assessors' submitted scores, never a draft."""
    other = make_user(Role.asesor, "64", home_region_code="64.01", name="Asesor Draf")
    draft = assign_assessor(verification.bukit, other, verification.committee, datetime.now(UTC))
    db.session.add(DeskScore(assignment_id=draft.id, indicator_code="A1", level=1, note="Catatan draf rahasia"))
    own = verification.assignment
    db.session.add_all(
        [
            DeskScore(assignment_id=own.id, indicator_code="A1", level=3, note="Catatan sendiri"),
            DeskScore(assignment_id=own.id, indicator_code="A2", level=2, note=""),
        ]
    )
    own.submitted_at = datetime.now(UTC)
    db.session.commit()
    client = login(app.test_client(), verification.assessor)
    page = client.get(f"/asesor/penugasan/{own.id}/indikator/A1").get_data(as_text=True)
    assert "Catatan draf rahasia" not in page and "Asesor Draf" not in page
    draft.submitted_at = datetime.now(UTC)
    db.session.commit()
    page = client.get(f"/asesor/penugasan/{own.id}/indikator/A1").get_data(as_text=True)
    assert "Catatan draf rahasia" in page and "Asesor Draf" in page


def test_conflicted_assessor_sees_assigned_desa_in_no_list(
    app: Flask, verification: Verification, login: Login
) -> None:
    """A conflict found after the assignment (the assessor's home region moved into the desa's kabupaten) hides
    the desa from the lists at once, before anyone withdraws the assignment."""
    [grant] = verification.assessor.grants
    grant.home_region_code = "64.09.04"
    db.session.commit()
    client = login(app.test_client(), verification.assessor)
    assert f"/kelengkapan/peserta/{verification.bukit.id}" not in client.get("/kelengkapan/").get_data(as_text=True)
    assert client.get(f"/kelengkapan/peserta/{verification.bukit.id}").status_code == 403


def test_conflicted_assessor_sees_assigned_desa_in_no_assessor_list(
    app: Flask, verification: Verification, login: Login
) -> None:
    client = login(app.test_client(), verification.assessor)
    link = f"/asesor/penugasan/{verification.assignment.id}"
    assert link in client.get("/asesor/").get_data(as_text=True)
    [grant] = verification.assessor.grants
    grant.home_region_code = "64.09.04"
    db.session.commit()
    assert link not in client.get("/asesor/").get_data(as_text=True)
