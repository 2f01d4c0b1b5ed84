"""Configuration from the environment, with an embedded default (SQLite and local files in the instance folder)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any


def _instance_secret(instance_path: Path) -> str:
    """Read the secret key kept in the instance folder, creating it once on first run.

    The file is created with O_EXCL so that several gunicorn workers starting together agree on one key.
    """
    instance_path.mkdir(parents=True, exist_ok=True)
    key_file = instance_path / "secret_key"
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return key_file.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(secrets.token_hex(32))
    return key_file.read_text(encoding="ascii").strip()


def _whole_number(name: str, default: int) -> int:
    """A positive whole number from the environment; anything else gives ``default``."""
    text = os.environ.get(name, "")
    return int(text) if text.isdigit() and int(text) > 0 else default


def from_environment(instance_path: Path) -> dict[str, Any]:
    """Build the configuration mapping from environment variables.

    - ``DATABASE_URL``: SQLAlchemy URL; default ``sqlite:///<instance>/desa-digital.sqlite3``.
    - ``SECRET_KEY``: session signing key; default a random key kept in ``<instance>/secret_key``.
    - ``EVIDENCE_DIR``: where evidence files are stored; default ``<instance>/evidence``.
    - ``MAX_UPLOAD_MB``: the largest accepted upload (default 25 MB).
    - ``LINK_CAPTURE_ALLOW``: hosts or CIDR ranges the link capture may fetch although they are private or loopback
      (comma-separated; empty by default; for tests only, see :mod:`assessment.links.fetch`).
    - ``LINK_SCREENSHOTS`` (``auto``), ``CHROMIUM_PATH`` (found on the ``PATH``): screenshots of captured pages
      (:mod:`assessment.links.screenshot`): ``auto`` when Chromium and Playwright are installed, ``0`` never, ``1``
      always.
    - ``EVIDENCE_RETENTION_DAYS``: how long evidence files are kept (``desa-digital evidence purge``); unset: kept.
    - ``SESSION_IDLE_MINUTES`` (60), ``SESSION_MAX_HOURS`` (12): session timeouts.
    - ``LOGIN_ACCOUNT_LIMIT`` (5), ``LOGIN_ADDRESS_LIMIT`` (100), ``LOGIN_WINDOW_MINUTES`` (15): sign-in limits.
    - ``PUBLIC_CHECK_LIMIT`` (30), ``PUBLIC_CHECK_WINDOW_MINUTES`` (15): PDF checks on the public verification pages
      allowed per client address within the window.
    - ``OBJECTION_LIMIT_PER_DESA`` (30), ``OBJECTION_LIMIT_PER_INDICATOR`` (3): objections one desa may file in a
      competition's masa sanggah, in all and about one indicator (or the whole result).
    - ``TOTP_KEY``, ``AUDIT_KEY``: keys (any long random text) that encrypt the TOTP secrets at rest and sign the
      audit chain (:mod:`assessment.platform.keys`); unset: each is derived from ``SECRET_KEY``.
    - ``TRUSTED_PROXIES`` (0): how many reverse proxies in front of the app set ``X-Forwarded-For``/``-Proto``/
      ``-Host``; 0 ignores those headers (anyone can send them), so set it only behind a proxy.
    """
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance_path / 'desa-digital.sqlite3'}"
    if database_url.startswith("postgresql://"):
        # psycopg 3 is the driver we ship; plain postgresql:// would ask SQLAlchemy for psycopg2.
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")
    max_upload_mb = int(os.environ.get("MAX_UPLOAD_MB", "25"))
    return {
        "SECRET_KEY": os.environ.get("SECRET_KEY") or _instance_secret(instance_path),
        "TOTP_KEY": os.environ.get("TOTP_KEY") or None,
        "AUDIT_KEY": os.environ.get("AUDIT_KEY") or None,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "EVIDENCE_DIR": os.environ.get("EVIDENCE_DIR") or str(instance_path / "evidence"),
        # Hosts or CIDR ranges the link capture may fetch despite the address check: for tests only.
        "LINK_CAPTURE_ALLOW": os.environ.get("LINK_CAPTURE_ALLOW", ""),
        "LINK_SCREENSHOTS": os.environ.get("LINK_SCREENSHOTS", "auto"),
        "CHROMIUM_PATH": os.environ.get("CHROMIUM_PATH", ""),
        "MAX_CONTENT_LENGTH": max_upload_mb * 1024 * 1024,
        "EVIDENCE_RETENTION_DAYS": int(os.environ["EVIDENCE_RETENTION_DAYS"])
        if os.environ.get("EVIDENCE_RETENTION_DAYS", "").isdigit()
        else None,
        "SESSION_IDLE_MINUTES": _whole_number("SESSION_IDLE_MINUTES", 60),
        "SESSION_MAX_HOURS": _whole_number("SESSION_MAX_HOURS", 12),
        "LOGIN_ACCOUNT_LIMIT": _whole_number("LOGIN_ACCOUNT_LIMIT", 5),
        "LOGIN_ADDRESS_LIMIT": _whole_number("LOGIN_ADDRESS_LIMIT", 100),
        "LOGIN_WINDOW_MINUTES": _whole_number("LOGIN_WINDOW_MINUTES", 15),
        "PUBLIC_CHECK_LIMIT": _whole_number("PUBLIC_CHECK_LIMIT", 30),
        "PUBLIC_CHECK_WINDOW_MINUTES": _whole_number("PUBLIC_CHECK_WINDOW_MINUTES", 15),
        "OBJECTION_LIMIT_PER_DESA": _whole_number("OBJECTION_LIMIT_PER_DESA", 30),
        "OBJECTION_LIMIT_PER_INDICATOR": _whole_number("OBJECTION_LIMIT_PER_INDICATOR", 3),
        "TRUSTED_PROXIES": int(proxies) if (proxies := os.environ.get("TRUSTED_PROXIES", "")).isdigit() else 0,
        "BABEL_DEFAULT_LOCALE": "id",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Makassar",
        "LANGUAGES": ("id", "en"),
        # An operator desa on a slow link can spend hours on one form: keep the token valid for a working day.
        "WTF_CSRF_TIME_LIMIT": 12 * 3600,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("SESSION_COOKIE_SECURE", "0") == "1",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # The public address printed in QR codes made outside a request (reports build); None: the CLI's default.
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL") or None,
        # How long an account invitation link stays usable (its owner chooses a password there).
        "INVITATION_HOURS": _whole_number("INVITATION_HOURS", 72),
    }
