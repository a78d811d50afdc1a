"""Plots of a bid as the customer sees it (matplotlib, imported inside each function).

Every function takes ``ax=None`` (a new figure is made when it is None) and
returns the Axes it drew on; :func:`plot_analysis` returns the Figure when it
draws one Axes per bid. Money axes are formatted with :func:`bidfit._format.money`
(``EUR 1.46M``). One palette and one finish (:func:`_finish`) keep the plots
alike:

* :func:`cumulative_cash`: the customer's cumulative cash position, payback marked;
* :func:`benefits_costs`: benefits against costs per year, costs stacked by
  category, the yearly gap written above each year;
* :func:`compare_bids`: PV of benefits against lifetime cost, per bid;
* :func:`tornado`: the sensitivity table of :func:`bidfit.sensitivity`;
* :func:`npv_histogram`: simulated NPV, the worse-off share shaded;
* :func:`deal_map`: NPV over one-time price x annual fee, with the break-even line.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from bidfit import _format as fmt
from bidfit.present.html import VERDICT_COLOURS

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.axis import Axis
    from matplotlib.colors import Normalize
    from matplotlib.figure import Figure

    from bidfit.results.analysis import Analysis, BidAnalysis
    from bidfit.results.simulation import SimulatedBid
    from bidfit.studies.dealmap import DealMap
    from bidfit.studies.sensitivity import Sensitivity

__all__ = [
    "BID_KINDS",
    "benefits_costs",
    "colour_scale",
    "compare_bids",
    "cumulative_cash",
    "deal_map",
    "npv_histogram",
    "plot_analysis",
    "plot_bid",
    "tornado",
]

BENEFIT = "#2e7d32"
LOSS = "#c62828"
NEUTRAL = "#37474f"
LIGHT = "#90a4ae"
CATEGORY_COLOURS = {
    "capex": "#0072b2",
    "installation": "#56b4e9",
    "license": "#cc79a7",
    "maintenance": "#e69f00",
    "operations": "#d55e00",
    "subscription": "#f0e442",
    "training": "#009e73",
    "other": "#999999",
}
"""One colour per cost category: the Okabe-Ito palette, told apart with any colour vision.

