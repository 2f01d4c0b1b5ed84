"""Plotly figures for the results pages, each with the table of the same numbers.

Every builder takes plain values (:mod:`assessment.presentation.reportdata`), never database rows, and returns a
:class:`Chart`: the figure, a :class:`Table` holding exactly the numbers drawn (shown beside the chart for
people who prefer to read, and for screen readers) and a one-sentence description. Figures use Indonesian
separators (``separators=",."``: 1.234,5), Indonesian labels and colour-blind-safe palettes (Okabe-Ito for
categories, cividis for ordered values, always light for low and dark for high: predikat, index, levels and
coverage read the same way on every chart, map and badge); templates only embed ``figure_json(chart.figure)``.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.graph_objects as go
from flask_babel import gettext as _

from assessment.exports.spreadsheet import Column, ColumnKind, Sheet
from assessment.presentation.geo import DEFAULT_VIEW, MapView, map_view
from assessment.presentation.numbers import format_number
from assessment.presentation.reportdata import (
    AspectHeading,
    DesaResult,
    FinalLevel,
    IndicatorHeading,
    RegionLevels,
    RegionSummary,
    indicator_rollout,
    summarise_by_kecamatan,
)

# Okabe & Ito (2008): distinguishable with every common colour-vision deficiency.
CATEGORY_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
# Ordered classes (predikat, low to high), sampled from cividis: light-to-dark and colour-blind safe.
ORDERED_COLOURS = ("#FDE737", "#BCAF6F", "#7C7B78", "#414D6B", "#00204D")
SEQUENTIAL_SCALE = "Cividis"
NO_DATA_COLOUR = "#D9D9D9"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', sans-serif"


@dataclass(frozen=True, slots=True)
class Table:
    """The numbers of a chart as (columns, rows); ``columns`` carry the kind used to format each cell."""

    columns: tuple[Column, ...]
    rows: tuple[tuple[Any, ...], ...]

    @property
    def headers(self) -> list[str]:
        return [column.header for column in self.columns]

    def as_sheet(self, title: str) -> Sheet:
        """The same table as a spreadsheet sheet (for the workbook export)."""
        return Sheet(title, self.columns, self.rows)


@dataclass(frozen=True, slots=True)
class Chart:
    """A figure with its title, a one-sentence description and the table of its numbers."""

    title: str
    description: str
    figure: go.Figure
    table: Table


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """An aspect's average in one edition (year) of the competition."""

    year: int
    aspect: str
    value: float


@dataclass(frozen=True, slots=True)
class FunnelStage:
    """One stage of participation (eligible, registered, submitted, complete, scored, verified) and its count."""

    stage: str
    count: int


# A small template of our own: plotly's named templates are deep-copied into every figure (about 70 % of the time
# to build one) and add about 7 kB of JSON each.
_AXIS = {"gridcolor": "#E5E5E5", "linecolor": "#8A94A1", "zeroline": False, "automargin": True}
_TEMPLATE = go.layout.Template(
    layout={"paper_bgcolor": "#FFFFFF", "plot_bgcolor": "#FFFFFF", "xaxis": _AXIS, "yaxis": _AXIS}
)


class _Draft:
    """A figure's traces and layout gathered as plain values, made into a plotly figure once, by :func:`_layout`.

    The builders read as plotly code (``add_trace``, ``update_layout``, ``update_xaxes``, ``update_yaxes``), but
    each of those calls on a real figure runs plotly's validation and relayout machinery again: a dashboard's
    seven figures spent about 100 ms there on every first view after a change, six times what building each
    figure whole costs. Nested values are merged as plotly merges them (a dict into a dict, anything else
    replaced); ``title_text`` is plotly's short form of ``title={"text": ...}``.
    """

    def __init__(self, *traces: Any) -> None:
        self.traces: list[Any] = list(traces)
        self.layout: dict[str, Any] = {}

    def add_trace(self, trace: Any) -> None:
        self.traces.append(trace)

    def update_layout(self, **values: Any) -> None:
        _merge(self.layout, values)

    def update_xaxes(self, **values: Any) -> None:
        _merge(self.layout.setdefault("xaxis", {}), _axis(values))

    def update_yaxes(self, **values: Any) -> None:
        _merge(self.layout.setdefault("yaxis", {}), _axis(values))


