"""Field verification (klarifikasi lapangan): the field level per desa x indicator and the photos taken on site."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assessment.models.types import UTCDateTime, utcnow
from assessment.platform.extensions import Model

if TYPE_CHECKING:
    from assessment.models.participant import Participant
    from assessment.models.user import User


class FieldLevel(Model):
    """The visiting team's level (and note) for one indicator of one finalist desa; it replaces the desk or agreed
    level in the score (:func:`assessment.repo.verified_records`) while those stay stored and shown beside it.

    ``level`` None is a note without a level (the desk level still counts). ``version`` refuses a stale save.
    """

    __tablename__ = "field_level"
    __table_args__ = (
        UniqueConstraint("participant_id", "indicator_code", name="uq_field_level_participant_indicator"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"), index=True)
    indicator_code: Mapped[str] = mapped_column(String(50))
    level: Mapped[int | None]
    note: Mapped[str] = mapped_column(Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    participant: Mapped[Participant] = relationship()
    updated_by: Mapped[User | None] = relationship()


class FieldPhoto(Model):
    """A photo taken on site for one indicator of a finalist desa, checked like evidence (content, not name).

    The original stays private in the evidence store (``sha256``); pages show the re-encoded copy without EXIF
    (``display_sha256``); GPS and capture time from the original are kept in ``metadata_json`` for the team.
    """

    __tablename__ = "field_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"), index=True)
    indicator_code: Mapped[str] = mapped_column(String(50))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    display_sha256: Mapped[str] = mapped_column(String(64))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    metadata_json: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A wrong photo is withdrawn, not deleted: hidden from every page and document, the row and both files kept
    # (the audit trail names who, when and why).
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    removed_reason: Mapped[str | None] = mapped_column(Text)

    uploaded_by: Mapped[User | None] = relationship(foreign_keys=[uploaded_by_id])
