"""The committee's schedule (issue 12, point 1): change a stage's dates on the competition page or on the command
line, with a reason, under the rules of assessment/competitions/rescheduling.py; the history, the audit event,
the people told; and the committee exception that gives one desa more days for its self-assessment."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import flask_migrate
import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from assessment import create_app
from assessment.competitions.schedule import stage_window
from assessment.jobs import queue
from assessment.models import (
    AuditEvent,
    Competition,
    Notification,
    Participant,
    Role,
    ScheduleChange,
    Stage,
    StageCode,
    SubmissionStatus,
    User,
)
from assessment.platform.extensions import db
from assessment.platform.wita import WITA
from assessment.services.audit import verify_chain
from assessment.services.fanout import FANOUT_JOB
from tests.conftest import Login, MakeUser, config_for_tests, reset_database
from tests.support.competition import create_competition

DESA = "64.09.04.2002"
OTHER_DESA = "64.09.04.2003"
REASON = "Jaringan internet terputus tiga hari di Kecamatan Sepaku."


def today() -> date:
    return datetime.now(WITA).date()


def set_days(competition: Competition, code: StageCode, first: int, last: int) -> None:
    """Put ``code`` on the days ``today + first`` .. ``today + last`` (WITA)."""
    starts_at, ends_at = stage_window(today() + timedelta(days=first), today() + timedelta(days=last))
    stage = competition.stage(code)
    if stage is None:
        competition.stages.append(Stage(code=code, starts_at=starts_at, ends_at=ends_at))
    else:
        stage.starts_at, stage.ends_at = starts_at, ends_at
    db.session.commit()


@pytest.fixture
def setup(app: Flask, make_user: MakeUser, login: Login, client: FlaskClient):
    """Registration ended, self-assessment open until today+3, completeness check today+6..+8, desk scoring
    today+9..+15; two desa with an operator each, an assessor and two committee members (one signed in)."""
    competition, participants = create_competition(desa={DESA: "Bukit Raya", OTHER_DESA: "Semoi Dua"})
    set_days(competition, StageCode.pendaftaran, -30, -20)
    set_days(competition, StageCode.penilaian_mandiri, -5, 3)
    set_days(competition, StageCode.verifikasi_kelengkapan, 6, 8)
    set_days(competition, StageCode.penilaian_dokumen, 9, 15)
    people = {
        "panitia": make_user(Role.panitia, "64", name="Panitia Satu"),
        "colleague": make_user(Role.panitia, "64", name="Panitia Dua"),
        "operator": make_user(Role.operator_desa, DESA, name="Operator Bukit Raya"),
        "other_operator": make_user(Role.operator_desa, OTHER_DESA, name="Operator Semoi Dua"),
        "asesor": make_user(Role.asesor, "64", name="Asesor Satu"),
        "verifikator": make_user(Role.verifikator_kecamatan, "64.09.04", name="Verifikator Sepaku"),
        "outsider": make_user(Role.operator_desa, "64.01.01.2001", name="Operator Lain"),
    }
    login(client, people["panitia"])
    return competition, participants, people


def url(competition: Competition, code: StageCode | str) -> str:
    return f"/panitia/lomba/{competition.id}/jadwal/{getattr(code, 'value', code)}"


def form(first: int, last: int, reason: str = REASON, **extra: str) -> dict[str, str]:
    return {
        "first_day": (today() + timedelta(days=first)).isoformat(),
        "last_day": (today() + timedelta(days=last)).isoformat(),
        "reason": reason,
        **extra,
    }


def last_day(competition: Competition, code: StageCode) -> date:
    db.session.expire_all()
    stage = db.session.get(Competition, competition.id).stage(code)  # type: ignore[union-attr]
    assert stage is not None
    return (stage.ends_at.astimezone(WITA) - timedelta(seconds=1)).date()


def inbox(user: User) -> list[Notification]:
    """The schedule messages in ``user``'s inbox once the worker has run (they are written by its fan-out job)."""
    queue.run_due(queue.worker_name(), kinds=[FANOUT_JOB])
    return list(
        db.session.scalars(
            db.select(Notification).where(Notification.user_id == user.id, Notification.kind == "schedule_change")
        )
    )


