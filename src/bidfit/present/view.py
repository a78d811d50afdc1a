"""One description of what a result shows, rendered as text or HTML.

Each ``describe_*`` function turns a result into a short list of blocks
(:class:`Heading`, :class:`Banner`, :class:`Table`, :class:`Findings`,
:class:`Paragraph`) whose figures are already formatted. The renderers in
:mod:`bidfit.present.text` and :mod:`bidfit.present.html` draw the same
blocks, so a terminal and a notebook always show the same figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bidfit import _format as fmt
from bidfit.flags import Flag
from bidfit.results.analysis import VERDICT_TEXT, VERDICT_WORDS

if TYPE_CHECKING:
    from bidfit.gate import BidCheck, CheckResult
    from bidfit.model.case import Case
    from bidfit.results.analysis import Analysis, BidAnalysis, Portfolio
    from bidfit.results.simulation import SimulatedBid, Simulation
    from bidfit.studies.dealmap import DealMap
    from bidfit.studies.sensitivity import Sensitivity

__all__ = [
    "SUMMARY_COLUMNS",
    "Banner",
    "Block",
    "Findings",
    "Heading",
    "Paragraph",
    "Table",
    "banner",
    "cashflow_rows",
    "describe_analysis",
    "describe_bid",
    "describe_bid_check",
    "describe_case",
    "describe_check",
    "describe_deal_map",
    "describe_portfolio",
    "describe_sensitivity",
    "describe_simulated_bid",
    "describe_simulation",
    "economics",
    "headline",
    "key_figures",
    "outcome_colour",
    "policy_outcome",
    "simulation_rows",
    "summary_rows",
]

SUMMARY_COLUMNS = (
    "Bid",
    "Policy",
    "Customer",
    "NPV",
    "IRR",
    "Payback",
    "B/C",
    "Price",
    "Max price",
    "Fee/yr",
    "Max fee",
)
CASHFLOW_COLUMNS = ("Year", "Benefits", "One-time", "Recurring", "Net", "Cumulative")
SIMULATION_COLUMNS = (
    "Bid",
    "P(worse off)",
    "NPV P10",
    "NPV P50",
    "NPV P90",
    "Deterministic NPV",
    "Payback P50",
    "Never pays back",
)
MAX_CASHFLOW_YEARS = 15
"""Longer cash-flow tables show the first 10 and the last 2 years."""

MAX_ROWS = 30
"""Longer tables of a portfolio, a check or a sensitivity show their first rows and say how many are left."""

LOSS_AT_RISK, LOSS_WORSE_OFF = 0.10, 0.50
"""Display colour of a simulated bid without a policy limit: at risk from a
10 % chance of loss, worse off from 50 % (more likely a loss than not)."""


@dataclass(frozen=True)
class Heading:
    """A title line."""

    text: str


@dataclass(frozen=True)
class Banner:
    """A verdict banner: ``verdict`` sets the colour, ``text`` the words."""

    verdict: str
    text: str


@dataclass(frozen=True)
class Paragraph:
    """A line or paragraph of plain text."""

    text: str


@dataclass(frozen=True)
class Table:
    """A table of formatted cells.

    ``align`` has one letter per column, ``l`` (text) or ``r`` (figures);
    None means a label column, then figures.
    """

    header: tuple[str, ...]
    rows: Sequence[tuple[str, ...]]
    title: str | None = None
    align: str | None = None


@dataclass(frozen=True)
class Findings:
    """Flags with their severity, code, lever and message."""

    flags: tuple[Flag, ...] = field(default_factory=tuple)


Block = Heading | Banner | Paragraph | Table | Findings


# --------------------------------------------------------------------------
# bids and analyses
# --------------------------------------------------------------------------


MAX_REASONS = 2
"""A headline names this many failing findings, then says how many more there are."""


def economics(bid: BidAnalysis) -> str:
    """The customer's economics in words: ``the customer is better off (NPV EUR 3.69M)``."""
    return f"{VERDICT_TEXT[bid.verdict]} (NPV {fmt.money(bid.npv, bid.currency)})"


