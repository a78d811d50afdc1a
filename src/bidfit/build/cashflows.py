"""The cash-flow builder: a case becomes arrays of years x line items, per bid.

Everything downstream (metrics, rules, simulation, report) works on these
arrays. The conventions are those of the package (see the README glossary):

* years run ``0..horizon_years``; year 0 is signature and installation;
* a one-time cost falls in its ``year`` (default 0);
* a revenue stream or recurring cost runs from ``start_year`` (default 1) to
  ``end_year`` (default the horizon), both inclusive;
* growth and escalation compound from the first active year:
  ``amount_t = amount * (1 + g) ** (t - start_year)``;
* a ramp of ``k >= 2`` years multiplies the first ``k`` active years by
  ``1/k, 2/k, ..., 1``;
* a stream's benefit is ``amount * capture * margin``; its full amount stays
  visible as the revenue pool;
* amounts in another currency are multiplied by the case's FX rate.

The line builders (:func:`stream_lines`, :func:`item_lines`) take optional
per-trial values of some lines' fields and then carry a leading trials axis,
so the same code builds one bid (:func:`build_cashflows`) or a million
simulated variants of it (:func:`bid_net_flows`, adding the lines one at a
time, in the same order, so that no trials x lines x years array is formed).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bidfit.model.amounts import cost_amounts
from bidfit.model.case import Case, CostItem

__all__ = [
    "BidCashflows",
    "LineValues",
    "bid_net_flows",
    "build_cashflows",
    "cost_lines",
    "cost_years",
    "item_lines",
    "line_parameter",
    "schedule",
    "stream_lines",
    "streams_in_scope",
]

FloatArray = npt.NDArray[np.float64]

LineValues = Mapping[tuple[int, str], FloatArray]
"""Per-trial values of some lines' fields: ``(line index, field name)`` to an
array of shape (trials,) [field unit]; the other lines keep their own value."""


def schedule(
    years: npt.ArrayLike,
    start: npt.ArrayLike,
    end: npt.ArrayLike,
    rate: npt.ArrayLike = 0.0,
    ramp_years: npt.ArrayLike = 0,
) -> FloatArray:
    """Yearly multipliers of an amount that is active from ``start`` to ``end``.

    Parameters
    ----------
    years : array_like of int, shape (n,)
        The timeline, normally ``0..horizon_years`` [years].
    start, end : array_like of int, shape (...)
        First and last active year of each line, inclusive [years].
    rate : array_like of float, shape (...)
        Compound growth or escalation per year from ``start`` [1/year].
    ramp_years : array_like of int, shape (...)
        Phase-in length ``k``; ``k >= 2`` gives ``1/k, 2/k, ..., 1`` [years].

    Returns
    -------
    ndarray, shape (..., n)
        ``(1 + rate) ** (t - start) * ramp_t`` inside the active years, 0 outside.

    Examples
    --------
    >>> schedule(range(5), start=1, end=3, rate=0.1, ramp_years=2)
    array([0.  , 0.5 , 1.1 , 1.21, 0.  ])
    """
    t = np.asarray(years, dtype=float)
    start_ = np.asarray(start, dtype=float)[..., None]
    end_ = np.asarray(end, dtype=float)[..., None]
    rate_ = np.asarray(rate, dtype=float)[..., None]
    ramp_ = np.asarray(ramp_years, dtype=float)[..., None]
    active = (t >= start_) & (t <= end_)
    elapsed = np.where(active, t - start_, 0.0)
    growth = (1.0 + rate_) ** elapsed
    phase_in = np.where(ramp_ >= 2, np.minimum((elapsed + 1.0) / np.maximum(ramp_, 1.0), 1.0), 1.0)
    return np.where(active, growth * phase_in, 0.0)


@dataclass(frozen=True)
class BidCashflows:
    """A bid's cash flows as arrays, before any metric is computed.

    Attributes
    ----------
    bid : str
        The bid's name.
    years : ndarray of int, shape (n,)
        ``0..horizon_years``.
    stream_names : tuple of str
        Revenue streams in the bid's scope (rows of the benefit arrays).
    benefit_lines : ndarray, shape (s, n)
        Benefit per stream and year, after capture, margin and ramp [currency].
    pool_lines : ndarray, shape (s, n)
        Full stream amounts per year, before capture and margin (the revenue
        pool) [currency].
    cost_names, cost_categories : tuple of str
        Cost items (rows of ``cost_lines``) and their categories.
    recurring : ndarray of bool, shape (c,)
        True for recurring cost items.
    cost_lines : ndarray, shape (c, n)
        Cost per item and year [currency].
    vendor_cost_names : tuple of str
        The vendor's own delivery cost items, when the bid gives them.
    vendor_cost_lines : ndarray, shape (v, n), optional
        The vendor's delivery cost per item and year [currency].
    """

    bid: str
    years: npt.NDArray[np.int64]
    stream_names: tuple[str, ...]
    benefit_lines: FloatArray
    pool_lines: FloatArray
    cost_names: tuple[str, ...]
    cost_categories: tuple[str, ...]
    recurring: npt.NDArray[np.bool_]
    cost_lines: FloatArray
    vendor_cost_names: tuple[str, ...] = ()
    vendor_cost_lines: FloatArray | None = None

    @property
    def benefits(self) -> FloatArray:
        """Total benefit per year [currency]."""
        return self.benefit_lines.sum(axis=0)

    @property
    def revenue_pool(self) -> FloatArray:
        """Total revenue pool per year, before capture and margin [currency]."""
        return self.pool_lines.sum(axis=0)

    @property
    def one_time_costs(self) -> FloatArray:
        """One-time costs per year [currency]."""
        return self.cost_lines[~self.recurring].sum(axis=0)

    @property
    def recurring_costs(self) -> FloatArray:
        """Recurring costs per year [currency]."""
        return self.cost_lines[self.recurring].sum(axis=0)

    @property
    def costs(self) -> FloatArray:
        """All costs per year [currency]."""
        return self.cost_lines.sum(axis=0)

    @property
    def vendor_costs(self) -> FloatArray:
        """The vendor's delivery cost per year [currency] (zeros when not given)."""
        if self.vendor_cost_lines is None:
            return np.zeros(self.years.size)
        return self.vendor_cost_lines.sum(axis=0)

    @property
    def net(self) -> FloatArray:
        """Benefits minus costs per year: the customer's net cash flow [currency]."""
        return self.benefits - self.costs


