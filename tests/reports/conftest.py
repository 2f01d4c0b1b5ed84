"""Made-up results (never the code's own output) for the export, figure and PDF tests."""

from __future__ import annotations

import datetime as dt

import pytest

from assessment.presentation.reportdata import (
    AspectHeading,
    AssessorLevel,
    DesaResult,
    EvidenceItem,
    FinalLevel,
    IndicatorHeading,
    LinkCaptureItem,
    ResultsReport,
    UnrankedDesa,
)


@pytest.fixture
def small_report() -> ResultsReport:
    aspects = (AspectHeading("A", "Layanan", 0.6), AspectHeading("B", "Ekonomi", 0.4))
    indicators = (
        IndicatorHeading("A1", "Surat elektronik", "A"),
        IndicatorHeading("A2", "TTE", "A"),
        IndicatorHeading("B1", "Produk", "B"),
    )
    desa = (
        DesaResult(
            "64.09.04.2002",
            "Bukit Raya",
            "64.09.04",
            "Sepaku",
            81.25,
            "Sangat Baik",
            1,
            (87.5, 72.0),
            best_rank=1,
            worst_rank=2,
            top3_chance=0.93,
            self_index=90.0,
        ),
        DesaResult(
            "64.09.04.2001", '=HYPERLINK("http://x")', "64.09.04", "Sepaku", 60.5, "Baik", 2, (50.0, 76.25), tied=True
        ),
        DesaResult(
            "64.09.01.2005",
            "+Tengin Baru",
            "64.09.01",
            "Penajam",
            60.5,
            "Baik",
            2,
            (62.5, 57.5),
            tied=True,
            complete=False,
        ),
    )
    finals = (
        FinalLevel("64.09.04.2002", "A1", 3.5),
        FinalLevel("64.09.04.2002", "A2", None, not_applicable=True),
        FinalLevel("64.09.04.2001", "B1", 2.0, wide_gap=True),
    )
    assessors = (
        AssessorLevel("64.09.04.2002", "A1", "Asesor Satu", 3),
        AssessorLevel("64.09.04.2002", "A1", "Asesor Dua", 4, note="-ada podcast"),
        AssessorLevel("64.09.04.2002", "A2", "Asesor Satu", None, not_applicable=True),
    )
    evidence = (
        EvidenceItem("64.09.04.2002", "A1", "tautan", "@https://desa.example/", dt.datetime(2026, 8, 17, 9, 0)),
    )
    captures = (
        LinkCaptureItem(
            "64.09.04.2002",
            "A1",
            "@https://desa.example/",
            dt.datetime(2026, 8, 17, 9, 5),
            "archived",
            200,
            "https://desa.example/beranda",
            "1" * 64,
            "2" * 64,
            "3" * 64,
            "4/9/20",
        ),
        LinkCaptureItem(
            "64.09.04.2002",
            "A1",
            "@https://desa.example/",
            dt.datetime(2026, 9, 1, 8, 0),
            "not_found",
            404,
            "https://desa.example/beranda",
            "5" * 64,
        ),
    )
    return ResultsReport(
        title="Hasil Lomba Desa Digital 2026 (contoh uji)",
        region_code="64.09",
        region_name="Penajam Paser Utara",
        aspects=aspects,
        indicators=indicators,
        desa=desa,
        final_levels=finals,
        assessor_levels=assessors,
        evidence=evidence,
        captures=captures,
        predikat_order=("Kurang", "Cukup", "Baik", "Sangat Baik", "Memuaskan"),
        unranked=(
            UnrankedDesa("64.09.04.2009", "Desa Draf", "64.09.04", "Sepaku", "draf"),
            UnrankedDesa(
                "64.09.01.2007",
                "=Desa Keluar",
                "64.09.01",
                "Penajam",
                "dikeluarkan",
                reason="-Bukti A1 terbukti bukan milik desa ini",
            ),
            UnrankedDesa(
                "64.09.01.2008",
                "Desa Menunggu",
                "64.09.01",
                "Penajam",
                "penilaian_belum_selesai",
                assigned=2,
                submitted=1,
                required=2,
            ),
        ),
    )
