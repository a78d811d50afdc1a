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
from dataclasses import dataclass, replace

import numpy as np

from bidfit._format import money, percent, ratio, year_list
from bidfit.assess.dealroom import max_price_for, scale_for_payback
from bidfit.flags import SEVERITIES, Flag, Lever, Severity, by_severity
from bidfit.kernel import breakeven
from bidfit.model.case import Case, Policy
from bidfit.results.analysis import BidAnalysis

__all__ = [
    "RULES",
    "RULE_CODES",
    "StackedBids",
    "evaluate",
    "evaluate_stacked",
    "loss_probability_flag",
    "remedy",
]

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
    bid: BidAnalysis, allowed_cost: float, *, discounted: bool = True, goal: str = "break even"
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
    goal : str
        What ``allowed_cost`` achieves, in words after "the price that would"
        (``'break even'``, ``'pay back'``, ``'meet it'``): a price quoted in
        the sentence is named for what it is, never called the break-even
        price when it meets another target.

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
    price_limit = max_price_for(allowed_cost, bid.flows, one_time, recurring, price, rate)
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
            f"no one-time price, however low, is enough (the price that would {goal} is "
            f"{money(price_limit, cur)})"
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
    summary = f"a loss over {bid.horizon_years} years"
    return [Flag("NEGATIVE_NPV", "error", message, lever, {"npv": bid.npv, **figures}, summary)]


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
    every_year = bool(losing.sum() == operating.sum())
    figures: dict[str, float | None] = {
        "recurring_cost_first_year": fee_y,
        "benefits_first_year": benefit_y,
        "max_annual_fee": bid.max_annual_fee,
        "every_operating_year": float(every_year),
    }
    summary = (
        f"recurring costs at or above the benefits in year{'s' if len(years) > 1 else ''} {year_list(years)}"
    )
    if not every_year:
        message = (
            f"Recurring costs are at or above the benefits in year{'s' if len(years) > 1 else ''} "
            f"{year_list(years)} (year {years[0]}: {money(fee_y, cur)} of costs against "
            f"{money(benefit_y, cur)} of benefits); the customer loses money on running the system "
            f"in those years. Lower or phase the recurring fees, or end them when the benefit fades."
        )
        return [Flag("RUNNING_COST_EXCEEDS_REVENUE", "warning", message, "recurring_fees", figures, summary)]
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
    return [Flag("RUNNING_COST_EXCEEDS_REVENUE", "error", message, lever, figures, summary)]


def _no_payback(bid: BidAnalysis, case: Case, others: list[BidAnalysis]) -> list[Flag]:
    if bid.payback_years is not None:
        return []
    cur = bid.currency
    end = float(np.cumsum(bid.flows.net)[-1])
    lever, fix, figures = remedy(bid, float(bid.flows.benefits.sum()), discounted=False, goal="pay back")
    message = (
        f"The customer never gets its money back within {bid.horizon_years} years: its cumulative cash "
        f"position ends at {money(end, cur)}. To pay back (undiscounted), {fix}."
    )
    summary = f"never pays back within {bid.horizon_years} years"
    return [Flag("NO_PAYBACK", "error", message, lever, {"cumulative_end": end, **figures}, summary)]


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
    summary = f"payback {bid.payback_years:.1f} years, the policy allows {limit:g}"
    return [Flag("PAYBACK_TOO_LONG", "error", message, lever, figures, summary)]


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
        summary = f"benefits {ratio(bcr)} the cost, the policy asks for {ratio(target)}"
        severity = "error"
    elif headroom < policy.min_benefit_headroom - _TOL:
        target = 1 / (1 - policy.min_benefit_headroom)
        finding = (
            f"The benefits may fall only {percent(headroom)} before the customer loses money; "
            f"the policy asks for at least {percent(policy.min_benefit_headroom)}."
        )
        summary = f"benefit headroom {percent(headroom)}, the policy asks for {percent(policy.min_benefit_headroom)}"
        severity = "error"
    elif headroom < ADVISORY_HEADROOM:
        target = 1 / (1 - ADVISORY_HEADROOM)
        finding = (
            f"The benefits may fall only {percent(headroom)} before the customer loses money: "
            f"little room for error in the benefit claim."
        )
        summary = f"benefit headroom only {percent(headroom)}"
        severity = "warning"
    else:
        return []
    lever, fix, figures = remedy(bid, bid.pv_benefits / target, goal="meet it")
    message = f"{finding} To meet it, {fix}."
    figures = {"benefit_cost_ratio": bcr, "benefit_headroom": headroom, **figures}
    return [Flag("THIN_MARGIN", severity, message, lever, figures, summary)]


