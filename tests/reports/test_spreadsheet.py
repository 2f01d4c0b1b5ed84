"""The generic workbook writer: text stays text, codes stay codes, headers stay in view, numbers keep formats."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessment.exports.spreadsheet import Column, ColumnKind, Sheet, is_formula_like, safe_sheet_title, write_workbook

COLUMNS = (
    Column("Kode", ColumnKind.CODE),
    Column("Nama"),
    Column("Indeks", ColumnKind.DECIMAL),
    Column("Jumlah", ColumnKind.INTEGER),
    Column("Porsi", ColumnKind.PERCENT),
    Column("Tanggal", ColumnKind.DATE),
)


def _load(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def _sheet_xml(data: bytes, number: int = 1) -> str:
    return zipfile.ZipFile(io.BytesIO(data)).read(f"xl/worksheets/sheet{number}.xml").decode()


@pytest.mark.parametrize("text", ["=1+1", "+62 811", "-2+3", "@SUM(A1)", "\t=1", "\r=1", " =cmd|' /C calc'!A0"])
def test_text_starting_like_a_formula_is_written_as_text(text: str) -> None:
    data = write_workbook([Sheet("Uji", COLUMNS[:2], [("64.09", text)])])
    assert data is not None
    cell = _load(data)["Uji"]["B2"]
    assert cell.value == text
    assert cell.data_type == "s"
    assert cell.quotePrefix is True  # Excel shows it as typed and keeps it text when edited
    assert "<f>" not in _sheet_xml(data)


def test_ordinary_text_gets_no_quote_prefix() -> None:
    data = write_workbook([Sheet("Uji", COLUMNS[:2], [("64.09", "Bukit Raya")])])
    assert data is not None
    cell = _load(data)["Uji"]["B2"]
    assert (cell.value, cell.data_type, cell.quotePrefix) == ("Bukit Raya", "s", False)


def test_region_codes_stay_text() -> None:
    rows = [("64.09.04.2002", "a"), ("64.10", "b"), (6409, "c"), ("0012", "d")]
    data = write_workbook([Sheet("Kode", COLUMNS[:2], rows)])
    assert data is not None
    ws = _load(data)["Kode"]
    assert [ws.cell(row=r, column=1).value for r in range(2, 6)] == ["64.09.04.2002", "64.10", "6409", "0012"]
    assert all(ws.cell(row=r, column=1).data_type == "s" for r in range(2, 6))
    assert ws["A2"].number_format == "@"


def test_headers_are_frozen_filtered_and_bold() -> None:
    rows = [("64.09.04.2002", "Bukit Raya", 81.256, 3, 0.25, dt.date(2026, 8, 17))] * 4
    data = write_workbook([Sheet("Peringkat", COLUMNS, rows)])
    assert data is not None
    ws = _load(data)["Peringkat"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:F5"
    assert [c.value for c in ws[1]] == [c.header for c in COLUMNS]
    assert all(c.font.b for c in ws[1])


def test_a_note_row_moves_the_header_down() -> None:
    data = write_workbook([Sheet("Catatan", COLUMNS[:2], [("64", "x")], note="Contoh")])
    assert data is not None
    ws = _load(data)["Catatan"]
    assert ws["A1"].value == "Contoh"
    assert ws.freeze_panes == "A3"
    assert ws.auto_filter.ref == "A2:B3"
    assert ws["A3"].value == "64"


def test_numbers_keep_their_value_and_get_a_two_decimal_format() -> None:
    rows = [("64", "x", 81.256, 1234, 0.125, dt.date(2026, 8, 17))]
    data = write_workbook([Sheet("Angka", COLUMNS, rows)])
    assert data is not None
    ws = _load(data)["Angka"]
    assert ws["C2"].value == pytest.approx(81.256)
    assert ws["C2"].number_format == "#,##0.00"
    assert (ws["D2"].value, ws["D2"].number_format) == (1234, "#,##0")
    assert ws["E2"].number_format == "0.00%"
    assert ws["F2"].value == dt.datetime(2026, 8, 17)
    assert ws["F2"].number_format == "DD/MM/YYYY"


def test_column_widths_follow_the_content() -> None:
    rows = [("64.09.04.2002", "Nama desa yang cukup panjang sekali")]
    data = write_workbook([Sheet("Lebar", COLUMNS[:2], rows)])
    assert data is not None
    ws = _load(data)["Lebar"]
    assert ws.column_dimensions["B"].width >= len(rows[0][1])
    assert ws.column_dimensions["A"].width >= len("64.09.04.2002")


def test_several_sheets_in_order_and_an_empty_one() -> None:
    data = write_workbook([Sheet("Satu", COLUMNS[:2], [("1", "a")]), Sheet("Dua", COLUMNS[:2], [])])
    assert data is not None
    wb = _load(data)
    assert wb.sheetnames == ["Satu", "Dua"]
    assert [tuple(r) for r in wb["Dua"].iter_rows(values_only=True)] == [("Kode", "Nama")]


def test_a_row_of_the_wrong_width_is_refused_with_its_location() -> None:
    with pytest.raises(ValueError, match=r"'Salah', baris 3"):
        write_workbook([Sheet("Salah", COLUMNS[:2], [("1", "a"), ("2",)])])


def test_not_a_number_is_refused() -> None:
    with pytest.raises(ValueError, match="C2"):
        write_workbook([Sheet("NaN", COLUMNS[:3], [("1", "a", float("nan"))])])


def test_characters_xml_cannot_carry_are_replaced_not_fatal() -> None:
    data = write_workbook([Sheet("Kontrol", COLUMNS[:2], [("1", "a\x01b\x00c")])])
    assert data is not None
    assert _load(data)["Kontrol"]["B2"].value == "a\ufffdb\ufffdc"


def test_sheet_titles_are_made_acceptable_to_excel() -> None:
    assert safe_sheet_title("Aspek/Kecamatan: [PPU]?") == "Aspek-Kecamatan- -PPU--"
    assert len(safe_sheet_title("x" * 40)) == 31
    assert safe_sheet_title("''") == "Lembar"


def test_workbook_written_to_a_file(tmp_path) -> None:
    target = tmp_path / "hasil.xlsx"
    assert write_workbook([Sheet("F", COLUMNS[:1], [("64",)])], str(target)) is None
    assert openpyxl.load_workbook(target)["F"]["A2"].value == "64"


_xml_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30).filter(
    lambda t: not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", t)
)


@settings(max_examples=25, deadline=None)
@given(st.lists(_xml_text, min_size=1, max_size=8))
def test_any_text_reads_back_unchanged_and_as_a_string(texts: list[str]) -> None:
    data = write_workbook([Sheet("Teks", [Column("Teks")], [(t,) for t in texts])])
    assert data is not None
    ws = _load(data)["Teks"]
    for row, text in enumerate(texts, start=2):
        cell = ws.cell(row=row, column=1)
        if text == "":
            assert cell.value is None
            continue
        # XML parsers turn a lone CR into LF; it is escaped so it survives.
        assert cell.value == text
        assert cell.data_type == "s"
        assert cell.quotePrefix is is_formula_like(text)


def test_the_sheet_dimension_covers_every_row() -> None:
    # Readers in read-only mode (and Excel's used range) trust the <dimension> element.
    data = write_workbook([Sheet("Dimensi", COLUMNS[:2], [(str(i), "x") for i in range(10)], note="Catatan")])
    assert data is not None
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    assert workbook["Dimensi"].calculate_dimension() == "A1:B12"
    workbook.close()


def test_an_aware_moment_is_written_in_wita() -> None:
    sheet = Sheet(
        "Waktu",
        [Column("Diunggah (WITA)", ColumnKind.DATETIME)],
        [(dt.datetime(2026, 8, 17, 1, 30, tzinfo=dt.UTC),), (dt.datetime(2026, 8, 17, 9, 30),)],
    )
    data = write_workbook([sheet])
    assert data is not None
    ws = openpyxl.load_workbook(io.BytesIO(data))["Waktu"]
    # 01.30 UTC is 09.30 WITA (UTC+8); a naive value is kept as it is.
    assert [ws["A2"].value, ws["A3"].value] == [dt.datetime(2026, 8, 17, 9, 30), dt.datetime(2026, 8, 17, 9, 30)]
