"""Field verification pages (klarifikasi lapangan): the visiting assessor's phone page per finalist desa, and the
committee's and ketua tim's finalist list and side-by-side view of a desa.

Each view loads, authorizes (role AND region scope, which a conflict of interest removes; for the visiting
assessor also the assignment being their own and active), calls one operation, renders.
"""

from __future__ import annotations

from typing import NoReturn

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from assessment.criteria.model import Indicator, Rubric
from assessment.field import operations
from assessment.field.checklist import ChecklistItem, checklist
from assessment.field.forms import FieldLevelForm, FinalistRuleForm, PhotoForm, RemovePhotoForm
from assessment.models import (
    Assignment,
    Competition,
    FieldLevel,
    FieldPhoto,
    FinalistScope,
    Participant,
    Role,
)
from assessment.platform.extensions import db
from assessment.platform.http import ERROR_TITLES
from assessment.platform.storage import StorageError, get_store
from assessment.platform.wita import now_utc
from assessment.platform.wita import visitor_wita as wita
from assessment.presentation.navigation import NavLink, offer_links
from assessment.repo import rubric_of
from assessment.services.evidence import UploadRejected
from assessment.services.loaders import competition_in_scope, competitions_in_scope, indicator_or_404, own_assignment
from assessment.services.security import require_region_access, roles_required, user_can_access_region
from assessment.services.stages import (
    STAGE_NAMES,
    Action,
    StageClosed,
    active_exceptions,
    gate_text,
    stage_gate,
)
from assessment.services.verdicts import LEVEL_PROBLEM, NOTE_LENGTH_PROBLEM, VERDICT_LABELS

bp = Blueprint("field", __name__, url_prefix="/lapangan")

VISITOR = (Role.asesor,)
OVERSIGHT = (Role.panitia, Role.ketua_tim)

PROBLEM_MESSAGES = {
    "level": LEVEL_PROBLEM,
    "note": _l("Tulis catatan lapangan: apa yang dilihat tim di desa."),
    "note_length": NOTE_LENGTH_PROBLEM,
}
REFUSALS = {
    "not_finalist": _l("Desa ini bukan finalis; klarifikasi lapangan hanya untuk finalis."),
    "withdrawn": _l("Penugasan Anda untuk desa ini sudah dihentikan."),
    "not_uploader": _l("Foto hanya dapat dihapus oleh asesor yang mengambilnya."),
}


offer_links(
    bp,
    NavLink(
        Role.asesor,
        "field.index",
        _l("Klarifikasi lapangan"),
        _l("Daftar periksa di desa finalis: foto, catatan, dan level lapangan."),
    ),
    NavLink(
        Role.panitia,
        "field.competitions",
        _l("Finalis klarifikasi lapangan"),
        _l("Aturan finalis, daftar finalis, level dokumen dan lapangan berdampingan."),
    ),
    NavLink(
        Role.ketua_tim,
        "field.competitions",
        _l("Finalis klarifikasi lapangan"),
        _l("Level dokumen, kesepakatan dan lapangan berdampingan."),
    ),
)


def _refuse(code: str) -> NoReturn:
    """Stop with a 403 page that says why (not a finalist, a withdrawn assignment)."""
    abort(
        make_response(
            render_template("errors/error.html", code=403, title=ERROR_TITLES[403], detail=str(REFUSALS[code])), 403
        )
    )


def _finalist_assignment(assignment_id: int) -> Assignment:
    """:func:`assessment.services.loaders.own_assignment`, and the desa must be a finalist (403 with a message
    otherwise)."""
    assignment = own_assignment(assignment_id, VISITOR)
    if assignment.participant.desa_code not in operations.finalists_of(assignment.participant.competition):
        _refuse("not_finalist")
    return assignment


