"""Notifications: an in-app inbox for everyone, and e-mail through SMTP when the server is configured for it.

How to notify
    Call :func:`notify` inside the operation that changes state, before its commit: the inbox rows are written by
    the same commit (a rolled-back change notifies nobody).

E-mail: an outbox in the database, delivered by the background worker
    When ``SMTP_HOST`` is set, each inbox row also records the address to mail (``mail_to``): the outbox, and
    :func:`notify` enqueues one ``mail`` job per row in the same transaction (idempotency key
    ``mail:<notification id>``). No request ever talks to the mail server: ``desa-digital worker`` (started by
    ``make run``) sends the mail within seconds of the commit. A message the server refuses, or every message of
    a batch when the connection fails, counts one failed attempt (``mail_attempts``) and its job is retried with
    the queue's backoff (:mod:`assessment.jobs.queue`); after :data:`MAIL_ATTEMPTS` failures the job is parked
    with the error and the message stays only in the inbox. A failing mail server never undoes the change.

    Sent at least once, seen once: a row records when the server took it (``mailed_at``, committed right after
    each message), so a job run again finds it sent; and every copy of one notification carries the same
    ``Message-ID`` (:func:`message_id`), so in the rare case a worker dies between the server's "250 OK" and that
    commit, the repeat is the same message to the recipient's mail system, not a second one.

Configuration (environment): ``SMTP_HOST``, ``SMTP_PORT`` (587), ``SMTP_USER``, ``SMTP_PASSWORD``,
``SMTP_FROM`` (``no-reply@localhost``), ``SMTP_STARTTLS`` (``1``).
"""

from __future__ import annotations

import hashlib
import logging
import os
import smtplib
from collections.abc import Iterable, Sequence
from contextlib import ExitStack
from email.message import EmailMessage
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import select

from assessment.jobs import queue
from assessment.models import JobStatus, Notification, Role, RoleGrant, User, utcnow
from assessment.platform.extensions import db
from assessment.services import gateway

log = logging.getLogger(__name__)
SUBJECT = "Lomba Desa Digital Kaltim"
MAIL_ATTEMPTS = 5
"""Failed sends after which a notification's e-mail is given up (its job parked; the message stays in the inbox)."""
MAIL_JOB = "mail"
TEST_MAIL_JOB = "mail.test"


def smtp_settings() -> dict[str, Any]:
    """SMTP settings from the environment; an empty mapping when ``SMTP_HOST`` is not set (no e-mail)."""
    host = os.environ.get("SMTP_HOST", "")
    if not host:
        return {}
    return {
        "SMTP_HOST": host,
        "SMTP_PORT": int(os.environ.get("SMTP_PORT", "587")),
        "SMTP_USER": os.environ.get("SMTP_USER", ""),
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD", ""),
        "SMTP_FROM": os.environ.get("SMTP_FROM", "no-reply@localhost"),
        "SMTP_STARTTLS": os.environ.get("SMTP_STARTTLS", "1") == "1",
    }


def notify(
    users: Iterable[User], kind: str, message: str, link: str | None = None, *, key: str | None = None
) -> list[Notification]:
    """Put ``message`` in each user's inbox (written by the caller's next commit) and queue its copies, in the
    same transaction: e-mail with SMTP unless the person turned it off, WhatsApp/SMS through the gateway for a
    person who opted in with a checked number (:mod:`assessment.services.gateway`). ``key`` (one user only) is the
    message's idempotency key (see :func:`assessment.services.fanout.run_fanout`)."""
    users = list(users)
    if key is not None and len(users) != 1:
        raise ValueError("an idempotency key names one person's message")
    configured = has_app_context()
    mail = configured and bool(current_app.config.get("SMTP_HOST"))
    phone = configured and gateway.gateway_configured()
    rows: list[tuple[Notification, User]] = []
    for user in {user.id: user for user in users if user.active}.values():
        row = Notification(
            user_id=user.id,
            kind=kind,
            message=message,
            link=link,
            created_at=utcnow(),
            mail_to=user.email if mail and user.notify_email else None,
            idempotency_key=key,
        )
        db.session.add(row)
        rows.append((row, user))
    if (mail or phone) and rows:
        db.session.flush()  # the jobs' keys name the notification
        now = utcnow()
        for row, user in rows:
            if row.mail_to:
                enqueue_mail(row.id)
            if phone and user.notify_whatsapp and user.phone:
                gateway.enqueue_for(row, user.phone, now)
    return [row for row, _user in rows]


def enqueue_mail(notification_id: int) -> bool:
    """Queue the e-mail of one notification (once: the key is the notification's id)."""
    return queue.enqueue(
        MAIL_JOB, f"{MAIL_JOB}:{notification_id}", {"notification_id": notification_id}, max_attempts=MAIL_ATTEMPTS
    )


