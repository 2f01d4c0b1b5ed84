"""Forms of the committee's pages: rubric upload and the new competition."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from assessment.competitions.rescheduling import REASON_MAX
from assessment.models import StageCode
from assessment.services.stages import STAGE_NAMES


class RubricUploadForm(FlaskForm):
    """One rubric file, YAML or Excel (the format is read from the content)."""

    rubric = FileField(
        _l("Berkas rubrik (YAML atau Excel .xlsx)"), validators=[FileRequired(_l("Pilih berkas rubrik."))]
    )


class CompetitionForm(FlaskForm):
    """A competition on a stored rubric: name, year, scope and the dates of its stages (whole days, WITA)."""

    rubric_id = HiddenField(validators=[DataRequired()])
    name = StringField(
        _l("Nama lomba"),
        validators=[DataRequired(_l("Isi nama lomba.")), Length(max=200, message=_l("Paling panjang 200 karakter."))],
    )
    year = IntegerField(
        _l("Tahun"),
        validators=[InputRequired(_l("Isi tahun.")), NumberRange(2000, 2100, _l("Tahun antara 2000 dan 2100."))],
    )
    scope = SelectField(_l("Cakupan wilayah"), validators=[DataRequired(_l("Pilih cakupan."))])
    quotas = TextAreaField(
        _l("Kuota desa per kabupaten (opsional; satu per baris, mis. 64.09=10)"),
        validators=[Optional(), Length(max=2000, message=_l("Paling panjang 2.000 karakter."))],
    )

    def stage_fields(self) -> list[tuple[StageCode, str, DateField, DateField]]:
        """Each stage with its label and its first- and last-day fields, in order."""
        return [(code, STAGE_NAMES[code], self[f"{code.value}_start"], self[f"{code.value}_end"]) for code in StageCode]


# One pair of date fields per stage; only the self-assessment stage is required.
for _code in StageCode:
    _required = [InputRequired(_l("Isi tanggal."))] if _code is StageCode.penilaian_mandiri else [Optional()]
    setattr(
        CompetitionForm,
        f"{_code.value}_start",
        DateField(_l("Mulai"), validators=_required, render_kw={"autocomplete": "off"}),
    )
    setattr(
        CompetitionForm,
        f"{_code.value}_end",
        DateField(_l("Selesai"), validators=_required, render_kw={"autocomplete": "off"}),
    )


class StageScheduleForm(FlaskForm):
    """New dates for one stage (whole days, WITA), the reason, and whether the later stages move along."""

    first_day = DateField(
        _l("Hari pertama"), validators=[InputRequired(_l("Isi tanggal mulai."))], render_kw={"autocomplete": "off"}
    )
    last_day = DateField(
        _l("Hari terakhir"), validators=[InputRequired(_l("Isi tanggal selesai."))], render_kw={"autocomplete": "off"}
    )
    reason = TextAreaField(
        _l("Alasan perubahan (wajib; dicatat di riwayat jadwal dan dikirim ke yang terdampak)"),
        validators=[
            DataRequired(_l("Tulis alasan perubahan jadwal.")),
            Length(max=REASON_MAX, message=_l("Alasan paling panjang 2.000 karakter.")),
        ],
    )
    shift_later = BooleanField(_l("Geser tahap-tahap sesudahnya dengan jumlah hari yang sama"))
