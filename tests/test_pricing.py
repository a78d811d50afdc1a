"""Pricing room: deal room, scope options, what it takes and competitor inference, by hand."""

from __future__ import annotations

import re

import pytest

import bidfit
from bidfit import Bid, CostItem
from bidfit.model.case import ScopeOption
from bidfit.model.validate import validate_case
from bidfit.studies.pricing import competitor_inference, passes, pricing_room, scope_options, what_it_takes
from conftest import make_case

# At a 0% discount rate every PV is a plain sum, so the figures below are easy to follow.


def nordics(min_margin: float | None = 0.25):
    """Base: Norway 100/yr for 2 years; price 150, fee 20/yr. Vendor: 100 once + 10/yr.

    Options: Sweden (+80/yr of revenue; +60 once, +10/yr; vendor +40 once, +5/yr),
    Denmark (+30/yr; +70 once, +5/yr; vendor +50 once, +5/yr),
    Support+ (no revenue; +15/yr; vendor +2/yr).
    """
    item = CostItem
    bid = Bid(
        name="Nordics",
        scope=["Norway"],
        costs=[
            item(name="Platform", kind="one_time", amount=150),
            item(name="Fee", kind="recurring", amount=20),
        ],
        vendor_costs=[
            item(name="Build", kind="one_time", amount=100),
            item(name="Run", kind="recurring", amount=10),
        ],
        min_margin=min_margin,
        options=[
            ScopeOption(
                name="Sweden",
                scope=["Sweden"],
                costs=[
                    item(name="SE build", kind="one_time", amount=60),
                    item(name="SE fee", kind="recurring", amount=10),
                ],
                vendor_costs=[
                    item(name="SE cost", kind="one_time", amount=40),
                    item(name="SE run", kind="recurring", amount=5),
                ],
            ),
            ScopeOption(
                name="Denmark",
                scope=["Denmark"],
                costs=[
                    item(name="DK build", kind="one_time", amount=70),
                    item(name="DK fee", kind="recurring", amount=5),
                ],
                vendor_costs=[
                    item(name="DK cost", kind="one_time", amount=50),
                    item(name="DK run", kind="recurring", amount=5),
                ],
            ),
            ScopeOption(
                name="Support+",
                costs=[item(name="Premium", kind="recurring", amount=15)],
                vendor_costs=[item(name="Premium desk", kind="recurring", amount=2)],
            ),
        ],
    )
    return bidfit.Case(
        name="Nordics",
        horizon_years=2,
        discount_rate=0.0,
        revenue=[
            bidfit.RevenueStream(name=n, annual_amount=a)
            for n, a in [("Norway", 100), ("Sweden", 80), ("Denmark", 30)]
        ],
        bids=[bid],
    )


def test_deal_room_by_hand():
    # Customer: benefits 200, fees 40 -> ceiling price 200 - 40 = 160; ceiling fee (200 - 150) / 40 x 20 = 25.
    # Vendor: delivery 100 + 20 = 120, needs 120 / (1 - 0.25) = 160 of payments ->
    # floor price 160 - 40 = 120; floor fee (160 - 150) / 40 x 20 = 5.
    a = bidfit.analyze(nordics()).bids["Nordics"]
    room = a.deal_room
    assert room.ceiling.price == pytest.approx(160) and room.ceiling.fee == pytest.approx(25)
    assert room.floor_price == pytest.approx(120) and room.floor_fee == pytest.approx(5)
    assert room.price_range == pytest.approx((120, 160)) and room.fee_range == pytest.approx((5, 25))
    assert room.vendor_margin == pytest.approx(1 - 120 / 190)
    assert a.flag("NO_DEAL_ROOM") is None


def test_no_deal_room_when_delivery_costs_more_than_the_benefit():
    # Vendor margin 50%: needs 240 of payments, the customer can pay at most 200: no price or fee works.
    a = bidfit.analyze(nordics(min_margin=0.5)).bids["Nordics"]
    flag = a.flag("NO_DEAL_ROOM")
    assert flag.severity == "error" and flag.lever == "scope"
    assert "No price or fee satisfies both sides" in flag.message
    assert "fall by at least EUR 40 in PV" in flag.message  # 240 - 200


def test_no_deal_room_at_the_quoted_fees_says_the_fee_structure_must_change():
    # Fee 90/yr (PV 180): the customer's ceiling price is 200 - 180 = 20... with vendor needs of
    # 120 / 0.75 = 160 the floor price is 160 - 180 = -20, so prices 0..20 work: room exists.
    # Fee 120/yr (PV 240): ceiling price -40 < 0: no price works, but fees can: at the quoted price
    # of 150 the customer accepts fees up to (200 - 150) / 240 x 120 = 25, the vendor needs
    # (160 - 150) / 240 x 120 = 5.
    case = nordics()
    case.bids[0].costs[1].amount = 120
    a = bidfit.analyze(case).bids["Nordics"]
    flag = a.flag("NO_DEAL_ROOM")
    assert flag.lever == "recurring_fees"
    assert "The fee structure must change, not the price" in flag.message
    assert flag.figures["fee_low"] == pytest.approx(5) and flag.figures["fee_high"] == pytest.approx(25)
    assert "recurring fees from EUR 5 to EUR 25 a year work for both" in flag.message


