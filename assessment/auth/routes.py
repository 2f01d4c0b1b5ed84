"""Sign in (password, then a TOTP code for committee and assessors), sign out, second-factor enrolment and
password change."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from assessment.auth import two_factor
from assessment.auth.forms import CodeForm, LoginForm, LogoutForm, PasswordChangeForm
from assessment.auth.operations import (
    LoginThrottled,
    authenticate,
    change_password,
    code_already_used,
    confirm_totp_enrolment,
    has_second_factor,
    load_user_from_session,
    pending_totp_secret,
    regenerate_recovery_codes,
    sign_out,
    unused_recovery_codes,
    verify_second_factor,
)
from assessment.auth.sessions import (
    end_session,
    enforce_session_rules,
    hold_for_second_factor,
    pending_second_factor,
    start_session,
)
from assessment.services.security import signed_in

bp = Blueprint("auth", __name__)
LEGACY_ENROL_KEY = "_totp_new"  # where an older version kept the secret being enrolled (in the cookie)


@bp.before_app_request
def _session_rules() -> Response | None:
    return enforce_session_rules()


def safe_next(target: str | None) -> str | None:
    """Only a path on this site is followed after sign-in; anything else is ignored (the home page instead).

    Refused: another host or scheme (``https://…``, ``//host``), a backslash anywhere (browsers read it as ``/``),
    and any whitespace or control character anywhere: browsers drop tab, CR and LF from an address, so
    ``/<TAB>/evil.example`` would become ``//evil.example``, and CR/LF cannot go into a ``Location`` header.
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if any(char == "\\" or char.isspace() or not char.isprintable() for char in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def _throttled(error: LoginThrottled, form: LoginForm | CodeForm, template: str) -> tuple[str, int]:
    minutes = max(1, round(error.retry_after.total_seconds() / 60))
    flash(_("Terlalu banyak percobaan masuk yang gagal. Coba lagi dalam %(minutes)d menit.", minutes=minutes), "error")
    return render_template(template, form=form), 429


@bp.route("/masuk", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        try:
            user = authenticate(form.email.data or "", form.password.data or "", request.remote_addr or "")
        except LoginThrottled as error:
            return _throttled(error, form, "auth/login.html")
        if user is not None:
            next_url = safe_next(form.next.data)
            if has_second_factor(user):
                hold_for_second_factor(user, next_url)
                return redirect(url_for("auth.second_factor"))
            start_session(user)
            flash(_("Selamat datang, %(name)s.", name=user.name), "success")
            return redirect(next_url or url_for("main.home"))
        flash(_("Email atau kata sandi salah."), "error")
    return render_template("auth/login.html", form=form)


@bp.route("/masuk/kode", methods=["GET", "POST"])
def second_factor() -> str | Response | tuple[str, int]:
    pending = pending_second_factor()
    user = load_user_from_session(pending[0]) if pending else None
    if pending is None or user is None:
        flash(_("Silakan masuk lagi dengan email dan kata sandi."), "info")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        try:
            accepted = verify_second_factor(user, form.code.data or "", request.remote_addr or "")
        except LoginThrottled as error:
            return _throttled(error, form, "auth/code.html")
        if accepted:
            start_session(user)
            flash(_("Selamat datang, %(name)s.", name=user.name), "success")
            return redirect(safe_next(pending[1]) or url_for("main.home"))
        if code_already_used(user, form.code.data or ""):
            flash(
                _(
                    "Kode ini sudah dipakai untuk masuk. Tunggu sampai aplikasi menampilkan kode berikutnya "
                    "(berganti tiap 30 detik), lalu masukkan kode yang baru."
                ),
                "error",
            )
        else:
            flash(
                _(
                    "Kode salah. Masukkan kode yang sedang tampil di aplikasi autentikator, atau salah satu kode "
                    "pemulihan Anda."
                ),
                "error",
            )
    return render_template("auth/code.html", form=form)


@bp.post("/keluar")
def logout() -> Response:
    form = LogoutForm()
    if form.validate_on_submit():
        if current_user.is_authenticated:
            sign_out(current_user._get_current_object())
        end_session()
        flash(_("Anda telah keluar dari semua perangkat."), "success")
    return redirect(url_for("main.index"))


@bp.route("/akun/dua-langkah", methods=["GET", "POST"])
@signed_in
def enrol_second_factor() -> str | Response:
    """Show a new TOTP secret (as text and as a QR code) and keep it once a code from it is typed back; then show
    the account's recovery codes, once."""
    user = current_user._get_current_object()
    if has_second_factor(user):
        flash(_("Verifikasi dua langkah sudah aktif untuk akun ini."), "info")
        return redirect(url_for("main.home"))
    session.pop(LEGACY_ENROL_KEY, None)  # a secret an older version put in the cookie is dropped, never used
    secret = pending_totp_secret(user)
    form = CodeForm()
    if form.validate_on_submit():
        codes = confirm_totp_enrolment(user, form.code.data or "")
        if codes is not None:
            flash(
                _("Verifikasi dua langkah aktif. Mulai sekarang masuk dengan kata sandi dan kode dari aplikasi."),
                "success",
            )
            return _show_recovery_codes(codes)
        flash(_("Kode tidak cocok. Periksa jam ponsel Anda lalu masukkan kode yang sedang tampil."), "error")
    uri = two_factor.provisioning_uri(secret, user.email)
    response = make_response(
        render_template("auth/enrol.html", form=form, secret=two_factor.grouped(secret), qr=two_factor.qr_svg(uri))
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _show_recovery_codes(codes: list[str]) -> Response:
    """The recovery codes, shown this once (never kept by a cache)."""
    response = make_response(render_template("auth/recovery_codes.html", codes=codes))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/akun/kode-pemulihan", methods=["GET", "POST"])
@signed_in
def recovery_codes() -> str | Response | tuple[str, int]:
    """How many recovery codes are left, and new ones (the old stop working) after a code from the app."""
    user = current_user._get_current_object()
    if not has_second_factor(user):
        return redirect(url_for("auth.enrol_second_factor"))
    form = CodeForm()
    if form.validate_on_submit():
        try:
            codes = regenerate_recovery_codes(user, form.code.data or "", request.remote_addr or "")
        except LoginThrottled as error:
            minutes = max(1, round(error.retry_after.total_seconds() / 60))
            flash(_("Terlalu banyak kode yang salah. Coba lagi dalam %(minutes)d menit.", minutes=minutes), "error")
            return render_template("auth/recovery_form.html", form=form, remaining=unused_recovery_codes(user)), 429
        if codes is not None:
            flash(_("Kode pemulihan baru dibuat; kode yang lama tidak berlaku lagi."), "success")
            return _show_recovery_codes(codes)
        flash(_("Kode tidak cocok. Masukkan kode 6 angka yang sedang tampil di aplikasi."), "error")
        return render_template("auth/recovery_form.html", form=form, remaining=unused_recovery_codes(user)), 422
    return render_template("auth/recovery_form.html", form=form, remaining=unused_recovery_codes(user))


@bp.route("/akun/kata-sandi", methods=["GET", "POST"])
@signed_in
def password() -> str | Response | tuple[str, int]:
    form = PasswordChangeForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        problems = change_password(user, form.current.data or "", form.new.data or "")
        if not problems:
            start_session(user)
            flash(_("Kata sandi diganti. Sesi di perangkat lain sudah diakhiri."), "success")
            return redirect(url_for("main.home"))
        return render_template("auth/password.html", form=form, problems=problems), 422
    if request.method == "POST":
        return render_template("auth/password.html", form=form, problems=[]), 422
    return render_template("auth/password.html", form=form, problems=[])
