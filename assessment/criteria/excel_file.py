"""Rubrics in Excel: the workbook layout of the template, a reader that names every cell, and the writers.

Locations are ``Sheet!Cell`` (e.g. ``Indikator!D7``). Sheets: Petunjuk (how to fill), Rubrik (settings, one per
row), Nama Level, Predikat, Aspek, Indikator, and a hidden Daftar holding the dropdown lists.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import warnings
import zipfile
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from assessment.criteria.errors import FILE_LOCATION, Problem, RubricError, file_problem
from assessment.criteria.model import DEFAULT_ELIGIBLE, DEFAULT_TIE_BREAK, REGION_KINDS, Rubric
from assessment.criteria.parse import AGGREGATIONS, TIE_BREAK_RULES, KeyPath, parse_rubric, plain, suggest

MAX_UNZIPPED_BYTES = 50 * 1024 * 1024
MAX_SHEET_ROWS = 5000

SHEET_GUIDE = "Petunjuk"
SHEET_RUBRIC = "Rubrik"
SHEET_LEVEL_NAMES = "Nama Level"
SHEET_BANDS = "Predikat"
SHEET_ASPECTS = "Aspek"
SHEET_INDICATORS = "Indikator"
SHEET_LISTS = "Daftar"
REQUIRED_SHEETS = (SHEET_RUBRIC, SHEET_BANDS, SHEET_ASPECTS, SHEET_INDICATORS)

# label in column A of the Rubrik sheet -> key path in the rubric mapping, and its explanation
RUBRIC_ROWS: tuple[tuple[str, KeyPath, str], ...] = (
    ("ID rubrik", ("id",), "Kode unik rubrik tanpa spasi, mis. desa-digital-kaltim-2026."),
    ("Judul", ("title",), "Judul rubrik yang tampil di aplikasi dan berita acara."),
    ("Versi", ("version",), "Versi rubrik, mis. 2026.1. Naikkan setiap kali isi rubrik berubah."),
    ("Skala minimum", ("scale", "min"), "Level terendah (bilangan bulat), biasanya 0."),
    ("Skala maksimum", ("scale", "max"), "Level tertinggi (bilangan bulat), lebih besar dari minimum; biasanya 4."),
    (
        "Agregasi",
        ("aggregation",),
        "Cara menggabungkan level dari beberapa asesor: mean (rata-rata) atau median (nilai tengah).",
    ),
    (
        "Ambang selisih",
        ("disagreement_threshold",),
        "Selisih level antar-asesor (bilangan bulat ≥ 1) yang ditandai untuk rekonsiliasi; biasanya 2.",
    ),
    (
        "Penentu seri",
        ("tie_break",),
        "Urutan penentu seri, dipisah koma: aspects_by_weight (nilai aspek menurut "
        "bobot), aspect:<kode> (nilai satu aspek), top_levels (lebih banyak level "
        "tertinggi), zero_levels (lebih sedikit level terendah).",
    ),
    ("Peserta", ("eligible",), f"Jenis wilayah yang ikut, dipisah koma: {', '.join(REGION_KINDS)}."),
)
LEVEL_NAME_HEADERS = ("Level", "Nama")
BAND_HEADERS = ("Batas bawah", "Predikat")
ASPECT_HEADERS = ("Kode", "Nama", "Bobot")
INDICATOR_HEADERS_BEFORE = ("Kode aspek", "Kode", "Nama", "Bobot")
INDICATOR_HEADERS_AFTER = ("Bukti", "Verifikasi", "Boleh N/A")
_LEVEL_HEADER = re.compile(r"level\s*(-?\d+)", re.IGNORECASE)
_FIELDS = {
    "kode aspek": "aspect",
    "kode": "code",
    "nama": "name",
    "bobot": "weight",
    "bukti": "evidence",
    "verifikasi": "verification",
    "boleh n/a": "allow_na",
    "batas bawah": "min",
    "predikat": "label",
    "level": "level",
}
HEADER_NOTES = {
    "Kode aspek": "Kode aspek (lembar Aspek) tempat indikator ini berada.",
    "Kode": "Kode unik tanpa spasi, mis. A atau A1.",
    "Nama": "Nama yang tampil di aplikasi.",
    "Bobot": "Angka positif; desimal memakai titik, mis. 2.75. Jumlah bobot semua indikator harus tepat 100.",
    "Bukti": "Bukti dukung yang diminta, satu per baris (Alt+Enter untuk baris baru di sel).",
    "Verifikasi": "Cara asesor memeriksa bukti (mis. uji akses, klarifikasi lapangan).",
    "Boleh N/A": "ya bila indikator boleh dinilai 'tidak berlaku' untuk desa tertentu; selain itu tidak.",
    "Batas bawah": "Indeks 0–100 terendah untuk predikat ini (termasuk). Predikat pertama mulai dari 0; urut naik.",
    "Predikat": "Nama predikat, mis. Baik.",
    "Level": "Level pada skala rubrik.",
}


def _cell_value(cell: Cell) -> object:
    value = cell.value
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return value


def _key(text: object) -> str:
    return " ".join(str(text).split()).lower() if text is not None else ""


class _ExcelReader:
    """Reads the workbook layout written by :func:`write_excel_template` into a rubric mapping with cell names."""

    def __init__(self) -> None:
        self.cells: dict[KeyPath, str] = {}
        self.problems: list[Problem] = []
        self.columns: dict[str, dict[int, str | int]] = {}

    def locate(self, path: KeyPath) -> str:
        for length in range(len(path), -1, -1):
            cell = self.cells.get(path[:length])
            if cell is not None:
                return cell
        return f"{SHEET_RUBRIC}!A1"

    def problem(self, location: str, message: str) -> None:
        self.problems.append(Problem(location, message))

    def rows(self, sheet: Worksheet) -> Iterable[tuple[int, list[Cell]]]:
        for row in sheet.iter_rows(min_row=2, max_row=min(sheet.max_row, MAX_SHEET_ROWS)):
            cells = [cell for cell in row if isinstance(cell, Cell)]
            if any(_cell_value(cell) is not None for cell in cells):
                yield cells[0].row, cells

    def headers(
        self, sheet: Worksheet, known: tuple[str, ...], required: tuple[str, ...], levels: bool
    ) -> dict[int, str | int]:
        """Column index -> field name (or level number); reports unknown and missing headers."""
        columns: dict[int, str | int] = {}
        for cell in next(sheet.iter_rows(min_row=1, max_row=1), ()):
            if not isinstance(cell, Cell) or _cell_value(cell) is None:
                continue
            title = _key(cell.value)
            level = _LEVEL_HEADER.fullmatch(title) if levels else None
            where = f"{sheet.title}!{cell.coordinate}"
            if level is not None:
                columns[cell.column] = int(level.group(1))
            elif title in (_key(header) for header in known):
                columns[cell.column] = _FIELDS[title]
            else:
                closest = suggest(title, [_key(header) for header in known])
                hint = f" Mungkin maksud Anda '{closest}'?" if closest else ""
                self.problem(
                    where,
                    f"Judul kolom '{cell.value}' tidak dikenal pada lembar {sheet.title}; kolom yang "
                    f"dikenal: {', '.join(known)}{', Level 0, Level 1, ...' if levels else ''}.{hint}",
                )
        for header in required:
            if _FIELDS[_key(header)] not in columns.values():
                self.problem(f"{sheet.title}!A1", f"Kolom '{header}' tidak ada di baris judul lembar {sheet.title}.")
        return columns

    def read(self, data: bytes) -> dict[str, Any]:
        with warnings.catch_warnings():
            # openpyxl warns about Excel features it drops (extensions, styles); the values are what matter here.
            warnings.simplefilter("ignore", UserWarning)
            workbook = load_workbook(io.BytesIO(data), data_only=True)
        names = workbook.sheetnames
        missing = [name for name in REQUIRED_SHEETS if name not in names]
        for name in missing:
            closest = suggest(name, [sheet for sheet in names if sheet not in REQUIRED_SHEETS])
            hint = f" Mungkin lembar '{closest}' maksudnya?" if closest else ""
            self.problem(
                FILE_LOCATION, f"Lembar '{name}' tidak ada di buku kerja (lembar yang ada: {', '.join(names)}).{hint}"
            )
        if len(missing) == len(REQUIRED_SHEETS):
            raise RubricError(
                [
                    Problem(
                        FILE_LOCATION,
                        "Buku kerja ini bukan rubrik: lembar Rubrik, Predikat, Aspek "
                        "dan Indikator tidak ada. Mulailah dari "
                        "`desa-digital rubric template`.",
                    )
                ]
            )
        document: dict[str, Any] = {}
        if SHEET_RUBRIC in names:
            self.read_settings(workbook[SHEET_RUBRIC], document)
        if SHEET_LEVEL_NAMES in names:
            self.read_level_names(workbook[SHEET_LEVEL_NAMES], document)
        if SHEET_BANDS in names:
            self.read_bands(workbook[SHEET_BANDS], document)
        if SHEET_ASPECTS in names:
            self.read_aspects(workbook[SHEET_ASPECTS], document)
        if SHEET_INDICATORS in names and "aspects" in document:
            self.read_indicators(workbook[SHEET_INDICATORS], document)
        return document

    def read_settings(self, sheet: Worksheet, document: dict[str, Any]) -> None:
        labels = {_key(label): path for label, path, _ in RUBRIC_ROWS}
        self.cells[()] = f"{sheet.title}!A1"
        for row, cells in self.rows(sheet):
            label = _cell_value(cells[0])
            value = _cell_value(cells[1]) if len(cells) > 1 else None
            if label is None:
                continue
            path = labels.get(_key(label))
            if path is None:
                closest = suggest(_key(label), list(labels))
                hint = f" Mungkin maksud Anda '{closest}'?" if closest else ""
                self.problem(f"{sheet.title}!A{row}", f"Baris '{label}' tidak dikenal pada lembar {sheet.title}.{hint}")
                continue
            if path in self.cells:
                self.problem(f"{sheet.title}!A{row}", f"Baris '{label}' ditulis dua kali pada lembar {sheet.title}.")
                continue
            self.cells[path] = f"{sheet.title}!B{row}"
            if path[0] == "scale":
                self.cells.setdefault(("scale",), f"{sheet.title}!B{row}")
                if value is not None:
                    document.setdefault("scale", {})[path[1]] = value
            elif value is not None:
                document[str(path[0])] = value

    def table(
        self, sheet: Worksheet, known: tuple[str, ...], required: tuple[str, ...], levels: bool = False
    ) -> list[tuple[int, dict[str | int, tuple[object, str]]]]:
        """Each non-empty row as (row number, field -> (value, cell name)), empty cells left out."""
        columns = self.headers(sheet, known, required, levels)
        self.columns[sheet.title] = columns
        result = []
        for row, cells in self.rows(sheet):
            values: dict[str | int, tuple[object, str]] = {}
            for cell in cells:
                field = columns.get(cell.column)
                value = _cell_value(cell)
                if field is not None and value is not None:
                    values[field] = (value, f"{sheet.title}!{cell.coordinate}")
                elif field is None and value is not None:
                    self.problem(
                        f"{sheet.title}!{cell.coordinate}",
                        "Sel ini berisi nilai di kolom tanpa judul yang dikenal; nilainya diabaikan.",
                    )
            result.append((row, values))
        return result

    def read_level_names(self, sheet: Worksheet, document: dict[str, Any]) -> None:
        names: dict[object, object] = {}
        for row, values in self.table(sheet, LEVEL_NAME_HEADERS, LEVEL_NAME_HEADERS):
            if "level" not in values:
                self.problem(f"{sheet.title}!A{row}", "Nomor level kosong pada baris ini.")
                continue
            level, where = values["level"]
            key = int(level) if isinstance(level, int | float) and float(level).is_integer() else level
            part: str | int = key if isinstance(key, int | str) else str(key)
            self.cells.setdefault(("level_names",), where)
            self.cells[("level_names", part)] = values.get("name", (None, where))[1]
            names[part] = values.get("name", (None, where))[0]
        if names:
            document["level_names"] = names

    def read_list(
        self, sheet: Worksheet, key: str, headers: tuple[str, ...], required: tuple[str, ...]
    ) -> list[dict[str, Any]]:
        """One mapping per non-empty row (bands, aspects), each cell remembered under its key path."""
        items: list[dict[str, Any]] = []
        self.cells[(key,)] = f"{sheet.title}!A2"
        for row, values in self.table(sheet, headers, required):
            index = len(items)
            self.cells[(key, index)] = f"{sheet.title}!A{row}"
            for field, (_, cell) in values.items():
                self.cells[(key, index, field)] = cell
            items.append({str(field): value for field, (value, _) in values.items()})
        return items

    def read_bands(self, sheet: Worksheet, document: dict[str, Any]) -> None:
        document["bands"] = self.read_list(sheet, "bands", BAND_HEADERS, BAND_HEADERS)

    def read_aspects(self, sheet: Worksheet, document: dict[str, Any]) -> None:
        # Every aspect gets its list, so an aspect without indicator rows is reported as empty, not as malformed.
        document["aspects"] = [
            {**aspect, "indicators": []}
            for aspect in self.read_list(sheet, "aspects", ASPECT_HEADERS, ASPECT_HEADERS[:2])
        ]

    def read_indicators(self, sheet: Worksheet, document: dict[str, Any]) -> None:
        aspects: list[dict[str, Any]] = document["aspects"]
        by_code: dict[str, int] = {}
        for index, aspect in enumerate(aspects):
            by_code.setdefault(str(aspect.get("code", "")).strip(), index)
        rows = self.table(
            sheet, INDICATOR_HEADERS_BEFORE + INDICATOR_HEADERS_AFTER, INDICATOR_HEADERS_BEFORE, levels=True
        )
        weight_column = next(
            (get_column_letter(column) for column, field in self.columns[sheet.title].items() if field == "weight"), "D"
        )
        if aspects:
            self.cells[("aspects",)] = f"{sheet.title}!{weight_column}1"
        for row, values in rows:
            if "aspect" not in values:
                self.problem(
                    f"{sheet.title}!A{row}", "Kode aspek kosong: tulis kode aspek (lembar Aspek) untuk indikator ini."
                )
                continue
            aspect_code, where = values["aspect"]
            aspect_index = by_code.get(str(aspect_code).strip())
            if aspect_index is None:
                closest = suggest(str(aspect_code), list(by_code))
                hint = f" Mungkin maksud Anda '{closest}'?" if closest else ""
                self.problem(where, f"Kode aspek '{aspect_code}' tidak ada di lembar {SHEET_ASPECTS}.{hint}")
                continue
            indicators: list[dict[str, Any]] = aspects[aspect_index]["indicators"]
            base: KeyPath = ("aspects", aspect_index, "indicators", len(indicators))
            self.cells[base] = values.get("code", (None, f"{sheet.title}!B{row}"))[1]
            indicator: dict[str, Any] = {}
            levels: dict[int, object] = {}
            for field, (value, cell) in values.items():
                if isinstance(field, int):
                    levels[field] = value
                    self.cells.setdefault((*base, "levels"), cell)
                    self.cells[(*base, "levels", field)] = cell
                elif field == "evidence":
                    lines = [line.strip() for line in value.splitlines()] if isinstance(value, str) else [value]
                    indicator["evidence"] = [line for line in lines if line != ""]
                    self.cells[(*base, "evidence")] = cell
                elif field != "aspect":
                    indicator[str(field)] = value
                    self.cells[(*base, str(field))] = cell
            indicator["levels"] = levels
            self.cells.setdefault((*base, "levels"), f"{sheet.title}!E{row}")
            indicators.append(indicator)


def load_excel_bytes(data: bytes) -> Rubric:
    """Parse an .xlsx workbook into a rubric, or raise RubricError with every problem located by sheet and cell."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            parts = {member.filename for member in members}
            if sum(member.file_size for member in members) > MAX_UNZIPPED_BYTES or len(members) > 10_000:
                raise file_problem("Buku kerja Excel terlalu besar setelah dibuka; rubrik tidak sebesar ini.")
            if "mimetype" in parts and b"opendocument" in archive.read("mimetype"):
                raise file_problem("Ini lembar kerja OpenDocument (.ods); simpan sebagai Excel (.xlsx) lalu ulangi.")
    except zipfile.BadZipFile:
        raise file_problem("Berkas ZIP/Excel rusak dan tidak dapat dibuka.") from None
    if "[Content_Types].xml" not in parts or "xl/workbook.xml" not in parts:
        raise file_problem("Berkas ini bukan rubrik: isinya arsip ZIP, bukan buku kerja Excel (.xlsx).")
    reader = _ExcelReader()
    try:
        document = reader.read(data)
    except RubricError:
        raise
    except Exception:  # a damaged upload may break openpyxl in many ways; the user needs one message
        raise file_problem(
            "Buku kerja Excel rusak atau tidak dapat dibaca; buka dan simpan ulang di Excel sebagai .xlsx."
        ) from None
    problems = list(reader.problems)
    try:
        rubric = parse_rubric(document, reader.locate)
    except RubricError as error:
        raise RubricError([*problems, *error.problems]) from None
    if problems:
        raise RubricError(problems)
    return rubric