def policy_outcome(bid: BidAnalysis, failures: Sequence[Flag] | None = None) -> str:
    """Both answers in words: the policy's outcome with its reasons, then the customer's economics.

    ``FAILS POLICY - payback 5.3 years, the policy allows 5; the customer is better off (NPV EUR 3.69M)``
    or ``PASSES POLICY - the customer is better off (NPV EUR 343k)``. ``failures`` are the
    findings that fail the policy (default: the bid's errors, :attr:`BidAnalysis.failing`).
    """
    failing = bid.failing if failures is None else tuple(failures)
    if not failing:
        return f"PASSES POLICY - {economics(bid)}"
    reasons = [f.short for f in failing[:MAX_REASONS]]
    if len(failing) > MAX_REASONS:
        reasons.append(f"and {len(failing) - MAX_REASONS} more")
    return f"FAILS POLICY - {'; '.join(reasons)}; {economics(bid)}"


def outcome_colour(verdict: str, passes: bool) -> str:
    """The colour key of a banner that shows both answers: red when the bid fails the policy or
    the customer is worse off, else the verdict's own colour."""
    return "worse_off" if not passes else verdict


def headline(bid: BidAnalysis, failures: Sequence[Flag] | None = None) -> str:
    """``Vendor A (Acme): FAILS POLICY - ...; the customer is worse off (NPV EUR -1.53M)`` (see
    :func:`policy_outcome`)."""
    who = f" ({bid.vendor})" if bid.vendor else ""
    return f"{bid.name}{who}: {policy_outcome(bid, failures)}"


def banner(bid: BidAnalysis, failures: Sequence[Flag] | None = None, suffix: str = "") -> Banner:
    """The bid's banner: both answers in words, coloured by :func:`outcome_colour`."""
    passes = not (bid.failing if failures is None else failures)
    return Banner(outcome_colour(bid.verdict, passes), headline(bid, failures) + suffix)


def key_figures(bid: BidAnalysis) -> list[tuple[str, str]]:
    """The figures a bid team looks at first, as (label, formatted value)."""
    cur = bid.currency
    npv = f"{fmt.money(bid.npv, cur)} at {fmt.percent(bid.discount_rate, 1)} over {bid.horizon_years} years"
    price = f"{fmt.money(bid.one_time_price, cur)} / {fmt.money(bid.max_one_time_price, cur)}"
    fee = f"{fmt.money(bid.annual_fee, cur)} / {fmt.money(bid.max_annual_fee, cur)}"
    return [
        ("NPV", npv),
        ("IRR", fmt.percent(bid.irr, 1)),
        ("Payback", fmt.years(bid.payback_years)),
        ("Discounted payback", fmt.years(bid.discounted_payback_years)),
        ("Benefits (PV)", fmt.money(bid.pv_benefits, cur)),
        ("Lifetime cost (PV)", fmt.money(bid.pv_costs, cur)),
        ("Benefit/cost", fmt.ratio(bid.benefit_cost_ratio)),
        ("One-time price / break-even", price),
        ("Annual fee / break-even", fee),
    ]


def summary_rows(analysis: Analysis) -> list[tuple[str, ...]]:
    """One row of formatted figures per bid, in :data:`SUMMARY_COLUMNS` order."""
    rows: list[tuple[str, ...]] = []
    for b in analysis:
        cur = b.currency
        rows.append(
            (
                b.name,
                "passes" if b.passes else "FAILS",
                VERDICT_WORDS[b.verdict],
                fmt.money(b.npv, cur),
                fmt.percent(b.irr, 1),
                fmt.years(b.payback_years),
                fmt.ratio(b.benefit_cost_ratio),
                fmt.money(b.one_time_price, cur),
                fmt.money(b.max_one_time_price, cur),
                fmt.money(b.annual_fee, cur),
                fmt.money(b.max_annual_fee, cur),
            )
        )
    return rows


