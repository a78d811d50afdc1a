"""``bidfit.deal_map``: the grid against ``analyze`` of re-priced cases, the break-even line, Norway."""

from __future__ import annotations

import time

import numpy as np
import pytest

import bidfit


def repriced_npv(case: bidfit.Case, bid: str, price: float, fee: float) -> float:
    """Scale the bid's one-time items to total ``price`` and its recurring items to a first-year
    total of ``fee`` in a copy of the case, and analyse it afresh."""
    changed = case.model_copy(deep=True)
    items = changed.bid(bid).costs
    one_time = sum(c.amount or 0.0 for c in items if not c.is_recurring)
    recurring = sum(c.amount or 0.0 for c in items if c.is_recurring)
    for item in items:
        scale = fee / recurring if item.is_recurring else price / one_time
        item.amount = (item.amount or 0.0) * scale
    return bidfit.analyze(changed).bids[bid].npv


def test_grid_npv_equals_analyze_at_grid_points(norway):
    deal = bidfit.deal_map(norway, "Vendor A", n=50)
    assert deal.npv.shape == (50, 50)
    for i, j in [(0, 0), (0, 49), (49, 0), (17, 33), (42, 8), (25, 25)]:
        price, fee = deal.prices[j], deal.fees[i]
        assert deal.npv[i, j] == pytest.approx(
            repriced_npv(norway, "Vendor A", price, fee), rel=1e-9, abs=1e-6
        )


def test_the_quotes_sit_on_the_map(norway):
    analysis = bidfit.analyze(norway)
    deal = bidfit.deal_map(analysis, "Vendor A")
    a, b = analysis.bids["Vendor A"], analysis.bids["Competitor B"]
    assert (deal.point.price, deal.point.fee) == (920_000, 520_000)
    assert deal.point.npv == pytest.approx(a.npv, rel=1e-12) and deal.point.own_npv == a.npv
    (competitor,) = deal.competitors
    assert (competitor.name, competitor.price, competitor.fee) == ("Competitor B", 520_000, 150_000)
    assert competitor.own_npv == b.npv
    # Same benefits and cost timing in both bids here, so B's quote on A's map is B's own NPV.
    assert competitor.npv == pytest.approx(b.npv, rel=1e-12)


def test_break_even_line(norway):
    analysis = bidfit.analyze(norway)
    deal = bidfit.deal_map(analysis, "Vendor A")
    a = analysis.bids["Vendor A"]
    assert np.allclose(deal.npv_at(deal.prices, deal.break_even_fee), 0, atol=1e-6)
    # Its ends are the break-even fee and price of the analysis.
    assert deal.max_fee(a.one_time_price) == pytest.approx(a.max_annual_fee, rel=1e-12)
    assert deal.max_price(a.annual_fee) == pytest.approx(a.max_one_time_price, rel=1e-12)
    # A straight line: at price 0 the fee is PV benefits / annuity; each EUR of price costs
    # 1 / annuity of fee (all one-time costs in year 0, flat fees).
    annuity = sum(1.08**-t for t in range(1, 6))
    assert deal.break_even_fee[0] == pytest.approx(a.pv_benefits / annuity, rel=1e-12)
    slope = np.diff(deal.break_even_fee) / np.diff(deal.prices)
    assert np.allclose(slope, -1 / annuity)
    # Below the line the customer is better off, above it worse off.
    above = deal.fees[:, None] > deal.break_even_fee[None, :]
    assert (deal.npv[above] < 0).all() and (deal.npv[~above] >= -1e-6).all()


def test_norway_no_price_works_at_the_proposed_fee(norway):
    deal = bidfit.deal_map(norway, "Vendor A")
    assert deal.no_price_works
    # At the quoted EUR 520k a year, NPV is negative at every price on the map, even 0.
    assert (deal.npv_at(deal.prices, 520_000) < 0).all()
    assert deal.prices[0] == 0 and deal.npv_at(0.0, 520_000) == pytest.approx(-613_943.78, abs=0.01)
    # The break-even fee at any price is below the quoted fee.
    assert (deal.break_even_fee < 520_000).all()
    # The competitor's map has room at its own fee.
    assert not bidfit.deal_map(norway, "Competitor B").no_price_works


def test_default_axes_show_the_quotes_and_the_break_even_ends(norway):
    deal = bidfit.deal_map(norway, "Vendor A")
    assert deal.prices[0] == 0 and deal.fees[0] == 0
    assert deal.prices[-1] >= 920_000 and deal.fees[-1] >= 520_000
    assert deal.prices[-1] >= deal.max_price(0.0) and deal.fees[-1] >= deal.max_fee(0.0)
    custom = bidfit.deal_map(norway, "Vendor A", prices=[0, 500_000, 1_000_000], fees=[0, 100_000])
    assert custom.npv.shape == (2, 3)
    with pytest.raises(ValueError, match="at least 2 finite values"):
        bidfit.deal_map(norway, "Vendor A", prices=[1.0])


def test_a_200_by_200_map_is_fast(norway):
    analysis = bidfit.analyze(norway)
    best_total = best_grid = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        bidfit.deal_map(norway, "Vendor A", n=200)  # analysis included
        middle = time.perf_counter()
        bidfit.deal_map(analysis, "Vendor A", n=200)
        end = time.perf_counter()
        best_total, best_grid = min(best_total, middle - start), min(best_grid, end - middle)
    assert best_total < 0.1 and best_grid < 0.01, (best_total, best_grid)


def test_bids_without_one_time_or_recurring_costs():
    # Service tiers: onboarding (one-time, year 0) and subscriptions (recurring, escalating 3 %).
    case = bidfit.load_sample("service_tiers")
    deal = bidfit.deal_map(case, "Gold", n=20)
    for i, j in [(3, 4), (19, 19)]:
        assert deal.npv[i, j] == pytest.approx(
            repriced_npv(case, "Gold", deal.prices[j], deal.fees[i]), rel=1e-9, abs=1e-6
        )
    free = case.model_copy(deep=True)
    free.bid("Gold").costs = [c for c in free.bid("Gold").costs if c.is_recurring]
    no_price = bidfit.deal_map(free, "Gold", n=10)
    assert no_price.price_coefficient == 1.0  # a price would be paid at signature
    analysis = bidfit.analyze(free).bids["Gold"]
    assert no_price.max_fee(0.0) == pytest.approx(analysis.max_annual_fee, rel=1e-12)
