"""Notifications: an in-app inbox for everyone, and e-mail through SMTP when the server is configured for it.

How to notify
    Call :func:`notify` inside the operation that changes state, before its commit: the inbox rows are written by
    the same commit (a rolled-back change notifies nobody).

E-mail: an outbox in the database
    When ``SMTP_HOST`` is set, each inbox row also records the address to mail (``mail_to``): the outbox. After
    the commit, a small batch (at most ``MAIL_INLINE_LIMIT``, default 20, from one commit) is mailed right away;
    a larger one (publishing the results notifies every ranked desa) is left to ``desa-digital notifications
    send``, run from cron, so a request never waits on hundreds of SMTP exchanges. Nothing is lost: a message the
    server refuses, or every message of a batch when the connection fails, stays in the outbox with one more
    failed attempt (logged) and is tried again by the next ``send``; after :data:`MAIL_ATTEMPTS` failures it is
    given up and stays only in the inbox. A failing mail server never undoes the change.

Configuration (environment): ``SMTP_HOST``, ``SMTP_PORT`` (587), ``SMTP_USER``, ``SMTP_PASSWORD``,
``SMTP_FROM`` (``no-reply@localhost``), ``SMTP_STARTTLS`` (``1``), ``MAIL_INLINE_LIMIT`` (20).
"""

from __future__ import annotations

import logging
import os
import smtplib
from collections.abc import Iterable, Sequence
from email.message import EmailMessage
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from assessment.extensions import db
from assessment.models import Notification, Role, RoleGrant, User, utcnow

log = logging.getLogger(__name__)
_PENDING = "notification_mail_pending"
SUBJECT = "Lomba Desa Digital Kaltim"
MAIL_ATTEMPTS = 5
"""Failed sends after which a notification's e-mail is given up (it stays in the inbox)."""


def smtp_settings() -> dict[str, Any]:
    """SMTP settings from the environment; an empty mapping when ``SMTP_HOST`` is not set (no e-mail)."""
    host = os.environ.get("SMTP_HOST", "")
    if not host:
        return {}
    return {"SMTP_HOST": host, "SMTP_PORT": int(os.environ.get("SMTP_PORT", "587")),
            "SMTP_USER": os.environ.get("SMTP_USER", ""), "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD", ""),
            "SMTP_FROM": os.environ.get("SMTP_FROM", "no-reply@localhost"),
            "SMTP_STARTTLS": os.environ.get("SMTP_STARTTLS", "1") == "1",
            "MAIL_INLINE_LIMIT": int(text) if (text := os.environ.get("MAIL_INLINE_LIMIT", "20")).isdigit() else 20}


def notify(users: Iterable[User], kind: str, message: str, link: str | None = None) -> list[Notification]:
    """Put ``message`` in each user's inbox (written by the caller's next commit); with SMTP, in the outbox too."""
    mail = has_app_context() and bool(current_app.config.get("SMTP_HOST"))
    rows = []
    for user in {user.id: user for user in users if user.active}.values():
        row = Notification(user_id=user.id, kind=kind, message=message, link=link, created_at=utcnow(),
                           mail_to=user.email if mail else None)
        db.session.add(row)
        rows.append(row)
        if mail:
            db.session.info.setdefault(_PENDING, []).append(row)
    return rows


def operators_of(desa_code: str) -> list[User]:
    """The active operator desa accounts of one desa."""
    return list(db.session.scalars(
        select(User).join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.role == Role.operator_desa, RoleGrant.region_code == desa_code, User.active.is_(True))
    ).unique())


def send_pending(ids: Sequence[int] | None = None, limit: int = 500) -> tuple[int, int]:
    """Mail up to ``limit`` notifications of the outbox (all pending, or only ``ids``) over one SMTP connection.

    Returns (sent, failed). Runs in a session of its own, so it may be called right after another session's commit.
    A message the server refuses counts one failed attempt and the others go on; when the connection itself fails,
    every message of the batch not yet taken counts one. Failed messages stay pending (see the module docstring).
    """
    config = current_app.config
    if not config.get("SMTP_HOST"):
        return 0, 0
    with Session(db.engine) as session:
        query = (select(Notification)
                 .where(Notification.mail_to.is_not(None), Notification.mailed_at.is_(None),
                        Notification.mail_attempts < MAIL_ATTEMPTS)
                 .order_by(Notification.id).limit(limit))
        if ids is not None:
            query = query.where(Notification.id.in_(list(ids)))
        rows = list(session.scalars(query))
        if not rows:
            return 0, 0
        failed: set[int] = set()
        try:
            with smtplib.SMTP(config["SMTP_HOST"], config.get("SMTP_PORT", 587), timeout=10) as smtp:
                if config.get("SMTP_STARTTLS", True):
                    smtp.starttls()
                if config.get("SMTP_USER"):
                    smtp.login(config["SMTP_USER"], config.get("SMTP_PASSWORD", ""))
                for row in rows:
                    try:
                        smtp.send_message(_mail(config, row))
                    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError):
                        log.warning("Mail server refused notification %d", row.id, exc_info=True)
                        failed.add(row.id)
                        continue
                    row.mailed_at = utcnow()
        except (OSError, smtplib.SMTPException):
            log.exception("Could not send notification e-mails; they stay in the outbox")
            failed.update(row.id for row in rows if row.mailed_at is None)
        for row in rows:
            if row.id in failed:
                row.mail_attempts += 1
                if row.mail_attempts >= MAIL_ATTEMPTS:
                    log.error("Notification %d: e-mail given up after %d attempts", row.id, row.mail_attempts)
        session.commit()
        return sum(row.mailed_at is not None for row in rows), len(failed)


def _mail(config: Any, row: Notification) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = config.get("SMTP_FROM", "no-reply@localhost")
    mail["To"] = row.mail_to
    mail["Subject"] = SUBJECT
    mail.set_content(row.message + (f"\n\n{row.link}" if row.link else ""))
    return mail


@event.listens_for(Session, "after_commit")
def _mail_after_commit(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending or not has_app_context():
        return
    if len(pending) > int(current_app.config.get("MAIL_INLINE_LIMIT", 20)):
        log.info("%d notification e-mails left in the outbox for 'desa-digital notifications send'", len(pending))
        return
    # The rows are expired by the commit; their primary keys are still known without a query.
    ids = [identity[0] for identity in (inspect(row).identity for row in pending) if identity]
    try:
        send_pending(ids=ids)
    except Exception:  # the change is committed: whatever fails here must not reach the user
        log.exception("Notification e-mails left in the outbox after an error")


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)