def _stress_fails(bid: BidAnalysis, case: Case, others: list[BidAnalysis]) -> list[Flag]:
    cut = case.policy.stress_benefit_cut
    if cut is None or bid.npv < 0:
        return []
    stressed = bid.pv_benefits * (1 - cut) - bid.pv_costs
    if stressed >= 0:
        return []
    cur = bid.currency
    lever, fix, figures = remedy(bid, bid.pv_benefits * (1 - cut), goal="survive the cut")
    message = (
        f"If the benefit claim is cut by {percent(cut)}, the customer loses {money(-stressed, cur)} "
        f"(NPV {money(stressed, cur)}). To survive the cut, {fix}."
    )
    summary = f"NPV {money(stressed, cur)} if the benefits fall {percent(cut)}"
    return [Flag("STRESS_FAILS", "error", message, lever, {"stressed_npv": stressed, **figures}, summary)]


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
    summary = f"bid {best.name!r} gives as much for less"
    return [Flag("DOMINATED", "info", message, "price", {"dominating_npv": best.npv}, summary)]


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
    summary = f"no source for {len(missing)} figure{'s' if len(missing) != 1 else ''}"
    return [Flag("MISSING_SOURCE", severity, message, "evidence", {"missing": float(len(missing))}, summary)]


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
        return [
            Flag("NO_DEAL_ROOM", "error", message, "scope", figures, "no price or fee satisfies both sides")
        ]
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
    summary = "no one-time price satisfies both sides at the quoted fees"
    return [Flag("NO_DEAL_ROOM", "error", message, "recurring_fees", figures, summary)]


def _margin_not_checked(bid: BidAnalysis, case: Case, others: list[BidAnalysis]) -> list[Flag]:
    model = case.bid(bid.name)
    if model.min_margin is None or model.vendor_costs:
        return []
    message = (
        f"The bid asks for a vendor margin of at least {percent(model.min_margin)}, but gives no vendor_costs "
        f"(what delivering the bid costs the vendor), so the margin is not checked and there is no deal room. "
        f"Add the vendor's delivery costs to check it."
    )
    summary = f"min_margin {percent(model.min_margin)} not checked: no vendor_costs"
    return [
        Flag("MARGIN_NOT_CHECKED", "info", message, "evidence", {"min_margin": model.min_margin}, summary)
    ]


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
    _margin_not_checked,
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


RULE_CODES: tuple[str, ...] = (
    "RUNNING_COST_EXCEEDS_REVENUE",
    "NEGATIVE_NPV",
    "NO_PAYBACK",
    "PAYBACK_TOO_LONG",
    "THIN_MARGIN",
    "STRESS_FAILS",
    "NO_DEAL_ROOM",
    "DOMINATED",
    "MISSING_SOURCE",
    "MARGIN_NOT_CHECKED",
)
"""The code each of :data:`RULES` reports, in the same order."""

NOT_FOUND = -1
"""In :func:`evaluate_stacked`'s severities: the rule finds nothing."""


@dataclass(frozen=True)
class StackedBids:
    """What the rules need of ``m`` bids, one array of shape (m,) or (m, years) per input.

    Figures that may not exist are NaN where they do not; policy settings that
    are not set are NaN. The bids have no vendor delivery costs (the deal room
    rule needs each bid's own arrays: :func:`evaluate` runs it).

    Attributes
    ----------
    case_of_row : ndarray of int
        The case of each bid: DOMINATED compares bids of the same case only.
    npv, pv_benefits, pv_costs : ndarray
        As in :class:`BidAnalysis` [currency].
    payback_years : ndarray
        Undiscounted payback [years], NaN when none.
    benefit_cost_ratio, benefit_headroom : ndarray
        As in :class:`BidAnalysis` [fraction], NaN where None.
    benefits, recurring_costs : ndarray, shape (m, years)
        Per year, zeros after the horizon [currency].
    max_payback_years, min_benefit_cost_ratio, min_benefit_headroom, stress_benefit_cut : ndarray
        Each bid's case policy, NaN where not set.
    require_source : ndarray of bool
        The case policy's ``require_source``.
    unsourced : ndarray of int
        Inputs of the bid that give no source.
    min_margin_set : ndarray of bool
        The bid sets ``min_margin``.
    """

    case_of_row: np.ndarray
    npv: np.ndarray
    pv_benefits: np.ndarray
    pv_costs: np.ndarray
    payback_years: np.ndarray
    benefit_cost_ratio: np.ndarray
    benefit_headroom: np.ndarray
    benefits: np.ndarray
    recurring_costs: np.ndarray
    max_payback_years: np.ndarray
    min_benefit_cost_ratio: np.ndarray
    min_benefit_headroom: np.ndarray
    stress_benefit_cut: np.ndarray
    require_source: np.ndarray
    unsourced: np.ndarray
    min_margin_set: np.ndarray


