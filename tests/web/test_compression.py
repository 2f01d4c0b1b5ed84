"""Text responses are gzip-compressed for clients that accept it (operators pay for every byte)."""

from __future__ import annotations

import gzip

from flask import Flask, Response
from flask.testing import FlaskClient


def test_html_is_gzipped_when_the_client_accepts_it(client: FlaskClient) -> None:
    plain = client.get("/")
    packed = client.get("/", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert gzip.decompress(packed.data) == plain.data
    assert len(packed.data) < len(plain.data)


def test_binary_and_tiny_responses_are_left_alone(app: Flask) -> None:
    @app.get("/_bin")
    def binary() -> Response:
        return Response(bytes(5000), mimetype="image/jpeg")

    @app.get("/_tiny")
    def tiny() -> Response:
        return Response("ok", mimetype="text/plain")

    client = app.test_client()
    for url in ("/_bin", "/_tiny"):
        assert "Content-Encoding" not in client.get(url, headers={"Accept-Encoding": "gzip"}).headers
