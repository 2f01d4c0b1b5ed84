"""The ketua tim's pages: flagged items per competition with every assessor's level and note; record agreement.

Each view loads, authorizes (ketua tim over the competition's region, and over the desa: a conflict of interest
removes it), calls one operation, renders.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from assessment.criteria.model import Rubric
from assessment.models import (
    Assignment,
    Competition,
    Evidence,
    EvidenceStatus,
    EvidenceVerdict,
    Participant,
    Reconciliation,
    Role,
    StageException,
)
from assessment.platform.extensions import db
from assessment.platform.wita import now_utc
from assessment.platform.wita import visitor_wita as wita
from assessment.presentation.navigation import NavLink, offer_links
from assessment.reconciliation import operations
from assessment.reconciliation.forms import ReconcileForm
from assessment.repo import reconciliation_items, rubric_of
from assessment.services.loaders import competition_in_scope, competitions_in_scope
from assessment.services.security import require_region_access, roles_required, user_can_access_region
from assessment.services.stages import STAGE_NAMES, Action, StageClosed, active_exceptions, freeze_message, stage_gate
from assessment.services.verdicts import LEVEL_PROBLEM, VERDICT_LABELS

bp = Blueprint("reconciliation", __name__, url_prefix="/ketua-tim")

LEAD = (Role.ketua_tim,)

REFUSALS = {
    "not_flagged": _l("Butir ini tidak ditandai untuk rekonsiliasi."),
    "level": LEVEL_PROBLEM,
    "reason": _l("Tulis alasan kesepakatan (paling panjang 2000 karakter)."),
    "already": _l("Butir ini sudah direkonsiliasi."),
    "not_agreed": _l("Butir ini belum punya level kesepakatan untuk dikoreksi."),
}


offer_links(
    bp,
    NavLink(
        Role.ketua_tim,
        "reconciliation.index",
        _l("Rekonsiliasi"),
        _l("Butir yang nilainya berselisih jauh antar-asesor."),
    ),
)


@bp.get("/")
@roles_required(*LEAD)
def index() -> str:
    competitions = competitions_in_scope(LEAD)
    return render_template("reconciliation/index.html", competitions=competitions)


@dataclass(frozen=True)
class Item:
    """One flagged item as the page shows it."""

    participant: Participant
    indicator_code: str
    spread: int
    scores: list[tuple[str, int | None, bool, str]]
    agreed: Reconciliation | None
    exceptions: list[StageException]
    evidence: list[EvidenceView]


@dataclass(frozen=True)
class EvidenceView:
    """One active piece of the indicator's evidence with each submitted assessor's verdict (None: not judged)."""

    evidence: Evidence
    verdicts: list[tuple[str, EvidenceVerdict | None]]


def _items(competition: Competition) -> list[Item]:
    rubric = rubric_of(competition.rubric)
    participants = {
        p.desa_code: p
        for p in db.session.scalars(select(Participant).where(Participant.competition_id == competition.id))
    }
    agreed = {
        (r.participant_id, r.indicator_code): r
        for r in db.session.scalars(
            select(Reconciliation)
            .join(Participant, Reconciliation.participant_id == Participant.id)
            .where(Participant.competition_id == competition.id)
        )
    }
    now = now_utc()
    items = []
    for code, indicator_code, spread in reconciliation_items(competition, rubric):
        participant = participants[code]
        # A desa the ketua tim has a conflict with is not theirs to reconcile (nor to see).
        if not user_can_access_region(current_user, code, LEAD):
            continue
        assignments = db.session.scalars(
            select(Assignment)
            .where(
                Assignment.participant_id == participant.id,
                Assignment.withdrawn_at.is_(None),
                Assignment.submitted_at.is_not(None),
            )
            .order_by(Assignment.id)
        ).unique()
        scores = []
        judged: list[tuple[str, dict[int, EvidenceVerdict]]] = []
        for assignment in assignments:
            score = next((s for s in assignment.scores if s.indicator_code == indicator_code), None)
            if score is not None:
                scores.append((assignment.assessor.name, score.level, score.not_applicable, score.note))
            judged.append((assignment.assessor.name, {j.evidence_id: j.verdict for j in assignment.judgements}))
        # The evidence each assessor judged, side by side, so the ketua tim decides beside what they saw.
        evidence = [
            EvidenceView(e, [(name, verdicts.get(e.id)) for name, verdicts in judged])
            for e in participant.evidence
            if e.indicator_code == indicator_code and e.status == EvidenceStatus.aktif
        ]
        items.append(
            Item(
                participant,
                indicator_code,
                spread,
                scores,
                agreed.get((participant.id, indicator_code)),
                active_exceptions(participant, now),
                evidence,
            )
        )
    return items


def _page(
    competition: Competition, form: ReconcileForm | None = None, form_key: str = "", status: int = 200
) -> tuple[str, int]:
    rubric = rubric_of(competition.rubric)
    html = render_template(
        "reconciliation/competition.html",
        competition=competition,
        items=_items(competition),
        rubric=rubric,
        form=form,
        form_key=form_key,
        blank=ReconcileForm(),
        wita=wita,
        stage_names=STAGE_NAMES,
        gate=stage_gate(competition, Action.reconcile, now_utc()),
        level_names=dict(rubric.level_names),
        verdict_labels=VERDICT_LABELS,
    )
    return html, status


@bp.get("/lomba/<int:competition_id>")
@roles_required(*LEAD)
def competition(competition_id: int) -> tuple[str, int]:
    return _page(competition_in_scope(competition_id, LEAD))


def _load_item(competition_id: int, participant_id: int, code: str) -> tuple[Competition, Participant, Rubric]:
    """The competition, the desa and the rubric of one item; 404 unless the desa and the indicator belong to the
    competition, 403 outside the ketua tim's scope (or with a conflict of interest)."""
    competition = competition_in_scope(competition_id, LEAD)
    participant = db.get_or_404(Participant, participant_id)
    if participant.competition_id != competition.id:
        abort(404)
    require_region_access(participant.desa_code, LEAD)
    rubric = rubric_of(competition.rubric)
    try:
        rubric.indicator(code)
    except KeyError:
        abort(404)
    return competition, participant, rubric


