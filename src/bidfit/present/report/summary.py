"""The ``Summary`` and ``Flags`` sheets of the report workbook."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bidfit._version import __version__
from bidfit.io.xlsx.write import cell_ref, put, put_formula, range_ref
from bidfit.present.report.bid_sheet import _BidSheet
from bidfit.present.report.cells import (
    _FIRST_YEAR_COL,
    _YEAR_ROW,
    MONEY,
    PERCENT,
    RATIO,
    VERDICT_FILL,
    YEARS,
    _fit_columns,
    _here,
    _number_or,
    _span,
    chart_categories,
    chart_series,
    column_letter,
    fill,
    fit_row_height,
    header,
    print_setup,
    set_titles,
    show_axes,
    wrap_across,
)
from bidfit.present.view import headline, outcome_colour
from bidfit.results.analysis import VERDICT_WORDS

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

    from bidfit.results.analysis import Analysis, BidAnalysis


_SUMMARY_COLUMNS = (
    "Bid",
    "Vendor",
    "Policy; customer",
    "NPV",
    "NPV (live)",
    "Check",
    "IRR",
    "Payback [years]",
    "Discounted payback [years]",
    "PV benefits",
    "PV lifetime cost",
    "Benefit/cost",
    "One-time price",
    "Break-even price",
    "Annual fee",
    "Break-even fee",
    "Errors",
    "Warnings",
)
_SUMMARY_TOP = 6  # header row of the summary table
_TEXT_WIDTH = 20  # the widest a text column of the table gets [characters]: longer text wraps


_LIVE_CHECKS = (
    ("irr", "IRR", "G", PERCENT),
    ("payback", "Payback [years]", "H", YEARS),
    ("discounted_payback", "Discounted payback [years]", "I", YEARS),
    ("price", "Break-even price", "N", MONEY),
    ("fee", "Break-even fee", "P", MONEY),
)
"""The figures recomputed live beside the NPV: bid-sheet result key, label, printed column, format."""


def _close(live: str, printed: str) -> str:
    """``live`` equals ``printed`` to the check tolerance (relative; absolute below 1)."""
    return f"ABS({live}-{printed})<=CheckTolerance*MAX(1,ABS({printed}))"


def _check_formula(key: str, live: str, printed: str, info: _BidSheet) -> str:
    """The check of one live figure against the printed one (TRUE when they agree)."""
    if key == "irr":
        first, second, last = (
            column_letter(c) for c in (_FIRST_YEAR_COL, _FIRST_YEAR_COL + 1, info.last_col)
        )
        year_0 = cell_ref(info.title, f"{first}{info.net}")
        later = range_ref(info.title, f"{second}{info.net}", f"{last}{info.net}")
        size = cell_ref(info.title, f"B{info.results['size']}")
        at_live = cell_ref(info.title, f"B{info.results['npv_at_irr']}")

        def root(npv: str) -> str:
            return f"ABS({npv})<=CheckTolerance*{size}"

        printed_root = root(f"{year_0}+NPV({printed},{later})")
        # Several rates can make NPV zero: any root agrees, so both must be roots or be equal.
        both = f"OR({_close(live, printed)},AND({root(at_live)},{printed_root}))"
        # The spreadsheet's IRR() may find no rate where bidfit found one: the printed rate must be a root.
        return f"=IF(ISNUMBER({live}),IF(ISNUMBER({printed}),{both},FALSE),IF(ISNUMBER({printed}),{printed_root},TRUE))"
    if key in ("payback", "discounted_payback"):
        return f"=IF(ISNUMBER({printed}),IF(ISNUMBER({live}),{_close(live, printed)},FALSE),{live}={printed})"
    return f"={_close(live, printed)}"


def _summary_sheet(ws: Worksheet, analysis: Analysis, sheets: dict[str, _BidSheet]) -> None:
    # Long: the sheet's blocks in the order they appear (table, headlines, live checks, notes, chart).
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.hyperlink import Hyperlink

    case = analysis.case
    cur = case.currency
    put(ws, 1, 1, f"{case.name}: what the customer sees").font = Font(bold=True, size=14)
    put(
        ws,
        2,
        1,
        f"Customer: {case.customer or 'n/a'}. Money in {cur}; discount rate "
        f"{case.discount_rate:.2%} a year; years 0..{case.horizon_years}. Made by bidfit {__version__}.",
    )
    top = _SUMMARY_TOP
    first, last = top + 1, top + len(analysis.bids)
    put(ws, 4, 1, "Master check: every live figure equals the printed one", bold=True)
    checks = _span("F", "F", first, last)
    labels = [
        c
        if "[" in c
        or c in ("Bid", "Vendor", "Policy; customer", "Check", "IRR", "Benefit/cost", "Errors", "Warnings")
        else f"{c} [{cur}]"
        for c in _SUMMARY_COLUMNS
    ]
    header(ws, top, labels)
    for r, result in enumerate(analysis, first):
        info = sheets[result.name]
        name_cell = put(ws, r, 1, result.name)
        name_cell.hyperlink = Hyperlink(ref=name_cell.coordinate, location=cell_ref(info.title, "A1"))
        name_cell.font = Font(color="0563C1", underline="single")
        put(ws, r, 2, result.vendor)
        policy = "passes policy" if result.passes else "FAILS POLICY"
        outcome = f"{policy}; customer {VERDICT_WORDS[result.verdict]}"
        fill(put(ws, r, 3, outcome), VERDICT_FILL[outcome_colour(result.verdict, result.passes)])
        put(ws, r, 4, result.npv, MONEY)
        put_formula(ws, r, 5, _live_npv(info), MONEY)
        put_formula(ws, r, 6, f"={_close(_here('E', r), _here('D', r))}")
        values: list[tuple[Any, str | None]] = [
            (_number_or(result.irr, "n/a"), PERCENT),
            (_number_or(result.payback_years, "never"), YEARS),
            (_number_or(result.discounted_payback_years, "never"), YEARS),
            (result.pv_benefits, MONEY),
            (result.pv_costs, MONEY),
            (_number_or(result.benefit_cost_ratio, "n/a"), RATIO),
            (result.one_time_price, MONEY),
            (result.max_one_time_price, MONEY),
            (result.annual_fee, MONEY),
            (result.max_annual_fee, MONEY),
            (len(result.errors), "0"),
            (len(result.warnings), "0"),
        ]
        for c, (value, fmt) in enumerate(values, 7):
            cell = put(ws, r, c, value, fmt)
            if isinstance(value, str):
                cell.alignment = Alignment(horizontal="right")
    _fit_columns(ws, first=top + 1, last=last, least=11, most=_TEXT_WIDTH)
    for row in ws.iter_rows(min_row=first, max_row=last, max_col=len(labels)):  # long names and outcomes wrap
        for cell in row:
            width = ws.column_dimensions[cell.column_letter].width or _TEXT_WIDTH
            wrap = cell.column <= 3 and isinstance(cell.value, str) and len(cell.value) > width - 2
            old = cell.alignment
            cell.alignment = Alignment(horizontal=old.horizontal, wrap_text=wrap or None, vertical="top")
            if wrap:
                fit_row_height(ws, cell.row, str(cell.value), width)
    table_width = sum(ws.column_dimensions[column_letter(c)].width or 13 for c in range(1, len(labels) + 1))

    def paragraph(row: int, text: str, **style: Any) -> None:
        """A line across the table's width, wrapped, as tall as its text needs."""
        cell = put(ws, row, 1, text, **style)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(labels))
        fit_row_height(ws, row, text, table_width)

    put(
        ws,
        last + 2,
        1,
        "What each bid means: the review policy's outcome, then the customer's economics",
        bold=True,
    )
    for i, result in enumerate(analysis, last + 3):
        paragraph(i, bid_headline(result))
    live_top = last + 4 + len(analysis.bids)
    put(
        ws,
        live_top,
        1,
        "Live checks: each figure recomputed from the bid's sheet, against the printed one",
        bold=True,
    )
    live_labels = ["Bid"]
    for _, label, _, fmt in _LIVE_CHECKS:
        unit = f" [{cur}]" if fmt == MONEY else ""
        live_labels += [f"{label}{unit} (live)", "Check"]
    header(ws, live_top + 1, live_labels)
    ws.row_dimensions[live_top + 1].height = 45
    live_first = live_top + 2
    for r, result in enumerate(analysis, live_first):
        info = sheets[result.name]
        put(ws, r, 1, result.name)
        for i, (key, _, printed_col, fmt) in enumerate(_LIVE_CHECKS):
            col = 2 + 2 * i
            live_cell = put_formula(ws, r, col, "=" + cell_ref(info.title, f"B{info.results[key]}"), fmt)
            live_cell.alignment = Alignment(horizontal="right")
            live, printed = _here(col, r), _here(printed_col, first + r - live_first)
            put_formula(ws, r, col + 1, _check_formula(key, live, printed, info))
    live_last = live_first + len(analysis.bids) - 1
    live_checks = [
        _span(column_letter(2 + 2 * i + 1), column_letter(2 + 2 * i + 1), live_first, live_last)
        for i in range(len(_LIVE_CHECKS))
    ]
    master = put_formula(ws, 4, 5, f"=AND({','.join([checks, *live_checks])})")
    master.font = Font(bold=True)
    notes = (
        "How to audit: NPV (live) recomputes each bid's NPV from its cash-flow sheet with the spreadsheet's "
        "NPV(); Check is TRUE when it equals the printed NPV to the check tolerance on Inputs. The live checks "
        "table does the same for IRR (any rate that makes NPV zero), payback and the break-even figures.",
        "Each bid's sheet holds its cash flows as formulas on the Inputs and Calculations sheets, with its own "
        "NPV, IRR, payback and break-even figures. Change a yellow input cell to see the figures move.",
        "Payback is the year the cumulative cash position turns non-negative for good, interpolated in the "
        "year; the chart shows it where a line last crosses zero.",
    )
    below = live_last + 1
    for i, note in enumerate(notes, below + 1):
        paragraph(i, note, note=True)
    _cumulative_chart(ws, analysis, sheets, first, _here("A", below + len(notes) + 2))
    _pass_fail_colors(ws, _here("E", 4), _here("E", 4))
    _pass_fail_colors(ws, checks, _here("F", first))
    for check in live_checks:
        _pass_fail_colors(ws, check, check.split(":")[0])
    ws.row_dimensions[top].height = 45
    wrap_across(ws, 2, len(labels))
    ws.freeze_panes = ws.cell(top + 1, 2)
    print_setup(ws, title_rows=f"{top}:{top}", one_page=True)


