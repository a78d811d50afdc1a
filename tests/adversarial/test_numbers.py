"""Numbers: no NaN or infinite figure ever reaches a verdict, and tolerances are relative.

A case whose amounts, growth, FX rates, shares or discount rate would take a
cash flow or a present value beyond float64 is an input error that names the
field (exit 2, no traceback), never a verdict: refused by the models' bounds
when it comes from a file, and by the analysis' own finite check when a case
was changed without validation. A figure that does not exist (a ratio with
no cost, an IRR that no rate gives) is ``None`` with a note. Amounts are
compared with relative tolerances, so scaling every amount of a case changes
no verdict and no finding.
"""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from childproc import Run, assert_clean_refusal, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

import bidfit
from bidfit import Analysis, Bid, BidAnalysis, Case, CostItem, InputError, RevenueStream
from bidfit.model.fields import MAX_AMOUNT, MAX_FX_RATE, MAX_GROWTH, MIN_DISCOUNT_RATE

CPU_SECONDS, PEAK_MB = 20, 400  # generous bounds for one small case in one child process
VERDICT_WORDS = (
    "PASSES POLICY",
    "FAILS POLICY",
    "better off",
    "at risk",
    "worse off",
    "PASSED",
    "FAILED",
    "better_off",
    "worse_off",
)


def small_case(**changes: Any) -> dict[str, Any]:
    """A valid case as plain data: one stream of 380k, one bid with a fee; ``changes`` on top."""
    case: dict[str, Any] = {
        "name": "Numbers",
        "horizon_years": 5,
        "discount_rate": 0.08,
        "revenue": [{"name": "Roaming", "annual_amount": 380_000, "source": "operator"}],
        "bids": [
            {
                "name": "A",
                "costs": [
                    {"name": "Kit", "kind": "one_time", "amount": 500_000, "source": "quote"},
                    {"name": "Fee", "kind": "recurring", "amount": 50_000, "source": "quote"},
                ],
            }
        ],
    }
    case.update(changes)
    return case


def with_stream(**fields: Any) -> dict[str, Any]:
    return small_case(revenue=[{"name": "Roaming", "annual_amount": 380_000, **fields}])


def with_fee(**fields: Any) -> dict[str, Any]:
    case = small_case()
    case["bids"][0]["costs"][1].update(fields)
    return case


def percent_chain(length: int) -> dict[str, Any]:
    """One-time items each 10x the one before: valid shares that compound past any amount."""
    costs = [{"name": "Item 0", "kind": "one_time", "amount": 1_000}]
    costs += [
        {"name": f"Item {k}", "kind": "one_time", "percent_of": [f"Item {k - 1}"], "percent": 10}
        for k in range(1, length)
    ]
    return small_case(bids=[{"name": "A", "costs": costs}])


def write(tmp_path: Path, data: dict[str, Any], suffix: str = ".yaml") -> Path:
    path = tmp_path / f"case{suffix}"
    if suffix == ".json":
        path.write_text(json.dumps(data), encoding="utf-8")  # NaN and Infinity as JSON spells them
    else:
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def assert_refused_without_verdict(run: Run, *needles: str) -> None:
    assert_clean_refusal(run, *needles)
    assert not any(word in run.stdout for word in VERDICT_WORDS), run.stdout
    assert run.cpu_seconds < CPU_SECONDS, run.cpu_seconds
    assert run.peak_mb < PEAK_MB, run.peak_mb


# --------------------------------------------------------------------------
# overflowing inputs from a file: exit 2 naming the field, for check and analyze
# --------------------------------------------------------------------------

OVERFLOWING: dict[str, tuple[dict[str, Any], str, str]] = {
    "growth compounding over 100 years": (
        with_stream(growth=10_000) | {"horizon_years": 100},
        "revenue['Roaming'].growth",
        f"found 10000; expected a fraction per year above -1 and at most {MAX_GROWTH:g}",
    ),
    "an amount of 1e308": (
        with_fee(amount=1.0e308),
        "bids['A'].costs['Fee'].amount",
        "found 1e+308; expected a number >= 0 and at most 1e15",
    ),
    "a revenue of 1e308": (
        with_stream(annual_amount=1.0e308),
        "revenue['Roaming'].annual_amount",
        "found 1e+308",
    ),
}

