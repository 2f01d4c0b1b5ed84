"""Verbs of the inbox; each owns its commit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update

from assessment.models import Notification, User
from assessment.platform.extensions import db
from assessment.services.audit import record_event


def mark_read(notification: Notification, now: datetime) -> None:
    """Mark one notification read (the first time only)."""
    if notification.read_at is None:
        notification.read_at = now
        db.session.commit()


def mark_all_read(user: User, now: datetime) -> None:
    """Mark every unread notification of ``user`` read."""
    db.session.execute(
        update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None)).values(read_at=now)
    )
    db.session.commit()


def set_channels(user: User, phone: str | None, email: bool, whatsapp: bool) -> None:
    """Record where ``user``'s notifications go: the mobile number (already E.164, or None), e-mail on/off,
    WhatsApp/SMS opt-in (only with a number). Audited without the number itself (personal data): only whether
    one is set."""
    before = {"phone_set": user.phone is not None, "email": user.notify_email, "whatsapp": user.notify_whatsapp}
    user.phone = phone or None
    user.notify_email = email
    user.notify_whatsapp = whatsapp and user.phone is not None
    after = {"phone_set": user.phone is not None, "email": user.notify_email, "whatsapp": user.notify_whatsapp}
    if before != after or user.phone is not None:
        record_event("account.channels", target=f"user:{user.id}", before=before, after=after)
    db.session.commit()
