"""``desa-digital evidence purge``: files past the retention period go, rows and hashes stay."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from assessment.models import AuditEvent, Evidence, EvidencePurge, Role
from assessment.platform.extensions import db
from assessment.platform.storage import get_store
from tests.conftest import Login, MakeUser
from tests.support import files
from tests.support.competition import create_competition

DESA = "64.09.04.2002"


@pytest.fixture
def uploads(app: Flask, make_user: MakeUser, login: Login) -> dict[str, Evidence]:
    """An old photo, an old PDF whose bytes were uploaded again recently, and a recent PDF."""
    _, [participant] = create_competition(desa={DESA: "Bukit Raya"})
    client = login(app.test_client(), make_user(Role.operator_desa, DESA))
    shared = files.pdf(pages=2)
    for code, data, name in (
        ("A1", files.jpeg(), "lama.jpg"),
        ("A1", shared, "lama.pdf"),
        ("A2", shared, "ulang.pdf"),
        ("A2", files.pdf(), "baru.pdf"),
    ):
        response = client.post(
            f"/desa/peserta/{participant.id}/indikator/{code}/bukti",
            data={"file": (io.BytesIO(data), name)},
            content_type="multipart/form-data",
        )
        assert response.status_code == 302
    rows = {row.original_name: row for row in db.session.scalars(db.select(Evidence))}
    old = datetime.now(UTC) - timedelta(days=400)
    rows["lama.jpg"].uploaded_at = old
    rows["lama.pdf"].uploaded_at = old
    db.session.commit()
    return rows  # type: ignore[return-value]


def test_purge_deletes_expired_files_and_keeps_rows_and_hashes(
    app: Flask, runner: FlaskCliRunner, uploads: dict[str, Evidence]
) -> None:
    store = get_store()
    photo, old_pdf, again, recent = (uploads[name] for name in ("lama.jpg", "lama.pdf", "ulang.pdf", "baru.pdf"))
    assert photo.display_sha256 and store.exists(photo.display_sha256)
    dry = runner.invoke(args=["evidence", "purge", "--days", "365", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert store.exists(photo.sha256 or "")
    result = runner.invoke(args=["evidence", "purge", "--days", "365"])
    assert result.exit_code == 0, result.output
    assert "berkas dari 2 bukti dihapus (2 berkas" in result.output
    assert not store.exists(photo.sha256 or "") and not store.exists(photo.display_sha256 or "")
    # The same bytes were uploaded again within the period: kept for the newer upload.
    assert old_pdf.sha256 == again.sha256 and store.exists(old_pdf.sha256 or "")
    assert store.exists(recent.sha256 or "")
    db.session.refresh(photo)
    assert photo.sha256 and len(photo.sha256) == 64
    purged = {row.evidence_id for row in db.session.scalars(db.select(EvidencePurge))}
    assert purged == {photo.id, old_pdf.id}
    events = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "evidence.purge")).all()
    assert {event.target for event in events} == {f"evidence:{photo.id}", f"evidence:{old_pdf.id}"}
    again_run = runner.invoke(args=["evidence", "purge", "--days", "365"])
    assert "berkas dari 0 bukti" in again_run.output


def test_purge_needs_a_retention_period(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["evidence", "purge"])
    assert result.exit_code == 2
    assert "Masa simpan belum ditetapkan" in result.output


def test_purged_evidence_is_no_longer_served(
    app: Flask, runner: FlaskCliRunner, uploads: dict[str, Evidence], make_user: MakeUser, login: Login
) -> None:
    runner.invoke(args=["evidence", "purge", "--days", "365"])
    client = login(app.test_client(), make_user(Role.panitia, "64"))
    response = client.get(f"/desa/bukti/{uploads['lama.jpg'].id}/unduh")
    assert response.status_code == 404
    response.close()
