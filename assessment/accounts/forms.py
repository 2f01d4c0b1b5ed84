"""Forms of the account import and of the invitation page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length


class ImportForm(FlaskForm):
    """A CSV or Excel file of accounts; ``dry_run`` only checks it."""

    file = FileField(_l("Berkas CSV atau Excel (.xlsx): nama, email, peran, wilayah, wilayah_asal"),
                     validators=[FileRequired(_l("Pilih berkas."))])
    dry_run = BooleanField(_l("Periksa saja, jangan simpan"))


class ChoosePasswordForm(FlaskForm):
    """The new password, twice."""

    new = PasswordField(_l("Kata sandi baru"), validators=[DataRequired(_l("Isi kata sandi baru.")),
                                                           Length(max=1024)])
    repeat = PasswordField(_l("Ulangi kata sandi baru"),
                           validators=[EqualTo("new", _l("Kedua kata sandi baru tidak sama."))])
