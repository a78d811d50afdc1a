"""The ``Inputs`` sheet of the report workbook: the assumptions register that every formula reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bidfit.io.xlsx.write import put, put_formula, range_ref
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
    _landscape,
    _span,
    fill,
    header,
)

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

    from bidfit.model.case import Case, CostItem


@dataclass
class _Inputs:
    """Where each input lives on the Inputs sheet (row numbers)."""

    streams: dict[str, int] = field(default_factory=dict)
    costs: dict[tuple[str, str], int] = field(default_factory=dict)


def _column(model: str, name: str) -> tuple[str, str]:
    """An input field's column in the register: its label and unit, from the field registry."""
    spec = field_spec(model, name)
    return spec.label, spec.register_unit


_STREAM_COLUMNS = (
    _column("revenue", "name"),
    _column("revenue", "kind"),
    _column("revenue", "annual_amount"),
    _column("revenue", "currency"),
    ("FX rate", "case currency per unit (calculated)"),
    _column("revenue", "growth"),
    _column("revenue", "capture"),
    _column("revenue", "margin"),
    _column("revenue", "start_year"),
    _column("revenue", "end_year"),
    _column("revenue", "ramp_years"),
    ("Last year", "year (calculated)"),
    ("Benefit base", "case currency per year (calculated)"),
    _column("revenue", "source"),
)
_COST_COLUMNS = (
    ("Bid", "text"),
    _column("cost", "name"),
    _column("cost", "category"),
    _column("cost", "kind"),
    _column("cost", "amount"),
    _column("cost", "currency"),
    ("FX rate", "case currency per unit (calculated)"),
    _column("cost", "percent_of"),
    _column("cost", "percent"),
    _column("cost", "year"),
    _column("cost", "start_year"),
    _column("cost", "end_year"),
    _column("cost", "escalation"),
    ("First year", "year (calculated)"),
    ("Last year", "year (calculated)"),
    ("Amount [case]", "case currency (calculated)"),
    _column("cost", "source"),
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
        (*_column("case", "discount_rate"), case.discount_rate, RATE, "DiscountRate"),
        (*_column("case", "horizon_years"), case.horizon_years, "0", "Horizon"),
        (*_column("case", "currency"), case.currency, None, "CaseCurrency"),
    )
    for r, (label, unit, value, fmt, name) in enumerate(rows, 5):
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
        name: field_spec("policy", name).register_unit
        for name in (
            "max_payback_years",
            "min_benefit_cost_ratio",
            "min_benefit_headroom",
            "stress_benefit_cut",
            "max_loss_probability",
            "require_source",
        )
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
