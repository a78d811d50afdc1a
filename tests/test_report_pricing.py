"""The Pricing sheet of the report workbook: ceiling, floor, deal room, what it takes and scope options.

The sheet is read back from the saved workbook and compared with the
library's :func:`bidfit.pricing_room` figures (plain values, so they must be
equal), with a small deal worked out by hand, and with the motivating Norway
case: no deal room, and Sweden + Denmark as the recommended scope. That its
workbook has no formula error after recalculation in LibreOffice is checked
with the rest of the report in ``tests/test_report.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest

import bidfit
from bidfit.io.xlsx.write import save_workbook
from bidfit.present.report import report_workbook
from bidfit.present.report.pricing import add_pricing_sheet

LEVERS = ("price", "recurring fees", "term", "scope", "benefit")
STORED = 1e-15  # openpyxl stores a number with 16 significant digits ("%.16g")


def same(shown: Any, expected: Any) -> bool:
    """Equal as the workbook stores them: numbers to 16 significant digits, text exactly."""
    if isinstance(expected, tuple):
        return len(shown) == len(expected) and all(same(a, b) for a, b in zip(shown, expected, strict=True))
    if isinstance(expected, float | int) and not isinstance(expected, bool):
        return isinstance(shown, float | int) and shown == pytest.approx(expected, rel=STORED, abs=1e-300)
    return bool(shown == expected)


def saved_pricing(case: bidfit.Case, folder: Path, name: str = "report") -> Any:
    """The Pricing sheet of the case's report, as saved and read back."""
    analysis = bidfit.analyze(case)
    rooms = {bid.name: bidfit.pricing_room(case, bid.name) for bid in analysis}
    path = save_workbook(report_workbook(analysis, pricing=rooms), folder / f"{name}.xlsx")
    return openpyxl.load_workbook(path)["Pricing"]


def blocks(ws) -> dict[str, list[tuple[Any, ...]]]:
    """Each bid's rows of the sheet (from its heading to the next bid's), by bid name."""
    rows = list(ws.iter_rows(values_only=True))
    starts = [i for i in range(len(rows) - 1) if rows[i + 1][0] == "Verdict" and rows[i][0] is not None]
    return {rows[i][0]: rows[i:j] for i, j in zip(starts, [*starts[1:], len(rows)], strict=True)}


def by_label(block: list[tuple[Any, ...]]) -> dict[Any, tuple[Any, ...]]:
    """A bid block's rows by the label in column A (the first row of each label)."""
    out: dict[Any, tuple[Any, ...]] = {}
    for row in block:
        out.setdefault(row[0], row)
    return out


def nordics() -> bidfit.Case:
    """The Norway case with Vendor A's Sweden and Denmark options taken: a deal room opens."""
    case = bidfit.load_sample("norway_roaming")
    bids = [case.bids[0].with_options(["Sweden", "Denmark"]), case.bids[1]]
    return case.model_copy(update={"bids": bids})


CASES = {
    **{name: lambda name=name: bidfit.load_sample(name) for name in bidfit.sample_names()},
    "nordics": nordics,
}


