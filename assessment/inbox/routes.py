"""The inbox: one's own notifications, newest first; mark read. Nobody reaches another person's notification."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Flask, abort, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from assessment.extensions import db
from assessment.inbox import operations
from assessment.inbox.forms import ConfirmForm
from assessment.models import Notification, Role
from assessment.navigation import NavLink, add_link
from assessment.security import signed_in
from assessment.wita import visitor_wita as wita

bp = Blueprint("inbox", __name__, url_prefix="/kotak-masuk")


@bp.record_once
def _links(state: object) -> None:
    app: Flask = state.app  # type: ignore[attr-defined]
    for role in Role:
        add_link(app, NavLink(role, "inbox.index", _l("Kotak masuk"), _l("Pemberitahuan untuk Anda.")))

    @app.context_processor
    def _unread() -> dict[str, object]:
        def inbox_unread() -> int:
            if not getattr(current_user, "is_authenticated", False):
                return 0
            return db.session.scalar(select(func.count(Notification.id)).where(
                Notification.user_id == current_user.id, Notification.read_at.is_(None))) or 0
        return {"inbox_unread": inbox_unread}



@bp.get("/")
@signed_in
def index() -> str:
    rows = db.session.scalars(select(Notification).where(Notification.user_id == current_user.id)
                              .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(200)).all()
    return render_template("inbox/index.html", notifications=rows, confirm=ConfirmForm(), wita=wita)


@bp.post("/<int:notification_id>/baca")
@signed_in
def read(notification_id: int) -> Response:
    notification = db.get_or_404(Notification, notification_id)
    if notification.user_id != current_user.id:
        abort(404)
    if ConfirmForm().validate_on_submit():
        operations.mark_read(notification, datetime.now(UTC))
        if notification.link and notification.link.startswith("/") and not notification.link.startswith("//"):
            return redirect(notification.link)
    return redirect(url_for("inbox.index"))


@bp.post("/baca-semua")
@signed_in
def read_all() -> Response:
    if ConfirmForm().validate_on_submit():
        operations.mark_all_read(current_user, datetime.now(UTC))
    return redirect(url_for("inbox.index"))
