"""The input workbook template: empty, or filled from a case.

:func:`template_workbook` builds the workbook that :func:`bidfit.io.xlsx.read.read_workbook`
reads: an ``Instructions`` sheet, then ``Case``, ``Revenue``, ``Bids``,
``Options``, ``Costs``, ``Policy``, ``FX`` and ``Uncertainty`` with a header
row of the field names. Each header carries a comment saying what the field means and its
unit; enumerated fields have drop-down lists, each offering only values the reader accepts
(the currency of an amount: a code listed on ``FX``; a flag's severity: ``error``,
``warning`` or ``info`` on its ``severity.CODE`` row of ``Policy``); rates are formatted as
percentages and amounts with thousands separators; header rows are frozen.
Every cell is written by :func:`bidfit.io.xlsx.write.put` (text as inert text), and every
reference of a drop-down list is built by :func:`bidfit.io.xlsx.write.range_ref`.

A template filled from a case reads back into the same case
(``read_workbook(path) == case``), the vendor side and scope options included:
each bid's ``Costs`` rows come in the order base offer (customer, then
``side`` vendor), then each option (customer, then vendor).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bidfit.errors import InputError, Problem
from bidfit.flags import FLAG_CODES, SEVERITIES
from bidfit.io.xlsx.layout import SHEETS, SheetSpec
from bidfit.io.xlsx.write import cell_ref, clean_text, put, range_ref, save_workbook
from bidfit.model.base import COST_CATEGORIES, DISTRIBUTION_PARAMETERS, FIELD_HINTS
from bidfit.model.case import Case, CostItem
from bidfit.model.fields import FIELDS, MODELS

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

__all__ = ["FIELD_HELP", "template_workbook", "write_template"]

_DISTRIBUTIONS = tuple(DISTRIBUTION_PARAMETERS)
_STREAM_KINDS = ("revenue", "saving", "avoided_cost")
_COST_KINDS = ("one_time", "recurring")
_SIDES = ("customer", "vendor")
_CURRENCIES = (
    "EUR",
    "USD",
    "GBP",
    "CHF",
    "NOK",
    "SEK",
    "DKK",
    "PLN",
    "CZK",
    "HUF",
    "RON",
    "TRY",
    "JPY",
    "CNY",
    "INR",
    "AUD",
    "CAD",
    "BRL",
    "MXN",
    "ZAR",
    "NGN",
    "KES",
    "EGP",
    "MAD",
    "AED",
    "SAR",
)
_ROWS_FORMATTED = 500  # rows below the header that get drop-downs
_CHOICE = re.compile(r"[A-Za-z0-9_]+")

_MODEL_SHEETS: dict[str, str] = {
    "case": "Case",
    "revenue": "Revenue",
    "bid": "Bids",
    "option": "Options",
    "cost": "Costs",
    "policy": "Policy",
    "uncertainty": "Uncertainty",
}
"""The sheet holding each model's fields."""

FIELD_HELP: dict[tuple[str, str], tuple[str, str]] = {
    **{
        (_MODEL_SHEETS[spec.model], spec.column): (spec.description, spec.workbook_unit)
        for spec in FIELDS.values()
        if spec.column is not None and spec.workbook_unit
    },
    ("Options", "bid"): ("The bid the option extends: a name from the Bids sheet.", "text"),
    ("Costs", "bid"): ("The bid this cost belongs to: a name from the Bids sheet.", "text"),
    ("Costs", "side"): (
        "customer: what the customer pays (empty = customer); vendor: the vendor's own cost to deliver "
        "the bid, for its floor price and margin.",
        "choice",
    ),
    ("Costs", "option"): (
        "Empty for the base offer; or the name of a scope option of the bid (listed on the Options "
        "sheet) that this cost belongs to.",
        "text",
    ),
    ("FX", "currency"): (
        "A currency used by a row of Revenue or Costs other than the case currency.",
        "ISO code",
    ),
    ("FX", "rate"): ("Units of case currency per unit of this currency (EUR per USD: 0.92).", "rate"),
}
"""What each field means and its unit, by (sheet, field); the header comments (model fields
from :data:`~bidfit.model.fields.FIELDS`, plus the workbook's own columns)."""

