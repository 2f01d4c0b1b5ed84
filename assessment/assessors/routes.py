"""The assessor's pages: assigned desa, desk scoring per indicator beside the evidence, uji akses, submission.

Each view loads, authorizes (the asesor role AND region scope, which a conflict of interest removes, AND the
assignment being the signed-in assessor's own and not withdrawn), calls one operation, renders.
"""

from __future__ import annotations

from datetime import UTC
from functools import lru_cache

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from assessment.assessors import operations
from assessment.assessors.forms import AccessTestForm, ConflictForm, DeskScoreForm
from assessment.assessors.rules import asks_for_access_test, can_see_other_scores
from assessment.criteria.model import Indicator, Rubric
from assessment.models import (
    Assignment,
    DeskScore,
    Evidence,
    EvidenceKind,
    EvidenceStatus,
    EvidenceVerdict,
    Region,
    RegionKind,
    Role,
)
from assessment.platform.extensions import db
from assessment.platform.forms import ConfirmForm
from assessment.platform.storage import StorageError, get_store
from assessment.platform.versioning import SaveConflict
from assessment.platform.wita import WITA, now_utc
from assessment.platform.wita import visitor_wita as wita
from assessment.presentation.navigation import NavLink, offer_links
from assessment.repo import rubric_of
from assessment.services.editions import split_editions
from assessment.services.loaders import indicator_or_404, own_assignment
from assessment.services.security import roles_required, user_can_access_region
from assessment.services.signatures import NAME_LABELS, SignatureReport, read_signatures
from assessment.services.stages import (
    STAGE_NAMES,
    Action,
    Gate,
    StageClosed,
    active_exceptions,
    gate_text,
    stage_gate,
)
from assessment.services.verdicts import LEVEL_PROBLEM, NOTE_LENGTH_PROBLEM, VERDICT_LABELS

bp = Blueprint("assessors", __name__, url_prefix="/asesor")

ASSESSOR = (Role.asesor,)


PROBLEM_MESSAGES = {
    "level": LEVEL_PROBLEM,
    "na_not_allowed": _l("Indikator ini tidak boleh dinilai tidak berlaku (N/A)."),
    "note": _l("Catatan wajib diisi bila level asesor berbeda dari level penilaian mandiri."),
    "note_length": NOTE_LENGTH_PROBLEM,
    "evidence": _l("Penilaian bukti merujuk bukti yang bukan milik indikator ini."),
    "not_asked": _l("Indikator ini tidak meminta uji akses."),
    "sent_future": _l("Waktu pengiriman tidak boleh di masa depan."),
    "answered": _l("Waktu tanggapan harus setelah pengiriman dan tidak di masa depan."),
    "result_length": _l("Hasil paling panjang 2000 karakter."),
}


offer_links(
    bp,
    NavLink(
        Role.asesor,
        "assessors.index",
        _l("Penilaian dokumen"),
        _l("Desa yang ditugaskan kepada Anda, per indikator di samping buktinya."),
    ),
)


def _others(assignment: Assignment) -> list[Assignment]:
    """The other active, SUBMITTED assignments of the same desa: shown only after this one is submitted (blind
    scoring), and never another assessor's draft, which may still change (rule in ``can_see_other_scores``)."""
    if not can_see_other_scores(assignment):
        return []
    return list(
        db.session.scalars(
            select(Assignment)
            .where(
                Assignment.participant_id == assignment.participant_id,
                Assignment.id != assignment.id,
                Assignment.withdrawn_at.is_(None),
                Assignment.submitted_at.is_not(None),
            )
            .order_by(Assignment.id)
        ).unique()
    )


@bp.get("/")
@roles_required(*ASSESSOR)
def index(conflict_form: ConflictForm | None = None) -> str:
    assignments = (
        db.session.scalars(select(Assignment).where(Assignment.assessor_id == current_user.id).order_by(Assignment.id))
        .unique()
        .all()
    )
    # A desa the assessor has a conflict with (found after the assignment) is in no list, withdrawn or not yet.
    active = [
        a
        for a in assignments
        if a.withdrawn_at is None and user_can_access_region(current_user, a.participant.desa_code, ASSESSOR)
    ]
    return render_template(
        "assessors/index.html",
        active=active,
        editions=split_editions(active, lambda a: a.participant.competition, now_utc()),
        withdrawn=[a for a in assignments if a.withdrawn_at is not None],
        conflict_form=conflict_form or ConflictForm(),
        wita=wita,
    )


