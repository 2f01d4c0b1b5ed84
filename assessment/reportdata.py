"""Plain values the reports are drawn from: figures, spreadsheet exports and PDFs read these, never database rows.

``repo.py`` (or the reporting operation of issue 6) turns the scoring engine's results and the stored
submissions into these frozen values; everything under ``exports/``, ``figures.py`` and ``pdf.py`` only reads
them, so each can be tested with numbers made up in the test.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Aspect:
    """An aspect of the rubric, in the rubric's order."""

    kode: str
    nama: str
    bobot: float


@dataclass(frozen=True, slots=True)
class Indicator:
    """An indicator of the rubric, with the aspect it belongs to."""

    kode: str
    nama: str
    aspek_kode: str


@dataclass(frozen=True, slots=True)
class DesaResult:
    """One desa's published result; ``aspek`` holds the aspect scores (0-100) in the order of the aspects."""

    kode: str
    nama: str
    kecamatan_kode: str
    kecamatan: str
    indeks: float
    predikat: str
    peringkat: int
    aspek: tuple[float, ...]
    seri: bool = False
    lengkap: bool = True
    peringkat_terbaik: int | None = None  # the engine's rank interval (bootstrap over assessors)
    peringkat_terburuk: int | None = None
    peluang_tiga_besar: float | None = None  # P(top 3), a fraction 0..1
    indeks_mandiri: float | None = None  # the index the desa's own self-assessment would give

    @property
    def selisih_mandiri(self) -> float | None:
        """Self-assessment index minus verified index (positive: the desa rated itself higher); None without one."""
        return None if self.indeks_mandiri is None else self.indeks_mandiri - self.indeks


@dataclass(frozen=True, slots=True)
class FinalLevel:
    """The level an indicator ends with for a desa (None: not scored; ``tidak_berlaku``: not applicable)."""

    desa_kode: str
    indikator_kode: str
    level: float | None
    tidak_berlaku: bool = False
    selisih_besar: bool = False  # assessors two or more levels apart


@dataclass(frozen=True, slots=True)
class AssessorLevel:
    """The level one assessor gave one indicator of one desa."""

    desa_kode: str
    indikator_kode: str
    asesor: str
    level: int | None
    tidak_berlaku: bool = False
    catatan: str = ""


@dataclass(frozen=True, slots=True)
class EvidenceItem:
    """One piece of evidence a desa attached to an indicator (a file or a link)."""

    desa_kode: str
    indikator_kode: str
    jenis: str  # "berkas" or "tautan"
    nama: str  # the sanitised file name or the URL, as shown
    diunggah: dt.datetime | None = None
    sha256: str = ""


@dataclass(frozen=True, slots=True)
class ResultsReport:
    """Everything one results report shows, for one competition and one region (province or kabupaten)."""

    judul: str
    wilayah_kode: str
    wilayah: str
    aspects: tuple[Aspect, ...]
    indicators: tuple[Indicator, ...]
    desa: tuple[DesaResult, ...]
    final_levels: tuple[FinalLevel, ...] = ()
    assessor_levels: tuple[AssessorLevel, ...] = ()
    evidence: tuple[EvidenceItem, ...] = ()
    predikat_order: tuple[str, ...] = field(default=())


def mean_or_none(values: Sequence[float]) -> float | None:
    """The arithmetic mean, or None for no values (an empty kecamatan has no average, not 0)."""
    return statistics.fmean(values) if values else None


def median_or_none(values: Sequence[float]) -> float | None:
    """The median, or None for no values."""
    return statistics.median(values) if values else None


@dataclass(frozen=True, slots=True)
class KecamatanSummary:
    """Averages of the desa of one kecamatan: index and each aspect (None when the kecamatan has no desa)."""

    kode: str
    nama: str
    jumlah_desa: int
    rata_indeks: float | None
    rata_aspek: tuple[float | None, ...]


def summarise_by_kecamatan(desa: Sequence[DesaResult], aspect_count: int) -> list[KecamatanSummary]:
    """Mean index and mean aspect scores per kecamatan, in kecamatan code order (plain means of the desa)."""
    groups: dict[tuple[str, str], list[DesaResult]] = defaultdict(list)
    for result in desa:
        groups[(result.kecamatan_kode, result.kecamatan)].append(result)
    return [
        KecamatanSummary(
            kode,
            nama,
            len(members),
            mean_or_none([m.indeks for m in members]),
            tuple(mean_or_none([m.aspek[i] for m in members]) for i in range(aspect_count)),
        )
        for (kode, nama), members in sorted(groups.items())
    ]