def evaluate_stacked(bids: StackedBids) -> tuple[np.ndarray, np.ndarray]:
    """Which rules find something for each of many bids, and at which severity, all bids at once.

    The same tests, on the same figures and with the same tolerances, as the
    rules of :data:`RULES`; only the messages are not written. Each finding
    has the severity its rule gives it, before the policy's overrides.

    Parameters
    ----------
    bids : StackedBids
        The bids' figures and policies; none has vendor delivery costs.

    Returns
    -------
    severity : ndarray of int, shape (m, len(RULE_CODES))
        Index in :data:`bidfit.flags.SEVERITIES` of each rule's finding,
        :data:`NOT_FOUND` where it finds nothing.
    every_operating_year : ndarray of bool, shape (m,)
        RUNNING_COST_EXCEEDS_REVENUE holds in every operating year (the error form).

    Examples
    --------
    >>> one = np.array([1.0])
    >>> bids = StackedBids(np.array([0]), -one, one, 2 * one, np.array([np.nan]), 0.5 * one,
    ...     np.array([np.nan]), np.array([[0.0, 1.0]]), np.array([[0.0, 0.5]]), np.array([np.nan]), one,
    ...     0 * one, np.array([np.nan]), np.array([False]), np.array([0]), np.array([False]))
    >>> [RULE_CODES[i] for i in np.flatnonzero(evaluate_stacked(bids)[0][0] != NOT_FOUND)]
    ['NEGATIVE_NPV', 'NO_PAYBACK']
    """
    # Long: one block per rule, in the order of RULES, each mirroring its rule's tests.
    error, warning, info = (SEVERITIES.index(s) for s in ("error", "warning", "info"))
    m = bids.npv.size
    found = np.full((m, len(RULE_CODES)), NOT_FOUND, dtype=np.int8)
    npv, pv_b, pv_c = bids.npv, bids.pv_benefits, bids.pv_costs

    benefits, recurring = bids.benefits, bids.recurring_costs
    operating = (benefits > 0) | (recurring > 0)
    losing = operating & _at_least(recurring, benefits) & (recurring > 0)
    running = losing.any(axis=1)
    every_year = running & (losing.sum(axis=1) == operating.sum(axis=1))
    found[running, 0] = np.where(every_year, error, warning)[running]

    found[npv < 0, 1] = error
    no_payback = ~np.isfinite(bids.payback_years)
    found[no_payback, 2] = error
    limit = bids.max_payback_years
    with np.errstate(invalid="ignore"):
        late = ~np.isnan(limit) & ~no_payback & ~(bids.payback_years <= limit + _TOL)
    found[late, 3] = error

    bcr, min_bcr = bids.benefit_cost_ratio, bids.min_benefit_cost_ratio
    headroom = np.where(np.isnan(bids.benefit_headroom), 0.0, bids.benefit_headroom)
    judged = (npv >= 0) & ~np.isnan(bcr)
    low_ratio = judged & (bcr < min_bcr - _TOL)
    low_headroom = judged & ~low_ratio & (headroom < bids.min_benefit_headroom - _TOL)
    thin = judged & ~low_ratio & ~low_headroom & (headroom < ADVISORY_HEADROOM)
    found[low_ratio | low_headroom, 4] = error
    found[thin, 4] = warning

    cut = bids.stress_benefit_cut
    with np.errstate(invalid="ignore"):
        stressed = pv_b * (1 - cut) - pv_c
        found[~np.isnan(cut) & (npv >= 0) & (stressed < 0), 5] = error

    # Rule 6 (NO_DEAL_ROOM) needs vendor delivery costs, which these bids do not have.

    dominated = np.zeros(m, dtype=bool)
    tol = _REL_TOL * np.maximum(np.abs(pv_b), np.abs(pv_c))
    case = bids.case_of_row
    for step in range(1, _longest_run(case)):
        for this, other in ((slice(step, None), slice(None, -step)), (slice(None, -step), slice(step, None))):
            same = case[this] == case[other]
            b_b, b_c, t = pv_b[this], pv_c[this], tol[this]
            o_b, o_c = pv_b[other], pv_c[other]
            better = same & (o_b >= b_b - t) & (o_c <= b_c + t) & ((o_b > b_b + t) | (o_c < b_c - t))
            dominated[this] |= better
    found[dominated, 7] = info

    missing = bids.unsourced > 0
    found[missing, 8] = np.where(bids.require_source, error, info)[missing]
    found[bids.min_margin_set, 9] = info
    return found, every_year


def _longest_run(values: np.ndarray) -> int:
    """Length of the longest run of equal consecutive values (0 for none)."""
    if not values.size:
        return 0
    edges = np.flatnonzero(np.diff(values)) + 1
    return int(np.diff(np.concatenate(([0], edges, [values.size]))).max())


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
    summary = (
        f"worse off in {percent(probability, 1)} of simulated futures, the policy accepts {percent(limit, 1)}"
    )
    flag = Flag(
        "HIGH_LOSS_PROBABILITY", "error", message, "price", {"probability_worse_off": probability}, summary
    )
    return apply_policy_severity([flag], policy)[0]
