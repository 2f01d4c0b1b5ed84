"""Thin file shell around the pure rubric core: read a rubric file whatever its format, and write it back.

The format is detected from the content, never from the file name: an ``.xlsx`` workbook is a ZIP holding the
OOXML parts (:mod:`assessment.criteria.excel_file`), a YAML rubric is UTF-8 text
(:mod:`assessment.criteria.yaml_file`); anything else (an image renamed ``.yaml``, an old ``.xls``) is one clean
:class:`~assessment.criteria.errors.Problem` located at ``(berkas)``, the file as a whole.
"""

from __future__ import annotations

from pathlib import Path

from assessment.criteria.errors import file_problem
from assessment.criteria.excel_file import (
    load_excel_bytes,
    rubric_to_excel,
    rubric_to_excel_bytes,
    write_excel_template,
)
from assessment.criteria.model import Rubric
from assessment.criteria.yaml_file import load_yaml_text, rubric_to_yaml

__all__ = [
    "MAX_RUBRIC_BYTES",
    "is_excel_workbook",
    "load_rubric",
    "load_rubric_bytes",
    "rubric_to_excel",
    "rubric_to_excel_bytes",
    "rubric_to_yaml",
    "write_excel_template",
]

MAX_RUBRIC_BYTES = 5 * 1024 * 1024

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "gambar PNG"),
    (b"\xff\xd8\xff", "gambar JPEG"),
    (b"GIF87a", "gambar GIF"),
    (b"GIF89a", "gambar GIF"),
    (b"%PDF-", "dokumen PDF"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "berkas Office lama (.xls/.doc) atau berkas Excel berkata sandi"),
)


def _sniff(data: bytes) -> str | None:
    """A plain name for well-known binary formats (images, PDF, old Office), or None."""
    for signature, name in _SIGNATURES:
        if data.startswith(signature):
            return name
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "gambar WebP"
    if data[4:8] == b"ftyp":
        return "gambar HEIC atau video"
    return None


def is_excel_workbook(data: bytes) -> bool:
    """Whether rubric bytes are an Excel workbook (.xlsx is a ZIP archive); otherwise they are read as YAML text.

    The one place that decides a rubric file's format, from its content, never from its name.
    """
    return data.startswith((b"PK\x03\x04", b"PK\x05\x06"))


def load_rubric(path: Path) -> Rubric:
    """Read and parse the rubric at ``path`` (YAML or Excel, detected from the content)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise file_problem("Berkas tidak ditemukan.") from None
    except IsADirectoryError:
        raise file_problem("Ini folder, bukan berkas rubrik.") from None
    except OSError as error:
        raise file_problem(f"Berkas tidak dapat dibaca ({error.strerror or error}).") from None
    return load_rubric_bytes(data, path.name)


def load_rubric_bytes(data: bytes, filename: str) -> Rubric:
    """Parse an uploaded rubric; ``filename`` only sharpens the messages, the content decides the format."""
    if len(data) > MAX_RUBRIC_BYTES:
        raise file_problem(
            f"Berkas terlalu besar ({len(data) // 1024} KB); rubrik paling besar "
            f"{MAX_RUBRIC_BYTES // (1024 * 1024)} MB."
        )
    if is_excel_workbook(data):
        return load_excel_bytes(data)
    named_excel = filename.lower().endswith((".xlsx", ".xlsm", ".xls"))
    binary = _sniff(data)
    if binary is not None:
        raise file_problem(f"Berkas ini bukan rubrik: isinya {binary}, bukan teks YAML atau buku kerja Excel (.xlsx).")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = None
    if text is None or "\x00" in text:
        hint = " Berkas bernama Excel ini bukan buku kerja .xlsx yang sah." if named_excel else ""
        raise file_problem(
            f"Berkas ini bukan rubrik: isinya bukan teks YAML (UTF-8) dan bukan buku kerja Excel (.xlsx).{hint}"
        )
    if not text.strip():
        raise file_problem("Berkas kosong: belum ada isi rubrik.")
    return load_yaml_text(text)
