"""In-app notifications: each person's inbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from assessment.models.types import UTCDateTime, utcnow
from assessment.platform.extensions import Model


class Notification(Model):
    """A message in one person's inbox (a returned submission, a new assignment ...); ``link`` is an app path."""

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(50))
    message: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The e-mail outbox (see assessment.services.notifications): the address to mail when SMTP was configured at the
    # time
    # (None: inbox only), when the mail server took it, and how many sends failed (given up after MAIL_ATTEMPTS).
    mail_to: Mapped[str | None] = mapped_column(String(320))
    mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    mail_attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    # Set by a background fan-out (assessment.services.fanout): one message per person and event, however often the job
    # runs (a worker killed mid-batch and run again finds the rows it already wrote). None for direct messages.
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
