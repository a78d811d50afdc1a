"""One cash-flow sheet per bid: years across, live formulas on ``Inputs``, the results as formulas."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bidfit.io.xlsx.write import cell_ref, put, put_formula, range_ref
from bidfit.present.report.cells import (
    _FIRST_YEAR_COL,
    _YEAR_ROW,
    FACTOR,
    MONEY,
    PERCENT,
    YEARS,
    _here,
    _input,
    _landscape,
    _span,
    chart_categories,
    chart_series,
    column_letter,
    set_titles,
    show_axes,
)
from bidfit.present.report.inputs import _Inputs

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

    from bidfit.model.case import Case
    from bidfit.results.analysis import BidAnalysis


@dataclass(frozen=True)
class _BidSheet:
    """Where the key rows and results of a bid's sheet are."""

    title: str
    last_col: int
    benefits: int
    costs: int
    net: int
    cumulative: int
    discounted: int


def _active(t: str, first: str, last: str) -> str:
    return f"AND({t}>={first},{t}<={last},{t}<=Horizon)"


def _stream_formula(t: str, r: int) -> str:
    """Year ``t``'s value of the stream on row ``r`` of Inputs (``t`` a reference to the year cell)."""
    first, last, base, growth, ramp_years = (_input(c, r) for c in "ILMFK")
    elapsed = f"({t}-{first})"
    ramp = f"IF({ramp_years}>=2,MIN(({elapsed}+1)/{ramp_years},1),1)"
    return f"=IF({_active(t, first, last)},{base}*(1+{growth})^{elapsed}*{ramp},0)"


def _cost_formula(t: str, r: int) -> str:
    """Year ``t``'s value of the cost item on row ``r`` of Inputs (``t`` a reference to the year cell)."""
    first, last, amount, escalation = (_input(c, r) for c in ("N", "O", "P", "M"))
    return f"=IF({_active(t, first, last)},{amount}*(1+{escalation})^({t}-{first}),0)"


def _row_of_formulas(ws: Worksheet, row: int, years: range, make: Any, fmt: str) -> None:
    for t in years:
        col = _FIRST_YEAR_COL + t
        put_formula(ws, row, col, make(col, column_letter(col)), fmt)


