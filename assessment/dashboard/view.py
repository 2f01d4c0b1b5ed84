"""What a dashboard shows, gathered for one competition and one region: participation, results, map and trends.

Reads only (nothing here changes state). The figures are built by :mod:`assessment.presentation.figures` from the plain
values
of :mod:`assessment.presentation.reportdata`; the template only embeds them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from assessment import repo
from assessment.dashboard.maps import view_of
from assessment.dashboard.participation import Participation, participation
from assessment.models import Competition, FinalSnapshot, Region, RegionKind
from assessment.platform.extensions import db
from assessment.presentation import figures
from assessment.presentation.figures import Chart, FunnelStage, IndicatorTrendPoint, TrendPoint
from assessment.presentation.reportdata import (
    DesaResult,
    IndicatorHeading,
    IndicatorRollout,
    RegionSummary,
    ResultsReport,
    indicator_rollout,
    mean_levels_by_region,
    mean_or_none,
    median_or_none,
    summarise_by_region,
    weakest_indicators,
)
from assessment.services.security import region_within

# Rollout is measured as the share of desa at this level or above (for example certified e-signatures at level 2).
COVERAGE_THRESHOLD = 2
WEAKEST_COUNT = 5
MAP_COLOURINGS = ("indeks", "predikat")


@dataclass(frozen=True, slots=True)
class Edition:
    """Another edition (year) of the competition over the same region, with its results for the trend."""

    competition_id: int
    year: int
    name: str


@dataclass(frozen=True, slots=True)
class Scores:
    """The score-based sections: headline numbers, charts, the weakest indicators and the desa on the map; all of
    the ranked desa only (:func:`assessment.core.standing.who_is_ranked`), the others counted apart."""

    desa_count: int
    unranked_count: int
    mean_index: float | None
    median_index: float | None
    charts: tuple[Chart, ...]
    weakest: tuple[IndicatorRollout, ...]
    map_chart: Chart | None
    map_desa: tuple[DesaResult, ...]


@dataclass(frozen=True, slots=True)
class Dashboard:
    """Everything a dashboard page shows for one competition and region."""

    competition: Competition
    region: Region
    level_label: str
    participation: Participation
    funnel: Chart
    scores: Scores | None
    trends: tuple[Chart, ...]
    editions: tuple[Edition, ...]
    # When the edition's final results were sealed (penetapan): its dashboard then shows the final result, not
    # late desa or pending stages.
    final_at: datetime | None = None


def level_label(region: Region) -> str:
    """What the region's parts are called: kabupaten/kota for a province, kecamatan below."""
    return str(_("kabupaten/kota") if region.kind == RegionKind.provinsi else _("kecamatan"))


Grouping = Callable[[DesaResult], tuple[str, str]]
VisibleScores = Callable[[Competition], bool]


def _grouping(root: str, report: ResultsReport) -> Grouping:
    """A desa's group on the dashboard: its kabupaten on a province's, its kecamatan otherwise."""
    if root.count(".") == 0:
        kabupaten = {result.code.rsplit(".", 2)[0] for result in report.desa}
        names = dict(db.session.execute(select(Region.code, Region.name).where(Region.code.in_(kabupaten))).all())

        def by_kabupaten(result: DesaResult) -> tuple[str, str]:
            code = result.code.rsplit(".", 2)[0]
            return code, names.get(code, code)

        return by_kabupaten
    return lambda result: (result.kecamatan_code, result.kecamatan)


def other_editions(competition: Competition, root: str) -> list[Competition]:
    """The competitions of other years whose region covers ``root``, oldest first (the current one excluded)."""
    candidates = db.session.scalars(
        select(Competition)
        .where(Competition.id != competition.id, Competition.year != competition.year)
        .order_by(Competition.year, Competition.id)
    ).all()
    return [c for c in candidates if region_within(root, c.scope_region_code)]