def cost_years(item: CostItem, horizon: int) -> tuple[int, int]:
    """First and last year an item is paid, with the defaults filled in [years].

    Examples
    --------
    >>> cost_years(CostItem(name="Fee", kind="recurring", amount=1), horizon=5)
    (1, 5)
    >>> cost_years(CostItem(name="Kit", kind="one_time", amount=1), horizon=5)
    (0, 0)
    """
    if item.is_recurring:
        start = 1 if item.start_year is None else item.start_year
        return start, horizon if item.end_year is None else item.end_year
    year = 0 if item.year is None else item.year
    return year, year


def line_parameter(
    own: Sequence[float], field: str, values: LineValues | None = None, trials: int | None = None
) -> FloatArray:
    """One field of every line, with the lines that vary per trial filled in.

    Parameters
    ----------
    own : sequence of float, shape (lines,)
        Each line's own value [field unit].
    field : str
        The field's name, as in ``values``.
    values : LineValues, optional
        Per-trial values of some lines' fields.
    trials : int, optional
        Number of trials; None for no trials axis.

    Returns
    -------
    ndarray
        Shape (lines,) without trials; (1, lines) when no line of the field
        varies (it broadcasts); (trials, lines) otherwise [field unit].

    Examples
    --------
    >>> line_parameter([1.0, 2.0], "amount", {(1, "amount"): np.array([5.0, 6.0])}, trials=2)
    array([[1., 5.],
           [1., 6.]])
    """
    row = np.asarray(own, dtype=float)
    if trials is None:
        return row
    varying = {i: v for (i, name), v in (values or {}).items() if name == field}
    if not varying:
        return row[None, :]
    out = np.repeat(row[None, :], trials, axis=0)
    for i, v in varying.items():
        out[:, i] = v
    return out


def _varying(field: str, values: LineValues | None) -> dict[int, FloatArray]:
    """The lines whose ``field`` varies per trial, by line index."""
    return {i: v for (i, name), v in (values or {}).items() if name == field}


def _stream_timing(case: Case) -> tuple[npt.NDArray[np.int64], FloatArray, FloatArray, FloatArray]:
    """Years, and each stream's first and last active year and ramp [years]."""
    streams = case.revenue
    years = np.arange(case.horizon_years + 1)
    start = np.array([s.start_year for s in streams], dtype=float)
    end = np.array([case.horizon_years if s.end_year is None else s.end_year for s in streams], dtype=float)
    ramp = np.array([s.ramp_years for s in streams], dtype=float)
    return years, start, end, ramp


