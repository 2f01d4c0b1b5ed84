"""The progress page of a slow document, its download and "try again". Each view loads the job, authorizes with
the kind's own rule (role AND region scope, as the page that offered the document), calls one operation, renders."""

from __future__ import annotations

import io

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from assessment.delivery.operations import NotParked, retry_parked
from assessment.documents import operations
from assessment.documents.operations import DocumentKind
from assessment.models import Job, JobStatus
from assessment.platform.extensions import db
from assessment.platform.forms import ConfirmForm
from assessment.platform.storage import StorageError, get_store
from assessment.platform.wita import now_utc
from assessment.platform.wita import visitor_wita as wita
from assessment.services.security import has_role, signed_in

bp = Blueprint("documents", __name__, url_prefix="/dokumen")

REFRESH_SECONDS = 5


def _document(job_id: int) -> tuple[Job, DocumentKind, dict[str, object]]:
    """The document job, if the signed-in person may have that document (403 otherwise, 404 for other jobs)."""
    job = db.get_or_404(Job, job_id)
    found = operations.params_of(job)
    if found is None:
        abort(404)
    kind, params = found
    if not has_role(current_user, kind.roles) or not kind.allowed(current_user, params):
        abort(403)
    return job, kind, params


@bp.get("/<int:job_id>")
@signed_in
def progress(job_id: int) -> str:
    job, kind, params = _document(job_id)
    if kind.once:
        expires = operations.expires_of(params)
        sha256 = operations.stored_file(job)
        if sha256 is not None and expires is not None and now_utc() >= expires:
            operations.take_once(job, kind, params, now_utc())  # past the links' end: deleted, never served
    ready = operations.stored_file(job) is not None
    gone = kind.once and job.status is JobStatus.done and job.result in (operations.DOWNLOADED, operations.EXPIRED)
    # The page refreshes itself (no JavaScript) unless the visitor turned that off (WCAG 2.2.1: a page that
    # changes by itself must let the person stop it): then a link refreshes it by hand.
    still = request.args.get("diam") == "1"
    return render_template(
        "documents/progress.html",
        job=job,
        kind=kind,
        ready=ready,
        waiting=not ready and not gone and job.status is not JobStatus.parked,
        gone=gone,
        step=operations.step_of(job) if job.status is JobStatus.running else None,
        refresh=None if still else REFRESH_SECONDS,
        confirm=ConfirmForm(),
        wita=wita,
        filename=kind.filename(params),
    )


@bp.get("/<int:job_id>/unduh")
@signed_in
def download(job_id: int) -> Response:
    job, kind, params = _document(job_id)
    if kind.once:
        return _download_once(job, kind, params)
    sha256 = operations.stored_file(job)
    if sha256 is None:
        return redirect(url_for("documents.progress", job_id=job.id), 303)
    try:
        with get_store().open(sha256) as handle:
            data = handle.read()  # a document is small (a report of the whole province is under a megabyte)
    except StorageError:
        abort(404)
    return send_file(
        io.BytesIO(data), mimetype="application/pdf", as_attachment=True, download_name=kind.filename(params), max_age=0
    )


def _download_once(job: Job, kind: DocumentKind, params: dict[str, object]) -> Response:
    """A sealed document's one download (``no-store``: no copy kept by the browser or a proxy); afterwards 410
    with the page that says why."""
    waiting = job.status is not JobStatus.done
    data = None if waiting else operations.take_once(job, kind, params, now_utc())
    if data is None:
        if waiting:
            return redirect(url_for("documents.progress", job_id=job.id), 303)
        page = render_template("documents/gone.html", job=job, kind=kind, filename=kind.filename(params))
        response = Response(page, status=410, mimetype="text/html")
    else:
        response = send_file(
            io.BytesIO(data), mimetype="application/pdf", as_attachment=True, download_name=kind.filename(params)
        )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/<int:job_id>/ulang")
@signed_in
def retry(job_id: int) -> Response:
    job, _kind, _params = _document(job_id)
    if ConfirmForm().validate_on_submit():
        try:
            retry_parked(job, now_utc())
            flash(_("Dokumen dibuat ulang oleh pekerja latar; halaman ini menampilkan kemajuannya."), "success")
        except NotParked:
            pass  # already waiting or done: the page says which
    return redirect(url_for("documents.progress", job_id=job.id), 303)
