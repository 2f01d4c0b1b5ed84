"""Form pieces every blueprint shares: the confirmation of an action, a level field's value, and the version a
form was loaded with (the other half of :func:`assessment.platform.versioning.compare_and_set`)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField

# A level that lies off every scale: what a garbled level field becomes, so that the rules refuse it with their own
# clear message instead of it silently counting as "no level".
OFF_SCALE = -(10**6)


def level_or_none(value: object) -> int | None:
    """A level field's value: None when left empty, the integer chosen, :data:`OFF_SCALE` for anything else."""
    if value in (None, "", "None"):
        return None
    try:
        return int(str(value))
    except ValueError:
        return OFF_SCALE


class ConfirmForm(FlaskForm):
    """Only the CSRF token: the confirmation of an action whose page said what will happen."""


class VersionedForm(FlaskForm):
    """A form that saves one versioned row: it carries the version of the row it was loaded with (0: none yet), and
    the save is refused (:class:`assessment.platform.versioning.SaveConflict`) if the row moved on meanwhile."""

    version = HiddenField()

    def expected_version(self) -> int | None:
        """The version the form was loaded with; None when it carries none, -1 (never stored) when garbled."""
        raw = (self.version.data or "").strip()
        if not raw:
            return None
        return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else -1