def bid_headline(result: BidAnalysis) -> str:
    """A bid's headline in words: both answers, then its top finding and the lever that fixes it.

    ``Vendor A: FAILS POLICY - ...; the customer is worse off (NPV EUR -1.53M). Top finding:
    recurring costs at or above the benefits in years 1-10 (lever: recurring fees).``
    """
    text = f"{headline(result)}."
    top = next((f for f in result.flags if f.severity != "info"), None)
    if top is not None:
        lever = f" (lever: {top.lever.replace('_', ' ')})" if top.lever else ""
        text += f" Top finding: {top.short}{lever}."
    return text


def _live_npv(info: _BidSheet) -> str:
    """The bid's NPV recomputed from the net cash flows on its sheet: ``net_0 + NPV(r, net_1..net_n)``.

    Examples
    --------
    >>> _live_npv(_BidSheet("It's", 8, 10, 14, 16, 17, 19, {}))
    "='It''s'!$C$16+NPV(DiscountRate,'It''s'!$D$16:$H$16)"
    """
    first, second, last = (column_letter(c) for c in (_FIRST_YEAR_COL, _FIRST_YEAR_COL + 1, info.last_col))
    year_0 = cell_ref(info.title, f"{first}{info.net}")
    later = range_ref(info.title, f"{second}{info.net}", f"{last}{info.net}")
    return f"={year_0}+NPV(DiscountRate,{later})"


