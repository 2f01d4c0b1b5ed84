"""Numbers shown the Indonesian way."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from assessment.presentation.numbers import MISSING, format_fraction_as_percent, format_number


def test_thousands_with_dots_and_decimals_with_a_comma() -> None:
    assert format_number(1234.5) == "1.234,50"
    assert format_number(1234567.891, 1) == "1.234.567,9"
    assert format_number(-0.25) == "-0,25"
    assert format_number(Decimal("81.255")) == "81,26"


def test_integers_have_no_decimals() -> None:
    assert format_number(841) == "841"
    assert format_number(1038) == "1.038"


def test_display_rounds_half_up_not_to_even() -> None:
    assert format_number(80.125) == "80,13"
    assert format_number(0.005) == "0,01"
    assert format_number(2.5, 0) == "3"


def test_missing_values_show_a_dash() -> None:
    assert format_number(None) == MISSING
    assert format_number(float("nan")) == MISSING
    assert format_fraction_as_percent(None) == MISSING


def test_percentages() -> None:
    assert format_fraction_as_percent(0.125) == "12,5%"
    assert format_fraction_as_percent(1) == "100,0%"


def test_english_when_asked() -> None:
    assert format_number(1234.5, locale="en") == "1,234.50"


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(
        st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12),
        st.integers(-(10**12), 10**12),
        st.decimals(allow_nan=False, allow_infinity=False, min_value=-(10**9), max_value=10**9, places=4),
    ),
    st.integers(0, 3),
    st.sampled_from(["id", "en"]),
)
def test_fast_grouping_gives_babels_text(value: float | int | Decimal, decimals: int, locale: str) -> None:
    """The shortcut that formats a page's thousands of numbers gives exactly Babel's text (same rounding half up
    from the shortest decimal form, same separators and minus sign), or leaves the value to Babel."""
    import decimal as decimal_module

    from babel.numbers import format_decimal

    from assessment.presentation.numbers import _grouped

    fast = _grouped(value, decimals, locale)
    if fast is None:
        return
    if isinstance(value, int):
        expected = format_decimal(value, format="#,##0", locale=locale)
    else:
        with decimal_module.localcontext() as context:
            context.rounding = decimal_module.ROUND_HALF_UP
            expected = format_decimal(value, format="#,##0" + ("." + "0" * decimals if decimals else ""), locale=locale)
    assert fast == expected


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(
        st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6),
        st.floats(min_value=0, max_value=1),
        st.integers(-(10**6), 10**6),
        st.decimals(allow_nan=False, allow_infinity=False, min_value=-(10**4), max_value=10**4, places=5),
    ),
    st.integers(0, 3),
    st.sampled_from(["id", "en"]),
)
def test_percentages_give_babels_text(value: float | int | Decimal, decimals: int, locale: str) -> None:
    """A percentage (a ranking page's P(top 3) per desa) is written as Babel writes it with the same pattern and
    rounding half up, whether it takes the fast grouping or Babel's own route."""
    import decimal as decimal_module

    from babel.numbers import format_percent

    with decimal_module.localcontext() as context:
        context.rounding = decimal_module.ROUND_HALF_UP
        expected = format_percent(
            value, format="#,##0" + ("." + "0" * decimals if decimals else "") + "%", locale=locale
        )
    assert format_fraction_as_percent(value, decimals, locale) == expected


def test_kept_numbers_keep_the_sign_of_a_zero() -> None:
    """Rule (display rounding), as Babel writes it: the sign is the value's own even when it rounds to zero, and
    formatting a value once (kept for the next page) never changes how an equal value of other sign is written."""
    assert [format_number(value) for value in (0.0, -0.0, 0.0, Decimal("0"), Decimal("-0"), -0.001)] == [
        "0,00",
        "-0,00",
        "0,00",
        "0,00",
        "-0,00",
        "-0,00",
    ]
    assert [format_fraction_as_percent(value) for value in (0.0, -0.0, 0)] == ["0,0%", "-0,0%", "0,0%"]
    assert format_number(1) == "1" and format_number(1.0) == "1,00"
