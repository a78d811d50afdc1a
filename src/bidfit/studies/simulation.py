"""Monte Carlo simulation: how sure is it that the customer is better off?

:func:`simulate` draws every input that has an :class:`~bidfit.model.case.Uncertainty`
from its distribution, many times over, and computes each bid's NPV and payback
for every draw (a *trial*). The result says how often the customer is worse off
(NPV < 0), with the standard error of that estimate, and what range of NPV and
payback to expect.

The cash flows of all trials are built by the same line builder as the
deterministic analysis (:func:`bidfit.build.cashflows.bid_net_flows`, then the
finance kernel), with a leading trials axis: there is no Python loop per trial. Memory stays
bounded whatever the number of trials, of uncertain inputs, of line items
and of years: the inputs of at most :data:`DRAW_BYTES` worth of trials are
held at once, the cash flows are built a *step* of trials at a time, the
step chosen from the numbers of bids, lines and years so that its work
arrays stay within :data:`WORK_BYTES`, and the lines are added one by one
(no array of every trial x line x year is ever formed). The percentiles are
picked without sorting a copy of the trials.

Sampling
--------
``triangular(low, mode, high)``
    numpy's triangular sampler.
``pert(low, mode, high)``
    ``low + (high - low) * Beta(a, b)`` with ``a = 1 + 4 (mode - low) / (high - low)``,
    ``b = 1 + 4 (high - mode) / (high - low)`` (the classic PERT, lambda = 4,
    mean ``(low + 4 mode + high) / 6``).
``uniform(low, high)``
    Uniform on ``[low, high)``.
``normal(mean, sd)``
    Normal, truncated to the field's valid range (:data:`~bidfit.model.case.FIELD_BOUNDS`:
    a capture stays within 0..1, an amount is never negative, a rate stays
    above -100 %) by rejection: draws outside are discarded and replaced, so
    the values follow the normal density restricted to the range.
``lognormal(mean, sd)``
    ``mean`` and ``sd`` are those of the value itself (not of its logarithm):
    ``sigma**2 = ln(1 + sd**2 / mean**2)``, ``mu = ln(mean) - sigma**2 / 2``;
    truncated like the normal where the field has an upper bound.

A distribution of zero width (``low == high``, ``sd == 0``) gives its value
exactly, so such a simulation reproduces :func:`bidfit.analyze`.

Rank correlation
----------------
Pairs of inputs given ``correlated_with`` and ``correlation`` (a Spearman rank
correlation) are correlated through a Gaussian copula applied by rank
reordering (the Iman-Conover idea): each input is first sampled on its own;
then, per block of trials, a matrix of correlated standard-normal scores is
drawn with Pearson correlation ``2 sin(pi rho_s / 6)`` (the normal correlation
whose Spearman correlation is ``rho_s``), and each input's values are
reordered to follow the ranks of its score column. Marginal distributions are
exactly as specified; the rank correlation is the requested one up to the
sampling error of a block (about ``1 / sqrt(BLOCK_TRIALS)``). The requested
correlations must be consistent (their matrix positive semi-definite);
otherwise :class:`~bidfit.errors.InputError` names them.

Reproducibility
---------------
Trials are drawn in fixed blocks of :data:`BLOCK_TRIALS`; block ``b`` uses its
own stream, ``numpy.random.SeedSequence(seed, spawn_key=(b,))`` (the ``b``-th
child of ``SeedSequence(seed)``) with the PCG64 generator, and the
correlation reordering is done within the block. Chunks are whole numbers of
blocks, and the steps in which cash flows are built are fixed slices of the
blocks that depend on the case alone. So the result depends only on ``seed``
(and the numpy version): **not on ``chunk_size``**, and the first ``n``
trials of a longer run equal a run of ``n`` trials. ``seed=None`` draws fresh
entropy, recorded as :attr:`Simulation.seed` so that the run can be repeated.
"""

from __future__ import annotations

import math
import os
import statistics
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from bidfit.assess.rules import loss_probability_flag
from bidfit.build.cashflows import bid_net_flows
from bidfit.errors import InputError, Problem
from bidfit.flags import Flag
from bidfit.kernel import finance
from bidfit.model.case import FIELD_BOUNDS, Case, Uncertainty, reference_problems, resolve_target
from bidfit.results.analysis import Verdict, verdict_of
from bidfit.results.base import Blocks, Result

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

__all__ = [
    "BLOCK_TRIALS",
    "DRAW_BYTES",
    "WORK_BYTES",
    "SimulatedBid",
    "Simulation",
    "draw",
    "net_flows",
    "npv_at",
    "sample_inputs",
    "simulate",
]

FloatArray = npt.NDArray[np.float64]
Key = tuple[str, int, int, str]
"""An input as :func:`bidfit.model.case.resolve_target` returns it: kind, index, item, field."""

BLOCK_TRIALS = 8192
"""Trials drawn from one random stream; chunks are whole numbers of blocks [trials]."""

MIN_INSIDE_SHARE = 1e-3
"""A normal or lognormal must put at least this share of its probability inside
the field's valid range; otherwise truncation would distort it beyond recognition."""

DRAW_BYTES = 32 << 20
"""Most bytes of drawn inputs held at once (inputs x trials, and a block's share while it is drawn)."""

WORK_BYTES = 32 << 20
"""Most bytes of work arrays while one step of trials has its cash flows built (an estimate)."""

_MAX_AUTO_CHUNK = 8 * BLOCK_TRIALS
_LINE_TEMPORARIES = 8  # (trials x years) arrays alive while one line is built and added
_PARAMETERS = 8  # (trials x lines) parameters: amount, capture, margin, percent, amounts, ...
DISCOUNT_RATE: Key = ("discount_rate", -1, -1, "discount_rate")


