"""`desa-digital backup` and `restore`: a round trip gives back every row and file; damage and tampering refused."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import stat
import tarfile
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from assessment.models import AuditEvent, Evidence, Role, User
from assessment.platform.extensions import db
from assessment.services.audit import verify_chain
from tests.conftest import Login, MakeUser, reset_database
from tests.support import files
from tests.support.competition import create_competition

DESA = "64.09.04.2002"


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary-key order."""
    tables: dict[str, list[tuple[Any, ...]]] = {}
    with db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            order = list(table.primary_key.columns)
            tables[table.name] = [tuple(row) for row in connection.execute(select(table).order_by(*order))]
    return tables


def evidence_files(app: Flask) -> dict[str, bytes]:
    root = Path(app.config["EVIDENCE_DIR"])
    return {path.name: path.read_bytes() for path in root.rglob("*") if path.is_file()}


@pytest.fixture
def filled(app: Flask, make_user: MakeUser, login: Login) -> None:
    """A competition with a desa whose operator saved a level, uploaded a photo and a PDF: rows, files, events."""
    _, [participant] = create_competition(desa={DESA: "Bukit Raya"})
    make_user(Role.panitia, "64", name="Panitia Ü — ñ")
    client = login(app.test_client(), make_user(Role.operator_desa, DESA))
    base = f"/desa/peserta/{participant.id}/indikator/A1"
    client.post(base, data={"level": "3", "explanation": "Layanan surat daring, 10 jenis."})
    for data, name in ((files.jpeg(), "foto.jpg"), (files.pdf(), "surat.pdf")):
        response = client.post(
            f"{base}/bukti", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data"
        )
        assert response.status_code == 302


def empty_everything(app: Flask) -> None:
    db.session.remove()
    reset_database()
    db.create_all()
    shutil.rmtree(app.config["EVIDENCE_DIR"])
    Path(app.config["EVIDENCE_DIR"]).mkdir()


def test_backup_and_restore_round_trip(app: Flask, runner: FlaskCliRunner, filled: None, tmp_path: Path) -> None:
    before, files_before = snapshot(), evidence_files(app)
    assert len(files_before) == 3  # the photo, its display copy, the PDF
    assert before["audit_event"]
    archive = tmp_path / "cadangan.tar"
    result = runner.invoke(args=["backup", str(archive)])
    assert result.exit_code == 0, result.output
    assert "3 berkas bukti" in result.output

    empty_everything(app)
    assert evidence_files(app) == {}
    result = runner.invoke(args=["restore", str(archive)])
    assert result.exit_code == 0, result.output
    assert "Jejak audit: utuh" in result.output
    assert snapshot() == before
    assert evidence_files(app) == files_before
    assert verify_chain(db.session).intact
    # New rows after a restore get fresh ids (the PostgreSQL sequences moved past the restored ones).
    db.session.add(User(name="Baru", email="baru@contoh.id", password_hash="x"))
    db.session.commit()


def test_backup_is_readable_by_its_owner_only(runner: FlaskCliRunner, filled: None, tmp_path: Path) -> None:
    path = tmp_path / "cadangan.tar"
    assert runner.invoke(args=["backup", str(path)]).exit_code == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_backup_does_not_overwrite(runner: FlaskCliRunner, tmp_path: Path) -> None:
    target = tmp_path / "ada.tar"
    target.write_bytes(b"lama")
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 1
    assert target.read_bytes() == b"lama"


def rewrite(archive: Path, change: dict[str, bytes | None]) -> None:
    """Rewrite the archive with some members replaced (or removed with None)."""
    with tarfile.open(archive) as source:
        members = {member.name: source.extractfile(member).read() for member in source.getmembers()}  # type: ignore[union-attr]
    members.update(change)
    with tarfile.open(archive, "w") as target:
        for name, data in members.items():
            if data is None:
                continue
            info = tarfile.TarInfo(name)
            info.size = len(data)
            target.addfile(info, io.BytesIO(data))


def member(archive: Path, prefix: str) -> tuple[str, bytes]:
    with tarfile.open(archive) as source:
        for item in source.getmembers():
            if item.name.startswith(prefix):
                return item.name, source.extractfile(item).read()  # type: ignore[union-attr]
    raise AssertionError(prefix)


@pytest.fixture
def archive(app: Flask, runner: FlaskCliRunner, filled: None, tmp_path: Path) -> Path:
    path = tmp_path / "cadangan.tar"
    assert runner.invoke(args=["backup", str(path)]).exit_code == 0
    empty_everything(app)
    return path


def refused(runner: FlaskCliRunner, archive: Path, *extra: str) -> str:
    result = runner.invoke(args=["restore", str(archive), *extra])
    assert result.exit_code == 1, result.output
    assert "Tidak ada yang dipulihkan" in result.output
    assert not any(snapshot()[name] for name in ("user_account", "audit_event", "evidence"))
    return result.output


def test_damaged_part_is_refused_and_named(runner: FlaskCliRunner, archive: Path) -> None:
    name, data = member(archive, "tables/")
    rewrite(archive, {name: data[:-5] + b"XXXXX"})
    assert f"{name}: isinya tidak cocok" in refused(runner, archive)


