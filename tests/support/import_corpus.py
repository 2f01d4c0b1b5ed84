"""Malformed import files, generated here (nothing copied in): CSV bombs, wrong encodings and binary look-alikes for
the CSV imports (assignment CSV, the ``score`` levels CSV), and zip bombs, broken workbooks and hostile YAML for the
rubric upload. Every one of them must be refused with a message, and nothing stored."""

from __future__ import annotations

import gzip
import io
import struct
import zipfile
from collections.abc import Callable

from openpyxl import Workbook

from tests.support import files

Maker = Callable[[], bytes]


def _utf16(text: str, codec: str = "utf-16") -> Maker:
    return lambda: text.encode(codec)


def _many_rows(header: str, row: str, count: int) -> Maker:
    return lambda: (header + "\n" + (row + "\n") * count).encode()


def _many_columns(first: str, count: int) -> Maker:
    return lambda: (first + "," + ",".join(f"k{i}" for i in range(count)) + "\n").encode()


def _long_field(header: str, prefix: str, size: int) -> Maker:
    return lambda: (header + "\n" + prefix + "x" * size + "\n").encode()


def _mixed(header: str, first: str, second_latin1: str) -> Maker:
    return lambda: (header + "\n" + first + "\n").encode() + (second_latin1 + "\n").encode("latin-1")