def test_committee_extends_the_open_stage_with_a_reason(client: FlaskClient, setup) -> None:
    competition, _participants, people = setup
    page = client.get(url(competition, StageCode.penilaian_mandiri)).get_data(as_text=True)
    assert "readonly" in page and "tenggatnya hanya dapat diperpanjang" in page
    response = client.post(url(competition, StageCode.penilaian_mandiri), data=form(-5, 5))
    assert response.status_code == 302
    assert last_day(competition, StageCode.penilaian_mandiri) == today() + timedelta(days=5)
    assert last_day(competition, StageCode.verifikasi_kelengkapan) == today() + timedelta(days=8)  # not shifted
    change = db.session.scalars(db.select(ScheduleChange)).one()
    assert change.reason == REASON and change.changed_by_id == people["panitia"].id
    [item] = change.stages
    assert item.stage == StageCode.penilaian_mandiri and not item.shifted
    assert item.after_ends_at - item.before_ends_at == timedelta(days=2)
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "competition.schedule")).one()
    assert event.target == f"competition:{competition.id}"
    before, after = json.loads(event.before_json or ""), json.loads(event.after_json or "")
    assert list(before) == ["penilaian_mandiri"] and after["reason"] == REASON
    assert after["stages"]["penilaian_mandiri"][1] > before["penilaian_mandiri"][1]
    # The schedule's history on the competition page, with who, what and why.
    html = client.get(f"/panitia/lomba/{competition.id}").get_data(as_text=True)
    assert "Riwayat jadwal" in html and REASON in html and "Panitia Satu" in html
    # Told: the operators (their deadline), the verifikator (the desa they check), the other committee member;
    # not the assessor (desk scoring did not move), not an operator of a desa outside the competition, not the
    # committee member who made the change.
    for name in ("operator", "other_operator", "verifikator", "colleague"):
        [note] = inbox(people[name])
        assert REASON in note.message and "Penilaian mandiri" in note.message
    assert inbox(people["operator"])[0].link == "/desa/"
    for name in ("asesor", "outsider", "panitia"):
        assert inbox(people[name]) == []


def test_overlap_offers_to_shift_the_later_stages(client: FlaskClient, setup) -> None:
    competition, _participants, people = setup
    response = client.post(url(competition, StageCode.penilaian_mandiri), data=form(-5, 7))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Jadwal tidak diubah" in html
    assert "Tahap Verifikasi kelengkapan harus mulai setelah tahap Penilaian mandiri selesai." in html
    assert "Geser tahap sesudahnya 4 hari?" in html
    assert last_day(competition, StageCode.penilaian_mandiri) == today() + timedelta(days=3)
    assert db.session.scalars(db.select(ScheduleChange)).all() == []
    response = client.post(url(competition, StageCode.penilaian_mandiri), data=form(-5, 7, shift_later="y"))
    assert response.status_code == 302
    assert last_day(competition, StageCode.verifikasi_kelengkapan) == today() + timedelta(days=12)
    assert last_day(competition, StageCode.penilaian_dokumen) == today() + timedelta(days=19)
    assert last_day(competition, StageCode.pendaftaran) == today() - timedelta(days=20)  # history stays
    change = db.session.scalars(db.select(ScheduleChange)).one()
    assert [(item.stage, item.shifted) for item in change.stages] == [
        (StageCode.penilaian_mandiri, False),
        (StageCode.verifikasi_kelengkapan, True),
        (StageCode.penilaian_dokumen, True),
    ]
    # Desk scoring moved: the assessor is told now.
    [note] = inbox(people["asesor"])
    assert "Penilaian dokumen" in note.message and note.link == "/asesor/"
    assert verify_chain(db.session).intact


