"""The operator's journey (test client): criteria, levels, evidence uploads and their bad inputs, submission."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image

from assessment.models import Assignment, Evidence, Participant, Role, SelfAssessment, SubmissionStatus
from assessment.platform.extensions import db
from tests.conftest import Login, MakeUser
from tests.support import files
from tests.support.competition import create_competition

DESA = "64.09.04.2002"
OTHER_DESA = "64.09.04.2003"


@pytest.fixture
def setup(app: Flask, make_user: MakeUser, login: Login, client: FlaskClient):
    _competition, participants = create_competition(desa={DESA: "Bukit Raya", OTHER_DESA: "Semoi Dua"})
    operator = make_user(Role.operator_desa, DESA, name="Operator Bukit Raya")
    login(client, operator)
    return participants[0], participants[1]


def page(participant: Participant, suffix: str = "") -> str:
    return f"/desa/peserta/{participant.id}{suffix}"


def upload(client: FlaskClient, participant: Participant, data: bytes, name: str, code: str = "A1", json: bool = False):
    headers = {"Accept": "application/json"} if json else {}
    return client.post(
        page(participant, f"/indikator/{code}/bukti"),
        headers=headers,
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def stored_files(app: Flask) -> list[Path]:
    return [path for path in Path(app.config["EVIDENCE_DIR"]).rglob("*") if path.is_file()]


def evidence_rows() -> list[Evidence]:
    return list(db.session.scalars(db.select(Evidence)))


def test_operator_sees_criteria_with_level_descriptions_and_required_evidence(client: FlaskClient, setup) -> None:
    mine, _ = setup
    html = client.get(page(mine, "/indikator/A2")).get_data(as_text=True)
    assert "Tanda tangan elektronik tersertifikasi" in html
    assert "TTE BSrE untuk semua surat keluar." in html
    assert "Contoh surat ber-TTE (PDF asli)" in html
    assert "Terstandar" in html


def test_level_and_explanation_are_saved(client: FlaskClient, setup) -> None:
    mine, _ = setup
    response = client.post(page(mine, "/indikator/A1"), data={"level": "3", "explanation": "SID aktif 12 surat"})
    assert response.status_code == 302
    row = db.session.scalar(db.select(SelfAssessment))
    assert (row.level, row.explanation) == (3, "SID aktif 12 surat")


@pytest.mark.parametrize("level", ["5", "-1", "99", "tiga", "2.5"])
def test_level_off_the_scale_is_refused(client: FlaskClient, setup, level: str) -> None:
    mine, _ = setup
    response = client.post(page(mine, "/indikator/A1"), data={"level": level, "explanation": "x"})
    assert response.status_code == 400
    assert "Level harus salah satu level pada skala rubrik." in response.get_data(as_text=True)
    assert db.session.scalar(db.select(SelfAssessment)) is None


def test_over_long_explanation_is_refused(client: FlaskClient, setup) -> None:
    mine, _ = setup
    response = client.post(page(mine, "/indikator/A1"), data={"level": "2", "explanation": "x" * 2001})
    assert response.status_code == 400
    assert "Penjelasan paling panjang 2000 karakter." in response.get_data(as_text=True)
    assert db.session.scalar(db.select(SelfAssessment)) is None


def test_unknown_indicator_is_not_found(client: FlaskClient, setup) -> None:
    mine, _ = setup
    assert client.get(page(mine, "/indikator/Z9")).status_code == 404


def test_photo_upload_keeps_original_private_and_shows_copy_without_exif(
    app: Flask, client: FlaskClient, setup
) -> None:
    mine, _ = setup
    photo = files.jpeg()
    assert upload(client, mine, photo, "foto kantor.jpg").status_code == 302
    [evidence] = evidence_rows()
    assert evidence.sha256 == hashlib.sha256(photo).hexdigest()
    assert evidence.media_type == "image/jpeg"
    assert evidence.original_name == "foto kantor.jpg"
    assert evidence.metadata_json["gps"]["lat"] < 0
    with client.get(f"/desa/bukti/{evidence.id}/gambar") as shown:
        assert shown.status_code == 200
        assert shown.headers["X-Content-Type-Options"] == "nosniff"
        with Image.open(io.BytesIO(shown.data)) as copy:
            assert len(copy.getexif()) == 0
    with client.get(f"/desa/bukti/{evidence.id}/unduh") as original:
        assert original.data == photo
        assert original.headers["Content-Disposition"].startswith("attachment")


def test_pdf_is_stored_and_downloaded_byte_identical(client: FlaskClient, setup) -> None:
    mine, _ = setup
    signed = files.pdf(pages=2, text="Surat ber-TTE")
    upload(client, mine, signed, "surat.pdf", code="A2")
    [evidence] = evidence_rows()
    with client.get(f"/desa/bukti/{evidence.id}/unduh") as response:
        assert response.data == signed
        assert response.mimetype == "application/pdf"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "attachment" in response.headers["Content-Disposition"]
        assert "surat.pdf" in response.headers["Content-Disposition"]


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (files.html_as_jpg(), "foto.jpg", "Jenis berkas tidak didukung"),
        (files.fake_pdf(), "surat.pdf", "PDF rusak"),
        (files.zip_archive(), "bukti.zip", "Arsip ZIP tidak diterima"),
        (files.svg(), "logo.svg", "Jenis berkas tidak didukung"),
        (b"", "kosong.pdf", "Berkas kosong"),
        (files.html_as_jpg(), "../../../etc/passwd", "Jenis berkas tidak didukung"),
    ],
)
def test_bad_upload_is_refused_with_a_message_and_nothing_stored(
    app: Flask, client: FlaskClient, setup, data: bytes, name: str, message: str
) -> None:
    mine, _ = setup
    response = upload(client, mine, data, name)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert evidence_rows() == []
    assert stored_files(app) == []


def test_upload_over_the_evidence_limit_is_refused_and_nothing_stored(app: Flask, client: FlaskClient, setup) -> None:
    mine, _ = setup
    app.config["EVIDENCE_MAX_BYTES"] = 100
    response = upload(client, mine, files.pdf(pages=3), "besar.pdf")
    assert response.status_code == 400
    assert "Berkas terlalu besar" in response.get_data(as_text=True)
    assert evidence_rows() == [] and stored_files(app) == []


def test_request_over_the_size_limit_gets_a_friendly_413(app: Flask, client: FlaskClient, setup) -> None:
    mine, _ = setup
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    response = upload(client, mine, b"\xff\xd8\xff" + bytes(200 * 1024), "besar.jpg")
    assert response.status_code == 413
    assert "Berkas terlalu besar" in response.get_data(as_text=True)
    assert evidence_rows() == [] and stored_files(app) == []
    as_json = upload(client, mine, b"\xff\xd8\xff" + bytes(200 * 1024), "besar.jpg", json=True)
    assert as_json.status_code == 413
    assert "terlalu besar" in as_json.get_json()["message"]


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\boot.ini.pdf", "boot.ini.pdf"),
        ("a" * 3000 + ".pdf", None),
        ("laporan-desa-村庄报告.pdf", "laporan-desa-村庄报告.pdf"),
    ],
)
def test_hostile_names_never_reach_a_path(app: Flask, client: FlaskClient, setup, name: str, shown: str | None) -> None:
    mine, _ = setup
    data = files.pdf()
    assert upload(client, mine, data, name).status_code == 302
    [evidence] = evidence_rows()
    assert len(evidence.original_name) <= 100
    if shown:
        assert evidence.original_name == shown
    with client.get(f"/desa/bukti/{evidence.id}/unduh") as response:
        disposition = response.headers["Content-Disposition"]
        assert disposition.startswith("attachment")
        assert "/" not in disposition and "\\" not in disposition
    root = Path(app.config["EVIDENCE_DIR"])
    for path in stored_files(app):
        relative = path.relative_to(root).parts
        assert relative[-1] == hashlib.sha256(data).hexdigest()
        assert all(part.isalnum() for part in relative)


def test_retrying_the_same_upload_keeps_one_file_and_one_row(app: Flask, client: FlaskClient, setup) -> None:
    mine, _ = setup
    data = files.pdf()
    first = upload(client, mine, data, "surat.pdf", json=True)
    second = upload(client, mine, data, "surat (1).pdf", json=True)
    assert first.status_code == 201 and first.get_json()["created"] is True
    assert second.status_code == 200 and second.get_json()["created"] is False
    assert len(evidence_rows()) == 1
    assert len(stored_files(app)) == 1


def test_a_simultaneous_duplicate_upload_gets_the_first_row_not_a_second(
    app: Flask, client: FlaskClient, setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two requests with the same file both pass the "already there?" check; the database index keeps one row."""
    from assessment.desa import operations

    mine, _ = setup
    data = files.pdf(text="ketuk dua kali")
    first = upload(client, mine, data, "surat.pdf", json=True)
    assert first.status_code == 201
    real_active_copy = operations._active_copy
    calls: list[int] = []

    def racing_check(*args, **kwargs):
        calls.append(1)
        # The first look happens before the other request committed: it sees nothing.
        return None if len(calls) == 1 else real_active_copy(*args, **kwargs)

    monkeypatch.setattr(operations, "_active_copy", racing_check)
    second = upload(client, mine, data, "surat.pdf", json=True)
    assert second.status_code == 200 and second.get_json()["created"] is False
    assert len(calls) == 2
    assert len(evidence_rows()) == 1
    assert len(stored_files(app)) == 1