# --------------------------------------------------------------------------
# sampling
# --------------------------------------------------------------------------


def _bounds(field_name: str) -> tuple[float, float, bool]:
    lowest, highest, open_low = FIELD_BOUNDS[field_name]
    return lowest, math.inf if highest is None else highest, open_low


def _inside(values: FloatArray, field_name: str) -> npt.NDArray[np.bool_]:
    lowest, highest, open_low = _bounds(field_name)
    above = values > lowest if open_low else values >= lowest
    return above & (values <= highest)


def _lognormal_parameters(mean: float, sd: float) -> tuple[float, float]:
    """``(mu, sigma)`` of the logarithm of a lognormal value with this mean and sd."""
    sigma2 = math.log1p((sd / mean) ** 2)
    return math.log(mean) - sigma2 / 2, math.sqrt(sigma2)


def inside_share(entry: Uncertainty, field_name: str) -> float:
    """Probability that ``entry``'s untruncated distribution falls in the field's range.

    1 for triangular, PERT and uniform (validation keeps their parameters in
    range); computed for normal and lognormal [fraction].

    Examples
    --------
    >>> u = Uncertainty(target="revenue.S.capture", distribution="normal", mean=1.0, sd=0.1)
    >>> round(inside_share(u, "capture"), 4)
    0.5
    """
    lowest, highest, _ = _bounds(field_name)
    mean, sd = float(entry.mean or 0.0), float(entry.sd or 0.0)
    if entry.distribution == "normal":
        if sd == 0:
            return 1.0 if bool(_inside(np.array([mean]), field_name)[0]) else 0.0
        dist = statistics.NormalDist(mean, sd)
        return dist.cdf(highest) - dist.cdf(lowest) if math.isfinite(highest) else 1 - dist.cdf(lowest)
    if entry.distribution == "lognormal":
        if sd == 0:
            return 1.0 if mean <= highest else 0.0
        if not math.isfinite(highest) or highest <= 0:
            return 1.0 if highest > 0 else 0.0
        mu, sigma = _lognormal_parameters(mean, sd)
        return statistics.NormalDist(mu, sigma).cdf(math.log(highest))
    return 1.0


def _raw(entry: Uncertainty, rng: np.random.Generator, size: int) -> FloatArray:
    """``size`` draws of ``entry``'s distribution, before truncation."""
    p = entry.parameters()
    kind = entry.distribution
    if kind in ("triangular", "pert"):
        low, mode, high = p["low"], p["mode"], p["high"]
        if high == low:
            return np.full(size, low)
        if kind == "triangular":
            return rng.triangular(low, mode, high, size)
        width = high - low
        a = 1.0 + 4.0 * (mode - low) / width
        b = 1.0 + 4.0 * (high - mode) / width
        return low + width * rng.beta(a, b, size)
    if kind == "uniform":
        return rng.uniform(p["low"], p["high"], size)
    if kind == "normal":
        return rng.normal(p["mean"], p["sd"], size)
    # lognormal
    if p["sd"] == 0:
        return np.full(size, p["mean"])
    mu, sigma = _lognormal_parameters(p["mean"], p["sd"])
    return rng.lognormal(mu, sigma, size)


def draw(
    entry: Uncertainty, rng: np.random.Generator, size: int, field_name: str | None = None
) -> FloatArray:
    """Draw ``size`` values of one uncertain input, kept inside the field's valid range.

    Parameters
    ----------
    entry : Uncertainty
        The distribution and its parameters, in the field's unit.
    rng : numpy.random.Generator
        The random stream to draw from.
    size : int
        Number of values [trials].
    field_name : str, optional
        The target field (``capture``, ``amount``, ...), whose range from
        :data:`~bidfit.model.case.FIELD_BOUNDS` truncates the draws; default the
        last part of ``entry.target``.

    Returns
    -------
    ndarray of shape (size,)
        The values [field unit].

    Raises
    ------
    InputError
        If less than :data:`MIN_INSIDE_SHARE` of the distribution lies in the
        valid range.

    Notes
    -----
    Truncation is by rejection: values outside the range are discarded and
    more are drawn (about ``missing / inside_share`` at a time) until ``size``
    are inside, so the result follows the distribution restricted to the range.

    Examples
    --------
    >>> u = Uncertainty(target="revenue.S.capture", distribution="normal", mean=0.95, sd=0.1)
    >>> x = draw(u, np.random.default_rng(1), 10_000)
    >>> bool(x.max() <= 1.0), bool(x.min() >= 0.0)
    (True, True)
    """
    name = field_name or entry.target.rpartition(".")[2]
    share = inside_share(entry, name)
    if share < MIN_INSIDE_SHARE:
        raise InputError([_truncation_problem(entry, name, share)])
    values = _raw(entry, rng, size)
    if entry.distribution not in ("normal", "lognormal"):
        return values
    keep = _inside(values, name)
    if keep.all():
        return values
    out = np.empty(size)
    filled = int(keep.sum())
    out[:filled] = values[keep]
    while filled < size:
        need = size - filled
        more = _raw(entry, rng, min(int(need / share * 1.2) + 16, 64 * size))
        more = more[_inside(more, name)][:need]
        out[filled : filled + more.size] = more
        filled += more.size
    return out


def _truncation_problem(
    entry: Uncertainty, field_name: str, share: float, loc: tuple[str | int, ...] = ()
) -> Problem:
    lowest, highest, open_low = _bounds(field_name)
    low_text = f"above {lowest:g}" if open_low else f"at least {lowest:g}"
    high_text = f" and at most {highest:g}" if math.isfinite(highest) else ""
    return Problem(
        f"uncertainty[{entry.target!r}]",
        f"{entry.distribution}(mean={entry.mean:g}, sd={entry.sd:g}) puts only {share:.2%} of its "
        f"probability inside the valid range of {field_name}",
        expected=f"a distribution mostly within the range ({field_name} {low_text}{high_text}): "
        f"move the mean inside it or use a triangular or pert distribution",
        code="out_of_range",
        loc=loc,
    )