def cashflow_rows(bid: BidAnalysis) -> list[tuple[str, ...]]:
    """The compact cash-flow table: one row per year (long horizons abbreviated)."""
    f = bid.flows
    net = f.net
    cumulative = net.cumsum()
    years = list(range(f.years.size))
    if len(years) > MAX_CASHFLOW_YEARS:
        years = [*years[:10], -1, *years[-2:]]
    rows: list[tuple[str, ...]] = []
    for t in years:
        if t < 0:
            rows.append(("...", "", "", "", "", ""))
            continue
        rows.append(
            (
                str(int(f.years[t])),
                fmt.money(float(f.benefits[t])),
                fmt.money(float(f.one_time_costs[t])),
                fmt.money(float(f.recurring_costs[t])),
                fmt.money(float(net[t])),
                fmt.money(float(cumulative[t])),
            )
        )
    return rows


def describe_bid(bid: BidAnalysis) -> list[Block]:
    """Verdict banner, key figures, findings with levers, compact cash flows."""
    blocks: list[Block] = [banner(bid)]
    blocks.append(Table(("Figure", "Value"), [(k, v) for k, v in key_figures(bid)]))
    if bid.flags:
        blocks.append(Findings(bid.flags))
    title = f"Cash flows of the customer [{bid.currency}]"
    blocks.append(Table(CASHFLOW_COLUMNS, cashflow_rows(bid), title=title))
    return blocks


def describe_analysis_head(analysis: Analysis) -> list[Block]:
    """Title and the verdict table across bids."""
    case = analysis.case
    who = f" for {case.customer}" if case.customer else ""
    n = len(analysis)
    return [
        Heading(
            f"{case.name}{who}: {n} bid{'s' if n != 1 else ''}, {case.horizon_years} years, "
            f"discount rate {case.discount_rate:.1%}, {case.currency}"
        ),
        Table(SUMMARY_COLUMNS, summary_rows(analysis)),
    ]


def describe_findings(bid: BidAnalysis) -> list[Block]:
    """A bid's banner (policy outcome and the customer's economics) and its findings."""
    return [banner(bid), *([Findings(bid.flags)] if bid.flags else [])]


def describe_analysis(analysis: Analysis) -> list[Block]:
    """Title, the verdict table across bids, then each bid's banner and findings."""
    return [
        *describe_analysis_head(analysis),
        *(block for bid in analysis for block in describe_findings(bid)),
    ]


def _more(total: int, what: str) -> list[Block]:
    """A line saying how many rows a table left out, or nothing."""
    left = total - MAX_ROWS
    return [Paragraph(f"... and {left} more {what} (see .summary).")] if left > 0 else []


def describe_portfolio(portfolio: Portfolio) -> list[Block]:
    """How many bids pass the policy and have each verdict, then one row per case and bid."""
    counts = portfolio.verdict_counts
    summary = portfolio.summary  # the same whether the portfolio keeps full analyses or its summary
    n_cases, n_bids = len(portfolio), sum(counts.values())
    n_passing = int(summary["passes"].sum())
    blocks: list[Block] = [
        Heading(
            f"Portfolio of {n_cases} case{'s' if n_cases != 1 else ''}, {n_bids} bid{'s' if n_bids != 1 else ''}: "
            f"{n_passing} pass the policy, {n_bids - n_passing} fail; the customer is "
            + ", ".join(f"{VERDICT_WORDS[verdict]} in {n}" for verdict, n in counts.items())
        )
    ]

    def number(value: float) -> float | None:
        return None if value != value else float(value)  # NaN: the figure does not exist

    shown = summary.iloc[:MAX_ROWS]
    rows = [
        (
            case,
            bid,
            "passes" if passes else "FAILS",
            VERDICT_WORDS[verdict],
            fmt.money(float(npv), cur),
            fmt.years(number(payback)),
            fmt.money(float(price), cur),
            fmt.money(float(max_price), cur),
        )
        for (_, bid), case, cur, passes, verdict, npv, payback, price, max_price in zip(
            shown.index,
            shown["case"],
            shown["currency"],
            shown["passes"],
            shown["verdict"],
            shown["npv"],
            shown["payback_years"],
            shown["one_time_price"],
            shown["max_one_time_price"],
            strict=True,
        )
    ]
    header = ("Case", "Bid", "Policy", "Customer", "NPV", "Payback", "Price", "Max price")
    blocks.append(Table(header, rows, align="llllrrrr"))
    return blocks + _more(len(summary), "bids")


