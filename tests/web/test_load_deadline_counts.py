"""The deadline-day load test's SQL count (bench/load_deadline.py): it finds every acknowledged write exactly once,
and it notices a lost or unacknowledged one. The bench itself is not a test; its counting is."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from assessment.desa import operations
from assessment.models import Role
from assessment.platform.storage import get_store
from assessment.platform.wita import now_utc
from assessment.repo import rubric_of
from bench.load_deadline import Upload, count_operator_writes
from tests.conftest import MakeUser
from tests.support import files
from tests.support.competition import create_competition

DESA = {"64.09.04.2002": "Bukit Raya", "64.09.04.2003": "Semoi Dua"}


def _seeded(make_user: MakeUser) -> tuple[dict[tuple[int, str], list[tuple[float, str]]], list[Upload]]:
    """Two desa: the first saves A1 twice, uploads a photo (and taps twice), the second uploads the same photo."""
    _competition, (first, second) = create_competition(desa=DESA)
    rubric = rubric_of(first.competition.rubric)
    one = make_user(Role.operator_desa, first.desa_code)
    two = make_user(Role.operator_desa, second.desa_code)
    saves = {(first.id, "A1"): [(1.0, "pertama"), (2.0, "kedua")]}
    for _when, note in saves[(first.id, "A1")]:
        operations.save_self_assessment(first, rubric, "A1", 2, note, one, now_utc())
    photo = files.jpeg()
    store = get_store()
    made = operations.add_evidence_file(first, rubric, "A1", photo, "foto.jpg", one, now_utc(), store, 2**24)
    again = operations.add_evidence_file(first, rubric, "A1", photo, "foto.jpg", one, now_utc(), store, 2**24)
    other = operations.add_evidence_file(second, rubric, "A2", photo, "foto.jpg", two, now_utc(), store, 2**24)
    sha = made.evidence.sha256
    uploads = [
        Upload(first.id, "A1", sha, made.evidence.id, made.created, True),
        Upload(first.id, "A1", sha, again.evidence.id, again.created, True),
        Upload(second.id, "A2", sha, other.evidence.id, other.created),
    ]
    return saves, uploads


def _problems(counts: dict[str, int]) -> dict[str, int]:
    return {name: value for name, value in counts.items() if name.startswith("problem_") and value}


def test_deadline_count_finds_every_acknowledged_write_once(app: Flask, make_user: MakeUser) -> None:
    saves, uploads = _seeded(make_user)
    counts = count_operator_writes(
        app.config["SQLALCHEMY_DATABASE_URI"],
        saves,
        uploads,
        Path(app.config["EVIDENCE_DIR"]),
        secret_key=app.config["SECRET_KEY"],
    )
    assert _problems(counts) == {}
    assert (
        counts["acked_saves"],
        counts["save_events"],
        counts["acked_uploads"],
        counts["evidence_rows"],
        counts["double_taps"],
        counts["files_shared_by_two_desa"],
    ) == (2, 2, 3, 2, 1, 1)


def test_deadline_count_reports_lost_unacknowledged_and_unsigned_writes(app: Flask, make_user: MakeUser) -> None:
    saves, uploads = _seeded(make_user)
    first_id = uploads[0].participant_id
    # A save acknowledged after the last stored one, and an upload acknowledged with a row that does not exist.
    saves[(first_id, "A1")].append((3.0, "hilang"))
    uploads.append(Upload(first_id, "A2", "0" * 64, 10_000, True))
    counts = count_operator_writes(
        app.config["SQLALCHEMY_DATABASE_URI"], saves, uploads, Path(app.config["EVIDENCE_DIR"]), secret_key="kunci-lain"
    )
    assert _problems(counts) == {
        "problem_acked_save_without_one_event": 1,
        "problem_version_not_equal_to_acked_saves": 1,
        "problem_last_acked_save_not_stored": 1,
        "problem_acked_upload_not_stored_as_sent": 1,
        "problem_upload_without_one_event": 1,
        # Another key than the server's: every signed event fails its MAC.
        "problem_audit_chain_broken": 1,
    }
    # The second desa's upload was never acknowledged to the bench: a stored row nobody was told about.
    counts = count_operator_writes(
        app.config["SQLALCHEMY_DATABASE_URI"],
        saves,
        uploads[:2],
        Path(app.config["EVIDENCE_DIR"]),
        secret_key=app.config["SECRET_KEY"],
    )
    assert counts["problem_row_no_acked_upload_named"] == 1
