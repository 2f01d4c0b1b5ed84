"""Forms of the field stage (explicit Indonesian messages: WTForms has no Indonesian catalogue)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, IntegerField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange

from assessment.field.operations import FINALISTS_MAX
from assessment.field.rules import NOTE_MAX
from assessment.platform.forms import level_or_none
from assessment.services.verdicts import NOTE_LENGTH_PROBLEM


def _version(value: object) -> int:
    try:
        return max(int(str(value)), 0)
    except ValueError:
        return -1  # matches no stored version: treated as a stale form


class FinalistRuleForm(FlaskForm):
    """Which desa are finalists: the top N of the provinsi or of each kabupaten."""

    scope = SelectField(_l("Finalis dihitung per"), validators=[InputRequired(_l("Pilih cakupan finalis."))])
    count = IntegerField(
        _l("Jumlah finalis teratas"),
        validators=[
            InputRequired(_l("Isi jumlah finalis.")),
            NumberRange(min=1, max=FINALISTS_MAX, message=_l("Antara 1 dan 50 finalis.")),
        ],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.scope.choices = [("kabupaten", _l("setiap kabupaten/kota")), ("provinsi", _l("seluruh provinsi"))]


class FieldLevelForm(FlaskForm):
    """The field level and note of one indicator; ``version`` is the version the page was loaded with."""

    level = SelectField(_l("Level lapangan"), coerce=level_or_none, validate_choice=False)
    note = TextAreaField(_l("Catatan lapangan"), validators=[Length(max=NOTE_MAX, message=NOTE_LENGTH_PROBLEM)])
    version = HiddenField(filters=[_version])


class PhotoForm(FlaskForm):
    """A photo taken with the phone's camera."""

    photo = FileField(_l("Foto dari kamera"), validators=[FileRequired(_l("Ambil atau pilih foto dahulu."))])


class RemovePhotoForm(FlaskForm):
    """Withdraw a wrong photo: the reason is checked by the operation (3 to 500 characters)."""

    reason = TextAreaField(_l("Alasan menghapus foto"))
