"""Field verification (klarifikasi lapangan): finalists, field level precedence, the stage gate, conflicts,
stale saves, photos, and the committee's and ketua tim's side-by-side view."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from assessment.field.operations import (
    FieldConflict,
    FieldRefused,
    finalist_rule,
    finalists_of,
    remove_field_photo,
    save_field_level,
    set_finalist_rule,
)
from assessment.models import (
    AuditEvent,
    ConflictDeclaration,
    DeskScore,
    Evidence,
    EvidenceJudgement,
    EvidenceKind,
    EvidenceVerdict,
    FieldLevel,
    FieldPhoto,
    FinalistScope,
    Reconciliation,
    StageCode,
    StageException,
    VerificationSettings,
)
from assessment.platform.extensions import db
from assessment.platform.storage import get_store
from assessment.repo import FIELD_BY, RECONCILED_BY, rubric_of, verified_records
from assessment.services.stages import StageClosed
from tests.conftest import Login, MakeUser
from tests.support import files
from tests.support.field import FieldWorld, field_world

BUKIT = "64.09.04.2002"
SEMOI = "64.09.04.2003"


@pytest.fixture
def world(app: Flask, make_user: MakeUser) -> FieldWorld:
    return field_world(make_user)


def _records(world: FieldWorld, code: str, indicator: str) -> list[tuple[str, str, str, int | None]]:
    return [r for r in verified_records(world.competition) if r[0] == code and r[1] == indicator]


def _save(
    world: FieldWorld,
    indicator: str,
    level: int | None,
    note: str = "Dilihat langsung di kantor desa.",
    version: int = 0,
) -> FieldLevel:
    rubric = rubric_of(world.competition.rubric)
    return save_field_level(
        world.assignment(BUKIT, world.first), rubric, indicator, level, note, version, world.first, datetime.now(UTC)
    )


# --- Finalists --------------------------------------------------------------------------------------------------


def test_finalist_rule_defaults_to_top_three_per_kabupaten(app: Flask, world: FieldWorld) -> None:
    db.session.execute(db.delete(VerificationSettings))
    db.session.commit()
    default = finalist_rule(world.competition)
    assert (default.scope, default.count) == (FinalistScope.kabupaten, 3)
    assert set(finalists_of(world.competition)) == {BUKIT, SEMOI}
    set_finalist_rule(world.competition, FinalistScope.provinsi, 1)
    assert finalists_of(world.competition) == (BUKIT,)
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "field.finalist_rule").order_by(AuditEvent.seq.desc())
    ).first()
    assert event is not None and "provinsi" in (event.after_json or "")


def test_finalists_come_from_the_desk_result_not_the_field_levels(app: Flask, world: FieldWorld) -> None:
    assert finalists_of(world.competition) == (BUKIT,)
    # The field team finds Bukit Raya far below its desk levels: it stays the finalist (and the visit goes on).
    _save(world, "A1", 0)
    _save(world, "A2", 0)
    assert finalists_of(world.competition) == (BUKIT,)


# --- Precedence (the rule of assessment.repo.verified_records) ---------------------------------------------------


def test_field_level_replaces_desk_level(app: Flask, world: FieldWorld) -> None:
    assert {r[2] for r in _records(world, BUKIT, "A1")} == {str(world.first.id), str(world.second.id)}
    _save(world, "A1", 2)
    assert _records(world, BUKIT, "A1") == [(BUKIT, "A1", FIELD_BY, 2)]
    # The other indicator and the other desa keep their desk rows; the desk rows themselves stay stored.
    assert len(_records(world, BUKIT, "A2")) == 2
    assert len(_records(world, SEMOI, "A1")) == 2
    assert sorted(
        db.session.scalars(
            select(DeskScore.level).join(DeskScore.assignment).where(DeskScore.indicator_code == "A1")
        ).all()
    ) == [2, 2, 4, 4]


def test_field_level_replaces_reconciled_level(app: Flask, world: FieldWorld) -> None:
    db.session.add(
        Reconciliation(
            participant_id=world.desa[BUKIT].id,
            indicator_code="A2",
            level=3,
            reason="Disepakati tim.",
            decided_by_id=world.lead.id,
        )
    )
    db.session.commit()
    assert _records(world, BUKIT, "A2") == [(BUKIT, "A2", RECONCILED_BY, 3)]
    _save(world, "A2", 1, "Surat keluar ternyata hanya sebagian ber-TTE.")
    assert _records(world, BUKIT, "A2") == [(BUKIT, "A2", FIELD_BY, 1)]
    assert db.session.scalars(select(Reconciliation.level)).all() == [3]


def test_field_note_without_level_replaces_nothing(app: Flask, world: FieldWorld) -> None:
    _save(world, "A1", None, "Kepala desa tidak di tempat; dicek ulang besok.")
    assert len(_records(world, BUKIT, "A1")) == 2
    assert verified_records(world.competition, field_levels=False) == verified_records(world.competition)


# --- Stage gate, finalists only, version --------------------------------------------------------------------------


def test_field_level_needs_klarifikasi_lapangan_stage_or_exception(app: Flask, make_user: MakeUser) -> None:
    world = field_world(make_user, open_now=False)
    with pytest.raises(StageClosed):
        _save(world, "A1", 2)
    db.session.add(
        StageException(
            participant_id=world.desa[BUKIT].id,
            stage=StageCode.klarifikasi_lapangan,
            indicator_code="A1",
            reason="Jalan ke desa putus minggu lalu.",
            ends_at=datetime.now(UTC) + timedelta(days=1),
            created_by_id=world.committee.id,
        )
    )
    db.session.commit()
    assert _save(world, "A1", 2).level == 2
    with pytest.raises(StageClosed):
        _save(world, "A2", 2)


def test_non_finalist_refused(app: Flask, world: FieldWorld, client: FlaskClient, login: Login) -> None:
    rubric = rubric_of(world.competition.rubric)
    semoi = world.assignment(SEMOI, world.first)
    with pytest.raises(FieldRefused, match="not_finalist"):
        save_field_level(semoi, rubric, "A1", 3, "Catatan.", 0, world.first, datetime.now(UTC))
    login(client, world.first)
    response = client.get(f"/lapangan/penugasan/{semoi.id}")
    assert response.status_code == 403
    assert "bukan finalis" in response.get_data(as_text=True)
    assert (
        client.post(
            f"/lapangan/penugasan/{semoi.id}/indikator/A1", data={"level": "3", "note": "x", "version": "0"}
        ).status_code
        == 403
    )
    assert db.session.scalars(select(FieldLevel)).all() == []


def test_stale_save_conflict_keeps_typed_input(
    app: Flask, world: FieldWorld, client: FlaskClient, login: Login
) -> None:
    bukit_first = world.assignment(BUKIT, world.first)
    bukit_second = world.assignment(BUKIT, world.second)
    other = login(app.test_client(), world.second)
    # Both open the form (version 0); the second assessor saves first.
    assert (
        other.post(
            f"/lapangan/penugasan/{bukit_second.id}/indikator/A1",
            data={"level": "3", "note": "Dilihat asesor dua.", "version": "0"},
        ).status_code
        == 302
    )
    login(client, world.first)
    response = client.post(
        f"/lapangan/penugasan/{bukit_first.id}/indikator/A1",
        data={"level": "1", "note": "Tulisan asesor satu yang tidak boleh hilang.", "version": "0"},
    )
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "baru saja disimpan anggota tim lain" in page
    assert "Tulisan asesor satu yang tidak boleh hilang." in page  # the typed note stays in the form
    assert "Dilihat asesor dua." in page  # and the stored one is shown beside it
    (row,) = db.session.scalars(select(FieldLevel)).all()
    assert (row.level, row.note, row.version) == (3, "Dilihat asesor dua.", 1)
    with pytest.raises(FieldConflict):
        _save(world, "A1", 1, version=0)
    # Saving again with the version now shown replaces it on purpose.
    assert (
        client.post(
            f"/lapangan/penugasan/{bukit_first.id}/indikator/A1",
            data={"level": "1", "note": "Dicek ulang bersama.", "version": "1"},
        ).status_code
        == 302
    )
    db.session.refresh(row)
    assert (row.level, row.version) == (1, 2)
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "field_level.save")).all()
    assert len(events) == 2


def test_bad_field_level_refused(app: Flask, world: FieldWorld, client: FlaskClient, login: Login) -> None:
    login(client, world.first)
    url = f"/lapangan/penugasan/{world.assignment(BUKIT, world.first).id}/indikator/A1"
    assert client.post(url, data={"level": "9", "note": "x", "version": "0"}).status_code == 400
    response = client.post(url, data={"level": "2", "note": "", "version": "0"})
    assert response.status_code == 400
    assert "Tulis catatan lapangan" in response.get_data(as_text=True)
    assert client.get(f"/lapangan/penugasan/{world.assignment(BUKIT, world.first).id}/indikator/ZZ").status_code == 404
    assert db.session.scalars(select(FieldLevel)).all() == []


# --- Access --------------------------------------------------------------------------------------------------------


def test_conflicted_assessor_gets_403_on_field_page(
    app: Flask, world: FieldWorld, client: FlaskClient, login: Login
) -> None:
    assignment = world.assignment(BUKIT, world.first)
    login(client, world.first)
    assert client.get(f"/lapangan/penugasan/{assignment.id}").status_code == 200
    # A conflict recorded after the assignment (without the withdrawal a declaration through the page makes).
    db.session.add(ConflictDeclaration(assessor_id=world.first.id, region_code="64.09.04", reason="Keluarga."))
    db.session.commit()
    assert client.get(f"/lapangan/penugasan/{assignment.id}").status_code == 403
    assert client.get(f"/lapangan/penugasan/{assignment.id}/indikator/A1").status_code == 403
    assert (
        client.post(
            f"/lapangan/penugasan/{assignment.id}/indikator/A1", data={"level": "2", "note": "x", "version": "0"}
        ).status_code
        == 403
    )
    assert client.get("/lapangan/").get_data(as_text=True).count("Bukit Raya") == 0


def test_other_assessors_assignment_and_withdrawn_assignment_403(
    app: Flask, world: FieldWorld, client: FlaskClient, login: Login, make_user: MakeUser
) -> None:
    login(client, world.second)
    assert client.get(f"/lapangan/penugasan/{world.assignment(BUKIT, world.first).id}").status_code == 403
    assignment = world.assignment(BUKIT, world.second)
    assignment.withdrawn_at = datetime.now(UTC)
    db.session.commit()
    assert client.get(f"/lapangan/penugasan/{assignment.id}").status_code == 403


# --- The phone page ------------------------------------------------------------------------------------------------


def test_field_page_lists_checklist_with_doubted_items_first(
    app: Flask, world: FieldWorld, client: FlaskClient, login: Login
) -> None:
    evidence = Evidence(
        participant_id=world.desa[BUKIT].id,
        indicator_code="A2",
        kind=EvidenceKind.url,
        url="https://bukitraya.desa.id/surat",
    )
    db.session.add(evidence)
    db.session.flush()
    db.session.add(
        EvidenceJudgement(
            assignment_id=world.assignment(BUKIT, world.second).id,
            evidence_id=evidence.id,
            verdict=EvidenceVerdict.tidak_cukup,
        )
    )
    db.session.commit()
    login(client, world.first)
    assert "Bukit Raya" in client.get("/lapangan/").get_data(as_text=True)
    page = client.get(f"/lapangan/penugasan/{world.assignment(BUKIT, world.first).id}").get_data(as_text=True)
    assert page.index("Tanda tangan elektronik") < page.index("Layanan surat daring")
    assert "1 bukti diragukan" in page


def test_checklist_counts_doubted_files_not_judgements(
    app: Flask, world: FieldWorld, client: FlaskClient, login: Login
) -> None:
    """Two files, each doubted by both assessors: "2 bukti diragukan", not 4."""
    for number in (1, 2):
        evidence = Evidence(
            participant_id=world.desa[BUKIT].id,
            indicator_code="A2",
            kind=EvidenceKind.url,
            url=f"https://bukitraya.desa.id/surat-{number}",
        )
        db.session.add(evidence)
        db.session.flush()
        for assessor in (world.first, world.second):
            db.session.add(
                EvidenceJudgement(
                    assignment_id=world.assignment(BUKIT, assessor).id,
                    evidence_id=evidence.id,
                    verdict=EvidenceVerdict.tidak_valid,
                )
            )
    db.session.commit()
    login(client, world.first)
    page = client.get(f"/lapangan/penugasan/{world.assignment(BUKIT, world.first).id}").get_data(as_text=True)
    assert "2 bukti diragukan" in page
    assert "4 bukti diragukan" not in page
    detail = client.get(f"/lapangan/penugasan/{world.assignment(BUKIT, world.first).id}/indikator/A1")
    html = detail.get_data(as_text=True)
    for expected in (
        "URL layanan",
        "Terintegrasi dengan data penduduk.",
        "Dokumen A1 Asesor Dua",
        'capture="environment"',
        'accept="image/*"',
    ):
        assert expected in html
    assert "<script" not in html


def test_photo_upload_checks_content_and_serves_copy_without_exif(
    app: Flask, world: FieldWorld, client: FlaskClient, login: Login
) -> None:
    assignment = world.assignment(BUKIT, world.first)
    login(client, world.first)
    url = f"/lapangan/penugasan/{assignment.id}/indikator/A1/foto"
    photo_bytes = files.jpeg(gps=True)
    response = client.post(
        url, data={"photo": (io.BytesIO(photo_bytes), "../../etc/passwd.jpg")}, content_type="multipart/form-data"
    )
    assert response.status_code == 302
    (photo,) = db.session.scalars(select(FieldPhoto)).all()
    assert photo.media_type == "image/jpeg" and photo.metadata_json and "gps" in photo.metadata_json
    served = client.get(f"/lapangan/penugasan/{assignment.id}/foto/{photo.id}")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert served.data != photo_bytes and b"Exif" not in served.data[:200]
    served.close()
    assert get_store().exists(photo.sha256)
    # The same photo again (a retry on a weak connection) is stored once.
    client.post(url, data={"photo": (io.BytesIO(photo_bytes), "foto.jpg")}, content_type="multipart/form-data")
    assert len(db.session.scalars(select(FieldPhoto)).all()) == 1
    # A web page named .jpg and a PDF are refused: the content decides, never the name.
    for bad in (files.html_as_jpg(), files.pdf()):
        refused = client.post(url, data={"photo": (io.BytesIO(bad), "foto.jpg")}, content_type="multipart/form-data")
        assert refused.status_code == 400
    assert len(db.session.scalars(select(FieldPhoto)).all()) == 1
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "field_photo.add")) is not None


def test_wrong_photo_withdrawn_by_its_taker_with_a_reason(
    app: Flask, world: FieldWorld, client: FlaskClient, login: Login
) -> None:
    """Only whoever took a photo withdraws it, with a reason; it leaves every page and its address, while the row,
    both files and an audit event stay; the same photo can be taken again; a closed stage refuses."""
    assignment = world.assignment(BUKIT, world.first)
    login(client, world.first)
    upload = f"/lapangan/penugasan/{assignment.id}/indikator/A1/foto"
    photo_bytes = files.jpeg(gps=False)
    client.post(upload, data={"photo": (io.BytesIO(photo_bytes), "f.jpg")}, content_type="multipart/form-data")
    (photo,) = db.session.scalars(select(FieldPhoto)).all()
    page_url = f"/lapangan/penugasan/{assignment.id}/indikator/A1"
    assert "Hapus foto ini" in client.get(page_url).get_data(as_text=True)
    remove = f"/lapangan/penugasan/{assignment.id}/foto/{photo.id}/hapus"
    teammate = app.test_client()
    login(teammate, world.second)
    team_assignment = world.assignment(BUKIT, world.second)
    assert "Hapus foto ini" not in teammate.get(f"/lapangan/penugasan/{team_assignment.id}/indikator/A1").get_data(
        as_text=True
    )
    assert (
        teammate.post(
            f"/lapangan/penugasan/{team_assignment.id}/foto/{photo.id}/hapus", data={"reason": "Salah foto."}
        ).status_code
        == 403
    )
    assert client.post(remove, data={"reason": "  "}).status_code == 400
    assert client.post(remove, data={"reason": "Salah indikator: foto ini untuk A2."}).status_code == 302
    db.session.expire_all()
    kept = db.session.get(FieldPhoto, photo.id)
    assert kept is not None and kept.removed_at is not None and kept.removed_by_id == world.first.id
    assert kept.removed_reason == "Salah indikator: foto ini untuk A2."
    assert get_store().exists(kept.sha256) and get_store().exists(kept.display_sha256)
    assert client.get(f"/lapangan/penugasan/{assignment.id}/foto/{photo.id}").status_code == 404
    assert "Belum ada foto." in client.get(page_url).get_data(as_text=True)
    assert client.post(remove, data={"reason": "Lagi."}).status_code == 404
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "field_photo.remove")) is not None
    # The same photo taken again is a new photo, shown again.
    client.post(upload, data={"photo": (io.BytesIO(photo_bytes), "f.jpg")}, content_type="multipart/form-data")
    shown = db.session.scalars(select(FieldPhoto).where(FieldPhoto.removed_at.is_(None))).all()
    assert len(shown) == 1 and shown[0].id != photo.id
    with pytest.raises(StageClosed):
        remove_field_photo(
            assignment, shown[0], "Tahap sudah ditutup.", world.first, datetime.now(UTC) + timedelta(days=3650)
        )


# --- Committee and ketua tim ---------------------------------------------------------------------------------------


def test_committee_sees_finalists_and_sets_rule(
    app: Flask, world: FieldWorld, client: FlaskClient, login: Login
) -> None:
    login(client, world.committee)
    page = client.get(f"/lapangan/lomba/{world.competition.id}").get_data(as_text=True)
    assert "Bukit Raya" in page and "Semoi Dua" not in page
    assert (
        client.post(
            f"/lapangan/lomba/{world.competition.id}/aturan-finalis", data={"scope": "kabupaten", "count": "0"}
        ).status_code
        == 400
    )
    assert (
        client.post(
            f"/lapangan/lomba/{world.competition.id}/aturan-finalis", data={"scope": "kecamatan", "count": "2"}
        ).status_code
        == 400
    )
    assert (
        client.post(
            f"/lapangan/lomba/{world.competition.id}/aturan-finalis", data={"scope": "kabupaten", "count": "2"}
        ).status_code
        == 302
    )
    page = client.get(f"/lapangan/lomba/{world.competition.id}").get_data(as_text=True)
    assert "Bukit Raya" in page and "Semoi Dua" in page


def test_lead_sees_desk_agreed_and_field_levels_side_by_side(
    app: Flask, world: FieldWorld, client: FlaskClient, login: Login
) -> None:
    db.session.add(
        Reconciliation(
            participant_id=world.desa[BUKIT].id,
            indicator_code="A2",
            level=3,
            reason="Disepakati tim rekonsiliasi.",
            decided_by_id=world.lead.id,
        )
    )
    db.session.commit()
    _save(world, "A2", 1, "Hanya sebagian surat ber-TTE.")
    login(client, world.lead)
    assert (
        client.post(
            f"/lapangan/lomba/{world.competition.id}/aturan-finalis", data={"scope": "kabupaten", "count": "2"}
        ).status_code
        == 403
    )
    page = client.get(f"/lapangan/lomba/{world.competition.id}/desa/{world.desa[BUKIT].id}").get_data(as_text=True)
    for expected in (
        "Dokumen A2 Asesor Satu",
        "Disepakati tim rekonsiliasi.",
        "Hanya sebagian surat ber-TTE.",
        "menggantikan level dokumen",
    ):
        assert expected in page
