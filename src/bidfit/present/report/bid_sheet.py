"""One cash-flow sheet per bid: years across, live formulas on ``Inputs``, the results as formulas."""

from __future__ import annotations

from dataclasses import dataclass, field
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
    _span,
    chart_categories,
    chart_series,
    column_letter,
    fit_row_height,
    page_break_before,
    print_setup,
    set_titles,
    show_axes,
    wrap_across,
    wrap_clipped,
)
from bidfit.present.report.inputs import (
    CALC_AMOUNT,
    CALC_FIRST,
    CALC_LAST,
    CALC_LINKED,
    CALC_ONE_TIME,
    CALC_OTHER,
    CALCULATIONS,
    COST_ESCALATION,
    STREAM_GROWTH,
    STREAM_RAMP,
    _calc,
    _Inputs,
)

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

    from bidfit.model.case import Case
    from bidfit.results.analysis import BidAnalysis


@dataclass(frozen=True)
class _BidSheet:
    """Where the key rows and results of a bid's sheet are (``results``: row of each live result in column B)."""

    title: str
    last_col: int
    benefits: int
    costs: int
    net: int
    cumulative: int
    discounted: int
    results: dict[str, int] = field(default_factory=dict)


_WITHIN, _FACTOR = _YEAR_ROW + 1, _YEAR_ROW + 2  # the timing block under the year row
RESULT_LABELS = {
    "npv": "NPV",
    "irr": "IRR",
    "payback": "Payback [years]",
    "discounted_payback": "Discounted payback [years]",
    "price": "Break-even price",
    "fee": "Break-even fee [per year]",
    "pv_benefits": "PV benefits",
    "pv_one_time": "PV one-time costs",
    "pv_linked": "PV fees linked to the price",
    "pv_other": "PV other recurring costs",
    "one_time_price": "One-time price (all one-time costs)",
    "annual_fee": "Annual fee (first year with a recurring cost)",
    "npv_at_irr": "NPV at the IRR (about 0: a root)",
    "size": "Size of the net flows (sum of |net|)",
    "annuity": "Annuity factor (years 1..horizon)",
    "after_negative": "Year after the last with cumulative < 0",
    "after_negative_discounted": "Year after the last with cumulative discounted < 0",
}
"""The live results of a bid sheet, in the order they appear, by key."""


def _yr(letter: str) -> str:
    """The year of column ``letter`` (row fixed): ``D$4``."""
    return cell_ref(None, f"{letter}${_YEAR_ROW}", absolute=False)


def _fixed_row(letter: str, row: int) -> str:
    return cell_ref(None, f"{letter}${row}", absolute=False)


class _Rows:
    """Writes a bid sheet's rows from the top: a label, a detail and one formula per year."""

    def __init__(self, ws: Worksheet, years: range) -> None:
        self.ws, self.years, self.row = ws, years, _WITHIN
        self.helpers: list[tuple[int, int]] = []

    def line(self, label: str, make: Any, fmt: str, *, detail: str = "", bold: bool = False) -> int:
        """Row ``label``: ``make(letter)`` is the formula of the column ``letter``; returns the row."""
        row = self.row
        put(self.ws, row, 1, label, bold=bold)
        if detail:
            put(self.ws, row, 2, detail)
        for t in self.years:
            letter = column_letter(_FIRST_YEAR_COL + t)
            put_formula(self.ws, row, _FIRST_YEAR_COL + t, make(letter), fmt)
        self.row += 1
        return row

    def title(self, label: str) -> None:
        put(self.ws, self.row, 1, label, bold=True)
        self.row += 1

    def skip(self, rows: int = 1) -> None:
        self.row += rows

    def start_helpers(self) -> int:
        return self.row

    def end_helpers(self, first: int) -> None:
        """Rows ``first`` up to the current one are helpers: grouped under the line above, hidden."""
        if self.row > first:
            self.helpers.append((first, self.row - 1))


