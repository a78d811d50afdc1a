"""The orchestrator: ``analyze(case)`` builds the arrays once and hands them to
the finance kernel, the break-even metrics and the rules."""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from bidfit._format import money
from bidfit.assess import rules
from bidfit.assess.dealroom import customer_ceiling, deal_room
from bidfit.build.cashflows import BidCashflows, build_cashflows, build_stacked
from bidfit.build.checks import nonfinite_problems
from bidfit.errors import InputError, Problem
from bidfit.flags import SEVERITIES
from bidfit.kernel import breakeven, finance
from bidfit.model.base import FIELD_HINTS
from bidfit.model.case import Case
from bidfit.model.references import require_consistent
from bidfit.results.analysis import (
    ECONOMIC_WARNINGS,
    Analysis,
    BidAnalysis,
    Portfolio,
    portfolio_frame,
    portfolio_row,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Figures", "analyze", "analyze_many", "assess", "kernel", "measure", "stacked_kernel"]

FloatArray = npt.NDArray[np.float64]


def _finite(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def _ratio(numerator: float, denominator: float) -> float | None:
    """``numerator / denominator``; None when the denominator is not positive or the ratio overflows."""
    if denominator <= 0:
        return None
    return _finite(numerator / denominator)


@dataclass(frozen=True)
class Figures:
    """The finance figures of ``m`` bids, one float array of shape (m,) per figure.

    The names are those of :class:`bidfit.results.analysis.BidAnalysis`. A figure that
    may not exist (IRR, paybacks, benefit headroom) is NaN where it does not.
    Indexing with a bid's position gives that bid's figures (arrays of shape
    (1,)); iterating gives each bid's in turn.

    Attributes
    ----------
    npv : ndarray
        Net present value to the customer [currency].
    pv_benefits, pv_costs, pv_one_time_costs, pv_recurring_costs : ndarray
        Present values of the benefits and of the costs [currency].
    revenue_pool : ndarray
        Present value of the revenue pool in scope [currency].
    irr : ndarray
        Internal rate of return [1/year].
    payback_years, discounted_payback_years : ndarray
        Undiscounted and discounted payback [years].
    one_time_price : ndarray
        Total one-time cost as quoted [currency].
    annual_fee : ndarray
        Recurring cost of the first year that has one [currency/year].
    pv_linked_fees : ndarray
        PV of the recurring fees priced as a percent of one-time items [currency].
    lifetime_cost : ndarray
        Undiscounted total of all costs [currency].
    max_one_time_price, max_annual_fee : ndarray
        Break-even price [currency], the fees linked to the price following it, and
        break-even fee [currency/year] (see :mod:`bidfit.kernel.breakeven`).
    benefit_headroom : ndarray
        Share the benefits may fall before NPV turns negative [fraction].
    """

    npv: FloatArray
    pv_benefits: FloatArray
    pv_costs: FloatArray
    pv_one_time_costs: FloatArray
    pv_recurring_costs: FloatArray
    revenue_pool: FloatArray
    irr: FloatArray
    payback_years: FloatArray
    discounted_payback_years: FloatArray
    one_time_price: FloatArray
    annual_fee: FloatArray
    max_one_time_price: FloatArray
    max_annual_fee: FloatArray
    benefit_headroom: FloatArray
    pv_linked_fees: FloatArray
    lifetime_cost: FloatArray

    def __len__(self) -> int:
        return int(self.npv.size)

    def __getitem__(self, bid: int) -> Figures:
        """The figures of the bid at position ``bid``, each an array of shape (1,)."""
        at = range(len(self))[bid]
        keep = slice(at, at + 1)  # a view, not a copy
        return Figures(**{name: getattr(self, name)[keep] for name in _FIGURE_NAMES})

    def __iter__(self) -> Iterator[Figures]:
        return (self[i] for i in range(len(self)))

    def always_finite(self) -> npt.NDArray[np.bool_]:
        """True for each bid whose figures that always exist (NPV, PVs, prices, fees) are all finite."""
        finite = np.ones(len(self), dtype=bool)
        for f in fields(self):
            if f.name not in _MAY_NOT_EXIST:
                finite &= np.isfinite(getattr(self, f.name))
        return finite


_MAY_NOT_EXIST = frozenset({"irr", "payback_years", "discounted_payback_years", "benefit_headroom"})
"""Figures that may not exist; NaN or infinite in any other means the inputs overflow."""


_FIGURE_NAMES: tuple[str, ...] = tuple(f.name for f in fields(Figures))


def kernel(rates: npt.ArrayLike, flows: Sequence[BidCashflows]) -> Figures:
    """The finance figures of many bids at once.

    Horizons may differ: shorter series are padded with years of zero flow,
    which changes none of the figures. Everything runs on stacked 2-D arrays,
    so a portfolio of thousands of bids costs a few array operations. A bid's
    figures are those of the bid alone, whatever the other bids: sums over
    years run on the unpadded arrays of the bids of one horizon, and IRRs
    among bids of the same shape (see :func:`stacked_kernel`).

    Parameters
    ----------
    rates : array_like, shape (m,) or scalar
        Each bid's discount rate [1/year].
    flows : sequence of BidCashflows
        The bids' arrays.

    Returns
    -------
    Figures
        One value per bid of each figure; NaN where a figure does not exist.

    Examples
    --------
    >>> import bidfit
    >>> from bidfit.build.cashflows import build_cashflows
    >>> case = bidfit.load_sample("norway_roaming")
    >>> figures = kernel(case.discount_rate, list(build_cashflows(case).values()))
    >>> figures.npv.round(2).tolist()
    [-1533943.78, 343358.93]
    """
    m = len(flows)
    n = max(f.years.size for f in flows)
    series = np.zeros((7, m, n))
    horizons = np.empty(m, dtype=int)
    for i, f in enumerate(flows):
        series[:, i, : f.years.size] = (
            f.net,
            f.benefits,
            f.costs,
            f.one_time_costs,
            f.recurring_costs,
            f.revenue_pool,
            f.linked_fees,
        )
        horizons[i] = f.years.size - 1
    return stacked_kernel(rates, series, horizons)


def stacked_kernel(rates: npt.ArrayLike, series: FloatArray, horizons: npt.NDArray[np.int64]) -> Figures:
    """The finance figures of ``m`` bids from their yearly totals, stacked.

    Parameters
    ----------
    rates : array_like, shape (m,) or scalar
        Each bid's discount rate [1/year].
    series : ndarray, shape (7, m, n)
        Per bid and year: net flow, benefits, costs, one-time costs, recurring
        costs, revenue pool, fees linked to the price [currency]; zeros after
        a bid's horizon.
    horizons : ndarray of int, shape (m,)
        Each bid's horizon [years].

    Returns
    -------
    Figures
        As :func:`kernel`. Each bid's figures are those of the bid alone, bit
        for bit, except the IRR of flows that change sign several times, which
        :func:`bidfit.kernel.finance.irr` solves in batches: equal to about 1e-15
        relative, the last bits depending on the rows solved with it.

    Examples
    --------
    >>> series = np.zeros((7, 1, 3)); series[0] = series[2] = [[-100.0, 60.0, 60.0]]
    >>> float(stacked_kernel(0.1, series, np.array([2])).npv[0].round(4))
    4.1322
    """
    m = series.shape[1]
    rate = np.broadcast_to(np.asarray(rates, dtype=float), (m,))
    # Sums over a bid's years run per horizon on unpadded arrays: the same arithmetic as for
    # the bid alone, whatever the other bids (a row's sum never depends on the rows beside it).
    net, recurring = series[0], series[4]
    paying = recurring > 0
    fee = np.where(paying.any(axis=1), recurring[np.arange(m), paying.argmax(axis=1)], 0.0)
    present, price, lifetime_cost, max_fee = np.empty((7, m)), np.empty(m), np.empty(m), np.empty(m)
    for horizon in np.unique(horizons).tolist():
        rows = np.flatnonzero(horizons == horizon)
        own = series[:, rows, : horizon + 1]
        present[:, rows] = np.asarray(
            finance.npv(np.tile(rate[rows], 7), own.reshape(7 * rows.size, horizon + 1))
        ).reshape(7, rows.size)
        price[rows] = own[3].sum(axis=1)
        lifetime_cost[rows] = own[2].sum(axis=1)
        pv_b, pv_ot, pv_r = present[1, rows], present[3, rows], present[4, rows]
        max_fee[rows] = breakeven.max_annual_fee(pv_b, pv_ot, pv_r, fee[rows], rate[rows], horizon)
    pv_net, pv_b, pv_c, pv_ot, pv_r, pv_pool, pv_linked = present
    return Figures(
        npv=pv_net,
        pv_benefits=pv_b,
        pv_costs=pv_c,
        pv_one_time_costs=pv_ot,
        pv_recurring_costs=pv_r,
        revenue_pool=pv_pool,
        irr=_irr_by_shape(net, horizons),
        payback_years=np.asarray(finance.payback(net), dtype=float),
        discounted_payback_years=np.asarray(finance.discounted_payback(rate, net), dtype=float),
        one_time_price=price,
        annual_fee=fee,
        # Fees priced as a percent of one-time items move with the price.
        max_one_time_price=breakeven.max_one_time_price(pv_b, pv_ot + pv_linked, pv_r - pv_linked, price),
        max_annual_fee=max_fee,
        benefit_headroom=breakeven.benefit_headroom(pv_net, pv_b),
        pv_linked_fees=pv_linked,
        lifetime_cost=lifetime_cost,
    )


def _irr_by_shape(net: FloatArray, horizons: npt.NDArray[np.int64]) -> FloatArray:
    """Each row's IRR, solved among rows of the same shape only, so that it never depends on the others.

    :func:`bidfit.kernel.finance.irr` factors each batch's polynomials by the
    earliest inflow year and the latest outflow year of any series in it; rows
    grouped by horizon and by those two years of their own get the same
    arithmetic whatever they are stacked with.
    """
    m, n = net.shape
    out = np.full(m, np.nan)
    sign = np.sign(net)
    nonzero = sign != 0
    has = nonzero.any(axis=1)
    last_index = n - 1 - np.argmax(nonzero[:, ::-1], axis=1)
    oriented = sign * sign[np.arange(m), last_index][:, None]
    inflow, outflow = oriented > 0, oriented < 0
    first_in = np.where(inflow.any(axis=1), np.argmax(inflow, axis=1), -1)
    last_out = np.where(outflow.any(axis=1), n - 1 - np.argmax(outflow[:, ::-1], axis=1), -1)
    key = (horizons * (n + 1) + (first_in + 1)) * (n + 1) + (last_out + 1)
    key = np.where(has, key, -1)
    order = np.argsort(key, kind="stable")
    bounds = np.flatnonzero(np.diff(key[order])) + 1
    for rows in np.split(order, bounds):
        if rows.size and key[rows[0]] >= 0:
            horizon = int(horizons[rows[0]])
            out[rows] = finance.irr(net[rows, : horizon + 1])
    return out


def measure(
    case: Case,
    flows: BidCashflows,
    vendor: str = "",
    min_margin: float | None = None,
    figures: Figures | None = None,
) -> BidAnalysis:
    """Compute every metric of one bid from its cash-flow arrays (no flags yet).

    Parameters
    ----------
    case : Case
        The case the bid belongs to (discount rate, horizon, currency).
    flows : BidCashflows
        The bid's arrays from :func:`bidfit.build.cashflows.build_cashflows`.
    vendor : str
        The bid's vendor, for display.
    min_margin : float, optional
        The vendor's minimum margin; with the vendor's delivery cost in
        ``flows`` it gives the deal room (default 0 when delivery costs exist).
    figures : Figures, optional
        This bid's figures from :func:`kernel`, when computed for many bids at once.
    """
    # Long: one figure after another, each with the note that says why it may be None.
    rate, horizon = case.discount_rate, case.horizon_years
    net = flows.net
    if figures is None:
        figures = kernel(rate, [flows])
    pv_net, pv_b, pv_c = float(figures.npv[0]), float(figures.pv_benefits[0]), float(figures.pv_costs[0])
    pv_ot, pv_r = float(figures.pv_one_time_costs[0]), float(figures.pv_recurring_costs[0])
    pv_pool = float(figures.revenue_pool[0])
    irr, payback = _finite(float(figures.irr[0])), _finite(float(figures.payback_years[0]))
    discounted = _finite(float(figures.discounted_payback_years[0]))
    price, first_fee = float(figures.one_time_price[0]), float(figures.annual_fee[0])
    max_price, max_fee = float(figures.max_one_time_price[0]), float(figures.max_annual_fee[0])
    headroom = _finite(float(figures.benefit_headroom[0]))
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
    benefit_cost_ratio = _ratio(pv_b, pv_c)
    benefit_share = _ratio(pv_b, pv_pool)
    if pv_c <= 0:
        notes["benefit_cost_ratio"] = "the bid has no cost"
    elif benefit_cost_ratio is None:
        notes["benefit_cost_ratio"] = "the bid's costs are too small against its benefits for a ratio"
    if pv_b <= 0:
        notes["benefit_headroom"] = "the bid addresses no benefit"
    elif headroom is None:
        notes["benefit_headroom"] = "the benefits are too small against the costs for a share"
    if pv_pool <= 0:
        notes["benefit_share"] = "the revenue pool in scope is zero"
    elif benefit_share is None:
        notes["benefit_share"] = "the revenue pool in scope is too small against the benefits for a share"

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
        lifetime_cost=float(figures.lifetime_cost[0]),
        benefit_cost_ratio=benefit_cost_ratio,
        revenue_pool=pv_pool,
        benefit_share=benefit_share,
        one_time_price=price,
        annual_fee=first_fee,
        max_one_time_price=max_price,
        max_annual_fee=max_fee,
        benefit_headroom=headroom,
        flows=flows,
        notes=notes,
        policy=case.policy,
        deal_room=room,
        pv_linked_fees=float(figures.pv_linked_fees[0]),
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
        (e.g. a scope that names a stream that no longer exists), or if a
        cash flow or a figure is NaN or infinite (each problem names the
        field that causes it, e.g. ``revenue['Roaming'].growth``): such a
        figure is never judged.

    Examples
    --------
    >>> import bidfit
    >>> result = bidfit.analyze(bidfit.load_sample("norway_roaming"))
    >>> result.bids["Vendor A"].verdict, result.bids["Competitor B"].verdict
    ('worse_off', 'better_off')
    """
    require_consistent(case)
    with np.errstate(all="ignore"):  # a flow that overflows is reported just below, by field
        flows = build_cashflows(case)
    figures = _finite_figures([case], [flows], name_cases=False)[0]
    return Analysis(case=case, bids=assess(case, flows, figures))


def assess(
    case: Case, flows: dict[str, BidCashflows], figures: dict[str, Figures] | None = None
) -> dict[str, BidAnalysis]:
    """Metrics and findings for the given cash flows of bids of ``case``.

    The flows may be variants of the case's own (a scaled price, say): this is
    how :mod:`bidfit.studies.pricing` tries changes without rebuilding the case.
    ``figures`` holds each bid's :func:`kernel` figures when already computed.
    """
    bids = {bid.name: bid for bid in case.bids}
    figures = figures or {}
    measured = {
        name: measure(case, f, bids[name].vendor, bids[name].min_margin, figures.get(name))
        for name, f in flows.items()
    }
    found = rules.evaluate(case, measured)
    return {name: replace(result, flags=found[name]) for name, result in measured.items()}


def analyze_many(
    cases: Iterable[Case], *, ids: Iterable[Hashable] | None = None, keep: str = "full"
) -> Portfolio:
    """Analyse many cases at once: a bid desk's whole pipeline.

    The cash flows of every bid of every case are stacked into arrays and the
    finance kernel runs once over all of them. With ``keep="summary"`` the
    cash flows are built as stacked arrays too and the rules are tested on
    all bids at once; only the summary is kept (a few hundred bytes a bid).

    Parameters
    ----------
    cases : iterable of Case
        The cases (e.g. ``[bidfit.load(p) for p in paths]``).
    ids : iterable of hashable, optional
        One id per case (file paths, case names, numbers), unique; default
        the cases' positions 0, 1, ... Give ids to analyse a pipeline in
        parts and join them with :meth:`Portfolio.concat`.
    keep : {"full", "summary"}
        ``"full"``: every case's :class:`Analysis` (figures, findings and
        their messages, cash flows). ``"summary"``: only
        :attr:`Portfolio.summary`, the same as the full one's, row for row.

    Returns
    -------
    Portfolio
        ``.analyses`` (one :class:`Analysis` per case, in order; none with
        ``keep="summary"``) and ``.summary`` (one row per case and bid,
        indexed by case id and bid).

    Raises
    ------
    InputError
        Listing the problems of every inconsistent case, and of every case
        whose cash flows or figures are NaN or infinite, each prefixed with
        the case's position and name. No case is analysed then: a portfolio
        is all its cases or none.
    ValueError
        If ``keep`` is neither, or the ids are not one per case and unique.

    Notes
    -----
    A bid's figures do not depend on the cases analysed with it (see
    :func:`stacked_kernel`), so parts joined by :meth:`Portfolio.concat` give
    the one-shot summary bit for bit, but for the last bits (about 1e-15
    relative) of the IRR of flows that change sign several times.

    Examples
    --------
    >>> import bidfit
    >>> portfolio = analyze_many(bidfit.load_sample(n) for n in bidfit.sample_names())
    >>> len(portfolio), portfolio.summary.shape[0]
    (3, 8)
    >>> quick = analyze_many((bidfit.load_sample(n) for n in bidfit.sample_names()), keep="summary")
    >>> quick.summary.equals(portfolio.summary), quick.analyses
    (True, ())
    """
    if keep not in ("full", "summary"):
        raise ValueError(f"keep must be 'full' or 'summary', not {keep!r}")
    cases = list(cases)
    case_ids = _case_ids(ids, len(cases))
    errors = []
    for i, case in enumerate(cases):
        try:
            require_consistent(case, file=f"cases[{i}] ({case.name})")
        except InputError as error:
            errors.append(error)
    if errors:
        raise InputError.combine(errors)
    if keep == "summary":
        return Portfolio(ids=case_ids, table=_summary_table(cases, case_ids))
    with np.errstate(all="ignore"):  # a flow that overflows is reported just below, by field
        built = [build_cashflows(case) for case in cases]
    figures = _finite_figures(cases, built)
    return Portfolio(
        analyses=tuple(
            Analysis(case=case, bids=assess(case, by_bid, fig))
            for case, by_bid, fig in zip(cases, built, figures, strict=True)
        ),
        ids=case_ids,
    )


def _case_ids(ids: Iterable[Hashable] | None, n: int) -> tuple[Hashable, ...]:
    """The cases' ids: those given (checked: one per case, unique), else the positions."""
    if ids is None:
        return tuple(range(n))
    given = tuple(ids)
    if len(given) != n:
        raise ValueError(f"ids must give one id per case: {len(given)} ids for {n} cases")
    if len(set(given)) != n:
        raise ValueError("ids must be unique: each case needs its own id")
    return given


