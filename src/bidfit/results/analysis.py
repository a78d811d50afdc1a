"""Typed results of an analysis: one :class:`BidAnalysis` per bid, gathered in an :class:`Analysis`.

Numbers are plain floats (``None`` where a metric does not exist, with the
reason in ``notes``); tables are pandas DataFrames built on demand, so the
review gate never imports pandas. Each result describes itself once as presentation blocks
(:class:`bidfit.results.base.Result`), which drive ``repr`` in a terminal and
the rich display in Jupyter.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from bidfit.assess.dealroom import Ceiling, DealRoom, customer_ceiling
from bidfit.build.cashflows import BidCashflows
from bidfit.flags import FAILING_SEVERITIES, FailOn, Flag
from bidfit.kernel import finance
from bidfit.model.case import Policy
from bidfit.results.base import BidsByName, Blocks, Result

if TYPE_CHECKING:
    import pandas as pd

    from bidfit.model.case import Case
    from bidfit.results.simulation import Simulation

__all__ = [
    "ECONOMIC_WARNINGS",
    "Analysis",
    "BidAnalysis",
    "Portfolio",
    "Verdict",
    "failing_findings",
    "verdict_of",
]

Verdict = Literal["better_off", "at_risk", "worse_off"]

VERDICT_WORDS: dict[str, str] = {"better_off": "better off", "at_risk": "at risk", "worse_off": "worse off"}
"""Each verdict in words, for tables."""

VERDICT_TEXT: dict[str, str] = {
    verdict: f"the customer is {words}" for verdict, words in VERDICT_WORDS.items()
}
"""Each verdict as a sentence's subject and verb: ``the customer is better off``."""


ECONOMIC_WARNINGS = frozenset(
    {"RUNNING_COST_EXCEEDS_REVENUE", "NO_PAYBACK", "THIN_MARGIN", "STRESS_FAILS", "HIGH_LOSS_PROBABILITY"}
)
"""Findings about the customer's money that put a bid with a non-negative NPV at risk: a loss in
some years, no payback, thin benefit headroom, the stress cut, the simulated loss probability."""


def verdict_of(flags: tuple[Flag, ...] | list[Flag], npv: float | None = None) -> Verdict:
    """The customer's economics alone, apart from the review policy's outcome.

    ``worse_off`` when the customer loses money: NPV below zero at its
    discount rate (``npv``, or a ``NEGATIVE_NPV`` finding), or recurring
    costs at or above the benefits in every operating year. ``at_risk`` when
    an economic warning holds (:data:`ECONOMIC_WARNINGS`, whatever severity
    the policy gives it). ``better_off`` otherwise. Findings about the policy
    alone (payback later than the policy allows, no deal room, a missing
    source) never change the verdict: they decide whether the bid *passes*.

    Examples
    --------
    >>> late = Flag("PAYBACK_TOO_LONG", "error", "Payback takes 5.3 years; the policy allows at most 5.")
    >>> verdict_of([late], npv=3.69e6), verdict_of([], npv=-1.0)
    ('better_off', 'worse_off')
    """
    if (npv is not None and npv < 0) or any(f.code == "NEGATIVE_NPV" for f in flags):
        return "worse_off"
    if any(f.code == "RUNNING_COST_EXCEEDS_REVENUE" and f.figures.get("every_operating_year") for f in flags):
        return "worse_off"
    if any(f.code in ECONOMIC_WARNINGS for f in flags):
        return "at_risk"
    return "better_off"