def stream_lines(
    case: Case,
    values: LineValues | None = None,
    trials: int | None = None,
    streams: Iterable[int] | None = None,
) -> Iterator[tuple[int, FloatArray]]:
    """Each revenue stream's benefit per year, one line at a time.

    A stream's benefit is ``amount * fx * capture * margin`` times its yearly
    multipliers (:func:`schedule`).

    Parameters
    ----------
    case : Case
        The case.
    values : LineValues, optional
        Per-trial ``annual_amount``, ``capture``, ``margin`` or ``growth`` of
        some streams (by index in ``case.revenue``); needs ``trials``.
    trials : int, optional
        Number of trials; None for no trials axis.
    streams : iterable of int, optional
        Indices of the streams to build (default all), in the order given.

    Yields
    ------
    tuple of (int, ndarray)
        The stream's index and its benefit per year, shape (years,) without
        trials, else (trials or 1, years) [currency].
    """
    own = case.revenue
    amount = line_parameter([s.annual_amount for s in own], "annual_amount", values, trials)
    capture = line_parameter([s.capture for s in own], "capture", values, trials)
    margin = line_parameter([s.margin for s in own], "margin", values, trials)
    fx = np.array([case.fx_rate(s.currency) for s in own], dtype=float)
    captured = (amount * fx) * (capture * margin)
    years, start, end, ramp = _stream_timing(case)
    growth = _varying("growth", values)
    # Every stream's multipliers at its own growth, in one call; a stream whose growth varies gets its own.
    shared = schedule(years, start, end, [s.growth for s in own], ramp)
    for i in range(len(own)) if streams is None else streams:
        multipliers = schedule(years, start[i], end[i], growth[i], ramp[i]) if i in growth else shared[i]
        yield i, captured[..., i, None] * multipliers


def _pool_lines(case: Case) -> FloatArray:
    """Full stream amounts per year, before capture, margin and ramp, shape (streams, years) [currency]."""
    own = case.revenue
    full_amount = np.array([s.annual_amount * case.fx_rate(s.currency) for s in own], dtype=float)
    years, start, end, _ = _stream_timing(case)
    return full_amount[:, None] * schedule(years, start, end, [s.growth for s in own])


def item_lines(
    items: Sequence[CostItem],
    years: npt.NDArray[np.int64],
    fx_rate: Callable[[str | None], float] = lambda _: 1.0,
    values: LineValues | None = None,
    trials: int | None = None,
) -> Iterator[FloatArray]:
    """Each cost item's cost per year, one line at a time, in the items' order.

    Parameters
    ----------
    items : sequence of CostItem
        The items (a bid's costs, or the vendor's costs).
    years : ndarray of int, shape (n,)
        ``0..horizon_years`` [years].
    fx_rate : callable
        Units of case currency per unit of an item's currency.
    values : LineValues, optional
        Per-trial ``amount``, ``percent`` or ``escalation`` of some items (by
        index in ``items``); needs ``trials``.
    trials : int, optional
        Number of trials; None for no trials axis.

    Yields
    ------
    ndarray
        The item's cost per year, shape (n,) without trials, else
        (trials or 1, n) [currency].
    """
    if not items:
        return
    if values is None and trials is None:
        yield from cost_lines(items, years, fx_rate)
        return
    amount = line_parameter([c.amount or 0.0 for c in items], "amount", values, trials)
    percent = line_parameter([c.percent or 0.0 for c in items], "percent", values, trials)
    amounts = cost_amounts(items, fx_rate, amount, percent)
    start, end = _item_years(items, years)
    escalation = _varying("escalation", values)
    shared = schedule(years, start, end, [c.escalation for c in items])
    for i in range(len(items)):
        multipliers = schedule(years, start[i], end[i], escalation[i]) if i in escalation else shared[i]
        yield amounts[..., i, None] * multipliers


def _item_years(items: Sequence[CostItem], years: npt.NDArray[np.int64]) -> tuple[FloatArray, FloatArray]:
    """First and last active year of each item [years]."""
    start, end = np.array([cost_years(c, int(years[-1])) for c in items]).T
    return start, end


def cost_lines(
    items: Sequence[CostItem],
    years: npt.NDArray[np.int64],
    fx_rate: Callable[[str | None], float] = lambda _: 1.0,
) -> FloatArray:
    """Cost per item and year [currency], shape (len(items), len(years)).

    Examples
    --------
    >>> cost_lines([CostItem(name="Fee", kind="recurring", amount=10, escalation=0.1)], np.arange(3))
    array([[ 0., 10., 11.]])
    """
    if not items:
        return np.zeros((0, years.size))
    # The same product as item_lines' per-line one, for every item at once.
    start, end = _item_years(items, years)
    return cost_amounts(items, fx_rate)[:, None] * schedule(years, start, end, [c.escalation for c in items])