_SEVERITY = {name: i for i, name in enumerate(SEVERITIES)}
_ERROR, _WARNING = _SEVERITY["error"], _SEVERITY["warning"]
_RUNNING, _NEGATIVE = (
    rules.RULE_CODES.index("RUNNING_COST_EXCEEDS_REVENUE"),
    rules.RULE_CODES.index("NEGATIVE_NPV"),
)
_ECONOMIC = [i for i, code in enumerate(rules.RULE_CODES) if code in ECONOMIC_WARNINGS]


def _summary_table(cases: Sequence[Case], case_ids: Sequence[Hashable]) -> pd.DataFrame:
    """:attr:`Portfolio.summary` of ``cases`` without building any per-bid result.

    Cash flows, figures and the rules' findings run on stacked arrays. A case
    with vendor delivery costs (whose deal room needs its own arrays) is
    assessed bid by bid, as :func:`analyze` does, and gives its rows.
    """
    # Long: gather the policies, run the stacked steps, then write the columns.
    with np.errstate(all="ignore"):  # a flow that overflows is reported below, by field
        stacked = build_stacked(cases)
    m = stacked.case_of_row.size
    rates = np.array([c.discount_rate for c in cases], dtype=float)
    totals = (stacked.benefits, stacked.revenue_pool, stacked.costs, stacked.one_time_costs)
    if not (np.isfinite(rates) & (rates > -1)).all() or not all(np.isfinite(t).all() for t in totals):
        _raise_as_full(cases)
    series = np.stack(
        [
            stacked.net,
            stacked.benefits,
            stacked.costs,
            stacked.one_time_costs,
            stacked.recurring_costs,
            stacked.revenue_pool,
            stacked.linked_fees,
        ]
    )
    with np.errstate(all="ignore"):
        figures = stacked_kernel(rates[stacked.case_of_row], series, stacked.horizons)
    del series
    if not figures.always_finite().all():
        _raise_as_full(cases)

    def per_case(values: list[float | None]) -> FloatArray:
        return np.array([np.nan if v is None else v for v in values], dtype=float)[stacked.case_of_row]

    policies = [c.policy for c in cases]
    bid_names: list[str] = []
    vendors: list[str] = []
    margin_set = np.zeros(m, dtype=bool)
    with_vendor_costs: list[int] = []
    for k, case in enumerate(cases):
        for bid in case.bids:
            if bid.min_margin is not None:
                margin_set[len(bid_names)] = True
            bid_names.append(bid.name)
            vendors.append(bid.vendor)
            if bid.vendor_costs:
                with_vendor_costs.append(k)
    pv_b, pv_c, pv_pool = figures.pv_benefits, figures.pv_costs, figures.revenue_pool
    with np.errstate(all="ignore"):
        bcr = _ratios(pv_b, pv_c)
        share = _ratios(pv_b, pv_pool)
    headroom = _finite_or_nan(figures.benefit_headroom)
    payback = _finite_or_nan(figures.payback_years)
    found, every_year = rules.evaluate_stacked(
        rules.StackedBids(
            case_of_row=stacked.case_of_row,
            npv=figures.npv,
            pv_benefits=pv_b,
            pv_costs=pv_c,
            payback_years=payback,
            benefit_cost_ratio=bcr,
            benefit_headroom=headroom,
            benefits=stacked.benefits,
            recurring_costs=stacked.recurring_costs,
            max_payback_years=per_case([p.max_payback_years for p in policies]),
            min_benefit_cost_ratio=per_case([p.min_benefit_cost_ratio for p in policies]),
            min_benefit_headroom=per_case([p.min_benefit_headroom for p in policies]),
            stress_benefit_cut=per_case([p.stress_benefit_cut for p in policies]),
            require_source=np.array([p.require_source for p in policies], dtype=bool)[stacked.case_of_row],
            unsourced=stacked.unsourced,
            min_margin_set=margin_set,
        )
    )
    first_row = np.searchsorted(stacked.case_of_row, np.arange(len(cases)))
    for k, policy in enumerate(policies):
        for code, severity in policy.severity.items():
            if code in rules.RULE_CODES:
                rows = slice(first_row[k], first_row[k] + len(cases[k].bids))
                column = found[rows, rules.RULE_CODES.index(code)]
                column[column != rules.NOT_FOUND] = _SEVERITY[severity]
    fired = found != rules.NOT_FOUND
    worse = (figures.npv < 0) | fired[:, _NEGATIVE] | (fired[:, _RUNNING] & every_year)
    at_risk = fired[:, _ECONOMIC].any(axis=1)
    verdict = np.where(worse, "worse_off", np.where(at_risk, "at_risk", "better_off")).astype(object)
    errors = (found == _ERROR).sum(axis=1)
    codes, failing = _code_lists(found)
    columns: dict[str, Any] = {
        "case": [cases[k].name for k in stacked.case_of_row],
        "currency": [cases[k].currency for k in stacked.case_of_row],
        "vendor": vendors,
        "verdict": verdict,
        "passes": errors == 0,
        "npv": figures.npv,
        "irr": _finite_or_nan(figures.irr),
        "payback_years": payback,
        "discounted_payback_years": _finite_or_nan(figures.discounted_payback_years),
        "pv_benefits": pv_b,
        "pv_costs": pv_c,
        "lifetime_cost": figures.lifetime_cost,
        "benefit_cost_ratio": bcr,
        "revenue_pool": pv_pool,
        "benefit_share": share,
        "one_time_price": figures.one_time_price,
        "max_one_time_price": figures.max_one_time_price,
        "annual_fee": figures.annual_fee,
        "max_annual_fee": figures.max_annual_fee,
        "benefit_headroom": headroom,
        "errors": errors,
        "warnings": (found == _WARNING).sum(axis=1),
        "codes": codes,
        "failing": failing,
    }
    for k in dict.fromkeys(with_vendor_costs):  # their deal room: assessed as analyze does
        _assess_rows(cases, k, first_row[k], columns)
    return portfolio_frame(columns, [case_ids[k] for k in stacked.case_of_row], bid_names)


