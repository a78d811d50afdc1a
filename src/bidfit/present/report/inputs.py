"""The ``Inputs`` sheet of the report workbook: the assumptions register that every formula reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bidfit.io.xlsx.write import cell_ref, put, put_formula, range_ref
from bidfit.model.fields import field_spec
from bidfit.present.report.cells import (
    _CALC_FILL,
    _INPUT_FILL,
    _INPUTS,
    MONEY,
    RATE,
    _fit_columns,
    _here,
    _input,
    _span,
    column_letter,
    fill,
    fit_row_height,
    header,
    print_setup,
    wrap_across,
    wrap_clipped,
)

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

    from bidfit.model.case import Case, CostItem


@dataclass
class _Inputs:
    """Where each input and each line's calculated constants live (row numbers on Inputs and Calculations)."""

    streams: dict[str, int] = field(default_factory=dict)
    costs: dict[tuple[str, str], int] = field(default_factory=dict)
    stream_calc: dict[str, int] = field(default_factory=dict)
    cost_calc: dict[tuple[str, str], int] = field(default_factory=dict)
    units_rows: list[int] = field(default_factory=list)
    sources: list[tuple[int, int]] = field(default_factory=list)


def _column(model: str, name: str) -> tuple[str, str]:
    """An input field's column in the register: its label and unit, from the field registry."""
    spec = field_spec(model, name)
    return spec.label, spec.register_unit


_STREAM_COLUMNS = (
    _column("revenue", "name"),
    _column("revenue", "kind"),
    _column("revenue", "annual_amount"),
    _column("revenue", "currency"),
    _column("revenue", "growth"),
    _column("revenue", "capture"),
    _column("revenue", "margin"),
    _column("revenue", "start_year"),
    _column("revenue", "end_year"),
    _column("revenue", "ramp_years"),
    _column("revenue", "source"),
)
STREAM_AMOUNT, STREAM_CURRENCY, STREAM_GROWTH, STREAM_START, STREAM_END, STREAM_RAMP = (
    "C",
    "D",
    "E",
    "H",
    "I",
    "J",
)
"""Columns of a revenue stream's inputs on Inputs."""
_COST_COLUMNS = (
    ("Bid", "text"),
    _column("cost", "name"),
    _column("cost", "category"),
    _column("cost", "kind"),
    _column("cost", "amount"),
    _column("cost", "currency"),
    _column("cost", "percent_of"),
    _column("cost", "percent"),
    _column("cost", "year"),
    _column("cost", "start_year"),
    _column("cost", "end_year"),
    _column("cost", "escalation"),
    _column("cost", "source"),
)
COST_KIND, COST_AMOUNT, COST_CURRENCY, COST_PERCENT_OF, COST_PERCENT = "D", "E", "F", "G", "H"
COST_YEAR, COST_START, COST_END, COST_ESCALATION = "I", "J", "K", "L"
"""Columns of a cost item's inputs on Inputs."""

CALCULATIONS = "Calculations"
"""The sheet of calculated constants per line (FX rate, first and last year, amount in the case currency)."""
CALC_FX, CALC_FIRST, CALC_LAST, CALC_AMOUNT, CALC_ONE_TIME, CALC_LINKED, CALC_OTHER = (
    "C",
    "D",
    "E",
    "F",
    "G",
    "H",
    "I",
)
"""Columns of the Calculations sheet (the same for streams and costs)."""


