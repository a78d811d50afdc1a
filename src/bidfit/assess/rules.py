"""Rules: turn a bid's metrics into findings (flags) in the customer's terms.

Each rule is a small function ``rule(bid, case, others) -> list[Flag]``. A
finding says what is wrong with the figures behind it, and which lever fixes
it: the one-time price, the recurring fees, or the scope. Breaking a threshold
the policy sets is an ``error``; findings that only advise are ``warning`` or
``info``. The policy may then raise or lower the severity of any code.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import replace

import numpy as np

from bidfit._format import money, percent, ratio, year_list
from bidfit.assess.dealroom import scale_for_payback
from bidfit.flags import Flag, Lever, Severity, by_severity
from bidfit.kernel import breakeven
from bidfit.model.case import Case, Policy
from bidfit.results.analysis import BidAnalysis

__all__ = ["RULES", "evaluate", "loss_probability_flag", "remedy"]

ADVISORY_HEADROOM = 0.10
"""Below this benefit headroom a positive bid gets a THIN_MARGIN warning [fraction]."""

_TOL = 1e-9
"""Absolute tolerance for figures that do not scale with money: years and ratios."""

_REL_TOL = 1e-9
"""Relative tolerance for comparing amounts, as a share of the larger one compared."""


def _at_least(amount: np.ndarray, other: np.ndarray) -> np.ndarray:
    """``amount >= other`` up to rounding: within :data:`_REL_TOL` of the larger of the two.

    Scale-free, so amounts of 1e-10 compare as amounts of 1e10 do.

    Examples
    --------
    >>> _at_least(np.array([1e-11, 1.0 - 1e-12, 0.9]), np.array([1e-10, 1.0, 1.0]))
    array([False,  True, False])
    """
    return amount >= other - _REL_TOL * np.maximum(np.abs(amount), np.abs(other))


def _cut(now: float, limit: float) -> str:
    return percent((limit - now) / now, signed=True) if now > 0 else "n/a"


def remedy(
    bid: BidAnalysis, allowed_cost: float, *, discounted: bool = True
) -> tuple[Lever, str, dict[str, float | None]]:
    """Which lever brings the bid's cost down to ``allowed_cost``, in words.

    Scaling all one-time costs together gives the largest acceptable price;
    scaling all recurring costs together gives the largest acceptable fee
    (see :mod:`bidfit.kernel.breakeven`). The lever named is the one that needs the
    smaller relative cut; when neither alone is enough, the lever is scope.

    Parameters
    ----------
    bid : BidAnalysis
        The bid's breakeven.
    allowed_cost : float
        The cost the customer can accept [currency]: the PV of benefits to
        break even, ``PV_benefits / ratio`` to meet a benefit/cost ratio.
    discounted : bool
        True when ``allowed_cost`` is a PV at the case's rate; False when it is
        an undiscounted total (as for payback).

    Returns
    -------
    lever : str
        ``'price'``, ``'recurring_fees'`` or ``'scope'``.
    sentence : str
        What must change, with the figures.
    figures : dict
        ``price_limit`` and ``fee_limit`` [currency, currency/year].
    """
    cur = bid.currency
    price, fee = bid.one_time_price, bid.annual_fee
    if discounted:
        one_time, recurring, rate = bid.pv_one_time_costs, bid.pv_recurring_costs, bid.discount_rate
    else:
        one_time, recurring, rate = price, float(bid.flows.recurring_costs.sum()), 0.0
    price_limit = float(breakeven.max_one_time_price(allowed_cost, one_time, recurring, price))
    fee_limit = float(
        breakeven.max_annual_fee(allowed_cost, one_time, recurring, fee, rate, bid.horizon_years)
    )
    figures: dict[str, float | None] = {"price_limit": price_limit, "fee_limit": fee_limit}
    price_works = price > 0 and 0 <= price_limit < price
    fee_works = fee > 0 and 0 <= fee_limit < fee
    price_text = (
        f"cut the one-time price from {money(price, cur)} to at most {money(price_limit, cur)} "
        f"({_cut(price, price_limit)})"
    )
    fee_text = (
        f"cut recurring fees from {money(fee, cur)} to at most {money(fee_limit, cur)} a year "
        f"({_cut(fee, fee_limit)})"
    )
    if price_works and fee_works:
        price_first = (price - price_limit) / price <= (fee - fee_limit) / fee
        lever: Lever = "price" if price_first else "recurring_fees"
        first, second = (price_text, fee_text) if price_first else (fee_text, price_text)
        return lever, f"{first}, or {second}", figures
    if fee_works:
        no_price = (
            f"no one-time price, however low, is enough (break-even price {money(price_limit, cur)})"
            if price_limit < 0
            else "the price alone is not the problem"
        )
        return "recurring_fees", f"{no_price}; {fee_text}", figures
    if price_works:
        return "price", price_text, figures
    return (
        "scope",
        "neither a price cut nor a fee cut alone is enough: the benefits in scope cannot carry "
        "the bid's costs; widen the scope to more revenue at stake, or cut price and fees together",
        figures,
    )


def _negative_npv(bid: BidAnalysis, case: Case, others: list[BidAnalysis]) -> list[Flag]:
    if bid.npv >= 0:
        return []
    cur = bid.currency
    lever, fix, figures = remedy(bid, bid.pv_benefits)
    message = (
        f"Over {bid.horizon_years} years the customer would lose {money(-bid.npv, cur)} in today's "
        f"money (NPV at {percent(bid.discount_rate, 1)}): benefits worth {money(bid.pv_benefits, cur)} "
        f"against a lifetime cost of {money(bid.pv_costs, cur)}. To break even, {fix}."
    )
    return [Flag("NEGATIVE_NPV", "error", message, lever, {"npv": bid.npv, **figures})]


def _running_cost(bid: BidAnalysis, case: Case, others: list[BidAnalysis]) -> list[Flag]:
    cur = bid.currency
    benefits, recurring = bid.flows.benefits, bid.flows.recurring_costs
    operating = (benefits > 0) | (recurring > 0)
    losing = operating & _at_least(recurring, benefits) & (recurring > 0)
    if not losing.any():
        return []
    years = [int(y) for y in bid.flows.years[losing]]
    first = int(np.flatnonzero(losing)[0])
    fee_y, benefit_y = float(recurring[first]), float(benefits[first])
    figures: dict[str, float | None] = {
        "recurring_cost_first_year": fee_y,
        "benefits_first_year": benefit_y,
        "max_annual_fee": bid.max_annual_fee,
    }
    if losing.sum() < operating.sum():
        message = (
            f"Recurring costs are at or above the benefits in year{'s' if len(years) > 1 else ''} "
            f"{year_list(years)} (year {years[0]}: {money(fee_y, cur)} of costs against "
            f"{money(benefit_y, cur)} of benefits); the customer loses money on running the system "
            f"in those years. Lower or phase the recurring fees, or end them when the benefit fades."
        )
        return [Flag("RUNNING_COST_EXCEEDS_REVENUE", "warning", message, "recurring_fees", figures)]
    free_price_fee = float(
        breakeven.max_annual_fee(
            bid.pv_benefits, 0.0, bid.pv_recurring_costs, bid.annual_fee, bid.discount_rate, bid.horizon_years
        )
    )
    figures["max_annual_fee_at_zero_price"] = free_price_fee
    if bid.max_annual_fee >= 0:
        how_far = (
            f"Recurring fees must fall to at most {money(bid.max_annual_fee, cur)} a year at the quoted "
            f"price of {money(bid.one_time_price, cur)} ({_cut(bid.annual_fee, bid.max_annual_fee)}), "
            f"or {money(free_price_fee, cur)} a year even with no one-time price at all."
        )
        lever: Lever = "recurring_fees"
    else:
        how_far = (
            f"Even with no recurring fees the one-time price of {money(bid.one_time_price, cur)} is more "
            f"than the benefits can repay; the scope must grow to more revenue at stake."
        )
        lever = "scope"
    message = (
        f"Recurring fees of {money(fee_y, cur)} a year are at or above the {money(benefit_y, cur)} of "
        f"benefits at stake in every operating year (years {year_list(years)}): the customer would pay "
        f"more every year than the bid can earn, so no price fixes this. {how_far}"
    )
    return [Flag("RUNNING_COST_EXCEEDS_REVENUE", "error", message, lever, figures)]


def _no_payback(bid: BidAnalysis, case: Case, others: list[BidAnalysis]) -> list[Flag]:
    if bid.payback_years is not None:
        return []
    cur = bid.currency
    end = float(np.cumsum(bid.flows.net)[-1])
    lever, fix, figures = remedy(bid, float(bid.flows.benefits.sum()), discounted=False)
    message = (
        f"The customer never gets its money back within {bid.horizon_years} years: its cumulative cash "
        f"position ends at {money(end, cur)}. To pay back (undiscounted), {fix}."
    )
    return [Flag("NO_PAYBACK", "error", message, lever, {"cumulative_end": end, **figures})]


def _payback_too_long(bid: BidAnalysis, case: Case, others: list[BidAnalysis]) -> list[Flag]:
    limit = case.policy.max_payback_years
    if limit is None or bid.payback_years is None or bid.payback_years <= limit + _TOL:
        return []
    cur = bid.currency
    scale = scale_for_payback(bid.flows, limit, "one_time")
    price = None if scale is None else scale * bid.one_time_price
    if price is not None and math.isfinite(price) and bid.one_time_price > 0:
        fix = (
            f"A one-time price of at most {money(price, cur)} (now {money(bid.one_time_price, cur)}, "
            f"{_cut(bid.one_time_price, price)}) pays back in time."
        )
        lever: Lever = "price"
    else:
        fix = "No one-time price pays back in time at these fees: lower the recurring fees."
        lever = "recurring_fees"
    message = f"Payback takes {bid.payback_years:.1f} years; the policy allows at most {limit:g}. {fix}"
    figures: dict[str, float | None] = {
        "payback_years": bid.payback_years,
        "max_payback_years": limit,
        "price_limit": price,
    }
    return [Flag("PAYBACK_TOO_LONG", "error", message, lever, figures)]


def _thin_margin(bid: BidAnalysis, case: Case, others: list[BidAnalysis]) -> list[Flag]:
    if bid.npv < 0 or bid.benefit_cost_ratio is None:
        return []
    policy = case.policy
    bcr, headroom = bid.benefit_cost_ratio, bid.benefit_headroom or 0.0
    severity: Severity
    if bcr < policy.min_benefit_cost_ratio - _TOL:
        target = policy.min_benefit_cost_ratio
        finding = (
            f"Benefits are {ratio(bcr)} the lifetime cost; the policy asks for at least {ratio(target)}."
        )
        severity = "error"
    elif headroom < policy.min_benefit_headroom - _TOL:
        target = 1 / (1 - policy.min_benefit_headroom)
        finding = (
            f"The benefits may fall only {percent(headroom)} before the customer loses money; "
            f"the policy asks for at least {percent(policy.min_benefit_headroom)}."
        )
        severity = "error"
    elif headroom < ADVISORY_HEADROOM:
        target = 1 / (1 - ADVISORY_HEADROOM)
        finding = (
            f"The benefits may fall only {percent(headroom)} before the customer loses money: "
            f"little room for error in the benefit claim."
        )
        severity = "warning"
    else:
        return []
    lever, fix, figures = remedy(bid, bid.pv_benefits / target)
    message = f"{finding} To meet it, {fix}."
    figures = {"benefit_cost_ratio": bcr, "benefit_headroom": headroom, **figures}
    return [Flag("THIN_MARGIN", severity, message, lever, figures)]


def _stress_fails(bid: BidAnalysis, case: Case, others: list[BidAnalysis]) -> list[Flag]:
    cut = case.policy.stress_benefit_cut
    if cut is None or bid.npv < 0:
        return []
    stressed = bid.pv_benefits * (1 - cut) - bid.pv_costs
    if stressed >= 0:
        return []
    cur = bid.currency
    lever, fix, figures = remedy(bid, bid.pv_benefits * (1 - cut))
    message = (
        f"If the benefit claim is cut by {percent(cut)}, the customer loses {money(-stressed, cur)} "
        f"(NPV {money(stressed, cur)}). To survive the cut, {fix}."
    )
    return [Flag("STRESS_FAILS", "error", message, lever, {"stressed_npv": stressed, **figures})]


def _dominated(bid: BidAnalysis, case: Case, others: list[BidAnalysis]) -> list[Flag]:
    tol = _REL_TOL * max(abs(bid.pv_benefits), abs(bid.pv_costs))
    better = [
        o
        for o in others
        if o.pv_benefits >= bid.pv_benefits - tol
        and o.pv_costs <= bid.pv_costs + tol
        and (o.pv_benefits > bid.pv_benefits + tol or o.pv_costs < bid.pv_costs - tol)
    ]
    if not better:
        return []
    best = max(better, key=lambda o: o.npv)
    cur = bid.currency
    message = (
        f"Bid {best.name!r} gives the customer at least as much benefit ({money(best.pv_benefits, cur)} "
        f"against {money(bid.pv_benefits, cur)} in PV) for less lifetime cost "
        f"({money(best.pv_costs, cur)} against {money(bid.pv_costs, cur)}): a customer comparing "
        f"the two would not choose this bid."
    )
    return [Flag("DOMINATED", "info", message, "price", {"dominating_npv": best.npv})]


def _missing_source(bid: BidAnalysis, case: Case, others: list[BidAnalysis]) -> list[Flag]:
    bid_model = case.bid(bid.name)
    missing = [
        f"revenue {s.name!r}" for s in case.revenue if s.name in bid.flows.stream_names and not s.source
    ]
    missing += [f"cost {c.name!r}" for c in bid_model.costs if not c.source]
    if not missing:
        return []
    severity: Severity = "error" if case.policy.require_source else "info"
    shown = ", ".join(missing[:6]) + (f" and {len(missing) - 6} more" if len(missing) > 6 else "")
    message = f"No source given for {shown}: say where each figure comes from so a reviewer can check it."
    return [Flag("MISSING_SOURCE", severity, message, "evidence", {"missing": float(len(missing))})]


def _no_deal_room(bid: BidAnalysis, case: Case, others: list[BidAnalysis]) -> list[Flag]:
    room = bid.deal_room
    if room is None or room.price_range is not None:
        return []
    cur, ceiling = bid.currency, room.ceiling
    figures: dict[str, float | None] = {
        "ceiling_price": ceiling.price,
        "floor_price": room.floor_price,
        "ceiling_fee": ceiling.fee,
        "floor_fee": room.floor_fee,
    }
    sides = (
        f"the customer can pay at most {money(ceiling.price, cur)} ({ceiling.price_reason.replace('_', ' ')}), "
        f"the vendor needs at least {money(room.floor_price, cur)} for its {percent(room.min_margin)} margin"
    )
    if not room.exists:
        short = room.required_pv_revenue - ceiling.allowed_pv_cost
        message = (
            f"No price or fee satisfies both sides: the vendor's delivery cost (PV "
            f"{money(room.pv_delivery_cost, cur)}, {money(room.required_pv_revenue, cur)} with its "
            f"{percent(room.min_margin)} margin) is more than the customer can pay for the benefits in scope "
            f"(PV {money(ceiling.allowed_pv_cost, cur)}). At the quoted fees {sides}. The scope must change "
            f"(more revenue at stake) or the delivery cost must fall by at least {money(short, cur)} in PV."
        )
        return [Flag("NO_DEAL_ROOM", "error", message, "scope", figures)]
    fee_range = room.fee_range
    if fee_range is not None:
        where = f"at the quoted price of {money(bid.one_time_price, cur)}"
    else:
        # With no one-time price at all, the whole PV room is in the fees.
        fee_range = (
            float(
                breakeven.max_annual_fee(
                    room.required_pv_revenue,
                    0.0,
                    bid.pv_recurring_costs,
                    bid.annual_fee,
                    bid.discount_rate,
                    bid.horizon_years,
                )
            ),
            float(
                breakeven.max_annual_fee(
                    ceiling.allowed_pv_cost,
                    0.0,
                    bid.pv_recurring_costs,
                    bid.annual_fee,
                    bid.discount_rate,
                    bid.horizon_years,
                )
            ),
        )
        where = "with no one-time price"
    figures["fee_low"], figures["fee_high"] = fee_range
    message = (
        f"At the quoted fees of {money(bid.annual_fee, cur)} a year no one-time price satisfies both sides: "
        f"{sides}. The fee structure must change, not the price: {where}, recurring fees from "
        f"{money(max(fee_range[0], 0.0), cur)} to {money(fee_range[1], cur)} a year work for both."
    )
    return [Flag("NO_DEAL_ROOM", "error", message, "recurring_fees", figures)]


Rule = Callable[[BidAnalysis, Case, list[BidAnalysis]], list[Flag]]

RULES: tuple[Rule, ...] = (
    _running_cost,
    _negative_npv,
    _no_payback,
    _payback_too_long,
    _thin_margin,
    _stress_fails,
    _no_deal_room,
    _dominated,
    _missing_source,
)
"""The rules, in the order their findings are reported within a severity."""


def apply_policy_severity(flags: list[Flag], policy: Policy) -> tuple[Flag, ...]:
    """Apply the policy's severity overrides and sort flags, most severe first."""
    adjusted = [
        replace(f, severity=policy.severity[f.code]) if f.code in policy.severity else f for f in flags
    ]
    return by_severity(adjusted)


