"""The cash-flow builder against hand calculations of every convention."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from bidfit.build.cashflows import build_cashflows, schedule
from bidfit.model.amounts import cost_amounts
from conftest import make_case


def flows_of(case, bid="A"):
    return build_cashflows(case)[bid]


def test_default_timing_one_time_in_year_0_and_streams_from_year_1():
    case = make_case(
        costs=[
            {"name": "Kit", "kind": "one_time", "amount": 150},
            {"name": "Fee", "kind": "recurring", "amount": 20},
        ]
    )
    f = flows_of(case)
    assert_allclose(f.years, [0, 1, 2, 3])
    assert_allclose(f.benefits, [0, 100, 100, 100])
    assert_allclose(f.one_time_costs, [150, 0, 0, 0])
    assert_allclose(f.recurring_costs, [0, 20, 20, 20])
    assert_allclose(f.net, [-150, 80, 80, 80])


def test_growth_compounds_from_the_first_active_year():
    # 100 from year 2 growing 10%: year 2 = 100, year 3 = 110, year 4 = 121.
    case = make_case(
        horizon_years=4, revenue=[{"name": "S", "annual_amount": 100, "growth": 0.1, "start_year": 2}]
    )
    assert_allclose(flows_of(case).benefits, [0, 0, 100, 110, 121])


def test_negative_growth_erodes_revenue():
    # -20% a year: 100, 80, 64.
    case = make_case(revenue=[{"name": "S", "annual_amount": 100, "growth": -0.2}])
    assert_allclose(flows_of(case).benefits, [0, 100, 80, 64])


def test_ramp_phases_in_over_k_active_years():
    # k = 3: factors 1/3, 2/3, 1, then 1; with 10% growth on top from year 1.
    case = make_case(
        horizon_years=4, revenue=[{"name": "S", "annual_amount": 300, "ramp_years": 3, "growth": 0.1}]
    )
    expected = [0, 300 * 1 / 3, 300 * 1.1 * 2 / 3, 300 * 1.21, 300 * 1.331]
    assert_allclose(flows_of(case).benefits, expected)


@pytest.mark.parametrize("k", [0, 1])
def test_ramp_of_zero_or_one_means_full_value_at_once(k):
    case = make_case(revenue=[{"name": "S", "annual_amount": 100, "ramp_years": k}])
    assert_allclose(flows_of(case).benefits, [0, 100, 100, 100])


def test_capture_and_margin_scale_benefits_but_not_the_pool():
    # 1000 x capture 0.4 x margin 0.5 = 200 a year of benefit; the pool stays 1000.
    case = make_case(revenue=[{"name": "S", "annual_amount": 1000, "capture": 0.4, "margin": 0.5}])
    f = flows_of(case)
    assert_allclose(f.benefits, [0, 200, 200, 200])
    assert_allclose(f.revenue_pool, [0, 1000, 1000, 1000])


def test_escalation_of_recurring_costs_and_active_years():
    # 50 a year from year 2 to 3, +4% a year: 50, 52.
    case = make_case(
        costs=[
            {
                "name": "Fee",
                "kind": "recurring",
                "amount": 50,
                "escalation": 0.04,
                "start_year": 2,
                "end_year": 3,
            }
        ]
    )
    assert_allclose(flows_of(case).costs, [0, 0, 50, 52])


def test_one_time_cost_in_a_later_year():
    case = make_case(costs=[{"name": "Refresh", "kind": "one_time", "amount": 70, "year": 2}])
    assert_allclose(flows_of(case).costs, [0, 0, 70, 0])


def test_stream_end_year_stops_the_benefit():
    case = make_case(revenue=[{"name": "S", "annual_amount": 100, "end_year": 2}])
    assert_allclose(flows_of(case).benefits, [0, 100, 100, 0])


def test_scope_selects_streams_and_empty_scope_means_all():
    revenue = [{"name": "Norway", "annual_amount": 100}, {"name": "Sweden", "annual_amount": 40}]
    bids = [{"name": "A", "scope": ["Norway"]}, {"name": "B"}]
    flows = build_cashflows(make_case(revenue=revenue, bids=bids))
    assert flows["A"].stream_names == ("Norway",)
    assert_allclose(flows["A"].benefits, [0, 100, 100, 100])
    assert flows["B"].stream_names == ("Norway", "Sweden")
    assert_allclose(flows["B"].benefits, [0, 140, 140, 140])


def test_fx_converts_items_in_another_currency():
    # Stream of NOK 1,000,000 at EUR 0.085 per NOK = EUR 85,000; cost of USD 100 at 0.92 = EUR 92.
    case = make_case(
        currency="EUR",
        fx={"NOK": 0.085, "USD": 0.92},
        revenue=[{"name": "S", "annual_amount": 1_000_000, "currency": "NOK"}],
        costs=[{"name": "Kit", "kind": "one_time", "amount": 100, "currency": "USD"}],
    )
    f = flows_of(case)
    assert_allclose(f.benefits, [0, 85_000, 85_000, 85_000])
    assert_allclose(f.costs, [92, 0, 0, 0])


def test_percent_of_defines_a_fee_as_a_share_of_one_time_items():
    # Maintenance = 18% of (hardware 1000 + software EUR-converted USD 500 x 0.9 = 450) = 261 a year.
    case = make_case(
        fx={"USD": 0.9},
        costs=[
            {"name": "Hardware", "category": "capex", "kind": "one_time", "amount": 1000},
            {
                "name": "Software",
                "category": "license",
                "kind": "one_time",
                "amount": 500,
                "currency": "USD",
            },
            {
                "name": "Maintenance",
                "category": "maintenance",
                "kind": "recurring",
                "percent_of": "Hardware, Software",
                "percent": 0.18,
            },
        ],
    )
    f = flows_of(case)
    assert_allclose(cost_amounts(case.bid("A").costs, case.fx_rate), [1000, 450, 261])
    assert_allclose(f.recurring_costs, [0, 261, 261, 261])


def test_percent_of_chains_resolve_in_order():
    # Installation = 10% of hardware (100); support = 20% of hardware + installation (1100 x 0.2 = 220).
    case = make_case(
        costs=[
            {
                "name": "Support",
                "kind": "recurring",
                "percent_of": ["Hardware", "Installation"],
                "percent": 0.2,
            },
            {"name": "Installation", "kind": "one_time", "percent_of": ["Hardware"], "percent": 0.1},
            {"name": "Hardware", "kind": "one_time", "amount": 1000},
        ]
    )
    assert_allclose(cost_amounts(case.bid("A").costs), [220, 100, 1000])


def test_schedule_broadcasts_over_leading_axes():
    # Two lines at once, and a batch of growth rates per line.
    years = np.arange(4)
    out = schedule(years, start=[1, 2], end=[3, 3], rate=[[0.0, 0.1], [0.5, 0.0]])
    assert out.shape == (2, 2, 4)
    assert_allclose(out[0, 1], [0, 0, 1, 1.1])
    assert_allclose(out[1, 0], [0, 1, 1.5, 2.25])


def test_bid_without_costs_has_zero_cost_lines():
    case = make_case(bids=[{"name": "Free"}])
    f = flows_of(case, "Free")
    assert f.cost_lines.shape == (0, 4)
    assert_allclose(f.costs, [0, 0, 0, 0])


def test_cost_amounts_resolve_percent_of_row_by_row_for_trials():
    # Two trials: hardware 1000 and 2000, support 18% and 10% of it: 180 and 200.
    from bidfit import CostItem

    items = [
        CostItem(name="Hardware", kind="one_time", amount=1),
        CostItem(name="Support", kind="recurring", percent_of=["Hardware"], percent=0.5),
    ]
    out = cost_amounts(items, amount=[[1000, 0], [2000, 0]], percent=[[0, 0.18], [0, 0.10]])
    assert_allclose(out, [[1000, 180], [2000, 200]])


def test_cost_amounts_refuse_an_unresolvable_percent_of():
    from bidfit import CostItem

    items = [CostItem(name="Support", kind="recurring", percent_of=["Nowhere"], percent=0.5)]
    with pytest.raises(ValueError, match="percent_of refers to an item that is missing"):
        cost_amounts(items)