Every pair differs by more than 20 in CIE76 delta-E, and each differs as much
from :data:`BENEFIT` and :data:`LOSS`, so stacked costs never read as one block.
"""
FIGSIZE = (8.0, 4.5)
_LABEL_BOX = {"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 1.5}

BID_KINDS = ("cumulative", "benefits_costs")
"""What :func:`plot_bid` draws."""


# --------------------------------------------------------------------------
# shared helpers
# --------------------------------------------------------------------------


def _axes(ax: Axes | None, figsize: tuple[float, float] = FIGSIZE) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, new = plt.subplots(figsize=figsize, layout="constrained")
    return new


def money_formatter(currency: str = "") -> Any:
    """A matplotlib formatter writing ticks as ``EUR 1.5M``."""
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda value, _pos: fmt.money(value, currency))


def _money(axis: Axis, currency: str, ticks: int = 6) -> None:
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(nbins=ticks))
    axis.set_major_formatter(money_formatter(currency))


def _finish(ax: Axes, title: str, xlabel: str, ylabel: str) -> None:
    ax.set_title(title, loc="left", fontsize=11, fontweight="bold")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, axis="y", color="#e0e0e0", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def colour_scale(low: float, high: float, ticks: int = 9) -> tuple[Normalize, np.ndarray]:
    """A linear colour scale over ``low..high`` and its colour-bar ticks, evenly spaced.

    When the values straddle zero the scale is centred on it (symmetric about
    0, so the midpoint colour means break-even and equal distances mean equal
    amounts) and the ticks are symmetric too; they are round values (1, 2,
    2.5 or 5 times a power of ten apart) inside the scale.

    Parameters
    ----------
    low, high : float
        The smallest and largest value shown [any unit].
    ticks : int
        At most this many ticks.

    Returns
    -------
    (Normalize, numpy.ndarray)
        The colour norm and the tick values, in increasing order.

    Examples
    --------
    >>> norm, values = colour_scale(-2_600_000.0, 1_300_000.0)
    >>> float(norm.vmin), float(norm.vmax), values.tolist()
    (-2600000.0, 2600000.0, [-2000000.0, -1000000.0, 0.0, 1000000.0, 2000000.0])
    """
    from matplotlib.colors import Normalize
    from matplotlib.ticker import MaxNLocator

    centred = low < 0 < high
    if centred:
        limit = max(-low, high)
        low, high = -limit, limit
    elif low == high:
        low, high = low - 1.0, high + 1.0
    locator = MaxNLocator(nbins=ticks - 1, steps=[1, 2, 2.5, 5, 10], symmetric=centred)
    values = np.asarray(locator.tick_values(low, high), dtype=float)
    slack = 1e-9 * (high - low)
    inside = values[(values >= low - slack) & (values <= high + slack)]
    return Normalize(low, high), inside


def _short(value: float) -> str:
    return fmt.money(value, signed=True)


# --------------------------------------------------------------------------
# one bid
# --------------------------------------------------------------------------


def cumulative_cash(bid: BidAnalysis, ax: Axes | None = None, discounted: bool = True) -> Axes:
    # Long: one figure drawn top to bottom (lines, payback marks, labels); splitting it scatters the layout.
    """The customer's cumulative cash position by year, with the payback marked.

    Parameters
    ----------
    bid : BidAnalysis
        The analysed bid.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when None.
    discounted : bool
        Also draw the cumulative discounted position (dashed).

    Returns
    -------
    matplotlib Axes
        Bars of the yearly net cash flow, the line ``'cumulative cash position'``,
        and the payback marker (a line labelled ``'payback ...'`` at
        ``x = payback_years``, y = 0) or, when there is none, a note.
    """
    ax = _axes(ax)
    table = bid.cashflows
    years = table.index.to_numpy()
    net = table["net"].to_numpy()
    cur = bid.currency
    ax.bar(
        years,
        net,
        width=0.6,
        color=[BENEFIT if v >= 0 else LOSS for v in net],
        alpha=0.35,
        label="net cash flow of the year",
    )
    ax.plot(
        years, table["cumulative"], color=NEUTRAL, marker="o", linewidth=2, label="cumulative cash position"
    )
    if discounted:
        ax.plot(
            years,
            table["cumulative_pv"],
            color=NEUTRAL,
            linestyle="--",
            linewidth=1.2,
            label=f"cumulative, discounted at {fmt.percent(bid.discount_rate, 1)}",
        )
    ax.axhline(0, color="black", linewidth=0.8)
    if bid.payback_years is not None:
        pb = bid.payback_years
        ax.axvline(pb, color=BENEFIT, linestyle=":", linewidth=1.2)
        ax.plot(
            [pb],
            [0.0],
            marker="D",
            markersize=9,
            color=BENEFIT,
            linestyle="none",
            label=f"payback {pb:.1f} years",
        )
        ax.annotate(
            f"payback\n{pb:.1f} years",
            (pb, 0),
            xytext=(8, 12),
            textcoords="offset points",
            color=BENEFIT,
            fontweight="bold",
            bbox=_LABEL_BOX,
        )
    else:
        # Below everything drawn, at the right: the note never covers a line or a bar.
        drawn = [table["cumulative"].to_numpy(dtype=float), net.astype(float), np.zeros(1)]
        if discounted:
            drawn.append(table["cumulative_pv"].to_numpy(dtype=float))
        everything = np.concatenate(drawn)
        lowest, highest = float(everything.min()), float(everything.max())
        span = max(highest - lowest, 1.0)
        end = float(table["cumulative"].iloc[-1])
        ax.annotate(
            f"no payback within {bid.horizon_years} years\n(ends at {fmt.money(end, cur)})",
            (1.0, lowest),
            xycoords=("axes fraction", "data"),
            xytext=(-4, -10),
            textcoords="offset points",
            ha="right",
            va="top",
            color=LOSS,
            fontweight="bold",
            bbox=_LABEL_BOX,
        )
        ax.update_datalim([(float(years[0]), lowest - 0.3 * span)])  # room for the note below the lines
        ax.autoscale_view()
    ax.set_xticks(years)
    _money(ax.yaxis, cur)
    ax.legend(loc="best", fontsize=8, frameon=False)
    _finish(ax, f"{bid.name}: the customer's cumulative cash position", "year", f"cash position [{cur}]")
    return ax


def benefits_costs(bid: BidAnalysis, ax: Axes | None = None) -> Axes:
    """Benefits against costs per year: costs stacked by category, the yearly gap written.

    Returns
    -------
    matplotlib Axes
        One bar container ``'benefits'`` and one per cost category (stacked),
        one bar per year each; the gap (benefits minus costs) of each year as
        a text above its bars, green when positive, red when negative.
    """
    ax = _axes(ax)
    table = bid.cashflows
    years = table.index.to_numpy()
    width = 0.38
    cur = bid.currency
    ax.bar(years - width / 2, table["benefits"], width=width, color=BENEFIT, label="benefits")
    by_category = bid.costs_by_category
    bottom = np.zeros(years.size)
    for category in by_category.columns:
        values = by_category[category].to_numpy()
        ax.bar(
            years + width / 2,
            values,
            width=width,
            bottom=bottom,
            label=f"{category} (cost)",
            color=CATEGORY_COLOURS.get(str(category), LIGHT),
        )
        bottom = bottom + values
    gap = table["benefits"].to_numpy() - table["costs"].to_numpy()
    top = np.maximum(table["benefits"].to_numpy(), bottom)
    for year, g, height in zip(years, gap, top, strict=True):
        ax.annotate(
            _short(float(g)),
            (year, height),
            xytext=(0, 3),
            textcoords="offset points",
            ha="center",
            fontsize=8,
            color=BENEFIT if g >= 0 else LOSS,
            fontweight="bold",
        )
    ax.set_xticks(years)
    ax.set_ylim(0.0, 1.12 * float(top.max()) if top.max() > 0 else 1.0)
    _money(ax.yaxis, cur)
    ax.legend(loc="best", fontsize=8, frameon=False)
    _finish(
        ax, f"{bid.name}: benefits against costs per year (gap above each year)", "year", f"per year [{cur}]"
    )
    return ax


# --------------------------------------------------------------------------
# across bids
# --------------------------------------------------------------------------


def compare_bids(analysis: Analysis, ax: Axes | None = None) -> Axes:
    """PV of benefits against lifetime cost (one-time + recurring) per bid, NPV written.

    Returns
    -------
    matplotlib Axes
        Three bar containers (``'benefits (PV)'``, ``'one-time costs (PV)'``,
        ``'recurring costs (PV)'``), one bar per bid each; the NPV and verdict
        of each bid as a text, coloured by verdict.
    """
    ax = _axes(ax)
    bids = list(analysis)
    x = np.arange(len(bids))
    width = 0.38
    cur = analysis.case.currency
    benefits = np.array([b.pv_benefits for b in bids])
    one_time = np.array([b.pv_one_time_costs for b in bids])
    recurring = np.array([b.pv_recurring_costs for b in bids])
    ax.bar(x - width / 2, benefits, width, color=BENEFIT, label="benefits (PV)")
    ax.bar(x + width / 2, one_time, width, color=CATEGORY_COLOURS["capex"], label="one-time costs (PV)")
    ax.bar(
        x + width / 2,
        recurring,
        width,
        bottom=one_time,
        color=CATEGORY_COLOURS["operations"],
        label="recurring costs (PV)",
    )
    for i, b in enumerate(bids):
        height = max(b.pv_benefits, b.pv_costs)
        ax.annotate(
            f"NPV {fmt.money(b.npv, cur)}\n{b.verdict.replace('_', ' ')}",
            (i, height),
            xytext=(0, 4),
            textcoords="offset points",
            ha="center",
            fontsize=9,
            color=VERDICT_COLOURS[b.verdict],
            fontweight="bold",
        )
    ax.set_xticks(x, [b.name for b in bids])
    ax.set_ylim(0, 1.15 * max(float(benefits.max()), float((one_time + recurring).max()), 1.0))
    _money(ax.yaxis, cur)
    ax.legend(loc="upper right", fontsize=8, frameon=False)
    _finish(
        ax,
        f"Benefits against lifetime cost, PV at {fmt.percent(analysis.case.discount_rate, 1)} "
        f"over {analysis.case.horizon_years} years",
        "bid",
        f"present value [{cur}]",
    )
    return ax


def tornado(result: Sensitivity, ax: Axes | None = None, max_inputs: int = 12) -> Axes:
    """Tornado chart of a :func:`bidfit.sensitivity` result: NPV at each input's low and high value.

    Parameters
    ----------
    result : Sensitivity
        From :func:`bidfit.sensitivity` (ranked, largest NPV range first).
    ax : matplotlib Axes, optional
        Where to draw.
    max_inputs : int
        Show at most this many inputs, the most influential.

    Returns
    -------
    matplotlib Axes
        Two bar containers, ``'low value'`` and ``'high value'``, one bar per
        input, drawn from the base NPV; a vertical line at the base NPV and a
        dashed one at NPV = 0 (``'break-even'``).
    """
    shown = result.summary.head(max_inputs)
    ax = _axes(ax, (9.0, max(3.0, 0.42 * len(shown) + 1.5)))
    cur = result.currency
    base = float(shown["base_npv"].iloc[0]) if len(shown) else 0.0
    y = np.arange(len(shown))
    low = shown["npv_low"].to_numpy() - base
    high = shown["npv_high"].to_numpy() - base
    ax.barh(y, low, left=base, color="#1565c0", height=0.6, label="low value")
    ax.barh(y, high, left=base, color="#ef6c00", height=0.6, label="high value")
    ax.axvline(base, color=NEUTRAL, linewidth=1)
    ax.axvline(0, color=LOSS, linestyle="--", linewidth=1.2, label="break-even")
    ax.set_yticks(y, list(shown["label"]))
    ax.invert_yaxis()
    _money(ax.xaxis, cur)
    ax.legend(loc="best", fontsize=8, frameon=False)
    swing, rate_swing = result.swing, result.rate_swing
    _finish(
        ax,
        f"{result.bid}: what moves the customer's NPV",
        f"NPV [{cur}], base {fmt.money(base, cur)}; amounts +/-{fmt.percent(swing)}, "
        f"rates +/-{rate_swing * 100:g} points",
        "",
    )
    ax.grid(True, axis="x", color="#e0e0e0", linewidth=0.8)
    ax.grid(False, axis="y")
    return ax


def npv_histogram(bid: SimulatedBid, ax: Axes | None = None, bins: int = 60) -> Axes:
    """Histogram of simulated NPV; the bins below zero (customer worse off) shaded red.

    Returns
    -------
    matplotlib Axes
        One bar per bin (height: share of trials); bars with NPV < 0 in red,
        the others green; a line at NPV = 0 and dotted lines at P10/P50/P90.
        The red heights add up to ``probability_worse_off``.
    """
    ax = _axes(ax)
    cur = bid.currency
    # Through the result's own histogram, which works whether the trials were kept or only summarised.
    table = bid.histogram(bins)
    edges = np.append(table["npv_from"].to_numpy(), table["npv_to"].to_numpy()[-1])
    counts = table["trials"].to_numpy()
    share = counts / bid.trials
    colours = [LOSS if right <= 0 else BENEFIT for right in edges[1:]]
    ax.bar(
        edges[:-1],
        share,
        width=np.diff(edges),
        align="edge",
        color=colours,
        alpha=0.8,
        edgecolor="white",
        linewidth=0.3,
    )
    ax.axvline(0, color="black", linewidth=1)
    # Two bands above the bars: the quantile labels along the top edge, the
    # P(worse off) note below them, so the two never meet whatever the quantiles.
    ax.set_ylim(0.0, 1.45 * float(share.max()) if share.max() > 0 else 1.0)
    for q, value in (("P10", bid.npv_p10), ("P50", bid.npv_p50), ("P90", bid.npv_p90)):
        ax.axvline(value, color=NEUTRAL, linestyle=":", linewidth=1)
        ax.annotate(
            q,
            (value, 1),
            xycoords=("data", "axes fraction"),
            xytext=(2, -2),
            textcoords="offset points",
            va="top",
            fontsize=8,
            color=NEUTRAL,
        )
    text = (
        f"P(worse off) = {fmt.percent(bid.probability_worse_off, 1)}"
        f" +/- {fmt.percent(bid.probability_worse_off_se, 2)}"
    )
    ax.annotate(
        text,
        (1.0, 1.0),
        xycoords="axes fraction",
        xytext=(-4, -20),
        textcoords="offset points",
        ha="right",
        va="top",
        fontweight="bold",
        color=LOSS if bid.probability_worse_off > 0 else BENEFIT,
        bbox=_LABEL_BOX,
    )
    _money(ax.xaxis, cur)
    from matplotlib.ticker import PercentFormatter

    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    _finish(
        ax,
        f"{bid.name}: simulated NPV of the customer ({bid.trials:,} trials)",
        f"NPV [{cur}]",
        "share of trials",
    )
    return ax


def deal_heat(deal: DealMap, ax: Axes) -> None:
    """The deal map's background on ``ax``: the NPV colour mesh (green above zero, red below),
    its colour bar with even ticks, and each competitor's quote as a labelled square."""
    cur = deal.currency
    low, high = float(deal.npv.min()), float(deal.npv.max())
    norm, ticks = colour_scale(low, high)
    mesh = ax.pcolormesh(deal.prices, deal.fees, deal.npv, cmap="RdYlGn", norm=norm, shading="auto")
    bar = ax.figure.colorbar(mesh, ax=ax)
    bar.set_label(f"customer NPV [{cur}]")
    bar.set_ticks(ticks.tolist())
    bar.formatter = money_formatter(cur)
    bar.update_ticks()
    for q in deal.competitors:
        ax.plot(
            [q.price],
            [q.fee],
            marker="s",
            markersize=8,
            color="#1565c0",
            markeredgecolor="white",
            linestyle="none",
            label=f"{q.name} (competitor)",
        )
        ax.annotate(
            q.name,
            (q.price, q.fee),
            xytext=(8, -12),
            textcoords="offset points",
            fontsize=9,
            color="#0d47a1",
            fontweight="bold",
        )


