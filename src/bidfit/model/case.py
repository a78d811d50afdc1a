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

from collections.abc import Iterable
from typing import Annotated, Any, ClassVar

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from bidfit.flags import FLAG_CODES, Severity
from bidfit.model.base import (
    COST_CATEGORIES,
    DISTRIBUTION_PARAMETERS,
    UNCERTAIN_FIELDS,
    CostCategory,
    CostKind,
    CurrencyCode,
    DiscountRate,
    Distribution,
    Finite,
    FxRate,
    Model,
    Names,
    OptionalText,
    StreamKind,
    lower_word,
    not_percent_typo,
)
from bidfit.model.fields import (
    bounds,
)

__all__ = [
    "CASE_SCHEMA_ID",
    "COST_CATEGORIES",
    "Bid",
    "Case",
    "CostItem",
    "Policy",
    "RevenueStream",
    "ScopeOption",
    "Uncertainty",
    "case_json_schema",
    "resolve_target",
]


class RevenueStream(Model):
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

    field_group: ClassVar[str] = "revenue"
    """The key of the model's fields in :data:`~bidfit.model.fields.FIELDS`."""

    name: Annotated[str, Field(min_length=1)]
    annual_amount: Annotated[float, bounds("revenue", "annual_amount")]
    growth: Annotated[float, bounds("revenue", "growth")] = 0.0
    capture: Annotated[float, bounds("revenue", "capture")] = 1.0
    margin: Annotated[float, bounds("revenue", "margin")] = 1.0
    kind: Annotated[StreamKind, BeforeValidator(lower_word)] = "revenue"
    start_year: Annotated[int, bounds("revenue", "start_year")] = 1
    end_year: Annotated[int, bounds("revenue", "end_year")] | None = None
    ramp_years: Annotated[int, bounds("revenue", "ramp_years")] = 0
    currency: CurrencyCode | None = None
    source: OptionalText = None


class CostItem(Model):
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

    field_group: ClassVar[str] = "cost"
    """The key of the model's fields in :data:`~bidfit.model.fields.FIELDS`."""

    name: Annotated[str, Field(min_length=1)]
    category: Annotated[CostCategory, BeforeValidator(lower_word)] = "other"
    kind: Annotated[CostKind, BeforeValidator(lower_word)]
    amount: Annotated[float, bounds("cost", "amount")] | None = None
    percent_of: Names = Field(default_factory=list)
    percent: Annotated[float, bounds("cost", "percent")] | None = None
    year: Annotated[int, bounds("cost", "year")] | None = None
    start_year: Annotated[int, bounds("cost", "start_year")] | None = None
    end_year: Annotated[int, bounds("cost", "end_year")] | None = None
    escalation: Annotated[float, bounds("cost", "escalation")] = 0.0
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


class ScopeOption(Model):
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

    field_group: ClassVar[str] = "option"
    """The key of the model's fields in :data:`~bidfit.model.fields.FIELDS`."""

    name: Annotated[str, Field(min_length=1)]
    scope: Names = Field(default_factory=list)
    costs: list[CostItem] = Field(default_factory=list)
    vendor_costs: list[CostItem] = Field(default_factory=list)


class Bid(Model):
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

    field_group: ClassVar[str] = "bid"
    """The key of the model's fields in :data:`~bidfit.model.fields.FIELDS`."""

    name: Annotated[str, Field(min_length=1)]
    vendor: str = ""
    costs: list[CostItem] = Field(default_factory=list)
    scope: Names = Field(default_factory=list)
    vendor_costs: list[CostItem] = Field(default_factory=list)
    min_margin: Annotated[float, bounds("bid", "min_margin")] | None = None
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


