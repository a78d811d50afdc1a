"""What it takes for a failing bid to pass: the smallest change of each lever on its own."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal, cast

import numpy as np

from bidfit import _format as fmt
from bidfit.assess.analysis import assess, kernel
from bidfit.build.cashflows import BidCashflows, build_cashflows
from bidfit.flags import FAILING_SEVERITIES, Flag, Lever
from bidfit.model.case import Bid, Case
from bidfit.model.fields import MAX_HORIZON_YEARS
from bidfit.model.references import reference_problems
from bidfit.results.analysis import BidAnalysis
from bidfit.results.base import Blocks, Result
from bidfit.studies.pricing.common import (
    UNFIXABLE,
    FailOn,
    assess_alone,
    bid_case,
    passes,
    single_bid,
    sure_to_fail,
)
from bidfit.studies.pricing.scope import scope_variants, screen, variant_model, variant_rows
from bidfit.studies.pricing.search import boundaries, passing_edge, scaled

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True, repr=False)
class LeverChange(Result):
    """The smallest change of one lever that makes a bid pass.

    Attributes
    ----------
    lever : str
        ``price``, ``recurring_fees``, ``term``, ``scope`` or ``benefit``.
    now : object
        The value as quoted (money [currency], years, or a scope list).
    needed : object or None
        The value that passes; None when no value of this lever alone does.
    change : float or None
        Relative change ``needed / now - 1`` for numbers [fraction].
    text : str
        The change in plain words.
    """

    lever: str
    now: object
    needed: object
    change: float | None
    text: str

    @property
    def works(self) -> bool:
        """True when this lever alone can make the bid pass."""
        return self.needed is not None

    def _blocks(self) -> Blocks:
        from bidfit.present.pricing import describe_lever_change

        return describe_lever_change(self)


@dataclass(frozen=True, repr=False)
class WhatItTakes(Result):
    """What it takes for one bid to pass the customer's policy, lever by lever.

    Attributes
    ----------
    bid : str
        The bid.
    currency : str
        The case currency.
    passes_now : bool
        True when the bid already passes (then no change is needed).
    changes : tuple of LeverChange
        One row per lever: price, recurring_fees, term, scope, benefit.
    unfixable : tuple of str
        Codes of findings at or above ``fail_on`` that no lever changes
        (e.g. ``NO_DEAL_ROOM``); the bid fails on them whatever the levers do.
    """

    bid: str
    currency: str
    passes_now: bool
    changes: tuple[LeverChange, ...]
    unfixable: tuple[str, ...] = ()

    def change(self, lever: str) -> LeverChange:
        """The row of ``lever``."""
        return next(c for c in self.changes if c.lever == lever)

    @property
    def summary(self) -> pd.DataFrame:
        """The changes as a DataFrame indexed by lever."""
        import pandas as pd

        rows = [
            {"now": c.now, "needed": c.needed, "change": c.change, "works": c.works, "what": c.text}
            for c in self.changes
        ]
        return pd.DataFrame(rows, index=pd.Index([c.lever for c in self.changes], name="lever"))

    @property
    def sentence(self) -> str:
        """Every lever that works on its own, in plain words."""
        other = ", ".join(self.unfixable)
        if self.passes_now:
            if other:
                return (
                    f"No change of price, fees, term or scope is needed for the customer's side: {self.bid} "
                    f"fails only on {other}; see that finding for what fixes it."
                )
            return f"{self.bid} passes as quoted."
        working = [c.text for c in self.changes if c.works and c.lever != "benefit"]
        benefit = next((c for c in self.changes if c.lever == "benefit"), None)
        if len(working) > 1:
            lead = "To pass, any one of these is enough: " + "; or ".join(working) + "."
        elif working:
            lead = f"To pass: {working[0]}."
        else:
            lead = "No single change of price, fees, term or scope makes it pass."
        if benefit is not None and benefit.works:
            lead += f" Without a change, {benefit.text}."
        if other:
            lead += f" Separately, it fails on {other}; see that finding for what fixes it."
        return lead

    @property
    def flag(self) -> Flag:
        """The finding ``WHAT_IT_TAKES`` (info) carrying :attr:`sentence`."""
        best = min(
            (c for c in self.changes if c.works and isinstance(c.change, float) and c.lever != "benefit"),
            key=lambda c: abs(c.change or 0.0),
            default=None,
        )
        lever = None if best is None else cast(Lever, best.lever)
        figures = {f"{c.lever}_change": c.change for c in self.changes}
        return Flag("WHAT_IT_TAKES", "info", self.sentence, lever, figures)

    def _blocks(self) -> Blocks:
        from bidfit.present.pricing import describe_what_it_takes

        return describe_what_it_takes(self)


_COST_LEVERS = {
    "price": ("one_time", "a one-time price", "", "no one-time price, however low, is enough"),
    "recurring_fees": (
        "recurring",
        "recurring fees",
        " a year",
        "no cut of the recurring fees alone is enough",
    ),
}
"""Per cost lever: the group of costs it scales, its words, its unit, and what to say when nothing works."""


def _cost_lever(
    lever: Literal["price", "recurring_fees"],
    flows: BidCashflows,
    result: BidAnalysis,
    ok: Callable[[BidCashflows], bool],
) -> LeverChange:
    """The largest one-time price (``price``) or recurring fee (``recurring_fees``) that passes.

    All costs of the group are scaled together, from the quoted amount down
    to zero, with the full rules applied at each step.
    """
    group, what, unit, nothing = _COST_LEVERS[lever]
    cur, room, one_time = result.currency, result.deal_room, lever == "price"
    now = result.one_time_price if one_time else result.annual_fee
    ceiling = result.ceiling.price if one_time else result.ceiling.fee
    floor = None if room is None else room.floor_price if one_time else room.floor_fee
    if now <= 0 or not ok(scaled(flows, **{group: 0.0})):
        return LeverChange(lever, now, None, None, nothing)
    guesses = (ceiling / now, *boundaries(flows, group))
    scale = passing_edge(lambda s: ok(scaled(flows, **{group: s})), 0.0, 1.0, guesses)
    needed = scale * now
    text = f"{what} of at most {fmt.money(needed, cur)}{unit} ({fmt.percent(scale - 1, signed=True)})"
    return LeverChange(lever, now, needed, scale - 1, text + _below_floor(needed, floor, cur, unit))


def _below_floor(needed: float, floor: float | None, currency: str, unit: str) -> str:
    """A warning when the customer's need falls below what the vendor can accept."""
    if floor is None or needed >= floor:
        return ""
    return f", below the vendor's floor of {fmt.money(floor, currency)}{unit}"