@bp.post("/konflik")
@roles_required(*ASSESSOR)
def declare_conflict() -> Response | tuple[str, int]:
    form = ConflictForm()
    if not form.validate_on_submit():
        return index(conflict_form=form), 400
    region = db.session.scalar(select(Region).where(Region.code == (form.region_code.data or "").strip()))
    if region is None or region.kind not in (RegionKind.desa, RegionKind.desa_adat, RegionKind.kecamatan):
        form.region_code.errors = [_("Kode itu bukan desa atau kecamatan yang dikenal.")]
        return index(conflict_form=form), 400
    withdrawn = operations.declare_conflict(current_user, region, form.reason.data or "", now_utc())
    flash(
        _("Konflik kepentingan dengan %(name)s tercatat; %(n)d penugasan dihentikan.", name=region.name, n=withdrawn),
        "success",
    )
    return redirect(url_for("assessors.index"))


def _context(assignment: Assignment) -> dict[str, object]:
    participant = assignment.participant
    now = now_utc()
    exceptions = active_exceptions(participant, now)
    return {
        "assignment": assignment,
        "participant": participant,
        "wita": wita,
        "stage_names": STAGE_NAMES,
        "exceptions": exceptions,
        "gate": stage_gate(
            participant.competition, Action.desk_score, now, participant=participant, exceptions=exceptions
        ),
        "others": _others(assignment),
        "verdict_labels": VERDICT_LABELS,
        "name_labels": NAME_LABELS,
    }


@bp.get("/penugasan/<int:assignment_id>")
@roles_required(*ASSESSOR)
def overview(assignment_id: int) -> str:
    assignment = own_assignment(assignment_id, ASSESSOR)
    rubric = rubric_of(assignment.participant.competition.rubric)
    own = {s.indicator_code: s for s in assignment.scores}
    return render_template(
        "assessors/overview.html",
        rubric=rubric,
        own=own,
        confirm=ConfirmForm(),
        level_names=dict(rubric.level_names),
        problem=request.args.get("masalah", ""),
        **_context(assignment),
    )


@lru_cache(maxsize=256)
def _signatures_of(sha256: str, trust_roots: tuple[str, ...]) -> SignatureReport:
    """The signatures of a stored PDF; cached by content hash (stored files never change)."""
    try:
        with get_store().open(sha256) as handle:
            data = handle.read()
    except StorageError:
        return SignatureReport((), "Berkas tidak ditemukan di penyimpanan.")
    return read_signatures(data, trust_roots)


def _indicator_page(
    assignment: Assignment,
    rubric: Rubric,
    indicator: Indicator,
    form: DeskScoreForm | None = None,
    access_form: AccessTestForm | None = None,
    status: int = 200,
    conflict: SaveConflict[DeskScore] | None = None,
) -> tuple[str, int]:
    participant = assignment.participant
    score = next((s for s in assignment.scores if s.indicator_code == indicator.code), None)
    if form is None:
        form = DeskScoreForm(
            level=score.level if score else None,
            not_applicable=score.not_applicable if score else False,
            note=score.note if score else "",
            version=str(score.version if score else 0),
        )
    elif conflict is not None:
        # The typed input stays in the form; saving it again now knowingly replaces the value shown beside it.
        form.version.data = str(conflict.current.version if conflict.current else 0)
    level_names = dict(rubric.level_names)
    form.level.choices = [
        ("", _("— belum dipilih —")),
        *[(str(v), f"{v} — {level_names.get(v, '')}".rstrip(" —")) for v in rubric.scale.levels],
    ]
    evidence = [
        e for e in participant.evidence if e.indicator_code == indicator.code and e.status == EvidenceStatus.aktif
    ]
    roots = tuple(current_app.config.get("TTE_TRUST_ROOTS") or ())
    signatures = {
        e.id: _signatures_of(e.sha256, roots)
        for e in evidence
        if e.kind == EvidenceKind.file and e.media_type == "application/pdf" and e.sha256
    }
    test = next((t for t in assignment.access_tests if t.indicator_code == indicator.code), None)
    if access_form is None:
        access_form = AccessTestForm(
            sent_at=test.sent_at.astimezone(WITA).replace(tzinfo=None) if test else None,
            answered_at=test.answered_at.astimezone(WITA).replace(tzinfo=None) if test and test.answered_at else None,
            result=test.result if test else "",
        )
    self_row = next((r for r in participant.self_assessments if r.indicator_code == indicator.code), None)
    html = render_template(
        "assessors/indicator.html",
        rubric=rubric,
        indicator=indicator,
        form=form,
        score=score,
        evidence=evidence,
        signatures=signatures,
        verdicts={j.evidence_id: j.verdict for j in assignment.judgements},
        self_row=self_row,
        level_names=level_names,
        access_form=access_form,
        access_test=test,
        asks_access=asks_for_access_test(indicator),
        conflict=conflict,
        **_context(assignment),
    )
    return html, status


