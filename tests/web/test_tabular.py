"""The table reader shared by the enrolment file and the account import
(:func:`assessment.platform.tabular.read_table`)."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from assessment.platform.tabular import MAX_TABLE_ROWS, TableRejected, read_table


def problems(data: bytes, required: tuple[str, ...] = ("kode_desa",), optional: tuple[str, ...] = ()) -> list[str]:
    with pytest.raises(TableRejected) as rejected:
        read_table(data, "berkas", required, optional)
    return [f"{problem.line}: {problem.message}" for problem in rejected.value.problems]


def test_read_table_csv_with_semicolons_a_bom_and_blank_lines() -> None:
    rows = read_table(
        "\ufeffNama ; Kode_Desa\nBukit Raya;64.09.04.2002\n;\nSemoi;64.09.04.2003\n".encode(),
        "x.csv",
        ("kode_desa",),
        ("nama",),
    )
    assert [(row.line, row.get("kode_desa"), row.get("nama")) for row in rows] == [
        (2, "64.09.04.2002", "Bukit Raya"),
        (4, "64.09.04.2003", "Semoi"),
    ]


def test_read_table_excel_numbers_are_read_as_shown() -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["kode_desa"])
    sheet.append([64])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert [row.get("kode_desa") for row in read_table(buffer.getvalue(), "x.xlsx", ("kode_desa",))] == ["64"]


def test_read_table_refuses_a_bad_header() -> None:
    assert problems(b"nama\nx\n") == ["1: kolom wajib tidak ada: kode_desa", "1: kolom tidak dikenal: nama"]
    assert problems(b"kode_desa,kode_desa\nx,y\n") == ["1: kolom tertulis dua kali: kode_desa"]


def test_read_table_refuses_lines_longer_than_the_header_and_empty_files() -> None:
    assert problems(b"kode_desa\n64.09.04.2002,extra\n") == ["2: jumlah kolom lebih banyak dari tajuk"]
    assert problems(b"") == ["0: berkas kosong"]
    assert problems(b"kode_desa\n\n") == ["0: tidak ada baris data di bawah tajuk"]


def test_read_table_refuses_unreadable_or_oversized_files() -> None:
    assert problems("kode_desa\n6409".encode("utf-16")) == ["0: berkas bukan teks UTF-8 (simpan sebagai CSV UTF-8)"]
    assert problems(b"PK\x03\x04 bukan zip") == ["0: berkas Excel tidak dapat dibaca"]
    assert problems(b"kode_desa\n" + b"1\n" * (MAX_TABLE_ROWS + 1)) == [
        f"0: paling banyak {MAX_TABLE_ROWS} baris per berkas"
    ]
