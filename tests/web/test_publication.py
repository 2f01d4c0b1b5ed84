"""Provisional results (the freeze), the final snapshot, berita acara and the public verification page."""

from __future__ import annotations

import hashlib
import io
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from pypdf import PdfReader
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import DBAPIError
from werkzeug.test import TestResponse

from assessment import create_app
from assessment.field.operations import add_field_photo, save_field_level
from assessment.models import (
    Assignment,
    AuditEvent,
    BeritaAcara,
    BeritaAcaraKind,
    FieldLevel,
    FinalSnapshot,
    LateChange,
    Objection,
    ProvisionalResult,
    PublicCheck,
    Reconciliation,
    Role,
    StageCode,
)
from assessment.platform.extensions import db
from assessment.platform.storage import get_store
from assessment.publication.operations import PublicationRefused, finalise_results, publish_provisional
from assessment.publication.snapshot import canonical_bytes, rank, ranking_rows
from assessment.reconciliation.operations import correct_reconciliation
from assessment.repo import rubric_of, verified_records
from assessment.services.published import provisional_rows
from assessment.services.stages import Action, StageClosed, stage_gate
from tests.conftest import Login, MakeUser, config_for_tests
from tests.support import files
from tests.support.documents import follow_document
from tests.support.field import field_world
from tests.support.published import ResultsWorld, open_exception, open_results_stage, results_world
from tests.support.verification import set_stage

PASER, BUKIT, SEMOI = "64.01.01.2001", "64.09.04.2002", "64.09.04.2003"


@pytest.fixture
def world(app: Flask, make_user: MakeUser) -> ResultsWorld:
    return results_world(make_user)


def _publish(world: ResultsWorld) -> None:
    publish_provisional(world.competition, world.committee, datetime.now(UTC))


def _finalise(world: ResultsWorld) -> FinalSnapshot:
    _publish(world)
    open_results_stage(world.competition, StageCode.penetapan)
    return finalise_results(world.competition, world.committee, datetime.now(UTC))


def test_publish_freezes_the_ranking(app: Flask, world: ResultsWorld, login: Login) -> None:
    client = login(app.test_client(), world.committee)
    response = client.post(f"/panitia/hasil/lomba/{world.competition.id}/umumkan")
    assert response.status_code == 302
    assert world.competition.results_published_at is not None and world.competition.results_public
    rows = provisional_rows(world.competition)
    assert rows is not None
    # By hand (tests/support/results.py): Semoi Dua 70, Bukit Raya 65, Desa Paser 40.
    assert [(r["kode"], r["peringkat"], r["indeks"]) for r in rows] == [
        (SEMOI, 1, "70.00"),
        (BUKIT, 2, "65.00"),
        (PASER, 3, "40.00"),
    ]
    assert (
        db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "results.publish_provisional")
        )
        == 1
    )
    page = client.get(f"/panitia/hasil/lomba/{world.competition.id}").get_data(as_text=True)
    assert "Peringkat hasil sementara (beku)" in page


def test_frozen_ranking_does_not_follow_later_changes(app: Flask, world: ResultsWorld) -> None:
    _publish(world)
    before = provisional_rows(world.competition)
    paser = world.desa[PASER]
    open_exception(paser, StageCode.rekonsiliasi, "Salah ketik level A1 di rekonsiliasi.", world.committee)
    correct_reconciliation(
        paser, rubric_of(world.competition.rubric), "A1", 4, "Bukti lengkap.", world.lead, datetime.now(UTC)
    )
    assert provisional_rows(world.competition) == before
    with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as connection:
        connection.execute(text("UPDATE provisional_result SET ranking_json = '{}'"))


def test_publish_outside_its_stage_refused(app: Flask, make_user: MakeUser, login: Login) -> None:
    world = results_world(make_user, stage=None)
    client = login(app.test_client(), world.committee)
    response = client.post(f"/panitia/hasil/lomba/{world.competition.id}/umumkan", follow_redirects=True)
    assert "hanya dapat diumumkan pada tahap pengumuman sementara" in response.get_data(as_text=True)
    assert world.competition.results_published_at is None
    assert db.session.scalar(select(func.count()).select_from(ProvisionalResult)) == 0


def test_second_publication_refused(app: Flask, world: ResultsWorld, login: Login) -> None:
    _publish(world)
    published = world.competition.results_published_at
    client = login(app.test_client(), world.committee)
    response = client.post(f"/panitia/hasil/lomba/{world.competition.id}/umumkan", follow_redirects=True)
    assert "tidak dapat diulang" in response.get_data(as_text=True)
    assert world.competition.results_published_at == published
    assert db.session.scalar(select(func.count()).select_from(ProvisionalResult)) == 1