def _calc(col: str, row: int) -> str:
    """An absolute reference to a cell of the Calculations sheet: ``'Calculations'!$F$6``."""
    return cell_ref(CALCULATIONS, f"{col}{row}")


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
        "checks on Summary then show that the printed figures no longer match). The Calculations sheet "
        "derives each line's FX rate, years and amount from them. Years run 0..horizon; extending the "
        "horizon beyond the report's last year needs a new report.",
    )
    header(ws, 4, ["Case input", "Value", "Unit", "Source"])
    rows = (
        (*_column("case", "discount_rate"), case.discount_rate, RATE, "DiscountRate", "case"),
        (*_column("case", "horizon_years"), case.horizon_years, "0", "Horizon", "case"),
        (*_column("case", "currency"), case.currency, None, "CaseCurrency", "case"),
        (
            "Check tolerance",
            "relative (absolute below 1)",
            CHECK_TOLERANCE,
            "0E+0",
            "CheckTolerance",
            "report",
        ),
    )
    for r, (label, unit, value, fmt, name, source) in enumerate(rows, 5):
        put(ws, r, 1, label)
        fill(put(ws, r, 2, value, fmt), _INPUT_FILL)
        put(ws, r, 3, unit)
        put(ws, r, 4, source)
        wb.defined_names[name] = DefinedName(name, attr_text=_input("B", r))

    header(ws, 10, ["FX currency", "Rate", "Unit", "Source"])
    fx: list[tuple[str, float | None]] = list(case.fx.items()) or [("", None)]
    for r, (code, rate) in enumerate(fx, 11):
        fill(put(ws, r, 1, code), _INPUT_FILL)
        fill(put(ws, r, 2, rate, "0.0000##"), _INPUT_FILL)
        put(ws, r, 3, f"{case.currency} per unit" if code else "")
        put(ws, r, 4, "case" if code else "")
    last_fx = 10 + len(fx)
    for name, col in (("FXCurrencies", "A"), ("FXRates", "B")):
        wb.defined_names[name] = DefinedName(
            name, attr_text=range_ref(_INPUTS, f"{col}11", f"{col}{last_fx}")
        )

    row = last_fx + 2
    row = _stream_rows(ws, case, row, at)
    row = _cost_rows(ws, case, row + 1, at)
    row = _policy_rows(ws, case, row + 1)
    _pricing_inputs(ws, case, row + 2, at)
    _fit_columns(ws, first=3, least=10, most=18)
    ws.column_dimensions["A"].width = 30
    ws.column_dimensions["B"].width = 30  # stream kinds, cost item names, options
    _wrap_sources(ws, at.sources)
    wrap_clipped(ws, first_row=3)
    _fit_units_rows(ws, at.units_rows)
    wrap_across(ws, 2, 8)
    print_setup(ws, title_rows="1:1")
    _calculations_sheet(wb, case, at)
    return at


CHECK_TOLERANCE = 1e-6
"""How far a live figure may stray from the printed one: relative, or absolute below 1 [fraction]."""


def _fx_formula(currency_cell: str) -> str:
    """The FX rate of the currency in ``currency_cell`` (an absolute reference to Inputs)."""
    return (
        f'=IF(OR({currency_cell}="",{currency_cell}=CaseCurrency),1,'
        f"INDEX(FXRates,MATCH({currency_cell},FXCurrencies,0)))"
    )


def _units_row(ws: Worksheet, row: int, columns: tuple[tuple[str, str], ...], at: _Inputs) -> None:
    from openpyxl.styles import Alignment, Font

    header(ws, row, [name for name, _ in columns])
    for c, (_, unit) in enumerate(columns, 1):
        cell = put(ws, row + 1, c, unit)
        cell.font = Font(italic=True, color="595959")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    at.units_rows += [row, row + 1]


_LAST_INPUT_COLUMN = 15
"""The register's widest table ends in column O."""


def _wrap_sources(ws: Worksheet, cells: list[tuple[int, int]]) -> None:
    """Each source wrapped across the columns right of it up to column O, its row as tall as it needs."""
    from openpyxl.styles import Alignment

    for row, col in cells:
        cell = ws.cell(row, col)
        if not cell.value:
            continue
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if col < _LAST_INPUT_COLUMN:
            ws.merge_cells(start_row=row, start_column=col, end_row=row, end_column=_LAST_INPUT_COLUMN)
        width = sum(
            ws.column_dimensions[column_letter(c)].width or 13 for c in range(col, _LAST_INPUT_COLUMN + 1)
        )
        fit_row_height(ws, row, str(cell.value), width)


def _fit_units_rows(ws: Worksheet, rows: list[int]) -> None:
    """Rows of wrapped headers and unit hints tall enough to show every word (after the widths are set)."""
    for row in rows:
        for cell in ws[row]:
            if isinstance(cell.value, str) and cell.value:
                width = ws.column_dimensions[cell.column_letter].width or 13
                fit_row_height(ws, row, cell.value, width)


