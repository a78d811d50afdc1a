"""Every validation rule, through the edge a user meets (``validate_case``/``load``):
each problem names its field, what was found and what is valid, all at once."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

import bidfit
from bidfit.errors import InputError
from bidfit.model.validate import validate_case

BASE: dict[str, Any] = {
    "name": "Case",
    "horizon_years": 5,
    "discount_rate": 0.08,
    "revenue": [{"name": "Roaming", "annual_amount": 380_000}],
    "bids": [
        {
            "name": "Vendor A",
            "costs": [
                {"name": "Platform", "category": "capex", "kind": "one_time", "amount": 900_000},
                {"name": "Maintenance", "category": "maintenance", "kind": "recurring", "amount": 170_000},
            ],
        }
    ],
}


def problems_for(change) -> list[str]:
    data = copy.deepcopy(BASE)
    change(data)
    with pytest.raises(InputError) as info:
        validate_case(data, file="case.yaml")
    return [str(p) for p in info.value.problems]


def set_path(*path, value):
    def change(data):
        node = data
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return change


def test_the_base_case_is_valid():
    assert validate_case(copy.deepcopy(BASE)).bid("Vendor A").cost("Platform").amount == 900_000


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
def test_nan_and_inf_are_rejected(bad):
    (line,) = problems_for(set_path("revenue", 0, "annual_amount", value=bad))
    assert line.startswith("case.yaml: revenue['Roaming'].annual_amount:")
    assert "finite number" in line


def test_negative_amount_names_the_cost_item():
    (line,) = problems_for(set_path("bids", 0, "costs", 1, "amount", value=-5))
    assert line.startswith("case.yaml: bids['Vendor A'].costs['Maintenance'].amount:")
    assert "found -5" in line and "a number >= 0" in line


@pytest.mark.parametrize(
    ("path", "field", "valid"),
    [
        (("discount_rate",), "discount_rate", "from -0.5"),
        (("revenue", 0, "growth"), "revenue['Roaming'].growth", "above -1"),
        (
            ("bids", 0, "costs", 1, "escalation"),
            "bids['Vendor A'].costs['Maintenance'].escalation",
            "above -1",
        ),
    ],
)
@pytest.mark.parametrize("rate", [-1.0, -1.5])
def test_rates_at_or_below_minus_100_percent_are_rejected(path, field, valid, rate):
    (line,) = problems_for(set_path(*path, value=rate))
    assert f"{field}:" in line and valid in line and f"found {rate}" in line


def test_discount_rate_given_as_a_percentage_is_caught():
    (line,) = problems_for(set_path("discount_rate", value=8))
    assert "discount_rate:" in line and "write 0.08 for 8%" in line


@pytest.mark.parametrize("horizon", [0, -3, 101])
def test_horizon_outside_1_to_100_is_rejected(horizon):
    (line,) = problems_for(set_path("horizon_years", value=horizon))
    assert "horizon_years:" in line and f"found {horizon}" in line and "from 1 to 100" in line


@pytest.mark.parametrize("field", ["capture", "margin"])
@pytest.mark.parametrize("value", [-0.1, 1.2])
def test_capture_and_margin_outside_0_to_1_are_rejected(field, value):
    (line,) = problems_for(set_path("revenue", 0, field, value=value))
    assert f"revenue['Roaming'].{field}:" in line and "a share from 0 to 1" in line


def test_years_outside_the_horizon_are_rejected():
    def change(data):
        data["revenue"][0]["end_year"] = 9
        data["bids"][0]["costs"][0]["year"] = 6

    lines = problems_for(change)
    assert any("revenue['Roaming'].end_year: year is outside the horizon (found 9" in x for x in lines)
    assert any("costs['Platform'].year: year is outside the horizon (found 6" in x for x in lines)
    assert len(lines) == 2


def test_end_before_start_is_rejected():
    def change(data):
        data["revenue"][0].update(start_year=3, end_year=2)

    (line,) = problems_for(change)
    assert "revenue['Roaming'].end_year: end_year is before start_year" in line


def test_scope_naming_an_unknown_stream_is_rejected():
    (line,) = problems_for(set_path("bids", 0, "scope", value=["Roaming", "Sweden"]))
    assert "bids['Vendor A'].scope:" in line and "'Sweden'" in line and "one of 'Roaming'" in line


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda d: d["revenue"].append({"name": "Roaming", "annual_amount": 1}), "revenue:"),
        (lambda d: d["bids"].append(copy.deepcopy(d["bids"][0])), "bids:"),
        (lambda d: d["bids"][0]["costs"].append(dict(d["bids"][0]["costs"][0])), "bids['Vendor A'].costs:"),
    ],
)
def test_duplicate_names_are_rejected(change, where):
    lines = problems_for(change)
    assert any(where in x and "is used 2 times" in x for x in lines)


def test_percent_of_naming_nothing_is_rejected():
    def change(data):
        data["bids"][0]["costs"][1] = {
            "name": "Maintenance",
            "kind": "recurring",
            "percent_of": ["Hardware"],
            "percent": 0.18,
        }

    (line,) = problems_for(change)
    assert "costs['Maintenance'].percent_of:" in line and "'Hardware'" in line and "'Platform'" in line


def test_percent_of_naming_a_recurring_item_is_rejected():
    def change(data):
        data["bids"][0]["costs"].append(
            {"name": "Ops", "kind": "recurring", "percent_of": ["Maintenance"], "percent": 0.5}
        )

    (line,) = problems_for(change)
    assert "costs['Ops'].percent_of:" in line and "not a one-time cost" in line


def test_percent_of_cycle_is_rejected():
    def change(data):
        data["bids"][0]["costs"] = [
            {"name": "X", "kind": "one_time", "percent_of": ["Y"], "percent": 0.1},
            {"name": "Y", "kind": "one_time", "percent_of": ["X"], "percent": 0.1},
        ]

    lines = problems_for(change)
    assert any("costs['X'].percent_of: percent_of refers back" in x for x in lines)


def test_amount_and_percent_of_are_exclusive_and_one_is_needed():
    def change(data):
        data["bids"][0]["costs"][1].pop("amount")
        data["bids"][0]["costs"][0]["percent"] = 0.2

    lines = problems_for(change)
    assert any("costs['Maintenance']: amount is missing" in x for x in lines)
    assert any("costs['Platform']: percent needs percent_of" in x for x in lines)


def test_currency_without_fx_rate_is_rejected():
    (line,) = problems_for(set_path("revenue", 0, "currency", value="NOK"))
    assert "revenue['Roaming'].currency: no FX rate for NOK" in line and "fx" in line


def test_unknown_field_is_an_error_listing_valid_fields():
    (line,) = problems_for(set_path("revenue", 0, "anual_amount", value=5))
    assert "revenue['Roaming'].anual_amount: unknown field 'anual_amount'" in line
    assert "annual_amount" in line.split("expected", 1)[1]


def test_unknown_enum_value_says_what_is_valid():
    (line,) = problems_for(set_path("bids", 0, "costs", 0, "category", value="hardware"))
    assert "costs['Platform'].category:" in line and "'capex'" in line


def test_one_time_fields_on_recurring_items_are_rejected():
    (line,) = problems_for(set_path("bids", 0, "costs", 1, "year", value=2))
    assert "costs['Maintenance']:" in line and "year is for one-time costs" in line


def test_every_field_problem_of_a_file_is_reported_at_once(tmp_path):
    data = copy.deepcopy(BASE)
    data["horizon_years"] = 0
    data["revenue"][0]["capture"] = 3
    data["bids"][0]["costs"][0]["amount"] = "lots"
    data["bids"][0]["costs"][1]["kind"] = "monthly"
    path = tmp_path / "case.json"
    path.write_text(json.dumps(data))
    with pytest.raises(InputError) as info:
        bidfit.load(path)
    wheres = [p.where for p in info.value.problems]
    assert wheres == [
        "horizon_years",
        "revenue['Roaming'].capture",
        "bids['Vendor A'].costs['Platform'].amount",
        "bids['Vendor A'].costs['Maintenance'].kind",
    ]
    assert all(p.file == str(path) for p in info.value.problems)


def test_every_reference_problem_is_reported_at_once():
    def change(data):
        data["bids"][0]["scope"] = ["Nowhere"]
        data["revenue"][0]["start_year"] = 7
        data["bids"][0]["costs"][1]["currency"] = "SEK"

    assert len(problems_for(change)) == 3


def test_input_error_is_a_value_error_and_a_bidfit_error():
    assert issubclass(InputError, ValueError)
    assert issubclass(InputError, bidfit.BidfitError)


def test_direct_construction_raises_pydantic_errors_with_field_locations():
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="annual_amount"):
        bidfit.RevenueStream(name="S", annual_amount=-1)


def test_policy_severity_override_rejects_unknown_codes():
    (line,) = problems_for(set_path("policy", value={"severity": {"THIN_MARGN": "error"}}))
    assert "policy.severity:" in line and "THIN_MARGN" in line and "THIN_MARGIN" in line


def test_field_and_reference_problems_are_reported_together():
    # A bad amount stops pydantic before the case-wide checks; they still run on the valid items.
    def change(data):
        data["bids"][0]["costs"][1]["amount"] = "lots"
        data["bids"][0]["scope"] = ["Roaming", "Sweden"]
        data["revenue"][0]["end_year"] = 9

    lines = problems_for(change)
    assert len(lines) == 3
    assert any("costs['Maintenance'].amount:" in x for x in lines)
    assert any("bids['Vendor A'].scope: scope names a revenue stream that does not exist" in x for x in lines)
    assert any("revenue['Roaming'].end_year: year is outside the horizon" in x for x in lines)


def test_a_reference_to_an_invalid_item_is_not_reported_twice():
    # The stream is invalid itself; the scope naming it must not add a second, misleading problem.
    def change(data):
        data["revenue"][0]["annual_amount"] = -1
        data["bids"][0]["scope"] = ["Roaming"]

    (line,) = problems_for(change)
    assert "revenue['Roaming'].annual_amount:" in line


def test_a_case_built_in_python_is_checked_as_a_whole():
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match=r"bids\['A'\]\.scope: scope names a revenue stream"):
        bidfit.Case(
            name="X",
            horizon_years=3,
            discount_rate=0.1,
            revenue=[bidfit.RevenueStream(name="Sales", annual_amount=100)],
            bids=[bidfit.Bid(name="A", scope=["Salse"], costs=[])],
        )


def test_an_uncertainty_without_effect_is_reported_with_field_problems():
    def change(data):
        data["bids"][0]["costs"][1]["amount"] = -1
        data["uncertainty"] = [
            {"target": "cost.Vendor A.Platform.percent", "distribution": "uniform", "low": 0.1, "high": 0.2}
        ]

    lines = problems_for(change)
    assert lines[0].startswith("case.yaml: bids['Vendor A'].costs['Maintenance'].amount:")
    assert "has an amount, so its percent has no effect" in lines[1]
    assert len(lines) == 2


def test_validation_runs_the_reference_checks_once(monkeypatch):
    from bidfit.model import references, validate

    calls = []

    def counted(case):
        calls.append(case)
        return checks(case)

    checks = references.reference_problems
    monkeypatch.setattr(references, "reference_problems", counted)
    monkeypatch.setattr(validate, "reference_problems", counted)
    validate_case(copy.deepcopy(BASE))
    bad = copy.deepcopy(BASE)
    bad["bids"][0]["costs"][1]["amount"] = -1
    bad["bids"][0]["scope"] = ["Roming"]
    with pytest.raises(InputError, match="Roming"):
        validate_case(bad)
    assert len(calls) == 2


def test_a_case_changed_after_it_was_built_is_refused_by_every_computation():
    from bidfit.studies.pricing import competitor_inference, pricing_room, scope_options, what_it_takes

    case = validate_case(copy.deepcopy(BASE))
    case.bid("Vendor A").cost("Maintenance").end_year = 9  # valid on its own, past the 5-year horizon
    studies = [
        lambda: bidfit.analyze(case),
        lambda: bidfit.analyze_many([case]),
        lambda: bidfit.simulate(case, trials=10),
        lambda: bidfit.sensitivity(case, "Vendor A"),
        lambda: what_it_takes(case, "Vendor A"),
        lambda: scope_options(case, "Vendor A"),
        lambda: pricing_room(case, "Vendor A"),
        lambda: competitor_inference(case, "Vendor A", 100_000),
    ]
    for study in studies:
        with pytest.raises(
            InputError, match=r"costs\['Maintenance'\]\.end_year: year is outside the horizon"
        ):
            study()


def test_a_bid_without_costs_is_a_problem_reported_with_the_others():
    def change(data):
        data["bids"].append(copy.deepcopy(data["bids"][0]) | {"name": "Vendor B"})
        data["bids"][1]["costs"][0]["amount"] = "lots"  # B's only problem: its costs are listed
        del data["bids"][1]["costs"][1]
        data["bids"][0]["costs"] = []

    lines = problems_for(change)
    assert lines[0].startswith("case.yaml: bids['Vendor B'].costs['Platform'].amount:")
    assert lines[1].startswith(
        "case.yaml: bids['Vendor A'].costs: a bid must cost the customer something; list its price and fees "
        "(expected at least one cost item the customer pays, e.g. {name: Price, kind: one_time"
    )
    assert len(lines) == 2


def test_a_bid_with_only_vendor_costs_costs_the_customer_nothing():
    def change(data):
        data["bids"][0]["vendor_costs"] = data["bids"][0].pop("costs")

    lines = problems_for(change)
    assert lines == [next(line for line in lines if "bids['Vendor A'].costs: a bid must cost" in line)]


def test_a_bid_whose_costs_are_all_in_its_options_is_accepted():
    data = copy.deepcopy(BASE)
    data["revenue"].append({"name": "Extra", "annual_amount": 10_000})
    bid = data["bids"][0]
    bid["scope"] = ["Roaming"]
    bid["options"] = [{"name": "More", "scope": ["Extra"], "costs": bid.pop("costs")}]
    bid["costs"] = []
    assert validate_case(data).bids[0].options[0].costs[0].name == "Platform"
