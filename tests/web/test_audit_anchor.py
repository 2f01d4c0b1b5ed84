"""The audit trail anchored outside the database (issue 19, point 5): the final snapshot and every berita acara
carry the chain's count and last hash, and `audit verify --anchor` checks the trail against them."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from pypdf import PdfReader
from sqlalchemy import select

from assessment.models import AuditEvent, BeritaAcara, StageCode
from assessment.platform.extensions import db
from assessment.publication.operations import finalise_results, publish_provisional
from assessment.services.audit import ChainAnchor, chain_anchor, verify_chain
from tests.conftest import Login, MakeUser
from tests.support.published import ResultsWorld, open_results_stage, results_world


@pytest.fixture
def world(app: Flask, make_user: MakeUser) -> ResultsWorld:
    return results_world(make_user)


def test_final_snapshot_carries_the_audit_anchor(app: Flask, world: ResultsWorld, runner: FlaskCliRunner) -> None:
    publish_provisional(world.competition, world.committee, datetime.now(UTC))
    open_results_stage(world.competition, StageCode.penetapan)
    before = chain_anchor(db.session)
    snapshot = finalise_results(world.competition, world.committee, datetime.now(UTC))
    printed = json.loads(snapshot.canonical_json)["jejak_audit"]
    assert printed == {"jumlah": before.count, "hash_terakhir": before.head_hash}
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.seq == before.count)).all()
    assert event.hash == before.head_hash
    anchor = f"{printed['jumlah']}:{printed['hash_terakhir']}"
    result = runner.invoke(args=["audit", "verify", "--anchor", anchor])
    assert result.exit_code == 0, result.output
    assert verify_chain(db.session, anchors=[ChainAnchor.parse(anchor)]).intact


def test_berita_acara_prints_the_audit_anchor(app: Flask, world: ResultsWorld, login: Login) -> None:
    before = chain_anchor(db.session)
    client = login(app.test_client(), world.committee)
    client.post(
        f"/berita-acara/lomba/{world.competition.id}/buat",
        data={"kind": "penilaian_dokumen", "participant_id": str(world.desa["64.01.01.2001"].id)},
    )
    document = db.session.scalars(select(BeritaAcara).order_by(BeritaAcara.id.desc())).first()
    assert document is not None
    response = client.get(f"/berita-acara/{document.id}/unduh")
    pdf = response.data
    response.close()
    text = "".join("".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())
    # Sign-in events came between ``before`` and the document: the anchor printed is the one at generation.
    generated = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "berita_acara.generate"))
    assert generated is not None
    printed = db.session.scalar(select(AuditEvent).where(AuditEvent.seq == generated.seq - 1))
    assert printed is not None and printed.seq >= before.count
    assert f"{printed.seq}peristiwa" in text and printed.hash in text