def _pass_fail_colors(ws: Worksheet, cells: str, top_left: str) -> None:
    """Green check cells when TRUE, red when FALSE (conditional formats, so they follow the formulas).

    ``cells`` and ``top_left`` are references from :func:`_here` or :func:`_span`.
    """
    from openpyxl.formatting.rule import FormulaRule
    from openpyxl.styles import PatternFill

    for value, color in (("TRUE", "C6EFCE"), ("FALSE", "FFC7CE")):
        rule = FormulaRule(
            formula=[f"{top_left}={value}"], fill=PatternFill("solid", fgColor=color, bgColor=color)
        )
        ws.conditional_formatting.add(cells, rule)


def _cumulative_chart(
    ws: Worksheet, analysis: Analysis, sheets: dict[str, _BidSheet], first: int, anchor: str
) -> None:
    from openpyxl.chart import LineChart

    chart = LineChart()
    set_titles(
        chart,
        "Cumulative cash position of the customer",
        x="year",
        y=analysis.case.currency,
    )
    start = column_letter(_FIRST_YEAR_COL)
    categories = None
    for i, result in enumerate(analysis):
        info = sheets[result.name]
        end = column_letter(info.last_col)
        values = range_ref(info.title, f"{start}{info.cumulative}", f"{end}{info.cumulative}")
        series = chart_series(values, title_cell=cell_ref(ws.title, f"A{first + i}"))
        series.smooth = False
        chart.series.append(series)
        categories = categories or range_ref(info.title, f"{start}{_YEAR_ROW}", f"{end}{_YEAR_ROW}")
    if categories is not None:
        chart_categories(chart, categories)
    show_axes(chart)
    chart.width, chart.height = 24, 11
    ws.add_chart(chart, anchor)


def _flags_sheet(wb: Workbook, analysis: Analysis) -> None:
    from openpyxl.styles import Alignment

    ws = wb.create_sheet("Flags")
    header(ws, 1, ["Bid", "Code", "Severity", "Message", "Lever"])
    r = 2
    for result in analysis:
        for flag in result.flags:
            put(ws, r, 1, result.name)
            put(ws, r, 2, flag.code)
            fill(
                put(ws, r, 3, flag.severity),
                {"error": "FFC7CE", "warning": "FFEB9C"}.get(flag.severity, "FFFFFF"),
            )
            put(ws, r, 4, flag.message).alignment = Alignment(wrap_text=True, vertical="top")
            put(ws, r, 5, (flag.lever or "").replace("_", " "))
            for col in (1, 2, 3, 5):
                ws.cell(r, col).alignment = Alignment(vertical="top")
            fit_row_height(ws, r, flag.message, _MESSAGE_WIDTH)
            r += 1
    if r == 2:
        put(ws, 2, 1, "No findings: every bid leaves the customer better off.")
    _fit_columns(ws, most=30)
    ws.column_dimensions["D"].width = _MESSAGE_WIDTH
    ws.freeze_panes = "A2"
    print_setup(ws, title_rows="1:1")


_MESSAGE_WIDTH = 90
"""Width of the Flags message column [characters]: the rows are as tall as the wrapped messages."""
