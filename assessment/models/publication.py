"""Results after the plenary: the frozen provisional ranking, changes made after it, objections (sanggah), the
committee's withdrawals of a desa from the ranking, the final snapshot and the registered berita acara PDFs."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, cast

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Table, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assessment.models.guards import install_append_only
from assessment.models.types import UTCDateTime, str_enum, utcnow
from assessment.platform.extensions import Model

if TYPE_CHECKING:
    from assessment.models.competition import Competition
    from assessment.models.exception import StageException
    from assessment.models.participant import Participant
    from assessment.models.user import User


class ProvisionalResult(Model):
    """The ranking the committee published as provisional (pengumuman sementara), stored once and never changed."""

    __tablename__ = "provisional_result"

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(ForeignKey("competition.id"), unique=True)
    # The engine's results as canonical JSON (see assessment.publication.snapshot.ranking_rows).
    ranking_json: Mapped[str] = mapped_column(Text)
    records_sha256: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


install_append_only(cast(Table, ProvisionalResult.__table__))


class LateChange(Model):
    """A level changed after the provisional results were published, under a committee exception; shown on the
    result as "diubah setelah pengumuman" with the exception's reason."""

    __tablename__ = "late_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"), index=True)
    indicator_code: Mapped[str | None] = mapped_column(String(50))
    action: Mapped[str] = mapped_column(String(30))
    exception_id: Mapped[int] = mapped_column(ForeignKey("stage_exception.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    participant: Mapped[Participant] = relationship()
    exception: Mapped[StageException] = relationship()


class Objection(Model):
    """A desa's objection (sanggah) to the provisional results, and the committee's answer to it."""

    __tablename__ = "objection"
    __table_args__ = (
        CheckConstraint("length(reason) > 0", name="reason_given"),
        CheckConstraint("answered_at IS NULL OR length(answer_reason) > 0", name="answer_reason_given"),
        CheckConstraint("new_level IS NULL OR answer_indicator_code IS NOT NULL", name="level_has_indicator"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"), index=True)
    indicator_code: Mapped[str | None] = mapped_column(String(50))
    reason: Mapped[str] = mapped_column(Text)
    # An optional evidence file, checked by assessment.services.evidence.inspect_upload and kept in the evidence store.
    evidence_sha256: Mapped[str | None] = mapped_column(String(64))
    evidence_name: Mapped[str | None] = mapped_column(String(255))
    evidence_media_type: Mapped[str | None] = mapped_column(String(100))
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    answer_reason: Mapped[str | None] = mapped_column(Text)
    answer_indicator_code: Mapped[str | None] = mapped_column(String(50))
    previous_level: Mapped[int | None]
    new_level: Mapped[int | None]

    participant: Mapped[Participant] = relationship()
    filed_by: Mapped[User | None] = relationship(foreign_keys=[filed_by_id])
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])

    @property
    def changes_level(self) -> bool:
        """The answer changed a level (``new_level`` on ``answer_indicator_code``)."""
        return self.new_level is not None


class RankingWithdrawal(Model):
    """The committee's decision to leave one desa out of the ranking, with its written reason (rule 3 of
    :func:`assessment.core.standing.who_is_ranked`). Shown beside the results and stored in the snapshot. Taken back
    (``revoked_at``, with who and why) rather than deleted; at most one is in force per desa."""

    __tablename__ = "ranking_withdrawal"
    __table_args__ = (
        CheckConstraint("length(reason) > 0", name="reason_given"),
        CheckConstraint("revoked_at IS NULL OR length(revoke_reason) > 0", name="revoke_reason_given"),
        Index(
            "uq_ranking_withdrawal_in_force",
            "participant_id",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    revoke_reason: Mapped[str | None] = mapped_column(Text)

    participant: Mapped[Participant] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])


class FinalSnapshot(Model):
    """The final results (penetapan) as canonical JSON with its SHA-256; one per competition, never changed.

    ``canonical_json`` is what ``/verifikasi/<kode>/cuplikan.json`` serves to everyone and ``sha256`` its hash, the
    one printed on the berita acara pleno and the verification page. From snapshot format 3 it is the public copy
    and ``committee_json`` (with ``committee_sha256``) the committee's complete copy; snapshots sealed before have
    only the one copy (``committee_json`` NULL). See :mod:`assessment.publication.snapshot`."""

    __tablename__ = "final_snapshot"

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(ForeignKey("competition.id"), unique=True)
    kode: Mapped[str] = mapped_column(String(32), unique=True)
    canonical_json: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    committee_json: Mapped[str | None] = mapped_column(Text)
    committee_sha256: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    competition: Mapped[Competition] = relationship()


install_append_only(cast(Table, FinalSnapshot.__table__))


class BeritaAcaraKind(StrEnum):
    """Which stage a berita acara records."""

    penilaian_dokumen = "penilaian_dokumen"
    klarifikasi_lapangan = "klarifikasi_lapangan"
    pleno = "pleno"


class BeritaAcara(Model):
    """A generated berita acara PDF, registered by its SHA-256 under a short public code; never changed."""

    __tablename__ = "berita_acara"
    __table_args__ = (UniqueConstraint("kode", name="uq_berita_acara_kode"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[BeritaAcaraKind] = mapped_column(str_enum(BeritaAcaraKind, "berita_acara_kind"))
    competition_id: Mapped[int] = mapped_column(ForeignKey("competition.id"), index=True)
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participant.id"))
    kode: Mapped[str] = mapped_column(String(32))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    competition: Mapped[Competition] = relationship()
    participant: Mapped[Participant | None] = relationship()
    created_by: Mapped[User | None] = relationship()


install_append_only(cast(Table, BeritaAcara.__table__))
