"""The final snapshot anyone can recompute: publish -> finalise -> download the public JSON -> ``desa-digital
snapshot verify`` says cocok, names the desa of an edited level; the public copy carries no personal data; the
link captures are referenced by hash."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from assessment.models import (
    CaptureOutcome,
    CaptureTrigger,
    Evidence,
    EvidenceKind,
    FinalSnapshot,
    LateChange,
    LinkCapture,
    Objection,
    StageCode,
)
from assessment.platform.extensions import db
from assessment.publication.operations import finalise_results, publish_provisional
from assessment.publication.snapshot import DECIDED_BY, canonical_bytes, public_copy
from assessment.repo import REPLACING_ROWS
from tests.conftest import Login, MakeUser
from tests.support.published import ResultsWorld, open_exception, open_results_stage, results_world

BUKIT = "64.09.04.2002"
OBJECTION_REASON = "Operator Waluyo menilai asesor tidak membuka tautan kami"
ANSWER_REASON = "Panitia menjawab Waluyo: tautan sudah dibuka"
EXCEPTION_REASON = "Pengecualian karena keluhan Waluyo soal A1"
PRIVATE_URL = "https://drive.example.com/drive/folders/RahasiaWaluyo123?usp=sharing"
BODY_SHA = "d" * 64
ARCHIVE_SHA = "e" * 64


@pytest.fixture
def world(app: Flask, make_user: MakeUser) -> ResultsWorld:
    world = results_world(make_user)
    bukit = world.desa[BUKIT]
    link = Evidence(participant_id=bukit.id, indicator_code="A1", kind=EvidenceKind.url, url=PRIVATE_URL)
    db.session.add(link)
    db.session.flush()
    db.session.add(
        LinkCapture(
            evidence_id=link.id,
            trigger=CaptureTrigger.added,
            outcome=CaptureOutcome.archived,
            requested_url=PRIVATE_URL,
            final_url=PRIVATE_URL,
            http_status=200,
            title="Folder pribadi Waluyo",
            body_sha256=BODY_SHA,
            archive_sha256=ARCHIVE_SHA,
            fetched_at=datetime(2026, 11, 2, 3, 4, 5, tzinfo=UTC),
        )
    )
    db.session.commit()
    return world


def _finalise(world: ResultsWorld) -> FinalSnapshot:
    publish_provisional(world.competition, world.committee, datetime.now(UTC))
    bukit = world.desa[BUKIT]
    now = datetime.now(UTC)
    db.session.add(
        Objection(
            participant_id=bukit.id,
            indicator_code="A1",
            reason=OBJECTION_REASON,
            filed_at=now,
            answered_at=now + timedelta(minutes=1),
            answered_by_id=world.committee.id,
            answer_reason=ANSWER_REASON,
        )
    )
    exception = open_exception(bukit, StageCode.masa_sanggah, EXCEPTION_REASON, world.committee, "A1")
    db.session.add(
        LateChange(
            participant_id=bukit.id,
            indicator_code="A1",
            action="answer_objection",
            exception_id=exception.id,
            changed_by_id=world.committee.id,
        )
    )
    db.session.commit()
    open_results_stage(world.competition, StageCode.penetapan)
    return finalise_results(world.competition, world.committee, datetime.now(UTC))


def _download(app: Flask, snapshot: FinalSnapshot, tmp_path: Path) -> Path:
    response = app.test_client().get(f"/verifikasi/{snapshot.kode}/cuplikan.json")
    assert response.status_code == 200
    path = tmp_path / f"hasil-akhir-{snapshot.kode}.json"
    path.write_bytes(response.data)
    return path


def test_downloaded_snapshot_verifies_cocok(
    app: Flask, world: ResultsWorld, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    snapshot = _finalise(world)
    path = _download(app, snapshot, tmp_path)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == snapshot.sha256  # the printed hash
    result = runner.invoke(args=["snapshot", "verify", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.rstrip().endswith("cocok")
    assert snapshot.sha256 in result.output


def test_edited_level_fails_naming_the_desa(
    app: Flask, world: ResultsWorld, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    path = _download(app, _finalise(world), tmp_path)
    document = json.loads(path.read_bytes())
    row = next(r for r in document["level"] if r[0] == BUKIT and r[1] == "A2")
    row[3] = 4 if row[3] != 4 else 0
    path.write_bytes(canonical_bytes(document))
    result = runner.invoke(args=["snapshot", "verify", str(path)])
    assert result.exit_code == 1, result.output
    assert "TIDAK COCOK" in result.output
    assert f"- {BUKIT} Bukit Raya: indeks: tercatat 65.00, dihitung ulang" in result.output


def test_a_file_that_is_not_a_snapshot_exits_2(runner: FlaskCliRunner, tmp_path: Path) -> None:
    path = tmp_path / "lain.json"
    path.write_text('{"format": "desa-digital-rubric/1"}', encoding="utf-8")
    result = runner.invoke(args=["snapshot", "verify", str(path)])
    assert result.exit_code == 2
    assert "Bukan cuplikan hasil akhir" in result.output


def test_public_snapshot_carries_no_personal_data(app: Flask, world: ResultsWorld, tmp_path: Path) -> None:
    snapshot = _finalise(world)
    client = app.test_client()
    first = client.get(f"/verifikasi/{snapshot.kode}/cuplikan.json").data
    assert client.get(f"/verifikasi/{snapshot.kode}/cuplikan.json").data == first  # stable pseudonyms
    text = first.decode("utf-8")
    people = [*world.assessors, world.lead, world.committee]
    for secret in [
        OBJECTION_REASON,
        ANSWER_REASON,
        EXCEPTION_REASON,
        "Waluyo",
        "drive/folders",
        "usp=sharing",
        *(u.email for u in people),
        *(u.name for u in people),
    ]:
        assert secret not in text, secret
    document = json.loads(first)
    assessor_ids = {str(u.id) for u in people}
    assert {row[2] for row in document["level"]} == {"Penilai 1", "Penilai 2", "rekonsiliasi"}
    assert not assessor_ids & {row[2] for row in document["level"]}
    assert "pseudonim" not in document and document["salinan"] == "publik"
    [objection] = document["sanggah"]
    assert objection["desa"] == BUKIT and objection["jawaban"]["level_baru"] is None
    # The committee's copy is complete: account ids, the reasons, the full address; the public copy derives from it.
    assert snapshot.committee_json is not None
    committee = json.loads(snapshot.committee_json)
    assert {row[2] for row in committee["level"]} == {str(a.id) for a in world.assessors} | {"rekonsiliasi"}
    assert OBJECTION_REASON in snapshot.committee_json and EXCEPTION_REASON in snapshot.committee_json
    assert canonical_bytes(public_copy(committee)) == first
    assert hashlib.sha256(snapshot.committee_json.encode("utf-8")).hexdigest() == snapshot.committee_sha256


def test_link_captures_referenced_by_hash_in_the_snapshot(app: Flask, world: ResultsWorld) -> None:
    snapshot = _finalise(world)
    assert snapshot.committee_json is not None
    [full] = json.loads(snapshot.committee_json)["tautan"]
    assert (
        full["desa"],
        full["indikator"],
        full["sha256_isi"],
        full["sha256_arsip"],
        full["url_akhir"],
        full["diambil_pada"],
    ) == (BUKIT, "A1", BODY_SHA, ARCHIVE_SHA, PRIVATE_URL, "2026-11-02T03:04:05+00:00")
    [public] = json.loads(snapshot.canonical_json)["tautan"]
    assert (
        public["desa"],
        public["indikator"],
        public["sha256_isi"],
        public["sha256_arsip"],
        public["host"],
        public["diambil_pada"],
    ) == (BUKIT, "A1", BODY_SHA, ARCHIVE_SHA, "drive.example.com", "2026-11-02T03:04:05+00:00")
    assert "url" not in public and "url_akhir" not in public and "judul" not in public


def test_verify_page_explains_how_to_recompute(app: Flask, world: ResultsWorld) -> None:
    snapshot = _finalise(world)
    page = app.test_client().get(f"/verifikasi/{snapshot.kode}").get_data(as_text=True)
    assert "desa-digital snapshot verify" in page
    assert f"hasil-akhir-{snapshot.kode}.json" in page


def test_old_format_needs_its_rubric_to_be_recomputed(
    app: Flask, world: ResultsWorld, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    snapshot = _finalise(world)
    assert snapshot.committee_json is not None
    # A format-2 snapshot as sealed before format 3: the rubric by fingerprint only, no region kinds.
    document = json.loads(snapshot.committee_json)
    document["format"] = "desa-digital-penetapan/2"
    del document["rubrik"]["kanonik"], document["jenis_wilayah"], document["pseudonim"], document["salinan"]
    old = tmp_path / "lama.json"
    old.write_bytes(canonical_bytes(document))
    result = runner.invoke(args=["snapshot", "verify", str(old)])
    assert result.exit_code == 3, result.output
    assert "tidak memuat rubriknya" in result.output and "cocok" not in result.output.splitlines()[-1]
    rubric = tmp_path / "rubrik.json"
    rubric.write_text(world.competition.rubric.rubric_json, encoding="utf-8")
    result = runner.invoke(args=["snapshot", "verify", str(old), "--rubrik", str(rubric)])
    assert result.exit_code == 0, result.output
    assert result.output.rstrip().endswith("cocok")


def test_committee_downloads_its_complete_copy(app: Flask, world: ResultsWorld, login: Login) -> None:
    snapshot = _finalise(world)
    client = login(app.test_client(), world.committee)
    page = client.get(f"/panitia/hasil/lomba/{world.competition.id}").get_data(as_text=True)
    assert f"/panitia/hasil/lomba/{world.competition.id}/cuplikan-panitia.json" in page
    assert snapshot.committee_sha256 is not None and snapshot.committee_sha256 in page
    response = client.get(f"/panitia/hasil/lomba/{world.competition.id}/cuplikan-panitia.json")
    assert response.status_code == 200
    assert hashlib.sha256(response.data).hexdigest() == snapshot.committee_sha256
    assert OBJECTION_REASON in response.get_data(as_text=True)
    # Not for anyone else: the public route serves the public copy only.
    assert (
        app.test_client().get(f"/panitia/hasil/lomba/{world.competition.id}/cuplikan-panitia.json").status_code == 302
    )


def test_pseudonyms_leave_exactly_the_decision_rows_named() -> None:
    # The core cannot import the shell's names for the rows that replace assessors' levels; they must agree.
    assert DECIDED_BY == REPLACING_ROWS
