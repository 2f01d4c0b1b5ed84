"""Registration pages: DPMD nominates the desa of its kabupaten within the quota; the committee sees every
nomination, enrols or removes desa (by hand or from a file) and sets the quotas.

Each view loads, authorizes (role AND region scope, on the server), calls one operation and renders.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from assessment.models import Competition, Participant, Region, RegistrationChannel, Role, StageCode, User
from assessment.platform.extensions import db
from assessment.platform.tabular import LineProblem, TableRejected
from assessment.platform.wita import now_utc
from assessment.platform.wita import visitor_wita as wita
from assessment.presentation.navigation import NavLink, offer_links
from assessment.registration import operations, rules
from assessment.registration.forms import EnrolFileForm, NominateForm, QuotaForm, WithdrawForm
from assessment.repo import rubric_of
from assessment.services.security import grants_for, require_region_access, roles_required, user_can_access_region

bp = Blueprint("registration", __name__, url_prefix="/pendaftaran")

COMMITTEE = (Role.panitia,)
NOMINATORS = (Role.panitia, Role.dpmd)


offer_links(
    bp,
    *(
        NavLink(
            role,
            "registration.index",
            _l("Pendaftaran peserta"),
            _l("Desa peserta lomba per kabupaten, kuota, dan pengusulan oleh DPMD."),
        )
        for role in NOMINATORS
    ),
)


def _user() -> User:
    user: User = current_user._get_current_object()
    return user


def _is_committee(competition: Competition) -> bool:
    return user_can_access_region(current_user, competition.scope_region_code, COMMITTEE)


def _dpmd_kabupaten(competition: Competition) -> list[str]:
    """The kabupaten of the signed-in DPMD that lie inside the competition's scope."""
    return sorted(
        grant.region_code
        for grant in grants_for(current_user, (Role.dpmd,))
        if rules.within(grant.region_code, competition.scope_region_code)
    )


def _competition(competition_id: int) -> Competition:
    competition = db.get_or_404(Competition, competition_id)
    if not _is_committee(competition) and not _dpmd_kabupaten(competition):
        abort(403)
    return competition


def _channel(competition: Competition) -> RegistrationChannel:
    return RegistrationChannel.panitia if _is_committee(competition) else RegistrationChannel.dpmd


@bp.get("/")
@roles_required(*NOMINATORS)
def index() -> str:
    competitions = db.session.scalars(select(Competition).order_by(Competition.year.desc(), Competition.id.desc()))
    rows = []
    for competition in competitions:
        committee = _is_committee(competition)
        kabupaten = _dpmd_kabupaten(competition)
        if committee or kabupaten:
            rows.append((competition, committee, kabupaten, competition.stage(StageCode.pendaftaran)))
    return render_template("registration/index.html", rows=rows, wita=wita)


@bp.get("/<int:competition_id>")
@roles_required(*COMMITTEE)
def competition(competition_id: int) -> tuple[str, int]:
    """The committee's view: every kabupaten with its quota and desa; enrol by code or from a file."""
    item = db.get_or_404(Competition, competition_id)
    require_region_access(item.scope_region_code, COMMITTEE)
    return _committee_page(item)