@bp.get("/penugasan/<int:assignment_id>/indikator/<code>")
@roles_required(*ASSESSOR)
def indicator(assignment_id: int, code: str) -> tuple[str, int]:
    assignment = own_assignment(assignment_id, ASSESSOR)
    rubric = rubric_of(assignment.participant.competition.rubric)
    return _indicator_page(assignment, rubric, indicator_or_404(rubric, code))


def _verdicts_from_form() -> dict[int, EvidenceVerdict] | None:
    """``verdict-<evidence id>`` fields; None when one is malformed (a tampered form)."""
    verdicts: dict[int, EvidenceVerdict] = {}
    for key, value in request.form.items():
        if not key.startswith("verdict-") or not value:
            continue
        try:
            verdicts[int(key.removeprefix("verdict-"))] = EvidenceVerdict(value)
        except ValueError:
            return None
    return verdicts


@bp.post("/penugasan/<int:assignment_id>/indikator/<code>")
@roles_required(*ASSESSOR)
def save(assignment_id: int, code: str) -> Response | tuple[str, int]:
    assignment = own_assignment(assignment_id, ASSESSOR)
    rubric = rubric_of(assignment.participant.competition.rubric)
    item = indicator_or_404(rubric, code)
    form = DeskScoreForm()
    verdicts = _verdicts_from_form()
    if not form.validate_on_submit() or verdicts is None:
        if verdicts is None:
            flash(str(PROBLEM_MESSAGES["evidence"]), "error")
        return _indicator_page(assignment, rubric, item, form=form, status=400)
    try:
        operations.save_desk_score(
            assignment,
            rubric,
            item.code,
            form.level.data,
            bool(form.not_applicable.data),
            form.note.data or "",
            verdicts,
            now_utc(),
            form.expected_version(),
        )
    except StageClosed as closed:
        flash(gate_text(closed.gate), "error")
        return _indicator_page(assignment, rubric, item, form=form, status=409)
    except operations.AssessmentLocked:
        flash(_("Penilaian desa ini sudah diajukan dan final; tidak dapat diubah."), "error")
        return _indicator_page(assignment, rubric, item, form=form, status=409)
    except operations.ScoreRejected as rejected:
        for problem in rejected.problems:
            flash(str(PROBLEM_MESSAGES[problem]), "error")
        return _indicator_page(assignment, rubric, item, form=form, status=400)
    except SaveConflict as conflict:
        flash(
            _(
                "Nilai ini sudah disimpan di tab atau perangkat lain setelah halaman ini Anda buka, jadi isian Anda "
                "BELUM disimpan. Isian Anda masih ada di formulir dan nilai yang tersimpan sekarang ditampilkan. "
                "Periksa keduanya, lalu simpan lagi bila isian Anda yang benar."
            ),
            "error",
        )
        db.session.refresh(assignment)
        return _indicator_page(assignment, rubric, item, form=form, status=409, conflict=conflict)
    flash(_("Draf penilaian indikator %(code)s tersimpan.", code=item.code), "success")
    return redirect(url_for("assessors.indicator", assignment_id=assignment.id, code=item.code))


@bp.post("/penugasan/<int:assignment_id>/indikator/<code>/uji-akses")
@roles_required(*ASSESSOR)
def access_test(assignment_id: int, code: str) -> Response | tuple[str, int]:
    assignment = own_assignment(assignment_id, ASSESSOR)
    rubric = rubric_of(assignment.participant.competition.rubric)
    item = indicator_or_404(rubric, code)
    form = AccessTestForm()
    if not form.validate_on_submit() or form.sent_at.data is None:
        return _indicator_page(assignment, rubric, item, access_form=form, status=400)
    sent = form.sent_at.data.replace(tzinfo=WITA).astimezone(UTC)
    answered = form.answered_at.data.replace(tzinfo=WITA).astimezone(UTC) if form.answered_at.data else None
    try:
        operations.record_access_test(assignment, rubric, item.code, sent, answered, form.result.data or "", now_utc())
    except StageClosed as closed:
        flash(gate_text(closed.gate), "error")
        return _indicator_page(assignment, rubric, item, access_form=form, status=409)
    except operations.AssessmentLocked:
        flash(_("Penilaian desa ini sudah diajukan dan final; tidak dapat diubah."), "error")
        return _indicator_page(assignment, rubric, item, access_form=form, status=409)
    except operations.ScoreRejected as rejected:
        for problem in rejected.problems:
            flash(str(PROBLEM_MESSAGES[problem]), "error")
        return _indicator_page(assignment, rubric, item, access_form=form, status=400)
    flash(_("Catatan uji akses tersimpan."), "success")
    return redirect(url_for("assessors.indicator", assignment_id=assignment.id, code=item.code))


