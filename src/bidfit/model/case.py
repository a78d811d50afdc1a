"""The inputs of a business case, as pydantic models validated at the edge.

A :class:`Case` holds the customer's revenue (or saving) at stake as
:class:`RevenueStream` items, the competing :class:`Bid` proposals, each a list
of :class:`CostItem` the customer would pay, and a :class:`Policy` of review
thresholds. Money is in the case currency unless an item names another
currency, converted with the case's ``fx`` table. Rates are fractions per year
(``0.08`` is 8 %), never percentages. Years are whole years ``0..horizon_years``.

Validation happens here, once: each field is checked on its own (numbers are
finite, amounts from 0 to 1e15, growth and escalation above -100 % and at most
+1000 % a year, the discount rate from -50 %, FX rates from 1e-9 to 1e9, shares
within 0..1: bounds that keep each item's cash flows finite), then the
case is checked as a whole (names unique, scopes and ``percent_of`` refer to
things that exist, years inside the horizon, an FX rate for every currency).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from bidfit.errors import Problem
from bidfit.flags import FLAG_CODES, Severity

__all__ = [
    "COST_CATEGORIES",
    "Bid",
    "Case",
    "CostItem",
    "Policy",
    "RevenueStream",
    "ScopeOption",
    "Uncertainty",
    "reference_problems",
    "resolve_target",
]

CostCategory = Literal[
    "capex", "installation", "license", "maintenance", "operations", "subscription", "training", "other"
]
COST_CATEGORIES: tuple[str, ...] = CostCategory.__args__  # type: ignore[attr-defined]
CostKind = Literal["one_time", "recurring"]
StreamKind = Literal["revenue", "saving", "avoided_cost"]

MAX_HORIZON_YEARS = 100

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


def _split_names(value: Any) -> Any:
    """Accept ``"A, B"`` as well as ``["A", "B"]`` for a list of names."""
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def _upper_code(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


def _lower_word(value: Any) -> Any:
    """Let ``"One time"`` or ``"One-Time"`` mean ``one_time``."""
    if isinstance(value, str):
        return value.strip().lower().replace("-", "_").replace(" ", "_")
    return value


def _not_percent_typo(value: float) -> float:
    if value >= 1:
        raise ValueError(
            f"a discount rate of {value} is {value:.0%} a year; rates are fractions (write 0.08 for 8%)"
        )
    return value


def _power_of_ten(value: float) -> str:
    """``1e15`` rather than ``1e+15`` or ``1000000000000000``."""
    return f"{value:.0e}".replace("e+", "e").replace("e-0", "e-").replace("e0", "e")


def _plausible_fx_rate(value: float) -> float:
    if not MIN_FX_RATE <= value <= MAX_FX_RATE:
        raise ValueError(
            f"an FX rate must be from {_power_of_ten(MIN_FX_RATE)} to {_power_of_ten(MAX_FX_RATE)} "
            "units of case currency per unit of the other currency"
        )
    return value


Money = Annotated[float, Field(ge=0, le=MAX_AMOUNT, allow_inf_nan=False)]
Growth = Annotated[float, Field(gt=-1, le=MAX_GROWTH, allow_inf_nan=False)]
DiscountRate = Annotated[float, Field(ge=MIN_DISCOUNT_RATE, allow_inf_nan=False)]
FxRate = Annotated[float, Field(allow_inf_nan=False), AfterValidator(_plausible_fx_rate)]
Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
Year = Annotated[int, Field(ge=0)]
Names = Annotated[list[str], BeforeValidator(_split_names)]
CurrencyCode = Annotated[str, BeforeValidator(_upper_code), Field(pattern=r"^[A-Z]{3}$")]
OptionalText = Annotated[
    str | None, BeforeValidator(lambda v: v.strip() or None if isinstance(v, str) else v)
]

# What a valid value looks like, by field name; used in error messages.
FIELD_HINTS: dict[str, str] = {
    "annual_amount": f"a number >= 0 and at most {_power_of_ten(MAX_AMOUNT)} in the stream's currency per year",
    "amount": f"a number >= 0 and at most {_power_of_ten(MAX_AMOUNT)} in the item's currency",
    "growth": f"a fraction per year above -1 and at most {MAX_GROWTH:g} (0.03 for +3%, -0.05 for -5%)",
    "escalation": f"a fraction per year above -1 and at most {MAX_GROWTH:g} (0.02 for +2%)",
    "discount_rate": f"a fraction per year from {MIN_DISCOUNT_RATE:g} to below 1 (0.08 for 8%)",
    "fx": f"units of case currency per unit of the other currency, from {_power_of_ten(MIN_FX_RATE)} "
    f"to {_power_of_ten(MAX_FX_RATE)}",
    "capture": "a share from 0 to 1",
    "margin": "a share from 0 to 1",
    "percent": f"a fraction >= 0 and at most {MAX_PERCENT:g} (0.18 for 18%)",
    "horizon_years": f"a whole number of years from 1 to {MAX_HORIZON_YEARS}",
    "start_year": "a whole year from 0 to horizon_years",
    "end_year": "a whole year from 0 to horizon_years",
    "year": "a whole year from 0 to horizon_years",
    "ramp_years": "a whole number of years >= 0",
    "currency": "a three-letter currency code such as EUR",
    "category": ", ".join(COST_CATEGORIES),
    "min_benefit_cost_ratio": "a number >= 0 (1.2 means benefits at least 1.2x costs)",
    "min_benefit_headroom": "a share from 0 to 1",
    "stress_benefit_cut": "a share from 0 to 1",
    "max_loss_probability": "a probability from 0 to 1",
    "max_payback_years": "a number of years > 0",
    "min_margin": "a fraction from 0 to below 1 (0.15 for 15%)",
}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True, str_strip_whitespace=True)


class RevenueStream(_Model):
    """A revenue, saving or avoided cost of the customer that a bid can affect.

    Attributes
    ----------
    name : str
        Unique name within the case, used by a bid's ``scope``.
    annual_amount : float
        The stream's full yearly amount in its first active year [currency/year];
        the revenue pool, before ``capture`` and ``margin``.
    growth : float
        Compound change per year [1/year], may be negative (eroding revenue).
    capture : float
        Share of the stream the proposal really affects [0..1].
    margin : float
        Share of the stream that is the customer's margin rather than gross
        revenue [0..1]; 1 for a saving counted in full.
    kind : {'revenue', 'saving', 'avoided_cost'}
        What the stream is, for reporting.
    start_year, end_year : int
        First and last active year [years]; default 1 and the horizon.
    ramp_years : int
        ``k >= 2`` phases the stream in as ``1/k, 2/k, ..., 1`` over its first
        ``k`` active years; 0 or 1 means full value at once [years].
    currency : str, optional
        Currency of ``annual_amount``; default the case currency.
    source : str, optional
        Where the figure comes from (a report, a person, a system).

    Examples
    --------
    >>> RevenueStream(name="Outbound roaming", annual_amount=380_000, growth=-0.02).capture
    1.0
    """

    name: Annotated[str, Field(min_length=1)]
    annual_amount: Money
    growth: Growth = 0.0
    capture: Share = 1.0
    margin: Share = 1.0
    kind: Annotated[StreamKind, BeforeValidator(_lower_word)] = "revenue"
    start_year: Year = 1
    end_year: Year | None = None
    ramp_years: Annotated[int, Field(ge=0)] = 0
    currency: CurrencyCode | None = None
    source: OptionalText = None


class CostItem(_Model):
    """Something the customer pays for a bid: once, or every year.

    Attributes
    ----------
    name : str
        Unique name within its bid.
    category : str
        One of ``capex, installation, license, maintenance, operations,
        subscription, training, other``.
    kind : {'one_time', 'recurring'}
        A one-time cost falls in ``year`` (default 0, signature); a recurring
        cost runs from ``start_year`` (default 1) to ``end_year`` (default the
        horizon), escalating by ``escalation`` a year.
    amount : float, optional
        One-time amount, or the yearly amount in the first active year
        [currency or currency/year]. Leave it out when ``percent_of`` is given.
    percent_of : list of str, optional
        Names of one-time items of the same bid; the amount is then ``percent``
        times their total (e.g. maintenance = 18 % of capex a year).
    percent : float, optional
        The share used with ``percent_of`` [fraction, 0.18 for 18 %].
    year : int, optional
        Year of a one-time cost [years].
    start_year, end_year : int, optional
        Active years of a recurring cost [years].
    escalation : float
        Compound yearly price change of a recurring cost [1/year].
    currency : str, optional
        Currency of ``amount``; default the case currency.
    source : str, optional
        Where the figure comes from.

    Examples
    --------
    >>> CostItem(name="Maintenance", category="maintenance", kind="recurring",
    ...          percent_of=["Hardware"], percent=0.18).amount is None
    True
    """

    name: Annotated[str, Field(min_length=1)]
    category: Annotated[CostCategory, BeforeValidator(_lower_word)] = "other"
    kind: Annotated[CostKind, BeforeValidator(_lower_word)]
    amount: Money | None = None
    percent_of: Names = Field(default_factory=list)
    percent: Annotated[float, Field(ge=0, le=MAX_PERCENT, allow_inf_nan=False)] | None = None
    year: Year | None = None
    start_year: Year | None = None
    end_year: Year | None = None
    escalation: Growth = 0.0
    currency: CurrencyCode | None = None
    source: OptionalText = None

    @model_validator(mode="after")
    def _check_shape(self) -> CostItem:
        errors = []
        if self.percent_of:
            if self.percent is None:
                errors.append("percent_of needs a percent (0.18 for 18%)")
            if self.amount is not None:
                errors.append("give either an amount or percent_of with a percent, not both")
            if self.currency is not None:
                errors.append(
                    "an item defined by percent_of is in the case currency; leave its currency empty"
                )
        else:
            if self.percent is not None:
                errors.append("percent needs percent_of: the one-time items it is a share of")
            if self.amount is None:
                errors.append("amount is missing (a number >= 0, or percent_of with a percent)")
        if self.kind == "one_time":
            if self.start_year is not None or self.end_year is not None:
                errors.append("a one-time cost falls in one year: use year, not start_year/end_year")
            if self.escalation != 0:
                errors.append("escalation applies to recurring costs only")
        elif self.year is not None:
            errors.append("a recurring cost runs from start_year to end_year: year is for one-time costs")
        if errors:
            raise ValueError("; ".join(errors))
        return self

    @property
    def is_recurring(self) -> bool:
        """True for a cost paid every year."""
        return self.kind == "recurring"


MAX_SCOPE_OPTIONS = 10
"""Most scope options a bid may have: every combination (2^n) is evaluated."""


class ScopeOption(_Model):
    """An optional extension of a bid: more revenue streams in scope, more costs.

    Attributes
    ----------
    name : str
        Unique within the bid, e.g. ``Sweden``.
    scope : list of str
        Revenue streams the option adds to the bid's scope.
    costs : list of CostItem
        What the option adds to the customer's costs; ``percent_of`` may name
        one-time items of the base offer.
    vendor_costs : list of CostItem
        What the option adds to the vendor's own delivery cost.
    """

    name: Annotated[str, Field(min_length=1)]
    scope: Names = Field(default_factory=list)
    costs: list[CostItem] = Field(default_factory=list)
    vendor_costs: list[CostItem] = Field(default_factory=list)


class Bid(_Model):
    """One proposal the customer could accept.

    Attributes
    ----------
    name : str
        Unique name within the case.
    vendor : str
        Who offers it.
    costs : list of CostItem
        Everything the customer pays for it.
    scope : list of str
        Names of the revenue streams the bid addresses; empty means all.
    vendor_costs : list of CostItem
        Optional: the vendor's own cost to deliver the bid (same item model),
        for the vendor's floor price and the deal room.
    min_margin : float, optional
        The vendor's least acceptable margin on what the customer pays, in
        PV at the case's discount rate [fraction, 0.15 for 15 %].
    options : list of ScopeOption
        Optional extensions (e.g. more countries); the bid as given is the base offer.
    """

    name: Annotated[str, Field(min_length=1)]
    vendor: str = ""
    costs: list[CostItem] = Field(default_factory=list)
    scope: Names = Field(default_factory=list)
    vendor_costs: list[CostItem] = Field(default_factory=list)
    min_margin: Annotated[float, Field(ge=0, lt=1, allow_inf_nan=False)] | None = None
    options: list[ScopeOption] = Field(default_factory=list)

    def cost(self, name: str) -> CostItem:
        """Return the cost item called ``name``."""
        return _by_name(self.costs, name, f"cost item of bid {self.name!r}")

    def option(self, name: str) -> ScopeOption:
        """Return the scope option called ``name``."""
        return _by_name(self.options, name, f"scope option of bid {self.name!r}")

    def with_options(self, names: Iterable[str]) -> Bid:
        """The base offer extended by the named options, as a bid without options.

        Examples
        --------
        >>> bid = Bid(name="Nordics", scope=["Norway"], options=[
        ...     ScopeOption(name="Sweden", scope=["Sweden"],
        ...                 costs=[CostItem(name="Sweden fee", kind="recurring", amount=50)])])
        >>> combined = bid.with_options(["Sweden"])
        >>> combined.name, combined.scope, [c.name for c in combined.costs]
        ('Nordics + Sweden', ['Norway', 'Sweden'], ['Sweden fee'])
        """
        chosen = [self.option(name) for name in names]
        scope = list(self.scope)
        scope += [s for o in chosen for s in o.scope if s not in scope]
        return Bid(
            name=" + ".join([self.name, *(o.name for o in chosen)]),
            vendor=self.vendor,
            costs=[*self.costs, *(c for o in chosen for c in o.costs)],
            scope=scope,
            vendor_costs=[*self.vendor_costs, *(c for o in chosen for c in o.vendor_costs)],
            min_margin=self.min_margin,
        )


class Policy(_Model):
    """Review thresholds a bid must meet for the customer to be better off.

    Attributes
    ----------
    max_payback_years : float, optional
        Longest acceptable payback [years]; none by default.
    min_benefit_cost_ratio : float
        Least acceptable PV benefits / PV costs [ratio]; 1.0 by default.
    min_benefit_headroom : float
        Share the benefits may fall before NPV turns negative [0..1]; 0 by default.
    stress_benefit_cut : float, optional
        "What if the benefit claim is cut by this share": NPV must stay >= 0
        [0..1]; none by default.
    max_loss_probability : float, optional
        Highest acceptable simulated probability that the customer is worse
        off [0..1]; used when a simulation ran.
    require_source : bool
        Make a missing ``source`` on any input an error rather than info.
    severity : dict
        Raise or lower the severity of flag codes, e.g. ``{"THIN_MARGIN": "error"}``.
    """

    max_payback_years: Annotated[float, Field(gt=0, allow_inf_nan=False)] | None = None
    min_benefit_cost_ratio: Annotated[float, Field(ge=0, allow_inf_nan=False)] = 1.0
    min_benefit_headroom: Share = 0.0
    stress_benefit_cut: Share | None = None
    max_loss_probability: Share | None = None
    require_source: bool = False
    severity: dict[str, Severity] = Field(default_factory=dict)

    @field_validator("severity", mode="before")
    @classmethod
    def _known_codes(cls, value: Any) -> Any:
        if isinstance(value, dict):
            unknown = sorted(str(code) for code in value if str(code).upper() not in FLAG_CODES)
            if unknown:
                raise ValueError(f"unknown flag code(s) {', '.join(unknown)}; known: {', '.join(FLAG_CODES)}")
            return {str(code).upper(): _lower_word(sev) for code, sev in value.items()}
        return value


Distribution = Literal["triangular", "pert", "uniform", "normal", "lognormal"]

DISTRIBUTION_PARAMETERS: dict[str, tuple[str, ...]] = {
    "triangular": ("low", "mode", "high"),
    "pert": ("low", "mode", "high"),
    "uniform": ("low", "high"),
    "normal": ("mean", "sd"),
    "lognormal": ("mean", "sd"),
}
"""The parameters each distribution needs."""

UNCERTAIN_FIELDS: dict[str, tuple[str, ...]] = {
    "revenue": ("annual_amount", "growth", "capture", "margin"),
    "cost": ("amount", "escalation", "percent"),
}
"""The numeric fields an uncertainty may target, per kind of item."""

FIELD_BOUNDS: dict[str, tuple[float, float | None, bool]] = {
    # field: (lowest, highest, lowest excluded)
    "annual_amount": (0.0, MAX_AMOUNT, False),
    "amount": (0.0, MAX_AMOUNT, False),
    "percent": (0.0, MAX_PERCENT, False),
    "capture": (0.0, 1.0, False),
    "margin": (0.0, 1.0, False),
    "growth": (-1.0, MAX_GROWTH, True),
    "escalation": (-1.0, MAX_GROWTH, True),
    "discount_rate": (MIN_DISCOUNT_RATE, 1.0, False),
}
"""Valid range of each uncertain field; a sampled value is kept inside it."""

Finite = Annotated[float, Field(allow_inf_nan=False)]


class Uncertainty(_Model):
    """A distribution on one numeric input, for :func:`bidfit.simulate`.

    Attributes
    ----------
    target : str
        ``discount_rate``, ``revenue.<stream>.<field>`` (``annual_amount``,
        ``growth``, ``capture``, ``margin``) or ``cost.<bid>.<item>.<field>``
        (``amount``, ``escalation``, ``percent``).
    distribution : {'triangular', 'pert', 'uniform', 'normal', 'lognormal'}
        ``triangular``/``pert`` take ``low, mode, high``; ``uniform`` takes
        ``low, high``; ``normal`` takes ``mean, sd`` (truncated to the field's
        valid range); ``lognormal`` takes ``mean, sd`` of the value itself.
    low, mode, high, mean, sd : float, optional
        Parameters, in the target field's unit.
    correlated_with : str, optional
        Another uncertainty's target whose draws this one is rank-correlated with.
    correlation : float, optional
        Spearman rank correlation with ``correlated_with`` [-1..1].

    Examples
    --------
    >>> Uncertainty(target="revenue.Outbound roaming.annual_amount",
    ...             distribution="normal", mean=380_000, sd=50_000).parameters()
    {'mean': 380000.0, 'sd': 50000.0}
    """

    target: Annotated[str, Field(min_length=1)]
    distribution: Annotated[Distribution, BeforeValidator(_lower_word)]
    low: Finite | None = None
    mode: Finite | None = None
    high: Finite | None = None
    mean: Finite | None = None
    sd: Annotated[float, Field(ge=0, allow_inf_nan=False)] | None = None
    correlated_with: OptionalText = None
    correlation: Annotated[float, Field(ge=-1, le=1, allow_inf_nan=False)] | None = None

    @model_validator(mode="after")
    def _check_parameters(self) -> Uncertainty:
        needed = DISTRIBUTION_PARAMETERS[self.distribution]
        errors = []
        missing = [name for name in needed if getattr(self, name) is None]
        extra = [
            name
            for name in ("low", "mode", "high", "mean", "sd")
            if name not in needed and getattr(self, name) is not None
        ]
        if missing:
            errors.append(f"{self.distribution} needs {', '.join(needed)}; missing {', '.join(missing)}")
        if extra:
            errors.append(f"{self.distribution} takes {', '.join(needed)}, not {', '.join(extra)}")
        if not missing:
            low, high = self.low, self.high
            if low is not None and high is not None and low > high:
                errors.append(f"low ({low:g}) is above high ({high:g})")
            if (
                self.mode is not None
                and low is not None
                and high is not None
                and not low <= self.mode <= high
            ):
                errors.append(f"mode ({self.mode:g}) is outside low..high ({low:g}..{high:g})")
            if self.distribution == "lognormal" and self.mean is not None and self.mean <= 0:
                errors.append(f"a lognormal needs a mean > 0 (found {self.mean:g})")
        if (self.correlated_with is None) != (self.correlation is None):
            errors.append("correlated_with and correlation go together")
        if errors:
            raise ValueError("; ".join(errors))
        return self

    def parameters(self) -> dict[str, float]:
        """The distribution's parameters by name."""
        return {name: float(getattr(self, name)) for name in DISTRIBUTION_PARAMETERS[self.distribution]}


