"""A DPMD dashboard in a real browser: charts and the map draw offline, a desa opens from the map (its
why-this-rank page, results being published), axe is clean."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, expect

from assessment.auth.operations import GrantSpec, create_user
from assessment.dashboard.maps import warm_display_geojson
from assessment.models import RegionKind, Role, User
from assessment.platform.extensions import db
from assessment.regions.operations import import_boundaries, parse_boundaries
from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import RequestLog, axe_violations
from tests.support.competition import ensure_region
from tests.support.results import BUKIT, results_world

pytestmark = pytest.mark.e2e

PPU = "64.09"
DPMD_EMAIL = "dpmd.ppu@ppu.go.id"
DESKTOP = {"width": 1280, "height": 900}
KINDS = {
    "kecamatan": RegionKind.kecamatan,
    "desa": RegionKind.desa,
    "kelurahan": RegionKind.kelurahan,
    "desa_adat": RegionKind.desa_adat,
}


def _make_user(
    role: Role | None = None,
    region_code: str | None = None,
    *,
    home_region_code: str | None = None,
    name: str | None = None,
    **_ignored: Any,
) -> User:
    """The test factory's signature (tests/conftest.py make_user) for the live app's database."""
    assert role is not None and region_code is not None
    ensure_region(
        region_code, f"Wilayah {region_code}", RegionKind.provinsi if "." not in region_code else RegionKind.kabupaten
    )
    if home_region_code:
        ensure_region(home_region_code, f"Wilayah {home_region_code}", RegionKind.kota)
    slug = (name or role.value).lower().replace(" ", ".")
    return create_user(
        name or role.value, f"{slug}@contoh.id", TEST_PASSWORD, [GrantSpec(role, region_code, home_region_code)]
    )


@pytest.fixture
def seeded(live_app: Flask, data_dir: Path) -> dict[str, str]:
    """The scored world of tests/support/results.py, published; PPU's regions and boundaries imported."""
    with live_app.app_context():
        world = results_world(_make_user)
        world.competition.results_published_at = datetime.now(UTC)
        create_user("DPMD PPU", DPMD_EMAIL, TEST_PASSWORD, [GrantSpec(Role.dpmd, PPU)])
        centres: dict[str, tuple[float, float]] = {}
        for layer in ("kecamatan", "desa"):
            document = json.loads((data_dir / f"batas-kaltim-{layer}.geojson").read_text("utf-8"))
            features = [f for f in document["features"] if f["properties"]["kode"].startswith(PPU + ".")]
            for feature in features:
                props = feature["properties"]
                ensure_region(props["kode"], props["nama"], KINDS[props["tingkat"]])
                centres[props["kode"]] = (props["pusat_lng"], props["pusat_lat"])
            db.session.commit()
            pairs, problems = parse_boundaries(json.dumps({"type": "FeatureCollection", "features": features}))
            assert problems == []
            import_boundaries(pairs)
        warm_display_geojson([PPU])
        lng, lat = centres[BUKIT]
        return {"dashboard": f"/dasbor/{world.competition.id}/{PPU}", "lng": str(lng), "lat": str(lat)}


def _signed_in(
    browser: Browser, live_server: str, **context_args: Any
) -> tuple[BrowserContext, Page, RequestLog, list[str]]:
    context = browser.new_context(viewport=DESKTOP, base_url=live_server, locale="id-ID", **context_args)
    page = context.new_page()
    log = RequestLog()
    problems: list[str] = []
    page.on("request", log.record)
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto("/masuk")
    page.get_by_label("Email").fill(DPMD_EMAIL)
    page.get_by_label("Kata sandi").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_load_state()
    assert "/masuk" not in page.url
    return context, page, log, problems


def _wait_for_charts(page: Page) -> None:
    plots = page.locator("[data-figure]")
    expect(page.locator("[data-figure][data-drawn='true']")).to_have_count(plots.count(), timeout=60_000)


def _click_bukit(page: Page, seeded: dict[str, str]) -> None:
    """Click Bukit Raya with the mouse where the map projects its centre point."""
    page.locator("[data-click-url]").scroll_into_view_if_needed()
    page.wait_for_timeout(1500)  # MapLibre paints the fetched regions after the figure resolves
    point = page.evaluate(
        """([lng, lat]) => {
             const plot = document.querySelector('[data-click-url]');
             const map = plot._fullLayout.map._subplot.map;
             const p = map.project([lng, lat]);
             const box = map.getCanvas().getBoundingClientRect();
             return {x: box.left + p.x, y: box.top + p.y};
           }""",
        [float(seeded["lng"]), float(seeded["lat"])],
    )
    page.mouse.move(point["x"], point["y"])
    page.wait_for_timeout(300)
    page.mouse.click(point["x"], point["y"])


def test_dashboard_and_map_render_offline_and_a_desa_opens_from_the_map(
    browser: Browser, live_server: str, seeded: dict[str, str]
) -> None:
    context, page, log, problems = _signed_in(browser, live_server)
    try:
        page.goto(seeded["dashboard"])
        _wait_for_charts(page)
        # Funnel, index, predikat, aspects, heatmap, coverage and the map: every one drawn, each with its table.
        assert page.locator("[data-figure]").count() == 7
        assert page.locator("figure.chart table").count() == 7
        map_plot = page.locator("[data-click-url]")
        expect(map_plot.locator("canvas").first).to_be_visible()
        # The map's regions came from the dashboard's own GeoJSON endpoint; the library once, from this server.
        assert any(url.endswith(f"{seeded['dashboard']}/peta/desa.geojson") for url in log.urls)
        assert any(url.endswith(f"{seeded['dashboard']}/peta/kecamatan.geojson") for url in log.urls)
        assert sum("/grafik/plotly-" in url for url in log.urls) == 1
        # On the kabupaten's map Bukit Raya opens its kecamatan's dashboard; there, its own page.
        _click_bukit(page, seeded)
        page.wait_for_url(f"**/dasbor/*/{BUKIT.rsplit('.', 1)[0]}", timeout=15_000)
        expect(page.get_by_role("heading", level=1)).to_contain_text("Dasbor")
        _wait_for_charts(page)
        _click_bukit(page, seeded)
        page.wait_for_url(f"**/hasil/*/desa/{BUKIT}", timeout=15_000)
        expect(page.get_by_role("heading", level=1)).to_contain_text("Bukit Raya")
        assert problems == []
        log.assert_local()
    finally:
        context.close()


def test_a_desa_opens_from_the_maps_link_list(browser: Browser, live_server: str, seeded: dict[str, str]) -> None:
    context, page, log, problems = _signed_in(browser, live_server)
    try:
        page.goto(seeded["dashboard"] + "?warna=predikat")
        _wait_for_charts(page)
        page.get_by_text("Buka halaman desa (daftar)").click()
        page.locator("ul.map-links").get_by_role("link", name="Bukit Raya").click()
        page.wait_for_url(f"**/hasil/*/desa/{BUKIT}")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Bukit Raya")
        assert problems == []
        log.assert_local()
    finally:
        context.close()


def test_dashboard_passes_axe_wcag_a_and_aa(
    browser: Browser, live_server: str, seeded: dict[str, str], axe_js: Path
) -> None:
    # axe is injected as a script: only this context bypasses the page's CSP to allow it.
    context, page, _log, _problems = _signed_in(browser, live_server, bypass_csp=True)
    try:
        page.goto(seeded["dashboard"])
        _wait_for_charts(page)
        assert axe_violations(page, axe_js) == []
    finally:
        context.close()