def _stream_rows(ws: Worksheet, case: Case, row: int, at: _Inputs) -> int:
    put(ws, row, 1, "Revenue streams (the customer's revenue or saving at stake)", bold=True)
    _units_row(ws, row + 1, _STREAM_COLUMNS, at)
    r = row + 3
    for stream in case.revenue:
        at.streams[stream.name] = r
        put(ws, r, 1, stream.name)
        put(ws, r, 2, stream.kind)
        inputs = {
            3: (stream.annual_amount, MONEY),
            5: (stream.growth, RATE),
            6: (stream.capture, RATE),
            7: (stream.margin, RATE),
            8: (stream.start_year, "0"),
            9: (stream.end_year, "0"),
            10: (stream.ramp_years, "0"),
        }
        for c, (value, fmt) in inputs.items():
            fill(put(ws, r, c, value, fmt), _INPUT_FILL)
        fill(put(ws, r, 4, stream.currency or ""), _INPUT_FILL)
        put(ws, r, 11, stream.source or "")
        at.sources.append((r, 11))
        r += 1
    return r


def _kind_choices(ws: Worksheet, ref: str) -> None:
    """A drop-down on the cost kind cells: the formulas test for ``one_time``."""
    from openpyxl.worksheet.datavalidation import DataValidation

    dv = DataValidation(type="list", formula1='"one_time,recurring"', allow_blank=False)
    dv.error = "one_time or recurring"
    dv.add(ref)
    ws.add_data_validation(dv)


def _item_cells(ws: Worksheet, r: int, kind_column: int, item: CostItem, *, live: bool) -> None:
    """A cost item's cells from its kind on: kind, amount, currency, percent_of, percent, year,
    start and end year, escalation, source. ``live`` marks the cells the bid sheets read as inputs."""
    cells: list[tuple[object, str | None, bool]] = [
        (item.kind, None, True),
        (item.amount, MONEY, True),
        (item.currency or "", None, True),
        (", ".join(item.percent_of), None, False),
        (item.percent, RATE, True),
        (item.year, "0", True),
        (item.start_year, "0", True),
        (item.end_year, "0", True),
        (item.escalation, RATE, True),
        (item.source or "", None, False),
    ]
    for c, (value, fmt, is_input) in enumerate(cells, kind_column):
        cell = put(ws, r, c, value, fmt)
        if live and is_input:
            fill(cell, _INPUT_FILL)


def _cost_rows(ws: Worksheet, case: Case, row: int, at: _Inputs) -> int:
    put(ws, row, 1, "Cost items (everything the customer pays, per bid)", bold=True)
    _units_row(ws, row + 1, _COST_COLUMNS, at)
    r = row + 3
    for bid in case.bids:
        for item in bid.costs:
            at.costs[(bid.name, item.name)] = r
            put(ws, r, 1, bid.name)
            put(ws, r, 2, item.name)
            put(ws, r, 3, item.category)
            _item_cells(ws, r, 4, item, live=True)
            at.sources.append((r, 13))
            r += 1
    if r > row + 3:
        _kind_choices(ws, _span("D", "D", row + 3, r - 1))
    return r


