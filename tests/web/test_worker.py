"""The background worker's queue (assessment/jobs/queue.py) and the reminders before deadlines
(assessment/services/deadlines.py, ``plan_deadline_reminders``), in process; the worker as a real process is in
tests/web/test_worker_processes.py."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import delete, select, update

from assessment.jobs import queue
from assessment.jobs.schedule import PERIODIC, schedule_due
from assessment.jobs.settings import reminder_days
from assessment.models import (
    Job,
    JobStatus,
    Notification,
    Participant,
    Reconciliation,
    Role,
    SelfAssessment,
    Stage,
    StageCode,
    SubmissionStatus,
)
from assessment.platform.extensions import db
from assessment.platform.wita import WITA
from assessment.services.deadlines import current_offset, last_day, plan_deadline_reminders, reminder_due_at
from tests.conftest import MakeUser
from tests.support.results import SEMOI, results_world
from tests.support.verification import verification_competition

# --- The queue -------------------------------------------------------------------------------------------------

CALLS: list[dict[str, Any]] = []


@pytest.fixture
def kinds(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Test job kinds: 'ok' records its payload, 'flaky' fails with the payload's message, 'fatal' is Permanent."""
    CALLS.clear()

    def ok(payload: dict[str, Any], context: queue.RunContext) -> str:
        CALLS.append(payload)
        return "ok"

    def flaky(payload: dict[str, Any], context: queue.RunContext) -> str:
        CALLS.append(payload)
        raise RuntimeError(payload.get("message", "gateway 500"))

    def fatal(payload: dict[str, Any], context: queue.RunContext) -> str:
        raise queue.Permanent("nomor tidak valid")

    monkeypatch.setitem(queue.HANDLERS, "test.ok", ok)
    monkeypatch.setitem(queue.HANDLERS, "test.flaky", flaky)
    monkeypatch.setitem(queue.HANDLERS, "test.fatal", fatal)
    yield


def job(key: str) -> Job:
    db.session.expire_all()
    return db.session.scalars(select(Job).where(Job.key == key)).one()


def test_enqueue_is_idempotent_per_key(app: Flask, kinds: None) -> None:
    assert queue.enqueue("test.ok", "k1", {"n": 1}) is True
    assert queue.enqueue("test.ok", "k1", {"n": 2}) is False
    db.session.commit()
    assert queue.enqueue("test.ok", "k1", {"n": 3}) is False
    db.session.commit()
    outcomes = queue.run_due("w1")
    assert [o.status for o in outcomes] == [JobStatus.done] and CALLS == [{"n": 1}]
    assert queue.enqueue("test.ok", "k1") is False  # a finished job's key stays taken
    db.session.commit()
    assert queue.run_due("w1") == [] and CALLS == [{"n": 1}]


def test_enqueue_belongs_to_the_callers_transaction(app: Flask, kinds: None) -> None:
    queue.enqueue("test.ok", "rolled-back")
    db.session.rollback()
    assert db.session.scalars(select(Job)).all() == []


def test_backoff_grows_and_is_capped() -> None:
    waits = [queue.backoff(n) for n in range(1, 7)]
    assert waits[:4] == [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=25), timedelta(minutes=125)]
    assert waits[4] == waits[5] == queue.BACKOFF_CAP


def test_failing_job_is_retried_with_backoff_then_parked_with_its_error(app: Flask, kinds: None) -> None:
    queue.enqueue("test.flaky", "f", {"message": "gateway answered 500"}, max_attempts=3)
    db.session.commit()
    (first,) = queue.run_due("w1")
    assert first.status is JobStatus.pending
    row = job("f")
    assert row.attempts == 1 and row.status is JobStatus.pending and "gateway answered 500" in (row.last_error or "")
    assert row.run_at > datetime.now(UTC)  # waiting for its backoff: not due now
    assert queue.run_due("w1") == []
    for expected in (JobStatus.pending, JobStatus.parked):
        db.session.execute(update(Job).where(Job.key == "f").values(run_at=datetime.now(UTC)))  # the wait is over
        db.session.commit()
        (outcome,) = queue.run_due("w1")
        assert outcome.status is expected
    row = job("f")
    assert row.status is JobStatus.parked and row.attempts == 3 and row.finished_at is not None
    assert row.last_error == "RuntimeError: gateway answered 500"
    db.session.execute(update(Job).where(Job.key == "f").values(run_at=datetime.now(UTC) - timedelta(days=1)))
    db.session.commit()
    assert queue.run_due("w1") == [] and len(CALLS) == 3  # parked: never run again by itself


def test_permanent_failure_is_parked_at_once(app: Flask, kinds: None) -> None:
    queue.enqueue("test.fatal", "p")
    db.session.commit()
    (outcome,) = queue.run_due("w1")
    assert outcome.status is JobStatus.parked and job("p").last_error == "Permanent: nomor tidak valid"


