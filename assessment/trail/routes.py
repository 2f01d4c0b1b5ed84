"""The committee's audit-trail pages: the events, filtered by actor, action, target and date, and their export."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from assessment.models import AuditEvent, Role
from assessment.platform.extensions import db
from assessment.platform.wita import WITA
from assessment.presentation.navigation import NavLink, offer_links
from assessment.services.audit import timestamp_text
from assessment.services.security import roles_required
from assessment.trail import export, filters, operations
from assessment.trail.filters import PAGE_SIZE, TrailFilter
from assessment.trail.labels import action_label

bp = Blueprint("trail", __name__, url_prefix="/panitia/jejak-audit")

# The trail names every account and address: only the provincial committee reads it, each the events of its own
# province (filters.readable_by).
READERS = filters.READERS


offer_links(
    bp,
    NavLink(
        Role.panitia,
        "trail.index",
        _l("Jejak audit"),
        _l("Siapa mengubah apa dan kapan; saring dan unduh sebagai CSV."),
    ),
)


@bp.get("/")
@roles_required(*READERS)
def index() -> str:
    trail_filter, problems = TrailFilter.from_args(request.args)
    events = list(db.session.scalars(trail_filter.page_query(current_user)))
    actions = list(db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))
    next_args = None
    if len(events) == PAGE_SIZE:
        next_args = {**trail_filter.as_args(), "sebelum": str(events[-1].seq)}
    return render_template(
        "trail/index.html",
        events=events,
        actions=actions,
        trail_filter=trail_filter,
        problems=problems,
        next_args=next_args,
        export_args=trail_filter.as_args(),
        wita=lambda moment: moment.astimezone(WITA).strftime("%Y-%m-%d %H:%M:%S"),
        utc=timestamp_text,
        action_label=action_label,
    )


@bp.get("/unduh.csv")
@roles_required(*READERS)
def download() -> Response:
    trail_filter, _problems = TrailFilter.from_args(request.args)
    operations.record_export(trail_filter)
    body = "".join(export.csv_lines(db.session.scalars(trail_filter.query(current_user))))
    response = Response(body, mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="jejak-audit.csv"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