# --------------------------------------------------------------------------
# the review gate
# --------------------------------------------------------------------------


def describe_bid_check(entry: BidCheck) -> list[Block]:
    """One bid in the review gate: pass or fail, its key figures, findings and what it takes."""
    blocks: list[Block] = [
        banner(entry.analysis, entry.failures, f" ({entry.file})"),
        Table(("Figure", "Value"), key_figures(entry.analysis)),
    ]
    if entry.flags:
        blocks.append(Findings(entry.flags))
    if entry.what_it_takes_sentence is not None:
        blocks.append(Paragraph(entry.what_it_takes_sentence))
    return blocks


def describe_check(result: CheckResult) -> list[Block]:
    """The gate's outcome: one row per bid, then the input problems of each invalid file."""
    blocks: list[Block] = [Heading(f"Review gate, {result.status}: {result.summary_line()}")]
    rows = [
        (
            e.file,
            e.bid,
            "passes" if e.passed else "FAILS",
            ", ".join(f.code for f in e.failures),
            VERDICT_WORDS[e.verdict],
            fmt.money(e.analysis.npv, e.currency),
        )
        for e in result.entries
    ]
    if rows:
        header = ("File", "Bid", "Policy", "Failing findings", "Customer", "NPV")
        blocks.append(Table(header, rows[:MAX_ROWS], align="lllllr"))
        blocks += _more(len(rows), "bids")
    for file, problems in result.problems.items():
        shown = [(p.where, p.code, p.message) for p in problems]
        blocks.append(
            Table(("Where", "Code", "Problem"), shown[:MAX_ROWS], title=f"Invalid input: {file}", align="lll")
        )
        blocks += _more(len(shown), "problems")
    return blocks


# --------------------------------------------------------------------------
# the case
# --------------------------------------------------------------------------


def _years_text(start: int | None, end: int | None, horizon: int, default_start: int) -> str:
    first = default_start if start is None else start
    last = horizon if end is None else end
    return str(first) if first == last else f"{first}-{last}"