def test_job_of_unknown_kind_is_parked(app: Flask, kinds: None) -> None:
    queue.enqueue("test.nobody", "u")
    db.session.commit()
    (outcome,) = queue.run_due("w1")
    assert outcome.status is JobStatus.parked and "no handler" in outcome.detail


def test_a_claimed_job_is_nobody_elses_until_its_lease_ends(app: Flask, kinds: None) -> None:
    """Compare-and-set (SQLite) or SKIP LOCKED (PostgreSQL): a second claim finds nothing while the first
    worker's lease runs; a worker killed with the job in hand loses it to another after the lease (at least
    once), and the first worker, if it comes back, cannot overwrite the outcome."""
    queue.enqueue("test.ok", "lease", {"n": 1})
    db.session.commit()
    now = datetime.now(UTC)
    (taken,) = queue.claim("w1", now, 10)
    assert queue.claim("w2", now, 10) == []
    assert job("lease").status is JobStatus.running and job("lease").locked_by == "w1"
    later = now + queue.lease() + timedelta(seconds=1)
    assert queue.claim("w2", later, 10) == [taken]
    assert job("lease").locked_by == "w2" and job("lease").attempts == 2
    with queue.batch(later) as context:
        queue.run_claimed(taken, "w2", context)
    assert job("lease").status is JobStatus.done
    queue._finish(taken, "w1", {"status": JobStatus.parked, "last_error": "late"})  # the dead worker wakes up
    assert job("lease").status is JobStatus.done and job("lease").last_error is None


def test_stopping_between_jobs_hands_the_rest_back(app: Flask, kinds: None) -> None:
    for number in range(3):
        queue.enqueue("test.ok", f"s{number}", {"n": number})
    db.session.commit()
    outcomes = queue.run_due("w1", should_stop=lambda: len(CALLS) >= 1)
    assert len(outcomes) == 1
    rest = [job(f"s{n}") for n in (1, 2)]
    assert all(row.status is JobStatus.pending and row.attempts == 0 and row.locked_by is None for row in rest)


def test_periodic_jobs_are_enqueued_once_per_slot(app: Flask) -> None:
    now = datetime(2026, 12, 7, 2, 7, tzinfo=UTC)
    assert schedule_due(now) == len(PERIODIC)
    assert schedule_due(now + timedelta(minutes=1)) == 0  # same slots: another worker, or the next poll
    keys = set(db.session.scalars(select(Job.key)))
    assert {
        "deadline.reminders@2026-12-07T02:00Z",
        "mail.outbox@2026-12-07T02:05Z",
        "jobs.prune@2026-12-07T00:00Z",
        "links.sweep@2026-12-07T02:00Z",
        "documents.purge@2026-12-07T02:00Z",
    } == keys
    assert schedule_due(now + timedelta(minutes=8)) == 4  # the next 15-minute (3) and 5-minute slots


def test_prune_keeps_parked_jobs(app: Flask, kinds: None) -> None:
    old = datetime.now(UTC) - timedelta(days=40)
    queue.enqueue("test.ok", "old-done")
    queue.enqueue("test.ok", "old-parked")
    db.session.commit()
    db.session.execute(update(Job).where(Job.key == "old-done").values(status=JobStatus.done, finished_at=old))
    db.session.execute(update(Job).where(Job.key == "old-parked").values(status=JobStatus.parked, finished_at=old))
    db.session.commit()
    assert queue.prune(datetime.now(UTC) - timedelta(days=30)) == 1
    assert list(db.session.scalars(select(Job.key))) == ["old-parked"]


def test_worker_once_cli_reports_and_exits_1_on_failure(app: Flask, runner: FlaskCliRunner, kinds: None) -> None:
    queue.enqueue("test.ok", "a")
    queue.enqueue("test.flaky", "b", {"message": "gateway answered 500"})
    db.session.commit()
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 1
    assert "dicoba lagi nanti" in result.output and "gateway answered 500" in result.output
    again = runner.invoke(args=["worker", "--once"])
    assert again.exit_code == 0, again.output


def test_worker_settings_from_the_environment() -> None:
    assert reminder_days("") == (7, 3, 1)
    assert reminder_days("1, 14,3,3,x,0,99") == (14, 3, 1)
    assert reminder_days("nol") == (7, 3, 1)


# --- Reminders before deadlines -------------------------------------------------------------------------------


def wita(day: date, hour: int = 0, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=WITA)


def place(stage: Stage, last: date) -> Stage:
    """Let ``stage`` run from now (minus a day) until 24.00 WITA on ``last``."""
    stage.starts_at = datetime.now(UTC) - timedelta(days=1)
    stage.ends_at = wita(last + timedelta(days=1))
    db.session.commit()
    return stage


