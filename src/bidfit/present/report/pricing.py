"""The ``Pricing`` sheet of the report workbook: the customer's ceiling against the vendor's floor.

:func:`add_pricing_sheet` adds one sheet to a workbook (normally the one
:func:`bidfit.present.report.report_workbook` builds), with one block per bid:

* **price and fee**: as quoted; the customer's ceiling (the most the customer
  can pay and still pass the policy, the other as quoted) and the condition
  that sets it; where the bid gives the vendor's own delivery cost, the
  vendor's floor (the least that keeps its minimum margin) and the deal room
  between the two, or ``none``;
* **vendor side**: the vendor's margin as quoted against its minimum, the PV
  of its delivery cost, the PV it needs and the PV the customer can bear;
* **what it takes** (bids that fail the review policy): the smallest
  change of each lever on its own that passes the policy
  (:func:`bidfit.what_it_takes`);
* **scope options** (bids with options): every combination with the
  customer's NPV, the verdict, the vendor's margin and whether the vendor
  accepts it, the recommended one marked (:func:`bidfit.scope_options`).

The last two come from each bid's :func:`bidfit.pricing_room`, computed by
the caller and passed in: the sheet only writes them.

Every figure is a plain value, the number bidfit computed, with a number
format and a unit: these figures come from searches and present values over
whole cash-flow profiles (a break-even price is not a simple function of the
bid sheet once one-time costs fall after year 0), while the ``Summary`` and
bid sheets already carry the live formulas. Names are written as text, never
as formulas (:func:`bidfit.io.xlsx.write.write_text`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from bidfit.io.xlsx.write import put, safe_sheet_title
from bidfit.present.report.cells import (
    MONEY,
    PERCENT,
    VERDICT_FILL,
    column_letter,
    fill,
    header,
    print_setup,
)
from bidfit.present.view import outcome_colour, policy_outcome

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

    from bidfit.assess.dealroom import DealRoom
    from bidfit.results.analysis import Analysis, BidAnalysis
    from bidfit.studies.pricing import OptionsResult, PricingRoom, WhatItTakes

__all__ = ["add_pricing_sheet"]

CHANGE = "+0.0%;[Red]-0.0%;0.0%"
YEARS = "0"

_NONE_FILL = "FFC7CE"
_RECOMMENDED_FILL = "C6EFCE"

_PRICE_COLUMNS = ("Figure", "One-time price", "Annual fee", "Note")
"""Header of each bid's price-and-fee table (units are added to the money columns)."""
_VENDOR_COLUMNS = ("Vendor side", "Value", "Unit", "Note")
_LEVER_COLUMNS = ("Lever", "Now", "Needed", "Change", "Unit", "In words")
_OPTION_COLUMNS = (
    "Options",
    "Customer NPV",
    "Verdict",
    "Vendor margin",
    "Vendor accepts",
    "Recommended",
    "Scope",
    "Passes policy",
)


# --------------------------------------------------------------------------
# cell helpers
# --------------------------------------------------------------------------


_WIDTHS = {"A": 36, "B": 22, "C": 26, "D": 14, "E": 24, "F": 14, "G": 40}
"""Column widths [characters]: labels, two money columns, then notes or further columns."""
_LAST_COLUMN = 7  # G: paragraphs span A..G
_LINE_CHARACTERS = 150  # about what fits on one line of A..G


def _align_top(ws: Worksheet, row: int, columns: int) -> None:
    """Top-align a row's cells, so that a wrapped cell and its neighbours line up."""
    from openpyxl.styles import Alignment

    for col in range(1, columns + 1):
        cell = ws.cell(row, col)
        old = cell.alignment
        cell.alignment = Alignment(
            horizontal=old.horizontal, vertical="top", wrap_text=old.wrap_text, indent=old.indent
        )


def _paragraph(ws: Worksheet, row: int, text: str, *, bold: bool = False, note: bool = False) -> Any:
    """A line of explanation across A..G, wrapped, with a row height that shows all of it."""
    from openpyxl.styles import Alignment

    cell = put(ws, row, 1, text, bold=bold, note=note)
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=_LAST_COLUMN)
    lines = max(1, math.ceil(len(text) / _LINE_CHARACTERS))
    if lines > 1:
        ws.row_dimensions[row].height = 15 * lines
    return cell


def _words(reason: str) -> str:
    return reason.replace("_", " ")


# --------------------------------------------------------------------------
# the blocks of one bid
# --------------------------------------------------------------------------


