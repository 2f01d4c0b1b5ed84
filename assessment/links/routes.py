"""Captures of link evidence, shown as they were: the capture page and its archived copy in a sandboxed frame.

Who may open a capture: whoever may read the desa's evidence (:func:`assessment.services.visibility.reads_submission`:
its operators, verifikator kecamatan, DPMD and the committee within their scope, the assigned asesor, the ketua
tim of a desa in reconciliation), and only for evidence that is still active. Asking for a recheck: the
committee, the assigned asesor and the ketua tim, under the same rule.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from assessment.links.capture import LinkState, first_captures, latest_captures, link_state, recheck_participant
from assessment.links.feeds import asks_for_activity
from assessment.links.forms import RecheckForm
from assessment.models import CaptureOutcome, Evidence, EvidenceStatus, LinkCapture, Participant, Role
from assessment.platform.extensions import db
from assessment.platform.storage import StorageError, get_store
from assessment.platform.wita import now_utc
from assessment.platform.wita import visitor_wita as wita
from assessment.services import visibility
from assessment.services.security import roles_required

bp = Blueprint("links", __name__, url_prefix="/tautan")

CAPTURE_VIEWERS = (Role.operator_desa, Role.verifikator_kecamatan, Role.dpmd, Role.panitia, Role.asesor, Role.ketua_tim)

# The archived copy: no script (sandbox without allow-scripts), no request of any kind (default-src 'none': not
# even an image or a font), its own styles only; shown only inside the app's own capture page.
ARCHIVE_POLICY = (
    "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
)

OUTCOME_WORDS = {
    CaptureOutcome.archived: _l("diarsipkan"),
    CaptureOutcome.not_html: _l("bukan halaman web (isinya disimpan, tanpa salinan halaman)"),
    CaptureOutcome.not_found: _l("tidak ditemukan (404)"),
    CaptureOutcome.http_error: _l("situs menjawab dengan galat"),
    CaptureOutcome.unreachable: _l("tidak dapat dijangkau"),
    CaptureOutcome.timeout: _l("tidak dapat dijangkau (lebih dari 15 detik)"),
    CaptureOutcome.too_large: _l("terlalu besar untuk diarsipkan (lebih dari 5 MB)"),
    CaptureOutcome.refused: _l("alamat ditolak (bukan http/https atau alamat jaringan internal)"),
}

# Who may ask for all links of a desa to be fetched again: those who judge the evidence.
RECHECKERS = (Role.asesor, Role.ketua_tim, Role.panitia)

STATE_WORDS = {
    LinkState.pending: _l("menunggu diarsipkan"),
    LinkState.same: _l("aktif, sama seperti saat diajukan"),
    LinkState.changed: _l("berubah sejak diajukan"),
    LinkState.dead: _l("mati (404)"),
    LinkState.unreachable: _l("tidak dapat dijangkau"),
}


@bp.app_template_global()
def link_recheck_form() -> RecheckForm:
    return RecheckForm()


bp.add_app_template_global(asks_for_activity, "asks_for_activity")


@bp.app_template_global()
def link_state_words(first: LinkCapture | None, latest: LinkCapture | None) -> str:
    """The assessor's words for a link now against when it was given (:func:`link_state`)."""
    state = link_state(first, latest)
    if state is LinkState.other and latest is not None:
        return link_capture_words(latest.outcome)
    return str(STATE_WORDS[state])


@bp.app_template_global()
def link_capture_words(outcome: CaptureOutcome | str) -> str:
    """The words for a capture outcome (the operator's and the assessor's pages)."""
    return str(OUTCOME_WORDS[CaptureOutcome(outcome)])


@bp.app_template_global()
def link_captures(evidence_id: int) -> dict[str, Any]:
    """The first and the latest capture of one link, for the pages that list evidence."""
    first = first_captures([evidence_id]).get(evidence_id)
    latest = latest_captures([evidence_id]).get(evidence_id)
    return {"first": first, "latest": latest}


def _capture_for_viewer(capture_id: int) -> tuple[LinkCapture, Evidence]:
    capture = db.get_or_404(LinkCapture, capture_id)
    evidence = db.session.get(Evidence, capture.evidence_id)
    if evidence is None:
        abort(404)
    if not visibility.reads_submission(current_user, evidence.participant):
        abort(403)
    if evidence.status != EvidenceStatus.aktif:
        abort(404)
    return capture, evidence


@bp.get("/arsip/<int:capture_id>")
@roles_required(*CAPTURE_VIEWERS)
def show(capture_id: int) -> str:
    """What the link showed at the time of the capture: its details and the archived copy in a sandboxed frame."""
    capture, evidence = _capture_for_viewer(capture_id)
    others = list(
        db.session.scalars(
            select(LinkCapture)
            .where(LinkCapture.evidence_id == evidence.id)
            .order_by(LinkCapture.fetched_at, LinkCapture.id)
        )
    )
    return render_template("links/capture.html", capture=capture, evidence=evidence, others=others, wita=wita)


def _blob(key: str | None) -> Any:
    if not key:
        abort(404)
    try:
        return get_store().open(key)
    except StorageError:
        abort(404)


@bp.post("/peserta/<int:participant_id>/periksa-ulang")
@roles_required(*RECHECKERS)
def recheck(participant_id: int) -> Response:
    """Fetch every link of a desa again now (the worker does it within seconds); back to the page asked from."""
    participant = db.get_or_404(Participant, participant_id)
    if not visibility.reads_submission(current_user, participant):
        abort(403)
    form = RecheckForm()
    if not form.validate_on_submit():
        abort(400)
    added = recheck_participant(participant.id, f"{now_utc():%Y%m%dT%H%M}")
    db.session.commit()
    flash(_("%(n)d tautan akan diperiksa ulang dalam beberapa saat.", n=added), "info")
    target = request.form.get("next", "")
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        target = url_for("main.home")
    return redirect(target)


@bp.get("/arsip/<int:capture_id>/salinan")
@roles_required(*CAPTURE_VIEWERS)
def archived_copy(capture_id: int) -> Response:
    """The archived copy of an HTML page, served so that nothing in it runs or fetches (``ARCHIVE_POLICY``)."""
    capture, _evidence = _capture_for_viewer(capture_id)
    response = send_file(
        _blob(capture.archive_sha256), mimetype="text/html; charset=utf-8", max_age=0, conditional=False
    )
    response.headers["Content-Security-Policy"] = ARCHIVE_POLICY
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/arsip/<int:capture_id>/tangkapan-layar")
@roles_required(*CAPTURE_VIEWERS)
def screenshot(capture_id: int) -> Response:
    """The PNG of the archived copy (drawn by the worker without scripts or network), shown beside the copy."""
    capture, _evidence = _capture_for_viewer(capture_id)
    response = send_file(_blob(capture.screenshot_sha256), mimetype="image/png", max_age=0, conditional=False)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/arsip/<int:capture_id>/isi")
@roles_required(*CAPTURE_VIEWERS)
def body(capture_id: int) -> Response:
    """The body exactly as received (its SHA-256 is the capture's), always as a download, never rendered."""
    capture, _evidence = _capture_for_viewer(capture_id)
    response = send_file(
        _blob(capture.body_sha256),
        mimetype="application/octet-stream",
        as_attachment=True,
        download_name=f"tautan-{capture.id}-{(capture.body_sha256 or '')[:12]}.bin",
        max_age=0,
        conditional=False,
    )
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response
