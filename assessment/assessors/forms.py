"""Forms of desk scoring (explicit Indonesian messages)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateTimeLocalField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from assessment.assessors.rules import NOTE_MAX, RESULT_MAX
from assessment.platform.forms import VersionedForm, level_or_none
from assessment.services.verdicts import NOTE_LENGTH_PROBLEM


class DeskScoreForm(VersionedForm):
    """The assessor's level and note on one indicator (evidence verdicts come as ``verdict-<id>`` fields)."""

    level = SelectField(_l("Level verifikasi asesor"), coerce=level_or_none, validate_choice=False)
    not_applicable = BooleanField(_l("Tidak berlaku (N/A)"))
    note = TextAreaField(_l("Catatan asesor"), validators=[Length(max=NOTE_MAX, message=NOTE_LENGTH_PROBLEM)])


class AccessTestForm(FlaskForm):
    """An uji akses record (times in WITA)."""

    sent_at = DateTimeLocalField(
        _l("Permohonan uji dikirim (WITA)"),
        format="%Y-%m-%dT%H:%M",
        validators=[InputRequired(_l("Isi waktu permohonan uji dikirim."))],
    )
    answered_at = DateTimeLocalField(
        _l("Ditanggapi desa (WITA, kosongkan bila belum)"), format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )
    result = TextAreaField(
        _l("Hasil uji akses"), validators=[Length(max=RESULT_MAX, message=_l("Hasil paling panjang 2000 karakter."))]
    )


class ConflictForm(FlaskForm):
    """Declare a conflict of interest with a desa or kecamatan."""

    region_code = StringField(
        _l("Kode desa atau kecamatan"), validators=[DataRequired(_l("Isi kode wilayah.")), Length(max=20)]
    )
    reason = TextAreaField(
        _l("Alasan konflik kepentingan"),
        validators=[
            DataRequired(_l("Tulis alasannya.")),
            Length(max=2000, message=_l("Alasan paling panjang 2000 karakter.")),
        ],
    )


class OfflineWorkbookForm(FlaskForm):
    """The filled-in offline scoring workbook."""

    workbook = FileField(
        _l("Workbook penilaian (.xlsx)"), validators=[FileRequired(_l("Pilih berkas workbook penilaian."))]
    )