def test_change_after_freeze_needs_exception(app: Flask, world: ResultsWorld, login: Login) -> None:
    paser = world.desa[PASER]
    # An exception granted before the publication, for the reconciliation stage, reaches no further than it.
    open_exception(
        paser,
        StageCode.rekonsiliasi,
        "Rekonsiliasi tertunda.",
        world.committee,
        created_at=datetime.now(UTC) - timedelta(hours=1),
    )
    _publish(world)
    client = login(app.test_client(), world.lead)
    # The ketua tim corrects the agreed level of Desa Paser A1 (tests/support/published.py): a change of a level.
    url = f"/ketua-tim/lomba/{world.competition.id}/desa/{paser.id}/indikator/A1/koreksi"
    refused = client.post(url, data={"level": "3", "reason": "Sepakat."})
    assert refused.status_code == 409
    assert "Hasil sementara sudah diumumkan" in refused.get_data(as_text=True)
    assert db.session.scalar(select(Reconciliation.level).where(Reconciliation.participant_id == paser.id)) == 2

    open_exception(
        paser, StageCode.rekonsiliasi, "Asesor salah membaca bukti A1.", world.committee, indicator_code="A1"
    )
    assert client.post(url, data={"level": "3", "reason": "Sepakat."}).status_code == 302
    [mark] = db.session.scalars(select(LateChange)).all()
    assert (mark.indicator_code, mark.action, mark.exception.reason) == (
        "A1",
        "reconcile",
        "Asesor salah membaca bukti A1.",
    )
    committee = login(app.test_client(), world.committee)
    page = committee.get(f"/panitia/hasil/lomba/{world.competition.id}").get_data(as_text=True)
    assert "diubah setelah pengumuman (A1): Asesor salah membaca bukti A1." in page
    assert "pengecualian panitia (A1): Asesor salah membaca bukti A1." in page


def test_freeze_covers_every_level_action(app: Flask, world: ResultsWorld) -> None:
    _publish(world)
    now = datetime.now(UTC)
    paser = world.desa[PASER]
    for action, stage in (
        (Action.desk_score, StageCode.penilaian_dokumen),
        (Action.reconcile, StageCode.rekonsiliasi),
        (Action.field_verify, StageCode.klarifikasi_lapangan),
    ):
        # Even with the action's own stage open again, the freeze refuses it without an exception.
        set_stage(world.competition, stage, timedelta(days=-1), timedelta(days=1))
        assert stage_gate(world.competition, action, now, participant=paser, indicator_code="A1").reason == "frozen"
    open_results_stage(world.competition, StageCode.masa_sanggah)
    assert (
        stage_gate(
            world.competition,
            Action.answer_objection,
            datetime.now(UTC),
            participant=paser,
            indicator_code="A1",
            changes_level=True,
        ).reason
        == "frozen"
    )
    assert stage_gate(
        world.competition, Action.answer_objection, datetime.now(UTC), participant=paser, changes_level=False
    ).allowed


def test_no_level_changes_after_the_final_snapshot(app: Flask, world: ResultsWorld) -> None:
    _finalise(world)
    paser = world.desa[PASER]
    open_exception(paser, StageCode.rekonsiliasi, "Terlambat.", world.committee)
    gate = stage_gate(world.competition, Action.reconcile, datetime.now(UTC), participant=paser, indicator_code="A1")
    assert (gate.allowed, gate.reason) == (False, "finalised")
    with pytest.raises(StageClosed):
        correct_reconciliation(paser, rubric_of(world.competition.rubric), "A1", 4, "x", world.lead, datetime.now(UTC))


def test_final_snapshot_download_hashes_to_published_sha256(app: Flask, world: ResultsWorld) -> None:
    snapshot = _finalise(world)
    client = app.test_client()
    page = client.get(f"/verifikasi/{snapshot.kode}").get_data(as_text=True)
    assert snapshot.sha256 in page
    download = client.get(f"/verifikasi/{snapshot.kode}/cuplikan.json")
    assert download.status_code == 200
    assert hashlib.sha256(download.data).hexdigest() == snapshot.sha256
    document = json.loads(download.data)
    assert canonical_bytes(document) == download.data
    assert document["rubrik"]["fingerprint"] == world.competition.rubric.fingerprint


