"""The demo as a newcomer meets it: `desa-digital demo`, then DPMD's dashboard draws the PPU map from the region
data shipped in the repository (data/wilayah/), with no other set-up."""

from __future__ import annotations

import json

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from assessment.demo.regions_ppu import PPU_REGIONS
from assessment.models import Competition
from assessment.platform.extensions import db
from tests.e2e.conftest import RequestLog

pytestmark = pytest.mark.e2e

PPU = "64.09"
DESKTOP = {"width": 1366, "height": 768}


def _demo(live_app: Flask) -> tuple[str, str, int]:
    """Run the demo command; the DPMD account's e-mail and password (from its output) and last year's edition."""
    with live_app.app_context():
        result = live_app.test_cli_runner().invoke(args=["demo"])
        assert result.exit_code == 0, result.output
        dpmd = next(line.split() for line in result.output.splitlines() if line.strip().startswith("dpmd "))
        editions = db.session.scalars(db.select(Competition).order_by(Competition.year)).all()
        previous = editions[-2].id  # the newest finished edition; this year's is still in self-assessment
    return dpmd[2], dpmd[3], previous


def test_the_demo_dashboard_draws_the_ppu_desa_on_its_map(browser: Browser, live_app: Flask, live_server: str) -> None:
    email, password, competition_id = _demo(live_app)
    context = browser.new_context(viewport=DESKTOP, base_url=live_server, locale="id-ID")
    page = context.new_page()
    log = RequestLog()
    page.on("request", log.record)
    try:
        page.goto("/masuk")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Kata sandi").fill(password)
        page.get_by_role("button", name="Masuk").click()
        page.wait_for_load_state()
        with page.expect_response(lambda response: response.url.endswith("/peta/desa.geojson")) as answer:
            page.goto(f"/dasbor/{competition_id}/{PPU}")
        regions = json.loads(answer.value.body())
        expected = sorted(code for code, _name, kind in PPU_REGIONS if kind in ("desa", "kelurahan"))
        assert sorted(feature["properties"]["kode"] for feature in regions["features"]) == expected
        expect(page.get_by_text("batas wilayah untuk daerah ini belum dimuat")).to_have_count(0)
        map_plot = page.locator("[data-click-url]")
        expect(map_plot.locator("canvas").first).to_be_visible(timeout=60_000)
        # Every desa taking part is coloured on the map: its code is one of the choropleth's locations.
        coloured = page.evaluate("() => document.querySelector('[data-click-url]').data[0].locations")
        assert coloured and set(coloured) <= set(expected)
        log.assert_local()
    finally:
        context.close()


def _click_first_desa(page: Page, grey: bool = False) -> str:
    """Click a desa with the mouse, a coloured one (a result: its customdata carries more than the code) or with
    ``grey`` one without a result: the first pixel (on a coarse grid) where the map renders one; returns its code."""
    found = page.evaluate(
        """(grey) => {
            const plot = document.querySelector('[data-click-url]');
            const map = plot._fullLayout.map._subplot.map;
            const layers = plot._fullData
                .filter((t) => t.customdata && (t.customdata[0].length < 2) === grey)
                .map((t) => `plotly-trace-layer-${t.uid}-fill`);
            const box = map.getCanvas().getBoundingClientRect();
            for (let y = 20; y < box.height - 20; y += 6) {
                for (let x = 20; x < box.width - 20; x += 6) {
                    if (map.queryRenderedFeatures([x, y], {layers: layers}).length) {
                        return {x: box.left + x, y: box.top + y};
                    }
                }
            }
            return null;
        }""",
        grey,
    )
    assert found is not None, "no such desa drawn on the map"
    page.mouse.move(found["x"] - 3, found["y"])
    page.mouse.move(found["x"], found["y"])
    # The desa under the pointer, as plotly's hover found it: the one the click opens.
    page.wait_for_function("() => (document.querySelector('[data-click-url]')._hoverdata || []).length > 0")
    kode = page.evaluate("() => document.querySelector('[data-click-url]')._hoverdata[0].customdata[0]")
    page.mouse.click(found["x"], found["y"])
    return str(kode)


def test_clicking_a_desa_on_the_map_opens_the_dashboard_one_level_down(
    browser: Browser, live_app: Flask, live_server: str
) -> None:
    """DPMD PPU: on its kabupaten's map a desa opens its kecamatan's dashboard; there, the desa's own page."""
    email, password, competition_id = _demo(live_app)
    context = browser.new_context(viewport=DESKTOP, base_url=live_server, locale="id-ID")
    page = context.new_page()
    try:
        page.goto("/masuk")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Kata sandi").fill(password)
        page.get_by_role("button", name="Masuk").click()
        page.wait_for_load_state()
        page.goto(f"/dasbor/{competition_id}/{PPU}")
        expect(page.locator("[data-click-url][data-drawn='true']")).to_have_count(1, timeout=60_000)
        with page.expect_navigation():
            desa = _click_first_desa(page)
        kecamatan = ".".join(desa.split(".")[:3])
        assert page.url.endswith(f"/dasbor/{competition_id}/{kecamatan}")
        expect(page.locator("p.crumbs [aria-current='page']")).to_have_text(dict(_names())[kecamatan])
        # On the kecamatan's dashboard there is no level below: the desa's own page opens.
        expect(page.locator("[data-click-url][data-drawn='true']")).to_have_count(1, timeout=60_000)
        with page.expect_navigation():
            desa = _click_first_desa(page)
        assert desa.startswith(kecamatan + ".")
        assert f"/{desa}" in page.url and "/dasbor/" not in page.url
    finally:
        context.close()


def test_a_desa_without_a_result_drills_down_but_opens_no_page_of_its_own(
    browser: Browser, live_app: Flask, live_server: str
) -> None:
    """DPMD PPU: a grey desa or kelurahan (not taking part) on the kabupaten's map opens its kecamatan's dashboard as
    a coloured one does; on the kecamatan's dashboard a click on it stays put (it has no results page)."""
    email, password, competition_id = _demo(live_app)
    context = browser.new_context(viewport=DESKTOP, base_url=live_server, locale="id-ID")
    page = context.new_page()
    try:
        page.goto("/masuk")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Kata sandi").fill(password)
        page.get_by_role("button", name="Masuk").click()
        page.wait_for_load_state()
        page.goto(f"/dasbor/{competition_id}/{PPU}")
        expect(page.locator("[data-click-url][data-drawn='true']")).to_have_count(1, timeout=60_000)
        with page.expect_navigation():
            region = _click_first_desa(page, grey=True)
        kecamatan = ".".join(region.split(".")[:3])
        assert page.url.endswith(f"/dasbor/{competition_id}/{kecamatan}")
        expect(page.locator("[data-click-url][data-drawn='true']")).to_have_count(1, timeout=60_000)
        _click_first_desa(page, grey=True)
        page.wait_for_timeout(1000)
        assert page.url.endswith(f"/dasbor/{competition_id}/{kecamatan}")
    finally:
        context.close()


def _names() -> list[tuple[str, str]]:
    return [(code, name) for code, name, _kind in PPU_REGIONS]
