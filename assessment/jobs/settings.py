"""The background worker's settings from the environment (read by ``create_app``)."""

from __future__ import annotations

import os
from typing import Any

DEFAULT_REMINDER_DAYS = (7, 3, 1)


def _positive(name: str, default: int) -> int:
    text = os.environ.get(name, "").strip()
    return int(text) if text.isdigit() and int(text) > 0 else default


def reminder_days(text: str) -> tuple[int, ...]:
    """``7,3,1``: whole days before a deadline, largest first; duplicates and anything that is not a whole number
    from 1 to 60 dropped; the default (7, 3, 1) when nothing usable is left."""
    days = {int(part) for part in text.replace(" ", "").split(",") if part.isdigit() and 0 < int(part) <= 60}
    return tuple(sorted(days, reverse=True)) or DEFAULT_REMINDER_DAYS


def worker_settings() -> dict[str, Any]:
    """``REMINDER_DAYS`` (7,3,1), ``WORKER_POLL_SECONDS`` (5: how often an idle worker looks for due jobs) and
    ``WORKER_LEASE_SECONDS`` (300: how long a claimed job is a worker's own before another may take it)."""
    return {
        "REMINDER_DAYS": reminder_days(os.environ.get("REMINDER_DAYS", "")),
        "WORKER_POLL_SECONDS": _positive("WORKER_POLL_SECONDS", 5),
        "WORKER_LEASE_SECONDS": _positive("WORKER_LEASE_SECONDS", 300),
    }
