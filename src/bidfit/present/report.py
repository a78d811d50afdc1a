"""The report workbook: what bidfit found, in a form a reviewer can audit without Python.

:func:`report_workbook` turns an :class:`bidfit.Analysis` into an openpyxl
workbook (nothing is written to disk here; :func:`bidfit.io.xlsx.write.save_workbook`
saves it atomically):

``Summary``
    One row per bid with the figures bidfit printed, as plain numbers; beside
    the NPV a live formula that recomputes it from the bid's cash-flow sheet
    with the spreadsheet's own ``NPV()``, a check cell (TRUE when the two
    agree to 1e-6) and a master check over all bids; a chart of each bid's
    cumulative cash position (payback is where a line crosses zero).
``Flags``
    One row per finding: bid, code, severity, message, lever.
``Pricing``
    Per bid, the customer's ceiling against the vendor's floor, the deal
    room, what it takes to pass and the scope options, as plain values (see
    :mod:`bidfit.present.report_pricing`).
``Inputs``
    The assumptions register: every input with its unit and source. Yellow
    cells are inputs; grey cells are calculated (FX rate, first and last
    active year, amounts in the case currency).
one sheet per bid
    Years across the columns; benefits by stream and costs by item as live
    formulas on ``Inputs``; totals, net, cumulative, discount factor,
    discounted net; NPV, IRR, payback and discounted payback as formulas; a
    chart of benefits against costs per year.

The formulas follow the conventions of :mod:`bidfit.build.cashflows` and
:mod:`bidfit.kernel.finance`:

* a line is active in year ``t`` when ``first <= t <= last`` (and ``t`` is
  within the horizon); its value is
  ``base * (1 + g) ** (t - first) * ramp`` with
  ``ramp = MIN((t - first + 1) / k, 1)`` for a ramp ``k >= 2``;
* a stream's base is ``annual_amount * fx * capture * margin``; a cost's base
  is ``amount * fx``, or ``percent`` times the bases of its ``percent_of``
  items;
* ``NPV = SUM(net_t / (1 + r) ** t)``, year 0 undiscounted (on ``Summary``
  recomputed as ``net_0 + NPV(r, net_1..net_n)``, since the spreadsheet's
  ``NPV()`` discounts its first value);
* IRR is the spreadsheet's ``IRR()`` of the net flows (``n/a`` where it
  finds none);
* payback: with ``L`` the last year whose cumulative is negative,
  ``L + (-C_L) / net_(L+1)``; 0 when the cumulative is never negative;
  ``never`` when it is still negative in the last year.

All user text (names, sources, messages) is written as text, never as a
formula (see :func:`bidfit.io.xlsx.write.write_text`). Every reference in a
formula, a chart, a hyperlink or a defined name is built by
:func:`bidfit.io.xlsx.write.cell_ref` or :func:`bidfit.io.xlsx.write.range_ref`: the
only user text a formula can hold is a bid sheet's quoted title, which
:func:`bidfit.io.xlsx.write.safe_sheet_title` chose.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bidfit._version import __version__
from bidfit.io.xlsx.write import cell_ref, put, put_formula, range_ref, safe_sheet_title
from bidfit.present.report_pricing import add_pricing_sheet
from bidfit.present.sheets import (
    MONEY,
    PERCENT,
    VERDICT_FILL,
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

    from bidfit.model.case import Case, CostItem
    from bidfit.results.analysis import Analysis, BidAnalysis

__all__ = ["report_workbook"]

RATE = "0.0##%"
YEARS = "0.00"
RATIO = "0.00"
FACTOR = "0.0000"

_INPUT_FILL = "FFF2CC"  # inputs: light yellow
_CALC_FILL = "EDEDED"  # calculated cells on Inputs: grey
_FIRST_YEAR_COL = 3  # column C is year 0 on a bid sheet
_YEAR_ROW = 4
_INPUTS = "Inputs"


# --------------------------------------------------------------------------
# small cell helpers
# --------------------------------------------------------------------------


def _here(col: int | str, row: int) -> str:
    """A relative reference to a cell of the same sheet: ``D12`` (``col`` a number or a letter)."""
    letter = col if isinstance(col, str) else column_letter(col)
    return cell_ref(None, f"{letter}{row}", absolute=False)


def _span(first_col: int | str, last_col: int | str, first_row: int, last_row: int | None = None) -> str:
    """A relative reference to cells of the same sheet: ``C16:H16`` (one row unless ``last_row``)."""
    first, last = (c if isinstance(c, str) else column_letter(c) for c in (first_col, last_col))
    return range_ref(None, f"{first}{first_row}", f"{last}{last_row or first_row}", absolute=False)


def _input(col: str, row: int) -> str:
    """An absolute reference to a cell of the Inputs sheet: ``'Inputs'!$I$12``."""
    return cell_ref(_INPUTS, f"{col}{row}")


def _number_or(value: float | None, missing: str) -> float | str:
    return missing if value is None or not math.isfinite(value) else float(value)


def _fit_columns(
    ws: Worksheet, *, least: float = 8, most: float = 60, first: int = 1, last: int | None = None
) -> None:
    """Column widths that fit the text and numbers of rows ``first..last`` (a formula counts as 12)."""
    widths: dict[int, int] = {}
    for row in ws.iter_rows(min_row=first, max_row=last):
        for cell in row:
            value = cell.value
            if value is None or cell.alignment.wrap_text:
                continue
            if cell.data_type == "f":
                size = 12
            elif isinstance(value, float):
                size = len(f"{value:,.0f}") + 2
            else:
                size = len(str(value))
            widths[cell.column] = max(widths.get(cell.column, 0), size)
    for col, size in widths.items():
        ws.column_dimensions[column_letter(col)].width = min(max(size + 2, least), most)


# --------------------------------------------------------------------------
# the Inputs sheet
# --------------------------------------------------------------------------


@dataclass
class _Inputs:
    """Where each input lives on the Inputs sheet (row numbers)."""

    streams: dict[str, int] = field(default_factory=dict)
    costs: dict[tuple[str, str], int] = field(default_factory=dict)


_STREAM_COLUMNS = (
    ("Stream", "text"),
    ("Kind", "choice"),
    ("Annual amount", "item currency per year"),
    ("Currency", "ISO code; empty = case currency"),
    ("FX rate", "case currency per unit (calculated)"),
    ("Growth", "fraction per year"),
    ("Capture", "share 0..1"),
    ("Margin", "share 0..1"),
    ("Start year", "year"),
    ("End year", "year; empty = horizon"),
    ("Ramp years", "years; k >= 2 phases in"),
    ("Last year", "year (calculated)"),
    ("Benefit base", "case currency per year (calculated)"),
    ("Source", "text"),
)
_COST_COLUMNS = (
    ("Bid", "text"),
    ("Item", "text"),
    ("Category", "choice"),
    ("Kind", "one_time or recurring"),
    ("Amount", "item currency (per year if recurring)"),
    ("Currency", "ISO code; empty = case currency"),
    ("FX rate", "case currency per unit (calculated)"),
    ("Percent of", "one-time items (see Amount [case])"),
    ("Percent", "fraction"),
    ("Year", "year of a one-time cost; empty = 0"),
    ("Start year", "first year if recurring; empty = 1"),
    ("End year", "last year if recurring; empty = horizon"),
    ("Escalation", "fraction per year"),
    ("First year", "year (calculated)"),
    ("Last year", "year (calculated)"),
    ("Amount [case]", "case currency (calculated)"),
    ("Source", "text"),
)


def _inputs_sheet(wb: Workbook, case: Case) -> _Inputs:
    """Write the assumptions register and define the names the formulas use."""
    from openpyxl.styles import Font
    from openpyxl.workbook.defined_name import DefinedName

    ws = wb.create_sheet(_INPUTS)
    at = _Inputs()
    put(ws, 1, 1, "Inputs and assumptions register").font = Font(bold=True, size=14)
    put(
        ws,
        2,
        1,
        "Yellow cells are inputs: change one and every cash-flow sheet recalculates (the live "
        "NPV checks on Summary then show that the printed figures no longer match). Grey cells are "
        "calculated. Years run 0..horizon; extending the horizon beyond the report's last year needs a "
        "new report.",
    )
    header(ws, 4, ["Case input", "Value", "Unit", "Source"])
    rows = (
        ("Discount rate", case.discount_rate, "fraction per year", RATE, "DiscountRate"),
        ("Horizon", case.horizon_years, "years", "0", "Horizon"),
        ("Currency", case.currency, "ISO code", None, "CaseCurrency"),
    )
    for r, (label, value, unit, fmt, name) in enumerate(rows, 5):
        put(ws, r, 1, label)
        fill(put(ws, r, 2, value, fmt), _INPUT_FILL)
        put(ws, r, 3, unit)
        put(ws, r, 4, "case")
        wb.defined_names[name] = DefinedName(name, attr_text=_input("B", r))

    header(ws, 9, ["FX currency", "Rate", "Unit", "Source"])
    fx: list[tuple[str, float | None]] = list(case.fx.items()) or [("", None)]
    for r, (code, rate) in enumerate(fx, 10):
        fill(put(ws, r, 1, code), _INPUT_FILL)
        fill(put(ws, r, 2, rate, "0.0000##"), _INPUT_FILL)
        put(ws, r, 3, f"{case.currency} per unit" if code else "")
        put(ws, r, 4, "case" if code else "")
    last_fx = 9 + len(fx)
    for name, col in (("FXCurrencies", "A"), ("FXRates", "B")):
        wb.defined_names[name] = DefinedName(
            name, attr_text=range_ref(_INPUTS, f"{col}10", f"{col}{last_fx}")
        )

    row = last_fx + 2
    row = _stream_rows(ws, case, row, at)
    row = _cost_rows(ws, case, row + 1, at)
    row = _policy_rows(ws, case, row + 1)
    _pricing_inputs(ws, case, row + 2)
    _fit_columns(ws, first=3, least=11, most=22)
    ws.column_dimensions["A"].width = 30
    _landscape(ws, one_page=False)
    return at


def _fx_formula(currency_cell: str) -> str:
    """The FX rate of the currency in ``currency_cell`` (a reference from :func:`_here`)."""
    return (
        f'=IF(OR({currency_cell}="",{currency_cell}=CaseCurrency),1,'
        f"INDEX(FXRates,MATCH({currency_cell},FXCurrencies,0)))"
    )


def _units_row(ws: Worksheet, row: int, columns: tuple[tuple[str, str], ...]) -> None:
    from openpyxl.styles import Alignment, Font

    header(ws, row, [name for name, _ in columns])
    for c, (_, unit) in enumerate(columns, 1):
        cell = put(ws, row + 1, c, unit)
        cell.font = Font(italic=True, color="595959")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.row_dimensions[row + 1].height = 45


def _stream_rows(ws: Worksheet, case: Case, row: int, at: _Inputs) -> int:
    put(ws, row, 1, "Revenue streams (the customer's revenue or saving at stake)", bold=True)
    _units_row(ws, row + 1, _STREAM_COLUMNS)
    r = row + 3
    for stream in case.revenue:
        at.streams[stream.name] = r
        put(ws, r, 1, stream.name)
        put(ws, r, 2, stream.kind)
        inputs = {
            3: (stream.annual_amount, MONEY),
            6: (stream.growth, RATE),
            7: (stream.capture, RATE),
            8: (stream.margin, RATE),
            9: (stream.start_year, "0"),
            10: (stream.end_year, "0"),
            11: (stream.ramp_years, "0"),
        }
        for c, (value, fmt) in inputs.items():
            fill(put(ws, r, c, value, fmt), _INPUT_FILL)
        fill(put(ws, r, 4, stream.currency or ""), _INPUT_FILL)
        calculated = {
            5: (_fx_formula(_here("D", r)), "0.0000##"),
            12: (f'=IF({_here("J", r)}="",Horizon,{_here("J", r)})', "0"),
            13: ("=" + "*".join(_here(c, r) for c in "CEGH"), MONEY),
        }
        for c, (formula, fmt) in calculated.items():
            fill(put_formula(ws, r, c, formula, fmt), _CALC_FILL)
        put(ws, r, 14, stream.source or "")
        r += 1
    return r


def _kind_choices(ws: Worksheet, ref: str) -> None:
    """A drop-down on the cost kind cells: the formulas test for ``one_time``."""
    from openpyxl.worksheet.datavalidation import DataValidation

    dv = DataValidation(type="list", formula1='"one_time,recurring"', allow_blank=False)
    dv.error = "one_time or recurring"
    dv.add(ref)
    ws.add_data_validation(dv)


def _cost_rows(ws: Worksheet, case: Case, row: int, at: _Inputs) -> int:
    put(ws, row, 1, "Cost items (everything the customer pays, per bid)", bold=True)
    _units_row(ws, row + 1, _COST_COLUMNS)
    r = row + 3
    for bid in case.bids:
        for item in bid.costs:
            at.costs[(bid.name, item.name)] = r
            r += 1
    for bid in case.bids:
        for item in bid.costs:
            r = at.costs[(bid.name, item.name)]
            put(ws, r, 1, bid.name)
            put(ws, r, 2, item.name)
            put(ws, r, 3, item.category)
            fill(put(ws, r, 4, item.kind), _INPUT_FILL)
            inputs = {
                5: (item.amount, MONEY),
                9: (item.percent, RATE),
                10: (item.year, "0"),
                11: (item.start_year, "0"),
                12: (item.end_year, "0"),
                13: (item.escalation, RATE),
            }
            for c, (value, fmt) in inputs.items():
                fill(put(ws, r, c, value, fmt), _INPUT_FILL)
            fill(put(ws, r, 6, item.currency or ""), _INPUT_FILL)
            put(ws, r, 8, ", ".join(item.percent_of))
            kind, year, start_year, end_year, first_year = (_here(c, r) for c in "DJKLN")
            if item.percent_of:
                bases = "+".join(_here("P", at.costs[(bid.name, name)]) for name in item.percent_of)
                amount = f"={_here('I', r)}*({bases})"
            else:
                amount = f"={_here('E', r)}*{_here('G', r)}"
            calculated = {
                7: (_fx_formula(_here("F", r)), "0.0000##"),
                14: (
                    f'=IF({kind}="one_time",IF({year}="",0,{year}),IF({start_year}="",1,{start_year}))',
                    "0",
                ),
                15: (f'=IF({kind}="one_time",{first_year},IF({end_year}="",Horizon,{end_year}))', "0"),
                16: (amount, MONEY),
            }
            for c, (formula, fmt) in calculated.items():
                fill(put_formula(ws, r, c, formula, fmt), _CALC_FILL)
            put(ws, r, 17, item.source or "")
    end = row + 3 + sum(len(b.costs) for b in case.bids)
    if end > row + 3:
        _kind_choices(ws, _span("D", "D", row + 3, end - 1))
    return end


def _policy_rows(ws: Worksheet, case: Case, row: int) -> int:
    policy = case.policy
    put(ws, row, 1, "Review policy (used for the flags; not live)", bold=True)
    header(ws, row + 1, ["Policy", "Value", "Unit", "Source"])
    units = {
        "max_payback_years": "years",
        "min_benefit_cost_ratio": "ratio",
        "min_benefit_headroom": "share 0..1",
        "stress_benefit_cut": "share 0..1",
        "max_loss_probability": "probability 0..1",
        "require_source": "TRUE/FALSE",
    }
    r = row + 2
    for name, unit in units.items():
        value = getattr(policy, name)
        put(ws, r, 1, name)
        if value is None or isinstance(value, bool):
            put(ws, r, 2, "none" if value is None else str(value).upper())
        else:
            put(ws, r, 2, value)
        put(ws, r, 3, unit)
        put(ws, r, 4, "case")
        r += 1
    put(ws, r, 1, "severity")
    put(ws, r, 2, ", ".join(f"{code}={level}" for code, level in policy.severity.items()) or "defaults")
    put(ws, r, 3, "flag code = error/warning/info")
    return r + 1


_PRICING_COST_COLUMNS = (
    ("Bid", "text"),
    ("Option", "empty = base offer"),
    ("Side", "customer or vendor"),
    ("Item", "text"),
    ("Category", "choice"),
    ("Kind", "one_time or recurring"),
    ("Amount", "item currency (per year if recurring)"),
    ("Currency", "ISO code; empty = case currency"),
    ("Percent of", "one-time items of the bid"),
    ("Percent", "fraction"),
    ("Year", "year of a one-time cost; empty = 0"),
    ("Start year", "first year if recurring; empty = 1"),
    ("End year", "last year if recurring; empty = horizon"),
    ("Escalation", "fraction per year"),
    ("Source", "text"),
)


def _pricing_inputs(ws: Worksheet, case: Case, row: int) -> int:
    """The vendor side and the scope options: inputs of the Pricing sheet, listed as plain values."""
    margins = [b for b in case.bids if b.min_margin is not None]
    options = [(b, o) for b in case.bids for o in b.options]
    costs: list[tuple[str, str, str, CostItem]] = []  # the base offer's customer costs are above
    for bid in case.bids:
        costs += [(bid.name, "", "vendor", item) for item in bid.vendor_costs]
        for option in bid.options:
            costs += [(bid.name, option.name, "customer", item) for item in option.costs]
            costs += [(bid.name, option.name, "vendor", item) for item in option.vendor_costs]
    if not (margins or options or costs):
        return row
    put(
        ws,
        row,
        1,
        "Vendor side and scope options (inputs of the Pricing sheet; plain values, not live)",
        bold=True,
    )
    r = row + 1
    if margins:
        header(ws, r, ["Bid", "Vendor minimum margin", "Unit", "Source"])
        for bid in margins:
            r += 1
            put(ws, r, 1, bid.name)
            put(ws, r, 2, bid.min_margin, RATE)
            put(ws, r, 3, "fraction of the customer's payments, in PV")
            put(ws, r, 4, "case")
        r += 2
    if options:
        header(ws, r, ["Bid", "Option", "Adds to the scope"])
        for bid, option in options:
            r += 1
            put(ws, r, 1, bid.name)
            put(ws, r, 2, option.name)
            put(ws, r, 3, ", ".join(option.scope))
        r += 2
    if costs:
        _units_row(ws, r, _PRICING_COST_COLUMNS)
        r += 1
        for bid_name, option_name, side, item in costs:
            r += 1
            for c, text in ((1, bid_name), (2, option_name), (3, side), (4, item.name), (5, item.category)):
                put(ws, r, c, text)
            put(ws, r, 6, item.kind)
            values = {
                7: (item.amount, MONEY),
                10: (item.percent, RATE),
                11: (item.year, "0"),
                12: (item.start_year, "0"),
                13: (item.end_year, "0"),
                14: (item.escalation, RATE),
            }
            for c, (value, fmt) in values.items():
                put(ws, r, c, value, fmt)
            put(ws, r, 8, item.currency or "")
            put(ws, r, 9, ", ".join(item.percent_of))
            put(ws, r, 15, item.source or "")
        r += 1
    return r


# --------------------------------------------------------------------------
# one cash-flow sheet per bid
# --------------------------------------------------------------------------


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


def _landscape(ws: Worksheet, *, one_page: bool) -> None:
    """Print landscape, one page wide (and one page tall when ``one_page``)."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 1 if one_page else 0


