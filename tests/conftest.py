"""Shared fixtures: an app on a throw-away database (SQLite by default, PostgreSQL when DATABASE_URL says so),
and factories for regions, users with role grants, and signed-in test clients."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import text

from assessment import create_app
from assessment.auth import two_factor
from assessment.auth.operations import GrantSpec, create_user, has_second_factor, needs_second_factor
from assessment.models import CODE_DEPTH, Region, RegionKind, Role, User, utcnow
from assessment.platform.extensions import db
from assessment.regions.shipped import REGION_DATA_DIR

TEST_PASSWORD = "kata-sandi-uji-1234"
# argon2id at its lowest cost: the hashing rules are the same, the tests just do not spend 50 ms per hash.
FAST_ARGON2 = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}


def _no_dns(host: str, port: int) -> list[str]:
    raise OSError(f"the tests never look up a host name ({host}): only loopback may be contacted")


@pytest.fixture(autouse=True)
def _link_capture_stays_local(monkeypatch: pytest.MonkeyPatch) -> None:
    """A link capture run by any test (the worker's sweep over demo or test links) never asks DNS or leaves the
    machine: names do not resolve, and every address but an allowed loopback one is refused by the fetch rules."""
    from assessment.links import fetch

    monkeypatch.setattr(fetch, "RESOLVER", _no_dns)


def _database_url(tmp_path: Path) -> str:
    return os.environ.get("DATABASE_URL") or f"sqlite:///{tmp_path / 'test.sqlite3'}"


def reset_database() -> None:
    """Leave an empty database: on PostgreSQL drop the whole schema (Alembic's table and any leftover included)."""
    engine = db.engine
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    else:
        db.drop_all()


def config_for_tests(tmp_path: Path, **overrides: Any) -> dict[str, Any]:
    """The configuration every test app uses (CSRF off: one test turns it back on to check it)."""
    config: dict[str, Any] = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "INSTANCE_PATH": str(tmp_path),
        "SQLALCHEMY_DATABASE_URI": _database_url(tmp_path),
        "EVIDENCE_DIR": str(tmp_path / "evidence"),
        "WTF_CSRF_ENABLED": False,
        "ARGON2_PARAMS": FAST_ARGON2,
        # Chromium is installed here: without this every link capture of every test would draw a screenshot
        # (seconds each); tests/links/test_screenshot.py turns it on.
        "LINK_SCREENSHOTS": "0",
    }
    config.update(overrides)
    return config


class IsolatedClient(FlaskClient):
    """A test client whose every request runs in its own app context, as in production.

    The ``app`` fixture keeps an app context pushed for the test body; without this, requests would reuse it and
    share its ``g`` (where Flask-Login caches the signed-in user) and its database session, so one client's user
    could leak into another client's request. After each request the test body's session is expired, so objects
    it holds are reloaded from the database on next use.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        db.session.expire_all()
        return response


class ExpiringCliRunner(FlaskCliRunner):
    """A CLI runner (each command runs in its own app context) that expires the test body's session afterwards."""

    def invoke(self, *args: Any, **kwargs: Any) -> Any:
        result = super().invoke(*args, **kwargs)
        db.session.expire_all()
        return result


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    app = create_app(config_for_tests(tmp_path))
    app.test_client_class = IsolatedClient
    app.test_cli_runner_class = ExpiringCliRunner
    with app.app_context():
        reset_database()
        db.create_all()
        yield app
        db.session.remove()
        reset_database()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The region data shipped in the repository (``data/wilayah/``, sources in its README.md)."""
    return REGION_DATA_DIR


def kind_from_code(code: str) -> RegionKind:
    """The region kind a Kemendagri code implies (desa part 1xxx kelurahan, 2xxx desa, 3xxx desa adat)."""
    depth = code.count(".") + 1
    if depth == 4:
        return {"1": RegionKind.kelurahan, "3": RegionKind.desa_adat}.get(code.split(".")[-1][0], RegionKind.desa)
    return next(kind for kind, parts in CODE_DEPTH.items() if parts == depth)


MakeRegion = Callable[..., Region]


@pytest.fixture
def make_region(app: Flask) -> MakeRegion:
    """Create a region (and any missing ancestors); the kind follows from the code unless given."""

    def make(code: str, name: str | None = None, kind: RegionKind | None = None) -> Region:
        parts = code.split(".")
        parent: str | None = None
        region: Region | None = None
        for depth in range(1, len(parts) + 1):
            current = ".".join(parts[:depth])
            region = db.session.scalar(db.select(Region).where(Region.code == current))
            if region is None:
                is_target = current == code
                region = Region(
                    code=current,
                    name=(name if is_target and name else f"Wilayah {current}"),
                    kind=(kind if is_target and kind else kind_from_code(current)),
                    parent_code=parent,
                )
                db.session.add(region)
                db.session.flush()
            parent = current
        db.session.commit()
        assert region is not None
        return region

    return make


MakeUser = Callable[..., User]
_emails = itertools.count(1)


@pytest.fixture
def make_user(app: Flask, make_region: MakeRegion) -> MakeUser:
    """Create an active user with one grant (``role``, ``region_code``) and/or more ``grants``.

    ``make_user(Role.operator_desa, "64.09.04.2002")``; ``make_user(grants=[(Role.dpmd, "64.09"), ...])``.
    The password is :data:`TEST_PASSWORD` unless given.
    """

    def make(
        role: Role | None = None,
        region_code: str | None = None,
        *,
        grants: Iterable[tuple[Role, str] | GrantSpec] = (),
        home_region_code: str | None = None,
        name: str | None = None,
        email: str | None = None,
        password: str = TEST_PASSWORD,
        active: bool = True,
    ) -> User:
        specs: list[GrantSpec] = []
        if role is not None:
            if region_code is None:
                raise ValueError("a role needs a region_code")
            specs.append(GrantSpec(role, region_code, home_region_code))
        for grant in grants:
            specs.append(grant if isinstance(grant, GrantSpec) else GrantSpec(grant[0], grant[1]))
        for spec in specs:
            make_region(spec.region_code)
            if spec.home_region_code:
                make_region(spec.home_region_code)
        number = next(_emails)
        user = create_user(
            name or f"Pengguna Uji {number}",
            email or f"pengguna{number}@contoh.id",
            password,
            specs,
        )
        if not active:
            user.active = False
            db.session.commit()
        return user

    return make


Login = Callable[[FlaskClient, User], FlaskClient]


@pytest.fixture
def login() -> Login:
    """Sign ``user`` in on ``client`` (the session Flask-Login would create, second factor included)."""

    def do_login(client: FlaskClient, user: User) -> FlaskClient:
        if needs_second_factor(user) and not has_second_factor(user):
            # A complete sign-in of a committee or assessor account includes its second factor.
            user.totp_secret = two_factor.new_secret()
            user.totp_confirmed_at = utcnow()
            db.session.commit()
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
        return client

    return do_login
