"""Gzip for text responses: an operator on a weak mobile link pays for every byte (pages must stay under 150 KB)."""

from __future__ import annotations

import gzip

from flask import Flask, Response, request

COMPRESSIBLE = ("text/", "application/json", "application/javascript", "image/svg+xml")
MIN_SIZE = 500


def _compress(response: Response) -> Response:
    if (
        response.status_code < 200
        or response.status_code in (204, 304)
        or response.direct_passthrough
        or "Content-Encoding" in response.headers
        or not (response.mimetype or "").startswith(COMPRESSIBLE)
        or "gzip" not in request.headers.get("Accept-Encoding", "").lower()
    ):
        return response
    body = response.get_data()
    if len(body) < MIN_SIZE:
        return response
    response.set_data(gzip.compress(body, compresslevel=6, mtime=0))
    response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    return response


def init_app(app: Flask) -> None:
    """Compress every text response the client accepts gzip for."""
    app.after_request(_compress)
