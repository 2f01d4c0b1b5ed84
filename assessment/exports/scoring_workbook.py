"""An assessor's offline scoring workbook: written with the levels as a dropdown, read back with every row checked.

The workbook has a visible sheet ``Penilaian`` (one row per desa and indicator assigned to the assessor), a
hidden sheet ``Daftar`` holding the allowed levels (the dropdown's source, through the defined name
``DaftarLevel``) and a hidden sheet ``Info`` that says whose workbook it is. A dropdown in Excel is only a
convenience: anything can be pasted over it, so :func:`read_scoring_workbook` checks every cell again.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from typing import IO, Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from assessment.assessors.workbook import RowError, ScoredEntry, ScoringImport, ScoringTask, ScoringWorkbookInfo
from assessment.exports.spreadsheet import is_formula_like

SHEET = "Penilaian"
LIST_SHEET = "Daftar"
INFO_SHEET = "Info"
LEVEL_NAME = "DaftarLevel"
NOT_APPLICABLE = "TB"
HEADERS = ("Kode desa", "Nama desa", "Kode indikator", "Indikator", "Level", "Catatan")
LEVEL_COLUMN = 5
NOTE_COLUMN = 6
MAX_NOTE_LENGTH = 2000
# Room for a few blank lines an assessor may leave; a sheet far longer than the assignment is not ours.
EXTRA_ROWS_ALLOWED = 200


def _text_cell(ws: Any, row: int, column: int, value: str) -> None:
    cell = ws.cell(row=row, column=column, value=value)
    cell.data_type = "s"  # never a formula, whatever the text starts with
    cell.quotePrefix = is_formula_like(value)


def write_scoring_workbook(
    info: ScoringWorkbookInfo,
    tasks: Sequence[ScoringTask],
    levels: Sequence[int],
    target: str | IO[bytes] | None = None,
) -> bytes | None:
    """Write the offline scoring workbook for ``tasks``: Level is a dropdown of ``levels`` (plus TB).

    Only the Level and Catatan cells are unlocked; the sheet is protected without a password, which keeps
    assessors from editing a code by accident (it is not a security measure: the import checks everything).
    """
    wb = Workbook()
    ws = wb.active
    assert ws is not None  # noqa: S101 -- a new Workbook always has one sheet
    ws.title = SHEET
    for column, header in enumerate(HEADERS, start=1):
        cell = ws.cell(row=1, column=column, value=header)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="1F4E79")
        cell.alignment = Alignment(wrap_text=True)
    unlocked = Protection(locked=False)
    for row, task in enumerate(tasks, start=2):
        _text_cell(ws, row, 1, task.desa_code)
        _text_cell(ws, row, 2, task.desa_name)
        _text_cell(ws, row, 3, task.indicator_code)
        _text_cell(ws, row, 4, task.indicator_name)
        level_cell = ws.cell(row=row, column=LEVEL_COLUMN)
        level_cell.value = NOT_APPLICABLE if task.not_applicable else task.level
        level_cell.protection = unlocked
        _text_cell(ws, row, NOTE_COLUMN, task.note)
        ws.cell(row=row, column=NOTE_COLUMN).protection = unlocked
    for letter, width in zip("ABCDEF", (15, 24, 14, 50, 8, 50), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    last = len(tasks) + 1
    ws.auto_filter.ref = f"A1:F{max(last, 1)}"
    ws.protection.sheet = True
    ws.protection.autoFilter = False
    ws.protection.sort = False

    choices = wb.create_sheet(LIST_SHEET)
    values: list[str | int] = [*levels, NOT_APPLICABLE]
    for row, value in enumerate(values, start=1):
        choices.cell(row=row, column=1, value=value)
    choices.sheet_state = "hidden"
    wb.defined_names[LEVEL_NAME] = DefinedName(LEVEL_NAME, attr_text=f"{LIST_SHEET}!$A$1:$A${len(values)}")

    validation = DataValidation(
        type="list",
        formula1=LEVEL_NAME,
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Level tidak valid",
        error=f"Pilih salah satu level dari daftar ({', '.join(str(v) for v in values)}).",
        promptTitle="Level",
        prompt=f"Pilih level; {NOT_APPLICABLE} = tidak berlaku (hanya bila rubrik mengizinkan).",
    )
    validation.add(f"E2:E{max(last, 2)}")
    ws.add_data_validation(validation)

    meta = wb.create_sheet(INFO_SHEET)
    for row, (key, value) in enumerate(
        (("kompetisi_id", info.competition_id), ("asesor", info.assessor), ("rubrik", info.rubric)), start=1
    ):
        _text_cell(meta, row, 1, key)
        _text_cell(meta, row, 2, value)
    meta.sheet_state = "hidden"

    if target is None:
        buffer = io.BytesIO()
        wb.save(buffer)
        return buffer.getvalue()
    wb.save(target)
    return None


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _read_info(wb: Any) -> dict[str, str]:
    if INFO_SHEET not in wb.sheetnames:
        return {}
    return {
        _as_text(row[0]): _as_text(row[1])
        for row in wb[INFO_SHEET].iter_rows(max_col=2, values_only=True)
        if row and row[0] is not None
    }


def read_scoring_workbook(
    source: bytes | IO[bytes],
    info: ScoringWorkbookInfo,
    tasks: Iterable[ScoringTask],
    levels: Sequence[int],
) -> ScoringImport:
    """Read an uploaded scoring workbook; every row is checked and nothing is returned unless all are good.

    Rule (all or nothing): the import reports every problem it finds, each with its sheet, row and column, and
    returns no entries at all when there is even one; the caller applies the entries only when ``ok``.
    A row is good when its desa and indicator are one of the assessor's ``tasks`` (and appear once), its level
    is blank (not scored yet), one of ``levels``, or TB where the rubric allows "tidak berlaku", no cell holds
    a formula, and the note is at most 2,000 characters. The workbook must be the one written for this
    competition, assessor and rubric version (the hidden Info sheet).
    """
    data = source if isinstance(source, bytes) else source.read()
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError):
        return ScoringImport(errors=(RowError("", 0, "", "berkas bukan workbook Excel (.xlsx) yang dapat dibaca"),))
    try:
        return _check_rows(wb, info, {(t.desa_code, t.indicator_code): t for t in tasks}, levels)
    finally:
        wb.close()


def _check_rows(
    wb: Any, info: ScoringWorkbookInfo, tasks: Mapping[tuple[str, str], ScoringTask], levels: Sequence[int]
) -> ScoringImport:
    errors: list[RowError] = []
    found = _read_info(wb)
    expected = {"kompetisi_id": info.competition_id, "asesor": info.assessor, "rubrik": info.rubric}
    if found != expected:
        errors.append(
            RowError(
                INFO_SHEET,
                0,
                "",
                "workbook ini bukan untuk kompetisi, asesor atau versi rubrik ini; unduh ulang workbook penilaian Anda",
            )
        )
        return ScoringImport(errors=tuple(errors))
    if SHEET not in wb.sheetnames:
        return ScoringImport(errors=(RowError(SHEET, 0, "", "lembar tidak ditemukan"),))
    ws = wb[SHEET]
    row_limit = len(tasks) + 1 + EXTRA_ROWS_ALLOWED
    if (ws.max_row or 0) > row_limit:
        return ScoringImport(errors=(RowError(SHEET, 0, "", f"terlalu banyak baris ({ws.max_row})"),))
    # Read every row there is, not only those the file's <dimension> declares (it can be wrong or forged).
    ws.reset_dimensions()
    allowed = {str(level): level for level in levels}
    entries: list[ScoredEntry] = []
    seen: dict[tuple[str, str], int] = {}
    for row_number, cells in enumerate(ws.iter_rows(max_col=len(HEADERS)), start=1):
        if row_number > row_limit:
            # The declared size can lie; stop reading rather than walk a crafted sheet of a million rows.
            errors.append(RowError(SHEET, row_number, "", f"terlalu banyak baris (lebih dari {row_limit})"))
            break
        values = [getattr(cell, "value", None) for cell in cells]
        values += [None] * (len(HEADERS) - len(values))
        if row_number == 1:
            if tuple(_as_text(v) for v in values) != HEADERS:
                errors.append(RowError(SHEET, 1, "", f"judul kolom harus: {', '.join(HEADERS)}"))
                break
            continue
        if all(v is None or _as_text(v) == "" for v in values):
            continue
        for column, cell in enumerate(cells, start=1):
            if getattr(cell, "data_type", None) == "f":
                errors.append(RowError(SHEET, row_number, _column_name(column), "rumus tidak diterima; isi nilainya"))
        key = (_as_text(values[0]), _as_text(values[2]))
        task = tasks.get(key)
        if task is None:
            errors.append(
                RowError(
                    SHEET,
                    row_number,
                    _column_name(1),
                    f"desa {key[0]} dengan indikator {key[1]} tidak ditugaskan kepada Anda",
                )
            )
            continue
        if key in seen:
            errors.append(
                RowError(
                    SHEET,
                    row_number,
                    _column_name(1),
                    f"desa {key[0]} indikator {key[1]} sudah ada di baris {seen[key]}",
                )
            )
            continue
        seen[key] = row_number
        raw_level = _as_text(values[LEVEL_COLUMN - 1]).upper()
        level: int | None = None
        not_applicable = False
        if raw_level == NOT_APPLICABLE:
            if task.not_applicable_allowed:
                not_applicable = True
            else:
                errors.append(
                    RowError(
                        SHEET,
                        row_number,
                        _column_name(LEVEL_COLUMN),
                        f"indikator {key[1]} tidak boleh diisi TB (tidak berlaku)",
                    )
                )
        elif raw_level:
            if raw_level in allowed:
                level = allowed[raw_level]
            else:
                choices = ", ".join([*allowed, NOT_APPLICABLE] if task.not_applicable_allowed else allowed)
                errors.append(
                    RowError(
                        SHEET,
                        row_number,
                        _column_name(LEVEL_COLUMN),
                        f"level {raw_level!r} tidak dikenal; pilih salah satu: {choices}",
                    )
                )
        note = _as_text(values[NOTE_COLUMN - 1])
        if len(note) > MAX_NOTE_LENGTH:
            errors.append(
                RowError(
                    SHEET,
                    row_number,
                    _column_name(NOTE_COLUMN),
                    f"catatan terlalu panjang ({len(note)} karakter, paling banyak {MAX_NOTE_LENGTH})",
                )
            )
        entries.append(ScoredEntry(key[0], key[1], level, not_applicable, note, row_number))
    if errors:
        return ScoringImport(errors=tuple(errors))
    return ScoringImport(entries=tuple(entries))


def _column_name(column: int) -> str:
    return f"{'ABCDEF'[column - 1]} ({HEADERS[column - 1]})"