@bp.get("/")
@roles_required(*VISITOR)
def index() -> str:
    assignments = (
        db.session.scalars(
            select(Assignment)
            .where(Assignment.assessor_id == current_user.id, Assignment.withdrawn_at.is_(None))
            .order_by(Assignment.id)
        )
        .unique()
        .all()
    )
    finalists: dict[int, tuple[str, ...]] = {}
    visits = []
    for assignment in assignments:
        competition = assignment.participant.competition
        if competition.id not in finalists:
            finalists[competition.id] = operations.finalists_of(competition)
        if assignment.participant.desa_code in finalists[competition.id] and user_can_access_region(
            current_user, assignment.participant.desa_code, VISITOR
        ):
            visits.append(assignment)
    return render_template("field/index.html", visits=visits)


def _visit_context(assignment: Assignment) -> dict[str, object]:
    participant = assignment.participant
    now = now_utc()
    exceptions = active_exceptions(participant, now)
    return {
        "assignment": assignment,
        "participant": participant,
        "exceptions": exceptions,
        "wita": wita,
        "stage_names": STAGE_NAMES,
        "verdict_labels": VERDICT_LABELS,
        "gate": stage_gate(
            participant.competition, Action.field_verify, now, participant=participant, exceptions=exceptions
        ),
    }


@bp.get("/penugasan/<int:assignment_id>")
@roles_required(*VISITOR)
def visit(assignment_id: int) -> str:
    assignment = _finalist_assignment(assignment_id)
    rubric = rubric_of(assignment.participant.competition.rubric)
    return render_template(
        "field/visit.html",
        items=checklist(assignment.participant, rubric),
        level_names=dict(rubric.level_names),
        **_visit_context(assignment),
    )


def _indicator_page(
    assignment: Assignment,
    rubric: Rubric,
    indicator: Indicator,
    form: FieldLevelForm | None = None,
    photo_form: PhotoForm | None = None,
    status: int = 200,
) -> tuple[str, int]:
    item: ChecklistItem = next(
        i for i in checklist(assignment.participant, rubric) if i.indicator.code == indicator.code
    )
    if form is None:
        form = FieldLevelForm(
            level=item.field.level if item.field else None,
            note=item.field.note if item.field else "",
            version=str(item.field.version if item.field else 0),
        )
    level_names = dict(rubric.level_names)
    form.level.choices = [
        ("", _("— belum dipilih (level dokumen tetap berlaku) —")),
        *[(str(v), f"{v} — {level_names.get(v, '')}".rstrip(" —")) for v in rubric.scale.levels],
    ]
    html = render_template(
        "field/indicator.html",
        item=item,
        indicator=indicator,
        rubric=rubric,
        form=form,
        photo_form=photo_form or PhotoForm(),
        level_names=level_names,
        **_visit_context(assignment),
    )
    return html, status


@bp.get("/penugasan/<int:assignment_id>/indikator/<code>")
@roles_required(*VISITOR)
def indicator(assignment_id: int, code: str) -> tuple[str, int]:
    assignment = _finalist_assignment(assignment_id)
    rubric = rubric_of(assignment.participant.competition.rubric)
    return _indicator_page(assignment, rubric, indicator_or_404(rubric, code))


@bp.post("/penugasan/<int:assignment_id>/indikator/<code>")
@roles_required(*VISITOR)
def save(assignment_id: int, code: str) -> Response | tuple[str, int]:
    assignment = own_assignment(assignment_id, VISITOR)
    rubric = rubric_of(assignment.participant.competition.rubric)
    item = indicator_or_404(rubric, code)
    form = FieldLevelForm()
    if not form.validate_on_submit():
        return _indicator_page(assignment, rubric, item, form=form, status=400)
    try:
        operations.save_field_level(
            assignment,
            rubric,
            item.code,
            form.level.data,
            form.note.data or "",
            form.version.data if isinstance(form.version.data, int) else -1,
            current_user,
            now_utc(),
        )
    except StageClosed as closed:
        flash(gate_text(closed.gate), "error")
        return _indicator_page(assignment, rubric, item, form=form, status=409)
    except operations.FieldRefused as refused:
        _refuse(refused.code)
    except operations.FieldRejected as rejected:
        for problem in rejected.problems:
            flash(str(PROBLEM_MESSAGES[problem]), "error")
        return _indicator_page(assignment, rubric, item, form=form, status=400)
    except operations.FieldConflict:
        # The typed level and note stay in the form; the page shows what the other save stored, and the form's
        # version is moved on so that saving again (after reading it) replaces it on purpose.
        flash(
            _(
                "Level lapangan indikator ini baru saja disimpan anggota tim lain. Isian Anda belum disimpan dan "
                "masih ada di formulir: bandingkan dengan yang tersimpan di atas, lalu simpan lagi bila perlu."
            ),
            "error",
        )
        return _indicator_page(assignment, rubric, item, form=_fresh_version(form, assignment, item.code), status=409)
    flash(_("Level lapangan indikator %(code)s tersimpan.", code=item.code), "success")
    return redirect(url_for("field.indicator", assignment_id=assignment.id, code=item.code))


