"""Validation at the edge: raw data (YAML, JSON, a workbook) into a :class:`bidfit.Case`.

:func:`validate_case` reports every problem of an input at once, each as a
:class:`bidfit.Problem` naming the field (``bids['Vendor A'].costs['Fee'].amount``)
with what was found and what is valid. pydantic checks the structure and
each field first; the reference checks (:mod:`bidfit.model.references`:
names, scopes, years, FX) then run once, on the items that are valid on their
own, so that an input with a bad amount *and* an unknown scope name is told
about both in one go.
"""

from __future__ import annotations

import datetime
import math
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from bidfit.errors import InputError, Problem, format_location
from bidfit.model.base import FIELD_HINTS
from bidfit.model.case import Bid, Case, CostItem, Policy, RevenueStream, ScopeOption, Uncertainty
from bidfit.model.fields import FIELDS
from bidfit.model.references import missing_cost_problems, reference_problems

__all__ = ["problems_from_validation_error", "validate_case"]

_FIELDS_ONLY = {"check_references": False}
"""Validation context of a :class:`Case` whose reference checks are run here, once."""


def problems_from_validation_error(exc: ValidationError, data: Any = None) -> list[Problem]:
    """Turn a pydantic ``ValidationError`` into bidfit problems with readable locations.

    Parameters
    ----------
    exc : pydantic.ValidationError
        The error raised while validating ``data``.
    data : object, optional
        The raw input, used to show list items by their names.
    """
    return [_problem_from_error(error, data) for error in exc.errors()]


def _problem_from_error(error: ErrorDetails, data: Any) -> Problem:
    """One pydantic error as a problem: field path, what is wrong, what was found, what is valid."""
    loc, kind = tuple(error["loc"]), error["type"]
    field_name = next((part for part in reversed(loc) if isinstance(part, str) and part != "[key]"), "")
    message = error["msg"].removeprefix("Value error, ")
    value = error.get("input")
    where = format_location(loc, data)
    expected = _hint(field_name, loc)
    if kind == "missing":
        value, message = None, "is required"
    elif kind == "extra_forbidden":
        value, message = None, f"unknown field {field_name!r}"
        expected = _known_fields_hint(loc, data)
    elif kind == "invalid_key":
        where, message = format_location(loc[:-1], data), f"the key {_shown(value)} is not text"
        value, expected = None, _known_fields_hint(loc, data)
    elif loc[-1:] == ("[key]",):
        if kind in _TYPES:
            message = f"must be {_TYPES[kind]}, not {_kind(value)}"
        where, message = (
            format_location(loc[:-2], data),
            f"the key {_shown(value)} {message[:1].lower()}{message[1:]}",
        )
        value, expected = None, _KEY_HINTS.get(field_name, expected)
    elif kind in _SHAPES or (_is_container(value) and (kind in _TYPES or kind.startswith("literal"))):
        message, expected = _shape_message(kind, message, value, loc), _shape_hint(loc) or expected
    return Problem(where, message, found=_found(value), expected=expected, code=kind, loc=loc)


# What a list, mapping or item must be, by the pydantic error type of a value of the wrong shape.
_SHAPES: dict[str, str] = {
    "model_type": "a mapping of fields",
    "model_attributes_type": "a mapping of fields",
    "dict_type": "a mapping",
    "list_type": "a list",
}
# The same for a scalar field, said only when a list or mapping stands in for the scalar.
_TYPES: dict[str, str] = {
    "string_type": "text",
    "float_type": "a number",
    "float_parsing": "a number",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
}
_KEY_HINTS: dict[str, str] = {
    "fx": "currency codes such as USD as keys",
    "severity": "flag codes such as THIN_MARGIN as keys",
}

_NOUNS: dict[type[BaseModel], str] = {
    Case: "case",
    RevenueStream: "revenue stream",
    Bid: "bid",
    CostItem: "cost item",
    ScopeOption: "scope option",
    Uncertainty: "uncertainty entry",
    Policy: "policy",
}


def _is_container(value: Any) -> bool:
    return isinstance(value, dict | list | tuple | set | frozenset)


def _kind(value: Any) -> str:
    """What a raw value is, in a user's words.

    Examples
    --------
    >>> [_kind(v) for v in (None, True, 3, "x", [1], {"a": 1})]
    ['empty', 'true/false', 'a number', 'text', 'a list', 'a mapping']
    """
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, set | frozenset):
        return "a set"
    if isinstance(value, bytes):
        return "binary data"
    if isinstance(value, datetime.date):
        return "a date"
    return type(value).__name__


def _shape_message(error_type: str, message: str, value: Any, loc: tuple[str | int, ...]) -> str:
    """``must be a list, not text``: what the value must be and what it is."""
    what = _SHAPES.get(error_type) or _TYPES.get(error_type)
    if error_type in ("model_type", "model_attributes_type"):
        what = f"a mapping of the {_NOUNS.get(_model_at(loc), 'item')}'s fields"
    if what is None:
        return f"{message}, not {_kind(value)}"
    return f"must be {what}, not {_kind(value)}"