def describe_case(case: Case) -> list[Block]:
    """The inputs of a case: streams, bids with their one-time and recurring totals, uncertainty."""
    from bidfit.model.amounts import cost_amounts

    cur = case.currency
    who = f" for {case.customer}" if case.customer else ""
    blocks: list[Block] = [
        Heading(f"{case.name}{who}"),
        Paragraph(
            f"{case.horizon_years} years after signature, discount rate "
            f"{fmt.percent(case.discount_rate, 1)}, money in {cur}"
        ),
    ]
    revenue = [
        (
            s.name,
            s.kind.replace("_", " "),
            fmt.money(s.annual_amount, s.currency or cur),
            fmt.percent(s.growth, 1, signed=True),
            fmt.percent(s.capture),
            fmt.percent(s.margin),
            _years_text(s.start_year, s.end_year, case.horizon_years, 1),
            s.source or "",
        )
        for s in case.revenue
    ]
    blocks.append(
        Table(
            ("Stream", "Kind", "Amount/yr", "Growth", "Capture", "Margin", "Years", "Source"),
            revenue,
            title="Revenue at stake",
            align="llrrrrrl",
        )
    )
    bids = []
    for bid in case.bids:
        amounts = cost_amounts(bid.costs, case.fx_rate)
        one_time = sum(a for a, c in zip(amounts, bid.costs, strict=True) if not c.is_recurring)
        recurring = sum(a for a, c in zip(amounts, bid.costs, strict=True) if c.is_recurring)
        bids.append(
            (
                bid.name,
                bid.vendor,
                ", ".join(bid.scope) or "all streams",
                fmt.money(float(one_time), cur),
                fmt.money(float(recurring), cur),
                str(len(bid.costs)),
            )
        )
    blocks.append(
        Table(
            ("Bid", "Vendor", "Scope", "One-time", "Recurring/yr", "Items"),
            bids,
            title="Bids",
            align="lllrrr",
        )
    )
    if case.uncertainty:
        rows = [
            (
                u.target,
                u.distribution,
                ", ".join(f"{k}={v:g}" for k, v in u.parameters().items()),
                f"{u.correlation:+g} with {u.correlated_with}" if u.correlated_with else "",
            )
            for u in case.uncertainty
        ]
        blocks.append(
            Table(
                ("Input", "Distribution", "Parameters", "Correlation"),
                rows,
                title="Uncertainty",
                align="llll",
            )
        )
    return blocks


# --------------------------------------------------------------------------
# simulation and deal map
# --------------------------------------------------------------------------


def _loss_verdict(bid: SimulatedBid) -> str:
    if bid.flags:
        failing = any(f.severity == "error" for f in bid.flags)
        return outcome_colour(bid.verdict, not failing)
    p = bid.probability_worse_off
    return "worse_off" if p >= LOSS_WORSE_OFF else "at_risk" if p >= LOSS_AT_RISK else "better_off"


def _loss_text(bid: SimulatedBid) -> str:
    se = bid.probability_worse_off_se
    return f"{fmt.percent(bid.probability_worse_off, 1)} (+/- {fmt.percent(se, 2)})"


def _simulated_headline(bid: SimulatedBid) -> str:
    who = f" ({bid.vendor})" if bid.vendor else ""
    failing = [f for f in bid.flags if f.severity == "error"]
    policy = f"FAILS POLICY - {'; '.join(f.short for f in failing)}; " if failing else ""
    return (
        f"{bid.name}{who}: {policy}the customer is worse off in {_loss_text(bid)} of {bid.trials:,} "
        "simulated futures"
    )


def simulation_rows(simulation: Simulation) -> list[tuple[str, ...]]:
    """One row per bid, in :data:`SIMULATION_COLUMNS` order."""
    rows: list[tuple[str, ...]] = []
    for b in simulation:
        cur = b.currency
        rows.append(
            (
                b.name,
                _loss_text(b),
                fmt.money(b.npv_p10, cur),
                fmt.money(b.npv_p50, cur),
                fmt.money(b.npv_p90, cur),
                fmt.money(b.deterministic_npv, cur),
                fmt.years(b.payback_p50),
                fmt.percent(b.share_never_pays_back, 1),
            )
        )
    return rows


def describe_simulated_bid(bid: SimulatedBid) -> list[Block]:
    """Banner with P(worse off), the NPV and payback percentiles, findings."""
    cur = bid.currency
    figures = [
        ("P(worse off)", _loss_text(bid)),
        (
            "NPV P10 / P50 / P90",
            " / ".join(fmt.money(v, cur) for v in (bid.npv_p10, bid.npv_p50, bid.npv_p90)),
        ),
        ("NPV mean", fmt.money(bid.npv_mean, cur)),
        ("Deterministic NPV", fmt.money(bid.deterministic_npv, cur)),
        (
            "Payback P10 / P50 / P90",
            " / ".join(fmt.years(v) for v in (bid.payback_p10, bid.payback_p50, bid.payback_p90)),
        ),
        ("Never pays back", fmt.percent(bid.share_never_pays_back, 1)),
    ]
    blocks: list[Block] = [
        Banner(_loss_verdict(bid), _simulated_headline(bid)),
        Table(("Figure", "Value"), figures),
    ]
    if bid.flags:
        blocks.append(Findings(bid.flags))
    return blocks


