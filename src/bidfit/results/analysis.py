"""Typed results of an analysis: one :class:`BidAnalysis` per bid, gathered in an :class:`Analysis`.

Numbers are plain floats (``None`` where a metric does not exist, with the
reason in ``notes``); tables are pandas DataFrames built on demand, so the
review gate never imports pandas. Each result describes itself once as presentation blocks
(:class:`bidfit.results.base.Result`), which drive ``repr`` in a terminal and
the rich display in Jupyter.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from bidfit.assess.dealroom import Ceiling, DealRoom, customer_ceiling
from bidfit.build.cashflows import BidCashflows
from bidfit.flags import Flag
from bidfit.kernel import finance
from bidfit.model.case import Policy
from bidfit.results.base import BidsByName, Blocks, Result

if TYPE_CHECKING:
    import pandas as pd

    from bidfit.model.case import Case

__all__ = ["Analysis", "BidAnalysis", "Portfolio", "Verdict", "verdict_of"]

Verdict = Literal["better_off", "at_risk", "worse_off"]

VERDICT_TEXT: dict[str, str] = {
    "better_off": "the customer is better off",
    "at_risk": "the customer is at risk",
    "worse_off": "the customer is worse off",
}


def verdict_of(flags: tuple[Flag, ...] | list[Flag]) -> Verdict:
    """``worse_off`` with any error flag, ``at_risk`` with warnings only, else ``better_off``."""
    severities = {f.severity for f in flags}
    if "error" in severities:
        return "worse_off"
    if "warning" in severities:
        return "at_risk"
    return "better_off"


HEADLINE_FIGURES: tuple[str, ...] = (
    "npv",
    "irr",
    "payback_years",
    "discounted_payback_years",
    "pv_benefits",
    "pv_costs",
    "lifetime_cost",
    "benefit_cost_ratio",
    "revenue_pool",
    "benefit_share",
    "one_time_price",
    "max_one_time_price",
    "annual_fee",
    "max_annual_fee",
    "benefit_headroom",
)
"""The headline figures of a bid, by :class:`BidAnalysis` attribute name (units there), in the
order every table and the gate's JSON output show them."""