ALSO_OVERFLOWING: dict[str, tuple[dict[str, Any], str, str]] = {
    "escalation compounding over 100 years": (
        with_fee(escalation=10_000) | {"horizon_years": 100},
        "bids['A'].costs['Fee'].escalation",
        "found 10000",
    ),
    "an FX rate of 1e300": (
        with_fee(currency="NOK") | {"fx": {"NOK": 1e300}},
        "fx.NOK",
        "an FX rate must be from 1e-9 to 1e9 units of case currency per unit of the other currency",
    ),
    "a discount rate that discounts to infinity": (
        small_case(discount_rate=-0.999999, horizon_years=100),
        "discount_rate",
        "found -0.999999; expected a fraction per year from -0.5 to below 1",
    ),
    "a percent_of chain of valid shares": (
        percent_chain(300),
        "bids['A'].costs['Item 13'].percent",
        "above the largest amount allowed (found 10.0; expected a share whose amount comes to at most 1e15 EUR)",
    ),
}


@pytest.mark.parametrize("command", ["check", "analyze"])
@pytest.mark.parametrize("attack", list(OVERFLOWING))
def test_an_overflowing_case_is_refused_naming_the_field(tmp_path, command, attack):
    data, field, detail = OVERFLOWING[attack]
    run = run_cli(command, write(tmp_path, data))
    assert_refused_without_verdict(run, f"{field}:", detail)


@pytest.mark.parametrize("attack", list(ALSO_OVERFLOWING))
def test_other_overflows_are_refused_by_check_naming_the_field(tmp_path, attack):
    data, field, detail = ALSO_OVERFLOWING[attack]
    run = run_cli("check", write(tmp_path, data))
    assert_refused_without_verdict(run, f"{field}:", detail)
    assert run.stderr.count("bidfit: error:") == 1, run.stderr  # the chain is named where it starts


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_nan_and_infinity_written_in_a_file_are_refused(tmp_path, suffix, bad):
    run = run_cli("check", write(tmp_path, with_fee(amount=bad), suffix))
    assert_refused_without_verdict(run, "bids['A'].costs['Fee'].amount:", "finite number")


def test_one_overflowing_file_does_not_hide_the_others(tmp_path):
    (tmp_path / "good").mkdir()
    write(tmp_path / "good", small_case())
    (tmp_path / "bad").mkdir()
    write(tmp_path / "bad", percent_chain(20))
    run = run_cli("check", tmp_path)
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert "bids['A'].costs['Item 13'].percent" in run.stderr
    assert "1 passed" in run.stdout  # the valid file is still checked and reported


# --------------------------------------------------------------------------
# cases changed without validation: the analysis' own finite check
# --------------------------------------------------------------------------


def base_case() -> Case:
    return Case.model_validate(small_case())


def changed_stream(case: Case, **update: Any) -> Case:
    return case.model_copy(update={"revenue": [case.revenue[0].model_copy(update=update)]})


def changed_costs(case: Case, *costs: CostItem) -> Case:
    return case.model_copy(update={"bids": [case.bids[0].model_copy(update={"costs": list(costs)})]})


def changed_fee(case: Case, **update: Any) -> Case:
    kit, fee = case.bids[0].costs
    return changed_costs(case, kit, fee.model_copy(update=update))