@pytest.fixture(scope="module")
def sheets(tmp_path_factory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("pricing")
    return {name: saved_pricing(make(), folder, name) for name, make in CASES.items()}


# --------------------------------------------------------------------------
# the figures are the library's
# --------------------------------------------------------------------------


@pytest.mark.parametrize("name", CASES)
def test_every_bid_has_its_ceiling_and_floor_as_the_library_computes_them(sheets, name):
    case = CASES[name]()
    analysis = bidfit.analyze(case)
    found = blocks(sheets[name])
    assert list(found) == [b.name for b in case.bids]
    for result in analysis:
        room = bidfit.pricing_room(case, result.name)
        rows = by_label(found[result.name])
        ceiling = room.analysis.ceiling
        assert rows["Verdict"][1] == result.verdict
        assert same(rows["As quoted"][1:3], (result.one_time_price, result.annual_fee))
        assert same(rows["Customer ceiling"][1:3], (ceiling.price, ceiling.fee))
        assert rows["Ceiling set by"][1:3] == tuple(
            r.replace("_", " ") for r in (ceiling.price_reason, ceiling.fee_reason)
        )
        deal = room.deal_room
        if deal is None:
            assert "Vendor floor" not in rows
            assert any(str(r[0]).startswith("No vendor delivery cost given") for r in found[result.name])
            continue
        assert same(rows["Vendor floor"][1:3], (deal.floor_price, deal.floor_fee))
        price, fee = deal.price_range, deal.fee_range
        assert same(
            rows["Deal room from"][1:3],
            (
                "none" if price is None else price[0],
                "none" if fee is None else fee[0],
            ),
        )
        assert same(
            rows["Deal room to"][1:3],
            (
                "none" if price is None else price[1],
                "none" if fee is None else fee[1],
            ),
        )
        assert same(rows["Vendor margin as quoted"][1:3], (deal.vendor_margin, "fraction"))
        assert same(rows["Vendor minimum margin"][1], deal.min_margin)
        assert same(rows["PV of the vendor's delivery cost"][1], deal.pv_delivery_cost)
        assert same(rows["PV of payments the vendor needs"][1], deal.required_pv_revenue)
        assert same(rows["PV of costs the customer can bear"][1], deal.ceiling.allowed_pv_cost)
        state = "yes" if price else "fees only" if fee else "other mix" if deal.exists else "none"
        assert rows["Deal room"][1] == state


@pytest.mark.parametrize("name", CASES)
def test_what_it_takes_has_a_row_per_lever_for_each_failing_bid(sheets, name):
    case = CASES[name]()
    found = blocks(sheets[name])
    for result in bidfit.analyze(case):
        rows = by_label(found[result.name])
        if result.passes:
            assert "Lever" not in rows and not any(lever in rows for lever in LEVERS)
            continue
        wit = bidfit.what_it_takes(case, result.name)
        assert not wit.passes_now  # every failing sample bid has a lever to pull
        assert rows["Lever"][:7] == ("Lever", "Now", "Needed", "Change", "Unit", "In words", None)
        for change, lever in zip(wit.changes, LEVERS, strict=True):
            _, now, needed, relative, unit, words = rows[lever][:6]
            assert words == change.text
            for shown, value in ((now, change.now), (needed, change.needed)):
                if value is None:
                    assert shown == "none"
                elif isinstance(value, list):
                    assert shown == ", ".join(value)
                else:
                    assert same(shown, value)
            assert same(relative, "n/a" if change.change is None else change.change)
            assert unit
        assert any(r[0] == wit.sentence for r in found[result.name])


# --------------------------------------------------------------------------
# the motivating case
# --------------------------------------------------------------------------


def test_the_norway_sheet_says_there_is_no_deal_room_and_recommends_sweden_and_denmark(sheets):
    found = blocks(sheets["norway_roaming"])
    vendor_a = found["Vendor A"]
    rows = by_label(vendor_a)
    assert rows["Deal room"][1] == "none"
    assert rows["Deal room from"][1:3] == ("none", "none")
    assert rows["Deal room to"][1:3] == ("none", "none")
    assert rows["Customer ceiling"][1] < 0  # no one-time price at the proposed fees is enough
    assert rows["price"][2] == "none"
    assert rows["recurring fees"][2] == pytest.approx(135_814, abs=1)  # the fee at which it would be
    assert any(str(r[0]).startswith("NO_DEAL_ROOM: No price or fee satisfies both sides") for r in vendor_a)
    # Every combination of the Sweden and Denmark options, best customer NPV first.
    header = next(i for i, r in enumerate(vendor_a) if r[0] == "Options")
    assert vendor_a[header] == (
        "Options",
        "Customer NPV [EUR]",
        "Verdict",
        "Vendor margin",
        "Vendor accepts",
        "Recommended",
        "Scope",
        "Passes policy",
    )
    table = vendor_a[header + 1 : header + 5]
    assert [r[0] for r in table] == ["Sweden + Denmark", "Sweden", "Denmark", "(base offer)"]
    assert [r[5] for r in table] == ["recommended", None, None, None]
    assert table[0][6] == "Outbound roaming, Outbound roaming Sweden, Outbound roaming Denmark"
    options = bidfit.scope_options(bidfit.load_sample("norway_roaming"), "Vendor A")
    expected = {" + ".join(r["options"]) or "(base offer)": r for r in options.rows}
    for label, npv, verdict, margin, accepts, _, _, passes in table:
        assert same(npv, expected[label]["npv"]) and verdict == expected[label]["verdict"]
        assert passes == ("yes" if expected[label]["passes"] else "no")
        assert same(margin, expected[label]["vendor_margin"]) and accepts == "yes"
    assert vendor_a[header + 5][0].startswith("Recommended: Sweden + Denmark (customer NPV EUR 1.64M")
    # Competitor B gives no vendor side and passes: no floor, no what-it-takes table.
    assert "Vendor floor" not in by_label(found["Competitor B"])


def test_with_both_options_taken_the_norway_deal_has_room_for_both_sides(sheets):
    rows = by_label(blocks(sheets["nordics"])["Vendor A + Sweden + Denmark"])
    assert rows["Verdict"][1] == "better_off" and rows["Deal room"][1] == "yes"
    low, high = rows["Deal room from"][1], rows["Deal room to"][1]
    assert 0 <= low < high and rows["Vendor floor"][1] == low and rows["Customer ceiling"][1] == high
    assert rows["As quoted"][1] == 920_000 + 380_000 + 90_000 + 300_000 + 70_000


# --------------------------------------------------------------------------
# a deal worked out by hand
# --------------------------------------------------------------------------


def hand_case(**bid: Any) -> bidfit.Case:
    """One year, no discounting: benefit 100; price 30 now, fee 50 in year 1; vendor cost 20 + 30."""
    return bidfit.Case(
        name="Hand",
        horizon_years=1,
        discount_rate=0.0,
        revenue=[
            bidfit.RevenueStream(name="Sales", annual_amount=100),
            bidfit.RevenueStream(name="More", annual_amount=40),
        ],
        bids=[
            bidfit.Bid(
                name="Deal",
                scope=["Sales"],
                costs=[
                    bidfit.CostItem(name="Price", kind="one_time", amount=30),
                    bidfit.CostItem(name="Fee", kind="recurring", amount=50),
                ],
                vendor_costs=[
                    bidfit.CostItem(name="Kit", kind="one_time", amount=20),
                    bidfit.CostItem(name="Staff", kind="recurring", amount=30),
                ],
                min_margin=0.2,
                **bid,
            )
        ],
    )


def test_a_hand_calculated_deal_room(tmp_path):
    # Customer: NPV = 100 - 30 - 50 = 20 >= 0. Ceiling price 100 - 50 = 50 at the quoted fee;
    # ceiling fee 100 - 30 = 70 at the quoted price. Vendor: it needs payments of
    # (20 + 30) / (1 - 0.2) = 62.5, so a floor price of 62.5 - 50 = 12.5 and a floor fee of
    # 62.5 - 30 = 32.5; its margin as quoted is 1 - 50 / 80 = 0.375.
    rows = by_label(blocks(saved_pricing(hand_case(), tmp_path))["Deal"])
    assert rows["Verdict"][1] == "better_off"
    assert rows["As quoted"][1:3] == (30, 50)
    assert rows["Customer ceiling"][1:3] == pytest.approx((50, 70), rel=1e-12)
    assert rows["Ceiling set by"][1:3] == ("break-even", "break-even")
    assert rows["Vendor floor"][1:3] == pytest.approx((12.5, 32.5), rel=1e-12)
    assert rows["Deal room from"][1:3] == pytest.approx((12.5, 32.5), rel=1e-12)
    assert rows["Deal room to"][1:3] == pytest.approx((50, 70), rel=1e-12)
    assert rows["Vendor margin as quoted"][1] == pytest.approx(0.375, rel=1e-12)
    assert rows["Vendor accepts the quoted terms"][1] == "yes"
    assert rows["PV of payments the vendor needs"][1] == pytest.approx(62.5, rel=1e-12)
    assert rows["Deal room"][1] == "yes"


def test_options_without_a_vendor_side_and_a_failing_bid_by_hand(tmp_path):
    # Price 90 and fee 50 against a benefit of 100: NPV -40, worse off. Cutting the price to
    # 100 - 50 = 50 passes (-44.4%); so does a fee of 100 - 90 = 10 (-80%). The option "More"
    # adds the stream More (40) for a cost of 10: NPV -40 + 40 - 10 = -10, still worse off.
    case = hand_case(
        options=[
            bidfit.ScopeOption(
                name="More",
                scope=["More"],
                costs=[bidfit.CostItem(name="More fee", kind="recurring", amount=10)],
            )
        ]
    )
    data = case.model_dump()
    data["bids"][0]["costs"][0]["amount"] = 90
    data["bids"][0]["vendor_costs"] = []
    data["bids"][0]["min_margin"] = None
    case = bidfit.Case.model_validate(data)
    block = blocks(saved_pricing(case, tmp_path))["Deal"]
    rows = by_label(block)
    assert rows["Verdict"][1] == "worse_off"
    assert rows["price"][1] == 90 and rows["price"][2] == pytest.approx(50, rel=1e-9)
    assert rows["price"][3] == pytest.approx(50 / 90 - 1, rel=1e-9)
    assert rows["recurring fees"][2] == pytest.approx(10, rel=1e-9)
    assert rows["recurring fees"][3] == pytest.approx(-0.8, rel=1e-9)
    assert (rows["price"][4], rows["recurring fees"][4], rows["term"][4]) == ("EUR", "EUR per year", "years")
    assert rows["More"][1] == pytest.approx(-10, abs=1e-9) and rows["More"][2] == "worse_off"
    assert rows["(base offer)"][1] == pytest.approx(-40, abs=1e-9)
    assert rows["(base offer)"][3:5] == ("n/a", "yes")  # no vendor side: every combination counts as accepted
    assert any(str(r[0]).startswith("The bid gives no vendor delivery cost") for r in block)


# --------------------------------------------------------------------------
# layout and safety
# --------------------------------------------------------------------------


def test_the_sheet_sits_after_flags_with_an_explanation_units_and_formats(sheets):
    ws = sheets["norway_roaming"]
    assert ws.parent.sheetnames[:4] == ["Summary", "Flags", "Pricing", "Inputs"]
    assert ws["A1"].value.startswith("Pricing room")
    assert "Money in EUR" in ws["A2"].value and "8.00%" in ws["A2"].value
    rows = {ws.cell(r, 1).value: r for r in range(ws.max_row, 0, -1)}
    assert ws.cell(rows["Figure"], 2).value == "One-time price [EUR]"
    assert ws.cell(rows["Figure"], 3).value == "Annual fee [EUR per year]"
    assert ws.cell(rows["Customer ceiling"], 2).number_format == "#,##0;[Red]-#,##0"
    assert ws.cell(rows["Vendor margin as quoted"], 2).number_format == "0.0%"
    assert ws.cell(rows["recurring fees"], 4).number_format == "+0.0%;[Red]-0.0%;0.0%"
    assert ws.column_dimensions["A"].width >= 30 and ws.freeze_panes == "A5"
    assert not any(cell.data_type == "f" for row in ws.iter_rows() for cell in row)  # plain values


def test_names_that_look_like_formulas_are_written_as_text(tmp_path):
    data = bidfit.load_sample("norway_roaming").model_dump()
    data["bids"][0]["name"] = '=HYPERLINK("http://evil.example","x")'
    data["bids"][0]["options"][0]["name"] = "=1+2"
    data["revenue"][1]["name"] = "@SUM(A1)"
    data["bids"][0]["options"][0]["scope"] = ["@SUM(A1)"]
    ws = saved_pricing(bidfit.Case.model_validate(data), tmp_path)
    seen = []
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith(("=", "@")):
                assert cell.data_type == "s" and cell.quotePrefix, cell.coordinate
                seen.append(cell.value)
    assert data["bids"][0]["name"] in seen and "=1+2 + Denmark" in seen and "=1+2" in seen


def test_add_pricing_sheet_only_adds_a_sheet():
    workbook = openpyxl.Workbook()
    ws = add_pricing_sheet(workbook, bidfit.analyze(bidfit.load_sample("service_tiers")), index=0)
    assert workbook.sheetnames == ["Pricing", "Sheet"] and ws.title == "Pricing"