def _axis(values: dict[str, Any]) -> dict[str, Any]:
    """Axis settings with plotly's ``title_text`` written out; an axis title of None is no title (as plotly)."""
    values = dict(values)
    if "title_text" in values:
        text = values.pop("title_text")
        if text is not None:
            values["title"] = {"text": text}
    return values


def _merge(into: dict[str, Any], values: Mapping[str, Any]) -> None:
    for key, value in values.items():
        if isinstance(value, Mapping) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = dict(value) if isinstance(value, Mapping) else value


def _figure(*traces: Any) -> _Draft:
    """A new figure, drawn on our template (never plotly's default, which would be copied in) by :func:`_layout`."""
    return _Draft(*traces)


def _layout(draft: _Draft, title: str, height: int = 380, **after: Any) -> go.Figure:
    """The plotly figure of ``draft`` with the house layout; ``after`` overrides the house layout (a map's margins)."""
    # Title and legend are placed against the whole figure ("container") and push the margins themselves, so they
    # never sit on an axis title: a legend at a fraction of the plot area (the old y=-0.2) landed on the x-axis
    # title of short charts, and a heatmap's top axis title under the chart's title.
    layout: dict[str, Any] = {"template": _TEMPLATE}
    _merge(layout, draft.layout)
    _merge(
        layout,
        {
            "title": {
                "text": title,
                "x": 0,
                "xanchor": "left",
                "yref": "container",
                "y": 1,
                "yanchor": "top",
                "pad": {"t": 8},
                "automargin": True,
            },
            "separators": ",.",
            "font": {"family": FONT, "size": 14, "color": "#1a1a1a"},
            "height": height,
            "margin": {"l": 60, "r": 20, "t": 40, "b": 40},
            "legend": {"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom", "x": 0, "xanchor": "left"},
            "hoverlabel": {"font": {"family": FONT}},
        },
    )
    _merge(layout, after)
    return go.Figure(data=draft.traces, layout=layout)


def _short(text: str, limit: int = 30) -> str:
    """An axis label cut to ``limit`` characters (the full name is in the hover and the table): long indicator
    names would otherwise take most of a chart's width in a dashboard card or on a phone."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def figure_json(figure: go.Figure) -> str:
    """The figure as JSON for a ``data-figure`` attribute (Jinja escapes it; charts.js draws it)."""
    return str(figure.to_json(validate=False))


def predikat_distribution(desa: Sequence[DesaResult], predikat_order: Sequence[str]) -> Chart:
    """How many desa got each predikat, in the predikat's order (low to high), with the share of all desa."""
    counts = Counter(result.predikat for result in desa)
    order = list(predikat_order) + sorted(set(counts) - set(predikat_order))
    total = len(desa)
    values = [counts.get(predikat, 0) for predikat in order]
    colours = [ORDERED_COLOURS[min(i, len(ORDERED_COLOURS) - 1)] for i in range(len(order))]
    title = _("Sebaran predikat")
    figure = _figure(
        go.Bar(
            x=order,
            y=values,
            marker={"color": colours, "line": {"color": "#1a1a1a", "width": 1}},
            text=values,
            textposition="outside",
            hovertemplate="%{x}: %{y} " + _("desa") + "<extra></extra>",
        )
    )
    figure.update_xaxes(title_text=_("Predikat"))
    figure.update_yaxes(title_text=_("Jumlah desa"), rangemode="tozero")
    table = Table(
        (
            Column(_("Predikat")),
            Column(_("Jumlah desa"), ColumnKind.INTEGER),
            Column(_("Persentase"), ColumnKind.PERCENT),
        ),
        tuple((p, n, (n / total) if total else None) for p, n in zip(order, values, strict=True)),
    )
    description = _("Jumlah desa per predikat dari %(total)s desa.", total=total)
    return Chart(title, description, _layout(figure, title), table)


