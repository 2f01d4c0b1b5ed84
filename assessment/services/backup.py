"""Backup and restore: the whole database (table by table, portable between SQLite and PostgreSQL), the evidence
files, and a manifest with the SHA-256 of every part.

The archive (an uncompressed tar; evidence is already compressed)
    ``manifest.json``   format, creation time (UTC), schema revision, and for every part its path, size, SHA-256
                        (and for tables the row count), in the order they are restored;
    ``manifest.hmac``   HMAC-SHA256 of ``manifest.json`` with the installation's SECRET_KEY;
    ``tables/NNN-<table>.jsonl``  one JSON object per row, tables in foreign-key order;
    ``evidence/<sha256>``         every evidence file a row refers to, named by its own SHA-256.

Values that JSON has no type for are tagged: ``{"$dt": ISO 8601}`` (timestamps), ``{"$date": ...}``,
``{"$b64": ...}`` (bytes). In a JSON column, SQL NULL is written as ``null`` and the JSON value ``null`` as
``{"$json": null}``, so a restore gives back each as it was (byte-identical rows after a round trip).

Restore refuses, before writing anything, an archive that is damaged (a part missing, extra, or not matching its
hash, an evidence file not matching its name), tampered with (the manifest's HMAC does not match this
installation's key, unless the caller accepts another key), from another schema revision, or a target database
that is not empty. It then writes everything in one transaction, which is rolled back when the restored audit
trail does not verify, unless the caller explicitly accepts a broken trail (recorded in the trail).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import os
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import JSON, Column, Table, bindparam, delete, func, insert, inspect, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from assessment.models import GENESIS_HASH, AuditChainHead, Evidence
from assessment.platform.extensions import db
from assessment.platform.storage import EvidenceStore
from assessment.services.audit import record_event, verify_chain

FORMAT = "desa-digital-backup/1"
BATCH = 1000


class BackupError(Exception):
    """A backup that cannot be restored (or made); ``problems`` lists every reason, in Indonesian."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class BackupSummary:
    """What an archive holds: rows per table and the number of evidence files."""

    rows: dict[str, int]
    evidence_files: int


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$dt": (value.astimezone(UTC) if value.tzinfo else value).isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, bytes | bytearray | memoryview):
        return {"$b64": base64.b64encode(bytes(value)).decode("ascii")}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        ((tag, inner),) = value.items()
        if tag == "$dt":
            return datetime.fromisoformat(inner)
        if tag == "$date":
            return date.fromisoformat(inner)
        if tag == "$b64":
            return base64.b64decode(inner)
    return value


def _tables() -> list[Table]:
    """Every table of the models, parents before children."""
    return list(db.metadata.sorted_tables)


def _self_reference(table: Table) -> tuple[str, str] | None:
    for key in table.foreign_keys:
        if key.column.table is table:
            return key.parent.name, key.column.name
    return None


