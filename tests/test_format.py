"""Numbers shown to people: right at every unit boundary, for both signs, never in e+ notation."""

from __future__ import annotations

import math
import re
from decimal import Decimal

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bidfit._format import money, percent, ratio, years

MULTIPLIERS = {"": 1.0, "k": 1e3, "M": 1e6, "B": 1e9, "T": 1e12}
SHOWN = re.compile(r"(?P<number>[-+]?[0-9][0-9,]*(?:\.[0-9]+)?)(?P<unit>[kMBT]?)")


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (0, "EUR 0"),
        (0.4, "EUR 0"),
        (950, "EUR 950"),
        (999.4, "EUR 999"),
        (999.5, "EUR 1k"),  # rounds to 1,000: shown in thousands
        (1_000, "EUR 1k"),
        (1_462, "EUR 1.46k"),
        (9_994, "EUR 9.99k"),
        (9_999.5, "EUR 10k"),
        (10_499, "EUR 10k"),
        (99_999.5, "EUR 100k"),
        (520_000, "EUR 520k"),
        (999_499, "EUR 999k"),
        (999_500, "EUR 1M"),
        (999_999, "EUR 1M"),
        (1_000_000, "EUR 1M"),
        (1_462_300, "EUR 1.46M"),
        (3_690_000, "EUR 3.69M"),
        (99_950_000, "EUR 100M"),
        (999_999_999, "EUR 1B"),
        (2_500_000_000, "EUR 2.5B"),
        (999_499_999_999, "EUR 999B"),
        (999_999_999_999, "EUR 1T"),
        (1e12, "EUR 1T"),
        (1e15, "EUR 1,000T"),
        (3.99e15, "EUR 3,990T"),
        (1e18, "EUR 1,000,000T"),
    ],
)
def test_money_at_every_unit_boundary(value, shown):
    assert money(value, "EUR") == shown
    negative = shown.replace("EUR ", "EUR -") if shown != "EUR 0" else shown
    assert money(-value, "EUR") == negative


@pytest.mark.parametrize(
    ("value", "shown", "signed"),
    [
        (-0.4, "EUR 0", "EUR 0"),
        (-0.0, "EUR 0", "EUR 0"),
        (0.4, "EUR 0", "EUR 0"),
        (0.6, "EUR 1", "EUR +1"),
        (-614_000, "EUR -614k", "EUR -614k"),
        (343_000, "EUR 343k", "EUR +343k"),
        (-999_999, "EUR -1M", "EUR -1M"),
        (999_999, "EUR 1M", "EUR +1M"),
    ],
)
def test_money_signs_and_no_negative_zero(value, shown, signed):
    assert money(value, "EUR") == shown
    assert money(value, "EUR", signed=True) == signed


def test_no_amount_is_not_a_number():
    assert [money(v, "EUR") for v in (None, math.nan, math.inf, -math.inf)] == ["n/a"] * 4
    assert money(1_500, "") == "1.5k"


@pytest.mark.parametrize(
    ("value", "digits", "signed", "shown"),
    [
        (0.08, 0, False, "8%"),
        (-0.0001, 0, False, "0%"),
        (-0.0001, 0, True, "0%"),
        (-0.004, 0, False, "0%"),
        (-0.005001, 0, False, "-1%"),
        (-0.00004, 1, False, "0.0%"),
        (0.0001, 0, True, "0%"),
        (0.25, 0, True, "+25%"),
        (-0.7388, 0, True, "-74%"),
        (0.0325, 1, False, "3.2%"),
        (12.5, 0, False, "1250%"),
        (1e16, 0, False, "1000000000000000000%"),
    ],
)
def test_percent_signs_and_no_negative_zero(value, digits, signed, shown):
    assert percent(value, digits, signed=signed) == shown


def test_ratio_and_years_have_no_negative_zero():
    assert (ratio(1.3052), ratio(-0.001), ratio(-1.5)) == ("1.31x", "0.00x", "-1.50x")
    assert (years(5.25), years(-0.01), years(math.inf)) == ("5.2 years", "0.0 years", "never")


def shown_precision(number: float, unit: str) -> float:
    """Half a unit of the last digit the formatter keeps for a shown number [currency]."""
    size = abs(number)
    if unit == "" or (unit == "k" and size >= 10) or size == 0:
        decimals = 0
    else:
        decimals = max(0, 2 - math.floor(math.log10(size)))
    return 0.5 * 10.0**-decimals * MULTIPLIERS[unit]


@settings(max_examples=1500, deadline=None)
@given(
    st.one_of(
        st.floats(allow_nan=False, allow_infinity=False),
        st.floats(min_value=-1e19, max_value=1e19),
        st.integers(min_value=-(10**19), max_value=10**19).map(float),
    )
)
@example(999.5)
@example(9_999.5)
@example(99_999.5)
@example(999_999.0)
@example(-999_999_999.0)
@example(1e12)
@example(-1e15)
@example(1e18)
@example(-0.4)
def test_money_read_back_is_within_the_precision_shown(value):
    text = money(value, "EUR")
    assert "e+" not in text and "e-" not in text and "-0" not in text
    match = SHOWN.fullmatch(text.removeprefix("EUR "))
    assert match is not None, text
    number = float(match["number"].replace(",", ""))
    read_back = Decimal(match["number"].replace(",", "")) * Decimal(MULTIPLIERS[match["unit"]])
    tolerance = Decimal(shown_precision(number, match["unit"])) * Decimal("1.000000001")
    float_error = abs(Decimal(value)) * Decimal("1e-15")  # a float carries about 16 significant digits
    assert abs(read_back - Decimal(value)) <= tolerance + float_error, (value, text)
    if number != 0:
        assert (number > 0) == (value > 0)


@settings(max_examples=500, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e10, max_value=1e10), st.integers(0, 3))
@example(-0.0001, 0)
def test_percent_read_back_is_within_the_precision_shown(value, digits):
    text = percent(value, digits)
    assert "e+" not in text and not re.match(r"-0(\.0*)?%$", text)
    error = abs(float(text.removesuffix("%")) - value * 100)
    assert error <= 0.5 * 10.0**-digits * (1 + 1e-9) + abs(value) * 1e-12
