"""Forms of the operator's pages; every message is Indonesian (WTForms ships none)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField, TextAreaField, ValidationError
from wtforms.validators import DataRequired, Length

from assessment.desa.operations import EXPLANATION_MAX, URL_MAX
from assessment.platform.forms import VersionedForm, level_or_none
from assessment.services.verdicts import LEVEL_PROBLEM


class SelfAssessmentForm(VersionedForm):
    """The level a desa gives itself on one indicator, with its explanation."""

    level = SelectField(_l("Level penilaian mandiri"), coerce=level_or_none, validate_choice=False)
    explanation = TextAreaField(
        _l("Penjelasan"),
        validators=[
            Length(max=EXPLANATION_MAX, message=_l("Penjelasan paling panjang %(max)d karakter.", max=EXPLANATION_MAX))
        ],
    )

    def set_scale(self, levels: list[tuple[int, str]]) -> None:
        self.level.choices = [("", _l("— belum dipilih —")), *[(str(value), label) for value, label in levels]]
        self._allowed = {value for value, _ in levels}

    def validate_level(self, field: SelectField) -> None:
        if field.data is not None and field.data not in getattr(self, "_allowed", set()):
            raise ValidationError(LEVEL_PROBLEM)


class EvidenceUploadForm(FlaskForm):
    """One evidence file."""

    file = FileField(_l("Berkas bukti"), validators=[FileRequired(_l("Pilih berkas yang akan diunggah."))])


def _http_url(_form: FlaskForm, field: StringField) -> None:
    value = (field.data or "").strip()
    if not value.lower().startswith(("http://", "https://")) or " " in value or len(value) < 11:
        raise ValidationError(_l("Tautan harus alamat web lengkap yang diawali http:// atau https://."))


class EvidenceLinkForm(FlaskForm):
    """A link as evidence (a website, a social-media page, a shared folder)."""

    url = StringField(
        _l("Tautan bukti"),
        validators=[
            DataRequired(_l("Isi tautan.")),
            Length(max=URL_MAX, message=_l("Tautan paling panjang %(max)d karakter.", max=URL_MAX)),
            _http_url,
        ],
    )
