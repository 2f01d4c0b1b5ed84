"""Reading a Kemendagri region list (CSV ``kode,nama,tingkat,kode_induk``) and checking every row.

Rules a row must meet (each broken rule is reported with its line number; one bad row means nothing is applied):

- ``kode`` is a dotted Kemendagri code: ``64``, ``64.09``, ``64.09.04`` or ``64.09.04.2002``;
- ``tingkat`` is one of provinsi, kabupaten, kota, kecamatan, desa, desa_adat, kelurahan, and fits the code's depth
  (a provinsi has one part, a kabupaten/kota two, a kecamatan three, a desa/desa adat/kelurahan four); at the
  desa level the first digit says the kind: 1 kelurahan, 2 desa, 3 desa adat;
- ``kode_induk`` is the code without its last part (empty for a provinsi), and that parent is in the file or
  already in the database;
- ``nama`` is not empty (at most 200 characters), and a code appears once in the file.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO

from assessment.models import CODE_DEPTH, RegionKind

REQUIRED_COLUMNS = ("kode", "nama", "tingkat", "kode_induk")
CODE_PATTERN = re.compile(r"^\d{2}(?:\.\d{2}(?:\.\d{2}(?:\.\d{4})?)?)?$")
DESA_KIND_BY_DIGIT = {"1": RegionKind.kelurahan, "2": RegionKind.desa, "3": RegionKind.desa_adat}
MAX_NAME_LENGTH = 200


@dataclass(frozen=True, slots=True)
class RegionRow:
    """One checked row of a region list."""

    line: int
    code: str
    name: str
    kind: RegionKind
    parent_code: str | None

    @property
    def depth(self) -> int:
        return self.code.count(".") + 1


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong at a line of an input file."""

    line: int
    message: str
    unit: str = "baris"

    def __str__(self) -> str:
        return f"{self.unit} {self.line}: {self.message}"


@dataclass
class ParsedRegions:
    """The rows that passed the checks and the problems found (nothing may be applied while there are any)."""

    rows: list[RegionRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def parent_of(code: str) -> str | None:
    """The code one level up (``64.09.04.2002`` -> ``64.09.04``); None for a provinsi."""
    return code.rsplit(".", 1)[0] if "." in code else None


def _check_row(line: int, record: dict[str, str | None]) -> RegionRow | list[Problem]:
    problems: list[Problem] = []
    code = (record.get("kode") or "").strip()
    name = (record.get("nama") or "").strip()
    kind_text = (record.get("tingkat") or "").strip()
    parent_text = (record.get("kode_induk") or "").strip()
    if not CODE_PATTERN.match(code):
        problems.append(Problem(line, f"kode {code!r} bukan kode Kemendagri (contoh: 64.09.04.2002)"))
    if not name:
        problems.append(Problem(line, "nama kosong"))
    elif len(name) > MAX_NAME_LENGTH:
        problems.append(Problem(line, f"nama lebih dari {MAX_NAME_LENGTH} karakter"))
    try:
        kind = RegionKind(kind_text)
    except ValueError:
        allowed = ", ".join(kind.value for kind in RegionKind)
        problems.append(Problem(line, f"tingkat {kind_text!r} tidak dikenal (pilihan: {allowed})"))
        return problems
    if problems:
        return problems
    depth = code.count(".") + 1
    if CODE_DEPTH[kind] != depth:
        problems.append(Problem(line, f"kode {code} tidak cocok dengan tingkat {kind.value}"))
    elif depth == 4 and DESA_KIND_BY_DIGIT.get(code[-4]) != kind:
        problems.append(
            Problem(
                line, f"kode {code}: bagian desa diawali 1 (kelurahan), 2 (desa) atau 3 (desa adat), bukan {kind.value}"
            )
        )
    expected_parent = parent_of(code)
    if (parent_text or None) != expected_parent:
        problems.append(
            Problem(
                line, f"kode_induk {parent_text!r} bukan induk dari {code} (seharusnya {expected_parent or 'kosong'})"
            )
        )
    if problems:
        return problems
    return RegionRow(line=line, code=code, name=name, kind=kind, parent_code=expected_parent)


def decode_text(data: bytes) -> str | Problem:
    """The file's text (UTF-8, with or without a byte-order mark), or the line where it stops being UTF-8."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return Problem(line, "bukan teks UTF-8; simpan ulang berkas sebagai CSV UTF-8")


def parse_region_csv(stream: IO[str], known_codes: Iterable[str] = ()) -> ParsedRegions:
    """Read and check a region list; ``known_codes`` are codes already stored (possible parents)."""
    result = ParsedRegions()
    header = next(csv.reader([stream.readline()]), [])
    header = [column.strip().lstrip("\ufeff") for column in header]
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        result.problems.append(
            Problem(1, f"kolom tidak ada: {', '.join(missing)} (kepala berkas harus {','.join(REQUIRED_COLUMNS)})")
        )
        return result
    first_line: dict[str, int] = {}
    try:
        reader = csv.DictReader(stream, fieldnames=header)
        for record in reader:
            line = reader.line_num + 1
            if not any((value or "").strip() for value in record.values() if isinstance(value, str)):
                continue
            checked = _check_row(line, record)
            if isinstance(checked, list):
                result.problems.extend(checked)
                continue
            if checked.code in first_line:
                earlier = first_line[checked.code]
                result.problems.append(Problem(line, f"kode {checked.code} sudah ada di baris {earlier}"))
                continue
            first_line[checked.code] = line
            result.rows.append(checked)
    except csv.Error as error:
        result.problems.append(Problem(reader.line_num + 1, f"CSV rusak: {error}"))
        return result
    known = set(known_codes) | set(first_line)
    for row in result.rows:
        if row.parent_code is not None and row.parent_code not in known:
            result.problems.append(Problem(row.line, f"induk {row.parent_code} tidak ada di berkas maupun basis data"))
    result.problems.sort(key=lambda problem: problem.line)
    return result
