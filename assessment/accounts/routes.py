"""Accounts in bulk (the committee and DPMD) and the public invitation page where a new account chooses its
password. Each view loads, authorizes (role AND region scope, on the server), calls one operation and renders."""

from __future__ import annotations

import io

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from openpyxl import Workbook
from openpyxl.styles import Font
from werkzeug.wrappers import Response

from assessment.accounts import importing, invitations, people
from assessment.accounts.forms import (
    ActionForm,
    ChoosePasswordForm,
    ForgotPasswordForm,
    GrantForm,
    ImportForm,
    PeopleSearchForm,
    RevokeForm,
)
from assessment.accounts.letter_documents import request_letters
from assessment.auth.operations import (
    GrantSpec,
    deactivate_user,
    end_all_sessions,
    reset_second_factor,
    set_active,
)
from assessment.auth.passwords import MIN_LENGTH
from assessment.auth.sessions import end_session
from assessment.documents import operations as document_operations
from assessment.models import Role, User
from assessment.platform.extensions import db
from assessment.platform.tabular import TableRejected
from assessment.platform.wita import now_utc
from assessment.platform.wita import visitor_wita as wita
from assessment.presentation.navigation import ROLE_LABELS, NavLink, offer_links
from assessment.services.security import has_role, roles_required

bp = Blueprint("people", __name__, url_prefix="/pengguna")
public_bp = Blueprint("invitations", __name__)

MANAGERS = (Role.panitia, Role.dpmd)
# A verifikator kecamatan sends a new invitation to the operators of its kecamatan (and nothing else here).
INVITERS = (*MANAGERS, Role.verifikator_kecamatan)


offer_links(
    bp,
    NavLink(
        Role.verifikator_kecamatan,
        "people.index",
        _l("Pengguna"),
        _l("Kirim tautan baru kepada operator desa yang lupa kata sandinya."),
    ),
    *(
        link
        for role in MANAGERS
        for link in (
            NavLink(
                role,
                "people.index",
                _l("Pengguna"),
                _l("Cari akun, atur perannya, nonaktifkan, atau kirim undangan baru."),
            ),
            NavLink(
                role,
                "people.import_accounts",
                _l("Impor akun dan undangan"),
                _l("Buat akun dari berkas Excel/CSV dan cetak surat undangannya."),
            ),
        )
    ),
)


def _user() -> User:
    user: User = current_user._get_current_object()
    return user


