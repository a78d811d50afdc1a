"""The business case of one bid for the customer: every figure the customer's document needs, computed once.

:func:`business_case` gathers, for one bid of an analysis, what the
customer-facing document shows: the bid's own analysis, the break-even of
its key assumptions (:func:`bidfit.sensitivity`), the simulated range when the
case has uncertainty (:func:`bidfit.simulate`), the customer's NPV of each
scope option combination (:func:`bidfit.scope_options`, customer side only)
and, when asked for, the other bids' analyses. Nothing of the vendor's own
side (its delivery costs, minimum margin, floor, the deal room) is carried
into the result, so a document formatted from it cannot show any of it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from bidfit.results.analysis import Analysis, BidAnalysis
from bidfit.results.base import Blocks, Result

__all__ = [
    "KEY_ASSUMPTIONS",
    "SIMULATION_TRIALS",
    "BreakEven",
    "BusinessCase",
    "Cost",
    "ScopeChoice",
    "SimulatedRange",
    "Stream",
    "business_case",
]

KEY_ASSUMPTIONS = 6
"""How many of the most influential inputs the document states the break-even of."""

SIMULATION_TRIALS = 10_000
"""Trials of the document's simulation when the case has uncertainty [trials]."""

SIMULATION_SEED = 20_240_601
"""Seed of the document's simulation, stated in the document (same case, same range)."""


@dataclass(frozen=True)
class BreakEven:
    """One key assumption and the value at which the customer's NPV is zero.

    Attributes
    ----------
    label : str
        The input in words, e.g. ``Outbound roaming: annual amount``.
    field : str
        The field name (``annual_amount``, ``growth``, ``amount``, ...).
    base_value : float
        Its value in the case [field unit].
    flip_value : float or None
        Its value at NPV = 0 [field unit]; None when NPV keeps its sign.
    note : str
        The flip in words, or why there is none.
    npv_range : float
        How far NPV moves over the input's swing [currency].
    """

    label: str
    field: str
    base_value: float
    flip_value: float | None
    note: str
    npv_range: float


@dataclass(frozen=True)
class Stream:
    """A revenue stream in the bid's scope, as the customer's document states it.

    Attributes
    ----------
    name, kind : str
        The stream and what it is (``revenue``, ``saving``, ``avoided_cost``).
    source : str or None
        Where the figure comes from.
    annual_amount : float
        Yearly amount in its first active year [currency/year].
    currency : str
        Currency of ``annual_amount``.
    growth : float
        Compound change per year [1/year].
    capture, margin : float
        Shares counted as the customer's benefit [fraction].
    """

    name: str
    kind: str
    source: str | None
    annual_amount: float
    currency: str
    growth: float
    capture: float
    margin: float


@dataclass(frozen=True)
class Cost:
    """A cost item of the bid as the customer pays it.

    Attributes
    ----------
    name, category, kind : str
        The item, its category and ``one_time`` or ``recurring``.
    amount : float or None
        Amount [currency or currency/year]; None for an item given as ``percent_of``.
    currency : str
        Currency of ``amount``.
    percent : float or None
        Share of ``percent_of`` [fraction].
    percent_of : tuple of str
        The one-time items it is a share of.
    source : str or None
        Where the figure comes from.
    """

    name: str
    category: str
    kind: str
    amount: float | None
    currency: str
    percent: float | None
    percent_of: tuple[str, ...]
    source: str | None


@dataclass(frozen=True)
class ScopeChoice:
    """The customer's NPV of one combination of scope options.

    Attributes
    ----------
    options : tuple of str
        The options added to the base offer (empty: the base offer).
    npv : float
        The customer's NPV [currency].
    verdict : str
        ``better_off``, ``at_risk`` or ``worse_off``.
    """

    options: tuple[str, ...]
    npv: float
    verdict: str


@dataclass(frozen=True)
class SimulatedRange:
    """The customer's NPV over simulated futures.

    Attributes
    ----------
    trials, seed : int
        Number of trials [trials] and the seed.
    npv_p10, npv_p50, npv_p90 : float
        Percentiles of NPV [currency].
    probability_worse_off : float
        Share of trials with NPV < 0 [fraction].
    """

    trials: int
    seed: int
    npv_p10: float
    npv_p50: float
    npv_p90: float
    probability_worse_off: float


