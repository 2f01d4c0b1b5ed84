"""The completeness check: the desa in the reviewer's scope with their status; mark complete or return."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from assessment.models import Competition, Evidence, EvidenceStatus, Participant, Role, SubmissionStatus
from assessment.platform.extensions import db
from assessment.platform.wita import now_utc
from assessment.platform.wita import visitor_wita as wita
from assessment.presentation import navigation
from assessment.repo import rubric_of
from assessment.review import operations
from assessment.review.forms import CompleteForm, ReturnForm
from assessment.services import visibility
from assessment.services.editions import split_editions
from assessment.services.loaders import participant_in_scope
from assessment.services.security import roles_required, scope_filter, user_can_access_region

bp = Blueprint("review", __name__, url_prefix="/kelengkapan")

REVIEWERS = (Role.verifikator_kecamatan, Role.dpmd)
# The provincial committee and assessors may read a submission (with the photos' GPS and capture time) but the
# completeness decision belongs to the kecamatan and the DPMD.
READERS = (*REVIEWERS, Role.panitia, Role.asesor, Role.ketua_tim)
ASSESSORS = (Role.panitia, Role.asesor, Role.ketua_tim)
STATUS_FILTERS = tuple(status.value for status in SubmissionStatus)


navigation.offer_links(
    bp,
    *(
        navigation.NavLink(
            role,
            "review.index",
            _l("Verifikasi kelengkapan"),
            _l("Desa di wilayah Anda dan status pengajuannya: tandai lengkap atau kembalikan dengan alasan."),
        )
        for role in REVIEWERS
    ),
    *(
        navigation.NavLink(
            role,
            "review.index",
            _l("Pengajuan penilaian mandiri"),
            _l("Baca isian dan bukti dukung desa, termasuk lokasi dan waktu pengambilan foto."),
        )
        for role in ASSESSORS
    ),
)


@bp.get("/")
@roles_required(*READERS)
def index() -> str:
    status = request.args.get("status", "")
    query = (
        select(Participant)
        .join(Competition, Participant.competition_id == Competition.id)
        .where(scope_filter(Participant.desa_code, current_user, READERS))
        .order_by(Competition.year.desc(), Competition.id, Participant.desa_code)
    )
    if status in STATUS_FILTERS:
        query = query.where(Participant.status == status)
    # An asesor sees only assigned desa, a ketua tim only desa in reconciliation, nobody a conflicted desa.
    participants = visibility.readable(current_user, list(db.session.scalars(query)))
    return render_template(
        "review/index.html",
        participants=participants,
        status=status,
        statuses=STATUS_FILTERS,
        wita=wita,
        editions=split_editions(participants, lambda row: row.competition, now_utc()),
    )


@bp.get("/peserta/<int:participant_id>")
@roles_required(*READERS)
def detail(participant_id: int, return_form: ReturnForm | None = None) -> str:
    participant = db.get_or_404(Participant, participant_id)
    if not visibility.reads_submission(current_user, participant):
        abort(403)
    rubric = rubric_of(participant.competition.rubric)
    rows = {row.indicator_code: row for row in participant.self_assessments}
    evidence: dict[str, list[Evidence]] = {}
    for item in participant.evidence:
        if item.status == EvidenceStatus.aktif:
            evidence.setdefault(item.indicator_code, []).append(item)
    return render_template(
        "review/detail.html",
        participant=participant,
        rubric=rubric,
        rows=rows,
        evidence=evidence,
        complete_form=CompleteForm(),
        return_form=return_form or ReturnForm(),
        wita=wita,
        level_names=dict(rubric.level_names),
        can_decide=user_can_access_region(current_user, participant.desa_code, REVIEWERS),
        can_see_metadata=user_can_access_region(current_user, participant.desa_code, ASSESSORS),
        can_see_duplicates=visibility.sees_duplicate_flag(current_user, participant),
    )


@bp.post("/peserta/<int:participant_id>/lengkap")
@roles_required(*REVIEWERS)
def complete(participant_id: int) -> Response:
    participant = participant_in_scope(participant_id, REVIEWERS)
    if CompleteForm().validate_on_submit():
        try:
            operations.mark_complete(participant, current_user, now_utc())
            flash(_("%(desa)s ditandai lengkap.", desa=participant.region.name), "success")
        except operations.NotReviewable:
            flash(_("Pengajuan ini tidak sedang menunggu verifikasi; tidak ada yang diubah."), "info")
    return redirect(url_for("review.detail", participant_id=participant.id))


@bp.post("/peserta/<int:participant_id>/kembalikan")
@roles_required(*REVIEWERS)
def send_back(participant_id: int) -> Response | tuple[str, int]:
    participant = participant_in_scope(participant_id, REVIEWERS)
    form = ReturnForm()
    if not form.validate_on_submit():
        return detail(participant_id, return_form=form), 400
    try:
        operations.return_for_revision(participant, current_user, form.reason.data or "", now_utc())
        flash(_("Pengajuan %(desa)s dikembalikan untuk perbaikan.", desa=participant.region.name), "success")
    except operations.NotReviewable:
        flash(_("Pengajuan ini tidak sedang menunggu verifikasi; tidak ada yang diubah."), "info")
    return redirect(url_for("review.detail", participant_id=participant.id))
