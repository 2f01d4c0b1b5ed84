"""Forms of the results pages (explicit Indonesian messages)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectField, TextAreaField


class BeritaAcaraForm(FlaskForm):
    """Which berita acara to generate: the kind, and the desa for a desk berita acara."""

    kind = SelectField(_l("Jenis berita acara"), validate_choice=False)
    participant_id = HiddenField()


class CheckPdfForm(FlaskForm):
    """A PDF to compare with the registered document (never stored)."""

    file = FileField(_l("Berkas PDF"), validators=[FileRequired(_l("Pilih berkas PDF yang akan diperiksa."))])


class ReasonForm(FlaskForm):
    """A written reason: withdrawing a desa from the ranking, or taking the withdrawal back (10-1,000 characters,
    checked by the operation)."""

    reason = TextAreaField(_l("Alasan tertulis"))
