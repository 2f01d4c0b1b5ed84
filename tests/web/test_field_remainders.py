"""The smaller parts of the verification workflow: withdrawing an assignment, correcting an agreed level with its
history, stage exceptions shown on the desa's pages, and approaching-deadline reminders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient
from sqlalchemy import select

from assessment.assignments.operations import WithdrawalRefused, assign_assessor, withdraw_assignment
from assessment.models import (
    Assignment,
    AuditEvent,
    DeskScore,
    Notification,
    Reconciliation,
    ReconciliationCorrection,
    Role,
    StageCode,
    StageException,
    SubmissionStatus,
)
from assessment.platform.extensions import db
from assessment.reconciliation.operations import ReconciliationRefused, correct_reconciliation, reconcile_item
from assessment.repo import RECONCILED_BY, rubric_of, verified_records
from assessment.services.deadlines import send_deadline_reminders
from assessment.services.stages import StageClosed
from tests.conftest import Login, MakeUser
from tests.support.field import field_world
from tests.support.verification import set_stage, verification_competition

BUKIT = "64.09.04.2002"


# --- Withdrawal ----------------------------------------------------------------------------------------------------


def test_committee_withdraws_unsubmitted_assignment_and_assessor_is_told(
    app: Flask, make_user: MakeUser, client: FlaskClient, login: Login
) -> None:
    competition, (bukit, *_rest) = verification_competition(StageCode.penilaian_dokumen)
    committee = make_user(Role.panitia, "64")
    assessor = make_user(Role.asesor, "64", home_region_code="64.72", name="Asesor Satu")
    assignment = assign_assessor(bukit, assessor, committee, datetime.now(UTC))
    db.session.add(DeskScore(assignment_id=assignment.id, indicator_code="A1", level=2, note="Draf."))
    db.session.commit()
    login(client, committee)
    page = client.get(f"/panitia/verifikasi/lomba/{competition.id}").get_data(as_text=True)
    url = f"/panitia/verifikasi/lomba/{competition.id}/penugasan/{assignment.id}/tarik"
    assert url in page
    assert client.post(url).status_code == 302
    db.session.refresh(assignment)
    assert assignment.withdrawn_at is not None
    (message,) = db.session.scalars(
        select(Notification).where(Notification.user_id == assessor.id, Notification.kind == "assignment_withdrawn")
    ).all()
    assert "Bukit Raya" in message.message
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "assignment.withdraw")) is not None
    # The assessor can no longer open the desa; a second withdrawal is refused and changes nothing.
    login(client, assessor)
    assert client.get(f"/asesor/penugasan/{assignment.id}").status_code == 403
    login(client, committee)
    assert client.post(url).status_code == 409


def test_submitted_assignment_cannot_be_withdrawn(app: Flask, make_user: MakeUser) -> None:
    _competition, (bukit, *_rest) = verification_competition(StageCode.penilaian_dokumen)
    committee = make_user(Role.panitia, "64")
    assessor = make_user(Role.asesor, "64", home_region_code="64.72")
    assignment = assign_assessor(bukit, assessor, committee, datetime.now(UTC))
    assignment.submitted_at = datetime.now(UTC)
    db.session.commit()
    with pytest.raises(WithdrawalRefused, match="submitted"):
        withdraw_assignment(assignment, committee, datetime.now(UTC))
    assert db.session.get(Assignment, assignment.id).withdrawn_at is None  # type: ignore[union-attr]


def test_withdrawal_follows_the_assignment_stage(app: Flask, make_user: MakeUser) -> None:
    competition, (bukit, *_rest) = verification_competition(StageCode.penilaian_dokumen)
    committee = make_user(Role.panitia, "64")
    assessor = make_user(Role.asesor, "64", home_region_code="64.72")
    assignment = assign_assessor(bukit, assessor, committee, datetime.now(UTC))
    set_stage(competition, StageCode.verifikasi_kelengkapan, timedelta(days=-30), timedelta(days=-20))
    set_stage(competition, StageCode.penilaian_dokumen, timedelta(days=-10), timedelta(days=-1))
    with pytest.raises(StageClosed):
        withdraw_assignment(assignment, committee, datetime.now(UTC))
    assert assignment.withdrawn_at is None


# --- Correction of an agreed level ---------------------------------------------------------------------------------


def test_lead_corrects_agreed_level_and_history_is_kept(
    app: Flask, make_user: MakeUser, client: FlaskClient, login: Login
) -> None:
    world = field_world(make_user)
    competition = world.competition
    # Move back into rekonsiliasi with a flagged item: the assessors gave 4 and 1 on A1.
    set_stage(competition, StageCode.rekonsiliasi, timedelta(days=-1), timedelta(days=2))
    second = world.assignment(BUKIT, world.second)
    next(s for s in second.scores if s.indicator_code == "A1").level = 1
    db.session.commit()
    rubric = rubric_of(competition.rubric)
    participant = world.desa[BUKIT]
    with pytest.raises(ReconciliationRefused, match="not_agreed"):
        correct_reconciliation(participant, rubric, "A1", 2, "Koreksi.", world.lead, datetime.now(UTC))
    reconcile_item(participant, rubric, "A1", 3, "Disepakati dalam rapat.", world.lead, datetime.now(UTC))
    login(client, world.lead)
    url = f"/ketua-tim/lomba/{competition.id}/desa/{participant.id}/indikator/A1/koreksi"
    assert client.post(url, data={"level": "2", "reason": ""}).status_code == 400
    assert (
        client.post(url, data={"level": "2", "reason": "Video pelacakan ternyata bukan milik desa."}).status_code == 302
    )
    row = db.session.scalar(select(Reconciliation))
    assert row is not None and (row.level, row.reason) == (2, "Video pelacakan ternyata bukan milik desa.")
    (earlier,) = db.session.scalars(select(ReconciliationCorrection)).all()
    assert (earlier.level, earlier.reason, earlier.corrected_by_id) == (3, "Disepakati dalam rapat.", world.lead.id)
    assert [r for r in verified_records(competition) if r[0] == BUKIT and r[1] == "A1"] == [
        (BUKIT, "A1", RECONCILED_BY, 2)
    ]
    page = client.get(f"/ketua-tim/lomba/{competition.id}").get_data(as_text=True)
    assert "Disepakati dalam rapat." in page and "Video pelacakan ternyata bukan milik desa." in page
    assert "Keputusan sebelumnya" in page
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "reconciliation.correct"))
    assert event is not None and "Disepakati dalam rapat." in (event.before_json or "")
    # Outside rekonsiliasi a correction is refused like an agreement.
    set_stage(competition, StageCode.rekonsiliasi, timedelta(days=-5), timedelta(days=-1))
    assert client.post(url, data={"level": "4", "reason": "Lagi."}).status_code == 409
    assert db.session.scalar(select(Reconciliation.level)) == 2


# --- Exceptions shown on the desa's pages --------------------------------------------------------------------------


def _url(app: Flask, endpoint: str, **values: object) -> str:
    with app.test_request_context():
        return url_for(endpoint, **values)


def test_stage_exception_visible_on_review_desa_and_field_pages(
    app: Flask, make_user: MakeUser, client: FlaskClient, login: Login
) -> None:
    world = field_world(make_user)
    participant = world.desa[BUKIT]
    db.session.add(
        StageException(
            participant_id=participant.id,
            stage=StageCode.penilaian_dokumen,
            indicator_code="A2",
            reason="Server desa mati saat uji akses.",
            ends_at=datetime.now(UTC) + timedelta(days=2),
            created_by_id=world.committee.id,
        )
    )
    db.session.commit()
    operator = make_user(Role.operator_desa, BUKIT)
    reviewer = make_user(Role.verifikator_kecamatan, "64.09.04")
    pages = [
        (operator, f"/desa/peserta/{participant.id}"),
        (operator, f"/desa/peserta/{participant.id}/indikator/A1"),
        (reviewer, _url(app, "review.detail", participant_id=participant.id)),
        (world.first, f"/asesor/penugasan/{world.assignment(BUKIT, world.first).id}"),
        (world.first, f"/lapangan/penugasan/{world.assignment(BUKIT, world.first).id}"),
        (world.lead, f"/lapangan/lomba/{world.competition.id}/desa/{participant.id}"),
    ]
    for user, url in pages:
        login(client, user)
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Server desa mati saat uji akses." in response.get_data(as_text=True), url


# --- Deadline reminders --------------------------------------------------------------------------------------------


def test_deadline_reminders_reach_who_must_act_and_never_twice(app: Flask, make_user: MakeUser) -> None:
    world = field_world(make_user)
    competition = world.competition
    # Klarifikasi lapangan ends in 30 hours: the visitors of the finalist Bukit Raya (no field level yet).
    set_stage(competition, StageCode.klarifikasi_lapangan, timedelta(days=-1), timedelta(hours=30))
    now = datetime.now(UTC)
    assert send_deadline_reminders(now, 24) == []
    sent = send_deadline_reminders(now, 48)
    assert sorted(r.user_id for r in sent) == sorted([world.first.id, world.second.id])
    assert {r.stage for r in sent} == {StageCode.klarifikasi_lapangan}
    assert send_deadline_reminders(now, 48) == []
    assert send_deadline_reminders(now + timedelta(hours=1), 48) == []
    rows = db.session.scalars(select(Notification).where(Notification.kind.startswith("deadline:"))).all()
    assert len(rows) == 2 and all("klarifikasi lapangan" in row.message for row in rows)


def test_deadline_reminders_for_self_assessment_and_desk_stages(app: Flask, make_user: MakeUser) -> None:
    competition, participants = verification_competition(StageCode.penilaian_dokumen)
    bukit, semoi, _paser = participants
    committee = make_user(Role.panitia, "64")
    first = make_user(Role.asesor, "64", home_region_code="64.72")
    second = make_user(Role.asesor, "64", home_region_code="64.01")
    done = assign_assessor(bukit, first, committee, datetime.now(UTC))
    assign_assessor(semoi, second, committee, datetime.now(UTC))
    done.submitted_at = datetime.now(UTC)
    set_stage(competition, StageCode.penilaian_dokumen, timedelta(days=-5), timedelta(hours=10))
    set_stage(competition, StageCode.penilaian_mandiri, timedelta(days=-5), timedelta(hours=10))
    semoi.status = SubmissionStatus.dikembalikan
    db.session.commit()
    operator = make_user(Role.operator_desa, semoi.desa_code)
    make_user(Role.operator_desa, bukit.desa_code)  # submitted and complete: nothing to do
    sent = send_deadline_reminders(datetime.now(UTC), 48)
    assert {(r.user_id, r.stage) for r in sent} == {
        (second.id, StageCode.penilaian_dokumen),
        (operator.id, StageCode.penilaian_mandiri),
    }


def test_deadlines_cli(app: Flask, make_user: MakeUser) -> None:
    world = field_world(make_user)
    set_stage(world.competition, StageCode.klarifikasi_lapangan, timedelta(days=-1), timedelta(hours=5))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["notifications", "deadlines", "--hours", "48"])
    assert result.exit_code == 0, result.output
    assert "2 pengingat" in result.output
    again = runner.invoke(args=["notifications", "deadlines", "--hours", "48"])
    assert again.exit_code == 0 and "0 pengingat" in again.output
    bad = runner.invoke(args=["notifications", "deadlines", "--hours", "0"])
    assert bad.exit_code != 0
