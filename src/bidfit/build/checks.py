"""Cash flows that are not finite numbers, named by the input field behind them.

The field bounds of :mod:`bidfit.model.case` keep the flows of a validated case
finite; these checks name the field when a case built or changed without
validation overflows anyway, so that such a case is an input error rather
than a verdict.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from bidfit.build.cashflows import BidCashflows, FloatArray, cost_years
from bidfit.errors import Problem
from bidfit.model.amounts import cost_amounts
from bidfit.model.base import FIELD_HINTS
from bidfit.model.case import Case, CostItem

__all__ = ["nonfinite_problems"]


def nonfinite_problems(case: Case, flows: Mapping[str, BidCashflows]) -> list[Problem]:
    """Every input whose cash flows are NaN or infinite, named by its field path.

    The field bounds of :mod:`bidfit.model.case` keep the flows of a validated
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
    >>> from bidfit.build.cashflows import build_cashflows
    >>> from bidfit.model.case import Bid, Case, CostItem, RevenueStream
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
