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
    _landscape,
    _number_or,
    _span,
    chart_categories,
    chart_series,
    column_letter,
    fill,
    header,
    set_titles,
    show_axes,
)

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

    from bidfit.results.analysis import Analysis


_SUMMARY_COLUMNS = (
    "Bid",
    "Vendor",
    "Verdict",
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


def _summary_sheet(ws: Worksheet, analysis: Analysis, sheets: dict[str, _BidSheet]) -> None:
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
    put(ws, 4, 1, "Master check: every live NPV equals the printed NPV", bold=True)
    checks = _span("F", "F", first, last)
    master = put_formula(ws, 4, 5, f"=AND({checks})")
    master.font = Font(bold=True)
    labels = [
        c
        if "[" in c or c in ("Bid", "Vendor", "Verdict", "Check", "IRR", "Benefit/cost", "Errors", "Warnings")
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
        fill(put(ws, r, 3, result.verdict), VERDICT_FILL[result.verdict])
        put(ws, r, 4, result.npv, MONEY)
        put_formula(ws, r, 5, _live_npv(info), MONEY)
        printed, live = _here("D", r), _here("E", r)
        put_formula(ws, r, 6, f"=ABS({live}-{printed})<=1E-6*MAX(1,ABS({printed}))")
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
    notes = (
        "How to audit: NPV (live) recomputes each bid's NPV from its cash-flow sheet with the spreadsheet's "
        "NPV(); Check is TRUE when it equals the printed NPV to 1e-6.",
        "Each bid's sheet holds its cash flows as formulas on the Inputs sheet, with its own NPV, IRR and "
        "payback. Change a yellow input cell to see the figures move.",
        "Payback is the year the cumulative cash position turns non-negative for good, interpolated in the "
        "year; the chart shows it where a line last crosses zero.",
    )
    for i, note in enumerate(notes, last + 2):
        put(ws, i, 1, note).font = Font(italic=True, color="595959")
    _cumulative_chart(ws, analysis, sheets, first, _here("A", last + 6))
    _pass_fail_colors(ws, _here("E", 4), _here("E", 4))
    _pass_fail_colors(ws, checks, _here("F", first))
    _fit_columns(ws, first=top + 1, last=last, least=11, most=34)
    ws.row_dimensions[top].height = 45
    ws.freeze_panes = ws.cell(top + 1, 2)
    _landscape(ws, one_page=True)


def _live_npv(info: _BidSheet) -> str:
    """The bid's NPV recomputed from the net cash flows on its sheet: ``net_0 + NPV(r, net_1..net_n)``.

    Examples
    --------
    >>> _live_npv(_BidSheet("It's", 8, 10, 14, 16, 17, 19))
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
        "Cumulative cash position of the customer (payback where a line crosses zero)",
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
            r += 1
    if r == 2:
        put(ws, 2, 1, "No findings: every bid leaves the customer better off.")
    _fit_columns(ws, most=30)
    ws.column_dimensions["D"].width = 100
    ws.freeze_panes = "A2"
    _landscape(ws, one_page=False)