def test_database_refuses_a_second_active_copy_of_a_file(app: Flask, client: FlaskClient, setup) -> None:
    from sqlalchemy.exc import IntegrityError

    from assessment.models import EvidenceStatus

    mine, _ = setup
    upload(client, mine, files.pdf(text="satu salinan"), "a.pdf")
    (row,) = evidence_rows()
    copy = Evidence(
        participant_id=row.participant_id,
        indicator_code=row.indicator_code,
        kind=row.kind,
        sha256=row.sha256,
        size=row.size,
        media_type=row.media_type,
        uploaded_by_id=row.uploaded_by_id,
        uploaded_at=row.uploaded_at,
    )
    db.session.add(copy)
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    # A removed copy does not count: the file may be uploaded again after removal.
    row = db.session.get(Evidence, row.id)
    row.status = EvidenceStatus.dihapus
    db.session.commit()
    db.session.add(
        Evidence(
            participant_id=row.participant_id,
            indicator_code=row.indicator_code,
            kind=row.kind,
            sha256=row.sha256,
            size=row.size,
            media_type=row.media_type,
            uploaded_by_id=row.uploaded_by_id,
            uploaded_at=row.uploaded_at,
        )
    )
    db.session.commit()


def test_same_file_from_two_desa_is_flagged(
    app: Flask, client: FlaskClient, setup, make_user: MakeUser, login: Login
) -> None:
    mine, theirs = setup
    data = files.pdf(text="SK yang sama")
    upload(client, mine, data, "sk.pdf")
    other_client = login(app.test_client(), make_user(Role.operator_desa, OTHER_DESA))
    upload(other_client, theirs, data, "sk.pdf")
    rows = evidence_rows()
    assert len(rows) == 2
    assert all(row.duplicate_of_other_desa for row in rows)
    # The flag is for the assessors and the committee: it would tell an operator what another desa holds.
    assert "juga diunggah desa lain" not in client.get(page(mine, "/indikator/A1")).get_data(as_text=True)