def _committee_page(
    competition: Competition,
    *,
    problems: list[LineProblem] | None = None,
    file_form: EnrolFileForm | None = None,
    quota_form: QuotaForm | None = None,
    checked: list[str] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    states = operations.kabupaten_states(competition)
    participants = [p for state in states for p in state.participants]
    kabupaten_in_scope = db.session.scalars(
        select(Region)
        .where(
            Region.kind.in_(["kabupaten", "kota"]),
            (Region.code == competition.scope_region_code)
            | Region.code.startswith(competition.scope_region_code + ".", autoescape=True),
        )
        .order_by(Region.code)
    ).all()
    return render_template(
        "registration/competition.html",
        competition=competition,
        states=states,
        without_operator=operators_without(participants),
        kabupaten=kabupaten_in_scope,
        file_form=file_form or EnrolFileForm(),
        quota_form=quota_form or QuotaForm(),
        problems=problems or [],
        checked=checked,
        history=operations.history(competition)[:50],
        stage=competition.stage(StageCode.pendaftaran),
        eligible=rubric_of(competition.rubric).eligible,
        wita=wita,
    ), status


def operators_without(participants: list[Participant]) -> set[str]:
    return operations.operator_less(participants)


@bp.post("/<int:competition_id>/berkas")
@roles_required(*COMMITTEE)
def upload(competition_id: int) -> Response | tuple[str, int]:
    """Enrol from a CSV/.xlsx file (column ``kode_desa``): all or nothing, every problem with its line."""
    competition = db.get_or_404(Competition, competition_id)
    require_region_access(competition.scope_region_code, COMMITTEE)
    form = EnrolFileForm()
    if not form.validate_on_submit():
        return _committee_page(competition, file_form=form, status=400)
    upload_file = form.file.data
    try:
        codes = operations.enrol_from_file(
            competition,
            upload_file.read(),
            upload_file.filename or "",
            _user(),
            now_utc(),
            dry_run=bool(form.dry_run.data),
        )
    except TableRejected as rejected:
        return _committee_page(competition, file_form=form, problems=rejected.problems, status=422)
    if form.dry_run.data:
        return _committee_page(competition, file_form=form, checked=codes)
    flash(_("%(count)d desa didaftarkan dari berkas.", count=len(codes)), "success")
    return redirect(url_for("registration.competition", competition_id=competition.id))


@bp.post("/<int:competition_id>/kuota")
@roles_required(*COMMITTEE)
def set_quota(competition_id: int) -> Response | tuple[str, int]:
    competition = db.get_or_404(Competition, competition_id)
    require_region_access(competition.scope_region_code, COMMITTEE)
    form = QuotaForm()
    if not form.validate_on_submit():
        return _committee_page(competition, quota_form=form, status=400)
    code = (form.kabupaten_code.data or "").strip()
    try:
        operations.set_quota(competition, code, form.quota.data, _user())
    except operations.RegistrationRefused as refused:
        return _committee_page(
            competition, quota_form=form, status=422, problems=[LineProblem(0, problem) for problem in refused.problems]
        )
    flash(_("Kuota %(code)s disimpan.", code=code), "success")
    return redirect(url_for("registration.competition", competition_id=competition.id))


def _kabupaten_page(
    competition: Competition,
    kabupaten_code: str,
    *,
    form: NominateForm | None = None,
    problems: list[str] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    [state] = operations.kabupaten_states(competition, only=[kabupaten_code])
    candidates = operations.eligible_desa(competition, kabupaten_code)
    form = form or NominateForm()
    form.desa_code.choices = [("", _("— pilih desa —"))] + [
        (region.code, f"{region.code} — {region.name}") for region in candidates
    ]
    return render_template(
        "registration/kabupaten.html",
        competition=competition,
        state=state,
        form=form,
        problems=problems or [],
        without_operator=operations.operator_less(state.participants),
        committee=_is_committee(competition),
        stage=competition.stage(StageCode.pendaftaran),
        history=operations.history(competition, kabupaten_code),
        wita=wita,
        can_import_accounts="people.import_accounts" in current_app.view_functions,
    ), status


def _kabupaten(competition_id: int, kabupaten_code: str) -> Competition:
    competition = db.get_or_404(Competition, competition_id)
    require_region_access(kabupaten_code, NOMINATORS)
    region = db.session.scalar(select(Region).where(Region.code == kabupaten_code))
    if (
        region is None
        or region.kind.value not in ("kabupaten", "kota")
        or not rules.within(kabupaten_code, competition.scope_region_code)
    ):
        abort(404)
    return competition


@bp.get("/<int:competition_id>/<kabupaten_code>")
@roles_required(*NOMINATORS)
def kabupaten(competition_id: int, kabupaten_code: str) -> tuple[str, int]:
    """One kabupaten: its quota, its enrolled desa (flagged when without an operator account), nominate more."""
    competition = _kabupaten(competition_id, kabupaten_code)
    return _kabupaten_page(competition, kabupaten_code)


@bp.post("/<int:competition_id>/<kabupaten_code>/usulkan")
@roles_required(*NOMINATORS)
def nominate(competition_id: int, kabupaten_code: str) -> Response | tuple[str, int]:
    competition = _kabupaten(competition_id, kabupaten_code)
    form = NominateForm()
    if not form.validate_on_submit():
        return _kabupaten_page(competition, kabupaten_code, form=form, status=400)
    try:
        participant = operations.enrol_desa(
            competition,
            form.desa_code.data or "",
            _channel(competition),
            _user(),
            now_utc(),
            kabupaten_code=kabupaten_code,
        )
    except operations.RegistrationRefused as refused:
        return _kabupaten_page(competition, kabupaten_code, form=form, problems=refused.problems, status=422)
    flash(_("Desa %(name)s didaftarkan.", name=participant.region.name), "success")
    return redirect(url_for("registration.kabupaten", competition_id=competition.id, kabupaten_code=kabupaten_code))


@bp.route("/peserta/<int:participant_id>/tarik", methods=["GET", "POST"])
@roles_required(*NOMINATORS)
def withdraw(participant_id: int) -> Response | tuple[str, int]:
    """Take a desa out with a reason: a confirmation page first (it works without JavaScript)."""
    participant = db.get_or_404(Participant, participant_id)
    require_region_access(participant.desa_code, NOMINATORS)
    competition = participant.competition
    form = WithdrawForm()
    kabupaten_code = rules.kabupaten_of(participant.desa_code)
    problems: list[str] = []
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                operations.withdraw_participant(
                    participant, form.reason.data or "", _channel(competition), _user(), now_utc()
                )
            except operations.RegistrationRefused as refused:
                problems, status = refused.problems, 422
            else:
                flash(_("Desa ditarik dari lomba; alasannya dicatat."), "success")
                return redirect(
                    url_for("registration.kabupaten", competition_id=competition.id, kabupaten_code=kabupaten_code)
                )
        else:
            status = 400
    return render_template(
        "registration/withdraw.html",
        participant=participant,
        competition=competition,
        form=form,
        problems=problems,
        kabupaten_code=kabupaten_code,
    ), status