def _bid_sheet(wb: Workbook, result: BidAnalysis, case: Case, at: _Inputs, title: str) -> _BidSheet:
    # Long: the sheet's rows in the order they appear, each row's formula beside its label.
    from openpyxl.styles import Font

    ws = wb.create_sheet(title)
    years = range(case.horizon_years + 1)
    last_col = _FIRST_YEAR_COL + case.horizon_years
    bid = case.bid(result.name)
    put(ws, 1, 1, f"Cash flows of bid: {result.name} [{case.currency}]").font = Font(bold=True, size=14)
    put(
        ws,
        2,
        1,
        "Every figure is a live formula on the Inputs sheet. Year 0 is signature and is not "
        "discounted; flows fall at the end of each year.",
    )
    put(ws, _YEAR_ROW, 1, "Year", bold=True)
    put(ws, _YEAR_ROW, 2, "Detail", bold=True)
    for t in years:
        put(ws, _YEAR_ROW, _FIRST_YEAR_COL + t, t).font = Font(bold=True)

    def yr(letter: str) -> str:
        return cell_ref(None, f"{letter}${_YEAR_ROW}", absolute=False)  # the year, row fixed

    def column_sum(x: str, top: int, bottom: int) -> str:
        return f"=SUM({_span(x, x, top, bottom)})" if bottom >= top else "=0"

    def running(line: int, total: int) -> Any:
        """Row ``total`` adds up row ``line`` year by year."""
        return lambda c, x: (
            f"={_here(x, line)}" if c == _FIRST_YEAR_COL else f"={_here(c - 1, total)}+{_here(x, line)}"
        )

    row = _YEAR_ROW + 1
    put(ws, row, 1, "Benefits (after capture and margin)", bold=True)
    row += 1
    first_benefit = row
    for name in result.flows.stream_names:
        put(ws, row, 1, name)
        put(ws, row, 2, case.stream(name).kind)
        r_in = at.streams[name]
        _row_of_formulas(ws, row, years, lambda c, x, r_in=r_in: _stream_formula(yr(x), r_in), MONEY)
        row += 1
    benefits = row
    put(ws, benefits, 1, "Total benefits", bold=True)
    _row_of_formulas(ws, benefits, years, lambda c, x: column_sum(x, first_benefit, benefits - 1), MONEY)
    row += 2
    put(ws, row, 1, "Costs", bold=True)
    row += 1
    first_cost = row
    for item in bid.costs:
        put(ws, row, 1, item.name)
        put(ws, row, 2, f"{item.category}, {item.kind}")
        r_in = at.costs[(bid.name, item.name)]
        _row_of_formulas(ws, row, years, lambda c, x, r_in=r_in: _cost_formula(yr(x), r_in), MONEY)
        row += 1
    costs = row
    put(ws, costs, 1, "Total costs", bold=True)
    _row_of_formulas(ws, costs, years, lambda c, x: column_sum(x, first_cost, costs - 1), MONEY)

    net, cum, factor, disc, cum_disc, help1, help2 = range(costs + 2, costs + 9)
    lines = (
        (net, "Net cash flow", lambda c, x: f"={_here(x, benefits)}-{_here(x, costs)}", MONEY),
        (cum, "Cumulative cash position", running(net, cum), MONEY),
        (factor, "Discount factor", lambda c, x: f"=1/(1+DiscountRate)^{yr(x)}", FACTOR),
        (disc, "Discounted net cash flow", lambda c, x: f"={_here(x, net)}*{_here(x, factor)}", MONEY),
        (cum_disc, "Cumulative discounted", running(disc, cum_disc), MONEY),
        (
            help1,
            "Helper: year if cumulative < 0, else -1",
            lambda c, x: f"=IF({_here(x, cum)}<0,{yr(x)},-1)",
            "0",
        ),
        (
            help2,
            "Helper: year if cumulative discounted < 0, else -1",
            lambda c, x: f"=IF({_here(x, cum_disc)}<0,{yr(x)},-1)",
            "0",
        ),
    )
    for r, label, make, fmt in lines:
        put(ws, r, 1, label, bold=r in (net, cum))
        _row_of_formulas(ws, r, years, make, fmt)

    def span(line: int) -> str:
        return _span(_FIRST_YEAR_COL, last_col, line)

    res = help2 + 2
    put(ws, res, 1, "Results (live)", bold=True)
    results = (
        ("NPV", f"=SUM({span(disc)})", MONEY),
        ("IRR", f'=IFERROR(IRR({span(net)}),"n/a")', PERCENT),
        ("Last year with cumulative < 0", f"=MAX({span(help1)})", "0"),
        ("Payback [years]", _payback(res + 3, span(cum), span(net), last_col), YEARS),
        ("Last year with cumulative discounted < 0", f"=MAX({span(help2)})", "0"),
        ("Discounted payback [years]", _payback(res + 5, span(cum_disc), span(disc), last_col), YEARS),
    )
    for i, (label, formula, fmt) in enumerate(results, res + 1):
        put(ws, i, 1, label)
        put_formula(ws, i, 2, formula, fmt).font = Font(bold=True)
    put(
        ws,
        res + 2,
        3,
        "The spreadsheet's IRR(). When the net cash flow changes sign more than once, "
        "several rates can make NPV zero: bidfit reports the one closest to zero.",
    )
    put(
        ws,
        res + 4,
        3,
        "Payback: when the cumulative cash position turns non-negative for good, the last crossing of "
        "zero (a later dip below zero moves it later), interpolated in the year after the last year "
        "with a negative cumulative; never if the cumulative is still negative in the last year.",
    )
    _benefit_cost_chart(ws, benefits, costs, last_col, _here("A", res + 9))
    ws.freeze_panes = ws.cell(_YEAR_ROW + 1, _FIRST_YEAR_COL)
    _landscape(ws, one_page=False)
    ws.column_dimensions["A"].width = 44
    ws.column_dimensions["B"].width = 22
    for col in range(_FIRST_YEAR_COL, last_col + 1):
        ws.column_dimensions[column_letter(col)].width = 13
    return _BidSheet(title, last_col, benefits, costs, net, cum, disc)


def _payback(last_negative_row: int, cumulative: str, flows: str, last_col: int) -> str:
    """Payback from ``L``, the last year with a negative cumulative (in column B of ``last_negative_row``).

    ``L < 0``: never negative, payback 0; ``L`` = the last year: never pays
    back; else ``L + (-C_L) / f_(L+1)``, as :func:`bidfit.kernel.finance.payback`.
    ``cumulative`` and ``flows`` are references from :func:`_span`.
    """
    cell = _here("B", last_negative_row)
    first, last = column_letter(_FIRST_YEAR_COL), column_letter(last_col)
    years = range_ref(None, f"{first}{_YEAR_ROW}", f"{last}{_YEAR_ROW}")
    return (
        f'=IF({cell}<0,0,IF({cell}>=MAX({years}),"never",'
        f"{cell}-INDEX({cumulative},1,{cell}+1)/INDEX({flows},1,{cell}+2)))"
    )


def _benefit_cost_chart(ws: Worksheet, benefits: int, costs: int, last_col: int, anchor: str) -> None:
    from openpyxl.chart import BarChart

    chart = BarChart()
    chart.type = "col"
    chart.grouping = "clustered"
    set_titles(chart, "Benefits against costs per year", x="year", y="per year")
    first, last = column_letter(_FIRST_YEAR_COL), column_letter(last_col)
    for row, label in ((benefits, "Benefits"), (costs, "Costs")):
        chart.series.append(chart_series(range_ref(ws.title, f"{first}{row}", f"{last}{row}"), title=label))
    chart_categories(chart, range_ref(ws.title, f"{first}{_YEAR_ROW}", f"{last}{_YEAR_ROW}"))
    show_axes(chart)
    chart.width, chart.height = 22, 9
    ws.add_chart(chart, anchor)
