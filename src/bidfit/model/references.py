"""Reference checks: what relates the fields of a case to each other.

Each model checks its own fields; these functions check the case as a whole:
names unique, scopes and ``percent_of`` naming items that exist, years inside
the horizon, an FX rate for every currency, scope options, uncertainty
targets, and amounts of ``percent_of`` shares that stay within bounds.
:func:`missing_cost_problems` is the one check of an input file only: a bid
there must cost the customer something. They
are pure functions over a :class:`~bidfit.model.case.Case`: the model runs
them when a case is built, :func:`bidfit.model.validate.validate_case` runs
them once on the items of raw data that are valid on their own, and the
computations run :func:`require_consistent` on a case that may have been
changed after it was built.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np

from bidfit.errors import InputError, Problem
from bidfit.model.amounts import cost_amounts
from bidfit.model.base import FIELD_BOUNDS, FIELD_HINTS
from bidfit.model.case import MAX_SCOPE_OPTIONS, Bid, Case, CostItem, resolve_target
from bidfit.model.fields import MAX_AMOUNT, power_of_ten

__all__ = ["missing_cost_problems", "reference_problems", "require_consistent"]


def require_consistent(case: Case, file: str | None = None) -> None:
    """Raise if the parts of a case do not fit together.

    A case is checked when it is built, but its items can be changed
    afterwards (each change is checked on its own, not against the rest of the
    case) and a copy made with ``model_copy(update=...)`` is not checked at
    all; a computation calls this once on each case it is given or builds.

    Parameters
    ----------
    case : Case
        The case to check.
    file : str, optional
        Where the case comes from, named in each problem.

    Raises
    ------
    InputError
        With every problem :func:`reference_problems` finds.

    Examples
    --------
    >>> from bidfit.model.case import RevenueStream
    >>> case = Case(name="Demo", horizon_years=3, discount_rate=0.1,
    ...             revenue=[RevenueStream(name="Sales", annual_amount=100)],
    ...             bids=[Bid(name="A", costs=[CostItem(name="Fee", kind="recurring",
    ...                                                 amount=50, end_year=3)])])
    >>> require_consistent(case)
    >>> require_consistent(case.model_copy(update={"horizon_years": 2}))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    bidfit.errors.InputError: bids['A'].costs['Fee'].end_year: year is outside the horizon (found 3; ...)
    """
    problems = reference_problems(case)
    if problems:
        raise InputError(problems, file)


def missing_cost_problems(case: Case) -> list[Problem]:
    """Bids of an input file that cost the customer nothing: no customer cost item in the base offer or any option.

    Such a bid would come out better off by any measure, which is never what
    a file means: usually a cost sheet or list is misnamed or empty. Input
    files are held to this (:func:`bidfit.model.validate.validate_case`); a
    case built in Python may model a free bid.

    Examples
    --------
    >>> from bidfit.model.case import RevenueStream
    >>> case = Case(name="Demo", horizon_years=3, discount_rate=0.1,
    ...             revenue=[RevenueStream(name="Sales", annual_amount=100)], bids=[Bid(name="A")])
    >>> print(missing_cost_problems(case)[0])  # doctest: +ELLIPSIS
    bids['A'].costs: a bid must cost the customer something; list its price and fees (expected ...)
    """
    return [
        Problem(
            f"bids[{bid.name!r}].costs",
            "a bid must cost the customer something; list its price and fees",
            expected="at least one cost item the customer pays, e.g. {name: Price, kind: one_time, "
            "amount: 500000} or {name: Support, kind: recurring, amount: 40000}",
            code="no_costs",
            loc=("bids", b, "costs"),
        )
        for b, bid in enumerate(case.bids)
        if not bid.costs and not any(option.costs for option in bid.options)
    ]


def _year_problems(
    where: str, loc: tuple[str | int, ...], fields: dict[str, int | None], horizon: int
) -> list[Problem]:
    problems = []
    for key, value in fields.items():
        if value is not None and value > horizon:
            problems.append(
                Problem(
                    f"{where}.{key}",
                    "year is outside the horizon",
                    found=value,
                    expected=f"a year from 0 to horizon_years ({horizon})",
                    code="year_outside_horizon",
                    loc=(*loc, key),
                )
            )
    start, end = fields.get("start_year"), fields.get("end_year")
    if start is not None and end is not None and end < start:
        problems.append(
            Problem(
                f"{where}.end_year",
                "end_year is before start_year",
                found=end,
                expected=f"a year from {start} to {horizon}",
                code="end_before_start",
                loc=(*loc, "end_year"),
            )
        )
    return problems


def _duplicate_problems(names: list[str], where: str, loc: tuple[str | int, ...]) -> list[Problem]:
    return [
        Problem(
            where,
            f"the name {name!r} is used {count} times",
            expected="unique names",
            code="duplicate_name",
            loc=loc,
        )
        for name, count in Counter(names).items()
        if count > 1
    ]


def reference_problems(case: Case) -> list[Problem]:
    """Check a case as a whole; return every problem found (empty when consistent).

    Field-by-field checks are done by the models; this checks what relates
    fields to each other: unique names, scopes and ``percent_of`` that name
    existing items, years inside the horizon, FX rates for every currency,
    scope options, uncertainty targets.
    """
    problems: list[Problem] = []
    stream_names = [s.name for s in case.revenue]
    problems += _duplicate_problems(stream_names, "revenue", ("revenue",))
    problems += _duplicate_problems([b.name for b in case.bids], "bids", ("bids",))
    for i, stream in enumerate(case.revenue):
        where = f"revenue[{stream.name!r}]"
        fields = {"start_year": stream.start_year, "end_year": stream.end_year}
        problems += _year_problems(where, ("revenue", i), fields, case.horizon_years)
        problems += _fx_problems(case, stream.currency, where, ("revenue", i))
    for b, bid in enumerate(case.bids):
        problems += _bid_problems(case, bid, ("bids", b))
    problems += _uncertainty_problems(case)
    return problems


def _fx_problems(case: Case, currency: str | None, where: str, loc: tuple[str | int, ...]) -> list[Problem]:
    if currency is None or currency == case.currency or currency in case.fx:
        return []
    return [
        Problem(
            f"{where}.currency",
            f"no FX rate for {currency}",
            found=currency,
            expected=f"{case.currency} or a currency listed in fx "
            f"(fx: {{{currency}: <{case.currency} per {currency}>}})",
            code="missing_fx",
            loc=(*loc, "currency"),
        )
    ]


def _scope_problems(
    names: list[str], streams: list[str], where: str, loc: tuple[str | int, ...]
) -> list[Problem]:
    return [
        Problem(
            where,
            f"scope names a revenue stream that does not exist: {name!r}",
            found=name,
            expected=f"one of {', '.join(map(repr, streams))} (empty = all)",
            code="unknown_name",
            loc=loc,
        )
        for name in names
        if name not in streams
    ]


def _cost_list_problems(
    case: Case,
    items: list[CostItem],
    where: str,
    loc: tuple[str | int, ...],
    references: list[CostItem] | None = None,
) -> list[Problem]:
    """Names unique, years inside the horizon, FX known, ``percent_of`` resolvable.

    ``references`` are further items ``percent_of`` may name (a scope
    option's costs may be a share of the base bid's one-time items).
    """
    problems = _duplicate_problems([c.name for c in items], where, loc)
    one_time = {c.name for c in [*(references or []), *items] if c.kind == "one_time"}
    for c, item in enumerate(items):
        item_where = f"{where}[{item.name!r}]"
        item_loc: tuple[str | int, ...] = (*loc, c)
        fields = {"year": item.year, "start_year": item.start_year, "end_year": item.end_year}
        problems += _year_problems(item_where, item_loc, fields, case.horizon_years)
        problems += _fx_problems(case, item.currency, item_where, item_loc)
        for target in item.percent_of:
            if target not in one_time:
                problems.append(
                    Problem(
                        f"{item_where}.percent_of",
                        f"percent_of names {target!r}, which is not a one-time cost of this bid",
                        found=target,
                        expected="names of one-time cost items of the same bid: "
                        + (", ".join(map(repr, sorted(one_time))) or "(none)"),
                        code="unknown_name",
                        loc=(*item_loc, "percent_of"),
                    )
                )
    problems += _percent_cycles(items, where, loc)
    if not problems:
        problems += _percent_amount_problems(case, items, where, loc, references or [])
    return problems


def _amounts_bound(case: Case, pool: list[CostItem]) -> float:
    """An upper bound of every resolved amount in ``pool`` [case currency]; inf when unknown.

    Resolving an item that is ``percent`` of ``n`` named items adds at most
    ``percent * n`` times the total resolved so far (amounts are >= 0), so the
    total never exceeds the plain amounts' sum times ``prod(1 + percent * n)``.
    """
    try:
        total = sum(
            (item.amount or 0.0) * case.fx_rate(item.currency) for item in pool if not item.percent_of
        )
    except KeyError:
        return math.inf  # an unknown currency: reported on its own
    for item in pool:
        if item.percent_of:
            total *= 1 + (item.percent or 0.0) * len(item.percent_of)
    return total


def _percent_amount_problems(
    case: Case, items: list[CostItem], where: str, loc: tuple[str | int, ...], references: list[CostItem]
) -> list[Problem]:
    """Items defined by ``percent_of`` whose amount comes to more than :data:`MAX_AMOUNT`.

    A chain of shares (an item that is a share of items that are shares...)
    could otherwise compound beyond what a float can hold, however small each
    share.
    """
    if not any(item.percent_of for item in items):
        return []
    pool = [*references, *items]
    if _amounts_bound(case, pool) <= MAX_AMOUNT:
        return []  # no item can come to more, whatever the chain of shares
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            pool_amounts = cost_amounts(pool, case.fx_rate)
    except (KeyError, ValueError):
        return []  # a reference or currency of the base offer is wrong: reported there
    too_large = {
        item.name
        for item, amount in zip(pool, pool_amounts, strict=True)
        if item.percent_of and not amount <= MAX_AMOUNT
    }
    amounts = pool_amounts[len(references) :]
    # Name only where the excess starts, not every item that is a share of it.
    return [
        Problem(
            f"{where}[{item.name!r}].percent",
            f"with percent_of the item comes to {amount:.3g} {case.currency}, above the largest amount allowed"
            if math.isfinite(amount)
            else "with percent_of the item comes to more than can be computed",
            found=item.percent,
            expected=f"a share whose amount comes to at most {power_of_ten(MAX_AMOUNT)} {case.currency}",
            code="out_of_range",
            loc=(*loc, c, "percent"),
        )
        for c, (item, amount) in enumerate(zip(items, amounts, strict=True))
        if item.name in too_large and too_large.isdisjoint(item.percent_of)
    ]


def _bid_problems(case: Case, bid: Bid, loc: tuple[str | int, ...]) -> list[Problem]:
    where = f"bids[{bid.name!r}]"
    streams = [s.name for s in case.revenue]
    problems = _scope_problems(bid.scope, streams, f"{where}.scope", (*loc, "scope"))
    problems += _cost_list_problems(case, bid.costs, f"{where}.costs", (*loc, "costs"))
    problems += _cost_list_problems(case, bid.vendor_costs, f"{where}.vendor_costs", (*loc, "vendor_costs"))
    if not bid.options:
        return problems
    if not bid.scope:
        problems.append(
            Problem(
                f"{where}.scope",
                "a bid with scope options needs the scope of its base offer",
                expected="the revenue streams the base offer addresses",
                code="missing_scope",
                loc=(*loc, "scope"),
            )
        )
    if len(bid.options) > MAX_SCOPE_OPTIONS:
        problems.append(
            Problem(
                f"{where}.options",
                f"too many scope options to evaluate every combination (2^{len(bid.options)})",
                found=len(bid.options),
                expected=f"at most {MAX_SCOPE_OPTIONS} options",
                code="too_many",
                loc=(*loc, "options"),
            )
        )
    problems += _duplicate_problems([o.name for o in bid.options], f"{where}.options", (*loc, "options"))
    for o, option in enumerate(bid.options):
        o_where, o_loc = f"{where}.options[{option.name!r}]", (*loc, "options", o)
        problems += _scope_problems(option.scope, streams, f"{o_where}.scope", (*o_loc, "scope"))
        for attr, base in (("costs", bid.costs), ("vendor_costs", bid.vendor_costs)):
            items = getattr(option, attr)
            problems += _cost_list_problems(case, items, f"{o_where}.{attr}", (*o_loc, attr), references=base)
            clashes = sorted({c.name for c in items} & {c.name for c in base})
            problems += [
                Problem(
                    f"{o_where}.{attr}",
                    f"the name {name!r} is already used by the base offer",
                    expected="names unique across the base offer and its options",
                    code="duplicate_name",
                    loc=(*o_loc, attr),
                )
                for name in clashes
            ]
    return problems


def _uncertainty_problems(case: Case) -> list[Problem]:
    """Targets that name nothing, duplicates, parameters outside a field's range, bad correlations."""
    # Long: one check per way an uncertainty entry can be wrong, all reported together.
    problems: list[Problem] = []
    targets = [u.target for u in case.uncertainty]
    for u, entry in enumerate(case.uncertainty):
        where = f"uncertainty[{entry.target!r}]"
        loc: tuple[str | int, ...] = ("uncertainty", u)
        try:
            _, _, _, field_name = resolve_target(case, entry.target)
        except KeyError as exc:
            problems.append(
                Problem(
                    f"{where}.target",
                    exc.args[0],
                    found=entry.target,
                    expected="discount_rate, revenue.<stream>.<field> or cost.<bid>.<item>.<field>",
                    code="unknown_name",
                    loc=(*loc, "target"),
                )
            )
            continue
        if targets.count(entry.target) > 1 and targets.index(entry.target) == u:
            problems.append(
                Problem(
                    f"{where}.target",
                    "the same input has more than one distribution",
                    found=entry.target,
                    expected="one uncertainty per input",
                    code="duplicate_name",
                    loc=(*loc, "target"),
                )
            )
        kind, index, item, _ = resolve_target(case, entry.target)
        if kind == "cost":
            cost = case.bids[index].costs[item]
            if (field_name == "percent") != bool(cost.percent_of):
                has = "is defined by percent_of" if cost.percent_of else "has an amount"
                problems.append(
                    Problem(
                        f"{where}.target",
                        f"the cost item {has}, so its {field_name} has no effect",
                        found=entry.target,
                        expected="percent for an item defined by percent_of, amount otherwise",
                        code="no_effect",
                        loc=(*loc, "target"),
                    )
                )
            elif field_name == "escalation" and not cost.is_recurring:
                problems.append(
                    Problem(
                        f"{where}.target",
                        "a one-time cost does not escalate",
                        found=entry.target,
                        expected="escalation of a recurring cost",
                        code="no_effect",
                        loc=(*loc, "target"),
                    )
                )
        lowest, highest, open_low = FIELD_BOUNDS[field_name]
        for name in ("low", "mode", "high"):
            value = getattr(entry, name)
            if value is None:
                continue
            too_low = value <= lowest if open_low else value < lowest
            if too_low or (highest is not None and value > highest):
                problems.append(
                    Problem(
                        f"{where}.{name}",
                        f"{name} is outside the valid range of {field_name}",
                        found=value,
                        expected=FIELD_HINTS.get(field_name),
                        code="out_of_range",
                        loc=(*loc, name),
                    )
                )
        partner = entry.correlated_with
        if partner is not None and (partner not in targets or partner == entry.target):
            problems.append(
                Problem(
                    f"{where}.correlated_with",
                    "correlated_with must name another uncertainty's target",
                    found=partner,
                    expected="one of " + ", ".join(map(repr, targets)),
                    code="unknown_name",
                    loc=(*loc, "correlated_with"),
                )
            )
    return problems


def _percent_cycles(items: list[CostItem], where: str, loc: tuple[str | int, ...]) -> list[Problem]:
    """Find one-time items whose ``percent_of`` chain leads back to themselves."""
    links = {c.name: c.percent_of for c in items if c.kind == "one_time"}
    problems = []
    for c, item in enumerate(items):
        seen: set[str] = set()
        stack = list(links.get(item.name, [])) if item.kind == "one_time" else []
        while stack:
            name = stack.pop()
            if name == item.name:
                problems.append(
                    Problem(
                        f"{where}[{item.name!r}].percent_of",
                        "percent_of refers back to the item itself",
                        expected="a chain of percent_of that ends in items with an amount",
                        code="cycle",
                        loc=(*loc, c, "percent_of"),
                    )
                )
                break
            if name not in seen:
                seen.add(name)
                stack.extend(links.get(name, []))
    return problems
