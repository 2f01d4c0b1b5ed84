"""Forms of the account import and of the invitation page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, EmailField, IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional


class ImportForm(FlaskForm):
    """A CSV or Excel file of accounts; ``dry_run`` only checks it."""

    file = FileField(
        _l("Berkas CSV atau Excel (.xlsx): nama, email, peran, wilayah, wilayah_asal"),
        validators=[FileRequired(_l("Pilih berkas."))],
    )
    dry_run = BooleanField(_l("Periksa saja, jangan simpan"))


class ChoosePasswordForm(FlaskForm):
    """The new password, twice."""

    new = PasswordField(_l("Kata sandi baru"), validators=[DataRequired(_l("Isi kata sandi baru.")), Length(max=1024)])
    repeat = PasswordField(
        _l("Ulangi kata sandi baru"), validators=[EqualTo("new", _l("Kedua kata sandi baru tidak sama."))]
    )


class PeopleSearchForm(FlaskForm):
    """Search the accounts one manages (a GET form: no CSRF token needed, nothing changes)."""

    class Meta:
        csrf = False

    q = StringField(_l("Nama atau email"), validators=[Optional(), Length(max=200)])
    role = SelectField(_l("Peran"), validators=[Optional()], validate_choice=False)
    region = StringField(_l("Kode wilayah"), validators=[Optional(), Length(max=20)])


class ActionForm(FlaskForm):
    """Only the CSRF token: the action is in the address and the button says what it does."""


class GrantForm(FlaskForm):
    """A role to add in a region (and, for an asesor, a home region)."""

    role = SelectField(_l("Peran"), validators=[DataRequired(_l("Pilih peran."))], validate_choice=False)
    region = StringField(_l("Kode wilayah"), validators=[DataRequired(_l("Isi kode wilayah.")), Length(max=20)])
    home_region = StringField(_l("Wilayah asal (hanya asesor)"), validators=[Optional(), Length(max=20)])


class RevokeForm(FlaskForm):
    """Which grant to take away."""

    grant_id = IntegerField(validators=[DataRequired()])


class ForgotPasswordForm(FlaskForm):
    """The e-mail of the account whose password was forgotten."""

    email = EmailField(_l("Email"), validators=[DataRequired(_l("Isi alamat email.")), Length(max=320)])
