"""IRR root finding: the NPV polynomial's root nearest r = 0, for many series at once.

:func:`bidfit.kernel.finance.irr` validates the flows and states the rule
(the root closest to zero) and the algorithm; this module holds the solver:
Descartes' rule of signs to tell series with one root from those that may
have several, safeguarded Newton on single-change series, and a scan of the
NPV on a grid followed by bracketing for the others.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

__all__ = ["irr_rows"]

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


def irr_rows(f: FloatArray, block: int) -> FloatArray:
    """IRR of each row of a finite (m, n+1) array; NaN where there is none.

    Rows go in blocks of ``block`` rows so that the work vectors stay in cache.
    """
    m, k = f.shape
    out = np.full(m, np.nan)
    if k < 2:
        return out
    work = np.empty((k, min(m, block)))  # one buffer for all blocks
    with np.errstate(all="ignore"):
        for first in range(0, m, block):
            out[first : first + block] = _irr_block(f[first : first + block], work)
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
