"""Notifications: an in-app inbox for everyone, and e-mail through SMTP when the server is configured for it.

How to notify
    Call :func:`notify` inside the operation that changes state, before its commit: the inbox rows are written by
    the same commit (a rolled-back change notifies nobody). E-mails are sent only after that commit succeeds, and
    only when ``SMTP_HOST`` is set; a failing mail server is logged and never undoes the change.

Configuration (environment): ``SMTP_HOST``, ``SMTP_PORT`` (587), ``SMTP_USER``, ``SMTP_PASSWORD``,
``SMTP_FROM`` (``no-reply@localhost``), ``SMTP_STARTTLS`` (``1``).
"""

from __future__ import annotations

import logging
import os
import smtplib
from collections.abc import Iterable
from email.message import EmailMessage
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from assessment.extensions import db
from assessment.models import Notification, Role, RoleGrant, User, utcnow

log = logging.getLogger(__name__)
_PENDING = "notification_mail_pending"
SUBJECT = "Lomba Desa Digital Kaltim"


def smtp_settings() -> dict[str, Any]:
    """SMTP settings from the environment; an empty mapping when ``SMTP_HOST`` is not set (no e-mail)."""
    host = os.environ.get("SMTP_HOST", "")
    if not host:
        return {}
    return {"SMTP_HOST": host, "SMTP_PORT": int(os.environ.get("SMTP_PORT", "587")),
            "SMTP_USER": os.environ.get("SMTP_USER", ""), "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD", ""),
            "SMTP_FROM": os.environ.get("SMTP_FROM", "no-reply@localhost"),
            "SMTP_STARTTLS": os.environ.get("SMTP_STARTTLS", "1") == "1"}


def notify(users: Iterable[User], kind: str, message: str, link: str | None = None) -> list[Notification]:
    """Put ``message`` in each user's inbox (written by the caller's next commit); e-mail it after that commit."""
    rows = []
    for user in {user.id: user for user in users if user.active}.values():
        row = Notification(user_id=user.id, kind=kind, message=message, link=link, created_at=utcnow())
        db.session.add(row)
        rows.append(row)
        if has_app_context() and current_app.config.get("SMTP_HOST"):
            db.session.info.setdefault(_PENDING, []).append((user.email, message, link))
    return rows


def operators_of(desa_code: str) -> list[User]:
    """The active operator desa accounts of one desa."""
    return list(db.session.scalars(
        select(User).join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.role == Role.operator_desa, RoleGrant.region_code == desa_code, User.active.is_(True))
    ).unique())


def _send(messages: list[tuple[str, str, str | None]]) -> None:
    config = current_app.config
    try:
        with smtplib.SMTP(config["SMTP_HOST"], config.get("SMTP_PORT", 587), timeout=10) as smtp:
            if config.get("SMTP_STARTTLS", True):
                smtp.starttls()
            if config.get("SMTP_USER"):
                smtp.login(config["SMTP_USER"], config.get("SMTP_PASSWORD", ""))
            for address, text, link in messages:
                mail = EmailMessage()
                mail["From"] = config.get("SMTP_FROM", "no-reply@localhost")
                mail["To"] = address
                mail["Subject"] = SUBJECT
                mail.set_content(text + (f"\n\n{link}" if link else ""))
                smtp.send_message(mail)
    except (OSError, smtplib.SMTPException):
        log.exception("Could not send %d notification e-mail(s)", len(messages))


@event.listens_for(Session, "after_commit")
def _mail_after_commit(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending and has_app_context():
        _send(pending)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)