def test_snapshot_hash_covers_every_level(app: Flask, world: ResultsWorld) -> None:
    snapshot = _finalise(world)
    assert snapshot.committee_json is not None
    committee = json.loads(snapshot.committee_json)
    assert [tuple(row) for row in committee["level"]] == sorted(verified_records(world.competition))
    document = json.loads(snapshot.canonical_json)
    # The public copy: the same rows, the assessors under their pseudonyms.
    assert sorted((d, i, a if a in ("rekonsiliasi",) else "Penilai", v) for d, i, a, v in document["level"]) == sorted(
        (d, i, a if a in ("rekonsiliasi",) else "Penilai", v) for d, i, a, v in committee["level"]
    )
    assert len(document["level"]) == 11  # 3 desa x 2 indicators x 2 assessors, Desa Paser's A1 one agreed level
    for index in range(len(document["level"])):
        changed = json.loads(snapshot.canonical_json)
        changed["level"][index][3] = (changed["level"][index][3] + 1) % 5
        assert hashlib.sha256(canonical_bytes(changed)).hexdigest() != snapshot.sha256


def test_snapshot_ranking_recomputes_from_its_levels(app: Flask, world: ResultsWorld) -> None:
    document = json.loads(_finalise(world).canonical_json)
    rubric = rubric_of(world.competition.rubric)
    names = {row["kode"]: row["nama"] for row in document["peringkat"]}
    recomputed = ranking_rows(rank(rubric, [tuple(row) for row in document["level"]]), names)
    assert recomputed == document["peringkat"]


def test_second_final_snapshot_refused(app: Flask, world: ResultsWorld, login: Login) -> None:
    snapshot = _finalise(world)
    client = login(app.test_client(), world.committee)
    response = client.post(f"/panitia/hasil/lomba/{world.competition.id}/tetapkan", follow_redirects=True)
    assert "tidak dapat diulang" in response.get_data(as_text=True)
    assert db.session.scalars(select(FinalSnapshot)).all() == [snapshot]
    with pytest.raises(PublicationRefused):
        finalise_results(world.competition, world.committee, datetime.now(UTC))


def test_final_snapshot_immutable_in_the_database(app: Flask, world: ResultsWorld) -> None:
    _finalise(world)
    for statement in ("UPDATE final_snapshot SET sha256 = 'x'", "DELETE FROM final_snapshot"):
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as connection:
            connection.execute(text(statement))


def test_finalise_outside_its_stage_refused(app: Flask, world: ResultsWorld, login: Login) -> None:
    _publish(world)
    client = login(app.test_client(), world.committee)
    response = client.post(f"/panitia/hasil/lomba/{world.competition.id}/tetapkan", follow_redirects=True)
    assert "hanya dapat ditetapkan pada tahap penetapan" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(FinalSnapshot)) == 0


def test_finalise_refused_while_objections_open(app: Flask, world: ResultsWorld, login: Login) -> None:
    _publish(world)
    db.session.add(Objection(participant_id=world.desa[PASER].id, reason="Nilai A1 terlalu rendah."))
    db.session.commit()
    open_results_stage(world.competition, StageCode.penetapan)
    client = login(app.test_client(), world.committee)
    response = client.post(f"/panitia/hasil/lomba/{world.competition.id}/tetapkan", follow_redirects=True)
    assert "Masih ada sanggah yang belum dijawab" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(FinalSnapshot)) == 0


def _generate(
    app: Flask, login: Login, world: ResultsWorld, kind: str, desa: str | None = None, user: object = None
) -> BeritaAcara | None:
    client = login(app.test_client(), user or world.committee)
    data = {"kind": kind}
    if desa:
        data["participant_id"] = str(world.desa[desa].id)
    # The pleno is made by the worker (assessment/publication/documents.py): the worker runs as the person waits.
    follow_document(client.post(f"/berita-acara/lomba/{world.competition.id}/buat", data=data))
    return db.session.scalars(select(BeritaAcara).order_by(BeritaAcara.id.desc())).first()


def _download(app: Flask, login: Login, world: ResultsWorld, document: BeritaAcara) -> bytes:
    response = login(app.test_client(), world.committee).get(f"/berita-acara/{document.id}/unduh")
    data: bytes = response.data
    response.close()  # a file download holds its file open until closed
    return data


