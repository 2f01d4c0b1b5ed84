"""Forms of the registration pages: nominate a desa, withdraw it with a reason, set a quota, enrol from a file."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from assessment.registration.operations import REASON_MAX


class NominateForm(FlaskForm):
    """One desa of the kabupaten (a choice of the eligible desa not yet enrolled)."""

    desa_code = SelectField(_l("Desa"), validators=[DataRequired(_l("Pilih desa."))], validate_choice=False)


class WithdrawForm(FlaskForm):
    """The reason for taking a desa out (required; its operators and the history read it)."""

    reason = TextAreaField(
        _l("Alasan penarikan (wajib; dicatat dan dikirim ke operator desa)"),
        validators=[
            DataRequired(_l("Tulis alasan penarikan.")),
            Length(max=REASON_MAX, message=_l("Alasan paling panjang 2.000 karakter.")),
        ],
    )


class QuotaForm(FlaskForm):
    """A kabupaten/kota's quota; empty means no cap."""

    kabupaten_code = StringField(
        _l("Kode kabupaten/kota"), validators=[DataRequired(_l("Isi kode kabupaten.")), Length(max=20)]
    )
    quota = IntegerField(
        _l("Kuota (kosongkan untuk tanpa batas)"),
        validators=[Optional(), NumberRange(0, 10000, _l("Kuota antara 0 dan 10.000."))],
    )


class EnrolFileForm(FlaskForm):
    """A CSV or Excel file with the column ``kode_desa``."""

    file = FileField(
        _l("Berkas CSV atau Excel (.xlsx) dengan kolom kode_desa"), validators=[FileRequired(_l("Pilih berkas."))]
    )
    dry_run = BooleanField(_l("Periksa saja, jangan daftarkan"))
