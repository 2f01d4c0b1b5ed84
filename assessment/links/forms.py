"""The link captures' one form."""

from __future__ import annotations

from flask_wtf import FlaskForm


class RecheckForm(FlaskForm):
    """Only the CSRF token: "check every link of this desa again"."""