def test_every_scope_combination_by_hand():
    # (options): benefits, customer costs, NPV; vendor delivery, margin = 1 - delivery / costs
    expected = {
        (): (200, 190, 10, 120),
        ("Sweden",): (360, 270, 90, 170),
        ("Denmark",): (260, 270, -10, 180),
        ("Support+",): (200, 220, -20, 124),
        ("Sweden", "Denmark"): (420, 350, 70, 230),
        ("Sweden", "Support+"): (360, 300, 60, 174),
        ("Denmark", "Support+"): (260, 300, -40, 184),
        ("Sweden", "Denmark", "Support+"): (420, 380, 40, 234),
    }
    result = scope_options(nordics(), "Nordics")
    assert len(result.rows) == 8
    for row in result.rows:
        _benefits, costs, npv, delivery = expected[row["options"]]
        assert row["npv"] == pytest.approx(npv)
        assert row["vendor_margin"] == pytest.approx(1 - delivery / costs)
    assert result.recommended["options"] == ("Sweden",)
    assert result.summary.loc["Sweden", "npv"] == pytest.approx(90)


def test_the_vendor_floor_changes_the_recommendation():
    # At a 37.1% minimum margin Sweden alone (1 - 170/270 = 37.04%) is below the floor;
    # the best the vendor accepts is Sweden + Support+ (NPV 60, margin 1 - 174/300 = 42%).
    result = scope_options(nordics(min_margin=0.371), "Nordics")
    assert result.recommended["options"] == ("Sweden", "Support+")
    assert result.recommended["npv"] == pytest.approx(60)


def test_too_many_options_are_refused():
    options = [ScopeOption(name=f"O{i}") for i in range(11)]
    with pytest.raises(bidfit.InputError, match=r"too many scope options.*at most 10"):
        validate_case(
            {
                "name": "X",
                "horizon_years": 1,
                "discount_rate": 0.0,
                "revenue": [{"name": "S", "annual_amount": 1}],
                "bids": [{"name": "A", "scope": ["S"], "options": [o.model_dump() for o in options]}],
            }
        )


def test_options_need_a_base_scope_and_existing_streams():
    with pytest.raises(bidfit.InputError) as info:
        validate_case(
            {
                "name": "X",
                "horizon_years": 1,
                "discount_rate": 0.0,
                "revenue": [{"name": "S", "annual_amount": 1}],
                "bids": [{"name": "A", "options": [{"name": "More", "scope": ["Nowhere"]}]}],
            }
        )
    lines = [str(p) for p in info.value.problems]
    assert any(
        "bids['A'].scope: a bid with scope options needs the scope of its base offer" in x for x in lines
    )
    assert any(
        "bids['A'].options['More'].scope: scope names a revenue stream that does not exist" in x
        for x in lines
    )


# --- what it takes --------------------------------------------------------------------
# Benefits 100 a year for 3 years at 10% (PV 248.685); price 200; fee 40 a year (PV 99.474).
PV_B = 100 / 1.1 + 100 / 1.21 + 100 / 1.331
PV_FEE = 40 * PV_B / 100


def failing(**kwargs):
    return make_case(
        revenue=[{"name": "S", "annual_amount": 100}, {"name": "T", "annual_amount": 50}],
        bids=[
            {
                "name": "A",
                "scope": ["S"],
                "costs": [
                    {"name": "Kit", "kind": "one_time", "amount": 200},
                    {"name": "Fee", "kind": "recurring", "amount": 40},
                ],
            }
        ],
        **kwargs,
    )


def apply_price(case, price):
    changed = case.model_copy(deep=True)
    changed.bids[0].costs[0].amount = price
    return bidfit.analyze(changed).bids["A"]


def apply_fee(case, fee):
    changed = case.model_copy(deep=True)
    changed.bids[0].costs[1].amount = fee
    return bidfit.analyze(changed).bids["A"]


def test_what_it_takes_price_passes_exactly_at_the_boundary():
    case = failing()
    assert not passes(bidfit.analyze(case).bids["A"])
    change = what_it_takes(case, "A").change("price")
    assert change.needed == pytest.approx(PV_B - PV_FEE, rel=1e-9)  # 149.21
    assert passes(apply_price(case, change.needed))
    assert not passes(apply_price(case, change.needed * (1 + 1e-9)))


