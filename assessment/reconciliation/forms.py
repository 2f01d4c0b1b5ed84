"""The reconciliation form (explicit Indonesian messages)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from assessment.reconciliation.operations import REASON_MAX


class ReconcileForm(FlaskForm):
    """The agreed level and its reason."""

    level = IntegerField(_l("Level yang disepakati"), validators=[InputRequired(_l("Isi level yang disepakati."))])
    reason = TextAreaField(
        _l("Alasan"),
        validators=[
            DataRequired(_l("Tulis alasan kesepakatan.")),
            Length(max=REASON_MAX, message=_l("Alasan paling panjang 2000 karakter.")),
        ],
    )
