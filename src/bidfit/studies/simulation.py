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

The inputs are drawn by :mod:`bidfit.studies.draws` (distributions, rank
correlation, reproducibility); the results are :class:`bidfit.results.simulation.Simulation`
and :class:`bidfit.results.simulation.SimulatedBid`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from bidfit.assess.rules import loss_probability_flag
from bidfit.build.cashflows import bid_net_flows
from bidfit.errors import NothingUncertainWarning
from bidfit.kernel import finance
from bidfit.model.case import Case, resolve_target
from bidfit.results.simulation import SimulatedBid, Simulation, _payback_quantiles, _quantiles
from bidfit.studies.draws import BLOCK_TRIALS, Key, _draw_trials, _Plan, _plan

if TYPE_CHECKING:
    pass

__all__ = ["DRAW_BYTES", "WORK_BYTES", "net_flows", "npv_at", "simulate"]

FloatArray = npt.NDArray[np.float64]

DRAW_BYTES = 32 << 20
"""Most bytes of drawn inputs held at once (inputs x trials, and a block's share while it is drawn)."""

WORK_BYTES = 32 << 20
"""Most bytes of work arrays while one step of trials has its cash flows built (an estimate)."""

_MAX_AUTO_CHUNK = 8 * BLOCK_TRIALS
_LINE_TEMPORARIES = 8  # (trials x years) arrays alive while one line is built and added
_PARAMETERS = 8  # (trials x lines) parameters: amount, capture, margin, percent, amounts, ...
DISCOUNT_RATE: Key = ("discount_rate", -1, -1, "discount_rate")


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


def simulate(
    case: Case,
    trials: int = 100_000,
    seed: int | None = None,
    chunk_size: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Simulation:
    # Long: mostly its docstring; the body is the chunk loop.
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
    progress : callable, optional
        Called after each chunk with the trials done and the trials in all
        [trials]; None reports nothing. :func:`bidfit.present.progress.progress_bar`
        gives the standard tqdm bar.

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
    TypeError
        If ``progress`` is neither None nor a callable.

    Warns
    -----
    NothingUncertainWarning
        If the case has no uncertainty: the result is then the deterministic
        one in every trial (a probability of 0 or 1).

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
    if progress is not None and not callable(progress):
        raise TypeError(
            f"progress must be a callable progress(done, total) or None; found {progress!r} "
            "(bidfit.present.progress.progress_bar() gives the standard bar)"
        )
    from bidfit.assess.analysis import analyze

    base = analyze(case)  # checks that the case is consistent
    if not case.uncertainty:
        warnings.warn(
            NothingUncertainWarning(
                f"case {case.name!r} has no uncertain inputs: every simulated future is the deterministic "
                "result; add an uncertainty, e.g. Uncertainty(target='discount_rate', "
                "distribution='uniform', low=0.06, high=0.10)"
            ),
            stacklevel=2,
        )
    plan = _plan(case)
    seed_seq = np.random.SeedSequence(seed)
    chunk = _auto_chunk(plan) if chunk_size is None else -(-int(chunk_size) // BLOCK_TRIALS) * BLOCK_TRIALS
    step = _work_step(case, plan)
    window = _draw_window(plan, chunk, step)
    trials = int(trials)
    npv = {b.name: np.empty(trials) for b in case.bids}
    payback = {b.name: np.empty(trials) for b in case.bids}
    for start in range(0, trials, chunk):
        stop = min(start + chunk, trials)
        for first in range(start, stop, window):
            drawn = _draw_trials(plan, seed_seq, first, min(first + window, stop))
            _fill(case, plan, drawn, first, step, npv, payback)
        if progress is not None:
            progress(stop, trials)
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