def _workbook() -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Rubrik"
    sheet.append(["kode", "nama"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _zip(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


_XLSX_SKELETON = {
    "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    b'content-types"/>',
    "xl/workbook.xml": b'<?xml version="1.0"?><workbook/>',
}


def xlsx_zip_bomb() -> bytes:
    """An .xlsx-shaped archive whose one sheet unpacks to 60 MB of spaces (about 60 KB packed)."""
    return _zip({**_XLSX_SKELETON, "xl/worksheets/sheet1.xml": b" " * (60 * 1024 * 1024)})


def xlsx_bomb_lying_about_size() -> bytes:
    """The same bomb with its declared unpacked size forged down to 1 KB in both zip headers."""
    data = bytearray(_zip({**_XLSX_SKELETON, "xl/worksheets/sheet1.xml": b" " * (20 * 1024 * 1024)}))
    position = 0
    while (position := data.find(b"PK\x03\x04", position)) != -1:
        name_length = struct.unpack("<H", data[position + 26 : position + 28])[0]
        if data[position + 30 : position + 30 + name_length].endswith(b"sheet1.xml"):
            data[position + 22 : position + 26] = struct.pack("<I", 1024)
        position += 4
    position = 0
    while (position := data.find(b"PK\x01\x02", position)) != -1:
        name_length = struct.unpack("<H", data[position + 28 : position + 30])[0]
        if data[position + 46 : position + 46 + name_length].endswith(b"sheet1.xml"):
            data[position + 24 : position + 28] = struct.pack("<I", 1024)
        position += 4
    return bytes(data)


def xlsx_billion_laughs() -> bytes:
    """A workbook part declaring nested XML entities (the 'billion laughs' expansion)."""
    entities = "".join(f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    xml = (
        f'<?xml version="1.0"?><!DOCTYPE workbook [<!ENTITY l0 "ha">{entities}]>'
        '<workbook><sheets><sheet name="&l9;"/></sheets></workbook>'
    ).encode()
    return _zip({"[Content_Types].xml": _XLSX_SKELETON["[Content_Types].xml"], "xl/workbook.xml": xml})


def yaml_alias_bomb() -> bytes:
    """YAML anchors each naming the previous one ten times: 10^9 items once every alias is expanded."""
    lines = ['a0: &a0 ["ha","ha","ha","ha","ha","ha","ha","ha","ha","ha"]']
    lines += [f"a{i}: &a{i} [{','.join(f'*a{i - 1}' for _ in range(10))}]" for i in range(1, 10)]
    return ("\n".join(lines) + "\n").encode()


ASSIGNMENT_HEADER = "kode_desa,email_asesor"
ASSIGNMENT_ROW = "64.09.04.2002,asesor1@contoh.id"
LEVELS_HEADER = "kode_wilayah,indikator,asesor,level"
LEVELS_ROW = "64.09.04.2002,A1,asesor-1,3"


def csv_corpus(header: str, row: str) -> list[tuple[str, Maker]]:
    """Malformed CSVs for an import whose header is ``header`` and a good row looks like ``row``."""
    return [
        ("csv-kosong", lambda: b""),
        ("csv-hanya-tajuk", lambda: (header + "\n").encode()),
        ("csv-utf16-bom", _utf16(f"{header}\n{row}\n")),
        ("csv-utf16be-tanpa-bom", _utf16(f"{header}\n{row}\n", "utf-16-be")),
        ("csv-latin1", lambda: f"{header}\n{row.replace('64.09', 'Désa 64.09')}\n".encode("latin-1")),
        ("csv-campuran-utf8-latin1", _mixed(header, row, row.replace("64.09", "Kéc 64.09"))),
        ("csv-nul", lambda: f"{header}\n{row}\x00\x00\n".encode()),
        ("csv-kutip-tak-ditutup", lambda: f'{header}\n"{row}\n'.encode()),
        ("csv-kolom-berlebih", lambda: f"{header}\n{row},lebih,lebih\n".encode()),
        (
            "csv-bom-baris",
            _many_rows(header, "99.99.99.9999,x@x.id,x,x" if "level" in header else "99.99.99.9999,x@x.id", 60_000),
        ),
        ("csv-bom-kolom", _many_columns(header, 30_000)),
        ("csv-bidang-panjang", _long_field(header, "64.09.04.2002,", 2 * 1024 * 1024)),
        ("csv-gzip", lambda: gzip.compress(f"{header}\n{row}\n".encode())),
        ("csv-xlsx", _workbook),
        ("csv-pdf", lambda: files.pdf()),
        ("csv-png", lambda: files.png()),
    ]


RUBRIC_CORPUS: list[tuple[str, str, Maker]] = [
    ("rubrik-kosong", "rubrik.yaml", lambda: b""),
    ("rubrik-bom-zip-xlsx", "rubrik.xlsx", xlsx_zip_bomb),
    ("rubrik-bom-zip-ukuran-palsu", "rubrik.xlsx", xlsx_bomb_lying_about_size),
    ("rubrik-xlsx-billion-laughs", "rubrik.xlsx", xlsx_billion_laughs),
    ("rubrik-xlsx-terpotong", "rubrik.xlsx", lambda: _workbook()[: len(_workbook()) // 2]),
    ("rubrik-xlsx-tanpa-lembar-rubrik", "rubrik.xlsx", _workbook),
    ("rubrik-zip-biasa", "rubrik.xlsx", lambda: _zip({"catatan.txt": b"bukan buku kerja"})),
    (
        "rubrik-ods",
        "rubrik.ods",
        lambda: _zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"}, zipfile.ZIP_STORED),
    ),
    ("rubrik-yaml-bom-alias", "rubrik.yaml", yaml_alias_bomb),
    ("rubrik-yaml-bersarang-dalam", "rubrik.yaml", lambda: b"[" * 20_000 + b"]" * 20_000),
    ("rubrik-yaml-tag-python", "rubrik.yaml", lambda: b"id: !!python/object/apply:os.system ['true']\n"),
    ("rubrik-yaml-utf16", "rubrik.yaml", lambda: "id: uji\ntitle: Rubrik\n".encode("utf-16")),
    ("rubrik-yaml-latin1", "rubrik.yaml", lambda: "id: uji\ntitle: Rubrik Désa\n".encode("latin-1")),
    ("rubrik-yaml-teks-raksasa", "rubrik.yaml", lambda: b"id: " + b"x" * (1024 * 1024) + b"\n"),
    ("rubrik-terlalu-besar", "rubrik.yaml", lambda: b"# " + b"x" * (6 * 1024 * 1024) + b"\n"),
    ("rubrik-pdf", "rubrik.yaml", lambda: files.pdf()),
    ("rubrik-poliglot-pdf-zip", "rubrik.xlsx", lambda: files.pdf() + _workbook()),
    ("rubrik-gzip", "rubrik.yaml", lambda: gzip.compress(b"id: uji\n")),
]
