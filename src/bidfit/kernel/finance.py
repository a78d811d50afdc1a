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

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["discount_factors", "discounted_payback", "irr", "npv", "payback"]

FloatArray = NDArray[np.float64]
_Evaluator = Callable[[tuple[FloatArray, ...], FloatArray], tuple[FloatArray, FloatArray]]

# The IRR solver works in s = ln(1 / (1 + r)) = -ln(1 + r), so that
# x = exp(s) = 1 / (1 + r) is the variable of the NPV polynomial
# sum_t flows[t] * x**t. An IRR is reported only for |s| <= _S_MAX, i.e.
# 1e-16 <= 1 + r <= 1e16: below that, float64 rounds r = (1 + r) - 1 to -1.
_S_MAX = 36.8
_GRID = 2048  # grid points per series when several roots are possible
_TOL = 1e-12  # Newton / bisection stops when the step in s is below this
_MAXITER = 100
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


# --------------------------------------------------------------------------
# IRR
# --------------------------------------------------------------------------


def _horner(c: FloatArray, x: FloatArray) -> tuple[FloatArray, FloatArray]:
    """``p(x) = sum_t c[t] x**t`` and ``x p'(x)`` per column, by Horner.

    ``c`` has shape (degree + 1, columns). ``x p'(x)`` is the derivative of p
    in ``s = ln x``, from the derivative recurrence run alongside.
    """
    p = c[-1].copy()
    d = np.zeros_like(p)
    for t in range(c.shape[0] - 2, -1, -1):
        d *= x
        d += p
        p *= x
        p += c[t]
    d *= x
    return p, d


def _solve_increasing(
    evaluate: _Evaluator,
    coefs: tuple[FloatArray, ...],
    lo: FloatArray,
    hi: FloatArray,
    s: FloatArray,
    newton_tol: float = _TOL,
) -> FloatArray:
    """Safeguarded Newton (Numerical Recipes' ``rtsafe``) on every column at once.

    ``evaluate(coefs, s)`` returns ``g(s)`` and ``g'(s)`` per column. Each
    column's root is bracketed, ``g(lo) <= 0 <= g(hi)``; ``s`` starts inside.
    A Newton step is taken when it stays inside the bracket and shrinks fast
    enough, a bisection step otherwise, so every column converges. A column
    is done after a bisection step below ``_TOL`` or a Newton step below
    ``newton_tol`` (a caller that bounds g''/g' can allow a larger one: the
    error after a Newton step of size dx is about ``g''/(2 g') dx**2``).
    Converged columns are dropped from the work arrays once they are three
    quarters of them. Returns the root in ``s``; NaN where ``g`` stopped
    being finite.
    """
    out = np.full(s.shape, np.nan)
    rows = np.arange(s.size)
    live = np.ones(s.size, dtype=bool)
    dx = hi - lo
    dx_old = dx
    g, dg = evaluate(coefs, s)
    for _ in range(_MAXITER):
        finite = np.isfinite(g)
        below = g < 0.0
        lo = np.where(below, s, lo)
        hi = np.where(below, hi, s)
        step = g / dg
        step[g == 0.0] = 0.0  # an exact root: stay there
        newton = s - step
        bisect = ~((newton >= lo) & (newton <= hi)) | (np.abs(step + step) > np.abs(dx_old))
        dx_old = dx
        dx = np.where(bisect, 0.5 * (hi - lo), step)
        s = np.where(bisect, lo + dx, newton)
        size = np.abs(dx)
        done = size <= _TOL
        if newton_tol > _TOL:
            done |= (size <= newton_tol) & ~bisect
        done &= live & finite
        out[rows[done]] = s[done]
        live &= finite & ~done
        n_live = int(np.count_nonzero(live))
        if n_live == 0:
            break
        if n_live <= live.size // 4:
            coefs = tuple(c[:, live] for c in coefs)
            s, lo, hi, dx, dx_old = (a[live] for a in (s, lo, hi, dx, dx_old))
            rows = rows[live]
            live = np.ones(n_live, dtype=bool)
        g, dg = evaluate(coefs, s)
    return out


