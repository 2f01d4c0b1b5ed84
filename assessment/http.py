"""HTTP hardening shared by every page: security headers and error pages without internals."""

from __future__ import annotations

import logging

from flask import Flask, Response, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from assessment.i18n import N_

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


def _set_security_headers(response: Response) -> Response:
    policy = CHART_CONTENT_SECURITY_POLICY if request.environ.get(_CHARTS_MARK) else CONTENT_SECURITY_POLICY
    response.headers.setdefault("Content-Security-Policy", policy)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def _render_error(code: int, detail: str | None = None) -> tuple[str, int]:
    title = ERROR_TITLES.get(code, N_("Terjadi kesalahan"))
    return render_template("errors/error.html", code=code, title=title, detail=detail), code


def init_app(app: Flask) -> None:
    """Attach the headers and the error pages to ``app``."""
    app.after_request(_set_security_headers)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int]:
        return _render_error(
            400,
            N_("Formulir ini sudah kedaluwarsa atau tidak lengkap. Muat ulang halaman lalu kirim kembali."),
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int] | HTTPException:
        if error.code is None or error.code < 400:
            return error
        return _render_error(error.code)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception) -> tuple[str, int]:
        # Log the traceback for the operators of the server; the visitor sees only a plain page.
        log.exception("Unhandled error on %s %s", request.method, request.path)
        return _render_error(500)