def _pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_berita_acara_page_offers_only_what_can_be_made_and_says_why_not(
    app: Flask, world: ResultsWorld, login: Login
) -> None:
    db.session.execute(
        update(Assignment)
        .where(Assignment.participant_id == world.desa[PASER].id)
        .values(withdrawn_at=datetime.now(UTC))
    )
    db.session.commit()
    page = login(app.test_client(), world.committee).get(f"/berita-acara/lomba/{world.competition.id}")
    html = page.get_data(as_text=True)
    # Every desa is listed: those with a submitted desk assessment get a button, the others the reason.
    assert html.count('name="kind" value="penilaian_dokumen"') == len(world.desa) - 1
    assert "Buat berita acara penilaian dokumen Desa Paser" not in html
    assert "Desa ini belum memiliki penilaian dokumen yang diajukan asesor." in html
    # No field visit recorded and no final snapshot yet: no field or pleno button, each with its reason.
    assert 'value="klarifikasi_lapangan"' not in html and "Tim lapangan belum mencatat apa pun" in html
    assert 'value="pleno"' not in html and "berita acara pleno dibuat setelah penetapan" in html


def test_desk_berita_acara_from_the_data(app: Flask, world: ResultsWorld, login: Login) -> None:
    document = _generate(app, login, world, "penilaian_dokumen", PASER)
    assert document is not None and document.kind is BeritaAcaraKind.penilaian_dokumen
    assert re.fullmatch(r"[A-Z2-7]{16}", document.kode)
    client = login(app.test_client(), world.committee)
    response = client.get(f"/berita-acara/{document.id}/unduh")
    pdf = response.data
    response.close()
    assert hashlib.sha256(pdf).hexdigest() == document.sha256
    content = " ".join(_pdf_text(pdf).split())
    assert "Asesor Satu" in content and "Asesor Dua" in content
    assert "Desa Paser" in content and f"/verifikasi/{document.kode}" in content.replace(" ", "")
    assert "WITA" in content


def test_tampered_berita_acara_does_not_verify(app: Flask, world: ResultsWorld, login: Login) -> None:
    document = _generate(app, login, world, "penilaian_dokumen", BUKIT)
    assert document is not None
    pdf = _download(app, login, world, document)
    public = app.test_client()
    same = public.post(
        f"/verifikasi/{document.kode}/periksa",
        data={"file": (io.BytesIO(pdf), "ba.pdf")},
        content_type="multipart/form-data",
    )
    assert same.status_code == 200 and "Cocok." in same.get_data(as_text=True)
    tampered = pdf + b"\n% diubah\n"
    other = public.post(
        f"/verifikasi/{document.kode}/periksa",
        data={"file": (io.BytesIO(tampered), "ba.pdf")},
        content_type="multipart/form-data",
    )
    html = other.get_data(as_text=True)
    assert other.status_code == 200 and "Tidak cocok." in html and "Cocok." not in html.replace("Tidak cocok.", "")
    assert hashlib.sha256(tampered).hexdigest() in html


def test_pdf_check_takes_only_pdfs(app: Flask, world: ResultsWorld, login: Login) -> None:
    document = _generate(app, login, world, "penilaian_dokumen", BUKIT)
    assert document is not None
    public = app.test_client()
    for payload in (files.png(), b"%PDF-1.7\n%%EOF\n", b"<html>bukan pdf</html>"):
        response = public.post(
            f"/verifikasi/{document.kode}/periksa",
            data={"file": (io.BytesIO(payload), "x.pdf")},
            content_type="multipart/form-data",
        )
        assert response.status_code == 400
        assert "Cocok." not in response.get_data(as_text=True)
        if not payload.startswith(b"%PDF"):
            # The refusal says what this form takes, not the evidence upload's list of photos and videos.
            assert "Yang dapat diperiksa di sini hanya berkas PDF." in response.get_data(as_text=True)
            assert "Yang diterima: PDF, JPEG" not in response.get_data(as_text=True)
    assert public.post(f"/verifikasi/{document.kode}/periksa").status_code == 400


