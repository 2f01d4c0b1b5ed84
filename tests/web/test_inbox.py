"""The in-app inbox: new assignments and returned submissions arrive; e-mail only when SMTP is configured, sent by
the background worker."""

from __future__ import annotations

import smtplib
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, select

from assessment.assignments.operations import assign_assessor
from assessment.models import Job, JobStatus, Notification, Participant, Role, SubmissionStatus
from assessment.platform.extensions import db
from assessment.review.operations import return_for_revision
from assessment.services.notifications import MAIL_ATTEMPTS, message_id, notify, send_pending
from tests.conftest import Login, MakeUser
from tests.support.verification import verification_competition


def test_new_assignment_arrives_in_assessor_inbox(
    app: Flask, make_user: MakeUser, client: FlaskClient, login: Login
) -> None:
    _competition, (bukit, *_rest) = verification_competition()
    assessor = make_user(Role.asesor, "64", home_region_code="64.72")
    assignment = assign_assessor(bukit, assessor, make_user(Role.panitia, "64"), datetime.now(UTC))
    login(client, assessor)
    page = client.get("/kotak-masuk/").get_data(as_text=True)
    assert "Anda ditugaskan menilai Desa Bukit Raya (64.09.04.2002)." in page
    assert "Kotak masuk (1)" in page
    (notification,) = db.session.scalars(select(Notification)).all()
    response = client.post(f"/kotak-masuk/{notification.id}/baca")
    assert response.status_code == 302 and response.location.endswith(f"/asesor/penugasan/{assignment.id}")
    assert db.session.get(Notification, notification.id).read_at is not None  # type: ignore[union-attr]


def test_returned_submission_arrives_in_operator_inbox(
    app: Flask, make_user: MakeUser, client: FlaskClient, login: Login
) -> None:
    _competition, (bukit, *_rest) = verification_competition()
    operator = make_user(Role.operator_desa, "64.09.04.2002")
    other_operator = make_user(Role.operator_desa, "64.09.04.2003")
    participant = db.session.get(Participant, bukit.id)
    assert participant is not None
    participant.status = SubmissionStatus.diajukan
    db.session.commit()
    return_for_revision(participant, make_user(Role.dpmd, "64.09"), "Lampirkan PDF asli ber-TTE.", datetime.now(UTC))
    login(client, operator)
    assert "Lampirkan PDF asli ber-TTE." in client.get("/kotak-masuk/").get_data(as_text=True)
    login(client, other_operator)
    assert "Lampirkan PDF asli ber-TTE." not in client.get("/kotak-masuk/").get_data(as_text=True)


def test_nobody_reads_another_persons_notification(
    app: Flask, make_user: MakeUser, client: FlaskClient, login: Login
) -> None:
    _competition, (bukit, *_rest) = verification_competition()
    assessor = make_user(Role.asesor, "64", home_region_code="64.72")
    assign_assessor(bukit, assessor, make_user(Role.panitia, "64"), datetime.now(UTC))
    (notification,) = db.session.scalars(select(Notification)).all()
    login(client, make_user(Role.asesor, "64"))
    assert client.post(f"/kotak-masuk/{notification.id}/baca").status_code == 404
    assert db.session.get(Notification, notification.id).read_at is None  # type: ignore[union-attr]


class FakeSMTP:
    """Records what would have been sent."""

    sent: list[Any] = []  # noqa: RUF012
    refused: set[str] = set()  # noqa: RUF012

    def __init__(self, host: str, port: int, timeout: int) -> None:
        self.host = host

    def __enter__(self) -> FakeSMTP:
        return self

    def __exit__(self, *args: object) -> None:
        return None

    def starttls(self) -> None:
        return None

    def login(self, user: str, password: str) -> None:
        return None

    def send_message(self, message: Any) -> None:
        if message["To"] in FakeSMTP.refused:
            raise smtplib.SMTPRecipientsRefused({message["To"]: (550, b"no such mailbox")})
        FakeSMTP.sent.append(message)


class DownSMTP(FakeSMTP):
    """A mail server that cannot be reached."""

    def __init__(self, host: str, port: int, timeout: int) -> None:
        raise ConnectionRefusedError("mail server down")


