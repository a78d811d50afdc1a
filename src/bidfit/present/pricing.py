"""Text and HTML views of the pricing room (one row description, two renderers)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import TYPE_CHECKING

from bidfit import _format as fmt
from bidfit.present.text import render_table

if TYPE_CHECKING:
    from bidfit.pricing import OptionsResult, PricingRoom, WhatItTakes

__all__ = [
    "option_rows",
    "pricing_rows",
    "render_options",
    "render_options_html",
    "render_pricing",
    "render_pricing_html",
    "render_what_it_takes",
    "render_what_it_takes_html",
    "what_it_takes_rows",
]


def _html_table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


WHAT_IT_TAKES_HEADER = ("Lever", "Now", "Needed", "Change", "What")


def _value(value: object, currency: str, lever: str) -> str:
    if value is None:
        return "-"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    if lever == "term":
        return f"{value} years"
    return fmt.money(float(value), currency)  # type: ignore[arg-type]


def what_it_takes_rows(wit: WhatItTakes) -> list[tuple[str, ...]]:
    """One row per lever: lever, now, needed, change, what."""
    return [
        (
            c.lever.replace("_", " "),
            _value(c.now, wit.currency, c.lever),
            _value(c.needed, wit.currency, c.lever),
            fmt.percent(c.change, signed=True) if c.change is not None else "-",
            c.text,
        )
        for c in wit.changes
    ]


def render_what_it_takes(wit: WhatItTakes) -> str:
    """What it takes: a table of the figures, then each lever in words."""
    if wit.passes_now:
        return wit.sentence
    rows = what_it_takes_rows(wit)
    lines = [
        f"What it takes for {wit.bid} to pass",
        render_table(WHAT_IT_TAKES_HEADER[:-1], [r[:-1] for r in rows]),
    ]
    lines += [f"  {r[0]}: {r[-1]}" for r in rows]
    return "\n".join([*lines, wit.sentence])


def render_what_it_takes_html(wit: WhatItTakes) -> str:
    """What it takes, as an HTML table and a sentence."""
    if wit.passes_now:
        return f"<p>{escape(wit.sentence)}</p>"
    return (
        f"<h4>What it takes for {escape(wit.bid)} to pass</h4>"
        + _html_table(WHAT_IT_TAKES_HEADER, what_it_takes_rows(wit))
        + f"<p>{escape(wit.sentence)}</p>"
    )


OPTIONS_HEADER = ("Options", "Scope", "Customer NPV", "Verdict", "Vendor margin", "Vendor accepts")


def option_rows(result: OptionsResult) -> list[tuple[str, ...]]:
    """One row per combination of scope options, best customer NPV first."""
    rows = sorted(result.rows, key=lambda r: -float(r["npv"]))  # type: ignore[arg-type]
    return [
        (
            " + ".join(r["options"]) or "(base)",  # type: ignore[arg-type]
            ", ".join(r["scope"]),  # type: ignore[arg-type]
            fmt.money(float(r["npv"]), result.currency),  # type: ignore[arg-type]
            str(r["verdict"]),
            fmt.percent(r["vendor_margin"], 1),  # type: ignore[arg-type]
            "yes" if r["vendor_ok"] else "no",
        )
        for r in rows
    ]


def _recommendation(result: OptionsResult) -> str:
    best = result.recommended
    if best is None:
        return "No combination keeps the vendor at or above its minimum margin."
    chosen = " + ".join(best["options"]) or "the base offer alone"  # type: ignore[arg-type]
    return (
        f"Recommended: {chosen} (customer NPV {fmt.money(float(best['npv']), result.currency)}, "  # type: ignore[arg-type]
        f"vendor margin {fmt.percent(best['vendor_margin'], 1)})."  # type: ignore[arg-type]
    )


def render_options(result: OptionsResult) -> str:
    """The scope combinations as a table and the recommendation."""
    return render_table(OPTIONS_HEADER, option_rows(result)) + "\n" + _recommendation(result)


def render_options_html(result: OptionsResult) -> str:
    """The scope combinations as an HTML table and the recommendation."""
    return _html_table(OPTIONS_HEADER, option_rows(result)) + f"<p>{escape(_recommendation(result))}</p>"


def pricing_rows(room: PricingRoom) -> list[tuple[str, str]]:
    """(figure, value) rows of the pricing room."""
    a, cur = room.analysis, room.analysis.currency
    rows = [
        ("Quoted one-time price", fmt.money(a.one_time_price, cur)),
        ("Quoted annual fee", fmt.money(a.annual_fee, cur)),
    ]
    if a.ceiling is not None:
        rows += [
            ("Customer ceiling price", f"{fmt.money(a.ceiling.price, cur)} ({a.ceiling.price_reason})"),
            ("Customer ceiling fee", f"{fmt.money(a.ceiling.fee, cur)} ({a.ceiling.fee_reason})"),
        ]
    room_ = a.deal_room
    if room_ is not None:
        price_range, fee_range = room_.price_range, room_.fee_range
        rows += [
            ("Vendor floor price", fmt.money(room_.floor_price, cur)),
            ("Vendor floor fee", fmt.money(room_.floor_fee, cur)),
            (
                "Vendor margin as quoted",
                f"{fmt.percent(room_.vendor_margin, 1)} (minimum {fmt.percent(room_.min_margin)})",
            ),
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


def render_pricing(room: PricingRoom) -> str:
    """The pricing room as text: figures, findings, what it takes, options, competitor."""
    rows = pricing_rows(room)
    width = max(len(k) for k, _ in rows)
    parts = [f"Pricing room: {room.analysis.name}", *(f"  {k.ljust(width)}  {v}" for k, v in rows)]
    deal = room.analysis.flag("NO_DEAL_ROOM")
    if deal is not None:
        parts.append(f"  {deal}")
    parts += ["", render_what_it_takes(room.what_it_takes)]
    if room.options is not None:
        parts += ["", render_options(room.options)]
    if room.competitor is not None:
        parts += ["", room.competitor.sentence]
    return "\n".join(parts)


def render_pricing_html(room: PricingRoom) -> str:
    """The pricing room as HTML."""
    parts = [
        f"<h3>Pricing room: {escape(room.analysis.name)}</h3>",
        _html_table(("Figure", "Value"), pricing_rows(room)),
    ]
    deal = room.analysis.flag("NO_DEAL_ROOM")
    if deal is not None:
        parts.append(f"<p><b>{escape(deal.code)}</b>: {escape(deal.message)}</p>")
    parts.append(render_what_it_takes_html(room.what_it_takes))
    if room.options is not None:
        parts.append(render_options_html(room.options))
    if room.competitor is not None:
        parts.append(room.competitor._repr_html_())
    return "<div>" + "".join(parts) + "</div>"
