"""The audit trail as CSV rows, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from assessment.models import AuditEvent
from assessment.services.audit import hashed_fields

HEADERS = (
    "seq",
    "waktu_utc",
    "pelaku_id",
    "pelaku",
    "sebagai",
    "aksi",
    "sasaran",
    "sebelum",
    "sesudah",
    "id_permintaan",
    "alamat",
    "hash_sebelumnya",
    "hash",
)

# A cell a spreadsheet would run as a formula (OWASP "CSV injection") starts with one of these.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def spreadsheet_safe(value: object) -> str:
    """Text of ``value`` that a spreadsheet shows as text: a leading formula character gets a ``'`` before it."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def rows(events: Iterable[AuditEvent]) -> Iterator[tuple[str, ...]]:
    """One row per event, in ``HEADERS`` order, every cell made spreadsheet-safe."""
    for item in events:
        yield tuple(spreadsheet_safe(value) for value in (item.seq, *hashed_fields(item), item.hash))


def csv_lines(events: Iterable[AuditEvent]) -> Iterator[str]:
    """The CSV text (UTF-8 with a BOM so spreadsheet programs read it as UTF-8), a line at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(HEADERS)
    for row in rows(events):
        writer.writerow(row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.getvalue():
        yield buffer.getvalue()