UNVALIDATED: dict[str, tuple[Any, str, str]] = {
    "growth": (
        lambda c: changed_stream(c.model_copy(update={"horizon_years": 100}), growth=1e4),
        "revenue['Roaming'].growth",
        "compounded from year 1 to year 100, the amounts grow beyond what can be computed",
    ),
    "nan revenue": (
        lambda c: changed_stream(c, annual_amount=math.nan),
        "revenue['Roaming'].annual_amount",
        "is not a finite number",
    ),
    "escalation": (
        lambda c: changed_fee(c.model_copy(update={"horizon_years": 100}), escalation=1e4),
        "bids['A'].costs['Fee'].escalation",
        "compounded from year 1 to year 100, the amounts grow beyond what can be computed",
    ),
    "infinite fee": (
        lambda c: changed_fee(c, amount=math.inf),
        "bids['A'].costs['Fee'].amount",
        "is not a finite number",
    ),
    "fx": (
        lambda c: changed_fee(c.model_copy(update={"fx": {"NOK": 1e300}}), currency="NOK", amount=1e15),
        "fx['NOK']",
        "converting with this FX rate gives amounts beyond what can be computed",
    ),
    "yearly totals": (
        lambda c: changed_costs(
            c, *(c.bids[0].costs[0].model_copy(update={"name": n, "amount": 1e308}) for n in "XY")
        ),
        "bids['A']",
        "the bid's yearly totals add up to more than can be computed",
    ),
    "discounting": (
        lambda c: c.model_copy(update={"discount_rate": -0.9999, "horizon_years": 100}),
        "discount_rate",
        "discounted at this rate, the cash flows of 'A' give present values beyond what can be computed",
    ),
    "nan discount rate": (
        lambda c: c.model_copy(update={"discount_rate": math.nan}),
        "discount_rate",
        "cannot discount at this rate",
    ),
}


@pytest.mark.parametrize("change", list(UNVALIDATED))
def test_analyze_refuses_a_non_finite_flow_or_figure_naming_the_field(change):
    make, field, message = UNVALIDATED[change]
    with pytest.raises(InputError) as caught:
        bidfit.analyze(make(base_case()))
    assert [(p.where, p.message) for p in caught.value.problems] == [(field, message)]


def test_analyze_many_refuses_the_whole_portfolio_naming_the_bad_case():
    good = base_case()
    bad = changed_stream(base_case().model_copy(update={"name": "Wild", "horizon_years": 100}), growth=1e4)
    with pytest.raises(InputError) as caught:
        bidfit.analyze_many([good, bad, good])
    (problem,) = caught.value.problems
    assert (problem.file, problem.where) == ("cases[1] (Wild)", "revenue['Roaming'].growth")
    assert str(problem).startswith("cases[1] (Wild): revenue['Roaming'].growth: compounded from year 1")


# --------------------------------------------------------------------------
# valid extremes: every figure finite or None with a note
# --------------------------------------------------------------------------


def assert_figures_finite_or_explained(result: Analysis) -> None:
    for bid in result.bids.values():
        for name, value in bid.summary_row().items():
            if isinstance(value, float):
                assert math.isfinite(value), (bid.name, name, value)
        for name in ("irr", "payback_years", "benefit_cost_ratio", "benefit_headroom", "benefit_share"):
            if getattr(bid, name) is None:
                assert bid.notes.get(name), (bid.name, name, bid.notes)
        for column in bid.cashflows.columns:
            assert np.isfinite(bid.cashflows[column].to_numpy(dtype=float)).all(), (bid.name, column)


def test_a_case_at_every_bound_at_once_stays_finite():
    case = Case(
        name="Edges",
        horizon_years=100,
        discount_rate=MIN_DISCOUNT_RATE,
        fx={"XXX": MAX_FX_RATE},
        revenue=[RevenueStream(name="S", annual_amount=MAX_AMOUNT, growth=MAX_GROWTH, currency="XXX")],
        bids=[
            Bid(
                name="A",
                costs=[
                    CostItem(name="Kit", kind="one_time", amount=MAX_AMOUNT, currency="XXX", year=100),
                    CostItem(
                        name="Fee", kind="recurring", amount=MAX_AMOUNT, escalation=MAX_GROWTH, currency="XXX"
                    ),
                    CostItem(
                        name="Care", kind="recurring", percent_of=["Kit"], percent=1e-9, escalation=MAX_GROWTH
                    ),
                ],
            ),
            Bid(name="B", costs=[CostItem(name="Kit", kind="one_time", amount=MAX_AMOUNT, currency="XXX")]),
        ],
    )
    result = bidfit.analyze(case)
    assert_figures_finite_or_explained(result)
    b = result.bids["B"]
    assert b.verdict == "better_off" and b.npv > 1e140  # 1e24 a year growing 11x for 99 years, at -50%
    assert result.bids["A"].verdict == "worse_off"


