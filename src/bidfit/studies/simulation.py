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

import itertools
import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from bidfit.assess.rules import loss_probability_flag
from bidfit.build.cashflows import bid_net_flows
from bidfit.errors import NothingUncertainWarning
from bidfit.kernel import finance
from bidfit.model.case import Case, resolve_target
from bidfit.results.simulation import (
    SimulatedBid,
    Simulation,
    TrialTally,
    _exact_mean,
    _payback_quantiles,
    _quantiles,
    _scan,
    _TallyBuilder,
)
from bidfit.studies.draws import BLOCK_TRIALS, Key, _draw_trials, _Plan, _plan

__all__ = ["DRAW_BYTES", "WORK_BYTES", "merge_simulations", "net_flows", "npv_at", "simulate"]

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


def _check_whole(name: str, value: object, lowest: int) -> int:
    """``value`` as an int, or a ValueError saying it must be a whole number >= ``lowest``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < lowest:
        raise ValueError(f"{name} must be a whole number >= {lowest}; found {value!r}")
    return int(value)


def _trial_range(trials: int, seed: int | None, start: int | None, stop: int | None) -> tuple[int, int]:
    """The trials ``start..stop-1`` to run out of ``trials``, checked."""
    first = 0 if start is None else _check_whole("start", start, 0)
    last = trials if stop is None else _check_whole("stop", stop, 1)
    if not first < last <= trials:
        raise ValueError(
            f"the trials to run must satisfy 0 <= start < stop <= trials; found start={first}, "
            f"stop={last}, trials={trials}"
        )
    if seed is None and (first, last) != (0, trials):
        raise ValueError(
            "a range of trials needs a seed: give the same seed=... to every part of the run, "
            "so that the parts are drawn from the same streams"
        )
    return first, last


def simulate(
    case: Case,
    trials: int = 100_000,
    seed: int | None = None,
    chunk_size: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    *,
    keep: str = "full",
    start: int | None = None,
    stop: int | None = None,
) -> Simulation:
    # Long: mostly its docstring; the body checks the arguments and runs the chunk loop.
    """Simulate every bid of a case under the case's uncertainties.

    Parameters
    ----------
    case : Case
        The case, with distributions in ``case.uncertainty`` (inputs without
        one keep their value).
    trials : int
        Number of simulated futures of the whole run [trials], >= 1.
    seed : int, optional
        Seed of the random streams; the same seed gives the same result,
        whatever ``chunk_size``. None draws fresh entropy (kept in
        :attr:`Simulation.seed`); a range of trials (``start``, ``stop``) needs a seed.
    chunk_size : int, optional
        Trials per chunk (the unit of progress), rounded up to a whole number
        of :data:`BLOCK_TRIALS`. Default: as many blocks (up to eight) as
        :data:`DRAW_BYTES` of drawn inputs allow. The working memory is
        bounded whatever it is (see the module notes).
    progress : callable, optional
        Called after each chunk with the trials done and the trials in all
        [trials]; None reports nothing. :func:`bidfit.present.progress.progress_bar`
        gives the standard tqdm bar.
    keep : {"full", "summary"}
        ``"full"`` keeps every trial's NPV and payback (``16 * trials`` bytes
        a bid) and gives exact percentiles; ``"summary"`` keeps only each
        bid's :class:`~bidfit.results.simulation.TrialTally`, so memory does
        not grow with ``trials``: P(worse off), its standard error, the mean
        and the share that never pays back are the same as with ``"full"``,
        the percentiles come from a sketch (see Notes).
    start, stop : int, optional
        Run only trials ``start .. stop - 1`` of the run of ``trials`` trials
        (default all, ``0 .. trials - 1``); any integers with
        ``0 <= start < stop <= trials``. Each trial gets exactly the inputs,
        NPV and payback it has in the whole run, so parts over disjoint
        ranges merge (:func:`merge_simulations`) into the whole run.

    Returns
    -------
    Simulation
        ``.bids[name]`` with ``npv`` (one per trial, empty with
        ``keep="summary"``), ``probability_worse_off`` and its standard
        error, NPV and payback percentiles, flags, ``tally``; ``.summary``.

    Raises
    ------
    InputError
        If the case is inconsistent, a normal/lognormal lies almost entirely
        outside its field's range, or the correlations cannot hold together.
    ValueError
        If ``trials``, ``chunk_size``, ``start`` or ``stop`` is not a whole
        number in range, ``keep`` is unknown, or a range is given without a seed.
    TypeError
        If ``progress`` is neither None nor a callable.

    Warns
    -----
    NothingUncertainWarning
        If the case has no uncertainty: the result is then the deterministic
        one in every trial (a probability of 0 or 1).

    Notes
    -----
    Memory: with ``keep="full"`` the result keeps two float64 arrays per bid
    (NPV and payback, ``16 * trials`` bytes per bid); with ``keep="summary"``
    about 2.4 MB per bid while it runs, whatever ``trials``. The working memory
    is about :data:`DRAW_BYTES` + :data:`WORK_BYTES`, whatever ``trials``, the
    number of uncertain inputs, of line items and of years.

    Exactness: the mean NPV is the exact sum of the trials' NPV divided by
    ``trials`` and rounded once, so it does not depend on how the trials are
    split. The cash flows are built in fixed steps of trials (the same in
    every part of a run, a part computing a whole step and keeping its own
    trials), so each trial's NPV is the same bit for bit in a part as in the whole run.

    Percentiles with ``keep="summary"``: each NPV percentile (numpy's
    linear interpolation between the order statistics ``a`` and ``b`` at
    ranks ``floor(h)`` and ``floor(h) + 1``, ``h = (trials - 1) q``) is within
    ``SKETCH_RELATIVE_ERROR * max(|a|, |b|)`` (1.6923e-4 of the larger) of the
    exact one, plus at most ``2**-46`` times the largest |NPV| of the same sign;
    each payback percentile is within 1.6923e-4 of the observed payback it
    stands for (and None exactly when the exact one is). See
    :class:`~bidfit.results.simulation.QuantileSketch`.

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

    Two halves of the run, kept as summaries, merge into the whole:

    >>> halves = [bidfit.simulate(case, 20_000, seed=1, keep="summary", start=a, stop=b)
    ...           for a, b in ((0, 12_000), (12_000, 20_000))]
    >>> whole = bidfit.merge_simulations(halves).bids["Competitor B"]
    >>> whole.probability_worse_off == b.probability_worse_off, whole.npv_mean == b.npv_mean
    (True, True)
    """
    trials = _check_whole("trials", trials, 1)
    if chunk_size is not None:
        _check_whole("chunk_size", chunk_size, 1)
    if progress is not None and not callable(progress):
        raise TypeError(
            f"progress must be a callable progress(done, total) or None; found {progress!r} "
            "(bidfit.present.progress.progress_bar() gives the standard bar)"
        )
    if keep not in ("full", "summary"):
        raise ValueError(f"keep must be 'full' or 'summary'; found {keep!r}")
    first_trial, last_trial = _trial_range(trials, seed, start, stop)
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
    sink = _Sink(case, range(first_trial, last_trial), keep == "full")
    # Whole steps around the range, so that every step is the one the whole run builds.
    lowest = first_trial // step * step
    highest = min(-(-last_trial // step) * step, trials)
    for chunk_first in range(lowest, highest, chunk):
        chunk_last = min(chunk_first + chunk, highest)
        for first in range(chunk_first, chunk_last, window):
            drawn = _draw_trials(plan, seed_seq, first, min(first + window, chunk_last))
            _fill(case, plan, drawn, first, step, sink)
            del drawn  # before the next window is drawn: one window of inputs alive at a time
        if progress is not None:
            progress(min(chunk_last, last_trial) - first_trial, last_trial - first_trial)
    results = {
        b.name: _summarise(b.name, b.vendor, case, sink.result(b.name), base.bids[b.name].npv)
        for b in case.bids
    }
    entropy = seed_seq.entropy  # an int: the seed given, or the fresh entropy drawn
    assert isinstance(entropy, int)
    return Simulation(
        case=case,
        trials=last_trial - first_trial,
        seed=entropy,
        chunk_size=chunk,
        bids=results,
        first_trial=first_trial,
        run_trials=trials,
        keep=keep,
    )


class _Sink:
    """Where the trials of ``kept`` go: each bid's arrays (``keep="full"``) or its tally (``"summary"``)."""

    def __init__(self, case: Case, kept: range, arrays: bool) -> None:
        self.kept = kept
        self.tallies = {} if arrays else {b.name: _TallyBuilder() for b in case.bids}
        self.npv = {b.name: np.empty(len(kept)) for b in case.bids} if arrays else {}
        self.payback = {b.name: np.empty(len(kept)) for b in case.bids} if arrays else {}

    def add(self, name: str, first: int, npv: FloatArray, payback: FloatArray) -> None:
        """Take the trials ``first .. first + len(npv) - 1`` that fall in :attr:`kept`."""
        lo, hi = max(first, self.kept.start), min(first + npv.size, self.kept.stop)
        if lo >= hi:
            return
        npv, payback = npv[lo - first : hi - first], payback[lo - first : hi - first]
        if self.npv:
            self.npv[name][lo - self.kept.start : hi - self.kept.start] = npv
            self.payback[name][lo - self.kept.start : hi - self.kept.start] = payback
        else:
            self.tallies[name].add(npv, payback)

    def result(self, name: str) -> TrialTally | tuple[FloatArray, FloatArray]:
        """The bid's trials: its arrays, or its tally."""
        return (self.npv[name], self.payback[name]) if self.npv else self.tallies[name].freeze()


