"""Figure builders: each figure and its table show the same numbers, in Indonesian, with no tile server."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from assessment.presentation.figures import (
    CATEGORY_COLOURS,
    FunnelStage,
    TrendPoint,
    aspect_averages_by_kecamatan,
    aspect_trend,
    choropleth_map,
    figure_json,
    indicator_coverage,
    indicator_heatmap,
    participation_funnel,
    predikat_distribution,
)
from assessment.presentation.geo import MapView
from assessment.presentation.reportdata import ResultsReport

PREDIKAT = ("Kurang", "Cukup", "Baik", "Sangat Baik", "Memuaskan")


def _square(x: float, y: float) -> list[list[list[float]]]:
    return [[[x, y], [x + 0.1, y], [x + 0.1, y + 0.1], [x, y + 0.1], [x, y]]]


def _geojson(codes: list[str]) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"kode": kode, "nama": f"Desa {i}"},
                "geometry": {"type": "Polygon", "coordinates": _square(116 + i * 0.1, -1.0)},
            }
            for i, kode in enumerate(codes)
        ],
    }


def test_every_figure_uses_indonesian_separators(small_report: ResultsReport) -> None:
    charts = [
        predikat_distribution(small_report.desa, PREDIKAT),
        aspect_averages_by_kecamatan(small_report.desa, small_report.aspects),
        indicator_heatmap(small_report.desa, small_report.indicators, small_report.final_levels),
        participation_funnel([FunnelStage("Berhak", 10), FunnelStage("Terdaftar", 4)]),
        choropleth_map(small_report.desa, _geojson([d.code for d in small_report.desa])),
        aspect_trend([TrendPoint(2025, "Layanan", 40.0)]),
    ]
    for chart in charts:
        assert chart.figure.layout.separators == ",."
        assert chart.table.rows, chart.title
        assert chart.description
        json.loads(figure_json(chart.figure))


def test_predikat_distribution_counts_in_predikat_order(small_report: ResultsReport) -> None:
    chart = predikat_distribution(small_report.desa, PREDIKAT)
    bar = chart.figure.data[0]
    assert list(bar.x) == list(PREDIKAT)
    assert list(bar.y) == [0, 0, 2, 1, 0]
    assert chart.table.rows[2] == ("Baik", 2, pytest.approx(2 / 3))
    assert chart.table.headers == ["Predikat", "Jumlah desa", "Persentase"]
    assert chart.figure.layout.title.text == "Sebaran predikat"


def test_an_unexpected_predikat_is_shown_after_the_known_ones(small_report: ResultsReport) -> None:
    chart = predikat_distribution(small_report.desa, ("Baik",))
    assert list(chart.figure.data[0].x) == ["Baik", "Sangat Baik"]


def test_aspect_averages_per_kecamatan_match_the_table(small_report: ResultsReport) -> None:
    chart = aspect_averages_by_kecamatan(small_report.desa, small_report.aspects)
    layanan, ekonomi = chart.figure.data
    assert (layanan.name, ekonomi.name) == ("Layanan", "Ekonomi")
    assert list(layanan.x) == ["Penajam", "Sepaku"]
    assert list(layanan.y) == pytest.approx([62.5, (87.5 + 50.0) / 2])
    assert list(ekonomi.y) == pytest.approx([57.5, (72.0 + 76.25) / 2])
    assert [row[3] for row in chart.table.rows] == list(layanan.y)
    assert layanan.marker.color != ekonomi.marker.color
    assert {layanan.marker.color, ekonomi.marker.color} <= set(CATEGORY_COLOURS)


def test_heatmap_leaves_unscored_and_not_applicable_cells_empty(small_report: ResultsReport) -> None:
    chart = indicator_heatmap(small_report.desa, small_report.indicators, small_report.final_levels)
    heatmap = chart.figure.data[0]
    assert list(heatmap.x) == ["A1", "A2", "B1"]
    # Rows follow the rank: Bukit Raya first.
    assert heatmap.y[0] == "Bukit Raya (Sepaku)"
    assert heatmap.z[0][0] == 3.5
    assert math.isnan(heatmap.z[0][1]) and math.isnan(heatmap.z[0][2])  # gaps, not level 0
    assert chart.table.rows[0] == ("Bukit Raya", "Sepaku", 3.5, "TB", None)
    assert (heatmap.zmin, heatmap.zmax) == (0, 4)
    assert "bdata" in figure_json(chart.figure)  # levels travel as a compact typed array


def test_funnel_shares_are_of_the_eligible_desa() -> None:
    stages = [FunnelStage("Berhak", 841), FunnelStage("Terdaftar", 600), FunnelStage("Diajukan", 0)]
    chart = participation_funnel(stages)
    assert list(chart.figure.data[0].x) == [841, 600, 0]
    assert [row[2] for row in chart.table.rows] == pytest.approx([1.0, 600 / 841, 0.0])


def test_the_map_needs_no_tile_server_and_greys_desa_without_result(small_report: ResultsReport) -> None:
    codes = [d.code for d in small_report.desa] + ["64.09.01.1001"]
    outlines = _geojson(["64.09.04"])
    chart = choropleth_map(small_report.desa, _geojson(codes), outlines)
    layout = chart.figure.layout
    assert layout.map.style == "white-bg"
    assert layout.map.layers[0].source == outlines  # an inline GeoJSON, not a URL
    grey, coloured = chart.figure.data
    assert grey.type == coloured.type == "choroplethmap"
    assert list(grey.locations) == ["64.09.01.1001"]
    # Each trace embeds only its own regions.
    assert [f["properties"]["kode"] for f in grey.geojson["features"]] == ["64.09.01.1001"]
    assert len(coloured.geojson["features"]) == len(small_report.desa)
    assert coloured.featureidkey == "properties.kode"
    assert list(coloured.z) == [d.index for d in small_report.desa]
    assert [c[0] for c in coloured.customdata] == [d.code for d in small_report.desa]
    # A grey region carries its code alone: a click may drill down, but it has no results page (charts.js).
    assert [list(c) for c in grey.customdata] == [["64.09.01.1001"]]
    assert all(len(c) > 1 for c in coloured.customdata)
    # Nothing in the layout (style, layers) points at a server: plotly.js would fetch it.
    assert "http" not in json.dumps(chart.figure.layout.to_plotly_json())
    assert chart.table.rows[0][:2] == ("64.09.04.2002", "Bukit Raya")


def test_trend_has_a_gap_for_a_year_without_data() -> None:
    points = [TrendPoint(2021, "Layanan", 40.0), TrendPoint(2022, "Layanan", 55.5), TrendPoint(2022, "Ekonomi", 30.0)]
    chart = aspect_trend(points, aspect_order=("Layanan", "Ekonomi"))
    layanan, ekonomi = chart.figure.data
    assert list(layanan.x) == [2021, 2022]
    assert list(ekonomi.y) == [None, 30.0]
    assert chart.table.rows == ((2021, 40.0, None), (2022, 55.5, 30.0))
    assert chart.figure.layout.xaxis.tickformat == "d"  # 2026, not 2.026


def test_table_becomes_a_sheet(small_report: ResultsReport) -> None:
    chart = predikat_distribution(small_report.desa, PREDIKAT)
    sheet = chart.table.as_sheet("Predikat")
    assert sheet.headers == chart.table.headers
    assert list(sheet.rows) == list(chart.table.rows)


def test_the_map_can_take_its_regions_by_url(small_report: ResultsReport) -> None:
    chart = choropleth_map(
        small_report.desa,
        "/peta/64.09/desa.geojson",
        "/peta/64.09/kecamatan.geojson",
        other_regions=[("64.09.01.1001", "Nipah-Nipah")],
        view=MapView(116.6, -1.2, 8.0),
    )
    grey, coloured = chart.figure.data
    assert grey.geojson == coloured.geojson == "/peta/64.09/desa.geojson"
    assert list(grey.text) == ["Nipah-Nipah"]
    assert chart.figure.layout.map.layers[0].source == "/peta/64.09/kecamatan.geojson"
    assert (chart.figure.layout.map.center.lon, chart.figure.layout.map.zoom) == (116.6, 8.0)
    assert len(figure_json(chart.figure)) < 20_000


def test_coverage_counts_unscored_as_below_and_leaves_not_applicable_out(small_report: ResultsReport) -> None:
    # A1: Bukit Raya 3.5 (reached), the two others unscored (below). A2: Bukit Raya TB (left out), two unscored.
    # B1: Desa "=HYPERLINK" 2.0 (reached at threshold 2), two unscored.
    chart = indicator_coverage(small_report.desa, small_report.indicators, small_report.final_levels, threshold=2)
    rows = {row[0]: row for row in chart.table.rows}
    assert rows["A1"][2:5] == (3, 1, pytest.approx(1 / 3))
    assert rows["A1"][5] == pytest.approx(3.5 / 3)
    assert rows["A2"][2:5] == (2, 0, 0.0)
    assert rows["B1"][2:5] == (3, 1, pytest.approx(1 / 3))
    # Weakest first, then by code.
    assert [row[0] for row in chart.table.rows] == ["A2", "A1", "B1"]
    bar = chart.figure.data[0]
    assert list(bar.x) == pytest.approx([0.0, 1 / 3, 1 / 3])
    assert bar.y[0].startswith("A2 ")


def test_coverage_with_a_higher_threshold(small_report: ResultsReport) -> None:
    chart = indicator_coverage(small_report.desa, small_report.indicators, small_report.final_levels, threshold=4)
    assert all(row[3] == 0 for row in chart.table.rows)
    assert chart.title == "Cakupan per indikator (level 4 ke atas)"


def test_the_map_can_colour_by_predikat(small_report: ResultsReport) -> None:
    chart = choropleth_map(small_report.desa, _geojson([d.code for d in small_report.desa]), predikat_order=PREDIKAT)
    names = [trace.name for trace in chart.figure.data]
    assert names == ["Baik", "Sangat Baik"]  # predikat with no desa get no trace
    baik = chart.figure.data[0]
    assert sorted(baik.locations) == ["64.09.01.2005", "64.09.04.2001"]
    assert [f["properties"]["kode"] for f in baik.geojson["features"]] == ["64.09.04.2001", "64.09.01.2005"]
    assert baik.colorscale[0][1] != chart.figure.data[1].colorscale[0][1]
    assert chart.title == "Peta predikat desa"
