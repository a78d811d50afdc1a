"""Fees priced as a percent of one-time items follow the price wherever the price moves.

A recurring fee defined with ``percent_of`` (support at 18 % of the capex a
year) is not a fixed fee: when the capex changes, so does the support. The
break-even price therefore solves ``PV_benefits = P + f * P * A`` (``A`` the
annuity factor of the fee's years), not ``PV_benefits = P + F * A`` with the
fee held at its quoted amount. Every figure below is computed by hand in the
test from that rule.
"""

from __future__ import annotations

import math

import openpyxl
import pytest

import bidfit
from bidfit.io.xlsx.write import save_workbook
from bidfit.model.case import Bid, Case, CostItem, RevenueStream
from bidfit.present.report import report_workbook
from bidfit.studies.pricing import competitor_inference, pricing_rooms
from libreoffice import recalculate


def annuity(rate: float, years: int) -> float:
    return sum((1 + rate) ** -t for t in range(1, years + 1))


def cable_case(capex: float, *, years: int = 10, rate: float = 0.09, revenue: float = 300_000) -> Case:
    """Revenue a year against capex with support at 18 % of the capex a year."""
    return Case(
        name="Cable",
        horizon_years=years,
        discount_rate=rate,
        revenue=[RevenueStream(name="Traffic", annual_amount=revenue, source="traffic study")],
        bids=[
            Bid(
                name="Cable",
                costs=[
                    CostItem(name="Capex", kind="one_time", amount=capex, source="quote"),
                    CostItem(
                        name="Support", kind="recurring", percent_of=["Capex"], percent=0.18, source="quote"
                    ),
                ],
            )
        ],
    )


def chain_case(hardware: float) -> Case:
    """Hardware, installation at 10 % of it, care at 15 % of both a year, and a flat 20k fee."""
    return Case(
        name="Chain",
        horizon_years=8,
        discount_rate=0.07,
        revenue=[RevenueStream(name="Savings", annual_amount=250_000, source="audit")],
        bids=[
            Bid(
                name="Chain",
                costs=[
                    CostItem(name="Hardware", kind="one_time", amount=hardware, source="quote"),
                    CostItem(
                        name="Install", kind="one_time", percent_of=["Hardware"], percent=0.10, source="quote"
                    ),
                    CostItem(
                        name="Care",
                        kind="recurring",
                        percent_of=["Hardware", "Install"],
                        percent=0.15,
                        source="quote",
                    ),
                    CostItem(name="Hosting", kind="recurring", amount=20_000, source="quote"),
                ],
            )
        ],
    )


def test_break_even_price_of_the_ten_year_cable_deal():
    # PV of benefits: 300k a year for 10 years at 9 %; the price P pays P + 0.18 P A.
    a10 = annuity(0.09, 10)
    expected = 300_000 * a10 / (1 + 0.18 * a10)
    assert expected == pytest.approx(893_335.48, abs=0.005)
    bid = bidfit.analyze(cable_case(600_000)).bids["Cable"]
    assert bid.max_one_time_price == pytest.approx(expected, rel=1e-12)
    # At that price the customer breaks even, and the break-even price is stable when recomputed.
    again = bidfit.analyze(cable_case(bid.max_one_time_price)).bids["Cable"]
    assert abs(again.npv) < 1e-6
    assert again.max_one_time_price == pytest.approx(expected, rel=1e-12)


def test_break_even_price_of_a_five_year_case():
    # 200k a year for 5 years at 8 %: P (1 + 0.18 A5) = 200k A5.
    a5 = annuity(0.08, 5)
    expected = 200_000 * a5 / (1 + 0.18 * a5)
    case = cable_case(700_000, years=5, rate=0.08, revenue=200_000)
    bid = bidfit.analyze(case).bids["Cable"]
    assert bid.max_one_time_price == pytest.approx(expected, rel=1e-12)
    assert bid.npv < 0
    assert expected == pytest.approx(464_623.07, abs=0.01)  # 798,542.01 / 1.718688
    # Holding the support at its quoted 126k a year would have given 295,460.54 instead.
    held = 200_000 * a5 - 0.18 * 700_000 * a5
    assert held == pytest.approx(295_460.54, abs=0.01)
    assert (
        abs(bidfit.analyze(cable_case(expected, years=5, rate=0.08, revenue=200_000)).bids["Cable"].npv)
        < 1e-6
    )


