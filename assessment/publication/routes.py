"""Results pages: the committee publishes the provisional results and finalises them; the committee (and the
ketua tim, for the desk stage) generates berita acara; anyone checks a document on ``/verifikasi/<kode>``.

Each view loads, authorizes (panitia or ketua tim over the competition's region and, for one desa, over that desa;
the public page needs no sign-in), calls one operation, renders.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import (
    Blueprint,
    Response,
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
from werkzeug.wrappers import Response as BaseResponse

from assessment.models import (
    BeritaAcara,
    BeritaAcaraKind,
    Competition,
    FinalSnapshot,
    Participant,
    RankingWithdrawal,
    Role,
    StageException,
)
from assessment.platform.extensions import db
from assessment.platform.forms import ConfirmForm
from assessment.platform.storage import StorageError, get_store
from assessment.platform.wita import now_utc
from assessment.platform.wita import visitor_wita as wita
from assessment.presentation.navigation import NavLink, offer_links
from assessment.publication import operations
from assessment.publication.documents import request_pleno
from assessment.publication.forms import BeritaAcaraForm, CheckPdfForm, ReasonForm
from assessment.services.editions import split_editions
from assessment.services.evidence import UploadRejected, inspect_upload, sniff_media_type
from assessment.services.loaders import competition_in_scope, competitions_in_scope
from assessment.services.published import final_snapshot_of, late_changes, provisional_rows
from assessment.services.security import has_role, require_region_access, roles_required, user_can_access_region
from assessment.services.stages import Action, StageClosed, active_exceptions, gate_text, stage_gate

bp = Blueprint("publication", __name__)

COMMITTEE = (Role.panitia,)
DOCUMENT_MAKERS = (Role.panitia, Role.ketua_tim)
KODE_PATTERN = re.compile(r"[A-Z2-7]{16}")
CHECK_MAX_BYTES = 20 * 1024 * 1024

KIND_NAMES = {
    BeritaAcaraKind.penilaian_dokumen: _l("Berita acara penilaian dokumen"),
    BeritaAcaraKind.klarifikasi_lapangan: _l("Berita acara klarifikasi lapangan"),
    BeritaAcaraKind.pleno: _l("Berita acara pleno penetapan"),
}
REFUSALS = {
    "already": _l("Sudah dilakukan sebelumnya; tidak dapat diulang."),
    "not_published": _l("Hasil sementara belum diumumkan."),
    "open_objections": _l("Masih ada sanggah yang belum dijawab; jawab semua sanggah sebelum penetapan."),
    "no_scores": _l("Desa ini belum memiliki penilaian dokumen yang diajukan asesor."),
    "not_final": _l("Hasil akhir belum ditetapkan; berita acara pleno dibuat setelah penetapan."),
    "no_field": _l("Tim lapangan belum mencatat apa pun untuk desa ini."),
    "scoring": _l("Level yang tersimpan tidak dapat dihitung oleh mesin penilaian; periksa data penilaian."),
    "blockers": _l(
        "Masih ada desa yang belum selesai dinilai (lihat pemeriksaan di bawah): selesaikan penilaiannya "
        "atau keluarkan desa itu dari peringkat dengan alasan tertulis."
    ),
    "reason": _l("Tulis alasan 10 sampai 1.000 karakter."),
    "not_candidate": _l(
        "Hanya desa yang penilaian mandirinya sudah diajukan yang dapat dikeluarkan dari peringkat; "
        "desa lain memang tidak diperingkat."
    ),
    "withdrawn": _l("Desa ini sudah dikeluarkan dari peringkat."),
    "finalised": _l("Hasil akhir sudah ditetapkan; peringkat tidak dapat diubah lagi."),
}

# Said after publishing and finalising (issue 15): the operators' messages are written by the background worker.
FANOUT_SENDING = _l(
    "Pemberitahuan kepada operator desa sedang dikirim oleh pekerja latar; kemajuannya tampil di "
    "halaman Pengiriman pesan."
)


offer_links(
    bp,
    NavLink(
        Role.panitia,
        "publication.index",
        _l("Pengumuman dan penetapan hasil"),
        _l("Umumkan hasil sementara, tetapkan hasil akhir, buat berita acara."),
    ),
    NavLink(
        Role.ketua_tim,
        "publication.berita_acara_index",
        _l("Berita acara"),
        _l("Buat berita acara penilaian dokumen per desa."),
    ),
)


@bp.get("/panitia/hasil/")
@roles_required(*COMMITTEE)
def index() -> str:
    return render_template("publication/index.html", competitions=competitions_in_scope(COMMITTEE))


def _marks(competition: Competition) -> dict[str, list[Any]]:
    marks: dict[str, list[Any]] = {}
    for mark in late_changes(competition):
        marks.setdefault(mark.participant.desa_code, []).append(mark)
    return marks


def _exceptions(competition: Competition, now: datetime) -> dict[str, list[StageException]]:
    """The committee's active exceptions per desa: shown wherever that desa's results appear."""
    participants = db.session.scalars(select(Participant).where(Participant.competition_id == competition.id))
    return {p.desa_code: found for p in participants if (found := active_exceptions(p, now))}


@bp.get("/panitia/hasil/lomba/<int:competition_id>")
@roles_required(*COMMITTEE)
def competition(competition_id: int) -> str:
    competition = competition_in_scope(competition_id, COMMITTEE)
    now = now_utc()
    frozen = provisional_rows(competition)
    snapshot = final_snapshot_of(competition)
    run = None
    try:
        run = operations.current_results(competition)
    except operations.PublicationRefused as refused:
        _refused(refused.code, refused.detail)
    blockers = operations.blockers(competition, run) if run is not None and snapshot is None else []
    blocked = {b.participant.desa_code for b in blockers}
    withdrawals = operations.withdrawals(competition)
    return render_template(
        "publication/competition.html",
        competition=competition,
        frozen=frozen,
        run=run,
        current=operations.current_ranking(competition, run) if run is not None and frozen is None else [],
        blockers=blockers,
        others=[u for u in run.unranked if u.code not in blocked] if run is not None else [],
        in_force={w.participant.desa_code: w for w in withdrawals if w.revoked_at is None},
        taken_back=[w for w in withdrawals if w.revoked_at is not None],
        marks=_marks(competition),
        exceptions=_exceptions(competition, now),
        snapshot=snapshot,
        reason_form=ReasonForm(),
        wita=wita,
        publish_gate=stage_gate(competition, Action.publish_provisional, now),
        finalise_gate=stage_gate(competition, Action.finalise, now),
        gate_text=gate_text,
    )


@bp.post("/panitia/hasil/lomba/<int:competition_id>/peserta/<int:participant_id>/keluarkan")
@roles_required(*COMMITTEE)
def withdraw(competition_id: int, participant_id: int) -> BaseResponse:
    """Withdraw one desa from the ranking with a written reason (the committee over that desa)."""
    competition = competition_in_scope(competition_id, COMMITTEE)
    participant = db.get_or_404(Participant, participant_id)
    if participant.competition_id != competition.id:
        abort(404)
    return _with_reason(
        competition,
        participant,
        lambda reason: operations.withdraw_from_ranking(participant, reason, current_user, now_utc()),
        _("%(desa)s dikeluarkan dari peringkat; alasannya ditampilkan bersama hasil.", desa=participant.region.name),
    )


@bp.post("/panitia/hasil/lomba/<int:competition_id>/dikeluarkan/<int:withdrawal_id>/batalkan")
@roles_required(*COMMITTEE)
def restore(competition_id: int, withdrawal_id: int) -> BaseResponse:
    """Take a withdrawal from the ranking back, with a written reason."""
    competition = competition_in_scope(competition_id, COMMITTEE)
    withdrawal = db.get_or_404(RankingWithdrawal, withdrawal_id)
    if withdrawal.participant.competition_id != competition.id:
        abort(404)
    return _with_reason(
        competition,
        withdrawal.participant,
        lambda reason: operations.restore_to_ranking(withdrawal, reason, current_user, now_utc()),
        _("%(desa)s kembali dinilai menurut aturan peringkat.", desa=withdrawal.participant.region.name),
    )


def _with_reason(
    competition: Competition, participant: Participant, act: Callable[[str], object], done: str
) -> BaseResponse:
    """The committee over ``participant`` acts with the written reason of a :class:`ReasonForm`; back to the
    results page's check, with the refusal or ``done`` as a message."""
    require_region_access(participant.desa_code, COMMITTEE)
    form = ReasonForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        act(form.reason.data or "")
    except operations.PublicationRefused as refused:
        _refused(refused.code)
    else:
        flash(done, "success")
    return redirect(url_for("publication.competition", competition_id=competition.id) + "#pemeriksaan", 303)