_PERCENT = "0.0##%"
_MONEY = "#,##0"
_FORMATS: dict[str, str] = {
    "discount_rate": _PERCENT,
    "growth": _PERCENT,
    "capture": _PERCENT,
    "margin": _PERCENT,
    "percent": _PERCENT,
    "escalation": _PERCENT,
    "min_benefit_headroom": _PERCENT,
    "stress_benefit_cut": _PERCENT,
    "max_loss_probability": _PERCENT,
    "min_margin": _PERCENT,
    "annual_amount": _MONEY,
    "amount": _MONEY,
    "horizon_years": "0",
    "start_year": "0",
    "end_year": "0",
    "year": "0",
    "ramp_years": "0",
    "rate": "0.0000##",
    "min_benefit_cost_ratio": "0.00",
    "max_payback_years": "0.0",
}

_INSTRUCTIONS = (
    "bidfit input workbook",
    "",
    "Fill one sheet per part of the business case, then run:  bidfit analyze THIS.xlsx -o report.xlsx",
    "",
    "Case: one row per field (name, customer, currency, horizon_years, discount_rate).",
    "Revenue: one row per revenue stream, saving or avoided cost the bids can affect.",
    "Bids: one row per bid (name, vendor, scope, min_margin). Without this sheet each distinct bid on Costs "
    "is a bid.",
    "Options (optional): one row per scope option of a bid (bid, option, scope: the revenue streams it adds).",
    "Costs: one row per cost item; the bid column names the bid. side: empty or customer for what the customer "
    "pays,",
    "   vendor for the vendor's own delivery cost (with min_margin on Bids: the vendor's floor and the deal "
    "room).",
    "   option: empty for the base offer, or the name of the scope option (from Options) the cost belongs to.",
    "Policy (optional): review thresholds; empty values keep the defaults. To change how severe a flag is,",
    "   pick error, warning or info on its severity.CODE row (empty keeps the flag's own severity).",
    "FX (optional): units of case currency per unit of each other currency used.",
    "Uncertainty (optional): distributions on inputs, for bidfit's simulation.",
    "",
    "Each header has a comment with the field's meaning and unit (hover over it).",
    "Rates and shares are fractions: type 8% or 0.08. Amounts are plain numbers: 1200000, not 1.2M.",
    "Empty cells take the default named in the header comment. Blank rows are skipped.",
    "Text typed as a number is read only when it is unambiguous: 1 200 000 and 1,200,000 are read;",
    "1.200 and 1,200 are refused (1200 or 1.2?). Formulas are fine once the workbook is saved,",
    "because bidfit reads the saved result and never calculates.",
    "Years run 0..horizon: year 0 is signature and installation, cash flows fall at the end of each year.",
)


def _comment(cell: Any, text: str) -> None:
    """A header's comment; each of its lines cleaned like a cell's text."""
    from openpyxl.comments import Comment

    note = Comment("\n".join(clean_text(line) for line in text.split("\n")), "bidfit")
    note.width, note.height = 320, 140
    cell.comment = note


def _style_header(cell: Any, comment: str) -> None:
    from openpyxl.styles import Font, PatternFill

    cell.font = Font(bold=True, color="FFFFFF")
    cell.fill = PatternFill("solid", fgColor="1F4E78")
    _comment(cell, comment)


def _help(sheet: str, name: str) -> str:
    meaning, unit = FIELD_HELP.get((sheet, name), ("", ""))
    valid = FIELD_HINTS.get(name)
    lines = [f"{name}: {meaning}", f"Unit: {unit}."]
    if valid and unit not in ("text", "choice"):
        lines.append(f"Valid: {valid}.")
    return "\n".join(lines)


def _set(ws: Worksheet, row: int, col: int, value: Any, name: str) -> None:
    """Write one input value: numbers (and TRUE/FALSE) as such, lists joined by commas, the rest as text."""
    if value is None or value == "" or value == []:
        return
    if isinstance(value, list):
        value = ", ".join(map(str, value))
    cell = put(ws, row, col, value)
    if name in _FORMATS:
        cell.number_format = _FORMATS[name]


def _choice_list(values: tuple[str, ...]) -> str:
    """A drop-down's list of choices as a formula: ``"one_time,recurring"``.

    Examples
    --------
    >>> _choice_list(("customer", "vendor"))
    '"customer,vendor"'
    """
    odd = [v for v in values if not _CHOICE.fullmatch(v)]
    if odd:
        raise ValueError(f"a choice must be a plain word: {odd!r}")
    return '"' + ",".join(values) + '"'