def _parents_first(table: Table, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows of a table that refers to itself (regions: parent_code), each after the row it refers to."""
    reference = _self_reference(table)
    if reference is None:
        return rows
    child, parent = reference
    placed: set[Any] = set()
    ordered: list[dict[str, Any]] = []
    waiting = rows
    while waiting:
        ready = [row for row in waiting if row[child] is None or row[child] in placed]
        if not ready:  # a cycle or a dangling reference: keep the rest as stored, the database will judge
            ordered.extend(waiting)
            break
        ordered.extend(ready)
        placed.update(row[parent] for row in ready)
        ready_ids = {id(row) for row in ready}
        waiting = [row for row in waiting if id(row) not in ready_ids]
    return ordered


def _schema_revision(connection: Connection) -> str | None:
    """The Alembic revision of the database (None for one built without Alembic, as in the tests)."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    value = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return None if value is None else str(value)


def _signature(manifest: bytes) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode("utf-8")
    return hmac.new(key, manifest, hashlib.sha256).hexdigest()


def _add(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    info.mtime = int(datetime.now(UTC).timestamp())
    archive.addfile(info, io.BytesIO(data))


_SQL_NULL = "__sql_null__"  # label of the "is SQL NULL" flag read beside each JSON column


def _json_columns(table: Table) -> list[Column[Any]]:
    return [column for column in table.columns if isinstance(column.type, JSON)]


def _table_lines(connection: Connection, table: Table) -> Iterator[bytes]:
    order = list(table.primary_key.columns) or list(table.columns)
    # A JSON column reads back None both for SQL NULL and for the JSON value null: ask the database which.
    flags = [column.is_(None).label(_SQL_NULL + column.name) for column in _json_columns(table)]
    for row in connection.execute(select(table, *flags).order_by(*order)).mappings():
        values = {key: _encode(value) for key, value in row.items() if not key.startswith(_SQL_NULL)}
        for column in _json_columns(table):
            if row[column.name] is None and not row[_SQL_NULL + column.name]:
                values[column.name] = {"$json": None}
        yield (json.dumps(values, ensure_ascii=False, separators=(",", ":"), sort_keys=True) + "\n").encode("utf-8")


def _insert_statement(table: Table, records: list[dict[str, Any]]) -> tuple[Any, list[dict[str, Any]]]:
    """The INSERT for ``records`` keeping SQL NULL and JSON null apart in JSON columns (see the module docstring)."""
    columns = _json_columns(table)
    if not columns:
        return insert(table), records
    # Each JSON column is bound under another name with a type that writes None as SQL NULL; JSON null is
    # written from its tag as JSON.NULL. (A bind parameter may not share the name of the column it fills.)
    statement = insert(table).values(
        {column.name: bindparam("json_" + column.name, type_=JSON(none_as_null=True)) for column in columns}
    )
    bound = []
    for record in records:
        record = dict(record)
        for column in columns:
            value = record.pop(column.name, None)
            record["json_" + column.name] = JSON.NULL if value == {"$json": None} else value
        bound.append(record)
    return statement, bound


def write_backup(out: Path, store: EvidenceStore) -> BackupSummary:
    """Write the database and the evidence files it refers to into the archive ``out`` (see the module docstring).

    The tables are read in one transaction (on PostgreSQL a repeatable-read snapshot), so the archive is a
    consistent picture even while the application keeps running.
    """
    parts: list[dict[str, Any]] = []
    rows: dict[str, int] = {}
    tmp = out.with_name(out.name + ".tmp")
    # The archive holds every account and personal datum: readable by its owner only (mode 600), from the start.
    descriptor = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)
    with (
        os.fdopen(descriptor, "wb") as raw,
        db.engine.connect() as connection,
        tarfile.open(fileobj=raw, mode="w") as archive,
    ):
        if connection.dialect.name == "postgresql":
            connection.execution_options(isolation_level="REPEATABLE READ")
        revision = _schema_revision(connection)
        for number, table in enumerate(_tables(), start=1):
            data = b"".join(_table_lines(connection, table))
            name = f"tables/{number:03d}-{table.name}.jsonl"
            rows[table.name] = data.count(b"\n")
            _add(archive, name, data)
            parts.append(
                {
                    "path": name,
                    "table": table.name,
                    "rows": rows[table.name],
                    "size": len(data),
                    "sha256": hashlib.sha256(data).hexdigest(),
                }
            )
        keys = sorted(
            {
                key
                for pair in connection.execute(select(Evidence.sha256, Evidence.display_sha256))
                for key in pair
                if key
            }
        )
        for key in keys:
            with store.open(key) as handle:
                data = handle.read()
            _add(archive, f"evidence/{key}", data)
            parts.append({"path": f"evidence/{key}", "size": len(data), "sha256": hashlib.sha256(data).hexdigest()})
        manifest = json.dumps(
            {
                "format": FORMAT,
                "created_at": datetime.now(UTC).isoformat(),
                "schema_revision": revision,
                "parts": parts,
            },
            indent=1,
        ).encode("utf-8")
        _add(archive, "manifest.json", manifest)
        _add(archive, "manifest.hmac", _signature(manifest).encode("ascii"))
    tmp.replace(out)
    return BackupSummary(rows, len(keys))


def _read_archive(source: Path) -> dict[str, bytes]:
    try:
        with tarfile.open(source, "r") as archive:
            members: dict[str, bytes] = {}
            for member in archive.getmembers():
                if not member.isfile() or member.name.startswith("/") or ".." in member.name.split("/"):
                    raise BackupError([f"Arsip berisi entri yang tidak diizinkan: {member.name!r}."])
                handle = archive.extractfile(member)
                members[member.name] = handle.read() if handle else b""
            return members
    except (tarfile.TarError, EOFError, OSError) as error:
        raise BackupError([f"Arsip rusak atau bukan arsip cadangan: {error}."]) from None


def check_archive(source: Path, *, accept_other_key: bool = False) -> tuple[dict[str, Any], dict[str, bytes]]:
    """Read and check an archive; raise :class:`BackupError` naming every problem found."""
    members = _read_archive(source)
    manifest_bytes = members.get("manifest.json")
    if manifest_bytes is None:
        raise BackupError(["Arsip tidak memuat manifest.json."])
    problems: list[str] = []
    signature = members.get("manifest.hmac", b"").decode("ascii", "replace").strip()
    if not hmac.compare_digest(signature, _signature(manifest_bytes)) and not accept_other_key:
        problems.append("Tanda tangan manifest (HMAC) tidak cocok: arsip diubah, atau dibuat dengan SECRET_KEY lain.")
    try:
        manifest = json.loads(manifest_bytes)
    except ValueError:
        raise BackupError([*problems, "manifest.json bukan JSON yang sah."]) from None
    if manifest.get("format") != FORMAT:
        problems.append(f"Format arsip {manifest.get('format')!r} tidak dikenal (diharapkan {FORMAT}).")
    listed = {part["path"] for part in manifest.get("parts", [])}
    for extra in sorted(set(members) - listed - {"manifest.json", "manifest.hmac"}):
        problems.append(f"{extra}: tidak tercantum di manifest.")
    for part in manifest.get("parts", []):
        data = members.get(part["path"])
        if data is None:
            problems.append(f"{part['path']}: hilang dari arsip.")
        elif hashlib.sha256(data).hexdigest() != part["sha256"] or len(data) != part["size"]:
            problems.append(f"{part['path']}: isinya tidak cocok dengan hash di manifest (rusak atau diubah).")
        elif part["path"].startswith("evidence/") and hashlib.sha256(data).hexdigest() != part["path"][9:]:
            problems.append(f"{part['path']}: isi berkas bukti tidak cocok dengan namanya.")
    if problems:
        raise BackupError(problems)
    return manifest, members


def _database_problems(connection: Connection) -> list[str]:
    problems = []
    for table in _tables():
        if table.name == AuditChainHead.__tablename__:
            head = connection.execute(select(table.c.last_seq, table.c.last_hash)).all()
            if head not in ([], [(0, GENESIS_HASH)]):
                problems.append("Basis data tujuan sudah punya jejak audit.")
            continue
        if connection.execute(select(func.count()).select_from(table)).scalar():
            problems.append(f"Tabel {table.name} di basis data tujuan tidak kosong.")
    return problems


def restore_backup(
    source: Path, store: EvidenceStore, *, accept_other_key: bool = False, accept_broken_audit: bool = False
) -> BackupSummary:
    """Restore an archive into an empty database (schema already created) and the evidence store.

    The restored audit trail is verified (:func:`assessment.services.audit.verify_chain`, hashes, links and MACs under
    this
    installation's audit key) before the transaction commits: a broken chain is refused (nothing is written)
    unless ``accept_broken_audit``; then the restore itself is recorded in the trail (``backup.restore_broken``,
    with the problem found), so the override can never pass unnoticed.
    """
    manifest, members = check_archive(source, accept_other_key=accept_other_key)
    known = {table.name: table for table in _tables()}
    table_parts = [part for part in manifest["parts"] if "table" in part]
    unknown = [part["table"] for part in table_parts if part["table"] not in known]
    if unknown:
        raise BackupError([f"Tabel {name} di arsip tidak ada di skema ini." for name in unknown])
    # Evidence first: files are named by their content, so one stored before a failed restore harms nothing.
    evidence = 0
    for part in manifest["parts"]:
        if part["path"].startswith("evidence/"):
            key = part["path"][len("evidence/") :]
            if not store.exists(key):
                store.put(members[part["path"]])
            evidence += 1
    rows: dict[str, int] = {}
    with db.engine.begin() as connection:
        revision = _schema_revision(connection)
        if manifest.get("schema_revision") != revision:
            raise BackupError(
                [
                    f"Arsip dari revisi skema {manifest.get('schema_revision')}, basis data ini "
                    f"{revision}: jalankan `desa-digital db upgrade` ke revisi yang sama dulu."
                ]
            )
        problems = _database_problems(connection)
        if problems:
            raise BackupError(problems)
        connection.execute(delete(AuditChainHead))
        for part in table_parts:
            table = known[part["table"]]
            records = [
                {key: _decode(value) for key, value in json.loads(line).items()}
                for line in members[part["path"]].decode("utf-8").splitlines()
                if line
            ]
            records = _parents_first(table, records)
            statement, bound = _insert_statement(table, records)
            for start in range(0, len(bound), BATCH):
                connection.execute(statement, bound[start : start + BATCH])
            rows[table.name] = len(records)
        if connection.dialect.name == "postgresql":
            _advance_sequences(connection)
        with Session(bind=connection) as session:
            chain = verify_chain(session)
        if chain.problem is not None and not accept_broken_audit:
            raise BackupError(
                [
                    f"Jejak audit di arsip RUSAK: {chain.problem.message} Tidak ada yang dipulihkan; "
                    "pulihkan dengan kunci audit (AUDIT_KEY/SECRET_KEY) instalasi asal, atau, bila "
                    "memang harus, dengan --accept-broken-audit (tercatat di jejak audit)."
                ]
            )
    if chain.problem is not None:
        record_event(
            "backup.restore_broken",
            target="audit_event",
            after={
                "archive": source.name,
                "problem_seq": chain.problem.seq,
                "problem_kind": chain.problem.kind,
                "problem": chain.problem.message,
                "events": chain.count,
            },
        )
        db.session.commit()
    return BackupSummary(rows, evidence)


def _advance_sequences(connection: Connection) -> None:
    """Rows came in with their ids: move each id sequence past the largest one, so new rows do not collide."""
    for table in _tables():
        for column in table.primary_key.columns:
            sequence = connection.execute(
                text("SELECT pg_get_serial_sequence(:table, :column)"), {"table": table.name, "column": column.name}
            ).scalar()
            if sequence:
                connection.execute(
                    text(
                        f"SELECT setval('{sequence}', COALESCE((SELECT MAX({column.name}) "  # noqa: S608
                        f"FROM {table.name}), 0) + 1, false)"
                    )
                )
