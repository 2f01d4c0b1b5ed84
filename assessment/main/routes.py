"""Landing page and language switch."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from flask import Blueprint, g, make_response, redirect, render_template, request, url_for
from flask_babel import format_date, format_decimal, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from assessment.main.front import front_door
from assessment.models import Competition, Region, Role, RoleGrant
from assessment.platform.extensions import db
from assessment.platform.wita import now_utc
from assessment.platform.wita import visitor_wita as wita
from assessment.presentation.navigation import ROLE_LABELS, links_for
from assessment.presentation.numbers import format_number
from assessment.services.security import region_within, signed_in
from assessment.services.stages import STAGE_NAMES

bp = Blueprint("main", __name__)
# The code of a final snapshot or a berita acara (base32 letters and digits, as printed under its QR code).
DOCUMENT_CODE = re.compile(r"[A-Z2-7]{16}")


@bp.app_template_filter("angka")
def number_filter(value: Decimal | float | int | str | None, decimals: int | None = None) -> str:
    """A number in the visitor's locale (Indonesian: ``2,75``; ``1.234``).

    With ``decimals`` the number is shown with exactly that many decimals, rounded half up for display only
    (see :func:`assessment.presentation.numbers.format_number`): ``1234.5|angka(2)`` -> ``1.234,50``. A decimal text (a
    published document's ``"95.00"``) is read as that number.
    """
    if isinstance(value, str):
        value = Decimal(value)
    if decimals is not None:
        return format_number(value, decimals, locale=_locale_text())
    if value is None:
        return format_number(None)
    return str(format_decimal(value))


def _locale_text() -> str:
    """The visitor's locale as text, looked up once per request (a ranking page formats thousands of numbers, and
    Flask-Babel's look-up walks several context locals each time)."""
    try:
        return str(g.number_locale)
    except AttributeError:
        g.number_locale = text = str(get_locale())
        return text


@bp.app_template_filter("tanggal")
def date_filter(value: date) -> str:
    """A calendar day in the visitor's locale, e.g. ``1 Desember 2026``."""
    return str(format_date(value, "long"))


@bp.get("/")
def index() -> str:
    """The public front door: current competitions with their stage and its deadline (WITA), the published
    results of past editions, and a field to check a document by its code."""
    return _front_page()


def _front_page(*, code_error: str | None = None, code: str = "") -> str:
    competitions = db.session.scalars(select(Competition)).unique().all()
    current, past = front_door(competitions, now_utc())
    return render_template(
        "main/index.html",
        current=current,
        past=past,
        stage_names=STAGE_NAMES,
        wita=wita,
        code_error=code_error,
        code=code,
    )


@bp.get("/periksa")
def check_code() -> Response | tuple[str, int]:
    """The front door's document field: a code as printed (any case, spaces or dashes) leads to its public
    verification page; anything that cannot be a code is answered on the front page."""
    typed = request.args.get("kode", "")[:100]
    code = re.sub(r"[\s-]", "", typed).upper()
    if not DOCUMENT_CODE.fullmatch(code):
        return _front_page(
            code_error=_("Kode dokumen terdiri dari 16 huruf A–Z dan angka 2–7, seperti tercetak di bawah kode QR."),
            code=typed,
        ), 422
    return redirect(url_for("publication.verify", kode=code))


@bp.get("/beranda")
@signed_in
def home() -> str:
    """The signed-in home: the links of every role the user holds, and the regions of those roles."""
    grants = current_user.grants
    codes = {grant.region_code for grant in grants}
    region_names = dict(db.session.execute(select(Region.code, Region.name).where(Region.code.in_(codes))).all())
    return render_template(
        "main/home.html",
        links=links_for(current_user),
        grants=grants,
        role_labels=ROLE_LABELS,
        region_names=region_names,
        dashboards=_kecamatan_dashboards(grants),
    )


def _kecamatan_dashboards(grants: list[RoleGrant]) -> list[tuple[Competition, str]]:
    """A verifikator kecamatan's home leads to its kecamatan's dashboard in the newest edition that covers it."""
    kecamatan = sorted({g.region_code for g in grants if g.role == Role.verifikator_kecamatan})
    if not kecamatan:
        return []
    editions = db.session.scalars(select(Competition).order_by(Competition.year.desc(), Competition.id.desc())).all()
    found: list[tuple[Competition, str]] = []
    for code in kecamatan:
        newest = next((c for c in editions if region_within(code, c.scope_region_code)), None)
        if newest is not None:
            found.append((newest, code))
    return found


@bp.get("/bahasa/<code>")
def set_language(code: str) -> Response:
    """Remember the visitor's language (Indonesian or English) in a cookie and go back."""
    if code not in ("id", "en"):
        code = "id"
    target = request.referrer if request.referrer and request.referrer.startswith(request.host_url) else None
    response = make_response(redirect(target or url_for("main.index")))
    response.set_cookie("lang", code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response
