"""Notifying every desa after publishing and finalising runs in the worker (assessment/services/fanout.py, rules in its
docstring): the request enqueues one job, ``worker --once`` writes each operator's message, and no run (twice,
after a crash half-way, two workers at once) gives anyone a second copy."""

from __future__ import annotations

import collections
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select, update

from assessment.assignments.operations import assign_automatically
from assessment.competitions.schedule_operations import change_schedule
from assessment.jobs import queue
from assessment.models import Job, JobStatus, Notification, Role, StageCode, User
from assessment.platform.extensions import db
from assessment.platform.wita import WITA
from assessment.publication.operations import finalise_results, publish_provisional
from assessment.registration.operations import enrol_from_file
from assessment.services import fanout
from tests.conftest import Login, MakeRegion, MakeUser
from tests.support.published import ResultsWorld, open_results_stage, results_world
from tests.support.verification import verification_competition
from tests.web.test_inbox import FakeSMTP
from tests.web.test_registration import DESA as REG_DESA
from tests.web.test_registration import PPU, competition_in_registration
from tests.web.test_worker_processes import WORKER, environment, postgresql_only, sqlite_only, start

SEMOI, BUKIT, PASER = "64.09.04.2003", "64.09.04.2002", "64.01.01.2001"


@pytest.fixture
def world(app: Flask, make_user: MakeUser) -> ResultsWorld:
    return results_world(make_user)


@pytest.fixture
def operators(world: ResultsWorld, make_user: MakeUser) -> dict[str, list[User]]:
    """Two operators for each desa (one of Desa Paser deactivated: told nothing)."""
    found = {
        code: [make_user(Role.operator_desa, code, email=f"op{n}-{code}@contoh.id") for n in range(2)]
        for code in (SEMOI, BUKIT, PASER)
    }
    found[PASER][1].active = False
    db.session.commit()
    return found


def inbox(kind: str) -> collections.Counter[tuple[int, str]]:
    """(account, message) -> how many times it is in an inbox."""
    return collections.Counter(
        (row.user_id, row.message) for row in db.session.scalars(select(Notification).where(Notification.kind == kind))
    )


def fanout_jobs() -> list[Job]:
    return list(db.session.scalars(select(Job).where(Job.kind == fanout.FANOUT_JOB).order_by(Job.id)))


def test_publishing_writes_no_personal_message_in_the_request_and_says_they_are_being_sent(
    app: Flask, world: ResultsWorld, operators: dict[str, list[User]], client: FlaskClient, login: Login
) -> None:
    login(client, world.committee)
    page = client.post(f"/panitia/hasil/lomba/{world.competition.id}/umumkan", follow_redirects=True)
    html = page.get_data(as_text=True)
    assert "Hasil sementara diumumkan dan dibekukan." in html
    assert "Pemberitahuan kepada operator desa sedang dikirim oleh pekerja latar" in html
    assert inbox("hasil_sementara") == collections.Counter()
    operator_ids = [user.id for users in operators.values() for user in users]
    assert (
        db.session.scalar(select(func.count()).select_from(Notification).where(Notification.user_id.in_(operator_ids)))
        == 0
    )
    [job] = fanout_jobs()
    assert job.key.startswith(f"publish-fanout:{world.competition.id}:") and job.status is JobStatus.pending
    # The committee's delivery page shows it waiting: none of the 3 desa done yet.
    delivery = client.get("/panitia/pengiriman/").get_data(as_text=True)
    assert f'<tr data-job="{job.key}">' in delivery and "0 dari 3 desa" in delivery