def _aspect_bars(
    regions: Sequence[str], averages: Sequence[Sequence[float | None]], aspects: Sequence[AspectHeading]
) -> _Draft:
    """Grouped bars of each aspect's mean per region (one colour an aspect): the figure both aspect charts share."""
    figure = _figure()
    for index, aspect in enumerate(aspects):
        figure.add_trace(
            go.Bar(
                name=aspect.name,
                x=list(regions),
                y=[row[index] for row in averages],
                marker={"color": CATEGORY_COLOURS[index % len(CATEGORY_COLOURS)]},
                hovertemplate="%{x}<br>" + aspect.name + ": %{y:.2f}<extra></extra>",
            )
        )
    figure.update_layout(barmode="group")
    return figure


def aspect_averages_by_kecamatan(desa: Sequence[DesaResult], aspects: Sequence[AspectHeading]) -> Chart:
    """The mean score of each aspect per kecamatan, as grouped bars (one colour an aspect)."""
    summaries = summarise_by_kecamatan(desa, len(aspects))
    title = _("Rata-rata skor aspek per kecamatan")
    figure = _aspect_bars([s.name for s in summaries], [s.mean_aspects for s in summaries], aspects)
    figure.update_xaxes(title_text=_("Kecamatan"))
    figure.update_yaxes(title_text=_("Skor (0–100)"), range=[0, 100])
    columns = (
        Column(_("Kecamatan")),
        Column(_("Jumlah desa"), ColumnKind.INTEGER),
        Column(_("Rata-rata indeks"), ColumnKind.DECIMAL),
        *(Column(aspect.name, ColumnKind.DECIMAL) for aspect in aspects),
    )
    rows = tuple((s.name, s.desa_count, s.mean_index, *s.mean_aspects) for s in summaries)
    description = _("Rata-rata %(n)s aspek di %(k)s kecamatan.", n=len(aspects), k=len(summaries))
    return Chart(title, description, _layout(figure, title), Table(columns, rows))


def _level_heatmap(
    z: Any, indicators: Sequence[IndicatorHeading], rows: Sequence[str], max_level: int, hover: str
) -> go.Heatmap:
    """Levels (or mean levels) of every indicator per row on the levels' one light-to-dark scale; gaps stay empty."""
    return go.Heatmap(
        z=z,
        x=[indicator.code for indicator in indicators],
        y=list(rows),
        zmin=0,
        zmax=max_level,
        colorscale=SEQUENTIAL_SCALE,
        reversescale=True,  # light = low, dark = high, as the predikat, the index map and the trend
        colorbar={"title": {"text": _("Level")}, "dtick": 1},
        hoverongaps=False,
        hovertemplate="%{y}<br>%{x}<br>" + hover + "<extra></extra>",
        xgap=1,
        ygap=1,
    )


def indicator_heatmap(
    desa: Sequence[DesaResult],
    indicators: Sequence[IndicatorHeading],
    final_levels: Sequence[FinalLevel],
    max_level: int = 4,
) -> Chart:
    """The final level of every indicator for every desa (rows: desa by rank; columns: indicators).

    Unscored cells are left empty (a gap), not drawn as level 0; "tidak berlaku" is empty too and marked TB in
    the table.
    """
    by_key: dict[tuple[str, str], FinalLevel] = {(f.desa_code, f.indicator_code): f for f in final_levels}
    ordered = sorted(desa, key=lambda result: (result.rank, result.code))
    matrix: list[list[float]] = []
    rows: list[tuple[Any, ...]] = []
    for result in ordered:
        levels: list[float] = []
        shown: list[Any] = []
        for indicator in indicators:
            final = by_key.get((result.code, indicator.code))
            level = None if final is None or final.not_applicable else final.level
            levels.append(math.nan if level is None else level)
            shown.append("TB" if final is not None and final.not_applicable else level)
        matrix.append(levels)
        rows.append((result.name, result.kecamatan, *shown))
    title = _("Level indikator per desa")
    labels = [f"{result.name} ({result.kecamatan})" for result in ordered]
    figure = _figure(
        _level_heatmap(
            # A float array (NaN for gaps) travels as base64 in the figure JSON: 841 x 20 levels stay small.
            np.array(matrix, dtype=np.float64).reshape(len(ordered), len(indicators)),
            indicators,
            labels,
            max_level,
            _("Level") + ": %{z:.1f}",
        )
    )
    figure.update_yaxes(autorange="reversed", title_text=_("Desa (urut peringkat)"))
    figure.update_xaxes(title_text=_("Indikator"), side="top")
    columns = (
        Column(_("Desa")),
        Column(_("Kecamatan")),
        *(Column(indicator.code, ColumnKind.DECIMAL) for indicator in indicators),
    )
    description = _("Level akhir %(n)s indikator untuk %(d)s desa.", n=len(indicators), d=len(ordered))
    height = min(max(300, 18 * len(ordered) + 120), 20000)
    return Chart(title, description, _layout(figure, title, height), Table(columns, tuple(rows)))


