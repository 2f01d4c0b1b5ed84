"""The assessor's offline scoring workbook: a dropdown of levels on the way out, every row checked on the way in."""

from __future__ import annotations

import io

import openpyxl
import pytest

from assessment.assessors.workbook import ScoringTask, ScoringWorkbookInfo
from assessment.exports.scoring_workbook import LEVEL_NAME, read_scoring_workbook, write_scoring_workbook

INFO = ScoringWorkbookInfo(competition_id="7", assessor="asesor@example.id", rubric="sha256:abc")
LEVELS = (0, 1, 2, 3, 4)
TASKS = (
    ScoringTask("64.09.04.2002", "Bukit Raya", "A1", "Surat elektronik"),
    ScoringTask("64.09.04.2002", "Bukit Raya", "A2", "TTE", not_applicable_allowed=True),
    ScoringTask("64.09.04.2001", "=cmd|' /C calc'!A0", "A1", "Surat elektronik", level=2, note="awal"),
)


def _workbook() -> openpyxl.Workbook:
    data = write_scoring_workbook(INFO, TASKS, LEVELS)
    assert data is not None
    return openpyxl.load_workbook(io.BytesIO(data))


def _bytes(wb: openpyxl.Workbook) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_levels_are_a_dropdown_from_a_hidden_list() -> None:
    wb = _workbook()
    ws = wb["Penilaian"]
    validations = ws.data_validations.dataValidation
    assert len(validations) == 1
    assert validations[0].type == "list"
    assert validations[0].formula1 == LEVEL_NAME
    assert str(validations[0].sqref) == "E2:E4"
    assert wb["Daftar"].sheet_state == "hidden"
    assert [c.value for c in wb["Daftar"]["A"]] == [0, 1, 2, 3, 4, "TB"]
    assert wb.defined_names[LEVEL_NAME].attr_text == "Daftar!$A$1:$A$6"


def test_only_level_and_note_cells_can_be_edited() -> None:
    ws = _workbook()["Penilaian"]
    assert ws.protection.sheet
    assert not ws["E2"].protection.locked
    assert not ws["F2"].protection.locked
    assert ws["A2"].protection.locked


def test_a_desa_name_starting_with_a_formula_sign_stays_text() -> None:
    cell = _workbook()["Penilaian"]["B4"]
    assert cell.value == "=cmd|' /C calc'!A0"
    assert cell.data_type == "s"


def test_a_filled_in_workbook_reads_back() -> None:
    wb = _workbook()
    ws = wb["Penilaian"]
    ws["E2"] = 3
    ws["F2"] = "ada surat keluar bertanda tangan elektronik"
    ws["E3"] = "tb"
    result = read_scoring_workbook(_bytes(wb), INFO, TASKS, LEVELS)
    assert result.ok, [str(e) for e in result.errors]
    by_key = {(e.desa_code, e.indicator_code): e for e in result.entries}
    assert by_key[("64.09.04.2002", "A1")].level == 3
    assert by_key[("64.09.04.2002", "A1")].note.startswith("ada surat")
    assert by_key[("64.09.04.2002", "A2")].not_applicable
    assert by_key[("64.09.04.2002", "A2")].level is None
    assert by_key[("64.09.04.2001", "A1")].level == 2


def test_all_or_nothing_every_bad_row_is_reported_and_no_entry_returned() -> None:
    wb = _workbook()
    ws = wb["Penilaian"]
    ws["E2"] = 3  # good
    ws["E3"] = 7  # not a level
    ws["E4"] = "TB"  # not allowed for this indicator
    ws.append(["64.01.01.2009", "Samurangau", "A1", "Surat elektronik", 1, ""])  # not assigned
    ws.append(["64.09.04.2002", "Bukit Raya", "A1", "Surat elektronik", 2, ""])  # duplicate of row 2
    ws["F2"] = '=HYPERLINK("http://x")'  # a real formula typed by someone
    result = read_scoring_workbook(_bytes(wb), INFO, TASKS, LEVELS)
    assert not result.ok
    assert result.entries == ()
    located = {(e.row, e.column[:1]) for e in result.errors}
    assert located == {(2, "F"), (3, "E"), (4, "E"), (5, "A"), (6, "A")}
    messages = [str(e) for e in result.errors]
    assert any("Lembar Penilaian, baris 3, kolom E (Level)" in m and "'7'" in m for m in messages)
    assert any("sudah ada di baris 2" in m for m in messages)


def test_a_note_longer_than_the_limit_is_refused() -> None:
    wb = _workbook()
    wb["Penilaian"]["F2"] = "x" * 2001
    result = read_scoring_workbook(_bytes(wb), INFO, TASKS, LEVELS)
    assert [(e.row, e.column) for e in result.errors] == [(2, "F (Catatan)")]


def test_blank_lines_are_skipped() -> None:
    wb = _workbook()
    wb["Penilaian"]["A10"] = " "
    assert read_scoring_workbook(_bytes(wb), INFO, TASKS, LEVELS).ok


def test_a_workbook_for_another_assessor_is_refused() -> None:
    data = write_scoring_workbook(INFO, TASKS, LEVELS)
    assert data is not None
    other = ScoringWorkbookInfo(competition_id="7", assessor="lain@example.id", rubric="sha256:abc")
    result = read_scoring_workbook(data, other, TASKS, LEVELS)
    assert not result.ok
    assert "bukan untuk" in str(result.errors[0])


def test_changed_headers_are_refused() -> None:
    wb = _workbook()
    wb["Penilaian"]["E1"] = "Nilai"
    result = read_scoring_workbook(_bytes(wb), INFO, TASKS, LEVELS)
    assert [e.row for e in result.errors] == [1]


@pytest.mark.parametrize("payload", [b"", b"%PDF-1.7 not a workbook", b"PK\x03\x04broken zip"])
def test_a_file_that_is_not_a_workbook_gets_one_clear_error(payload: bytes) -> None:
    result = read_scoring_workbook(payload, INFO, TASKS, LEVELS)
    assert [str(e) for e in result.errors] == ["Berkas: berkas bukan workbook Excel (.xlsx) yang dapat dibaca"]


def test_a_sheet_far_longer_than_the_assignment_is_refused() -> None:
    wb = _workbook()
    wb["Penilaian"].cell(row=1000, column=1, value="64")
    result = read_scoring_workbook(_bytes(wb), INFO, TASKS, LEVELS)
    assert "terlalu banyak baris" in str(result.errors[0])


def test_a_sheet_whose_declared_size_lies_is_still_cut_off() -> None:
    import re
    import zipfile

    wb = _workbook()
    wb["Penilaian"].cell(row=1000, column=1, value="64")
    source = zipfile.ZipFile(io.BytesIO(_bytes(wb)))
    target = io.BytesIO()
    with zipfile.ZipFile(target, "w") as out:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:F4"/>', data)
            out.writestr(item.filename, data)
    result = read_scoring_workbook(target.getvalue(), INFO, TASKS, LEVELS)
    assert not result.ok
    assert result.errors[-1].message.startswith("terlalu banyak baris (lebih dari")
