"""Forms of the sign-in and account pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length


class LoginForm(FlaskForm):
    """E-mail and password."""

    email = EmailField(_l("Email"), validators=[DataRequired(_l("Isi alamat email.")), Length(max=320)])
    password = PasswordField(_l("Kata sandi"), validators=[DataRequired(_l("Isi kata sandi.")), Length(max=1024)])
    next = HiddenField()


class LogoutForm(FlaskForm):
    """Only the CSRF token: signing out is a POST so another site cannot sign a user out."""


class CodeForm(FlaskForm):
    """The 6-digit code from the authenticator app."""

    code = StringField(
        _l("Kode 6 angka dari aplikasi autentikator"),
        validators=[DataRequired(_l("Isi kode 6 angka.")), Length(max=12)],
    )


class PasswordChangeForm(FlaskForm):
    """Current password, and the new one twice."""

    current = PasswordField(
        _l("Kata sandi saat ini"), validators=[DataRequired(_l("Isi kata sandi saat ini.")), Length(max=1024)]
    )
    new = PasswordField(_l("Kata sandi baru"), validators=[DataRequired(_l("Isi kata sandi baru.")), Length(max=1024)])
    repeat = PasswordField(
        _l("Ulangi kata sandi baru"), validators=[EqualTo("new", _l("Kedua kata sandi baru tidak sama."))]
    )