def test_worker_once_tells_each_operator_their_rank_once(
    app: Flask,
    world: ResultsWorld,
    operators: dict[str, list[User]],
    runner: FlaskCliRunner,
    client: FlaskClient,
    login: Login,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("assessment.services.notifications.smtplib.SMTP", FakeSMTP)
    FakeSMTP.sent, FakeSMTP.refused = [], set()
    app.config["SMTP_HOST"] = "127.0.0.1"
    publish_provisional(world.competition, world.committee, datetime.now(UTC))
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    told = inbox("hasil_sementara")
    assert set(told.values()) == {1}
    by_user = {user_id: message for user_id, message in told}
    for user in operators[SEMOI]:
        assert "peringkat 1 dari 3 desa, indeks 70,00" in by_user[user.id]
    for user in operators[BUKIT]:
        assert "peringkat 2 dari 3 desa, indeks 65,00" in by_user[user.id]
    assert "peringkat 3 dari 3 desa" in by_user[operators[PASER][0].id]
    assert operators[PASER][1].id not in by_user  # deactivated
    assert len(by_user) == 5
    # Each message also went by e-mail, once, from the worker.
    assert sorted(mail["To"] for mail in FakeSMTP.sent) == sorted(
        user.email for users in operators.values() for user in users if user.active
    )
    [job] = fanout_jobs()
    assert job.status is JobStatus.done
    login(client, world.committee)
    assert "3 dari 3 desa" in client.get("/panitia/pengiriman/").get_data(as_text=True)


def test_running_the_fanout_again_duplicates_nothing(
    app: Flask, world: ResultsWorld, operators: dict[str, list[User]], runner: FlaskCliRunner
) -> None:
    publish_provisional(world.competition, world.committee, datetime.now(UTC))
    assert runner.invoke(args=["worker", "--once"]).exit_code == 0
    first = inbox("hasil_sementara")
    # Run the same job again (as a worker would whose outcome was lost).
    [job] = fanout_jobs()
    db.session.execute(update(Job).where(Job.id == job.id).values(status=JobStatus.pending, result=None))
    db.session.commit()
    assert runner.invoke(args=["worker", "--once"]).exit_code == 0
    assert inbox("hasil_sementara") == first and set(first.values()) == {1}


def test_a_worker_that_dies_half_way_resumes_without_duplicates(
    app: Flask, world: ResultsWorld, operators: dict[str, list[User]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """One desa per chunk; the worker "dies" while writing the second desa (after the first chunk's commit):
    what was committed stays, its progress says 1 of 3, and the next run writes only the rest."""
    monkeypatch.setattr(fanout, "CHUNK", 1)
    publish_provisional(world.competition, world.committee, datetime.now(UTC))
    real = fanout.operators_of
    calls = []

    def dying(code: str) -> list[User]:
        calls.append(code)
        if len(calls) == 2:
            raise SystemExit("killed")  # not an Exception: nothing of the job's own handling runs
        return real(code)

    monkeypatch.setattr(fanout, "operators_of", dying)
    worker = queue.worker_name()
    with pytest.raises(SystemExit):
        queue.run_due(worker, kinds=[fanout.FANOUT_JOB])
    db.session.rollback()
    [job] = fanout_jobs()
    assert job.status is JobStatus.running and job.result == "1"  # one desa committed, then the process died
    assert len(inbox("hasil_sementara")) == 2  # the first desa's two operators
    # Its lease runs out; another worker takes the job again.
    db.session.execute(update(Job).where(Job.id == job.id).values(locked_until=datetime(2000, 1, 1, tzinfo=UTC)))
    db.session.commit()
    outcomes = queue.run_due(queue.worker_name(), kinds=[fanout.FANOUT_JOB])
    assert [outcome.status for outcome in outcomes] == [JobStatus.done]
    told = inbox("hasil_sementara")
    assert len(told) == 5 and set(told.values()) == {1}
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.kind == "hasil_sementara", Notification.idempotency_key.is_(None))
        )
        == 0
    )


def test_finalising_tells_each_operator_the_final_rank_through_the_worker(
    app: Flask, world: ResultsWorld, operators: dict[str, list[User]], runner: FlaskCliRunner
) -> None:
    publish_provisional(world.competition, world.committee, datetime.now(UTC))
    assert runner.invoke(args=["worker", "--once"]).exit_code == 0
    open_results_stage(world.competition, StageCode.penetapan)
    snapshot = finalise_results(world.competition, world.committee, datetime.now(UTC))
    assert inbox("hasil_akhir") == collections.Counter()  # nothing written by the request
    [_published, final] = fanout_jobs()
    assert final.key == f"final-fanout:{world.competition.id}:{snapshot.id}"
    assert runner.invoke(args=["worker", "--once"]).exit_code == 0
    told = {user_id: message for (user_id, message), count in inbox("hasil_akhir").items() if count == 1}
    assert len(told) == 5 and sum(inbox("hasil_akhir").values()) == 5
    assert "Hasil akhir" in told[operators[SEMOI][0].id] and "peringkat 1 dari 3 desa" in told[operators[SEMOI][0].id]
    assert snapshot.kode in told[operators[PASER][0].id]
    [link] = set(
        db.session.scalars(
            select(Notification.link).where(
                Notification.user_id == operators[BUKIT][0].id, Notification.kind == "hasil_akhir"
            )
        )
    )
    assert link == f"/hasil/{world.competition.id}/desa/{BUKIT}"


def two_workers_write_each_message_once(
    app: Flask, world: ResultsWorld, operators: dict[str, list[User]], tmp_path: Path
) -> None:
    # Ten events over the same desa (as if ten competitions were published at once), for two worker processes.
    messages = [(code, f"Pesan {code}", "/sanggah/") for code in (SEMOI, BUKIT, PASER)]
    for number in range(10):
        fanout.enqueue_fanout(f"publish-fanout:test:{number}", "hasil_sementara", messages)
    db.session.commit()
    env = {**environment(app, tmp_path, 1), "SMTP_HOST": ""}
    workers = [start([*WORKER, "--once"], env, tmp_path / f"worker{n}.log") for n in range(2)]
    for number, worker in enumerate(workers):
        assert worker.wait(timeout=180) == 0, (tmp_path / f"worker{number}.log").read_text()
    db.session.expire_all()
    keys = list(db.session.scalars(select(Notification.idempotency_key).where(Notification.kind == "hasil_sementara")))
    assert len(keys) == 10 * 5 and len(set(keys)) == len(keys)
    jobs = fanout_jobs()
    assert {job.status for job in jobs} == {JobStatus.done} and {job.attempts for job in jobs} == {1}


