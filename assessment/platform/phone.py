"""Mobile numbers as people in Indonesia write them, kept in E.164 (``+628...``)."""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s\-.()/]")
_E164_MOBILE = re.compile(r"\+628\d{7,11}")


class InvalidPhone(ValueError):
    """Not an Indonesian mobile number."""


def normalise_phone(text: str) -> str:
    """``0812-3456-7890``, ``+62 812 3456 7890`` or ``6281234567890`` -> ``+6281234567890``.

    The rule: spaces, dashes, dots, brackets and slashes are ignored; a leading ``0`` or ``62`` becomes ``+62``;
    the result must be an Indonesian mobile number (``+628`` then 7 to 11 digits), since WhatsApp and SMS reach
    only mobiles. Anything else raises :class:`InvalidPhone`.
    """
    digits = _SEPARATORS.sub("", text.strip())
    if digits.startswith("+"):
        number = digits
    elif digits.startswith("62"):
        number = "+" + digits
    elif digits.startswith("0"):
        number = "+62" + digits[1:]
    else:
        raise InvalidPhone(text)
    if not _E164_MOBILE.fullmatch(number):
        raise InvalidPhone(text)
    return number