def test_different_files_are_not_flagged(
    app: Flask, client: FlaskClient, setup, make_user: MakeUser, login: Login
) -> None:
    mine, theirs = setup
    upload(client, mine, files.pdf(text="satu"), "a.pdf")
    upload(login(app.test_client(), make_user(Role.operator_desa, OTHER_DESA)), theirs, files.pdf(text="dua"), "b.pdf")
    assert not any(row.duplicate_of_other_desa for row in evidence_rows())


def test_link_evidence_accepts_only_web_addresses(client: FlaskClient, setup) -> None:
    mine, _ = setup
    bad = client.post(page(mine, "/indikator/A1/tautan"), data={"url": "javascript:alert(1)"})
    assert bad.status_code == 400
    assert "http://" in bad.get_data(as_text=True)
    good = client.post(page(mine, "/indikator/A1/tautan"), data={"url": "https://bukitraya.desa.id/layanan"})
    assert good.status_code == 302
    [row] = evidence_rows()
    assert row.url == "https://bukitraya.desa.id/layanan"


def test_removed_evidence_is_no_longer_listed_or_served(client: FlaskClient, setup) -> None:
    mine, _ = setup
    upload(client, mine, files.pdf(), "surat.pdf")
    [evidence] = evidence_rows()
    client.post(page(mine, f"/bukti/{evidence.id}/hapus"))
    assert "surat.pdf</a>" not in client.get(page(mine, "/indikator/A1")).get_data(as_text=True)
    assert client.get(f"/desa/bukti/{evidence.id}/unduh").status_code == 404