def _scores(report: ResultsReport, root: str, label: str, competition: Competition, colouring: str) -> Scores:
    desa = report.desa
    group = _grouping(root, report)
    summaries: list[RegionSummary] = summarise_by_region(desa, len(report.aspects), group)
    rollout = indicator_rollout(desa, report.indicators, report.final_levels, COVERAGE_THRESHOLD)
    charts: list[Chart] = [
        figures.index_by_region(summaries, label),
        figures.predikat_distribution(desa, report.predikat_order),
        figures.aspect_averages_by_region(summaries, report.aspects, label),
    ]
    if root.count(".") == 0:
        charts.append(
            figures.indicator_heatmap_by_region(
                mean_levels_by_region(desa, report.indicators, report.final_levels, group), report.indicators, label
            )
        )
    else:
        charts.append(figures.indicator_heatmap(desa, report.indicators, report.final_levels))
    charts.append(figures.indicator_coverage(desa, report.indicators, report.final_levels, COVERAGE_THRESHOLD))
    map_chart = None
    view = view_of(root)
    if view is not None:
        with_result = {result.code for result in desa}
        others = db.session.execute(
            select(Region.code, Region.name)
            .where(
                Region.code.startswith(root + ".", autoescape=True),
                Region.kind.in_([RegionKind.desa, RegionKind.desa_adat, RegionKind.kelurahan]),
            )
            .order_by(Region.code)
        ).all()
        map_chart = figures.choropleth_map(
            desa,
            url_for("dashboard.geojson", competition_id=competition.id, region_code=root, layer="desa"),
            url_for("dashboard.geojson", competition_id=competition.id, region_code=root, layer="kecamatan"),
            other_regions=[(code, name) for code, name in others if code not in with_result],
            view=view,
            predikat_order=report.predikat_order if colouring == "predikat" else (),
        )
    return Scores(
        len(desa),
        len(report.unranked),
        mean_or_none([r.index for r in desa]),
        median_or_none([r.index for r in desa]),
        tuple(charts),
        tuple(weakest_indicators(rollout, WEAKEST_COUNT)),
        map_chart,
        tuple(sorted(desa, key=lambda r: r.code)),
    )


def _trends(
    current: Competition, root: str, show_scores_of: VisibleScores
) -> tuple[tuple[Chart, ...], tuple[Edition, ...]]:
    """Aspect means and indicator rollout of the region's desa in every edition whose scores may be shown."""
    editions = [c for c in [*other_editions(current, root), current] if show_scores_of(c)]
    editions.sort(key=lambda c: (c.year, c.id))
    if len(editions) < 2:
        return (), tuple(Edition(c.id, c.year, c.name) for c in editions)
    aspect_points: list[TrendPoint] = []
    indicator_points: list[IndicatorTrendPoint] = []
    aspect_order: list[str] = []
    indicators: list[IndicatorHeading] = []
    for edition in editions:
        report = repo.results_report(edition, root, evidence=False, assessor_levels=False)
        if not report.desa:
            continue
        for index, aspect in enumerate(report.aspects):
            value = mean_or_none([r.aspects[index] for r in report.desa])
            if value is not None:
                aspect_points.append(TrendPoint(edition.year, aspect.name, value))
        for rollout in indicator_rollout(report.desa, report.indicators, report.final_levels, COVERAGE_THRESHOLD):
            indicator_points.append(IndicatorTrendPoint(edition.year, rollout.code, rollout.coverage))
        if edition is current or not aspect_order:
            aspect_order = [a.name for a in report.aspects]
            indicators = list(report.indicators)
    charts = (
        figures.aspect_trend(aspect_points, aspect_order),
        figures.indicator_trend(indicator_points, indicators, COVERAGE_THRESHOLD),
    )
    return charts, tuple(Edition(c.id, c.year, c.name) for c in editions)


def build_dashboard(
    competition: Competition, region: Region, now: datetime, *, show_scores_of: VisibleScores, colouring: str = "indeks"
) -> Dashboard:
    """The dashboard of ``region`` in ``competition``; ``show_scores_of(competition)`` says whether the viewer may
    see an edition's scores (see :func:`assessment.dashboard.routes.scores_visible`)."""
    rubric = repo.rubric_of(competition.rubric)
    label = level_label(region)
    scores = None
    standings = None
    if show_scores_of(competition):
        # One run for the report and the funnel's "terverifikasi" (its ranked desa).
        run = repo.engine_run(competition, region.code)
        report = repo.results_report(competition, region.code, evidence=False, assessor_levels=False, run=run)
        scores = _scores(report, region.code, label, competition, colouring)
        standings = {s.code: s for s in run.standings}
    progress = participation(competition, rubric, region.code, now, standings)
    funnel = figures.participation_funnel([FunnelStage(s.label, s.count) for s in progress.stages])
    trends: tuple[Chart, ...] = ()
    editions: tuple[Edition, ...] = ()
    trends, editions = _trends(competition, region.code, show_scores_of)
    final_at = db.session.scalar(select(FinalSnapshot.created_at).where(FinalSnapshot.competition_id == competition.id))
    return Dashboard(competition, region, label, progress, funnel, scores, trends, editions, final_at)