def _stream_block(rows: _Rows, value: int, name: str, kind: str, calc_row: int, input_row: int) -> None:
    """A stream's timing, ramp and growth rows (from the current row), then its value on row ``value``."""
    first, last, base = (_calc(c, calc_row) for c in (CALC_FIRST, CALC_LAST, CALC_AMOUNT))
    growth, ramp_years = _input(STREAM_GROWTH, input_row), _input(STREAM_RAMP, input_row)
    active = rows.line(
        f"  {name}: active (1) or not (0)",
        lambda x: f"=IF(AND({_yr(x)}>={first},{_yr(x)}<={last}),{_fixed_row(x, _WITHIN)},0)",
        "0",
    )
    elapsed = rows.line(f"  {name}: years since the first", lambda x: f"=MAX({_yr(x)}-{first},0)", "0")
    ramp = rows.line(
        f"  {name}: ramp factor",
        lambda x: f"=MIN(({_here(x, elapsed)}+1)/MAX({ramp_years},1),1)",
        FACTOR,
    )
    grown = rows.line(f"  {name}: growth factor", lambda x: f"=(1+{growth})^{_here(x, elapsed)}", FACTOR)
    end, rows.row = rows.row, value
    rows.line(
        name,
        lambda x: f"={base}*{_here(x, active)}*{_here(x, ramp)}*{_here(x, grown)}",
        MONEY,
        detail=kind,
    )
    rows.row = end


def _cost_block(rows: _Rows, value: int, name: str, detail: str, calc_row: int, input_row: int) -> None:
    """A cost item's timing and escalation rows (from the current row), then its value on row ``value``."""
    first, last, amount = (_calc(c, calc_row) for c in (CALC_FIRST, CALC_LAST, CALC_AMOUNT))
    escalation = _input(COST_ESCALATION, input_row)
    active = rows.line(
        f"  {name}: active (1) or not (0)",
        lambda x: f"=IF(AND({_yr(x)}>={first},{_yr(x)}<={last}),{_fixed_row(x, _WITHIN)},0)",
        "0",
    )
    elapsed = rows.line(f"  {name}: years since the first", lambda x: f"=MAX({_yr(x)}-{first},0)", "0")
    grown = rows.line(
        f"  {name}: escalation factor", lambda x: f"=(1+{escalation})^{_here(x, elapsed)}", FACTOR
    )
    end, rows.row = rows.row, value
    rows.line(name, lambda x: f"={amount}*{_here(x, active)}*{_here(x, grown)}", MONEY, detail=detail)
    rows.row = end