def streams_in_scope(case: Case, bid: int) -> list[int]:
    """Indices of the revenue streams in the scope of bid number ``bid`` (all when it has no scope).

    Examples
    --------
    >>> import bidfit
    >>> streams_in_scope(bidfit.load_sample("norway_roaming"), 0)
    [0]
    """
    scope = case.bids[bid].scope
    return [i for i, s in enumerate(case.revenue) if not scope or s.name in scope]


def bid_net_flows(
    case: Case,
    trials: int,
    bids: Sequence[int],
    stream_values: LineValues | None = None,
    cost_values: Mapping[int, LineValues] | None = None,
) -> dict[int, FloatArray]:
    """Each bid's net cash flow per trial and year, adding the lines one at a time.

    Stream by stream, a stream's line is built once and added to every bid
    that has it in scope, in the case's order of streams; then each bid's
    cost items are subtracted, in order. That is the arithmetic and the order
    of :func:`build_cashflows` (each line on its own, summed over lines), so
    that trials whose values equal the case's reproduce it bit for bit; and
    no array of trials x lines x years is ever formed.

    Parameters
    ----------
    case : Case
        The case.
    trials : int
        Number of trials.
    bids : sequence of int
        Indices of the bids to build.
    stream_values : LineValues, optional
        Per-trial values of the streams' fields.
    cost_values : mapping of int to LineValues, optional
        Per-trial values of the cost items' fields, by bid index.

    Returns
    -------
    dict of int to ndarray of shape (trials or 1, years)
        Net cash flow by bid index [currency]; one row when nothing varies.
    """
    years = np.arange(case.horizon_years + 1)
    scopes = {b: set(streams_in_scope(case, b)) for b in bids}
    taken = [i for i in range(len(case.revenue)) if any(i in scopes[b] for b in bids)]
    benefits: dict[int, FloatArray] = {}
    for i, line in stream_lines(case, stream_values, trials, taken):
        for b in bids:
            if i in scopes[b]:
                benefits[b] = benefits[b] + line if b in benefits else line
    out = {}
    for b in bids:
        costs: FloatArray | None = None
        values = (cost_values or {}).get(b)
        for line in item_lines(case.bids[b].costs, years, case.fx_rate, values, trials):
            costs = line if costs is None else costs + line
        zeros = np.zeros((1, years.size))
        out[b] = benefits.get(b, zeros) - (zeros if costs is None else costs)
    return out


def build_cashflows(case: Case) -> dict[str, BidCashflows]:
    """Build every bid's cash-flow arrays.

    Parameters
    ----------
    case : Case
        A validated case.

    Returns
    -------
    dict of str to BidCashflows
        One entry per bid, in the order of ``case.bids``.

    Examples
    --------
    >>> from bidfit.model.case import Bid, Case, CostItem, RevenueStream
    >>> case = Case(name="Demo", horizon_years=2, discount_rate=0.1,
    ...             revenue=[RevenueStream(name="Sales", annual_amount=100, capture=0.5)],
    ...             bids=[Bid(name="A", costs=[CostItem(name="Kit", kind="one_time",
    ...                                                 amount=60)])])
    >>> build_cashflows(case)["A"].net
    array([-60.,  50.,  50.])
    """
    years = np.arange(case.horizon_years + 1)
    empty = np.zeros((0, years.size))
    benefit_all = np.stack([line for _, line in stream_lines(case)]) if case.revenue else empty
    pool_all = _pool_lines(case)

    result = {}
    for b, bid in enumerate(case.bids):
        in_scope = streams_in_scope(case, b)
        costs = bid.costs
        result[bid.name] = BidCashflows(
            bid=bid.name,
            years=years,
            stream_names=tuple(case.revenue[i].name for i in in_scope),
            benefit_lines=benefit_all[in_scope],
            pool_lines=pool_all[in_scope],
            cost_names=tuple(c.name for c in costs),
            cost_categories=tuple(c.category for c in costs),
            recurring=np.array([c.is_recurring for c in costs], dtype=bool),
            cost_lines=cost_lines(costs, years, case.fx_rate),
            vendor_cost_names=tuple(c.name for c in bid.vendor_costs),
            vendor_cost_lines=cost_lines(bid.vendor_costs, years, case.fx_rate),
        )
    return result