def _fill(case: Case, plan: _Plan, drawn: FloatArray, first: int, step: int, sink: _Sink) -> None:
    """Hand the NPV and payback of trials ``first..first + len(drawn) - 1`` to ``sink``.

    The cash flows are built ``step`` trials at a time (``first`` is a
    multiple of ``step``), so the work arrays stay within :data:`WORK_BYTES`
    however many trials were drawn, and every step is the same in any part of a run.
    """
    bids = list(range(len(case.bids)))
    for lo in range(0, drawn.shape[0], step):
        hi = min(lo + step, drawn.shape[0])
        values = {key: drawn[lo:hi, j] for j, key in enumerate(plan.keys)}
        rate: Any = values.get(DISCOUNT_RATE, case.discount_rate)
        for name, net in _net_by_key(case, values, hi - lo, bids).items():
            sink.add(name, first + lo, np.asarray(finance.npv(rate, net)), np.asarray(finance.payback(net)))


def _summarise(
    name: str,
    vendor: str,
    case: Case,
    trials_of: TrialTally | tuple[FloatArray, FloatArray],
    deterministic: float,
) -> SimulatedBid:
    """One bid's result from its NPV and payback arrays (exact percentiles) or from its tally."""
    tally = trials_of if isinstance(trials_of, TrialTally) else None
    if isinstance(trials_of, TrialTally):
        npv = payback = np.empty(0)
        trials, worse_off, never = trials_of.trials, trials_of.worse_off, trials_of.never_pays_back
        mean = trials_of.npv_mean
        p10, p50, p90 = trials_of.npv_quantiles()
        pb10, pb50, pb90 = trials_of.payback_quantiles()
    else:
        npv, payback = trials_of
        trials = npv.size
        worse_off = sum(int(np.count_nonzero(part < 0)) for part in _scan(npv))
        never = sum(int(np.count_nonzero(part != part)) for part in _scan(payback))
        mean = _exact_mean(npv)
        p10, p50, p90 = _quantiles(npv)
        pb10, pb50, pb90 = _payback_quantiles(payback)
    p = float(worse_off) / trials
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
        npv_mean=mean,
        npv_p10=p10,
        npv_p50=p50,
        npv_p90=p90,
        payback_p10=pb10,
        payback_p50=pb50,
        payback_p90=pb90,
        share_never_pays_back=float(never) / trials,
        flags=(flag,) if flag is not None else (),
        tally=tally,
    )


