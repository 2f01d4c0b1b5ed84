"""Results pages: rankings of the province, each kabupaten and each kecamatan; why-this-rank per desa; downloads.

Each view loads (the competition and the region or desa, 404 when outside the competition), authorizes with the
rules of :mod:`assessment.results.access` (public once published, before that only the committee, region scope on
the server), calls one function that computes (``repo.results_report`` / ``explain``), renders.
"""

from __future__ import annotations

import io
from collections import Counter

from flask import Blueprint, abort, current_app, redirect, render_template, send_file, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from assessment import repo
from assessment.core.standing import state_label
from assessment.documents.operations import stored_file
from assessment.models import Competition, Participant, Region, RegionKind, Role
from assessment.platform.extensions import db
from assessment.platform.http import allow_chart_styles
from assessment.platform.storage import StorageError, get_store
from assessment.platform.wita import visitor_wita as wita
from assessment.presentation.figures import aspect_averages_by_kecamatan, predikat_distribution, ranking_bars
from assessment.presentation.navigation import NavLink, offer_links
from assessment.presentation.pdf import certificate_pdf
from assessment.results.access import details_visible, reports_downloadable, results_visible
from assessment.results.documents import request_report
from assessment.results.explain import explain
from assessment.results.reports import winners, workbook_bytes
from assessment.services.published import verification_url
from assessment.services.security import region_within, roles_required, user_can_access_region

bp = Blueprint("results", __name__, url_prefix="/hasil")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RANKED_REGION_KINDS = (RegionKind.provinsi, RegionKind.kabupaten, RegionKind.kota, RegionKind.kecamatan)
KIND_LABELS = {
    RegionKind.provinsi: _l("Provinsi"),
    RegionKind.kabupaten: _l("Kabupaten"),
    RegionKind.kota: _l("Kota"),
    RegionKind.kecamatan: _l("Kecamatan"),
}


offer_links(
    bp,
    *(
        NavLink(
            role,
            "results.index",
            _l("Hasil dan peringkat"),
            _l("Peringkat provinsi, kabupaten dan kecamatan, dan alasan tiap peringkat."),
        )
        for role in Role
    ),
)


@bp.app_template_global("keadaan_label")
def keadaan_label(value: str) -> str:
    """A ranking state's words (:data:`assessment.core.standing.STATE_LABELS`), still to be translated with ``_()``."""
    return state_label(value)


def _deny() -> None:
    """Anonymous visitors are sent to sign in (the committee may see more once signed in); others get 403."""
    if not getattr(current_user, "is_authenticated", False):
        abort(current_app.login_manager.unauthorized())  # type: ignore[attr-defined]
    abort(403)


def _region(competition: Competition, region_code: str) -> Region:
    region = db.session.scalar(select(Region).where(Region.code == region_code))
    if (
        region is None
        or region.kind not in RANKED_REGION_KINDS
        or not (
            region_within(region.code, competition.scope_region_code)
            or region_within(competition.scope_region_code, region.code)
        )
    ):
        abort(404)
    return region


@bp.get("/")
def index() -> str:
    """The competitions whose results the visitor may see: published ones, and before that the committee's own."""
    competitions = [
        c
        for c in db.session.scalars(select(Competition).order_by(Competition.year.desc(), Competition.id)).unique()
        if results_visible(current_user, c, c.scope_region_code)
    ]
    return render_template("results/index.html", competitions=competitions)


@bp.get("/<int:competition_id>/peringkat/<region_code>")
def ranking(competition_id: int, region_code: str) -> str:
    """The ranking of a province, kabupaten or kecamatan, with its charts and tables."""
    competition = db.get_or_404(Competition, competition_id)
    region = _region(competition, region_code)
    if not results_visible(current_user, competition, region.code):
        _deny()
    report = repo.results_report(competition, region.code, evidence=False, assessor_levels=False, final_levels=False)
    depth = {RegionKind.provinsi: 5, RegionKind.kabupaten: 8, RegionKind.kota: 8}.get(region.kind)
    # The regions one level down, each with its number of ranked desa (a region whose desa are all unranked too).
    children = Counter(d.code[:depth] for d in report.desa) if depth else Counter()
    for other in report.unranked if depth else ():
        children.setdefault(other.code[:depth], 0)
    child_names = dict(
        db.session.execute(select(Region.code, Region.name).where(Region.code.in_(list(children)))).all()
    )
    charts = [ranking_bars(report.desa)]
    if region.kind != RegionKind.kecamatan:
        charts.append(aspect_averages_by_kecamatan(report.desa, report.aspects))
    charts.append(predikat_distribution(report.desa, report.predikat_order))
    allow_chart_styles()
    return render_template(
        "results/ranking.html",
        competition=competition,
        region=region,
        report=report,
        charts=charts,
        kind_label=KIND_LABELS.get(region.kind, ""),
        children=sorted(children.items()),
        child_names=child_names,
        parent=_parent(competition, region),
        can_download=reports_downloadable(current_user, competition, region.code),
        resamples=repo.BOOTSTRAP_RESAMPLES,
        wita=wita,
    )


def _parent(competition: Competition, region: Region) -> Region | None:
    if region.code == competition.scope_region_code or not region.parent_code:
        return None
    return db.session.scalar(select(Region).where(Region.code == region.parent_code))