def _refused(code: str, detail: str = "") -> None:
    flash(f"{REFUSALS[code]} {detail}".strip(), "error")


def _confirmation(competition: Competition, template: str, **extra: Any) -> str:
    """What a confirmation page before publishing or finalising shows: the desa still blocking (and what each
    lacks), the desa withdrawn from the ranking with their reasons, the ranked and unranked counts."""
    run = None
    try:
        run = operations.current_results(competition)
    except operations.PublicationRefused as refused:
        _refused(refused.code, refused.detail)
    in_force = [w for w in operations.withdrawals(competition) if w.revoked_at is None]
    snapshot = final_snapshot_of(competition)
    return render_template(
        template,
        competition=competition,
        run=run,
        blockers=operations.blockers(competition, run) if run is not None and snapshot is None else [],
        withdrawn=in_force,
        form=ConfirmForm(),
        wita=wita,
        gate_text=gate_text,
        published=provisional_rows(competition) is not None,
        snapshot=snapshot,
        **extra,
    )


@bp.get("/panitia/hasil/lomba/<int:competition_id>/umumkan")
@roles_required(*COMMITTEE)
def confirm_publish(competition_id: int) -> str:
    """The confirmation page before publishing the provisional results: who is told, what becomes public and
    frozen, and what still stops it."""
    competition = competition_in_scope(competition_id, COMMITTEE)
    return _confirmation(
        competition,
        "publication/confirm_publish.html",
        gate=stage_gate(competition, Action.publish_provisional, now_utc()),
    )


