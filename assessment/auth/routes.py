"""Sign in and sign out."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from assessment.auth.forms import LoginForm, LogoutForm
from assessment.auth.operations import authenticate, record_logout

bp = Blueprint("auth", __name__)


def safe_next(target: str | None) -> str | None:
    """Only a path on this site is followed after sign-in; anything else (another host, ``//host``) is ignored."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    return target


@bp.route("/masuk", methods=["GET", "POST"])
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        user = authenticate(form.email.data or "", form.password.data or "")
        if user is not None:
            login_user(user)
            flash(_("Selamat datang, %(name)s.", name=user.name), "success")
            return redirect(safe_next(form.next.data) or url_for("main.home"))
        flash(_("Email atau kata sandi salah."), "error")
    return render_template("auth/login.html", form=form)


@bp.post("/keluar")
def logout() -> Response:
    form = LogoutForm()
    if form.validate_on_submit():
        if current_user.is_authenticated:
            record_logout(current_user._get_current_object())
        logout_user()
        flash(_("Anda telah keluar."), "success")
    return redirect(url_for("main.index"))
