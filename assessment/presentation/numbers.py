"""Numbers as Indonesians read them (1.234,5): for templates, tables beside charts, PDFs and CLI messages."""

from __future__ import annotations

import decimal
import functools
import math
from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import (
    format_decimal,
    format_percent,
    get_decimal_symbol,
    get_group_symbol,
    get_minus_sign_symbol,
)

MISSING = "–"  # shown for a value that does not exist (no desa in a kecamatan, not scored yet)


def format_number(value: float | Decimal | None, decimals: int = 2, locale: str = "id") -> str:
    """``value`` with ``decimals`` fixed decimals and Indonesian separators: 1234.5 -> "1.234,50".

    Integers are shown without decimals (841 -> "841"); None and NaN show as a dash.
    Rule (display rounding): a shown number is rounded half up, as people round by hand (80,125 -> "80,13"),
    from the number's shortest decimal form; ranks and ties are decided on exact values, never on the shown
    ones.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    fast = _grouped_kept(value, decimals, locale)
    if fast is not None:
        return fast
    if isinstance(value, int) and not isinstance(value, bool):
        return format_decimal(value, format="#,##0", locale=locale)
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    with decimal.localcontext() as context:
        context.rounding = decimal.ROUND_HALF_UP
        return format_decimal(value, format=pattern, locale=locale)


def format_fraction_as_percent(value: float | Decimal | None, decimals: int = 1, locale: str = "id") -> str:
    """A fraction 0..1 as a percentage with Indonesian separators: 0.125 -> "12,5%"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    if not isinstance(value, bool):
        try:
            # As Babel: the number's shortest decimal form moved two places, then the fast grouping (a ranking page
            # shows a P(top 3) per desa).
            hundredfold = (Decimal(str(value)) if isinstance(value, float) else Decimal(value)).scaleb(2)
        except (decimal.InvalidOperation, TypeError, ValueError):
            hundredfold = None
        fast = _grouped_kept(hundredfold, decimals, locale) if hundredfold is not None else None
        if fast is not None:
            return fast + _percent_sign(locale)
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "") + "%"
    with decimal.localcontext() as context:
        context.rounding = decimal.ROUND_HALF_UP
        return format_percent(value, format=pattern, locale=locale)


@functools.lru_cache(maxsize=16)
def _percent_sign(locale: str) -> str:
    """What Babel writes after the digits of a percentage pattern ``0%`` in ``locale`` (the sign itself)."""
    return str(format_percent(1, format="0%", locale=locale)).replace("100", "", 1)


@functools.lru_cache(maxsize=16)
def _symbols(locale: str) -> tuple[str, str, str]:
    return get_group_symbol(locale), get_decimal_symbol(locale), get_minus_sign_symbol(locale)


@functools.lru_cache(maxsize=16_384, typed=True)
def _grouped_cached(value: float | Decimal, decimals: int, locale: str, signed: bool) -> str | None:
    return _grouped(value, decimals, locale)


def _grouped_kept(value: float | Decimal, decimals: int, locale: str) -> str | None:
    """:func:`_grouped`, kept per (value, its type, its sign, decimals, locale): a ranking page shows the same few
    hundred aspect scores, indices and zero chances thousands of times. Equal values of one type give the same
    text (a Decimal's exponent is rounded away first) except for the sign of a zero (-0.0 equals 0.0 but is
    written "-0,00"), hence the sign in the key; a value that cannot be hashed (a signalling NaN) is formatted
    directly."""
    if isinstance(value, float):
        signed = math.copysign(1.0, value) < 0
    elif isinstance(value, Decimal):
        signed = value.is_signed()
    else:
        signed = value < 0
    try:
        return _grouped_cached(value, decimals, locale, signed)
    except TypeError:
        return _grouped(value, decimals, locale)


def _grouped(value: float | Decimal, decimals: int, locale: str) -> str | None:
    """:func:`format_number` without Babel's pattern machinery (a results page shows thousands of numbers): the
    same text, from Python's own grouping by three with the locale's symbols swapped in. None for what it leaves
    to Babel: non-finite values and booleans. A test checks it against Babel on random values in both
    languages."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = Decimal(value)
        places = 0
    else:
        try:
            # Babel reads a float from its shortest decimal form too (str), so both round the same digits.
            number = Decimal(str(value)) if isinstance(value, float) else value
            places = max(decimals, 0)
            number = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        except decimal.InvalidOperation:
            return None
    if not number.is_finite():
        return None
    group, point, minus = _symbols(locale)
    text = f"{abs(number):,.{places}f}".replace(",", "\0").replace(".", point).replace("\0", group)
    # As Babel: the sign is the value's own, kept when it rounds to zero (-0.001 -> "-0,00"; 0 -> "0,00").
    return minus + text if number.is_signed() else text
