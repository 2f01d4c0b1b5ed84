"""plotly.js from the installed package with a year-long cache, the chart template filters, and /grafik/contoh."""

from __future__ import annotations

import functools
import gzip
from pathlib import Path
from typing import Any

import plotly
from flask import Blueprint, Response, abort, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from assessment.charts.sample import SAMPLE_PREDIKAT, sample_geojson, sample_results
from assessment.exports.spreadsheet import ColumnKind
from assessment.platform.http import allow_chart_styles
from assessment.presentation.figures import choropleth_map, figure_json, predikat_distribution
from assessment.presentation.geo import dumps_compact, map_view
from assessment.presentation.numbers import MISSING, format_fraction_as_percent, format_number

bp = Blueprint("charts", __name__)

PLOTLY_VERSION: str = plotly.__version__
PLOTLY_JS = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
ONE_YEAR = 365 * 24 * 3600


@functools.cache
def _plotly_bytes() -> bytes:
    return PLOTLY_JS.read_bytes()


@functools.cache
def _plotly_gzip() -> bytes:
    # 4.8 MB -> about 1.5 MB; compressed once per process, then served from memory.
    return gzip.compress(_plotly_bytes(), compresslevel=9, mtime=0)


@bp.get("/grafik/plotly-<version>.min.js")
def plotly_js(version: str) -> BaseResponse:
    """plotly.js of the installed plotly package; the version in the URL lets browsers keep it for a year."""
    if version != PLOTLY_VERSION:
        abort(404)
    compressed = request.accept_encodings["gzip"] > 0
    response = Response(_plotly_gzip() if compressed else _plotly_bytes(), mimetype="text/javascript")
    if compressed:
        response.headers["Content-Encoding"] = "gzip"
    response.headers["Vary"] = "Accept-Encoding"
    response.set_etag(f"plotly-{PLOTLY_VERSION}-{'gzip' if compressed else 'identity'}")
    response.cache_control.public = True
    response.cache_control.max_age = ONE_YEAR
    response.cache_control.immutable = True
    return response.make_conditional(request)


@bp.app_context_processor
def _chart_helpers() -> dict[str, Any]:
    return {"plotly_js_url": lambda: url_for("charts.plotly_js", version=PLOTLY_VERSION)}


@bp.app_template_filter("sel")
def sel(value: Any, kind: str) -> str:
    """Jinja filter: a table cell formatted by its column kind (see ColumnKind)."""
    if value is None:
        return MISSING
    if isinstance(value, str):
        return value
    if kind == ColumnKind.PERCENT:
        return format_fraction_as_percent(value)
    if kind == ColumnKind.INTEGER:
        return format_number(int(value))
    if kind == ColumnKind.DECIMAL:
        return format_number(value)
    return str(value)


@bp.app_template_filter("figure_json")
def figure_json_filter(figure: Any) -> str:
    """Jinja filter: a plotly figure as JSON for a ``data-figure`` attribute."""
    return figure_json(figure)


def geojson_response(document: Any) -> BaseResponse:
    """A GeoJSON document with an ETag and an hour of browser cache (the map fetches it by URL)."""
    response = Response(dumps_compact(document), mimetype="application/geo+json")
    response.add_etag()
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response.make_conditional(request)


@bp.get("/grafik/contoh/<layer>.geojson")
def example_geojson(layer: str) -> BaseResponse:
    """The made-up regions of the example map: ``desa`` or ``kecamatan``."""
    desa_geojson, outlines = sample_geojson()
    documents = {"desa": desa_geojson, "kecamatan": outlines}
    if layer not in documents:
        abort(404)
    return geojson_response(documents[layer])


@bp.get("/grafik/contoh")
def example() -> str:
    """A public page with example charts and their tables, from made-up numbers (it proves charts render)."""
    results = sample_results()
    desa_geojson, _outlines = sample_geojson()
    charts = [
        predikat_distribution(results, SAMPLE_PREDIKAT),
        # The map's regions come by URL, as a dashboard's will: the page stays small and the browser caches them.
        choropleth_map(
            results,
            url_for("charts.example_geojson", layer="desa"),
            url_for("charts.example_geojson", layer="kecamatan"),
            other_regions=(),
            view=map_view(desa_geojson),
        ),
    ]
    allow_chart_styles()
    return render_template("charts/contoh.html", charts=charts, title=_("Contoh grafik"))