@dataclass(frozen=True, repr=False)
class BidAnalysis(Result):
    """What one bid means for the customer.

    Money is in the case currency; PV is at the case's discount rate with
    year 0 undiscounted.

    Attributes
    ----------
    name, vendor : str
        The bid and who offers it.
    currency : str
        The case currency.
    discount_rate : float
        The customer's discount rate [1/year].
    horizon_years : int
        Years evaluated after signature [years].
    npv : float
        Net present value of benefits minus costs [currency].
    irr : float or None
        Internal rate of return [1/year]; None where no rate makes NPV zero.
    payback_years : float or None
        Years until the cumulative net cash flow turns non-negative for good
        [years]; None when it never does within the horizon.
    discounted_payback_years : float or None
        The same on discounted flows [years].
    pv_benefits : float
        PV of the benefits the bid addresses [currency].
    pv_costs : float
        PV of everything the customer pays: the lifetime cost [currency].
    pv_one_time_costs, pv_recurring_costs : float
        The lifetime cost split into one-time and recurring [currency].
    lifetime_cost : float
        Undiscounted total of all costs [currency].
    benefit_cost_ratio : float or None
        ``pv_benefits / pv_costs`` [ratio]; None for a bid with no cost.
    revenue_pool : float
        PV of the full revenue streams in scope, before capture and margin [currency].
    benefit_share : float or None
        ``pv_benefits / revenue_pool`` [fraction].
    one_time_price : float
        Total one-time costs as quoted, undiscounted [currency].
    annual_fee : float
        Total recurring cost in the first year that has one, as quoted [currency/year].
    max_one_time_price : float
        Break-even price: total one-time cost at which NPV is zero [currency];
        negative when no price makes the bid worth it.
    max_annual_fee : float
        Break-even fee: first-year recurring cost at which NPV is zero [currency/year].
    benefit_headroom : float or None
        Share the benefits may fall before NPV turns negative [fraction].
    flags : tuple of Flag
        Findings, most severe first.
    notes : dict
        Why a metric is None, by metric name.
    flows : BidCashflows
        The arrays everything above was computed from.
    policy : Policy
        The policy the bid was judged by.
    deal_room : DealRoom or None
        The vendor's floor against the customer's ceiling, when the bid gives
        the vendor's own delivery cost.
    """

    name: str
    vendor: str
    currency: str
    discount_rate: float
    horizon_years: int
    npv: float
    irr: float | None
    payback_years: float | None
    discounted_payback_years: float | None
    pv_benefits: float
    pv_costs: float
    pv_one_time_costs: float
    pv_recurring_costs: float
    lifetime_cost: float
    benefit_cost_ratio: float | None
    revenue_pool: float
    benefit_share: float | None
    one_time_price: float
    annual_fee: float
    max_one_time_price: float
    max_annual_fee: float
    benefit_headroom: float | None
    flows: BidCashflows
    flags: tuple[Flag, ...] = ()
    notes: Mapping[str, str] = field(default_factory=dict)
    policy: Policy = field(default_factory=Policy)
    deal_room: DealRoom | None = None

    @functools.cached_property
    def ceiling(self) -> Ceiling:
        """The largest price and fee that still pass the policy: the customer side of the deal room."""
        return customer_ceiling(
            self.flows,
            self.pv_benefits,
            self.pv_one_time_costs,
            self.pv_recurring_costs,
            self.one_time_price,
            self.annual_fee,
            self.discount_rate,
            self.policy,
        )

    @property
    def verdict(self) -> Verdict:
        """``'better_off'``, ``'at_risk'`` or ``'worse_off'`` (see :func:`verdict_of`)."""
        return verdict_of(self.flags)

    @property
    def errors(self) -> tuple[Flag, ...]:
        """Flags of severity ``error``."""
        return tuple(f for f in self.flags if f.severity == "error")

    @property
    def warnings(self) -> tuple[Flag, ...]:
        """Flags of severity ``warning``."""
        return tuple(f for f in self.flags if f.severity == "warning")

    def flag(self, code: str) -> Flag | None:
        """The flag with ``code``, or None."""
        return next((f for f in self.flags if f.code == code), None)

    @property
    def recurring_gap(self) -> np.ndarray:
        """Benefits minus recurring costs, per year ``0..horizon`` [currency]."""
        return self.flows.benefits - self.flows.recurring_costs

    @property
    def cashflows(self) -> pd.DataFrame:
        """Year-by-year cash flows [currency], indexed by year ``0..horizon``.

        Columns: ``benefits, revenue_pool, one_time_costs, recurring_costs,
        costs, net, cumulative, discount_factor, pv_net, cumulative_pv,
        recurring_gap`` (benefits minus recurring costs).
        """
        import pandas as pd

        f = self.flows
        net = f.net
        factor = finance.discount_factors(self.discount_rate, self.horizon_years)
        table = {
            "benefits": f.benefits,
            "revenue_pool": f.revenue_pool,
            "one_time_costs": f.one_time_costs,
            "recurring_costs": f.recurring_costs,
            "costs": f.costs,
            "net": net,
            "cumulative": np.cumsum(net),
            "discount_factor": factor,
            "pv_net": net * factor,
            "cumulative_pv": np.cumsum(net * factor),
            "recurring_gap": self.recurring_gap,
        }
        return pd.DataFrame(table, index=pd.Index(f.years, name="year"))

    @property
    def costs_by_category(self) -> pd.DataFrame:
        """Costs per year and category [currency] (columns: categories that occur)."""
        import pandas as pd

        f = self.flows
        frame = pd.DataFrame(f.cost_lines.T, index=pd.Index(f.years, name="year"))
        frame.columns = pd.Index(f.cost_categories, name="category")
        return frame.T.groupby(level=0, sort=False).sum().T

    @property
    def costs_by_item(self) -> pd.DataFrame:
        """Costs per year and cost item [currency]."""
        import pandas as pd

        f = self.flows
        return pd.DataFrame(
            f.cost_lines.T,
            index=pd.Index(f.years, name="year"),
            columns=pd.Index(f.cost_names, name="item"),
        )

    @property
    def benefits_by_stream(self) -> pd.DataFrame:
        """Benefits per year and revenue stream, after capture and margin [currency]."""
        import pandas as pd

        f = self.flows
        return pd.DataFrame(
            f.benefit_lines.T,
            index=pd.Index(f.years, name="year"),
            columns=pd.Index(f.stream_names, name="stream"),
        )

    def summary_row(self) -> dict[str, Any]:
        """The bid's row of :attr:`Analysis.summary`: vendor, verdict, the :data:`HEADLINE_FIGURES`
        (units on each attribute), and the numbers of errors and warnings."""
        figures = {name: getattr(self, name) for name in HEADLINE_FIGURES}
        return {"vendor": self.vendor, "verdict": self.verdict, **figures} | {
            "errors": len(self.errors),
            "warnings": len(self.warnings),
        }

    def _blocks(self) -> Blocks:
        from bidfit.present.view import describe_bid

        return describe_bid(self)

    def plot(self, kind: str = "cumulative", ax: Any = None, **options: Any) -> Any:
        """Plot this bid: ``'cumulative'`` or ``'benefits_costs'``; returns the Axes.

        Drawn by :func:`bidfit.present.plots.plot_bid`. A study draws through
        its own result: ``bidfit.deal_map(case, bid).plot()``.
        """
        from bidfit.present.plots import plot_bid

        return plot_bid(self, kind, ax=ax, **options)


