"""HTTP hardening shared by every page: security headers and error pages without internals."""

from __future__ import annotations

import logging
import uuid

from flask import Flask, Response, current_app, g, render_template, request, session
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

from assessment.core.i18n import N_
from assessment.platform.extensions import db, login_manager
from assessment.platform.inputs import refuse_control_characters_in_path

log = logging.getLogger(__name__)

_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data: blob:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}


def _policy_text(policy: dict[str, str]) -> str:
    return "; ".join(f"{directive} {sources}" for directive, sources in policy.items())


CONTENT_SECURITY_POLICY = _policy_text(_POLICY)

# Pages that draw plotly charts: plotly.js sets inline styles and injects a <style> element (so 'unsafe-inline'
# styles), and its map (MapLibre) runs a web worker from a blob: URL. Scripts stay 'self' only.
CHART_CONTENT_SECURITY_POLICY = _policy_text(
    _POLICY | {"style-src": "'self' 'unsafe-inline'", "worker-src": "'self' blob:", "child-src": "'self' blob:"}
)


_CHARTS_MARK = "assessment.csp_allow_charts"


def allow_chart_styles() -> None:
    """Relax the Content-Security-Policy of the current response for plotly charts (styles and map worker).

    Call it from the view of a page that draws charts; every other page keeps the strict policy. The mark is
    kept in the request's WSGI environ, not in ``g``, which can outlive a request (tests, CLI).
    """
    request.environ[_CHARTS_MARK] = True


# Messages the visitor reads; the status code alone says nothing to an operator in a desa. The error page
# translates them (``_(title)``).
ERROR_TITLES = {
    400: N_("Permintaan tidak valid"),
    403: N_("Akses ditolak"),
    404: N_("Halaman tidak ditemukan"),
    405: N_("Metode tidak diizinkan"),
    413: N_("Berkas terlalu besar"),
    429: N_("Terlalu banyak percobaan"),
    500: N_("Terjadi kesalahan pada server"),
    503: N_("Layanan sementara tidak tersedia"),
}


def _assign_request_id() -> None:
    """Give each request an id, recorded with every audit event it causes and returned as ``X-Request-ID``.

    The id is always made here: an ``X-Request-ID`` sent by the client is ignored, since anyone can send one and
    the audit trail must not carry a value a visitor chose (one visitor could tie their events to another's
    request). A reverse proxy ties its own log to the trail by logging the id this response returns
    (docs/deployment.md).
    """
    g.request_id = uuid.uuid4().hex


# Browser features no page of this app uses; a script injected despite the Content-Security-Policy, or a page
# that frames ours, gets none of them. (Taking a photo for an upload uses the file picker, which needs none.)
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
)


def _set_security_headers(response: Response) -> Response:
    if "request_id" in g:
        response.headers.setdefault("X-Request-ID", g.request_id)
    policy = CHART_CONTENT_SECURITY_POLICY if request.environ.get(_CHARTS_MARK) else CONTENT_SECURITY_POLICY
    response.headers.setdefault("Content-Security-Policy", policy)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    # What a signed-in user receives can hold personal data: no browser or proxy cache keeps it (the back
    # button after signing out on a shared desa computer shows nothing, a downloaded workbook or PDF does
    # not stay in the browser's cache). This overrides the "no-cache" that file downloads (workbooks, reports,
    # certificates, berita acara) get by default. Kept: static files and what a view marked cacheable on
    # purpose (public, or with a max-age: plotly.js, region outlines), which hold nothing personal.
    # (The user as already loaded for this request: asking Flask-Login here could query a database that is down.)
    user = g.get("_login_user")
    if getattr(user, "is_authenticated", False) and not _cacheable_on_purpose(response):
        response.headers["Cache-Control"] = "no-store"
    return response


def _cacheable_on_purpose(response: Response) -> bool:
    if request.endpoint == "static":
        return True
    control = response.cache_control
    return bool(control.public or (control.max_age or 0) > 0)


# Fields never written back into a page: passwords and one-time codes are typed again.
SECRET_FIELDS = frozenset({"csrf_token", "password", "current", "new", "repeat", "code"})


def _resubmit_page() -> tuple[str, int]:
    """A form posted with an expired or missing CSRF token: show what was typed, with a fresh token, to send again.

    Every field is kept (passwords and codes excepted) as an editable field of the same name, posted to the same
    address; chosen files cannot be kept by a browser and must be chosen again.
    """
    fields = [(name, value) for name, value in request.form.items(multi=True) if name not in SECRET_FIELDS]
    return render_template(
        "errors/resubmit.html",
        fields=fields,
        action=request.full_path.rstrip("?"),
        had_files=bool(request.files),
        had_secrets=any(name in SECRET_FIELDS - {"csrf_token"} for name in request.form),
    ), 400


