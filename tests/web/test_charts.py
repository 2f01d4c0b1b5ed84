"""plotly.js served by the app, the chart CSP only where charts are drawn, and the example page."""

from __future__ import annotations

import gzip
import html
import json
import re
from pathlib import Path

import plotly
from flask.testing import FlaskClient

from assessment.charts.routes import PLOTLY_VERSION

PLOTLY_URL = f"/grafik/plotly-{PLOTLY_VERSION}.min.js"
PLOTLY_FILE = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def test_plotly_is_served_from_the_installed_package_with_a_long_cache(client: FlaskClient) -> None:
    response = client.get(PLOTLY_URL)
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.data == PLOTLY_FILE.read_bytes()
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["ETag"]
    assert "Accept-Encoding" in response.headers["Vary"]


def test_plotly_is_sent_compressed_to_browsers_that_accept_gzip(client: FlaskClient) -> None:
    response = client.get(PLOTLY_URL, headers={"Accept-Encoding": "gzip, deflate"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert len(response.data) < PLOTLY_FILE.stat().st_size / 2
    assert gzip.decompress(response.data) == PLOTLY_FILE.read_bytes()


def test_a_browser_with_the_file_gets_not_modified(client: FlaskClient) -> None:
    etag = client.get(PLOTLY_URL).headers["ETag"]
    again = client.get(PLOTLY_URL, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""


def test_another_plotly_version_is_not_found(client: FlaskClient) -> None:
    assert client.get("/grafik/plotly-0.0.1.min.js").status_code == 404


def test_chart_pages_allow_inline_styles_and_other_pages_do_not(client: FlaskClient) -> None:
    chart_policy = client.get("/grafik/contoh").headers["Content-Security-Policy"]
    assert "style-src 'self' 'unsafe-inline'" in chart_policy
    assert "worker-src 'self' blob:" in chart_policy
    assert "script-src 'self';" in chart_policy  # scripts stay same-origin only
    landing_policy = client.get("/").headers["Content-Security-Policy"]
    assert "style-src 'self';" in landing_policy
    assert "unsafe-inline" not in landing_policy
    assert "worker-src" not in landing_policy


def test_example_page_is_labelled_and_every_chart_has_its_table(client: FlaskClient) -> None:
    page = client.get("/grafik/contoh").get_data(as_text=True)
    assert "Contoh." in page
    assert "bukan hasil penilaian" in page
    figures = re.findall(r'data-figure="([^"]*)"', page)
    assert len(figures) == 2
    for encoded in figures:
        figure = json.loads(html.unescape(encoded))
        assert figure["layout"]["separators"] == ",."
    assert page.count("<table>") == 2
    assert "Tabel: Sebaran predikat" in page
    # Indonesian percentages in the table (one decimal, comma).
    assert re.search(r'<td class="num">\d+,\d%</td>', page)
    assert f'src="{PLOTLY_URL}"' in page
    assert 'src="/static/js/charts.js"' in page
    assert "<script>" not in page  # no inline script: CSP script-src 'self'


def test_the_map_on_the_example_page_uses_no_tile_server(client: FlaskClient) -> None:
    page = client.get("/grafik/contoh").get_data(as_text=True)
    figure = json.loads(html.unescape(re.findall(r'data-figure="([^"]*)"', page)[1]))
    assert figure["layout"]["map"]["style"] == "white-bg"
    assert {trace["type"] for trace in figure["data"]} == {"choroplethmap"}
    assert figure["data"][0]["geojson"] == "/grafik/contoh/desa.geojson"


def test_the_example_regions_are_served_as_cacheable_geojson(client: FlaskClient) -> None:
    response = client.get("/grafik/contoh/desa.geojson")
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    document = response.get_json(force=True)
    assert len(document["features"]) == 18
    assert all(f["properties"]["kode"].startswith("99.") for f in document["features"])
    again = client.get("/grafik/contoh/desa.geojson", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    assert "max-age=3600" in response.headers["Cache-Control"]
    assert client.get("/grafik/contoh/lain.geojson").status_code == 404


def test_template_filters_format_numbers_the_indonesian_way(app) -> None:
    render = app.jinja_env.from_string(
        "{{ 1234.5 | angka(2) }}|{{ 841 | sel('integer') }}|{{ 81.255 | sel('decimal') }}|{{ 0.125 | sel('percent') }}"
        "|{{ none | sel('decimal') }}|{{ 'TB' | sel('decimal') }}|{{ '64.09' | sel('code') }}"
    ).render
    assert render() == "1.234,50|841|81,26|12,5%|–|TB|64.09"
