"""The field registry: one entry per model field, and every table derived from it agrees."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from bidfit.io import template
from bidfit.io.xlsx import layout
from bidfit.model import base
from bidfit.model.case import Bid, Case, CostItem, Policy, RevenueStream, ScopeOption, Uncertainty
from bidfit.model.fields import COST_CATEGORIES, FIELDS, MODELS, FieldSpec, field_spec, specs_named
from bidfit.studies import sensitivity

MODEL_CLASSES: dict[str, type[BaseModel]] = {
    "case": Case,
    "revenue": RevenueStream,
    "cost": CostItem,
    "bid": Bid,
    "option": ScopeOption,
    "policy": Policy,
    "uncertainty": Uncertainty,
}
SHEET_OF = {
    "case": "Case",
    "revenue": "Revenue",
    "cost": "Costs",
    "bid": "Bids",
    "option": "Options",
    "policy": "Policy",
    "uncertainty": "Uncertainty",
}

_CASE: dict[str, Any] = {
    "name": "Demo",
    "horizon_years": 5,
    "discount_rate": 0.08,
    "revenue": [{"name": "Sales", "annual_amount": 100}],
    "bids": [{"name": "A", "costs": [{"name": "Fee", "kind": "recurring", "amount": 50}]}],
}
# A valid object of each model, and the changes a field needs to be valid at all
# (a one-time cost for ``year``, a percent_of item for ``percent``).
_BASE: dict[str, dict[str, Any]] = {
    "case": _CASE,
    "revenue": {"name": "Sales", "annual_amount": 100},
    "cost": {"name": "Fee", "kind": "recurring", "amount": 50},
    "bid": {"name": "A"},
    "option": {"name": "Sweden"},
    "policy": {},
    "uncertainty": {"target": "discount_rate", "distribution": "normal", "mean": 0.08, "sd": 0.01},
}
_NEEDS: dict[tuple[str, str], dict[str, Any]] = {
    ("cost", "year"): {"kind": "one_time"},
    ("cost", "percent"): {"amount": None, "percent_of": ["Kit"]},
    ("uncertainty", "correlation"): {"correlated_with": "revenue.Sales.growth"},
}


def test_models_and_registry_name_the_same_fields() -> None:
    assert set(MODELS) == set(MODEL_CLASSES)
    for group, model in MODEL_CLASSES.items():
        assert model.field_group == group  # type: ignore[attr-defined]
        registered = [name for (owner, name) in FIELDS if owner == group]
        assert len(registered) == len(set(registered))
        assert set(registered) == set(model.model_fields), group
    assert all(key == (spec.model, spec.name) for key, spec in FIELDS.items())


def _accepts(spec: FieldSpec, value: float) -> bool:
    data = {**_BASE[spec.model], **_NEEDS.get((spec.model, spec.name), {})}
    data[spec.name] = {"NOK": value} if spec.name == "fx" else value
    try:
        MODEL_CLASSES[spec.model].model_validate(data)
    except ValidationError:
        return False
    return True


def _step(spec: FieldSpec, bound: float) -> float:
    return 1 if spec.kind in ("integer", "year") else max(abs(bound), 1.0) * 1e-9


BOUNDED = [spec for spec in FIELDS.values() if spec.lower is not None or spec.upper is not None]


@pytest.mark.parametrize("spec", BOUNDED, ids=lambda s: f"{s.model}.{s.name}")
def test_models_enforce_the_registry_bounds(spec: FieldSpec) -> None:
    if spec.lower is not None:
        inside, outside = spec.lower + _step(spec, spec.lower), spec.lower - _step(spec, spec.lower)
        assert _accepts(spec, inside)
        assert not _accepts(spec, outside)
        assert _accepts(spec, spec.lower) is not spec.lower_open
    if spec.upper is not None:
        inside, outside = spec.upper - _step(spec, spec.upper), spec.upper + _step(spec, spec.upper)
        assert _accepts(spec, inside)
        assert not _accepts(spec, outside)
        assert _accepts(spec, spec.upper) is not spec.upper_open


def test_hints_and_bounds_are_the_registry_s() -> None:
    for name, hint in base.FIELD_HINTS.items():
        assert {spec.hint for spec in specs_named(name)} == {hint}
    kinds = {spec.hint for spec in specs_named("kind")}
    assert "kind" not in base.FIELD_HINTS and len(kinds) == 2
    uncertain = [spec for spec in FIELDS.values() if spec.uncertain]
    assert {spec.name: (spec.lower, spec.upper, spec.lower_open) for spec in uncertain} == base.FIELD_BOUNDS
    assert base.UNCERTAIN_FIELDS == {
        "revenue": ("annual_amount", "growth", "capture", "margin"),
        "cost": ("amount", "escalation", "percent"),
    }
    assert COST_CATEGORIES == base.COST_CATEGORIES
    assert field_spec("cost", "category").hint == ", ".join(COST_CATEGORIES)


def test_workbook_tables_are_the_registry_s() -> None:
    def of_kind(*kinds: str) -> set[str]:
        return {spec.name for spec in FIELDS.values() if spec.kind in kinds}

    assert of_kind("integer", "year") == layout.INTEGER_FIELDS
    assert of_kind("fraction", "open_rate") == layout.FRACTION_FIELDS
    assert layout.OPEN_RATE_FIELDS == {"growth", "escalation", "percent"} == of_kind("open_rate")
    assert of_kind("money", "number") | {"rate"} == layout.NUMBER_FIELDS
    assert of_kind("boolean") == layout.BOOLEAN_FIELDS
    for spec in FIELDS.values():
        if spec.cell_hint:
            assert layout.CELL_HINTS[spec.name] == spec.cell_hint
        elif spec.name in base.FIELD_HINTS:
            assert layout.CELL_HINTS[spec.name] == spec.hint
    sheets = {sheet.name: sheet for sheet in layout.SHEETS}
    for spec in FIELDS.values():
        assert spec.column is not None
        if spec.kind in ("items", "mapping") and spec.column in sheets:
            continue
        assert spec.column in sheets[SHEET_OF[spec.model]].columns, (spec.model, spec.name)
        assert (SHEET_OF[spec.model], spec.column) in template.FIELD_HELP, (spec.model, spec.name)
    assert dict(template._HELD) == {
        group: {name for (owner, name), spec in FIELDS.items() if owner == group and spec.column}
        for group in MODELS
    }


def test_sensitivity_tables_are_the_registry_s() -> None:
    assert {"annual_amount", "capture", "margin", "amount", "percent"} == sensitivity.LINEAR_FIELDS
    assert {s.name for s in FIELDS.values() if s.uncertain and s.linear} == sensitivity.LINEAR_FIELDS
    assert sensitivity.RATE_SEARCH == {
        "growth": (-0.99, 1.0),
        "escalation": (-0.99, 1.0),
        "discount_rate": (-0.99, 0.99),
    }
    for name in sensitivity.RATE_SEARCH:
        assert all(not spec.linear for spec in specs_named(name))


def test_every_schema_property_has_a_description_with_a_unit() -> None:
    schema = Case.model_json_schema()
    models = [schema, *schema["$defs"].values()]
    properties = [prop for model in models for prop in model.get("properties", {}).values()]
    assert len(properties) == len(FIELDS)
    for prop in properties:
        assert "Unit: [" in prop["description"]


def test_report_register_units_are_the_registry_s() -> None:
    from bidfit.present.report import inputs

    for group, columns in (("revenue", inputs._STREAM_COLUMNS), ("cost", inputs._COST_COLUMNS)):
        for (owner, _), spec in FIELDS.items():
            if owner == group and spec.label:
                assert (spec.label, spec.register_unit) in columns, (group, spec.name)
    for (_, _), spec in FIELDS.items():
        assert bool(spec.label) == bool(spec.register_unit), (spec.model, spec.name)