def _list_validation(ws: Worksheet, values: tuple[str, ...], ref: str, *, strict: bool = True) -> None:
    from openpyxl.worksheet.datavalidation import DataValidation

    dv = DataValidation(type="list", formula1=_choice_list(values), allow_blank=True)
    dv.errorStyle = "stop" if strict else "warning"
    dv.errorTitle = "Not in the list"
    dv.error = clean_text("Choose one of: " + ", ".join(values))
    dv.add(ref)
    ws.add_data_validation(dv)


def _year_validation(ws: Worksheet, ref: str) -> None:
    from openpyxl.worksheet.datavalidation import DataValidation

    dv = DataValidation(type="whole", operator="between", formula1="0", formula2="100", allow_blank=True)
    dv.errorTitle = "A whole year"
    dv.error = "Type a whole year from 0 to the horizon (years run 0..horizon_years)."
    dv.add(ref)
    ws.add_data_validation(dv)


def _widths(ws: Worksheet, widths: dict[int, float]) -> None:
    from openpyxl.utils import get_column_letter

    for col, width in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = width


def _currencies(case: Case | None) -> tuple[str, ...]:
    """The currency choices: the case's own codes (three letters, as validated), then common ones."""
    extra = [case.currency, *case.fx] if case is not None else []
    return tuple(dict.fromkeys([*(c for c in extra if re.fullmatch("[A-Z]{3}", c)), *_CURRENCIES]))


def _fields_sheet(wb: Workbook, spec: SheetSpec, rows: list[tuple[str, Any]], case: Case | None) -> None:
    """A field/value sheet (Case, Policy): one row per field, the field cell commented."""
    ws = wb.create_sheet(spec.name)
    for col, title in enumerate(("field", "value"), 1):
        put(ws, 1, col, title)
        _style_header(
            ws.cell(1, col),
            "field: the name of the setting.\nvalue: its value."
            if col == 1
            else "The value; see the comment on each field name.",
        )
    for r, (label, value) in enumerate(rows, 2):
        name = "severity" if label.startswith("severity") else label
        cell = put(ws, r, 1, label)
        _comment(cell, _help(spec.name, name))
        _set(ws, r, 2, value, name)
        if name in _FORMATS:
            ws.cell(r, 2).number_format = _FORMATS[name]  # also for a value typed later
        value_cell = cell_ref(None, f"B{r}", absolute=False)
        if name == "currency":
            _list_validation(ws, _currencies(case), value_cell, strict=False)
        elif name == "severity":
            _list_validation(ws, SEVERITIES, value_cell)
        elif name == "require_source":
            _list_validation(ws, ("TRUE", "FALSE"), value_cell)
    ws.freeze_panes = "A2"
    _widths(ws, {1: 26, 2: 40})


def _table_sheet(wb: Workbook, spec: SheetSpec, rows: list[dict[str, Any]], case: Case | None) -> None:
    """A table sheet: header of field names, then one row per item."""
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(spec.name)
    last = _ROWS_FORMATTED + 1
    for col, name in enumerate(spec.columns, 1):
        put(ws, 1, col, name)
        _style_header(ws.cell(1, col), _help(spec.name, name))
        letter = get_column_letter(col)
        span = range_ref(None, f"{letter}2", f"{letter}{last}", absolute=False)
        if name in _FORMATS:
            ws.column_dimensions[letter].number_format = _FORMATS[name]
        choices = _choices(spec.name, name)
        if choices:
            _list_validation(ws, choices, span)
        elif name == "currency" and spec.name == "FX":
            _list_validation(ws, _currencies(case), span, strict=False)
        elif name == "currency":
            _fx_currency_validation(ws, span)
        elif name in ("year", "start_year", "end_year", "ramp_years"):
            _year_validation(ws, span)
        elif (spec.name, name) in (("Costs", "bid"), ("Options", "bid")):
            _bid_validation(ws, span)
        elif (spec.name, name) == ("Costs", "option"):
            _option_validation(ws, span)
        text_wide = name in (
            "name",
            "source",
            "scope",
            "percent_of",
            "target",
            "vendor",
            "bid",
            "correlated_with",
            "option",
        )
        ws.column_dimensions[letter].width = 30 if text_wide else max(12, len(name) + 4)
    for r, item in enumerate(rows, 2):
        for col, name in enumerate(spec.columns, 1):
            _set(ws, r, col, item.get(name), name)
    ws.freeze_panes = "B2"