def resolve_target(case: Case, target: str) -> tuple[str, int, int, str]:
    """Find the input an uncertainty target names.

    Returns
    -------
    kind : {'discount_rate', 'revenue', 'cost'}
    index : int
        Index of the stream (revenue) or of the bid (cost); -1 for the discount rate.
    item : int
        Index of the cost item within its bid; -1 otherwise.
    field : str
        The field name.

    Raises
    ------
    KeyError
        With a message saying what would be valid.

    Examples
    --------
    >>> from bidfit import load_sample
    >>> resolve_target(load_sample("norway_roaming"), "cost.Vendor A.Maintenance.amount")
    ('cost', 0, 2, 'amount')
    """
    if target == "discount_rate":
        return "discount_rate", -1, -1, "discount_rate"
    head, _, rest = target.partition(".")
    path, _, field = rest.rpartition(".")
    if head not in UNCERTAIN_FIELDS or not path:
        raise KeyError("a target is discount_rate, revenue.<stream>.<field> or cost.<bid>.<item>.<field>")
    if field not in UNCERTAIN_FIELDS[head]:
        raise KeyError(
            f"{head} field {field!r} cannot be uncertain; use one of {', '.join(UNCERTAIN_FIELDS[head])}"
        )
    if head == "revenue":
        for i, stream in enumerate(case.revenue):
            if stream.name == path:
                return "revenue", i, -1, field
        raise KeyError(f"no revenue stream named {path!r}; known: {', '.join(s.name for s in case.revenue)}")
    for b, bid in enumerate(case.bids):
        if path.startswith(bid.name + "."):
            item = path[len(bid.name) + 1 :]
            for c, cost in enumerate(bid.costs):
                if cost.name == item:
                    return "cost", b, c, field
            raise KeyError(
                f"bid {bid.name!r} has no cost item named {item!r}; known: {', '.join(c.name for c in bid.costs)}"
            )
    raise KeyError(f"no bid in {path!r}; known bids: {', '.join(b.name for b in case.bids)}")