def deal_map(deal: DealMap, ax: Axes | None = None) -> Axes:
    # Long: one figure drawn top to bottom (colour map, break-even line, quote, competitors, labels).
    """The customer's NPV over one-time price x annual fee, with the break-even line and quotes.

    Returns
    -------
    matplotlib Axes
        A colour mesh of NPV (green above zero, red below, a colour bar), the
        line ``'break-even (NPV = 0)'``, the bid's quote and each competitor's
        quote as labelled points, a dotted line at the quoted fee; when no
        price works at that fee, a note saying so.
    """

    ax = _axes(ax)
    cur = deal.currency
    deal_heat(deal, ax)
    inside = (deal.break_even_fee >= deal.fees[0]) & (deal.break_even_fee <= deal.fees[-1])
    ax.plot(
        deal.prices[inside],
        deal.break_even_fee[inside],
        color="black",
        linewidth=2,
        label="break-even (NPV = 0)",
    )
    p = deal.point
    ax.axhline(p.fee, color="black", linestyle=":", linewidth=1)
    ax.plot(
        [p.price],
        [p.fee],
        marker="o",
        markersize=10,
        color="white",
        markeredgecolor="black",
        markeredgewidth=2,
        linestyle="none",
        label=f"{p.name} (quoted)",
    )
    ax.annotate(
        f"{p.name}\nNPV {fmt.money(p.npv, cur)}",
        (p.price, p.fee),
        xytext=(8, 8),
        textcoords="offset points",
        fontsize=9,
        fontweight="bold",
    )
    if deal.no_price_works:
        ax.annotate(
            f"no price works at {fmt.money(p.fee, cur)} a year\n"
            f"(break-even price {fmt.money(float(deal.max_price(p.fee)), cur)})",
            (deal.prices[0], p.fee),
            xytext=(6, 8),
            textcoords="offset points",
            fontsize=9,
            color=LOSS,
            fontweight="bold",
        )
    _money(ax.xaxis, cur)
    _money(ax.yaxis, cur)
    ax.legend(loc="best", fontsize=8, framealpha=0.85)
    _finish(
        ax,
        f"{deal.bid}: where the price and fee can go",
        f"one-time price [{cur}]",
        f"annual fee, first year [{cur}/year]",
    )
    ax.grid(False)
    return ax