def test_public_pdf_checks_limited_per_address(app: Flask, world: ResultsWorld) -> None:
    """Past PUBLIC_CHECK_LIMIT checks within the window an address gets 429 with Retry-After, and its file is not
    hashed; the refused check is not counted, another address is not affected, and older checks stop counting."""
    snapshot = _finalise(world)
    app.config["PUBLIC_CHECK_LIMIT"] = 2
    public = app.test_client()
    pdf = files.pdf()

    def check(address: str) -> TestResponse:
        return public.post(
            f"/verifikasi/{snapshot.kode}/periksa",
            data={"file": (io.BytesIO(pdf), "x.pdf")},
            content_type="multipart/form-data",
            environ_base={"REMOTE_ADDR": address},
        )

    digest = hashlib.sha256(pdf).hexdigest()
    for _ in range(2):
        counted = check("10.0.0.1")
        assert counted.status_code == 200 and digest in counted.get_data(as_text=True)
    refused = check("10.0.0.1")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 429
    assert "Terlalu banyak pemeriksaan dari alamat ini" in html and digest not in html
    assert 60 <= int(refused.headers["Retry-After"]) <= 15 * 60
    assert db.session.scalar(select(func.count()).select_from(PublicCheck)) == 2
    assert check("10.0.0.2").status_code == 200
    db.session.execute(update(PublicCheck).values(at=datetime.now(UTC) - timedelta(minutes=16)))
    db.session.commit()
    assert check("10.0.0.1").status_code == 200


def test_client_address_from_trusted_proxies_only(app: Flask, world: ResultsWorld, tmp_path: Path) -> None:
    """X-Forwarded-For names the client (for the per-address limits) only when TRUSTED_PROXIES says a proxy sets
    it; otherwise anyone could send the header to dodge a limit, so the connection's address counts."""
    snapshot = _finalise(world)
    proxied = create_app(config_for_tests(tmp_path, TRUSTED_PROXIES=1))
    for application in (app, proxied):
        response = application.test_client().post(
            f"/verifikasi/{snapshot.kode}/periksa",
            data={"file": (io.BytesIO(files.pdf()), "x.pdf")},
            content_type="multipart/form-data",
            headers={"X-Forwarded-For": "203.0.113.7"},
            environ_base={"REMOTE_ADDR": "10.0.0.9"},
        )
        assert response.status_code == 200
    with proxied.app_context():
        db.engine.dispose()
    assert sorted(db.session.scalars(select(PublicCheck.address))) == ["10.0.0.9", "203.0.113.7"]


def test_public_verification_page_needs_no_sign_in(app: Flask, world: ResultsWorld) -> None:
    snapshot = _finalise(world)
    public = app.test_client()
    page = public.get(f"/verifikasi/{snapshot.kode}")
    assert page.status_code == 200
    assert "Semoi Dua" in page.get_data(as_text=True)
    assert public.get("/verifikasi/AAAAAAAAAAAAAAAA").status_code == 404
    assert public.get(f"/verifikasi/{snapshot.kode.lower()}").status_code == 404


def test_pleno_berita_acara_after_the_final_snapshot(app: Flask, world: ResultsWorld, login: Login) -> None:
    assert _generate(app, login, world, "pleno") is None
    snapshot = _finalise(world)
    document = _generate(app, login, world, "pleno")
    assert document is not None and document.kind is BeritaAcaraKind.pleno
    pdf = _download(app, login, world, document)
    content = " ".join(_pdf_text(pdf).split())
    assert snapshot.sha256 in content.replace(" ", "") and "Ketua Panitia" in content
    # The final snapshot's page checks a PDF against every berita acara of the competition.
    check = app.test_client().post(
        f"/verifikasi/{snapshot.kode}/periksa",
        data={"file": (io.BytesIO(pdf), "pleno.pdf")},
        content_type="multipart/form-data",
    )
    assert "Cocok." in check.get_data(as_text=True)


def test_field_berita_acara_from_the_field_record(app: Flask, world: ResultsWorld, login: Login) -> None:
    assert _generate(app, login, world, "klarifikasi_lapangan", BUKIT) is None  # nothing recorded in the field
    db.session.add(
        FieldLevel(
            participant_id=world.desa[BUKIT].id,
            indicator_code="A1",
            level=4,
            note="Layanan surat berjalan di kantor desa.",
            updated_by_id=world.assessors[0].id,
        )
    )
    db.session.commit()
    document = _generate(app, login, world, "klarifikasi_lapangan", BUKIT)
    assert document is not None and document.kind is BeritaAcaraKind.klarifikasi_lapangan
    pdf = _download(app, login, world, document)
    assert hashlib.sha256(pdf).hexdigest() == document.sha256
    content = " ".join(_pdf_text(pdf).split())
    assert "Layanan surat berjalan di kantor desa." in content
    assert "Asesor Satu" in content and "Asesor Dua" in content and "Bukit Raya" in content
    # Before the field stage A1 counted the two desk levels 3 and 3; the field level is 4.
    assert "3, 3 4" in content
    assert _generate(app, login, world, "klarifikasi_lapangan", BUKIT, user=world.lead) == document