def enqueue_outbox(limit: int = 5000) -> int:
    """Give every message still waiting in the outbox its job (rows written before the worker existed, or whose
    job was pruned); returns how many jobs were added. Safe to repeat: a message has at most one job."""
    ids = list(
        db.session.scalars(
            select(Notification.id)
            .where(
                Notification.mail_to.is_not(None),
                Notification.mailed_at.is_(None),
                Notification.mail_attempts < MAIL_ATTEMPTS,
            )
            .order_by(Notification.id)
            .limit(limit)
        )
    )
    added = sum(enqueue_mail(notification_id) for notification_id in ids)
    db.session.commit()
    return added


def operators_of(desa_code: str) -> list[User]:
    """The active operator desa accounts of one desa."""
    return list(
        db.session.scalars(
            select(User)
            .join(RoleGrant, RoleGrant.user_id == User.id)
            .where(RoleGrant.role == Role.operator_desa, RoleGrant.region_code == desa_code, User.active.is_(True))
        ).unique()
    )


def _open_smtp(stack: ExitStack) -> smtplib.SMTP:
    config = current_app.config
    smtp = stack.enter_context(smtplib.SMTP(config["SMTP_HOST"], config.get("SMTP_PORT", 587), timeout=10))
    if config.get("SMTP_STARTTLS", True):
        smtp.starttls()
    if config.get("SMTP_USER"):
        smtp.login(config["SMTP_USER"], config.get("SMTP_PASSWORD", ""))
    return smtp


@queue.handler(MAIL_JOB)
def deliver_mail(payload: dict[str, Any], context: queue.RunContext) -> str:
    """Mail one notification of the outbox (over the batch's shared SMTP connection); idempotent: a message
    already taken by the server is not sent again."""
    row = db.session.get(Notification, int(payload["notification_id"]))
    if row is None or row.mail_to is None:
        return "tidak ada yang dikirim"
    if row.mailed_at is not None:
        return "sudah terkirim"
    if not current_app.config.get("SMTP_HOST"):
        raise RuntimeError("SMTP_HOST tidak diatur")
    try:
        smtp = context.shared("smtp", _open_smtp)
        try:
            smtp.send_message(_mail(current_app.config, row))
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError):
            raise  # this message refused; the connection is still good for the others
        except Exception:
            context.forget("smtp")  # a broken connection: the next message dials again
            raise
    except Exception:
        row.mail_attempts += 1
        db.session.commit()
        raise
    row.mailed_at = utcnow()
    db.session.commit()
    return f"terkirim ke {row.mail_to}"


def enqueue_test_mail(key: str, to: str, text: str) -> bool:
    """Queue one test e-mail to ``to`` (the committee's "send a test message"); not tied to a notification."""
    return queue.enqueue(TEST_MAIL_JOB, key, {"to": to, "text": text})


@queue.handler(TEST_MAIL_JOB)
def deliver_test_mail(payload: dict[str, Any], context: queue.RunContext) -> str:
    """Send one test e-mail; the mail server's refusal is the job's error (shown on the delivery page)."""
    config = current_app.config
    if not config.get("SMTP_HOST"):
        raise queue.Permanent("SMTP_HOST tidak diatur")
    mail = EmailMessage()
    mail["From"] = config.get("SMTP_FROM", "no-reply@localhost")
    mail["To"] = str(payload["to"])
    mail["Subject"] = f"{SUBJECT}: pesan uji"
    mail.set_content(str(payload["text"]))
    smtp = context.shared("smtp", _open_smtp)
    try:
        smtp.send_message(mail)
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError):
        raise
    except Exception:
        context.forget("smtp")
        raise
    return f"terkirim ke {payload['to']}"


def send_pending(ids: Sequence[int] | None = None, limit: int = 500) -> tuple[int, int]:
    """Mail now what waits in the outbox (all, or only ``ids``), without waiting for a retry's backoff: the
    ``mail`` jobs are run by this process as a worker would. Returns (sent, failed)."""
    if not current_app.config.get("SMTP_HOST"):
        return 0, 0
    if ids is None:
        enqueue_outbox()
    else:
        for notification_id in ids:
            enqueue_mail(notification_id)
        db.session.commit()
    outcomes = queue.run_due(queue.worker_name(), limit=limit, kinds=[MAIL_JOB], ignore_schedule=True)
    sent = sum(outcome.status == JobStatus.done and outcome.detail.startswith("terkirim") for outcome in outcomes)
    failed = sum(outcome.status != JobStatus.done for outcome in outcomes)
    return sent, failed


def message_id(config: Any, row: Notification) -> str:
    """The e-mail's Message-ID: the same for every copy of one notification (the idempotency key a recipient's
    mail system sees), and not guessable from the notification number alone."""
    secret = str(config.get("SECRET_KEY", "")).encode()
    digest = hashlib.sha256(secret + f"notification:{row.id}".encode()).hexdigest()[:16]
    domain = str(config.get("SMTP_FROM", "no-reply@localhost")).rpartition("@")[2] or "localhost"
    return f"<pemberitahuan-{row.id}-{digest}@{domain}>"


def _mail(config: Any, row: Notification) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = config.get("SMTP_FROM", "no-reply@localhost")
    mail["To"] = row.mail_to
    mail["Subject"] = SUBJECT
    mail["Message-ID"] = message_id(config, row)
    mail.set_content(row.message + (f"\n\n{row.link}" if row.link else ""))
    return mail
