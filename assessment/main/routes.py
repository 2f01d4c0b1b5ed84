"""Landing page and language switch."""

from __future__ import annotations

from flask import Blueprint, make_response, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

bp = Blueprint("main", __name__)


@bp.get("/")
def index() -> str:
    return render_template("main/index.html")


@bp.get("/bahasa/<code>")
def set_language(code: str) -> Response:
    """Remember the visitor's language (Indonesian or English) in a cookie and go back."""
    if code not in ("id", "en"):
        code = "id"
    target = request.referrer if request.referrer and request.referrer.startswith(request.host_url) else None
    response = make_response(redirect(target or url_for("main.index")))
    response.set_cookie("lang", code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response
