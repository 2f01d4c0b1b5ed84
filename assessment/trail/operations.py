"""Verbs of the audit-trail pages; each owns its commit."""

from __future__ import annotations

from assessment.platform.extensions import db
from assessment.services.audit import record_event
from assessment.trail.filters import TrailFilter


def record_export(trail_filter: TrailFilter) -> None:
    """Reading the whole trail out is itself recorded (``audit.export``, with the filter used)."""
    record_event("audit.export", target="audit_event", after=trail_filter.as_args())
    db.session.commit()
