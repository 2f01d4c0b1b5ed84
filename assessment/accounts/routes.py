"""Accounts in bulk (the committee and DPMD) and the public invitation page where a new account chooses its
password. Each view loads, authorizes (role AND region scope, on the server), calls one operation and renders."""

from __future__ import annotations

import io

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from openpyxl import Workbook
from openpyxl.styles import Font
from werkzeug.wrappers import Response

from assessment.accounts import importing, invitations
from assessment.accounts.forms import ChoosePasswordForm, ImportForm
from assessment.accounts.letters import letters_pdf
from assessment.auth.passwords import MIN_LENGTH
from assessment.auth.sessions import end_session
from assessment.models import Role, User
from assessment.navigation import ROLE_LABELS, NavLink, add_link
from assessment.security import roles_required
from assessment.tabular import TableRejected
from assessment.wita import now_utc
from assessment.wita import visitor_wita as wita

bp = Blueprint("people", __name__, url_prefix="/pengguna")
public_bp = Blueprint("invitations", __name__)

MANAGERS = (Role.panitia, Role.dpmd)


@bp.record_once
def _links(state: object) -> None:
    app = state.app  # type: ignore[attr-defined]
    for role in MANAGERS:
        add_link(app, NavLink(role, "people.import_accounts", _l("Impor akun dan undangan"),
                              _l("Buat akun dari berkas Excel/CSV dan cetak surat undangannya.")))


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
        result = importing.import_accounts(upload.read(), upload.filename or "", _user(), now_utc(),
                                 dry_run=bool(form.dry_run.data))
    except TableRejected as rejected:
        return render_template("people/import.html", form=form, committee=committee,
                               problems=rejected.problems), 422
    mailed = invitations.mail_invitations(result.invitations) if result.invitations else None
    return render_template("people/import.html", form=ImportForm(), committee=committee, result=result,
                           dry_run=bool(form.dry_run.data), mailed=mailed, role_labels=ROLE_LABELS)


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
        ("wilayah", str(_("Kode wilayah Kemendagri: desa untuk operator desa (64.09.04.2002), kecamatan untuk "
                          "verifikator (64.09.04), kabupaten untuk DPMD (64.09), provinsi untuk panitia, asesor "
                          "dan ketua tim (64)."))),
        ("wilayah_asal", str(_("Hanya untuk asesor: wilayah asalnya (konflik kepentingan)."))),
    ):
        guide.append(list(entry))
    guide.column_dimensions["A"].width = 16
    guide.column_dimensions["B"].width = 110
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return send_file(buffer, as_attachment=True, download_name="templat-impor-akun.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.get("/undangan.pdf")
@roles_required(*MANAGERS)
def letters() -> Response:
    """Invitation letters, one page per account: the open invitations (of one import with ``?batch=``) of the
    accounts the signed-in person may manage (:func:`~assessment.accounts.importing.manageable_by`)."""
    batch = request.args.get("batch") or None
    if batch is not None and (len(batch) > 32 or not batch.isalnum()):
        abort(404)
    importer = _user()
    now = now_utc()
    items = [item for item in invitations.open_invitations(None, now, batch)
             if importing.manageable_by(importer, item.user)]
    if not items:
        abort(404)
    pdf = letters_pdf(items)
    return send_file(io.BytesIO(pdf), mimetype="application/pdf", as_attachment=True,
                     download_name=f"surat-undangan-{batch or 'semua'}.pdf", max_age=0)


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
    return render_template("people/invitation.html", form=form, user=invitation.user, problems=problems,
                           expires=wita(invitation.expires_at), min_length=MIN_LENGTH), status