# --------------------------------------------------------------------------
# rank correlation
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Plan:
    """What a simulation draws: the resolved inputs and the copula factor."""

    entries: tuple[Uncertainty, ...]
    keys: tuple[Key, ...]
    fields: tuple[str, ...]
    correlated: tuple[int, ...]  # indices into entries
    factor: FloatArray | None  # (k, k) with factor @ factor.T = normal-score correlation


def rank_correlation_matrix(case: Case) -> tuple[list[str], FloatArray]:
    """The requested Spearman correlations among the correlated inputs of a case.

    Returns
    -------
    targets : list of str
        The inputs that take part in a correlation, in the case's order.
    matrix : ndarray, shape (k, k)
        Their rank correlation matrix (1 on the diagonal, 0 where none is given).

    Raises
    ------
    InputError
        If a pair is given two different correlations, or the matrix is not
        positive semi-definite (the correlations cannot all hold at once); the
        message names the entries involved.
    """
    pairs = [
        (u.target, u.correlated_with, float(u.correlation or 0.0))
        for u in case.uncertainty
        if u.correlated_with
    ]
    targets = [u.target for u in case.uncertainty if any(u.target in (a, b) for a, b, _ in pairs)]
    index = {t: i for i, t in enumerate(targets)}
    matrix = np.eye(len(targets))
    given: dict[tuple[int, int], float] = {}
    problems: list[Problem] = []
    for a, b, rho in pairs:
        i, j = sorted((index[a], index[b]))
        if (i, j) in given and given[i, j] != rho:
            problems.append(
                Problem(
                    f"uncertainty[{a!r}].correlation",
                    f"the correlation between {a!r} and {b!r} is given twice, as {given[i, j]:g} and {rho:g}",
                    found=rho,
                    expected="one correlation per pair of inputs",
                    code="conflicting_correlation",
                )
            )
        given[i, j] = rho
        matrix[i, j] = matrix[j, i] = rho
    if problems:
        raise InputError(problems)
    if targets:
        eigenvalues, vectors = np.linalg.eigh(matrix)
        if eigenvalues[0] < -1e-9:
            raise InputError([_inconsistent_correlations(targets, given, vectors[:, 0], eigenvalues[0])])
    return targets, matrix


def _inconsistent_correlations(
    targets: list[str], given: dict[tuple[int, int], float], vector: FloatArray, smallest: float
) -> Problem:
    involved = {i for i in range(len(targets)) if abs(vector[i]) > 0.05}
    shown = [(i, j, rho) for (i, j), rho in given.items() if i in involved and j in involved]
    text = ", ".join(f"{targets[i]!r} ~ {targets[j]!r} = {rho:g}" for i, j, rho in shown)
    first = targets[min(involved)] if involved else targets[0]
    return Problem(
        f"uncertainty[{first!r}].correlation",
        f"these rank correlations cannot all hold at once: {text} (their correlation matrix is not "
        f"positive semi-definite; smallest eigenvalue {smallest:.3g})",
        expected="consistent correlations: weaken the strongest ones or change a sign",
        code="not_positive_semidefinite",
    )


def copula_factor(spearman: FloatArray) -> FloatArray:
    """A factor ``L`` with ``L @ L.T`` the normal-score correlation for Spearman ``spearman``.

    The normal correlation whose rank correlation is ``rho_s`` is
    ``2 sin(pi rho_s / 6)``; it is factored by its eigen-decomposition, with
    any (tiny) negative eigenvalue set to zero, so a singular matrix (a
    correlation of exactly 1) works too.

    Examples
    --------
    >>> L = copula_factor(np.array([[1.0, 1.0], [1.0, 1.0]]))
    >>> np.round(L @ L.T, 12).tolist()
    [[1.0, 1.0], [1.0, 1.0]]
    """
    pearson = 2.0 * np.sin(np.pi * spearman / 6.0)
    eigenvalues, vectors = np.linalg.eigh(pearson)
    factor: FloatArray = vectors * np.sqrt(np.clip(eigenvalues, 0.0, None))
    return factor


def reorder_by_scores(values: FloatArray, scores: FloatArray) -> FloatArray:
    """Reorder each column of ``values`` to follow the ranks of the same column of ``scores``.

    The values of every column stay the same (the marginal sample is kept);
    only their order changes, so the columns take on the rank correlation of
    the scores.

    Examples
    --------
    >>> reorder_by_scores(np.array([[1.0], [2.0], [3.0]]), np.array([[0.5], [-1.0], [2.0]]))[:, 0]
    array([2., 1., 3.])
    """
    order = np.argsort(scores.T, axis=1)  # order[j, r]: the trial with the r-th smallest score
    out = np.empty((values.shape[1], values.shape[0]))
    np.put_along_axis(out, order, np.sort(values.T, axis=1), axis=1)
    return out.T


def _plan(case: Case) -> _Plan:
    entries = tuple(case.uncertainty)
    keys = tuple(resolve_target(case, u.target) for u in entries)
    fields = tuple(k[3] for k in keys)
    problems = [
        _truncation_problem(u, f, share, ("uncertainty", i))
        for i, (u, f) in enumerate(zip(entries, fields, strict=True))
        if (share := inside_share(u, f)) < MIN_INSIDE_SHARE
    ]
    if problems:
        raise InputError(problems)
    targets, spearman = rank_correlation_matrix(case)
    position = {u.target: i for i, u in enumerate(entries)}
    correlated = tuple(position[t] for t in targets)
    factor = copula_factor(spearman) if targets else None
    return _Plan(entries, keys, fields, correlated, factor)