def _benefit_lever(
    case: Case, flows: BidCashflows, result: BidAnalysis, ok: Callable[[BidCashflows], bool]
) -> LeverChange:
    cur = result.currency
    paying = np.flatnonzero(flows.benefits > 0)
    first = float(flows.benefits[paying[0]]) if paying.size else 0.0
    if first <= 0:
        return LeverChange("benefit", first, None, None, "the bid addresses no benefit to scale")
    # Scaling every benefit by k passes the PV conditions once PV costs fit in the allowed share.
    allowed = result.ceiling.allowed_pv_cost
    guesses = (result.pv_costs / allowed if allowed > 0 else None, *boundaries(flows, "benefits"))
    high = max([2.0, *(2 * g for g in guesses if g is not None and np.isfinite(g))])
    while not ok(scaled(flows, benefits=high)):
        high *= 2
        if high > 2**40:
            return LeverChange("benefit", first, None, None, "no size of benefit is enough")
    scale = passing_edge(lambda k: ok(scaled(flows, benefits=k)), high, 1.0, guesses)
    needed = scale * first
    return LeverChange(
        "benefit",
        first,
        needed,
        scale - 1,
        f"the benefit at stake would have to be {fmt.money(needed, cur)} in year {int(flows.years[paying[0]])} "
        f"(now {fmt.money(first, cur)}, {fmt.percent(scale - 1, signed=True)}), with the same profile",
    )


def _term_lever(case: Case, model: Bid, fail_on: FailOn) -> LeverChange:
    """The nearest contract term that passes, ties going to the longer one.

    The bid is built once at the longest term (100 years) and cut to each
    shorter one: a default ``end_year`` follows the term and explicit years
    stay put, exactly as a rebuild would give. The finance kernel then runs
    once over every term, and only the terms not already failing on their NPV
    or payback are checked as cases and judged by the full rules.
    """
    horizon = case.horizon_years
    longest = bid_case(case, *case.bids).model_copy(update={"horizon_years": MAX_HORIZON_YEARS})
    full = build_cashflows(longest)[model.name]
    candidates = sorted(
        (h for h in range(1, MAX_HORIZON_YEARS + 1) if h != horizon), key=lambda h: (abs(h - horizon), -h)
    )
    cut = [_cut_to(full, h) for h in candidates]
    rows = kernel([case.discount_rate] * len(cut), cut)
    doomed = sure_to_fail(case.policy, fail_on, rows.npv, rows.payback_years, 0.0)
    for h, flows, row, hopeless in zip(candidates, cut, rows, doomed, strict=True):
        if hopeless:
            continue
        variant = longest.model_copy(update={"horizon_years": h})
        # A term that leaves an explicit year outside the horizon is no contract the bid could sign.
        if reference_problems(variant):
            continue
        if passes(assess(variant, {model.name: flows}, {model.name: row})[model.name], fail_on):
            word = "longer" if h > horizon else "shorter"
            text = f"a contract term of {h} years instead of {horizon} ({word})"
            return LeverChange("term", horizon, h, h / horizon - 1, text)
    return LeverChange(
        "term", horizon, None, None, f"no contract term from 1 to {MAX_HORIZON_YEARS} years is enough"
    )