def failing_findings(flags: tuple[Flag, ...] | list[Flag], fail_on: FailOn = "error") -> tuple[Flag, ...]:
    """The findings that fail the review policy at ``fail_on`` (``'error'`` or ``'warning'``).

    Examples
    --------
    >>> late = Flag("PAYBACK_TOO_LONG", "error", "Payback takes 5.3 years.")
    >>> [f.code for f in failing_findings([late])], failing_findings([late], "warning") == (late,)
    (['PAYBACK_TOO_LONG'], True)
    """
    if fail_on not in FAILING_SEVERITIES:
        raise ValueError(f"fail_on must be one of {', '.join(FAILING_SEVERITIES)}, not {fail_on!r}")
    blocking = FAILING_SEVERITIES[fail_on]
    return tuple(f for f in flags if f.severity in blocking)


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
        Break-even price: total one-time cost at which NPV is zero [currency],
        with the recurring fees priced as a percent of one-time items
        following it (support at 18 % of the hardware costs 18 % of the
        break-even hardware); negative when no price makes the bid worth it.
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
    pv_linked_fees : float
        PV of the recurring fees priced as a percent of one-time items
        (``percent_of``): part of ``pv_recurring_costs``, they follow the price [currency].
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
    pv_linked_fees: float = 0.0

    @property
    def pv_price_costs(self) -> float:
        """PV of the costs that move with the one-time price: the one-time costs and the
        fees linked to them [currency]."""
        return self.pv_one_time_costs + self.pv_linked_fees

    @property
    def unlinked_fee(self) -> float:
        """The part of :attr:`annual_fee` not priced as a percent of one-time items [currency/year]."""
        recurring = self.flows.recurring_costs
        paying = np.flatnonzero(recurring > 0)
        return float(recurring[paying[0]] - self.flows.linked_fees[paying[0]]) if paying.size else 0.0

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
        """The customer's economics: ``'better_off'``, ``'at_risk'`` or ``'worse_off'`` (see :func:`verdict_of`).

        Whether the bid meets the review policy is the other answer: :attr:`passes`.
        """
        return verdict_of(self.flags, self.npv)

    @property
    def failing(self) -> tuple[Flag, ...]:
        """The findings that fail the review policy (severity ``error``), most severe first."""
        return failing_findings(self.flags)

    @property
    def passes(self) -> bool:
        """True when the bid meets the review policy: no finding of severity ``error``.

        ``bidfit check --fail-on warning`` fails warnings too (:func:`failing_findings`).
        """
        return not self.failing

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
        """The bid's row of :attr:`Analysis.summary`: vendor, verdict (the customer's economics),
        ``passes`` (the policy outcome), the :data:`HEADLINE_FIGURES` (units on each attribute),
        and the numbers of errors and warnings."""
        figures = {name: getattr(self, name) for name in HEADLINE_FIGURES}
        return {"vendor": self.vendor, "verdict": self.verdict, "passes": self.passes, **figures} | {
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


TEXT_COLUMNS = ("vendor", "verdict", "passes")
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
        """One row per bid with the headline figures, indexed by bid name.

        Exact floats (units on each :class:`BidAnalysis` attribute); it displays
        each figure in its unit (:class:`bidfit.results.frames.SummaryFrame`).
        """
        import pandas as pd

        from bidfit.results.frames import summary_frame

        rows = {name: result.summary_row() for name, result in self.bids.items()}
        frame = pd.DataFrame.from_dict(rows, orient="index")
        frame.index.name = "bid"
        return summary_frame(_figures_as_floats(frame), self.case.currency)

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

    def to_excel(
        self,
        path: str | os.PathLike[str],
        *,
        simulation: Simulation | None = None,
        sensitivity: Result | Iterable[Result] = (),
    ) -> Path:
        """Write the report workbook a finance reviewer audits, as ``bidfit analyze --output`` does.

        Sheets ``Summary``, ``Flags``, ``Pricing`` (each bid's
        :func:`bidfit.pricing_room`), ``Inputs``, one cash-flow sheet per bid
        with live formulas, then ``Simulation`` and one ``Sensitivity`` sheet
        per result given. Written atomically: a file that exists is replaced
        only when the new one is complete.

        Parameters
        ----------
        path : str or path-like
            The ``.xlsx`` file to write.
        simulation : Simulation, optional
            The result of :func:`bidfit.simulate` on this case.
        sensitivity : Sensitivity or iterable of Sensitivity, optional
            Results of :func:`bidfit.sensitivity` on bids of this case.

        Returns
        -------
        Path
            The file written.

        Examples
        --------
        >>> import bidfit, tempfile, pathlib
        >>> result = bidfit.analyze(bidfit.load_sample("norway_roaming"))
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     result.to_excel(pathlib.Path(folder) / "report.xlsx").name
        'report.xlsx'
        """
        from bidfit.io.xlsx.write import save_workbook
        from bidfit.present.report import report_workbook
        from bidfit.studies.pricing import pricing_rooms

        # One study, or several: a Sensitivity result is not iterable.
        studies: list[Any] = list(sensitivity) if isinstance(sensitivity, Iterable) else [sensitivity]
        workbook = report_workbook(
            self, pricing=pricing_rooms(self), simulation=simulation, sensitivity=studies
        )
        return save_workbook(workbook, Path(path))

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


PORTFOLIO_TEXT_COLUMNS = ("case", "currency", "codes", "failing")
"""Columns of :attr:`Portfolio.summary` besides those of :attr:`Analysis.summary`: the case's
name and currency, the codes of the bid's findings (most severe first, comma-separated) and
those of its findings that fail the policy."""


def portfolio_row(case: Case, result: BidAnalysis) -> dict[str, Any]:
    """A bid's row of :attr:`Portfolio.summary`, from its full analysis."""
    return {
        "case": case.name,
        "currency": case.currency,
        **result.summary_row(),
        "codes": ",".join(f.code for f in result.flags),
        "failing": ",".join(f.code for f in result.failing),
    }


def portfolio_frame(columns: Mapping[str, Any], case_ids: Iterable[Any], bids: Iterable[str]) -> pd.DataFrame:
    """:attr:`Portfolio.summary` from its columns, one value per case and bid, indexed by (case_id, bid)."""
    import pandas as pd

    index = pd.MultiIndex.from_arrays([list(case_ids), list(bids)], names=["case_id", "bid"])
    order = ["case", "currency", "vendor", "verdict", "passes", *HEADLINE_FIGURES, "errors", "warnings"]
    order += ["codes", "failing"]
    from bidfit.results.frames import summary_frame

    frame = pd.DataFrame({name: columns[name] for name in order}, index=index)
    types: dict[str, Any] = dict.fromkeys(HEADLINE_FIGURES, float)
    types |= {"passes": bool, "errors": np.int64, "warnings": np.int64}
    types |= dict.fromkeys(("case", "currency", "vendor", "verdict", "codes", "failing"), object)
    return summary_frame(frame.astype(types), None)


@dataclass(frozen=True, repr=False)
class Portfolio(Result):
    """The analyses of many cases (see :func:`bidfit.analyze_many`).

    A portfolio keeps either every case's full analysis (``keep="full"``) or
    only one summary row per case and bid (``keep="summary"``, for pipelines
    of a million cases): :attr:`summary` is the same in both.

    Attributes
    ----------
    analyses : tuple of Analysis
        One per case, in the order given; empty when only the summary is kept.
    ids : tuple, optional
        Each case's id (any hashable: a file path, a case name, a number), in
        order; None: the cases' positions 0, 1, ...
    table : pandas.DataFrame, optional
        The summary, when only it is kept.

    Examples
    --------
    >>> import bidfit
    >>> cases = [bidfit.load_sample(n) for n in bidfit.sample_names()]
    >>> head = bidfit.analyze_many(cases[:2], ids=["a", "b"], keep="summary")
    >>> tail = bidfit.analyze_many(cases[2:], ids=["c"], keep="summary")
    >>> whole = bidfit.analyze_many(cases, ids=["a", "b", "c"], keep="summary")
    >>> Portfolio.concat([head, tail]).summary.equals(whole.summary)
    True
    """

    analyses: tuple[Analysis, ...] = ()
    ids: tuple[Any, ...] | None = None
    table: pd.DataFrame | None = field(default=None, compare=False)

    @property
    def case_ids(self) -> tuple[Any, ...]:
        """Each case's id, in order: those given, else the positions 0, 1, ..."""
        return self.ids if self.ids is not None else tuple(range(len(self.analyses)))

    @property
    def keep(self) -> Literal["full", "summary"]:
        """``'full'`` when every analysis is kept, ``'summary'`` when only :attr:`summary` is."""
        return "summary" if self.table is not None else "full"

    def __iter__(self) -> Iterator[Analysis]:
        return iter(self.analyses)

    def __len__(self) -> int:
        return len(self.case_ids)

    @property
    def summary(self) -> pd.DataFrame:
        """One row per case and bid, indexed by (case_id, bid).

        Columns: ``case`` (its name), ``currency``, the columns of
        :attr:`Analysis.summary` (``verdict`` is the customer's economics,
        ``passes`` the policy outcome), then ``codes``, the codes of the
        bid's findings, most severe first, and ``failing``, those that fail
        the policy (both comma-separated, empty for none).
        """
        if self.table is not None:
            from bidfit.results.frames import summary_frame

            return summary_frame(self.table, None)
        rows = [portfolio_row(a.case, result) for a in self.analyses for result in a.bids.values()]
        columns = {name: [row[name] for row in rows] for name in (rows[0] if rows else _EMPTY_ROW)}
        ids = [case_id for case_id, a in zip(self.case_ids, self.analyses, strict=True) for _ in a.bids]
        return portfolio_frame(columns, ids, [name for a in self.analyses for name in a.bids])

    @property
    def verdict_counts(self) -> dict[str, int]:
        """How many bids have each verdict."""
        counts = {"better_off": 0, "at_risk": 0, "worse_off": 0}
        if self.table is not None:
            for verdict, n in self.table["verdict"].value_counts().items():
                counts[str(verdict)] = int(n)
            return counts
        for a in self.analyses:
            for result in a:
                counts[result.verdict] += 1
        return counts

    @classmethod
    def concat(cls, portfolios: Iterable[Portfolio]) -> Portfolio:
        """One portfolio of the cases of several, in order: the same summary as one run over all cases.

        Parameters
        ----------
        portfolios : iterable of Portfolio
            Portfolios of distinct cases, each with its cases' ids (give
            :func:`bidfit.analyze_many` ``ids=``: positions restart in every part).

        Returns
        -------
        Portfolio
            Full when every part is, else summary only. Its summary equals
            that of one :func:`bidfit.analyze_many` over all the cases, bit for
            bit but the last bits (about 1e-15 relative) of the IRR of flows
            that change sign several times, which are solved in batches.

        Raises
        ------
        ValueError
            If a case id occurs in more than one part (or twice in one).

        Examples
        --------
        >>> import bidfit
        >>> one = bidfit.analyze_many([bidfit.load_sample("norway_roaming")], ids=["north.yaml"])
        >>> two = bidfit.analyze_many([bidfit.load_sample("norway_roaming")], ids=["south.yaml"])
        >>> Portfolio.concat([one, two]).summary.index.get_level_values("case_id").unique().tolist()
        ['north.yaml', 'south.yaml']
        """
        parts = list(portfolios)
        ids = tuple(case_id for part in parts for case_id in part.case_ids)
        _require_unique(ids)
        if all(part.table is None for part in parts):
            return cls(analyses=tuple(a for part in parts for a in part.analyses), ids=ids)
        import pandas as pd

        tables = [part.summary for part in parts]
        return cls(ids=ids, table=pd.concat(tables) if tables else None)

    def _blocks(self) -> Blocks:
        from bidfit.present.view import describe_portfolio

        return describe_portfolio(self)


_EMPTY_ROW = dict.fromkeys(
    (
        "case",
        "currency",
        "vendor",
        "verdict",
        "passes",
        *HEADLINE_FIGURES,
        "errors",
        "warnings",
        "codes",
        "failing",
    ),
    None,
)


def _require_unique(ids: tuple[Any, ...]) -> None:
    """Raise ValueError naming a case id that occurs twice."""
    if len(set(ids)) == len(ids):
        return
    seen: set[Any] = set()
    twice = next(case_id for case_id in ids if case_id in seen or seen.add(case_id))  # type: ignore[func-returns-value]
    raise ValueError(
        f"case id {twice!r} occurs more than once: give each case its own id "
        "(analyze_many(cases, ids=...), e.g. file paths)"
    )
