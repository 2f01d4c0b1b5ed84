"""Numbers as Indonesians read them (1.234,5): for templates, tables beside charts, PDFs and CLI messages."""

from __future__ import annotations

import decimal
import math
from decimal import Decimal

from babel.numbers import format_decimal, format_percent

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
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "") + "%"
    with decimal.localcontext() as context:
        context.rounding = decimal.ROUND_HALF_UP
        return format_percent(value, format=pattern, locale=locale)