# --------------------------------------------------------------------------
# Summary and Flags
# --------------------------------------------------------------------------

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
        "year; the chart shows it where a line crosses zero.",
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


# --------------------------------------------------------------------------
# public
# --------------------------------------------------------------------------


def report_workbook(analysis: Analysis) -> Workbook:
    """Build the report workbook of an analysis (in memory).

    Parameters
    ----------
    analysis : Analysis
        The result of :func:`bidfit.analyze`.

    Returns
    -------
    openpyxl.Workbook
        Sheets ``Summary``, ``Flags``, ``Pricing``
        (:func:`bidfit.present.report_pricing.add_pricing_sheet`), ``Inputs``
        and one cash-flow sheet per bid (named after the bid, made valid and
        unique).

    Examples
    --------
    >>> import bidfit
    >>> wb = report_workbook(bidfit.analyze(bidfit.load_sample("norway_roaming")))
    >>> wb.sheetnames
    ['Summary', 'Flags', 'Pricing', 'Inputs', 'Vendor A', 'Competitor B']
    >>> wb["Summary"]["E7"].value
    "='Vendor A'!$C$16+NPV(DiscountRate,'Vendor A'!$D$16:$H$16)"
    """
    from openpyxl import Workbook

    case = analysis.case
    wb = Workbook()
    summary = wb.active
    assert summary is not None
    summary.title = "Summary"
    _flags_sheet(wb, analysis)
    add_pricing_sheet(wb, analysis)
    at = _inputs_sheet(wb, case)
    taken = list(wb.sheetnames)
    sheets: dict[str, _BidSheet] = {}
    for result in analysis:
        title = safe_sheet_title(result.name, taken)
        taken.append(title)
        sheets[result.name] = _bid_sheet(wb, result, case, at, title)
    _summary_sheet(summary, analysis, sheets)
    wb.calculation.fullCalcOnLoad = True
    return wb