def reminded(kind_prefix: str = "deadline:") -> list[tuple[int, str]]:
    return sorted(
        (n.user_id, n.kind)
        for n in db.session.scalars(select(Notification).where(Notification.kind.startswith(kind_prefix)))
    )


def test_reminder_is_due_at_0800_wita_on_the_last_day_minus_the_offset(app: Flask) -> None:
    """H-d: 08.00 WITA, d days before the last day (a stage ending 00:00 WITA on the 15th ends on the 14th)."""
    competition, _participants = verification_competition(StageCode.penilaian_dokumen)
    stage = competition.stage(StageCode.penilaian_dokumen)
    assert stage is not None
    stage.ends_at = wita(date(2026, 12, 15))
    assert last_day(stage) == date(2026, 12, 14)
    assert reminder_due_at(stage, 7) == wita(date(2026, 12, 7), 8)
    assert reminder_due_at(stage, 1) == wita(date(2026, 12, 13), 8)
    stage.ends_at = wita(date(2026, 12, 14), 16, 30)  # an afternoon deadline has the same last day
    assert last_day(stage) == date(2026, 12, 14)
    offsets = (7, 3, 1)
    assert current_offset(stage, wita(date(2026, 12, 7), 7, 59), offsets) is None
    assert current_offset(stage, wita(date(2026, 12, 7), 8), offsets) == 7
    assert current_offset(stage, wita(date(2026, 12, 12), 23), offsets) == 3
    assert current_offset(stage, wita(date(2026, 12, 14), 9), offsets) == 1
    db.session.rollback()


def test_reminders_reach_operators_once_per_offset_naming_what_is_missing(app: Flask, make_user: MakeUser) -> None:
    competition, participants = verification_competition(StageCode.penilaian_dokumen)
    bukit, semoi, paser = participants
    bukit.status, semoi.status, paser.status = (
        SubmissionStatus.draf,
        SubmissionStatus.dikembalikan,
        SubmissionStatus.diajukan,
    )
    db.session.add(SelfAssessment(participant_id=bukit.id, indicator_code="A1", level=2, explanation="-"))
    stage = competition.stage(StageCode.penilaian_mandiri)
    assert stage is not None
    last = date.today() + timedelta(days=10)
    place(stage, last)
    bukit_op = make_user(Role.operator_desa, bukit.desa_code)
    semoi_op = make_user(Role.operator_desa, semoi.desa_code)
    make_user(Role.operator_desa, paser.desa_code)  # submitted: nothing to do
    make_user(Role.operator_desa, bukit.desa_code, active=False)
    h7 = wita(last - timedelta(days=7), 8)
    assert plan_deadline_reminders(h7 - timedelta(minutes=1)) == []
    sent = plan_deadline_reminders(h7)
    assert {(r.user_id, r.days) for r in sent if r.stage is StageCode.penilaian_mandiri} == {
        (bukit_op.id, 7),
        (semoi_op.id, 7),
    }
    message = db.session.scalars(select(Notification).where(Notification.user_id == bukit_op.id)).one().message
    assert message.startswith("Pengingat H-7: tenggat penilaian mandiri")
    assert "masih kurang 1 dari 2 indikator" in message
    assert plan_deadline_reminders(h7 + timedelta(hours=5)) == []  # once per offset, however often it runs
    # Bukit submits before H-3: only Semoi Dua is reminded again.
    db.session.get(Participant, bukit.id).status = SubmissionStatus.diajukan  # type: ignore[union-attr]
    db.session.commit()
    sent = plan_deadline_reminders(wita(last - timedelta(days=3), 8))
    assert [(r.user_id, r.days) for r in sent if r.stage is StageCode.penilaian_mandiri] == [(semoi_op.id, 3)]
    db.session.get(Participant, semoi.id).status = SubmissionStatus.diajukan  # type: ignore[union-attr]
    db.session.commit()
    assert [
        r for r in plan_deadline_reminders(wita(last - timedelta(days=1), 8)) if r.stage is StageCode.penilaian_mandiri
    ] == []


def test_a_missed_offset_sends_only_the_latest_and_a_closed_stage_nothing(app: Flask, make_user: MakeUser) -> None:
    competition, participants = verification_competition(StageCode.penilaian_dokumen)
    bukit = participants[0]
    bukit.status = SubmissionStatus.draf
    stage = competition.stage(StageCode.penilaian_mandiri)
    assert stage is not None
    last = date.today() + timedelta(days=10)
    place(stage, last)
    operator = make_user(Role.operator_desa, bukit.desa_code)
    sent = plan_deadline_reminders(wita(last - timedelta(days=2), 9))  # the worker was down at H-7 and H-3
    assert [(r.user_id, r.days) for r in sent if r.stage is StageCode.penilaian_mandiri] == [(operator.id, 3)]
    closed = plan_deadline_reminders(wita(last + timedelta(days=1), 9))  # after the deadline
    assert [r for r in closed if r.stage is StageCode.penilaian_mandiri] == []


