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

The array functions broadcast over leading axes, so the same code builds one
bid or a million simulated variants of it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bidfit.errors import Problem
from bidfit.models import FIELD_HINTS, Case, CostItem

__all__ = [
    "BidCashflows",
    "build_cashflows",
    "cost_amounts",
    "cost_lines",
    "cost_years",
    "nonfinite_problems",
    "schedule",
]

FloatArray = npt.NDArray[np.float64]


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


def cost_amounts(
    items: Sequence[CostItem],
    fx_rate: Callable[[str | None], float] = lambda _: 1.0,
    amount: npt.ArrayLike | None = None,
    percent: npt.ArrayLike | None = None,
) -> FloatArray:
    """Each cost item's amount in the case currency, with ``percent_of`` resolved.

    An item with ``percent_of`` costs ``percent`` times the total amount of the
    one-time items it names (themselves resolved first).

    Parameters
    ----------
    items : sequence of CostItem
        The items to resolve (a bid's costs, or the vendor's costs).
    fx_rate : callable
        Units of case currency per unit of an item's currency, normally
        :meth:`Case.fx_rate`.
    amount, percent : array_like, shape (..., len(items)), optional
        Values replacing the items' own ``amount`` [item currency] and
        ``percent`` [fraction], e.g. one row per simulated trial.

    Returns
    -------
    ndarray, shape (..., len(items))
        Amounts in the case currency [currency].

    Examples
    --------
    >>> items = [
    ...     CostItem(name="Hardware", category="capex", kind="one_time", amount=1000),
    ...     CostItem(name="Support", category="maintenance", kind="recurring",
    ...              percent_of=["Hardware"], percent=0.18)]
    >>> cost_amounts(items)
    array([1000.,  180.])
    >>> cost_amounts(items, amount=[[1000, 0], [2000, 0]])
    array([[1000.,  180.],
           [2000.,  360.]])
    """
    if not items:
        return np.zeros(0)
    own_amount = np.array([c.amount or 0.0 for c in items])
    own_percent = np.array([c.percent or 0.0 for c in items])
    amounts = own_amount if amount is None else np.asarray(amount, dtype=float)
    percents = own_percent if percent is None else np.asarray(percent, dtype=float)
    fx = np.array([fx_rate(c.currency) for c in items])
    index = {item.name: i for i, item in enumerate(items)}
    if any(name not in index for item in items for name in item.percent_of):
        raise ValueError("percent_of refers to an item that is missing")
    # Items first, then shares of them as soon as what they share is known: one
    # pass in dependency order, however long a chain of shares (a loop, not a
    # recursive closure: a closure referring to itself would keep every
    # trial-sized array alive until the garbage collector runs).
    waiting = [len(set(item.percent_of)) for item in items]
    shares_of: dict[int, list[int]] = {}
    for i, item in enumerate(items):
        for name in set(item.percent_of):
            shares_of.setdefault(index[name], []).append(i)
    ready = [i for i, count in enumerate(waiting) if count == 0]
    resolved: dict[int, FloatArray] = {}
    while ready:
        i = ready.pop()
        item = items[i]
        if item.percent_of:
            resolved[i] = percents[..., i] * sum(resolved[index[name]] for name in item.percent_of)
        else:
            resolved[i] = amounts[..., i] * fx[i]
        for j in shares_of.get(i, []):
            waiting[j] -= 1
            if waiting[j] == 0:
                ready.append(j)
    if len(resolved) < len(items):
        raise ValueError("percent_of refers back to the item itself")
    return np.stack(np.broadcast_arrays(*(resolved[i] for i in range(len(items)))), axis=-1)


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
    start, end = np.array([cost_years(c, int(years[-1])) for c in items]).T
    rate = np.array([c.escalation for c in items])
    return cost_amounts(items, fx_rate)[:, None] * schedule(years, start, end, rate)


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
    >>> from bidfit.models import Bid, Case, CostItem, RevenueStream
    >>> case = Case(name="Demo", horizon_years=2, discount_rate=0.1,
    ...             revenue=[RevenueStream(name="Sales", annual_amount=100, capture=0.5)],
    ...             bids=[Bid(name="A", costs=[CostItem(name="Kit", kind="one_time",
    ...                                                 amount=60)])])
    >>> build_cashflows(case)["A"].net
    array([-60.,  50.,  50.])
    """
    years = np.arange(case.horizon_years + 1)
    horizon = case.horizon_years
    streams = case.revenue
    full_amount = np.array([s.annual_amount * case.fx_rate(s.currency) for s in streams])
    captured = full_amount * np.array([s.capture * s.margin for s in streams])
    start = np.array([s.start_year for s in streams])
    end = np.array([horizon if s.end_year is None else s.end_year for s in streams])
    growth = np.array([s.growth for s in streams])
    ramp = np.array([s.ramp_years for s in streams])
    benefit_all = captured[:, None] * schedule(years, start, end, growth, ramp)
    pool_all = full_amount[:, None] * schedule(years, start, end, growth)

    result = {}
    for bid in case.bids:
        in_scope = [i for i, s in enumerate(streams) if not bid.scope or s.name in bid.scope]
        costs = bid.costs
        result[bid.name] = BidCashflows(
            bid=bid.name,
            years=years,
            stream_names=tuple(streams[i].name for i in in_scope),
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


def nonfinite_problems(case: Case, flows: Mapping[str, BidCashflows]) -> list[Problem]:
    """Every input whose cash flows are NaN or infinite, named by its field path.

    The field bounds of :mod:`bidfit.models` keep the flows of a validated
    case finite; a case built or changed without validation
    (``model_construct``, ``model_copy(update=...)``) may still overflow.
    Each problem names the field that causes it: a value that is not a finite
    number, an FX rate, a ``percent`` of a ``percent_of`` chain, or the growth or
    escalation that compounds beyond float64 over the active years.

    Parameters
    ----------
    case : Case
        The case the flows were built from.
    flows : mapping of str to BidCashflows
        Each bid's arrays, from :func:`build_cashflows`.

    Returns
    -------
    list of Problem
        Empty when every flow and every yearly total is a finite number [currency].

    Examples
    --------
    >>> from bidfit.models import Bid, Case, CostItem, RevenueStream
    >>> case = Case(name="Demo", horizon_years=100, discount_rate=0.1,
    ...             revenue=[RevenueStream(name="Sales", annual_amount=100)],
    ...             bids=[Bid(name="A", costs=[CostItem(name="Kit", kind="one_time", amount=60)])])
    >>> nonfinite_problems(case, build_cashflows(case))
    []
    >>> wild = case.model_copy(update={"revenue": [case.revenue[0].model_copy(update={"growth": 1e4})]})
    >>> with np.errstate(over="ignore"):
    ...     print(nonfinite_problems(wild, build_cashflows(wild))[0])  # doctest: +ELLIPSIS
    revenue['Sales'].growth: compounded from year 1 to year 100, the amounts grow beyond ... (found 10000.0; ...)
    """
    problems: list[Problem] = []
    streams = {stream.name: i for i, stream in enumerate(case.revenue)}
    reported: set[str] = set()
    for b, bid in enumerate(case.bids):
        f = flows[bid.name]
        for name, benefit, pool in zip(f.stream_names, f.benefit_lines, f.pool_lines, strict=True):
            if name not in reported and not (np.isfinite(benefit).all() and np.isfinite(pool).all()):
                reported.add(name)
                problems.append(_stream_problem(case, streams[name]))
        where, loc = f"bids[{bid.name!r}]", ("bids", b)
        for attr, lines in (("costs", f.cost_lines), ("vendor_costs", f.vendor_cost_lines)):
            if lines is not None and not np.isfinite(lines).all():
                items = getattr(bid, attr)
                problems += _cost_problems(case, items, lines, f"{where}.{attr}", (*loc, attr))
        every_line = (f.benefit_lines, f.pool_lines, f.cost_lines, f.vendor_cost_lines)
        with np.errstate(all="ignore"):  # an overflow is what is being looked for
            totals = (f.benefits, f.revenue_pool, f.costs, f.vendor_costs, f.net)
        lines_finite = all(x is None or np.isfinite(x).all() for x in every_line)
        if lines_finite and not all(np.isfinite(t).all() for t in totals):
            problems.append(
                Problem(
                    where,
                    "the bid's yearly totals add up to more than can be computed",
                    expected=f"amounts that add up to less than about {np.finfo(float).max:.2g} a year",
                    code="out_of_range",
                    loc=loc,
                )
            )
    return list(dict.fromkeys(problems))  # an FX rate is named once, however many items use it


def _not_finite(where: str, loc: tuple[str | int, ...], field: str, value: float) -> Problem:
    return Problem(
        f"{where}.{field}",
        "is not a finite number",
        found=str(value),
        expected=FIELD_HINTS.get(field),
        code="not_finite",
        loc=(*loc, field),
    )


def _fx_problem(case: Case, currency: str | None) -> Problem:
    rate = case.fx_rate(currency)
    return Problem(
        f"fx[{currency!r}]",
        "converting with this FX rate gives amounts beyond what can be computed",
        found=str(rate) if not math.isfinite(rate) else rate,
        expected=FIELD_HINTS["fx"],
        code="out_of_range",
        loc=("fx", currency or ""),
    )


def _growth_problem(
    where: str, loc: tuple[str | int, ...], field: str, value: float, start: int, end: int
) -> Problem:
    return Problem(
        f"{where}.{field}",
        f"compounded from year {start} to year {end}, the amounts grow beyond what can be computed",
        found=value,
        expected=FIELD_HINTS.get(field),
        code="out_of_range",
        loc=(*loc, field),
    )


def _converts(amount: float, case: Case, currency: str | None) -> bool:
    """True when ``amount`` in ``currency`` is a finite amount in the case currency."""
    return math.isfinite(case.fx_rate(currency) * amount)


def _stream_problem(case: Case, i: int) -> Problem:
    """The field that makes revenue stream ``i``'s flows NaN or infinite."""
    stream = case.revenue[i]
    where, loc = f"revenue[{stream.name!r}]", ("revenue", i)
    for field in ("annual_amount", "growth", "capture", "margin"):
        value = getattr(stream, field)
        if not math.isfinite(value):
            return _not_finite(where, loc, field, value)
    if not _converts(stream.annual_amount, case, stream.currency):
        return _fx_problem(case, stream.currency)
    end = case.horizon_years if stream.end_year is None else stream.end_year
    return _growth_problem(where, loc, "growth", stream.growth, stream.start_year, end)


