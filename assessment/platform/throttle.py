"""Limits counted in the database (so every app server sees the same counts): how long until a limit frees up."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from assessment.platform.extensions import db


def wait_until_below(at: Any, condition: Any, limit: int, window: timedelta, now: datetime) -> timedelta | None:
    """None while fewer than ``limit`` rows meeting ``condition`` have ``at`` within ``window`` before ``now``;
    otherwise how long until the oldest of them leaves the window (at least a minute, so a message never says 0)."""
    count, oldest = db.session.execute(select(func.count(), func.min(at)).where(condition, at > now - window)).one()
    if count < limit:
        return None
    oldest_at: datetime = oldest if oldest.tzinfo else oldest.replace(tzinfo=now.tzinfo)
    wait: timedelta = max(oldest_at + window - now, timedelta(minutes=1))
    return wait
