"""Desk scoring: rules, blind scoring, final submission, uji akses, evidence files, conflicts → 403."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from assessment.assessors import operations
from assessment.assessors.rules import asks_for_access_test, can_see_other_scores, desk_score_problems
from assessment.assignments.operations import assign_assessor
from assessment.models import (
    AccessTest,
    Assignment,
    DeskScore,
    Evidence,
    EvidenceKind,
    Participant,
    Region,
    Role,
    SelfAssessment,
    StageCode,
    User,
)
from assessment.platform.extensions import db
from assessment.platform.storage import get_store
from assessment.platform.wita import WITA
from assessment.repo import rubric_of
from tests.conftest import Login, MakeUser
from tests.support import files
from tests.support.signed_pdf import signed_pdf
from tests.support.verification import ACCESS_TEST_RUBRIC, set_stage, verification_competition


@dataclass
class World:
    """A desa in penilaian dokumen with evidence, two assigned assessors and a committee member."""

    participant: Participant
    first: User
    second: User
    one: Assignment
    two: Assignment
    photo: Evidence
    letter: Evidence
    link: Evidence
    pdf_bytes: bytes


def _file_evidence(
    participant: Participant, code: str, data: bytes, media_type: str, name: str, display: bytes | None = None
) -> Evidence:
    store = get_store()
    key = store.put(data).sha256
    display_key = store.put(display).sha256 if display else None
    evidence = Evidence(
        participant_id=participant.id,
        indicator_code=code,
        kind=EvidenceKind.file,
        sha256=key,
        size=len(data),
        media_type=media_type,
        display_sha256=display_key,
        original_name=name,
    )
    db.session.add(evidence)
    db.session.commit()
    return evidence


@pytest.fixture
def world(app: Flask, make_user: MakeUser) -> World:
    _competition, (bukit, *_rest) = verification_competition()
    db.session.add_all(
        [
            SelfAssessment(
                participant_id=bukit.id, indicator_code="A1", level=3, explanation="OpenSID 12 jenis surat."
            ),
            SelfAssessment(participant_id=bukit.id, indicator_code="A2", level=2, explanation="TTE BSrE."),
        ]
    )
    db.session.commit()
    photo = _file_evidence(
        bukit,
        "A1",
        files.jpeg(),
        "image/jpeg",
        "layanan.jpg",
        display=files.jpeg(gps=False, orientation=None, color="blue"),
    )
    pdf_bytes, _cert = signed_pdf("Kepala Desa Bukit Raya")
    letter = _file_evidence(bukit, "A2", pdf_bytes, "application/pdf", "surat-tte.pdf")
    link = Evidence(
        participant_id=bukit.id, indicator_code="A1", kind=EvidenceKind.url, url="https://bukitraya.desa.id/layanan"
    )
    db.session.add(link)
    db.session.commit()
    committee = make_user(Role.panitia, "64")
    first = make_user(Role.asesor, "64", home_region_code="64.72", name="Asesor Pertama")
    second = make_user(Role.asesor, "64", home_region_code="64.01", name="Asesor Kedua")
    now = datetime.now(UTC)
    one = assign_assessor(bukit, first, committee, now)
    two = assign_assessor(bukit, second, committee, now)
    return World(bukit, first, second, one, two, photo, letter, link, pdf_bytes)


def _score_all(client: FlaskClient, world: World, assignment: Assignment, a1: int, a2: int, who: str = "") -> None:
    url = f"/asesor/penugasan/{assignment.id}/indikator"
    response = client.post(
        f"{url}/A1",
        data={
            "level": str(a1),
            "note": f"Catatan A1 rahasia {who}" if a1 != 3 else "",
            f"verdict-{world.photo.id}": "valid",
            f"verdict-{world.link.id}": "tidak_cukup",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    response = client.post(
        f"{url}/A2",
        data={"level": str(a2), "note": "" if a2 == 2 else "Catatan A2 rahasia", f"verdict-{world.letter.id}": "valid"},
    )
    assert response.status_code == 302


# --- rules -------------------------------------------------------------------------------------------------------


def test_note_required_when_level_differs_from_self_assessment(app: Flask, world: World) -> None:
    rubric = rubric_of(world.participant.competition.rubric)
    a1 = rubric.indicator("A1")
    assert desk_score_problems(rubric, a1, 3, False, "", 3) == []
    assert desk_score_problems(rubric, a1, 2, False, "", 3) == ["note"]
    assert desk_score_problems(rubric, a1, 2, False, "Tidak ada pelacakan.", 3) == []
    assert desk_score_problems(rubric, a1, 1, False, "", None) == ["note"]


def test_level_off_the_scale_refused(app: Flask, world: World) -> None:
    rubric = rubric_of(world.participant.competition.rubric)
    assert "level" in desk_score_problems(rubric, rubric.indicator("A1"), 5, False, "x", 3)
    assert "na_not_allowed" in desk_score_problems(rubric, rubric.indicator("A1"), None, True, "x", 3)


def test_access_test_asked_where_verification_names_it(app: Flask) -> None:
    from assessment.criteria.model import Indicator, Level

    def make(verification: str) -> Indicator:
        return Indicator(
            "X1",
            "x",
            weight=__import__("decimal").Decimal(1),
            levels=(Level(0, "a"), Level(1, "b")),
            verification=verification,
        )

    assert asks_for_access_test(make("Uji akses — asesor mengirim pengaduan uji."))
    assert not asks_for_access_test(make("Asesor membuka website."))


def test_blind_scoring_rule(app: Flask, world: World) -> None:
    assert not can_see_other_scores(world.one)
    world.one.submitted_at = datetime.now(UTC)
    assert can_see_other_scores(world.one)
    world.one.withdrawn_at = datetime.now(UTC)
    assert not can_see_other_scores(world.one)


# --- pages ----------------------------------------------------------------------------------------------------------


def test_assessor_sees_levels_self_assessment_and_evidence(
    app: Flask, world: World, client: FlaskClient, login: Login
) -> None:
    login(client, world.first)
    page = client.get(f"/asesor/penugasan/{world.one.id}/indikator/A1").get_data(as_text=True)
    assert "Sepuluh jenis surat daring dan dapat dilacak." in page  # a level description
    assert "OpenSID 12 jenis surat." in page  # the self-assessment explanation
    assert f"/asesor/penugasan/{world.one.id}/bukti/{world.photo.id}/gambar" in page
    assert "https://bukitraya.desa.id/layanan" in page
    page = client.get(f"/asesor/penugasan/{world.one.id}/indikator/A2").get_data(as_text=True)
    assert "Kepala Desa Bukit Raya" in page and "tidak berubah" in page
    assert f"/asesor/penugasan/{world.one.id}/bukti/{world.letter.id}/pdf" in page


def test_evidence_files_served_inline_and_pdf_byte_identical(
    app: Flask, world: World, client: FlaskClient, login: Login
) -> None:
    login(client, world.first)
    with client.get(f"/asesor/penugasan/{world.one.id}/bukti/{world.letter.id}/pdf") as pdf:
        assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
        assert pdf.data == world.pdf_bytes
        assert "attachment" not in pdf.headers.get("Content-Disposition", "")
    with client.get(f"/asesor/penugasan/{world.one.id}/bukti/{world.photo.id}/gambar") as image:
        assert image.status_code == 200 and image.mimetype == "image/jpeg"
    # Another desa's evidence id through this assignment: not found.
    assert client.get(f"/asesor/penugasan/{world.one.id}/bukti/{world.link.id}/pdf").status_code == 404


def test_two_assessors_score_blind_until_own_submission(
    app: Flask, world: World, client: FlaskClient, login: Login
) -> None:
    login(client, world.first)
    _score_all(client, world, world.one, 2, 1, who="pertama")
    second = app.test_client()
    login(second, world.second)
    _score_all(second, world, world.two, 4, 2, who="kedua")
    page = second.get(f"/asesor/penugasan/{world.two.id}/indikator/A1").get_data(as_text=True)
    assert "Catatan A1 rahasia pertama" not in page and "Asesor Pertama" not in page
    assert client.post(f"/asesor/penugasan/{world.one.id}/ajukan").status_code == 302
    # The first assessor submitted: the second's draft stays hidden from them (never a draft); the second still
    # sees nothing of the first.
    page = client.get(f"/asesor/penugasan/{world.one.id}/indikator/A1").get_data(as_text=True)
    assert "Asesor Kedua" not in page and "Catatan A1 rahasia kedua" not in page
    page = second.get(f"/asesor/penugasan/{world.two.id}").get_data(as_text=True)
    assert "Asesor Pertama" not in page
    second.post(f"/asesor/penugasan/{world.two.id}/ajukan")
    page = second.get(f"/asesor/penugasan/{world.two.id}/indikator/A1").get_data(as_text=True)
    assert "Catatan A1 rahasia pertama" in page
    page = client.get(f"/asesor/penugasan/{world.one.id}/indikator/A1").get_data(as_text=True)
    assert "Asesor Kedua" in page and "Catatan A1 rahasia kedua" in page


def test_submission_is_final(app: Flask, world: World, client: FlaskClient, login: Login) -> None:
    login(client, world.first)
    _score_all(client, world, world.one, 3, 2)
    client.post(f"/asesor/penugasan/{world.one.id}/ajukan")
    response = client.post(f"/asesor/penugasan/{world.one.id}/indikator/A1", data={"level": "1", "note": "Ubah."})
    assert response.status_code == 409
    score = db.session.scalar(
        select(DeskScore).where(DeskScore.assignment_id == world.one.id, DeskScore.indicator_code == "A1")
    )
    assert score is not None and score.level == 3


def test_submission_needs_every_level_and_verdict(app: Flask, world: World, client: FlaskClient, login: Login) -> None:
    login(client, world.first)
    client.post(
        f"/asesor/penugasan/{world.one.id}/indikator/A1", data={"level": "3", f"verdict-{world.photo.id}": "valid"}
    )
    response = client.post(f"/asesor/penugasan/{world.one.id}/ajukan", follow_redirects=True)
    assert "A1, A2" in response.get_data(as_text=True)
    assert db.session.get(Assignment, world.one.id).submitted_at is None  # type: ignore[union-attr]


def test_score_with_bad_input_refused(app: Flask, world: World, client: FlaskClient, login: Login) -> None:
    login(client, world.first)
    url = f"/asesor/penugasan/{world.one.id}/indikator/A1"
    assert client.post(url, data={"level": "7", "note": "x"}).status_code == 400
    response = client.post(url, data={"level": "1", "note": ""})
    assert response.status_code == 400 and "Catatan wajib diisi" in response.get_data(as_text=True)
    # A verdict on evidence of another indicator, or a verdict off the list.
    assert client.post(url, data={"level": "3", f"verdict-{world.letter.id}": "valid"}).status_code == 400
    assert client.post(url, data={"level": "3", f"verdict-{world.photo.id}": "bagus"}).status_code == 400
    assert db.session.scalars(select(DeskScore)).all() == []


def test_scoring_outside_stage_refused(app: Flask, world: World, client: FlaskClient, login: Login) -> None:
    set_stage(world.participant.competition, StageCode.penilaian_dokumen, -timedelta(days=10), -timedelta(days=1))
    login(client, world.first)
    response = client.post(f"/asesor/penugasan/{world.one.id}/indikator/A1", data={"level": "3"})
    assert response.status_code == 409
    assert db.session.scalars(select(DeskScore)).all() == []


def test_other_assessors_assignment_is_forbidden(app: Flask, world: World, client: FlaskClient, login: Login) -> None:
    login(client, world.first)
    assert client.get(f"/asesor/penugasan/{world.two.id}").status_code == 403
    assert client.post(f"/asesor/penugasan/{world.two.id}/indikator/A1", data={"level": "3"}).status_code == 403
    assert client.get(f"/asesor/penugasan/{world.two.id}/bukti/{world.letter.id}/pdf").status_code == 403


def test_conflicted_assessor_gets_403_everywhere(app: Flask, world: World, client: FlaskClient, login: Login) -> None:
    login(client, world.first)
    _score_all(client, world, world.one, 3, 2)
    region = db.session.scalar(select(Region).where(Region.code == "64.09.04"))
    assert region is not None
    assert operations.declare_conflict(world.first, region, "Istri saya perangkat desa.", datetime.now(UTC)) == 1
    for url in (
        f"/asesor/penugasan/{world.one.id}",
        f"/asesor/penugasan/{world.one.id}/indikator/A1",
        f"/asesor/penugasan/{world.one.id}/bukti/{world.photo.id}/gambar",
        f"/asesor/penugasan/{world.one.id}/bukti/{world.letter.id}/pdf",
        f"/desa/bukti/{world.letter.id}/unduh",
        f"/desa/bukti/{world.photo.id}/gambar",
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/asesor/penugasan/{world.one.id}/ajukan").status_code == 403


def test_home_kabupaten_assessor_cannot_open_desa_evidence(
    app: Flask, world: World, make_user: MakeUser, client: FlaskClient, login: Login
) -> None:
    local = make_user(Role.asesor, "64", home_region_code="64.09.01")
    login(client, local)
    assert client.get(f"/desa/bukti/{world.letter.id}/unduh").status_code == 403


def test_declare_conflict_through_the_page(app: Flask, world: World, client: FlaskClient, login: Login) -> None:
    login(client, world.first)
    assert client.post("/asesor/konflik", data={"region_code": "64.99", "reason": "x"}).status_code == 400
    assert client.post("/asesor/konflik", data={"region_code": "64.09.04.2002", "reason": ""}).status_code == 400
    response = client.post("/asesor/konflik", data={"region_code": "64.09.04.2002", "reason": "Kerabat kades."})
    assert response.status_code == 302
    assert db.session.get(Assignment, world.one.id).withdrawn_at is not None  # type: ignore[union-attr]


def test_access_test_refused_where_rubric_does_not_ask(app: Flask, world: World) -> None:
    rubric = rubric_of(world.participant.competition.rubric)
    now = datetime.now(UTC)
    with pytest.raises(operations.ScoreRejected) as refused:
        operations.record_access_test(world.one, rubric, "A1", now - timedelta(hours=2), None, "", now)
    assert refused.value.problems == ["not_asked"]
    assert db.session.scalars(select(AccessTest)).all() == []


def test_access_test_recorded(app: Flask, make_user: MakeUser, client: FlaskClient, login: Login) -> None:
    _competition, (desa,) = verification_competition(desa={"64.09.04.2002": "Bukit Raya"}, source=ACCESS_TEST_RUBRIC)
    assessor = make_user(Role.asesor, "64", home_region_code="64.72")
    assignment = assign_assessor(desa, assessor, make_user(Role.panitia, "64"), datetime.now(UTC))
    login(client, assessor)
    url = f"/asesor/penugasan/{assignment.id}/indikator/A1"
    assert "Uji akses" in client.get(url).get_data(as_text=True)
    sent = (datetime.now(WITA) - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    before = (datetime.now(WITA) - timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    answered = (datetime.now(WITA) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    bad = client.post(f"{url}/uji-akses", data={"sent_at": sent, "answered_at": before, "result": "x"})
    assert bad.status_code == 400
    assert db.session.scalars(select(AccessTest)).all() == []
    ok = client.post(
        f"{url}/uji-akses",
        data={"sent_at": sent, "answered_at": answered, "result": "Surat selesai dalam 1 hari, nomor registrasi 12."},
    )
    assert ok.status_code == 302
    (test,) = db.session.scalars(select(AccessTest)).all()
    assert test.answered_at is not None and test.answered_at - test.sent_at == timedelta(days=1)
    assert "nomor registrasi 12" in test.result


def test_draft_saved_and_shown_again(app: Flask, world: World, client: FlaskClient, login: Login) -> None:
    login(client, world.first)
    client.post(
        f"/asesor/penugasan/{world.one.id}/indikator/A1",
        data={"level": "2", "note": "Belum dapat dilacak.", f"verdict-{world.photo.id}": "tidak_valid"},
    )
    page = client.get(f"/asesor/penugasan/{world.one.id}/indikator/A1").get_data(as_text=True)
    assert "Belum dapat dilacak." in page
    assert 'value="tidak_valid" selected' in page
