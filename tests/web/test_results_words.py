"""Labels and numbers people read (issue 13, point 5): why-this-rank names stages and verdicts in words and says
which level counted and why; the operator's sanggah page shows the desa's verified levels per indicator and leads
to why-this-rank."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from flask import Flask
from sqlalchemy import select

from assessment.models import (
    Assignment,
    Evidence,
    EvidenceJudgement,
    EvidenceKind,
    EvidenceVerdict,
    Objection,
    Role,
    StageCode,
)
from assessment.objections.operations import answer_objection
from assessment.platform.extensions import db
from assessment.publication.operations import publish_provisional, withdraw_from_ranking
from assessment.repo import rubric_of
from tests.conftest import Login, MakeUser
from tests.support.outputs import BUKIT, SEMOI, SEPAKU, TUNGGU, WITHDRAWAL, TruthWorld, truth_world
from tests.support.published import open_exception, open_results_stage

CODES = (
    "penilaian_dokumen",
    "klarifikasi_lapangan",
    "masa_sanggah",
    "tidak_valid",
    "tidak_cukup",
    "penilaian_belum_selesai",
    "menunggu_rekonsiliasi",
)  # codes, never shown to people


def visible(html: str) -> str:
    """The page's text as read (tags, attributes and scripts left out)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture
def world(app: Flask, make_user: MakeUser) -> TruthWorld:
    world = truth_world(make_user)
    evidence = Evidence(
        participant_id=world.desa[SEMOI].id,
        indicator_code="A2",
        kind=EvidenceKind.url,
        url="https://semoidua.desa.id/tte",
    )
    db.session.add(evidence)
    db.session.flush()
    first = db.session.scalar(
        select(Assignment).where(
            Assignment.participant_id == world.desa[SEMOI].id, Assignment.assessor_id == world.assessors[0].id
        )
    )
    assert first is not None
    db.session.add(
        EvidenceJudgement(assignment_id=first.id, evidence_id=evidence.id, verdict=EvidenceVerdict.tidak_valid)
    )
    db.session.commit()
    withdraw_from_ranking(world.desa[TUNGGU], WITHDRAWAL, world.committee, datetime.now(UTC))
    publish_provisional(world.competition, world.committee, datetime.now(UTC))
    open_results_stage(world.competition, StageCode.masa_sanggah)
    objection = Objection(participant_id=world.desa[SEPAKU].id, indicator_code="A1", reason="Layanan sudah daring.")
    db.session.add(objection)
    db.session.commit()
    open_exception(
        world.desa[SEPAKU], StageCode.masa_sanggah, "Pleno menerima sanggah A1.", world.committee, indicator_code="A1"
    )
    answer_objection(
        objection, rubric_of(world.competition.rubric), "Bukti diterima.", "A1", 3, world.committee, datetime.now(UTC)
    )
    return world


def test_why_this_rank_names_stages_and_verdicts_in_words(app: Flask, world: TruthWorld) -> None:
    pages = {
        code: visible(app.test_client().get(f"/hasil/{world.competition.id}/desa/{code}").get_data(as_text=True))
        for code in (BUKIT, SEMOI, SEPAKU, TUNGGU)
    }
    for code, text in pages.items():
        assert not [c for c in CODES if c in text], code
    assert "Rekonsiliasi ketua tim" in pages[BUKIT]
    assert "dipakai: kesepakatan ketua tim menggantikan level asesor yang berselisih" in pages[BUKIT]
    assert "tidak dipakai: diganti rekonsiliasi ketua tim" in pages[BUKIT]
    assert "Klarifikasi lapangan" in pages[SEMOI] and "dipakai: level tim lapangan menggantikan" in pages[SEMOI]
    assert "bukti tidak valid" in pages[SEMOI]
    assert "Jawaban sanggah panitia" in pages[SEPAKU] and "dipakai: jawaban sanggah menggantikan" in pages[SEPAKU]
    # Levels by name as the rubric gives them, numbers the Indonesian way.
    assert "3 (Terstandar)" in pages[SEPAKU] and "55,00" in pages[SEPAKU]
    assert "dikeluarkan dari peringkat oleh panitia" in pages[TUNGGU]


def test_operator_sanggah_page_shows_verified_levels_and_leads_to_why_this_rank(
    app: Flask, world: TruthWorld, make_user: MakeUser, login: Login
) -> None:
    operator = login(app.test_client(), make_user(Role.operator_desa, BUKIT))
    html = operator.get(f"/sanggah/peserta/{world.desa[BUKIT].id}").get_data(as_text=True)
    assert f'href="/hasil/{world.competition.id}/desa/{BUKIT}"' in html
    rows = dict(re.findall(r'<tr data-indikator="(A\d)">.*?data-testid="level">([^<]*)<', html, re.S))
    assert rows == {"A1": "3,00", "A2": "2,50"}  # the agreed A1, the mean of 2 and 3 for A2
    text = visible(html)
    assert "Rekonsiliasi ketua tim (Ketua Tim): 3 (Terstandar)" in text
    assert "Asesor Satu" in text  # the desa's own operator sees who gave which level
    assert not [c for c in CODES if c in text]