def test_schedule_history_is_append_only(client: FlaskClient, setup) -> None:
    competition, _participants, _people = setup
    assert client.post(url(competition, StageCode.penilaian_dokumen), data=form(9, 20)).status_code == 302
    for statement in ("UPDATE schedule_change SET reason = 'diubah'", "DELETE FROM schedule_change_stage"):
        with pytest.raises(DBAPIError):
            db.session.execute(text(statement))
        db.session.rollback()
    assert db.session.scalars(db.select(ScheduleChange.reason)).all() == [REASON]


def test_ended_stage_is_not_reopened(client: FlaskClient, setup) -> None:
    competition, _participants, _people = setup
    page = client.get(url(competition, StageCode.pendaftaran)).get_data(as_text=True)
    assert "sudah selesai" in page and "Simpan jadwal" not in page
    response = client.post(url(competition, StageCode.pendaftaran), data=form(-30, 10))
    assert response.status_code == 422
    assert "tidak dapat dibuka atau diubah lagi" in response.get_data(as_text=True)
    assert last_day(competition, StageCode.pendaftaran) == today() - timedelta(days=20)
    assert db.session.scalars(db.select(ScheduleChange)).all() == []


def test_change_without_a_reason_changes_nothing(client: FlaskClient, setup) -> None:
    competition, _participants, _people = setup
    response = client.post(url(competition, StageCode.penilaian_dokumen), data=form(9, 20, reason=" "))
    assert response.status_code == 400
    assert last_day(competition, StageCode.penilaian_dokumen) == today() + timedelta(days=15)
    assert db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "competition.schedule")).all() == []


def test_unscheduled_stage_can_be_scheduled_and_unknown_stage_is_404(client: FlaskClient, setup) -> None:
    competition, _participants, _people = setup
    html = client.get(f"/panitia/lomba/{competition.id}").get_data(as_text=True)
    assert "belum dijadwalkan" in html and "Jadwalkan" in html and "Perpanjang" in html
    response = client.post(url(competition, StageCode.rekonsiliasi), data=form(16, 18))
    assert response.status_code == 302
    assert last_day(competition, StageCode.rekonsiliasi) == today() + timedelta(days=18)
    assert client.get(url(competition, "tahap_lain")).status_code == 404


def test_committee_outside_the_scope_cannot_change_the_schedule(
    app: Flask, setup, make_user: MakeUser, login: Login
) -> None:
    competition, _participants, _people = setup
    other = login(app.test_client(), make_user(Role.panitia, "63"))
    assert other.get(url(competition, StageCode.penilaian_dokumen)).status_code == 403
    assert other.post(url(competition, StageCode.penilaian_dokumen), data=form(9, 20)).status_code == 403
    assert last_day(competition, StageCode.penilaian_dokumen) == today() + timedelta(days=15)


