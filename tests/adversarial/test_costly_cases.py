"""Large but valid cases stay cheap: many scope options over a century, many uncertain inputs.

Each case is written to ``tmp_path`` and checked through the real command in a
child process, whose own CPU time and peak memory bound the cost; the figures
it prints are compared with an in-process computation, and the scope options
with a brute-force enumeration through ``bidfit.analyze``.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from childproc import run_cli

import bidfit
from bidfit.gate import GATE_SEED, GATE_TRIALS
from bidfit.present.pricing import recommendation
from bidfit.studies.simulation import simulate

UNFIXABLE = {"MISSING_SOURCE", "DOMINATED", "NO_DEAL_ROOM"}


def options_case(bids: int, options: int, horizon: int) -> dict[str, Any]:
    """Bids with ``options`` scope options each; even bids pay more in fees than their base stream earns."""
    revenue = [{"name": "Base", "annual_amount": 400_000, "growth": -0.01}]
    revenue += [{"name": f"Country {k}", "annual_amount": 100_000 + 10_000 * k} for k in range(options)]

    def bid(b: int) -> dict[str, Any]:
        fee = 520_000 if b % 2 == 0 else 150_000 + 1_000 * b
        return {
            "name": f"Bid {b}",
            "scope": ["Base"],
            "min_margin": 0.1,
            "costs": [
                {"name": "Platform", "category": "capex", "kind": "one_time", "amount": 900_000 + 1_000 * b},
                {"name": "Fees", "category": "operations", "kind": "recurring", "amount": fee},
            ],
            "vendor_costs": [
                {"name": "Goods", "category": "capex", "kind": "one_time", "amount": 500_000},
                {"name": "Staff", "category": "operations", "kind": "recurring", "amount": 100_000},
            ],
            "options": [
                {
                    "name": f"Opt {k}",
                    "scope": [f"Country {k}"],
                    "costs": [
                        {
                            "name": f"Kit {k}",
                            "category": "capex",
                            "kind": "one_time",
                            "amount": 200_000 + 5_000 * k,
                        },
                        {
                            "name": f"Fee {k}",
                            "category": "maintenance",
                            "kind": "recurring",
                            "amount": 60_000 + 7_000 * k + 500 * b,
                        },
                    ],
                    "vendor_costs": [
                        {"name": f"Goods {k}", "category": "capex", "kind": "one_time", "amount": 100_000}
                    ],
                }
                for k in range(options)
            ],
        }

    return {
        "name": "Costly",
        "currency": "EUR",
        "horizon_years": horizon,
        "discount_rate": 0.08,
        "revenue": revenue,
        "bids": [bid(b) for b in range(bids)],
    }


def write(tmp_path: Path, name: str, data: dict[str, Any]) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def century(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """30 bids x 10 scope options x 100 years: 1,024 combinations per bid."""
    return write(tmp_path_factory.mktemp("century"), "century.json", options_case(30, 10, 100))


def passes_alone(case: bidfit.Case) -> bool:
    """The only bid of ``case`` has no error a lever can fix (the gate at --fail-on error)."""
    (result,) = bidfit.analyze(case).bids.values()
    return not any(f.severity == "error" and f.code not in UNFIXABLE for f in result.flags)


def with_fee(case: bidfit.Case, bid: str, fee: float) -> bidfit.Case:
    model = case.bid(bid)
    costs = [c.model_copy(update={"amount": fee}) if c.name == "Fees" else c for c in model.costs]
    return case.model_copy(update={"bids": [model.model_copy(update={"costs": costs, "options": []})]})


def test_check_of_thirty_bids_with_ten_options_over_a_century_is_cheap(century: Path) -> None:
    run = run_cli("check", century, "--format", "json")
    print(f"check 30 bids x 10 options x 100 years: {run.cpu_seconds:.2f} s CPU, {run.peak_mb:.0f} MB")
    assert run.returncode == 1, run.stderr[-2000:]
    assert run.cpu_seconds < 10, f"{run.cpu_seconds:.1f} s CPU"
    printed = {r["bid"]: r for r in json.loads(run.stdout)["results"]}
    expected = bidfit.check(century)
    assert sorted(e.bid for e in expected.failed) == sorted(b for b, r in printed.items() if not r["passed"])
    assert len(expected.failed) == 15
    # What it takes for Bid 0, as printed, is what the library computes...
    fee = next(c for c in printed["Bid 0"]["what_it_takes"]["changes"] if c["lever"] == "recurring_fees")
    assert fee["needed"] == expected.entries[0].what_it_takes.change("recurring_fees").needed
    # ...and it is the boundary: at that fee the bid passes, 0.1 % above it does not.
    case = bidfit.load(century)
    assert passes_alone(with_fee(case, "Bid 0", fee["needed"]))
    assert not passes_alone(with_fee(case, "Bid 0", fee["needed"] * 1.001))
    scope = next(c for c in printed["Bid 0"]["what_it_takes"]["changes"] if c["lever"] == "scope")
    chosen = [f"Opt {s.split()[-1]}" for s in scope["needed"] if s != "Base"]
    variant = case.bid("Bid 0").with_options(chosen)
    assert passes_alone(case.model_copy(update={"bids": [variant]}))


def test_analyze_of_thirty_bids_with_ten_options_over_a_century_stays_bounded(century: Path) -> None:
    run = run_cli("analyze", century)
    print(f"analyze 30 bids x 10 options x 100 years: {run.cpu_seconds:.2f} s CPU, {run.peak_mb:.0f} MB")
    assert run.returncode == 0, run.stderr[-2000:]
    # Every one of the 30 x 1,024 combinations is listed with its verdict (about 31,000 lines).
    assert run.cpu_seconds < 20, f"{run.cpu_seconds:.1f} s CPU"
    case = bidfit.load(century)
    printed = " ".join(run.stdout.split())  # long lines are wrapped for the terminal
    for bid in ("Bid 0", "Bid 29"):
        assert recommendation(bidfit.scope_options(case, bid)) in printed


def sim_case() -> dict[str, Any]:
    """125 streams with an uncertain amount and growth each (250 inputs); Offer breaks even narrowly."""
    revenue = [{"name": f"S{i}", "annual_amount": 16_000, "growth": 0.01} for i in range(125)]
    uncertainty = [
        u
        for s in revenue
        for u in (
            {
                "target": f"revenue.{s['name']}.annual_amount",
                "distribution": "normal",
                "mean": 16_000,
                "sd": 3_000,
            },
            {
                "target": f"revenue.{s['name']}.growth",
                "distribution": "triangular",
                "low": -0.03,
                "mode": 0.01,
                "high": 0.04,
            },
        )
    ]

    def bid(name: str, kit: float, fee: float) -> dict[str, Any]:
        return {
            "name": name,
            "costs": [
                {"name": "Kit", "category": "capex", "kind": "one_time", "amount": kit},
                {"name": "Fee", "category": "operations", "kind": "recurring", "amount": fee},
            ],
        }

    data = {
        "name": "Uncertain",
        "horizon_years": 100,
        "discount_rate": 0.08,
        "revenue": revenue,
        "bids": [bid("Offer", 2_000_000, 1_000_000), bid("Cheap", 500_000, 300_000)],
        "uncertainty": uncertainty,
        "policy": {"max_loss_probability": 0.2},
    }
    # Offer's fee 1 % under break-even: better off as computed, worse off in about half the futures.
    fee = bidfit.analyze(bidfit.Case.model_validate(data)).bids["Offer"].max_annual_fee
    data["bids"][0]["costs"][1]["amount"] = round(0.99 * fee)
    return data


def test_gate_simulation_of_250_uncertain_inputs_stays_under_256_mb(tmp_path: Path) -> None:
    path = write(tmp_path, "uncertain.json", sim_case())
    run = run_cli("check", path, "--format", "json")
    print(f"check with 250 uncertain inputs: {run.cpu_seconds:.2f} s CPU, {run.peak_mb:.0f} MB")
    assert run.returncode == 1, run.stderr[-2000:]
    assert run.peak_mb < 256, f"{run.peak_mb:.0f} MB"
    printed = {r["bid"]: r for r in json.loads(run.stdout)["results"]}
    expected = simulate(bidfit.load(path), trials=GATE_TRIALS, seed=GATE_SEED)
    assert printed["Offer"]["failures"] == ["HIGH_LOSS_PROBABILITY"]
    offer = next(f for f in printed["Offer"]["flags"] if f["code"] == "HIGH_LOSS_PROBABILITY")
    assert offer["figures"]["probability_worse_off"] == expected.bids["Offer"].probability_worse_off
    assert 0.3 < expected.bids["Offer"].probability_worse_off < 0.7
    # A likely loss fails the policy; the customer is at risk (the NPV at the inputs' values is positive).
    assert (
        printed["Offer"]["verdict"] == "at_risk"
        and not printed["Offer"]["passed"]
        and printed["Cheap"]["passed"]
    )
    assert expected.bids["Cheap"].probability_worse_off == 0.0


POLICIES = [
    {},
    {"max_payback_years": 4, "severity": {"THIN_MARGIN": "error"}},
    {"require_source": True, "stress_benefit_cut": 0.05},
]


def lever_case(policy: dict[str, Any], options: bool) -> bidfit.Case:
    """A bid whose fees exceed its base stream's revenue: only more scope (or a price or fee cut) fixes it."""
    revenue = [{"name": "Base", "annual_amount": 400_000, "source": "Operator"}]
    revenue += [
        {"name": f"Country {k}", "annual_amount": 50_000 + 40_000 * k, "source": "Operator"} for k in range(5)
    ]
    costs = [
        {"name": "Platform", "category": "capex", "kind": "one_time", "amount": 300_000, "source": "Quote"},
        {"name": "Fees", "category": "operations", "kind": "recurring", "amount": 450_000, "source": "Quote"},
    ]
    if not options:
        costs.append(
            {"name": "Country fees", "category": "maintenance", "kind": "recurring", "amount": 60_000}
        )
    extensions = [
        {
            "name": f"Opt {k}",
            "scope": [f"Country {k}"],
            "costs": [
                {"name": f"Kit {k}", "category": "capex", "kind": "one_time", "amount": 100_000},
                {
                    "name": f"Fee {k}",
                    "category": "maintenance",
                    "kind": "recurring",
                    "amount": 20_000 + 5_000 * k,
                },
            ],
            "vendor_costs": [{"name": f"Goods {k}", "kind": "recurring", "amount": 30_000 + 15_000 * k}],
        }
        for k in range(5)
    ]
    for k, option in enumerate(extensions):
        for item in option["costs"]:
            item["source"] = None if k == 3 else "Quote"  # Opt 3 says nowhere where its prices come from
    # A fee that is a share of the base platform, and a vendor side with a minimum margin.
    extensions[1]["costs"].append(
        {"name": "Share", "kind": "recurring", "percent_of": ["Platform"], "percent": 0.05, "source": "Quote"}
    )
    bid = {
        "name": "Bid",
        "scope": ["Base"],
        "costs": costs,
        "options": extensions if options else [],
        "vendor_costs": [
            {"name": "Goods", "kind": "one_time", "amount": 250_000},
            {"name": "Staff", "kind": "recurring", "amount": 120_000},
        ],
        "min_margin": 0.5,
    }
    return bidfit.Case.model_validate(
        {
            "name": "Lever",
            "horizon_years": 5,
            "discount_rate": 0.08,
            "revenue": revenue,
            "bids": [bid],
            "policy": policy,
        }
    )