def indicator_coverage(
    desa: Sequence[DesaResult],
    indicators: Sequence[IndicatorHeading],
    final_levels: Sequence[FinalLevel],
    threshold: float = 2,
) -> Chart:
    """Rollout per indicator: the share of desa at level ``threshold`` or above, weakest indicator first.

    The shares and means follow the rule of :func:`assessment.presentation.reportdata.indicator_rollout` (unscored
    counts as
    below, not applicable is left out); the weakest indicators, where help is needed first, are at the top.
    """
    rows: list[tuple[Any, ...]] = [
        (r.code, r.name, r.applicable, r.reached, r.coverage, r.mean_level)
        for r in indicator_rollout(desa, indicators, final_levels, threshold)
    ]
    rows.sort(key=lambda row: (math.inf if row[4] is None else row[4], row[0]))
    title = _("Cakupan per indikator (level %(t)s ke atas)", t=format_number(threshold, 0))
    figure = _figure(
        go.Bar(
            x=np.array([math.nan if row[4] is None else row[4] for row in rows], dtype=np.float64),
            y=[f"{row[0]} {_short(row[1])}" for row in rows],
            customdata=[f"{row[0]} {row[1]}" for row in rows],
            orientation="h",
            marker={"color": CATEGORY_COLOURS[0]},
            texttemplate="%{x:.0%}",
            textposition="outside",
            hovertemplate="%{customdata}: %{x:.1%}<extra></extra>",
        )
    )
    figure.update_xaxes(title_text=_("Bagian desa"), tickformat=".0%", range=[0, 1.1])
    figure.update_yaxes(autorange="reversed", title_text=None)
    columns = (
        Column(_("Kode"), ColumnKind.CODE),
        Column(_("Indikator")),
        Column(_("Desa (berlaku)"), ColumnKind.INTEGER),
        Column(_("Desa mencapai"), ColumnKind.INTEGER),
        Column(_("Cakupan"), ColumnKind.PERCENT),
        Column(_("Rata-rata level"), ColumnKind.DECIMAL),
    )
    description = _(
        "Bagian desa yang mencapai level %(t)s per indikator, dari yang terlemah.", t=format_number(threshold, 0)
    )
    height = max(320, 22 * len(rows) + 120)
    return Chart(title, description, _layout(figure, title, height), Table(columns, tuple(rows)))


def participation_funnel(stages: Sequence[FunnelStage]) -> Chart:
    """Participation as a funnel: each stage's count and its share of the first stage (the eligible desa)."""
    first = stages[0].count if stages else 0
    title = _("Partisipasi desa")
    figure = _figure(
        go.Funnel(
            y=[stage.stage for stage in stages],
            x=[stage.count for stage in stages],
            textinfo="value+percent initial",
            marker={"color": [CATEGORY_COLOURS[0]] * len(stages)},
            connector={"line": {"color": "#7C7B78"}},
            hovertemplate="%{y}: %{x} " + _("desa") + "<extra></extra>",
        )
    )
    table = Table(
        (
            Column(_("Tahap")),
            Column(_("Jumlah desa"), ColumnKind.INTEGER),
            Column(_("Dari yang berhak"), ColumnKind.PERCENT),
        ),
        tuple((stage.stage, stage.count, (stage.count / first) if first else None) for stage in stages),
    )
    description = _("Jumlah desa di setiap tahap, dari %(n)s desa yang berhak.", n=first)
    return Chart(title, description, _layout(figure, title), table)


def _subset(geojson: Mapping[str, Any], codes: set[str]) -> dict[str, Any]:
    features = [f for f in geojson.get("features", []) if f["properties"]["kode"] in codes]
    return {"type": "FeatureCollection", "features": features}