def _assess_rows(cases: Sequence[Case], k: int, first: int, columns: dict[str, Any]) -> None:
    """Write the rows of case ``k``, assessed bid by bid with its deal room, into ``columns``."""
    case = cases[k]
    with np.errstate(all="ignore"):
        flows = build_cashflows(case)
    try:
        figures = _finite_figures([case], [flows], name_cases=False)[0]
    except InputError:
        _raise_as_full(cases)
        raise
    for row, result in enumerate(assess(case, flows, figures).values(), start=first):
        for name, value in portfolio_row(case, result).items():
            if name in ("verdict", "passes", "errors", "warnings", "codes", "failing"):
                columns[name][row] = value


def _raise_as_full(cases: Sequence[Case]) -> None:
    """Raise the InputError that the full analysis of ``cases`` raises (each problem by field)."""
    with np.errstate(all="ignore"):
        built = [build_cashflows(case) for case in cases]
    _finite_figures(cases, built)


def _ratios(numerator: FloatArray, denominator: FloatArray) -> FloatArray:
    """:func:`_ratio` of each pair: NaN where the denominator is not positive or the ratio overflows."""
    ratio = np.where(denominator > 0, numerator / np.where(denominator > 0, denominator, 1.0), np.nan)
    return _finite_or_nan(ratio)