def evaluate(case: Case, bids: Mapping[str, BidAnalysis]) -> dict[str, tuple[Flag, ...]]:
    """Run every rule on every bid.

    Parameters
    ----------
    case : Case
        The case (for its policy and inputs).
    bids : mapping of str to BidAnalysis
        Each bid's metrics, without flags.

    Returns
    -------
    dict of str to tuple of Flag
        Each bid's findings, most severe first, with the policy's severity
        overrides applied.
    """
    found = {}
    for name, bid in bids.items():
        others = [o for other_name, o in bids.items() if other_name != name]
        flags = [flag for rule in RULES for flag in rule(bid, case, others)]
        found[name] = apply_policy_severity(flags, case.policy)
    return found


def loss_probability_flag(probability: float, policy: Policy, trials: int) -> Flag | None:
    """The ``HIGH_LOSS_PROBABILITY`` finding of a simulation, or None.

    Parameters
    ----------
    probability : float
        Simulated share of trials in which the customer is worse off (NPV < 0).
    policy : Policy
        Supplies ``max_loss_probability``; no finding when it is None.
    trials : int
        Number of trials, quoted in the message.
    """
    limit = policy.max_loss_probability
    if limit is None or probability <= limit:
        return None
    message = (
        f"In {trials:,} simulated futures the customer is worse off {percent(probability, 1)} of the "
        f"time; the policy accepts at most {percent(limit, 1)}. Lower the price or fees, or firm up the "
        f"benefit claim."
    )
    flag = Flag("HIGH_LOSS_PROBABILITY", "error", message, "price", {"probability_worse_off": probability})
    return apply_policy_severity([flag], policy)[0]
