"""Finance kernel: discount factors, NPV, IRR and payback on arrays of cash flows.

Every function takes arrays and returns arrays; nothing here reads files,
prints or knows about cases and bids. The same call works on one bid's
series or on a million simulated trials.

Conventions
-----------
Sign
    Cash flows are seen from the customer's side [currency]: money the
    customer receives or saves is positive, money it pays is negative.
Timing
    Element ``t`` of a series is year ``t``, ``t = 0..n``. Year 0 is signature
    and installation and is **not** discounted; every later flow falls at the
    end of its year and is discounted by ``(1 + r) ** -t``.
Rates
    A rate is a fraction per year [1/year] (``0.08`` for 8 %), finite and
    greater than -1.
Shapes
    A 1-D series of length ``n + 1`` gives a Python float. A 2-D array of
    shape ``(m, n + 1)`` holds ``m`` series, one per row (rows = series,
    columns = years), and gives an ``(m,)`` array. Where a rate may vary, it is
    a scalar or an ``(m,)`` array, one rate per row.
Missing answers
    "No IRR" and "never pays back" are NaN, never exceptions. Invalid input
    (a rate <= -1, NaN or infinite flows, a wrong shape) raises
    :class:`ValueError` saying what was found and what would be valid.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from bidfit.kernel.irr import irr_rows

__all__ = ["discount_factors", "discounted_payback", "irr", "npv", "payback"]

FloatArray = NDArray[np.float64]

_BLOCK = 8192  # rows per block in irr and payback: vectors of 64 kB stay in cache


# --------------------------------------------------------------------------
# validation helpers
# --------------------------------------------------------------------------


def _as_flows(flows: ArrayLike) -> FloatArray:
    """Flows as a float64 array of shape ``(n+1,)`` or ``(m, n+1)``, n >= 0."""
    f = np.asarray(flows, dtype=np.float64)
    if f.ndim not in (1, 2) or f.shape[-1] == 0:
        raise ValueError(
            "flows must be a 1-D series (year 0..n) or a 2-D array with one series per "
            f"row and at least one year; found an array of shape {f.shape}"
        )
    return f


def _check_finite(f: FloatArray) -> None:
    """Raise ValueError naming the first NaN or infinite flow."""
    bad = ~np.isfinite(f)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        at = f"year {where[-1]}" + (f" of row {where[0]}" if f.ndim == 2 else "")
        raise ValueError(
            f"flows must be finite numbers [currency]; found {f[where]} at {at} "
            f"({int(bad.sum())} non-finite value(s) in all)"
        )


def _broadcast_rate(rate: ArrayLike, flows: FloatArray | None = None) -> FloatArray:
    """Validate a rate and broadcast it against the rows of ``flows``.

    Returns a 0-d array (one rate for all) or an ``(m,)`` array (one per row).
    With ``flows=None`` (discount factors alone) any 1-D length is allowed.
    """
    r = np.asarray(rate, dtype=np.float64)
    if r.ndim > 1 or (
        flows is not None and r.ndim == 1 and (flows.ndim == 1 or r.shape[0] != flows.shape[0])
    ):
        if flows is None:
            valid = "a scalar or a 1-D array"
        elif flows.ndim == 1:
            valid = "a scalar for a single series"
        else:
            valid = f"a scalar or an array of {flows.shape[0]} rates, one per series (row)"
        raise ValueError(f"rate must be {valid}; found an array of shape {r.shape}")
    bad = ~(np.isfinite(r) & (r > -1.0))
    if bad.any():
        i = int(np.flatnonzero(bad)[0]) if r.ndim else None
        found = r[i] if i is not None else r[()]
        at = f" at row {i}" if i is not None else ""
        raise ValueError(
            f"rate must be a finite fraction per year greater than -1 (0.08 for 8 %); found {found}{at}"
        )
    return r


# --------------------------------------------------------------------------
# discounting and NPV
# --------------------------------------------------------------------------


def _factors(r: FloatArray, n_years: int) -> FloatArray:
    t = np.arange(n_years + 1, dtype=np.float64)
    out: FloatArray = (1.0 + r)[..., np.newaxis] ** -t
    return out


def discount_factors(rate: ArrayLike, n_years: int) -> FloatArray:
    """Discount factor of each year 0..n_years.

    Parameters
    ----------
    rate : float or array_like of shape (m,)
        Discount rate [1/year], a fraction (0.08 for 8 %), greater than -1.
    n_years : int
        Last year of the horizon [years], >= 0.

    Returns
    -------
    numpy.ndarray
        Shape ``(n_years + 1,)`` for a scalar rate, ``(m, n_years + 1)`` for
        one rate per row [dimensionless].

    Raises
    ------
    ValueError
        If a rate is <= -1 or not finite, or ``n_years`` is not an integer >= 0.

    Notes
    -----
    .. math:: d_t = (1 + r)^{-t}, \\quad t = 0, \\dots, n

    Year 0 has factor 1 (not discounted). ``discount_factors(rates, n) @ flows``
    gives the NPV of one series at several rates (an NPV profile).

    Examples
    --------
    >>> discount_factors(0.1, 2)
    array([1.        , 0.90909091, 0.82644628])
    >>> discount_factors([0.0, 1.0], 2)
    array([[1.  , 1.  , 1.  ],
           [1.  , 0.5 , 0.25]])
    """
    if isinstance(n_years, bool) or not isinstance(n_years, (int, np.integer)) or n_years < 0:
        raise ValueError(f"n_years must be an integer >= 0 [years]; found {n_years!r}")
    return _factors(_broadcast_rate(rate), int(n_years))


def npv(rate: ArrayLike, flows: ArrayLike) -> float | FloatArray:
    """Net present value of one or many cash-flow series; year 0 undiscounted.

    Parameters
    ----------
    rate : float or array_like of shape (m,)
        Discount (hurdle) rate [1/year], a fraction greater than -1; a scalar
        or one rate per row of ``flows``.
    flows : array_like of shape (n+1,) or (m, n+1)
        Net cash flow of years 0..n [currency], one series per row.

    Returns
    -------
    float or numpy.ndarray of shape (m,)
        NPV [currency], a float for a 1-D series.

    Raises
    ------
    ValueError
        If a rate is <= -1 or not finite, a flow is NaN or infinite, or the
        shapes do not match.

    Notes
    -----
    .. math:: \\mathrm{NPV}(r) = \\sum_{t=0}^{n} \\frac{c_t}{(1 + r)^t}

    Year 0 is not discounted. A spreadsheet's ``NPV(rate, v1, ..., vk)``
    discounts its *first* value by one full year (it treats every value as
    falling at the end of a period), so the two differ by the treatment of
    year 0:

    ``npv(r, [c0, c1, ..., cn]) == c0 + NPV_spreadsheet(r, c1, ..., cn)`` and
    ``NPV_spreadsheet(r, v1, ..., vk) == npv(r, [0, v1, ..., vk])``.

    With a scalar rate a 2-D input is one matrix-vector product
    ``flows @ discount_factors(rate, n)``.

    Examples
    --------
    >>> round(npv(0.1, [-100, 60, 60]), 4)
    4.1322
    >>> npv([0.0, 0.1], [[-100, 60, 60], [-100, 60, 60]]).round(4)
    array([20.    ,  4.1322])
    """
    f = _as_flows(flows)
    r = _broadcast_rate(rate, f)
    factors = _factors(r, f.shape[-1] - 1)
    out = f @ factors if r.ndim == 0 else np.einsum("ij,ij->i", f, factors)
    # Non-finite flows always give a non-finite NPV, so check the (m,) result
    # and only look at the (m, n+1) flows when something is off.
    if not np.isfinite(out).all():
        _check_finite(f)
    return float(out) if f.ndim == 1 else out


def irr(flows: ArrayLike) -> float | FloatArray:
    """Internal rate of return: the rate r > -1 at which the NPV is zero.

    Parameters
    ----------
    flows : array_like of shape (n+1,) or (m, n+1)
        Net cash flow of years 0..n [currency], one series per row.

    Returns
    -------
    float or numpy.ndarray of shape (m,)
        IRR [1/year], a fraction (0.08 for 8 %); NaN where no rate r > -1
        makes the NPV zero (all flows of one sign, all zero, a single year,
        or a series with several sign changes and no real root).

    Raises
    ------
    ValueError
        If a flow is NaN or infinite or the shape is not 1-D or 2-D. A valid
        array never raises: a missing IRR is NaN.

    Notes
    -----
    The IRR solves

    .. math:: \\sum_{t=0}^{n} c_t \\, x^t = 0, \\qquad x = \\frac{1}{1 + r} > 0,

    with year 0 undiscounted, as in :func:`npv`.

    *Several roots.* A polynomial can have several positive roots x, so a
    series can have several IRRs. The rule is: **return the root closest to
    zero** (smallest ``|r|``), the rule numpy-financial's ``irr`` uses
    (numpy-financial 1.0 takes the eigenvalues of the companion matrix that
    are real and positive, ``np.roots``, and returns the one with the
    smallest ``|r|``). Ties: when a root r > 0 and a root r < 0 are equally
    close to zero (equal ``|r|`` to a relative 1e-9, e.g. r = 0.5 and
    r = -0.5), the positive one is returned. A conventional series has one
    root only, so the rule never applies to it. Example: ``[-1, 5, -6]`` has
    ``-1 + 5x - 6x**2 = -(2x - 1)(3x - 1)``, roots x = 1/2 and x = 1/3, i.e.
    r = 1 and r = 2; the IRR is 1.0. Roots where the NPV touches zero
    without crossing it count: ``[9, -24, 16]`` is ``(4x - 3)**2``, IRR 1/3.

    *Algorithm* (vectorised over rows, no Python loop per series). By
    Descartes' rule of signs, a series whose non-zero flows change sign
    exactly once (a conventional project: outflows, then inflows) has
    exactly one root r > -1; none if they never change sign. The single-change
    rows are solved together by safeguarded Newton on
    ``ln(inflows(x) / outflows(x))`` in ``s = ln x``, whose slope lies in
    ``[1, n]``, which gives a bracket from one evaluation. Rows with two or
    more changes are split at r = 0: the roots r > 0 are the positive roots
    y = r of ``sum_t c_t (1 + y)**(n - t)``, the roots -1 < r < 0 the
    positive roots y of ``sum_t c_t (1 + y)**t`` (with ``1 + r = 1 / (1 + y)``),
    and on each side the smallest positive root is isolated exactly by
    Descartes' rule of signs on intervals of y (Vincent-Collins-Akritas
    bisection, batched over rows and intervals; an interval is dropped once a
    root is known to its left). An interval with one root is solved like a
    single-change series and the root polished by Newton steps on the NPV.
    Intervals narrower than 1e-3 (relative) that may still hold two or more
    roots are also examined on the NPV: a sign change inside is refined by
    bisection; otherwise the NPV's turning point there is a root if the NPV
    is zero at it within the rounding error of its evaluation,
    ``4 (n + 1) eps sum_t |c_t| x**t``, which is how a root where the NPV
    touches zero is found (a complex pair within rounding of the real axis
    counts as such a root). Roots closer together than any fixed step are
    separated: ``[-1, 2.2001, -1.21011]`` (r = 0.1 and 0.1001) gives 0.1. An
    IRR is only reported within ``1e-16 < 1 + r < 1e16`` (beyond, float64
    cannot tell ``r`` from -1); a root outside that range gives NaN. NaN
    otherwise means that no real root r > -1 exists (``[1, 0, 1]``). The
    exception: series of about 1,000 years or more with several sign
    changes, whose shifted coefficients overflow float64, are scanned on a
    grid of 2048 points in ``ln(1 + r)`` instead, which can miss roots
    closer together than a grid step or touching zero between grid points.

    Accuracy: a simple root is refined to 1e-12 or better in ``ln(1 + r)``,
    i.e. r to about ``1e-12 * (1 + r)``, typically to rounding: bidfit agrees
    with ``numpy_financial.irr`` to 1e-8 on conventional series (tested) and
    to 1e-10 on mixed series where both find a root (tested; 3e-15 on the
    benchmark's mixed set). At a root of multiplicity m no method does
    better than the width of the region where the NPV is zero within
    rounding: about ``(e / |p^(m)(x) / m!|)**(1/m)`` in ``x = 1 / (1 + r)``,
    with ``e = 4 (n + 1) eps sum_t |c_t| x**t``: about 1e-8 relative for a
    double root (exact when the flows represent it exactly, as
    ``[1, -4, 4]``) and about ``eps**(1/3)``, 1e-5, for a triple root:
    ``[-1, 3.3, -3.63, 1.331]`` (``-(1 - 1.1x)**3`` rounded) gives
    0.0999925 for r = 0.1, numpy-financial 0.0999919. At exact multiple
    roots numpy-financial's eigenvalues are off by about the same amount or
    complex (then it returns another root or NaN): ``[1, -2, 0, 2, -1]``
    (a triple root at r = 0) gives 0 here, 2.6e-6 there.

    Examples
    --------
    >>> round(irr([-100, 110]), 10)
    0.1
    >>> round(irr([-70_000, 12_000, 15_000, 18_000, 21_000, 26_000]), 4)
    0.0866
    >>> irr([[-1, 5, -6], [100, 50, 0]])
    array([ 1., nan])
    >>> round(irr([9, -24, 16]), 12)  # (4x - 3)**2: touches zero at x = 3/4
    0.333333333333
    """
    f = _as_flows(flows)
    _check_finite(f)
    out = irr_rows(np.atleast_2d(f), _BLOCK)
    return float(out[0]) if f.ndim == 1 else out


# --------------------------------------------------------------------------
# payback
# --------------------------------------------------------------------------


def _last_crossing(f: FloatArray) -> FloatArray:
    """Payback [years] of each row of an (m, n+1) array; see :func:`payback`.

    Works on blocks of rows transposed to (n+1, rows), so that every step is
    a contiguous vector operation across series (NumPy's reductions along a
    short last axis are slow).
    """
    m, k = f.shape
    out = np.empty(m)
    for first in range(0, m, _BLOCK):
        block = f[first : first + _BLOCK]
        cumulative = block.T.copy(order="C")
        for t in range(1, k):
            cumulative[t] += cumulative[t - 1]
        negative = cumulative < 0.0
        # The last year with a negative cumulative (-1 if none) is the number
        # of years with a negative cumulative then or later, minus one.
        later = np.zeros(block.shape[0], dtype=bool)
        last = np.full(block.shape[0], -1)
        for t in range(k - 1, -1, -1):
            later |= negative[t]
            last += later
        cols = np.arange(block.shape[0])
        with np.errstate(all="ignore"):  # rows overwritten below may divide by anything
            years = last - cumulative[last, cols] / block[cols, np.minimum(last + 1, k - 1)]
        years[last < 0] = 0.0  # never negative: paid back from year 0
        years[negative[-1]] = np.nan  # still negative at the horizon
        out[first : first + _BLOCK] = years
    return out


def payback(flows: ArrayLike) -> float | FloatArray:
    """Payback period: years until the cumulative cash flow is non-negative for good.

    Parameters
    ----------
    flows : array_like of shape (n+1,) or (m, n+1)
        Net cash flow of years 0..n [currency], one series per row.

    Returns
    -------
    float or numpy.ndarray of shape (m,)
        Payback [years] from year 0, linearly interpolated inside the year of
        the crossing; 0.0 if the cumulative is never negative; NaN if it is
        still negative at the last year (no payback within the horizon).

    Raises
    ------
    ValueError
        If a flow is NaN or infinite or the shape is not 1-D or 2-D.

    Notes
    -----
    With the cumulative :math:`C_t = \\sum_{u \\le t} c_u`, the payback is set by
    the **last** crossing from negative to non-negative: the last year
    ``t - 1`` with :math:`C_{t-1} < 0`, after which :math:`C \\ge 0` up to
    the end of the horizon:

    .. math:: \\text{payback} = (t - 1) + \\frac{-C_{t-1}}{c_t}

    A series that recovers and then dips below zero again (say a costly
    upgrade or re-investment in a later year) has not paid back: the
    customer is out of pocket again. Its payback is the later crossing, after
    which the investment stays recovered.

    Examples
    --------
    >>> payback([-100, 30, 40, 50])  # 2 + 30/50
    2.6
    >>> payback([[-100, 150, -100, 100], [-100, 10, 10, 10]])
    array([2.5, nan])
    """
    f = _as_flows(flows)
    _check_finite(f)
    out = _last_crossing(np.atleast_2d(f))
    return float(out[0]) if f.ndim == 1 else out


def discounted_payback(rate: ArrayLike, flows: ArrayLike) -> float | FloatArray:
    """Discounted payback: :func:`payback` of the discounted cash flows.

    Parameters
    ----------
    rate : float or array_like of shape (m,)
        Discount rate [1/year], a fraction greater than -1; a scalar or one
        rate per row of ``flows``.
    flows : array_like of shape (n+1,) or (m, n+1)
        Net cash flow of years 0..n [currency], one series per row.

    Returns
    -------
    float or numpy.ndarray of shape (m,)
        Discounted payback [years]; 0.0 if the discounted cumulative is never
        negative, NaN if it is still negative at the last year.

    Raises
    ------
    ValueError
        If a rate is <= -1 or not finite, a flow is NaN or infinite, or the
        shapes do not match.

    Notes
    -----
    The payback rule of :func:`payback` applied to
    :math:`c_t (1 + r)^{-t}`: the discounted cumulative turns non-negative
    for good (the last crossing of zero), interpolated linearly in the
    discounted flow of the crossing year.

    Examples
    --------
    >>> round(discounted_payback(0.1, [-100, 55, 60.5, 66.55]), 10)  # 1 + 50/50
    2.0
    >>> round(discounted_payback(0.1, [-100, 165, -121, 133.1]), 10)  # dips again in year 2: 2 + 50/100
    2.5
    """
    f = _as_flows(flows)
    r = _broadcast_rate(rate, f)
    _check_finite(f)
    discounted = np.atleast_2d(f * _factors(r, f.shape[-1] - 1))
    out = _last_crossing(discounted)
    return float(out[0]) if f.ndim == 1 else out
