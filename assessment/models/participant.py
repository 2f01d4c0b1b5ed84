"""A desa taking part in a competition: its self-assessment, evidence and completeness reviews."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assessment.models.types import UTCDateTime, str_enum, utcnow
from assessment.platform.extensions import Model

if TYPE_CHECKING:
    from assessment.models.competition import Competition
    from assessment.models.exception import StageException
    from assessment.models.region import Region


class SubmissionStatus(StrEnum):
    """Where a desa's self-assessment stands in the completeness check."""

    draf = "draf"
    diajukan = "diajukan"
    dikembalikan = "dikembalikan"
    lengkap = "lengkap"


class EvidenceKind(StrEnum):
    """Evidence is an uploaded file or a link."""

    file = "file"
    url = "url"


class EvidenceStatus(StrEnum):
    """Evidence removed by the operator stays as a row (and its file) for the audit trail."""

    aktif = "aktif"
    dihapus = "dihapus"


class ReviewDecision(StrEnum):
    """The outcome of a completeness check."""

    lengkap = "lengkap"
    dikembalikan = "dikembalikan"


class Participant(Model):
    """One desa in one competition. ``version`` guards against two people saving over each other."""

    __tablename__ = "participant"
    __table_args__ = (UniqueConstraint("competition_id", "desa_code", name="uq_participant_competition_desa"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(ForeignKey("competition.id", ondelete="CASCADE"), index=True)
    desa_code: Mapped[str] = mapped_column(String(20), ForeignKey("region.code"), index=True)
    status: Mapped[SubmissionStatus] = mapped_column(
        str_enum(SubmissionStatus, "submission_status"), default=SubmissionStatus.draf
    )
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    competition: Mapped[Competition] = relationship()
    region: Mapped[Region] = relationship(foreign_keys=[desa_code], lazy="joined")
    self_assessments: Mapped[list[SelfAssessment]] = relationship(
        back_populates="participant",
        cascade="all, delete-orphan",
        order_by="SelfAssessment.indicator_code",
    )
    evidence: Mapped[list[Evidence]] = relationship(
        back_populates="participant",
        cascade="all, delete-orphan",
        order_by="Evidence.uploaded_at",
    )
    reviews: Mapped[list[SubmissionReview]] = relationship(
        back_populates="participant",
        cascade="all, delete-orphan",
        order_by="SubmissionReview.created_at",
    )
    # Read by the self-assessment window (assessment.desa.rules); exceptions are opened and revoked by the
    # committee's verbs only, so this side never writes them.
    stage_exceptions: Mapped[list[StageException]] = relationship(
        viewonly=True,
        order_by="StageException.created_at",
    )


class SelfAssessment(Model):
    """The level a desa gives itself on one indicator, with its explanation."""

    __tablename__ = "self_assessment"
    __table_args__ = (
        UniqueConstraint("participant_id", "indicator_code", name="uq_self_assessment_participant_indicator"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"), index=True)
    indicator_code: Mapped[str] = mapped_column(String(50))
    level: Mapped[int | None]
    explanation: Mapped[str] = mapped_column(Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    participant: Mapped[Participant] = relationship(back_populates="self_assessments")


class Evidence(Model):
    """A file (content-addressed by the SHA-256 of its original bytes) or a link proving one indicator."""

    __tablename__ = "evidence"
    __table_args__ = (
        # One active copy of a file per indicator, enforced by the database so that two simultaneous uploads of
        # the same file (a double tap, a retry racing the original) cannot both create a row.
        Index(
            "uq_evidence_active_file",
            "participant_id",
            "indicator_code",
            "sha256",
            unique=True,
            sqlite_where=text("status = 'aktif' AND kind = 'file'"),
            postgresql_where=text("status = 'aktif' AND kind = 'file'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"), index=True)
    indicator_code: Mapped[str] = mapped_column(String(50))
    kind: Mapped[EvidenceKind] = mapped_column(str_enum(EvidenceKind, "evidence_kind"))
    url: Mapped[str | None] = mapped_column(String(2048))
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    size: Mapped[int | None]
    media_type: Mapped[str | None] = mapped_column(String(100))
    display_sha256: Mapped[str | None] = mapped_column(String(64))
    # For display only; never part of a file-system path.
    original_name: Mapped[str | None] = mapped_column(String(255))
    # GPS position and capture time read from EXIF: shown to assessors only.
    metadata_json: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[EvidenceStatus] = mapped_column(
        str_enum(EvidenceStatus, "evidence_status"), default=EvidenceStatus.aktif
    )
    duplicate_of_other_desa: Mapped[bool] = mapped_column(default=False)

    participant: Mapped[Participant] = relationship(back_populates="evidence")


class SubmissionReview(Model):
    """A completeness decision on a submission; a return for revision carries the reason the operator reads."""

    __tablename__ = "submission_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"), index=True)
    decision: Mapped[ReviewDecision] = mapped_column(str_enum(ReviewDecision, "review_decision"))
    reason: Mapped[str] = mapped_column(Text, default="")
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    participant: Mapped[Participant] = relationship(back_populates="reviews")