class Policy(Model):
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

    field_group: ClassVar[str] = "policy"
    """The key of the model's fields in :data:`~bidfit.model.fields.FIELDS`."""

    max_payback_years: Annotated[float, bounds("policy", "max_payback_years")] | None = None
    min_benefit_cost_ratio: Annotated[float, bounds("policy", "min_benefit_cost_ratio")] = 1.0
    min_benefit_headroom: Annotated[float, bounds("policy", "min_benefit_headroom")] = 0.0
    stress_benefit_cut: Annotated[float, bounds("policy", "stress_benefit_cut")] | None = None
    max_loss_probability: Annotated[float, bounds("policy", "max_loss_probability")] | None = None
    require_source: bool = False
    severity: dict[str, Severity] = Field(default_factory=dict)

    @field_validator("severity", mode="before")
    @classmethod
    def _known_codes(cls, value: Any) -> Any:
        if isinstance(value, dict):
            unknown = sorted(str(code) for code in value if str(code).upper() not in FLAG_CODES)
            if unknown:
                raise ValueError(f"unknown flag code(s) {', '.join(unknown)}; known: {', '.join(FLAG_CODES)}")
            return {str(code).upper(): lower_word(sev) for code, sev in value.items()}
        return value


class Uncertainty(Model):
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

    field_group: ClassVar[str] = "uncertainty"
    """The key of the model's fields in :data:`~bidfit.model.fields.FIELDS`."""

    target: Annotated[str, Field(min_length=1)]
    distribution: Annotated[Distribution, BeforeValidator(lower_word)]
    low: Finite | None = None
    mode: Finite | None = None
    high: Finite | None = None
    mean: Finite | None = None
    sd: Annotated[float, bounds("uncertainty", "sd")] | None = None
    correlated_with: OptionalText = None
    correlation: Annotated[float, bounds("uncertainty", "correlation")] | None = None

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


class Case(Model):
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

    field_group: ClassVar[str] = "case"
    """The key of the model's fields in :data:`~bidfit.model.fields.FIELDS`."""

    name: Annotated[str, Field(min_length=1)]
    customer: str = ""
    currency: CurrencyCode = "EUR"
    horizon_years: Annotated[int, bounds("case", "horizon_years")]
    discount_rate: Annotated[DiscountRate, AfterValidator(not_percent_typo)]
    revenue: Annotated[list[RevenueStream], Field(min_length=1)]
    bids: Annotated[list[Bid], Field(min_length=1)]
    policy: Policy = Field(default_factory=Policy)
    fx: dict[CurrencyCode, FxRate] = Field(default_factory=dict)
    uncertainty: list[Uncertainty] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check_references(self, info: ValidationInfo) -> Case:
        """Check that the fields fit together (:mod:`bidfit.model.references`).

        Validating with ``context={"check_references": False}`` checks the
        fields only, for a caller that runs the reference checks itself.
        """
        if (info.context or {}).get("check_references", True):
            from bidfit.model.references import reference_problems  # it reads the models defined here

            problems = reference_problems(self)
            if problems:
                raise ValueError("; ".join(str(p) for p in problems))
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


CASE_SCHEMA_ID = "urn:bidfit:schema:case"
"""The ``$id`` of the case file's JSON schema."""


def case_json_schema() -> dict[str, Any]:
    """The JSON schema (draft 2020-12) of a case file, as ``bidfit schema`` prints it.

    Each field carries its description and unit from
    :data:`~bidfit.model.fields.FIELDS` and accepts the forms validation
    accepts (numbers written as text, choices in any case, one name for a
    list of names). What the schema cannot say (names that refer to each
    other, years inside the horizon, a cost's amount or ``percent_of``) is
    checked by ``bidfit check``.

    Examples
    --------
    >>> schema = case_json_schema()
    >>> schema["title"], schema["required"]
    ('bidfit case', ['name', 'horizon_years', 'discount_rate', 'revenue', 'bids'])
    >>> schema["$defs"]["CostItem"]["properties"]["kind"]["anyOf"][0]["enum"]
    ['one_time', 'recurring']
    """
    schema = Case.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": CASE_SCHEMA_ID,
        **schema,
        "title": "bidfit case",
        "description": "A bidfit business case (YAML or JSON): the customer's revenue or saving at stake "
        "and the bids against it. Money is in the case currency unless an item names another; rates "
        "and shares are fractions (0.08 for 8%); years run 0..horizon_years. Names that refer to each "
        "other, years inside the horizon and an FX rate for every currency are checked by `bidfit check`.",
    }