def test_email_queued_with_the_change_and_sent_by_the_worker(
    app: Flask, make_user: MakeUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No e-mail without SMTP; with it, the change's commit queues one mail job per message and returns without
    talking to the mail server; ``worker --once`` sends it, with a Message-ID that stays the same for the message."""
    monkeypatch.setattr("assessment.services.notifications.smtplib.SMTP", FakeSMTP)
    FakeSMTP.sent, FakeSMTP.refused = [], set()
    _competition, (bukit, semoi, _paser) = verification_competition()
    committee = make_user(Role.panitia, "64")
    assessor = make_user(Role.asesor, "64", home_region_code="64.72", email="asesor@contoh.id")
    assign_assessor(bukit, assessor, committee, datetime.now(UTC))
    assert db.session.scalars(select(Job)).all() == []
    app.config["SMTP_HOST"] = "127.0.0.1"
    assign_assessor(semoi, assessor, committee, datetime.now(UTC))
    assert FakeSMTP.sent == []  # nothing sent inside the change
    mailed = db.session.scalars(select(Notification).where(Notification.mail_to.is_not(None))).one()
    (job,) = db.session.scalars(select(Job)).all()
    assert job.key == f"mail:{mailed.id}" and job.status is JobStatus.pending
    result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    # The run may also send a deadline reminder (desk scoring ends within a week); each message once.
    by_id = {mail["Message-ID"]: mail for mail in FakeSMTP.sent}
    assert len(by_id) == len(FakeSMTP.sent)
    mail = by_id[message_id(app.config, mailed)]
    assert mail["To"] == "asesor@contoh.id" and "Semoi Dua" in mail.get_content()
    db.session.expire_all()
    assert mailed.mailed_at is not None and mailed.mail_attempts == 0
    assert db.session.get(Job, job.id).status is JobStatus.done  # type: ignore[union-attr]


def _notify_many(make_user: MakeUser, count: int, first: int = 0) -> list[Notification]:
    users = [
        make_user(Role.operator_desa, "64.09.04.2002", email=f"operator{k}@contoh.id")
        for k in range(first, first + count)
    ]
    rows = notify(users, "uji", "Hasil sementara diumumkan.", "/hasil/1")
    db.session.commit()
    return rows


@pytest.fixture
def smtp(app: Flask, monkeypatch: pytest.MonkeyPatch) -> type[FakeSMTP]:
    monkeypatch.setattr("assessment.services.notifications.smtplib.SMTP", FakeSMTP)
    FakeSMTP.sent, FakeSMTP.refused = [], set()
    app.config["SMTP_HOST"] = "127.0.0.1"
    return FakeSMTP


def test_send_command_mails_the_whole_outbox_now(app: Flask, make_user: MakeUser, smtp: type[FakeSMTP]) -> None:
    """``notifications send`` sends every message waiting in the outbox, marks them, and a second run finds
    nothing; a message written before the worker existed (no job) is sent too."""
    rows = _notify_many(make_user, 3)
    db.session.execute(delete(Job).where(Job.key == f"mail:{rows[0].id}"))  # as if written before the upgrade
    db.session.commit()
    assert smtp.sent == []
    result = app.test_cli_runner().invoke(args=["notifications", "send", "--batch", "2"])
    assert result.exit_code == 0 and "3 e-mail terkirim, 0 gagal" in result.output
    assert sorted(mail["To"] for mail in smtp.sent) == [f"operator{k}@contoh.id" for k in range(3)]
    db.session.expire_all()
    assert all(n.mailed_at is not None for n in db.session.scalars(select(Notification)))
    again = app.test_cli_runner().invoke(args=["notifications", "send"])
    assert "0 e-mail terkirim" in again.output and len(smtp.sent) == 3


def test_failed_mail_stays_in_the_outbox_and_is_retried(
    app: Flask, make_user: MakeUser, smtp: type[FakeSMTP], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing is lost: a refused address or an unreachable server leaves the message pending with one more
    failed attempt; the next run sends it; after MAIL_ATTEMPTS failures its job is parked with the error
    (inbox only)."""
    smtp.refused = {"operator1@contoh.id"}
    _notify_many(make_user, 2)
    first = app.test_cli_runner().invoke(args=["notifications", "send"])
    assert first.exit_code == 1 and "1 e-mail terkirim, 1 gagal" in first.output
    assert [mail["To"] for mail in smtp.sent] == ["operator0@contoh.id"]
    refused = db.session.scalars(select(Notification).where(Notification.mail_to == "operator1@contoh.id")).one()
    assert refused.mailed_at is None and refused.mail_attempts == 1
    monkeypatch.setattr("assessment.services.notifications.smtplib.SMTP", DownSMTP)
    down = app.test_cli_runner().invoke(args=["notifications", "send"])
    assert down.exit_code == 1 and "0 e-mail terkirim, 1 gagal" in down.output
    db.session.expire_all()
    assert refused.mail_attempts == 2
    monkeypatch.setattr("assessment.services.notifications.smtplib.SMTP", FakeSMTP)
    smtp.refused = set()
    assert app.test_cli_runner().invoke(args=["notifications", "send"]).exit_code == 0
    db.session.expire_all()
    assert refused.mailed_at is not None and smtp.sent[-1]["To"] == "operator1@contoh.id"
    smtp.refused = {"operator2@contoh.id"}
    (given_up,) = _notify_many(make_user, 1, first=2)
    for _ in range(MAIL_ATTEMPTS):
        send_pending()
    db.session.expire_all()
    assert given_up.mail_attempts == MAIL_ATTEMPTS and given_up.mailed_at is None
    job = db.session.scalars(select(Job).where(Job.key == f"mail:{given_up.id}")).one()
    assert job.status is JobStatus.parked and "no such mailbox" in (job.last_error or "")
    assert send_pending() == (0, 0)


def test_no_request_waits_for_the_mail_server(
    app: Flask, make_user: MakeUser, smtp: type[FakeSMTP], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A change that notifies commits without contacting the mail server at all (here it would refuse to
    connect): the message waits in the outbox with its job, and the person sees nothing of it."""
    dialled: list[str] = []

    class Watched(DownSMTP):
        def __init__(self, host: str, port: int, timeout: int) -> None:
            dialled.append(host)
            super().__init__(host, port, timeout)

    monkeypatch.setattr("assessment.services.notifications.smtplib.SMTP", Watched)
    (row,) = _notify_many(make_user, 1)
    db.session.expire_all()
    assert dialled == [] and row.mail_to == "operator0@contoh.id" and row.mailed_at is None
    assert db.session.scalars(select(Job).where(Job.key == f"mail:{row.id}")).one().status is JobStatus.pending