def test_missing_evidence_file_is_refused(runner: FlaskCliRunner, archive: Path) -> None:
    name, _ = member(archive, "evidence/")
    rewrite(archive, {name: None})
    assert f"{name}: hilang dari arsip" in refused(runner, archive)


def test_truncated_archive_is_refused(runner: FlaskCliRunner, archive: Path) -> None:
    data = archive.read_bytes()
    archive.write_bytes(data[: len(data) // 2])
    refused(runner, archive)


def test_tampered_archive_with_recomputed_hashes_is_refused(runner: FlaskCliRunner, archive: Path) -> None:
    name, data = member(archive, "tables/")
    forged = data.replace(b"Bukit Raya", b"Bukit Jaya") if b"Bukit Raya" in data else data + b"{}\n"
    _, manifest_bytes = member(archive, "manifest.json")
    manifest = json.loads(manifest_bytes)
    for part in manifest["parts"]:
        if part["path"] == name:
            part["sha256"], part["size"] = hashlib.sha256(forged).hexdigest(), len(forged)
    rewrite(archive, {name: forged, "manifest.json": json.dumps(manifest).encode()})
    assert "HMAC" in refused(runner, archive)


def test_restore_into_a_database_that_is_not_empty_is_refused(
    runner: FlaskCliRunner, archive: Path, make_user: MakeUser
) -> None:
    make_user(Role.dpmd, "64.09")
    result = runner.invoke(args=["restore", str(archive)])
    assert result.exit_code == 1
    assert "tidak kosong" in result.output
    assert db.session.scalar(select(db.func.count()).select_from(Evidence)) == 0


def raw_json_columns() -> dict[str, list[tuple[Any, ...]]]:
    """Every JSON column as the database holds it (SQL NULL stays None, JSON null is the text 'null')."""
    from sqlalchemy import JSON, Text, cast

    found: dict[str, list[tuple[Any, ...]]] = {}
    with db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            for column in table.columns:
                if isinstance(column.type, JSON):
                    order = list(table.primary_key.columns)
                    found[f"{table.name}.{column.name}"] = [
                        tuple(row) for row in connection.execute(select(*order, cast(column, Text)).order_by(*order))
                    ]
    return found


def test_restore_keeps_sql_null_apart_from_json_null(
    app: Flask, runner: FlaskCliRunner, filled: None, tmp_path: Path
) -> None:
    from sqlalchemy import JSON, null, update

    photo, pdf = db.session.scalars(select(Evidence).where(Evidence.sha256.is_not(None)).order_by(Evidence.id)).all()[
        :2
    ]
    db.session.execute(update(Evidence).where(Evidence.id == photo.id).values(metadata_json=null()))
    db.session.execute(update(Evidence).where(Evidence.id == pdf.id).values(metadata_json=JSON.NULL))
    db.session.commit()
    before = raw_json_columns()
    assert (photo.id, None) in before["evidence.metadata_json"]
    assert (pdf.id, "null") in before["evidence.metadata_json"]
    archive = tmp_path / "cadangan.tar"
    assert runner.invoke(args=["backup", str(archive)]).exit_code == 0
    empty_everything(app)
    result = runner.invoke(args=["restore", str(archive)])
    assert result.exit_code == 0, result.output
    assert raw_json_columns() == before


def _forge_audit_rows(archive: Path) -> None:
    """Edit an audit event inside the archive and fix the manifest's hashes (its HMAC then no longer matches)."""
    with tarfile.open(archive) as source:
        name = next(item.name for item in source.getmembers() if item.name.endswith("-audit_event.jsonl"))
        data = source.extractfile(name).read()  # type: ignore[union-attr]
    forged = data.replace(b'"action": "evidence.upload"', b'"action": "evidence.remove"', 1)
    forged = forged.replace(b'"action":"evidence.upload"', b'"action":"evidence.remove"', 1)
    assert forged != data
    _, manifest_bytes = member(archive, "manifest.json")
    manifest = json.loads(manifest_bytes)
    for part in manifest["parts"]:
        if part["path"] == name:
            part["sha256"], part["size"] = hashlib.sha256(forged).hexdigest(), len(forged)
    rewrite(archive, {name: forged, "manifest.json": json.dumps(manifest).encode()})


def test_restore_refuses_a_broken_audit_chain(runner: FlaskCliRunner, archive: Path) -> None:
    """Even with --accept-other-key, an archive whose audit chain does not verify is not restored."""
    _forge_audit_rows(archive)
    output = refused(runner, archive, "--accept-other-key")
    assert "Jejak audit di arsip RUSAK" in output


def test_restore_with_another_audit_key_refused_unless_overridden_and_audited(
    app: Flask, runner: FlaskCliRunner, archive: Path
) -> None:
    """An archive from an installation with another audit key does not verify here: refused; restored only with
    --accept-broken-audit, and that override is itself in the trail."""
    app.config["AUDIT_KEY"] = "kunci-audit-instalasi-lain-yang-panjang"
    assert "Jejak audit di arsip RUSAK" in refused(runner, archive)
    result = runner.invoke(args=["restore", str(archive), "--accept-broken-audit"])
    assert result.exit_code == 0, result.output
    assert "Jejak audit: RUSAK" in result.output
    [override] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "backup.restore_broken")).all()
    assert json.loads(override.after_json or "{}")["archive"] == archive.name
