"""The database going away gives a clear temporary error, and the app recovers when it is back."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from assessment import create_app
from assessment.auth.operations import GrantSpec, create_user
from assessment.models import Region, RegionKind, Role
from assessment.platform.extensions import db
from tests.conftest import TEST_PASSWORD, config_for_tests


@pytest.fixture
def app_without_database(tmp_path: Path):
    """An app whose SQLite database lives in a folder that does not exist yet (as if its server were down)."""
    folder = tmp_path / "basis-data"
    app = create_app(
        config_for_tests(
            tmp_path, SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder / 'db.sqlite3'}", PROPAGATE_EXCEPTIONS=False
        )
    )
    yield app, folder
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_database_down_gives_a_clear_503_and_recovers_without_restart(app_without_database: tuple[Flask, Path]) -> None:
    app, folder = app_without_database
    client = app.test_client()
    down = client.post("/masuk", data={"email": "siti@contoh.id", "password": "apa-saja-12345"})
    html = down.get_data(as_text=True)
    assert down.status_code == 503
    assert down.headers["Retry-After"] == "30"
    assert "Layanan sementara tidak tersedia" in html
    assert "OperationalError" not in html and "sqlite" not in html.lower()
    # The landing page lists the competitions (it reads the database): 503 too; static files are still served.
    assert client.get("/").status_code == 503
    with client.get("/static/css/app.css") as static:
        assert static.status_code == 200

    folder.mkdir()
    with app.app_context():
        db.create_all()
    back = client.post("/masuk", data={"email": "siti@contoh.id", "password": "apa-saja-12345"})
    assert back.status_code == 200
    assert "Email atau kata sandi salah." in back.get_data(as_text=True)


@pytest.fixture
def app_losing_its_database(tmp_path: Path):
    """An app on a SQLite database in its own folder; renaming the folder makes the database unreachable."""
    folder = tmp_path / "basis-data"
    folder.mkdir()
    app = create_app(
        config_for_tests(
            tmp_path, SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder / 'db.sqlite3'}", PROPAGATE_EXCEPTIONS=False
        )
    )
    with app.app_context():
        db.create_all()
    yield app, folder
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _take_database_away(app: Flask, folder: Path) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()  # no pooled connection keeps the old file open
    folder.rename(folder.with_name("basis-data-mati"))


def test_database_down_gives_signed_in_visitors_the_503_page_too(app_losing_its_database: tuple[Flask, Path]) -> None:
    app, folder = app_losing_its_database
    with app.app_context():
        for code, kind, parent in (("64", RegionKind.provinsi, None), ("64.09", RegionKind.kabupaten, "64")):
            db.session.add(Region(code=code, name=f"Wilayah {code}", kind=kind, parent_code=parent))
        db.session.commit()
        user = create_user("Dewi DPMD", "dewi@contoh.id", TEST_PASSWORD, [GrantSpec(Role.dpmd, "64.09")])
        session_id = user.get_id()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = session_id
        session["_fresh"] = True
    assert client.get("/beranda").status_code == 200

    _take_database_away(app, folder)
    for url in ("/beranda", "/kotak-masuk/", "/", "/tidak-ada-halaman-ini"):
        response = client.get(url)
        html = response.get_data(as_text=True)
        assert response.status_code == 503, url
        assert response.headers["Retry-After"] == "30"
        assert response.headers["Cache-Control"] == "no-store"
        assert "Layanan sementara tidak tersedia" in html
        assert "Traceback" not in html and "sqlite" not in html.lower()
    posted = client.post("/keluar", data={})
    assert posted.status_code == 503
    # The page's stylesheet (and every static file) needs no database.
    with client.get("/static/css/app.css") as static:
        assert static.status_code == 200
        assert static.data
