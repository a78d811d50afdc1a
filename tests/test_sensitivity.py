"""``bidfit.sensitivity``: swings and flip values against hand calculations and re-analysis."""

from __future__ import annotations

import numpy as np
import numpy_financial as npf
import pytest

import bidfit
from bidfit.studies.sensitivity import input_targets

# The Norway case by hand (see test_analysis): revenue 380k in year 1, -2 % a year, 5 years at 8 %.
FACTORS = [0.98 ** (t - 1) / 1.08**t for t in range(1, 6)]  # PV of 1 of year-1 revenue, per year
PV_PER_REVENUE = sum(FACTORS)  # 3.848067
ANNUITY = sum(1.08**-t for t in range(1, 6))  # 3.992710
PV_BENEFITS = 380_000 * PV_PER_REVENUE
COSTS_A = 920_000 + 520_000 * ANNUITY
COSTS_B = 520_000 + 150_000 * ANNUITY
NPV_B = PV_BENEFITS - COSTS_B
ROAMING = "revenue.Outbound roaming"


def reanalysed_npv(case: bidfit.Case, bid: str, target: str, value: float) -> float:
    """NPV of ``bid`` after setting one input in a copy of the case and analysing it afresh."""
    changed = case.model_copy(deep=True)
    kind, _, path = target.partition(".")
    if target == "discount_rate":
        changed.discount_rate = value
    elif kind == "revenue":
        stream, _, field = path.rpartition(".")
        setattr(changed.stream(stream), field, value)
    else:
        rest, _, field = path.rpartition(".")
        item = rest[len(bid) + 1 :]
        setattr(changed.bid(bid).cost(item), field, value)
    return bidfit.analyze(changed).bids[bid].npv


def test_annual_amount_flip_is_the_hand_break_even(norway):
    table = bidfit.sensitivity(norway, "Vendor A").summary
    row = table.loc[f"{ROAMING}.annual_amount"]
    # NPV = amount * PV_PER_REVENUE - costs = 0  =>  amount = costs / PV_PER_REVENUE = 778,627 a year.
    assert row["flip_value"] == pytest.approx(COSTS_A / PV_PER_REVENUE, rel=1e-12)
    assert row["flip_value"] == pytest.approx(778_627, abs=1)
    assert row["flip_method"] == "exact"
    assert "EUR 779k" in row["flip_note"]


def test_cost_amount_and_capture_flips_for_the_competitor(norway):
    table = bidfit.sensitivity(norway, "Competitor B").summary
    # Each EUR of yearly maintenance costs ANNUITY in PV: NPV hits 0 at 60k + NPV / ANNUITY.
    maintenance = table.loc["cost.Competitor B.Maintenance.amount", "flip_value"]
    assert maintenance == pytest.approx(60_000 + NPV_B / ANNUITY, rel=1e-12)  # 145,996 a year
    platform = table.loc["cost.Competitor B.Platform.amount", "flip_value"]
    assert platform == pytest.approx(430_000 + NPV_B, rel=1e-12)  # a year-0 cost: one for one
    capture = table.loc[f"{ROAMING}.capture", "flip_value"]
    assert capture == pytest.approx(COSTS_B / PV_BENEFITS, rel=1e-12)  # 76.5 %


def test_a_flip_outside_the_valid_range_is_none_with_the_reason(norway):
    table = bidfit.sensitivity(norway, "Vendor A").summary
    capture = table.loc[f"{ROAMING}.capture"]
    assert capture["flip_value"] is None or np.isnan(capture["flip_value"])
    assert capture["flip_note"] == (
        f"NPV stays negative for any valid capture: it would cross zero only at {COSTS_A / PV_BENEFITS:.1%}"
    )
    fees = table.loc["cost.Vendor A.Outsourced operations.amount"]
    assert "would cross zero only at EUR -34k" in fees["flip_note"]  # the other fees alone sink it
    rate = table.loc["discount_rate"]
    assert rate["flip_value"] is None or np.isnan(rate["flip_value"])
    assert rate["flip_note"] == "NPV stays negative for discount rate from -99% to 99% a year"


def test_discount_rate_flip_is_the_irr(norway):
    table = bidfit.sensitivity(norway, "Competitor B").summary
    flows = bidfit.analyze(norway).bids["Competitor B"].cashflows["net"].to_numpy()
    assert table.loc["discount_rate", "flip_value"] == pytest.approx(npf.irr(flows), abs=1e-10)
    assert table.loc["discount_rate", "flip_method"] == "root-find"
    assert table.loc["discount_rate", "flip_note"].endswith("the bid's IRR")


