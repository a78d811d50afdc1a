"""Metrics of ``bidfit.analyze`` against hand calculations and properties that must hold."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

import bidfit
from bidfit import finance
from conftest import make_case

# --- the motivating case, by hand -------------------------------------------------
# Revenue EUR 380k in year 1, -2% a year, 5 years, discount 8%:
GROWTH = [1.0, 0.98, 0.98**2, 0.98**3, 0.98**4]
DISCOUNT = [1.08**t for t in range(1, 6)]
PV_BENEFITS = 380_000 * sum(g / d for g, d in zip(GROWTH, DISCOUNT, strict=True))  # 1,462,265.44
ANNUITY = sum(1 / d for d in DISCOUNT)  # 3.992710
PV_FEES_A = 520_000 * ANNUITY  # maintenance 170k + operations 350k
PRICE_A = 780_000 + 140_000


def test_norway_vendor_a_by_hand(norway):
    a = bidfit.analyze(norway).bids["Vendor A"]
    assert a.pv_benefits == pytest.approx(PV_BENEFITS, rel=1e-12)
    assert a.pv_benefits == pytest.approx(1_462_265.44, abs=0.01)
    assert a.pv_costs == pytest.approx(PRICE_A + PV_FEES_A, rel=1e-12)
    assert a.npv == pytest.approx(PV_BENEFITS - PRICE_A - PV_FEES_A, rel=1e-12)
    assert a.npv == pytest.approx(-1_533_943.78, abs=0.01)
    assert a.lifetime_cost == pytest.approx(PRICE_A + 5 * 520_000)
    assert a.benefit_cost_ratio == pytest.approx(PV_BENEFITS / (PRICE_A + PV_FEES_A))
    # Break-even price: all one-time costs are in year 0, so max price = PV benefits - PV fees.
    assert a.max_one_time_price == pytest.approx(PV_BENEFITS - PV_FEES_A)
    assert a.max_one_time_price == pytest.approx(-613_943.78, abs=0.01)
    # Break-even fee: scale 520k by (PV benefits - price) / PV fees.
    assert a.max_annual_fee == pytest.approx((PV_BENEFITS - PRICE_A) / PV_FEES_A * 520_000)
    assert a.max_annual_fee == pytest.approx(135_813.88, abs=0.01)
    assert a.one_time_price == PRICE_A and a.annual_fee == 520_000
    # Every flow after year 0 is negative too: no IRR, no payback, each explained.
    assert a.irr is None and "never change sign" in a.notes["irr"]
    assert a.payback_years is None and a.discounted_payback_years is None
    assert "does not stay non-negative" in a.notes["payback_years"]


def test_norway_verdicts_and_flags(norway):
    result = bidfit.analyze(norway)
    a, b = result.bids["Vendor A"], result.bids["Competitor B"]
    assert a.verdict == "worse_off" and b.verdict == "better_off"
    assert {f.code for f in a.errors} >= {"NEGATIVE_NPV", "RUNNING_COST_EXCEEDS_REVENUE"}
    assert a.max_one_time_price < 0
    assert b.errors == () and b.warnings == ()
    # Competitor: payback inside year 3: cumulative -520k, -290k, -67.6k, then +214,952 in year 3.
    assert b.payback_years == pytest.approx(2 + 67_600 / 214_952)
    assert b.npv == pytest.approx(PV_BENEFITS - 520_000 - 150_000 * ANNUITY)


def test_norway_running_cost_message_says_no_price_fixes_it(norway):
    flag = bidfit.analyze(norway).bids["Vendor A"].flag("RUNNING_COST_EXCEEDS_REVENUE")
    assert flag is not None and flag.severity == "error" and flag.lever == "recurring_fees"
    assert "Recurring fees of EUR 520k a year" in flag.message
    assert "EUR 380k of benefits" in flag.message
    assert "every operating year" in flag.message
    assert "no price fixes this" in flag.message
    # How far fees must fall: at the quoted price, and with no price at all (PV benefits / annuity).
    assert "at most EUR 136k a year" in flag.message
    assert f"{PV_BENEFITS / ANNUITY / 1000:.0f}k a year even with no one-time price" in flag.message
    assert flag.figures["max_annual_fee_at_zero_price"] == pytest.approx(PV_BENEFITS / ANNUITY)


def test_summary_has_one_row_per_bid(norway):
    summary = bidfit.analyze(norway).summary
    assert list(summary.index) == ["Vendor A", "Competitor B"]
    assert summary.loc["Vendor A", "verdict"] == "worse_off"
    assert summary.loc["Vendor A", "npv"] == pytest.approx(-1_533_943.78, abs=0.01)
    assert summary.loc["Vendor A", "errors"] >= 2
    for column in [
        "irr",
        "payback_years",
        "pv_benefits",
        "pv_costs",
        "benefit_cost_ratio",
        "max_one_time_price",
        "max_annual_fee",
        "lifetime_cost",
        "benefit_headroom",
    ]:
        assert column in summary.columns


def test_cashflows_frame_columns_and_values(norway):
    frame = bidfit.analyze(norway).bids["Competitor B"].cashflows
    assert list(frame.index) == [0, 1, 2, 3, 4, 5] and frame.index.name == "year"
    assert_allclose(frame["net"], [-520_000, 230_000, 222_400, 214_952, 207_652.96, 200_499.9008])
    assert_allclose(frame["cumulative"], np.cumsum(frame["net"]))
    assert_allclose(frame["discount_factor"], [1.08**-t for t in range(6)])
    assert_allclose(frame["pv_net"].sum(), bidfit.analyze(norway).bids["Competitor B"].npv)
    assert_allclose(frame["recurring_gap"], frame["benefits"] - frame["recurring_costs"])
    by_category = bidfit.analyze(norway).bids["Competitor B"].costs_by_category
    assert list(by_category.columns) == ["capex", "installation", "maintenance", "operations"]
    assert_allclose(by_category.sum(axis=1), frame["costs"])


def test_revenue_pool_and_benefit_share():
    # Pool 1000/yr, capture 0.3, margin 0.5: benefit 150/yr, share 15% in PV terms as well.
    case = make_case(revenue=[{"name": "S", "annual_amount": 1000, "capture": 0.3, "margin": 0.5}])
    a = bidfit.analyze(case).bids["A"]
    assert a.revenue_pool == pytest.approx(1000 * (1 / 1.1 + 1 / 1.21 + 1 / 1.331))
    assert a.benefit_share == pytest.approx(0.15)


def test_break_even_price_with_one_time_costs_in_later_years():
    # One-time: 100 in year 0 and 121 in year 2 (PV 100 + 100 = 200, total 221). Benefits 100/yr at 10%
    # for 3 years: PV 248.685. No recurring. s* = 248.685 / 200, price = s* x 221.
    case = make_case(
        bids=[
            {
                "name": "A",
                "costs": [
                    {"name": "Kit", "kind": "one_time", "amount": 100},
                    {"name": "Refresh", "kind": "one_time", "amount": 121, "year": 2},
                ],
            }
        ]
    )
    a = bidfit.analyze(case).bids["A"]
    pv_b = 100 / 1.1 + 100 / 1.21 + 100 / 1.331
    assert a.max_one_time_price == pytest.approx(pv_b / 200 * 221)


def test_break_even_fee_without_recurring_costs_is_a_flat_annuity():
    # No fee quoted: the break-even fee is (PV benefits - price) / annuity factor.
    case = make_case()  # benefits 100/yr, price 150 at year 0, 3 years at 10%
    a = bidfit.analyze(case).bids["A"]
    annuity = 1 / 1.1 + 1 / 1.21 + 1 / 1.331
    assert a.annual_fee == 0
    assert a.max_annual_fee == pytest.approx((100 * annuity - 150) / annuity)


def test_break_even_fee_uses_the_first_operating_year():
    # Fee 40 from year 2, escalating 10%: 40, 44. PV = 40/1.21 + 44/1.331. Benefits 100/yr.
    case = make_case(
        bids=[
            {
                "name": "A",
                "costs": [
                    {"name": "Fee", "kind": "recurring", "amount": 40, "start_year": 2, "escalation": 0.1}
                ],
            }
        ]
    )
    a = bidfit.analyze(case).bids["A"]
    pv_fee = 40 / 1.21 + 44 / 1.331
    pv_b = 100 / 1.1 + 100 / 1.21 + 100 / 1.331
    assert a.annual_fee == pytest.approx(40)
    assert a.max_annual_fee == pytest.approx(pv_b / pv_fee * 40)


def test_payback_by_hand():
    # Net -150, 100, 100, 100: cumulative -150, -50, +50 -> 1 + 50/100 = 1.5 years.
    a = bidfit.analyze(make_case()).bids["A"]
    assert a.payback_years == pytest.approx(1.5)
    # Discounted: -150, 90.909, 82.645 -> cumulative -59.09 after year 1 -> 1 + 59.09/82.645.
    assert a.discounted_payback_years == pytest.approx(1 + (150 - 100 / 1.1) / (100 / 1.21))


def test_benefit_headroom_is_npv_over_pv_benefits():
    a = bidfit.analyze(make_case()).bids["A"]
    pv_b = 100 / 1.1 + 100 / 1.21 + 100 / 1.331
    assert a.benefit_headroom == pytest.approx((pv_b - 150) / pv_b)


def test_irr_of_a_simple_bid():
    # -150, 100, 100, 100 -> IRR solves 150 = 100 (x + x^2 + x^3), checked by NPV = 0.
    a = bidfit.analyze(make_case()).bids["A"]
    assert finance.npv(a.irr, [-150, 100, 100, 100]) == pytest.approx(0, abs=1e-9)


def test_bid_with_no_costs_has_no_ratio_and_says_why():
    a = bidfit.analyze(make_case(bids=[{"name": "A"}])).bids["A"]
    assert a.benefit_cost_ratio is None and a.notes["benefit_cost_ratio"] == "the bid has no cost"
    assert a.verdict == "better_off"


def test_analyze_rejects_a_case_made_inconsistent_after_validation():
    case = make_case(revenue=[{"name": "S", "annual_amount": 1}], bids=[{"name": "A", "scope": ["S"]}])
    case.revenue[0].name = "Renamed"
    with pytest.raises(bidfit.InputError, match="scope names a revenue stream that does not exist"):
        bidfit.analyze(case)


def test_sample_cases_give_their_documented_verdicts():
    verdicts = {name: bidfit.analyze(bidfit.load_sample(name)).verdicts for name in bidfit.sample_names()}
    assert verdicts["norway_roaming"] == {"Vendor A": "worse_off", "Competitor B": "better_off"}
    assert verdicts["fixed_broadband"] == {
        "FTTH urban": "better_off",
        "FTTH urban and rural": "better_off",
        "FTTH urban, FWA rural": "better_off",
    }
    assert verdicts["service_tiers"] == {"Platinum": "at_risk", "Gold": "better_off", "Silver": "worse_off"}


# --- properties -----------------------------------------------------------------------

# Money has cents: amounts are 0 or at least 1 (a subnormal amount would overflow the test's ratios).
amounts = st.one_of(st.just(0.0), st.floats(min_value=1, max_value=1e7))
small_rates = st.floats(min_value=-0.05, max_value=0.3)


@st.composite
def cases(draw, with_costs=True):
    horizon = draw(st.integers(1, 15))
    revenue = [
        {
            "name": f"S{i}",
            "annual_amount": draw(amounts),
            "growth": draw(small_rates),
            "capture": draw(st.floats(0, 1)),
            "ramp_years": draw(st.integers(0, 4)),
        }
        for i in range(draw(st.integers(1, 3)))
    ]
    costs = []
    if with_costs:
        costs = [
            {
                "name": f"C{i}",
                "kind": draw(st.sampled_from(["one_time", "recurring"])),
                "amount": draw(amounts),
            }
            for i in range(draw(st.integers(1, 4)))
        ]
        for c in costs:
            if c["kind"] == "recurring":
                c["escalation"] = draw(small_rates)
    return make_case(
        horizon_years=horizon,
        discount_rate=draw(st.floats(0, 0.5)),
        revenue=revenue,
        bids=[{"name": "A", "costs": costs}],
    )


@settings(max_examples=60, deadline=None)
@given(cases(), st.floats(0.1, 10))
def test_scaling_every_amount_scales_npv(case, k):
    base = bidfit.analyze(case).bids["A"]
    scaled_case = case.model_copy(deep=True)
    for s in scaled_case.revenue:
        s.annual_amount *= k
    for c in scaled_case.bids[0].costs:
        c.amount = c.amount * k
    scaled = bidfit.analyze(scaled_case).bids["A"]
    assert scaled.npv == pytest.approx(k * base.npv, rel=1e-9, abs=1e-6)
    assert scaled.max_one_time_price == pytest.approx(k * base.max_one_time_price, rel=1e-9, abs=1e-6)


@settings(max_examples=60, deadline=None)
@given(cases(with_costs=False))
def test_a_bid_with_zero_cost_is_never_worse_off(case):
    assert bidfit.analyze(case).bids["A"].verdict != "worse_off"


@settings(max_examples=80, deadline=None)
@given(cases())
def test_break_even_price_and_fee_make_npv_zero(case):
    a = bidfit.analyze(case).bids["A"]
    f = a.flows
    rate = case.discount_rate
    if a.one_time_price > 0:
        scale = a.max_one_time_price / a.one_time_price
        priced = f.benefits - f.recurring_costs - scale * f.one_time_costs
        assert finance.npv(rate, priced) == pytest.approx(0, abs=1e-6 * max(1.0, a.pv_benefits, a.pv_costs))
    if a.annual_fee > 0:
        scale = a.max_annual_fee / a.annual_fee
        priced = f.benefits - f.one_time_costs - scale * f.recurring_costs
        assert finance.npv(rate, priced) == pytest.approx(0, abs=1e-6 * max(1.0, a.pv_benefits, a.pv_costs))


@settings(max_examples=60, deadline=None)
@given(cases())
def test_npv_is_pv_benefits_minus_pv_costs_and_headroom_consistent(case):
    a = bidfit.analyze(case).bids["A"]
    assert a.npv == pytest.approx(a.pv_benefits - a.pv_costs, abs=1e-6 * max(1.0, a.pv_costs))
    assert a.pv_costs == pytest.approx(a.pv_one_time_costs + a.pv_recurring_costs)
    if a.benefit_headroom is not None:
        assert (a.benefit_headroom >= 0) == (a.npv >= -1e-9 * max(1.0, a.pv_costs)) or math.isclose(
            a.npv, 0, abs_tol=1e-6
        )
    if a.npv < 0:
        assert a.verdict == "worse_off"


def test_summary_figures_are_float_columns_with_nan_for_missing_figures(norway):
    summary = bidfit.analyze(norway).summary
    assert summary["irr"].dtype == float and math.isnan(summary.loc["Vendor A", "irr"])
    assert summary["errors"].dtype.kind == "i"
    # A row's figures come back as numbers, ready to round or plot.
    figures = summary[["npv", "payback_years", "benefit_cost_ratio"]]
    assert all(dtype.kind == "f" for dtype in figures.dtypes)
    row = figures.round(2).loc["Competitor B"].to_dict()
    assert row == {"npv": 343358.93, "payback_years": 2.31, "benefit_cost_ratio": 1.31}