def choropleth_map(
    desa: Sequence[DesaResult],
    desa_geojson: Mapping[str, Any] | str,
    outlines: Mapping[str, Any] | str | None = None,
    *,
    other_regions: Sequence[tuple[str, str]] | None = None,
    view: MapView | None = None,
    predikat_order: Sequence[str] = (),
) -> Chart:
    """Desa coloured by index (0–100), or by predikat when ``predikat_order`` is given, with kecamatan outlines
    on a blank background; no tile server.

    ``desa_geojson`` and ``outlines`` are FeatureCollections (embedded in the figure) or same-site URLs of
    them (fetched once by the browser and cached, which keeps a province dashboard's HTML small). Regions on
    the map without a result (kelurahan, desa not taking part) are drawn grey: taken from an embedded
    collection, or given as ``other_regions`` (code, name) with a URL. Each desa's code is the first
    ``customdata`` item, so a click can open its page (charts.js reads ``data-click-url``); a grey region's
    ``customdata`` is its code alone, so a click on it only drills down to a dashboard.
    """
    with_result = {result.code for result in desa}
    if isinstance(desa_geojson, str):
        others = list(other_regions or ())
        coloured_source: Mapping[str, Any] | str = desa_geojson
        grey_source: Mapping[str, Any] | str = desa_geojson
    else:
        others = [
            (f["properties"]["kode"], f["properties"].get("nama", ""))
            for f in desa_geojson.get("features", [])
            if f["properties"]["kode"] not in with_result
        ]
        # Each trace carries only its own features: the GeoJSON is not sent twice.
        coloured_source = _subset(desa_geojson, with_result)
        grey_source = _subset(desa_geojson, {code for code, _name in others})
    if view is None:
        view = map_view(desa_geojson) if not isinstance(desa_geojson, str) else DEFAULT_VIEW
    title = _("Peta predikat desa") if predikat_order else _("Peta indeks desa")
    figure = _figure()
    if others:
        figure.add_trace(
            go.Choroplethmap(
                geojson=grey_source,
                featureidkey="properties.kode",
                locations=[code for code, _name in others],
                z=np.zeros(len(others)),
                colorscale=[[0, NO_DATA_COLOUR], [1, NO_DATA_COLOUR]],
                showscale=False,
                marker={"line": {"width": 0.3, "color": "#FFFFFF"}},
                text=[name for _code, name in others],
                # The code alone: a click drills down to the region's dashboard where there is one, but such a
                # region has no results page of its own (charts.js opens a desa's page only for a coloured one).
                customdata=[[code] for code, _name in others],
                hovertemplate="%{text}<br>" + _("tidak ikut atau belum ada hasil") + "<extra></extra>",
                name=_("Tanpa hasil"),
            )
        )
    hover = "%{customdata[1]} (%{customdata[2]})<br>" + _("Indeks") + ": %{customdata[4]:.2f}<br>%{customdata[3]}"
    if predikat_order:
        # One trace (and one legend entry) per predikat, in the predikat's order, with the ordered colours.
        names = list(predikat_order) + sorted({r.predikat for r in desa} - set(predikat_order))
        for index, predikat in enumerate(names):
            members = [r for r in desa if r.predikat == predikat]
            if not members:
                continue
            colour = ORDERED_COLOURS[min(index, len(ORDERED_COLOURS) - 1)]
            source = (
                coloured_source
                if isinstance(coloured_source, str)
                else _subset(coloured_source, {r.code for r in members})
            )
            figure.add_trace(
                go.Choroplethmap(
                    geojson=source,
                    featureidkey="properties.kode",
                    locations=[r.code for r in members],
                    z=np.zeros(len(members)),
                    colorscale=[[0, colour], [1, colour]],
                    showscale=False,
                    showlegend=True,
                    marker={"line": {"width": 0.3, "color": "#FFFFFF"}},
                    customdata=[[r.code, r.name, r.kecamatan, r.predikat, r.index] for r in members],
                    hovertemplate=hover + "<extra></extra>",
                    name=predikat,
                )
            )
    else:
        figure.add_trace(
            go.Choroplethmap(
                geojson=coloured_source,
                featureidkey="properties.kode",
                locations=[result.code for result in desa],
                z=np.array([result.index for result in desa], dtype=np.float64),
                zmin=0,
                zmax=100,
                colorscale=SEQUENTIAL_SCALE,
                reversescale=True,
                marker={"line": {"width": 0.3, "color": "#FFFFFF"}},
                customdata=[[r.code, r.name, r.kecamatan, r.predikat, r.index] for r in desa],
                colorbar={"title": {"text": _("Indeks")}},
                hovertemplate=hover + "<extra></extra>",
                name=_("Indeks"),
            )
        )
    layers = []
    if outlines is not None:
        layers.append(
            {"sourcetype": "geojson", "source": outlines, "type": "line", "color": "#1a1a1a", "line": {"width": 1}}
        )
    figure.update_layout(
        map={"style": "white-bg", "center": {"lon": view.lon, "lat": view.lat}, "zoom": view.zoom, "layers": layers}
    )
    columns = (
        Column(_("Kode desa"), ColumnKind.CODE),
        Column(_("Desa")),
        Column(_("Kecamatan")),
        Column(_("Indeks"), ColumnKind.DECIMAL),
        Column(_("Predikat")),
    )
    rows = tuple(
        (r.code, r.name, r.kecamatan, r.index, r.predikat) for r in sorted(desa, key=lambda r: (r.rank, r.code))
    )
    if predikat_order:
        description = _("Peta %(n)s desa berwarna menurut predikat; abu-abu: tanpa hasil.", n=len(desa))
    else:
        description = _("Peta %(n)s desa berwarna menurut indeks; abu-abu: tanpa hasil.", n=len(desa))
    chart = _layout(figure, title, height=460, margin={"l": 0, "r": 0, "t": 30, "b": 0})
    return Chart(title, description, chart, Table(columns, rows))


