"""The published JSON schema of a case file: up to date, described, and as permissive as bidfit.

The schema must accept every form ``bidfit`` reads (a case an editor marks as
wrong would be a false alarm) and refuse what ``bidfit`` refuses wherever a
schema can say it (bounds, choices, required fields, unknown fields).
"""

from __future__ import annotations

import copy
import json
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest

import bidfit
from bidfit.cli import main
from bidfit.cli.schema import schema_text
from bidfit.errors import InputError
from bidfit.io.textfiles import read_mapping
from bidfit.model.fields import FIELDS
from bidfit.model.validate import validate_case

ROOT = Path(__file__).resolve().parents[1]
PUBLISHED = resources.files("bidfit") / "schemas" / "case.schema.json"
SCHEMA = json.loads(PUBLISHED.read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
SAMPLES = sorted((ROOT / "data" / "samples").glob("*.yaml"))
TEST_CASES = sorted((ROOT / "tests" / "data" / "check").glob("*.yaml"))
SCHEMA_LINE = "# yaml-language-server: $schema=../schemas/case.schema.json"


def schema_errors(data: Any) -> list[str]:
    return [error.message for error in VALIDATOR.iter_errors(data)]


def test_the_published_schema_is_up_to_date():
    assert PUBLISHED.read_text(encoding="utf-8") == schema_text(), "run python tools/make_schema.py"
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_bidfit_schema_prints_the_published_schema(capsys):
    assert main(["schema"]) == 0
    assert capsys.readouterr().out == schema_text()


def test_bidfit_schema_output_writes_the_file(tmp_path, capsys):
    out = tmp_path / "case.schema.json"
    assert main(["schema", "--output", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == schema_text()
    assert capsys.readouterr().out == f"wrote {out}\n"
    assert [p.name for p in tmp_path.iterdir()] == ["case.schema.json"]  # no temporary file left


def test_every_field_has_a_description_with_its_unit_from_the_registry():
    models = {definition["title"]: definition for definition in SCHEMA["$defs"].values()}
    models["Case"] = SCHEMA
    groups = {
        "Case": "case",
        "RevenueStream": "revenue",
        "CostItem": "cost",
        "Bid": "bid",
        "ScopeOption": "option",
        "Policy": "policy",
        "Uncertainty": "uncertainty",
    }
    described = set()
    for title, group in groups.items():
        model = models[title]
        assert "\n" not in model["description"] and "Attributes" not in model["description"]
        for name, prop in model["properties"].items():
            spec = FIELDS[(group, name)]
            assert prop["description"] == f"{spec.description} Unit: {spec.unit}."
            described.add((group, name))
    assert described == set(FIELDS)


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_every_sample_file_validates_and_names_the_schema_on_its_first_line(path):
    assert path.read_text(encoding="utf-8").splitlines()[0] == SCHEMA_LINE
    # the relative path works from the samples' folder, in the package and in the repository
    assert (path.parent / "../schemas/case.schema.json").resolve() == Path(str(PUBLISHED)).resolve()
    assert schema_errors(read_mapping(path)) == []


@pytest.mark.parametrize("name", bidfit.sample_names())
@pytest.mark.parametrize("suffix", [".yaml", ".xlsx"])
def test_every_sample_read_by_bidfit_and_written_back_as_json_validates(name, suffix, tmp_path):
    case = bidfit.load(bidfit.sample_path(name).with_suffix(suffix))
    data = case.model_dump(mode="json")
    assert schema_errors(data) == []
    path = tmp_path / "case.json"  # the JSON written reads back into the same case
    path.write_text(json.dumps(data), encoding="utf-8")
    assert schema_errors(read_mapping(path)) == []
    assert bidfit.load(path) == case


@pytest.mark.parametrize("path", [p for p in TEST_CASES if p.name not in ("invalid.yaml", "malformed.yaml")])
def test_the_test_cases_validate(path):
    assert schema_errors(read_mapping(path)) == []


BASE: dict[str, Any] = {
    "name": "Demo",
    "horizon_years": 5,
    "discount_rate": 0.08,
    "revenue": [{"name": "Sales", "annual_amount": 1000}],
    "bids": [
        {
            "name": "A",
            "costs": [
                {"name": "Setup", "category": "capex", "kind": "one_time", "amount": 100},
                {"name": "Fee", "kind": "recurring", "amount": 50},
            ],
        }
    ],
}


def changed(*changes: tuple[tuple[Any, ...], Any]) -> dict[str, Any]:
    """BASE with each value at a path (keys and list indexes) set; ``...`` as the value removes the key."""
    data = copy.deepcopy(BASE)
    for path, value in changes:
        target = data
        for key in path[:-1]:
            target = target[key]
        if value is ...:
            del target[path[-1]]
        else:
            target[path[-1]] = value
    return data


ACCEPTED = {
    "the base case": changed(),
    "one name for a scope": changed((("bids", 0, "scope"), "Sales")),
    "names separated by commas": changed((("bids", 0, "scope"), "Sales, Sales")),
    "an empty scope": changed((("bids", 0, "scope"), None)),
    "a kind with a space and capitals": changed((("bids", 0, "costs", 0, "kind"), "One time")),
    "a kind with a hyphen": changed((("bids", 0, "costs", 0, "kind"), " ONE-TIME ")),
    "a category in capitals": changed((("bids", 0, "costs", 0, "category"), "CapEx")),
    "a stream kind with a space": changed((("revenue", 0, "kind"), "Avoided cost")),
    "a distribution in capitals": changed(
        (("uncertainty",), [{"target": "discount_rate", "distribution": "Uniform", "low": 0.05, "high": 0.1}])
    ),
    # (spaces around a number written as text are read by recent pydantic versions, not by 2.5)
    "numbers written as text": changed(
        (("horizon_years",), "5"),
        (("discount_rate",), "0.08"),
        (("revenue", 0, "annual_amount"), "1e3"),
        (("revenue", 0, "start_year"), "2"),
    ),
    "a whole number written with a decimal point": changed((("horizon_years",), 5.0)),
    "a currency code in lower case": changed(
        (("currency",), "eur"), (("revenue", 0, "currency"), " usd"), (("fx",), {"usd": 0.9})
    ),
    "an empty source": changed((("revenue", 0, "source"), None)),
    "a severity in any case": changed((("policy",), {"severity": {"thin_margin": "Error"}})),
    "true/false words": changed((("policy",), {"require_source": "yes"})),
    "true/false as 1": changed((("policy",), {"require_source": 1})),
    "a percent_of with a percent": changed(
        (
            ("bids", 0, "costs", 1),
            {"name": "Fee", "kind": "recurring", "percent_of": "Setup", "percent": "0.18"},
        )
    ),
}


@pytest.mark.parametrize("data", ACCEPTED.values(), ids=ACCEPTED.keys())
def test_forms_bidfit_accepts_are_accepted_by_the_schema(data):
    validate_case(copy.deepcopy(data))
    assert schema_errors(data) == []


REFUSED = {
    "no name": changed((("name",), ...)),
    "a blank name": changed((("name",), "   ")),
    "a horizon of 0": changed((("horizon_years",), 0)),
    "a horizon of 101 years": changed((("horizon_years",), 101)),
    "a horizon of 5.5 years": changed((("horizon_years",), 5.5)),
    "a discount rate of 8 (a percent typo)": changed((("discount_rate",), 8)),
    "a discount rate below -50%": changed((("discount_rate",), -0.6)),
    "a discount rate as true": changed((("discount_rate",), True)),
    "a percent sign in text": changed((("discount_rate",), "8%")),
    "a negative amount": changed((("revenue", 0, "annual_amount"), -1)),
    "an amount above 1e15": changed((("revenue", 0, "annual_amount"), 2e15)),
    "a capture above 1": changed((("revenue", 0, "capture"), 1.5)),
    "growth of -100%": changed((("revenue", 0, "growth"), -1)),
    "an unknown kind": changed((("bids", 0, "costs", 0, "kind"), "monthly")),
    "a kind with two spaces": changed((("bids", 0, "costs", 0, "kind"), "one  time")),
    "an unknown category": changed((("bids", 0, "costs", 0, "category"), "travel")),
    "an unknown field": changed((("bids", 0, "price"), 10)),
    "a currency of four letters": changed((("currency",), "EURO")),
    "an FX rate of 0": changed((("fx",), {"USD": 0})),
    "an FX key that is not a code": changed((("fx",), {"dollars": 1.1})),
    "an unknown flag code": changed((("policy",), {"severity": {"NOT_A_FLAG": "error"}})),
    "an unknown severity": changed((("policy",), {"severity": {"THIN_MARGIN": "fatal"}})),
    "a policy left empty": changed((("policy",), None)),
    "require_source as 2": changed((("policy",), {"require_source": 2})),
    "a name that is a number": changed((("name",), 2024)),
    "no bids": changed((("bids",), [])),
    "a correlation above 1": changed(
        (
            ("uncertainty",),
            [
                {
                    "target": "discount_rate",
                    "distribution": "uniform",
                    "low": 0.05,
                    "high": 0.1,
                    "correlated_with": "x",
                    "correlation": 2,
                }
            ],
        )
    ),
}


@pytest.mark.parametrize("data", REFUSED.values(), ids=REFUSED.keys())
def test_forms_bidfit_refuses_are_refused_by_the_schema(data):
    with pytest.raises(InputError):
        validate_case(copy.deepcopy(data))
    assert schema_errors(data) != []


def test_a_yaml_case_with_the_schema_line_reads_as_without_it(tmp_path):
    source = bidfit.sample_path("norway_roaming")
    text = source.read_text(encoding="utf-8")
    assert text.startswith(SCHEMA_LINE + "\n")
    without = tmp_path / "case.yaml"
    without.write_text(text.removeprefix(SCHEMA_LINE + "\n"), encoding="utf-8")
    assert bidfit.load(without) == bidfit.load(source)
    assert read_mapping(source) == read_mapping(without)
