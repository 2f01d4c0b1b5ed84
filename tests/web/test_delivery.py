"""One's notification channels (/kotak-masuk/saluran), the committee's delivery page (/panitia/pengiriman/) with
its test buttons, and ``desa-digital notifications test``; mail to the in-process FakeSMTP of test_inbox, WhatsApp
to a fake gateway on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select, update

from assessment.jobs import queue
from assessment.models import AuditEvent, Job, JobStatus, Role, User
from assessment.platform.extensions import db
from assessment.services.notifications import notify
from tests.conftest import Login, MakeUser
from tests.support.gateway import FakeGateway
from tests.web.test_inbox import FakeSMTP


@pytest.fixture
def channels(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGateway]:
    monkeypatch.setattr("assessment.services.notifications.smtplib.SMTP", FakeSMTP)
    FakeSMTP.sent, FakeSMTP.refused = [], set()
    with FakeGateway() as gateway:
        app.config.update(SMTP_HOST="127.0.0.1", WA_GATEWAY_URL=gateway.url, QUIET_HOURS=(0, 0))
        yield gateway


def test_channels_page_keeps_the_number_in_e164_and_needs_it_for_whatsapp(
    app: Flask, make_user: MakeUser, client: FlaskClient, login: Login
) -> None:
    user = make_user(Role.operator_desa, "64.09.04.2002")
    login(client, user)
    assert "Pengaturan pemberitahuan" in client.get("/kotak-masuk/saluran").get_data(as_text=True)
    refused = client.post("/kotak-masuk/saluran", data={"phone": "", "email": "y", "whatsapp": "y"})
    assert "Isi nomor HP untuk menerima WhatsApp/SMS." in refused.get_data(as_text=True)
    wrong = client.post("/kotak-masuk/saluran", data={"phone": "021-555-1234", "whatsapp": "y"})
    assert "Nomor HP Indonesia tidak dikenali" in wrong.get_data(as_text=True)
    db.session.expire_all()
    assert user.phone is None and user.notify_whatsapp is False and user.notify_email is True
    saved = client.post("/kotak-masuk/saluran", data={"phone": "0812-3456-7890", "whatsapp": "y"})
    assert saved.status_code == 302
    db.session.expire_all()
    assert (user.phone, user.notify_whatsapp, user.notify_email) == ("+6281234567890", True, False)
    (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "account.channels")).all()
    assert "6281234567890" not in (event.after_json or "") + (event.before_json or "")  # no number in the trail


def test_each_person_gets_the_channels_they_chose(app: Flask, make_user: MakeUser, channels: FakeGateway) -> None:
    email_only = make_user(Role.operator_desa, "64.09.04.2002")
    both = make_user(Role.operator_desa, "64.09.04.2002")
    both.phone, both.notify_whatsapp = "+6281234567890", True
    neither = make_user(Role.operator_desa, "64.09.04.2002")
    neither.notify_email = False
    db.session.commit()
    rows = notify([email_only, both, neither], "uji", "Pesan.")
    db.session.commit()
    keys = set(db.session.scalars(select(Job.key)))
    assert keys == {f"mail:{rows[0].id}", f"mail:{rows[1].id}", f"whatsapp:{rows[1].id}"}


def committee(make_user: MakeUser, phone: str | None = "+6281234567890") -> User:
    user = make_user(Role.panitia, "64", email="panitia@kaltimprov.go.id")
    user.phone = phone
    db.session.commit()
    return user


def test_delivery_page_lists_messages_per_channel_with_the_reason(
    app: Flask, make_user: MakeUser, channels: FakeGateway, client: FlaskClient, login: Login, runner: FlaskCliRunner
) -> None:
    channels.answer(400)
    reader = make_user(Role.operator_desa, "64.09.04.2002", email="operator@contoh.id")
    reader.phone, reader.notify_whatsapp = "+6281299998888", True
    db.session.commit()
    notify([reader], "uji", "Pengajuan dikembalikan.")
    db.session.commit()
    assert runner.invoke(args=["worker", "--once"]).exit_code == 1  # the gateway refused the WhatsApp
    login(client, committee(make_user))
    page = client.get("/panitia/pengiriman/").get_data(as_text=True)
    assert "operator@contoh.id" in page and "+6281299998888" in page
    assert "terkirim" in page and "diparkir (berhenti dicoba)" in page
    assert "gateway menjawab HTTP 400" in page and "nomor tidak terdaftar" in page


def test_test_message_buttons_send_to_me_at_once(
    app: Flask, make_user: MakeUser, channels: FakeGateway, client: FlaskClient, login: Login, runner: FlaskCliRunner
) -> None:
    app.config["QUIET_HOURS"] = (0, 23)  # quiet almost all day: a test message is not held
    me = committee(make_user)
    login(client, me)
    for channel in ("email", "whatsapp"):
        response = client.post(f"/panitia/pengiriman/uji/{channel}")
        assert response.status_code == 302
    assert client.post("/panitia/pengiriman/uji/merpati").status_code == 404
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert [mail["To"] for mail in FakeSMTP.sent] == ["panitia@kaltimprov.go.id"]
    ((_headers, body),) = channels.requests
    assert body["to"] == "+6281234567890" and "Pesan uji" in body["text"]
    statuses = {
        job.kind: job.status for job in db.session.scalars(select(Job)) if job.kind in ("mail.test", "whatsapp")
    }
    assert statuses == {"mail.test": JobStatus.done, "whatsapp": JobStatus.done}


def test_test_message_without_a_number_is_refused(
    app: Flask, make_user: MakeUser, channels: FakeGateway, client: FlaskClient, login: Login
) -> None:
    login(client, committee(make_user, phone=None))
    page = client.post("/panitia/pengiriman/uji/whatsapp", follow_redirects=True).get_data(as_text=True)
    assert "belum punya alamat untuk saluran ini" in page
    assert db.session.scalars(select(Job).where(Job.kind == "whatsapp")).all() == []


def test_notifications_test_cli_is_delivered_by_the_next_worker_run(
    app: Flask, channels: FakeGateway, runner: FlaskCliRunner
) -> None:
    queued = runner.invoke(args=["notifications", "test", "--channel", "email", "--to", "uji@contoh.id"])
    assert queued.exit_code == 0 and "diantrekan" in queued.output
    assert FakeSMTP.sent == []
    assert runner.invoke(args=["worker", "--once"]).exit_code == 0
    assert [mail["To"] for mail in FakeSMTP.sent] == ["uji@contoh.id"]
    channels.answer(401)
    queued = runner.invoke(args=["notifications", "test", "--channel", "whatsapp", "--to", "0812 3456 7890"])
    assert queued.exit_code == 0 and "+6281234567890" in queued.output
    refused = runner.invoke(args=["worker", "--once"])
    assert refused.exit_code == 1 and "gateway menjawab HTTP 401" in refused.output
    bad = runner.invoke(args=["notifications", "test", "--channel", "whatsapp", "--to", "12345"])
    assert bad.exit_code == 2


def test_committee_tries_a_parked_job_again(
    app: Flask, make_user: MakeUser, channels: FakeGateway, client: FlaskClient, login: Login, runner: FlaskCliRunner
) -> None:
    """A parked message (a wrong gateway token) is tried again from the delivery page once the cause is mended;
    a job that is not parked is left alone."""
    channels.answer(401)
    reader = make_user(Role.operator_desa, "64.09.04.2002")
    reader.phone, reader.notify_whatsapp, reader.notify_email = "+6281299998888", True, False
    db.session.commit()
    notify([reader], "uji", "Pengajuan dikembalikan.")
    db.session.commit()
    assert runner.invoke(args=["worker", "--once"]).exit_code == 1
    job = db.session.scalars(select(Job).where(Job.kind == "whatsapp")).one()
    assert job.status is JobStatus.parked
    login(client, committee(make_user))
    assert "Coba lagi" in client.get("/panitia/pengiriman/").get_data(as_text=True)
    assert client.post(f"/panitia/pengiriman/pekerjaan/{job.id}/ulang").status_code == 302
    db.session.expire_all()
    assert job.status is JobStatus.pending and job.attempts == 0
    again = client.post(f"/panitia/pengiriman/pekerjaan/{job.id}/ulang", follow_redirects=True)
    assert "tidak sedang diparkir" in again.get_data(as_text=True)
    assert runner.invoke(args=["worker", "--once"]).exit_code == 0  # the gateway takes it now
    db.session.expire_all()
    assert job.status is JobStatus.done and len(channels.requests) == 2


def test_parked_scheduled_work_is_shown_to_the_committee(
    app: Flask, make_user: MakeUser, client: FlaskClient, login: Login
) -> None:
    queue.enqueue("deadline.reminders", "deadline.reminders@2026-12-07T02:00Z")
    db.session.commit()
    db.session.execute(
        update(Job).values(
            status=JobStatus.parked, last_error="OperationalError: basis data mati", finished_at=datetime.now(UTC)
        )
    )
    db.session.commit()
    login(client, committee(make_user))
    page = client.get("/panitia/pengiriman/").get_data(as_text=True)
    assert "deadline.reminders@2026-12-07T02:00Z" in page and "basis data mati" in page