@bp.get("/panitia/hasil/lomba/<int:competition_id>/tetapkan")
@roles_required(*COMMITTEE)
def confirm_finalise(competition_id: int) -> str:
    """The confirmation page before finalising: the sealed snapshot cannot be undone; what still stops it."""
    competition = competition_in_scope(competition_id, COMMITTEE)
    return _confirmation(
        competition,
        "publication/confirm_finalise.html",
        gate=stage_gate(competition, Action.finalise, now_utc()),
        open_objections=operations.open_objection_count(competition),
    )


@bp.post("/panitia/hasil/lomba/<int:competition_id>/umumkan")
@roles_required(*COMMITTEE)
def publish(competition_id: int) -> BaseResponse:
    competition = competition_in_scope(competition_id, COMMITTEE)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        operations.publish_provisional(competition, current_user, now_utc())
    except StageClosed as closed:
        flash(
            _(
                "Hasil sementara hanya dapat diumumkan pada tahap pengumuman sementara. %(why)s",
                why=gate_text(closed.gate),
            ),
            "error",
        )
        return redirect(url_for("publication.competition", competition_id=competition.id), 303)
    except operations.PublicationRefused as refused:
        _refused(refused.code, refused.detail)
        return redirect(url_for("publication.competition", competition_id=competition.id), 303)
    flash(_("Hasil sementara diumumkan dan dibekukan."), "success")
    flash(str(FANOUT_SENDING), "info")
    return redirect(url_for("publication.competition", competition_id=competition.id))


@bp.post("/panitia/hasil/lomba/<int:competition_id>/tetapkan")
@roles_required(*COMMITTEE)
def finalise(competition_id: int) -> BaseResponse:
    competition = competition_in_scope(competition_id, COMMITTEE)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        operations.finalise_results(competition, current_user, now_utc())
    except StageClosed as closed:
        flash(
            _("Hasil akhir hanya dapat ditetapkan pada tahap penetapan. %(why)s", why=gate_text(closed.gate)), "error"
        )
        return redirect(url_for("publication.competition", competition_id=competition.id), 303)
    except operations.PublicationRefused as refused:
        _refused(refused.code, refused.detail)
        return redirect(url_for("publication.competition", competition_id=competition.id), 303)
    flash(_("Hasil akhir ditetapkan."), "success")
    flash(str(FANOUT_SENDING), "info")
    return redirect(url_for("publication.competition", competition_id=competition.id))


@bp.get("/berita-acara/")
@roles_required(*DOCUMENT_MAKERS)
def berita_acara_index() -> str:
    return render_template(
        "publication/berita_acara_index.html",
        editions=split_editions(competitions_in_scope(DOCUMENT_MAKERS), lambda c: c, now_utc()),
    )


def _kinds() -> list[BeritaAcaraKind]:
    """The kinds the signed-in user may generate: the ketua tim the desk stage only."""
    if has_role(current_user, COMMITTEE):
        return [BeritaAcaraKind.penilaian_dokumen, BeritaAcaraKind.klarifikasi_lapangan, BeritaAcaraKind.pleno]
    return [BeritaAcaraKind.penilaian_dokumen]


