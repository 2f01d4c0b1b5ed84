"""Every PDF the app makes, filled to its realistic worst case, for the paper-layout tests.

The sizes are the largest the app lets through or the province really has: the 841 desa of Kalimantan Timur with
their real names and kecamatan (from the shipped region list) for a province report and the plenary ranking,
a few desa renamed to 80 characters, 24 indicators, three assessors, reasons and notes of 2,000 characters (the
forms' limit), 25 plenary members, 30 invitation letters. Values are drawn from a seeded generator, so each run
makes the same documents; every long text ends with a marker naming its row ("(akhir A07)"), so a test can tell
whether the whole row landed on one page.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

from assessment.presentation.reportdata import (
    AspectHeading,
    DesaResult,
    IndicatorHeading,
    ResultsReport,
    SnapshotSource,
    UnrankedDesa,
)
from assessment.publication.operations import DeskRecord, FieldRecord
from assessment.regions.shipped import REGION_LIST

TEXT_MAX = 2000  # the reason and note fields' limit (Length(max=2000) in the forms)
SENTENCE = (
    "Tim memeriksa bukti unggahan dan menemukan bahwa layanan surat daring sudah berjalan tetapi belum "
    "dipakai oleh seluruh dusun, sehingga level disepakati setelah klarifikasi dengan operator desa. "
)
ASPECTS = (
    "Layanan Administrasi Digital",
    "Ekonomi Digital & Produk Unggulan Desa",
    "Media & Informasi Publik",
    "Infrastruktur & SDM Digital",
    "Tata Kelola & Data",
    "Inovasi Sosial dan Kolaborasi Lintas Sektor",
    "Literasi Digital Masyarakat dan Perangkat Desa",
)
INDICATOR_NAMES = (
    "Layanan surat/administrasi daring",
    "Tanda tangan elektronik (TTE) tersertifikasi",
    "Verifikasi keaslian & arsip elektronik surat",
    "Pengaduan & aspirasi daring",
    "Data kependudukan & sistem informasi desa (SID) mutakhir",
    "Kemutakhiran data desa (Prodeskel, Indeks Desa, data sektoral)",
)
PREDIKAT = ("Kurang", "Cukup", "Baik", "Sangat Baik", "Memuaskan")
HASH = "9f2c4e1a7b3d5f60" * 4


def long_text(marker: str, length: int = TEXT_MAX) -> str:
    """Realistic prose of exactly ``length`` characters ending with ``(akhir <marker>)``."""
    tail = f" (akhir {marker})"
    body = (SENTENCE * (length // len(SENTENCE) + 1))[: length - len(tail)].rstrip()
    return (body + tail).rjust(length, ".")[-length:]


def kaltim_desa() -> list[tuple[str, str, str, str]]:
    """The desa (not kelurahan) of Kalimantan Timur: code, name, kecamatan code, kecamatan name."""
    with REGION_LIST.open(encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["kode"].startswith("64.")]
    kecamatan = {r["kode"]: r["nama"] for r in rows if r["tingkat"] == "kecamatan"}
    return [
        (r["kode"], r["nama"], r["kode_induk"], kecamatan[r["kode_induk"]])
        for r in rows
        if r["tingkat"] == "desa" and r["kode"].rsplit(".", 1)[1].startswith("2")
    ]


def _long_name(name: str, index: int) -> str:
    """Every 60th desa gets an 80-character name (the column allows 200; real ones reach 29)."""
    if index % 60:
        return name
    return f"{name} Sumber Makmur Sejahtera Satuan Permukiman Transmigrasi Dua"[:80].ljust(80, "a")


def results_report(region: str = "64", unranked: int = 40) -> ResultsReport:
    """A finalised results report over ``region`` (the province, or a kabupaten code) with seven aspects."""
    rng = random.Random(13)  # seeded: the same documents every run
    desa = [d for d in kaltim_desa() if d[0].startswith(region + ".")]
    left_out = {d[0] for d in desa[7 :: max(1, len(desa) // unranked)][:unranked]}
    scored = []
    for index, (code, name, kec_code, kec_name) in enumerate(desa):
        if code in left_out:
            continue
        aspek = tuple(round(rng.uniform(10, 100), 2) for _ in ASPECTS)
        indeks = round(sum(aspek) / len(aspek), 2) if index % 97 else 100.0
        scored.append((code, _long_name(name, index), kec_code, kec_name, indeks, aspek))
    scored.sort(key=lambda d: (-d[4], d[0]))
    first_place: dict[float, int] = {}
    for position, row in enumerate(scored, start=1):
        first_place.setdefault(row[4], position)
    shared = {value for value in first_place if sum(1 for row in scored if row[4] == value) > 1}
    results = [
        DesaResult(
            code,
            name,
            kec_code,
            kec_name,
            indeks,
            PREDIKAT[min(int(indeks // 20), 4)],
            first_place[indeks],
            aspek,
            tied=indeks in shared,
        )
        for code, name, kec_code, kec_name, indeks, aspek in scored
    ]
    states = ("dikeluarkan", "draf", "penilaian_belum_selesai", "asesor_kurang")
    unranked_rows = tuple(
        UnrankedDesa(
            code,
            _long_name(name, 0 if n % 5 == 0 else 1),
            kec_code,
            kec_name,
            states[n % len(states)],
            reason=long_text(code) if states[n % len(states)] == "dikeluarkan" else "",
            assigned=3,
            submitted=1,
            required=3,
        )
        for n, (code, name, kec_code, kec_name) in enumerate(d for d in desa if d[0] in left_out)
    )
    return ResultsReport(
        title="Hasil Lomba Desa Digital Provinsi Kalimantan Timur 2026",
        region_code=region,
        region_name="Provinsi Kalimantan Timur" if region == "64" else "Penajam Paser Utara",
        aspects=tuple(AspectHeading(chr(65 + i), nama, 1 / len(ASPECTS)) for i, nama in enumerate(ASPECTS)),
        indicators=tuple(IndicatorHeading(f"A{i:02d}", name, "A") for i, name in enumerate(INDICATOR_NAMES, start=1)),
        desa=tuple(results),
        predikat_order=PREDIKAT,
        unranked=unranked_rows,
        snapshot=SnapshotSource("K7Q2M4XR9TPL3VDA", HASH, dt.datetime(2026, 11, 30, 2, 0, tzinfo=dt.UTC)),
    )


def indicators(count: int = 24) -> Iterator[tuple[str, str]]:
    """``count`` indicator codes and names (the real rubric's 20 and more), some near a long title's length."""
    for n in range(1, count + 1):
        name = INDICATOR_NAMES[n % len(INDICATOR_NAMES)]
        yield f"A{n:02d}", name if n % 4 else f"{name} termasuk dokumentasi, pemeliharaan dan evaluasi tahunan"


def _berita_acara_context(kode: str = "B7K4QX2M9TPL3VDA") -> dict[str, Any]:
    verify_url = f"https://lomba-desa-digital.kaltimprov.go.id/verifikasi/{kode}"
    from assessment.presentation.pdf import qr_svg_data_uri

    return {
        "competition": SimpleNamespace(name="Lomba Desa Digital Provinsi Kalimantan Timur Tahun 2026", year=2026),
        "verify_url": verify_url,
        "kode": kode,
        "qr_data_uri": qr_svg_data_uri(verify_url),
        "date": "30 November 2026 10.00 WITA",
        "created_by": "Panitia Provinsi Kalimantan Timur",
        "audit_anchor": SimpleNamespace(count=123456, head_hash=HASH),
    }


ASSESSORS = (
    "Dr. Hj. Siti Nurhaliza Rahmawati, S.Kom., M.T.",
    "Ir. Bambang Sutrisno Wicaksono, M.Si.",
    "Andi Muhammad Fadhil Prasetyo, S.T., M.Kom.",
)
DESA_NAME = "Sumber Sari Makmur Sejahtera Satuan Permukiman Transmigrasi"


def desk_context() -> dict[str, Any]:
    """The context of a penilaian dokumen berita acara: 24 indicators, 3 assessors, 2,000-character reasons."""
    rows = [
        (
            code,
            name,
            [str(n % 5), "N/A" if n % 7 == 0 else str((n + 1) % 5), str((n + 3) % 5)],
            str((n + 1) % 5) if n % 3 == 0 else "",
            long_text(code) if n % 3 == 0 else "",
        )
        for n, (code, name) in enumerate(indicators())
    ]
    return {
        **_berita_acara_context(),
        "participant": SimpleNamespace(region=SimpleNamespace(name=DESA_NAME), desa_code="64.09.04.2002"),
        "record": DeskRecord(list(ASSESSORS), rows),
    }


def field_context() -> dict[str, Any]:
    """The context of a klarifikasi lapangan berita acara: 24 indicators, 2,000-character notes, 3 visitors."""
    rows = [
        (code, name, "3, 4, N/A", str(n % 5) if n % 5 else "-", long_text(code) if n % 2 else "Sesuai.", n % 9)
        for n, (code, name) in enumerate(indicators())
    ]
    return {
        **_berita_acara_context(),
        "participant": SimpleNamespace(region=SimpleNamespace(name=DESA_NAME), desa_code="64.09.04.2002"),
        "record": FieldRecord(list(ASSESSORS), rows),
    }


def pleno_context() -> dict[str, Any]:
    """The context of the plenary berita acara: the province's 841-desa ranking as the final snapshot holds it,
    40 desa left out (some with 2,000-character reasons), 25 members."""
    report = results_report("64")
    ranking = [
        {
            "peringkat": d.rank,
            "seri": d.tied,
            "nama": d.name,
            "kode": d.code,
            "indeks": d.index,
            "predikat": d.predikat,
        }
        for d in report.desa
    ]
    unranked = [
        {
            "nama": u.name,
            "kode": u.code,
            "kecamatan": u.kecamatan,
            "keadaan": u.state,
            "alasan": u.reason,
            "penugasan": u.assigned,
            "diajukan": u.submitted,
            "diwajibkan": u.required,
        }
        for u in report.unranked
    ]
    members = [SimpleNamespace(name=f"{ASSESSORS[n % 3]} (Anggota {n + 1:02d})") for n in range(25)]
    return {
        **_berita_acara_context(),
        "snapshot": SimpleNamespace(kode="K7Q2M4XR9TPL3VDA", sha256=HASH),
        "ranking": ranking,
        "unranked": unranked,
        "members": members,
    }


def letter_pages(count: int = 30) -> list[dict[str, Any]]:
    """Invitation letters: long names and e-mail addresses, an operator with several grants, long links."""
    from assessment.presentation.pdf import qr_svg_data_uri

    pages = []
    for n in range(count):
        url = f"https://lomba-desa-digital.kaltimprov.go.id/akun/undangan/{HASH[:43]}{n:02d}"
        user = SimpleNamespace(
            name=f"{ASSESSORS[n % 3]} bin Abdul Rahman Wijayakusuma {n:02d}",
            email=f"operator.desa.{DESA_NAME.lower().replace(' ', '.')}.{n:02d}@desa.example.id",
        )
        grants = [f"Operator desa — {DESA_NAME} {k} (64.09.04.20{k:02d})" for k in range(1 + n % 6)]
        pages.append(
            {
                "user": user,
                "grants": grants,
                "url": url,
                "qr": qr_svg_data_uri(url),
                "expires": "14 Desember 2026 23.59 WITA",
            }
        )
    return pages


def certificate_desa() -> DesaResult:
    """A winner with an 80-character name in a long-named kecamatan, tied, with an index of 100."""
    return DesaResult(
        "64.09.04.2002",
        _long_name("Sumber Sari", 0),
        "64.09.04",
        "Sepaku Semoi Sotek Raya",
        100.0,
        "Memuaskan",
        1,
        (100.0,) * len(ASPECTS),
        tied=True,
    )
