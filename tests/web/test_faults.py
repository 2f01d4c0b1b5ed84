"""The database going away gives a clear temporary error, and the app recovers when it is back."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from assessment import create_app
from assessment.extensions import db
from tests.conftest import config_for_tests


@pytest.fixture
def app_without_database(tmp_path: Path):
    """An app whose SQLite database lives in a folder that does not exist yet (as if its server were down)."""
    folder = tmp_path / "basis-data"
    app = create_app(config_for_tests(tmp_path, SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder / 'db.sqlite3'}",
                                      PROPAGATE_EXCEPTIONS=False))
    yield app, folder
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_database_down_gives_a_clear_503_and_recovers_without_restart(
    app_without_database: tuple[Flask, Path]
) -> None:
    app, folder = app_without_database
    client = app.test_client()
    down = client.post("/masuk", data={"email": "siti@contoh.id", "password": "apa-saja-12345"})
    html = down.get_data(as_text=True)
    assert down.status_code == 503
    assert down.headers["Retry-After"] == "30"
    assert "Layanan sementara tidak tersedia" in html
    assert "OperationalError" not in html and "sqlite" not in html.lower()
    # The landing page needs no database and still works meanwhile.
    assert client.get("/").status_code == 200

    folder.mkdir()
    with app.app_context():
        db.create_all()
    back = client.post("/masuk", data={"email": "siti@contoh.id", "password": "apa-saja-12345"})
    assert back.status_code == 200
    assert "Email atau kata sandi salah." in back.get_data(as_text=True)