def test_cli_schedule_follows_the_same_rules(runner: FlaskCliRunner, setup) -> None:
    competition, _participants, people = setup
    end = (today() + timedelta(days=20)).isoformat()
    start = (today() + timedelta(days=9)).isoformat()
    result = runner.invoke(
        args=[
            "competition",
            "schedule",
            "--competition",
            str(competition.id),
            "--stage",
            f"penilaian_dokumen={start}..{end}",
            "--reason",
            REASON,
        ]
    )
    assert result.exit_code == 0, result.output
    assert "penilaian_dokumen" in result.output
    assert last_day(competition, StageCode.penilaian_dokumen) == today() + timedelta(days=20)
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "competition.schedule")).one()
    assert event.actor_label.startswith("cli:")
    change = db.session.scalars(db.select(ScheduleChange)).one()
    assert change.changed_by_id is None and change.changed_by_label == event.actor_label
    assert len(inbox(people["asesor"])) == 1
    # Refused: exit 1 with the reason; the ended stage stays as it was.
    first = (today() - timedelta(days=30)).isoformat()
    refused = runner.invoke(
        args=[
            "competition",
            "schedule",
            "--competition",
            str(competition.id),
            "--stage",
            f"pendaftaran={first}..{end}",
            "--reason",
            REASON,
        ]
    )
    assert refused.exit_code == 1
    assert "Pendaftaran sudah selesai" in refused.output
    overlap = runner.invoke(
        args=[
            "competition",
            "schedule",
            "--competition",
            str(competition.id),
            "--stage",
            f"penilaian_mandiri={(today() - timedelta(days=5)).isoformat()}.."
            f"{(today() + timedelta(days=7)).isoformat()}",
            "--reason",
            REASON,
        ]
    )
    assert overlap.exit_code == 1 and "--shift-later" in overlap.output
    assert len(db.session.scalars(db.select(ScheduleChange)).all()) == 1
    missing = runner.invoke(
        args=[
            "competition",
            "schedule",
            "--competition",
            "999",
            "--stage",
            f"penilaian_dokumen={start}..{end}",
            "--reason",
            REASON,
        ]
    )
    assert missing.exit_code == 1 and "999" in missing.output


def test_exception_gives_one_desa_more_days_for_its_self_assessment(
    app: Flask, client: FlaskClient, setup, login: Login
) -> None:
    competition, (mine, other), people = setup
    set_days(competition, StageCode.penilaian_mandiri, -10, -2)
    operator = login(app.test_client(), people["operator"])
    closed = operator.post(f"/desa/peserta/{mine.id}/indikator/A1", data={"level": "2", "explanation": "x"})
    assert closed.status_code == 409
    # The committee opens an exception for one indicator: refused, the self-assessment is the whole desa's.
    last = (today() + timedelta(days=3)).isoformat()
    refused = client.post(
        f"/panitia/verifikasi/lomba/{competition.id}/pengecualian",
        data={
            "participant_id": str(mine.id),
            "stage": "penilaian_mandiri",
            "indicator_code": "A1",
            "last_day": last,
            "reason": "Operator sakit.",
        },
    )
    assert refused.status_code == 400
    opened = client.post(
        f"/panitia/verifikasi/lomba/{competition.id}/pengecualian",
        data={
            "participant_id": str(mine.id),
            "stage": "penilaian_mandiri",
            "indicator_code": "",
            "last_day": last,
            "reason": "Operator desa sakit selama tahap penilaian mandiri.",
        },
    )
    assert opened.status_code == 302
    notes = db.session.scalars(
        db.select(Notification).where(
            Notification.user_id == people["operator"].id, Notification.kind == "self_assessment_exception"
        )
    ).all()
    assert len(notes) == 1 and "Operator desa sakit" in notes[0].message
    for code in ("A1", "A2"):
        saved = operator.post(f"/desa/peserta/{mine.id}/indikator/{code}", data={"level": "2", "explanation": "x"})
        assert saved.status_code == 302
    page = operator.get(f"/desa/peserta/{mine.id}").get_data(as_text=True)
    assert "Operator desa sakit selama tahap penilaian mandiri." in page
    assert operator.post(f"/desa/peserta/{mine.id}/ajukan").status_code == 302
    assert db.session.get(Participant, mine.id).status == SubmissionStatus.diajukan  # type: ignore[union-attr]
    # The other desa stays closed.
    other_operator = login(app.test_client(), people["other_operator"])
    assert (
        other_operator.post(
            f"/desa/peserta/{other.id}/indikator/A1", data={"level": "2", "explanation": "x"}
        ).status_code
        == 409
    )