def _block_stream(seed: np.random.SeedSequence, block: int) -> np.random.Generator:
    child = np.random.SeedSequence(seed.entropy, spawn_key=(*seed.spawn_key, block))
    return np.random.Generator(np.random.PCG64(child))


def _draw_block(plan: _Plan, rng: np.random.Generator, keep: slice = slice(None)) -> FloatArray:
    """Trials ``keep`` of one block of :data:`BLOCK_TRIALS`, one column per uncertain input.

    Every input is drawn for the whole block, in the same order whatever is
    kept, so the stream and the values do not depend on ``keep``; only the
    kept trials are stored, but for the correlated inputs, whose whole
    columns the reordering needs.
    """
    size = len(range(BLOCK_TRIALS)[keep])
    out = np.empty((size, len(plan.entries)))
    correlated = {j: c for c, j in enumerate(plan.correlated)}
    whole = np.empty((BLOCK_TRIALS, len(correlated)))
    for j, (entry, name) in enumerate(zip(plan.entries, plan.fields, strict=True)):
        values = draw(entry, rng, BLOCK_TRIALS, name)
        if j in correlated:
            whole[:, correlated[j]] = values
        else:
            out[:, j] = values[keep]
    if plan.factor is not None:
        scores = rng.standard_normal((BLOCK_TRIALS, len(correlated))) @ plan.factor.T
        out[:, list(plan.correlated)] = reorder_by_scores(whole, scores)[keep]
    return out