def _choices(sheet: str, name: str) -> tuple[str, ...]:
    return {
        ("Revenue", "kind"): _STREAM_KINDS,
        ("Costs", "kind"): _COST_KINDS,
        ("Costs", "category"): COST_CATEGORIES,
        ("Costs", "side"): _SIDES,
        ("Uncertainty", "distribution"): _DISTRIBUTIONS,
    }.get((sheet, name), ())


def _bid_validation(ws: Worksheet, span: str) -> None:
    from openpyxl.worksheet.datavalidation import DataValidation

    names = range_ref("Bids", "A2", f"A{_ROWS_FORMATTED + 1}")
    dv = DataValidation(type="list", formula1=names, allow_blank=True)
    dv.errorStyle = "warning"
    dv.errorTitle = "Not on the Bids sheet"
    dv.error = "This bid is not on the Bids sheet; add it there (or delete the Bids sheet)."
    dv.add(span)
    ws.add_data_validation(dv)


def _fx_currency_validation(ws: Worksheet, span: str) -> None:
    """The currency of an amount: one listed on the FX sheet (empty is the case currency)."""
    from openpyxl.worksheet.datavalidation import DataValidation

    codes = range_ref("FX", "A2", f"A{_ROWS_FORMATTED + 1}")
    dv = DataValidation(type="list", formula1=codes, allow_blank=True)
    dv.errorStyle = "warning"
    dv.errorTitle = "Not on the FX sheet"
    dv.error = "Leave empty for the case currency, or add this currency and its rate on the FX sheet."
    dv.add(span)
    ws.add_data_validation(dv)


def _option_validation(ws: Worksheet, span: str) -> None:
    from openpyxl.worksheet.datavalidation import DataValidation

    names = range_ref("Options", "B2", f"B{_ROWS_FORMATTED + 1}")
    dv = DataValidation(type="list", formula1=names, allow_blank=True)
    dv.errorStyle = "warning"
    dv.errorTitle = "Not on the Options sheet"
    dv.error = (
        "This option is not on the Options sheet; add a row there (bid, option, scope) or leave it empty."
    )
    dv.add(span)
    ws.add_data_validation(dv)


def _instructions(wb: Workbook) -> None:
    from openpyxl.styles import Font

    ws = wb.active
    assert ws is not None
    ws.title = "Instructions"
    for r, line in enumerate(_INSTRUCTIONS, 1):
        if line:
            put(ws, r, 1, line)
    ws.cell(1, 1).font = Font(bold=True, size=14)
    ws.column_dimensions["A"].width = 110


def _case_rows(case: Case | None) -> list[tuple[str, Any]]:
    fields = SHEETS[0].columns
    return [(f, getattr(case, f) if case is not None else None) for f in fields]


def _policy_rows(case: Case | None) -> list[tuple[str, Any]]:
    policy = case.policy if case is not None else None
    rows: list[tuple[str, Any]] = []
    for name in next(s for s in SHEETS if s.name == "Policy").columns:
        if name == "severity":
            overrides = policy.severity if policy is not None else {}
            rows += [(f"severity.{code}", overrides.get(code)) for code in FLAG_CODES]
        else:
            rows.append((name, getattr(policy, name) if policy is not None else None))
    return rows


def _item_rows(case: Case | None) -> dict[str, list[dict[str, Any]]]:
    if case is None:
        return {}
    costs: list[dict[str, Any]] = []
    for bid in case.bids:
        parts: list[tuple[str | None, list[CostItem], list[CostItem]]] = [(None, bid.costs, bid.vendor_costs)]
        parts += [(o.name, o.costs, o.vendor_costs) for o in bid.options]
        for option, customer, vendor in parts:
            costs += [{"bid": bid.name, **c.model_dump(), "option": option} for c in customer]
            costs += [{"bid": bid.name, **c.model_dump(), "side": "vendor", "option": option} for c in vendor]
    return {
        "Revenue": [stream.model_dump() for stream in case.revenue],
        "Bids": [
            {"name": b.name, "vendor": b.vendor or None, "scope": b.scope or None, "min_margin": b.min_margin}
            for b in case.bids
        ],
        "Options": [
            {"bid": b.name, "option": o.name, "scope": o.scope or None} for b in case.bids for o in b.options
        ],
        "Costs": costs,
        "FX": [{"currency": code, "rate": rate} for code, rate in case.fx.items()],
        "Uncertainty": [u.model_dump() for u in case.uncertainty],
    }


