"""Assessors assigned to desa, and the conflicts of interest assessors declare."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assessment.models.types import UTCDateTime, str_enum, utcnow
from assessment.platform.extensions import Model

if TYPE_CHECKING:
    from assessment.models.participant import Participant
    from assessment.models.score import AccessTest, DeskScore, EvidenceJudgement
    from assessment.models.user import User


class AssignmentMethod(StrEnum):
    """How an assignment was made."""

    manual = "manual"
    csv = "csv"
    otomatis = "otomatis"


class Assignment(Model):
    """One assessor assigned to score one participating desa; ``submitted_at`` makes the desk scores final.

    An assignment ended by a declared conflict keeps its row (``withdrawn_at``) but its scores no longer count.
    """

    __tablename__ = "assignment"
    __table_args__ = (UniqueConstraint("participant_id", "assessor_id", name="uq_assignment_participant_assessor"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"), index=True)
    assessor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    method: Mapped[AssignmentMethod] = mapped_column(str_enum(AssignmentMethod, "assignment_method"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    participant: Mapped[Participant] = relationship(lazy="joined")
    assessor: Mapped[User] = relationship(foreign_keys=[assessor_id], lazy="joined")
    scores: Mapped[list[DeskScore]] = relationship(
        back_populates="assignment",
        cascade="all, delete-orphan",
        order_by="DeskScore.indicator_code",
    )
    judgements: Mapped[list[EvidenceJudgement]] = relationship(
        back_populates="assignment",
        cascade="all, delete-orphan",
    )
    access_tests: Mapped[list[AccessTest]] = relationship(
        back_populates="assignment",
        cascade="all, delete-orphan",
        order_by="AccessTest.indicator_code",
    )

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None


class ConflictDeclaration(Model):
    """An assessor's declared conflict of interest with a region (a desa, or a kecamatan with its desa); permanent."""

    __tablename__ = "conflict_declaration"
    __table_args__ = (UniqueConstraint("assessor_id", "region_code", name="uq_conflict_declaration_assessor_region"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    region_code: Mapped[str] = mapped_column(String(20), ForeignKey("region.code"))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


DEFAULT_ASSESSORS_PER_DESA = 2
DEFAULT_FINALISTS = 3


class FinalistScope(StrEnum):
    """Where the finalists of the field stage are counted: the top N of the whole provinsi, or of each kabupaten."""

    provinsi = "provinsi"
    kabupaten = "kabupaten"


class VerificationSettings(Model):
    """Per-competition settings of the verification stage: how many independent assessors each desa needs, and
    which desa are finalists for the field visit (the top ``finalists`` of the provinsi or of each kabupaten)."""

    __tablename__ = "verification_settings"
    __table_args__ = (
        CheckConstraint("assessors_per_desa >= 1", name="at_least_one_assessor"),
        CheckConstraint("finalists >= 1", name="at_least_one_finalist"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(ForeignKey("competition.id", ondelete="CASCADE"), unique=True)
    assessors_per_desa: Mapped[int] = mapped_column(default=DEFAULT_ASSESSORS_PER_DESA)
    finalist_scope: Mapped[FinalistScope] = mapped_column(
        str_enum(FinalistScope, "finalist_scope"),
        default=FinalistScope.kabupaten,
        server_default=FinalistScope.kabupaten.value,
    )
    finalists: Mapped[int] = mapped_column(default=DEFAULT_FINALISTS, server_default=str(DEFAULT_FINALISTS))
