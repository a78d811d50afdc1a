"""The deal desk: each control changes the case as a fresh analysis of the changed case says."""

from __future__ import annotations

import html
import re

import pytest

import bidfit
from bidfit import _format as fmt

pytest.importorskip("ipywidgets")


@pytest.fixture
def case():
    return bidfit.load_sample("norway_roaming")


def with_bid(case, bid):
    return case.model_copy(update={"bids": [bid if b.name == bid.name else b for b in case.bids]})


def scaled(case, name, one_time=1.0, recurring=1.0):
    bid = case.bid(name)
    costs = [
        c.model_copy(update={"amount": c.amount * (recurring if c.is_recurring else one_time)})
        for c in bid.costs
    ]
    return with_bid(case, bid.model_copy(update={"costs": costs}))


def assert_shows(desk, expected_case, name="Vendor A"):
    fresh = bidfit.analyze(expected_case).bids[name]
    assert desk.verdict == fresh.verdict
    cur = expected_case.currency
    rate = fmt.percent(fresh.discount_rate, 1)
    assert desk.npv_text == f"{fmt.money(fresh.npv, cur)} at {rate} over {fresh.horizon_years} years"
    assert desk.npv_text in desk.figures.value
    assert desk.payback_text == fmt.years(fresh.payback_years) and desk.payback_text in desk.figures.value
    words = "PASSES POLICY" if fresh.passes else "FAILS POLICY"
    assert words in desk.banner.value
    assert f"the customer is {fresh.verdict.replace('_', ' ')}" in desk.banner.value
    if fresh.errors:
        assert desk.policy_lines == ["Policy: fails", *(f"{f.code}: {f.message}" for f in fresh.errors)]
    else:
        assert desk.policy_lines == ["Policy: passes"]
    assert desk.result.npv == pytest.approx(fresh.npv, rel=1e-12, abs=1e-6)


def test_the_quoted_values_show_the_quoted_analysis(case):
    desk = bidfit.desk(case, "Vendor A")
    assert_shows(desk, case)
    assert desk.price.value == 920_000 and desk.fee.value == 520_000 and desk.term.value == 5
    assert html.unescape(desk.floor.value) == desk.floor_text and desk.floor_text.startswith("Vendor")


def test_no_price_works_at_the_quoted_fee(case):
    desk = bidfit.desk(case, "Vendor A")
    desk.price.value = 0.0
    assert_shows(desk, scaled(case, "Vendor A", one_time=0.0))
    assert desk.verdict == "worse_off" and "NEGATIVE_NPV" in desk.policy.value


def test_the_fees_together_and_each(case):
    desk = bidfit.desk(case, "Vendor A")
    desk.fee.value = 130_000
    assert_shows(desk, scaled(case, "Vendor A", recurring=0.25))
    desk.fee_mode.value = "each fee"
    assert desk.fees["Maintenance"].value == pytest.approx(42_500)
    desk.fees["Outsourced operations"].value = 35_000
    bid = case.bid("Vendor A")
    expected = with_bid(
        case,
        bid.model_copy(
            update={
                "costs": [
                    c.model_copy(
                        update={"amount": {"Maintenance": 42_500, "Outsourced operations": 35_000}[c.name]}
                    )
                    if c.is_recurring
                    else c
                    for c in bid.costs
                ]
            }
        ),
    )
    assert_shows(desk, expected)


def test_the_term(case):
    desk = bidfit.desk(case, "Competitor B")
    desk.term.value = 3
    assert_shows(desk, case.model_copy(update={"horizon_years": 3}), "Competitor B")


def test_scope_options_add_their_scope_and_costs(case):
    desk = bidfit.desk(case, "Vendor A")
    before = desk.deal.point
    desk.options["Sweden"].value = True
    desk.options["Denmark"].value = True
    combined = case.bid("Vendor A").with_options(["Sweden", "Denmark"])
    changed = desk.current_case().bid("Vendor A")
    assert changed.scope == combined.scope
    assert [c.model_dump() for c in changed.costs] == [c.model_dump() for c in combined.costs]
    assert_shows(desk, with_bid(case, combined.model_copy(update={"name": "Vendor A"})))
    assert desk.verdict == "better_off"
    after = desk.deal.point
    assert (after.price, after.fee) != (before.price, before.fee)
    assert after.price == pytest.approx(920_000 + 470_000 + 370_000)


def test_the_current_point_moves_with_the_price(case):
    desk = bidfit.desk(case, "Vendor A")
    desk.price.value = 500_000
    assert desk.deal.point.price == pytest.approx(500_000)
    assert desk.deal.point.fee == pytest.approx(520_000)


def test_apply_stores_the_changed_case_and_leaves_the_original(case):
    original = case.model_dump()
    desk = bidfit.desk(case, "Vendor A")
    desk.price.value = 460_000
    desk.term.value = 7
    desk.options["Sweden"].value = True
    desk.apply_button.click()
    applied = desk.case
    assert applied is not None and applied.horizon_years == 7
    assert [o.name for o in applied.bid("Vendor A").options] == ["Denmark"]
    assert applied.bid("Vendor A").cost("Signalling platform (licence and hardware)").amount == 390_000
    assert "Outbound roaming Sweden" in applied.bid("Vendor A").scope
    assert case.model_dump() == original
    assert bidfit.analyze(applied).bids["Vendor A"].npv == pytest.approx(desk.result.npv)


def test_the_desk_reads_in_a_terminal_and_as_html(case):
    desk = bidfit.desk(case, "Vendor A")
    both = "FAILS POLICY"
    assert both in repr(desk) and "the customer is worse off (NPV EUR -1.53M)" in repr(desk)
    assert both in desk._repr_html_() and "the customer is worse off (NPV EUR -1.53M)" in desk._repr_html_()


def point_x(desk):
    found = re.search(r'<circle class="point" cx="([-\d.]+)" cy="([-\d.]+)"', desk.map.value)
    assert found is not None
    return float(found.group(1)), float(found.group(2))


def test_the_map_overlay_moves_and_the_heat_image_is_drawn_once(case):
    desk = bidfit.desk(case, "Vendor A")
    assert desk.map.value.startswith("<svg") and "data:image/png;base64," in desk.map.value
    assert '<polyline class="break-even"' in desk.map.value and '<line class="floor"' in desk.map.value
    renders, heat = desk.heat_renders, desk.heat
    x0, y0 = point_x(desk)
    assert x0 == pytest.approx(heat.x(920_000), abs=0.1) and y0 == pytest.approx(heat.y(520_000), abs=0.1)
    desk.price.value = 460_000
    x1, y1 = point_x(desk)
    assert x1 < x0 and y1 == y0
    assert x1 == pytest.approx(heat.x(460_000), abs=0.1)
    assert heat.left + (heat.right - heat.left) * 460_000 / heat.prices[1] == pytest.approx(x1, abs=0.1)
    desk.fee.value = 300_000
    assert point_x(desk)[1] > y1  # a lower fee is lower on the map
    assert desk.heat_renders == renders and desk.heat is heat
    desk.options["Sweden"].value = True
    assert desk.heat_renders == renders + 1