_HELD: tuple[tuple[str, set[str]], ...] = tuple(
    (model, {spec.name for (owner, _), spec in FIELDS.items() if owner == model and spec.column is not None})
    for model in MODELS
)
"""The fields of each model that the workbook holds (the rest must keep their defaults)."""


def _not_held(case: Case) -> list[str]:
    """Inputs of ``case`` that the workbook has no place for (fields away from their defaults)."""
    held = dict(_HELD)
    objects: list[tuple[str, str, Any]] = [("case", "", case), ("policy", "policy", case.policy)]
    objects += [("revenue", f"revenue[{s.name!r}]", s) for s in case.revenue]
    objects += [("uncertainty", f"uncertainty[{u.target!r}]", u) for u in case.uncertainty]
    for bid in case.bids:
        where = f"bids[{bid.name!r}]"
        objects += [("bid", where, bid)]
        objects += [("cost", f"{where}.costs[{c.name!r}]", c) for c in bid.costs]
        objects += [("cost", f"{where}.vendor_costs[{c.name!r}]", c) for c in bid.vendor_costs]
        for option in bid.options:
            o_where = f"{where}.options[{option.name!r}]"
            objects += [("option", o_where, option)]
            objects += [("cost", f"{o_where}.costs[{c.name!r}]", c) for c in option.costs]
            objects += [("cost", f"{o_where}.vendor_costs[{c.name!r}]", c) for c in option.vendor_costs]
    lost = []
    for kind, where, obj in objects:
        for name, info in type(obj).model_fields.items():
            if name not in held[kind] and getattr(obj, name) != info.get_default(call_default_factory=True):
                lost.append(f"{where}.{name}" if where else name)
    return lost


def template_workbook(case: Case | None = None) -> Workbook:
    """Build the input workbook, empty or filled with ``case``.

    Parameters
    ----------
    case : Case, optional
        The case to fill in; None gives an empty template.

    Returns
    -------
    openpyxl.Workbook
        The workbook (nothing is written to disk).

    Raises
    ------
    InputError
        If ``case`` has inputs the workbook has no place for (a model field
        added without a column), rather than leaving them out.

    Examples
    --------
    >>> import bidfit
    >>> wb = template_workbook(bidfit.load_sample("norway_roaming"))
    >>> wb.sheetnames
    ['Instructions', 'Case', 'Revenue', 'Bids', 'Options', 'Costs', 'Policy', 'FX', 'Uncertainty']
    >>> wb["Costs"]["B2"].value
    'Signalling platform (licence and hardware)'
    """
    from openpyxl import Workbook

    lost = _not_held(case) if case is not None else []
    if lost:
        raise InputError(
            [
                Problem(
                    where,
                    "the input workbook has no place for this input",
                    code="not_in_workbook",
                    expected="a YAML or JSON case file, which holds every input",
                )
                for where in lost
            ]
        )
    wb = Workbook()
    _instructions(wb)
    items = _item_rows(case)
    for spec in SHEETS:
        if spec.name == "Case":
            _fields_sheet(wb, spec, _case_rows(case), case)
        elif spec.name == "Policy":
            _fields_sheet(wb, spec, _policy_rows(case), case)
        else:
            _table_sheet(wb, spec, items.get(spec.name, []), case)
    return wb


def write_template(path: str | Path, example: str | Case | None = None) -> Path:
    """Write the input workbook to ``path`` (atomically).

    Parameters
    ----------
    path : str or Path
        The ``.xlsx`` file to write.
    example : str or Case, optional
        A bundled sample's name (see :func:`bidfit.sample_names`) or a case to
        fill the template with; None writes an empty template.

    Returns
    -------
    Path
        The file written.
    """
    if isinstance(example, str):
        from bidfit.io.samples import load_sample

        example = load_sample(example)
    return save_workbook(template_workbook(example), path)