class Case(_Model):
    """A customer's business case: the value at stake and the bids against it.

    Attributes
    ----------
    name : str
        Name of the case.
    customer : str
        The customer.
    currency : str
        Currency of every figure unless an item says otherwise [ISO code].
    horizon_years : int
        Years evaluated after signature: years run ``0..horizon_years`` [years].
    discount_rate : float
        The customer's discount (hurdle) rate [1/year, fraction].
    revenue : list of RevenueStream
        The revenue or saving at stake.
    bids : list of Bid
        The proposals.
    policy : Policy
        Review thresholds.
    fx : dict
        Units of case currency per unit of another currency, e.g.
        ``{"NOK": 0.085}`` when the case is in EUR.
    uncertainty : list of Uncertainty
        Distributions on inputs, for :func:`bidfit.simulate`.

    Examples
    --------
    >>> case = Case(name="Demo", horizon_years=3, discount_rate=0.1,
    ...             revenue=[RevenueStream(name="Sales", annual_amount=100)],
    ...             bids=[Bid(name="A", costs=[CostItem(name="Fee", kind="recurring",
    ...                                                 amount=50)])])
    >>> case.bid("A").cost("Fee").amount
    50.0
    """

    name: Annotated[str, Field(min_length=1)]
    customer: str = ""
    currency: CurrencyCode = "EUR"
    horizon_years: Annotated[int, Field(ge=1, le=MAX_HORIZON_YEARS)]
    discount_rate: Annotated[DiscountRate, AfterValidator(_not_percent_typo)]
    revenue: Annotated[list[RevenueStream], Field(min_length=1)]
    bids: Annotated[list[Bid], Field(min_length=1)]
    policy: Policy = Field(default_factory=Policy)
    fx: dict[CurrencyCode, FxRate] = Field(default_factory=dict)
    uncertainty: list[Uncertainty] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check_references(self) -> Case:
        problems = reference_problems(self)
        if problems:
            raise _ReferenceError(problems)
        return self

    def bid(self, name: str) -> Bid:
        """Return the bid called ``name``."""
        return _by_name(self.bids, name, "bid")

    def stream(self, name: str) -> RevenueStream:
        """Return the revenue stream called ``name``."""
        return _by_name(self.revenue, name, "revenue stream")

    def fx_rate(self, currency: str | None) -> float:
        """Units of case currency per unit of ``currency`` (1.0 for the case currency)."""
        if currency is None or currency == self.currency:
            return 1.0
        return self.fx[currency]

    def _repr_html_(self) -> str:
        from bidfit.present.html import render_case_html

        return render_case_html(self)


