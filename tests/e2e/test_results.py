"""Results pages in a real browser: a kecamatan ranking with its chart, why-this-rank adding up, offline, accessible."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from assessment.auth.operations import GrantSpec, create_user
from assessment.models import RegionKind, Role, User
from assessment.platform.extensions import db
from tests.e2e.conftest import axe_violations
from tests.support.competition import ensure_region
from tests.support.results import BUKIT, SEMOI, results_world

pytestmark = pytest.mark.e2e
_numbers = itertools.count(1)


@pytest.fixture
def published(live_app: Flask) -> int:
    """The results world, published; the competition's id."""

    def make_user(role: Role, region_code: str, *, home_region_code: str | None = None, name: str = "") -> User:
        ensure_region(region_code, f"Wilayah {region_code}", RegionKind.provinsi)
        if home_region_code:
            ensure_region(home_region_code, "Kota Samarinda", RegionKind.kota)
        number = next(_numbers)
        return create_user(
            name or f"Pengguna {number}",
            f"hasil{number}@contoh.id",
            "sandi-uji-panjang-123",
            [GrantSpec(role, region_code, home_region_code)],
        )

    with live_app.app_context():
        world = results_world(make_user)
        world.competition.results_published_at = datetime.now(UTC)
        db.session.commit()
        return world.competition.id


def watch(page: Page) -> tuple[list[str], list[str]]:
    problems: list[str] = []
    requested: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("request", lambda request: requested.append(request.url))
    return problems, requested


def outside(requested: list[str], live_server: str) -> list[str]:
    return [url for url in requested if not url.startswith(live_server) and not url.startswith(("data:", "blob:"))]


def number(text: str) -> Decimal:
    return Decimal(text.strip().replace(".", "").replace(",", "."))


def test_kecamatan_ranking_page(page: Page, live_server: str, published: int) -> None:
    problems, requested = watch(page)
    page.goto(f"{live_server}/hasil/{published}/peringkat/64.09.04")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Peringkat Kecamatan")
    rows = page.locator("table.ranking tbody tr")
    expect(rows).to_have_count(2)
    assert rows.nth(0).locator("th").inner_text().startswith("Semoi Dua")
    assert "95,00" in rows.nth(0).inner_text() and "70,00" in rows.nth(1).inner_text()
    # Every chart is drawn (by the app's own plotly.js) and has its table beside it.
    expect(page.locator("[data-figure][data-drawn='true']")).to_have_count(2, timeout=30_000)
    assert page.locator("figure.chart table").count() == 2
    page.get_by_role("link", name="Bukit Raya").click()
    expect(page).to_have_url(f"{live_server}/hasil/{published}/desa/{BUKIT}")
    assert problems == []
    assert outside(requested, live_server) == []
    assert any("/grafik/plotly-" in url for url in requested)


def test_why_this_rank_adds_up(page: Page, live_server: str, published: int) -> None:
    problems, requested = watch(page)
    for code in (SEMOI, BUKIT):
        page.goto(f"{live_server}/hasil/{published}/desa/{code}")
        index = number(page.get_by_test_id("indeks").inner_text())
        contributions = [number(text) for text in page.get_by_test_id("contribution").all_inner_texts()]
        total = number(page.get_by_test_id("total").inner_text())
        aspects = [number(text) for text in page.get_by_test_id("aspect-points").all_inner_texts()]
        assert len(contributions) == 2
        assert sum(contributions) == index == total == sum(aspects)
    assert index == Decimal("70.00")
    assert problems == []
    assert outside(requested, live_server) == []


@pytest.mark.parametrize("path", ["peringkat/64.09.04", f"desa/{BUKIT}"])
def test_results_pages_pass_axe(browser: Browser, live_server: str, published: int, axe_js: Path, path: str) -> None:
    context = browser.new_context(bypass_csp=True)
    try:
        page = context.new_page()
        page.goto(f"{live_server}/hasil/{published}/{path}")
        if path.startswith("peringkat"):
            expect(page.locator("[data-figure][data-drawn='true']")).to_have_count(2, timeout=30_000)
        violations: list[dict[str, Any]] = axe_violations(page, axe_js)
    finally:
        context.close()
    assert violations == []
