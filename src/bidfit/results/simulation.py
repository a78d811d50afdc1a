"""The result of a simulation: each bid's simulated NPV and payback, the percentiles, the chance of loss.

:class:`Simulation` is what :func:`bidfit.simulate` returns; :class:`SimulatedBid`
holds one bid's trials. The percentiles are picked without sorting a copy of
the trials.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from bidfit.flags import Flag
from bidfit.model.case import Case
from bidfit.results.analysis import Verdict, verdict_of
from bidfit.results.base import BidsByName, Blocks, Result

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

__all__ = ["SimulatedBid", "Simulation", "histogram_edges"]

FloatArray = npt.NDArray[np.float64]


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

    def summary_row(self) -> dict[str, Any]:
        """The bid's row of :attr:`Simulation.summary`."""
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
class Simulation(BidsByName[SimulatedBid], Result):
    """The result of :func:`bidfit.simulate`.

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

    @property
    def summary(self) -> pd.DataFrame:
        """One row per bid: P(worse off) and its standard error, NPV and payback percentiles."""
        import pandas as pd

        frame = pd.DataFrame.from_dict({n: b.summary_row() for n, b in self.bids.items()}, orient="index")
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
