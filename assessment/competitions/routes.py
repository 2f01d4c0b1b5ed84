"""The committee's pages: upload a rubric, see its problems or its preview, create a competition from it, and
change a competition's schedule (with its history)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from assessment.competitions.forms import CompetitionForm, RubricUploadForm, StageScheduleForm
from assessment.competitions.operations import (
    SCOPE_KINDS,
    CompetitionError,
    create_competition,
    read_rubric_upload,
    store_rubric,
)
from assessment.competitions.rescheduling import ScheduleRefused, StageDates, problem_message
from assessment.competitions.schedule import default_schedule
from assessment.competitions.schedule_operations import change_schedule, current_schedule
from assessment.criteria.errors import RubricError
from assessment.criteria.files import MAX_RUBRIC_BYTES
from assessment.models import Competition, Region, Role, ScheduleChange, StageCode, StoredRubric
from assessment.platform.extensions import db
from assessment.platform.wita import WITA, now_utc
from assessment.platform.wita import visitor_wita as wita
from assessment.presentation.navigation import NavLink, offer_links
from assessment.repo import rubric_of
from assessment.services.loaders import competition_in_scope
from assessment.services.security import require_region_access, roles_required, scope_filter
from assessment.services.stages import STAGE_NAMES

bp = Blueprint("competitions", __name__, url_prefix="/panitia")

COMMITTEE = (Role.panitia,)


offer_links(
    bp,
    NavLink(
        Role.panitia,
        "competitions.list_competitions",
        _l("Daftar lomba"),
        _l("Lomba dalam cakupan Anda beserta tahapannya."),
    ),
    NavLink(
        Role.panitia,
        "competitions.upload_rubric",
        _l("Unggah rubrik dan buat lomba"),
        _l("Periksa rubrik YAML atau Excel, lalu buat lomba darinya."),
    ),
)


def _scope_choices() -> list[tuple[str, str]]:
    """The provinsi and kabupaten/kota the signed-in committee member may run a competition over."""
    regions = db.session.scalars(
        select(Region)
        .where(Region.kind.in_(SCOPE_KINDS), scope_filter(Region.code, current_user, COMMITTEE))
        .order_by(Region.code)
    )
    return [(region.code, f"{region.code} — {region.name}") for region in regions]


def _prefill(form: CompetitionForm, stored: StoredRubric) -> None:
    today = datetime.now(WITA).date()
    form.rubric_id.data = str(stored.id)
    form.year.data = today.year
    for code, (first, last) in default_schedule(today + timedelta(days=7)).items():
        form[f"{code.value}_start"].data = first
        form[f"{code.value}_end"].data = last


def _render_rubric(
    stored: StoredRubric, form: CompetitionForm, problems: list[str] | None = None, status: int = 200
) -> tuple[str, int]:
    return render_template(
        "competitions/rubric.html",
        stored=stored,
        rubric=rubric_of(stored),
        form=form,
        problems=problems or [],
        status=status,
    ), status


@bp.get("/lomba")
@roles_required(*COMMITTEE)
def list_competitions() -> str:
    competitions = db.session.scalars(
        select(Competition)
        .where(scope_filter(Competition.scope_region_code, current_user, COMMITTEE))
        .order_by(Competition.year.desc(), Competition.id.desc())
    ).all()
    return render_template("competitions/list.html", competitions=competitions)


@bp.route("/rubrik/unggah", methods=["GET", "POST"])
@roles_required(*COMMITTEE)
def upload_rubric() -> str | Response | tuple[str, int]:
    form = RubricUploadForm()
    if form.validate_on_submit():
        upload = form.rubric.data
        data = upload.read(MAX_RUBRIC_BYTES + 1)
        try:
            parsed = read_rubric_upload(data, upload.filename or "")
        except RubricError as error:
            return render_template(
                "competitions/upload.html", form=form, problems=error.problems, filename=upload.filename
            ), 422
        stored = store_rubric(parsed)
        flash(_("Rubrik sah dan tersimpan. Periksa pratinjaunya, lalu buat lomba."), "success")
        return redirect(url_for("competitions.show_rubric", rubric_id=stored.id))
    return render_template("competitions/upload.html", form=form, problems=None, filename=None)


@bp.get("/rubrik/<int:rubric_id>")
@roles_required(*COMMITTEE)
def show_rubric(rubric_id: int) -> tuple[str, int]:
    stored = db.get_or_404(StoredRubric, rubric_id)
    form = CompetitionForm()
    form.scope.choices = _scope_choices()
    _prefill(form, stored)
    return _render_rubric(stored, form)


@bp.post("/lomba/baru")
@roles_required(*COMMITTEE)
def create() -> Response | tuple[str, int]:
    form = CompetitionForm()
    form.scope.choices = _scope_choices()
    if not (form.rubric_id.data or "").isdigit():
        abort(400)
    stored = db.get_or_404(StoredRubric, int(form.rubric_id.data))
    if not form.validate_on_submit():
        return _render_rubric(stored, form, status=422)
    require_region_access(form.scope.data, COMMITTEE)
    stages: dict[StageCode, tuple[date, date]] = {}
    problems: list[str] = []
    for code in StageCode:
        first, last = form[f"{code.value}_start"].data, form[f"{code.value}_end"].data
        if first and last:
            stages[code] = (first, last)
        elif first or last:
            problems.append(
                _(
                    "Tahap %(stage)s: isi tanggal mulai dan selesai, atau kosongkan keduanya.",
                    stage=_(STAGE_NAMES[code]),
                )
            )
    quotas: dict[str, int] = {}
    for number, line in enumerate((form.quotas.data or "").splitlines(), start=1):
        code, separator, count = line.strip().partition("=")
        if not line.strip():
            continue
        if not separator or not count.strip().isdigit():
            problems.append(_("Kuota baris %(line)d: tulis KODE_KABUPATEN=JUMLAH, mis. 64.09=10.", line=number))
        else:
            quotas[code.strip()] = int(count)
    if problems:
        return _render_rubric(stored, form, problems, status=422)
    try:
        competition = create_competition(
            name=form.name.data or "",
            year=form.year.data or 0,
            scope_code=form.scope.data,
            rubric=stored,
            stages=stages,
            quotas=quotas,
            created_by=current_user._get_current_object(),
        )
    except CompetitionError as error:
        return _render_rubric(stored, form, error.problems, status=422)
    flash(_("Lomba dibuat."), "success")
    return redirect(url_for("competitions.show_competition", competition_id=competition.id))


def stage_state(dates: StageDates | None, now: datetime) -> str:
    """``unscheduled``, ``ended``, ``open`` or ``upcoming``: what a schedule change may do with the stage (the
    rules of :func:`assessment.competitions.rescheduling.plan_schedule_change`)."""
    if dates is None:
        return "unscheduled"
    if dates.ends_at <= now:
        return "ended"
    return "open" if dates.starts_at <= now else "upcoming"


@bp.get("/lomba/<int:competition_id>")
@roles_required(*COMMITTEE)
def show_competition(competition_id: int) -> str:
    competition = competition_in_scope(competition_id, COMMITTEE)
    scope = db.session.scalar(select(Region).where(Region.code == competition.scope_region_code))
    current = current_schedule(competition)
    now = now_utc()
    stages = [(code, STAGE_NAMES[code], current.get(code), stage_state(current.get(code), now)) for code in StageCode]
    history = db.session.scalars(
        select(ScheduleChange)
        .where(ScheduleChange.competition_id == competition.id)
        .order_by(ScheduleChange.changed_at.desc(), ScheduleChange.id.desc())
    ).all()
    # Each change with its stages as calendar days (WITA), the way the committee wrote them.
    changes = [
        (
            change,
            [
                (
                    item.stage,
                    StageDates(item.before_starts_at, item.before_ends_at)
                    if item.before_starts_at and item.before_ends_at
                    else None,
                    StageDates(item.after_starts_at, item.after_ends_at),
                    item.shifted,
                )
                for item in change.stages
            ],
        )
        for change in history
    ]
    return render_template(
        "competitions/detail.html",
        competition=competition,
        scope=scope,
        stages=stages,
        rubric=rubric_of(competition.rubric),
        history=changes,
        stage_names=STAGE_NAMES,
        wita=wita,
    )


def _render_schedule(
    competition: Competition,
    code: StageCode,
    form: StageScheduleForm,
    *,
    refused: ScheduleRefused | None = None,
    status: int = 200,
) -> tuple[str, int]:
    current = current_schedule(competition)
    dates = current.get(code)
    return render_template(
        "competitions/schedule.html",
        competition=competition,
        code=code,
        stage_name=STAGE_NAMES[code],
        dates=dates,
        state=stage_state(dates, now_utc()),
        form=form,
        stage_names=STAGE_NAMES,
        problems=[problem_message(problem) for problem in refused.problems] if refused else [],
        offer_days=refused.offer_days if refused else None,
        offer=refused.offer if refused else [],
        schedule=[(stage, current[stage]) for stage in StageCode if stage in current],
        wita=wita,
    ), status


@bp.route("/lomba/<int:competition_id>/jadwal/<code>", methods=["GET", "POST"])
@roles_required(*COMMITTEE)
def edit_stage(competition_id: int, code: str) -> Response | tuple[str, int]:
    """Change the dates of one stage (and, asked, shift the later ones) with a written reason."""
    competition = competition_in_scope(competition_id, COMMITTEE)
    try:
        stage_code = StageCode(code)
    except ValueError:
        abort(404)
    form = StageScheduleForm()
    if request.method == "GET":
        dates = current_schedule(competition).get(stage_code)
        if dates is not None:
            form.first_day.data, form.last_day.data = dates.first_day, dates.last_day
        return _render_schedule(competition, stage_code, form)
    if not form.validate_on_submit() or form.first_day.data is None or form.last_day.data is None:
        return _render_schedule(competition, stage_code, form, status=400)
    try:
        change_schedule(
            competition,
            {stage_code: (form.first_day.data, form.last_day.data)},
            form.reason.data or "",
            now_utc(),
            by=current_user._get_current_object(),
            shift_later=bool(form.shift_later.data),
        )
    except ScheduleRefused as refused:
        return _render_schedule(competition, stage_code, form, refused=refused, status=422)
    flash(_("Jadwal diubah dan dicatat di riwayat jadwal; yang terdampak sudah diberi tahu."), "success")
    return redirect(url_for("competitions.show_competition", competition_id=competition.id))