def _price_table(ws: Worksheet, row: int, result: BidAnalysis) -> int:
    """As quoted, the customer's ceiling and, with a vendor side, the floor and the deal room."""
    cur = result.currency
    header(
        ws,
        row,
        [_PRICE_COLUMNS[0], f"One-time price [{cur}]", f"Annual fee [{cur} per year]", "Note"],
        wrap=False,
    )
    ceiling, room = result.ceiling, result.deal_room
    rows: list[tuple[str, Any, Any, str, str | None]] = [
        (
            "As quoted",
            result.one_time_price,
            result.annual_fee,
            "all one-time costs together; the recurring costs of the first operating year",
            MONEY,
        ),
        (
            "Customer ceiling",
            ceiling.price,
            ceiling.fee,
            "the most the customer can pay and still pass the policy, the other as quoted"
            + ("; negative: no price, however low, is enough" if ceiling.price < 0 else ""),
            MONEY,
        ),
        (
            "Ceiling set by",
            _words(ceiling.price_reason),
            _words(ceiling.fee_reason),
            "the condition that binds: break-even (NPV = 0) or a threshold of the policy",
            None,
        ),
    ]
    if room is not None:
        price_range, fee_range = room.price_range, room.fee_range
        rows += [
            (
                "Vendor floor",
                room.floor_price,
                room.floor_fee,
                f"the least that keeps the vendor's minimum margin of {room.min_margin:.1%}, the other as quoted",
                MONEY,
            ),
            (
                "Deal room from",
                "none" if price_range is None else price_range[0],
                "none" if fee_range is None else fee_range[0],
                "the vendor floor (at least 0)",
                MONEY,
            ),
            (
                "Deal room to",
                "none" if price_range is None else price_range[1],
                "none" if fee_range is None else fee_range[1],
                "the customer ceiling; none: no price (or fee) satisfies both sides",
                MONEY,
            ),
        ]
    for r, (label, price, fee, note, fmt) in enumerate(rows, row + 1):
        put(ws, r, 1, label)
        for col, value in ((2, price), (3, fee)):
            cell = put(ws, r, col, value, fmt, text_align="right")
            if value == "none":
                fill(cell, _NONE_FILL)
        put(ws, r, 4, note, note=True, indent=True)
    return row + len(rows) + 1


def _vendor_table(ws: Worksheet, row: int, result: BidAnalysis, room: DealRoom) -> int:
    """The vendor's margin, the PVs behind the floor, and whether a deal room exists."""
    cur = result.currency
    header(ws, row, _VENDOR_COLUMNS, wrap=False)
    margin = room.vendor_margin
    state, note = _room_in_words(room)
    accepts = margin is not None and margin >= room.min_margin - 1e-12
    rows: list[tuple[str, Any, str, str, str | None]] = [
        (
            "Vendor margin as quoted",
            "n/a" if margin is None else margin,
            "fraction",
            "1 - PV(vendor's delivery cost) / PV(customer's payments), at the customer's discount rate",
            PERCENT,
        ),
        ("Vendor minimum margin", room.min_margin, "fraction", "from the Bids sheet (min_margin)", PERCENT),
        (
            "Vendor accepts the quoted terms",
            "yes" if accepts else "no",
            "",
            "margin as quoted at or above the minimum",
            None,
        ),
        ("PV of the vendor's delivery cost", room.pv_delivery_cost, cur, "", MONEY),
        (
            "PV of payments the vendor needs",
            room.required_pv_revenue,
            cur,
            "delivery cost / (1 - minimum margin)",
            MONEY,
        ),
        (
            "PV of costs the customer can bear",
            room.ceiling.allowed_pv_cost,
            cur,
            f"PV benefits, or the policy's tighter bound ({_words(room.ceiling.price_reason)})",
            MONEY,
        ),
        ("Deal room", state, "", note, None),
    ]
    for r, (label, value, unit, note, fmt) in enumerate(rows, row + 1):
        put(ws, r, 1, label)
        cell = put(ws, r, 2, value, fmt, text_align="right")
        if value in ("none", "no"):
            fill(cell, _NONE_FILL)
        put(ws, r, 3, unit, indent=True)
        put(ws, r, 4, note, note=True, indent=True)
    return row + len(rows) + 1


def _room_in_words(room: DealRoom) -> tuple[str, str]:
    """Whether a deal room exists, and where: ``(state, explanation)``."""
    if room.price_range is not None:
        return "yes", "some one-time price at the quoted fees satisfies both sides"
    if room.fee_range is not None:
        return (
            "fees only",
            "no one-time price at the quoted fees satisfies both sides; some fee at the quoted price does",
        )
    if room.exists:
        return (
            "other mix",
            "neither the price nor the fee alone; another mix of price and fees satisfies both sides "
            "(see Flags)",
        )
    return "none", "no price or fee satisfies both sides: the scope or the vendor's delivery cost must change"


