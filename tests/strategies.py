"""Hypothesis strategies for cash-flow series, shared by bidfit's tests.

Every strategy returns NumPy float64 arrays laid out as the finance kernel
expects them: element ``t`` is year ``t`` (year 0 undiscounted), rows are
series. Amounts are whole cents up to ``MAX_AMOUNT`` [currency] or exactly
zero, so the ratio between two non-zero flows stays within 1e9: wide enough
to reach rates close to -1 or far above 1, narrow enough to stay clear of
float64 overflow. Import them in a test as ``from strategies import ...``
(pytest puts ``tests/`` on the path).
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

__all__ = [
    "MAX_AMOUNT",
    "MAX_YEARS",
    "amounts",
    "any_flows",
    "conventional_flows",
    "flow_matrices",
    "horizons",
    "powers_of_two",
    "rates",
    "signed_amounts",
]

MAX_AMOUNT = 1e7  # [currency]
MAX_YEARS = 30  # [years]


def amounts(max_value: float = MAX_AMOUNT) -> st.SearchStrategy[float]:
    """Positive amounts [currency]: whole cents from 0.01 to ``max_value``."""
    return st.integers(1, round(max_value * 100)).map(lambda cents: cents / 100)


def signed_amounts() -> st.SearchStrategy[float]:
    """Any flow [currency]: zero, small integers, or +/- amounts in cents."""
    return st.one_of(
        st.just(0.0),
        st.integers(-10, 10).map(float),
        amounts(),
        amounts().map(lambda v: -v),
    )


def horizons(min_years: int = 1, max_years: int = MAX_YEARS) -> st.SearchStrategy[int]:
    """Last year of a horizon [years]; a series then has ``n + 1`` flows."""
    return st.integers(min_years, max_years)


def rates(min_value: float = -0.9, max_value: float = 5.0) -> st.SearchStrategy[float]:
    """Discount rates [1/year] as fractions, ``min_value`` > -1."""
    return st.floats(min_value, max_value, allow_nan=False, allow_infinity=False)


def powers_of_two(max_exponent: int = 20) -> st.SearchStrategy[float]:
    """Factors ``2**j``; scaling by them is exact in binary floating point."""
    return st.integers(-max_exponent, max_exponent).map(lambda j: 2.0**j)


@st.composite
def conventional_flows(draw: st.DrawFn, n_years: int | None = None) -> np.ndarray:
    """A conventional project: an outflow in year 0, then inflows.

    Year 0 is negative; years 1..n are >= 0 with at least one > 0. Such a
    series has exactly one IRR (one sign change), and its NPV falls as the
    rate rises.
    """
    n = draw(horizons()) if n_years is None else n_years
    inflows = draw(st.lists(st.one_of(st.just(0.0), amounts()), min_size=n, max_size=n))
    if not any(inflows):
        inflows[draw(st.integers(0, n - 1))] = draw(amounts())
    return np.array([-draw(amounts()), *inflows])


@st.composite
def any_flows(draw: st.DrawFn, n_years: int | None = None) -> np.ndarray:
    """Any series of ``n + 1`` flows: any signs, zeros, several sign changes."""
    n = draw(horizons(min_years=0)) if n_years is None else n_years
    return np.array(draw(st.lists(signed_amounts(), min_size=n + 1, max_size=n + 1)))


@st.composite
def flow_matrices(draw: st.DrawFn, max_rows: int = 12) -> np.ndarray:
    """A 2-D array, one series per row, mixing conventional and any series."""
    n = draw(horizons())
    row = st.one_of(conventional_flows(n_years=n), any_flows(n_years=n))
    return np.vstack(draw(st.lists(row, min_size=1, max_size=max_rows)))
