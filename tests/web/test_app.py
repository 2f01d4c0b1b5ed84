"""The app factory, the landing page, language choice, headers and error pages."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from assessment import create_app


def test_factory_reads_database_url_from_environment(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@localhost/db")
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@localhost/db"


def test_factory_defaults_to_sqlite_in_instance_folder(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'desa-digital.sqlite3'}"


def test_secret_key_is_generated_once_into_instance_folder(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = create_app({"INSTANCE_PATH": str(tmp_path)}).config["SECRET_KEY"]
    second = create_app({"INSTANCE_PATH": str(tmp_path)}).config["SECRET_KEY"]
    assert len(first) == 64
    assert first == second
    assert (tmp_path / "secret_key").read_text().strip() == first


def test_landing_page_is_indonesian_and_fits_a_phone(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="id">' in html
    assert "Lomba Desa Digital" in html
    assert "Penilaian mandiri" in html
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in html


def test_language_switch_to_english(client: FlaskClient) -> None:
    response = client.get("/bahasa/en")
    assert response.status_code == 302
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Self-assessment" in html


def test_security_headers_on_every_page(client: FlaskClient) -> None:
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    for directive in ("script-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
        assert directive in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_not_found_page_is_indonesian(client: FlaskClient) -> None:
    response = client.get("/tidak-ada")
    assert response.status_code == 404
    assert "Halaman tidak ditemukan" in response.get_data(as_text=True)


def test_unexpected_error_shows_no_traceback(app: Flask) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/_boom")
    def boom() -> str:
        raise RuntimeError("secret internals")

    response = app.test_client().get("/_boom")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "secret internals" not in html
    assert "Traceback" not in html
    assert "Terjadi kesalahan pada server" in html


def test_database_backend_matches_environment(app: Flask) -> None:
    """CI runs the suite twice; this proves the second run really talks to PostgreSQL."""
    import os

    from assessment.platform.extensions import db

    expected = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgresql") else "sqlite"
    assert db.engine.dialect.name == expected
    assert db.session.execute(db.text("SELECT 1")).scalar() == 1
