"""Tests of the IRR solver on series with several, multiple and close roots."""

from __future__ import annotations

import itertools
import math

import numpy as np
import numpy_financial as npf
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from numpy.polynomial import polynomial as P

from bidfit import finance
from bidfit.kernel.irr import irr_rows

# ---------------------------------------------------------------- by hand


@pytest.mark.parametrize(
    ("flows", "expected"),
    [
        # 9 - 24x + 16x**2 = (4x - 3)**2 touches zero at x = 3/4: r = 1/3.
        ([9, -24, 16], 1 / 3),
        ([-9, 24, -16], 1 / 3),
        # 1 - 4x + 4x**2 = (2x - 1)**2: a double root at x = 1/2, r = 1.
        ([1, -4, 4], 1.0),
        # -(1 - 1.1x)(1 - 1.1001x): r = 0.1 and 0.1001, 1e-4 apart -> 0.1.
        ([-1, 2.2001, -1.21011], 0.1),
        # (1 - x)**2 touches zero at r = 0.
        ([1, -2, 1], 0.0),
        # (1 - 2x)**2 (1 - 1.5x) * 2: double root r = 1, simple root r = 0.5 -> 0.5.
        ([2, -11, 20, -12], 0.5),
        # (4x - 5)**2 (4x - 3)**2: double roots r = -0.2 and r = 1/3 -> -0.2.
        ([225, -960, 1504, -1024, 256], -0.2),
    ],
)
def test_touching_double_and_close_roots(flows, expected):
    assert finance.irr(flows) == pytest.approx(expected, abs=1e-12)


def test_triple_root_accuracy():
    # -(1 - 1.1x)**3 has a triple root at r = 0.1; 3.3, 3.63 and 1.331 are not
    # exact in binary, and a coefficient error of eps moves a triple root by
    # about eps**(1/3) = 6e-6 (bidfit: 0.0999925, numpy-financial: 0.0999919).
    rate = finance.irr([-1, 3.3, -3.63, 1.331])
    assert rate == pytest.approx(0.1, abs=2e-5)
    assert rate != pytest.approx(0.1, abs=1e-9)  # the accuracy really is only eps**(1/3)


def test_tie_takes_the_positive_root():
    # Roots x = 1 / 1.5 and x = 1 / 0.5 = 2, i.e. r = 0.5 and r = -0.5: a tie.
    flows = P.polyfromroots([1 / 1.5, 2.0])
    assert finance.irr(flows) == pytest.approx(0.5, abs=1e-12)
    assert finance.irr(-flows) == pytest.approx(0.5, abs=1e-12)


@pytest.mark.parametrize(
    "flows",
    [
        [-100, -50, -10],  # all negative
        [100, 50, 10],  # all positive
        [1, 0, 1],  # 1 + x**2 > 0
        [1, -3, 3],  # 1 - 3x + 3x**2 > 0
        [1, -2, 1.0000001],  # a complex pair close to the double root r = 0
        [-1, 2, -2, 1, -0.5],  # -(1 - x)**2 (0.5 x**2 + 1) - ... no real root
        [0, 0, 0],
    ],
)
def test_nan_without_a_real_root(flows):
    c = np.asarray(flows, dtype=float)
    roots = np.roots(c[::-1]) if c.any() else np.empty(0)
    assert not ((np.abs(roots.imag) < 1e-9) & (roots.real > 0)).any()  # no real x > 0
    assert math.isnan(finance.irr(flows))


def test_blocks_do_not_change_the_result(mixed):
    whole = irr_rows(mixed, 8192)
    np.testing.assert_allclose(irr_rows(mixed, 257, 300), whole, rtol=1e-12, atol=1e-14, equal_nan=True)


# ---------------------------------------------------------------- against numpy-financial


def mixed_flows(rows: int, seed: int, years: int = 10) -> np.ndarray:
    """Series drawn like simulated net flows [currency]: an outflow of 50..150
    in year 0, then normal flows around a per-row mean of 5..35 with sd 10
    (about 35 % of rows change sign several times); 2 % of rows all
    negative, 1 % all positive."""
    rng = np.random.default_rng(seed)
    flows = np.empty((rows, years + 1))
    flows[:, 0] = -rng.uniform(50.0, 150.0, rows)
    mean = rng.uniform(5.0, 35.0, (rows, 1))
    flows[:, 1:] = rng.normal(mean, 10.0, (rows, years))
    kind = rng.random(rows)
    negative, positive = kind < 0.02, (kind >= 0.02) & (kind < 0.03)
    flows[negative] = -np.abs(flows[negative])
    flows[positive] = np.abs(flows[positive])
    return flows


@pytest.fixture(scope="module")
def mixed() -> np.ndarray:
    return mixed_flows(3_000, seed=7)


