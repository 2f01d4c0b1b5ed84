"""Failed sign-ins, kept in the database so that every app server counts the same attempts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from assessment.models.types import UTCDateTime, utcnow
from assessment.platform.extensions import Model


class LoginFailure(Model):
    """One failed sign-in (wrong password or code): the e-mail typed (normalised) and the client address."""

    __tablename__ = "login_failure"
    __table_args__ = (
        Index("ix_login_failure_account_at", "account", "at"),
        Index("ix_login_failure_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account: Mapped[str] = mapped_column(String(320))
    address: Mapped[str] = mapped_column(String(64), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PublicCheck(Model):
    """One PDF compared on a public verification page, by client address: each check reads and hashes up to
    20 MB without sign-in, so the checks per address are counted (see ``publication.operations.count_public_check``)."""

    __tablename__ = "public_check"
    __table_args__ = (Index("ix_public_check_address_at", "address", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(64), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