def _render_error(code: int, detail: str | None = None) -> tuple[str, int] | tuple[str, int, dict[str, str]]:
    title = ERROR_TITLES.get(code, N_("Terjadi kesalahan"))
    try:
        return render_template("errors/error.html", code=code, title=title, detail=detail), code
    except Exception as error:
        # The error page shows the signed-in user's menu; if the database went away meanwhile, say so.
        if is_database_outage(error):
            return _database_unavailable(error)
        raise


def is_database_outage(error: BaseException | None) -> bool:
    """Whether ``error``, or an error it was raised from or while handling, says the database cannot be reached.

    A template that touches the database (the signed-in user, the inbox count) raises while rendering, and
    Jinja or Flask-Login may wrap that; the chain of causes is followed so such a page still counts as an outage.
    """
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, OperationalError) or (isinstance(error, DBAPIError) and error.connection_invalidated):
            return True
        error = error.__cause__ or error.__context__
    return False


def _database_unavailable(error: BaseException) -> tuple[str, int, dict[str, str]]:
    """The database cannot be reached: a plain 503 page (touching nothing that needs the database), retry later.

    The page is rendered straight from the template, without the context processors, which would load the
    signed-in user and count their inbox from the database that is gone (a bare 500 for every signed-in visitor).
    The visitor is treated as anonymous for the rest of the request for the same reason. Nothing half-done is
    kept: the session's transaction is rolled back. The connection pool checks each connection before use
    (``pool_pre_ping``), so the first request after the database is back works again, without restarting the app.
    """
    log.error("Database unavailable on %s %s: %s", request.method, request.path, error)
    g._login_user = login_manager.anonymous_user()
    try:
        db.session.rollback()
    except Exception:  # the rollback itself needs the database that is gone
        log.warning("Rollback after a lost database connection failed", exc_info=True)
    page = current_app.jinja_env.get_template("errors/unavailable.html").render()
    return page, 503, {"Retry-After": "30", "Cache-Control": "no-store"}


_CSRF_FAILED = "assessment.csrf_failed"


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, except that a request refused for its CSRF token never writes the cookie.

    A cross-site form post arrives without the visitor's SameSite=Lax cookie; answering it with a new (anonymous)
    session cookie would replace theirs and sign them out. Whatever the refused request did to its session
    (a fresh CSRF token for the error page, say) is dropped, and the browser keeps the cookie it had.
    """

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if request.environ.get(_CSRF_FAILED):
            return
        super().save_session(app, session, response)


def init_app(app: Flask) -> None:
    """Attach the headers, the session rule for refused forms and the error pages to ``app``."""
    app.before_request(_assign_request_id)
    app.before_request(refuse_control_characters_in_path)
    app.after_request(_set_security_headers)
    app.session_interface = SessionInterface()

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int] | tuple[str, int, dict[str, str]]:
        request.environ[_CSRF_FAILED] = True
        # The page to send the form again carries a fresh token, which works only if it matches the one already
        # in the visitor's session (the session is not written here): without one, the plain page says reload.
        if request.method == "POST" and (request.form or request.files) and "csrf_token" in session:
            return _resubmit_page()
        return _render_error(
            400,
            N_("Formulir ini sudah kedaluwarsa atau tidak lengkap. Muat ulang halaman lalu kirim kembali."),
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int] | tuple[str, int, dict[str, str]] | HTTPException:
        if error.code is None or error.code < 400:
            return error
        return _render_error(error.code)

    @app.errorhandler(OperationalError)
    def database_unavailable(error: OperationalError) -> tuple[str, int, dict[str, str]]:
        return _database_unavailable(error)

    @app.errorhandler(DBAPIError)
    def database_error(error: DBAPIError) -> tuple[str, int, dict[str, str]] | tuple[str, int]:
        if error.connection_invalidated:
            return _database_unavailable(error)
        log.exception("Database error on %s %s", request.method, request.path)
        return _render_error(500)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception) -> tuple[str, int] | tuple[str, int, dict[str, str]]:
        if is_database_outage(error):
            return _database_unavailable(error)
        # Log the traceback for the operators of the server; the visitor sees only a plain page.
        log.exception("Unhandled error on %s %s", request.method, request.path)
        return _render_error(500)
