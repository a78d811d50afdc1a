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

from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bidfit.model.amounts import cost_amounts
from bidfit.model.case import Case, CostItem

__all__ = [
    "BidCashflows",
    "LineValues",
    "StackedCashflows",
    "bid_net_flows",
    "build_cashflows",
    "build_stacked",
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
    price_linked : ndarray of bool, shape (c,), optional
        True for recurring items priced as a ``percent_of`` one-time items
        (support at 18 % of the hardware a year): they follow the one-time
        price. None: no item is linked.
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
    price_linked: npt.NDArray[np.bool_] | None = None

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
    def linked_fees(self) -> FloatArray:
        """Recurring costs per year that are a ``percent_of`` one-time items [currency]."""
        if self.price_linked is None:
            return np.zeros(self.years.size)
        return self.cost_lines[self.recurring & self.price_linked].sum(axis=0)

    @property
    def price_costs(self) -> FloatArray:
        """Costs per year that move with the one-time price [currency].

        The one-time costs, and the recurring fees priced as a percent of them:
        when the price changes, a fee of 18 % of the hardware changes with it.
        """
        return self.one_time_costs + self.linked_fees

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
            price_linked=np.array([c.is_recurring and bool(c.percent_of) for c in costs], dtype=bool),
            vendor_cost_names=tuple(c.name for c in bid.vendor_costs),
            vendor_cost_lines=cost_lines(bid.vendor_costs, years, case.fx_rate),
        )
    return result


@dataclass(frozen=True)
class StackedCashflows:
    """The yearly totals of every bid of many cases, one row per bid.

    Rows run over the cases in order and, within a case, over its bids in
    order. Every row has the width of the longest horizon; the years after a
    bid's own horizon hold zeros. Each total is the same sum, in the same
    order, of the same lines as in :func:`build_cashflows`, so a row equals
    that bid's :class:`BidCashflows` totals bit for bit.

    Attributes
    ----------
    case_of_row : ndarray of int, shape (m,)
        Position of each row's case in the cases given.
    bid_of_row : ndarray of int, shape (m,)
        Position of each row's bid in its case's bids.
    horizons : ndarray of int, shape (m,)
        Each row's horizon [years].
    unsourced : ndarray of int, shape (m,)
        Revenue streams in the bid's scope and cost items of the bid that give no source.
    benefits, revenue_pool, one_time_costs, recurring_costs, linked_fees, costs : ndarray, shape (m, n)
        Yearly totals as the :class:`BidCashflows` properties of the same names [currency].
    """

    case_of_row: npt.NDArray[np.int64]
    bid_of_row: npt.NDArray[np.int64]
    horizons: npt.NDArray[np.int64]
    unsourced: npt.NDArray[np.int64]
    benefits: FloatArray
    revenue_pool: FloatArray
    one_time_costs: FloatArray
    recurring_costs: FloatArray
    linked_fees: FloatArray
    costs: FloatArray

    @property
    def net(self) -> FloatArray:
        """Benefits minus costs per row and year [currency]."""
        return self.benefits - self.costs


def _ints(values: array[int]) -> npt.NDArray[np.int64]:
    return np.asarray(values, dtype=np.int64)


def _group_sums(
    lines: FloatArray, rows: Sequence[int] | npt.NDArray[np.int64], counts: array[int], width: int
) -> FloatArray:
    """Sum ``lines[rows]`` in consecutive groups of ``counts`` rows, in order; zeros for an empty group."""
    sizes = _ints(counts)
    out = np.zeros((sizes.size, width))
    if not len(rows):
        return out
    row_index = np.asarray(rows, dtype=np.int64)
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    # The k-th line of every group at once, k = 0, 1, ...: each group's lines are added one after
    # the other, in order, as a sum over the lines of one bid does.
    for k in range(int(sizes.max())):
        groups = np.flatnonzero(sizes > k)
        out[groups] += lines[row_index[starts[groups] + k]]
    return out


def _resolved_amounts(costs: Sequence[CostItem], case: Case) -> list[float]:
    """:func:`~bidfit.model.amounts.cost_amounts` of ``costs``, with its arithmetic inline for
    the usual items: an amount times FX, or a share of such items (``share * (0 + a + b ...)``)."""
    base = {c.name: (c.amount or 0.0) * case.fx_rate(c.currency) for c in costs if not c.percent_of}
    if len(base) == len(costs):
        return list(base.values())
    if len(base) + sum(1 for c in costs if c.percent_of) != len(costs) or any(
        name not in base for c in costs for name in c.percent_of
    ):
        return cost_amounts(costs, case.fx_rate).tolist()  # shares of shares, or names to report
    return [
        (c.percent or 0.0) * sum(base[name] for name in c.percent_of) if c.percent_of else base[c.name]
        for c in costs
    ]