@bp.get("/penugasan/<int:assignment_id>/ajukan")
@roles_required(*ASSESSOR)
def confirm_submit(assignment_id: int) -> str:
    """The confirmation page before the final submission: what happens and what still stops it."""
    assignment = own_assignment(assignment_id, ASSESSOR)
    participant = assignment.participant
    rubric = rubric_of(participant.competition.rubric)
    problems = operations.desk_submission_problems(assignment, rubric)
    names = {indicator.code: indicator.name for indicator in rubric.indicators}
    missing_levels = [(code, names[code]) for kind, code in (p.split(":", 1) for p in problems) if kind == "level"]
    unjudged = [(code, names[code]) for kind, code in (p.split(":", 1) for p in problems) if kind == "evidence"]
    context = _context(assignment)
    gate = context["gate"]
    return render_template(
        "assessors/confirm_submit.html",
        confirm=ConfirmForm(),
        missing_levels=missing_levels,
        unjudged=unjudged,
        total=len(rubric.indicators),
        gate_text=gate_text(gate) if isinstance(gate, Gate) and not gate.allowed else "",
        **context,
    )


@bp.post("/penugasan/<int:assignment_id>/ajukan")
@roles_required(*ASSESSOR)
def submit(assignment_id: int) -> Response:
    assignment = own_assignment(assignment_id, ASSESSOR)
    rubric = rubric_of(assignment.participant.competition.rubric)
    target = redirect(url_for("assessors.overview", assignment_id=assignment.id))
    if not ConfirmForm().validate_on_submit():
        return target
    try:
        operations.submit_assessment(assignment, rubric, now_utc())
    except StageClosed as closed:
        flash(gate_text(closed.gate), "error")
    except operations.AssessmentLocked:
        flash(_("Penilaian desa ini sudah diajukan sebelumnya."), "info")
    except operations.ScoreRejected as rejected:
        codes = sorted({p.split(":", 1)[1] for p in rejected.problems})
        flash(
            _(
                "Belum bisa diajukan: lengkapi level dan penilaian setiap bukti pada indikator %(codes)s.",
                codes=", ".join(codes),
            ),
            "error",
        )
    else:
        flash(_("Penilaian dokumen diajukan dan final. Nilai asesor lain kini dapat Anda lihat."), "success")
    return target


def _evidence_of(assignment: Assignment, evidence_id: int) -> Evidence:
    evidence = db.get_or_404(Evidence, evidence_id)
    if (
        evidence.participant_id != assignment.participant_id
        or evidence.status != EvidenceStatus.aktif
        or evidence.kind != EvidenceKind.file
        or not evidence.sha256
    ):
        abort(404)
    return evidence


def _send(key: str, media_type: str, name: str | None) -> Response:
    try:
        handle = get_store().open(key)
    except StorageError:
        abort(404)
    response = send_file(
        handle, mimetype=media_type, as_attachment=False, download_name=name, max_age=0, conditional=False
    )
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/penugasan/<int:assignment_id>/bukti/<int:evidence_id>/gambar")
@roles_required(*ASSESSOR)
def evidence_image(assignment_id: int, evidence_id: int) -> Response:
    """The re-encoded display copy of an image (no EXIF), inline."""
    evidence = _evidence_of(own_assignment(assignment_id, ASSESSOR), evidence_id)
    if not evidence.display_sha256:
        abort(404)
    response = _send(evidence.display_sha256, "image/jpeg", None)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.get("/penugasan/<int:assignment_id>/bukti/<int:evidence_id>/pdf")
@roles_required(*ASSESSOR)
def evidence_pdf(assignment_id: int, evidence_id: int) -> Response:
    """The original PDF, byte-identical (its signatures stay checkable), shown inline by the browser's viewer.

    Uploads were checked to be real PDFs; ``nosniff`` keeps the browser from reading it as anything else.
    """
    evidence = _evidence_of(own_assignment(assignment_id, ASSESSOR), evidence_id)
    if evidence.media_type != "application/pdf":
        abort(404)
    response = _send(evidence.sha256 or "", "application/pdf", "bukti.pdf")
    response.headers["Content-Security-Policy"] = "default-src 'none'; object-src 'self'"
    return response