def _irr_single_change(oriented: FloatArray) -> FloatArray:
    """Root in ``s`` of series whose non-zero flows change sign exactly once.

    ``oriented`` is (n+1, m), one series per column, each multiplied by the
    sign of its last non-zero flow. So oriented, the NPV
    polynomial is ``Late(x) - Early(x)``, both with non-negative coefficients,
    all of ``Late`` at higher powers than those of ``Early``. Newton runs on
    ``h(s) = ln Late(e^s) - ln Early(e^s)``: h' is the difference of the mean
    power of the two groups, so ``1 <= h' <= n`` everywhere, and h'' is a
    difference of two variances of powers, so ``|h''| <= n**2 / 4``. Hence
    the root (unique, by Descartes' rule of signs) lies in
    ``[|h(0)|/n, |h(0)|]`` on the side given by the sign of h(0): a bracket
    from one evaluation; and a Newton step dx leaves an error of at most
    ``n**2 / 8 * dx**2``, which sets when to stop.
    """
    k = oriented.shape[0]
    # Keep only the powers present: Late from its lowest power `a` in any
    # series (factored out as x**a), Early up to its highest power `j`.
    a = int(np.flatnonzero((oriented > 0.0).any(axis=1))[0])
    j = int(np.flatnonzero((oriented < 0.0).any(axis=1))[-1])
    if j < a:  # in every series the outflows come first: no need to split
        late, early = oriented[a:], -oriented[: j + 1]
    else:
        both = np.maximum(oriented, 0.0)
        late, early = both[a:], (both - oriented)[: j + 1]
    # Outflows in year 0 only (the usual project): Early is a constant.
    coefs = (late, np.log(early)) if j == 0 else (late, early)

    def log_ratio(c: tuple[FloatArray, ...], s: FloatArray) -> tuple[FloatArray, FloatArray]:
        x = np.exp(s)
        pl, dl = _horner(c[0], x)
        dl /= pl
        dl += a
        h = np.log(pl, out=pl)
        h += a * s
        if j == 0:
            h -= c[1][0]
            return h, dl
        pe, de = _horner(c[1], x)
        de /= pe
        h -= np.log(pe, out=pe)
        dl -= de
        return h, dl

    n = max(k - 1, 1)
    h0, d0 = log_ratio(coefs, np.zeros(oriented.shape[1]))
    ends = (-h0, -h0 / n)
    pad = 1e-9 * (1.0 + np.abs(h0))
    lo = np.minimum(*ends) - pad
    hi = np.maximum(*ends) + pad
    start = np.clip(-h0 / d0, lo, hi)  # the Newton step from s = 0 lies in the bracket
    return _solve_increasing(log_ratio, coefs, lo, hi, start, np.sqrt(8.0 * 1e-15) / n)


