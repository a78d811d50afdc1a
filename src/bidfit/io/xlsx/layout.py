"""The input workbook's sheets, its columns and what kind of value each field holds.


The workbook layout (see ``docs/excel-workflow.md``; :func:`bidfit.io.template.write_template`
writes an empty or filled one)

``Case`` (field, value rows)
    ``name, customer, currency, horizon_years, discount_rate``.
``Revenue`` (one row per stream)
    columns named like the :class:`bidfit.RevenueStream` fields.
``Costs`` (one row per cost item)
    a ``bid`` column plus the :class:`bidfit.CostItem` fields, then ``side``
    (``customer``, what the customer pays, the default; or ``vendor``, the
    vendor's own delivery cost) and ``option`` (empty for the base offer, or
    the name of one of the bid's scope options on ``Options``).
``Bids`` (optional; one row per bid)
    ``name, vendor, scope, min_margin``. Without it, each distinct ``bid`` of
    ``Costs`` is a bid, in order of first appearance.
``Options`` (optional; one row per scope option)
    ``bid, option, scope``: the option's name and the revenue streams it adds
    to the bid's scope. Its costs are the ``Costs`` rows naming it in their
    ``option`` column. A ``Costs`` row naming an option that is not on this
    sheet (or a workbook without the sheet) is an error at that cell: bidfit
    does not make up an option, whose scope it would not know.
``Policy`` (optional; field, value rows)
    the :class:`bidfit.Policy` fields. Severity overrides go one per row,
    ``severity.THIN_MARGIN`` | ``error``, or several in one ``severity`` row,
    ``THIN_MARGIN=error, MISSING_SOURCE=info``.
``FX`` (optional; currency, rate)
    units of case currency per unit of the currency.
``Uncertainty`` (optional; one row per entry)
    ``target, distribution, low, mode, high, mean, sd, correlated_with, correlation``.

Sheet names and headers match case-, space- and underscore-insensitively and
may carry a unit in brackets (``Annual amount [EUR]`` is ``annual_amount``);
other visible sheets (instructions, notes) are not read and are reported as
notes; blank rows are skipped. Every bid needs at least one customer row on
``Costs``.

"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from bidfit.model.base import FIELD_HINTS
from bidfit.model.fields import FIELDS

__all__ = [
    "BOOLEAN_FIELDS",
    "CELL_HINTS",
    "DISTRIBUTION_PARAMETERS",
    "FRACTION_FIELDS",
    "GUIDE_SHEETS",
    "HEADER_ALIASES",
    "INTEGER_FIELDS",
    "LAST_ROW_READ",
    "MAX_COLUMNS",
    "MAX_PROBLEMS",
    "MAX_ROWS",
    "NUMBER_FIELDS",
    "OPEN_RATE_FIELDS",
    "SEVERITY_KEY",
    "SHEETS",
    "SPEC_BY_NAME",
    "SheetSpec",
    "header_key",
]

MAX_ROWS = 10_000
"""Most rows read from one sheet; a sheet declaring more is refused."""
MAX_COLUMNS = 50
"""Most columns read from one sheet; a sheet declaring more is refused."""
LAST_ROW_READ = MAX_ROWS + 1  # one row beyond the cap is read, to report data there
MAX_PROBLEMS = 1_000
"""Most problems reported for one workbook, first by sheet and cell; one more line counts the rest."""


@dataclass(frozen=True)
class SheetSpec:
    """One sheet of the input workbook.

    Attributes
    ----------
    name : str
        The sheet name the template writes.
    layout : {'fields', 'table'}
        ``fields``: two columns, field and value, one row per field;
        ``table``: a header row of field names, then one row per item.
    columns : tuple of str
        The fields, in the template's order.
    required : tuple of str
        Columns a ``table`` sheet must have.
    optional : bool
        Whether the workbook may leave the sheet out.
    """

    name: str
    layout: Literal["fields", "table"]
    columns: tuple[str, ...]
    required: tuple[str, ...] = ()
    optional: bool = False


SHEETS: tuple[SheetSpec, ...] = (
    SheetSpec("Case", "fields", ("name", "customer", "currency", "horizon_years", "discount_rate")),
    SheetSpec(
        "Revenue",
        "table",
        (
            "name",
            "kind",
            "annual_amount",
            "currency",
            "growth",
            "capture",
            "margin",
            "start_year",
            "end_year",
            "ramp_years",
            "source",
        ),
        required=("name", "annual_amount"),
    ),
    SheetSpec("Bids", "table", ("name", "vendor", "scope", "min_margin"), required=("name",), optional=True),
    SheetSpec("Options", "table", ("bid", "option", "scope"), required=("bid", "option"), optional=True),
    SheetSpec(
        "Costs",
        "table",
        (
            "bid",
            "name",
            "category",
            "kind",
            "amount",
            "currency",
            "percent_of",
            "percent",
            "year",
            "start_year",
            "end_year",
            "escalation",
            "source",
            "side",
            "option",
        ),
        required=("bid", "name", "kind"),
    ),
    SheetSpec(
        "Policy",
        "fields",
        (
            "max_payback_years",
            "min_benefit_cost_ratio",
            "min_benefit_headroom",
            "stress_benefit_cut",
            "max_loss_probability",
            "require_source",
            "severity",
        ),
        optional=True,
    ),
    SheetSpec("FX", "table", ("currency", "rate"), required=("currency", "rate"), optional=True),
    SheetSpec(
        "Uncertainty",
        "table",
        ("target", "distribution", "low", "mode", "high", "mean", "sd", "correlated_with", "correlation"),
        required=("target", "distribution"),
        optional=True,
    ),
)
"""The sheets of the input workbook, in the template's order."""

