"""Each flag code on a small case whose figures are worked out by hand in the test."""

from __future__ import annotations

import pytest

import bidfit
from bidfit.assess.rules import loss_probability_flag
from bidfit.model.case import Policy
from conftest import make_case

# Benefits 100 a year for 3 years at 10%: PV = 100/1.1 + 100/1.21 + 100/1.331 = 248.685
PV_B = 100 / 1.1 + 100 / 1.21 + 100 / 1.331


def analyse(**kwargs) -> bidfit.BidAnalysis:
    return bidfit.analyze(make_case(**kwargs)).bids["A"]


def priced(price: float, **kwargs) -> bidfit.BidAnalysis:
    return analyse(costs=[{"name": "Kit", "kind": "one_time", "amount": price}], **kwargs)


def test_negative_npv_names_the_price_lever_and_the_break_even_price():
    a = priced(300)  # NPV = 248.685 - 300 = -51.3
    flag = a.flag("NEGATIVE_NPV")
    assert flag.severity == "error" and flag.lever == "price"
    assert a.verdict == "worse_off"
    assert flag.figures["price_limit"] == pytest.approx(PV_B)
    assert "cut the one-time price from EUR 300 to at most EUR 249 (-17%)" in flag.message
    assert "lose EUR 51" in flag.message


def test_lever_is_the_smaller_relative_cut():
    # Price 100 (year 0) and fee 60/yr: PV costs 100 + 60 x 2.48685 = 249.21 > PV_B by 0.526.
    # Price must fall 0.526/100 = 0.5%; the fee 0.526/149.2 = 0.35%: the fee is the smaller cut.
    a = analyse(
        costs=[
            {"name": "Kit", "kind": "one_time", "amount": 100},
            {"name": "Fee", "kind": "recurring", "amount": 60},
        ]
    )
    flag = a.flag("NEGATIVE_NPV")
    assert flag.lever == "recurring_fees"
    assert flag.figures["fee_limit"] == pytest.approx((PV_B - 100) / (60 * PV_B / 100) * 60)


def test_running_cost_in_some_years_is_a_warning_naming_them():
    # Revenue ends after year 2; the fee of 30 runs to year 3, when benefits are 0.
    a = analyse(
        revenue=[{"name": "S", "annual_amount": 100, "end_year": 2}],
        costs=[{"name": "Fee", "kind": "recurring", "amount": 30}],
    )
    flag = a.flag("RUNNING_COST_EXCEEDS_REVENUE")
    assert flag.severity == "warning" and flag.lever == "recurring_fees"
    assert "in year 3 (year 3: EUR 30 of costs against EUR 0 of benefits)" in flag.message
    assert a.verdict == "at_risk"


def test_running_cost_equal_to_benefit_every_year_is_an_error():
    a = analyse(costs=[{"name": "Fee", "kind": "recurring", "amount": 100}])
    flag = a.flag("RUNNING_COST_EXCEEDS_REVENUE")
    assert flag.severity == "error" and "no price fixes this" in flag.message


def test_no_payback_reports_the_final_cumulative_position():
    a = priced(400)  # cumulative -400, -300, -200, -100
    flag = a.flag("NO_PAYBACK")
    assert flag.severity == "error" and "ends at EUR -100" in flag.message
    # Undiscounted, the price must fall to the 300 of benefits.
    assert flag.figures["price_limit"] == pytest.approx(300)


def test_payback_too_long_gives_the_price_that_pays_back_in_time():
    # Price 150: cumulative -150, -50, 50 -> payback 1.5. Policy: 1.2 years.
    # By year 1.2, 120 of benefits have come in, so a price of 120 pays back in exactly 1.2 years.
    a = priced(150, policy=Policy(max_payback_years=1.2))
    flag = a.flag("PAYBACK_TOO_LONG")
    assert flag.severity == "error" and flag.lever == "price"
    assert flag.figures["price_limit"] == pytest.approx(120)
    assert "Payback takes 1.5 years; the policy allows at most 1.2" in flag.message
    passing = priced(120, policy=Policy(max_payback_years=1.2))
    assert passing.payback_years == pytest.approx(1.2) and passing.flag("PAYBACK_TOO_LONG") is None


def test_thin_margin_against_the_policy_ratio_is_an_error():
    # B/C = 248.685 / 150 = 1.66 < 2.0; the price must fall to PV_B / 2 = 124.34.
    a = priced(150, policy=Policy(min_benefit_cost_ratio=2.0))
    flag = a.flag("THIN_MARGIN")
    # The customer still gains (NPV > 0) but with little headroom: at risk, and failing the policy.
    assert flag.severity == "error" and a.verdict == "at_risk" and a.npv > 0 and not a.passes
    assert flag.figures["price_limit"] == pytest.approx(PV_B / 2)
    assert "Benefits are 1.66x the lifetime cost; the policy asks for at least 2.00x" in flag.message


def test_thin_margin_against_the_policy_headroom_is_an_error():
    # Headroom (248.685 - 150) / 248.685 = 39.7% < 50%.
    a = priced(150, policy=Policy(min_benefit_headroom=0.5))
    flag = a.flag("THIN_MARGIN")
    assert flag.severity == "error" and "may fall only 40%" in flag.message
    assert flag.figures["price_limit"] == pytest.approx(PV_B * 0.5)