def _root_bounds(f: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Bounds ``[s_lo, s_hi]`` in ``s = ln x`` on the positive roots of each row.

    Fujiwara's bound |x| <= 2 max_t |c_t / c_top|**(1 / (top - t)) on the
    polynomial and on its reverse (for 1/x), with ``top`` / ``bot`` the
    highest / lowest non-zero power of the row.
    """
    m, k = f.shape
    a = np.abs(f)
    t = np.arange(k)
    nz = a > 0
    top = k - 1 - np.argmax(nz[:, ::-1], axis=1)
    bot = np.argmax(nz, axis=1)
    rows = np.arange(m)
    gap_top = top[:, None] - t
    gap_bot = t - bot[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        up = (a / a[rows, top][:, None]) ** (1.0 / np.where(gap_top > 0, gap_top, 1))
        down = (a / a[rows, bot][:, None]) ** (1.0 / np.where(gap_bot > 0, gap_bot, 1))
    s_hi = np.log(2.0 * np.where(gap_top > 0, up, 0.0).max(axis=1))
    s_lo = -np.log(2.0 * np.where(gap_bot > 0, down, 0.0).max(axis=1))
    return np.clip(s_lo - 0.01, -_S_MAX, _S_MAX), np.clip(s_hi + 0.01, -_S_MAX, _S_MAX)


def _irr_bracketing(f: FloatArray) -> FloatArray:
    """IRR of rows that may have several roots: grid scan, then refinement.

    Each row's possible roots are bounded (:func:`_root_bounds`); the NPV is
    evaluated on ``_GRID`` points evenly spaced in ``s = -ln(1 + r)`` over the
    bounds, on a lattice that contains ``s = 0`` (r = 0). Sign changes between
    neighbours (and exact zeros) locate roots. The nearest one on each side
    of r = 0 is refined by safeguarded Newton and the one closest to zero is
    returned.
    """
    m, k = f.shape
    s_lo, s_hi = _root_bounds(f)
    h = np.maximum(s_hi - s_lo, 1e-6) / (_GRID - 2)
    base = np.floor(s_lo / h)  # lattice s_j = (base + j) * h, with s = 0 at j = -base
    j = np.arange(_GRID, dtype=np.float64)
    pos = np.arange(2 * _GRID - 1)  # even 2j: grid point j; odd 2j+1: cell (j, j+1)
    found: dict[str, list[FloatArray]] = {key: [] for key in ("row", "lo", "hi", "plo", "phi")}
    side_best: list[FloatArray] = []
    chunk = max(1, (1 << 18) // _GRID)  # rows at a time: grid arrays of 2 MB
    for start in range(0, m, chunk):
        fc = f[start : start + chunk]
        mc = fc.shape[0]
        grid = (base[start : start + chunk, None] + j) * h[start : start + chunk, None]
        x = np.exp(grid)
        p = np.repeat(fc[:, -1:], _GRID, axis=1)
        for t in range(k - 2, -1, -1):
            p *= x
            p += fc[:, t : t + 1]
        sg = np.sign(p)
        event = np.zeros((mc, 2 * _GRID - 1), dtype=bool)
        event[:, 0::2] = sg == 0.0
        event[:, 1::2] = sg[:, :-1] * sg[:, 1:] < 0.0
        zero_at = -2 * base[start : start + chunk, None]  # position of r = 0
        # A: last event at s <= 0 (r >= 0); B: first event at s >= 0 (r <= 0).
        ev_a = event & (pos <= zero_at)
        ev_b = event & (pos >= zero_at)
        idx_a = 2 * _GRID - 2 - np.argmax(ev_a[:, ::-1], axis=1)
        idx_b = np.argmax(ev_b, axis=1)
        for idx, has in ((idx_a, ev_a.any(axis=1)), (idx_b, ev_b.any(axis=1))):
            r_side = np.full(mc, np.nan)
            rr = np.flatnonzero(has)
            cell = idx[rr]
            at_point = cell % 2 == 0
            pr = rr[at_point]
            r_side[pr] = np.expm1(-grid[pr, cell[at_point] // 2])
            cr, jj = rr[~at_point], cell[~at_point] // 2
            found["row"].append(cr + start)
            found["lo"].append(grid[cr, jj])
            found["hi"].append(grid[cr, jj + 1])
            found["plo"].append(p[cr, jj])
            found["phi"].append(p[cr, jj + 1])
            side_best.append(r_side)
    n_sides = len(side_best) // 2
    r_a = np.concatenate(side_best[0::2]) if n_sides else np.empty(0)
    r_b = np.concatenate(side_best[1::2]) if n_sides else np.empty(0)
    # Refine every bracketed cell in one batch; which side each came from is
    # recovered from the sign of its lower end (no cell straddles s = 0).
    row, lo, hi, plo, phi = (np.concatenate(found[key]) for key in found)
    if row.size:
        sigma = np.sign(phi)  # orient so that g(lo) < 0 < g(hi)
        c = np.ascontiguousarray((f[row] * sigma[:, None]).T)

        def poly(cs: tuple[FloatArray, ...], s: FloatArray) -> tuple[FloatArray, FloatArray]:
            return _horner(cs[0], np.exp(s))

        start_s = lo - plo * (hi - lo) / (phi - plo)  # regula falsi start
        roots = np.expm1(-_solve_increasing(poly, (c,), lo, hi, start_s))
        positive = lo < 0.0  # cells at s <= 0 give r >= 0 (side A)
        r_a[row[positive]] = roots[positive]
        r_b[row[~positive]] = roots[~positive]
    # The root closest to zero; on a tie (equal |r| to 1e-9) the positive one.
    pick_b = np.isnan(r_a) | (np.abs(r_b) < np.abs(r_a) * (1.0 - 1e-9))
    out: FloatArray = np.where(pick_b, r_b, r_a)
    return out


def _irr_rows(f: FloatArray) -> FloatArray:
    """IRR of each row of a finite (m, n+1) array; NaN where there is none.

    Rows go in blocks of ``_BLOCK`` so that the work vectors stay in cache.
    """
    m, k = f.shape
    out = np.full(m, np.nan)
    if k < 2:
        return out
    work = np.empty((k, min(m, _BLOCK)))  # one buffer for all blocks
    with np.errstate(all="ignore"):
        for first in range(0, m, _BLOCK):
            out[first : first + _BLOCK] = _irr_block(f[first : first + _BLOCK], work)
    return out


def _irr_block(f: FloatArray, work: FloatArray) -> FloatArray:
    m, k = f.shape
    out = np.full(m, np.nan)
    ct = work[:, :m]  # the series as columns, overwritten below
    np.copyto(ct, f.T)
    # Count sign changes of the non-zero flows (Descartes' rule of signs).
    changes = np.zeros(m, dtype=np.intp)
    last = np.zeros(m)
    for t in range(k):
        sg = np.sign(ct[t])
        changes += sg * last < 0.0
        np.copyto(last, sg, where=sg != 0.0)
    single = changes == 1
    retry = changes >= 2  # several sign changes: scan and bracket
    if single.any():
        # Orient each series so that its late flows are positive.
        oriented = np.multiply(ct, last, out=ct) if single.all() else ct[:, single] * last[single]
        s = _irr_single_change(oriented)
        retry[single] = np.isnan(s)  # overflow at an extreme rate: scan and bracket
        out[single] = np.expm1(-s)
    if retry.any():
        out[retry] = _irr_bracketing(f[retry])
    # Beyond 1e-16 < 1 + r < 1e16 float64 can no longer tell r from -1: no answer.
    out[~(np.abs(np.log1p(out)) <= _S_MAX)] = np.nan
    return out


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
        or a series with several sign changes and no root).

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
    (numpy-financial 1.0 takes all positive real roots of ``np.roots`` and
    returns the one with the smallest ``|r|``); on a tie (two roots r and -r,
    equal to 1e-9) the positive one. A conventional series has one root
    only, so the rule never applies to it. Example: ``[-1, 5, -6]`` has
    ``-1 + 5x - 6x**2 = -(2x - 1)(3x - 1)``, roots x = 1/2 and x = 1/3, i.e.
    r = 1 and r = 2; the IRR is 1.0.

    *Algorithm* (vectorised over rows, no Python loop per series). By
    Descartes' rule of signs, a series whose non-zero flows change sign
    exactly once (a conventional project: outflows, then inflows) has
    exactly one root r > -1; none if they never change sign. The single-change
    rows are solved together by safeguarded Newton on
    ``ln(inflows(x) / outflows(x))`` in ``s = ln x``, whose slope lies in
    ``[1, n]``, which gives a bracket from one evaluation. Rows with two or
    more changes may have 0, 1 or several roots: the NPV is scanned on a
    grid of 2048 points evenly spaced in ``ln(1 + r)`` over Fujiwara's bound
    on the roots (and containing r = 0); the sign changes nearest to r = 0 on
    either side are refined by safeguarded Newton and the one closest to zero
    is kept. Limits of the scan: two roots closer together than one grid
    step, or a root where the NPV touches zero without crossing it (unless
    it falls on a grid point, as r = 0 does), are not seen. An IRR is only
    reported within ``1e-16 < 1 + r < 1e16`` (beyond, float64 cannot tell
    ``r`` from -1); a root outside that range gives NaN.

    Accuracy: each root is refined to 1e-12 or better in ``ln(1 + r)``, i.e.
    r to about ``1e-12 * (1 + r)``; on conventional series bidfit agrees with
    ``numpy_financial.irr`` to 1e-8 (tested), typically to 1e-14.

    Examples
    --------
    >>> round(irr([-100, 110]), 10)
    0.1
    >>> round(irr([-70_000, 12_000, 15_000, 18_000, 21_000, 26_000]), 4)
    0.0866
    >>> irr([[-1, 5, -6], [100, 50, 0]])
    array([ 1., nan])
    """
    f = _as_flows(flows)
    _check_finite(f)
    out = _irr_rows(np.atleast_2d(f))
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
    :math:`c_t (1 + r)^{-t}`, interpolated linearly in the discounted flow
    of the crossing year.

    Examples
    --------
    >>> round(discounted_payback(0.1, [-100, 55, 60.5, 66.55]), 10)  # 1 + 50/50
    2.0
    """
    f = _as_flows(flows)
    r = _broadcast_rate(rate, f)
    _check_finite(f)
    discounted = np.atleast_2d(f * _factors(r, f.shape[-1] - 1))
    out = _last_crossing(discounted)
    return float(out[0]) if f.ndim == 1 else out