def _draw_trials(plan: _Plan, seed: np.random.SeedSequence, start: int, stop: int) -> FloatArray:
    """Inputs of trials ``start..stop-1``, shape (stop - start, k), block by block."""
    out = np.empty((stop - start, len(plan.entries)))
    if not plan.entries:
        return out
    for b in range(start // BLOCK_TRIALS, -(-stop // BLOCK_TRIALS)):
        first = b * BLOCK_TRIALS
        lo, hi = max(start, first), min(stop, first + BLOCK_TRIALS)
        out[lo - start : hi - start] = _draw_block(
            plan, _block_stream(seed, b), slice(lo - first, hi - first)
        )
    return out


def sample_inputs(case: Case, trials: int = 10_000, seed: int | None = None) -> pd.DataFrame:
    """The input values :func:`simulate` would draw for its first ``trials`` trials.

    Parameters
    ----------
    case : Case
        The case and its ``uncertainty`` entries.
    trials : int
        Number of trials [trials].
    seed : int, optional
        As for :func:`simulate`: the same seed gives the values behind the
        same trials.

    Returns
    -------
    pandas.DataFrame
        One column per uncertain input (its target), one row per trial [field unit].

    Examples
    --------
    >>> import bidfit
    >>> case = bidfit.load_sample("norway_roaming").model_copy(update={"uncertainty": [
    ...     bidfit.Uncertainty(target="discount_rate", distribution="uniform", low=0.06, high=0.1)]})
    >>> x = sample_inputs(case, 1000, seed=1)["discount_rate"]
    >>> bool(x.between(0.06, 0.1).all())
    True
    """
    import pandas as pd

    plan = _plan(case)
    drawn = _draw_trials(plan, np.random.SeedSequence(seed), 0, int(trials))
    return pd.DataFrame(drawn, columns=pd.Index([u.target for u in plan.entries], name="input"))


# --------------------------------------------------------------------------
# cash flows with a trials axis
# --------------------------------------------------------------------------


def _resolve_values(case: Case, values: Mapping[str, npt.ArrayLike]) -> tuple[dict[Key, FloatArray], int]:
    """Values by resolved key, each a 1-D array, and their common length."""
    resolved = {resolve_target(case, t): np.atleast_1d(np.asarray(v, dtype=float)) for t, v in values.items()}
    sizes = {v.size for v in resolved.values()}
    if len(sizes) > 1:
        raise ValueError(f"every input needs the same number of values; found sizes {sorted(sizes)}")
    return resolved, sizes.pop() if sizes else 1


def _net_by_key(
    case: Case, values: Mapping[Key, FloatArray], size: int, bids: Sequence[int]
) -> dict[str, FloatArray]:
    """Each bid's net cash flow per trial and year, shape (size, years), by bid name [currency]."""
    stream_values = {(k[1], k[3]): v for k, v in values.items() if k[0] == "revenue"}
    cost_values: dict[int, dict[tuple[int, str], FloatArray]] = {}
    for k, v in values.items():
        if k[0] == "cost":
            cost_values.setdefault(k[1], {})[(k[2], k[3])] = v
    nets = bid_net_flows(case, size, bids, stream_values, cost_values)
    years = case.horizon_years + 1
    return {
        case.bids[b].name: np.ascontiguousarray(np.broadcast_to(net, (size, years)))
        for b, net in nets.items()
    }


def net_flows(
    case: Case, values: Mapping[str, npt.ArrayLike], bids: Sequence[str] | None = None
) -> dict[str, FloatArray]:
    """Net cash flows of each bid with some inputs set to arrays of values.

    Parameters
    ----------
    case : Case
        The case; inputs not in ``values`` keep their value in it.
    values : mapping of str to array_like
        Uncertainty-style targets (``revenue.<stream>.<field>``,
        ``cost.<bid>.<item>.<field>``, ``discount_rate``) to arrays of equal
        length ``m``, one value per trial [field unit].
    bids : sequence of str, optional
        Bids to build (default all).

    Returns
    -------
    dict of str to ndarray of shape (m, horizon_years + 1)
        Net cash flow per trial and year [currency]; the discount rate does
        not enter the flows (see :func:`npv_at`).

    Examples
    --------
    >>> import bidfit
    >>> case = bidfit.load_sample("norway_roaming")
    >>> net = net_flows(case, {"revenue.Outbound roaming.annual_amount": [380_000, 0]}, ["Vendor A"])
    >>> net["Vendor A"][:, :2].tolist()
    [[-920000.0, -140000.0], [-920000.0, -520000.0]]
    """
    resolved, size = _resolve_values(case, values)
    names = [b.name for b in case.bids]
    indices = range(len(names)) if bids is None else [names.index(name) for name in bids]
    return _net_by_key(case, resolved, size, list(indices))


def npv_at(case: Case, bid: str, target: str, values: npt.ArrayLike) -> FloatArray:
    """A bid's NPV with one input set to each of ``values`` in turn [currency].

    Parameters
    ----------
    case : Case
        The case; every other input keeps its value.
    bid : str
        The bid's name.
    target : str
        The input, as an uncertainty target (e.g. ``discount_rate``).
    values : array_like of shape (m,)
        Values of that input [field unit].

    Examples
    --------
    >>> import bidfit
    >>> case = bidfit.load_sample("norway_roaming")
    >>> npv_at(case, "Vendor A", "discount_rate", [0.08]).round(2).tolist()
    [-1533943.78]
    """
    x = np.atleast_1d(np.asarray(values, dtype=float))
    net = net_flows(case, {target: x}, [bid])[bid]
    rate = x if resolve_target(case, target) == DISCOUNT_RATE else case.discount_rate
    out: FloatArray = np.asarray(finance.npv(rate, net))
    return out


# --------------------------------------------------------------------------
# results
# --------------------------------------------------------------------------


_SCAN = 1 << 16  # values compared at once while ranking [values]
_SAMPLE = 1 << 14  # size of the sample that brackets a rank [values]


def _scan(values: FloatArray) -> Iterator[FloatArray]:
    """``values`` in consecutive slices of :data:`_SCAN` (views, no copy)."""
    for first in range(0, values.size, _SCAN):
        yield values[first : first + _SCAN]


def _order_statistics(values: FloatArray, ranks: Sequence[int]) -> list[float]:
    """The ``k``-th smallest of the values (0-based) for each ``k`` in ``ranks``; NaN values are left out.

    Exact, without sorting or copying ``values``: a strided sample of them
    brackets each rank between two sample values, the values in the bracket
    (a few thousand) are counted and gathered a slice at a time, and the one
    of rank ``k`` is picked among them. Working memory stays a few MB however
    many values there are, where a sort or a partition would copy them all.

    Parameters
    ----------
    values : ndarray of shape (n,)
        The values, e.g. one per trial.
    ranks : sequence of int
        0-based ranks among the values that are not NaN; each below their number.

    Examples
    --------
    >>> _order_statistics(np.array([5.0, np.nan, 1.0, 3.0, 3.0]), [0, 2, 3])
    [1.0, 3.0, 5.0]
    """
    valid = sum(int(np.count_nonzero(part == part)) for part in _scan(values))
    if values.size <= _SCAN:
        ordered = np.sort(values)  # NaN last
        return [float(ordered[k]) for k in ranks]
    sample = values[:: max(1, values.size // _SAMPLE)]
    sample = np.sort(sample[~np.isnan(sample)])
    return [_select(values, sample, k, valid) for k in ranks]


def _select(values: FloatArray, sample: FloatArray, k: int, valid: int) -> float:
    """The value of rank ``k`` among the ``valid`` non-NaN ``values``, bracketed by the sorted ``sample``."""
    width = 8
    while True:
        centre = k * sample.size // valid
        low = sample[centre - width] if centre - width > 0 else -np.inf
        high = sample[centre + width] if centre + width < sample.size - 1 else np.inf
        below = at_low = between = 0
        for part in _scan(values):
            below += int(np.count_nonzero(part < low))
            at_low += int(np.count_nonzero(part == low))
            between += int(np.count_nonzero((part > low) & (part < high)))
        if below <= k < below + at_low:
            return float(low)
        if below + at_low <= k < below + at_low + between:
            inside = np.concatenate([part[(part > low) & (part < high)] for part in _scan(values)])
            return float(np.partition(inside, k - below - at_low)[k - below - at_low])
        if not (np.isinf(low) and np.isinf(high)):
            width *= 4
            continue
        return float(high)  # only the values equal to an infinite bound are left


def _quantiles(values: FloatArray) -> tuple[float, float, float]:
    """P10, P50 and P90 of ``values`` exactly as ``numpy.quantile`` (linear) gives them, without its copy."""
    n = values.size
    positions = [(n - 1) * q for q in (0.1, 0.5, 0.9)]
    ranks = sorted({r for h in positions for r in (math.floor(h), min(math.floor(h) + 1, n - 1))})
    ranked = dict(zip(ranks, _order_statistics(values, ranks), strict=True))
    out = []
    for h in positions:
        below = math.floor(h)
        a, b, t = ranked[below], ranked[min(below + 1, n - 1)], h - below
        # numpy's interpolation, from the nearer end for a weight of one half or more
        out.append(b - (b - a) * (1 - t) if t >= 0.5 else a + (b - a) * t)
    return out[0], out[1], out[2]


def _payback_quantiles(payback: FloatArray) -> tuple[float | None, float | None, float | None]:
    """P10/P50/P90 of payback, "never" (NaN) ranked after every year; None where that is "never".

    Each is an observed payback (numpy's ``inverted_cdf``): the ``ceil(q n)``-th
    smallest of the ``n`` trials.
    """
    paid = sum(int(np.count_nonzero(part == part)) for part in _scan(payback))
    ranks = [max(math.ceil(q * payback.size - 1e-9) - 1, 0) for q in (0.1, 0.5, 0.9)]
    inside = [k for k in ranks if k < paid]
    found = dict(zip(inside, _order_statistics(payback, inside), strict=True))
    a, b, c = (found.get(k) for k in ranks)
    return a, b, c


@dataclass(frozen=True, repr=False)
class SimulatedBid(Result):
    """The simulated outcomes of one bid.

    Attributes
    ----------
    name, vendor : str
        The bid and who offers it.
    currency : str
        The case currency.
    trials : int
        Number of simulated futures [trials].
    npv : ndarray of shape (trials,)
        NPV of each trial [currency].
    payback_years : ndarray of shape (trials,)
        Payback of each trial [years]; NaN where the trial never pays back
        within the horizon.
    deterministic_npv : float
        The NPV of :func:`bidfit.analyze`, with every input at its value [currency].
    probability_worse_off : float
        Share of trials with NPV < 0 [fraction].
    probability_worse_off_se : float
        Its standard error, ``sqrt(p (1 - p) / trials)`` [fraction].
    npv_mean : float
        Mean NPV [currency].
    npv_p10, npv_p50, npv_p90 : float
        10th, 50th and 90th percentiles of NPV [currency].
    payback_p10, payback_p50, payback_p90 : float or None
        Percentiles of payback [years], a "never pays back" trial counting
        as later than any year; None where that percentile never pays back.
    share_never_pays_back : float
        Share of trials that never pay back within the horizon [fraction].
    flags : tuple of Flag
        ``HIGH_LOSS_PROBABILITY`` when the policy's ``max_loss_probability``
        is exceeded.
    """

    name: str
    vendor: str
    currency: str
    trials: int
    npv: FloatArray
    payback_years: FloatArray
    deterministic_npv: float
    probability_worse_off: float
    probability_worse_off_se: float
    npv_mean: float
    npv_p10: float
    npv_p50: float
    npv_p90: float
    payback_p10: float | None
    payback_p50: float | None
    payback_p90: float | None
    share_never_pays_back: float
    flags: tuple[Flag, ...] = ()

    @property
    def verdict(self) -> Verdict:
        """The verdict of the simulation's own findings (see :func:`bidfit.results.analysis.verdict_of`)."""
        return verdict_of(self.flags)

    def histogram(self, bins: int = 40) -> pd.DataFrame:
        """NPV histogram: ``npv_from, npv_to`` [currency], ``trials`` and ``share`` per bin.

        A bin edge falls on 0 whenever 0 lies within the range, so the bins
        below 0 add up to :attr:`probability_worse_off`.
        """
        import pandas as pd

        edges = histogram_edges(self.npv, bins)
        counts, _ = np.histogram(self.npv, edges)
        return pd.DataFrame(
            {"npv_from": edges[:-1], "npv_to": edges[1:], "trials": counts, "share": counts / self.trials}
        )

    def metrics(self) -> dict[str, Any]:
        """The headline figures as a plain dict (a row of :attr:`Simulation.summary`)."""
        return {
            "vendor": self.vendor,
            "trials": self.trials,
            "deterministic_npv": self.deterministic_npv,
            "npv_mean": self.npv_mean,
            "npv_p10": self.npv_p10,
            "npv_p50": self.npv_p50,
            "npv_p90": self.npv_p90,
            "probability_worse_off": self.probability_worse_off,
            "probability_worse_off_se": self.probability_worse_off_se,
            "payback_p10": self.payback_p10,
            "payback_p50": self.payback_p50,
            "payback_p90": self.payback_p90,
            "share_never_pays_back": self.share_never_pays_back,
            "flags": ", ".join(f.code for f in self.flags),
        }

    def plot(self, ax: Axes | None = None, bins: int = 60) -> Axes:
        """NPV histogram with the worse-off share shaded (see :func:`bidfit.present.plots.npv_histogram`)."""
        from bidfit.present.plots import npv_histogram

        return npv_histogram(self, ax=ax, bins=bins)

    def _blocks(self) -> Blocks:
        from bidfit.present.view import describe_simulated_bid

        return describe_simulated_bid(self)


def histogram_edges(values: FloatArray, bins: int) -> FloatArray:
    """``bins`` equal-width bin edges over ``values``, shifted so that one edge is 0 when 0 is inside.

    Examples
    --------
    >>> histogram_edges(np.array([-1.0, 3.0]), 4).tolist()
    [-1.0, 0.0, 1.0, 2.0, 3.0]
    """
    lo, hi = float(np.min(values)), float(np.max(values))
    if hi <= lo:
        return (
            np.array([lo - 0.5, lo + 0.5])
            if lo == 0
            else np.array([lo - abs(lo) * 0.01, hi + abs(hi) * 0.01])
        )
    width = (hi - lo) / bins
    if lo < 0 < hi:
        k = math.floor(lo / width)
        edges: FloatArray = width * np.arange(k, k + bins + 2, dtype=np.float64)
        return edges[: np.searchsorted(edges, hi) + 1]
    return np.linspace(lo, hi, bins + 1, dtype=np.float64)


@dataclass(frozen=True, repr=False)
class Simulation(Result):
    """The result of :func:`simulate`.

    Attributes
    ----------
    case : Case
        The case simulated.
    trials : int
        Number of trials [trials].
    seed : int
        The entropy the streams were drawn from: ``simulate(case, trials, seed=seed)``
        repeats the run exactly.
    chunk_size : int
        Trials per chunk [trials] (a whole number of blocks), the unit of
        progress; it does not change the result.
    bids : dict of str to SimulatedBid
        One result per bid, in the case's order.
    """

    case: Case
    trials: int
    seed: int
    chunk_size: int
    bids: dict[str, SimulatedBid] = field(default_factory=dict)

    def __getitem__(self, name: str) -> SimulatedBid:
        return self.bids[name]

    def __iter__(self) -> Iterator[SimulatedBid]:
        return iter(self.bids.values())

    def __len__(self) -> int:
        return len(self.bids)

    @property
    def summary(self) -> pd.DataFrame:
        """One row per bid: P(worse off) and its standard error, NPV and payback percentiles."""
        import pandas as pd

        frame = pd.DataFrame.from_dict({n: b.metrics() for n, b in self.bids.items()}, orient="index")
        frame.index.name = "bid"
        return frame

    @property
    def flags(self) -> pd.DataFrame:
        """Every finding of the simulation: bid, code, severity, lever, message."""
        import pandas as pd

        rows = [
            {"bid": b.name, "code": f.code, "severity": f.severity, "lever": f.lever, "message": f.message}
            for b in self.bids.values()
            for f in b.flags
        ]
        return pd.DataFrame(rows, columns=["bid", "code", "severity", "lever", "message"])

    def plot(self, bid: str | None = None, ax: Axes | None = None, bins: int = 60) -> Axes:
        """NPV histogram of ``bid`` (default the first bid)."""
        name = bid if bid is not None else next(iter(self.bids))
        return self.bids[name].plot(ax=ax, bins=bins)

    def _blocks(self) -> Blocks:
        from bidfit.present.view import describe_simulation

        return describe_simulation(self)


# --------------------------------------------------------------------------
# the driver
# --------------------------------------------------------------------------


def _draw_bytes_per_trial(plan: _Plan) -> int:
    """Bytes one trial's drawn inputs take, counting the copy made while a block is drawn."""
    return 2 * 8 * max(1, len(plan.entries))


def _work_bytes_per_trial(case: Case, plan: _Plan) -> int:
    """Bytes of work arrays one trial takes while its cash flows are built (a generous estimate).

    Lines are built one at a time (a few arrays of years each), every bid
    keeps its benefits and net flows (years each), and every line its
    parameters.
    """
    years = case.horizon_years + 1
    lines = max([len(case.revenue)] + [len(b.costs) for b in case.bids])
    flows = (2 * len(case.bids) + _LINE_TEMPORARIES) * years
    return 8 * (flows + _PARAMETERS * lines + len(plan.entries))


def _work_step(case: Case, plan: _Plan) -> int:
    """Trials whose cash flows are built at once: a power of two up to a block, within :data:`WORK_BYTES`.

    A power of two divides every block, so the steps fall on the same trials
    whatever the chunk size, and the result does not depend on it.

    Examples
    --------
    >>> import bidfit
    >>> _work_step(bidfit.load_sample("norway_roaming"), _plan(bidfit.load_sample("norway_roaming")))
    8192
    """
    fit = max(1, WORK_BYTES // _work_bytes_per_trial(case, plan))
    return min(BLOCK_TRIALS, 1 << (fit.bit_length() - 1))


def _auto_chunk(plan: _Plan) -> int:
    """Trials per chunk: whole blocks, as many (up to eight) as :data:`DRAW_BYTES` of drawn inputs allow."""
    fit = DRAW_BYTES // _draw_bytes_per_trial(plan)
    return min(_MAX_AUTO_CHUNK, max(BLOCK_TRIALS, fit // BLOCK_TRIALS * BLOCK_TRIALS))


def _draw_window(plan: _Plan, chunk: int, step: int) -> int:
    """Trials whose inputs are drawn and held at once: the chunk, or fewer whole steps within :data:`DRAW_BYTES`.

    With very many inputs a window is less than a block; each block is then
    drawn once per window that falls in it, and only the window's trials kept.
    """
    fit = DRAW_BYTES // _draw_bytes_per_trial(plan)
    return chunk if fit >= chunk else max(step, fit // step * step)


def _in_notebook() -> bool:
    shell = sys.modules.get("IPython")
    if shell is None or "ipykernel" not in sys.modules:
        return False
    ipython = getattr(shell, "get_ipython", lambda: None)()
    return type(ipython).__name__ == "ZMQInteractiveShell"


def show_progress(progress: bool | None, chunks: int) -> bool:
    """Whether to draw a progress bar: as asked, or (``None``) for a long run seen by a person.

    Automatic means: more than one chunk, not under CI (the ``CI`` variable
    unset), and stderr a terminal or the run inside a Jupyter kernel.
    """
    if progress is not None:
        return bool(progress)
    if chunks <= 1 or os.environ.get("CI"):
        return False
    stderr = sys.stderr
    tty = bool(stderr is not None and hasattr(stderr, "isatty") and stderr.isatty())
    return tty or _in_notebook()


class _NoBar:
    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


def _progress_bar(total: int, enabled: bool) -> Any:
    if not enabled:
        return _NoBar()
    try:
        from tqdm import tqdm
    except ImportError:  # tqdm is optional: no bar without it
        return _NoBar()
    return tqdm(
        total=total, unit="trial", unit_scale=True, file=sys.stderr, desc="bidfit simulate", leave=False
    )


def simulate(
    case: Case,
    trials: int = 100_000,
    seed: int | None = None,
    chunk_size: int | None = None,
    progress: bool | None = None,
) -> Simulation:
    """Simulate every bid of a case under the case's uncertainties.

    Parameters
    ----------
    case : Case
        The case, with distributions in ``case.uncertainty`` (inputs without
        one keep their value).
    trials : int
        Number of simulated futures [trials], >= 1.
    seed : int, optional
        Seed of the random streams; the same seed gives the same result,
        whatever ``chunk_size``. None draws fresh entropy (kept in
        :attr:`Simulation.seed`).
    chunk_size : int, optional
        Trials per chunk (the unit of progress), rounded up to a whole number
        of :data:`BLOCK_TRIALS`. Default: as many blocks (up to eight) as
        :data:`DRAW_BYTES` of drawn inputs allow. The working memory is
        bounded whatever it is (see the module notes).
    progress : bool, optional
        Show a progress bar (tqdm, on stderr). None: only for a run of more
        than one chunk, in a terminal or a notebook, and never under CI.

    Returns
    -------
    Simulation
        ``.bids[name]`` with ``npv`` (one per trial), ``probability_worse_off``
        and its standard error, NPV and payback percentiles, flags; ``.summary``.

    Raises
    ------
    InputError
        If the case is inconsistent, a normal/lognormal lies almost entirely
        outside its field's range, or the correlations cannot hold together.
    ValueError
        If ``trials`` or ``chunk_size`` is not a positive whole number.

    Notes
    -----
    Memory: the result keeps two float64 arrays per bid (NPV and payback,
    ``16 * trials`` bytes per bid); the working memory is about
    :data:`DRAW_BYTES` + :data:`WORK_BYTES`, whatever ``trials``, the number
    of uncertain inputs, of line items and of years.

    Examples
    --------
    >>> import bidfit
    >>> case = bidfit.load_sample("norway_roaming").model_copy(update={"uncertainty": [
    ...     bidfit.Uncertainty(target="revenue.Outbound roaming.annual_amount",
    ...                        distribution="normal", mean=380_000, sd=50_000)]})
    >>> sim = bidfit.simulate(case, trials=20_000, seed=1)
    >>> a, b = sim.bids["Vendor A"], sim.bids["Competitor B"]
    >>> a.probability_worse_off, round(b.probability_worse_off, 3), round(b.probability_worse_off_se, 4)
    (1.0, 0.036, 0.0013)
    """
    for name, value in (("trials", trials), ("chunk_size", chunk_size)):
        if value is None and name == "chunk_size":
            continue
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a whole number >= 1; found {value!r}")
    problems = reference_problems(case)
    if problems:
        raise InputError(problems)
    from bidfit.assess.analysis import analyze

    base = analyze(case)
    plan = _plan(case)
    seed_seq = np.random.SeedSequence(seed)
    chunk = _auto_chunk(plan) if chunk_size is None else -(-int(chunk_size) // BLOCK_TRIALS) * BLOCK_TRIALS
    step = _work_step(case, plan)
    window = _draw_window(plan, chunk, step)
    trials = int(trials)
    npv = {b.name: np.empty(trials) for b in case.bids}
    payback = {b.name: np.empty(trials) for b in case.bids}
    n_chunks = -(-trials // chunk)
    bar = _progress_bar(trials, show_progress(progress, n_chunks))
    try:
        for start in range(0, trials, chunk):
            stop = min(start + chunk, trials)
            for first in range(start, stop, window):
                drawn = _draw_trials(plan, seed_seq, first, min(first + window, stop))
                _fill(case, plan, drawn, first, step, npv, payback)
            bar.update(stop - start)
    finally:
        bar.close()
    results = {
        b.name: _summarise(b.name, b.vendor, case, npv[b.name], payback[b.name], base.bids[b.name].npv)
        for b in case.bids
    }
    entropy = seed_seq.entropy  # an int: the seed given, or the fresh entropy drawn
    assert isinstance(entropy, int)
    return Simulation(case=case, trials=trials, seed=entropy, chunk_size=chunk, bids=results)


def _fill(
    case: Case,
    plan: _Plan,
    drawn: FloatArray,
    first: int,
    step: int,
    npv: dict[str, FloatArray],
    payback: dict[str, FloatArray],
) -> None:
    """Write the NPV and payback of trials ``first..first + len(drawn) - 1`` into ``npv`` and ``payback``.

    The cash flows are built ``step`` trials at a time, so the work arrays
    stay within :data:`WORK_BYTES` however many trials were drawn.
    """
    bids = list(range(len(case.bids)))
    for lo in range(0, drawn.shape[0], step):
        hi = min(lo + step, drawn.shape[0])
        values = {key: drawn[lo:hi, j] for j, key in enumerate(plan.keys)}
        rate: Any = values.get(DISCOUNT_RATE, case.discount_rate)
        for name, net in _net_by_key(case, values, hi - lo, bids).items():
            npv[name][first + lo : first + hi] = finance.npv(rate, net)
            payback[name][first + lo : first + hi] = finance.payback(net)


def _summarise(
    name: str, vendor: str, case: Case, npv: FloatArray, payback: FloatArray, deterministic: float
) -> SimulatedBid:
    trials = npv.size
    p = float(np.count_nonzero(npv < 0)) / trials
    p10, p50, p90 = _quantiles(npv)
    pb10, pb50, pb90 = _payback_quantiles(payback)
    flag = loss_probability_flag(p, case.policy, trials)
    return SimulatedBid(
        name=name,
        vendor=vendor,
        currency=case.currency,
        trials=trials,
        npv=npv,
        payback_years=payback,
        deterministic_npv=deterministic,
        probability_worse_off=p,
        probability_worse_off_se=math.sqrt(p * (1 - p) / trials),
        npv_mean=float(npv.mean()),
        npv_p10=p10,
        npv_p50=p50,
        npv_p90=p90,
        payback_p10=pb10,
        payback_p50=pb50,
        payback_p90=pb90,
        share_never_pays_back=float(np.count_nonzero(np.isnan(payback))) / trials,
        flags=(flag,) if flag is not None else (),
    )
