"""Account invitations: a single-use link, valid for a while, where a new account's owner chooses a password.

Only a hash of the link's token is stored. The token itself is an HMAC of the row's random ``nonce`` under the
app's secret key, so the same link can be printed again (the invitation letters) and e-mailed without being kept
anywhere: the database alone does not give it away (the secret key, which signs every session, does, as it
already would give away any session).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assessment.models.types import UTCDateTime, utcnow
from assessment.platform.extensions import Model

if TYPE_CHECKING:
    from assessment.models.user import User


class AccountInvitation(Model):
    """One invitation link of one account; a newer one revokes the older ones (only the newest works)."""

    __tablename__ = "account_invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    nonce: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The import (or the single invitation) that made it: the letters of one import are printed together.
    batch: Mapped[str] = mapped_column(String(32), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # E-mail (when SMTP is set): sent at, and failed attempts (given up after a few; the letter still works).
    mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    mail_attempts: Mapped[int] = mapped_column(default=0)

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    def is_open(self, now: datetime) -> bool:
        """Usable now: not used, not replaced by a newer link, not expired (the expiry instant is excluded)."""
        return self.used_at is None and self.revoked_at is None and now < self.expires_at