def build_stacked(cases: Sequence[Case]) -> StackedCashflows:
    """The yearly totals of every bid of many cases, built as a few stacked array operations.

    The parameters of every line of every case are gathered first; then one
    :func:`schedule` call builds all revenue lines, one all cost lines, and
    grouped sums give each bid's totals. No per-bid :class:`BidCashflows` is made.

    Parameters
    ----------
    cases : sequence of Case
        Validated, consistent cases.

    Returns
    -------
    StackedCashflows
        One row per bid of every case [currency].

    Examples
    --------
    >>> import bidfit
    >>> stacked = build_stacked([bidfit.load_sample("norway_roaming")])
    >>> bool((stacked.net[1] == build_cashflows(bidfit.load_sample("norway_roaming"))["Competitor B"].net).all())
    True
    """
    # Long: one pass over the cases gathers every line's parameters, then a few array operations.
    # Compact arrays rather than lists of Python floats: 8 bytes a value.
    width = max((c.horizon_years for c in cases), default=0) + 1
    s_amount, s_fx, s_capture, s_margin = array("d"), array("d"), array("d"), array("d")
    s_start, s_end, s_growth, s_ramp = array("d"), array("d"), array("d"), array("d")
    c_amount, c_start, c_end, c_escalation = array("d"), array("d"), array("d"), array("d")
    benefit_rows, benefit_counts, cost_counts = array("q"), array("q"), array("q")
    one_time_rows, one_time_counts = array("q"), array("q")
    recurring_rows, recurring_counts = array("q"), array("q")
    linked_rows, linked_counts = array("q"), array("q")
    case_of_row, bid_of_row, horizons, unsourced = array("q"), array("q"), array("q"), array("q")
    for k, case in enumerate(cases):
        horizon = case.horizon_years
        first_stream = len(s_amount)
        names: dict[str, int] = {}
        no_source: set[int] = set()
        for i, s in enumerate(case.revenue):
            names[s.name] = first_stream + i
            if not s.source:
                no_source.add(first_stream + i)
            s_amount.append(s.annual_amount)
            s_fx.append(case.fx_rate(s.currency))
            s_capture.append(s.capture)
            s_margin.append(s.margin)
            s_start.append(s.start_year)
            s_end.append(horizon if s.end_year is None else min(s.end_year, horizon))
            s_growth.append(s.growth)
            s_ramp.append(s.ramp_years)
        every_stream = range(first_stream, len(s_amount))
        for b, bid in enumerate(case.bids):
            case_of_row.append(k)
            bid_of_row.append(b)
            horizons.append(horizon)
            scope = bid.scope
            in_scope = every_stream if not scope else [names[s.name] for s in case.revenue if s.name in scope]
            benefit_rows.extend(in_scope)
            benefit_counts.append(len(in_scope))
            first_cost = len(c_start)
            costs = bid.costs
            cost_counts.append(len(costs))
            c_amount.extend(_resolved_amounts(costs, case))
            n_one_time = n_recurring = n_linked = 0
            n_unsourced = sum(1 for i in in_scope if i in no_source) if no_source else 0
            for j, c in enumerate(costs):
                start, end = cost_years(c, horizon)
                c_start.append(start)
                c_end.append(min(end, horizon))
                c_escalation.append(c.escalation)
                if not c.source:
                    n_unsourced += 1
                if c.is_recurring:
                    recurring_rows.append(first_cost + j)
                    n_recurring += 1
                    if c.percent_of:
                        linked_rows.append(first_cost + j)
                        n_linked += 1
                else:
                    one_time_rows.append(first_cost + j)
                    n_one_time += 1
            one_time_counts.append(n_one_time)
            recurring_counts.append(n_recurring)
            linked_counts.append(n_linked)
            unsourced.append(n_unsourced)
    years = np.arange(width)
    fx = np.asarray(s_fx, dtype=float)
    amount = np.asarray(s_amount, dtype=float)
    captured = (amount * fx) * (np.asarray(s_capture, dtype=float) * np.asarray(s_margin, dtype=float))
    stream_start, stream_end = np.asarray(s_start, dtype=float), np.asarray(s_end, dtype=float)
    benefit_lines = captured[:, None] * schedule(years, stream_start, stream_end, s_growth, s_ramp)
    pool_lines = (amount * fx)[:, None] * schedule(years, stream_start, stream_end, s_growth)
    amounts = np.asarray(c_amount, dtype=float)
    cost_line_values = amounts[:, None] * schedule(years, c_start, c_end, c_escalation)
    all_costs = np.arange(amounts.size)
    return StackedCashflows(
        case_of_row=_ints(case_of_row),
        bid_of_row=_ints(bid_of_row),
        horizons=_ints(horizons),
        unsourced=_ints(unsourced),
        benefits=_group_sums(benefit_lines, benefit_rows, benefit_counts, width),
        revenue_pool=_group_sums(pool_lines, benefit_rows, benefit_counts, width),
        one_time_costs=_group_sums(cost_line_values, one_time_rows, one_time_counts, width),
        recurring_costs=_group_sums(cost_line_values, recurring_rows, recurring_counts, width),
        linked_fees=_group_sums(cost_line_values, linked_rows, linked_counts, width),
        costs=_group_sums(cost_line_values, all_costs, cost_counts, width),
    )
