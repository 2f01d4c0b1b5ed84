"""Committee exceptions to the stage calendar: one desa (or one indicator of it) may act outside a stage's dates."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assessment.models.competition import StageCode
from assessment.models.types import UTCDateTime, str_enum, utcnow
from assessment.platform.extensions import Model

if TYPE_CHECKING:
    from assessment.models.participant import Participant
    from assessment.models.user import User


class StageException(Model):
    """The committee lets one desa (``indicator_code`` None) or one of its indicators act in ``stage`` until
    ``ends_at``, for the written ``reason``; shown wherever that desa's results appear. Revoked, never deleted."""

    __tablename__ = "stage_exception"
    __table_args__ = (CheckConstraint("length(reason) > 0", name="reason_given"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"), index=True)
    stage: Mapped[StageCode] = mapped_column(str_enum(StageCode, "stage_code"))
    indicator_code: Mapped[str | None] = mapped_column(String(50))
    reason: Mapped[str] = mapped_column(Text)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    participant: Mapped[Participant] = relationship()
    created_by: Mapped[User | None] = relationship()