def _fresh_version(form: FieldLevelForm, assignment: Assignment, code: str) -> FieldLevelForm:
    row = db.session.scalar(
        select(FieldLevel).where(
            FieldLevel.participant_id == assignment.participant_id, FieldLevel.indicator_code == code
        )
    )
    form.version.data = row.version if row is not None else 0
    return form


@bp.post("/penugasan/<int:assignment_id>/indikator/<code>/foto")
@roles_required(*VISITOR)
def upload_photo(assignment_id: int, code: str) -> Response | tuple[str, int]:
    assignment = own_assignment(assignment_id, VISITOR)
    rubric = rubric_of(assignment.participant.competition.rubric)
    item = indicator_or_404(rubric, code)
    form = PhotoForm()
    if not form.validate_on_submit():
        return _indicator_page(assignment, rubric, item, photo_form=form, status=400)
    upload = form.photo.data
    max_bytes = int(current_app.config.get("EVIDENCE_MAX_BYTES") or current_app.config["MAX_CONTENT_LENGTH"])
    try:
        operations.add_field_photo(
            assignment,
            rubric,
            item.code,
            upload.read(),
            upload.filename,
            current_user,
            now_utc(),
            get_store(),
            max_bytes,
        )
    except StageClosed as closed:
        flash(gate_text(closed.gate), "error")
        return _indicator_page(assignment, rubric, item, status=409)
    except operations.FieldRefused as refused:
        _refuse(refused.code)
    except UploadRejected as rejected:
        form.photo.errors = [str(rejected.message)]
        return _indicator_page(assignment, rubric, item, photo_form=form, status=400)
    flash(_("Foto tersimpan."), "success")
    return redirect(url_for("field.indicator", assignment_id=assignment.id, code=item.code))


def _send_photo(photo: FieldPhoto) -> Response:
    """The re-encoded copy without EXIF, never the original."""
    try:
        handle = get_store().open(photo.display_sha256)
    except StorageError:
        abort(404)
    response = send_file(handle, mimetype="image/jpeg", max_age=0, conditional=False)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.get("/penugasan/<int:assignment_id>/foto/<int:photo_id>")
@roles_required(*VISITOR)
def photo(assignment_id: int, photo_id: int) -> Response:
    assignment = own_assignment(assignment_id, VISITOR)
    item = db.get_or_404(FieldPhoto, photo_id)
    if item.participant_id != assignment.participant_id or item.removed_at is not None:
        abort(404)
    return _send_photo(item)


@bp.post("/penugasan/<int:assignment_id>/foto/<int:photo_id>/hapus")
@roles_required(*VISITOR)
def remove_photo(assignment_id: int, photo_id: int) -> Response | tuple[str, int]:
    """Withdraw a wrong photo (its taker only, with a reason): hidden everywhere, kept in the database and store."""
    assignment = own_assignment(assignment_id, VISITOR)
    photo = db.get_or_404(FieldPhoto, photo_id)
    if photo.participant_id != assignment.participant_id or photo.removed_at is not None:
        abort(404)
    rubric = rubric_of(assignment.participant.competition.rubric)
    item = indicator_or_404(rubric, photo.indicator_code)
    form = RemovePhotoForm()
    if not form.validate_on_submit():
        return _indicator_page(assignment, rubric, item, status=400)
    try:
        operations.remove_field_photo(assignment, photo, form.reason.data or "", current_user, now_utc())
    except StageClosed as closed:
        flash(gate_text(closed.gate), "error")
        return _indicator_page(assignment, rubric, item, status=409)
    except operations.FieldRefused as refused:
        _refuse(refused.code)
    except operations.FieldRejected as rejected:
        for problem in rejected.problems:
            flash(problem, "error")
        return _indicator_page(assignment, rubric, item, status=400)
    flash(_("Foto dihapus dari klarifikasi lapangan; catatannya tetap ada di jejak audit."), "success")
    return redirect(url_for("field.indicator", assignment_id=assignment.id, code=item.code))


