"""The building blocks of the case models: their shared base class, the field types, and the
tables of field facts derived from the registry (:mod:`bidfit.model.fields`)."""

from __future__ import annotations

import types
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)

from bidfit.model.fields import FIELDS, MAX_FX_RATE, MIN_FX_RATE, field_spec, power_of_ten, specs_named

__all__ = [
    "COST_CATEGORIES",
    "DISTRIBUTION_PARAMETERS",
    "FIELD_BOUNDS",
    "FIELD_HINTS",
    "UNCERTAIN_FIELDS",
    "CostCategory",
    "CostKind",
    "CurrencyCode",
    "DiscountRate",
    "Distribution",
    "Finite",
    "FxRate",
    "Model",
    "Names",
    "OptionalText",
    "StreamKind",
    "lower_word",
    "not_percent_typo",
]

CostCategory = Literal[
    "capex", "installation", "license", "maintenance", "operations", "subscription", "training", "other"
]
COST_CATEGORIES: tuple[str, ...] = CostCategory.__args__  # type: ignore[attr-defined]
CostKind = Literal["one_time", "recurring"]
StreamKind = Literal["revenue", "saving", "avoided_cost"]


def _split_names(value: Any) -> Any:
    """Accept ``"A, B"`` as well as ``["A", "B"]`` for a list of names."""
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def _upper_code(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


def lower_word(value: Any) -> Any:
    """Let ``"One time"`` or ``"One-Time"`` mean ``one_time``."""
    if isinstance(value, str):
        return value.strip().lower().replace("-", "_").replace(" ", "_")
    return value


def not_percent_typo(value: float) -> float:
    if value >= 1:
        raise ValueError(
            f"a discount rate of {value} is {value:.0%} a year; rates are fractions (write 0.08 for 8%)"
        )
    return value


def _plausible_fx_rate(value: float) -> float:
    if not MIN_FX_RATE <= value <= MAX_FX_RATE:
        raise ValueError(
            f"an FX rate must be from {power_of_ten(MIN_FX_RATE)} to {power_of_ten(MAX_FX_RATE)} "
            "units of case currency per unit of the other currency"
        )
    return value


# Each bounded field's Field(...) comes from the registry (bidfit.model.fields.FIELDS). The
# discount rate's upper bound and the FX rates are checked by validators with their own message.
DiscountRate = Annotated[float, Field(ge=field_spec("case", "discount_rate").lower, allow_inf_nan=False)]
FxRate = Annotated[float, Field(allow_inf_nan=False), AfterValidator(_plausible_fx_rate)]
Names = Annotated[list[str], BeforeValidator(_split_names)]
CurrencyCode = Annotated[str, BeforeValidator(_upper_code), Field(pattern=r"^[A-Z]{3}$")]
OptionalText = Annotated[
    str | None, BeforeValidator(lambda v: v.strip() or None if isinstance(v, str) else v)
]


def _same_everywhere(name: str) -> str | None:
    """The hint of field ``name`` if every model holding it agrees on one, else None."""
    hints = {spec.hint for spec in specs_named(name)}
    return hints.pop() if len(hints) == 1 else None


FIELD_HINTS: dict[str, str] = {
    name: hint for name in dict.fromkeys(name for _, name in FIELDS) if (hint := _same_everywhere(name))
}
"""What a valid value looks like, by field name, for error messages (from :data:`FIELDS`;
a field whose valid values differ between models, such as ``kind``, has none)."""


def _holds_a_number_not_a_bool(annotation: Any) -> bool:
    """Whether a field's type takes a number and not a bool: ``float``, ``int | None``, not ``bool``."""
    if get_origin(annotation) is Annotated:
        return _holds_a_number_not_a_bool(get_args(annotation)[0])
    if get_origin(annotation) in (Union, types.UnionType):
        options = get_args(annotation)
        return bool not in options and any(_holds_a_number_not_a_bool(option) for option in options)
    return annotation in (int, float)


def _describe(schema: dict[str, Any], model: type[BaseModel]) -> None:
    """Give each property of a model's JSON schema the registry's description and unit."""
    group = getattr(model, "field_group", None)
    for name, prop in schema.get("properties", {}).items():
        spec = FIELDS.get((group, name)) if isinstance(group, str) else None
        if spec is not None:
            prop["description"] = f"{spec.description} Unit: {spec.unit}."


class Model(BaseModel):
    """The base of every case model: unknown fields refused, assignments validated, text stripped,
    true/false refused where a number is expected."""

    model_config = ConfigDict(
        extra="forbid", validate_assignment=True, str_strip_whitespace=True, json_schema_extra=_describe
    )

    @field_validator("*", mode="before")
    @classmethod
    def _no_true_or_false_for_a_number(cls, value: Any, info: ValidationInfo) -> Any:
        """Refuse true/false for a number field (pydantic would read them as 1 and 0)."""
        name = info.field_name
        if (
            isinstance(value, bool)
            and name is not None
            and _holds_a_number_not_a_bool(cls.model_fields[name].annotation)
        ):
            raise ValueError("expected a number, found true/false")
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
    model: tuple(spec.name for (owner, _), spec in FIELDS.items() if owner == model and spec.uncertain)
    for model in ("revenue", "cost")
}
"""The numeric fields an uncertainty may target, per kind of item."""

FIELD_BOUNDS: dict[str, tuple[float, float | None, bool]] = {
    # field: (lowest, highest, lowest excluded)
    spec.name: (float(spec.lower), None if spec.upper is None else float(spec.upper), spec.lower_open)
    for spec in FIELDS.values()
    if spec.uncertain and spec.lower is not None
}
"""Valid range of each uncertain field; a sampled value is kept inside it."""

Finite = Annotated[float, Field(allow_inf_nan=False)]