TEXT_COLUMNS = ("vendor", "verdict")
COUNT_COLUMNS = ("errors", "warnings")


def _figures_as_floats(frame: pd.DataFrame) -> pd.DataFrame:
    """Money, rates and years as float columns, a figure that does not exist as NaN (not None)."""
    figures = [c for c in frame.columns if c not in TEXT_COLUMNS + COUNT_COLUMNS]
    return frame.astype(dict.fromkeys(figures, float))


@dataclass(frozen=True, repr=False)
class Analysis(BidsByName[BidAnalysis], Result):
    """The analysis of every bid of a case.

    Attributes
    ----------
    case : Case
        The case analysed.
    bids : dict of str to BidAnalysis
        One result per bid, in the case's order.
    """

    case: Case
    bids: dict[str, BidAnalysis]

    @property
    def summary(self) -> pd.DataFrame:
        """One row per bid with the headline figures, indexed by bid name."""
        import pandas as pd

        rows = {name: result.summary_row() for name, result in self.bids.items()}
        frame = pd.DataFrame.from_dict(rows, orient="index")
        frame.index.name = "bid"
        return _figures_as_floats(frame)

    @property
    def flags(self) -> pd.DataFrame:
        """Every finding of every bid: bid, code, severity, lever, message."""
        import pandas as pd

        rows = [
            {"bid": r.name, "code": f.code, "severity": f.severity, "lever": f.lever, "message": f.message}
            for r in self
            for f in r.flags
        ]
        return pd.DataFrame(rows, columns=["bid", "code", "severity", "lever", "message"])

    @property
    def verdicts(self) -> dict[str, Verdict]:
        """Each bid's verdict by name."""
        return {name: r.verdict for name, r in self.bids.items()}

    def _blocks(self) -> Blocks:
        from bidfit.present.view import describe_analysis

        return describe_analysis(self)

    def business_case(self, bid: str | None = None, *, include_competitors: bool = False) -> str:
        """The customer's business case of one bid as a self-contained HTML document.

        Computed by :func:`bidfit.studies.business_case.business_case` (default: the
        first bid) and formatted by :func:`bidfit.present.business_case.business_case_html`;
        the vendor's own side is never in it, other bids only with ``include_competitors``.

        Examples
        --------
        >>> import bidfit
        >>> bidfit.analyze(bidfit.load_sample("norway_roaming")).business_case().startswith("<!DOCTYPE html>")
        True
        """
        from bidfit.studies.business_case import business_case

        return business_case(self, bid, include_competitors=include_competitors).html()

    def plot(self, kind: str = "comparison", bid: str | None = None, ax: Any = None, **options: Any) -> Any:
        """Plot the bids side by side (``'comparison'``) or one bid's ``kind`` of plot.

        ``kind`` is ``'comparison'``, ``'cumulative'`` or ``'benefits_costs'``;
        the per-bid kinds draw every bid when ``bid`` is None. Drawn by
        :func:`bidfit.present.plots.plot_analysis`; returns the Axes, or the
        Figure when it draws one Axes per bid. Studies draw through their own
        results: ``bidfit.sensitivity(case, bid).plot()`` (the tornado),
        ``bidfit.deal_map(case, bid).plot()``.
        """
        from bidfit.present.plots import plot_analysis

        return plot_analysis(self, kind, bid=bid, ax=ax, **options)


@dataclass(frozen=True, repr=False)
class Portfolio(Result):
    """The analyses of many cases (see :func:`bidfit.analyze_many`).

    Attributes
    ----------
    analyses : tuple of Analysis
        One per case, in the order given.
    """

    analyses: tuple[Analysis, ...]

    def __iter__(self) -> Iterator[Analysis]:
        return iter(self.analyses)

    def __len__(self) -> int:
        return len(self.analyses)

    @property
    def summary(self) -> pd.DataFrame:
        """One row per case and bid (index: position, case name, bid), the columns of :attr:`Analysis.summary`."""
        import pandas as pd

        rows = [
            {"case_index": i, "case": a.case.name, "bid": name, **result.summary_row()}
            for i, a in enumerate(self.analyses)
            for name, result in a.bids.items()
        ]
        frame = pd.DataFrame(rows, columns=["case_index", "case", "bid"] if not rows else None)
        return _figures_as_floats(frame.set_index(["case_index", "case", "bid"]))

    @property
    def verdict_counts(self) -> dict[str, int]:
        """How many bids have each verdict."""
        counts = {"better_off": 0, "at_risk": 0, "worse_off": 0}
        for a in self.analyses:
            for result in a:
                counts[result.verdict] += 1
        return counts

    def _blocks(self) -> Blocks:
        from bidfit.present.view import describe_portfolio

        return describe_portfolio(self)