@bp.route("/impor", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def import_accounts() -> str | tuple[str, int]:
    """Upload an account file: every problem with its line and nothing saved, or the accounts made."""
    form = ImportForm()
    committee = any(grant.role is Role.panitia for grant in _user().grants)
    if request.method == "GET":
        return render_template("people/import.html", form=form, committee=committee)
    if not form.validate_on_submit():
        return render_template("people/import.html", form=form, committee=committee), 400
    upload = form.file.data
    try:
        result = importing.import_accounts(
            upload.read(), upload.filename or "", _user(), now_utc(), dry_run=bool(form.dry_run.data)
        )
    except TableRejected as rejected:
        return render_template("people/import.html", form=form, committee=committee, problems=rejected.problems), 422
    mailed = invitations.mail_invitations(result.invitations) if result.invitations else None
    return render_template(
        "people/import.html",
        form=ImportForm(),
        committee=committee,
        result=result,
        dry_run=bool(form.dry_run.data),
        mailed=mailed,
        role_labels=ROLE_LABELS,
    )


@bp.get("/impor/templat.xlsx")
@roles_required(*MANAGERS)
def import_template() -> Response:
    """An empty account sheet with its header, and a sheet that explains each column."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # noqa: S101 - a new workbook always has its first sheet
    sheet.title = "Akun"
    sheet.append(["nama", "email", "peran", "wilayah", "wilayah_asal"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column, width in zip("ABCDE", (32, 32, 24, 18, 18), strict=True):
        sheet.column_dimensions[column].width = width
    # Region codes are text: a code typed into a number cell would lose its dots.
    for column in "DE":
        for number in range(2, 1002):
            sheet[f"{column}{number}"].number_format = "@"
    guide = workbook.create_sheet("Petunjuk")
    guide.append(["kolom", "isi"])
    for entry in (
        ("nama", str(_("Nama lengkap pemilik akun."))),
        ("email", str(_("Alamat email untuk masuk; satu orang dapat punya beberapa baris (beberapa peran)."))),
        ("peran", "operator_desa, verifikator_kecamatan, dpmd, panitia, asesor, ketua_tim"),
        (
            "wilayah",
            str(
                _(
                    "Kode wilayah Kemendagri: desa untuk operator desa (64.09.04.2002), kecamatan untuk "
                    "verifikator (64.09.04), kabupaten untuk DPMD (64.09), provinsi untuk panitia, asesor "
                    "dan ketua tim (64)."
                )
            ),
        ),
        ("wilayah_asal", str(_("Hanya untuk asesor: wilayah asalnya (konflik kepentingan)."))),
    ):
        guide.append(list(entry))
    guide.column_dimensions["A"].width = 16
    guide.column_dimensions["B"].width = 110
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return send_file(
        buffer,
        as_attachment=True,
        download_name="templat-impor-akun.xlsx",
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@bp.get("/undangan.pdf")
@roles_required(*INVITERS)
def letters() -> Response:
    """Invitation letters, one page per account: the open invitations (of one import with ``?batch=``) of the
    accounts the signed-in person may manage (:func:`~assessment.accounts.importing.manageable_by`), made by the
    worker (:mod:`assessment.accounts.letter_documents`): this leads to the progress page."""
    batch = request.args.get("batch") or None
    if batch is not None and (len(batch) > 32 or not batch.isalnum()):
        abort(404)
    importer = _user()
    now = now_utc()
    items = [
        item for item in invitations.open_invitations(None, now, batch) if importing.may_invite(importer, item.user)
    ]
    if not items:
        abort(404)
    # Made by the worker: the progress page, or the (one) download when the same letters are ready.
    job = request_letters(items, importer, batch, request.url_root)
    ready = document_operations.stored_file(job) is not None
    return redirect(url_for("documents.download" if ready else "documents.progress", job_id=job.id), 303)


def _role_choices() -> list[tuple[str, str]]:
    return [(role.value, str(ROLE_LABELS[role])) for role in Role]


def _managed(user_id: int, *, invite_only: bool = False) -> User:
    """The account, if the signed-in person may manage it (or, ``invite_only``, invite it); 403 otherwise, as for
    a region outside one's scope."""
    user = db.get_or_404(User, user_id)
    allowed = importing.may_invite if invite_only else importing.manageable_by
    if not allowed(_user(), user):
        abort(403)
    return user


@bp.get("/")
@roles_required(*INVITERS)
def index() -> str:
    """The accounts one manages: the committee everyone in its region, DPMD the operator desa and verifikator
    kecamatan accounts of its kabupaten; searched by name or e-mail, role and region."""
    form = PeopleSearchForm(request.args)
    form.role.choices = [("", _("Semua peran")), *_role_choices()]
    role = Role(form.role.data) if form.role.data in {item.value for item in Role} else None
    found = people.find_people(_user(), form.q.data or "", role, form.region.data or "")
    return render_template(
        "people/index.html",
        form=form,
        found=found,
        limit=people.LIST_LIMIT,
        role_labels=ROLE_LABELS,
        can_import=has_role(current_user, MANAGERS),
    )


def _detail_page(
    user: User,
    *,
    grant_form: GrantForm | None = None,
    problems: list[str] | None = None,
    batch: str | None = None,
    status: int = 200,
) -> tuple[str, int]:
    grant_form = grant_form or GrantForm()
    grant_form.role.choices = _role_choices()
    now = now_utc()
    pending = invitations.open_invitations([user.id], now)
    return render_template(
        "people/detail.html",
        person=user,
        role_labels=ROLE_LABELS,
        grant_form=grant_form,
        action_form=ActionForm(),
        problems=problems or [],
        pending=pending[0] if pending else None,
        batch=batch,
        wita=wita,
        two_factor=user.totp_secret is not None and user.totp_confirmed_at is not None,
        own=user.id == _user().id,
        manages=importing.manageable_by(_user(), user),
    ), status


@bp.get("/<int:user_id>")
@roles_required(*INVITERS)
def detail(user_id: int) -> tuple[str, int]:
    return _detail_page(_managed(user_id, invite_only=True))


ACTIONS = ("nonaktifkan", "aktifkan", "akhiri-sesi", "reset-2fa", "undang")


@bp.post("/<int:user_id>/<action>")
@roles_required(*INVITERS)
def act(user_id: int, action: str) -> Response | tuple[str, int]:
    """Deactivate or activate, end every session, reset the second factor, or send a new invitation (the older
    link stops working; a verifikator kecamatan may only do this one). Each is audited by the verb it calls."""
    if action not in ACTIONS:
        abort(404)
    user = _managed(user_id, invite_only=action == "undang")
    if not ActionForm().validate_on_submit():
        return _detail_page(user, status=400)
    if user.id == _user().id and action in ("nonaktifkan", "akhiri-sesi", "reset-2fa"):
        return _detail_page(user, problems=[_("Akun Anda sendiri diatur dari menu akun, bukan di sini.")], status=422)
    if action == "nonaktifkan":
        deactivate_user(user)
        flash(_("Akun dinonaktifkan; semua sesinya berakhir."), "success")
    elif action == "aktifkan":
        set_active(user, True)
        flash(_("Akun aktif kembali."), "success")
    elif action == "akhiri-sesi":
        end_all_sessions(user)
        flash(_("Semua sesi akun ini diakhiri."), "success")
    elif action == "reset-2fa":
        reset_second_factor(user)
        flash(_("Verifikasi dua langkah dihapus; pemilik akun mendaftar ulang saat masuk berikutnya."), "success")
    else:
        if not user.active:
            return _detail_page(user, problems=[_("Akun nonaktif: aktifkan dulu sebelum mengundang.")], status=422)
        invitation, _token = invitations.issue_invitation(user, _user(), now_utc())
        mailed = invitations.mail_invitations([invitation])
        flash(
            _("Tautan undangan baru dibuat; tautan lama tidak berlaku lagi.")
            + (" " + _("Undangan dikirim lewat email.") if mailed.sent else ""),
            "success",
        )
        return _detail_page(user, batch=invitation.batch)
    return redirect(url_for("people.detail", user_id=user.id))


@bp.post("/<int:user_id>/peran")
@roles_required(*MANAGERS)
def add_grant(user_id: int) -> Response | tuple[str, int]:
    user = _managed(user_id)
    form = GrantForm()
    form.role.choices = _role_choices()
    if not form.validate_on_submit() or form.role.data not in {role.value for role in Role}:
        return _detail_page(user, grant_form=form, status=400)
    spec = GrantSpec(
        Role(form.role.data), (form.region.data or "").strip(), (form.home_region.data or "").strip() or None
    )
    try:
        people.add_grant(user, spec, _user())
    except people.PeopleRefused as refused:
        return _detail_page(user, grant_form=form, problems=refused.problems, status=422)
    flash(_("Peran ditambahkan."), "success")
    return redirect(url_for("people.detail", user_id=user.id))


@bp.post("/<int:user_id>/peran/hapus")
@roles_required(*MANAGERS)
def remove_grant(user_id: int) -> Response | tuple[str, int]:
    user = _managed(user_id)
    form = RevokeForm()
    if not form.validate_on_submit():
        return _detail_page(user, status=400)
    grant = next((item for item in user.grants if item.id == form.grant_id.data), None)
    if grant is None:
        abort(404)
    try:
        people.remove_grant(user, grant, _user())
    except people.PeopleRefused as refused:
        return _detail_page(user, problems=refused.problems, status=422)
    flash(_("Peran dicabut; sesi akun itu berakhir."), "success")
    return redirect(url_for("people.detail", user_id=user.id))


@public_bp.route("/undangan/<token>", methods=["GET", "POST"])
def accept(token: str) -> str | tuple[str, int] | Response:
    """The invitation link: choose a password. An unusable link gets one answer whatever the reason."""
    now = now_utc()
    invitation = invitations.open_invitation(token, now)
    if invitation is None:
        return render_template("people/invitation_invalid.html"), 404
    form = ChoosePasswordForm()
    problems: list[str] = []
    if form.validate_on_submit():
        problems = invitations.accept_invitation(invitation, form.new.data or "", now)
        if not problems:
            end_session()
            flash(_("Kata sandi tersimpan. Silakan masuk dengan email dan kata sandi baru Anda."), "success")
            return redirect(url_for("auth.login"))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "people/invitation.html",
        form=form,
        user=invitation.user,
        problems=problems,
        expires=wita(invitation.expires_at),
        min_length=MIN_LENGTH,
    ), status


@public_bp.route("/lupa-kata-sandi", methods=["GET", "POST"])
def forgot_password() -> str | tuple[str, int]:
    """Ask for a link to choose a new password; the answer is the same whether or not the address has an account
    (:func:`~assessment.accounts.invitations.request_reset`)."""
    form = ForgotPasswordForm()
    sent = False
    if form.validate_on_submit():
        invitations.request_reset(form.email.data or "", now_utc())
        sent = True
    status = 400 if request.method == "POST" and not sent else 200
    return render_template(
        "people/forgot.html", form=form, sent=sent, mail=bool(current_app.config.get("SMTP_HOST"))
    ), status