def _put(sheet: Worksheet, row: int, column: int, value: object) -> Cell:
    """Write a value; text always stays text (a leading '=' must never become a formula)."""
    cell: Cell = sheet.cell(row=row, column=column)
    if isinstance(value, Decimal):
        number = float(value)
        # A float that does not read back as the same decimal would change the fingerprint; keep it as text then.
        if value == value.to_integral_value() and abs(value) < 10**15:
            cell.value = int(value)
        elif Decimal(repr(number)) == value:
            cell.value = number
        else:
            cell.value = plain(value)
            cell.data_type = "s"
    elif isinstance(value, str):
        cell.value = value
        cell.data_type = "s"
    else:
        cell.value = value
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    return cell


_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="1F4E78")


def _header(sheet: Worksheet, headers: Iterable[str], widths: Iterable[int]) -> None:
    for column, (title, width) in enumerate(zip(headers, widths, strict=True), start=1):
        cell = _put(sheet, 1, column, title)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        note = HEADER_NOTES.get(title) or (
            f"Deskripsi {title}: apa yang harus dilihat asesor untuk memberi level ini."
            if title.startswith("Level ")
            else None
        )
        if note:
            cell.comment = Comment(note, "desa-digital")
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "A2"


def _list_validation(sheet: Worksheet, formula: str, cells: str, prompt: str) -> None:
    validation = DataValidation(
        type="list",
        formula1=formula,
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Nilai tidak sah",
        error="Pilih salah satu nilai dari daftar.",
        promptTitle="Pilihan",
        prompt=prompt,
        showInputMessage=True,
    )
    sheet.add_data_validation(validation)
    validation.add(cells)