def _bid_sheet(wb: Workbook, result: BidAnalysis, case: Case, at: _Inputs, title: str) -> _BidSheet:
    # Long: the sheet's rows in the order they appear, each row's formula beside its label.
    from openpyxl.styles import Alignment, Font

    ws = wb.create_sheet(title)
    years = range(case.horizon_years + 1)
    last_col = _FIRST_YEAR_COL + case.horizon_years
    bid = case.bid(result.name)
    put(ws, 1, 1, f"Cash flows of bid: {result.name} [{case.currency}]").font = Font(bold=True, size=14)
    put(
        ws,
        2,
        1,
        "Every figure is a live formula on the Inputs and Calculations sheets. Year 0 is signature and is "
        "not discounted; flows fall at the end of each year. The + buttons show each line's timing rows.",
    )
    put(ws, _YEAR_ROW, 1, "Year", bold=True)
    put(ws, _YEAR_ROW, 2, "Detail", bold=True)
    for t in years:
        put(ws, _YEAR_ROW, _FIRST_YEAR_COL + t, t, bold=True)

    def span(line: int) -> str:
        return _span(_FIRST_YEAR_COL, last_col, line)

    def running(line: int) -> Any:
        """The running total of row ``line``: the sum from year 0 to this year."""
        first = column_letter(_FIRST_YEAR_COL)
        return lambda x: f"=SUM({_fixed_col(first, line)}:{_here(x, line)})"

    rows = _Rows(ws, years)
    rows.line("Within the horizon (1) or not (0)", lambda x: f"=IF({_yr(x)}<=Horizon,1,0)", "0")
    rows.line("Discount factor", lambda x: f"=1/(1+DiscountRate)^{_yr(x)}", FACTOR)
    rows.skip()
    rows.title("Benefits (after capture and margin)")
    names = result.flows.stream_names
    first_stream = rows.row
    rows.skip(len(names))  # the streams' value rows, together; their helper rows under the total

    def total(x: str, first: int, count: int) -> str:
        return f"=SUM({_span(x, x, first, first + count - 1)})" if count else "=0"

    benefits = rows.line("Total benefits", lambda x: total(x, first_stream, len(names)), MONEY, bold=True)
    helpers = rows.start_helpers()
    for i, name in enumerate(names):
        _stream_block(
            rows, first_stream + i, name, case.stream(name).kind, at.stream_calc[name], at.streams[name]
        )
    rows.end_helpers(helpers)
    rows.skip()
    rows.title("Costs")
    first_cost, count = rows.row, len(bid.costs)
    rows.skip(count)
    calc_rows = [at.cost_calc[(bid.name, item.name)] for item in bid.costs]
    if calc_rows != list(range(calc_rows[0] if count else 0, (calc_rows[0] if count else 0) + count)):
        raise AssertionError("a bid's cost items must be one block on Calculations")

    def group(flag: str) -> Any:
        """The costs of one group: SUMPRODUCT of the items' flags on Calculations and their values."""
        if not count:
            return lambda x: "=0"
        flags = range_ref(CALCULATIONS, f"{flag}{calc_rows[0]}", f"{flag}{calc_rows[-1]}")
        return lambda x: f"=SUMPRODUCT({flags},{_span(x, x, first_cost, first_cost + count - 1)})"

    one_time = rows.line("One-time costs", group(CALC_ONE_TIME), MONEY)
    linked = rows.line("Fees linked to the price", group(CALC_LINKED), MONEY)
    other = rows.line("Other recurring costs", group(CALC_OTHER), MONEY)
    costs = rows.line(
        "Total costs",
        lambda x: f"={_here(x, one_time)}+{_here(x, linked)}+{_here(x, other)}",
        MONEY,
        bold=True,
    )
    helpers = rows.start_helpers()
    for i, item in enumerate(bid.costs):
        item_key = (bid.name, item.name)
        _cost_block(
            rows,
            first_cost + i,
            item.name,
            f"{item.category}, {item.kind}",
            at.cost_calc[item_key],
            at.costs[item_key],
        )
    rows.end_helpers(helpers)
    rows.skip()
    net = rows.line("Net cash flow", lambda x: f"={_here(x, benefits)}-{_here(x, costs)}", MONEY, bold=True)
    cum = rows.line("Cumulative cash position", running(net), MONEY, bold=True)
    disc = rows.line(
        "Discounted net cash flow", lambda x: f"={_here(x, net)}*{_fixed_row(x, _FACTOR)}", MONEY
    )
    cum_disc = rows.line("Cumulative discounted", running(disc), MONEY)
    helpers = rows.start_helpers()
    after = rows.line(
        "  year + 1 while cumulative < 0", lambda x: f"=IF({_here(x, cum)}<0,{_yr(x)}+1,0)", "0"
    )
    after_disc = rows.line(
        "  year + 1 while cumulative discounted < 0",
        lambda x: f"=IF({_here(x, cum_disc)}<0,{_yr(x)}+1,0)",
        "0",
    )
    recurring = rows.line("  recurring costs", lambda x: f"={_here(x, linked)}+{_here(x, other)}", MONEY)
    paying = rows.line(
        "  years with a recurring cost so far",
        lambda x: (
            f'=COUNTIF({_fixed_col(column_letter(_FIRST_YEAR_COL), recurring)}:{_here(x, recurring)},">0")'
        ),
        "0",
    )
    rows.line(
        "  fee of the first year with a recurring cost",
        lambda x: f"=IF(AND({_here(x, recurring)}>0,{_here(x, paying)}=1),{_here(x, recurring)},0)",
        MONEY,
    )
    first_fee = rows.row - 1
    rows.end_helpers(helpers)

    res = rows.row + 1
    put(ws, res, 1, "Results (live)", bold=True)
    at_row = {key: res + 1 + i for i, key in enumerate(RESULT_LABELS)}

    def b(key: str) -> str:
        return _here("B", at_row[key])

    cur = case.currency
    formulas: dict[str, tuple[str, str]] = {
        "npv": (f"=SUM({span(disc)})", MONEY),
        "irr": (f'=IFERROR(IRR({span(net)}),"n/a")', PERCENT),
        "payback": (_payback(b("after_negative"), span(cum), span(net), last_col), YEARS),
        "discounted_payback": (
            _payback(b("after_negative_discounted"), span(cum_disc), span(disc), last_col),
            YEARS,
        ),
        "price": (
            f"=IF({b('pv_one_time')}+{b('pv_linked')}>0,"
            f"({b('pv_benefits')}-{b('pv_other')})*{b('one_time_price')}/({b('pv_one_time')}+{b('pv_linked')}),"
            f"{b('pv_benefits')}-{b('pv_other')})",
            MONEY,
        ),
        "fee": (
            f"=IF({b('pv_linked')}+{b('pv_other')}>0,"
            f"({b('pv_benefits')}-{b('pv_one_time')})*{b('annual_fee')}/({b('pv_linked')}+{b('pv_other')}),"
            f"({b('pv_benefits')}-{b('pv_one_time')})/{b('annuity')})",
            MONEY,
        ),
        "pv_benefits": (f"=SUMPRODUCT({span(benefits)},{span(_FACTOR)})", MONEY),
        "pv_one_time": (f"=SUMPRODUCT({span(one_time)},{span(_FACTOR)})", MONEY),
        "pv_linked": (f"=SUMPRODUCT({span(linked)},{span(_FACTOR)})", MONEY),
        "pv_other": (f"=SUMPRODUCT({span(other)},{span(_FACTOR)})", MONEY),
        "one_time_price": (f"=SUM({span(one_time)})", MONEY),
        "annual_fee": (f"=SUM({span(first_fee)})", MONEY),
        "npv_at_irr": (
            f"=IF(ISNUMBER({b('irr')}),{_here(_FIRST_YEAR_COL, net)}+NPV({b('irr')},"
            f'{_span(_FIRST_YEAR_COL + 1, last_col, net)}),"n/a")',
            MONEY,
        ),
        "size": (f"=SUMPRODUCT(ABS({span(net)}))", MONEY),
        "annuity": (f"=SUMPRODUCT({span(_FACTOR)},{span(_WITHIN)})-1", FACTOR),
        "after_negative": (f"=MAX({span(after)})", "0"),
        "after_negative_discounted": (f"=MAX({span(after_disc)})", "0"),
    }
    money_labels = {"price", "pv_benefits", "pv_one_time", "pv_linked", "pv_other", "one_time_price"}
    for key, label in RESULT_LABELS.items():
        formula, fmt = formulas[key]
        text = f"{label} [{cur}]" if key in money_labels else label.replace("[per year]", f"[{cur} per year]")
        if key in ("npv", "irr", "payback", "discounted_payback"):
            text = label  # the labels the checks and tests look for
        put(ws, at_row[key], 1, text)
        cell = put_formula(ws, at_row[key], 2, formula, fmt)
        cell.alignment = Alignment(horizontal="right", vertical="top")
        ws.cell(at_row[key], 1).alignment = Alignment(vertical="top")
        if key in ("npv", "irr", "payback", "discounted_payback", "price", "fee"):
            cell.font = Font(bold=True)
    notes = {
        "irr": "The spreadsheet's IRR(). When the net cash flow changes sign more than once, several rates can "
        "make NPV zero: bidfit reports the one closest to zero, and Summary checks that both are roots.",
        "payback": "Payback: when the cumulative cash position turns non-negative for good, interpolated in "
        "the year after the last year with a negative cumulative; never if it is still negative at the end.",
        "price": "Break-even price: all one-time costs scaled together, the fees linked to them following; "
        "the other recurring costs as quoted.",
        "fee": "Break-even fee: all recurring costs scaled together, first operating year; one-time as quoted.",
    }
    note_width = 13 * (last_col - _FIRST_YEAR_COL + 1)
    for key, note in notes.items():  # each note wrapped across the year columns, as tall as it needs
        put(ws, at_row[key], 3, note, note=True, wrap=True)
        ws.merge_cells(start_row=at_row[key], start_column=3, end_row=at_row[key], end_column=last_col)
        fit_row_height(ws, at_row[key], note, note_width)
    rows.helpers.append((at_row["annuity"], at_row["after_negative_discounted"]))  # steps of the results
    for first, last in rows.helpers:
        ws.row_dimensions.group(first, last, outline_level=1, hidden=True)
    ws.sheet_properties.outlinePr.summaryBelow = False
    chart_row = res + len(RESULT_LABELS) + 2
    page_break_before(ws, chart_row)
    _benefit_cost_chart(ws, benefits, costs, last_col, _here("A", chart_row + 1))  # clear of the break
    ws.freeze_panes = ws.cell(_YEAR_ROW + 1, _FIRST_YEAR_COL)
    ws.column_dimensions["A"].width = 44
    ws.column_dimensions["B"].width = 22
    for col in range(_FIRST_YEAR_COL, last_col + 1):
        ws.column_dimensions[column_letter(col)].width = 13
    wrap_clipped(ws, first_row=_YEAR_ROW)
    wrap_across(ws, 2, last_col)
    print_setup(ws, title_rows=f"1:{_YEAR_ROW}")
    return _BidSheet(title, last_col, benefits, costs, net, cum, disc, at_row)


