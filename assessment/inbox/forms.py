"""Forms of the inbox."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, ValidationError
from wtforms.validators import Length, Optional

from assessment.platform.phone import InvalidPhone, normalise_phone


class ChannelsForm(FlaskForm):
    """Where one's notifications go besides the inbox."""

    phone = StringField(
        _l("Nomor HP (WhatsApp/SMS)"),
        validators=[Optional(), Length(max=30)],
        description=_l("Contoh: 0812 3456 7890. Disimpan sebagai +62…"),
    )
    email = BooleanField(_l("Kirim salinan ke e-mail saya"))
    whatsapp = BooleanField(_l("Kirim salinan lewat WhatsApp/SMS ke nomor di atas"))

    def validate_phone(self, field: StringField) -> None:
        if field.data:
            try:
                field.data = normalise_phone(field.data)
            except InvalidPhone:
                raise ValidationError(_l("Nomor HP Indonesia tidak dikenali: tulis seperti 0812 3456 7890.")) from None

    def validate_whatsapp(self, field: BooleanField) -> None:
        if field.data and not (self.phone.data or "").strip():
            raise ValidationError(_l("Isi nomor HP untuk menerima WhatsApp/SMS."))