def _visible(document: BeritaAcara) -> bool:
    """Whether the signed-in user may download ``document`` (scope, conflicts, and kind for the ketua tim)."""
    if document.participant is not None:
        region = document.participant.desa_code
    else:
        region = document.competition.scope_region_code
    if user_can_access_region(current_user, region, COMMITTEE):
        return True
    return document.kind is BeritaAcaraKind.penilaian_dokumen and user_can_access_region(
        current_user, region, (Role.ketua_tim,)
    )


@bp.get("/berita-acara/lomba/<int:competition_id>")
@roles_required(*DOCUMENT_MAKERS)
def berita_acara(competition_id: int) -> str:
    competition = competition_in_scope(competition_id, DOCUMENT_MAKERS)
    participants = [
        p
        for p in db.session.scalars(
            select(Participant).where(Participant.competition_id == competition.id).order_by(Participant.desa_code)
        )
        if user_can_access_region(current_user, p.desa_code, DOCUMENT_MAKERS)
    ]
    documents = [
        d
        for d in db.session.scalars(
            select(BeritaAcara)
            .where(BeritaAcara.competition_id == competition.id)
            .order_by(BeritaAcara.created_at.desc(), BeritaAcara.id.desc())
        )
        if _visible(d)
    ]
    # Every desa is listed; those that cannot have a document yet say why instead of offering a button that fails.
    return render_template(
        "publication/berita_acara.html",
        competition=competition,
        participants=participants,
        documents=documents,
        kinds=_kinds(),
        kind_names=KIND_NAMES,
        form=BeritaAcaraForm(),
        wita=wita,
        blockers=operations.berita_acara_blockers(participants),
        refusals=REFUSALS,
        final=final_snapshot_of(competition) is not None,
    )


@bp.post("/berita-acara/lomba/<int:competition_id>/buat")
@roles_required(*DOCUMENT_MAKERS)
def generate(competition_id: int) -> BaseResponse:
    competition = competition_in_scope(competition_id, DOCUMENT_MAKERS)
    form = BeritaAcaraForm()
    back = redirect(url_for("publication.berita_acara", competition_id=competition.id), 303)
    if not form.validate_on_submit():
        abort(400)
    try:
        kind = BeritaAcaraKind(form.kind.data)
    except ValueError:
        abort(400)
    if kind not in _kinds():
        abort(403)
    if kind is BeritaAcaraKind.pleno:
        # Issue 15: the pleno (every desa of the snapshot) is made by the worker; its progress page follows.
        try:
            job = request_pleno(competition, current_user, request.url_root)
        except operations.PublicationRefused as refused:
            _refused(refused.code)
            return back
        return redirect(url_for("documents.progress", job_id=job.id), 303)
    participant = (
        db.session.get(Participant, int(form.participant_id.data or 0))
        if (form.participant_id.data or "").isdigit()
        else None
    )
    if participant is None or participant.competition_id != competition.id:
        abort(404)
    require_region_access(participant.desa_code, DOCUMENT_MAKERS)
    try:
        document = operations.generate_berita_acara(
            kind,
            competition,
            participant,
            current_user,
            now_utc(),
            lambda kode: url_for("publication.verify", kode=kode, _external=True),
            get_store(),
        )
    except operations.PublicationRefused as refused:
        _refused(refused.code)
        return back
    flash(_("%(kind)s dibuat dengan kode %(kode)s.", kind=KIND_NAMES[document.kind], kode=document.kode), "success")
    return redirect(url_for("publication.berita_acara", competition_id=competition.id))


@bp.get("/berita-acara/<int:berita_acara_id>/unduh")
@roles_required(*DOCUMENT_MAKERS)
def download(berita_acara_id: int) -> Response:
    document = db.get_or_404(BeritaAcara, berita_acara_id)
    if not _visible(document):
        abort(403)
    try:
        handle = get_store().open(document.sha256)
    except StorageError:
        abort(404)
    return send_file(
        handle,
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"berita-acara-{document.kind.value}-{document.kode}.pdf",
    )


def _document(kode: str) -> FinalSnapshot | BeritaAcara:
    if not KODE_PATTERN.fullmatch(kode):
        abort(404)
    snapshot = db.session.scalar(select(FinalSnapshot).where(FinalSnapshot.kode == kode))
    if snapshot is not None:
        return snapshot
    document = db.session.scalar(select(BeritaAcara).where(BeritaAcara.kode == kode))
    if document is None:
        abort(404)
    return document