# --------------------------------------------------------------------------
# dispatch from the results
# --------------------------------------------------------------------------


def plot_bid(bid: BidAnalysis, kind: str = "cumulative", ax: Axes | None = None, **options: Any) -> Axes:
    """Draw one kind of plot of a bid: one of :data:`BID_KINDS`.

    A study of the bid draws through its own result: ``bidfit.deal_map(case, bid).plot()``,
    ``bidfit.sensitivity(case, bid).plot()``.
    """
    if kind == "cumulative":
        return cumulative_cash(bid, ax=ax, **options)
    if kind == "benefits_costs":
        return benefits_costs(bid, ax=ax, **options)
    raise ValueError(f"unknown plot kind {kind!r} for a bid; choose one of {', '.join(BID_KINDS)}")


def _per_bid(analysis: Analysis, kind: str, names: Sequence[str], **options: Any) -> Figure:
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(
        len(names), 1, figsize=(FIGSIZE[0], FIGSIZE[1] * len(names)), layout="constrained", squeeze=False
    )
    for name, ax in zip(names, axes[:, 0], strict=True):
        plot_analysis(analysis, kind, bid=name, ax=ax, **options)
    return fig


def plot_analysis(
    analysis: Analysis,
    kind: str = "comparison",
    bid: str | None = None,
    ax: Axes | None = None,
    **options: Any,
) -> Axes | Figure:
    """Draw a plot of an analysis.

    ``kind`` is ``'comparison'`` (:func:`compare_bids`) or one of
    :data:`BID_KINDS` for the bid named ``bid``; with ``bid=None`` those draw
    one Axes per bid and return the Figure.
    """
    kinds = ("comparison", *BID_KINDS)
    if kind not in kinds:
        raise ValueError(f"unknown plot kind {kind!r}; choose one of {', '.join(kinds)}")
    if kind == "comparison":
        return compare_bids(analysis, ax=ax, **options)
    if bid is None:
        if ax is not None and len(analysis) > 1:
            raise ValueError(f"name a bid to draw {kind!r} on one Axes (bids: {', '.join(analysis.bids)})")
        return _per_bid(analysis, kind, list(analysis.bids), **options)
    return plot_bid(analysis.bids[bid], kind, ax=ax, **options)
