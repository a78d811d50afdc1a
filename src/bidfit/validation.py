"""Validation at the edge: raw data (YAML, JSON, a workbook) into a :class:`bidfit.Case`.

:func:`validate_case` reports every problem of an input at once, each as a
:class:`bidfit.Problem` naming the field (``bids['Vendor A'].costs['Fee'].amount``)
with what was found and what is valid. pydantic checks each field; the
models then check the case as a whole (names, scopes, years, FX). Since the
second check only runs on a case whose fields are all valid, it is run again
here on the items that are valid on their own, so that an input with a bad
amount *and* an unknown scope name is told about both in one go.
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import BaseModel, ValidationError

from bidfit.errors import InputError, Problem, format_location
from bidfit.models import (
    FIELD_HINTS,
    Bid,
    Case,
    CostItem,
    Policy,
    RevenueStream,
    ScopeOption,
    Uncertainty,
    _ReferenceError,
)

__all__ = ["REFERENCE_CODES", "cross_reference_problems", "problems_from_validation_error", "validate_case"]


def problems_from_validation_error(exc: ValidationError, data: Any = None) -> list[Problem]:
    """Turn a pydantic ``ValidationError`` into bidfit problems with readable locations.

    Parameters
    ----------
    exc : pydantic.ValidationError
        The error raised while validating ``data``.
    data : object, optional
        The raw input, used to show list items by their names.
    """
    problems: list[Problem] = []
    for error in exc.errors():
        cause = error.get("ctx", {}).get("error")
        if isinstance(cause, _ReferenceError):
            problems.extend(cause.problems)
            continue
        loc = tuple(error["loc"])
        field_name = next((part for part in reversed(loc) if isinstance(part, str)), "")
        message = error["msg"].removeprefix("Value error, ")
        found = error.get("input")
        if error["type"] == "missing":
            found = None
            message = "is required"
        elif error["type"] == "extra_forbidden":
            message = f"unknown field {field_name!r}"
            found = None
        elif isinstance(found, dict | list):
            found = None
        if isinstance(found, float) and not math.isfinite(found):
            found = str(found)
        expected = _hint(field_name, loc)
        if error["type"] == "extra_forbidden":
            expected = _known_fields_hint(loc, data)
        problems.append(
            Problem(
                format_location(loc, data),
                message,
                found=found,
                expected=expected,
                code=error["type"],
                loc=loc,
            )
        )
    return problems


def _hint(field_name: str, loc: tuple[str | int, ...]) -> str | None:
    """What a valid value of ``field_name`` looks like where ``loc`` points."""
    if field_name == "kind":
        return "revenue, saving or avoided_cost" if loc[:1] == ("revenue",) else "one_time or recurring"
    return FIELD_HINTS.get(field_name)


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
    model: type[BaseModel] = Case
    for part in loc[:-1]:
        if isinstance(part, str) and part in _MODEL_AT:
            model = _MODEL_AT[part]
    return "one of " + ", ".join(model.model_fields)


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
        return Case.model_validate(data)
    except ValidationError as exc:
        problems = problems_from_validation_error(exc, data)
    if not any(p.code in REFERENCE_CODES for p in problems):
        problems += cross_reference_problems(data, problems)
    raise InputError(problems, file)


REFERENCE_CODES = frozenset(
    {
        "duplicate_name",
        "missing_fx",
        "unknown_name",
        "year_outside_horizon",
        "end_before_start",
        "cycle",
        "out_of_range",
        "missing_scope",
        "too_many",
    }
)
"""Codes of the problems :func:`bidfit.models.reference_problems` finds (names, years, FX)."""


def cross_reference_problems(data: dict[str, Any], first: list[Problem]) -> list[Problem]:
    """Cross-reference problems among the items that are valid on their own.

    A case with a field error (a bad amount, a wrong kind) never reaches the
    model's cross-reference checks, so their problems (an unknown scope, a
    year beyond the horizon, a missing FX rate) would only show after the
    first fix. Here the checks run on the items without field errors, and
    problems that only come from leaving an item out (a reference to it) are
    dropped. Locations are given in the input's own item numbering.
    """

    def broken(*prefix: str | int) -> bool:
        return any(tuple(p.loc[: len(prefix)]) == prefix for p in first)

    if broken("horizon_years") or broken("currency"):
        return []
    left_out: set[str] = set()
    moved: dict[tuple[str | int, ...], tuple[str | int, ...]] = {}

    def unusable(prefix: tuple[str | int, ...]) -> bool:
        """The item at ``prefix`` has a problem as a whole or in its name."""
        return any(tuple(p.loc) == prefix for p in first) or broken(*prefix, "name")

    def usable_fields(item: dict[str, Any], prefix: tuple[str | int, ...]) -> dict[str, Any]:
        """The item without its fields that have a problem of their own (a bad min_margin)."""
        n = len(prefix)
        bad = {p.loc[n] for p in first if tuple(p.loc[:n]) == prefix and len(p.loc) > n}
        return {k: v for k, v in item.items() if k not in bad or k in (*lists, "options")}

    def keep(items: list[Any], old: tuple[str | int, ...], new: tuple[str | int, ...]) -> list[Any]:
        kept: list[Any] = []
        for i, item in enumerate(items):
            if broken(*old, i):
                left_out.add(str(item.get("name", item.get("target", ""))))
                continue
            key = (*new, len(kept))
            moved[key] = (*old, i)
            kept.append(item)
        return kept

    lists = ("costs", "vendor_costs")
    bids: list[dict[str, Any]] = []
    for b, bid in enumerate(data.get("bids", [])):
        if unusable(("bids", b)):
            left_out.add(str(bid.get("name", "")))
            continue
        nb = len(bids)
        moved[("bids", nb)] = ("bids", b)
        kept = usable_fields(bid, ("bids", b))
        kept |= {a: keep(bid.get(a, []), ("bids", b, a), ("bids", nb, a)) for a in lists}
        options: list[dict[str, Any]] = []
        for o, option in enumerate(bid.get("options", [])):
            old = ("bids", b, "options", o)
            if unusable(old):
                continue
            new = ("bids", nb, "options", len(options))
            moved[new] = old
            kept_option = usable_fields(option, old)
            options.append(kept_option | {a: keep(option.get(a, []), (*old, a), (*new, a)) for a in lists})
        kept["options"] = options
        bids.append(kept)
    fx = {code: rate for code, rate in data.get("fx", {}).items() if not broken("fx", code)}
    left_out.update(set(data.get("fx", {})) - set(fx))
    clean = {
        "name": "check",
        "horizon_years": data.get("horizon_years"),
        "discount_rate": 0.0,
        "currency": data.get("currency", "EUR"),
        "revenue": keep(data.get("revenue", []), ("revenue",), ("revenue",)),
        "bids": bids,
        "fx": fx,
        "uncertainty": keep(data.get("uncertainty", []), ("uncertainty",), ("uncertainty",)),
    }
    try:
        Case.model_validate(clean)
    except ValidationError as exc:
        return [
            _renumbered(p, moved)
            for p in problems_from_validation_error(exc, clean)
            if p.code in REFERENCE_CODES and not _mentions(p.found, left_out)
        ]
    return []


def _mentions(found: object, names: set[str]) -> bool:
    return isinstance(found, str) and any(name and name in found for name in names)


def _renumbered(p: Problem, moved: dict[tuple[str | int, ...], tuple[str | int, ...]]) -> Problem:
    loc = tuple(p.loc)
    for k in range(len(loc), 0, -1):
        if loc[:k] in moved:
            loc = (*moved[loc[:k]], *loc[k:])
            break
    return Problem(p.where, p.message, found=p.found, expected=p.expected, code=p.code, loc=loc)