def _verify_page(
    document: FinalSnapshot | BeritaAcara,
    form: CheckPdfForm | None = None,
    check: dict[str, Any] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    competition = document.competition
    registered = list(
        db.session.scalars(
            select(BeritaAcara)
            .where(BeritaAcara.competition_id == competition.id)
            .order_by(BeritaAcara.created_at, BeritaAcara.id)
        )
    )
    snapshot = document if isinstance(document, FinalSnapshot) else final_snapshot_of(competition)
    sealed = json.loads(snapshot.canonical_json) if snapshot is not None else {}
    html = render_template(
        "publication/verify.html",
        document=document,
        snapshot=snapshot,
        ranking=sealed.get("peringkat", []),
        unranked=sealed.get("tidak_diperingkat", []),
        is_snapshot=isinstance(document, FinalSnapshot),
        registered=registered,
        kind_names=KIND_NAMES,
        form=form or CheckPdfForm(),
        check=check,
        wita=wita,
    )
    return html, status


@bp.get("/verifikasi/<kode>")
def verify(kode: str) -> tuple[str, int]:
    return _verify_page(_document(kode))


@bp.get("/verifikasi/<kode>/cuplikan.json")
def snapshot_json(kode: str) -> Response:
    document = _document(kode)
    if not isinstance(document, FinalSnapshot):
        abort(404)
    response = Response(document.canonical_json.encode("utf-8"), mimetype="application/json")
    response.headers["Content-Disposition"] = f"attachment; filename=hasil-akhir-{document.kode}.json"
    return response


@bp.get("/panitia/hasil/lomba/<int:competition_id>/cuplikan-panitia.json")
@roles_required(*COMMITTEE)
def committee_snapshot_json(competition_id: int) -> Response:
    """The committee's complete copy of the final snapshot (account ids, reasons, full link addresses): the
    committee over the competition's region only. A snapshot sealed before format 3 has one copy, the public one."""
    competition = competition_in_scope(competition_id, COMMITTEE)
    snapshot = final_snapshot_of(competition)
    if snapshot is None:
        abort(404)
    data = snapshot.committee_json if snapshot.committee_json is not None else snapshot.canonical_json
    response = Response(data.encode("utf-8"), mimetype="application/json")
    response.headers["Content-Disposition"] = f"attachment; filename=hasil-akhir-{snapshot.kode}-panitia.json"
    response.headers["Cache-Control"] = "no-store"
    return response


def _looks_like_pdf(data: bytes) -> bool:
    try:
        return sniff_media_type(data) == "application/pdf"
    except UploadRejected:
        return False


@bp.post("/verifikasi/<kode>/periksa")
def check(kode: str) -> tuple[str, int] | tuple[str, int, dict[str, str]]:
    """Compare an uploaded PDF with the registered documents: this berita acara, or, on the final snapshot's
    page, any berita acara of that competition. The file is checked to be a PDF and never stored."""
    document = _document(kode)
    # Counted before the upload is read: a refused check costs no hashing.
    wait = operations.count_public_check(request.remote_addr or "", now_utc())
    if wait is not None:
        minutes = max(1, -(-int(wait.total_seconds()) // 60))
        flash(
            _("Terlalu banyak pemeriksaan dari alamat ini. Coba lagi dalam %(minutes)d menit.", minutes=minutes),
            "error",
        )
        page, _status = _verify_page(document, CheckPdfForm(), status=429)
        return page, 429, {"Retry-After": str(minutes * 60)}
    form = CheckPdfForm()
    if not form.validate_on_submit():
        return _verify_page(document, form, status=400)
    data = form.file.data.read(CHECK_MAX_BYTES + 1)
    limit = min(CHECK_MAX_BYTES, int(current_app.config.get("MAX_CONTENT_LENGTH") or CHECK_MAX_BYTES))
    if data and not _looks_like_pdf(data):
        # Only PDFs are checked here: the general upload message (which lists photos and videos) would mislead.
        flash(_("Yang dapat diperiksa di sini hanya berkas PDF."), "error")
        return _verify_page(document, form, status=400)
    try:
        inspected = inspect_upload(data, form.file.data.filename, max_bytes=limit)
    except UploadRejected as rejected:
        flash(str(rejected.message), "error")
        return _verify_page(document, form, status=400)
    if inspected.media_type != "application/pdf":
        flash(_("Yang dapat diperiksa di sini hanya berkas PDF."), "error")
        return _verify_page(document, form, status=400)
    sha256 = hashlib.sha256(data).hexdigest()
    if isinstance(document, BeritaAcara):
        match = document if document.sha256 == sha256 else None
    else:
        match = db.session.scalar(
            select(BeritaAcara).where(
                BeritaAcara.competition_id == document.competition_id, BeritaAcara.sha256 == sha256
            )
        )
    return _verify_page(document, form, check={"sha256": sha256, "match": match})