def test_ketua_tim_makes_desk_berita_acara_only(
    app: Flask, world: ResultsWorld, login: Login, make_user: MakeUser
) -> None:
    _finalise(world)
    assert _generate(app, login, world, "pleno", user=world.lead) is None
    document = _generate(app, login, world, "penilaian_dokumen", BUKIT, user=world.lead)
    assert document is not None
    pleno = _generate(app, login, world, "pleno")
    assert pleno is not None
    lead = login(app.test_client(), world.lead)
    response = lead.get(f"/berita-acara/{document.id}/unduh")
    assert response.status_code == 200
    response.close()
    assert lead.get(f"/berita-acara/{pleno.id}/unduh").status_code == 403
    # A ketua tim whose home kabupaten holds the desa has a conflict of interest with it.
    conflicted = make_user(Role.ketua_tim, "64", home_region_code="64.09", name="Ketua Tim Dua")
    client = login(app.test_client(), conflicted)
    assert (
        client.post(
            f"/berita-acara/lomba/{world.competition.id}/buat",
            data={"kind": "penilaian_dokumen", "participant_id": str(world.desa[BUKIT].id)},
        ).status_code
        == 403
    )
    assert client.get(f"/berita-acara/{document.id}/unduh").status_code == 403


def test_berita_acara_register_is_append_only(app: Flask, world: ResultsWorld, login: Login) -> None:
    assert _generate(app, login, world, "penilaian_dokumen", BUKIT) is not None
    with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as connection:
        connection.execute(text("UPDATE berita_acara SET sha256 = 'x'"))


def test_publish_refused_when_the_engine_refuses_the_levels(app: Flask, world: ResultsWorld, login: Login) -> None:
    # N/A on an indicator that does not allow it is an input error of the engine (rule 2 of assessment.scoring).
    score = world.assignments[0].scores[0]
    score.level, score.not_applicable = None, True
    db.session.commit()
    client = login(app.test_client(), world.committee)
    page = client.get(f"/panitia/hasil/lomba/{world.competition.id}")
    assert page.status_code == 200 and "tidak dapat dihitung oleh mesin penilaian" in page.get_data(as_text=True)
    response = client.post(f"/panitia/hasil/lomba/{world.competition.id}/umumkan", follow_redirects=True)
    assert "tidak dapat dihitung oleh mesin penilaian" in response.get_data(as_text=True)
    assert world.competition.results_published_at is None
    assert db.session.scalar(select(func.count()).select_from(ProvisionalResult)) == 0


def test_field_level_after_freeze_needs_exception_and_is_marked(app: Flask, make_user: MakeUser) -> None:
    world = field_world(make_user)
    competition = world.competition
    competition.results_published_at = datetime.now(UTC) - timedelta(minutes=1)
    db.session.commit()
    rubric = rubric_of(competition.rubric)
    assignment = world.assignment(BUKIT, world.first)
    with pytest.raises(StageClosed) as refused:
        save_field_level(assignment, rubric, "A1", 2, "Layanan tidak berjalan.", 0, world.first, datetime.now(UTC))
    assert refused.value.gate.reason == "frozen"
    # A photo changes no level: the freeze does not stop it.
    add_field_photo(
        assignment, rubric, "A1", files.png(), "foto.png", world.first, datetime.now(UTC), get_store(), 10_000_000
    )
    open_exception(
        world.desa[BUKIT],
        StageCode.klarifikasi_lapangan,
        "Kunjungan ulang atas keputusan pleno.",
        world.committee,
        indicator_code="A1",
    )
    save_field_level(assignment, rubric, "A1", 2, "Layanan tidak berjalan.", 0, world.first, datetime.now(UTC))
    [mark] = db.session.scalars(select(LateChange)).all()
    assert (mark.action, mark.indicator_code, mark.exception.reason) == (
        "field_verify",
        "A1",
        "Kunjungan ulang atas keputusan pleno.",
    )


def test_certificate_qr_leads_to_the_final_snapshot_once_finalised(app: Flask, world: ResultsWorld) -> None:
    from assessment.results.routes import verification_url

    desa = next(iter(world.desa))
    with app.test_request_context(base_url="https://lomba.example.id"):
        before = verification_url(world.competition, desa)
    assert before.startswith("https://lomba.example.id/hasil/") and before.endswith(f"/desa/{desa}")
    snapshot = _finalise(world)
    with app.test_request_context(base_url="https://lomba.example.id"):
        assert verification_url(world.competition, desa) == f"https://lomba.example.id/verifikasi/{snapshot.kode}"