# --------------------------------------------------------------------------
# merging parts of a run
# --------------------------------------------------------------------------


def _run_of(part: Simulation) -> int:
    return part.run_trials if part.run_trials is not None else part.first_trial + part.trials


def _check_parts(parts: Sequence[Simulation]) -> list[Simulation]:
    """The parts in trial order, or a ValueError saying why they are not parts of one run."""
    if not parts:
        raise ValueError("merge_simulations needs at least one part; found none")
    first = parts[0]
    for part in parts[1:]:
        if part.seed != first.seed:
            raise ValueError(
                f"parts of one run share its seed; found seeds {first.seed} and {part.seed} "
                "(simulate every part with the same seed=...)"
            )
        if _run_of(part) != _run_of(first):
            raise ValueError(
                f"parts of one run share its number of trials; found trials={_run_of(first)} and "
                f"trials={_run_of(part)} (give every part the same trials=...)"
            )
        if part.case != first.case:
            raise ValueError(
                f"parts of one run simulate the same case; found {first.case.name!r} and a different "
                f"case {part.case.name!r} (a changed input or uncertainty is a different case)"
            )
    ordered = sorted(parts, key=lambda p: p.first_trial)
    for before, after in itertools.pairwise(ordered):
        end = before.first_trial + before.trials
        if after.first_trial != end:
            kind = "overlap" if after.first_trial < end else "leave a gap"
            raise ValueError(
                f"parts must cover consecutive trials; trials {before.first_trial}..{end - 1} and "
                f"{after.first_trial}..{after.first_trial + after.trials - 1} {kind} "
                "(run the missing trials with start=..., stop=..., or drop the repeated part)"
            )
    return ordered


