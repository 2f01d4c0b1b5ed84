"""The committee's verification pages: assignments (by hand, CSV, automatic), N per desa, stage exceptions.

Each view loads, authorizes (panitia over the competition's region, on the server), calls one operation, renders.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from assessment.assignments import operations
from assessment.assignments.forms import (
    STAGE_CHOICES,
    CsvAssignmentForm,
    ExceptionForm,
    ManualAssignmentForm,
    PerDesaForm,
)
from assessment.models import (
    Assignment,
    Competition,
    Participant,
    Role,
    StageCode,
    StageException,
    SubmissionStatus,
    User,
)
from assessment.platform.extensions import db
from assessment.platform.forms import ConfirmForm
from assessment.platform.wita import WITA, now_utc
from assessment.platform.wita import visitor_wita as wita
from assessment.presentation.navigation import NavLink, offer_links
from assessment.repo import rubric_of
from assessment.services.loaders import competition_in_scope, competitions_in_scope
from assessment.services.security import roles_required
from assessment.services.stages import STAGE_NAMES, Action, StageClosed, gate_text, stage_gate

bp = Blueprint("assignments", __name__, url_prefix="/panitia/verifikasi")

COMMITTEE = (Role.panitia,)


offer_links(
    bp,
    NavLink(
        Role.panitia,
        "assignments.index",
        _l("Penugasan asesor"),
        _l("Tugaskan asesor ke desa, atur pengecualian tahap."),
    ),
)


def _participant(competition: Competition, participant_id: int | None) -> Participant:
    participant = db.session.get(Participant, participant_id) if participant_id else None
    if participant is None or participant.competition_id != competition.id:
        abort(400)
    return participant


@bp.get("/")
@roles_required(*COMMITTEE)
def index() -> str:
    competitions = competitions_in_scope((Role.panitia,))
    return render_template("assignments/index.html", competitions=competitions)


def _page(
    competition: Competition,
    *,
    manual: ManualAssignmentForm | None = None,
    csv_form: CsvAssignmentForm | None = None,
    exception_form: ExceptionForm | None = None,
    per_desa_form: PerDesaForm | None = None,
    csv_problems: list[operations.CsvProblem] | None = None,
    chosen: Participant | None = None,
    status: int = 200,
) -> tuple[str, int]:
    participants = list(
        db.session.scalars(
            select(Participant).where(Participant.competition_id == competition.id).order_by(Participant.desa_code)
        )
    )
    assessors = operations.eligible_assessors(competition)
    assignments = operations.active_assignments(competition)
    by_participant: dict[int, list[object]] = {}
    for assignment in assignments:
        by_participant.setdefault(assignment.participant_id, []).append(assignment)
    complete = [p for p in participants if p.status == SubmissionStatus.lengkap]
    manual = manual or ManualAssignmentForm()
    manual.participant_id.choices = [(p.id, f"{p.desa_code} — {p.region.name}") for p in complete]
    # The assessor list is offered for one chosen desa: only those who may be assigned to it, the others named
    # with the reason they are missing (the same rules as the assignment itself).
    unavailable: list[tuple[User, str]] = []
    if chosen is not None and chosen.status == SubmissionStatus.lengkap:
        manual.participant_id.data = chosen.id
        offered, unavailable = operations.assignable_assessors(chosen, assessors)
        manual.assessor_id.choices = [(a.id, f"{a.name} ({a.email})") for a in offered]
    else:
        chosen = None
        manual.assessor_id.choices = []
    exception_form = exception_form or ExceptionForm()
    exception_form.participant_id.choices = [(p.id, f"{p.desa_code} — {p.region.name}") for p in participants]
    exception_form.stage.choices = [(code, _(STAGE_NAMES[StageCode(code)])) for code in STAGE_CHOICES]
    per_desa = operations.assessors_per_desa(competition)
    per_desa_form = per_desa_form or PerDesaForm(count=per_desa)
    exceptions = list(
        db.session.scalars(
            select(StageException)
            .join(Participant, StageException.participant_id == Participant.id)
            .where(Participant.competition_id == competition.id)
            .order_by(StageException.created_at.desc())
        )
    )
    gate = stage_gate(competition, Action.assign, now_utc())
    html = render_template(
        "assignments/competition.html",
        competition=competition,
        participants=participants,
        by_participant=by_participant,
        per_desa=per_desa,
        manual=manual,
        csv_form=csv_form or CsvAssignmentForm(),
        exception_form=exception_form,
        per_desa_form=per_desa_form,
        confirm=ConfirmForm(),
        exceptions=exceptions,
        csv_problems=csv_problems or [],
        gate=gate,
        gate_message=gate_text(gate),
        wita=wita,
        stage_names=STAGE_NAMES,
        load=_loads(assignments),
        assessors=assessors,
        now=now_utc(),
        indicators=rubric_of(competition.rubric).indicators,
        chosen=chosen,
        unavailable=unavailable,
    )
    return html, status


def _loads(assignments: list[Assignment]) -> dict[int, int]:
    load: dict[int, int] = {}
    for assignment in assignments:
        load[assignment.assessor_id] = load.get(assignment.assessor_id, 0) + 1
    return load


@bp.get("/lomba/<int:competition_id>")
@roles_required(*COMMITTEE)
def competition(competition_id: int) -> tuple[str, int]:
    competition = competition_in_scope(competition_id, COMMITTEE)
    chosen = None
    if request.args.get("desa", "").isdigit():
        chosen = _participant(competition, int(request.args["desa"]))
    return _page(competition, chosen=chosen)


def _back(competition: Competition) -> Response:
    return redirect(url_for("assignments.competition", competition_id=competition.id))


@bp.post("/lomba/<int:competition_id>/jumlah-asesor")
@roles_required(*COMMITTEE)
def set_per_desa(competition_id: int) -> Response | tuple[str, int]:
    competition = competition_in_scope(competition_id, COMMITTEE)
    form = PerDesaForm()
    if not form.validate_on_submit() or form.count.data is None:
        return _page(competition, per_desa_form=form, status=400)
    operations.set_assessors_per_desa(competition, form.count.data)
    flash(_("Setiap desa kini memerlukan %(n)d asesor.", n=form.count.data), "success")
    return _back(competition)


@bp.post("/lomba/<int:competition_id>/tugaskan")
@roles_required(*COMMITTEE)
def assign(competition_id: int) -> Response | tuple[str, int]:
    competition = competition_in_scope(competition_id, COMMITTEE)
    form = ManualAssignmentForm()
    if not form.validate_on_submit():
        return _page(competition, manual=form, status=400)
    participant = _participant(competition, form.participant_id.data)
    assessor = db.session.get(User, form.assessor_id.data or 0)
    if assessor is None:
        abort(400)
    try:
        operations.assign_assessor(participant, assessor, current_user, now_utc())
    except StageClosed as closed:
        flash(gate_text(closed.gate), "error")
        return _page(competition, manual=form, chosen=participant, status=409)
    except operations.AssignmentRefused as refused:
        flash(_("Penugasan ditolak: %(why)s.", why=_(operations.REFUSAL_MESSAGES[refused.code])), "error")
        return _page(competition, manual=form, chosen=participant, status=409)
    flash(_("%(name)s ditugaskan ke %(desa)s.", name=assessor.name, desa=participant.region.name), "success")
    return _back(competition)


@bp.post("/lomba/<int:competition_id>/unggah-csv")
@roles_required(*COMMITTEE)
def upload_csv(competition_id: int) -> Response | tuple[str, int]:
    competition = competition_in_scope(competition_id, COMMITTEE)
    form = CsvAssignmentForm()
    if not form.validate_on_submit():
        return _page(competition, csv_form=form, status=400)
    try:
        created = operations.import_assignments_csv(competition, form.file.data.read(), current_user, now_utc())
    except StageClosed as closed:
        flash(gate_text(closed.gate), "error")
        return _page(competition, csv_form=form, status=409)
    except operations.CsvRejected as rejected:
        flash(_("Tidak ada penugasan yang disimpan: perbaiki masalah berikut lalu unggah lagi."), "error")
        return _page(competition, csv_form=form, csv_problems=rejected.problems, status=400)
    flash(_("%(n)d penugasan dari CSV tersimpan.", n=len(created)), "success")
    return _back(competition)


@bp.post("/lomba/<int:competition_id>/otomatis")
@roles_required(*COMMITTEE)
def assign_auto(competition_id: int) -> Response | tuple[str, int]:
    competition = competition_in_scope(competition_id, COMMITTEE)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        plan = operations.assign_automatically(competition, current_user, now_utc())
    except StageClosed as closed:
        flash(gate_text(closed.gate), "error")
        return _page(competition, status=409)
    flash(_("%(n)d penugasan otomatis dibuat.", n=len(plan.pairs)), "success")
    for code, missing in plan.short:
        flash(_("Desa %(code)s masih kurang %(n)d asesor tanpa konflik kepentingan.", code=code, n=missing), "error")
    return _back(competition)


@bp.post("/lomba/<int:competition_id>/pengecualian")
@roles_required(*COMMITTEE)
def open_exception(competition_id: int) -> Response | tuple[str, int]:
    competition = competition_in_scope(competition_id, COMMITTEE)
    form = ExceptionForm()
    form.stage.choices = [(code, code) for code in STAGE_CHOICES]
    if not form.validate_on_submit() or form.last_day.data is None:
        return _page(competition, exception_form=form, status=400)
    participant = _participant(competition, form.participant_id.data)
    indicator_code = (form.indicator_code.data or "").strip() or None
    if indicator_code is not None and form.stage.data == StageCode.penilaian_mandiri.value:
        form.indicator_code.errors = [
            _("Pengecualian penilaian mandiri berlaku untuk seluruh desa: kosongkan indikator.")
        ]
        return _page(competition, exception_form=form, status=400)
    if indicator_code is not None:
        try:
            rubric_of(competition.rubric).indicator(indicator_code)
        except KeyError:
            form.indicator_code.errors = [_("Indikator %(code)s tidak ada di rubrik.", code=indicator_code)]
            return _page(competition, exception_form=form, status=400)
    ends_at = datetime.combine(form.last_day.data + timedelta(days=1), time(0), tzinfo=WITA).astimezone(UTC)
    try:
        operations.open_exception(
            participant,
            StageCode(form.stage.data),
            indicator_code,
            form.reason.data or "",
            ends_at,
            current_user,
            now_utc(),
        )
    except ValueError:
        form.last_day.errors = [_("Tanggal akhir harus di masa depan.")]
        return _page(competition, exception_form=form, status=400)
    flash(_("Pengecualian untuk %(desa)s dibuka.", desa=participant.region.name), "success")
    return _back(competition)


@bp.post("/lomba/<int:competition_id>/pengecualian/<int:exception_id>/cabut")
@roles_required(*COMMITTEE)
def revoke_exception(competition_id: int, exception_id: int) -> Response:
    competition = competition_in_scope(competition_id, COMMITTEE)
    exception = db.get_or_404(StageException, exception_id)
    if exception.participant.competition_id != competition.id:
        abort(404)
    if ConfirmForm().validate_on_submit():
        operations.revoke_exception(exception, now_utc())
        flash(_("Pengecualian dicabut."), "success")
    return _back(competition)


@bp.get("/lomba/<int:competition_id>/penugasan/<int:assignment_id>/tarik")
@roles_required(*COMMITTEE)
def confirm_withdraw(competition_id: int, assignment_id: int) -> str:
    """The confirmation page before withdrawing an assignment: what happens and what the desa then lacks."""
    competition = competition_in_scope(competition_id, COMMITTEE)
    assignment = db.get_or_404(Assignment, assignment_id)
    participant = assignment.participant
    if participant.competition_id != competition.id:
        abort(404)
    remaining = [
        other
        for other in operations.active_assignments(competition)
        if other.participant_id == participant.id and other.id != assignment.id
    ]
    gate = stage_gate(competition, Action.assign, now_utc(), participant=participant)
    return render_template(
        "assignments/confirm_withdraw.html",
        competition=competition,
        assignment=assignment,
        participant=participant,
        drafts=len([s for s in assignment.scores if s.level is not None or s.not_applicable]),
        remaining=remaining,
        per_desa=operations.assessors_per_desa(competition),
        confirm=ConfirmForm(),
        gate_text=gate_text(gate) if not gate.allowed else "",
        wita=wita,
    )


@bp.post("/lomba/<int:competition_id>/penugasan/<int:assignment_id>/tarik")
@roles_required(*COMMITTEE)
def withdraw(competition_id: int, assignment_id: int) -> Response | tuple[str, int]:
    competition = competition_in_scope(competition_id, COMMITTEE)
    assignment = db.get_or_404(Assignment, assignment_id)
    if assignment.participant.competition_id != competition.id:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        operations.withdraw_assignment(assignment, current_user, now_utc())
    except StageClosed as closed:
        flash(gate_text(closed.gate), "error")
        return _page(competition, status=409)
    except operations.WithdrawalRefused as refused:
        flash(
            _("Penugasan ini sudah diajukan asesor dan final; tidak dapat ditarik.")
            if refused.code == "submitted"
            else _("Penugasan ini sudah ditarik sebelumnya."),
            "error",
        )
        return _page(competition, status=409)
    flash(
        _(
            "Penugasan %(name)s untuk %(desa)s ditarik; asesor diberi tahu.",
            name=assignment.assessor.name,
            desa=assignment.participant.region.name,
        ),
        "success",
    )
    return _back(competition)
