"""The in-app inbox: new assignments and returned submissions arrive; e-mail only when SMTP is configured."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from assessment.assignments.operations import assign_assessor
from assessment.extensions import db
from assessment.models import Notification, Participant, Role, SubmissionStatus
from assessment.review.operations import return_for_revision
from tests.conftest import Login, MakeUser
from tests.support.verification import verification_competition


def test_new_assignment_arrives_in_assessor_inbox(app: Flask, make_user: MakeUser, client: FlaskClient,
                                                  login: Login) -> None:
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


def test_returned_submission_arrives_in_operator_inbox(app: Flask, make_user: MakeUser, client: FlaskClient,
                                                       login: Login) -> None:
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


def test_nobody_reads_another_persons_notification(app: Flask, make_user: MakeUser, client: FlaskClient,
                                                   login: Login) -> None:
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
        FakeSMTP.sent.append(message)


def test_email_sent_after_commit_only_when_smtp_configured(app: Flask, make_user: MakeUser,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("assessment.notifications.smtplib.SMTP", FakeSMTP)
    FakeSMTP.sent = []
    _competition, (bukit, semoi, _paser) = verification_competition()
    committee = make_user(Role.panitia, "64")
    assessor = make_user(Role.asesor, "64", home_region_code="64.72", email="asesor@contoh.id")
    assign_assessor(bukit, assessor, committee, datetime.now(UTC))
    assert FakeSMTP.sent == []
    app.config["SMTP_HOST"] = "127.0.0.1"
    assign_assessor(semoi, assessor, committee, datetime.now(UTC))
    (mail,) = FakeSMTP.sent
    assert mail["To"] == "asesor@contoh.id" and "Semoi Dua" in mail.get_content()
