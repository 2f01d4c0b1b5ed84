"""The results workbook: a :class:`~assessment.presentation.reportdata.ResultsReport` turned into sheets of (headers,
rows).

Sheets: Ringkasan (summary), Peringkat (ranking with aspect scores), Tidak Diperingkat (every other participant
with its state), Aspek per Kecamatan, Indikator (the final level of every indicator per ranked desa), Asesor
(every level each assessor gave the ranked desa), Bukti (their evidence list) and Arsip Tautan (every capture of
their links, with the SHA-256 of what was fetched, of the archived copy and of its screenshot).
Each ``*_sheet`` function is pure: it only arranges values, so a test can compare the workbook cell by cell
with the report it came from.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import IO, Any

from assessment.exports.spreadsheet import Column, ColumnKind, Sheet, write_workbook
from assessment.presentation.reportdata import (
    DesaResult,
    ResultsReport,
    mean_or_none,
    median_or_none,
    summarise_by_kecamatan,
    unranked_detail,
)

NOT_APPLICABLE = "TB"  # tidak berlaku, as written in every sheet


def summary_sheet(report: ResultsReport) -> Sheet:
    """Counts and averages of the whole report, one measure a row."""
    indices = [desa.index for desa in report.desa]
    predikat_counts = Counter(desa.predikat for desa in report.desa)
    order = report.predikat_order or tuple(sorted(predikat_counts))
    source = report.snapshot
    rows: list[Sequence[Any]] = [
        ("Wilayah", f"{report.region_name} ({report.region_code})"),
        (
            "Sumber",
            f"Cuplikan hasil akhir {source.code} (SHA-256 {source.sha256})"
            if source is not None
            else "Perhitungan saat ini (hasil akhir belum ditetapkan)",
        ),
        ("Jumlah desa diperingkat", len(report.desa)),
        ("Jumlah desa tidak diperingkat", len(report.unranked)),
        ("Rata-rata indeks", mean_or_none(indices)),
        ("Median indeks", median_or_none(indices)),
    ]
    rows.extend((f"Predikat {predikat}", predikat_counts.get(predikat, 0)) for predikat in order)
    return Sheet(
        title="Ringkasan",
        columns=(Column("Ukuran", width=28), Column("Nilai", ColumnKind.DECIMAL, width=24)),
        rows=rows,
        note=report.title,
    )


def ranking_sheet(report: ResultsReport) -> Sheet:
    """One row per desa in rank order: index, predikat, tie mark, aspect scores, rank interval and P(top 3)."""
    columns = [
        Column("Peringkat", ColumnKind.INTEGER, 10),
        Column("Seri", width=6),
        Column("Kode desa", ColumnKind.CODE, 15),
        Column("Nama desa"),
        Column("Kecamatan"),
        Column("Indeks", ColumnKind.DECIMAL, 10),
        Column("Predikat"),
        *(Column(f"Aspek {aspect.name}", ColumnKind.DECIMAL, 14) for aspect in report.aspects),
        Column("Peringkat terbaik", ColumnKind.INTEGER, 10),
        Column("Peringkat terburuk", ColumnKind.INTEGER, 10),
        Column("Peluang 3 besar", ColumnKind.PERCENT, 10),
        Column("Indeks penilaian mandiri", ColumnKind.DECIMAL, 12),
        Column("Selisih mandiri - verifikasi", ColumnKind.DECIMAL, 12),
    ]

    def row(desa: DesaResult) -> Sequence[Any]:
        return (
            desa.rank,
            "seri" if desa.tied else "",
            desa.code,
            desa.name,
            desa.kecamatan,
            desa.index,
            desa.predikat,
            *desa.aspects,
            desa.best_rank,
            desa.worst_rank,
            desa.top3_chance,
            desa.self_index,
            desa.self_index_gap,
        )

    ordered = sorted(report.desa, key=lambda desa: (desa.rank, desa.code))
    return Sheet(title="Peringkat", columns=columns, rows=[row(desa) for desa in ordered])


def unranked_sheet(report: ResultsReport) -> Sheet:
    """Every participant left out of the ranking, by code, with its state and what keeps it out (no index, no
    predikat, no rank: :func:`assessment.core.standing.who_is_ranked`)."""
    columns = (
        Column("Kode desa", ColumnKind.CODE, 15),
        Column("Nama desa"),
        Column("Kecamatan"),
        Column("Keadaan", width=70),
    )
    rows = [
        (desa.code, desa.name, desa.kecamatan, unranked_detail(desa))
        for desa in sorted(report.unranked, key=lambda desa: desa.code)
    ]
    return Sheet(
        "Tidak Diperingkat",
        columns,
        rows,
        note="Desa ini tidak diperingkat dan tidak dihitung dalam jumlah, rata-rata atau rentang peringkat",
    )


def aspect_by_kecamatan_rows(report: ResultsReport) -> tuple[list[str], list[list[Any]]]:
    """Aspect averages per kecamatan (headers, rows): kecamatan, number of desa, mean index, one column an aspect."""
    headers = ["Kode kecamatan", "Kecamatan", "Jumlah desa", "Rata-rata indeks"]
    headers += [f"Aspek {aspect.name}" for aspect in report.aspects]
    rows = [
        [s.code, s.name, s.desa_count, s.mean_index, *s.mean_aspects]
        for s in summarise_by_kecamatan(report.desa, len(report.aspects))
    ]
    return headers, rows


def aspect_sheet(report: ResultsReport) -> Sheet:
    """The aspect averages per kecamatan as a sheet."""
    headers, rows = aspect_by_kecamatan_rows(report)
    kinds = [ColumnKind.CODE, ColumnKind.TEXT, ColumnKind.INTEGER] + [ColumnKind.DECIMAL] * (len(headers) - 3)
    return Sheet("Aspek per Kecamatan", [Column(h, k) for h, k in zip(headers, kinds, strict=True)], rows)


def indicator_sheet(report: ResultsReport) -> Sheet:
    """The final level of every indicator, one row per desa and one column per indicator (TB: not applicable)."""
    by_desa: dict[str, dict[str, Any]] = defaultdict(dict)
    for final in report.final_levels:
        by_desa[final.desa_code][final.indicator_code] = NOT_APPLICABLE if final.not_applicable else final.level
    columns = [Column("Kode desa", ColumnKind.CODE, 15), Column("Nama desa"), Column("Kecamatan")]
    columns += [Column(indicator.code, ColumnKind.DECIMAL, 8) for indicator in report.indicators]
    rows = [
        (desa.code, desa.name, desa.kecamatan, *(by_desa[desa.code].get(i.code) for i in report.indicators))
        for desa in sorted(report.desa, key=lambda desa: desa.code)
    ]
    note = "Level akhir per indikator; TB = tidak berlaku, kosong = belum dinilai"
    return Sheet("Indikator", columns, rows, note=note)


def assessor_sheet(report: ResultsReport) -> Sheet:
    """Every level each assessor gave: one row per desa, indicator and assessor."""
    names = {desa.code: desa.name for desa in report.desa}
    columns = (
        Column("Kode desa", ColumnKind.CODE, 15),
        Column("Nama desa"),
        Column("Indikator", ColumnKind.CODE, 10),
        Column("Asesor"),
        Column("Level", ColumnKind.INTEGER, 8),
        Column("Catatan", width=40),
    )

    def rows() -> Iterable[Sequence[Any]]:
        for level in sorted(report.assessor_levels, key=lambda a: (a.desa_code, a.indicator_code, a.assessor)):
            shown: Any = NOT_APPLICABLE if level.not_applicable else level.level
            yield (
                level.desa_code,
                names.get(level.desa_code, ""),
                level.indicator_code,
                level.assessor,
                shown,
                level.note,
            )

    return Sheet("Asesor", columns, rows())


def evidence_sheet(report: ResultsReport) -> Sheet:
    """The evidence list: one row per file or link."""
    columns = (
        Column("Kode desa", ColumnKind.CODE, 15),
        Column("Indikator", ColumnKind.CODE, 10),
        Column("Jenis", width=8),
        Column("Berkas / tautan", width=50),
        Column("Diunggah (WITA)", ColumnKind.DATETIME, 17),
        Column("SHA-256", ColumnKind.CODE, 20),
    )
    rows = [
        (item.desa_code, item.indicator_code, item.kind, item.name, item.uploaded_at, item.sha256)
        for item in sorted(report.evidence, key=lambda e: (e.desa_code, e.indicator_code, e.name))
    ]
    return Sheet("Bukti", columns, rows)


CAPTURE_OUTCOMES = {
    "archived": "diarsipkan",
    "not_html": "bukan halaman web",
    "not_found": "tidak ditemukan (404)",
    "http_error": "situs menjawab dengan galat",
    "unreachable": "tidak dapat dijangkau",
    "timeout": "tidak dapat dijangkau (lebih dari 15 detik)",
    "too_large": "terlalu besar (lebih dari 5 MB)",
    "refused": "alamat ditolak",
}


def capture_sheet(report: ResultsReport) -> Sheet:
    """Every capture of the links in the evidence list: one row per fetch (the first when the link was given, then
    each recheck), with the SHA-256 of the body, the archived copy and the screenshot."""
    columns = (
        Column("Kode desa", ColumnKind.CODE, 15),
        Column("Indikator", ColumnKind.CODE, 10),
        Column("Tautan", width=40),
        Column("Diarsipkan (WITA)", ColumnKind.DATETIME, 17),
        Column("Hasil", width=20),
        Column("Status HTTP", ColumnKind.INTEGER, 8),
        Column("Alamat akhir", width=40),
        Column("SHA-256 isi", ColumnKind.CODE, 20),
        Column("SHA-256 salinan", ColumnKind.CODE, 20),
        Column("SHA-256 tangkapan layar", ColumnKind.CODE, 20),
        Column("Unggahan umpan 30/90/365 hari", ColumnKind.CODE, 12),
    )
    rows = [
        (
            item.desa_code,
            item.indicator_code,
            item.url,
            item.archived_at,
            CAPTURE_OUTCOMES.get(item.outcome, item.outcome),
            item.http_status,
            item.final_url,
            item.body_sha256,
            item.archive_sha256,
            item.screenshot_sha256,
            item.activity,
        )
        for item in sorted(report.captures, key=lambda c: (c.desa_code, c.indicator_code, c.url, c.archived_at))
    ]
    return Sheet("Arsip Tautan", columns, rows)


def results_sheets(report: ResultsReport) -> list[Sheet]:
    """Every sheet of the results workbook, in reading order."""
    return [
        summary_sheet(report),
        ranking_sheet(report),
        unranked_sheet(report),
        aspect_sheet(report),
        indicator_sheet(report),
        assessor_sheet(report),
        evidence_sheet(report),
        capture_sheet(report),
    ]


def write_results_workbook(report: ResultsReport, target: str | IO[bytes] | None = None) -> bytes | None:
    """Write the results workbook of ``report`` (see :func:`results_sheets`)."""
    return write_workbook(results_sheets(report), target)
