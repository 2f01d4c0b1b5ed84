"""Forms of the objection pages (explicit Indonesian messages)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from assessment.objections.operations import REASON_MAX


class ObjectionForm(FlaskForm):
    """A desa's objection: the reason, optionally an indicator and an evidence file."""

    indicator = SelectField(_l("Indikator (boleh dikosongkan)"), validate_choice=False)
    reason = TextAreaField(
        _l("Alasan sanggah"),
        validators=[
            DataRequired(_l("Tulis alasan sanggah.")),
            Length(max=REASON_MAX, message=_l("Alasan paling panjang 2000 karakter.")),
        ],
    )
    file = FileField(_l("Bukti pendukung (boleh dikosongkan)"))


class AnswerForm(FlaskForm):
    """The committee's answer: the reason, and a new level for an indicator when the answer changes one."""

    reason = TextAreaField(
        _l("Alasan jawaban"),
        validators=[
            DataRequired(_l("Tulis alasan jawaban.")),
            Length(max=REASON_MAX, message=_l("Alasan paling panjang 2000 karakter.")),
        ],
    )
    indicator = SelectField(_l("Indikator yang levelnya diubah"), validate_choice=False)
    level = StringField(_l("Level baru (kosongkan bila level tidak diubah)"))
