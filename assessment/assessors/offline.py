"""Offline desk scoring: the assessor downloads a workbook of their open assignments, fills it in, uploads it.

Each view loads, authorizes (the asesor role; only the signed-in assessor's own, open assignments whose desa
their scope still reaches, so a declared conflict of interest removes a desa), calls one operation, renders.
"""

from __future__ import annotations

import io
from dataclasses import replace

from flask import Blueprint, abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from assessment.assessors import operations
from assessment.assessors.forms import OfflineWorkbookForm
from assessment.assessors.routes import PROBLEM_MESSAGES
from assessment.assessors.workbook import ScoringTask, ScoringWorkbookInfo
from assessment.criteria.fingerprint import fingerprint
from assessment.criteria.model import Rubric
from assessment.exports.scoring_workbook import read_scoring_workbook, write_scoring_workbook
from assessment.models import Assignment, Competition, Participant, Role
from assessment.platform.extensions import db
from assessment.platform.inputs import strip_control_characters
from assessment.platform.versioning import SaveConflict
from assessment.platform.wita import now_utc
from assessment.presentation.navigation import NavLink, offer_links
from assessment.repo import rubric_of
from assessment.services.security import roles_required, user_can_access_region
from assessment.services.stages import Action, stage_gate

bp = Blueprint("assessors_offline", __name__, url_prefix="/asesor/luring")

ASSESSOR = (Role.asesor,)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_UPLOAD = 5 * 1024 * 1024

OFFLINE_MESSAGES = {
    "assignment": _l("desa ini bukan penugasan Anda yang masih terbuka"),
    "locked": _l("penilaian desa ini sudah dikirim atau dihentikan"),
    "stage": _l("tahap penilaian dokumen sedang tidak dibuka untuk desa ini"),
    "conflict": _l("nilai ini baru saja diubah di tempat lain; unduh workbook lagi"),
}


offer_links(
    bp,
    NavLink(
        Role.asesor,
        "assessors_offline.index",
        _l("Penilaian luring (Excel)"),
        _l("Unduh workbook penilaian desa yang ditugaskan, isi tanpa internet, lalu unggah."),
    ),
)


def _open_assignments(competition: Competition) -> dict[str, Assignment]:
    """The signed-in assessor's open (not submitted, not withdrawn) assignments in the competition whose desa they
    may still reach (a conflict of interest removes it), by desa code."""
    assignments = (
        db.session.scalars(
            select(Assignment)
            .join(Participant, Assignment.participant_id == Participant.id)
            .where(
                Assignment.assessor_id == current_user.id,
                Participant.competition_id == competition.id,
                Assignment.withdrawn_at.is_(None),
                Assignment.submitted_at.is_(None),
            )
            .order_by(Participant.desa_code)
        )
        .unique()
        .all()
    )
    return {
        a.participant.desa_code: a
        for a in assignments
        if user_can_access_region(current_user, a.participant.desa_code, ASSESSOR)
    }


def _tasks(rubric: Rubric, assignments: dict[str, Assignment]) -> list[ScoringTask]:
    tasks = []
    for code, assignment in assignments.items():
        scores = {s.indicator_code: s for s in assignment.scores}
        for indicator in rubric.indicators:
            score = scores.get(indicator.code)
            tasks.append(
                ScoringTask(
                    code,
                    assignment.participant.region.name,
                    indicator.code,
                    indicator.name,
                    indicator.allow_na,
                    score.level if score else None,
                    bool(score and score.not_applicable),
                    # A note saved before input was cleaned may hold a control character,
                    # which no Excel cell can: without it the workbook can still be written.
                    strip_control_characters(score.note) if score and score.note else "",
                )
            )
    return tasks


def _info(competition: Competition, rubric: Rubric) -> ScoringWorkbookInfo:
    return ScoringWorkbookInfo(str(competition.id), str(current_user.id), fingerprint(rubric))


