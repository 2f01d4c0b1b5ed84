"""The inbox: one's own notifications, newest first; mark read. Nobody reaches another person's notification."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Flask, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from assessment.inbox import operations
from assessment.inbox.forms import ChannelsForm
from assessment.models import Competition, Notification, Role
from assessment.platform.extensions import db
from assessment.platform.forms import ConfirmForm
from assessment.platform.wita import now_utc
from assessment.platform.wita import visitor_wita as wita
from assessment.presentation.navigation import NavLink, offer_links
from assessment.services.editions import edition_at, split_editions
from assessment.services.security import signed_in

bp = Blueprint("inbox", __name__, url_prefix="/kotak-masuk")


offer_links(bp, *(NavLink(role, "inbox.index", _l("Kotak masuk"), _l("Pemberitahuan untuk Anda.")) for role in Role))


@bp.record_once
def _unread_count(state: object) -> None:
    app: Flask = state.app  # type: ignore[attr-defined]

    @app.context_processor
    def _unread() -> dict[str, object]:
        def inbox_unread() -> int:
            if not getattr(current_user, "is_authenticated", False):
                return 0
            return (
                db.session.scalar(
                    select(func.count(Notification.id)).where(
                        Notification.user_id == current_user.id, Notification.read_at.is_(None)
                    )
                )
                or 0
            )

        return {"inbox_unread": inbox_unread}


@bp.get("/")
@signed_in
def index() -> str:
    rows = db.session.scalars(
        select(Notification)
        .where(Notification.user_id == current_user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(200)
    ).all()
    # Notices of the running edition first, older editions' folded below (by when each was sent).
    competitions = db.session.scalars(select(Competition)).all()
    editions = (
        split_editions(rows, lambda row: edition_at(row.created_at, competitions), now_utc()) if competitions else None
    )
    return render_template("inbox/index.html", notifications=rows, editions=editions, confirm=ConfirmForm(), wita=wita)


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


@bp.route("/saluran", methods=["GET", "POST"])
@signed_in
def channels() -> str | Response:
    """One's own channels: the mobile number, e-mail on/off, WhatsApp/SMS opt-in."""
    form = ChannelsForm()
    if form.validate_on_submit():
        operations.set_channels(current_user, form.phone.data or None, bool(form.email.data), bool(form.whatsapp.data))
        flash(_("Pengaturan pemberitahuan tersimpan."), "success")
        return redirect(url_for("inbox.channels"))
    if not form.is_submitted():
        form.phone.data = current_user.phone or ""
        form.email.data = current_user.notify_email
        form.whatsapp.data = current_user.notify_whatsapp
    config = current_app.config
    start, end = config.get("QUIET_HOURS") or (21, 6)
    quiet = (f"{start:02d}.00", f"{end:02d}.00") if start != end else None
    return render_template(
        "inbox/channels.html",
        form=form,
        email_on=bool(config.get("SMTP_HOST")),
        whatsapp_on=bool(config.get("WA_GATEWAY_URL")),
        quiet=quiet,
    )
