"""Forms of the inbox."""

from __future__ import annotations

from flask_wtf import FlaskForm


class ConfirmForm(FlaskForm):
    """Only the CSRF token."""