def test_a_bid_with_no_cost_has_no_ratio_but_a_finite_break_even():
    case = Case.model_validate(small_case(bids=[{"name": "Free", "costs": []}]))
    free = bidfit.analyze(case).bids["Free"]
    assert free.benefit_cost_ratio is None and free.notes["benefit_cost_ratio"] == "the bid has no cost"
    assert free.irr is None and "never change sign" in free.notes["irr"]
    annuity = sum(1.08**-t for t in range(1, 6))
    assert free.max_one_time_price == pytest.approx(380_000 * annuity, rel=1e-12)  # the whole PV of benefits
    assert free.max_annual_fee == pytest.approx(380_000, rel=1e-12)  # a flat fee worth the same
    assert free.verdict == "better_off"


def test_a_cost_too_small_for_a_ratio_gives_none_with_a_note():
    case = Case.model_validate(
        small_case(
            revenue=[{"name": "Roaming", "annual_amount": MAX_AMOUNT}],
            bids=[{"name": "A", "costs": [{"name": "Kit", "kind": "one_time", "amount": 1e-300}]}],
        )
    )
    result = bidfit.analyze(case)
    a = result.bids["A"]
    assert a.pv_costs == 1e-300 and a.benefit_cost_ratio is None
    assert a.notes["benefit_cost_ratio"] == "the bid's costs are too small against its benefits for a ratio"
    assert a.verdict == "better_off"
    assert_figures_finite_or_explained(result)


def test_benefits_too_small_for_a_headroom_give_none_with_a_note():
    case = Case.model_validate(
        small_case(
            revenue=[{"name": "Roaming", "annual_amount": 1e-300}],
            bids=[{"name": "A", "costs": [{"name": "Kit", "kind": "one_time", "amount": MAX_AMOUNT}]}],
        )
    )
    result = bidfit.analyze(case)
    a = result.bids["A"]
    assert a.benefit_headroom is None
    assert a.notes["benefit_headroom"] == "the benefits are too small against the costs for a share"
    assert a.verdict == "worse_off" and a.npv == pytest.approx(-MAX_AMOUNT, rel=1e-12)
    assert_figures_finite_or_explained(result)


# --------------------------------------------------------------------------
# tiny amounts: relative tolerances
# --------------------------------------------------------------------------


def tiny_case(benefit: float, *fees: float) -> Case:
    bids = [
        {
            "name": f"Bid {i}",
            "costs": [{"name": "Fee", "kind": "recurring", "amount": fee, "source": "quote"}],
        }
        for i, fee in enumerate(fees)
    ]
    return Case.model_validate(
        small_case(revenue=[{"name": "Roaming", "annual_amount": benefit, "source": "operator"}], bids=bids)
    )


def codes(bid: BidAnalysis) -> list[str]:
    return [f.code for f in bid.flags]


@pytest.mark.parametrize("fee", [0.0, 1e-11, 0.9e-10])
def test_tiny_fees_below_tiny_benefits_are_not_running_at_a_loss(fee):
    result = bidfit.analyze(tiny_case(1e-10, fee))
    assert codes(result.bids["Bid 0"]) == []
    assert result.bids["Bid 0"].verdict == "better_off"


@pytest.mark.parametrize("fee", [1e-10, 2e-10])
def test_tiny_fees_at_or_above_tiny_benefits_are_running_at_a_loss(fee):
    bid = bidfit.analyze(tiny_case(1e-10, fee)).bids["Bid 0"]
    flag = bid.flag("RUNNING_COST_EXCEEDS_REVENUE")
    assert flag is not None and flag.severity == "error" and bid.verdict == "worse_off"