def test_agrees_with_numpy_financial_on_mixed_series(mixed):
    ours = finance.irr(mixed)
    reference = np.array([npf.irr(row) for row in mixed])
    several = np.array([np.count_nonzero(np.diff(np.sign(row[row != 0])) != 0) >= 2 for row in mixed])
    assert several.mean() > 0.3  # the sample does exercise the several-root path
    both = ~np.isnan(ours) & ~np.isnan(reference)
    np.testing.assert_allclose(ours[both], reference[both], rtol=0, atol=1e-10)
    # numpy-financial keeps only eigenvalues with an imaginary part of exactly
    # 0; where it finds no root, bidfit finds none either on this sample.
    assert not (np.isnan(reference) & ~np.isnan(ours)).any()
    assert not (~np.isnan(reference) & np.isnan(ours)).any()
    assert np.isnan(ours).sum() >= 0.03 * len(mixed)  # the all-negative / all-positive rows


def test_agrees_with_numpy_financial_on_long_random_series():
    # 60 years of flows of random sign: many roots, powers up to x**60 (the
    # single-change solver overflows on some intervals; the NPV takes over).
    flows = np.random.default_rng(5).normal(0.0, 1.0, (300, 61))
    ours = finance.irr(flows)
    reference = np.array([npf.irr(row) for row in flows])
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(reference))
    both = ~np.isnan(ours)
    np.testing.assert_allclose(ours[both], reference[both], rtol=1e-9, atol=1e-10)


def test_very_long_series_with_several_roots():
    # 1,201 years: -1 + 6u - 8u**2 = -(1 - 2u)(1 - 4u) with u = x**600, so
    # 1 + r = 2**(1/600) or 4**(1/600). The shifted coefficients of such a
    # long series overflow float64; the grid scan takes over.
    flows = np.zeros(1201)
    flows[[0, 600, 1200]] = [-1.0, 6.0, -8.0]
    assert finance.irr(flows) == pytest.approx(2.0 ** (1 / 600) - 1.0, rel=1e-10)
    assert finance.irr(np.vstack([flows, [-1.0, 1.1] + [0.0] * 1199])) == pytest.approx(
        [2.0 ** (1 / 600) - 1.0, 0.1], rel=1e-10
    )


# ---------------------------------------------------------------- built from chosen roots

# Roots r > -1 as 1 + r = u in [0.2, 4], i.e. r in [-0.8, 3].
growths = st.floats(0.2, 4.0, allow_nan=False)


@st.composite
def polynomials_from_roots(draw: st.DrawFn) -> tuple[np.ndarray, list[float], int]:
    """NPV coefficients ``k prod_i (1 - u_i x)**m_i`` (times an optional
    factor without real roots), with ``u_i = 1 + r_i``; returns the
    coefficients, the rates ``r_i`` and the multiplicity of the root closest
    to zero."""
    distinct = draw(st.lists(growths, min_size=1, max_size=4))
    distinct.sort()
    # Keep the chosen roots apart, so each is well defined in float64.
    assume(all(b - a > 0.05 for a, b in itertools.pairwise(distinct)))
    multiplicity = [draw(st.integers(1, 2)) for _ in distinct]
    coefs = np.array([draw(st.floats(1.0, 1000.0))])
    for u, mult in zip(distinct, multiplicity, strict=True):
        for _ in range(mult):
            coefs = P.polymul(coefs, [1.0, -u])
    if draw(st.booleans()):  # a complex pair: 1 - 2a x + (a**2 + b**2) x**2
        a, b = draw(st.floats(-2.0, 2.0)), draw(st.floats(0.3, 2.0))
        coefs = P.polymul(coefs, [1.0, -2.0 * a, a * a + b * b])
    rates = [u - 1.0 for u in distinct]
    near = int(np.argmin(np.abs(rates)))
    return coefs, rates, multiplicity[near]


def root_tolerance(coefs: np.ndarray, rate: float, multiplicity: int) -> float:
    """How far [1/year] a computed root of multiplicity 1 or 2 may be from ``rate``.

    Rounding the coefficients by ``eps`` changes the NPV near the root by
    about ``e = n eps sum_t |c_t| x**t``, which moves a simple root by
    ``e / |p'(x)|`` and a double one by ``sqrt(e / |p''(x) / 2|)`` in
    ``x = 1 / (1 + r)``; ``dr = (1 + r)**2 dx``. A factor 100 covers the
    rounding done while building the coefficients.
    """
    x = 1.0 / (1.0 + rate)
    size = len(coefs) * np.finfo(float).eps * P.polyval(x, np.abs(coefs))
    slope = abs(P.polyval(x, P.polyder(coefs, multiplicity))) / math.factorial(multiplicity)
    return 100.0 * (size / slope) ** (1.0 / multiplicity) * (1.0 + rate) ** 2 + 1e-12


@settings(max_examples=400, deadline=None)
@given(polynomials_from_roots())
def test_irr_is_the_chosen_root_closest_to_zero(case):
    """Within :func:`root_tolerance`: about 1e-13 for a simple root here,
    1e-7..1e-5 for a double one."""
    coefs, rates, multiplicity = case
    by_distance = sorted(rates, key=abs)
    tol = root_tolerance(coefs, by_distance[0], multiplicity)
    # No tie: the second closest root is clearly further from zero.
    assume(len(by_distance) == 1 or abs(by_distance[1]) - abs(by_distance[0]) > 10 * tol)
    assert finance.irr(coefs) == pytest.approx(by_distance[0], abs=tol)
    assert finance.irr(-coefs) == pytest.approx(by_distance[0], abs=tol)
