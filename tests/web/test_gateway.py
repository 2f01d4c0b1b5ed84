"""WhatsApp/SMS through the HTTP gateway (assessment/services/gateway.py) against a fake gateway on 127.0.0.1, and
mobile
numbers (assessment/platform/phone.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select, update

from assessment.jobs import queue
from assessment.models import Job, JobStatus, Role, User
from assessment.platform.extensions import db
from assessment.platform.phone import InvalidPhone, normalise_phone
from assessment.platform.wita import WITA
from assessment.services.gateway import enqueue_whatsapp, quiet_hours, quiet_until
from assessment.services.notifications import notify
from tests.conftest import MakeUser
from tests.support.gateway import FakeGateway

# --- Numbers -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["0812-3456-7890", "+62 812 3456 7890", "6281234567890", "(0812) 3456.7890"])
def test_normalise_phone_keeps_e164(typed: str) -> None:
    assert normalise_phone(typed) == "+6281234567890"


@pytest.mark.parametrize(
    "typed", ["", "812345678", "021-555-1234", "+1 202 555 0100", "08123", "0812345678901234", "08l2 3456 7890"]
)
def test_normalise_phone_refuses_what_is_not_an_indonesian_mobile(typed: str) -> None:
    with pytest.raises(InvalidPhone):
        normalise_phone(typed)


# --- Quiet hours ---------------------------------------------------------------------------------------------


def at_wita(hour: int, minute: int = 0, day: int = 7) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=WITA)


def test_quiet_hours_from_21_to_06_wita() -> None:
    hours = quiet_hours("")
    assert hours == (21, 6) and quiet_hours("22-5") == (22, 5) and quiet_hours("malam") == (21, 6)
    assert quiet_until(at_wita(20, 59), hours) is None
    assert quiet_until(at_wita(21, 0), hours) == at_wita(6, day=8)
    assert quiet_until(at_wita(2, 30), hours) == at_wita(6)
    assert quiet_until(at_wita(6, 0), hours) is None
    assert quiet_until(at_wita(23), (0, 0)) is None  # turned off


# --- Delivery ------------------------------------------------------------------------------------------------


@pytest.fixture
def gateway(app: Flask) -> Iterator[FakeGateway]:
    with FakeGateway() as fake:
        app.config.update(
            WA_GATEWAY_URL=fake.url,
            WA_GATEWAY_TOKEN="rahasia-gateway",
            QUIET_HOURS=(0, 0),
            PUBLIC_BASE_URL="https://lomba.kaltimprov.go.id",
            WA_GATEWAY_BODY='{"messaging_product": "whatsapp", "to": "{msisdn}", '
            '"type": "text", "text": {"body": "{text}"}}',
        )
        yield fake


def opted_in(make_user: MakeUser, number: str = "081234567890") -> User:
    user = make_user(Role.operator_desa, "64.09.04.2002")
    user.phone, user.notify_whatsapp = normalise_phone(number), True
    db.session.commit()
    return user


def run_jobs() -> list[queue.Outcome]:
    return queue.run_due("uji")


def test_whatsapp_goes_only_to_people_who_opted_in(app: Flask, make_user: MakeUser, gateway: FakeGateway) -> None:
    reader = opted_in(make_user)
    no_opt_in = make_user(Role.operator_desa, "64.09.04.2002")
    no_opt_in.phone = "+6281111111111"
    opted_without_number = make_user(Role.operator_desa, "64.09.04.2002")
    opted_without_number.notify_whatsapp = True
    db.session.commit()
    (row, *_rest) = notify(
        [reader, no_opt_in, opted_without_number], "uji", 'Pengajuan Desa "Bukit Raya" dikembalikan.', "/desa/peserta/1"
    )
    db.session.commit()
    assert gateway.requests == []  # nothing inside the change
    (outcome,) = run_jobs()
    assert outcome.status is JobStatus.done
    ((headers, body),) = gateway.requests
    assert body == {
        "messaging_product": "whatsapp",
        "to": "6281234567890",
        "type": "text",
        "text": {
            "body": 'Lomba Desa Digital: Pengajuan Desa "Bukit Raya" dikembalikan.\n'
            "https://lomba.kaltimprov.go.id/desa/peserta/1"
        },
    }
    assert headers["Authorization"] == "Bearer rahasia-gateway"
    assert headers["Idempotency-Key"] == f"whatsapp:{row.id}"
    assert run_jobs() == [] and len(gateway.requests) == 1


def test_gateway_that_answers_500_is_retried_then_parked(app: Flask, make_user: MakeUser, gateway: FakeGateway) -> None:
    gateway.answer(*[500] * 10)
    notify([opted_in(make_user)], "uji", "Pesan uji.")
    db.session.commit()
    for attempt in range(1, queue.DEFAULT_MAX_ATTEMPTS + 1):
        (outcome,) = run_jobs()
        job = db.session.scalars(select(Job).where(Job.kind == "whatsapp")).one()
        db.session.refresh(job)
        assert job.attempts == attempt and "HTTP 500" in (job.last_error or "")
        if attempt < queue.DEFAULT_MAX_ATTEMPTS:
            assert outcome.status is JobStatus.pending and run_jobs() == []  # waiting for its backoff
            db.session.execute(update(Job).values(run_at=datetime.now(UTC)))  # the backoff is over
            db.session.commit()
    assert outcome.status is JobStatus.parked and job.status is JobStatus.parked
    assert len(gateway.requests) == queue.DEFAULT_MAX_ATTEMPTS


def test_gateway_that_refuses_the_number_parks_at_once(app: Flask, make_user: MakeUser, gateway: FakeGateway) -> None:
    gateway.answer(400)
    notify([opted_in(make_user)], "uji", "Pesan uji.")
    db.session.commit()
    (outcome,) = run_jobs()
    assert outcome.status is JobStatus.parked and "HTTP 400" in outcome.detail
    assert "nomor tidak terdaftar" in outcome.detail


def test_quiet_hours_hold_then_send(
    app: Flask, make_user: MakeUser, gateway: FakeGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At 22.00 WITA a notification's WhatsApp waits until 06.00 (no attempt counted); then it goes. A test
    message the committee asks for goes at once."""
    app.config["QUIET_HOURS"] = (21, 6)
    clock = [at_wita(22)]
    monkeypatch.setattr("assessment.jobs.queue.now_utc", lambda: clock[0])
    monkeypatch.setattr("assessment.services.notifications.utcnow", lambda: clock[0])
    notify([opted_in(make_user)], "uji", "Pengingat tenggat.")
    db.session.commit()
    job = db.session.scalars(select(Job).where(Job.kind == "whatsapp")).one()
    assert job.run_at == at_wita(6, day=8)
    assert run_jobs() == [] and gateway.requests == []
    # The job was due (e.g. a retry) but the clock is still in quiet hours: held, no attempt counted.
    db.session.execute(update(Job).values(run_at=clock[0] - timedelta(minutes=1)))
    db.session.commit()
    (held,) = run_jobs()
    db.session.refresh(job)
    assert held.deferred and job.attempts == 0 and job.run_at == at_wita(6, day=8) and gateway.requests == []
    enqueue_whatsapp("whatsapp-test:1", "+6281234567890", "Pesan uji dari panitia.", urgent=True, now=clock[0])
    db.session.commit()
    (urgent,) = run_jobs()
    assert urgent.status is JobStatus.done and len(gateway.requests) == 1
    clock[0] = at_wita(6, day=8)
    (morning,) = run_jobs()
    assert morning.status is JobStatus.done and len(gateway.requests) == 2
    assert json.dumps(gateway.requests[1][1]).count("Pengingat tenggat.") == 1