def describe_simulation(simulation: Simulation) -> list[Block]:
    """Title, one row per bid, then each bid's banner and findings."""
    case = simulation.case
    n_inputs = len(case.uncertainty)
    blocks: list[Block] = [
        Heading(
            f"{case.name}: {simulation.trials:,} simulated futures of {n_inputs} uncertain "
            f"input{'s' if n_inputs != 1 else ''} (seed {simulation.seed})"
        ),
        Table(SIMULATION_COLUMNS, simulation_rows(simulation)),
    ]
    for bid in simulation:
        blocks.append(Banner(_loss_verdict(bid), _simulated_headline(bid)))
        if bid.flags:
            blocks.append(Findings(bid.flags))
    return blocks


def describe_sensitivity(result: Sensitivity) -> list[Block]:
    """The inputs ranked by how far they move the NPV, with the value at which each flips it."""
    cur = result.currency
    table = result.summary
    base = float(table["base_npv"].iloc[0]) if len(table) else float("nan")
    blocks: list[Block] = [
        Heading(
            f"Sensitivity of {result.bid}: base NPV {fmt.money(base, cur)}; amounts and shares "
            f"+/-{fmt.percent(result.swing)}, rates +/-{result.rate_swing * 100:g} points"
        )
    ]
    rows = [
        (
            str(row.label),
            fmt.money(float(row.npv_low), cur),
            fmt.money(float(row.npv_high), cur),
            fmt.money(float(row.npv_range), cur),
            str(row.flip_note),
        )
        for row in table.head(MAX_ROWS).itertuples()
    ]
    header = ("Input", "NPV low", "NPV high", "Range", "Flip")
    blocks.append(Table(header, rows, title=f"What moves the customer's NPV [{cur}]", align="lrrrl"))
    return blocks + _more(len(table), "inputs")


def describe_deal_map(deal: DealMap) -> list[Block]:
    """What the deal map says about the bid's quote and the competitors' quotes."""
    cur = deal.currency
    p = deal.point
    max_price = float(deal.max_price(p.fee))
    max_fee = float(deal.max_fee(p.price))
    verdict = "better_off" if p.npv >= 0 else "worse_off"
    blocks: list[Block] = [
        Banner(verdict, f"Deal map of {deal.bid}: NPV {fmt.money(p.npv, cur)} at the quoted price and fee"),
    ]
    if deal.no_price_works:
        price_text = (
            f"At the quoted fee of {fmt.money(p.fee, cur)} a year no price works: the break-even "
            f"price is {fmt.money(max_price, cur)}."
        )
    else:
        price_text = (
            f"At the quoted fee of {fmt.money(p.fee, cur)} a year the price can be at most "
            f"{fmt.money(max_price, cur)}."
        )
    fee_text = (
        f"At the quoted price of {fmt.money(p.price, cur)} the fee can be at most "
        f"{fmt.money(max_fee, cur)} a year" + (" (no fee works)." if max_fee < 0 else ".")
    )
    blocks += [Paragraph(price_text), Paragraph(fee_text)]
    rows = [
        (
            q.name,
            fmt.money(q.price, cur),
            fmt.money(q.fee, cur),
            fmt.money(q.npv, cur),
            fmt.money(q.own_npv, cur),
        )
        for q in (p, *deal.competitors)
    ]
    blocks.append(
        Table(
            ("Quote", "Price", "Fee/yr", f"NPV on {deal.bid}", "Own NPV"),
            rows,
            title=f"Quotes on the map of {deal.bid}",
        )
    )
    return blocks