GUIDE_LINES: tuple[str, ...] = (
    "Cara mengisi rubrik Lomba Desa Digital di Excel",
    "",
    "1. Lembar Rubrik: isi ID rubrik, Judul dan Versi. Skala, agregasi, ambang selisih, penentu seri dan peserta "
    "sudah berisi nilai bawaan; ubah bila panitia memutuskan lain (pilih dari daftar bila ada).",
    "2. Lembar Nama Level (boleh kosong): nama setiap level pada skala, mis. 0 Belum ada, 1 Rintisan.",
    "3. Lembar Predikat: satu baris per predikat, urut naik menurut Batas bawah. Baris pertama harus 0; semua "
    "batas di antara 0 dan 100, tanpa batas kembar. Indeks yang sama atau lebih tinggi dari batas bawah mendapat "
    "predikat itu.",
    "4. Lembar Aspek: satu baris per aspek (Kode unik, Nama). Kolom Bobot boleh kosong; bila diisi harus sama "
    "dengan jumlah bobot indikatornya.",
    "5. Lembar Indikator: satu baris per indikator. Kode aspek memilih aspeknya; Kode unik di seluruh rubrik; "
    "Bobot angka positif (desimal memakai titik, mis. 2.75). Jumlah bobot semua indikator harus tepat 100.",
    "   Isi setiap kolom Level dengan apa yang harus dilihat asesor untuk memberi level itu. Bila skala diubah, "
    "sesuaikan kolom Level (mis. tambah kolom 'Level 5').",
    "   Bukti: satu bukti per baris dalam sel (Alt+Enter). Verifikasi: cara asesor memeriksa. Boleh N/A: ya atau "
    "tidak.",
    "6. Periksa berkas: desa-digital rubric validate RUBRIK.xlsx. Setiap masalah ditampilkan dengan lembar dan "
    "selnya, mis. Indikator!D7.",
    "7. Simpan sebagai YAML untuk arsip berversi: desa-digital rubric convert RUBRIK.xlsx RUBRIK.yaml.",
    "",
    "Lembar Daftar (tersembunyi) berisi pilihan untuk daftar pilihan; jangan diubah.",
)


