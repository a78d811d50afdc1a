"""IRR root finding: the NPV polynomial's root nearest r = 0, for many series at once.

:func:`bidfit.kernel.finance.irr` validates the flows and states the rule
(the root closest to zero), the algorithm and its accuracy; this module
holds the solver: Descartes' rule of signs to tell series with one root
from those that may have several; safeguarded Newton on single-change
series; for the others, exact isolation of the root nearest zero on each
side of r = 0 by Descartes' rule on intervals (batched over series and
intervals), then Newton on the NPV, with narrow clusters of roots (multiple
or nearly multiple roots) examined on the NPV itself. Series of about 1,000
years or more, whose shifted coefficients overflow float64, fall back to a
scan of the NPV on a grid.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, NamedTuple

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
_CLUSTER_CHECK = 1e-3  # narrower intervals with 2+ roots are also examined as clusters
_CLUSTER = 1e-5  # relative width below which an interval is only examined as a cluster
_Y_MAX = 1e17  # roots beyond this y are out of the reported range on either side
_MAX_LEVELS = 200  # interval levels in the isolation (at most about 80 are needed)
_NEAR_ZERO = 1e-9  # |R(0)| below this share of max |R_t|: check for a root at lo
_LOCATE = 1e-6  # accuracy in ln y of a root located on a shifted polynomial...
_POLISH_STEP = 1e-4  # ... before Newton steps (below this in s) on the NPV itself
_CHUNK = 8192  # columns at a time in the single-change solver: work vectors stay in cache
_GRID = 2048  # grid points per series in the scan for series too long to isolate
_BISECTIONS = 64  # halvings of a cluster interval: to the last bit of s
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


def _irr_single_change(oriented: FloatArray, accuracy: float = 1e-15) -> FloatArray:
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
    return _solve_increasing(log_ratio, coefs, lo, hi, start, np.sqrt(8.0 * accuracy) / n)


def _taylor_shift(c: FloatArray) -> FloatArray:
    """Coefficients of ``P(1 + y)`` from those of ``P(y)``.

    ``c`` has shape (degree + 1, columns), lowest power first; coefficient j
    of the result is ``sum_t C(t, j) c[t]``, one product with the matrix of
    binomial coefficients.
    """
    out: FloatArray = _binomials(c.shape[0]) @ c
    return out


@functools.cache
def _binomials(k: int) -> FloatArray:
    """The (k, k) matrix ``B[j, t] = C(t, j)``, as floats (Pascal's rule)."""
    b = np.zeros((k, k))
    b[0, 0] = 1.0
    with np.errstate(over="ignore"):
        for t in range(1, k):
            b[0, t] = 1.0
            b[1 : t + 1, t] = b[:t, t - 1] + b[1 : t + 1, t - 1]
    return b


def _sign_changes(c: FloatArray) -> NDArray[np.intp]:
    """Sign changes of the non-zero coefficients of each column of ``c``."""
    sg = np.sign(c)
    if sg.all():  # no zero coefficient: compare neighbours
        out: NDArray[np.intp] = np.count_nonzero(sg[1:] != sg[:-1], axis=0)
        return out
    changes = np.zeros(c.shape[1], dtype=np.intp)
    last = np.zeros(c.shape[1])
    for row in sg:
        changes += row * last < 0.0
        np.copyto(last, row, where=row != 0.0)
    return changes


def _smallest_positive_root(c: FloatArray) -> FloatArray:
    """Root in ``(0, inf)`` of polynomials whose coefficients change sign once.

    ``c`` is (degree + 1, columns), lowest power first, each column with one
    sign change. The root is located to about ``_LOCATE`` in its logarithm
    (the caller polishes it); NaN where the solver failed (overflow at an
    extreme root).
    """
    out: FloatArray = np.empty(c.shape[1])
    for first in range(0, c.shape[1], _CHUNK):
        part = c[:, first : first + _CHUNK]
        oriented = part * np.sign(part[_last_nonzero(part), np.arange(part.shape[1])])
        out[first : first + _CHUNK] = np.exp(_irr_single_change(oriented, _LOCATE))
    return out


def _last_nonzero(c: FloatArray) -> NDArray[np.intp]:
    return c.shape[0] - 1 - np.argmax(c[::-1] != 0.0, axis=0)


def _normalise(c: FloatArray) -> None:
    """Divide each column by a power of two near its largest magnitude (exact)."""
    _, exponent = np.frexp(np.abs(c).max(axis=0))
    c *= np.ldexp(1.0, -exponent)


class _Found(NamedTuple):
    """Roots located by :func:`_isolate`, per kind, as parallel arrays."""

    point_col: NDArray[np.intp]  # a root exactly at y = point_y
    point_y: FloatArray
    one_col: NDArray[np.intp]  # one root in (lo, lo + width) or (lo, inf) ...
    one_lo: FloatArray
    one_width: FloatArray
    one_unbounded: NDArray[np.bool_]
    one_poly: FloatArray  # ... whose polynomial in v > 0 has one sign change
    cluster_col: NDArray[np.intp]  # two or more roots, or a complex pair, may lie
    cluster_lo: FloatArray  # in the narrow (lo, lo + width)
    cluster_width: FloatArray


def _isolate(
    p: FloatArray,
    col: NDArray[np.intp],
    is_root: Callable[[NDArray[np.intp], FloatArray], NDArray[np.bool_]],
) -> _Found:
    """Isolate the smallest positive root of each column of ``p``.

    ``p`` is (degree + 1, columns), lowest power first, and ``col`` names
    its columns (the column numbers returned). Intervals of ``y`` are
    examined level by level (Vincent-Collins-Akritas): for an interval
    ``(lo, lo + w)`` the polynomial ``R(v) = P(lo + w v)`` is kept, and
    Descartes' rule of signs applied to ``T(v) = (1 + v)**d R(1 / (1 + v))``
    bounds the number of roots inside: 0 drops the interval, 1 isolates a
    root (the root ``v > 0`` of ``T`` gives ``y = lo + w / (1 + v)``), more
    splits it in two halves. The unbounded interval ``(lo, inf)`` is tested
    on ``R`` itself (``y = lo + w v``) and split at ``lo + w``, ``w``
    doubling at each step. An interval is dropped once a root of the same
    column is known to lie to its left. Intervals narrower than
    ``_CLUSTER_CHECK * (1 + lo)`` that may hold two or more roots are also
    returned as clusters, to be examined on the NPV itself, and no longer
    split below ``_CLUSTER * (1 + lo)``. A root at an interval's left end is
    recorded when ``R(0)`` is exactly 0 or, when it is within rounding of 0,
    if ``is_root(column, lo)`` confirms it on the NPV (so that a root on the
    border of two intervals is not lost to rounding on both sides).
    """
    k, m = p.shape
    lo = np.zeros(m)
    width = np.ones(m)
    unbounded = np.ones(m, dtype=bool)
    r = p.copy()
    best = np.full(int(col.max(initial=-1)) + 1, np.inf)  # per column: a root lies below this y
    found: list[list[NDArray[Any]]] = [[] for _ in _Found._fields]
    scale_half = np.ldexp(1.0, -np.arange(k))[:, None]
    scale_double = np.ldexp(1.0, np.arange(k))[:, None]

    for _ in range(_MAX_LEVELS):
        keep = lo < best[col]
        if not keep.all():
            r, col, lo, width, unbounded = r[:, keep], col[keep], lo[keep], width[keep], unbounded[keep]
        if col.size == 0:
            break
        _normalise(r)  # largest |coefficient| of each column now in [0.5, 1)
        bounded = ~unbounded
        test = r
        if bounded.any():
            test = r.copy()
            test[:, bounded] = _taylor_shift(test[::-1, bounded])
        changes = _sign_changes(test)
        exact = r[0] == 0.0
        maybe = ~exact & (np.abs(r[0]) <= _NEAR_ZERO)
        if maybe.any():
            exact[maybe] = is_root(col[maybe], lo[maybe])
        if exact.any():
            changes[exact] = 0
            found[0].append(col[exact])
            found[1].append(lo[exact])
            np.minimum.at(best, col[exact], lo[exact])
        one = changes == 1
        if one.any():
            for store, values in zip(
                found[2:7], (col[one], lo[one], width[one], unbounded[one], test[:, one]), strict=True
            ):
                store.append(values)
            np.minimum.at(best, col[one], np.where(unbounded[one], np.inf, lo[one] + width[one]))
        several = changes >= 2
        narrow = several & bounded & (width <= _CLUSTER_CHECK * (1.0 + lo))
        if narrow.any():
            for store, values in zip(found[7:], (col[narrow], lo[narrow], width[narrow]), strict=True):
                store.append(values)
        split = several & ~(narrow & (width <= _CLUSTER * (1.0 + lo))) & (lo < best[col]) & (lo < _Y_MAX)
        if not split.any():
            break
        # Children: bounded halves (lo, w/2), (lo + w/2, w/2) of a bounded
        # interval; (lo, w) and (lo + w, inf) with step 2w of an unbounded one.
        rs, los, ws, us = r[:, split], lo[split], width[split], unbounded[split]
        left = np.where(us, rs, rs * scale_half)
        right = _taylor_shift(left)
        right[:, us] *= scale_double
        r = np.concatenate((left, right), axis=1)
        col = np.concatenate((col[split], col[split]))
        lo = np.concatenate((los, los + np.where(us, ws, 0.5 * ws)))
        width = np.concatenate((np.where(us, ws, 0.5 * ws), np.where(us, 2.0 * ws, 0.5 * ws)))
        unbounded = np.concatenate((np.zeros(us.size, dtype=bool), us))
    i, x, b = np.empty(0, dtype=np.intp), np.empty(0), np.empty(0, dtype=bool)
    empty = (i, x, i, x, x, b, np.empty((k, 0)), i, x, x)
    return _Found(*(np.concatenate(st, axis=-1) if st else e for st, e in zip(found, empty, strict=True)))


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
    """IRR of rows too long for :func:`_irr_several`: grid scan, then refinement.

    Only for series whose shifted coefficients overflow float64 (about 1,000
    years or more, where the binomial coefficients alone pass 1e300); it
    misses roots closer together than a grid step and roots where the NPV
    touches zero between grid points.

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


def irr_rows(f: FloatArray, block: int, several_block: int | None = None) -> FloatArray:
    """IRR of each row of a finite (m, n+1) array; NaN where there is none.

    Rows go in blocks of ``block`` rows so that the work vectors stay in
    cache; rows with several sign changes are gathered and solved
    ``several_block`` at a time (default ``4 * block``), fewer, larger
    batches for the level-by-level isolation. Memory stays proportional to
    the block sizes, not to ``m``.
    """
    m, k = f.shape
    out = np.full(m, np.nan)
    if k < 2:
        return out
    gather = 4 * block if several_block is None else several_block
    work = np.empty((k, min(m, block)))  # one buffer for all blocks
    pending: list[NDArray[np.intp]] = []
    n_pending = 0
    with np.errstate(all="ignore"):
        for first in range(0, m, block):
            retry = _irr_block(f[first : first + block], work, out[first : first + block])
            if retry.size:
                pending.append(retry + first)
                n_pending += retry.size
            if n_pending >= gather or (first + block >= m and n_pending):
                rows = np.concatenate(pending)
                out[rows] = _irr_several(f[rows])
                pending, n_pending = [], 0
        # Beyond 1e-16 < 1 + r < 1e16 float64 can no longer tell r from -1: no answer.
        out[~(np.abs(np.log1p(out)) <= _S_MAX)] = np.nan
    return out


def _irr_several(f: FloatArray) -> FloatArray:
    """IRR of rows whose flows may have several roots: exact isolation, then refinement.

    The roots r > 0 are the positive roots y = r of ``A(y) = sum_t f_t (1 + y)**(n - t)``
    (the NPV times ``(1 + r)**n``); the roots -1 < r < 0 are the positive
    roots y of ``B(y) = sum_t f_t (1 + y)**t`` (the NPV at ``1 + r = 1 / (1 + y)``),
    |r| = y / (1 + y) rising with y. On each side the smallest positive root
    is isolated by :func:`_isolate`, located on the single-change polynomial
    of its interval and polished by Newton steps on the NPV; clusters
    (multiple or nearly multiple roots) are examined on the NPV itself by
    :func:`_resolve_clusters`. The side whose root is closer to zero wins;
    on a tie (equal |r| to 1e-9) the positive root.
    """
    m, k = f.shape
    ct = f.T.copy()
    _normalise(ct)  # exact, and keeps the shifted coefficients of short series finite
    both = np.concatenate((_taylor_shift(ct[::-1]), _taylor_shift(ct)), axis=1)
    finite = np.asarray(np.isfinite(both).all(axis=0))
    if not finite.all():  # a very long series: the shift overflows
        too_long = ~(finite[:m] & finite[m:])
        split = np.full(m, np.nan)
        split[too_long] = _irr_bracketing(f[too_long])
        if not too_long.all():
            split[~too_long] = _irr_several(f[~too_long])
        return split
    eps4k = 4.0 * k * np.finfo(float).eps

    def is_root(col: NDArray[np.intp], y: FloatArray) -> NDArray[np.bool_]:
        """Whether the NPV is zero within its rounding error at y of column col."""
        rows = ct[:, col % m]
        x = np.where(col < m, 1.0 / (1.0 + y), 1.0 + y)
        p = _horner(rows, x)[0]
        return np.abs(p) <= eps4k * _horner(np.abs(rows), x)[0]

    # r = 0 (y = 0 on both sides), exactly or within rounding: nothing is closer.
    at_zero = both[0, :m] == 0.0
    maybe = ~at_zero & (np.abs(both[0, :m]) <= _NEAR_ZERO * np.abs(ct).sum(axis=0))
    if maybe.any():
        at_zero[maybe] = is_root(np.flatnonzero(maybe), np.zeros(int(maybe.sum())))
    # Descartes' rule on (0, inf): one sign change, one root; several, isolate.
    changes = _sign_changes(both)
    changes[np.concatenate((at_zero, at_zero))] = 0
    one = np.flatnonzero(changes == 1)
    several = np.flatnonzero(changes >= 2)
    found = _isolate(both[:, several], several, is_root)
    # Isolated roots: located on their single-change polynomial, polished on the NPV.
    one_col = np.concatenate((one, found.one_col))
    unbounded = np.concatenate((np.ones(one.size, dtype=bool), found.one_unbounded))
    v = _smallest_positive_root(np.concatenate((both[:, one], found.one_poly), axis=1))
    one_lo = np.concatenate((np.zeros(one.size), found.one_lo))
    one_width = np.concatenate((np.ones(one.size), found.one_width))
    y = one_lo + one_width * np.where(unbounded, v, 1.0 / (1.0 + v))
    s_one = _polish(ct[:, one_col % m], _side_sign(one_col, m) * np.log1p(y))
    # Clusters, and isolated roots the single-change solver lost to overflow
    # (a high degree), are examined on the NPV.
    lost = np.isnan(y)
    c_col = np.concatenate((found.cluster_col, one_col[lost]))
    c_lo = np.concatenate((found.cluster_lo, one_lo[lost]))
    c_hi = c_lo + np.concatenate((found.cluster_width, np.where(unbounded[lost], _Y_MAX, one_width[lost])))
    ends = _side_sign(c_col, m) * np.log1p(np.stack((c_lo, c_hi)))
    s_cluster = _resolve_clusters(ct[:, c_col % m], ends[0], ends[1])
    col = np.concatenate((found.point_col, one_col, c_col))
    s = np.concatenate((_side_sign(found.point_col, m) * np.log1p(found.point_y), s_one, s_cluster))
    # Per column, the valid candidate of smallest y, i.e. smallest |s|.
    key = np.abs(s)
    key[np.isnan(key)] = np.inf
    best = np.full(2 * m, np.inf)
    np.minimum.at(best, col, key)
    pick = (key == best[col]) & np.isfinite(key)
    r_side = np.full(2 * m, np.nan)
    r_side[col[pick]] = np.expm1(-s[pick])
    r_a, r_b = r_side[:m], r_side[m:]
    pick_b = np.isnan(r_a) | (np.abs(r_b) < np.abs(r_a) * (1.0 - 1e-9))
    out: FloatArray = np.where(pick_b, r_b, r_a)
    out[at_zero] = 0.0
    return out


def _side_sign(col: NDArray[np.intp], m: int) -> FloatArray:
    """``s = sign * ln(1 + y)``: -1 for the roots r = y > 0 (columns < m), +1
    for the roots 1 + r = 1 / (1 + y) < 1."""
    out: FloatArray = np.where(col < m, -1.0, 1.0)
    return out


def _polish(c: FloatArray, s: FloatArray) -> FloatArray:
    """Two Newton steps in ``s`` on the NPV polynomial (columns of ``c``) from ``s``.

    The first step is kept only if it is below ``_POLISH_STEP`` and the NPV
    is no larger after it; the second only if it is also below a tenth of
    the first (Newton converging fast, as it does at a simple root), so that
    near a multiple root, where a step is mostly rounding noise, the estimate
    is never thrown off.
    """
    p0, d0 = _horner(c, np.exp(s))
    step = p0 / d0
    ok = np.abs(step) <= _POLISH_STEP
    s1 = np.where(ok, s - np.where(ok, step, 0.0), s)
    p1, d1 = _horner(c, np.exp(s1))
    better = np.abs(p1) <= np.abs(p0)
    step2 = p1 / d1
    again = ok & better & (np.abs(step2) <= 0.1 * np.abs(step))
    out: FloatArray = np.where(better, s1, s)
    out[again] -= step2[again]
    return out


def _resolve_clusters(c: FloatArray, near: FloatArray, far: FloatArray) -> FloatArray:
    """Root in ``s`` nearest to ``near`` of the NPV in narrow intervals that
    may hold two or more roots (or a complex pair close to the real axis).

    The NPV's turning point ``s_c`` inside (a root of its derivative) is
    found by bisection. If the NPV changes sign between ``near`` and ``s_c``
    or between ``s_c`` and ``far``, the crossing nearest to ``near`` is
    refined by bisection (an odd number of roots, or two real roots on
    either side of the turning point). Otherwise the interval holds a root only if the
    NPV at ``s_c`` is zero within the rounding error of its evaluation,
    ``4 (n + 1) eps sum_t |c_t| x**t``: a root where the NPV touches zero
    without crossing, returned as ``s_c``. NaN where there is no root.
    """
    k = c.shape[0]
    if near.size == 0:
        return np.empty(0)
    absc = np.abs(c)

    def value(s: FloatArray) -> FloatArray:
        return _horner(c, np.exp(s))[0]

    def slope(s: FloatArray) -> FloatArray:
        return _horner(c, np.exp(s))[1]

    s_c = _bisect(slope, near, far)
    g_near, g_c, g_far = value(near), value(s_c), value(far)
    bound = 4.0 * k * np.finfo(float).eps * _horner(absc, np.exp(s_c))[0]
    out = np.full(near.shape, np.nan)
    first = (np.sign(g_near) * np.sign(g_c) < 0.0) | (g_near == 0.0)
    second = ~first & (g_c != 0.0) & (np.sign(g_c) * np.sign(g_far) <= 0.0)
    lo = np.where(first, near, s_c)
    hi = np.where(first, s_c, far)
    crossing = first | second
    if crossing.any():
        out[crossing] = _bisect(value, lo, hi)[crossing]
    touch = ~crossing & (np.abs(g_c) <= bound)
    out[touch] = s_c[touch]
    return out


def _bisect(g: Callable[[FloatArray], FloatArray], a: FloatArray, b: FloatArray) -> FloatArray:
    """Bisection for a sign change of ``g`` between ``a`` and ``b``, per column
    (to the last bit); where ``g`` has the same sign at both ends, the end
    where ``|g|`` is smaller."""
    a, b = a.copy(), b.copy()
    ga, gb = g(a), g(b)
    same = np.sign(ga) * np.sign(gb) > 0.0
    fallback = np.where(np.abs(ga) <= np.abs(gb), a, b)
    for _ in range(_BISECTIONS):
        mid = 0.5 * (a + b)
        gm = g(mid)
        left = np.sign(gm) * np.sign(ga) <= 0.0
        b = np.where(left, mid, b)
        a, ga = np.where(left, a, mid), np.where(left, ga, gm)
    out: FloatArray = np.where(same, fallback, 0.5 * (a + b))
    return out


def _irr_block(f: FloatArray, work: FloatArray, out: FloatArray) -> NDArray[np.intp]:
    """IRR into ``out`` of the rows of ``f`` whose flows change sign once;
    returns the indices of the rows left to :func:`_irr_several`."""
    m, k = f.shape
    ct = work[:, :m]  # the series as columns, overwritten below
    np.copyto(ct, f.T)
    # Count sign changes of the non-zero flows (Descartes' rule of signs),
    # and the sign of the last non-zero flow of each series.
    changes = _sign_changes(ct)
    sg = np.sign(ct)
    last = sg[-1] if sg.all() else sg[k - 1 - np.argmax(sg[::-1] != 0.0, axis=0), np.arange(m)]
    single = changes == 1
    retry = changes >= 2  # several sign changes: isolate the roots
    if single.any():
        # Orient each series so that its late flows are positive.
        oriented = np.multiply(ct, last, out=ct) if single.all() else ct[:, single] * last[single]
        s = _irr_single_change(oriented)
        retry[single] = np.isnan(s)  # overflow at an extreme rate: isolate
        out[single] = np.expm1(-s)
    return np.flatnonzero(retry)