def _fixed_col(letter: str, row: int) -> str:
    """A reference with the column fixed: ``$C12`` (the start of a running total)."""
    return cell_ref(None, f"${letter}{row}", absolute=False)


def _payback(after_negative: str, cumulative: str, flows: str, last_col: int) -> str:
    """Payback from ``K``, one more than the last year with a negative cumulative (0: never negative).

    ``K = 0``: payback 0; ``K - 1`` the last year: never pays back; else
    ``(K - 1) + (-C_(K-1)) / f_K``, as :func:`bidfit.kernel.finance.payback`.
    ``after_negative`` is the cell of ``K``; ``cumulative`` and ``flows`` are
    references from :func:`_span`.
    """
    k = after_negative
    first, last = column_letter(_FIRST_YEAR_COL), column_letter(last_col)
    years = range_ref(None, f"{first}{_YEAR_ROW}", f"{last}{_YEAR_ROW}")
    return f'=IF({k}=0,0,IF({k}>MAX({years}),"never",{k}-1-INDEX({cumulative},1,{k})/INDEX({flows},1,{k}+1)))'


def _benefit_cost_chart(ws: Worksheet, benefits: int, costs: int, last_col: int, anchor: str) -> None:
    from openpyxl.chart import BarChart

    chart = BarChart()
    chart.type = "col"
    chart.grouping = "clustered"
    set_titles(chart, "Benefits and costs per year", x="year", y="per year")
    first, last = column_letter(_FIRST_YEAR_COL), column_letter(last_col)
    for row, label in ((benefits, "Benefits"), (costs, "Costs")):
        chart.series.append(chart_series(range_ref(ws.title, f"{first}{row}", f"{last}{row}"), title=label))
    chart_categories(chart, range_ref(ws.title, f"{first}{_YEAR_ROW}", f"{last}{_YEAR_ROW}"))
    show_axes(chart)
    chart.width, chart.height = 22, 9
    ws.add_chart(chart, anchor)
