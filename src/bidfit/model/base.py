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

from bidfit.flags import FLAG_CODES
from bidfit.model.fields import (
    FIELDS,
    MAX_FX_RATE,
    MIN_FX_RATE,
    FieldSpec,
    field_spec,
    power_of_ten,
    specs_named,
)

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


# -- the JSON schema: every form the models accept, described from the registry --

_NUMBER_TEXT = r"^\s*[+-]?(?:[0-9]+(?:_[0-9]+)*(?:\.(?:[0-9]+(?:_[0-9]+)*)?)?|\.[0-9]+(?:_[0-9]+)*)(?:[eE][+-]?[0-9]+(?:_[0-9]+)*)?\s*$"
"""A number written as text, which the models read as the number (``"0.08"``, ``" 1e6 "``)."""
_WHOLE_NUMBER_TEXT = r"^\s*[+-]?[0-9]+(?:_[0-9]+)*(?:\.0+)?\s*$"
"""A whole number written as text (``"5"``, ``"5.0"``)."""
_CURRENCY_TEXT = r"^\s*[A-Za-z]{3}\s*$"
"""A currency code in any case, with spaces around it: ``" eur"`` reads as ``EUR``."""
_NOT_BLANK = r"\S"
"""Text with something other than spaces (text is stripped before its length is checked)."""
_BOOLEAN_TEXT = (
    "^(?:"
    + "|".join(
        "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else c for c in word)
        for word in ("true", "false", "yes", "no", "on", "off", "t", "f", "y", "n", "1", "0")
    )
    + ")$"
)
"""The words a true/false field reads (any case): true/false, yes/no, on/off, t/f, y/n, 1/0."""


def any_case_pattern(words: tuple[str, ...], spaces: bool = True) -> str:
    r"""A regular expression matching ``words`` in any case, the way :func:`lower_word` reads them.

    With ``spaces`` (a choice read by :func:`lower_word`), each ``_`` may also be
    written as a space or a hyphen and spaces may surround the word; without,
    the word must be written as is, in any case (a flag code as a key).

    Examples
    --------
    >>> print(any_case_pattern(("one_time", "recurring")))
    ^\s*(?:[Oo][Nn][Ee][ _-][Tt][Ii][Mm][Ee]|[Rr][Ee][Cc][Uu][Rr][Rr][Ii][Nn][Gg])\s*$
    """
    underscore = "[ _-]" if spaces else "_"
    parts = (
        "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else underscore if c == "_" else c for c in w)
        for w in words
    )
    edge = r"\s*" if spaces else ""
    return f"^{edge}(?:{'|'.join(parts)}){edge}$"


def _accepted_forms(leaf: dict[str, Any], spec: FieldSpec | None) -> list[dict[str, Any]]:
    """The JSON-schema alternatives for one value of a field, as the models accept it.

    ``leaf`` is pydantic's schema of the value (a number, an enum, text, a
    list of names); ``spec`` the field's registry entry, whose bounds are
    stated on numbers, whose kind says that text is read as a list of names
    or a currency code.
    """
    kind = spec.kind if spec is not None else None
    if leaf.get("type") == "null":
        return [leaf]
    if "enum" in leaf:  # every choice of a case is read by lower_word: any case, spaces or hyphens
        return [leaf, {"type": "string", "pattern": any_case_pattern(tuple(leaf["enum"]))}]
    if leaf.get("type") in ("number", "integer"):
        number = dict(leaf)
        if spec is not None and spec.lower is not None:
            number["exclusiveMinimum" if spec.lower_open else "minimum"] = spec.lower
        if spec is not None and spec.upper is not None:
            number["exclusiveMaximum" if spec.upper_open else "maximum"] = spec.upper
        pattern = _WHOLE_NUMBER_TEXT if leaf["type"] == "integer" else _NUMBER_TEXT
        return [number, {"type": "string", "pattern": pattern}]
    if leaf.get("type") == "boolean":
        return [leaf, {"enum": [0, 1]}, {"type": "string", "pattern": _BOOLEAN_TEXT}]
    if kind == "names" and leaf.get("type") == "array":  # "A, B" means ["A", "B"]; empty means none
        return [leaf, {"type": "string"}, {"type": "null"}]
    if kind == "currency" and leaf.get("type") == "string":
        return [{**leaf, "pattern": _CURRENCY_TEXT}]
    if leaf.get("type") == "string" and leaf.get("minLength"):
        return [{**leaf, "pattern": _NOT_BLANK}]
    return [leaf]


def _with_forms(schema: dict[str, Any], spec: FieldSpec | None) -> dict[str, Any]:
    """``schema`` (one property's) accepting every form :func:`_accepted_forms` names, flattened."""
    keep = {key: value for key, value in schema.items() if key in ("default", "description", "title")}
    leaves = schema.get("anyOf", [{k: v for k, v in schema.items() if k not in keep}])
    forms = [form for leaf in leaves for form in _accepted_forms(leaf, spec)]
    return {**keep, **forms[0]} if len(forms) == 1 else {**keep, "anyOf": forms}


def _describe(schema: dict[str, Any], model: type[BaseModel]) -> None:
    """Give a model's JSON schema the registry's description and unit of each field and the forms it accepts.

    The model is described by its docstring's first line; each property by
    its :class:`~bidfit.model.fields.FieldSpec` (description, unit, bounds)
    and made to accept what validation accepts: numbers written as text,
    choices in any case (``One time``), one name where a list of names is
    expected (``scope: A``), currency codes in any case, true/false words.
    """
    summary = (model.__doc__ or "").strip().split("\n\n")[0]
    schema["description"] = " ".join(summary.split())
    group = getattr(model, "field_group", None)
    properties = schema.get("properties", {})
    for name, prop in properties.items():
        spec = FIELDS.get((group, name)) if isinstance(group, str) else None
        if spec is None:
            continue
        if spec.kind == "mapping":  # the keys are read as the values are: a currency code, a flag code
            values = _with_forms(prop["additionalProperties"], spec)
            prop.update(propertyNames={"pattern": _MAPPING_KEYS[name]}, additionalProperties=values)
        else:
            properties[name] = prop = _with_forms(prop, spec)
        prop["description"] = f"{spec.description} Unit: {spec.unit}."


_MAPPING_KEYS: dict[str, str] = {
    "fx": _CURRENCY_TEXT,
    "severity": any_case_pattern(tuple(FLAG_CODES), spaces=False),
}
"""The keys a mapping field accepts, by field name: currency codes of ``fx``, flag codes of ``severity``."""


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