def test_three_item_chain_follows_the_price():
    # Price P = hardware + install = 1.1 h; care = 0.15 P a year; hosting stays at 20k.
    a8 = annuity(0.07, 8)
    expected_price = (250_000 * a8 - 20_000 * a8) / (1 + 0.15 * a8)
    bid = bidfit.analyze(chain_case(900_000)).bids["Chain"]
    assert bid.one_time_price == pytest.approx(990_000)
    assert bid.max_one_time_price == pytest.approx(expected_price, rel=1e-12)
    at_break_even = bidfit.analyze(chain_case(expected_price / 1.1)).bids["Chain"]
    assert abs(at_break_even.npv) < 1e-6
    # The deal map is drawn against the fees not linked to the price: the flat hosting fee.
    deal = bidfit.deal_map(chain_case(900_000), "Chain")
    assert deal.point.fee == pytest.approx(20_000)
    assert float(deal.max_price(deal.point.fee)) == pytest.approx(expected_price, rel=1e-12)


def test_every_study_moves_the_linked_fee_with_the_price():
    a10 = annuity(0.09, 10)
    expected = 300_000 * a10 / (1 + 0.18 * a10)
    case = cable_case(1_200_000)
    analysis = bidfit.analyze(case)
    bid = analysis.bids["Cable"]
    assert bid.verdict == "worse_off"
    # What it takes: the price lever cuts to the break-even price (NPV is the binding rule here).
    change = bidfit.what_it_takes(case, "Cable").change("price")
    assert change.needed == pytest.approx(expected, rel=1e-6)
    # The customer's ceiling and the NEGATIVE_NPV remedy quote the same price.
    assert bid.ceiling.price == pytest.approx(expected, rel=1e-12)
    assert bid.flag("NEGATIVE_NPV").figures["price_limit"] == pytest.approx(expected, rel=1e-12)
    # Sensitivity of the capex amount flips the NPV at the break-even capex.
    flip = bidfit.sensitivity(case, "Cable").summary.loc["cost.Cable.Capex.amount", "flip_value"]
    assert flip == pytest.approx(expected, rel=1e-9)
    # A competitor at the break-even price, read in our structure, leaves no room for a fee.
    inference = competitor_inference(case, "Cable", expected)
    assert abs(inference.break_even_fee) < 1e-6


def test_deal_room_floor_moves_the_linked_fee():
    # The vendor's delivery costs 500k at signature; with no margin it needs PV payments of 500k:
    # P (1 + 0.18 A) = 500k.
    a10 = annuity(0.09, 10)
    case = cable_case(600_000)
    bid = case.bids[0].model_copy(
        update={"vendor_costs": [CostItem(name="Build", kind="one_time", amount=500_000)], "min_margin": 0.0}
    )
    room = bidfit.analyze(case.model_copy(update={"bids": [bid]})).bids["Cable"].deal_room
    assert room is not None
    assert room.floor_price == pytest.approx(500_000 / (1 + 0.18 * a10), rel=1e-12)
    assert room.ceiling.price == pytest.approx(300_000 * a10 / (1 + 0.18 * a10), rel=1e-12)


def test_report_at_the_break_even_price_recalculates_to_zero(tmp_path):
    """Type the break-even price into the report's capex cell: LibreOffice's live NPV is 0."""
    case = cable_case(1_200_000)
    analysis = bidfit.analyze(case)
    price = analysis.bids["Cable"].max_one_time_price
    path = save_workbook(report_workbook(analysis, pricing=pricing_rooms(analysis)), tmp_path / "cable.xlsx")
    book = openpyxl.load_workbook(path)
    inputs = book["Inputs"]
    row = next(r[0].row for r in inputs.iter_rows() if [c.value for c in r[:2]] == ["Cable", "Capex"])
    amount_column = next(
        c.column for c in inputs[row] if isinstance(c.value, int | float) and c.value == 1_200_000
    )
    inputs.cell(row, amount_column).value = price
    book.save(path)
    (recalculated,) = recalculate([path], tmp_path / "recalculated")
    live = openpyxl.load_workbook(recalculated, data_only=True)["Cable"]
    start = next(r[0].row for r in live.iter_rows() if r[0].value == "Results (live)")
    npv = next(live.cell(r, 2).value for r in range(start + 1, start + 7) if live.cell(r, 1).value == "NPV")
    assert isinstance(npv, float | int) and math.isfinite(npv)
    assert abs(npv) < 1e-6