@postgresql_only
def test_two_workers_never_write_one_fanout_message_twice_on_postgresql(
    app: Flask, world: ResultsWorld, operators: dict[str, list[User]], tmp_path: Path
) -> None:
    two_workers_write_each_message_once(app, world, operators, tmp_path)


@sqlite_only
def test_two_workers_never_write_one_fanout_message_twice_on_sqlite(
    app: Flask, world: ResultsWorld, operators: dict[str, list[User]], tmp_path: Path
) -> None:
    two_workers_write_each_message_once(app, world, operators, tmp_path)


def test_a_schedule_change_tells_its_audience_through_the_worker(
    app: Flask, world: ResultsWorld, operators: dict[str, list[User]], runner: FlaskCliRunner
) -> None:
    """Moving the penetapan reaches the operators of every participating desa and the other committee
    members: the change writes one job, the worker the messages (each account once)."""
    stage = world.competition.stage(StageCode.penetapan)
    assert stage is not None
    # Stage days are WITA days: a UTC date would start the stage before the previous one ends after 16:00 UTC.
    first = stage.starts_at.astimezone(WITA).date() + timedelta(days=1)
    last = stage.ends_at.astimezone(WITA).date() + timedelta(days=3)
    change = change_schedule(
        world.competition,
        {StageCode.penetapan: (first, last)},
        "Banyak desa belum menerima hasil sementara.",
        datetime.now(UTC),
        by=world.committee,
    )
    assert inbox("schedule_change") == collections.Counter()
    [job] = fanout_jobs()
    assert job.key == f"schedule-fanout:{world.competition.id}:{change.id}"
    assert runner.invoke(args=["worker", "--once"]).exit_code == 0
    told = {user_id for user_id, _message in inbox("schedule_change")}
    active = {user.id for users in operators.values() for user in users if user.active}
    assert active <= told and world.committee.id not in told
    assert set(inbox("schedule_change").values()) == {1}


def test_automatic_assignment_tells_each_assessor_of_each_desa_through_the_worker(
    app: Flask, make_user: MakeUser, runner: FlaskCliRunner
) -> None:
    """Two assessors, every complete desa, two per desa: each assessor gets one message per desa assigned (several
    entries for one person are several messages), none in the request, and a second run adds none."""
    competition, participants = verification_competition()
    assert len(participants) >= 2
    committee = make_user(Role.panitia, "64")
    assessors = [make_user(Role.asesor, "64", home_region_code="64.72") for _ in range(2)]
    assign_automatically(competition, committee, datetime.now(UTC))
    assert inbox("assignment") == collections.Counter()
    [job] = fanout_jobs()
    assert job.key.startswith(f"assign-fanout:{competition.id}:")
    assert runner.invoke(args=["worker", "--once"]).exit_code == 0
    db.session.execute(update(Job).where(Job.id == job.id).values(status=JobStatus.pending))
    db.session.commit()
    assert runner.invoke(args=["worker", "--once"]).exit_code == 0
    told = inbox("assignment")
    assert set(told.values()) == {1}
    for assessor in assessors:
        mine = [message for user_id, message in told if user_id == assessor.id]
        assert sorted(mine) == sorted(
            f"Anda ditugaskan menilai Desa {p.region.name} ({p.desa_code})." for p in participants
        )


def test_enrolment_from_a_file_tells_operators_and_flags_dpmd_through_the_worker(
    app: Flask, make_region: MakeRegion, make_user: MakeUser, runner: FlaskCliRunner
) -> None:
    competition = competition_in_registration(make_region, quota=None)
    operator = make_user(Role.operator_desa, REG_DESA[0])
    dpmd = make_user(Role.dpmd, PPU)
    committee = make_user(Role.panitia, "64")
    enrol_from_file(
        competition, f"kode_desa\n{REG_DESA[0]}\n{REG_DESA[1]}\n".encode(), "peserta.csv", committee, datetime.now(UTC)
    )
    assert inbox("registration") == collections.Counter()
    [job] = fanout_jobs()
    assert job.key.startswith(f"enrol-fanout:{competition.id}:")
    assert runner.invoke(args=["worker", "--once"]).exit_code == 0
    told = dict(inbox("registration"))
    [(to_operator, count)] = [(m, c) for (user_id, m), c in told.items() if user_id == operator.id]
    assert count == 1 and to_operator.startswith("Desa ") and "terdaftar sebagai peserta" in to_operator
    [(to_dpmd, count)] = [(m, c) for (user_id, m), c in told.items() if user_id == dpmd.id]
    assert count == 1 and "tanpa akun operator desa" in to_dpmd and REG_DESA[1] in to_dpmd