def test_root_found_flips_make_npv_zero_on_reanalysis(norway):
    for bid in ("Vendor A", "Competitor B"):
        table = bidfit.sensitivity(norway, bid).summary
        found = table[table["flip_method"] == "root-find"].dropna(subset=["flip_value"])
        assert len(found) >= 1
        for target, row in found.iterrows():
            npv = reanalysed_npv(norway, bid, target, row["flip_value"])
            assert abs(npv) < 1e-6 * PV_BENEFITS, (bid, target, npv)
    # Growth for Vendor A: revenue would have to grow 37 % a year.
    growth = bidfit.sensitivity(norway, "Vendor A").summary.loc[f"{ROAMING}.growth", "flip_value"]
    assert growth == pytest.approx(0.370, abs=0.001)


def test_swings_and_their_npv_equal_reanalysis(norway):
    table = bidfit.sensitivity(norway, "Competitor B", swing=0.2, rate_swing=0.02).summary
    amount = table.loc[f"{ROAMING}.annual_amount"]
    assert (amount["low_value"], amount["high_value"]) == pytest.approx((304_000, 456_000))
    capture = table.loc[f"{ROAMING}.capture"]
    assert (capture["low_value"], capture["high_value"]) == (0.8, 1.0)  # a share stays <= 1
    growth = table.loc[f"{ROAMING}.growth"]
    assert (growth["low_value"], growth["high_value"]) == pytest.approx((-0.04, 0.0))
    assert table.loc["discount_rate", "low_value"] == pytest.approx(0.06)
    for target, row in table.iterrows():
        for side in ("low", "high"):
            expected = reanalysed_npv(norway, "Competitor B", target, row[f"{side}_value"])
            assert row[f"npv_{side}"] == pytest.approx(expected, rel=1e-12, abs=1e-6), (target, side)
    assert (table["base_npv"] == bidfit.analyze(norway).bids["Competitor B"].npv).all()


def test_inputs_are_ranked_by_npv_range(norway):
    table = bidfit.sensitivity(norway, "Competitor B").summary
    ranges = table["npv_range"].to_numpy()
    assert (np.diff(ranges) <= 0).all()
    assert table.index[0] == f"{ROAMING}.annual_amount"
    assert set(table.index) == set(input_targets(norway, "Competitor B"))
    assert table.attrs == {"bid": "Competitor B", "currency": "EUR", "swing": 0.2, "rate_swing": 0.02}


def test_percent_of_items_swing_their_percent():
    case = bidfit.load_sample("fixed_broadband")
    bid = "FTTH urban"
    targets = input_targets(case, bid)
    assert f"cost.{bid}.Network maintenance.percent" in targets
    assert f"cost.{bid}.Network maintenance.amount" not in targets
    assert f"cost.{bid}.Fibre civil works.escalation" not in targets  # one-time: no escalation
    assert not any("Rural subscriptions" in t for t in targets)  # out of the bid's scope
    table = bidfit.sensitivity(case, bid).summary
    row = table.loc[f"cost.{bid}.Network maintenance.percent"]
    assert row["flip_method"] == "exact"
    assert reanalysed_npv(case, bid, f"cost.{bid}.Network maintenance.percent", row["flip_value"]) == (
        pytest.approx(0, abs=1e-6)
    )


def test_unknown_bid_and_bad_swing(norway):
    with pytest.raises(KeyError, match="no bid named 'Nope'"):
        bidfit.sensitivity(norway, "Nope")
    with pytest.raises(ValueError, match="swing"):
        bidfit.sensitivity(norway, "Vendor A", swing=-0.1)


def test_sensitivity_sheet_holds_the_ranked_table_and_a_tornado(norway):
    import openpyxl

    from bidfit.present.report.risk import add_sensitivity_sheet

    result = bidfit.sensitivity(norway, "Vendor A")
    table = result.summary
    workbook = openpyxl.Workbook()
    ws = add_sensitivity_sheet(workbook, norway, result)
    assert workbook.sheetnames == ["Sheet", "Sensitivity Vendor A"]
    assert ws["C3"].value == pytest.approx(table["base_npv"].iloc[0], rel=1e-15)
    header = [c.value for c in ws[5]]
    assert header[:11] == [
        "Rank",
        "Input",
        "Base value",
        "Low value",
        "High value",
        "NPV at low",
        "NPV at high",
        "NPV range",
        "Flip value (NPV = 0)",
        "Method",
        "Note",
    ]
    rows = list(ws.iter_rows(min_row=6, max_row=5 + len(table), values_only=True))
    assert [r[1] for r in rows] == list(table["label"])
    assert rows[0][8] == table["flip_value"].iloc[0] == pytest.approx(COSTS_A / PV_PER_REVENUE)
    capture = next(r for r in rows if r[1] == "Outbound roaming: capture")
    assert capture[8] == "none" and capture[10].startswith("NPV stays negative")
    assert [r[12] for r in rows] == pytest.approx(list(table["npv_low"] - table["base_npv"]))
    assert len(ws._charts) == 1