def _lever_unit(lever: str, currency: str) -> str:
    return {
        "price": currency,
        "recurring_fees": f"{currency} per year",
        "term": "years",
        "scope": "revenue streams",
        "benefit": f"{currency}, first benefit year",
    }.get(lever, "")


def _lever_value(ws: Worksheet, row: int, col: int, value: object, lever: str) -> Any:
    if value is None:
        return fill(put(ws, row, col, "none", text_align="right"), _NONE_FILL)
    if isinstance(value, list | tuple):
        text = ", ".join(map(str, value))
        lines = math.ceil(len(text) / (_WIDTHS[column_letter(col)] - 2))
        if lines > 1:
            ws.row_dimensions[row].height = max(ws.row_dimensions[row].height or 15, 15 * lines)
        return put(ws, row, col, text, wrap=True)
    return put(ws, row, col, value, YEARS if lever == "term" else MONEY, text_align="right")


def _what_it_takes_table(ws: Worksheet, row: int, result: BidAnalysis, wit: WhatItTakes) -> int:
    """One row per lever: now, needed, the change and the change in words."""
    put(ws, row, 1, "What it takes to pass the policy (each lever on its own)", bold=True)
    if wit.passes_now:
        codes = ", ".join(dict.fromkeys(f.code for f in result.errors))
        _paragraph(
            ws,
            row + 1,
            f"As quoted the bid meets the customer's policy; it is worse off through {codes}, which no "
            "change of price, fees, term or scope is counted to fix here (see Flags).",
            note=True,
        )
        return row + 2
    header(ws, row + 1, _LEVER_COLUMNS, wrap=False)
    r = row + 2
    for change in wit.changes:
        put(ws, r, 1, change.lever.replace("_", " "))
        _lever_value(ws, r, 2, change.now, change.lever)
        _lever_value(ws, r, 3, change.needed, change.lever)
        put(ws, r, 4, "n/a" if change.change is None else change.change, CHANGE, text_align="right")
        put(ws, r, 5, _lever_unit(change.lever, wit.currency), indent=True)
        put(ws, r, 6, change.text, indent=True)
        _align_top(ws, r, len(_LEVER_COLUMNS))
        r += 1
    _paragraph(ws, r, wit.sentence, note=True)
    return r + 1


def _options_table(ws: Worksheet, row: int, options: OptionsResult, vendor_side: bool) -> int:
    """Every combination of the bid's scope options, best customer NPV first, the recommended one marked."""
    from openpyxl.styles import Font

    from bidfit.present.pricing import recommendation

    cur = options.currency
    put(ws, row, 1, "Scope options: every combination", bold=True)
    labels = list(_OPTION_COLUMNS)
    labels[1] = f"Customer NPV [{cur}]"
    header(ws, row + 1, labels, wrap=False)
    r = row + 2
    best = options.recommended
    for combo in sorted(options.rows, key=lambda c: -float(c["npv"])):  # type: ignore[arg-type]
        chosen = tuple(cast("tuple[str, ...]", combo["options"]))
        recommended = best is not None and chosen == tuple(cast("tuple[str, ...]", best["options"]))
        put(ws, r, 1, " + ".join(chosen) or "(base offer)")
        put(ws, r, 2, combo["npv"], MONEY, text_align="right")
        verdict = str(combo["verdict"])
        fill(put(ws, r, 3, verdict), VERDICT_FILL.get(verdict, "FFFFFF"))
        margin = combo["vendor_margin"]
        put(ws, r, 4, "n/a" if margin is None else margin, PERCENT, text_align="right")
        put(ws, r, 5, "yes" if combo["vendor_ok"] else "no", text_align="center")
        put(ws, r, 8, "yes" if combo["passes"] else "no", text_align="center")
        mark = put(ws, r, 6, "recommended" if recommended else "", text_align="center")
        if recommended:
            mark.font = Font(bold=True)
            fill(mark, _RECOMMENDED_FILL)
            fill(ws.cell(r, 1), _RECOMMENDED_FILL).font = Font(bold=True)
        put(ws, r, 7, ", ".join(cast("list[str]", combo["scope"])), indent=True)
        r += 1
    _paragraph(ws, r, recommendation(options), bold=best is not None)
    r += 1
    if not vendor_side:
        _paragraph(
            ws,
            r,
            "The bid gives no vendor delivery cost (Costs rows with side vendor): every combination counts as "
            "acceptable to the vendor, and the recommendation is the best customer NPV.",
            note=True,
        )
        r += 1
    return r


