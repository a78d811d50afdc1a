"""The orchestrator: ``analyze(case)`` builds the arrays once and hands them to
the finance kernel, the break-even metrics and the rules."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import replace

import numpy as np
import numpy.typing as npt

from bidfit import finance, metrics, rules
from bidfit._format import money
from bidfit.cashflows import BidCashflows, build_cashflows
from bidfit.dealroom import customer_ceiling, deal_room
from bidfit.errors import InputError
from bidfit.models import Case, reference_problems
from bidfit.results import Analysis, BidAnalysis, Portfolio

__all__ = ["KERNEL_FIGURES", "analyze", "analyze_many", "assess", "kernel", "measure"]


def _finite(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


KERNEL_FIGURES = (
    "npv",
    "pv_benefits",
    "pv_costs",
    "pv_one_time",
    "pv_recurring",
    "pv_pool",
    "irr",
    "payback",
    "discounted_payback",
    "one_time_price",
    "annual_fee",
    "max_one_time_price",
    "max_annual_fee",
    "benefit_headroom",
)
"""The columns :func:`kernel` returns, in order."""


def kernel(rates: npt.ArrayLike, flows: Sequence[BidCashflows]) -> np.ndarray:
    """The finance figures of many bids at once, one row per bid.

    Horizons may differ: shorter series are padded with years of zero flow,
    which changes none of the figures. Everything runs on stacked 2-D arrays,
    so a portfolio of thousands of bids costs a few array operations.

    Parameters
    ----------
    rates : array_like, shape (m,) or scalar
        Each bid's discount rate [1/year].
    flows : sequence of BidCashflows
        The bids' arrays.

    Returns
    -------
    ndarray, shape (m, 14)
        Columns :data:`KERNEL_FIGURES`: NPV and the PVs [currency], IRR
        [1/year], payback and discounted payback [years], the quoted price
        [currency] and first-year fee [currency/year], the break-even price
        and fee (see :mod:`bidfit.metrics`) and the benefit headroom
        [fraction]; NaN where a figure does not exist.
    """
    m = len(flows)
    n = max(f.years.size for f in flows)
    series = np.zeros((6, m, n))
    horizons = np.empty(m, dtype=int)
    for i, f in enumerate(flows):
        series[:, i, : f.years.size] = (
            f.net,
            f.benefits,
            f.costs,
            f.one_time_costs,
            f.recurring_costs,
            f.revenue_pool,
        )
        horizons[i] = f.years.size - 1
    rate = np.broadcast_to(np.asarray(rates, dtype=float), (m,))
    present = np.asarray(finance.npv(np.tile(rate, 6), series.reshape(6 * m, n))).reshape(6, m)
    pv_net, pv_b, _, pv_ot, pv_r, _ = present
    net, recurring = series[0], series[4]
    price = series[3].sum(axis=1)
    paying = recurring > 0
    fee = np.where(paying.any(axis=1), recurring[np.arange(m), paying.argmax(axis=1)], 0.0)
    # Annuity factor of years 1..horizon for each row (used where a bid has no recurring cost).
    t = np.arange(n)
    annuity = np.where((t >= 1) & (t <= horizons[:, None]), finance.discount_factors(rate, n - 1), 0.0).sum(
        axis=1
    )
    with np.errstate(all="ignore"):
        max_fee = np.where(pv_r > 0, (pv_b - pv_ot) * fee / pv_r, (pv_b - pv_ot) / annuity)
    return np.column_stack(
        [
            *present,
            finance.irr(net),
            finance.payback(net),
            finance.discounted_payback(rate, net),
            price,
            fee,
            metrics.max_one_time_price(pv_b, pv_ot, pv_r, price),
            max_fee,
            metrics.benefit_headroom(pv_net, pv_b),
        ]
    )


def measure(
    case: Case,
    flows: BidCashflows,
    vendor: str = "",
    min_margin: float | None = None,
    figures: np.ndarray | None = None,
) -> BidAnalysis:
    """Compute every metric of one bid from its cash-flow arrays (no flags yet).

    Parameters
    ----------
    case : Case
        The case the bid belongs to (discount rate, horizon, currency).
    flows : BidCashflows
        The bid's arrays from :func:`bidfit.cashflows.build_cashflows`.
    vendor : str
        The bid's vendor, for display.
    min_margin : float, optional
        The vendor's minimum margin; with the vendor's delivery cost in
        ``flows`` it gives the deal room (default 0 when delivery costs exist).
    figures : ndarray, optional
        This bid's row of :func:`kernel`, when computed for many bids at once.
    """
    rate, horizon = case.discount_rate, case.horizon_years
    costs, net = flows.costs, flows.net
    if figures is None:
        figures = kernel(rate, [flows])[0]
    pv_net, pv_b, pv_c, pv_ot, pv_r, pv_pool = (float(v) for v in figures[:6])
    irr, payback, discounted = (_finite(float(v)) for v in figures[6:9])
    price, first_fee, max_price, max_fee = (float(v) for v in figures[9:13])
    headroom = _finite(float(figures[13]))
    room = None
    if flows.vendor_cost_lines is not None and flows.vendor_cost_lines.size:
        ceiling = customer_ceiling(flows, pv_b, pv_ot, pv_r, price, first_fee, rate, case.policy)
        room = deal_room(
            flows, flows.vendor_cost_lines, min_margin or 0.0, ceiling, pv_ot, pv_r, price, first_fee, rate
        )

    notes: dict[str, str] = {}
    if irr is None:
        notes["irr"] = "no discount rate makes NPV zero: " + (
            "the net cash flows never change sign"
            if np.all(net >= 0) or np.all(net <= 0)
            else "NPV keeps one sign at every rate above -100%"
        )
    cumulative_end = float(np.cumsum(net)[-1])
    if payback is None:
        notes["payback_years"] = (
            f"the cumulative cash position is {money(cumulative_end, case.currency)} "
            f"at year {horizon}: it does not stay non-negative within the horizon"
        )
    if discounted is None:
        notes["discounted_payback_years"] = (
            "the cumulative discounted cash position does not stay non-negative within the horizon"
        )
    if pv_c <= 0:
        notes["benefit_cost_ratio"] = "the bid has no cost"
    if pv_b <= 0:
        notes["benefit_headroom"] = "the bid addresses no benefit"
    if pv_pool <= 0:
        notes["benefit_share"] = "the revenue pool in scope is zero"

    return BidAnalysis(
        name=flows.bid,
        vendor=vendor,
        currency=case.currency,
        discount_rate=rate,
        horizon_years=horizon,
        npv=pv_net,
        irr=irr,
        payback_years=payback,
        discounted_payback_years=discounted,
        pv_benefits=pv_b,
        pv_costs=pv_c,
        pv_one_time_costs=pv_ot,
        pv_recurring_costs=pv_r,
        lifetime_cost=float(costs.sum()),
        benefit_cost_ratio=pv_b / pv_c if pv_c > 0 else None,
        revenue_pool=pv_pool,
        benefit_share=pv_b / pv_pool if pv_pool > 0 else None,
        one_time_price=price,
        annual_fee=first_fee,
        max_one_time_price=max_price,
        max_annual_fee=max_fee,
        benefit_headroom=headroom,
        flows=flows,
        notes=notes,
        policy=case.policy,
        deal_room=room,
    )


def analyze(case: Case) -> Analysis:
    """Analyse every bid of a case from the customer's side.

    Parameters
    ----------
    case : Case
        The business case (see :func:`bidfit.load` to read one from a file).

    Returns
    -------
    Analysis
        ``.bids[name]`` per bid (NPV, IRR, payback, break-even price and fee,
        flags, verdict, cash flows) and ``.summary`` across bids.

    Raises
    ------
    InputError
        If the case was changed after validation into an inconsistent one
        (e.g. a scope that names a stream that no longer exists).

    Examples
    --------
    >>> import bidfit
    >>> result = bidfit.analyze(bidfit.load_sample("norway_roaming"))
    >>> result.bids["Vendor A"].verdict, result.bids["Competitor B"].verdict
    ('worse_off', 'better_off')
    """
    problems = reference_problems(case)
    if problems:
        raise InputError(problems)
    return Analysis(case=case, bids=assess(case, build_cashflows(case)))


def assess(
    case: Case, flows: dict[str, BidCashflows], figures: dict[str, np.ndarray] | None = None
) -> dict[str, BidAnalysis]:
    """Metrics and findings for the given cash flows of bids of ``case``.

    The flows may be variants of the case's own (a scaled price, say): this is
    how :mod:`bidfit.pricing` tries changes without rebuilding the case.
    ``figures`` holds each bid's :func:`kernel` row when already computed.
    """
    bids = {bid.name: bid for bid in case.bids}
    figures = figures or {}
    measured = {
        name: measure(case, f, bids[name].vendor, bids[name].min_margin, figures.get(name))
        for name, f in flows.items()
    }
    found = rules.evaluate(case, measured)
    return {name: replace(result, flags=found[name]) for name, result in measured.items()}


def analyze_many(cases: Iterable[Case]) -> Portfolio:
    """Analyse many cases at once: a bid desk's whole pipeline.

    The cash flows of every bid of every case are stacked into arrays and the
    finance kernel runs once over all of them; only the rules run per bid.

    Parameters
    ----------
    cases : iterable of Case
        The cases (e.g. ``[bidfit.load(p) for p in paths]``).

    Returns
    -------
    Portfolio
        ``.analyses`` (one :class:`Analysis` per case, in order) and
        ``.summary`` (one row per case and bid).

    Raises
    ------
    InputError
        Listing the problems of every inconsistent case, each prefixed with
        the case's position and name.

    Examples
    --------
    >>> import bidfit
    >>> portfolio = analyze_many(bidfit.load_sample(n) for n in bidfit.sample_names())
    >>> len(portfolio), portfolio.summary.shape[0]
    (3, 8)
    """
    cases = list(cases)
    errors = []
    for i, case in enumerate(cases):
        problems = reference_problems(case)
        if problems:
            errors.append(InputError([p.in_file(f"cases[{i}] ({case.name})") for p in problems]))
    if errors:
        raise InputError.combine(errors)
    built = [build_cashflows(case) for case in cases]
    rows = [(i, name, f) for i, by_bid in enumerate(built) for name, f in by_bid.items()]
    if not rows:
        return Portfolio(analyses=())
    table = kernel([cases[i].discount_rate for i, _, _ in rows], [f for _, _, f in rows])
    figures: list[dict[str, np.ndarray]] = [{} for _ in cases]
    for (i, name, _), row in zip(rows, table, strict=True):
        figures[i][name] = row
    return Portfolio(
        analyses=tuple(
            Analysis(case=case, bids=assess(case, by_bid, fig))
            for case, by_bid, fig in zip(cases, built, figures, strict=True)
        )
    )