def test_a_tiny_bid_dearer_for_the_same_benefit_is_dominated():
    result = bidfit.analyze(tiny_case(1e-10, 5e-11, 4e-11))
    assert "DOMINATED" in codes(result.bids["Bid 0"]) and "DOMINATED" not in codes(result.bids["Bid 1"])


def test_check_passes_a_case_of_tiny_amounts(tmp_path):
    data = small_case(
        revenue=[{"name": "Roaming", "annual_amount": 1e-10, "source": "operator"}],
        bids=[
            {"name": "A", "costs": [{"name": "Fee", "kind": "recurring", "amount": 1e-11, "source": "quote"}]}
        ],
    )
    run = run_cli("check", write(tmp_path, data))
    assert run.returncode == 0, run.stdout + run.stderr
    assert "RUNNING_COST_EXCEEDS_REVENUE" not in run.stdout and "PASSED: 1 bid" in run.stdout


# --------------------------------------------------------------------------
# scale invariance: the property behind relative tolerances
# --------------------------------------------------------------------------


def scaled(data: Any, factor: float) -> Any:
    """``data`` with every amount (streams, costs, vendor costs, options) times ``factor``."""
    if isinstance(data, dict):
        return {
            key: value * factor
            if key in ("annual_amount", "amount") and value is not None
            else scaled(value, factor)
            for key, value in data.items()
        }
    if isinstance(data, list):
        return [scaled(value, factor) for value in data]
    return data


@cache
def sample_data(name: str) -> dict[str, Any]:
    return bidfit.load_sample(name).model_dump()


@cache
def sample_result(name: str) -> Analysis:
    return bidfit.analyze(bidfit.load_sample(name))


@settings(max_examples=60, deadline=None)
@given(name=st.sampled_from(bidfit.sample_names()), exponent=st.floats(-15, 6))
def test_scaling_every_amount_changes_no_verdict_and_no_finding(name, exponent):
    factor = 10.0**exponent
    before = sample_result(name)
    after = bidfit.analyze(Case.model_validate(scaled(sample_data(name), factor)))
    for bid_name, b in before.bids.items():
        a = after.bids[bid_name]
        assert a.verdict == b.verdict
        assert [(f.code, f.severity, f.lever) for f in a.flags] == [
            (f.code, f.severity, f.lever) for f in b.flags
        ]
        assert a.npv == pytest.approx(b.npv * factor, rel=1e-9)
        assert a.max_annual_fee == pytest.approx(b.max_annual_fee * factor, rel=1e-9)
        for figure in ("payback_years", "irr", "benefit_cost_ratio"):  # scale-free figures stay as they were
            now, was = getattr(a, figure), getattr(b, figure)
            assert (now is None) == (was is None), figure
            assert now is None or now == pytest.approx(was, rel=1e-9, abs=1e-12), figure


def test_a_one_time_cost_too_small_to_scale_still_gives_the_payback_ceiling(tmp_path):
    # Revenue 1e15 a year against a one-time cost of 1e-300: the factor that would
    # keep payback within 3 years (1e15 * 3 / 1e-300) overflows a float. Payback
    # is in time whatever the cost, so the ceiling has no bound and the bid passes.
    case = {
        "name": "Tiny kit",
        "horizon_years": 5,
        "discount_rate": 0.08,
        "revenue": [{"name": "R", "annual_amount": 1e15}],
        "bids": [{"name": "A", "costs": [{"name": "Kit", "kind": "one_time", "amount": 1e-300}]}],
        "policy": {"max_payback_years": 3},
    }
    path = tmp_path / "tiny.json"
    path.write_text(json.dumps(case))
    run = run_cli("check", path, "--format", "json")
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    [bid] = json.loads(run.stdout)["results"]
    assert bid["passed"] is True and bid["verdict"] == "better_off"