def test_thin_margin_below_ten_percent_headroom_is_advice():
    a = priced(230)  # headroom (248.685 - 230) / 248.685 = 7.5%
    flag = a.flag("THIN_MARGIN")
    assert flag.severity == "warning" and a.verdict == "at_risk"
    assert "may fall only 8%" in flag.message


def test_stress_fails_when_the_cut_benefit_no_longer_covers_cost():
    # Cut 50%: 124.34 - 150 = -25.66.
    a = priced(150, policy=Policy(stress_benefit_cut=0.5))
    flag = a.flag("STRESS_FAILS")
    assert flag.severity == "error"
    assert flag.figures["stressed_npv"] == pytest.approx(PV_B * 0.5 - 150)
    assert "cut by 50%, the customer loses EUR 26" in flag.message
    assert priced(100, policy=Policy(stress_benefit_cut=0.5)).flag("STRESS_FAILS") is None


def test_dominated_is_info_and_names_the_better_bid():
    case = make_case(
        bids=[
            {"name": "A", "costs": [{"name": "Kit", "kind": "one_time", "amount": 150}]},
            {"name": "B", "costs": [{"name": "Kit", "kind": "one_time", "amount": 120}]},
        ]
    )
    result = bidfit.analyze(case)
    flag = result.bids["A"].flag("DOMINATED")
    assert flag.severity == "info" and "'B'" in flag.message
    assert result.bids["A"].verdict == "better_off"
    assert result.bids["B"].flag("DOMINATED") is None


def test_missing_source_is_info_unless_the_policy_requires_sources():
    a = priced(100)
    assert a.flag("MISSING_SOURCE").severity == "info"
    assert "revenue 'Sales', cost 'Kit'" in a.flag("MISSING_SOURCE").message
    strict = priced(100, policy=Policy(require_source=True))
    # A missing source fails the policy; the customer's economics are unchanged.
    assert strict.flag("MISSING_SOURCE").severity == "error" and not strict.passes
    assert strict.verdict == a.verdict == "better_off"


def test_policy_can_raise_or_lower_severity():
    raised = priced(230, policy=Policy(severity={"THIN_MARGIN": "error"}))
    assert raised.flag("THIN_MARGIN").severity == "error" and not raised.passes
    assert raised.verdict == "at_risk"
    # Lowering a severity changes the policy outcome, never the customer's economics.
    lowered = priced(300, policy=Policy(severity={"NEGATIVE_NPV": "warning", "NO_PAYBACK": "info"}))
    assert lowered.flag("NEGATIVE_NPV").severity == "warning" and lowered.passes
    assert lowered.npv < 0 and lowered.verdict == "worse_off"


def test_flags_are_sorted_most_severe_first(norway):
    flags = bidfit.analyze(norway).bids["Vendor A"].flags
    order = ["error", "warning", "info"]
    assert [order.index(f.severity) for f in flags] == sorted(order.index(f.severity) for f in flags)


def test_high_loss_probability_against_the_policy():
    policy = Policy(max_loss_probability=0.2)
    flag = loss_probability_flag(0.31, policy, trials=10_000)
    assert flag.code == "HIGH_LOSS_PROBABILITY" and flag.severity == "error"
    assert "worse off 31.0% of the time" in flag.message and "at most 20.0%" in flag.message
    assert loss_probability_flag(0.2, policy, trials=10_000) is None
    assert loss_probability_flag(0.9, Policy(), trials=10_000) is None


def test_scope_lever_when_neither_price_nor_fee_alone_suffices():
    # Benefits PV 248.685; price 300 and fee 200/yr: even a free price leaves the fee (PV 497) too high,
    # and even a zero fee leaves the price too high.
    a = analyse(
        costs=[
            {"name": "Kit", "kind": "one_time", "amount": 300},
            {"name": "Fee", "kind": "recurring", "amount": 200},
        ]
    )
    assert a.flag("NEGATIVE_NPV").lever == "scope"
    assert "widen the scope" in a.flag("NEGATIVE_NPV").message


def test_a_min_margin_without_vendor_costs_is_said_not_checked():
    bid = {"name": "A", "min_margin": 0.15, "costs": [{"name": "Kit", "kind": "one_time", "amount": 100}]}
    a = analyse(bids=[bid])
    flag = a.flag("MARGIN_NOT_CHECKED")
    assert flag is not None and flag.severity == "info" and flag.lever == "evidence"
    assert flag.figures == {"min_margin": 0.15}
    assert "at least 15%, but gives no vendor_costs" in flag.message
    assert a.deal_room is None and a.passes and a.verdict == "better_off"
    # With the vendor's delivery costs the margin is checked (the deal room) and nothing is said.
    checked = dict(bid, vendor_costs=[{"name": "Build", "kind": "one_time", "amount": 50}])
    b = analyse(bids=[checked])
    assert b.flag("MARGIN_NOT_CHECKED") is None and b.deal_room is not None
    assert b.deal_room.min_margin == 0.15
