"""DPMD and committee dashboards: participation, results by kabupaten or kecamatan, the map and the trends."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from assessment.dashboard.cache import cached_body, data_version
from assessment.dashboard.maps import LAYERS, display_geojson
from assessment.dashboard.view import MAP_COLOURINGS, build_dashboard
from assessment.models import Competition, Participant, Region, RegionKind, Role
from assessment.platform.extensions import db
from assessment.platform.http import allow_chart_styles
from assessment.platform.wita import now_utc
from assessment.platform.wita import visitor_wita as wita
from assessment.presentation import navigation
from assessment.services.security import (
    grants_for,
    region_within,
    require_region_access,
    roles_required,
    user_can_access_region,
)

bp = Blueprint("dashboard", __name__, url_prefix="/dasbor")

# The committee sees every region; DPMD its kabupaten; a verifikator kecamatan its kecamatan (the desa it already
# checks for completeness), each only within its grant.
VIEWERS = (Role.panitia, Role.dpmd, Role.verifikator_kecamatan)
DASHBOARD_KINDS = (RegionKind.provinsi, RegionKind.kabupaten, RegionKind.kota, RegionKind.kecamatan)
MAP_CACHE_SECONDS = 3600


navigation.offer_links(
    bp,
    *(
        navigation.NavLink(
            role,
            "dashboard.index",
            _l("Dasbor partisipasi dan hasil"),
            _l("Partisipasi desa per tahap, siapa yang terlambat, hasil per wilayah, peta dan perkembangan."),
        )
        for role in VIEWERS
    ),
)


def scores_visible(user: Any, competition: Competition) -> bool:
    """Whether the score-based sections (indices, predikat, levels, map colours, trends) of ``competition`` show.

    Rule (scores on dashboards): the committee (panitia whose scope covers the competition) always sees them, as
    it prepares the plenary; DPMD and verifikator kecamatan see them once the committee has published the
    provisional results (``Competition.results_public``), the moment they become public anyway. Before that they
    see participation and progress only, with a note saying when scores appear.
    """
    if user_can_access_region(user, competition.scope_region_code, (Role.panitia,)):
        return True
    return competition.results_public


def _load(competition_id: int, region_code: str) -> tuple[Competition, Region]:
    """Load the competition and region; 404 unless the region is a dashboard region inside the competition."""
    competition = db.get_or_404(Competition, competition_id)
    region = db.session.scalar(select(Region).where(Region.code == region_code))
    if region is None or region.kind not in DASHBOARD_KINDS:
        abort(404)
    require_region_access(region.code, VIEWERS)
    if not region_within(region.code, competition.scope_region_code):
        abort(404)
    return competition, region


@bp.get("/")
@roles_required(*VIEWERS)
def index() -> str:
    """The dashboards the user may open: each competition x each region of the user's grants (and below)."""
    competitions = db.session.scalars(select(Competition).order_by(Competition.year.desc(), Competition.id)).all()
    grants = sorted({grant.region_code for grant in grants_for(current_user, VIEWERS)})
    names = dict(db.session.execute(select(Region.code, Region.name).where(Region.code.in_(grants))).all())
    entries: list[tuple[Competition, list[tuple[str, str]]]] = []
    for competition in competitions:
        regions: list[tuple[str, str]] = []
        for grant in grants:
            if region_within(grant, competition.scope_region_code):
                regions.append((grant, names.get(grant, grant)))
            elif region_within(competition.scope_region_code, grant):
                regions.append((competition.scope_region_code, competition.scope_region_code))
        if regions:
            entries.append((competition, sorted(set(regions))))
    children: dict[str, list[tuple[str, str]]] = {}
    for code in grants:
        if code.count(".") == 0:
            children[code] = [
                (child, name)
                for child, name in db.session.execute(
                    select(Region.code, Region.name).where(Region.parent_code == code).order_by(Region.code)
                )
            ]
    return render_template("dashboard/index.html", entries=entries, children=children)


