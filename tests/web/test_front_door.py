"""The public front door (issue 12, point 6): current competitions with their stage and its deadline in WITA, the
published results of past editions, and a field to check a document by its code."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient

from assessment.main.front import front_door, stage_now
from assessment.models import Competition, Stage, StageCode
from assessment.platform.extensions import db
from assessment.platform.wita import format_wita
from tests.support.competition import create_competition

NOW = datetime(2026, 6, 10, 4, 0, tzinfo=UTC)


def stage(code: StageCode, starts: int, ends: int) -> Stage:
    return Stage(code=code, starts_at=NOW + timedelta(days=starts), ends_at=NOW + timedelta(days=ends))


def test_stage_now() -> None:
    stages = [stage(StageCode.pendaftaran, -10, -2), stage(StageCode.penilaian_mandiri, 3, 20)]
    assert stage_now(stages, NOW) == (stages[1], False)  # between two stages: the next one, not open
    assert stage_now(stages, NOW - timedelta(days=5)) == (stages[0], True)
    assert stage_now(stages, NOW - timedelta(days=2)) == (stages[1], False)  # the end instant is excluded
    assert stage_now(stages, NOW + timedelta(days=3)) == (stages[1], True)  # the start instant is included
    assert stage_now(stages, NOW + timedelta(days=20)) is None


def test_front_door() -> None:
    running = Competition(id=3, name="Lomba 2026", year=2026, scope_region_code="64")
    running.stages = [stage(StageCode.penilaian_mandiri, -1, 5)]
    published = Competition(id=2, name="Lomba 2025", year=2025, scope_region_code="64", results_published_at=NOW)
    published.stages = [stage(StageCode.penilaian_mandiri, -300, -200)]
    unpublished = Competition(id=1, name="Lomba 2024", year=2024, scope_region_code="64")
    unpublished.stages = [stage(StageCode.penilaian_mandiri, -600, -500)]
    current, past = front_door([unpublished, published, running], NOW)
    assert [(item.competition.name, item.stage_code, item.open) for item in current] == [
        ("Lomba 2026", StageCode.penilaian_mandiri, True)
    ]
    assert [competition.name for competition in past] == ["Lomba 2025"]


def test_the_landing_page_lists_current_competitions_and_past_results(app: Flask, client: FlaskClient) -> None:
    competition, _ = create_competition(opens=timedelta(days=-1), closes=timedelta(days=5))
    old, _ = create_competition(opens=timedelta(days=-400), closes=timedelta(days=-380), desa={})
    old.name, old.year, old.results_published_at = "Lomba Desa Digital 2025", 2025, datetime.now(UTC)
    db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert f"Tahap sekarang: Penilaian mandiri, sampai {format_wita(competition.stages[0].ends_at)}" in page
    assert "Hasil edisi sebelumnya" in page and "Lomba Desa Digital 2025" in page
    assert f"/hasil/{old.id}/peringkat/64" in page


def test_the_document_field_leads_to_the_verification_page(app: Flask, client: FlaskClient) -> None:
    response = client.get("/periksa", query_string={"kode": "abcd-efgh ijkl-mn23"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/verifikasi/ABCDEFGHIJKLMN23")
    refused = client.get("/periksa", query_string={"kode": "bukan kode"})
    assert refused.status_code == 422
    assert "Kode dokumen terdiri dari 16 huruf" in refused.get_data(as_text=True)
