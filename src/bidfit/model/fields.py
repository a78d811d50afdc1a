"""Every input field of a business case, described once.

One :class:`FieldSpec` per field of the input models (``Case``, ``RevenueStream``,
``CostItem``, ``Bid``, ``ScopeOption``, ``Policy``, ``Uncertainty``) says its unit,
what kind of value it holds, its valid range, what a valid value looks like,
its workbook column and header comment, its label and unit in the report's
assumptions register, whether a simulation may make it uncertain and how a
sensitivity study swings it. Derived from :data:`FIELDS`: the models' bounds
(:meth:`FieldSpec.constraint`) and JSON-schema descriptions, ``FIELD_HINTS``,
``FIELD_BOUNDS`` and ``UNCERTAIN_FIELDS`` (:mod:`bidfit.model.case`), the
validation hints, the workbook reader's kinds and hints, the template's header
comments and held fields, the sensitivity study's linear fields and search
ranges, and the register's units.

Examples
--------
>>> spec = field_spec("revenue", "growth")
>>> spec.unit, spec.lower, spec.lower_open, spec.upper
('[1/year]', -1, True, 10.0)
>>> field_spec("cost", "kind").hint
'one_time or recurring'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field

from bidfit.flags import FLAG_CODES

__all__ = [
    "COST_CATEGORIES",
    "FIELDS",
    "MAX_AMOUNT",
    "MAX_FX_RATE",
    "MAX_GROWTH",
    "MAX_HORIZON_YEARS",
    "MAX_PERCENT",
    "MIN_DISCOUNT_RATE",
    "MIN_FX_RATE",
    "MODELS",
    "FieldSpec",
    "bounds",
    "field_spec",
    "power_of_ten",
    "specs_named",
]

COST_CATEGORIES: tuple[str, ...] = (
    "capex",
    "installation",
    "license",
    "maintenance",
    "operations",
    "subscription",
    "training",
    "other",
)
"""The categories of a cost item."""

MAX_HORIZON_YEARS = 100
"""Longest horizon of a case [years]."""

# Bounds that keep every cash flow of a valid case a finite float64. The largest
# yearly flow of one line is MAX_AMOUNT * MAX_FX_RATE * (1 + MAX_GROWTH) ** 99,
# about 1.3e127, and discounting at MIN_DISCOUNT_RATE multiplies it by at most
# 2 ** 100 (1.3e30): far below the float64 limit of 1.8e308, whatever the number
# of items, and with room for products of two such figures divided by a third.
MAX_AMOUNT = 1e15
"""Largest amount of a stream or cost item, in any currency [currency]."""
MAX_GROWTH = 10.0
"""Largest yearly growth or escalation [1/year]: +1000 % a year."""
MAX_PERCENT = 10.0
"""Largest ``percent`` of a cost item defined by ``percent_of`` [fraction]: 1000 %."""
MIN_DISCOUNT_RATE = -0.5
"""Lowest discount rate [1/year]: -50 % a year."""
MIN_FX_RATE, MAX_FX_RATE = 1e-9, 1e9
"""Range of an FX rate [units of case currency per unit of the other currency]."""


def power_of_ten(value: float) -> str:
    """``1e15`` rather than ``1e+15`` or ``1000000000000000``.

    Examples
    --------
    >>> power_of_ten(1e15), power_of_ten(1e-9)
    ('1e15', '1e-9')
    """
    return f"{value:.0e}".replace("e+", "e").replace("e-0", "e-").replace("e0", "e")


Model = Literal["case", "revenue", "cost", "bid", "option", "policy", "uncertainty"]
MODELS: tuple[str, ...] = ("case", "revenue", "cost", "bid", "option", "policy", "uncertainty")
"""The input models, by the short name :data:`FIELDS` keys them with."""

Kind = Literal[
    "text",
    "choice",
    "currency",
    "names",
    "boolean",
    "integer",
    "year",
    "money",
    "number",
    "fraction",
    "open_rate",
    "mapping",
    "items",
]


@dataclass(frozen=True)
class FieldSpec:
    """One input field: its unit, kind, valid range and where it appears.

    Attributes
    ----------
    model : str
        The model holding the field: one of :data:`MODELS`.
    name : str
        The field's name in the model (and the workbook column it is read from).
    unit : str
        Its unit in brackets: ``[currency/year]``, ``[1/year]``, ``[years]``,
        ``[-]`` for a dimensionless share or ratio, ``[text]`` for text.
    kind : str
        What the workbook reader makes of a cell: ``text``, ``choice`` (one of
        a fixed list), ``currency`` (ISO code), ``names`` (comma-separated list),
        ``boolean``, ``integer`` (a count of years), ``year`` (a year
        ``0..horizon``), ``money``, ``number`` (a plain number, no percent sign),
        ``fraction`` (a share or rate; ``8%`` is read as 0.08), ``open_rate``
        (a fraction that may exceed 1, which must then carry a percent sign),
        ``mapping`` or ``items`` (held on a sheet of its own).
    description : str
        What the field means (empty: the default); the JSON schema's
        description, followed by the unit, and the workbook header's comment.
    lower, upper : float, optional
        Valid range; None where unbounded (or bounded by another field, such
        as a year by the horizon).
    lower_open, upper_open : bool
        Whether the bound itself is excluded.
    hint : str, optional
        What a valid value looks like, for error messages.
    cell_hint : str, optional
        What a valid workbook cell looks like, where it differs from ``hint``.
    column : str, optional
        The workbook column (or sheet) holding the field; None if the
        workbook has no place for it.
    workbook_unit : str
        The unit as the workbook template's header comment words it
        (``fraction per year, 8% = 0.08``; ``text``, ``choice``).
    label : str
        The field's label in the report's assumptions register (``Annual amount``).
    register_unit : str
        The unit as the report's assumptions register words it (``share 0..1``).
    uncertain : bool
        Whether an uncertainty may target the field.
    linear : bool
        Whether NPV is linear in the field: a sensitivity study swings it
        relatively and solves its flip value exactly.
    search : tuple of float, optional
        Where a sensitivity study searches a non-linear field's flip value.
    """

    model: Model
    name: str
    unit: str
    kind: Kind
    description: str
    lower: float | None = None
    upper: float | None = None
    lower_open: bool = False
    upper_open: bool = False
    hint: str | None = None
    cell_hint: str | None = None
    column: str | None = None
    workbook_unit: str = ""
    label: str = ""
    register_unit: str = ""
    uncertain: bool = False
    linear: bool = False
    search: tuple[float, float] | None = None

    def constraint(self) -> Any:
        """The bounds as a pydantic ``Field`` (numbers must also be finite).

        Examples
        --------
        >>> field_spec("revenue", "capture").constraint().metadata[:2]
        [Ge(ge=0), Le(le=1)]
        """
        limits: dict[str, Any] = {}
        if self.lower is not None:
            limits["gt" if self.lower_open else "ge"] = self.lower
        if self.upper is not None:
            limits["lt" if self.upper_open else "le"] = self.upper
        if self.kind in ("integer", "year"):
            return Field(**limits)
        return Field(**limits, allow_inf_nan=False)


_AMOUNT_HINT = f"a number >= 0 and at most {power_of_ten(MAX_AMOUNT)}"
_SHARE = "a share from 0 to 1"
_YEAR_HINT = "a whole year from 0 to horizon_years"
_CURRENCY_HINT = "a three-letter currency code such as EUR"
_TARGET_UNIT = "a number in the target's unit"
_RATE_SEARCH = (-0.99, 1.0)  # growth is unbounded in practice: the search stops at +100 % a year


def _f(model: Model, name: str, unit: str, kind: Kind, description: str, **more: Any) -> FieldSpec:
    return FieldSpec(model, name, unit, kind, description, **{"column": name, **more})


def _text(model: Model, name: str, description: str, **more: Any) -> FieldSpec:
    return _f(model, name, "[text]", "text", description, **more)


def _currency(model: Model, description: str, **more: Any) -> FieldSpec:
    return _f(model, "currency", "[ISO 4217 code]", "currency", description, hint=_CURRENCY_HINT, **more)


def _share(model: Model, name: str, description: str, **more: Any) -> FieldSpec:
    return _f(model, name, "[-]", "fraction", description, lower=0, upper=1, hint=_SHARE, **more)


def _year(model: Model, name: str, description: str, **more: Any) -> FieldSpec:
    return _f(model, name, "[years]", "year", description, lower=0, hint=_YEAR_HINT, **more)


def _items(model: Model, name: str, description: str, column: str | None) -> FieldSpec:
    return FieldSpec(model, name, "[-]", "items", description, column=column)


def _parameter(name: str, description: str, **more: Any) -> FieldSpec:
    return _f("uncertainty", name, "[target's unit]", "number", description, **more)


_GROWTH = {
    "lower": -1,
    "lower_open": True,
    "upper": MAX_GROWTH,
    "uncertain": True,
    "search": _RATE_SEARCH,
}

_SPECS: tuple[FieldSpec, ...] = (
    # Case
    _text("case", "name", "Name of the case.", workbook_unit="text"),
    _text("case", "customer", "The customer.", workbook_unit="text"),
    _currency(
        "case",
        "Currency of every figure unless a row names another.",
        workbook_unit="ISO code, e.g. EUR",
        label="Currency",
        register_unit="ISO code",
    ),
    _f(
        "case",
        "horizon_years",
        "[years]",
        "integer",
        "Years evaluated after signature: years run 0..horizon.",
        lower=1,
        upper=MAX_HORIZON_YEARS,
        hint=f"a whole number of years from 1 to {MAX_HORIZON_YEARS}",
        workbook_unit="years",
        label="Horizon",
        register_unit="years",
    ),
    _f(
        "case",
        "discount_rate",
        "[1/year]",
        "fraction",
        "The customer's discount (hurdle) rate.",
        lower=MIN_DISCOUNT_RATE,
        upper=1.0,
        upper_open=True,
        hint=f"a fraction per year from {MIN_DISCOUNT_RATE:g} to below 1 (0.08 for 8%)",
        uncertain=True,
        search=(-0.99, 0.99),
        workbook_unit="fraction per year, 8% = 0.08",
        label="Discount rate",
        register_unit="fraction per year",
    ),
    _items("case", "revenue", "The revenue or saving at stake.", "Revenue"),
    _items("case", "bids", "The proposals.", "Bids"),
    _items("case", "policy", "Review thresholds.", "Policy"),
    FieldSpec(
        "case",
        "fx",
        "[case currency per unit of the other currency]",
        "mapping",
        "FX rates by currency code: units of case currency per unit of that currency.",
        lower=MIN_FX_RATE,
        upper=MAX_FX_RATE,
        hint=f"units of case currency per unit of the other currency, from {power_of_ten(MIN_FX_RATE)} "
        f"to {power_of_ten(MAX_FX_RATE)}",
        column="FX",
    ),
    _items("case", "uncertainty", "Distributions on inputs, for the simulation.", "Uncertainty"),
    # RevenueStream
    _text(
        "revenue",
        "name",
        "Unique name of the revenue stream, saving or avoided cost.",
        workbook_unit="text",
        label="Stream",
        register_unit="text",
    ),
    _f(
        "revenue",
        "annual_amount",
        "[currency/year]",
        "money",
        "The stream's full yearly amount in its first active year, before capture and margin.",
        lower=0,
        upper=MAX_AMOUNT,
        hint=f"{_AMOUNT_HINT} in the stream's currency per year",
        uncertain=True,
        linear=True,
        workbook_unit="currency per year",
        label="Annual amount",
        register_unit="item currency per year",
    ),
    _f(
        "revenue",
        "growth",
        "[1/year]",
        "open_rate",
        "Compound change per year from the first active year; may be negative (eroding revenue).",
        hint=f"a fraction per year above -1 and at most {MAX_GROWTH:g} (0.03 for +3%, -0.05 for -5%)",
        **_GROWTH,
        workbook_unit="fraction per year, -2% = -0.02",
        label="Growth",
        register_unit="fraction per year",
    ),
    _share(
        "revenue",
        "capture",
        "Share of the stream the proposal really affects; empty = 100%.",
        uncertain=True,
        linear=True,
        workbook_unit="0..1",
        label="Capture",
        register_unit="share 0..1",
    ),
    _share(
        "revenue",
        "margin",
        "Share of the stream that is the customer's margin; empty = 100% (a saving counted in full).",
        uncertain=True,
        linear=True,
        workbook_unit="0..1",
        label="Margin",
        register_unit="share 0..1",
    ),
    _f(
        "revenue",
        "kind",
        "[-]",
        "choice",
        "revenue, saving or avoided_cost (for reporting).",
        hint="revenue, saving or avoided_cost",
        workbook_unit="choice",
        label="Kind",
        register_unit="choice",
    ),
    _year(
        "revenue",
        "start_year",
        "First active year; empty = 1.",
        workbook_unit="year",
        label="Start year",
        register_unit="year",
    ),
    _year(
        "revenue",
        "end_year",
        "Last active year; empty = the horizon.",
        workbook_unit="year",
        label="End year",
        register_unit="year; empty = horizon",
    ),
    _f(
        "revenue",
        "ramp_years",
        "[years]",
        "integer",
        "k >= 2 phases the stream in as 1/k, 2/k, ..., 1 over its first k years; 0 or 1 = full at once.",
        lower=0,
        hint="a whole number of years >= 0",
        workbook_unit="years",
        label="Ramp years",
        register_unit="years; k >= 2 phases in",
    ),
    _currency(
        "revenue",
        "Currency of the amount; empty = the case currency.",
        workbook_unit="ISO code",
        label="Currency",
        register_unit="ISO code; empty = case currency",
    ),
    _text(
        "revenue",
        "source",
        "Where the figure comes from (a report, a person, a system).",
        workbook_unit="text",
        label="Source",
        register_unit="text",
    ),
    # CostItem
    _text(
        "cost",
        "name",
        "Name of the cost item, unique within its bid.",
        workbook_unit="text",
        label="Item",
        register_unit="text",
    ),
    _f(
        "cost",
        "category",
        "[-]",
        "choice",
        "What the cost is: " + ", ".join(COST_CATEGORIES) + ".",
        hint=", ".join(COST_CATEGORIES),
        workbook_unit="choice",
        label="Category",
        register_unit="choice",
    ),
    _f(
        "cost",
        "kind",
        "[-]",
        "choice",
        "one_time: paid once, in year; recurring: paid every year from start_year to end_year.",
        hint="one_time or recurring",
        workbook_unit="choice",
        label="Kind",
        register_unit="one_time or recurring",
    ),
    _f(
        "cost",
        "amount",
        "[currency] or [currency/year]",
        "money",
        "One-time amount, or the yearly amount in the first active year. Leave empty when percent_of is used.",
        lower=0,
        upper=MAX_AMOUNT,
        hint=f"{_AMOUNT_HINT} in the item's currency",
        uncertain=True,
        linear=True,
        workbook_unit="currency (per year when recurring)",
        label="Amount",
        register_unit="item currency (per year if recurring)",
    ),
    _f(
        "cost",
        "escalation",
        "[1/year]",
        "open_rate",
        "Compound yearly price change of a recurring cost.",
        hint=f"a fraction per year above -1 and at most {MAX_GROWTH:g} (0.02 for +2%)",
        **_GROWTH,
        workbook_unit="fraction per year",
        label="Escalation",
        register_unit="fraction per year",
    ),
    _f(
        "cost",
        "percent",
        "[-]",
        "open_rate",
        "The share used with percent_of.",
        lower=0,
        upper=MAX_PERCENT,
        hint=f"a fraction >= 0 and at most {MAX_PERCENT:g} (0.18 for 18%)",
        uncertain=True,
        linear=True,
        workbook_unit="fraction, 18% = 0.18",
        label="Percent",
        register_unit="fraction",
    ),
    _f(
        "cost",
        "percent_of",
        "[-]",
        "names",
        "Names of one-time items of the same bid, separated by commas: the amount is then percent times their total (maintenance = 18% of capex a year).",
        workbook_unit="text",
        label="Percent of",
        register_unit="one-time items (see Amount [case])",
    ),
    _year(
        "cost",
        "year",
        "Year a one-time cost is paid; empty = 0 (signature).",
        workbook_unit="year",
        label="Year",
        register_unit="year of a one-time cost; empty = 0",
    ),
    _year(
        "cost",
        "start_year",
        "First year a recurring cost is paid; empty = 1.",
        workbook_unit="year",
        label="Start year",
        register_unit="first year if recurring; empty = 1",
    ),
    _year(
        "cost",
        "end_year",
        "Last year a recurring cost is paid; empty = the horizon.",
        workbook_unit="year",
        label="End year",
        register_unit="last year if recurring; empty = horizon",
    ),
    _currency(
        "cost",
        "Currency of the amount; empty = the case currency.",
        workbook_unit="ISO code",
        label="Currency",
        register_unit="ISO code; empty = case currency",
    ),
    _text(
        "cost",
        "source",
        "Where the figure comes from.",
        workbook_unit="text",
        label="Source",
        register_unit="text",
    ),
    # Bid
    _text(
        "bid",
        "name",
        "Unique name of the bid; the Costs sheet's bid column refers to it.",
        workbook_unit="text",
    ),
    _text("bid", "vendor", "Who offers it.", workbook_unit="text"),
    _items("bid", "costs", "Everything the customer pays for it.", "Costs"),
    _f(
        "bid",
        "scope",
        "[-]",
        "names",
        "Names of the revenue streams the bid addresses, separated by commas; empty = all. A bid with scope options needs the scope of its base offer here.",
        workbook_unit="text",
    ),
    _items("bid", "vendor_costs", "The vendor's own cost to deliver the bid.", "Costs"),
    _f(
        "bid",
        "min_margin",
        "[-]",
        "fraction",
        "Optional: the vendor's least acceptable margin on what the customer pays, in present value (margin = 1 - PV of the vendor's delivery cost / PV of the customer's payments). With the vendor's delivery cost (Costs rows with side vendor) it gives the vendor's floor and the deal room; empty = 0.",
        lower=0,
        upper=1,
        upper_open=True,
        hint="a fraction from 0 to below 1 (0.15 for 15%)",
        workbook_unit="fraction, 15% = 0.15",
        label="Vendor minimum margin",
        register_unit="fraction of the customer's payments, in PV",
    ),
    _items("bid", "options", "Optional extensions of the bid's scope.", "Options"),
    # ScopeOption
    _text(
        "option",
        "name",
        "Name of the scope option (e.g. Sweden), unique within its bid. Its costs are the Costs rows naming it in their option column.",
        column="option",
        workbook_unit="text",
    ),
    _f(
        "option",
        "scope",
        "[-]",
        "names",
        "Names of the revenue streams the option adds to the bid's scope, separated by commas.",
        workbook_unit="text",
    ),
    _items("option", "costs", "What the option adds to the customer's costs.", "Costs"),
    _items("option", "vendor_costs", "What the option adds to the vendor's delivery cost.", "Costs"),
    # Policy
    _f(
        "policy",
        "max_payback_years",
        "[years]",
        "number",
        "Longest acceptable payback; empty = no limit.",
        lower=0,
        lower_open=True,
        hint="a number of years > 0",
        workbook_unit="years",
        label="max_payback_years",
        register_unit="years",
    ),
    _f(
        "policy",
        "min_benefit_cost_ratio",
        "[-]",
        "number",
        "Least acceptable PV benefits / PV costs; empty = 1.0.",
        lower=0,
        hint="a number >= 0 (1.2 means benefits at least 1.2x costs)",
        workbook_unit="ratio",
        label="min_benefit_cost_ratio",
        register_unit="ratio",
    ),
    _share(
        "policy",
        "min_benefit_headroom",
        "Share the benefits may fall before NPV turns negative; empty = 0.",
        workbook_unit="0..1",
        label="min_benefit_headroom",
        register_unit="share 0..1",
    ),
    _share(
        "policy",
        "stress_benefit_cut",
        "NPV must stay >= 0 when the benefit claim is cut by this share; empty = no stress test.",
        workbook_unit="0..1",
        label="stress_benefit_cut",
        register_unit="share 0..1",
    ),
    _f(
        "policy",
        "max_loss_probability",
        "[-]",
        "fraction",
        "Highest acceptable simulated probability that the customer is worse off; empty = no limit.",
        lower=0,
        upper=1,
        hint="a probability from 0 to 1",
        workbook_unit="0..1",
        label="max_loss_probability",
        register_unit="probability 0..1",
    ),
    _f(
        "policy",
        "require_source",
        "[-]",
        "boolean",
        "TRUE makes a missing source an error rather than info.",
        cell_hint="TRUE or FALSE",
        workbook_unit="TRUE/FALSE",
        label="require_source",
        register_unit="TRUE/FALSE",
    ),
    _f(
        "policy",
        "severity",
        "[-]",
        "mapping",
        "Change a flag's severity: one row per code, 'severity.THIN_MARGIN' with value error, warning or info; or one row 'severity' with 'THIN_MARGIN=error, MISSING_SOURCE=info'. Codes: "
        + ", ".join(FLAG_CODES)
        + ".",
        workbook_unit="error / warning / info",
        label="severity",
        register_unit="flag code = error/warning/info",
    ),
    # Uncertainty
    _text(
        "uncertainty",
        "target",
        "The uncertain input: discount_rate, revenue.<stream>.<field> or cost.<bid>.<item>.<field>.",
        workbook_unit="text",
    ),
    _f(
        "uncertainty",
        "distribution",
        "[-]",
        "choice",
        "triangular or pert (low, mode, high); uniform (low, high); normal or lognormal (mean, sd).",
        workbook_unit="choice",
    ),
    _parameter("low", "Lowest value.", cell_hint=_TARGET_UNIT, workbook_unit="the target's unit"),
    _parameter("mode", "Most likely value.", cell_hint=_TARGET_UNIT, workbook_unit="the target's unit"),
    _parameter("high", "Highest value.", cell_hint=_TARGET_UNIT, workbook_unit="the target's unit"),
    _parameter("mean", "Mean of the value.", cell_hint=_TARGET_UNIT, workbook_unit="the target's unit"),
    _parameter(
        "sd",
        "Standard deviation of the value.",
        lower=0,
        cell_hint="a number >= 0 in the target's unit",
        workbook_unit="the target's unit",
    ),
    _text(
        "uncertainty",
        "correlated_with",
        "Another row's target whose draws this one is rank-correlated with.",
        workbook_unit="text",
    ),
    _f(
        "uncertainty",
        "correlation",
        "[-]",
        "fraction",
        "Spearman rank correlation with correlated_with.",
        lower=-1,
        upper=1,
        cell_hint="a number from -1 to 1",
        workbook_unit="-1..1",
    ),
)

FIELDS: dict[tuple[str, str], FieldSpec] = {(spec.model, spec.name): spec for spec in _SPECS}
"""Every input field by (model, field name), each model's fields in a fixed order."""


def field_spec(model: str, name: str) -> FieldSpec:
    """The entry of field ``name`` of ``model`` (one of :data:`MODELS`)."""
    return FIELDS[(model, name)]


def specs_named(name: str) -> list[FieldSpec]:
    """Every model's entry for a field called ``name``.

    Examples
    --------
    >>> [spec.model for spec in specs_named("start_year")]
    ['revenue', 'cost']
    """
    return [spec for spec in _SPECS if spec.name == name]


def bounds(model: str, name: str) -> Any:
    """The pydantic ``Field`` with the registry's bounds of one field."""
    return field_spec(model, name).constraint()