@bp.get("/<int:competition_id>/<region_code>")
@roles_required(*VIEWERS)
def region(competition_id: int, region_code: str) -> str:
    """The dashboard of one region: participation always; scores, map and trends as :func:`scores_visible` says."""
    competition, found = _load(competition_id, region_code)
    colouring = request.args.get("warna", "indeks")
    if colouring not in MAP_COLOURINGS:
        colouring = "indeks"
    now = now_utc()
    visible = {c.id: scores_visible(current_user, c) for c in db.session.scalars(select(Competition))}
    key = (competition.id, found.code, colouring, tuple(sorted(visible.items())), str(get_locale()), data_version(now))

    def render_body() -> str:
        dashboard = build_dashboard(
            competition, found, now, show_scores_of=lambda c: visible.get(c.id, False), colouring=colouring
        )
        return render_template("dashboard/_body.html", d=dashboard, colouring=colouring, wita=wita)

    body = cached_body(key, render_body)
    allow_chart_styles()
    return render_template(
        "dashboard/region.html",
        body=body,
        region=found,
        competition=competition,
        ancestors=_ancestors(found, competition),
        drill_links=drill_links(current_user, competition, found),
    )


def drill_links(user: Any, competition: Competition, found: Region) -> dict[str, str]:
    """Where a click on the map of ``found``'s dashboard leads, per region code one level down.

    Rule (drill-down by the map): on a province dashboard a click on a desa opens its kabupaten/kota's dashboard,
    on a kabupaten/kota dashboard its kecamatan's, on a kecamatan dashboard the desa's own page (no entry here:
    charts.js falls back to the desa link). Only dashboards inside the competition's scope that ``user`` may open
    are listed. The links depend on the viewer's grants, so they are rendered outside the kept body.
    """
    if found.kind == RegionKind.kecamatan:
        return {}
    children = db.session.scalars(
        select(Region.code)
        .where(Region.parent_code == found.code, Region.kind.in_(DASHBOARD_KINDS))
        .order_by(Region.code)
    )
    return {
        code: url_for("dashboard.region", competition_id=competition.id, region_code=code)
        for code in children
        if region_within(code, competition.scope_region_code) and user_can_access_region(user, code, VIEWERS)
    }


def _ancestors(found: Region, competition: Competition) -> list[tuple[str, str]]:
    """The dashboards above ``found`` (province, kabupaten) that this viewer may open, outermost first."""
    parts = found.code.split(".")
    codes = [".".join(parts[:n]) for n in range(1, len(parts))]
    codes = [
        code
        for code in codes
        if region_within(code, competition.scope_region_code) and user_can_access_region(current_user, code, VIEWERS)
    ]
    names = dict(db.session.execute(select(Region.code, Region.name).where(Region.code.in_(codes))).all())
    return [(code, names.get(code, code)) for code in codes]


@bp.get("/<int:competition_id>/<region_code>/peta/<layer>.geojson")
@roles_required(*VIEWERS)
def geojson(competition_id: int, region_code: str, layer: str) -> BaseResponse:
    """The map's simplified regions under the dashboard's region (``desa`` or ``kecamatan``), stored once per
    boundary version; an ETag (the version) and an hour of private cache, gzip when the browser accepts it."""
    if layer not in LAYERS:
        abort(404)
    _competition, found = _load(competition_id, region_code)
    document = display_geojson(found.code, layer)
    compressed = request.accept_encodings["gzip"] > 0
    response = Response(document.gzipped if compressed else document.body, mimetype="application/geo+json")
    if compressed:
        response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    response.set_etag(f"{document.version}-{'gzip' if compressed else 'identity'}")
    response.cache_control.private = True
    response.cache_control.max_age = MAP_CACHE_SECONDS
    return response.make_conditional(request)


@bp.get("/<int:competition_id>/desa/<desa_code>")
@roles_required(*VIEWERS)
def desa(competition_id: int, desa_code: str) -> BaseResponse:
    """Open a desa from the map or its list: its why-this-rank page when results are visible and that page
    exists, otherwise its submission (the completeness check's page)."""
    competition = db.get_or_404(Competition, competition_id)
    require_region_access(desa_code, VIEWERS)
    participant = db.session.scalar(
        select(Participant).where(Participant.competition_id == competition.id, Participant.desa_code == desa_code)
    )
    if participant is None:
        abort(404)
    explain = current_app.view_functions.get("results.why")
    if explain is not None and scores_visible(current_user, competition):
        return redirect(url_for("results.why", competition_id=competition.id, desa_code=desa_code))
    return redirect(url_for("review.detail", participant_id=participant.id))