def _by_name(items: Iterable[Any], name: str, what: str) -> Any:
    items = list(items)
    for item in items:
        if item.name == name:
            return item
    known = ", ".join(repr(i.name) for i in items)
    raise KeyError(f"no {what} named {name!r}; known: {known}")


class _ReferenceError(ValueError):
    """Carries every cross-reference problem of a case through pydantic."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


def _year_problems(
    where: str, loc: tuple[str | int, ...], fields: dict[str, int | None], horizon: int
) -> list[Problem]:
    problems = []
    for key, value in fields.items():
        if value is not None and value > horizon:
            problems.append(
                Problem(
                    f"{where}.{key}",
                    "year is outside the horizon",
                    found=value,
                    expected=f"a year from 0 to horizon_years ({horizon})",
                    code="year_outside_horizon",
                    loc=(*loc, key),
                )
            )
    start, end = fields.get("start_year"), fields.get("end_year")
    if start is not None and end is not None and end < start:
        problems.append(
            Problem(
                f"{where}.end_year",
                "end_year is before start_year",
                found=end,
                expected=f"a year from {start} to {horizon}",
                code="end_before_start",
                loc=(*loc, "end_year"),
            )
        )
    return problems


def _duplicate_problems(names: list[str], where: str, loc: tuple[str | int, ...]) -> list[Problem]:
    return [
        Problem(
            where,
            f"the name {name!r} is used {count} times",
            expected="unique names",
            code="duplicate_name",
            loc=loc,
        )
        for name, count in Counter(names).items()
        if count > 1
    ]


def reference_problems(case: Case) -> list[Problem]:
    """Check a case as a whole; return every problem found (empty when consistent).

    Field-by-field checks are done by the models; this checks what relates
    fields to each other: unique names, scopes and ``percent_of`` that name
    existing items, years inside the horizon, FX rates for every currency,
    scope options, uncertainty targets.
    """
    problems: list[Problem] = []
    stream_names = [s.name for s in case.revenue]
    problems += _duplicate_problems(stream_names, "revenue", ("revenue",))
    problems += _duplicate_problems([b.name for b in case.bids], "bids", ("bids",))
    for i, stream in enumerate(case.revenue):
        where = f"revenue[{stream.name!r}]"
        fields = {"start_year": stream.start_year, "end_year": stream.end_year}
        problems += _year_problems(where, ("revenue", i), fields, case.horizon_years)
        problems += _fx_problems(case, stream.currency, where, ("revenue", i))
    for b, bid in enumerate(case.bids):
        problems += _bid_problems(case, bid, ("bids", b))
    problems += _uncertainty_problems(case)
    return problems


def _fx_problems(case: Case, currency: str | None, where: str, loc: tuple[str | int, ...]) -> list[Problem]:
    if currency is None or currency == case.currency or currency in case.fx:
        return []
    return [
        Problem(
            f"{where}.currency",
            f"no FX rate for {currency}",
            found=currency,
            expected=f"{case.currency} or a currency listed in fx "
            f"(fx: {{{currency}: <{case.currency} per {currency}>}})",
            code="missing_fx",
            loc=(*loc, "currency"),
        )
    ]


def _scope_problems(
    names: list[str], streams: list[str], where: str, loc: tuple[str | int, ...]
) -> list[Problem]:
    return [
        Problem(
            where,
            f"scope names a revenue stream that does not exist: {name!r}",
            found=name,
            expected=f"one of {', '.join(map(repr, streams))} (empty = all)",
            code="unknown_name",
            loc=loc,
        )
        for name in names
        if name not in streams
    ]


def _cost_list_problems(
    case: Case,
    items: list[CostItem],
    where: str,
    loc: tuple[str | int, ...],
    references: list[CostItem] | None = None,
) -> list[Problem]:
    """Names unique, years inside the horizon, FX known, ``percent_of`` resolvable.

    ``references`` are further items ``percent_of`` may name (a scope
    option's costs may be a share of the base bid's one-time items).
    """
    problems = _duplicate_problems([c.name for c in items], where, loc)
    one_time = {c.name for c in [*(references or []), *items] if c.kind == "one_time"}
    for c, item in enumerate(items):
        item_where = f"{where}[{item.name!r}]"
        item_loc: tuple[str | int, ...] = (*loc, c)
        fields = {"year": item.year, "start_year": item.start_year, "end_year": item.end_year}
        problems += _year_problems(item_where, item_loc, fields, case.horizon_years)
        problems += _fx_problems(case, item.currency, item_where, item_loc)
        for target in item.percent_of:
            if target not in one_time:
                problems.append(
                    Problem(
                        f"{item_where}.percent_of",
                        f"percent_of names {target!r}, which is not a one-time cost of this bid",
                        found=target,
                        expected="names of one-time cost items of the same bid: "
                        + (", ".join(map(repr, sorted(one_time))) or "(none)"),
                        code="unknown_name",
                        loc=(*item_loc, "percent_of"),
                    )
                )
    problems += _percent_cycles(items, where, loc)
    if not problems:
        problems += _percent_amount_problems(case, items, where, loc, references or [])
    return problems


def _percent_amount_problems(
    case: Case, items: list[CostItem], where: str, loc: tuple[str | int, ...], references: list[CostItem]
) -> list[Problem]:
    """Items defined by ``percent_of`` whose amount comes to more than :data:`MAX_AMOUNT`.

    A chain of shares (an item that is a share of items that are shares...)
    could otherwise compound beyond what a float can hold, however small each
    share.
    """
    import numpy as np

    from bidfit.build.cashflows import cost_amounts  # it imports this module

    if not any(item.percent_of for item in items):
        return []
    pool = [*references, *items]
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            pool_amounts = cost_amounts(pool, case.fx_rate)
    except (KeyError, ValueError):
        return []  # a reference or currency of the base offer is wrong: reported there
    too_large = {
        item.name
        for item, amount in zip(pool, pool_amounts, strict=True)
        if item.percent_of and not amount <= MAX_AMOUNT
    }
    amounts = pool_amounts[len(references) :]
    # Name only where the excess starts, not every item that is a share of it.
    return [
        Problem(
            f"{where}[{item.name!r}].percent",
            f"with percent_of the item comes to {amount:.3g} {case.currency}, above the largest amount allowed"
            if math.isfinite(amount)
            else "with percent_of the item comes to more than can be computed",
            found=item.percent,
            expected=f"a share whose amount comes to at most {_power_of_ten(MAX_AMOUNT)} {case.currency}",
            code="out_of_range",
            loc=(*loc, c, "percent"),
        )
        for c, (item, amount) in enumerate(zip(items, amounts, strict=True))
        if item.name in too_large and too_large.isdisjoint(item.percent_of)
    ]


def _bid_problems(case: Case, bid: Bid, loc: tuple[str | int, ...]) -> list[Problem]:
    where = f"bids[{bid.name!r}]"
    streams = [s.name for s in case.revenue]
    problems = _scope_problems(bid.scope, streams, f"{where}.scope", (*loc, "scope"))
    problems += _cost_list_problems(case, bid.costs, f"{where}.costs", (*loc, "costs"))
    problems += _cost_list_problems(case, bid.vendor_costs, f"{where}.vendor_costs", (*loc, "vendor_costs"))
    if not bid.options:
        return problems
    if not bid.scope:
        problems.append(
            Problem(
                f"{where}.scope",
                "a bid with scope options needs the scope of its base offer",
                expected="the revenue streams the base offer addresses",
                code="missing_scope",
                loc=(*loc, "scope"),
            )
        )
    if len(bid.options) > MAX_SCOPE_OPTIONS:
        problems.append(
            Problem(
                f"{where}.options",
                f"too many scope options to evaluate every combination (2^{len(bid.options)})",
                found=len(bid.options),
                expected=f"at most {MAX_SCOPE_OPTIONS} options",
                code="too_many",
                loc=(*loc, "options"),
            )
        )
    problems += _duplicate_problems([o.name for o in bid.options], f"{where}.options", (*loc, "options"))
    for o, option in enumerate(bid.options):
        o_where, o_loc = f"{where}.options[{option.name!r}]", (*loc, "options", o)
        problems += _scope_problems(option.scope, streams, f"{o_where}.scope", (*o_loc, "scope"))
        for attr, base in (("costs", bid.costs), ("vendor_costs", bid.vendor_costs)):
            items = getattr(option, attr)
            problems += _cost_list_problems(case, items, f"{o_where}.{attr}", (*o_loc, attr), references=base)
            clashes = sorted({c.name for c in items} & {c.name for c in base})
            problems += [
                Problem(
                    f"{o_where}.{attr}",
                    f"the name {name!r} is already used by the base offer",
                    expected="names unique across the base offer and its options",
                    code="duplicate_name",
                    loc=(*o_loc, attr),
                )
                for name in clashes
            ]
    return problems


def _uncertainty_problems(case: Case) -> list[Problem]:
    """Targets that name nothing, duplicates, parameters outside a field's range, bad correlations."""
    problems: list[Problem] = []
    targets = [u.target for u in case.uncertainty]
    for u, entry in enumerate(case.uncertainty):
        where = f"uncertainty[{entry.target!r}]"
        loc: tuple[str | int, ...] = ("uncertainty", u)
        try:
            _, _, _, field_name = resolve_target(case, entry.target)
        except KeyError as exc:
            problems.append(
                Problem(
                    f"{where}.target",
                    exc.args[0],
                    found=entry.target,
                    expected="discount_rate, revenue.<stream>.<field> or cost.<bid>.<item>.<field>",
                    code="unknown_name",
                    loc=(*loc, "target"),
                )
            )
            continue
        if targets.count(entry.target) > 1 and targets.index(entry.target) == u:
            problems.append(
                Problem(
                    f"{where}.target",
                    "the same input has more than one distribution",
                    found=entry.target,
                    expected="one uncertainty per input",
                    code="duplicate_name",
                    loc=(*loc, "target"),
                )
            )
        kind, index, item, _ = resolve_target(case, entry.target)
        if kind == "cost":
            cost = case.bids[index].costs[item]
            if (field_name == "percent") != bool(cost.percent_of):
                has = "is defined by percent_of" if cost.percent_of else "has an amount"
                problems.append(
                    Problem(
                        f"{where}.target",
                        f"the cost item {has}, so its {field_name} has no effect",
                        found=entry.target,
                        expected="percent for an item defined by percent_of, amount otherwise",
                        code="no_effect",
                        loc=(*loc, "target"),
                    )
                )
            elif field_name == "escalation" and not cost.is_recurring:
                problems.append(
                    Problem(
                        f"{where}.target",
                        "a one-time cost does not escalate",
                        found=entry.target,
                        expected="escalation of a recurring cost",
                        code="no_effect",
                        loc=(*loc, "target"),
                    )
                )
        lowest, highest, open_low = FIELD_BOUNDS[field_name]
        for name in ("low", "mode", "high"):
            value = getattr(entry, name)
            if value is None:
                continue
            too_low = value <= lowest if open_low else value < lowest
            if too_low or (highest is not None and value > highest):
                problems.append(
                    Problem(
                        f"{where}.{name}",
                        f"{name} is outside the valid range of {field_name}",
                        found=value,
                        expected=FIELD_HINTS.get(field_name),
                        code="out_of_range",
                        loc=(*loc, name),
                    )
                )
        partner = entry.correlated_with
        if partner is not None and (partner not in targets or partner == entry.target):
            problems.append(
                Problem(
                    f"{where}.correlated_with",
                    "correlated_with must name another uncertainty's target",
                    found=partner,
                    expected="one of " + ", ".join(map(repr, targets)),
                    code="unknown_name",
                    loc=(*loc, "correlated_with"),
                )
            )
    return problems


def _percent_cycles(items: list[CostItem], where: str, loc: tuple[str | int, ...]) -> list[Problem]:
    """Find one-time items whose ``percent_of`` chain leads back to themselves."""
    links = {c.name: c.percent_of for c in items if c.kind == "one_time"}
    problems = []
    for c, item in enumerate(items):
        seen: set[str] = set()
        stack = list(links.get(item.name, [])) if item.kind == "one_time" else []
        while stack:
            name = stack.pop()
            if name == item.name:
                problems.append(
                    Problem(
                        f"{where}[{item.name!r}].percent_of",
                        "percent_of refers back to the item itself",
                        expected="a chain of percent_of that ends in items with an amount",
                        code="cycle",
                        loc=(*loc, c, "percent_of"),
                    )
                )
                break
            if name not in seen:
                seen.add(name)
                stack.extend(links.get(name, []))
    return problems
