"""Views of the pricing room: blocks of :mod:`bidfit.present.view`, rendered as text or HTML."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bidfit import _format as fmt
from bidfit.present.view import Block, Findings, Heading, Paragraph, Table
from bidfit.results.analysis import VERDICT_WORDS

if TYPE_CHECKING:
    from bidfit.studies.pricing import (
        CompetitorInference,
        LeverChange,
        OptionsResult,
        PricingRoom,
        WhatItTakes,
    )

__all__ = [
    "describe_competitor",
    "describe_lever_change",
    "describe_options",
    "describe_pricing",
    "describe_what_it_takes",
    "option_rows",
    "pricing_rows",
    "what_it_takes_rows",
]

WHAT_IT_TAKES_HEADER = ("Lever", "Now", "Needed", "Change", "What")
OPTIONS_HEADER = ("Options", "Scope", "Customer NPV", "Customer", "Policy", "Vendor margin", "Vendor accepts")


def _value(value: object, currency: str, lever: str) -> str:
    if value is None:
        return "-"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    if lever == "term":
        return f"{value} years"
    return fmt.money(float(value), currency)  # type: ignore[arg-type]


def _lever_row(change: LeverChange, currency: str) -> tuple[str, ...]:
    return (
        change.lever.replace("_", " "),
        _value(change.now, currency, change.lever),
        _value(change.needed, currency, change.lever),
        fmt.percent(change.change, signed=True) if change.change is not None else "-",
        change.text,
    )


def what_it_takes_rows(wit: WhatItTakes) -> list[tuple[str, ...]]:
    """One row per lever: lever, now, needed, change, what (in words)."""
    return [_lever_row(c, wit.currency) for c in wit.changes]


def describe_lever_change(change: LeverChange) -> list[Block]:
    """One lever's row (money without its currency, which a lever change does not carry)."""
    return [Table(WHAT_IT_TAKES_HEADER, [_lever_row(change, "")], align="lrrrl")]


def describe_competitor(inference: CompetitorInference) -> list[Block]:
    """What a competitor's price implies, in words."""
    return [Paragraph(inference.sentence)]


def describe_what_it_takes(wit: WhatItTakes) -> list[Block]:
    """A table of the levers and the sentence that sums them up."""
    if wit.passes_now:
        return [Paragraph(wit.sentence)]
    table = Table(WHAT_IT_TAKES_HEADER, what_it_takes_rows(wit), align="lrrrl")
    return [Heading(f"What it takes for {wit.bid} to pass"), table, Paragraph(wit.sentence)]


def option_rows(result: OptionsResult) -> list[tuple[str, ...]]:
    """One row per combination of scope options, best customer NPV first."""
    rows = sorted(result.rows, key=lambda r: -float(r["npv"]))  # type: ignore[arg-type]
    return [
        (
            " + ".join(r["options"]) or "(base)",  # type: ignore[arg-type]
            ", ".join(r["scope"]),  # type: ignore[arg-type]
            fmt.money(float(r["npv"]), result.currency),  # type: ignore[arg-type]
            VERDICT_WORDS[str(r["verdict"])],
            "passes" if r["passes"] else "FAILS",
            fmt.percent(r["vendor_margin"], 1),  # type: ignore[arg-type]
            "yes" if r["vendor_ok"] else "no",
        )
        for r in rows
    ]


def recommendation(result: OptionsResult) -> str:
    """The recommended combination of options, in words."""
    best = result.recommended
    if best is None:
        return "No combination keeps the vendor at or above its minimum margin."
    chosen = " + ".join(best["options"]) or "the base offer alone"  # type: ignore[arg-type]
    npv = fmt.money(float(best["npv"]), result.currency)  # type: ignore[arg-type]
    return (
        f"Recommended: {chosen} (customer NPV {npv}, vendor margin {fmt.percent(best['vendor_margin'], 1)})."  # type: ignore[arg-type]
    )


def describe_options(result: OptionsResult) -> list[Block]:
    """Every combination of scope options and the recommendation."""
    table = Table(
        OPTIONS_HEADER, option_rows(result), title=f"Scope options of {result.bid}", align="llrllrl"
    )
    return [table, Paragraph(recommendation(result))]


def pricing_rows(room: PricingRoom) -> list[tuple[str, str]]:
    """(figure, value) rows of the pricing room: quoted, customer ceiling, vendor floor, deal room."""
    a, cur = room.analysis, room.analysis.currency
    ceiling = a.ceiling
    rows = [
        ("Quoted one-time price", fmt.money(a.one_time_price, cur)),
        ("Quoted annual fee", fmt.money(a.annual_fee, cur)),
        ("Customer ceiling price", f"{fmt.money(ceiling.price, cur)} ({ceiling.price_reason})"),
        ("Customer ceiling fee", f"{fmt.money(ceiling.fee, cur)} ({ceiling.fee_reason})"),
    ]
    deal = a.deal_room
    if deal is not None:
        price_range, fee_range = deal.price_range, deal.fee_range
        margin = f"{fmt.percent(deal.vendor_margin, 1)} (minimum {fmt.percent(deal.min_margin)})"
        rows += [
            ("Vendor floor price", fmt.money(deal.floor_price, cur)),
            ("Vendor floor fee", fmt.money(deal.floor_fee, cur)),
            ("Vendor margin as quoted", margin),
            (
                "Deal room, price",
                "none"
                if price_range is None
                else f"{fmt.money(price_range[0], cur)} to {fmt.money(price_range[1], cur)}",
            ),
            (
                "Deal room, fee",
                "none"
                if fee_range is None
                else f"{fmt.money(fee_range[0], cur)} to {fmt.money(fee_range[1], cur)} a year",
            ),
        ]
    return rows


def describe_pricing(room: PricingRoom) -> list[Block]:
    """The pricing room: figures, the deal-room finding, what it takes, options, competitor."""
    blocks: list[Block] = [
        Heading(f"Pricing room: {room.analysis.name}"),
        Table(("Figure", "Value"), pricing_rows(room), align="ll"),
    ]
    deal = room.analysis.flag("NO_DEAL_ROOM")
    if deal is not None:
        blocks.append(Findings((deal,)))
    blocks += describe_what_it_takes(room.what_it_takes)
    if room.options is not None:
        blocks += describe_options(room.options)
    if room.competitor is not None:
        blocks += describe_competitor(room.competitor)
    return blocks