def _cost_problems(
    case: Case, items: Sequence[CostItem], lines: FloatArray, where: str, loc: tuple[str | int, ...]
) -> list[Problem]:
    """The fields that make the given cost items' flows NaN or infinite.

    An item that is a share (``percent_of``) of an item whose amount is
    already not finite is a consequence of it and is not named again.
    """
    with np.errstate(all="ignore"):
        amounts = cost_amounts(items, case.fx_rate)
    bad_amount = {item.name for item, amount in zip(items, amounts, strict=True) if not math.isfinite(amount)}
    problems = []
    for c, (item, line) in enumerate(zip(items, lines, strict=True)):
        if np.isfinite(line).all():
            continue
        item_where, item_loc = f"{where}[{item.name!r}]", (*loc, c)
        own = {"amount": item.amount, "percent": item.percent, "escalation": item.escalation}
        bad = [(k, v) for k, v in own.items() if v is not None and not math.isfinite(v)]
        if bad:
            problems.append(_not_finite(item_where, item_loc, *bad[0]))
        elif item.name not in bad_amount:
            start, end = cost_years(item, case.horizon_years)
            problems.append(_growth_problem(item_where, item_loc, "escalation", item.escalation, start, end))
        elif not item.percent_of:
            problems.append(_fx_problem(case, item.currency))
        elif bad_amount.isdisjoint(item.percent_of):
            problems.append(
                Problem(
                    f"{item_where}.percent",
                    "with percent_of the item comes to more than can be computed",
                    found=item.percent,
                    expected=FIELD_HINTS["percent"],
                    code="out_of_range",
                    loc=(*item_loc, "percent"),
                )
            )
    return problems