def _finite_or_nan(values: FloatArray) -> FloatArray:
    return np.where(np.isfinite(values), values, np.nan)


def _code_lists(found: npt.NDArray[np.int8]) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.object_]]:
    """Each row's codes, most severe first then in rule order (as :func:`bidfit.flags.by_severity`),
    and those of severity error; comma-separated. Each distinct combination is written once."""
    weights = (len(SEVERITIES) + 1) ** np.arange(found.shape[1], dtype=np.int64)
    keys, inverse = np.unique((found.astype(np.int64) + 1) @ weights, return_inverse=True)
    codes, failing = [], []
    for key in keys.tolist():
        severity = [(key // int(w)) % (len(SEVERITIES) + 1) - 1 for w in weights]
        ranked = sorted((s, i) for i, s in enumerate(severity) if s != rules.NOT_FOUND)
        codes.append(",".join(rules.RULE_CODES[i] for _, i in ranked))
        failing.append(",".join(rules.RULE_CODES[i] for s, i in ranked if s == _ERROR))
    return np.array(codes, dtype=object)[inverse.ravel()], np.array(failing, dtype=object)[inverse.ravel()]


def _finite_figures(
    cases: Sequence[Case], built: Sequence[dict[str, BidCashflows]], *, name_cases: bool = True
) -> list[dict[str, Figures]]:
    """Each bid's :func:`kernel` figures, all bids of all cases in one run; never a NaN or infinite one.

    Parameters
    ----------
    cases : sequence of Case
        The cases.
    built : sequence of dict
        Each case's cash flows by bid, from :func:`bidfit.build.cashflows.build_cashflows`.
    name_cases : bool
        Prefix each problem with the case's position and name.

    Returns
    -------
    list of dict of str to Figures
        Per case, each bid's figures. A figure that may not exist (IRR,
        payback, headroom) is NaN where it does not.

    Raises
    ------
    InputError
        When a cash flow, or a figure that always exists (NPV, a present
        value, a price or fee), is NaN or infinite: each problem names the
        field that causes it.
    """
    # Name the fields behind a non-finite flow only for the cases that have one.
    problems = [
        _rate_problems(case) + ([] if _all_finite(flows) else nonfinite_problems(case, flows))
        for case, flows in zip(cases, built, strict=True)
    ]
    _raise_problems(cases, problems, name_cases)
    rows = [(i, name, f) for i, by_bid in enumerate(built) for name, f in by_bid.items()]
    figures: list[dict[str, Figures]] = [{} for _ in cases]
    if not rows:
        return figures
    with np.errstate(all="ignore"):
        table = kernel([cases[i].discount_rate for i, _, _ in rows], [f for _, _, f in rows])
    for (i, name, _), row in zip(rows, table, strict=True):
        figures[i][name] = row
    if not table.always_finite().all():
        _raise_problems(
            cases,
            [_figure_problems(case, by_bid) for case, by_bid in zip(cases, figures, strict=True)],
            name_cases,
        )
    return figures


def _all_finite(flows: Mapping[str, BidCashflows]) -> bool:
    """Every line of every bid is a finite number.

    A sum is finite only when every term is (a NaN or an infinity anywhere makes
    it NaN or infinite), so one sum per array decides; a sum that overflows on
    finite terms only sends the case to the slower check that names fields.
    Yearly totals that overflow show as non-finite figures, checked after the
    kernel.
    """
    total = 0.0
    with np.errstate(over="ignore", invalid="ignore"):
        for f in flows.values():
            for lines in (f.benefit_lines, f.pool_lines, f.cost_lines, f.vendor_cost_lines):
                if lines is not None:
                    total += float(np.abs(lines).sum())
    return math.isfinite(total)


def _raise_problems(cases: Sequence[Case], problems: Sequence[list[Problem]], name_cases: bool) -> None:
    """Raise one InputError with every case's problems, if there are any."""
    if not any(problems):
        return
    raise InputError(
        [
            p.in_file(f"cases[{i}] ({case.name})") if name_cases else p
            for i, (case, found) in enumerate(zip(cases, problems, strict=True))
            for p in found
        ]
    )


def _rate_problems(case: Case) -> list[Problem]:
    """The discount rate, when the finance kernel cannot discount at it."""
    rate = case.discount_rate
    if math.isfinite(rate) and rate > -1:
        return []
    return [
        Problem(
            "discount_rate",
            "cannot discount at this rate",
            found=rate if math.isfinite(rate) else str(rate),
            expected=FIELD_HINTS["discount_rate"],
            code="out_of_range",
            loc=("discount_rate",),
        )
    ]


def _figure_problems(case: Case, figures: dict[str, Figures]) -> list[Problem]:
    """The discount rate, when discounting finite flows gives NaN or infinite figures."""
    bids = [name for name, row in figures.items() if not row.always_finite().all()]
    if not bids:
        return []
    return [
        Problem(
            "discount_rate",
            f"discounted at this rate, the cash flows of {', '.join(map(repr, bids))} give present values "
            "beyond what can be computed",
            found=case.discount_rate,
            expected=FIELD_HINTS["discount_rate"],
            code="out_of_range",
            loc=("discount_rate",),
        )
    ]