SPEC_BY_NAME = {spec.name: spec for spec in SHEETS}

GUIDE_SHEETS: tuple[str, ...] = ("Instructions",)
"""Sheets the template writes for the reader's eyes only: not read, and not reported as unread."""


def _of_kind(*kinds: str) -> frozenset[str]:
    return frozenset(spec.name for spec in FIELDS.values() if spec.kind in kinds)


# What kind of value each field holds (from the field registry), plus the FX sheet's rate.
INTEGER_FIELDS = _of_kind("integer", "year")
FRACTION_FIELDS = _of_kind("fraction", "open_rate")
OPEN_RATE_FIELDS = _of_kind("open_rate")  # may exceed 1: such a value needs a percent sign
NUMBER_FIELDS = _of_kind("money", "number") | {"rate"}
BOOLEAN_FIELDS = _of_kind("boolean")
DISTRIBUTION_PARAMETERS = ("low", "mode", "high", "mean", "sd")

CELL_HINTS: dict[str, str] = {
    **FIELD_HINTS,
    **{spec.name: spec.cell_hint for spec in FIELDS.values() if spec.cell_hint},
    "rate": "a number > 0: units of case currency per unit of this currency",
    "side": "customer or vendor (empty = customer)",
    "option": "the name of a scope option of the bid on the Options sheet, or empty for the base offer",
}
"""What a valid cell of each column looks like, for the reader's messages."""

# Human headers that mean a field, beyond the field's own name.
HEADER_ALIASES: dict[str, dict[str, str]] = {
    "Case": {"horizon": "horizon_years", "casename": "name", "casecurrency": "currency"},
    "Revenue": {"stream": "name", "revenuestream": "name", "amount": "annual_amount", "ramp": "ramp_years"},
    "Bids": {
        "bid": "name",
        "bidname": "name",
        "minimummargin": "min_margin",
        "vendorminmargin": "min_margin",
    },
    "Options": {
        "bidname": "bid",
        "name": "option",
        "optionname": "option",
        "scopeoption": "option",
        "streams": "scope",
    },
    "Costs": {
        "bidname": "bid",
        "item": "name",
        "costitem": "name",
        "type": "kind",
        "paidby": "side",
        "optionname": "option",
        "scopeoption": "option",
    },
    "FX": {"fxrate": "rate", "code": "currency"},
    "Uncertainty": {},
    "Policy": {},
}
SEVERITY_KEY = "severity"


def header_key(text: str) -> str:
    """Header or sheet name as a lookup key: case, spaces, punctuation and a unit in brackets ignored.

    Examples
    --------
    >>> header_key("Annual amount [EUR]"), header_key(" start_Year "), header_key("Growth (%/year)")
    ('annualamount', 'startyear', 'growth')
    """
    text = re.sub(r"\s*[\[(][^\])]*[\])]\s*$", "", text)
    return re.sub(r"[\W_]+", "", text.casefold())