def aspect_trend(points: Sequence[TrendPoint], aspect_order: Sequence[str] = ()) -> Chart:
    """Each aspect's average across editions (years), one line an aspect; years without data are gaps."""
    years = sorted({point.year for point in points})
    names = list(aspect_order) + sorted({p.aspect for p in points} - set(aspect_order))
    values = {(p.aspect, p.year): p.value for p in points}
    title = _("Perkembangan skor aspek per tahun")
    figure = _figure()
    for index, name in enumerate(names):
        figure.add_trace(
            go.Scatter(
                x=years,
                y=[values.get((name, year)) for year in years],
                mode="lines+markers",
                name=name,
                line={"color": CATEGORY_COLOURS[index % len(CATEGORY_COLOURS)], "width": 2},
                marker={"symbol": ["circle", "square", "diamond", "triangle-up", "x"][index % 5], "size": 9},
                hovertemplate=name + " %{x}: %{y:.2f}<extra></extra>",
            )
        )
    figure.update_xaxes(title_text=_("Tahun"), tickmode="array", tickvals=years, tickformat="d", hoverformat="d")
    figure.update_yaxes(title_text=_("Skor (0–100)"), range=[0, 100])
    # The year is a label (2026, not 2.026).
    columns = (Column(_("Tahun"), ColumnKind.CODE), *(Column(name, ColumnKind.DECIMAL) for name in names))
    rows = tuple((year, *(values.get((name, year)) for name in names)) for year in years)
    description = _(
        "Skor %(n)s aspek dari tahun %(first)s sampai %(last)s.",
        n=len(names),
        first=years[0] if years else "–",
        last=years[-1] if years else "–",
    )
    return Chart(title, description, _layout(figure, title), Table(columns, rows))


@dataclass(frozen=True, slots=True)
class IndicatorTrendPoint:
    """An indicator's rollout (share of desa at the threshold or above, 0..1) in one edition (year)."""

    year: int
    indicator: str
    coverage: float | None


