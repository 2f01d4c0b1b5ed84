"""The completeness check: scope, marking complete, returning with a required reason, one result per decision."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from assessment.models import (
    Evidence,
    EvidenceKind,
    Participant,
    Role,
    SelfAssessment,
    SubmissionReview,
    SubmissionStatus,
)
from assessment.platform.extensions import db
from assessment.platform.storage import get_store
from tests.conftest import Login, MakeUser
from tests.support import files
from tests.support.competition import create_competition

SEPAKU_DESA = "64.09.04.2002"
WARU_DESA = "64.09.02.2001"
PASER_DESA = "64.01.01.2001"


def _submitted(*participants: Participant) -> None:
    for participant in participants:
        for code in ("A1", "A2"):
            db.session.add(SelfAssessment(participant_id=participant.id, indicator_code=code, level=2))
        participant.status = SubmissionStatus.diajukan
    db.session.commit()


def _setup(app: Flask) -> list[Participant]:
    _, participants = create_competition(
        desa={SEPAKU_DESA: "Bukit Raya", WARU_DESA: "Waru Satu", PASER_DESA: "Desa Paser"}
    )
    _submitted(*participants)
    return participants


def test_verifikator_sees_only_desa_in_their_kecamatan(
    app: Flask, client: FlaskClient, make_user: MakeUser, login: Login
) -> None:
    _setup(app)
    login(client, make_user(Role.verifikator_kecamatan, "64.09.04"))
    html = client.get("/kelengkapan/").get_data(as_text=True)
    assert "Bukit Raya" in html
    assert "Waru Satu" not in html
    assert "Desa Paser" not in html


def test_dpmd_sees_every_desa_of_their_kabupaten_with_status(
    app: Flask, client: FlaskClient, make_user: MakeUser, login: Login
) -> None:
    _setup(app)
    login(client, make_user(Role.dpmd, "64.09"))
    html = client.get("/kelengkapan/").get_data(as_text=True)
    assert "Bukit Raya" in html and "Waru Satu" in html
    assert "Desa Paser" not in html
    assert "Diajukan" in html


def test_status_filter(app: Flask, client: FlaskClient, make_user: MakeUser, login: Login) -> None:
    _sepaku, waru, _ = _setup(app)
    waru.status = SubmissionStatus.lengkap
    db.session.commit()
    login(client, make_user(Role.dpmd, "64.09"))
    html = client.get("/kelengkapan/?status=lengkap").get_data(as_text=True)
    assert "Waru Satu" in html and "Bukit Raya" not in html


def test_reviewer_outside_scope_gets_403(app: Flask, client: FlaskClient, make_user: MakeUser, login: Login) -> None:
    sepaku, _, _ = _setup(app)
    login(client, make_user(Role.verifikator_kecamatan, "64.09.02"))
    assert client.get(f"/kelengkapan/peserta/{sepaku.id}").status_code == 403
    assert client.post(f"/kelengkapan/peserta/{sepaku.id}/lengkap").status_code == 403
    db.session.refresh(sepaku)
    assert sepaku.status == SubmissionStatus.diajukan


def test_operator_cannot_review(app: Flask, client: FlaskClient, make_user: MakeUser, login: Login) -> None:
    sepaku, _, _ = _setup(app)
    login(client, make_user(Role.operator_desa, SEPAKU_DESA))
    assert client.get("/kelengkapan/").status_code == 403
    assert client.post(f"/kelengkapan/peserta/{sepaku.id}/lengkap").status_code == 403


def test_mark_complete(app: Flask, client: FlaskClient, make_user: MakeUser, login: Login) -> None:
    sepaku, _, _ = _setup(app)
    login(client, make_user(Role.verifikator_kecamatan, "64.09.04"))
    assert client.post(f"/kelengkapan/peserta/{sepaku.id}/lengkap").status_code == 302
    db.session.refresh(sepaku)
    assert sepaku.status == SubmissionStatus.lengkap
    [review] = db.session.scalars(db.select(SubmissionReview)).all()
    assert review.decision == "lengkap"


def test_return_needs_a_reason(app: Flask, client: FlaskClient, make_user: MakeUser, login: Login) -> None:
    sepaku, _, _ = _setup(app)
    login(client, make_user(Role.dpmd, "64.09"))
    response = client.post(f"/kelengkapan/peserta/{sepaku.id}/kembalikan", data={"reason": "   "})
    assert response.status_code == 400
    assert "Tulis alasan pengembalian" in response.get_data(as_text=True)
    too_long = client.post(f"/kelengkapan/peserta/{sepaku.id}/kembalikan", data={"reason": "x" * 2001})
    assert too_long.status_code == 400
    db.session.refresh(sepaku)
    assert sepaku.status == SubmissionStatus.diajukan
    assert db.session.scalar(db.select(SubmissionReview)) is None


def test_return_with_reason_unlocks_for_the_operator(
    app: Flask, client: FlaskClient, make_user: MakeUser, login: Login
) -> None:
    sepaku, _, _ = _setup(app)
    login(client, make_user(Role.dpmd, "64.09"))
    client.post(f"/kelengkapan/peserta/{sepaku.id}/kembalikan", data={"reason": "Bukti A2 belum ada."})
    db.session.refresh(sepaku)
    assert sepaku.status == SubmissionStatus.dikembalikan
    [review] = db.session.scalars(db.select(SubmissionReview)).all()
    assert (review.decision, review.reason) == ("dikembalikan", "Bukti A2 belum ada.")


def test_double_decision_gives_one_result(app: Flask, client: FlaskClient, make_user: MakeUser, login: Login) -> None:
    sepaku, _, _ = _setup(app)
    login(client, make_user(Role.dpmd, "64.09"))
    client.post(f"/kelengkapan/peserta/{sepaku.id}/lengkap")
    again = client.post(
        f"/kelengkapan/peserta/{sepaku.id}/kembalikan", data={"reason": "terlambat"}, follow_redirects=True
    )
    assert "tidak sedang menunggu verifikasi" in again.get_data(as_text=True)
    db.session.refresh(sepaku)
    assert sepaku.status == SubmissionStatus.lengkap
    assert len(db.session.scalars(db.select(SubmissionReview)).all()) == 1


def test_draft_cannot_be_decided(app: Flask, client: FlaskClient, make_user: MakeUser, login: Login) -> None:
    sepaku, _, _ = _setup(app)
    sepaku.status = SubmissionStatus.draf
    db.session.commit()
    login(client, make_user(Role.dpmd, "64.09"))
    client.post(f"/kelengkapan/peserta/{sepaku.id}/lengkap")
    db.session.refresh(sepaku)
    assert sepaku.status == SubmissionStatus.draf


def test_home_page_links_each_role_to_its_pages(
    app: Flask, client: FlaskClient, make_user: MakeUser, login: Login
) -> None:
    login(client, make_user(Role.operator_desa, SEPAKU_DESA))
    assert 'href="/desa/"' in client.get("/beranda").get_data(as_text=True)
    reviewer = login(app.test_client(), make_user(Role.verifikator_kecamatan, "64.09.04"))
    html = reviewer.get("/beranda").get_data(as_text=True)
    assert 'href="/kelengkapan/"' in html and 'href="/desa/"' not in html


def test_verifikator_sees_the_previews_the_assessor_sees(
    app: Flask, client: FlaskClient, make_user: MakeUser, login: Login
) -> None:
    """A photo as its EXIF-free display copy inline, a PDF in the browser's viewer, the original still a download."""
    sepaku, _, _ = _setup(app)
    store = get_store()
    photo = store.put(files.jpeg(gps=False, orientation=None)).sha256
    document = store.put(files.pdf(text="SK Kepala Desa")).sha256
    db.session.add_all(
        [
            Evidence(
                participant_id=sepaku.id,
                indicator_code="A1",
                kind=EvidenceKind.file,
                sha256=photo,
                display_sha256=photo,
                media_type="image/jpeg",
                original_name="loket.jpg",
            ),
            Evidence(
                participant_id=sepaku.id,
                indicator_code="A2",
                kind=EvidenceKind.file,
                sha256=document,
                media_type="application/pdf",
                original_name="sk.pdf",
            ),
        ]
    )
    db.session.commit()
    photo_row, pdf_row = db.session.scalars(db.select(Evidence).order_by(Evidence.id)).all()
    login(client, make_user(Role.verifikator_kecamatan, "64.09.04"))
    page = client.get(f"/kelengkapan/peserta/{sepaku.id}").get_data(as_text=True)
    assert f'<img src="/desa/bukti/{photo_row.id}/gambar"' in page
    assert f'href="/desa/bukti/{pdf_row.id}/pdf"' in page
    assert f'href="/desa/bukti/{pdf_row.id}/unduh"' in page
    with client.get(f"/desa/bukti/{pdf_row.id}/pdf") as shown:
        assert shown.status_code == 200 and shown.mimetype == "application/pdf"
        assert "attachment" not in shown.headers.get("Content-Disposition", "")
        assert shown.headers["X-Content-Type-Options"] == "nosniff"
    # Only PDFs are shown inline; a photo's original stays a download.
    assert client.get(f"/desa/bukti/{photo_row.id}/pdf").status_code == 404
    # Another kecamatan's verifikator gets none of it.
    other = make_user(Role.verifikator_kecamatan, "64.09.02")
    login(client, other)
    assert client.get(f"/desa/bukti/{pdf_row.id}/pdf").status_code == 403