def test_checklist_lists_what_is_still_missing(client: FlaskClient, setup) -> None:
    mine, _ = setup
    client.post(page(mine, "/indikator/A1"), data={"level": "3", "explanation": ""})
    html = client.get(page(mine)).get_data(as_text=True)
    assert "1 dari 2 indikator sudah diberi level." in html
    assert "penjelasan belum diisi" in html
    assert "bukti belum diunggah" in html
    assert "level belum dipilih" in html


def _fill_all(client: FlaskClient, participant: Participant) -> None:
    for code in ("A1", "A2"):
        client.post(page(participant, f"/indikator/{code}"), data={"level": "2", "explanation": "ada"})


def test_submission_locks_the_self_assessment(client: FlaskClient, setup) -> None:
    mine, _ = setup
    _fill_all(client, mine)
    response = client.post(page(mine, "/ajukan"), follow_redirects=True)
    assert "sudah diajukan" in response.get_data(as_text=True)
    db.session.refresh(mine)
    assert mine.status == SubmissionStatus.diajukan
    assert mine.submitted_at is not None
    refused = client.post(page(mine, "/indikator/A1"), data={"level": "4", "explanation": "ubah"})
    assert refused.status_code == 409
    assert db.session.scalar(db.select(SelfAssessment).where(SelfAssessment.indicator_code == "A1")).level == 2
    assert upload(client, mine, files.pdf(), "telat.pdf").status_code == 409
    assert evidence_rows() == []


def test_double_submit_gives_one_result(client: FlaskClient, setup) -> None:
    mine, _ = setup
    _fill_all(client, mine)
    client.post(page(mine, "/ajukan"))
    db.session.refresh(mine)
    first_time, first_version = mine.submitted_at, mine.version
    again = client.post(page(mine, "/ajukan"), follow_redirects=True)
    assert "sudah diajukan sebelumnya" in again.get_data(as_text=True)
    db.session.refresh(mine)
    assert (mine.submitted_at, mine.version) == (first_time, first_version)


def test_submission_without_every_level_is_refused(client: FlaskClient, setup) -> None:
    mine, _ = setup
    client.post(page(mine, "/indikator/A1"), data={"level": "1", "explanation": "x"})
    response = client.post(page(mine, "/ajukan"), follow_redirects=True)
    assert "A2 belum diberi level" in response.get_data(as_text=True)
    db.session.refresh(mine)
    assert mine.status == SubmissionStatus.draf


def test_submission_after_the_deadline_is_refused_showing_the_deadline_in_wita(
    app: Flask, client: FlaskClient, make_user: MakeUser, login: Login
) -> None:
    competition, [late] = create_competition(closes=timedelta(minutes=1))
    stage = competition.stages[0]
    login(client, make_user(Role.operator_desa, DESA))
    _fill_all(client, late)
    from datetime import UTC, datetime

    stage.ends_at = datetime(2026, 8, 31, 15, 59, tzinfo=UTC)
    stage.starts_at = datetime(2026, 8, 1, tzinfo=UTC)
    db.session.commit()
    response = client.post(page(late, "/ajukan"), follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Batas waktu penilaian mandiri sudah lewat" in html
    # 15:59 UTC is 23:59 in Kalimantan Timur (UTC+8).
    assert "Senin, 31 Agustus 2026 pukul 23.59 WITA" in html
    db.session.refresh(late)
    assert late.status == SubmissionStatus.draf


def test_missing_csrf_token_gives_the_400_page(app: Flask, client: FlaskClient, setup) -> None:
    mine, _ = setup
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post(page(mine, "/indikator/A1"), data={"level": "2", "explanation": "x"})
    assert response.status_code == 400
    assert "Formulir ini sudah kedaluwarsa atau tidak lengkap" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(SelfAssessment)) is None
    upload_response = upload(client, mine, files.pdf(), "surat.pdf")
    assert upload_response.status_code == 400
    assert evidence_rows() == []


