"""The region tree (Kemendagri codes) and region boundaries."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from assessment.models.types import UTCDateTime, str_enum, utcnow
from assessment.platform.extensions import Model


class RegionKind(StrEnum):
    """The level of a region in the Kemendagri list."""

    provinsi = "provinsi"
    kabupaten = "kabupaten"
    kota = "kota"
    kecamatan = "kecamatan"
    desa = "desa"
    desa_adat = "desa_adat"
    kelurahan = "kelurahan"


# How many dot-separated parts a code of each kind has ("64" / "64.09" / "64.09.04" / "64.09.04.2002").
CODE_DEPTH: dict[RegionKind, int] = {
    RegionKind.provinsi: 1,
    RegionKind.kabupaten: 2,
    RegionKind.kota: 2,
    RegionKind.kecamatan: 3,
    RegionKind.desa: 4,
    RegionKind.desa_adat: 4,
    RegionKind.kelurahan: 4,
}


class Region(Model):
    """A provinsi, kabupaten/kota, kecamatan, desa, desa adat or kelurahan, identified by its Kemendagri code.

    Regions are renamed, split and dissolved; ``decree`` says which Kemendagri decree the row comes from and
    ``valid_from``/``valid_to`` bound its life, so the code stays the stable identity.
    """

    __tablename__ = "region"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[RegionKind] = mapped_column(str_enum(RegionKind, "region_kind"))
    parent_code: Mapped[str | None] = mapped_column(String(20), ForeignKey("region.code"), index=True)
    decree: Mapped[str | None] = mapped_column(String(200))
    valid_from: Mapped[date | None]
    valid_to: Mapped[date | None]

    def __repr__(self) -> str:
        return f"<Region {self.code} {self.kind} {self.name!r}>"


class RegionBoundary(Model):
    """The outline of one region as GeoJSON geometry text (drawn on maps; never used for access decisions)."""

    __tablename__ = "region_boundary"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_code: Mapped[str] = mapped_column(String(20), ForeignKey("region.code", ondelete="CASCADE"), unique=True)
    geometry: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