def merge_simulations(parts: Sequence[Simulation]) -> Simulation:
    """Combine simulations of consecutive ranges of trials of one run into the result of those trials.

    Parameters
    ----------
    parts : sequence of Simulation
        Results of :func:`simulate` with the same case, seed and ``trials``,
        over ranges (``start``, ``stop``) that follow each other without gap
        or overlap, in any order; ``keep`` may differ.

    Returns
    -------
    Simulation
        The result for the trials the parts cover together: the same as one
        :func:`simulate` call over that range. P(worse off), its standard
        error, the share that never pays back (counts) and the mean NPV (an
        exact sum, rounded once) are equal bit for bit. When every part kept
        its arrays, so does the result, and its percentiles are exact; otherwise
        the result is ``keep="summary"`` and its percentiles are those of the
        merged sketches, equal bit for bit to a single ``keep="summary"`` run
        and within the tolerance :func:`simulate` states of the exact ones.

    Raises
    ------
    ValueError
        If there is no part, the parts differ in case, seed or ``trials``, or
        their ranges overlap or leave a gap (a gap would leave trials out, so
        the result would not be that of any run).

    Examples
    --------
    >>> import bidfit
    >>> case = bidfit.load_sample("norway_roaming").model_copy(update={"uncertainty": [
    ...     bidfit.Uncertainty(target="discount_rate", distribution="uniform", low=0.0, high=0.1)]})
    >>> parts = [simulate(case, 30_000, seed=7, keep="summary", start=a, stop=a + 10_000)
    ...          for a in (20_000, 0, 10_000)]
    >>> merged, whole = merge_simulations(parts), simulate(case, 30_000, seed=7)
    >>> b, exact = merged.bids["Competitor B"], whole.bids["Competitor B"]
    >>> (merged.trials, b.probability_worse_off == exact.probability_worse_off, b.npv_mean == exact.npv_mean)
    (30000, True, True)
    >>> abs(b.npv_p50 - exact.npv_p50) <= 1.7e-4 * abs(exact.npv_p50)
    True
    """
    ordered = _check_parts(parts)
    first = ordered[0]
    case = first.case
    full = all(p.keep == "full" for p in ordered)
    bids = {}
    for bid in case.bids:
        pieces = [p.bids[bid.name] for p in ordered]
        trials_of: TrialTally | tuple[FloatArray, FloatArray] = (
            (np.concatenate([p.npv for p in pieces]), np.concatenate([p.payback_years for p in pieces]))
            if full
            else TrialTally.merge([_tally_of(piece) for piece in pieces])
        )
        bids[bid.name] = _summarise(bid.name, bid.vendor, case, trials_of, pieces[0].deterministic_npv)
    return Simulation(
        case=case,
        trials=sum(p.trials for p in ordered),
        seed=first.seed,
        chunk_size=first.chunk_size,
        bids=bids,
        first_trial=first.first_trial,
        run_trials=_run_of(first),
        keep="full" if full else "summary",
    )


def _tally_of(bid: SimulatedBid) -> TrialTally:
    """The bid's tally, made from its arrays when it has none."""
    return bid.tally if bid.tally is not None else TrialTally.of(bid.npv, bid.payback_years)