@dataclass(frozen=True, repr=False)
class BusinessCase(Result):
    """What the customer's business-case document of one bid shows.

    Attributes
    ----------
    bid : BidAnalysis
        The bid's analysis (the document reads only its customer-side figures).
    case_name, customer : str
        The case and the customer.
    streams : tuple of Stream
        The revenue streams in the bid's scope.
    costs : tuple of Cost
        The bid's cost items as the customer pays them.
    break_evens : tuple of BreakEven
        The key assumptions, most influential first.
    simulation : SimulatedRange or None
        Present when the case has uncertainty.
    scope_choices : tuple of ScopeChoice
        Every combination of the bid's scope options; empty without options.
    competitors : tuple of BidAnalysis
        The other bids, only when asked for.
    """

    bid: BidAnalysis
    case_name: str
    customer: str
    streams: tuple[Stream, ...]
    costs: tuple[Cost, ...]
    break_evens: tuple[BreakEven, ...]
    simulation: SimulatedRange | None = None
    scope_choices: tuple[ScopeChoice, ...] = ()
    competitors: tuple[BidAnalysis, ...] = ()

    def html(self) -> str:
        """The self-contained HTML document (see :func:`bidfit.present.business_case.business_case_html`)."""
        from bidfit.present.business_case import business_case_html

        return business_case_html(self)

    def _blocks(self) -> Blocks:
        from bidfit.present.view import describe_bid

        return describe_bid(self.bid)


def _finite(value: object) -> float | None:
    number = float(value) if isinstance(value, int | float) else math.nan
    return number if math.isfinite(number) else None


def business_case(
    analysis: Analysis,
    bid: str | None = None,
    *,
    include_competitors: bool = False,
    trials: int = SIMULATION_TRIALS,
    seed: int = SIMULATION_SEED,
) -> BusinessCase:
    """Compute everything the customer's business-case document of one bid shows.

    Parameters
    ----------
    analysis : Analysis
        The analysis of the case (:func:`bidfit.analyze`).
    bid : str, optional
        The bid's name; default the case's first bid.
    include_competitors : bool
        Also carry the other bids' analyses, for a comparison of NPVs.
    trials, seed : int
        The simulation's trials [trials] and seed, used when the case has uncertainty.

    Returns
    -------
    BusinessCase
        Customer-side figures only; ``.html()`` formats the document.

    Raises
    ------
    KeyError
        If there is no bid called ``bid``.

    Examples
    --------
    >>> import bidfit
    >>> study = business_case(bidfit.analyze(bidfit.load_sample("norway_roaming")))
    >>> study.bid.name, study.break_evens[0].label
    ('Vendor A', 'Outbound roaming: annual amount')
    """
    from bidfit.studies.pricing import scope_options
    from bidfit.studies.sensitivity import sensitivity

    case = analysis.case
    name = bid if bid is not None else next(iter(analysis.bids))
    result = analysis[name]
    model = case.bid(name)
    streams = tuple(
        Stream(
            s.name,
            s.kind,
            s.source,
            s.annual_amount,
            s.currency or case.currency,
            s.growth,
            s.capture,
            s.margin,
        )
        for s in case.revenue
        if not model.scope or s.name in model.scope
    )
    costs = tuple(
        Cost(
            c.name,
            c.category,
            c.kind,
            c.amount,
            c.currency or case.currency,
            c.percent,
            tuple(c.percent_of),
            c.source,
        )
        for c in model.costs
    )
    table = sensitivity(case, name).summary.head(KEY_ASSUMPTIONS)
    break_evens = tuple(
        BreakEven(
            label=str(row.label),
            field=str(index).rpartition(".")[2],
            base_value=float(row.base_value),
            flip_value=_finite(row.flip_value),
            note=str(row.flip_note),
            npv_range=float(row.npv_range),
        )
        for index, row in table.iterrows()
    )
    simulated = None
    if case.uncertainty:
        from bidfit.studies.simulation import simulate

        run = simulate(case, trials, seed=seed)[name]
        simulated = SimulatedRange(
            trials, seed, run.npv_p10, run.npv_p50, run.npv_p90, run.probability_worse_off
        )
    choices: tuple[ScopeChoice, ...] = ()
    if model.options:
        choices = tuple(
            ScopeChoice(tuple(str(o) for o in options), float(str(row["npv"])), str(row["verdict"]))
            for row in scope_options(case, name).rows
            if isinstance(options := row["options"], tuple)
        )
    competitors = tuple(b for b in analysis if b.name != name) if include_competitors else ()
    return BusinessCase(
        result, case.name, case.customer or "", streams, costs, break_evens, simulated, choices, competitors
    )