@pytest.mark.parametrize("policy", POLICIES, ids=["default", "payback", "sources"])
def test_scope_options_equal_a_brute_force_enumeration(policy: dict[str, Any]) -> None:
    case = lever_case(policy, options=True)
    model = case.bid("Bid")
    found = bidfit.scope_options(case, "Bid")
    names = [o.name for o in model.options]
    combos = [c for k in range(len(names) + 1) for c in itertools.combinations(names, k)]
    assert [r["options"] for r in found.rows] == combos
    for row, chosen in zip(found.rows, combos, strict=True):
        variant = model.with_options(chosen) if chosen else model.model_copy(update={"options": []})
        alone = bidfit.analyze(case.model_copy(update={"bids": [variant]})).bids[variant.name]
        room = alone.deal_room
        assert row["npv"] == alone.npv
        assert row["verdict"] == alone.verdict
        assert row["scope"] == list(variant.scope)
        assert row["vendor_margin"] == room.vendor_margin
        assert row["vendor_ok"] == (room.vendor_margin >= room.min_margin - 1e-12)
    # The case exercises every outcome: each verdict, negative and positive NPV, both vendor answers.
    assert len({r["verdict"] for r in found.rows}) >= 2
    assert {r["npv"] >= 0 for r in found.rows} == {True, False}
    assert {r["vendor_ok"] for r in found.rows} == {True, False}
    accepted = [r for r in found.rows if r["vendor_ok"]]
    assert found.recommended == max(accepted, key=lambda r: r["npv"])


