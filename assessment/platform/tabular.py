"""Read an uploaded table (CSV or Excel .xlsx) into rows with their line numbers, for imports that check every row.

Both the enrolment file (``kode_desa``) and the account import (``nama,email,peran,wilayah``) go through here, so
a person gets the same behaviour from both: the header names the columns (any case, any order, surrounding spaces
ignored), line 1 is the header, empty lines are skipped but still counted, and every value is text (Excel cells
holding numbers are read as they are shown, so a code typed as a number is not turned into ``6409.0``).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

MAX_TABLE_BYTES = 2 * 1024 * 1024
MAX_TABLE_ROWS = 5000


@dataclass(frozen=True, slots=True)
class LineProblem:
    """A problem in an uploaded table: its line (1 = the header, 0 = the file as a whole) and what is wrong."""

    line: int
    message: str


class TableRejected(Exception):
    """The table cannot be used as it is; ``problems`` lists every reason with its line. Nothing was applied."""

    def __init__(self, problems: list[LineProblem]) -> None:
        super().__init__(f"{len(problems)} masalah")
        self.problems = problems


@dataclass(frozen=True, slots=True)
class TableRow:
    """One data line: its line number in the file and its values by (lower-case) column name."""

    line: int
    values: dict[str, str]

    def get(self, column: str) -> str:
        return self.values.get(column, "").strip()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _xlsx_lines(data: bytes) -> list[list[str]]:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise TableRejected([LineProblem(0, "berkas Excel tidak dapat dibaca")]) from None
    try:
        sheet = workbook.worksheets[0]
        return [
            [_cell_text(value) for value in row]
            for row in sheet.iter_rows(values_only=True, max_row=MAX_TABLE_ROWS + 2)
        ]
    finally:
        workbook.close()


def _csv_lines(data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TableRejected([LineProblem(0, "berkas bukan teks UTF-8 (simpan sebagai CSV UTF-8)")]) from None
    first = text.splitlines()[0] if text else ""
    # Indonesian spreadsheets save CSV with ';' (the comma is the decimal separator there).
    delimiter = ";" if first.count(";") > first.count(",") else ","
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def read_table(data: bytes, filename: str, required: Sequence[str], optional: Sequence[str] = ()) -> list[TableRow]:
    """The data rows of a CSV or .xlsx file (chosen by its content: an .xlsx is a ZIP), checked for its header.

    Refused as a whole (:class:`TableRejected`): a file over 2 MB or over 5,000 rows, an unreadable file, a header
    without a required column, a column named twice, or no data row at all. A line with more values than the
    header is reported with its line (a shifted or mis-delimited line is never guessed at).
    """
    if len(data) > MAX_TABLE_BYTES:
        raise TableRejected([LineProblem(0, "berkas terlalu besar (paling besar 2 MB)")])
    lines = _xlsx_lines(data) if data[:4] == b"PK\x03\x04" else _csv_lines(data)
    if not lines:
        raise TableRejected([LineProblem(0, "berkas kosong")])
    header = [name.strip().lower() for name in lines[0]]
    while header and not header[-1]:
        header.pop()
    problems: list[LineProblem] = []
    missing = [column for column in required if column not in header]
    if missing:
        problems.append(LineProblem(1, "kolom wajib tidak ada: " + ", ".join(missing)))
    doubled = sorted({name for name in header if name and header.count(name) > 1})
    if doubled:
        problems.append(LineProblem(1, "kolom tertulis dua kali: " + ", ".join(doubled)))
    unknown = [name for name in header if name not in (*required, *optional)]
    if unknown:
        problems.append(LineProblem(1, "kolom tidak dikenal: " + ", ".join(unknown)))
    if problems:
        raise TableRejected(problems)
    if len(lines) - 1 > MAX_TABLE_ROWS:
        raise TableRejected([LineProblem(0, f"paling banyak {MAX_TABLE_ROWS} baris per berkas")])
    rows: list[TableRow] = []
    for number, values in enumerate(lines[1:], start=2):
        if not any(value.strip() for value in values):
            continue
        if any(value.strip() for value in values[len(header) :]):
            problems.append(LineProblem(number, "jumlah kolom lebih banyak dari tajuk"))
            continue
        rows.append(
            TableRow(
                number, {name: (values[index] if index < len(values) else "") for index, name in enumerate(header)}
            )
        )
    if problems:
        raise TableRejected(problems)
    if not rows:
        raise TableRejected([LineProblem(0, "tidak ada baris data di bawah tajuk")])
    return rows
