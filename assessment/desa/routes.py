"""The operator desa's pages: criteria, self-assessment per indicator, evidence, checklist and submission.

Each view loads, authorizes (role AND region scope, on the server), calls one operation and renders. The core
flow works without JavaScript; ``static/js/upload.js`` only adds upload progress and retries.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from assessment.criteria.model import Indicator, Rubric
from assessment.desa import operations
from assessment.desa.forms import EvidenceLinkForm, EvidenceUploadForm, SelfAssessmentForm
from assessment.desa.rules import (
    IndicatorProgress,
    Window,
    indicator_progress,
    neighbours,
    next_to_fill,
    self_assessment_window,
)
from assessment.models import (
    Evidence,
    EvidenceKind,
    EvidenceStatus,
    Participant,
    ReviewDecision,
    Role,
    SelfAssessment,
    Stage,
    StageCode,
    SubmissionReview,
    SubmissionStatus,
)
from assessment.platform.extensions import db
from assessment.platform.forms import ConfirmForm
from assessment.platform.storage import StorageError, get_store
from assessment.platform.versioning import SaveConflict
from assessment.platform.wita import now_utc
from assessment.platform.wita import visitor_wita as wita
from assessment.presentation import navigation
from assessment.repo import rubric_of
from assessment.services import visibility
from assessment.services.editions import split_editions
from assessment.services.evidence import ACCEPT_ATTRIBUTE, MEDIA_TYPES, UploadRejected, download_name
from assessment.services.loaders import indicator_or_404, participant_in_scope
from assessment.services.security import roles_required, scope_filter
from assessment.services.stages import STAGE_NAMES, GateReason

bp = Blueprint("desa", __name__, url_prefix="/desa")


navigation.offer_links(
    bp,
    navigation.NavLink(
        Role.operator_desa,
        "desa.index",
        _l("Penilaian mandiri desa"),
        _l("Pilih level tiap indikator, tulis penjelasan, unggah bukti, lalu ajukan sebelum batas waktu."),
    ),
)


OPERATOR = (Role.operator_desa,)
# Who may open a desa's evidence: its operator, its verifikator kecamatan, the DPMD of its kabupaten, the
# provincial committee, and the assigned assessors and the ketua tim of a desa in reconciliation
# (assessment.services.visibility).
EVIDENCE_VIEWERS = visibility.READERS


def _max_upload_bytes() -> int:
    """The largest evidence file: ``EVIDENCE_MAX_BYTES`` if set, else the request limit ``MAX_CONTENT_LENGTH``."""
    return int(current_app.config.get("EVIDENCE_MAX_BYTES") or current_app.config["MAX_CONTENT_LENGTH"])


def _wants_json() -> bool:
    return request.headers.get("Accept", "").startswith("application/json")


def _active_evidence(participant: Participant, indicator_code: str | None = None) -> list[Evidence]:
    return [
        item
        for item in participant.evidence
        if item.status == EvidenceStatus.aktif and (indicator_code is None or item.indicator_code == indicator_code)
    ]


def _progress(participant: Participant, rubric: Rubric) -> tuple[list[IndicatorProgress], dict[str, int]]:
    """What is filled in and what is missing per indicator (:func:`indicator_progress`), and evidence counts."""
    counts: dict[str, int] = {}
    for item in _active_evidence(participant):
        counts[item.indicator_code] = counts.get(item.indicator_code, 0) + 1
    progress = indicator_progress(
        rubric,
        {row.indicator_code: row.level for row in participant.self_assessments},
        {row.indicator_code: row.explanation for row in participant.self_assessments},
        counts,
    )
    return progress, counts


def _window_message(window: Window) -> str:
    return str(_window_text(window))


def _window_text(window: Window) -> object:
    if window.reason == GateReason.closed:
        return _(
            "Batas waktu penilaian mandiri sudah lewat (%(deadline)s). Perubahan tidak dapat disimpan.",
            deadline=wita(window.deadline),
        )
    if window.reason == GateReason.not_started:
        return _("Penilaian mandiri belum dibuka.")
    if window.reason == GateReason.no_schedule:
        return _("Jadwal penilaian mandiri belum ditetapkan panitia.")
    return _("Penilaian mandiri sudah diajukan dan terkunci.")


def _latest_return(participant: Participant) -> SubmissionReview | None:
    returns = [review for review in participant.reviews if review.decision == ReviewDecision.dikembalikan]
    return returns[-1] if returns else None


@bp.get("/")
@roles_required(Role.operator_desa)
def index() -> str:
    participants = db.session.scalars(
        select(Participant)
        .where(scope_filter(Participant.desa_code, current_user, OPERATOR))
        .order_by(Participant.competition_id.desc(), Participant.desa_code)
    ).all()
    now = now_utc()
    rows = [
        (participant, self_assessment_window(participant.competition, participant, now)) for participant in participants
    ]
    return render_template(
        "desa/index.html", rows=rows, wita=wita, editions=split_editions(rows, lambda row: row[0].competition, now)
    )


@bp.get("/peserta/<int:participant_id>")
@roles_required(Role.operator_desa)
def overview(participant_id: int) -> str:
    participant = participant_in_scope(participant_id, OPERATOR)
    rubric = rubric_of(participant.competition.rubric)
    window = self_assessment_window(participant.competition, participant, now_utc())
    progress, _counts = _progress(participant, rubric)
    by_code = {item.indicator.code: item for item in progress}
    return render_template(
        "desa/participant.html",
        participant=participant,
        rubric=rubric,
        window=window,
        progress=progress,
        by_code=by_code,
        returned=_latest_return(participant),
        submit_form=ConfirmForm(),
        wita=wita,
        window_message=_window_message(window),
        level_names=dict(rubric.level_names),
        next_stages=_next_stages(participant),
        stage_names=STAGE_NAMES,
    )


# What happens after a submission, stage by stage, as the operator reads it on the desa page.
AFTER_SUBMISSION = (
    StageCode.verifikasi_kelengkapan,
    StageCode.penilaian_dokumen,
    StageCode.pengumuman_sementara,
    StageCode.masa_sanggah,
)


def _next_stages(participant: Participant) -> list[Stage]:
    """The stages still to come for a submitted desa (not yet ended), in order; empty before submission."""
    if participant.status not in (SubmissionStatus.diajukan, SubmissionStatus.lengkap):
        return []
    now = now_utc()
    stages = [participant.competition.stage(code) for code in AFTER_SUBMISSION]
    return [stage for stage in stages if stage is not None and stage.ends_at > now]


def _indicator_page(
    participant: Participant,
    rubric: Rubric,
    indicator: Indicator,
    window: Window,
    form: SelfAssessmentForm | None = None,
    upload_form: EvidenceUploadForm | None = None,
    link_form: EvidenceLinkForm | None = None,
    upload_error: str | None = None,
    status: int = 200,
    conflict: SaveConflict[SelfAssessment] | None = None,
) -> tuple[str, int]:
    row = next((r for r in participant.self_assessments if r.indicator_code == indicator.code), None)
    if form is None:
        form = SelfAssessmentForm(
            level=row.level if row else None,
            explanation=row.explanation if row else "",
            version=str(row.version if row else 0),
        )
    elif conflict is not None:
        # The typed input stays in the form; saving it again now knowingly replaces the value shown beside it.
        form.version.data = str(conflict.current.version if conflict.current else 0)
    level_names = dict(rubric.level_names)
    form.set_scale([(value, f"{value} — {level_names.get(value, '')}".rstrip(" —")) for value in rubric.scale.levels])
    progress, _counts = _progress(participant, rubric)
    previous_code, next_code = neighbours(progress, indicator.code)
    html = render_template(
        "desa/indicator.html",
        participant=participant,
        rubric=rubric,
        indicator=indicator,
        window=window,
        row=row,
        form=form,
        upload_form=upload_form or EvidenceUploadForm(),
        link_form=link_form or EvidenceLinkForm(),
        evidence=_active_evidence(participant, indicator.code),
        delete_form=ConfirmForm(),
        accept=ACCEPT_ATTRIBUTE,
        upload_error=upload_error,
        window_message=_window_message(window),
        wita=wita,
        level_names=level_names,
        max_mb=_max_upload_bytes() // (1024 * 1024),
        max_bytes=_max_upload_bytes(),
        conflict=conflict,
        filled=sum(1 for item in progress if item.level is not None),
        total=len(progress),
        previous_code=previous_code,
        next_code=next_code,
        missing_here=next((item.missing for item in progress if item.indicator.code == indicator.code), ()),
    )
    return html, status


@bp.route("/peserta/<int:participant_id>/indikator/<code>", methods=["GET", "POST"])
@roles_required(Role.operator_desa)
def indicator(participant_id: int, code: str) -> tuple[str, int] | Response:
    participant = participant_in_scope(participant_id, OPERATOR)
    rubric = rubric_of(participant.competition.rubric)
    item = indicator_or_404(rubric, code)
    now = now_utc()
    window = self_assessment_window(participant.competition, participant, now)
    if request.method == "GET":
        return _indicator_page(participant, rubric, item, window)
    form = SelfAssessmentForm()
    form.set_scale([(value, str(value)) for value in rubric.scale.levels])
    if not form.validate_on_submit():
        return _indicator_page(participant, rubric, item, window, form=form, status=400)
    try:
        operations.save_self_assessment(
            participant,
            rubric,
            item.code,
            form.level.data,
            form.explanation.data or "",
            current_user,
            now,
            form.expected_version(),
        )
    except operations.SelfAssessmentClosed as closed:
        flash(_window_message(closed.window), "error")
        return _indicator_page(participant, rubric, item, window, form=form, status=409)
    except SaveConflict as conflict:
        flash(
            _(
                "Indikator ini sudah disimpan orang lain (atau di tab lain) setelah halaman ini Anda buka, jadi "
                "isian Anda BELUM disimpan. Isian Anda masih ada di formulir dan isian yang tersimpan sekarang "
                "ditampilkan. Periksa keduanya, lalu simpan lagi bila isian Anda yang benar."
            ),
            "error",
        )
        db.session.refresh(participant)
        return _indicator_page(participant, rubric, item, window, form=form, status=409, conflict=conflict)
    flash(_("Penilaian indikator %(code)s tersimpan.", code=item.code), "success")
    db.session.refresh(participant)
    progress, _counts = _progress(participant, rubric)
    following = next_to_fill(progress, item.code)
    if following is None:
        flash(_("Semua indikator sudah terisi: periksa ringkasannya, lalu ajukan."), "success")
        return redirect(url_for("desa.overview", participant_id=participant.id))
    return redirect(url_for("desa.indicator", participant_id=participant.id, code=following))


def _upload_refused(
    participant: Participant, rubric: Rubric, item: Indicator, window: Window, message: str, status: int
) -> tuple[str, int] | Response:
    if _wants_json():
        response = jsonify(ok=False, message=message)
        response.status_code = status
        return response
    return _indicator_page(participant, rubric, item, window, upload_error=message, status=status)


@bp.post("/peserta/<int:participant_id>/indikator/<code>/bukti")
@roles_required(Role.operator_desa)
def upload(participant_id: int, code: str) -> tuple[str, int] | Response:
    participant = participant_in_scope(participant_id, OPERATOR)
    rubric = rubric_of(participant.competition.rubric)
    item = indicator_or_404(rubric, code)
    now = now_utc()
    window = self_assessment_window(participant.competition, participant, now)
    form = EvidenceUploadForm()
    if not form.validate_on_submit():
        message = " ".join(str(error) for error in form.file.errors) or _("Unggahan tidak valid. Coba lagi.")
        return _upload_refused(participant, rubric, item, window, message, 400)
    upload_file = form.file.data
    max_bytes = _max_upload_bytes()
    try:
        result = operations.add_evidence_file(
            participant,
            rubric,
            item.code,
            upload_file.read(),
            upload_file.filename,
            current_user,
            now,
            get_store(),
            max_bytes,
        )
    except UploadRejected as rejected:
        return _upload_refused(participant, rubric, item, window, str(rejected.message), 400)
    except operations.SelfAssessmentClosed as closed:
        return _upload_refused(participant, rubric, item, window, _window_message(closed.window), 409)
    evidence = result.evidence
    message = (
        _("Berkas %(name)s tersimpan.", name=evidence.original_name)
        if result.created
        else _("Berkas %(name)s sudah ada; tidak disimpan dua kali.", name=evidence.original_name)
    )
    target = url_for("desa.indicator", participant_id=participant.id, code=item.code)
    # Flashed for both paths: after an XHR upload the script loads ``target``, which shows the message.
    flash(message, "success")
    if _wants_json():
        response = jsonify(ok=True, created=result.created, message=message, evidence_id=evidence.id, redirect=target)
        response.status_code = 201 if result.created else 200
        return response
    return redirect(target)


@bp.errorhandler(RequestEntityTooLarge)
def upload_too_large(_error: RequestEntityTooLarge) -> tuple[str, int] | Response:
    """A body over ``MAX_CONTENT_LENGTH`` is refused before it is read: nothing is stored."""
    limit = current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
    message = _(
        "Berkas terlalu besar: paling besar %(mb)s MB. Kecilkan atau pecah berkasnya, lalu unggah lagi.", mb=limit
    )
    if _wants_json():
        response = jsonify(ok=False, message=message)
        response.status_code = 413
        return response
    return render_template("errors/error.html", code=413, title="Berkas terlalu besar", detail=message), 413


@bp.post("/peserta/<int:participant_id>/indikator/<code>/tautan")
@roles_required(Role.operator_desa)
def add_link(participant_id: int, code: str) -> tuple[str, int] | Response:
    participant = participant_in_scope(participant_id, OPERATOR)
    rubric = rubric_of(participant.competition.rubric)
    item = indicator_or_404(rubric, code)
    now = now_utc()
    window = self_assessment_window(participant.competition, participant, now)
    form = EvidenceLinkForm()
    if not form.validate_on_submit():
        return _indicator_page(participant, rubric, item, window, link_form=form, status=400)
    try:
        operations.add_evidence_link(participant, rubric, item.code, form.url.data or "", current_user, now)
    except operations.SelfAssessmentClosed as closed:
        flash(_window_message(closed.window), "error")
        return _indicator_page(participant, rubric, item, window, link_form=form, status=409)
    flash(_("Tautan tersimpan."), "success")
    return redirect(url_for("desa.indicator", participant_id=participant.id, code=item.code))


@bp.post("/peserta/<int:participant_id>/bukti/<int:evidence_id>/hapus")
@roles_required(Role.operator_desa)
def remove(participant_id: int, evidence_id: int) -> Response:
    participant = participant_in_scope(participant_id, OPERATOR)
    evidence = db.get_or_404(Evidence, evidence_id)
    if evidence.participant_id != participant.id or evidence.status != EvidenceStatus.aktif:
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            operations.remove_evidence(evidence, now_utc())
            flash(_("Bukti dihapus dari penilaian mandiri."), "success")
        except operations.SelfAssessmentClosed as closed:
            flash(_window_message(closed.window), "error")
    return redirect(url_for("desa.indicator", participant_id=participant.id, code=evidence.indicator_code))


@bp.get("/peserta/<int:participant_id>/ajukan")
@roles_required(Role.operator_desa)
def confirm_submit(participant_id: int) -> str:
    """The confirmation page before a submission that cannot be undone: what happens and what is still missing."""
    participant = participant_in_scope(participant_id, OPERATOR)
    rubric = rubric_of(participant.competition.rubric)
    window = self_assessment_window(participant.competition, participant, now_utc())
    progress, counts = _progress(participant, rubric)
    return render_template(
        "desa/confirm_submit.html",
        participant=participant,
        window=window,
        window_message=_window_message(window),
        blocking=[item for item in progress if item.blocks_submission],
        warnings=[item for item in progress if item.missing and not item.blocks_submission],
        total=len(progress),
        evidence_total=sum(counts.values()),
        submit_form=ConfirmForm(),
        wita=wita,
    )


@bp.post("/peserta/<int:participant_id>/ajukan")
@roles_required(Role.operator_desa)
def submit(participant_id: int) -> Response | tuple[str, int]:
    participant = participant_in_scope(participant_id, OPERATOR)
    rubric = rubric_of(participant.competition.rubric)
    form = ConfirmForm()
    target = redirect(url_for("desa.overview", participant_id=participant.id))
    if not form.validate_on_submit():
        return target
    if participant.status in (SubmissionStatus.diajukan, SubmissionStatus.lengkap):
        flash(_("Penilaian mandiri ini sudah diajukan sebelumnya."), "info")
        return target
    try:
        submitted = operations.submit_self_assessment(participant, rubric, now_utc())
    except operations.SelfAssessmentClosed as closed:
        flash(_window_message(closed.window), "error")
        return target
    except operations.SubmissionIncomplete as incomplete:
        flash(
            _("Belum bisa diajukan: indikator %(codes)s belum diberi level.", codes=", ".join(incomplete.codes)),
            "error",
        )
        return target
    if submitted:
        flash(_("Penilaian mandiri sudah diajukan. Terima kasih; data kini terkunci untuk verifikasi."), "success")
    else:
        flash(_("Penilaian mandiri ini sudah diajukan sebelumnya."), "info")
    return target


def _evidence_for_viewer(evidence_id: int) -> Evidence:
    evidence = db.get_or_404(Evidence, evidence_id)
    if not visibility.reads_submission(current_user, evidence.participant):
        abort(403)
    if evidence.status != EvidenceStatus.aktif or evidence.kind != EvidenceKind.file or not evidence.sha256:
        abort(404)
    return evidence


def _send_blob(key: str, media_type: str, *, attachment_name: str | None) -> Response:
    try:
        handle = get_store().open(key)
    except StorageError:
        abort(404)
    response = send_file(
        handle,
        mimetype=media_type,
        as_attachment=attachment_name is not None,
        download_name=attachment_name,
        max_age=0,
        conditional=False,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Evidence can show residents: never kept by a shared cache; a file opened directly runs nothing.
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.get("/bukti/<int:evidence_id>/unduh")
@roles_required(*EVIDENCE_VIEWERS)
def download(evidence_id: int) -> Response:
    """The original file, always as an attachment (an HTML look-alike can never render in the app's origin).

    A photo's original (with its EXIF: GPS, capture time) goes only to those :func:`visibility.gets_original`
    names; other readers get the display copy without EXIF, as a JPEG attachment, through the same link.
    """
    evidence = _evidence_for_viewer(evidence_id)
    if not visibility.gets_original(current_user, evidence):
        name = download_name(evidence.original_name or "berkas", "image/jpeg")
        return _send_blob(evidence.display_sha256 or "", "image/jpeg", attachment_name=name)
    media_type = evidence.media_type or "application/octet-stream"
    name = download_name(evidence.original_name or "berkas", media_type) if media_type in MEDIA_TYPES else "berkas"
    return _send_blob(evidence.sha256 or "", media_type, attachment_name=name)


@bp.get("/bukti/<int:evidence_id>/gambar")
@roles_required(*EVIDENCE_VIEWERS)
def display_copy(evidence_id: int) -> Response:
    """The re-encoded display copy of an image (no EXIF, so no GPS), shown inline."""
    evidence = _evidence_for_viewer(evidence_id)
    if not evidence.display_sha256:
        abort(404)
    return _send_blob(evidence.display_sha256, "image/jpeg", attachment_name=None)


@bp.get("/bukti/<int:evidence_id>/pdf")
@roles_required(*EVIDENCE_VIEWERS)
def pdf_inline(evidence_id: int) -> Response:
    """A PDF shown inline by the browser's own viewer (byte-identical, so its signatures stay checkable).

    Only real PDFs (checked by content at upload) are served this way; ``nosniff`` and a CSP without scripts keep
    the browser from reading it as anything else or running anything inside the app's origin.
    """
    evidence = _evidence_for_viewer(evidence_id)
    if evidence.media_type != "application/pdf":
        abort(404)
    response = _send_blob(evidence.sha256 or "", "application/pdf", attachment_name=None)
    response.headers["Content-Security-Policy"] = "default-src 'none'; object-src 'self'"
    return response