def test_pages_carry_a_csrf_token_when_protection_is_on(app: Flask, client: FlaskClient, setup) -> None:
    mine, _ = setup
    app.config["WTF_CSRF_ENABLED"] = True
    html = client.get(page(mine, "/indikator/A1")).get_data(as_text=True)
    assert html.count('name="csrf_token"') >= 3


def test_operator_of_another_desa_gets_403_on_pages_and_files(
    app: Flask, client: FlaskClient, setup, make_user: MakeUser, login: Login
) -> None:
    mine, _theirs = setup
    upload(client, mine, files.jpeg(), "foto.jpg")
    [evidence] = evidence_rows()
    intruder = login(app.test_client(), make_user(Role.operator_desa, OTHER_DESA))
    for url in (
        page(mine),
        page(mine, "/indikator/A1"),
        f"/desa/bukti/{evidence.id}/unduh",
        f"/desa/bukti/{evidence.id}/gambar",
    ):
        with intruder.get(url) as response:
            assert response.status_code == 403, url
            assert "Akses ditolak" in response.get_data(as_text=True)
    assert intruder.post(page(mine, "/indikator/A1"), data={"level": "4"}).status_code == 403
    assert upload(intruder, mine, files.pdf(), "x.pdf").status_code == 403
    assert intruder.post(page(mine, "/ajukan")).status_code == 403
    assert len(evidence_rows()) == 1


def test_signed_out_visitor_is_sent_to_login(app: Flask, setup) -> None:
    mine, _ = setup
    response = app.test_client().get(page(mine))
    assert response.status_code == 302
    assert "/masuk" in response.headers["Location"]


@pytest.mark.parametrize(
    ("role", "region", "allowed"),
    [
        (Role.verifikator_kecamatan, "64.09.04", True),
        (Role.verifikator_kecamatan, "64.09.01", False),
        (Role.dpmd, "64.09", True),
        (Role.dpmd, "64.02", False),
        # An assessor reads evidence of assigned desa only (none here; tests/web/test_privacy.py).
        (Role.asesor, "64", False),
        (Role.panitia, "64", True),
    ],
)
def test_downloads_only_to_entitled_users(
    app: Flask, client: FlaskClient, setup, make_user: MakeUser, login: Login, role: Role, region: str, allowed: bool
) -> None:
    mine, _ = setup
    upload(client, mine, files.pdf(), "surat.pdf")
    [evidence] = evidence_rows()
    viewer = login(app.test_client(), make_user(role, region))
    with viewer.get(f"/desa/bukti/{evidence.id}/unduh") as response:
        assert response.status_code == (200 if allowed else 403)


def test_gps_metadata_is_shown_to_assessors_only(
    app: Flask, client: FlaskClient, setup, make_user: MakeUser, login: Login
) -> None:
    mine, _ = setup
    upload(client, mine, files.jpeg(), "foto.jpg")
    assert "GPS" not in client.get(page(mine, "/indikator/A1")).get_data(as_text=True)
    mine.status = SubmissionStatus.diajukan
    db.session.commit()
    dpmd = login(app.test_client(), make_user(Role.dpmd, "64.09"))
    dpmd_html = dpmd.get(f"/kelengkapan/peserta/{mine.id}").get_data(as_text=True)
    assert "GPS" not in dpmd_html
    assert "Tandai lengkap" in dpmd_html
    assessor = make_user(Role.asesor, "64")
    db.session.add(Assignment(participant_id=mine.id, assessor_id=assessor.id, method="manual"))
    db.session.commit()
    asesor = login(app.test_client(), assessor)
    html = asesor.get(f"/kelengkapan/peserta/{mine.id}").get_data(as_text=True)
    assert "GPS -1.258333, 116.833333" in html
    assert "diambil 2026-08-17T10:00:00" in html
    assert "Tandai lengkap" not in html


