"""Captures in the results workbook (repo/reports.py capture_items, assessment/exports/results.py capture_sheet):
the committee's workbook lists every capture of the ranked desa's active links with its SHA-256; DPMD's, which
carries no evidence (assessment/results/access.py details_visible), carries no capture either."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select

from assessment.models import (
    CaptureOutcome,
    CaptureTrigger,
    Evidence,
    EvidenceKind,
    EvidenceStatus,
    LinkCapture,
    Role,
)
from assessment.platform.extensions import db
from tests.conftest import Login, MakeUser
from tests.support.results import BUKIT, ResultsWorld, results_world

FIRST, RECHECK, REMOVED = "a" * 64, "b" * 64, "c" * 64


@pytest.fixture
def world(app: Flask, make_user: MakeUser) -> ResultsWorld:
    world = results_world(make_user)
    bukit = world.participants[BUKIT]
    link = db.session.scalars(
        select(Evidence).where(Evidence.participant_id == bukit.id, Evidence.kind == EvidenceKind.url)
    ).one()
    removed = Evidence(
        participant_id=bukit.id,
        indicator_code="A2",
        kind=EvidenceKind.url,
        url="https://bukitraya.desa.id/lama",
        status=EvidenceStatus.dihapus,
    )
    db.session.add(removed)
    db.session.flush()
    given = datetime.now(UTC) - timedelta(days=3)
    db.session.add_all(
        [
            LinkCapture(
                evidence_id=link.id,
                trigger=CaptureTrigger.added,
                outcome=CaptureOutcome.archived,
                requested_url=link.url,
                final_url=link.url,
                http_status=200,
                body_sha256=FIRST,
                archive_sha256="d" * 64,
                screenshot_sha256="e" * 64,
                fetched_at=given,
            ),
            LinkCapture(
                evidence_id=link.id,
                trigger=CaptureTrigger.recheck,
                outcome=CaptureOutcome.archived,
                requested_url=link.url,
                final_url=link.url,
                http_status=200,
                body_sha256=RECHECK,
                fetched_at=given + timedelta(days=2),
            ),
            LinkCapture(
                evidence_id=removed.id,
                trigger=CaptureTrigger.added,
                outcome=CaptureOutcome.archived,
                requested_url=removed.url or "",
                http_status=200,
                body_sha256=REMOVED,
                fetched_at=given,
            ),
        ]
    )
    world.competition.results_published_at = datetime.now(UTC)
    db.session.commit()
    return world


def sheet_rows(data: bytes) -> list[dict[str, object]]:
    ws = load_workbook(io.BytesIO(data))["Arsip Tautan"]
    header = [cell.value for cell in ws[1]]
    return [dict(zip(header, row, strict=True)) for row in ws.iter_rows(min_row=2, values_only=True)]


def test_the_committee_s_workbook_lists_each_capture_of_active_links_with_its_hashes(
    world: ResultsWorld, client: FlaskClient, login: Login
) -> None:
    login(client, world.committee)
    rows = sheet_rows(client.get(f"/hasil/{world.competition.id}/unduh/hasil-64.xlsx").data)
    assert [row["SHA-256 isi"] for row in rows] == [FIRST, RECHECK], "oldest first; a removed link's are not shown"
    first = rows[0]
    assert first["Kode desa"] == BUKIT and first["Indikator"] == "A1" and first["Hasil"] == "diarsipkan"
    assert first["SHA-256 salinan"] == "d" * 64 and first["SHA-256 tangkapan layar"] == "e" * 64


def test_dpmd_s_workbook_has_no_captures(
    world: ResultsWorld, client: FlaskClient, login: Login, make_user: MakeUser
) -> None:
    login(client, make_user(Role.dpmd, "64.09"))
    response = client.get(f"/hasil/{world.competition.id}/unduh/hasil-64.09.xlsx")
    assert response.status_code == 200
    assert sheet_rows(response.data) == []
