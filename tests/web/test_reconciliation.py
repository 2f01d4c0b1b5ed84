"""Reconciliation: flagged items, the agreed level replacing the assessors' levels in the score, bad input."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy import select

from assessment.assignments.operations import assign_assessor
from assessment.models import (
    Assignment,
    AuditEvent,
    Competition,
    DeskScore,
    Evidence,
    EvidenceJudgement,
    EvidenceKind,
    EvidenceVerdict,
    Participant,
    Reconciliation,
    Role,
    StageCode,
    User,
)
from assessment.platform.extensions import db
from assessment.reconciliation.operations import ReconciliationRefused, reconcile_item
from assessment.repo import RECONCILED_BY, reconciliation_items, rubric_of, verified_records
from assessment.scoring import AssessmentRows, score
from tests.conftest import Login, MakeUser
from tests.support.verification import set_stage, verification_competition


@dataclass
class World:
    """A competition in rekonsiliasi: desa Bukit Raya scored 1 and 4 on A1 (flagged), 2 and 3 on A2 (not)."""

    competition: Competition
    participant: Participant
    lead: User
    assignments: list[Assignment]


def _submitted(participant: Participant, assessor: User, committee: User, levels: dict[str, int]) -> Assignment:
    now = datetime.now(UTC)
    competition = participant.competition
    stage = competition.stage(StageCode.penilaian_dokumen)
    assert stage is not None
    assignment = assign_assessor(participant, assessor, committee, stage.starts_at + timedelta(seconds=1))
    for code, level in levels.items():
        db.session.add(DeskScore(assignment_id=assignment.id, indicator_code=code, level=level, note=f"Catatan {code}"))
    assignment.submitted_at = now
    db.session.commit()
    return assignment


@pytest.fixture
def world(app: Flask, make_user: MakeUser) -> World:
    competition, (bukit, *_rest) = verification_competition(StageCode.rekonsiliasi)
    committee = make_user(Role.panitia, "64")
    first = make_user(Role.asesor, "64", home_region_code="64.72", name="Asesor Satu")
    second = make_user(Role.asesor, "64", home_region_code="64.01", name="Asesor Dua")
    assignments = [
        _submitted(bukit, first, committee, {"A1": 1, "A2": 2}),
        _submitted(bukit, second, committee, {"A1": 4, "A2": 3}),
    ]
    lead = make_user(Role.ketua_tim, "64", home_region_code="64.72", name="Ketua Tim")
    return World(competition, bukit, lead, assignments)


def test_items_flagged_at_disagreement_threshold(app: Flask, world: World) -> None:
    rubric = rubric_of(world.competition.rubric)
    assert rubric.disagreement_threshold == 2
    assert reconciliation_items(world.competition, rubric) == [("64.09.04.2002", "A1", 3)]


def test_drafts_and_withdrawn_assignments_do_not_count(app: Flask, world: World) -> None:
    world.assignments[1].withdrawn_at = datetime.now(UTC)
    db.session.commit()
    rubric = rubric_of(world.competition.rubric)
    assert reconciliation_items(world.competition, rubric) == []
    assert {r[2] for r in verified_records(world.competition)} == {str(world.assignments[0].assessor_id)}


def test_reconciliation_replaces_assessor_levels_in_score(app: Flask, world: World) -> None:
    rubric = rubric_of(world.competition.rubric)
    before = score(rubric, AssessmentRows.from_records(rubric, verified_records(world.competition)))
    reconcile_item(world.participant, rubric, "A1", 4, "Bukti pelacakan ada di video.", world.lead, datetime.now(UTC))
    records = verified_records(world.competition)
    a1 = [r for r in records if r[1] == "A1"]
    assert a1 == [("64.09.04.2002", "A1", RECONCILED_BY, 4)]
    after = score(rubric, AssessmentRows.from_records(rubric, records))
    # A1 (weight 60) goes from the mean 2.5 to 4; A2 stays at the mean 2.5 (weight 40), on a 0-4 scale.
    j = after.position("64.09.04.2002")
    assert after.exact_index(j) == 100 * (60 * 4 + 40 * 2.5) / (4 * 100)
    assert before.exact_index(before.position("64.09.04.2002")) == 100 * (60 * 2.5 + 40 * 2.5) / (4 * 100)
    # The assessors' own rows are kept.
    assert sorted(s.level for s in db.session.scalars(select(DeskScore).where(DeskScore.indicator_code == "A1"))) == [
        1,
        4,
    ]


def test_reconciliation_needs_reason_scale_flag_and_stage(app: Flask, world: World) -> None:
    rubric = rubric_of(world.competition.rubric)
    now = datetime.now(UTC)
    for level, reason, indicator, code in (
        (3, "  ", "A1", "reason"),
        (5, "Alasan.", "A1", "level"),
        (3, "Alasan.", "A2", "not_flagged"),
    ):
        with pytest.raises(ReconciliationRefused) as refused:
            reconcile_item(world.participant, rubric, indicator, level, reason, world.lead, now)
        assert refused.value.code == code
    reconcile_item(world.participant, rubric, "A1", 3, "Alasan.", world.lead, now)
    with pytest.raises(ReconciliationRefused, match="already"):
        reconcile_item(world.participant, rubric, "A1", 2, "Alasan lain.", world.lead, now)
    assert db.session.scalars(select(Reconciliation.level)).all() == [3]


def test_reconcile_page_lists_flagged_item_with_originals(
    app: Flask, world: World, client: FlaskClient, login: Login
) -> None:
    login(client, world.lead)
    page = client.get(f"/ketua-tim/lomba/{world.competition.id}").get_data(as_text=True)
    assert "Asesor Satu" in page and "Asesor Dua" in page and "Catatan A1" in page
    assert "A2 Tanda tangan" not in page


def test_lead_chooses_among_the_rubrics_levels_beside_each_assessors_verdicts(
    app: Flask, world: World, client: FlaskClient, login: Login
) -> None:
    link = Evidence(
        participant_id=world.participant.id,
        indicator_code="A1",
        kind=EvidenceKind.url,
        url="https://bukitraya.desa.id/layanan-surat",
    )
    db.session.add(link)
    db.session.flush()
    db.session.add(
        EvidenceJudgement(
            assignment_id=world.assignments[0].id, evidence_id=link.id, verdict=EvidenceVerdict.tidak_cukup
        )
    )
    db.session.commit()
    login(client, world.lead)
    page = client.get(f"/ketua-tim/lomba/{world.competition.id}").get_data(as_text=True)
    rubric = rubric_of(world.competition.rubric)
    # A level select (not a bare number field) with every level of the scale, and the indicator's descriptions.
    assert 'type="number"' not in page
    assert f'<select id="level-{world.participant.id}-A1" name="level">' in page
    for level in rubric.indicator("A1").levels:
        assert f'<option value="{level.value}"' in page
        assert str(escape(level.description)) in page
    # The evidence, opened from the page, with what each assessor said of it.
    assert 'href="https://bukitraya.desa.id/layanan-surat"' in page
    verdicts = page.split("https://bukitraya.desa.id/layanan-surat", 2)[2].split("</li>", 1)[0]
    assert "Asesor Satu: <strong>Tidak cukup</strong>" in verdicts
    assert "Asesor Dua: belum dinilai" in verdicts
    response = client.post(
        f"/ketua-tim/lomba/{world.competition.id}/desa/{world.participant.id}/indikator/A1",
        data={"level": "3", "reason": "Bukti layanan surat lengkap setelah dicek bersama."},
    )
    assert response.status_code == 302
    assert db.session.scalar(select(Reconciliation.level)) == 3


def test_reconcile_without_reason_refused(app: Flask, world: World, client: FlaskClient, login: Login) -> None:
    login(client, world.lead)
    url = f"/ketua-tim/lomba/{world.competition.id}/desa/{world.participant.id}/indikator/A1"
    assert client.post(url, data={"level": "3", "reason": ""}).status_code == 400
    assert client.post(url, data={"level": "9", "reason": "Alasan."}).status_code == 400
    assert db.session.scalars(select(Reconciliation)).all() == []
    response = client.post(url, data={"level": "3", "reason": "Disepakati dalam rapat tim."})
    assert response.status_code == 302
    (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "reconciliation.agree")).all()
    assert event.actor_id == world.lead.id
    page = client.get(f"/ketua-tim/lomba/{world.competition.id}").get_data(as_text=True)
    assert "Disepakati dalam rapat tim." in page and "Catatan A1" in page


def test_reconcile_outside_stage_refused(app: Flask, world: World, client: FlaskClient, login: Login) -> None:
    set_stage(world.competition, StageCode.rekonsiliasi, timedelta(days=1), timedelta(days=5))
    login(client, world.lead)
    url = f"/ketua-tim/lomba/{world.competition.id}/desa/{world.participant.id}/indikator/A1"
    assert client.post(url, data={"level": "3", "reason": "Alasan."}).status_code == 409
    assert db.session.scalars(select(Reconciliation)).all() == []


def test_conflicted_lead_gets_403(
    app: Flask, world: World, make_user: MakeUser, client: FlaskClient, login: Login
) -> None:
    local_lead = make_user(Role.ketua_tim, "64", home_region_code="64.09")
    login(client, local_lead)
    url = f"/ketua-tim/lomba/{world.competition.id}/desa/{world.participant.id}/indikator/A1"
    assert client.post(url, data={"level": "3", "reason": "Alasan."}).status_code == 403
    assert "Asesor Satu" not in client.get(f"/ketua-tim/lomba/{world.competition.id}").get_data(as_text=True)


def test_reconcile_needs_ketua_tim(app: Flask, world: World, client: FlaskClient, login: Login) -> None:
    login(client, world.assignments[0].assessor)
    assert client.get(f"/ketua-tim/lomba/{world.competition.id}").status_code == 403