def _calculations_sheet(wb: Workbook, case: Case, at: _Inputs) -> None:
    """The constants of every line, calculated from the inputs: FX rate, first and last year, amount.

    One row per revenue stream and per cost item, each cell a formula on the
    Inputs sheet (nothing here is an input); the bid sheets read them.
    """
    from openpyxl.styles import Font

    ws = wb.create_sheet(CALCULATIONS)
    cur = case.currency
    put(ws, 1, 1, "Calculations: each line's constants, from the Inputs sheet").font = Font(
        bold=True, size=14
    )
    put(
        ws,
        2,
        1,
        "Grey cells are calculated (no inputs here). Amounts are in the case currency; a cost priced as a "
        "percent of other items takes that percent of their amounts. The flags split the costs into the "
        "groups of the break-even figures.",
    )
    header(
        ws,
        4,
        ["Revenue stream", "", "FX rate", "First year", "Last year", f"Benefit base [{cur} per year]"],
    )
    r = 5
    for stream in case.revenue:
        at.stream_calc[stream.name] = r
        i = at.streams[stream.name]
        put(ws, r, 1, stream.name)
        end = _input(STREAM_END, i)
        formulas = {
            3: (_fx_formula(_input(STREAM_CURRENCY, i)), "0.0000##"),
            4: (f"={_input(STREAM_START, i)}", "0"),
            5: (f'=IF({end}="",Horizon,{end})', "0"),
            6: ("=" + "*".join([*(_input(c, i) for c in (STREAM_AMOUNT, "F", "G")), _here("C", r)]), MONEY),
        }
        for c, (formula, fmt) in formulas.items():
            fill(put_formula(ws, r, c, formula, fmt), _CALC_FILL)
        r += 1
    r += 1
    top = r
    header(
        ws,
        top,
        [
            "Bid",
            "Cost item",
            "FX rate",
            "First year",
            "Last year",
            f"Amount [{cur}]",
            "One-time (1) or not (0)",
            "Fee linked to the price (1) or not (0)",
            "Other recurring (1) or not (0)",
        ],
    )
    at.units_rows.append(top)
    r = top + 1
    for bid in case.bids:
        for item in bid.costs:
            at.cost_calc[(bid.name, item.name)] = r
            r += 1
    for bid in case.bids:
        for item in bid.costs:
            r = at.cost_calc[(bid.name, item.name)]
            i = at.costs[(bid.name, item.name)]
            put(ws, r, 1, bid.name)
            put(ws, r, 2, item.name)
            kind, year, start, end = (_input(c, i) for c in (COST_KIND, COST_YEAR, COST_START, COST_END))
            if item.percent_of:
                bases = "+".join(
                    _here(CALC_AMOUNT, at.cost_calc[(bid.name, name)]) for name in item.percent_of
                )
                amount = f"={_input(COST_PERCENT, i)}*({bases})"
            else:
                amount = f"={_input(COST_AMOUNT, i)}*{_here(CALC_FX, r)}"
            first = _here(CALC_FIRST, r)
            formulas = {
                3: (_fx_formula(_input(COST_CURRENCY, i)), "0.0000##"),
                4: (f'=IF({kind}="one_time",IF({year}="",0,{year}),IF({start}="",1,{start}))', "0"),
                5: (f'=IF({kind}="one_time",{first},IF({end}="",Horizon,{end}))', "0"),
                6: (amount, MONEY),
                7: (f'=IF({kind}="one_time",1,0)', "0"),
                8: (f'=IF(AND({kind}<>"one_time",{_input(COST_PERCENT_OF, i)}<>""),1,0)', "0"),
                9: (f"=1-{_here(CALC_ONE_TIME, r)}-{_here(CALC_LINKED, r)}", "0"),
            }
            for c, (formula, fmt) in formulas.items():
                fill(put_formula(ws, r, c, formula, fmt), _CALC_FILL)
    _fit_columns(ws, first=5, least=11, most=30)
    for col in "CDEFGHI":
        ws.column_dimensions[col].width = 14
    _fit_units_rows(ws, [4, top])
    wrap_clipped(ws, first_row=3)
    wrap_across(ws, 2, 9)
    print_setup(ws, title_rows="1:1")


def _policy_rows(ws: Worksheet, case: Case, row: int) -> int:
    policy = case.policy
    put(ws, row, 1, "Review policy (used for the flags; not live)", bold=True)
    header(ws, row + 1, ["Policy", "Value", "Unit", "Source"])
    # Every policy field but severity (a mapping, listed last), in the model's order.
    units = {
        name: field_spec("policy", name).register_unit
        for name in type(policy).model_fields
        if name != "severity"
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
    put(ws, r, 3, field_spec("policy", "severity").register_unit)
    return r + 1


_PRICING_COST_COLUMNS = (
    ("Bid", "text"),
    ("Option", "empty = base offer"),
    ("Side", "customer or vendor"),
    _column("cost", "name"),
    _column("cost", "category"),
    _column("cost", "kind"),
    _column("cost", "amount"),
    _column("cost", "currency"),
    ("Percent of", "one-time items of the bid"),
    _column("cost", "percent"),
    _column("cost", "year"),
    _column("cost", "start_year"),
    _column("cost", "end_year"),
    _column("cost", "escalation"),
    _column("cost", "source"),
)


def _pricing_inputs(ws: Worksheet, case: Case, row: int, at: _Inputs) -> int:
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
        header(ws, r, ["Bid", field_spec("bid", "min_margin").label, "Unit", "Source"])
        for bid in margins:
            r += 1
            put(ws, r, 1, bid.name)
            put(ws, r, 2, bid.min_margin, RATE)
            put(ws, r, 3, field_spec("bid", "min_margin").register_unit)
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
        _units_row(ws, r, _PRICING_COST_COLUMNS, at)
        r += 1
        for bid_name, option_name, side, item in costs:
            r += 1
            for c, text in ((1, bid_name), (2, option_name), (3, side), (4, item.name), (5, item.category)):
                put(ws, r, c, text)
            _item_cells(ws, r, 6, item, live=False)
            at.sources.append((r, 15))
        r += 1
    return r