def test_schedule_change_replans_reminders_from_the_new_dates(app: Flask, make_user: MakeUser) -> None:
    """Nothing stored ahead: an extended deadline is reminded from its own dates; moving it back repeats
    nothing already sent for that day."""
    competition, participants = verification_competition(StageCode.penilaian_dokumen)
    participants[0].status = SubmissionStatus.draf
    stage = competition.stage(StageCode.penilaian_mandiri)
    assert stage is not None
    last = date.today() + timedelta(days=10)
    place(stage, last)
    operator = make_user(Role.operator_desa, participants[0].desa_code)
    at_h3 = wita(last - timedelta(days=3), 10)
    assert [r.days for r in plan_deadline_reminders(at_h3) if r.user_id == operator.id] == [3]
    extended = last + timedelta(days=7)
    place(stage, extended)  # the committee extends by a week (issue 12's schedule change)
    assert [r for r in plan_deadline_reminders(at_h3) if r.user_id == operator.id] == []  # new H-10: not yet
    new_h3 = wita(extended - timedelta(days=3), 8)
    assert [r.days for r in plan_deadline_reminders(new_h3) if r.user_id == operator.id] == [3]
    place(stage, last)  # moved back
    assert [r for r in plan_deadline_reminders(at_h3) if r.user_id == operator.id] == []


def test_reminders_for_reviewers_assessors_and_the_ketua_tim(app: Flask, make_user: MakeUser) -> None:
    world = results_world(make_user, StageCode.rekonsiliasi)
    competition = world.competition
    last = date.today() + timedelta(days=10)
    # Reconciliation: Bukit Raya's A1 is flagged; not yet agreed.
    db.session.execute(delete(Reconciliation))
    rekon = competition.stage(StageCode.rekonsiliasi)
    assert rekon is not None
    place(rekon, last)
    # Completeness check open at the same time: Semoi Dua submitted, in Penajam (64.09).
    check = competition.stage(StageCode.verifikasi_kelengkapan)
    assert check is not None
    place(check, last)
    world.participants[SEMOI].status = SubmissionStatus.diajukan
    # Desk scoring open too: both assessors still have the fourth desa (no levels) to submit.
    desk = competition.stage(StageCode.penilaian_dokumen)
    assert desk is not None
    place(desk, last)
    db.session.commit()
    kecamatan = make_user(Role.verifikator_kecamatan, "64.09.04")
    dpmd = make_user(Role.dpmd, "64.09")
    other_dpmd = make_user(Role.dpmd, "64.01")
    sent = plan_deadline_reminders(wita(last - timedelta(days=1), 8))
    by_stage = {(r.user_id, r.stage) for r in sent}
    assert by_stage == {
        (kecamatan.id, StageCode.verifikasi_kelengkapan),
        (dpmd.id, StageCode.verifikasi_kelengkapan),
        (world.first.id, StageCode.penilaian_dokumen),
        (world.second.id, StageCode.penilaian_dokumen),
        (world.lead.id, StageCode.rekonsiliasi),
    }
    assert other_dpmd.id not in {r.user_id for r in sent}
    lead_message = db.session.scalars(select(Notification).where(Notification.user_id == world.lead.id)).one()
    assert "1 butir menunggu rekonsiliasi" in lead_message.message
    assert lead_message.link == f"/ketua-tim/lomba/{competition.id}"
    dpmd_message = db.session.scalars(select(Notification).where(Notification.user_id == dpmd.id)).one()
    assert "1 pengajuan menunggu verifikasi kelengkapan" in dpmd_message.message


def test_worker_runs_the_reminders_without_cron(app: Flask, make_user: MakeUser, runner: FlaskCliRunner) -> None:
    """``worker --once`` schedules the reminder job of the current slot and runs it: the reminder due now
    arrives, and a second run in the same slot sends nothing."""
    competition, participants = verification_competition(StageCode.penilaian_dokumen)
    participants[0].status = SubmissionStatus.draf
    stage = competition.stage(StageCode.penilaian_mandiri)
    assert stage is not None
    place(stage, (datetime.now(UTC) + timedelta(days=1)).astimezone(WITA).date())  # H-1 or H-0: due
    operator = make_user(Role.operator_desa, participants[0].desa_code)
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert len([k for user, k in reminded() if user == operator.id]) == 1
    assert runner.invoke(args=["worker", "--once"]).exit_code == 0
    assert len([k for user, k in reminded() if user == operator.id]) == 1
    deadlines = runner.invoke(args=["notifications", "deadlines"])
    assert deadlines.exit_code == 0 and "0 pengingat" in deadlines.output
