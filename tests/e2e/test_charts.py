"""The example chart page draws its charts in a real browser, offline, under the page's Content-Security-Policy."""

from __future__ import annotations

import io
import os
from pathlib import Path
from urllib.parse import urlparse

import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, expect

pytestmark = pytest.mark.e2e


def test_example_charts_render_with_no_console_error_and_no_outside_request(page: Page, live_server: str) -> None:
    problems: list[str] = []
    requested: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("request", lambda request: requested.append(request.url))

    page.goto(f"{live_server}/grafik/contoh")
    page.wait_for_selector("[data-figure][data-drawn='true'] svg.main-svg", timeout=30_000)
    plots = page.locator("[data-figure]")
    assert plots.count() == 2
    # Both charts drawn (charts.js marks each when plotly's promise resolves).
    expect(page.locator("[data-figure][data-drawn='true']")).to_have_count(2, timeout=30_000)
    # The bar chart: five bars in an svg inside the plot's div.
    bar_plot = plots.nth(0)
    assert bar_plot.locator("svg.main-svg g.point").count() == 5
    # The map: drawn by MapLibre on a canvas, with no tile server.
    map_plot = plots.nth(1)
    assert map_plot.locator("canvas").count() >= 1
    # The regions were fetched by URL and painted: the map's pixels hold many colours, not a blank canvas.
    page.wait_for_timeout(1000)
    image = Image.open(io.BytesIO(map_plot.locator("canvas").first.screenshot())).convert("RGB")
    assert len(image.getcolors(maxcolors=1_000_000) or []) > 20
    # Each chart's table is one click away ("Lihat tabel", a <details>), with Indonesian numbers.
    assert page.locator("figure.chart table").count() == 2
    expect(page.locator("figure.chart table").first).to_be_hidden()
    page.get_by_text("Lihat tabel").first.click()
    assert "," in page.locator("figure.chart table td.num").nth(1).inner_text()

    assert problems == []
    outside = [
        url
        for url in requested
        if urlparse(url).scheme in ("http", "https", "ws", "wss") and urlparse(url).hostname != "127.0.0.1"
    ]
    assert outside == []
    assert any("/grafik/plotly-" in url for url in requested)
    assert any(url.endswith("/grafik/contoh/desa.geojson") for url in requested)
    assert any(url.endswith("/grafik/contoh/kecamatan.geojson") for url in requested)


def test_example_page_passes_axe_wcag_a_and_aa(browser: Browser, live_server: str) -> None:
    axe_js = os.environ.get("AXE_JS")
    if not axe_js or not Path(axe_js).is_file():
        pytest.skip("AXE_JS tidak diset (make pytest mengunduh axe-core)")
    # axe is injected as a script: only this test's context bypasses the page's CSP to allow it.
    context = browser.new_context(bypass_csp=True)
    try:
        page = context.new_page()
        page.goto(f"{live_server}/grafik/contoh")
        expect(page.locator("[data-figure][data-drawn='true']")).to_have_count(2, timeout=30_000)
        page.add_script_tag(path=axe_js)
        result = page.evaluate(
            "async () => await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']}})"
        )
    finally:
        context.close()
    assert len(result["passes"]) > 10  # axe did run its rules
    violations = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]]
    assert violations == []