def index_by_region(summaries: Sequence[RegionSummary], level_label: str) -> Chart:
    """Mean and median index per region (kabupaten or kecamatan), side by side, with the number of desa."""
    title = _("Indeks rata-rata dan median per %(level)s", level=level_label)
    names = [s.name for s in summaries]
    figure = _figure(
        go.Bar(
            name=_("Rata-rata"),
            x=names,
            y=[s.mean_index for s in summaries],
            marker={"color": CATEGORY_COLOURS[0]},
            texttemplate="%{y:.1f}",
            textposition="outside",
            hovertemplate="%{x}<br>" + _("Rata-rata") + ": %{y:.2f}<extra></extra>",
        ),
        go.Bar(
            name=_("Median"),
            x=names,
            y=[s.median_index for s in summaries],
            marker={"color": CATEGORY_COLOURS[1], "pattern": {"shape": "/"}},
            texttemplate="%{y:.1f}",
            textposition="outside",
            hovertemplate="%{x}<br>" + _("Median") + ": %{y:.2f}<extra></extra>",
        ),
    )
    figure.update_layout(barmode="group")
    figure.update_xaxes(title_text=level_label.capitalize())
    figure.update_yaxes(title_text=_("Indeks (0–100)"), range=[0, 105])
    columns = (
        Column(level_label.capitalize()),
        Column(_("Jumlah desa"), ColumnKind.INTEGER),
        Column(_("Rata-rata indeks"), ColumnKind.DECIMAL),
        Column(_("Median indeks"), ColumnKind.DECIMAL),
    )
    rows = tuple((s.name, s.desa_count, s.mean_index, s.median_index) for s in summaries)
    description = _("Rata-rata dan median indeks desa di %(n)s %(level)s.", n=len(summaries), level=level_label)
    return Chart(title, description, _layout(figure, title), Table(columns, rows))


def aspect_averages_by_region(
    summaries: Sequence[RegionSummary], aspects: Sequence[AspectHeading], level_label: str
) -> Chart:
    """The mean score of each aspect per region (kabupaten or kecamatan), as grouped bars (one colour an aspect)."""
    title = _("Rata-rata skor aspek per %(level)s", level=level_label)
    figure = _aspect_bars([s.name for s in summaries], [s.mean_aspects for s in summaries], aspects)
    figure.update_xaxes(title_text=level_label.capitalize())
    figure.update_yaxes(title_text=_("Skor (0–100)"), range=[0, 100])
    columns = (
        Column(level_label.capitalize()),
        Column(_("Jumlah desa"), ColumnKind.INTEGER),
        *(Column(aspect.name, ColumnKind.DECIMAL) for aspect in aspects),
    )
    rows = tuple((s.name, s.desa_count, *s.mean_aspects) for s in summaries)
    description = _("Rata-rata %(n)s aspek di %(k)s %(level)s.", n=len(aspects), k=len(summaries), level=level_label)
    return Chart(title, description, _layout(figure, title), Table(columns, rows))


def indicator_heatmap_by_region(
    rows: Sequence[RegionLevels], indicators: Sequence[IndicatorHeading], level_label: str, max_level: int = 4
) -> Chart:
    """The mean level of every indicator per region (rows: kabupaten or kecamatan; columns: indicators).

    For a province a row per desa would be 841 rows: the mean per region keeps the pattern readable. The means
    follow :func:`assessment.presentation.reportdata.mean_levels_by_region`; a region where an indicator applies to no
    desa
    is a gap.
    """
    matrix = np.array(
        [[math.nan if v is None else v for v in row.mean_levels] for row in rows], dtype=np.float64
    ).reshape(len(rows), len(indicators))
    title = _("Rata-rata level indikator per %(level)s", level=level_label)
    figure = _figure(
        _level_heatmap(matrix, indicators, [row.name for row in rows], max_level, _("Rata-rata level") + ": %{z:.2f}")
    )
    figure.update_yaxes(autorange="reversed", title_text=level_label.capitalize())
    figure.update_xaxes(title_text=_("Indikator"), side="top")
    columns = (
        Column(level_label.capitalize()),
        Column(_("Jumlah desa"), ColumnKind.INTEGER),
        *(Column(indicator.code, ColumnKind.DECIMAL) for indicator in indicators),
    )
    table_rows = tuple((row.name, row.desa_count, *row.mean_levels) for row in rows)
    description = _(
        "Rata-rata level %(n)s indikator di %(k)s %(level)s.", n=len(indicators), k=len(rows), level=level_label
    )
    height = max(320, 30 * len(rows) + 160)
    return Chart(title, description, _layout(figure, title, height), Table(columns, table_rows))


