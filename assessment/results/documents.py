"""The kabupaten (or any ranked region's) PDF report as a slow document (:mod:`assessment.documents`): made by
the worker, reused while the results it shows are unchanged.

Measured on the development machine (2 cores; synthetic results, ``bench``-like): 4.2 s for 60 desa, 13.4 s for
200, 49 s for the province's 841; a certificate takes 0.06 s and stays in its request.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from assessment import repo
from assessment.documents.operations import DocumentKind, Step, fingerprint, register, request_document
from assessment.models import Competition, Job, Role
from assessment.platform.extensions import db
from assessment.platform.wita import format_wita, now_utc
from assessment.presentation.reportdata import ResultsReport
from assessment.results.access import reports_downloadable
from assessment.results.reports import kabupaten_pdf

REPORT = "laporan"


def report_of(competition: Competition, region_code: str, *, fresh: bool) -> ResultsReport:
    """What the PDF report shows: no assessor's name, note or evidence (the same report for every reader)."""
    return repo.results_report(competition, region_code, evidence=False, assessor_levels=False, fresh=fresh)


def request_report(competition: Competition, region_code: str) -> Job:
    """The job of the PDF report of ``region_code`` as the results stand now, in the visitor's language."""
    params = {"competition": competition.id, "region": region_code, "lang": str(get_locale() or "id")}
    return request_document(
        REPORT, params, fingerprint(REPORT, params, report_of(competition, region_code, fresh=False))
    )


def _allowed(user: Any, params: dict[str, Any]) -> bool:
    competition = db.session.get(Competition, int(params["competition"]))
    return competition is not None and reports_downloadable(user, competition, str(params["region"]))


def _build(params: dict[str, Any], step: Step) -> bytes:
    competition = db.session.get(Competition, int(params["competition"]))
    if competition is None:
        raise LookupError("competition gone")
    step(1, 3)
    # The visitor's language: the report's words (chart titles, headings) are translated while rendering.
    with current_app.test_request_context(environ_base={"HTTP_COOKIE": f"lang={params.get('lang', 'id')}"}):
        report = report_of(competition, str(params["region"]), fresh=True)
        step(2, 3)
        now = now_utc()
        pdf = kabupaten_pdf(report, now, format_wita(now))
    step(3, 3)
    return pdf


register(
    DocumentKind(
        name=REPORT,
        title=_l("Laporan hasil (PDF)"),
        roles=(Role.panitia, Role.dpmd),
        allowed=_allowed,
        filename=lambda params: f"laporan-{params['competition']}-{params['region']}.pdf",
        build=_build,
    )
)
