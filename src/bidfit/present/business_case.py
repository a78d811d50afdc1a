"""The customer's business case of one bid as one self-contained HTML document.

:func:`business_case_html` formats a :class:`~bidfit.studies.business_case.BusinessCase`
(computed before): inline CSS and inline SVG charts, no script and no network,
a print stylesheet for A4 and Letter that keeps every chart, table and section
on one page. Every user text goes through :func:`bidfit.escape.for_html`. The
document reads only customer-side figures; the vendor's own side is not in
its input.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from bidfit import _format as fmt
from bidfit.escape import for_html

if TYPE_CHECKING:
    from collections.abc import Callable

    from bidfit.results.analysis import BidAnalysis
    from bidfit.studies.business_case import BusinessCase

__all__ = ["SECTION_TITLES", "business_case_html"]

SECTION_TITLES: tuple[str, ...] = (
    "The question and the answer",
    "The value at stake",
    "The lifetime cost",
    "The figures",
    "What would have to be true",
    "Assumption register",
)
"""The sections every business case has, in order (scope options and the comparison follow when present)."""

_VERDICT_WORDS = {
    "better_off": "Yes: you are better off with this bid",
    "at_risk": "Probably: you are better off, with risks to review",
    "worse_off": "No: you are worse off with this bid",
}

_CSS = """
:root{--ink:#1d2433;--muted:#5b6475;--good:#1b7f4b;--bad:#b3261e;--warn:#a05a00;--line:#d5d9e0}
*{box-sizing:border-box}
body{font-family:Georgia,'DejaVu Serif',serif;color:var(--ink);max-width:60rem;margin:2rem auto;padding:0 1.5rem;
line-height:1.45}
h1{font-size:1.7rem;margin:0 0 .3rem}h2{font-size:1.25rem;border-bottom:2px solid var(--ink);padding-bottom:.2rem}
h3{font-size:1rem;margin:.8rem 0 .4rem}
.sub{color:var(--muted);margin:0 0 1rem}
.answer{font-size:1.15rem;padding:.8rem 1rem;border-left:6px solid var(--ink);background:#f4f6f9}
.answer.better_off{border-color:var(--good)}.answer.worse_off{border-color:var(--bad)}
.answer.at_risk{border-color:var(--warn)}
table{border-collapse:collapse;width:100%;font-size:.9rem;margin:.3rem 0 .8rem}
th,td{border-bottom:1px solid var(--line);padding:.25rem .4rem;text-align:left;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.figures td:first-child{font-weight:bold;white-space:nowrap}
.block{margin:0 0 1rem}
svg{width:100%;height:auto;font-family:Arial,'DejaVu Sans',sans-serif}
.legend span{display:inline-block;margin-right:1rem;font-size:.85rem}
.sw{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:middle}
figcaption,.note{color:var(--muted);font-size:.85rem}
footer{margin-top:2rem;border-top:1px solid var(--line);font-size:.85rem;color:var(--muted)}
@page{margin:14mm}
@media print{
 body{max-width:none;margin:0;padding:0;font-size:10.5pt}
 section,.block,table,figure,svg,.answer{break-inside:avoid;page-break-inside:avoid}
 h2,h3{break-after:avoid;page-break-after:avoid}
 .answer{-webkit-print-color-adjust:exact;print-color-adjust:exact}
 svg{max-height:70mm}
}
"""


def _e(text: object) -> str:
    return for_html(text)


def _money(value: float | None, currency: str) -> str:
    return fmt.money(value, currency)


def _figure(name: str, text: str) -> str:
    return f'<span class="figure" data-figure="{name}">{_e(text)}</span>'


def _table(head: list[str], rows: list[list[str]], numeric: set[int], title: str, caption: str = "") -> str:
    def cells(values: list[str], tag: str) -> str:
        return "".join(
            f"<{tag}{' class=n' if i in numeric else ''}>{v}</{tag}>" for i, v in enumerate(values)
        )

    body = "".join(f"<tr>{cells(r, 'td')}</tr>" for r in rows)
    note = f'<p class="note">{caption}</p>' if caption else ""
    return (
        f'<div class="block"><h3>{_e(title)}</h3><table><thead><tr>{cells(head, "th")}</tr></thead>'
        f"<tbody>{body}</tbody></table>{note}</div>"
    )


def _scale(low: float, high: float, top: float, bottom: float) -> tuple[float, float]:
    """The slope and offset that map ``low..high`` onto the pixel rows ``bottom..top``."""
    span = high - low or 1.0
    slope = (top - bottom) / span
    return slope, bottom - slope * low


def _bars_svg(bid: BidAnalysis) -> str:
    """Benefits against costs per year, with the yearly gap (net) as a marker."""
    f = bid.flows
    benefits, costs = f.benefits, f.costs
    net = benefits - costs
    width, height, left, right, top, bottom = 640, 260, 70, 10, 12, 228
    high = float(max(benefits.max(initial=0.0), costs.max(initial=0.0), net.max(initial=0.0), 1.0))
    low = float(min(net.min(initial=0.0), 0.0))
    slope, offset = _scale(low, high, top, bottom)

    def y(value: float) -> float:
        return slope * value + offset

    step = (width - left - right) / len(f.years)
    bar = step * 0.34
    parts = [_axis(low, high, y, left, width - right)]
    for i, year in enumerate(f.years):
        x = left + i * step + step * 0.14
        for value, colour, dx in ((benefits[i], "#2e7d5b", 0.0), (costs[i], "#c0504d", bar)):
            y0, y1 = sorted((y(0.0), y(float(value))))
            parts.append(
                f'<rect x="{x + dx:.1f}" y="{y0:.1f}" width="{bar:.1f}" height="{y1 - y0:.1f}" fill="{colour}"/>'
            )
        yn = y(float(net[i]))
        parts.append(
            f'<line x1="{x - 2:.1f}" x2="{x + 2 * bar + 2:.1f}" y1="{yn:.1f}" y2="{yn:.1f}" '
            f'stroke="#1d2433" stroke-width="3"/>'
        )
        parts.append(
            f'<text x="{x + bar:.1f}" y="{bottom + 16}" font-size="11" text-anchor="middle">{int(year)}</text>'
        )
    return (
        f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="Benefits and costs per year">'
        + "".join(parts)
        + "</svg>"
    )


def _axis(low: float, high: float, y: Callable[[float], float], x0: float, x1: float) -> str:
    ticks = np.linspace(low, high, 5)
    out = []
    for t in ticks:
        yy = y(float(t))
        out.append(
            f'<line x1="{x0}" x2="{x1}" y1="{yy:.1f}" y2="{yy:.1f}" stroke="#e3e6eb"/>'
            f'<text x="{x0 - 4}" y="{yy + 4:.1f}" font-size="10" text-anchor="end">'
            f"{_e(fmt.money(float(t), ''))}</text>"
        )
    zero = y(0.0)
    out.append(f'<line x1="{x0}" x2="{x1}" y1="{zero:.1f}" y2="{zero:.1f}" stroke="#1d2433"/>')
    return "".join(out)


def _cumulative_svg(bid: BidAnalysis) -> str:
    """The cumulative cash position, undiscounted and discounted, per year."""
    table = bid.cashflows
    plain, discounted = table["cumulative"].to_numpy(), table["cumulative_pv"].to_numpy()
    years = table.index.to_numpy()
    width, height, left, right, top, bottom = 640, 240, 70, 10, 12, 208
    low = float(min(plain.min(), discounted.min(), 0.0))
    high = float(max(plain.max(), discounted.max(), 0.0))
    if high == low:
        high = low + 1.0
    slope, offset = _scale(low, high, top, bottom)

    def y(value: float) -> float:
        return slope * value + offset

    step = (width - left - right) / max(len(years) - 1, 1)
    parts = [_axis(low, high, y, left, width - right)]
    for values, colour, dash in ((plain, "#1d2433", ""), (discounted, "#3a6ea5", ' stroke-dasharray="6 4"')):
        points = " ".join(f"{left + i * step:.1f},{y(float(v)):.1f}" for i, v in enumerate(values))
        parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2.5"{dash}/>')
    for i, year in enumerate(years):
        parts.append(
            f'<text x="{left + i * step:.1f}" y="{bottom + 16}" font-size="11" text-anchor="middle">'
            f"{int(year)}</text>"
        )
    return (
        f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="Cumulative cash position">'
        + "".join(parts)
        + "</svg>"
    )


def _legend(items: list[tuple[str, str]]) -> str:
    spans = "".join(f'<span><i class="sw" style="background:{c}"></i>{_e(t)}</span>' for c, t in items)
    return f'<p class="legend">{spans}</p>'


def _question(study: BusinessCase) -> str:
    bid = study.bid
    cur = bid.currency
    customer = study.customer or "the customer"
    answer = _VERDICT_WORDS[bid.verdict]
    back = (
        f"the money comes back after {_figure('payback_years', fmt.years(bid.payback_years))}"
        if bid.payback_years is not None
        else "the money does not come back within the horizon"
    )
    return (
        f'<section id="question"><h2>{SECTION_TITLES[0]}</h2>'
        f"<p><strong>Is {_e(customer)} better off accepting {_e(bid.name)} than not, over "
        f"{bid.horizon_years} years at its own discount rate of {_e(fmt.percent(bid.discount_rate, 1))}?"
        f"</strong></p>"
        f'<p class="answer {bid.verdict}">{_e(answer)}. In today\'s money, your net value from the bid '
        f"(NPV) is {_figure('npv', fmt.money(bid.npv, cur))}, and {back}.</p></section>"
    )


def _value(study: BusinessCase) -> str:
    bid = study.bid
    rows = [
        [
            _e(s.name),
            _e(s.kind.replace("_", " ")),
            _e(fmt.money(s.annual_amount, s.currency)),
            _e(fmt.percent(s.growth, 1)),
            _e(fmt.percent(s.capture)),
            _e(fmt.percent(s.margin)),
            _e(s.source or "not given"),
        ]
        for s in study.streams
    ]
    streams = _table(
        ["Stream", "Kind", "Per year", "Growth", "Capture", "Margin", "Source"],
        rows,
        {2, 3, 4, 5},
        "Revenue streams in scope",
        f"The benefit counted is the stream times capture times margin: "
        f"{_e(fmt.money(bid.pv_benefits, bid.currency))} in today's money, out of a pool of "
        f"{_e(fmt.money(bid.revenue_pool, bid.currency))}.",
    )
    chart = (
        '<figure class="block"><h3>Benefits and costs per year</h3>'
        + _legend(
            [("#2e7d5b", "benefits"), ("#c0504d", "costs"), ("#1d2433", "yearly gap (benefits - costs)")]
        )
        + _bars_svg(bid)
        + f"<figcaption>Per year, in {_e(bid.currency)}, not discounted; year 0 is signature.</figcaption>"
        "</figure>"
    )
    return f'<section id="value"><h2>{SECTION_TITLES[1]}</h2>{streams}{chart}</section>'


def _cost(study: BusinessCase) -> str:
    bid = study.bid
    cur = bid.currency
    by_category = bid.costs_by_category
    years = [int(y) for y in by_category.index]
    rows = [
        [
            _e(str(name)),
            *(_e(fmt.money(float(v), "")) for v in by_category[name]),
            _e(fmt.money(float(by_category[name].sum()), "")),
        ]
        for name in by_category.columns
    ]
    totals = by_category.sum(axis=1)
    rows.append(
        [
            "<strong>Total</strong>",
            *(_e(fmt.money(float(v), "")) for v in totals),
            _e(fmt.money(float(totals.sum()), "")),
        ]
    )
    numeric = set(range(1, len(years) + 2))
    table = _table(
        ["Category", *(f"Year {y}" for y in years), "All years"],
        rows,
        numeric,
        f"Lifetime cost by category and year ({cur})",
        f"Lifetime cost {_e(fmt.money(bid.lifetime_cost, cur))} undiscounted, "
        f"{_e(fmt.money(bid.pv_costs, cur))} in today's money.",
    )
    return f'<section id="cost"><h2>{SECTION_TITLES[2]}</h2>{table}</section>'


def _figures(study: BusinessCase) -> str:
    bid = study.bid
    cur = bid.currency
    rate = fmt.percent(bid.discount_rate, 1)
    rows = [
        [
            "NPV",
            _figure("npv", fmt.money(bid.npv, cur)),
            f"Benefits minus costs in today's money at {_e(rate)}: above zero, the bid adds value.",
        ],
        [
            "IRR",
            _figure("irr", fmt.percent(bid.irr, 1)),
            f"The discount rate at which the NPV is zero; compare it with your rate of {_e(rate)}.",
        ],
        [
            "Payback",
            _figure("payback_years", fmt.years(bid.payback_years)),
            "When the money paid out has come back, in cash as it falls.",
        ],
        [
            "Discounted payback",
            _figure("discounted_payback_years", fmt.years(bid.discounted_payback_years)),
            "The same, counting later money at its value today.",
        ],
        [
            "Benefits (PV)",
            _figure("pv_benefits", fmt.money(bid.pv_benefits, cur)),
            "What the bid brings you, in today's money.",
        ],
        [
            "Lifetime cost (PV)",
            _figure("pv_costs", fmt.money(bid.pv_costs, cur)),
            "Everything you pay over the horizon, in today's money.",
        ],
    ]
    table = (
        '<div class="block"><h3>Key figures</h3><table class="figures"><tbody>'
        + "".join(f"<tr><td>{a}</td><td class=n>{b}</td><td>{c}</td></tr>" for a, b, c in rows)
        + "</tbody></table></div>"
    )
    chart = (
        '<figure class="block"><h3>Cumulative cash position</h3>'
        + _legend([("#1d2433", "cumulative cash"), ("#3a6ea5", "cumulative cash in today's money")])
        + _cumulative_svg(bid)
        + "<figcaption>Where the line last crosses zero and stays above it, the money has come back.</figcaption></figure>"
    )
    return f'<section id="figures"><h2>{SECTION_TITLES[3]}</h2>{table}{chart}</section>'


def _show(value: float | None, field: str, currency: str) -> str:
    if value is None:
        return "none"
    if field in ("annual_amount", "amount"):
        return fmt.money(value, currency)
    return fmt.percent(value, 1)


def _true(study: BusinessCase) -> str:
    bid = study.bid
    cur = bid.currency
    rows = [
        [
            _e(b.label),
            _e(_show(b.base_value, b.field, cur)),
            _e(_show(b.flip_value, b.field, cur)),
            _e(b.note),
        ]
        for b in study.break_evens
    ]
    table = _table(
        ["Assumption", "In this case", "Break-even", "What it means"],
        rows,
        {1, 2},
        "Break-even of the key assumptions",
        "Each assumption is moved alone; the break-even is its value at which the NPV is zero.",
    )
    sim = ""
    if study.simulation is not None:
        s = study.simulation
        sim = _table(
            ["P10 NPV", "P50 NPV", "P90 NPV", "Chance of being worse off"],
            [
                [
                    _e(fmt.money(s.npv_p10, cur)),
                    _e(fmt.money(s.npv_p50, cur)),
                    _e(fmt.money(s.npv_p90, cur)),
                    _e(fmt.percent(s.probability_worse_off, 1)),
                ]
            ],
            {0, 1, 2, 3},
            "Simulated range",
            f"{s.trials:,} simulated futures of the case's uncertain inputs, seed {s.seed}.",
        )
    return f'<section id="what-if"><h2>{SECTION_TITLES[4]}</h2>{table}{sim}</section>'


def _register(study: BusinessCase) -> str:
    bid = study.bid
    rows = [
        [
            _e(s.name),
            "revenue stream",
            _e(fmt.money(s.annual_amount, s.currency)) + " a year",
            _e(s.source or "not given"),
        ]
        for s in study.streams
    ]
    for c in study.costs:
        if c.amount is None:
            value = f"{fmt.percent(c.percent, 1)} of {', '.join(c.percent_of)}"
        else:
            value = fmt.money(c.amount, c.currency)
        if c.kind == "recurring":
            value += " a year"
        rows.append([_e(c.name), _e(f"cost ({c.category})"), _e(value), _e(c.source or "not given")])
    rows.append(["Discount rate", "your hurdle rate", _e(fmt.percent(bid.discount_rate, 1)), "the case"])
    table = _table(["Input", "What", "Value", "Source"], rows, {2}, "Every input and its source")
    return f'<section id="register"><h2>{SECTION_TITLES[5]}</h2>{table}</section>'


def _scope(study: BusinessCase) -> str:
    if not study.scope_choices:
        return ""
    cur = study.bid.currency
    rows = [
        [
            _e(" + ".join(c.options) if c.options else "base offer"),
            _e(fmt.money(c.npv, cur)),
            _e(_VERDICT_WORDS[c.verdict].split(":")[0]),
        ]
        for c in study.scope_choices
    ]
    table = _table(["Scope", "Your NPV", "Better off?"], rows, {1}, "Your NPV per scope option combination")
    return f'<section id="scope"><h2>Scope options</h2>{table}</section>'


def _competitors(study: BusinessCase) -> str:
    if not study.competitors:
        return ""
    cur = study.bid.currency
    rows = [
        [
            _e(b.name),
            _e(fmt.money(b.npv, cur)),
            _e(fmt.years(b.payback_years)),
            _e(_VERDICT_WORDS[b.verdict].split(":")[0]),
        ]
        for b in (study.bid, *study.competitors)
    ]
    table = _table(["Bid", "Your NPV", "Payback", "Better off?"], rows, {1, 2}, "Your NPV of each bid")
    return f'<section id="comparison"><h2>Comparison of the bids</h2>{table}</section>'


def business_case_html(study: BusinessCase) -> str:
    """The business case of one bid, for the customer, as one self-contained HTML document.

    Parameters
    ----------
    study : BusinessCase
        The computed business case (:func:`bidfit.studies.business_case.business_case`).

    Returns
    -------
    str
        The HTML document: inline CSS and SVG, no script, no external resource.

    Examples
    --------
    >>> import bidfit
    >>> from bidfit.studies.business_case import business_case
    >>> page = business_case_html(business_case(bidfit.analyze(bidfit.load_sample("norway_roaming"))))
    >>> page.startswith("<!DOCTYPE html>"), "<script" in page
    (True, False)
    """
    bid = study.bid
    title = f"Business case: {bid.name}"
    body = "".join(
        [
            _question(study),
            _value(study),
            _cost(study),
            _figures(study),
            _true(study),
            _scope(study),
            _competitors(study),
            _register(study),
        ]
    )
    footer = (
        "<footer><p>Conventions: all figures are in "
        f"{_e(bid.currency)} at your discount rate of {_e(fmt.percent(bid.discount_rate, 1))}. "
        "Year 0 is signature and is not discounted; every other flow falls at the end of its year "
        f"and is discounted by (1 + rate)^year. The horizon is {bid.horizon_years} years after "
        "signature; payback is interpolated within the year it happens.</p></footer>"
    )
    subtitle = " · ".join(_e(t) for t in (study.case_name, study.customer) if t)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>"
        f'<header><h1>{_e(title)}</h1><p class="sub">{subtitle}</p></header>'
        f"{body}{footer}</body></html>\n"
    )
