"""A competition, the immutable rubric it runs on, its stages and kabupaten quotas."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import cast

from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, String, Table, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from assessment.models.guards import install_append_only
from assessment.models.types import UTCDateTime, str_enum, utcnow
from assessment.platform.extensions import Model


class RubricFormat(StrEnum):
    """The file format the committee wrote the rubric in."""

    yaml = "yaml"
    xlsx = "xlsx"


class StageCode(StrEnum):
    """The stages of a competition, in their order."""

    pendaftaran = "pendaftaran"
    penilaian_mandiri = "penilaian_mandiri"
    verifikasi_kelengkapan = "verifikasi_kelengkapan"
    penilaian_dokumen = "penilaian_dokumen"
    rekonsiliasi = "rekonsiliasi"
    klarifikasi_lapangan = "klarifikasi_lapangan"
    pleno = "pleno"
    pengumuman_sementara = "pengumuman_sementara"
    masa_sanggah = "masa_sanggah"
    penetapan = "penetapan"


STAGE_ORDER: tuple[StageCode, ...] = tuple(StageCode)


class StoredRubric(Model):
    """A rubric exactly as uploaded, with its canonical JSON and fingerprint. Never changed once stored."""

    __tablename__ = "stored_rubric"

    id: Mapped[int] = mapped_column(primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(128), unique=True)
    source_format: Mapped[RubricFormat] = mapped_column(str_enum(RubricFormat, "rubric_format"))
    # YAML is kept as text; an Excel workbook as its original bytes (source_text then holds nothing).
    source_text: Mapped[str | None] = mapped_column(Text)
    source_bytes: Mapped[bytes | None] = mapped_column(LargeBinary)
    original_name: Mapped[str | None] = mapped_column(String(255))
    rubric_json: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


install_append_only(cast(Table, StoredRubric.__table__))


class ImmutableRowError(RuntimeError):
    """Raised when code tries to change or delete a row that must stay as it was stored."""


@event.listens_for(Session, "before_flush")
def _refuse_rubric_changes(session: Session, _context: object, _instances: object) -> None:
    """A stored rubric is the basis of published scores: refuse any update or delete of one."""
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, StoredRubric) and (obj in session.deleted or session.is_modified(obj)):
            raise ImmutableRowError(f"stored rubric {obj.id} is immutable")


class Competition(Model):
    """One edition of the Lomba Desa Digital, over a provinsi or a kabupaten, on one stored rubric."""

    __tablename__ = "competition"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    year: Mapped[int]
    scope_region_code: Mapped[str] = mapped_column(String(20), ForeignKey("region.code"), index=True)
    rubric_id: Mapped[int] = mapped_column(ForeignKey("stored_rubric.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when the committee publishes the provisional (frozen) results; rankings become public from then on.
    results_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    rubric: Mapped[StoredRubric] = relationship(lazy="joined")
    stages: Mapped[list[Stage]] = relationship(
        back_populates="competition",
        cascade="all, delete-orphan",
        order_by="Stage.starts_at",
    )
    quotas: Mapped[list[KabupatenQuota]] = relationship(
        back_populates="competition",
        cascade="all, delete-orphan",
        order_by="KabupatenQuota.kabupaten_code",
    )

    def stage(self, code: StageCode) -> Stage | None:
        """The stage with this code, if the competition has it."""
        return next((stage for stage in self.stages if stage.code == code), None)

    @property
    def results_public(self) -> bool:
        """Rankings and result pages are public once the committee has published the provisional results."""
        return self.results_published_at is not None

    def __repr__(self) -> str:
        return f"<Competition {self.id} {self.name!r} {self.year}>"


class Stage(Model):
    """A stage of a competition and when it is open: from ``starts_at`` (included) to ``ends_at`` (excluded)."""

    __tablename__ = "stage"
    __table_args__ = (
        UniqueConstraint("competition_id", "code", name="uq_stage_competition_code"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(ForeignKey("competition.id", ondelete="CASCADE"), index=True)
    code: Mapped[StageCode] = mapped_column(str_enum(StageCode, "stage_code"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)

    competition: Mapped[Competition] = relationship(back_populates="stages")

    def is_open(self, now: datetime) -> bool:
        """A stage is open from ``starts_at`` (included) until ``ends_at`` (excluded): at ``ends_at`` it is closed."""
        return self.starts_at <= now < self.ends_at


class KabupatenQuota(Model):
    """How many desa a kabupaten may enter into a competition."""

    __tablename__ = "kabupaten_quota"
    __table_args__ = (
        UniqueConstraint("competition_id", "kabupaten_code", name="uq_kabupaten_quota_competition_kabupaten"),
        CheckConstraint("quota >= 0", name="quota_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(ForeignKey("competition.id", ondelete="CASCADE"), index=True)
    kabupaten_code: Mapped[str] = mapped_column(String(20), ForeignKey("region.code"))
    quota: Mapped[int]

    competition: Mapped[Competition] = relationship(back_populates="quotas")