def test_returned_submission_shows_the_reason_and_can_be_resubmitted(
    app: Flask, client: FlaskClient, setup, make_user: MakeUser, login: Login
) -> None:
    mine, _ = setup
    _fill_all(client, mine)
    client.post(page(mine, "/ajukan"))
    dpmd = login(app.test_client(), make_user(Role.dpmd, "64.09"))
    response = dpmd.post(f"/kelengkapan/peserta/{mine.id}/kembalikan", data={"reason": "Lampirkan SK TTE."})
    assert response.status_code == 302
    html = client.get(page(mine)).get_data(as_text=True)
    assert "Dikembalikan untuk perbaikan" in html
    assert "Lampirkan SK TTE." in html
    fixed = client.post(page(mine, "/indikator/A2"), data={"level": "3", "explanation": "SK terlampir"})
    assert fixed.status_code == 302
    client.post(page(mine, "/ajukan"))
    db.session.refresh(mine)
    assert mine.status == SubmissionStatus.diajukan


def test_operator_pages_render_the_default_rubric(
    app: Flask, client: FlaskClient, make_user: MakeUser, login: Login
) -> None:
    source = (Path(__file__).resolve().parents[2] / "data" / "rubrics" / "desa-digital-kaltim-2026.yaml").read_text()
    _, [participant] = create_competition(source=source)
    login(client, make_user(Role.operator_desa, DESA))
    overview = client.get(page(participant))
    assert overview.status_code == 200
    assert "0 dari 20 indikator sudah diberi level." in overview.get_data(as_text=True)
    indicator = client.get(page(participant, "/indikator/A2")).get_data(as_text=True)
    assert "Tanda tangan elektronik (TTE) tersertifikasi" in indicator


def test_upload_that_fails_while_saving_leaves_no_file_and_no_row(
    app: Flask, setup, make_user: MakeUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assessment.desa import operations
    from assessment.desa.routes import now_utc
    from assessment.platform.storage import get_store
    from assessment.repo import rubric_of

    mine, _ = setup
    user = make_user(Role.operator_desa, DESA)
    rubric = rubric_of(mine.competition.rubric)

    def database_gone() -> None:
        raise RuntimeError("database connection lost")

    monkeypatch.setattr(db.session, "commit", database_gone)
    with pytest.raises(RuntimeError):
        operations.add_evidence_file(
            mine, rubric, "A1", files.jpeg(), "foto.jpg", user, now_utc(), get_store(), 10 * 1024 * 1024
        )
    monkeypatch.undo()
    assert evidence_rows() == []
    assert stored_files(app) == []


def test_double_submit_race_gives_one_result(app: Flask, client: FlaskClient, setup) -> None:
    from sqlalchemy import update
    from sqlalchemy.orm.attributes import set_committed_value

    from assessment.desa import operations
    from assessment.desa.routes import now_utc
    from assessment.repo import rubric_of

    mine, _ = setup
    _fill_all(client, mine)
    db.session.commit()
    # Another request submits first, in its own transaction...
    with db.engine.begin() as connection:
        connection.execute(
            update(Participant.__table__)
            .where(Participant.__table__.c.id == mine.id)
            .values(status="diajukan", version=2)
        )
    # ...after this request had loaded the row as a draft at version 1.
    db.session.refresh(mine)
    set_committed_value(mine, "status", SubmissionStatus.draf)
    set_committed_value(mine, "version", 1)
    assert operations.submit_self_assessment(mine, rubric_of(mine.competition.rubric), now_utc()) is False
    db.session.expire_all()
    fresh = db.session.get(Participant, mine.id)
    assert (fresh.version, fresh.submitted_at) == (2, None)


def test_change_racing_a_submission_is_refused(app: Flask, client: FlaskClient, setup, make_user: MakeUser) -> None:
    from sqlalchemy import update
    from sqlalchemy.orm.attributes import set_committed_value

    from assessment.desa import operations
    from assessment.desa.routes import now_utc
    from assessment.repo import rubric_of

    mine, _ = setup
    user = make_user(Role.operator_desa, DESA)
    db.session.commit()
    with db.engine.begin() as connection:
        connection.execute(
            update(Participant.__table__)
            .where(Participant.__table__.c.id == mine.id)
            .values(status="diajukan", version=2)
        )
    # This request loaded the desa as a draft just before the other tab submitted it.
    db.session.refresh(mine)
    set_committed_value(mine, "status", SubmissionStatus.draf)
    with pytest.raises(operations.SelfAssessmentClosed):
        operations.save_self_assessment(mine, rubric_of(mine.competition.rubric), "A1", 4, "terlambat", user, now_utc())
    assert db.session.scalar(db.select(SelfAssessment)) is None