@bp.post("/lomba/<int:competition_id>/desa/<int:participant_id>/indikator/<code>")
@roles_required(*LEAD)
def reconcile(competition_id: int, participant_id: int, code: str) -> Response | tuple[str, int]:
    return _decide(
        competition_id,
        participant_id,
        code,
        operations.reconcile_item,
        key_suffix="",
        conflicts=("already", "not_flagged"),
        saved=lambda desa: _("Kesepakatan untuk %(desa)s indikator %(code)s tersimpan.", desa=desa, code=code),
    )


@bp.post("/lomba/<int:competition_id>/desa/<int:participant_id>/indikator/<code>/koreksi")
@roles_required(*LEAD)
def correct(competition_id: int, participant_id: int, code: str) -> Response | tuple[str, int]:
    return _decide(
        competition_id,
        participant_id,
        code,
        operations.correct_reconciliation,
        key_suffix="-koreksi",
        conflicts=("not_agreed",),
        saved=lambda desa: _(
            "Koreksi kesepakatan untuk %(desa)s indikator %(code)s tersimpan; keputusan sebelumnya tetap tercatat.",
            desa=desa,
            code=code,
        ),
    )


def _decide(
    competition_id: int,
    participant_id: int,
    code: str,
    decide: Callable[..., object],
    *,
    key_suffix: str,
    conflicts: tuple[str, ...],
    saved: Callable[[str], str],
) -> Response | tuple[str, int]:
    """A ketua tim's agreed level or its correction: the form, the operation, and the page again with the refusal
    (409 for a refusal in ``conflicts``, where the item's state rather than the form is at fault; 400 otherwise)."""
    competition, participant, rubric = _load_item(competition_id, participant_id, code)
    form = ReconcileForm()
    key = f"{participant.id}-{code}{key_suffix}"
    if not form.validate_on_submit() or form.level.data is None:
        return _page(competition, form, key, status=400)
    try:
        decide(participant, rubric, code, form.level.data, form.reason.data or "", current_user, now_utc())
    except StageClosed as closed:
        flash(freeze_message(closed.gate) or _("Tahap rekonsiliasi tidak sedang dibuka untuk desa ini."), "error")
        return _page(competition, form, key, status=409)
    except operations.ReconciliationRefused as refused:
        flash(str(REFUSALS[refused.code]), "error")
        return _page(competition, form, key, status=409 if refused.code in conflicts else 400)
    flash(saved(participant.region.name), "success")
    return redirect(url_for("reconciliation.competition", competition_id=competition.id))