@bp.get("/<int:competition_id>/desa/<desa_code>")
def why(competition_id: int, desa_code: str) -> str:
    """Why this rank: evidence, verification, level, weight, contribution, aspect, index and rank of one desa."""
    competition = db.get_or_404(Competition, competition_id)
    participant = db.session.scalar(
        select(Participant).where(Participant.competition_id == competition.id, Participant.desa_code == desa_code)
    )
    if participant is None:
        abort(404)
    if not results_visible(current_user, competition, desa_code):
        _deny()
    run = repo.engine_run(competition)
    detail = details_visible(current_user, desa_code)
    result = next((d for d in run.desa if d.code == desa_code), None)
    if result is None:
        # Not ranked (assessment.core.standing.who_is_ranked): the page says why, with the levels verified so far.
        unranked = next((u for u in run.unranked if u.code == desa_code), None)
        if unranked is None:
            abort(404)
        return render_template(
            "results/why_unranked.html",
            competition=competition,
            participant=participant,
            u=unranked,
            run=run,
            history=repo.level_provenance(competition, desa_code) if run.sealed is None else {},
            detail=detail,
            kecamatan_code=desa_code[:8],
            kabupaten_code=desa_code[:5],
            wita=wita,
        )
    explanation = explain(
        run, desa_code, repo.level_provenance(competition, desa_code), repo.desa_evidence(competition, desa_code)
    )
    names = {p.code: p.name for p in run.participants}
    return render_template(
        "results/why.html",
        competition=competition,
        participant=participant,
        e=explanation,
        names=names,
        result=result,
        total=len(run.desa),
        sealed=run.sealed,
        differs=run.differs,
        wita=wita,
        detail=detail,
        files_visible=detail,
        kecamatan_code=desa_code[:8],
        kabupaten_code=desa_code[:5],
        level_names=dict(run.rubric.level_names),
        scale=run.rubric.scale,
        aggregation=run.rubric.aggregation,
        ahead_names=", ".join(names.get(code, code) for code in explanation.ahead),
        certificate=user_can_access_region(current_user, desa_code, (Role.panitia,))
        and result.rank <= 3
        and bool(result.predikat),
    )


@bp.get("/<int:competition_id>/unduh/hasil-<region_code>.xlsx")
@roles_required(Role.panitia, Role.dpmd)
def workbook(competition_id: int, region_code: str) -> Response:
    """The results workbook of a region (the committee; DPMD for its kabupaten once published)."""
    competition = db.get_or_404(Competition, competition_id)
    region = _region(competition, region_code)
    if not reports_downloadable(current_user, competition, region.code):
        _deny()
    # The workbook follows the pages' rule (results.access.details_visible): whoever may not read assessors'
    # names, notes and evidence files on a page (DPMD) gets a workbook without them.
    details = details_visible(current_user, region.code)
    data = workbook_bytes(
        repo.results_report(competition, region.code, evidence=details, assessor_levels=details, fresh=True)
    )
    return send_file(
        io.BytesIO(data),
        mimetype=XLSX,
        as_attachment=True,
        download_name=f"hasil-{competition.id}-{region.code}.xlsx",
        max_age=0,
    )


@bp.get("/<int:competition_id>/laporan/<region_code>.pdf")
@roles_required(Role.panitia, Role.dpmd)
def report_pdf(competition_id: int, region_code: str) -> Response:
    """The PDF report of a kabupaten (or any ranked region): cover, summary, charts, ranking, kecamatan pages;
    made by the worker (:mod:`assessment.results.documents`)."""
    competition = db.get_or_404(Competition, competition_id)
    region = _region(competition, region_code)
    if not reports_downloadable(current_user, competition, region.code):
        _deny()
    # Made by the background worker (assessment.documents): served at once when the results it shows are
    # unchanged since it was made, else the progress page until it is.
    job = request_report(competition, region.code)
    sha256 = stored_file(job)
    if sha256 is None:
        return redirect(url_for("documents.progress", job_id=job.id), 303)
    try:
        with get_store().open(sha256) as handle:
            data = handle.read()  # a report is small (under a megabyte for the whole province)
    except StorageError:
        abort(404)
    return send_file(
        io.BytesIO(data),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"laporan-{competition.id}-{region.code}.pdf",
        max_age=0,
    )


@bp.get("/<int:competition_id>/sertifikat/<desa_code>.pdf")
@roles_required(Role.panitia)
def certificate(competition_id: int, desa_code: str) -> Response:
    """A winner's certificate with a QR code (the committee, for a desa in its scope)."""
    competition = db.get_or_404(Competition, competition_id)
    if not user_can_access_region(current_user, desa_code, (Role.panitia,)):
        _deny()
    if not competition.results_public:
        abort(404)  # nobody is a winner before the results are published (as `reports build`)
    report = repo.results_report(competition, evidence=False, assessor_levels=False, fresh=True)
    desa = next((d for d in winners(report) if d.code == desa_code), None)
    if desa is None:
        abort(404)
    data = certificate_pdf(desa, competition.name, verification_url(competition, desa_code))
    return send_file(
        io.BytesIO(data),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"piagam-{competition.id}-{desa_code}.pdf",
        max_age=0,
    )