def _competition(competition_id: int) -> tuple[Competition, Rubric, dict[str, Assignment]]:
    competition = db.get_or_404(Competition, competition_id)
    assignments = _open_assignments(competition)
    if not assignments:
        abort(404)
    return competition, rubric_of(competition.rubric), assignments


@bp.get("/")
@roles_required(*ASSESSOR)
def index() -> str:
    competitions = (
        db.session.scalars(
            select(Competition)
            .join(Participant, Participant.competition_id == Competition.id)
            .join(Assignment, Assignment.participant_id == Participant.id)
            .where(
                Assignment.assessor_id == current_user.id,
                Assignment.withdrawn_at.is_(None),
                Assignment.submitted_at.is_(None),
            )
            .distinct()
            .order_by(Competition.id)
        )
        .unique()
        .all()
    )
    return render_template("assessors/offline_index.html", competitions=competitions)


@bp.get("/<int:competition_id>")
@roles_required(*ASSESSOR)
def competition(competition_id: int, form: OfflineWorkbookForm | None = None, refused: list[str] | None = None) -> str:
    competition, _rubric, assignments = _competition(competition_id)
    gate = stage_gate(competition, Action.desk_score, now_utc())
    return render_template(
        "assessors/offline.html",
        competition=competition,
        assignments=assignments,
        form=form or OfflineWorkbookForm(),
        refused=refused or [],
        gate=gate,
    )


@bp.get("/<int:competition_id>/penilaian.xlsx")
@roles_required(*ASSESSOR)
def download(competition_id: int) -> Response:
    """The workbook of the assessor's open assignments in the competition, with their draft levels filled in."""
    competition, rubric, assignments = _competition(competition_id)
    data = write_scoring_workbook(_info(competition, rubric), _tasks(rubric, assignments), rubric.scale.levels)
    assert data is not None  # noqa: S101 -- no target: the bytes are returned
    return send_file(
        io.BytesIO(data),
        mimetype=XLSX,
        as_attachment=True,
        download_name=f"penilaian-{competition.id}-{current_user.id}.xlsx",
        max_age=0,
    )


@bp.post("/<int:competition_id>")
@roles_required(*ASSESSOR)
def upload(competition_id: int) -> Response | tuple[str, int]:
    """Import a filled-in workbook: every row checked, nothing saved unless every row is good."""
    competition_row, rubric, assignments = _competition(competition_id)
    form = OfflineWorkbookForm()
    if not form.validate_on_submit():
        return competition(competition_id, form=form), 400
    data = form.workbook.data.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        return competition(competition_id, form=form, refused=[_("Berkas lebih dari 5 MB.")]), 400
    result = read_scoring_workbook(
        data, _info(competition_row, rubric), _tasks(rubric, assignments), rubric.scale.levels
    )
    if not result.ok:
        return competition(competition_id, form=form, refused=[str(error) for error in result.errors]), 422
    # A cell may spell a control character as an escape (``_x0000_``): cleaned like a note typed on the page.
    entries = [replace(entry, note=strip_control_characters(entry.note)) for entry in result.entries]
    try:
        saved = operations.apply_offline_scores(current_user, rubric, assignments, entries, now_utc())
    except operations.OfflineImportRefused as error:
        lines = [
            _(
                "Lembar Penilaian, baris %(row)d (desa %(desa)s, indikator %(ind)s): %(why)s",
                row=r.row,
                desa=r.desa_code,
                ind=r.indicator_code,
                why="; ".join(str(OFFLINE_MESSAGES.get(p) or PROBLEM_MESSAGES.get(p) or p) for p in r.problems),
            )
            for r in error.refused
        ]
        return competition(competition_id, form=form, refused=lines), 422
    except SaveConflict:
        return competition(
            competition_id,
            form=form,
            refused=[_("Nilai diubah orang lain saat impor; tidak ada yang disimpan. Coba lagi.")],
        ), 409
    flash(
        _("%(n)d nilai dari workbook tersimpan sebagai draf. Kirim penilaian tiap desa dari halamannya.", n=saved),
        "success",
    )
    return redirect(url_for("assessors_offline.competition", competition_id=competition_id))
