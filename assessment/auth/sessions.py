"""Session lifetime: a sign-in starts a session clock; idle and absolute timeouts end it; a second factor waits.

- Idle timeout (``SESSION_IDLE_MINUTES``, default 60): a session unused for longer ends at its next request.
- Absolute timeout (``SESSION_MAX_HOURS``, default 12): a session ends that long after its sign-in, however busy.
- Ending every session of an account (sign-out, password change, disabling) moves ``User.session_version``,
  which every session cookie carries (see :func:`assessment.auth.operations.load_user_from_session`).
- Between password and TOTP code the session holds only the account and the time (5 minutes), never a sign-in.
"""

from __future__ import annotations

import time
from typing import Any

from flask import current_app, flash, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from assessment.auth.operations import has_second_factor, needs_second_factor
from assessment.models import User

STARTED = "_t0"
SEEN = "_seen"
PENDING = "_2fa"
PENDING_SECONDS = 300
# Endpoints an account that still has to enrol its second factor may open.
ENROLMENT_ENDPOINTS = frozenset(
    {"auth.enrol_second_factor", "auth.logout", "static", "main.set_language", "main.index"}
)


def _now() -> float:
    return time.time()


def start_session(user: User) -> None:
    """Sign ``user`` in on a fresh session (nothing from before the sign-in is kept) and start its clock."""
    session.clear()
    login_user(user)
    session[STARTED] = session[SEEN] = int(_now())


def hold_for_second_factor(user: User, next_url: str | None) -> None:
    """Remember, for 5 minutes, that ``user`` gave the right password and must now give a TOTP code."""
    session.clear()
    session[PENDING] = {"id": user.get_id(), "at": int(_now()), "next": next_url or ""}


def pending_second_factor() -> tuple[str, str] | None:
    """The session id and next page of the account waiting for its TOTP code, if still in time."""
    pending: Any = session.get(PENDING)
    if not isinstance(pending, dict) or _now() - float(pending.get("at", 0)) > PENDING_SECONDS:
        return None
    return str(pending.get("id", "")), str(pending.get("next", ""))


def end_session() -> None:
    """Forget the sign-in on this browser."""
    logout_user()
    session.clear()


def enforce_session_rules() -> Response | None:
    """Run before every request: end a timed-out session; send an account without its second factor to enrol.

    Static files need no account (and are served even while the database, where accounts live, is down).
    """
    if request.endpoint == "static" or not current_user.is_authenticated:
        return None
    now = _now()
    idle = int(current_app.config.get("SESSION_IDLE_MINUTES", 60)) * 60
    absolute = int(current_app.config.get("SESSION_MAX_HOURS", 12)) * 3600
    started = session.setdefault(STARTED, int(now))
    seen = session.setdefault(SEEN, int(now))
    if now - seen > idle or now - started > absolute:
        end_session()
        flash("Sesi Anda berakhir karena terlalu lama tidak aktif atau sudah terlalu lama. Silakan masuk lagi.", "info")
        return redirect(url_for("auth.login", next=request.full_path if request.method == "GET" else None))
    # Written at most once a minute, so an active page does not re-send the cookie on every request.
    if now - seen >= 60:
        session[SEEN] = int(now)
    if (
        needs_second_factor(current_user)
        and not has_second_factor(current_user)
        and request.endpoint not in ENROLMENT_ENDPOINTS
    ):
        return redirect(url_for("auth.enrol_second_factor"))
    return None
