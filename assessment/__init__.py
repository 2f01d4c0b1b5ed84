"""Penilaian Desa Digital: the Flask shell around the rubric and scoring core."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

# Flask, SQLAlchemy and the extensions are imported inside the functions below, not here: importing the pure core
# (``assessment.scoring``, ``assessment.criteria``) or running the file-only CLI commands must not pay for the web
# stack's start-up.

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent


def select_locale() -> str:
    """Indonesian unless the visitor chose English (``lang`` cookie) or asks for it first."""
    from flask import has_request_context, request

    if not has_request_context():
        return "id"  # CLI commands and PDF rendering outside a request speak Indonesian
    chosen = request.cookies.get("lang")
    if chosen in ("id", "en"):
        return chosen
    return "id"


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the application: configuration, extensions, blueprints, error pages and CLI commands."""
    from flask import Flask
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from assessment.platform import config as app_config
    from assessment.platform.extensions import babel, csrf, db, migrate

    if not event.contains(Engine, "connect", _sqlite_pragmas):
        event.listen(Engine, "connect", _sqlite_pragmas)
    app = Flask(
        "assessment",
        template_folder=str(PROJECT_DIR / "templates"),
        static_folder=str(PACKAGE_DIR / "static"),
        instance_relative_config=True,
    )
    instance_path = Path(app.instance_path)
    if config and "INSTANCE_PATH" in config:
        instance_path = Path(config["INSTANCE_PATH"])
    from assessment.platform.inputs import CleanInputRequest

    app.request_class = CleanInputRequest
    app.config.update(app_config.from_environment(instance_path))
    from assessment.jobs.settings import worker_settings
    from assessment.services.gateway import gateway_settings
    from assessment.services.notifications import smtp_settings
    from assessment.services.signatures import trust_roots_from_environment

    app.config.update(smtp_settings())
    app.config.update(worker_settings())
    app.config.update(gateway_settings())
    app.config.update(trust_roots_from_environment())
    if config:
        app.config.update(config)
    Path(app.config["EVIDENCE_DIR"]).mkdir(parents=True, exist_ok=True)
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies:
        # Behind N reverse proxies the client's address (the sign-in and public-check limits) and the
        # scheme come from the headers those proxies set; without the setting the headers are ignored.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)  # type: ignore[method-assign]

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PACKAGE_DIR / "migrations"))
    csrf.init_app(app)
    _init_login(app)
    babel.init_app(
        app, locale_selector=select_locale, default_translation_directories=str(PACKAGE_DIR / "translations")
    )

    from flask_babel import get_locale

    app.jinja_env.globals["get_locale"] = get_locale
    from assessment.services import exception_notes

    exception_notes.init_app(app)

    from assessment.platform import http

    http.init_app(app)

    from assessment.auth.routes import bp as auth_bp
    from assessment.competitions.routes import bp as competitions_bp
    from assessment.main.routes import bp as main_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(competitions_bp)

    from assessment.desa.routes import bp as desa_bp
    from assessment.platform import compression, storage
    from assessment.review.routes import bp as review_bp
    from assessment.trail.routes import bp as trail_bp

    storage.init_app(app)
    compression.init_app(app)
    app.register_blueprint(desa_bp)
    app.register_blueprint(review_bp)
    app.register_blueprint(trail_bp)

    from assessment.links.routes import bp as links_bp

    app.register_blueprint(links_bp)

    from assessment.charts.routes import bp as charts_bp

    app.register_blueprint(charts_bp)

    from assessment.assignments.routes import bp as assignments_bp

    app.register_blueprint(assignments_bp)

    from assessment.assessors.offline import bp as assessors_offline_bp
    from assessment.assessors.routes import bp as assessors_bp

    app.register_blueprint(assessors_bp)
    app.register_blueprint(assessors_offline_bp)

    from assessment.reconciliation.routes import bp as reconciliation_bp

    app.register_blueprint(reconciliation_bp)

    from assessment.delivery.routes import bp as delivery_bp

    app.register_blueprint(delivery_bp)

    from assessment.documents.routes import bp as documents_bp

    app.register_blueprint(documents_bp)

    from assessment.field.routes import bp as field_bp

    app.register_blueprint(field_bp)

    from assessment.inbox.routes import bp as inbox_bp

    app.register_blueprint(inbox_bp)

    from assessment.objections.routes import bp as objections_bp
    from assessment.publication.routes import bp as publication_bp

    app.register_blueprint(objections_bp)
    app.register_blueprint(publication_bp)
    from assessment.dashboard.routes import bp as dashboard_bp

    app.register_blueprint(dashboard_bp)

    from assessment.results.routes import bp as results_bp

    app.register_blueprint(results_bp)

    from assessment.registration.routes import bp as registration_bp

    app.register_blueprint(registration_bp)

    from assessment.accounts.routes import bp as people_bp
    from assessment.accounts.routes import public_bp as invitations_bp

    app.register_blueprint(people_bp)
    app.register_blueprint(invitations_bp)

    from assessment.commands import register_all

    register_all(app)
    return app


def _init_login(app: Flask) -> None:
    """Flask-Login: sessions name ``"<user id>:<session version>"``, checked on every request."""
    from flask_babel import gettext

    from assessment import models  # noqa: F401  (every model is mapped before the first query)
    from assessment.auth.operations import load_user_from_session
    from assessment.core.i18n import N_
    from assessment.platform.extensions import login_manager

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = N_("Silakan masuk untuk membuka halaman ini.")  # translated when flashed
    login_manager.login_message_category = "info"
    login_manager.localize_callback = gettext
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user_from_session)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """SQLite enforces foreign keys only when asked, per connection; WAL lets readers work during a write."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()