def test_scope_options_with_dominated_as_an_error_compare_every_combination() -> None:
    data = options_case(1, 3, 10)
    data["policy"] = {"severity": {"DOMINATED": "error"}}
    # An option that adds cost and no revenue: every combination with it is dominated by the one without.
    extras = {"name": "Extras", "costs": [{"name": "Gold plating", "kind": "one_time", "amount": 10_000}]}
    data["bids"][0]["options"].append(extras)
    case = bidfit.Case.model_validate(data)
    model = case.bid("Bid 0")
    combos = [c for k in range(5) for c in itertools.combinations([o.name for o in model.options], k)]
    variants = [model.with_options(c) if c else model.model_copy(update={"options": []}) for c in combos]
    together = bidfit.analyze(case.model_copy(update={"bids": variants}))
    found = bidfit.scope_options(case, "Bid 0")
    assert [r["verdict"] for r in found.rows] == [together.bids[v.name].verdict for v in variants]
    assert any(f.code == "DOMINATED" for v in variants for f in together.bids[v.name].flags)


@pytest.mark.parametrize(
    ("policy", "options"),
    [(POLICIES[0], True), (POLICIES[1], True), (POLICIES[0], False), (POLICIES[1], False)],
    ids=["options", "options-payback", "streams", "streams-payback"],
)
def test_the_scope_lever_is_the_smallest_passing_change_with_the_highest_npv(
    policy: dict[str, Any], options: bool
) -> None:
    case = lever_case(policy, options)
    model = case.bid("Bid")
    if options:
        names = [o.name for o in model.options]
        changes = [
            (k, model.with_options(chosen))
            for k in range(1, 6)
            for chosen in itertools.combinations(names, k)
        ]
    else:
        streams = [s.name for s in case.revenue]
        subsets = [c for k in range(1, 7) for c in itertools.combinations(streams, k) if c != ("Base",)]
        changes = [(len({"Base"} ^ set(c)), model.model_copy(update={"scope": list(c)})) for c in subsets]
    passing = []
    for size, variant in changes:
        trial = case.model_copy(update={"bids": [variant]})
        if passes_alone(trial):
            passing.append((size, -bidfit.analyze(trial).bids[variant.name].npv, list(variant.scope)))
    assert len(passing) > 5, "the case must have scopes that pass"
    assert bidfit.what_it_takes(case, "Bid").change("scope").needed == min(passing)[2]