# --- The committee's and the ketua tim's view ------------------------------------------------------------------


@bp.get("/lomba/")
@roles_required(*OVERSIGHT)
def competitions() -> str:
    rows = competitions_in_scope(OVERSIGHT)
    return render_template("field/competitions.html", competitions=rows)


def _competition_page(
    competition: Competition, form: FinalistRuleForm | None = None, status: int = 200
) -> tuple[str, int]:
    rule = operations.finalist_rule(competition)
    codes = operations.finalists_of(competition)
    participants = {
        p.desa_code: p
        for p in db.session.scalars(select(Participant).where(Participant.competition_id == competition.id))
    }
    finalists = [
        participants[code]
        for code in codes
        if code in participants and user_can_access_region(current_user, code, OVERSIGHT)
    ]
    can_edit = user_can_access_region(current_user, competition.scope_region_code, (Role.panitia,))
    form = form or FinalistRuleForm(scope=rule.scope.value, count=rule.count)
    html = render_template(
        "field/competition.html",
        competition=competition,
        rule=rule,
        finalists=finalists,
        form=form if can_edit else None,
        wita=wita,
        stage_names=STAGE_NAMES,
        gate=stage_gate(competition, Action.field_verify, now_utc()),
        gate_text=gate_text,
    )
    return html, status


@bp.get("/lomba/<int:competition_id>")
@roles_required(*OVERSIGHT)
def competition(competition_id: int) -> tuple[str, int]:
    return _competition_page(competition_in_scope(competition_id, OVERSIGHT))


@bp.post("/lomba/<int:competition_id>/aturan-finalis")
@roles_required(Role.panitia)
def set_rule(competition_id: int) -> Response | tuple[str, int]:
    competition = competition_in_scope(competition_id, (Role.panitia,))
    form = FinalistRuleForm()
    if not form.validate_on_submit() or form.count.data is None:
        return _competition_page(competition, form, status=400)
    operations.set_finalist_rule(competition, FinalistScope(form.scope.data), form.count.data)
    flash(_("Aturan finalis tersimpan."), "success")
    return redirect(url_for("field.competition", competition_id=competition.id))


def _participant(competition: Competition, participant_id: int) -> Participant:
    participant = db.get_or_404(Participant, participant_id)
    if participant.competition_id != competition.id:
        abort(404)
    require_region_access(participant.desa_code, OVERSIGHT)
    return participant


@bp.get("/lomba/<int:competition_id>/desa/<int:participant_id>")
@roles_required(*OVERSIGHT)
def desa(competition_id: int, participant_id: int) -> str:
    competition = competition_in_scope(competition_id, OVERSIGHT)
    participant = _participant(competition, participant_id)
    rubric = rubric_of(competition.rubric)
    return render_template(
        "field/desa.html",
        competition=competition,
        participant=participant,
        items=checklist(participant, rubric),
        finalist=participant.desa_code in operations.finalists_of(competition),
        level_names=dict(rubric.level_names),
        exceptions=active_exceptions(participant, now_utc()),
        wita=wita,
        stage_names=STAGE_NAMES,
        verdict_labels=VERDICT_LABELS,
    )


@bp.get("/lomba/<int:competition_id>/foto/<int:photo_id>")
@roles_required(*OVERSIGHT)
def competition_photo(competition_id: int, photo_id: int) -> Response:
    competition = competition_in_scope(competition_id, OVERSIGHT)
    item = db.get_or_404(FieldPhoto, photo_id)
    _participant(competition, item.participant_id)
    if item.removed_at is not None:
        abort(404)
    return _send_photo(item)
