"""The values of an assessor's offline scoring workbook: what is written (a task per desa and indicator, whose
workbook it is) and what is read back (entries, and every problem found with its place).

They belong to the assessors' domain; ``assessment/exports/scoring_workbook.py`` only turns them into an Excel file
and back.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class ScoringTask:
    """One line of the workbook: a desa and an indicator to score, with any level already given."""

    desa_code: str
    desa_name: str
    indicator_code: str
    indicator_name: str
    not_applicable_allowed: bool = False
    level: int | None = None
    not_applicable: bool = False
    note: str = ""


@dataclass(frozen=True, slots=True)
class ScoringWorkbookInfo:
    """Whose workbook it is; written into the hidden Info sheet and checked on import."""

    competition_id: str
    assessor: str
    rubric: str  # the rubric fingerprint: a workbook made for another rubric version is refused


@dataclass(frozen=True, slots=True)
class ScoredEntry:
    """One row read back: the level chosen (None: left blank) or not applicable, and the note."""

    desa_code: str
    indicator_code: str
    level: int | None
    not_applicable: bool
    note: str
    row: int = 0  # the row of sheet Penilaian it was read from


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem in the uploaded workbook, located by sheet, row and column (row 0: the file as a whole)."""

    sheet: str
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"Lembar {self.sheet}" if self.sheet else "Berkas"
        if self.row:
            where += f", baris {self.row}"
        if self.column:
            where += f", kolom {self.column}"
        return f"{where}: {self.message}"


@dataclass(frozen=True, slots=True)
class ScoringImport:
    """The result of reading a workbook: the entries (only when there is no error) and every error found."""

    entries: tuple[ScoredEntry, ...] = ()
    errors: tuple[RowError, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.errors
