"""Drawing the uncertain inputs of a simulation: distributions, truncation, rank correlation, seeds.

:func:`draw` samples one :class:`~bidfit.model.case.Uncertainty`; :func:`sample_inputs`
gives the input values :func:`bidfit.simulate` draws, trial by trial.

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
    Normal, truncated to the field's valid range (:data:`~bidfit.model.base.FIELD_BOUNDS`:
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
import statistics
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from bidfit.errors import InputError, Problem
from bidfit.model.base import FIELD_BOUNDS
from bidfit.model.case import Case, Uncertainty, resolve_target

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["BLOCK_TRIALS", "MIN_INSIDE_SHARE", "draw", "inside_share", "sample_inputs"]

FloatArray = npt.NDArray[np.float64]
Key = tuple[str, int, int, str]
"""An input as :func:`bidfit.model.case.resolve_target` returns it: kind, index, item, field."""

BLOCK_TRIALS = 8192
"""Trials drawn from one random stream; chunks are whole numbers of blocks [trials]."""

MIN_INSIDE_SHARE = 1e-3
"""A normal or lognormal must put at least this share of its probability inside
the field's valid range; otherwise truncation would distort it beyond recognition."""


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
        :data:`~bidfit.model.base.FIELD_BOUNDS` truncates the draws; default the
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
    """The input values :func:`bidfit.simulate` would draw for its first ``trials`` trials.

    Parameters
    ----------
    case : Case
        The case and its ``uncertainty`` entries.
    trials : int
        Number of trials [trials].
    seed : int, optional
        As for :func:`bidfit.simulate`: the same seed gives the values behind the
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
