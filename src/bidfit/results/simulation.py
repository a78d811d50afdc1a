"""The result of a simulation: each bid's simulated NPV and payback, the percentiles, the chance of loss.

:class:`Simulation` is what :func:`bidfit.simulate` returns; :class:`SimulatedBid`
holds one bid's trials. The percentiles are picked without sorting a copy of
the trials.

Every bid also carries a :class:`TrialTally`: what can be added up over
disjoint ranges of trials without keeping them (counts, the exact sum of NPV,
the extremes and two :class:`QuantileSketch` of bounded size). It is what a
``keep="summary"`` run keeps instead of the per-trial arrays, and what
:func:`bidfit.merge_simulations` adds up.
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

__all__ = [
    "SKETCH_RELATIVE_ERROR",
    "QuantileSketch",
    "SimulatedBid",
    "Simulation",
    "TrialTally",
    "histogram_edges",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


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


# --------------------------------------------------------------------------
# summaries that add up over disjoint ranges of trials
# --------------------------------------------------------------------------


SKETCH_BUCKETS_PER_OCTAVE = 2048
"""Buckets of a :class:`QuantileSketch` between a magnitude and its double [buckets]."""

SKETCH_OCTAVES = 48
"""Octaves of magnitude a :class:`QuantileSketch` keeps below its largest value, per sign [octaves]."""

_GROWTH = 2.0 ** (1.0 / SKETCH_BUCKETS_PER_OCTAVE)  # upper / lower edge of every bucket

SKETCH_RELATIVE_ERROR = (_GROWTH - 1.0) / (_GROWTH + 1.0)
"""Largest relative error of a value read from a :class:`QuantileSketch` bucket: 1.6923e-4 [fraction]."""

_WINDOW = SKETCH_OCTAVES * SKETCH_BUCKETS_PER_OCTAVE  # buckets kept per sign
# Bucket edges of a mantissa in [0.5, 1): fixed floats, so a value's bucket is a function of the value.
_EDGES = 0.5 * np.exp2(np.arange(SKETCH_BUCKETS_PER_OCTAVE + 1) / SKETCH_BUCKETS_PER_OCTAVE)
_EDGES[0], _EDGES[-1] = 0.5, 1.0
# The value of a bucket [L, U) with the least relative error to any value in it: 2 L U / (L + U).
_MIDDLES = 2.0 * _EDGES[:-1] * _EDGES[1:] / (_EDGES[:-1] + _EDGES[1:])
_SUM_SLICE = 1 << 16  # values summed at once by _exact_sum: its work arrays stay a few MB


def _buckets(magnitudes: FloatArray) -> tuple[IntArray, int]:
    """Bucket of each positive magnitude, ``octave * SKETCH_BUCKETS_PER_OCTAVE + j``, and the top octave.

    ``frexp`` splits a magnitude exactly into ``m * 2**octave`` with ``m`` in
    [0.5, 1); ``j`` is the place of ``m`` among the fixed :data:`_EDGES`
    (``_EDGES[j] <= m < _EDGES[j + 1]``): guessed from ``log2(m)``, which is
    off by far less than a bucket, then set exactly by comparing with the edges.
    """
    mantissa, octave = np.frexp(magnitudes)
    guess = np.log2(mantissa) + 1.0
    guess *= SKETCH_BUCKETS_PER_OCTAVE
    j = np.clip(guess.astype(np.int64), 0, SKETCH_BUCKETS_PER_OCTAVE - 1)
    j -= mantissa < _EDGES[j]
    j += mantissa >= _EDGES[j + 1]
    return octave.astype(np.int64) * SKETCH_BUCKETS_PER_OCTAVE + j, int(octave.max())


def _bucket_values(first: int, size: int) -> FloatArray:
    """The value standing for each of the buckets ``first..first + size - 1`` [value unit]."""
    index = np.arange(first, first + size, dtype=np.int64)
    octave, j = np.divmod(index, SKETCH_BUCKETS_PER_OCTAVE)
    values: FloatArray = np.ldexp(_MIDDLES[j], octave.astype(np.int32))
    return values


@dataclass(frozen=True)
class _Magnitudes:
    """Counts of one sign's magnitudes by bucket: ``counts[i]`` in bucket ``first + i``.

    Buckets below ``(top - SKETCH_OCTAVES + 1) * SKETCH_BUCKETS_PER_OCTAVE``
    (magnitudes under ``2**-SKETCH_OCTAVES`` of the largest) are pooled into
    that lowest bucket. The pooling depends only on the largest magnitude, so
    the counts depend on the values alone, not on how they were split.
    """

    top: int
    first: int
    counts: IntArray

    @property
    def total(self) -> int:
        return int(self.counts.sum())


class _MagnitudeCounter:
    """Adds magnitudes (or other counters) into a window of :data:`_WINDOW` buckets below the largest."""

    def __init__(self) -> None:
        self.top: int | None = None
        self.counts = np.zeros(0, dtype=np.int64)

    @property
    def floor(self) -> int:
        assert self.top is not None
        return (self.top - SKETCH_OCTAVES + 1) * SKETCH_BUCKETS_PER_OCTAVE

    def _raise_top(self, top: int) -> None:
        if self.top is None:
            self.top, self.counts = top, np.zeros(_WINDOW, dtype=np.int64)
        elif top > self.top:
            shift = (top - self.top) * SKETCH_BUCKETS_PER_OCTAVE
            moved = np.zeros(_WINDOW, dtype=np.int64)
            moved[0] = self.counts[: shift + 1].sum()
            if shift < _WINDOW - 1:
                moved[1 : _WINDOW - shift] = self.counts[shift + 1 :]
            self.top, self.counts = top, moved

    def add_values(self, magnitudes: FloatArray) -> None:
        if magnitudes.size == 0:
            return
        buckets, top = _buckets(magnitudes)
        self._raise_top(top)
        place = np.maximum(buckets - self.floor, 0)
        lowest = int(place.min())
        counted = np.bincount(place - lowest)  # over the span of this batch only
        self.counts[lowest : lowest + counted.size] += counted

    def add_counts(self, part: _Magnitudes) -> None:
        if part.counts.size == 0:
            return
        self._raise_top(part.top)
        offset = part.first - self.floor
        if offset < 0:
            pooled = min(-offset, part.counts.size)
            self.counts[0] += part.counts[:pooled].sum()
            self.counts[: part.counts.size - pooled] += part.counts[pooled:]
        else:
            self.counts[offset : offset + part.counts.size] += part.counts

    def freeze(self) -> _Magnitudes:
        if self.top is None:
            return _Magnitudes(0, 0, np.zeros(0, dtype=np.int64))
        used = np.flatnonzero(self.counts)
        lo, hi = int(used[0]), int(used[-1]) + 1
        return _Magnitudes(self.top, self.floor + lo, self.counts[lo:hi].copy())


@dataclass(frozen=True)
class QuantileSketch:
    """Counts of values by logarithmic bucket: approximate order statistics in bounded memory.

    Each sign's magnitudes are counted in buckets whose edges grow by a factor
    ``2**(1/SKETCH_BUCKETS_PER_OCTAVE)``; a value read back from a bucket is
    within :data:`SKETCH_RELATIVE_ERROR` (1.6923e-4) of every value in it (the
    log-bucket sketch of Masson, Rim and Lee, "DDSketch", VLDB 2019). Zeros
    and NaN are counted apart. Two sketches of disjoint sets of values add up
    to exactly the sketch of their union, however the values were split.

    Attributes
    ----------
    negative, positive : _Magnitudes
        Bucket counts of the magnitudes below and above zero.
    zeros : int
        Values equal to 0 [values].
    missing : int
        NaN values [values] (e.g. a trial that never pays back).
    low, high : float
        Smallest and largest value that is not NaN (exact); NaN if none [value unit].

    Notes
    -----
    Memory: at most ``2 * SKETCH_OCTAVES * SKETCH_BUCKETS_PER_OCTAVE`` counts
    (1.5 MB) while values are added, whatever their number; the frozen sketch
    keeps only the span of buckets in use. Magnitudes below ``2**-48`` times
    the largest magnitude of their sign are pooled into the lowest bucket kept,
    so a value read from there is within ``2**-46`` of that largest magnitude.

    Examples
    --------
    >>> s = QuantileSketch.of(np.array([-2.0, 0.0, 1.0, 3.0, np.nan]))
    >>> s.count, s.missing, round(s.value_at_rank(3), 3)
    (4, 1, 3.0)
    """

    negative: _Magnitudes
    zeros: int
    positive: _Magnitudes
    missing: int
    low: float
    high: float

    @property
    def count(self) -> int:
        """Values counted, NaN left out [values]."""
        return self.negative.total + self.zeros + self.positive.total

    @classmethod
    def of(cls, values: FloatArray) -> QuantileSketch:
        """The sketch of ``values``, added a slice at a time."""
        builder = _SketchBuilder()
        for part in _scan(values):
            builder.add(part)
        return builder.freeze()

    @classmethod
    def merge(cls, parts: Sequence[QuantileSketch]) -> QuantileSketch:
        """The sketch of the union of the values of ``parts`` (disjoint sets of values)."""
        builder = _SketchBuilder()
        for part in parts:
            builder.add_sketch(part)
        return builder.freeze()

    def values_and_counts(self) -> tuple[FloatArray, IntArray]:
        """Each bucket in use, ascending: the value standing for it (clipped to ``low..high``) and its count."""
        neg = self.negative
        values = np.concatenate(
            [
                -_bucket_values(neg.first, neg.counts.size)[::-1],
                np.zeros(1 if self.zeros else 0),
                _bucket_values(self.positive.first, self.positive.counts.size),
            ]
        )
        counts = np.concatenate(
            [neg.counts[::-1], np.full(1 if self.zeros else 0, self.zeros, np.int64), self.positive.counts]
        )
        return np.clip(values, self.low, self.high), counts.astype(np.int64)

    def value_at_rank(self, rank: int) -> float:
        """About the ``rank``-th smallest value (0-based, NaN left out), within :data:`SKETCH_RELATIVE_ERROR`."""
        values, counts = self.values_and_counts()
        return float(values[int(np.searchsorted(np.cumsum(counts), rank, side="right"))])


class _SketchBuilder:
    """A :class:`QuantileSketch` being filled, a batch of values at a time."""

    def __init__(self) -> None:
        self.negative, self.positive = _MagnitudeCounter(), _MagnitudeCounter()
        self.zeros = self.missing = 0
        self.low, self.high = math.inf, -math.inf

    def add(self, values: FloatArray) -> None:
        nan = np.isnan(values)
        if nan.any():
            self.missing += int(np.count_nonzero(nan))
            values = values[~nan]
        if values.size == 0:
            return
        self.low, self.high = min(self.low, float(values.min())), max(self.high, float(values.max()))
        self.zeros += int(np.count_nonzero(values == 0))
        self.negative.add_values(-values[values < 0])
        self.positive.add_values(values[values > 0])

    def add_sketch(self, part: QuantileSketch) -> None:
        self.negative.add_counts(part.negative)
        self.positive.add_counts(part.positive)
        self.zeros += part.zeros
        self.missing += part.missing
        if part.count:
            self.low, self.high = min(self.low, part.low), max(self.high, part.high)

    def freeze(self) -> QuantileSketch:
        counted = math.isfinite(self.low)
        return QuantileSketch(
            negative=self.negative.freeze(),
            zeros=self.zeros,
            positive=self.positive.freeze(),
            missing=self.missing,
            low=self.low if counted else math.nan,
            high=self.high if counted else math.nan,
        )


def _exact_sum(values: FloatArray) -> int:
    """The exact sum of finite ``values``, as an integer number of ``2**-1126`` (the finest float step / 2**52).

    ``frexp`` writes each value exactly as ``M * 2**(e - 53)`` with an integer
    ``|M| < 2**53``; the high and low halves of ``M`` are added per exponent
    in float64, exactly (every partial sum is an integer below 2**53), and
    the per-exponent totals are shifted into one Python integer. The result
    does not depend on the order of the values nor on how they are split.

    Examples
    --------
    >>> from fractions import Fraction
    >>> Fraction(_exact_sum(np.array([0.1, 0.2, -0.3])), 2**1126) == Fraction(0.1) + Fraction(0.2) - Fraction(0.3)
    True
    """
    total = 0
    for first in range(0, values.size, _SUM_SLICE):
        mantissa, exponent = np.frexp(values[first : first + _SUM_SLICE])
        whole = (mantissa * 2.0**53).astype(np.int64)
        index = exponent.astype(np.int64) + 1073  # 0 for the smallest subnormal
        high = np.bincount(index, weights=(whole >> 26).astype(np.float64))
        low = np.bincount(index, weights=(whole & ((1 << 26) - 1)).astype(np.float64))
        for i in np.flatnonzero((high != 0) | (low != 0)).tolist():
            total += ((int(high[i]) << 26) + int(low[i])) << i
    return total


_SUM_SCALE = 1126  # _exact_sum counts in units of 2**-_SUM_SCALE


def _exact_mean(values: FloatArray) -> float:
    """The mean of finite ``values``: their exact sum divided by their number, rounded once.

    Examples
    --------
    >>> _exact_mean(np.array([1e16, 1.0, -1e16, 3.0]))
    1.0
    """
    return _exact_sum(values) / (values.size << _SUM_SCALE)


@dataclass(frozen=True)
class TrialTally:
    """What adds up over disjoint ranges of one bid's trials, without keeping them.

    Attributes
    ----------
    trials : int
        Trials counted [trials].
    worse_off : int
        Trials with NPV < 0 [trials].
    never_pays_back : int
        Trials that never pay back within the horizon [trials].
    npv_sum : int
        The exact sum of the trials' NPV, in units of ``2**-1126`` [currency];
        :attr:`npv_mean` divides it with one rounding.
    npv : QuantileSketch
        NPV by bucket [currency]; its ``low`` and ``high`` are the exact extremes.
    payback : QuantileSketch
        Payback by bucket [years]; "never" counted as missing.

    Examples
    --------
    >>> t = TrialTally.of(np.array([-1.0, 2.0, 5.0]), np.array([1.5, np.nan, 0.5]))
    >>> t.worse_off, t.never_pays_back, t.npv_mean
    (1, 1, 2.0)
    """

    trials: int
    worse_off: int
    never_pays_back: int
    npv_sum: int
    npv: QuantileSketch
    payback: QuantileSketch

    @classmethod
    def of(cls, npv: FloatArray, payback: FloatArray) -> TrialTally:
        """The tally of trials given by their NPV [currency] and payback [years]."""
        builder = _TallyBuilder()
        for first in range(0, npv.size, _SCAN):
            builder.add(npv[first : first + _SCAN], payback[first : first + _SCAN])
        return builder.freeze()

    @classmethod
    def merge(cls, parts: Sequence[TrialTally]) -> TrialTally:
        """The tally of the union of disjoint sets of trials: counts and sums exact, sketches merged."""
        return TrialTally(
            trials=sum(p.trials for p in parts),
            worse_off=sum(p.worse_off for p in parts),
            never_pays_back=sum(p.never_pays_back for p in parts),
            npv_sum=sum(p.npv_sum for p in parts),
            npv=QuantileSketch.merge([p.npv for p in parts]),
            payback=QuantileSketch.merge([p.payback for p in parts]),
        )

    @property
    def npv_mean(self) -> float:
        """Mean NPV, the exact sum divided by the trials and rounded once [currency]."""
        return self.npv_sum / (self.trials << _SUM_SCALE)

    def npv_quantiles(self) -> tuple[float, float, float]:
        """About P10, P50 and P90 of NPV, interpolated as ``numpy.quantile`` (linear) does [currency].

        Each is within ``SKETCH_RELATIVE_ERROR * max(|a|, |b|)`` of the exact
        one, ``a`` and ``b`` the two order statistics it interpolates between
        (plus ``2**-46`` times the largest magnitude, for values pooled far below it).
        """
        n = self.trials
        values, counts = self.npv.values_and_counts()
        cumulative = np.cumsum(counts)
        out = []
        for q in (0.1, 0.5, 0.9):
            h = (n - 1) * q
            below = math.floor(h)
            at = np.searchsorted(cumulative, [below, min(below + 1, n - 1)], side="right")
            a, b, t = float(values[at[0]]), float(values[at[1]]), h - below
            out.append(b - (b - a) * (1 - t) if t >= 0.5 else a + (b - a) * t)
        return out[0], out[1], out[2]

    def payback_quantiles(self) -> tuple[float | None, float | None, float | None]:
        """About P10/P50/P90 of payback [years] ("never" last; None where that is "never"), as :func:`_payback_quantiles`."""
        paid = self.payback.count
        values, counts = self.payback.values_and_counts()
        cumulative = np.cumsum(counts)
        out: list[float | None] = []
        for q in (0.1, 0.5, 0.9):
            k = max(math.ceil(q * self.trials - 1e-9) - 1, 0)
            out.append(float(values[int(np.searchsorted(cumulative, k, side="right"))]) if k < paid else None)
        return out[0], out[1], out[2]


class _TallyBuilder:
    """A :class:`TrialTally` being filled, a batch of trials at a time."""

    def __init__(self) -> None:
        self.trials = self.worse_off = self.never = self.npv_sum = 0
        self.npv, self.payback = _SketchBuilder(), _SketchBuilder()

    def add(self, npv: FloatArray, payback: FloatArray) -> None:
        self.trials += npv.size
        self.worse_off += int(np.count_nonzero(npv < 0))
        self.never += int(np.count_nonzero(np.isnan(payback)))
        self.npv_sum += _exact_sum(npv)
        self.npv.add(npv)
        self.payback.add(payback)

    def freeze(self) -> TrialTally:
        return TrialTally(
            self.trials, self.worse_off, self.never, self.npv_sum, self.npv.freeze(), self.payback.freeze()
        )


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
    tally : TrialTally or None
        With ``keep="summary"``: counts, the exact NPV sum and bounded-size
        sketches of the trials, all that is kept (``npv`` and
        ``payback_years`` are then empty, and the percentiles are read from
        the sketches, see :class:`TrialTally`). None with ``keep="full"``, whose
        arrays give the same (:func:`bidfit.merge_simulations` makes the tally
        from them when it needs one).
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
    tally: TrialTally | None = None

    @property
    def kept_trials(self) -> bool:
        """True when ``npv`` and ``payback_years`` hold every trial (``keep="full"``)."""
        return self.npv.size == self.trials

    @property
    def verdict(self) -> Verdict:
        """The verdict of the simulation's own findings (see :func:`bidfit.results.analysis.verdict_of`)."""
        return verdict_of(self.flags)

    def histogram(self, bins: int = 40) -> pd.DataFrame:
        """NPV histogram: ``npv_from, npv_to`` [currency], ``trials`` and ``share`` per bin.

        A bin edge falls on 0 whenever 0 lies within the range, so the bins
        below 0 add up to :attr:`probability_worse_off`. Without the trials
        (``keep="summary"``) the counts are those of the :attr:`tally`'s NPV
        sketch: a trial within :data:`SKETCH_RELATIVE_ERROR` of an edge may fall
        in the bin next to its own, never across 0.
        """
        import pandas as pd

        if self.kept_trials or self.tally is None:
            edges = histogram_edges(self.npv, bins)
            counts, _ = np.histogram(self.npv, edges)
        else:
            sketch = self.tally.npv
            edges = histogram_edges(np.array([sketch.low, sketch.high]), bins)
            values, weights = sketch.values_and_counts()
            counts = np.histogram(values, edges, weights=weights)[0].astype(np.int64)
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
    first_trial : int
        The first trial of this result within its run [trials]: the result
        holds trials ``first_trial .. first_trial + trials - 1`` (0 for a whole run).
    run_trials : int or None
        Trials of the whole run this result is a part of [trials]; None means
        ``trials`` (the result is the whole run).
    keep : {"full", "summary"}
        ``"full"``: every bid keeps its per-trial NPV and payback arrays;
        ``"summary"``: only its :class:`TrialTally` (memory independent of the trials).
    """

    case: Case
    trials: int
    seed: int
    chunk_size: int
    bids: dict[str, SimulatedBid] = field(default_factory=dict)
    first_trial: int = 0
    run_trials: int | None = None
    keep: str = "full"

    @property
    def trial_range(self) -> range:
        """The trials this result holds, numbered within the whole run."""
        return range(self.first_trial, self.first_trial + self.trials)

    @property
    def summary(self) -> pd.DataFrame:
        """One row per bid: P(worse off) and its standard error, NPV and payback percentiles.

        Exact floats; it displays each figure in its unit, with every column
        (:class:`bidfit.results.frames.SummaryFrame`).
        """
        import pandas as pd

        from bidfit.results.frames import summary_frame

        frame = pd.DataFrame.from_dict({n: b.summary_row() for n, b in self.bids.items()}, orient="index")
        frame.index.name = "bid"
        return summary_frame(frame, self.case.currency)

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
