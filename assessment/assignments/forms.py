"""Forms of the committee's verification pages (explicit Indonesian messages: WTForms has no Indonesian catalogue)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from assessment.assignments.operations import REASON_MAX
from assessment.models import StageCode
from assessment.services.stages import ACTION_STAGES


class PerDesaForm(FlaskForm):
    """How many independent assessors each desa needs."""

    count = IntegerField(
        _l("Jumlah asesor per desa"),
        validators=[
            InputRequired(_l("Isi jumlah asesor per desa.")),
            NumberRange(min=1, max=10, message=_l("Antara 1 dan 10 asesor.")),
        ],
    )


class ManualAssignmentForm(FlaskForm):
    """Assign one assessor to one desa."""

    participant_id = SelectField(
        _l("Desa"), coerce=int, validate_choice=False, validators=[InputRequired(_l("Pilih desa."))]
    )
    assessor_id = SelectField(
        _l("Asesor"), coerce=int, validate_choice=False, validators=[InputRequired(_l("Pilih asesor."))]
    )


class CsvAssignmentForm(FlaskForm):
    """Upload assignments as CSV."""

    file = FileField(_l("Berkas CSV penugasan"), validators=[FileRequired(_l("Pilih berkas CSV."))])


# The stages an exception can open, in calendar order: the self-assessment (for the whole desa,
# assessment.desa.rules) and those the stage gate governs.
STAGE_CHOICES = [
    stage.value
    for stage in StageCode
    if stage is StageCode.penilaian_mandiri or any(stage in s for s in ACTION_STAGES.values())
]


class ExceptionForm(FlaskForm):
    """Open an exception for one desa (or one indicator of it) in one stage."""

    participant_id = SelectField(
        _l("Desa"), coerce=int, validate_choice=False, validators=[InputRequired(_l("Pilih desa."))]
    )
    stage = SelectField(_l("Tahap"), validators=[DataRequired(_l("Pilih tahap."))])
    indicator_code = StringField(
        _l("Indikator (kosongkan untuk seluruh desa)"), validators=[Optional(), Length(max=50)]
    )
    last_day = DateField(
        _l("Berlaku sampai (tanggal, WITA)"), validators=[InputRequired(_l("Isi tanggal akhir pengecualian."))]
    )
    reason = TextAreaField(
        _l("Alasan tertulis"),
        validators=[
            DataRequired(_l("Tulis alasan pengecualian.")),
            Length(max=REASON_MAX, message=_l("Alasan paling panjang 2000 karakter.")),
        ],
    )
