"""Forms of the completeness check."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from assessment.review.operations import REASON_MAX


class CompleteForm(FlaskForm):
    """Only the CSRF token: mark the submission complete."""


class ReturnForm(FlaskForm):
    """Return a submission with the reason the operator will read."""

    reason = TextAreaField(
        _l("Alasan pengembalian"),
        validators=[
            DataRequired(_l("Tulis alasan pengembalian agar desa tahu apa yang harus diperbaiki.")),
            Length(max=REASON_MAX, message=_l("Alasan paling panjang %(max)d karakter.", max=REASON_MAX)),
        ],
    )
