"""Desk scores (penilaian dokumen): an assessor's level and note per indicator, evidence verdicts, uji akses."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assessment.models.types import UTCDateTime, str_enum, utcnow
from assessment.platform.extensions import Model

if TYPE_CHECKING:
    from assessment.models.assignment import Assignment
    from assessment.models.user import User


class EvidenceVerdict(StrEnum):
    """What an assessor finds a piece of evidence to be."""

    valid = "valid"
    tidak_valid = "tidak_valid"
    tidak_cukup = "tidak_cukup"


class DeskScore(Model):
    """One assessor's level (or N/A where the rubric allows it) and note on one indicator of one desa.

    Saved as a draft until the assignment is submitted; ``version`` guards against two tabs saving over each other.
    """

    __tablename__ = "desk_score"
    __table_args__ = (UniqueConstraint("assignment_id", "indicator_code", name="uq_desk_score_assignment_indicator"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id", ondelete="CASCADE"), index=True)
    indicator_code: Mapped[str] = mapped_column(String(50))
    level: Mapped[int | None]
    not_applicable: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    assignment: Mapped[Assignment] = relationship(back_populates="scores")


class EvidenceJudgement(Model):
    """One assessor's verdict on one piece of evidence."""

    __tablename__ = "evidence_judgement"
    __table_args__ = (
        UniqueConstraint("assignment_id", "evidence_id", name="uq_evidence_judgement_assignment_evidence"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id", ondelete="CASCADE"), index=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id", ondelete="CASCADE"), index=True)
    verdict: Mapped[EvidenceVerdict] = mapped_column(str_enum(EvidenceVerdict, "evidence_verdict"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    assignment: Mapped[Assignment] = relationship(back_populates="judgements")


class AccessTest(Model):
    """An *uji akses*: the test request an assessor sent to the desa's service, when it was answered, the result."""

    __tablename__ = "access_test"
    __table_args__ = (UniqueConstraint("assignment_id", "indicator_code", name="uq_access_test_assignment_indicator"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id", ondelete="CASCADE"), index=True)
    indicator_code: Mapped[str] = mapped_column(String(50))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    assignment: Mapped[Assignment] = relationship(back_populates="access_tests")


class Reconciliation(Model):
    """The ketua tim's agreed level for one flagged indicator of one desa, with the reason; it replaces the
    assessors' levels for that item in the score (their own rows stay as they were and are shown beside it)."""

    __tablename__ = "reconciliation"
    __table_args__ = (
        UniqueConstraint("participant_id", "indicator_code", name="uq_reconciliation_participant_indicator"),
        CheckConstraint("length(reason) > 0", name="reason_given"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"), index=True)
    indicator_code: Mapped[str] = mapped_column(String(50))
    level: Mapped[int]
    reason: Mapped[str] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    decided_by: Mapped[User | None] = relationship()
    corrections: Mapped[list[ReconciliationCorrection]] = relationship(
        cascade="all, delete-orphan",
        order_by="ReconciliationCorrection.corrected_at",
    )


class ReconciliationCorrection(Model):
    """An earlier agreed level the ketua tim corrected: the level and reason as they were, and who replaced them,
    when and why. The current agreed level stays in :class:`Reconciliation`; this history is only added to."""

    __tablename__ = "reconciliation_correction"

    id: Mapped[int] = mapped_column(primary_key=True)
    reconciliation_id: Mapped[int] = mapped_column(ForeignKey("reconciliation.id", ondelete="CASCADE"), index=True)
    level: Mapped[int]
    reason: Mapped[str] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)
    corrected_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    corrected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    corrected_by: Mapped[User | None] = relationship(foreign_keys=[corrected_by_id])