def indicator_trend(
    points: Sequence[IndicatorTrendPoint], indicators: Sequence[IndicatorHeading], threshold: float = 2
) -> Chart:
    """Each indicator's rollout across editions (years) as a heatmap: rows indicators, columns years.

    Indicators are matched across editions by code; a year in which an indicator did not exist (another rubric)
    or applied to no desa is a gap.
    """
    years = sorted({point.year for point in points})
    codes = [indicator.code for indicator in indicators]
    known = set(codes)
    codes += sorted({p.indicator for p in points} - known)
    names = {indicator.code: indicator.name for indicator in indicators}
    values = {(p.indicator, p.year): p.coverage for p in points}
    matrix = np.array(
        [[math.nan if values.get((code, year)) is None else values[(code, year)] for year in years] for code in codes],
        dtype=np.float64,
    ).reshape(len(codes), len(years))
    title = _("Perkembangan cakupan indikator per tahun (level %(t)s ke atas)", t=format_number(threshold, 0))
    figure = _figure(
        go.Heatmap(
            z=matrix,
            x=[str(year) for year in years],
            y=[f"{code} {_short(names.get(code, ''))}".strip() for code in codes],
            customdata=[[f"{code} {names.get(code, '')}".strip()] * len(years) for code in codes],
            zmin=0,
            zmax=1,
            colorscale=SEQUENTIAL_SCALE,
            reversescale=True,
            colorbar={"title": {"text": _("Cakupan")}, "tickformat": ".0%"},
            texttemplate="%{z:.0%}",
            hoverongaps=False,
            hovertemplate="%{customdata}<br>%{x}: %{z:.1%}<extra></extra>",
            xgap=2,
            ygap=1,
        )
    )
    figure.update_yaxes(autorange="reversed", title_text=None)
    figure.update_xaxes(title_text=_("Tahun"), type="category", side="top")
    columns = (
        Column(_("Kode"), ColumnKind.CODE),
        Column(_("Indikator")),
        *(Column(str(year), ColumnKind.PERCENT) for year in years),
    )
    rows = tuple((code, names.get(code, ""), *(values.get((code, year)) for year in years)) for code in codes)
    description = _(
        "Bagian desa yang mencapai level %(t)s per indikator, dari tahun %(first)s sampai %(last)s.",
        t=format_number(threshold, 0),
        first=years[0] if years else "–",
        last=years[-1] if years else "–",
    )
    height = max(320, 22 * len(codes) + 120)
    return Chart(title, description, _layout(figure, title, height), Table(columns, rows))


def ranking_bars(desa: Sequence[DesaResult], limit: int = 30) -> Chart:
    """The index of the desa in rank order (the first ``limit``), as horizontal bars with the predikat in the hover.

    Bars are drawn best at the top; a shared rank is written beside the name ("2=" for a seri).
    """
    shown = sorted(desa, key=lambda d: (d.rank, d.code))[:limit]
    labels = [f"{d.rank}{'=' if d.tied else ''}. {d.name}" for d in shown]
    title = _("Indeks desa menurut peringkat")
    figure = _figure(
        go.Bar(
            x=[d.index for d in shown],
            y=labels,
            orientation="h",
            marker={"color": CATEGORY_COLOURS[0]},
            text=[format_number(d.index) for d in shown],
            textposition="outside",
            customdata=[[d.code, d.predikat] for d in shown],
            hovertemplate="%{y}<br>" + _("Indeks") + ": %{x:.2f}<br>%{customdata[1]}<extra></extra>",
        )
    )
    figure.update_yaxes(autorange="reversed", title_text="")
    figure.update_xaxes(title_text=_("Indeks (0–100)"), range=[0, 105])
    table = Table(
        (
            Column(_("Peringkat"), ColumnKind.INTEGER),
            Column(_("Desa")),
            Column(_("Indeks"), ColumnKind.DECIMAL),
            Column(_("Predikat")),
        ),
        tuple((d.rank, d.name, d.index, d.predikat) for d in shown),
    )
    description = _("Indeks %(n)s desa teratas dari %(total)s, menurut peringkat.", n=len(shown), total=len(desa))
    return Chart(title, description, _layout(figure, title, height=max(300, 60 + 26 * len(shown))), table)