def _shape_hint(loc: tuple[str | int, ...]) -> str | None:
    """What a valid list, mapping or item looks like where ``loc`` points (None: no general hint).

    Examples
    --------
    >>> _shape_hint(("bids", 0, "scope"))
    'names: a list, or one text with the names separated by commas'
    >>> _shape_hint(("bids", 0, "options", 1))
    'a mapping with name and optionally scope, costs, vendor_costs'
    """
    last = loc[-1] if loc else None
    parent = loc[-2] if len(loc) >= 2 else None
    if last in ("scope", "percent_of"):
        return "names: a list, or one text with the names separated by commas"
    if isinstance(last, int) and parent in ("scope", "percent_of"):
        return "a name, as text"
    if last == "fx":
        return "a mapping of currency code to rate, such as {USD: 0.92}"
    if last == "severity":
        return "a mapping of flag code to error, warning or info, such as {THIN_MARGIN: error}"
    if isinstance(last, str) and last in _MODEL_AT:
        fields = _fields_hint(_MODEL_AT[last])
        return fields if last == "policy" else f"a list of {_NOUNS[_MODEL_AT[last]]}s, each {fields}"
    if isinstance(last, int) and isinstance(parent, str) and parent in _MODEL_AT:
        return _fields_hint(_MODEL_AT[parent])
    return None


def _fields_hint(model: type[BaseModel]) -> str:
    """``a mapping with name, kind and optionally ...``: the fields of ``model``."""
    required = [name for name, info in model.model_fields.items() if info.is_required()]
    optional = [name for name in model.model_fields if name not in required]
    if not required:
        return f"a mapping with any of {', '.join(optional)}"
    return f"a mapping with {', '.join(required)}" + (
        f" and optionally {', '.join(optional)}" if optional else ""
    )


def _shown(value: Any) -> str:
    """A key or value inside a message: text quoted, a list or mapping by its kind."""
    if _is_container(value):
        return _kind(value)
    return repr(value) if isinstance(value, str) else str(_found(value))


def _found(value: Any) -> Any:
    """A raw value as it can be shown in a problem: a scalar, never a whole list or a huge number."""
    if _is_container(value):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 128:
        return f"a number of about {value.bit_length() * 0.30103:.0f} digits"
    return value


def _hint(field_name: str, loc: tuple[str | int, ...]) -> str | None:
    """What a valid value of ``field_name`` looks like where ``loc`` points."""
    group = getattr(_model_at(loc[:-1]), "field_group", "")
    spec = FIELDS.get((group, field_name))
    return spec.hint if spec is not None and spec.hint is not None else FIELD_HINTS.get(field_name)


_MODEL_AT: dict[str, type[BaseModel]] = {
    "uncertainty": Uncertainty,
    "revenue": RevenueStream,
    "bids": Bid,
    "options": ScopeOption,
    "costs": CostItem,
    "vendor_costs": CostItem,
    "policy": Policy,
}


def _known_fields_hint(loc: tuple[str | int, ...], data: Any) -> str:
    """Name the valid fields of the model that holds an unknown field."""
    return "one of " + ", ".join(_model_at(loc[:-1]).model_fields)


def _model_at(loc: tuple[str | int, ...]) -> type[BaseModel]:
    """The model of the item ``loc`` points into (the case at the top)."""
    model: type[BaseModel] = Case
    for part in loc:
        if isinstance(part, str) and part in _MODEL_AT:
            model = _MODEL_AT[part]
    return model


def validate_case(data: Any, file: str | None = None) -> Case:
    """Validate raw data (as read from YAML, JSON or a workbook) into a :class:`Case`.

    Raises
    ------
    InputError
        With every problem found, each naming its field.

    Examples
    --------
    >>> validate_case({"name": "X", "horizon_years": 0, "discount_rate": 0.08,
    ...                "revenue": [], "bids": []}, file="x.yaml")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    bidfit.errors.InputError: x.yaml: horizon_years: Input should be greater than or equal to 1 ...
    """
    if not isinstance(data, dict):
        raise InputError(
            [
                Problem(
                    "",
                    "the file does not hold a case",
                    found=type(data).__name__,
                    expected="a mapping with name, horizon_years, discount_rate, revenue, bids",
                )
            ],
            file,
        )
    try:
        case = Case.model_validate(data, context=_FIELDS_ONLY)
    except ValidationError as exc:
        problems = problems_from_validation_error(exc, data)
    else:
        # A file is held to one more rule than a case built in Python: every bid costs something.
        if problems := [*reference_problems(case), *missing_cost_problems(case)]:
            raise InputError(problems, file)
        return case
    raise InputError(problems + _valid_items_reference_problems(data, problems), file)


