"""Objection pages: the operator desa files a sanggah for its desa; the committee lists and answers them.

Each view loads, authorizes (operator of that desa; panitia over the competition's region), calls one operation,
renders.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
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
from werkzeug.wrappers import Response

from assessment import repo
from assessment.criteria.model import Rubric
from assessment.field.checklist import ChecklistItem, checklist
from assessment.models import Competition, Objection, Participant, Role
from assessment.objections import operations
from assessment.objections.forms import AnswerForm, ObjectionForm
from assessment.platform.extensions import db
from assessment.platform.storage import StorageError, get_store
from assessment.platform.wita import now_utc
from assessment.platform.wita import visitor_wita as wita
from assessment.presentation.navigation import NavLink, offer_links
from assessment.presentation.reportdata import FinalLevel
from assessment.repo import rubric_of
from assessment.services.evidence import UploadRejected, download_name
from assessment.services.loaders import competition_in_scope, competitions_in_scope, participant_in_scope
from assessment.services.published import late_changes, provisional_document
from assessment.services.security import require_region_access, roles_required, scope_filter, user_can_access_region
from assessment.services.stages import (
    STAGE_NAMES,
    Action,
    StageClosed,
    active_exceptions,
    freeze_message,
    gate_text,
    stage_gate,
)
from assessment.services.verdicts import LEVEL_PROBLEM, VERDICT_LABELS

bp = Blueprint("objections", __name__)

OPERATOR = (Role.operator_desa,)
COMMITTEE = (Role.panitia,)

REFUSALS = {
    "not_published": _l("Hasil sementara belum diumumkan; sanggah belum dapat diajukan."),
    "indicator": _l("Indikator tidak dikenal pada rubrik lomba ini."),
    "reason": _l("Tulis alasan (paling panjang 2000 karakter)."),
    "already": _l("Sanggah ini sudah dijawab; jawaban tidak dapat diubah."),
    "level": LEVEL_PROBLEM,
    "level_indicator": _l("Pilih indikator yang levelnya diubah."),
    "limit_desa": _l(
        "Desa ini sudah mengajukan sanggah sebanyak batas pada lomba ini; sanggah baru tidak dapat "
        "diajukan. Tambahkan keterangan pada sanggah yang sudah ada melalui panitia."
    ),
    "limit_indicator": _l(
        "Sanggah untuk indikator ini (atau untuk seluruh hasil) sudah mencapai batas; tunggu "
        "jawaban panitia atas sanggah yang sudah diajukan."
    ),
    "duplicate": _l(
        "Sanggah yang dijawab bersama harus sanggah desa yang sama tentang indikator yang sama dan belum dijawab."
    ),
}


offer_links(
    bp,
    NavLink(
        Role.operator_desa,
        "objections.index",
        _l("Hasil sementara dan sanggah"),
        _l("Lihat hasil sementara desa Anda dan ajukan sanggah pada masa sanggah."),
    ),
    NavLink(Role.panitia, "objections.committee_index", _l("Sanggah"), _l("Daftar sanggah desa dan jawabannya.")),
)


def _indicator_choices(rubric: Rubric, empty: str) -> list[tuple[str, str]]:
    return [("", empty)] + [(i.code, f"{i.code} {i.name}") for i in rubric.indicators]


@bp.get("/sanggah/")
@roles_required(*OPERATOR)
def index() -> str:
    participants = db.session.scalars(
        select(Participant)
        .join(Competition, Participant.competition_id == Competition.id)
        .where(scope_filter(Participant.desa_code, current_user, OPERATOR))
        .order_by(Competition.year.desc(), Competition.id)
    ).all()
    return render_template("objections/index.html", participants=participants, wita=wita)


def _desa_page(participant: Participant, form: ObjectionForm | None = None, status: int = 200) -> tuple[str, int]:
    rubric = rubric_of(participant.competition.rubric)
    form = form or ObjectionForm()
    form.indicator.choices = _indicator_choices(rubric, _("Seluruh hasil desa"))
    gate = stage_gate(
        participant.competition, Action.file_objection, now_utc(), participant=participant, changes_level=False
    )
    published = provisional_document(participant.competition) or {}
    rows = published.get("peringkat", [])
    row = next((r for r in rows if r["kode"] == participant.desa_code), None)
    unranked = next((r for r in published.get("tidak_diperingkat", []) if r["kode"] == participant.desa_code), None)
    objections = db.session.scalars(
        select(Objection)
        .where(Objection.participant_id == participant.id)
        .order_by(Objection.filed_at.desc(), Objection.id.desc())
    ).all()
    marks = [m for m in late_changes(participant.competition) if m.participant_id == participant.id]
    run = repo.engine_run(participant.competition) if participant.competition.results_published_at else None
    # Left out of the ranking since the publication (withdrawn by the committee, say): said beside the frozen row.
    now_unranked = next((u for u in run.unranked if u.code == participant.desa_code), None) if run else None
    html = render_template(
        "objections/desa.html",
        participant=participant,
        form=form,
        gate=gate,
        marks=marks,
        levels=_verified_levels(participant, rubric, run),
        level_names=dict(rubric.level_names),
        now_unranked=now_unranked if row is not None else None,
        aggregation=rubric.aggregation,
        closed_message=None if gate.allowed else gate_text(gate),
        row=row,
        unranked=unranked,
        total=len(rows),
        objections=objections,
        wita=wita,
        published=participant.competition.results_published_at is not None,
    )
    return html, status


def _verified_levels(
    participant: Participant, rubric: Rubric, run: repo.EngineRun | None
) -> list[tuple[Any, FinalLevel | None, list[Any]]]:
    """Once the provisional results are published (``run``, the results now), what the desa can object to: per
    indicator (rubric order) the level that counts now (the engine's final level of a ranked desa) and where it
    came from (:func:`assessment.repo.level_provenance`); before publication, nothing."""
    if run is None:
        return []
    finals = {f.indicator_code: f for f in run.final_levels if f.desa_code == participant.desa_code}
    history = repo.level_provenance(participant.competition, participant.desa_code)
    return [(indicator, finals.get(indicator.code), history.get(indicator.code, [])) for indicator in rubric.indicators]


@bp.get("/sanggah/peserta/<int:participant_id>")
@roles_required(*OPERATOR)
def desa(participant_id: int) -> tuple[str, int]:
    return _desa_page(participant_in_scope(participant_id, OPERATOR))


@bp.post("/sanggah/peserta/<int:participant_id>")
@roles_required(*OPERATOR)
def file(participant_id: int) -> Response | tuple[str, int]:
    participant = participant_in_scope(participant_id, OPERATOR)
    rubric = rubric_of(participant.competition.rubric)
    form = ObjectionForm()
    form.indicator.choices = _indicator_choices(rubric, _("Seluruh hasil desa"))
    if not form.validate_on_submit():
        return _desa_page(participant, form, 400)
    upload = None
    if form.file.data is not None and form.file.data.filename:
        upload = (form.file.data.read(), form.file.data.filename)
    max_bytes = int(current_app.config.get("EVIDENCE_MAX_BYTES") or current_app.config["MAX_CONTENT_LENGTH"])
    try:
        operations.file_objection(
            participant,
            rubric,
            form.indicator.data or None,
            form.reason.data or "",
            upload,
            current_user,
            now_utc(),
            get_store(),
            max_bytes,
        )
    except StageClosed as closed:
        flash(gate_text(closed.gate), "error")
        return _desa_page(participant, form, 409)
    except UploadRejected as rejected:
        flash(str(rejected.message), "error")
        return _desa_page(participant, form, 400)
    except operations.ObjectionRefused as refused:
        flash(str(REFUSALS[refused.code]), "error")
        status = 409 if refused.code == "not_published" else 429 if refused.code.startswith("limit_") else 400
        return _desa_page(participant, form, status)
    flash(_("Sanggah terkirim ke panitia."), "success")
    return redirect(url_for("objections.desa", participant_id=participant.id))


@bp.get("/sanggah/<int:objection_id>/bukti")
@roles_required(Role.operator_desa, Role.panitia)
def evidence(objection_id: int) -> Response:
    objection = db.get_or_404(Objection, objection_id)
    require_region_access(objection.participant.desa_code, (Role.operator_desa, Role.panitia))
    if objection.evidence_sha256 is None:
        abort(404)
    try:
        handle = get_store().open(objection.evidence_sha256)
    except StorageError:
        abort(404)
    media_type = objection.evidence_media_type or "application/octet-stream"
    return send_file(
        handle,
        mimetype=media_type,
        as_attachment=True,
        download_name=download_name(objection.evidence_name or "bukti", media_type),
    )


@bp.get("/panitia/sanggah/")
@roles_required(*COMMITTEE)
def committee_index() -> str:
    competitions = competitions_in_scope(COMMITTEE)
    return render_template("objections/committee_index.html", competitions=competitions)


def _committee_page(
    competition: Competition, form: AnswerForm | None = None, form_id: int = 0, status: int = 200
) -> tuple[str, int]:
    rubric = rubric_of(competition.rubric)
    objections = [
        o
        for o in db.session.scalars(
            select(Objection)
            .join(Participant, Objection.participant_id == Participant.id)
            .where(Participant.competition_id == competition.id)
            .order_by(Objection.filed_at, Objection.id)
        )
        if user_can_access_region(current_user, o.participant.desa_code, COMMITTEE)
    ]
    now = now_utc()
    blank = AnswerForm()
    choices = _indicator_choices(rubric, _("Tidak ada (level tidak diubah)"))
    blank.indicator.choices = choices
    if form is not None:
        form.indicator.choices = choices
    # Beside each unanswered objection: the levels its indicator has now (desk, agreed, field) and the evidence.
    levels: dict[int, dict[str, ChecklistItem]] = {}
    for participant_id in {o.participant_id for o in objections if o.answered_at is None and o.indicator_code}:
        participant = next(o.participant for o in objections if o.participant_id == participant_id)
        levels[participant_id] = {item.indicator.code: item for item in checklist(participant, rubric)}
    html = render_template(
        "objections/committee.html",
        competition=competition,
        objections=objections,
        form=form,
        form_id=form_id,
        levels=levels,
        level_names=dict(rubric.level_names),
        verdict_labels=VERDICT_LABELS,
        blank=blank,
        gate=stage_gate(competition, Action.answer_objection, now, changes_level=False),
        exceptions={o.participant_id: active_exceptions(o.participant, now) for o in objections},
        duplicates={o.id: operations.duplicates_of(o) for o in objections if o.answered_at is None},
        stage_names=STAGE_NAMES,
        wita=wita,
        rubric=rubric,
    )
    return html, status


@bp.get("/panitia/sanggah/lomba/<int:competition_id>")
@roles_required(*COMMITTEE)
def committee(competition_id: int) -> tuple[str, int]:
    return _committee_page(competition_in_scope(competition_id, COMMITTEE))


def _level(text: str | None) -> int | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        return -(10**9)  # an impossible level: refused with the level message


def _ids(values: list[str]) -> list[int]:
    return sorted({int(value) for value in values if value.isdigit()})


@bp.post("/panitia/sanggah/lomba/<int:competition_id>/<int:objection_id>/jawab")
@roles_required(*COMMITTEE)
def answer(competition_id: int, objection_id: int) -> Response | tuple[str, int]:
    competition = competition_in_scope(competition_id, COMMITTEE)
    objection = db.get_or_404(Objection, objection_id)
    if objection.participant.competition_id != competition.id:
        abort(404)
    require_region_access(objection.participant.desa_code, COMMITTEE)
    rubric = rubric_of(competition.rubric)
    form = AnswerForm()
    form.indicator.choices = _indicator_choices(rubric, "")
    if not form.validate_on_submit():
        return _committee_page(competition, form, objection.id, 400)
    together = [
        db.get_or_404(Objection, other_id)
        for other_id in _ids(request.form.getlist("also"))
        if other_id != objection.id
    ]
    try:
        # A level change after the freeze opens its exception as part of the answer, with the same reason.
        operations.answer_objection(
            objection,
            rubric,
            form.reason.data or "",
            form.indicator.data or None,
            _level(form.level.data),
            current_user,
            now_utc(),
            duplicates=together,
            open_exception=True,
        )
    except StageClosed as closed:
        flash(
            freeze_message(closed.gate) or _("Sanggah hanya dapat dijawab pada masa sanggah atau penetapan."), "error"
        )
        return _committee_page(competition, form, objection.id, 409)
    except operations.ObjectionRefused as refused:
        flash(str(REFUSALS[refused.code]), "error")
        return _committee_page(competition, form, objection.id, 409 if refused.code == "already" else 400)
    if together:
        flash(_("Jawaban tersimpan untuk %(n)d sanggah.", n=len(together) + 1), "success")
    else:
        flash(_("Jawaban sanggah tersimpan."), "success")
    return redirect(url_for("objections.committee", competition_id=competition.id))