def _cut_to(flows: BidCashflows, horizon: int) -> BidCashflows:
    """The arrays of years ``0..horizon`` only."""
    keep = slice(0, horizon + 1)
    vendor = None if flows.vendor_cost_lines is None else flows.vendor_cost_lines[:, keep]
    return replace(
        flows,
        years=flows.years[keep],
        benefit_lines=flows.benefit_lines[:, keep],
        pool_lines=flows.pool_lines[:, keep],
        cost_lines=flows.cost_lines[:, keep],
        vendor_cost_lines=vendor,
    )


def _scope_lever(case: Case, model: Bid, fail_on: FailOn) -> LeverChange:
    """The smallest change of scope that passes; among changes of that size, the highest NPV.

    The variants are judged in that order of preference, so the first that
    passes is the answer; those failing on their NPV or payback alone are
    skipped without building them. The others go through the finance kernel
    in batches (1, then 2, 4, ... up to 128 at a time): one stacked run costs
    about as much as one row.
    """
    now = list(model.scope) or [s.name for s in case.revenue]
    variants = scope_variants(case, model)
    found = zip(variants, variant_rows(case, model, variants), strict=True)
    built = [(v, rows) for v, rows in found if rows is not None]
    if built:
        npv, payback, margin = screen(case.discount_rate, [rows for _, rows in built])
        doomed = sure_to_fail(case.policy, fail_on, npv, payback, margin)
        order = sorted(
            (i for i in range(len(built)) if not doomed[i]), key=lambda i: (built[i][0].size, -npv[i], i)
        )
        first, batch = 0, 1
        while first < len(order):
            chosen = [built[i] for i in order[first : first + batch]]
            bids = [variant_model(model, variant) for variant, _ in chosen]
            flows = [rows.flows() for _, rows in chosen]
            for (variant, _), bid, f, row in zip(
                chosen, bids, flows, kernel(case.discount_rate, flows), strict=True
            ):
                if passes(assess_alone(case, bid, f, row), fail_on):
                    return LeverChange("scope", now, list(bid.scope), None, variant.label)
            first, batch = first + batch, min(2 * batch, 128)
    return LeverChange("scope", now, None, None, "no other scope is enough")


def what_it_takes(
    case: Case, bid: str, fail_on: FailOn = "error", also_failing: Iterable[str] = ()
) -> WhatItTakes:
    """The smallest single change of each lever that makes a bid pass the policy.

    Parameters
    ----------
    case : Case
        The case.
    bid : str
        The bid's name.
    fail_on : {'error', 'warning'}
        A bid passes when it has no finding at or above this severity (other
        than findings no lever changes; see the module notes).
    also_failing : iterable of str
        Codes the bid fails on that the deterministic analysis does not see
        (``HIGH_LOSS_PROBABILITY`` from a simulation); reported with the
        findings no lever changes.

    Returns
    -------
    WhatItTakes
        One :class:`LeverChange` per lever: ``price`` (all one-time costs
        scaled together), ``recurring_fees`` (all recurring costs scaled
        together), ``term`` (the nearest horizon that passes), ``scope`` (the
        smallest change of scope, or of scope options, that passes; ties go to
        the higher NPV) and ``benefit`` (the factor on every benefit in scope
        that would be needed).

    Notes
    -----
    Price, fee and benefit are tried on the bid's arrays with the full rules
    applied at each step, always returning a value on the passing side of the
    boundary: the boundary the break-even arithmetic predicts (a PV
    condition, the payback, the running cost), once the rules confirm it to
    a relative precision of 1e-9; otherwise a bisection, to about 1e-15.
    Term and scope are screened on NPV and payback for every term (1 to 100
    years) and every scope at once, and the rules judge the rest in order of
    preference until one passes.

    Examples
    --------
    >>> import bidfit
    >>> wit = what_it_takes(bidfit.load_sample("norway_roaming"), "Vendor A")
    >>> wit.change("price").works, round(wit.change("recurring_fees").needed)
    (False, 135814)
    """
    model, single, flows = single_bid(case, bid)
    result = assess(single, {model.name: flows})[model.name]

    def ok(variant: BidCashflows) -> bool:
        return passes(assess(single, {model.name: variant})[model.name], fail_on)

    blocking = FAILING_SEVERITIES[fail_on]
    unfixable = tuple(
        dict.fromkeys(
            [
                *(f.code for f in result.flags if f.severity in blocking and f.code in UNFIXABLE),
                *also_failing,
            ]
        )
    )
    if passes(result, fail_on):
        return WhatItTakes(model.name, case.currency, True, (), unfixable)
    changes = (
        _cost_lever("price", flows, result, ok),
        _cost_lever("recurring_fees", flows, result, ok),
        _term_lever(single, model, fail_on),
        _scope_lever(single, model, fail_on),
        _benefit_lever(single, flows, result, ok),
    )
    return WhatItTakes(model.name, case.currency, False, changes, unfixable)