def _valid_items_reference_problems(data: dict[str, Any], first: list[Problem]) -> list[Problem]:
    """Reference problems among the items that are valid on their own.

    An input with a field error (a bad amount, a wrong kind) yields no case,
    yet its reference problems (an unknown scope, a year beyond the horizon, a
    missing FX rate) should not wait for the first fix. Here the checks run on
    the items without field errors, and problems that only come from leaving
    an item out (a reference to it) are dropped. Locations are given in the
    input's own item numbering. A list or mapping of the wrong shape (already
    a problem in ``first``) counts as empty, and an item that is not a mapping
    is left out.
    """
    # Long: walks every list of the raw data once, keeping the items that are valid on their own.

    def broken(*prefix: str | int) -> bool:
        return any(tuple(p.loc[: len(prefix)]) == prefix for p in first)

    if broken("horizon_years") or broken("currency"):
        return []
    left_out: set[str] = set()
    moved: dict[tuple[str | int, ...], tuple[str | int, ...]] = {}

    def unusable(item: Any, prefix: tuple[str | int, ...]) -> bool:
        """The item at ``prefix`` is not a mapping, or has a problem as a whole or in its name."""
        whole = any(tuple(p.loc) == prefix for p in first)
        return not isinstance(item, dict) or whole or broken(*prefix, "name")

    def usable_fields(item: dict[str, Any], prefix: tuple[str | int, ...]) -> dict[str, Any]:
        """The item without its fields that have a problem of their own (a bad min_margin)."""
        n = len(prefix)
        bad = {p.loc[n] for p in first if tuple(p.loc[:n]) == prefix and len(p.loc) > n}
        return {k: v for k, v in item.items() if k not in bad or k in (*lists, "options")}

    def keep(items: Any, old: tuple[str | int, ...], new: tuple[str | int, ...]) -> list[Any]:
        kept: list[Any] = []
        for i, item in enumerate(_as_list(items)):
            if broken(*old, i) or not isinstance(item, dict):
                left_out.add(_label(item))
                continue
            key = (*new, len(kept))
            moved[key] = (*old, i)
            kept.append(item)
        return kept

    lists = ("costs", "vendor_costs")
    bids: list[dict[str, Any]] = []
    for b, bid in enumerate(_as_list(data.get("bids"))):
        if unusable(bid, ("bids", b)):
            left_out.add(_label(bid))
            continue
        nb = len(bids)
        moved[("bids", nb)] = ("bids", b)
        kept = usable_fields(bid, ("bids", b))
        kept |= {a: keep(bid.get(a), ("bids", b, a), ("bids", nb, a)) for a in lists}
        options: list[dict[str, Any]] = []
        for o, option in enumerate(_as_list(bid.get("options"))):
            old = ("bids", b, "options", o)
            if unusable(option, old):
                continue
            new = ("bids", nb, "options", len(options))
            moved[new] = old
            kept_option = usable_fields(option, old)
            options.append(kept_option | {a: keep(option.get(a), (*old, a), (*new, a)) for a in lists})
        kept["options"] = options
        bids.append(kept)
    rates = data.get("fx")
    rates = rates if isinstance(rates, dict) else {}
    fx = {code: rate for code, rate in rates.items() if not broken("fx", code)}
    left_out.update(str(code) for code in rates if code not in fx)
    clean = {
        "name": "check",
        "horizon_years": data.get("horizon_years"),
        "discount_rate": 0.0,
        "currency": data.get("currency", "EUR"),
        "revenue": keep(data.get("revenue"), ("revenue",), ("revenue",)),
        "bids": bids,
        "fx": fx,
        "uncertainty": keep(data.get("uncertainty"), ("uncertainty",), ("uncertainty",)),
    }
    try:
        valid = Case.model_validate(clean, context=_FIELDS_ONLY)
    except ValidationError:
        return []  # what is left does not make a case: its field problems are in ``first``
    found = [
        _renumbered(p, moved)
        for p in [*reference_problems(valid), *missing_cost_problems(valid)]
        if not _mentions(p.found, left_out)
    ]
    # A field left out for its own problem (a scope that is not a list) is no second problem,
    # nor is a bid left without costs because its cost items have problems of their own.
    return [
        p
        for p in found
        if not any(q.loc and tuple(p.loc[: len(q.loc)]) == tuple(q.loc) for q in first)
        and not (p.code == "no_costs" and any(tuple(q.loc[: len(p.loc)]) == tuple(p.loc) for q in first))
    ]


def _as_list(value: Any) -> list[Any]:
    """The items of a list (or tuple); anything else, a shape problem of its own, holds none."""
    return list(value) if isinstance(value, list | tuple) else []


def _label(item: Any) -> str:
    """The name (or target) an item is known by, or ``""``."""
    label = item.get("name", item.get("target", "")) if isinstance(item, dict) else ""
    return str(label) if isinstance(label, str | int | float) else ""


def _mentions(found: object, names: set[str]) -> bool:
    return isinstance(found, str) and any(name and name in found for name in names)


def _renumbered(p: Problem, moved: dict[tuple[str | int, ...], tuple[str | int, ...]]) -> Problem:
    loc = tuple(p.loc)
    for k in range(len(loc), 0, -1):
        if loc[:k] in moved:
            loc = (*moved[loc[:k]], *loc[k:])
            break
    return Problem(p.where, p.message, found=p.found, expected=p.expected, code=p.code, loc=loc)
