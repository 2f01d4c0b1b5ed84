"""Evidence files deleted at the end of their retention period; the evidence row and its hashes stay."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from assessment.models.types import UTCDateTime, utcnow
from assessment.platform.extensions import Model


class EvidencePurge(Model):
    """The file of one evidence row was deleted (retention under UU PDP 27/2022); ``Evidence.sha256`` remains."""

    __tablename__ = "evidence_purge"

    id: Mapped[int] = mapped_column(primary_key=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id", ondelete="CASCADE"), unique=True)
    purged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    retention_days: Mapped[int]
