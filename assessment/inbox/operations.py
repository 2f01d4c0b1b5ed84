"""Verbs of the inbox; each owns its commit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update

from assessment.extensions import db
from assessment.models import Notification, User


def mark_read(notification: Notification, now: datetime) -> None:
    """Mark one notification read (the first time only)."""
    if notification.read_at is None:
        notification.read_at = now
        db.session.commit()


def mark_all_read(user: User, now: datetime) -> None:
    """Mark every unread notification of ``user`` read."""
    db.session.execute(update(Notification).where(Notification.user_id == user.id,
                                                  Notification.read_at.is_(None)).values(read_at=now))
    db.session.commit()