def _workbook(rubric: Rubric | None) -> Workbook:
    workbook = Workbook()
    guide = workbook.active
    assert guide is not None  # noqa: S101 - a new Workbook always has one sheet
    guide.title = SHEET_GUIDE
    guide.column_dimensions["A"].width = 130
    for row, line in enumerate(GUIDE_LINES, start=1):
        _put(guide, row, 1, line)
    guide["A1"].font = Font(bold=True, size=14)

    scale_levels = list(rubric.scale.levels) if rubric else list(range(0, 5))
    lists = workbook.create_sheet(SHEET_LISTS)
    columns = (
        ("Agregasi", AGGREGATIONS),
        ("YaTidak", ("ya", "tidak")),
        ("JenisWilayah", REGION_KINDS),
        ("PenentuSeri", TIE_BREAK_RULES),
        ("Level", [str(level) for level in scale_levels]),
    )
    for column, (name, choices) in enumerate(columns, start=1):
        _put(lists, 1, column, name)
        for row, choice in enumerate(choices, start=2):
            _put(lists, row, column, choice)
        letter = get_column_letter(column)
        workbook.defined_names[name] = DefinedName(
            name, attr_text=f"'{SHEET_LISTS}'!${letter}$2:${letter}${len(choices) + 1}"
        )
    lists.sheet_state = "hidden"

    settings = workbook.create_sheet(SHEET_RUBRIC)
    _header(settings, ("Kunci", "Nilai", "Keterangan"), (22, 50, 90))
    setting_values: dict[KeyPath, object] = {
        ("scale", "min"): 0,
        ("scale", "max"): 4,
        ("aggregation",): "mean",
        ("disagreement_threshold",): 2,
        ("tie_break",): ", ".join(DEFAULT_TIE_BREAK),
        ("eligible",): ", ".join(DEFAULT_ELIGIBLE),
    }
    if rubric is not None:
        setting_values = {
            ("id",): rubric.id,
            ("title",): rubric.title,
            ("version",): rubric.version,
            ("scale", "min"): rubric.scale.min,
            ("scale", "max"): rubric.scale.max,
            ("aggregation",): rubric.aggregation.value,
            ("disagreement_threshold",): rubric.disagreement_threshold,
            ("tie_break",): ", ".join(rubric.tie_break),
            ("eligible",): ", ".join(rubric.eligible),
        }
    for row, (label, path, note) in enumerate(RUBRIC_ROWS, start=2):
        _put(settings, row, 1, label).font = Font(bold=True)
        value_cell = _put(settings, row, 2, setting_values.get(path))
        if path in (("id",), ("title",), ("version",)):
            # Text format, so that a version typed as 2026.10 is not turned into the number 2026.1 by Excel.
            value_cell.number_format = "@"
        _put(settings, row, 3, note)
        if path == ("aggregation",):
            _list_validation(settings, "Agregasi", f"B{row}", "mean = rata-rata, median = nilai tengah")

    level_names = workbook.create_sheet(SHEET_LEVEL_NAMES)
    _header(level_names, LEVEL_NAME_HEADERS, (10, 40))
    for row, (value, name) in enumerate(rubric.level_names if rubric else (), start=2):
        _put(level_names, row, 1, value)
        _put(level_names, row, 2, name)
    _list_validation(level_names, "Level", "A2:A50", "Level pada skala rubrik")

    bands = workbook.create_sheet(SHEET_BANDS)
    _header(bands, BAND_HEADERS, (14, 30))
    for row, band in enumerate(rubric.bands if rubric else (), start=2):
        _put(bands, row, 1, band.min)
        _put(bands, row, 2, band.label)
    band_range = DataValidation(
        type="decimal",
        operator="between",
        formula1="0",
        formula2="100",
        allow_blank=True,
        showErrorMessage=True,
        error="Batas bawah harus angka 0–100.",
    )
    bands.add_data_validation(band_range)
    band_range.add("A2:A100")

    aspects = workbook.create_sheet(SHEET_ASPECTS)
    _header(aspects, ASPECT_HEADERS, (10, 50, 10))
    for row, aspect in enumerate(rubric.aspects if rubric else (), start=2):
        _put(aspects, row, 1, aspect.code)
        _put(aspects, row, 2, aspect.name)
        _put(aspects, row, 3, aspect.weight)

    indicators = workbook.create_sheet(SHEET_INDICATORS)
    level_headers = [f"Level {level}" for level in scale_levels]
    headers = (*INDICATOR_HEADERS_BEFORE, *level_headers, *INDICATOR_HEADERS_AFTER)
    _header(indicators, headers, (11, 9, 40, 9, *(45 for _ in level_headers), 50, 45, 11))
    allow_na_column = get_column_letter(len(headers))
    weight_rule = DataValidation(
        type="decimal",
        operator="greaterThan",
        formula1="0",
        allow_blank=True,
        showErrorMessage=True,
        error="Bobot harus angka lebih dari 0.",
    )
    indicators.add_data_validation(weight_rule)
    weight_rule.add("D2:D500")
    _list_validation(indicators, f"'{SHEET_ASPECTS}'!$A$2:$A$100", "A2:A500", "Kode aspek dari lembar Aspek")
    _list_validation(indicators, "YaTidak", f"{allow_na_column}2:{allow_na_column}500", "ya atau tidak")
    next_row = 2
    for aspect in rubric.aspects if rubric else ():
        for indicator in aspect.indicators:
            cells: list[object] = [aspect.code, indicator.code, indicator.name, indicator.weight]
            cells += [indicator.level_description(level) for level in scale_levels]
            cells += [
                "\n".join(indicator.evidence),
                indicator.verification or None,
                "ya" if indicator.allow_na else "tidak",
            ]
            for position, content in enumerate(cells, start=1):
                if content is not None and content != "":
                    _put(indicators, next_row, position, content)
            next_row += 1
    workbook.move_sheet(SHEET_LISTS, offset=len(workbook.sheetnames))
    return workbook


def rubric_to_excel(rubric: Rubric, path: Path) -> None:
    """Write ``rubric`` in the template's layout; reading it back gives the same fingerprint."""
    _workbook(rubric).save(path)


def write_excel_template(path: Path) -> None:
    """Write an empty, documented rubric workbook: Indonesian headers, a guide sheet and dropdowns."""
    _workbook(None).save(path)


def rubric_to_excel_bytes(rubric: Rubric | None) -> bytes:
    """The workbook of ``rubric`` (or the empty template) as bytes, for a download."""
    buffer = io.BytesIO()
    _workbook(rubric).save(buffer)
    return buffer.getvalue()