def _bid_block(ws: Worksheet, row: int, result: BidAnalysis, room_of_bid: PricingRoom | None) -> int:
    from openpyxl.styles import Font

    head = put(ws, row, 1, result.name)
    head.font = Font(bold=True, size=12)
    if result.vendor:
        put(ws, row, 2, result.vendor, note=True)
    put(ws, row + 1, 1, "Verdict")
    fill(put(ws, row + 1, 2, result.verdict, text_align="right"), VERDICT_FILL[result.verdict])
    put(ws, row + 2, 1, "Policy")
    policy = put(ws, row + 2, 2, policy_outcome(result))
    fill(policy, VERDICT_FILL[outcome_colour(result.verdict, result.passes)])
    row = _price_table(ws, row + 4, result)
    room = result.deal_room
    if room is not None:
        row = _vendor_table(ws, row + 1, result, room)
        flag = result.flag("NO_DEAL_ROOM")
        if flag is not None:
            _paragraph(ws, row, f"NO_DEAL_ROOM: {flag.message}", note=True)
            row += 1
    else:
        _paragraph(
            ws,
            row,
            "No vendor delivery cost given (Costs rows with side vendor): no vendor floor or deal room.",
            note=True,
        )
        row += 1
    if room_of_bid is not None and not result.passes:
        row = _what_it_takes_table(ws, row + 1, result, room_of_bid.what_it_takes)
    if room_of_bid is not None and room_of_bid.options is not None:
        row = _options_table(ws, row + 1, room_of_bid.options, room is not None)
    return row + 2


# --------------------------------------------------------------------------
# public
# --------------------------------------------------------------------------


def add_pricing_sheet(
    workbook: Workbook,
    analysis: Analysis,
    pricing: Mapping[str, PricingRoom] | None = None,
    index: int | None = None,
) -> Worksheet:
    """Add the ``Pricing`` sheet of an analysis to a workbook.

    Parameters
    ----------
    workbook : openpyxl.Workbook
        The workbook to add the sheet to (nothing is written to disk).
    analysis : Analysis
        The result of :func:`bidfit.analyze`.
    pricing : mapping of str to PricingRoom, optional
        Each bid's :func:`bidfit.pricing_room`, by bid name, computed by the
        caller: its what it takes (shown for a bid that leaves the customer
        worse off) and its scope options. A bid without one shows its
        ceiling, floor and deal room only.
    index : int, optional
        Position of the new sheet; default last.

    Returns
    -------
    openpyxl.worksheet.worksheet.Worksheet
        The new sheet, one block per bid in the analysis' order.

    Examples
    --------
    >>> import bidfit
    >>> from openpyxl import Workbook
    >>> analysis = bidfit.analyze(bidfit.load_sample("norway_roaming"))
    >>> rooms = {bid.name: bidfit.pricing_room(analysis.case, bid.name) for bid in analysis}
    >>> ws = add_pricing_sheet(Workbook(), analysis, rooms)
    >>> ws.title, ws["A5"].value, ws["B6"].value
    ('Pricing', 'Vendor A', 'worse_off')
    """
    from openpyxl.styles import Font

    case = analysis.case
    ws = workbook.create_sheet(safe_sheet_title("Pricing", workbook.sheetnames), index)
    put(ws, 1, 1, "Pricing room: the customer's ceiling against the vendor's floor").font = Font(
        bold=True, size=14
    )
    _paragraph(
        ws,
        2,
        f"Plain values computed by bidfit (the Summary and bid sheets hold the live formulas). Money in "
        f"{case.currency}; present values at the customer's discount rate of {case.discount_rate:.2%} a year. "
        "Ceiling: the most the customer can pay and still pass the policy (price: all one-time costs scaled "
        "together at the quoted fees; fee: all recurring costs, first operating year, at the quoted price).",
    )
    _paragraph(
        ws,
        3,
        "Floor: the least that keeps the vendor's minimum margin on its own delivery cost. Deal room: "
        "from floor to ceiling, none when no price satisfies both sides. What it takes: the smallest "
        "change of one lever that passes the policy, for bids that leave the customer worse off.",
    )
    row = 5
    for result in analysis:
        row = _bid_block(ws, row, result, None if pricing is None else pricing.get(result.name))
    for letter, width in _WIDTHS.items():
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A5"
    print_setup(ws, title_rows="1:1")
    return ws
