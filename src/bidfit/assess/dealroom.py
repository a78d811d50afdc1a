"""The deal room: the customer's ceiling against the vendor's floor, per bid.

Pure arithmetic on a bid's cash-flow arrays and present values; no analysis
is re-run here. Conventions (see :mod:`bidfit.kernel.breakeven`):

* the **customer ceiling** is the largest one-time price (all one-time costs
  scaled together, fees as quoted) and the largest first-year fee (all
  recurring costs scaled together, price as quoted) that still pass the
  policy: NPV >= 0, and where the policy sets them, the minimum benefit/cost
  ratio, the minimum benefit headroom, the stress cut and the maximum payback;
* the **vendor floor** is the smallest price (or fee) at which what the
  customer pays still covers the vendor's own delivery cost with its minimum
  margin, in PV at the case's discount rate:
  ``margin = 1 - PV(delivery cost) / PV(customer payments)``;
* the **deal room** is the range between floor and ceiling; empty when no
  price satisfies both sides.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from bidfit.build.cashflows import BidCashflows
from bidfit.kernel import breakeven, finance
from bidfit.model.case import Policy

__all__ = [
    "Ceiling",
    "DealRoom",
    "customer_ceiling",
    "deal_room",
    "delivery_pv",
    "scale_for_payback",
    "vendor_margin",
]


def scale_for_payback(flows: BidCashflows, years: float, scaled: str) -> float | None:
    """The largest factor on one group of costs that still pays back within ``years``.

    Parameters
    ----------
    flows : BidCashflows
        The bid's arrays.
    years : float
        The longest acceptable payback [years].
    scaled : {'one_time', 'recurring'}
        Which costs are scaled; the others stay as quoted. The one-time price
        carries the fees linked to it (:attr:`BidCashflows.price_costs`).

    Returns
    -------
    float or None
        The factor [-]; ``inf`` when the group is not paid by ``years`` and
        payback is already in time; None when no factor pays back in time.

    Notes
    -----
    By year ``P`` the cumulative position is ``rest(P) - s * group(P)``
    (cumulative values interpolated linearly within the year, as payback is),
    so ``s = rest(P) / group(P)``. The result is confirmed on the scaled flows,
    since payback also requires the position to stay non-negative afterwards.
    """
    group = flows.price_costs if scaled == "one_time" else flows.recurring_costs
    rest = flows.benefits - (flows.costs - group)
    group_at = np.interp(years, flows.years, np.cumsum(group))
    if group_at <= 0:
        # Nothing of the group is paid by then: scaling it cannot bring payback forward.
        quoted = finance.payback(rest - group)
        return math.inf if np.isfinite(quoted) and quoted <= years + 1e-9 else None
    with np.errstate(over="ignore"):
        scale = np.interp(years, flows.years, np.cumsum(rest)) / group_at
    if not np.isfinite(scale):
        # The group is too small against the rest for any factor to matter.
        quoted = finance.payback(rest)
        return math.inf if np.isfinite(quoted) and quoted <= years + 1e-9 else None
    for trial in (scale, scale * (1 - 1e-9)):
        if trial < 0:
            return None
        achieved = finance.payback(rest - trial * group)
        if np.isfinite(achieved) and achieved <= years + 1e-9:
            return float(trial)
    return None


def max_price_for(
    allowed_cost: float,
    flows: BidCashflows,
    pv_one_time: float,
    pv_recurring: float,
    price: float,
    rate: float,
) -> float:
    """The total one-time price at which the customer's PV of costs is ``allowed_cost`` [currency].

    All one-time costs are scaled together, and the recurring fees priced as
    a percent of them (``percent_of``) follow: support at 18 % of the
    hardware a year costs 18 % of the new price. Other recurring costs stay
    as quoted (:func:`bidfit.kernel.breakeven.max_one_time_price` with the
    linked fees moved to the price's side).

    Parameters
    ----------
    allowed_cost : float
        The largest PV of costs the customer can accept [currency].
    flows : BidCashflows
        The bid's arrays (for the linked fees).
    pv_one_time, pv_recurring : float
        PV of the one-time and of all recurring costs as quoted [currency].
    price : float
        The quoted total one-time price [currency].
    rate : float
        Discount rate [1/year]; 0 for undiscounted totals.

    Examples
    --------
    Revenue 300k a year for 10 years at 9 %, capex 600k, support 18 % of the
    capex a year: the break-even capex is ``PV_benefits / (1 + 0.18 * A)``
    with ``A`` the 10-year annuity factor at 9 %.

    >>> import bidfit
    >>> from bidfit.model.case import Bid, Case, CostItem, RevenueStream
    >>> case = Case(name="Cable", horizon_years=10, discount_rate=0.09,
    ...     revenue=[RevenueStream(name="Traffic", annual_amount=300_000)],
    ...     bids=[Bid(name="A", costs=[CostItem(name="Capex", kind="one_time", amount=600_000),
    ...         CostItem(name="Support", kind="recurring", percent_of=["Capex"], percent=0.18)])])
    >>> bid = bidfit.analyze(case).bids["A"]
    >>> round(max_price_for(bid.pv_benefits, bid.flows, bid.pv_one_time_costs,
    ...                     bid.pv_recurring_costs, bid.one_time_price, 0.09), 2)
    893335.48
    """
    pv_linked = float(finance.npv(rate, flows.linked_fees))
    moving, staying = pv_one_time + pv_linked, pv_recurring - pv_linked
    return float(breakeven.max_one_time_price(allowed_cost, moving, staying, price))


@dataclass(frozen=True)
class Ceiling:
    """The most the customer can pay and still pass the policy.

    Attributes
    ----------
    price : float
        Largest total one-time price at the quoted fees [currency]; negative
        when no price works.
    fee : float
        Largest first-year recurring cost at the quoted price [currency/year].
    price_reason, fee_reason : str
        Which condition binds: ``break-even``, ``min_benefit_cost_ratio``,
        ``min_benefit_headroom``, ``stress_benefit_cut`` or ``max_payback_years``.
    allowed_pv_cost : float
        The largest PV of costs the PV conditions allow [currency].
    """

    price: float
    fee: float
    price_reason: str
    fee_reason: str
    allowed_pv_cost: float


def customer_ceiling(
    flows: BidCashflows,
    pv_benefits: float,
    pv_one_time: float,
    pv_recurring: float,
    price: float,
    fee: float,
    rate: float,
    policy: Policy,
) -> Ceiling:
    """The customer's ceiling price and fee under the policy.

    Parameters
    ----------
    flows : BidCashflows
        The bid's arrays (for the payback condition).
    pv_benefits, pv_one_time, pv_recurring : float
        PV of benefits, one-time and recurring costs [currency].
    price, fee : float
        Quoted total one-time price [currency] and first-year fee [currency/year].
    rate : float
        The customer's discount rate [1/year].
    policy : Policy
        Thresholds.

    Examples
    --------
    >>> import bidfit
    >>> a = bidfit.analyze(bidfit.load_sample("norway_roaming")).bids["Competitor B"]
    >>> c = customer_ceiling(a.flows, a.pv_benefits, a.pv_one_time_costs, a.pv_recurring_costs,
    ...                      a.one_time_price, a.annual_fee, 0.08, bidfit.Policy())
    >>> round(c.price) == round(a.max_one_time_price), c.price_reason
    (True, 'break-even')
    """
    limits = {"break-even": pv_benefits}
    if policy.min_benefit_cost_ratio > 0:
        limits["min_benefit_cost_ratio"] = pv_benefits / policy.min_benefit_cost_ratio
    limits["min_benefit_headroom"] = pv_benefits * (1 - policy.min_benefit_headroom)
    if policy.stress_benefit_cut is not None:
        limits["stress_benefit_cut"] = pv_benefits * (1 - policy.stress_benefit_cut)
    # The most restrictive; ties go to the simplest explanation (break-even first).
    reason = min(limits, key=lambda k: (limits[k], list(limits).index(k)))
    allowed = limits[reason]
    horizon = int(flows.years[-1])
    best_price = max_price_for(allowed, flows, pv_one_time, pv_recurring, price, rate)
    best_fee = float(breakeven.max_annual_fee(allowed, pv_one_time, pv_recurring, fee, rate, horizon))
    price_reason = fee_reason = reason
    if policy.max_payback_years is not None:
        for group, quoted in (("one_time", price), ("recurring", fee)):
            scale = scale_for_payback(flows, policy.max_payback_years, group)
            limit = -math.inf if scale is None else scale * quoted
            if group == "one_time" and quoted > 0 and limit < best_price:
                best_price, price_reason = float(limit), "max_payback_years"
            if group == "recurring" and quoted > 0 and limit < best_fee:
                best_fee, fee_reason = float(limit), "max_payback_years"
    return Ceiling(best_price, best_fee, price_reason, fee_reason, allowed)


@dataclass(frozen=True)
class DealRoom:
    """The customer's ceiling against the vendor's floor for one bid.

    Attributes
    ----------
    ceiling : Ceiling
        The customer side.
    floor_price : float
        Smallest total one-time price at the quoted fees that gives the vendor
        its minimum margin [currency].
    floor_fee : float
        Smallest first-year fee at the quoted price that gives the vendor its
        minimum margin [currency/year].
    vendor_margin : float or None
        The vendor's margin at the quoted price and fees [fraction]; None when
        the customer pays nothing.
    min_margin : float
        The vendor's minimum margin [fraction].
    pv_delivery_cost : float
        PV of the vendor's own delivery cost [currency].
    required_pv_revenue : float
        PV the customer must pay for the vendor's minimum margin [currency].
    """

    ceiling: Ceiling
    floor_price: float
    floor_fee: float
    vendor_margin: float | None
    min_margin: float
    pv_delivery_cost: float
    required_pv_revenue: float

    @property
    def price_range(self) -> tuple[float, float] | None:
        """(lowest, highest) one-time price both sides accept at the quoted fees, or None."""
        low, high = max(self.floor_price, 0.0), self.ceiling.price
        return (low, high) if low <= high else None

    @property
    def fee_range(self) -> tuple[float, float] | None:
        """(lowest, highest) first-year fee both sides accept at the quoted price, or None."""
        low, high = max(self.floor_fee, 0.0), self.ceiling.fee
        return (low, high) if low <= high else None

    @property
    def exists(self) -> bool:
        """True when some mix of price and fees satisfies both sides (PV conditions)."""
        return self.required_pv_revenue <= self.ceiling.allowed_pv_cost and self.ceiling.allowed_pv_cost >= 0


def delivery_pv(vendor_lines: np.ndarray, rate: float) -> float:
    """PV of the vendor's own delivery cost [currency].

    Parameters
    ----------
    vendor_lines : ndarray, shape (v, n)
        The vendor's delivery cost per item and year [currency].
    rate : float
        The case's discount rate [1/year].

    Examples
    --------
    >>> round(delivery_pv(np.array([[100.0, 0.0], [0.0, 110.0]]), 0.1), 6)
    200.0
    """
    return float(finance.npv(rate, vendor_lines.sum(axis=0)))


def vendor_margin(pv_delivery: float, pv_payments: float) -> float | None:
    """The vendor's margin on what the customer pays, in PV [fraction].

    ``1 - PV(delivery cost) / PV(customer payments)``; None when the customer
    pays nothing.

    Examples
    --------
    >>> vendor_margin(75.0, 100.0), vendor_margin(75.0, 0.0)
    (0.25, None)
    """
    return 1 - pv_delivery / pv_payments if pv_payments > 0 else None


def deal_room(
    flows: BidCashflows,
    vendor_lines: np.ndarray,
    min_margin: float,
    ceiling: Ceiling,
    pv_one_time: float,
    pv_recurring: float,
    price: float,
    fee: float,
    rate: float,
) -> DealRoom:
    """The vendor's floor against the customer's ceiling.

    Parameters
    ----------
    flows : BidCashflows
        The bid's arrays.
    vendor_lines : ndarray, shape (v, n)
        The vendor's delivery cost per item and year [currency].
    min_margin : float
        The vendor's minimum margin on what the customer pays [fraction].
    ceiling : Ceiling
        From :func:`customer_ceiling`.
    pv_one_time, pv_recurring : float
        PV of what the customer pays once and every year [currency].
    price, fee : float
        Quoted one-time price [currency] and first-year fee [currency/year].
    rate : float
        Discount rate [1/year].

    Notes
    -----
    The vendor needs ``PV(payments) >= PV(delivery) / (1 - min_margin)``.
    Payments are the customer's costs, so the floor is the break-even
    arithmetic of :mod:`bidfit.kernel.breakeven` with that required PV in place of the
    benefits.
    """
    horizon = int(flows.years[-1])
    pv_delivery = delivery_pv(vendor_lines, rate)
    required = pv_delivery / (1 - min_margin)
    return DealRoom(
        ceiling=ceiling,
        floor_price=max_price_for(required, flows, pv_one_time, pv_recurring, price, rate),
        floor_fee=float(breakeven.max_annual_fee(required, pv_one_time, pv_recurring, fee, rate, horizon)),
        vendor_margin=vendor_margin(pv_delivery, pv_one_time + pv_recurring),
        min_margin=min_margin,
        pv_delivery_cost=pv_delivery,
        required_pv_revenue=required,
    )
