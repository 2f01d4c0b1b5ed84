"""HTTP hardening shared by every page: security headers and error pages without internals."""

from __future__ import annotations

import logging
import re
import uuid

from flask import Flask, Response, g, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)

# Messages the visitor reads; the status code alone says nothing to an operator in a desa.
ERROR_TITLES = {
    400: "Permintaan tidak valid",
    403: "Akses ditolak",
    404: "Halaman tidak ditemukan",
    405: "Metode tidak diizinkan",
    413: "Berkas terlalu besar",
    429: "Terlalu banyak percobaan",
    500: "Terjadi kesalahan pada server",
    503: "Layanan sementara tidak tersedia",
}


# A request id a proxy sets is kept if it looks like one (it then ties the proxy's log to the audit trail).
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


def _assign_request_id() -> None:
    """Give each request an id, recorded with every audit event it causes and returned as ``X-Request-ID``."""
    offered = request.headers.get("X-Request-ID", "")
    g.request_id = offered if _REQUEST_ID.fullmatch(offered) else uuid.uuid4().hex


def _set_security_headers(response: Response) -> Response:
    if "request_id" in g:
        response.headers.setdefault("X-Request-ID", g.request_id)
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def _render_error(code: int, detail: str | None = None) -> tuple[str, int]:
    title = ERROR_TITLES.get(code, "Terjadi kesalahan")
    return render_template("errors/error.html", code=code, title=title, detail=detail), code


def init_app(app: Flask) -> None:
    """Attach the headers and the error pages to ``app``."""
    app.before_request(_assign_request_id)
    app.after_request(_set_security_headers)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int]:
        return _render_error(
            400,
            "Formulir ini sudah kedaluwarsa atau tidak lengkap. Muat ulang halaman lalu kirim kembali.",
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