def test_what_it_takes_fee_passes_exactly_at_the_boundary():
    case = failing()
    change = what_it_takes(case, "A").change("recurring_fees")
    assert change.needed == pytest.approx((PV_B - 200) / PV_FEE * 40, rel=1e-9)  # 19.58
    assert passes(apply_fee(case, change.needed))
    assert not passes(apply_fee(case, change.needed * (1 + 1e-9)))


def test_what_it_takes_term():
    # 4 years: PV benefits 316.99 - 200 - 126.79 = -9.8 (fails); 5 years: 379.08 - 200 - 151.63 = +27.4.
    case = failing()
    change = what_it_takes(case, "A").change("term")
    assert change.needed == 5
    longer = case.model_copy(update={"horizon_years": 5})
    assert passes(bidfit.analyze(longer).bids["A"])
    assert not passes(bidfit.analyze(case.model_copy(update={"horizon_years": 4})).bids["A"])


def test_what_it_takes_scope():
    # Adding stream T (50/yr) makes PV benefits 373.03 against 299.47 of costs.
    change = what_it_takes(failing(), "A").change("scope")
    assert change.needed == ["S", "T"] and change.text == "a scope adding T"


def test_what_it_takes_benefit():
    # k x 248.685 = 299.474 -> k = 1.20424: the year-1 benefit would have to be 120.42.
    case = failing()
    change = what_it_takes(case, "A").change("benefit")
    assert change.needed == pytest.approx(100 * (200 + PV_FEE) / PV_B, rel=1e-9)
    bigger = case.model_copy(deep=True)
    bigger.revenue[0].annual_amount = change.needed
    assert passes(bidfit.analyze(bigger).bids["A"])


def test_what_it_takes_respects_the_policy():
    # With max payback 2 years the price must also pay back by year 2: 2 x (100 - 40) = 120.
    case = failing(policy=bidfit.Policy(max_payback_years=2))
    change = what_it_takes(case, "A").change("price")
    assert change.needed == pytest.approx(120, rel=1e-9)
    assert passes(apply_price(case, change.needed))


def test_what_it_takes_sentence_and_flag(norway):
    wit = what_it_takes(norway, "Vendor A")
    assert not wit.change("price").works and not wit.change("term").works
    # At the proposed fee no price works; the fee it would take, or the Sweden option, would do.
    assert wit.sentence.startswith(
        "To pass, any one of these is enough: recurring fees of at most EUR 136k a year (-74%), "
        "below the vendor's floor of EUR 408k a year; or adding the Sweden option."
    )
    assert wit.sentence.endswith("Separately, it fails on NO_DEAL_ROOM; see that finding for what fixes it.")
    assert wit.unfixable == ("NO_DEAL_ROOM",)
    assert wit.change("scope").needed == ["Outbound roaming", "Outbound roaming Sweden"]
    assert wit.flag.code == "WHAT_IT_TAKES" and wit.flag.lever == "recurring_fees"
    assert list(wit.summary.index) == ["price", "recurring_fees", "term", "scope", "benefit"]


def test_a_passing_bid_needs_no_change(norway):
    assert what_it_takes(norway, "Competitor B").passes_now


def test_competitor_inference_by_hand(norway):
    annuity = sum(1.08**-t for t in range(1, 6))
    result = bidfit.analyze(norway).bids["Vendor A"]
    inf = competitor_inference(norway, "Vendor A", 520_000, competitor_fee=150_000)
    assert inf.break_even_fee == pytest.approx((result.pv_benefits - 520_000) / annuity)  # 235,996
    assert inf.fee_to_be_preferred == pytest.approx((result.pv_benefits - 520_000 - result.npv) / annuity)
    assert inf.implied_min_value == pytest.approx(520_000 + 150_000 * annuity)
    assert inf.implied_min_annual_value == pytest.approx(inf.implied_min_value / result.pv_benefits * 380_000)
    assert "fees below EUR 236k a year" in inf.sentence


def test_pricing_room_for_the_motivating_case(norway):
    room = pricing_room(norway, "Vendor A", competitor_price=520_000)
    text = repr(room)
    assert re.search(r"Customer ceiling price +EUR -614k \(break-even\)", text)
    assert re.search(r"Deal room, price +none", text)
    assert "Recommended: Sweden + Denmark" in text
    assert "recurring fees of at most EUR 136k a year" in text
    html = room._repr_html_()
    assert html.count("<table") == 3  # figures, what it takes, scope options
    assert "Pricing room: Vendor A" in html and "Recommended: Sweden + Denmark" in html


def test_pricing_room_ignores_uncertainty_on_other_bids(norway):
    # The pricing room is deterministic: distributions on another bid's costs must not get in the way.
    norway.uncertainty = [
        bidfit.Uncertainty(
            target="cost.Competitor B.Operations.amount", distribution="uniform", low=1, high=2
        )
    ]
    assert not what_it_takes(norway, "Vendor A").change("price").works
    assert scope_options(norway, "Vendor A").recommended["options"] == ("Sweden", "Denmark")