def test_moving_the_completeness_check_tells_reviewers_and_returned_desa(
    client: FlaskClient, setup, make_user: MakeUser
) -> None:
    competition, (mine, _other), people = setup
    mine.status = SubmissionStatus.dikembalikan
    db.session.commit()
    lead = make_user(Role.ketua_tim, "64", name="Ketua Tim")
    assert (
        client.post(
            url(competition, StageCode.verifikasi_kelengkapan),
            data=form(6, 10, shift_later="y"),
        ).status_code
        == 302
    )
    # The check moved (reviewers; the returned desa, whose revision deadline follows it) and desk scoring was
    # shifted with it (assessors, the ketua tim); the operator of a draft desa is not concerned.
    for name in ("verifikator", "operator", "asesor", "colleague"):
        assert len(inbox(people[name])) == 1, name
    assert len(inbox(lead)) == 1
    assert inbox(people["other_operator"]) == []
    assert inbox(people["verifikator"])[0].link == "/kelengkapan/"


def test_deadline_moved_by_the_committee_is_reminded_again(client: FlaskClient, setup) -> None:
    from assessment.services.deadlines import send_deadline_reminders

    competition, _participants, people = setup
    stage = competition.stage(StageCode.penilaian_mandiri)
    assert stage is not None
    sent = send_deadline_reminders(stage.ends_at - timedelta(hours=20), 48)
    assert {reminder.user_id for reminder in sent} == {people["operator"].id, people["other_operator"].id}
    assert send_deadline_reminders(stage.ends_at - timedelta(hours=10), 48) == []  # never twice
    assert client.post(url(competition, StageCode.penilaian_mandiri), data=form(-5, 5)).status_code == 302
    stage = db.session.get(Competition, competition.id).stage(StageCode.penilaian_mandiri)  # type: ignore[union-attr]
    assert stage is not None
    assert send_deadline_reminders(stage.ends_at - timedelta(hours=100), 48) == []  # not yet near the new end
    again = send_deadline_reminders(stage.ends_at - timedelta(hours=20), 48)
    assert {reminder.user_id for reminder in again} == {people["operator"].id, people["other_operator"].id}
    assert send_deadline_reminders(stage.ends_at - timedelta(hours=10), 48) == []


def test_migrations_make_the_schedule_history_append_only(tmp_path: Path) -> None:
    app = create_app(config_for_tests(tmp_path))
    with app.app_context():
        reset_database()
        try:
            flask_migrate.upgrade()
            with db.engine.begin() as connection:
                connection.execute(
                    text("INSERT INTO region (code, name, kind) VALUES ('64', 'Kalimantan Timur', 'provinsi')")
                )
                connection.execute(
                    text(
                        "INSERT INTO stored_rubric (fingerprint, source_format, rubric_json, title, created_at) "
                        "VALUES ('f', 'yaml', '{}', 'Uji', CURRENT_TIMESTAMP)"
                    )
                )
                connection.execute(
                    text(
                        "INSERT INTO competition (name, year, scope_region_code, rubric_id, created_at) "
                        "SELECT 'Lomba', 2026, '64', id, CURRENT_TIMESTAMP FROM stored_rubric"
                    )
                )
                connection.execute(
                    text(
                        "INSERT INTO schedule_change (competition_id, reason, changed_by_label, changed_at) "
                        "SELECT id, 'Hujan deras.', 'cli:uji', CURRENT_TIMESTAMP FROM competition"
                    )
                )
                connection.execute(
                    text(
                        "INSERT INTO schedule_change_stage (change_id, stage, after_starts_at, after_ends_at, shifted) "
                        "SELECT id, 'penilaian_mandiri', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, false "
                        "FROM schedule_change"
                    )
                )
            for statement in (
                "UPDATE schedule_change SET reason = 'diubah'",
                "DELETE FROM schedule_change",
                "UPDATE schedule_change_stage SET shifted = true",
                "DELETE FROM schedule_change_stage",
            ):
                with pytest.raises(DBAPIError) as refused, db.engine.begin() as connection:
                    connection.execute(text(statement))
                assert "append-only" in str(refused.value)
        finally:
            reset_database()
            db.engine.dispose()
