"""Reading a case from an input workbook: what people type is read as they mean it, or refused
with the sheet and cell; every problem of a workbook is reported at once."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

import bidfit
from bidfit.errors import InputError
from bidfit.io.xlsx.numbers import CellValueError, parse_text_number
from bidfit.io.xlsx.read import read_workbook

ROOT = Path(__file__).resolve().parents[1]


class Fmt:
    """A cell value with a number format, e.g. ``Fmt(0.08, "0%")``."""

    def __init__(self, value: Any, number_format: str):
        self.value, self.number_format = value, number_format


def write_book(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    """A workbook as a person might make it: rows of values, ``None`` for an empty cell."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for r, row in enumerate(rows, 1):
            for c, value in enumerate(row, 1):
                if isinstance(value, Fmt):
                    cell = ws.cell(r, c, value.value)
                    cell.number_format = value.number_format
                elif value is not None:
                    ws.cell(r, c, value)
    wb.save(path)
    return path


def small_book(**changes: list[list[Any]]) -> dict[str, list[list[Any]]]:
    """A small valid workbook (one stream, one bid, two costs), with sheets replaced by ``changes``."""
    sheets = {
        "Case": [
            ["field", "value"],
            ["name", "Small"],
            ["currency", "EUR"],
            ["horizon_years", 3],
            ["discount_rate", 0.1],
        ],
        "Revenue": [["name", "annual_amount", "growth"], ["Sales", 1000, 0.02]],
        "Costs": [
            ["bid", "name", "kind", "amount", "category"],
            ["A", "Kit", "one_time", 500, "capex"],
            ["A", "Fee", "recurring", 100, "maintenance"],
        ],
    }
    sheets.update(changes)
    return sheets


def problems_of(path: Path) -> dict[str, str]:
    """``{where: message}`` of every problem reading ``path``."""
    with pytest.raises(InputError) as info:
        bidfit.load(path)
    assert all(p.file == str(path) for p in info.value.problems)
    return {p.where: str(p).split(f"{p.where}: ", 1)[1] for p in info.value.problems}


# --------------------------------------------------------------------------
# the bundled sample workbooks
# --------------------------------------------------------------------------


@pytest.mark.parametrize("name", bidfit.sample_names())
def test_each_sample_workbook_reads_as_its_yaml(name):
    assert read_workbook(bidfit.sample_path(name, ".xlsx")) == bidfit.load_sample(name)


def test_the_sample_workbooks_are_up_to_date_with_the_generator():
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "make_sample_workbooks.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr


def test_the_samples_folder_of_the_repository_has_the_workbooks():
    for name in bidfit.sample_names():
        assert (ROOT / "data" / "samples" / f"{name}.xlsx").is_file()


# --------------------------------------------------------------------------
# a messy workbook reads as intended
# --------------------------------------------------------------------------


def test_a_messy_workbook_reads_as_a_person_means_it(tmp_path):
    path = write_book(
        tmp_path / "messy.xlsx",
        {
            "Read me": [["Notes for the bid team; bidfit ignores this sheet"]],
            " case ": [
                ["Field", "Value"],
                ["Name", "Messy case"],
                [None, None],
                ["Customer", "Telco"],
                ["Horizon (years)", "5"],
                ["Discount rate", Fmt(0.08, "0%")],
                ["CURRENCY", "eur"],
            ],
            "REVENUE": [
                [
                    "Stream",
                    "Annual amount [EUR]",
                    "Growth (%/year)",
                    "Capture",
                    "Start Year",
                    "Ramp years",
                    "Source",
                ],
                [None],
                ["Roaming", "1 200 000", "-2 %", Fmt(0.9, "0%"), 1, None, "Finance"],
                [None, None, None],
                ["Wholesale", "1,200,000.50", Fmt(0.03, "0.0%"), "75%", "2", 3.0, None],
            ],
            "Costs": [
                [
                    "Bid",
                    "Cost item",
                    "Kind",
                    "Category",
                    "Amount (EUR)",
                    "Escalation",
                    "Percent of",
                    "Percent",
                ],
                ["Vendor A", "Platform", "One time", "Capex", "780000", None, None, None],
                ["Vendor A", "Support", "recurring", "maintenance", None, "2%", "Platform", "18%"],
                [None],
                ["Vendor B", "Platform", "one_time", "capex", 430000.0, None, None, None],
                ["Vendor B", "Ops", "Recurring", "operations", "  90 000 ", 0.02, None, None],
            ],
        },
    )
    expected = bidfit.Case(
        name="Messy case",
        customer="Telco",
        currency="EUR",
        horizon_years=5,
        discount_rate=0.08,
        revenue=[
            bidfit.RevenueStream(
                name="Roaming",
                annual_amount=1_200_000,
                growth=-0.02,
                capture=0.9,
                start_year=1,
                source="Finance",
            ),
            bidfit.RevenueStream(
                name="Wholesale",
                annual_amount=1_200_000.5,
                growth=0.03,
                capture=0.75,
                start_year=2,
                ramp_years=3,
            ),
        ],
        bids=[
            bidfit.Bid(
                name="Vendor A",
                costs=[
                    bidfit.CostItem(name="Platform", kind="one_time", category="capex", amount=780_000),
                    bidfit.CostItem(
                        name="Support",
                        kind="recurring",
                        category="maintenance",
                        escalation=0.02,
                        percent_of=["Platform"],
                        percent=0.18,
                    ),
                ],
            ),
            bidfit.Bid(
                name="Vendor B",
                costs=[
                    bidfit.CostItem(name="Platform", kind="one_time", category="capex", amount=430_000),
                    bidfit.CostItem(
                        name="Ops", kind="recurring", category="operations", amount=90_000, escalation=0.02
                    ),
                ],
            ),
        ],
    )
    with pytest.warns(bidfit.InputNote, match="sheet 'Read me' is not read"):
        assert bidfit.load(path) == expected


def test_bids_sheet_sets_vendor_scope_and_order(tmp_path):
    path = write_book(
        tmp_path / "bids.xlsx",
        small_book(
            Revenue=[["name", "annual_amount"], ["Sales", 1000], ["Service", 300]],
            Bids=[["name", "vendor", "scope"], ["B", "Second", None], ["A", "First", "Sales, Service"]],
            Costs=[
                ["bid", "name", "kind", "amount"],
                ["A", "Kit", "one_time", 500],
                ["B", "Fee", "recurring", 50],
            ],
        ),
    )
    case = bidfit.load(path)
    assert [b.name for b in case.bids] == ["B", "A"]
    assert case.bid("A").vendor == "First" and case.bid("A").scope == ["Sales", "Service"]
    assert case.bid("B").costs[0].name == "Fee"


def test_policy_fx_and_uncertainty_sheets(tmp_path):
    path = write_book(
        tmp_path / "all.xlsx",
        small_book(
            Revenue=[["name", "annual_amount", "currency"], ["Sales", 1000, "NOK"]],
            Policy=[
                ["field", "value"],
                ["max_payback_years", 4],
                ["require_source", "yes"],
                ["severity", "THIN_MARGIN=error, missing_source = info"],
                ["severity.NO_PAYBACK", "Warning"],
                ["min_benefit_headroom", "10%"],
            ],
            FX=[["currency", "rate"], ["nok", 0.085]],
            Uncertainty=[
                ["target", "distribution", "low", "mode", "high", "mean", "sd"],
                ["revenue.Sales.growth", "triangular", "-5%", "0%", "2%", None, None],
                ["revenue.Sales.annual_amount", "normal", None, None, None, "1 000", 100],
            ],
        ),
    )
    case = bidfit.load(path)
    assert case.fx == {"NOK": 0.085}
    assert case.policy.max_payback_years == 4 and case.policy.require_source is True
    assert case.policy.min_benefit_headroom == 0.1
    assert case.policy.severity == {"THIN_MARGIN": "error", "MISSING_SOURCE": "info", "NO_PAYBACK": "warning"}
    growth, amount = case.uncertainty
    assert (growth.low, growth.mode, growth.high) == (-0.05, 0.0, 0.02)
    assert (amount.mean, amount.sd) == (1000.0, 100.0)


# --------------------------------------------------------------------------
# the vendor side and scope options
# --------------------------------------------------------------------------

THREE_STREAMS = [["name", "annual_amount"], ["Sales", 1000], ["North", 500], ["South", 300]]


def test_vendor_costs_margin_and_options_are_read_from_bids_options_and_costs(tmp_path):
    path = write_book(
        tmp_path / "vendor.xlsx",
        small_book(
            Revenue=THREE_STREAMS,
            Bids=[["Name", "Vendor", "Scope", "Min margin [%]"], ["A", "Us", "Sales", "15%"]],
            Options=[["Bid", "Option name", "Streams"], ["A", "North", "North"], ["A", "South", " South "]],
            Costs=[
                ["bid", "name", "kind", "amount", "Side", "Option", "percent_of", "percent"],
                ["A", "Kit", "one_time", 500, None, None, None, None],
                ["A", "Kit cost", "one_time", 300, " Vendor ", None, None, None],
                ["A", "North kit", "one_time", 100, "CUSTOMER", "North", None, None],
                ["A", "North care", "recurring", None, None, "North", "Kit, North kit", "10%"],
                ["A", "North staff", "recurring", 50, "vendor", "North", None, None],
            ],
        ),
    )
    (bid,) = bidfit.load(path).bids
    assert bid.min_margin == 0.15 and bid.scope == ["Sales"]
    assert [c.name for c in bid.costs] == ["Kit"] and [c.name for c in bid.vendor_costs] == ["Kit cost"]
    north, south = bid.options
    assert north == bidfit.ScopeOption(
        name="North",
        scope=["North"],
        costs=[
            bidfit.CostItem(name="North kit", kind="one_time", amount=100),
            bidfit.CostItem(
                name="North care", kind="recurring", percent_of=["Kit", "North kit"], percent=0.1
            ),
        ],
        vendor_costs=[bidfit.CostItem(name="North staff", kind="recurring", amount=50)],
    )
    assert south == bidfit.ScopeOption(name="South", scope=["South"])  # an option without costs of its own


def test_every_bad_option_side_and_margin_cell_is_reported_at_once(tmp_path):
    path = write_book(
        tmp_path / "options.xlsx",
        small_book(
            Revenue=THREE_STREAMS,
            Bids=[["name", "vendor", "scope", "min_margin"], ["A", "Us", None, 15]],
            Options=[
                ["bid", "option", "scope"],
                ["A", "North", "Nort"],
                ["B", "South", "South"],
                ["A", "North", "North"],
                ["A", None, "South"],
            ],
            Costs=[
                ["bid", "name", "kind", "amount", "side", "option"],
                ["A", "Kit", "one_time", 500, "supplier", None],
                ["A", "Kit", "one_time", 300, "vendor", "Norht"],
                ["A", "Kit", "one_time", "x", "vendor", "North"],
                ["A", "Box", "one_time", 100, None, "North"],
                ["A", "Y", "one_time", 100, "vendor", None],
                ["A", "Y", "recurring", 100, "vendor", None],
            ],
        ),
    )
    problems = problems_of(path)
    assert list(problems) == [
        "Bids!C2",
        "Bids!D2",
        "Options!C2",
        "Options!A3",
        "Options!B4",
        "Options!B5",
        "Costs!E2",
        "Costs!F3",
        "Costs!D4",
        "Costs!B7",
    ]
    assert problems["Bids!C2"].startswith("a bid with scope options needs the scope of its base offer")
    assert problems["Bids!D2"].startswith("min_margin must be less than 1 (found 15.0; expected a fraction")
    assert problems["Options!C2"].startswith("scope names a revenue stream that does not exist: 'Nort'")
    assert problems["Options!A3"].startswith(
        "bid 'B' is not on the Bids sheet (found 'B'; expected one of 'A')"
    )
    assert problems["Options!B4"] == (
        "option 'North' of bid 'A' is given twice (found 'North'; expected one row per option of a bid "
        "(the first is Options!B2))"
    )
    assert problems["Options!B5"].startswith("option is required")
    assert problems["Costs!E2"].startswith("side must be customer (what the customer pays) or vendor")
    assert "(found 'supplier'; expected customer or vendor (empty = customer))" in problems["Costs!E2"]
    assert problems["Costs!F3"].startswith(
        "option 'Norht' is not an option of bid 'A' on the Options sheet (found 'Norht'; expected one of 'North'"
    )
    assert problems["Costs!D4"].startswith("amount must be a number >= 0")
    assert problems["Costs!B7"].startswith("the name 'Y' is used 2 times")


def test_an_option_on_costs_without_an_options_sheet_says_to_add_the_row(tmp_path):
    path = write_book(
        tmp_path / "no-options.xlsx",
        small_book(
            Costs=[
                ["bid", "name", "kind", "amount", "side", "option"],
                ["A", "Kit", "one_time", 500, None, None],
                ["A", "Extra", "one_time", 5, None, "North"],
            ]
        ),
    )
    assert problems_of(path) == {
        "Costs!F3": "option 'North' of bid 'A' is not defined: the workbook has no Options sheet (found "
        "'North'; expected an Options sheet with a row (bid 'A', option 'North', scope: the revenue streams "
        "it adds), or an empty option for the base offer)"
    }


def test_options_without_a_bids_sheet_need_one_for_the_base_scope(tmp_path):
    path = write_book(
        tmp_path / "no-bids.xlsx",
        small_book(
            Options=[["bid", "option", "scope"], ["A", "More", "Sales"], ["Z", "Other", None]],
            Costs=[
                ["bid", "name", "kind", "amount", "option"],
                ["A", "Kit", "one_time", 500, None],
                ["A", "Extra", "one_time", 5, "More"],
            ],
        ),
    )
    problems = problems_of(path)
    assert list(problems) == ["Options!A2", "Options!A3"]
    assert problems["Options!A2"].startswith(
        "bid 'A' has scope options, so it needs the scope of its base offer"
    )
    assert "a Bids sheet (name, vendor, scope) with a row for 'A'" in problems["Options!A2"]
    assert problems["Options!A3"].startswith("bid 'Z' is not a bid of the Costs sheet (it has no cost rows)")


def test_option_and_vendor_cost_problems_point_at_their_cells(tmp_path):
    path = write_book(
        tmp_path / "clash.xlsx",
        small_book(
            Revenue=THREE_STREAMS,
            Bids=[["name", "scope", "min_margin"], ["A", "Sales", 0.1]],
            Options=[["bid", "option", "scope"], ["A", "North", "North"]],
            Costs=[
                ["bid", "name", "kind", "amount", "side", "option", "percent_of", "percent", "year"],
                ["A", "Kit", "one_time", 500, None, None, None, None, None],
                ["A", "Kit", "one_time", 300, "vendor", None, None, None, None],
                ["A", "Kit", "one_time", 100, None, "North", None, None, None],
                ["A", "Care", "recurring", None, "vendor", "North", "Kti", 0.1, None],
                ["A", "Late", "one_time", 10, "vendor", "North", None, None, 12],
                ["A", "Bad", "one_time", -1, "vendor", "North", None, None, None],
            ],
        ),
    )
    problems = problems_of(path)
    assert list(problems) == ["Costs!B4", "Costs!G5", "Costs!I6", "Costs!D7"]
    assert problems["Costs!B4"].startswith("the name 'Kit' is already used by the base offer")
    assert problems["Costs!G5"].startswith("percent_of names 'Kti', which is not a one-time cost of this bid")
    assert problems["Costs!I6"].startswith("year is outside the horizon (found 12")
    assert problems["Costs!D7"].startswith("amount must be greater than or equal to 0 (found -1.0")


def test_formula_cells_are_read_through_their_saved_result(tmp_path):
    path = write_book(
        tmp_path / "formulas.xlsx", small_book(Revenue=[["name", "annual_amount"], ["Sales", "=12*1000"]])
    )
    path.write_bytes(_with_cached_value(path.read_bytes(), "Revenue", "B2", "12000"))
    assert bidfit.load(path).revenue[0].annual_amount == 12000


def _with_cached_value(data: bytes, title: str, cell: str, value: str, cell_type: str = "n") -> bytes:
    """Store a result beside a formula, as Excel does when it saves (openpyxl does not)."""
    import openpyxl

    part = f"xl/worksheets/sheet{openpyxl.load_workbook(io.BytesIO(data)).sheetnames.index(title) + 1}.xml"
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == part:
                text = content.decode()
                start = text.index(f'<c r="{cell}"')
                end = text.index("</c>", start)
                own = text[start:end].replace("<v />", "").replace("<v></v>", "")
                own = own.replace(f'<c r="{cell}"', f'<c r="{cell}" t="{cell_type}"', 1)
                text = text[:start] + own + f"<v>{value}</v>" + text[end:]
                content = text.encode()
            target.writestr(info, content)
    return out.getvalue()


# --------------------------------------------------------------------------
# text numbers: read when unambiguous, refused otherwise
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "percent"),
    [
        ("1200000", 1_200_000, False),
        ("1 200 000", 1_200_000, False),
        ("1\u00a0200\u202f000", 1_200_000, False),
        ("1,200,000", 1_200_000, False),
        ("1,200.5", 1200.5, False),
        ("1,200,000.50", 1_200_000.5, False),
        ("0.125", 0.125, False),
        ("1.25", 1.25, False),
        ("1200.500", 1200.5, False),
        (".5", 0.5, False),
        ("-3", -3, False),
        ("\u22123", -3, False),
        ("+4.5", 4.5, False),
        ("1.2e6", 1_200_000, False),
        ("8%", 0.08, True),
        ("-2.5 %", -0.025, True),
        ("0.1%", 0.001, True),
        ("150%", 1.5, True),
    ],
)
def test_unambiguous_text_numbers_are_read(text, value, percent):
    assert parse_text_number(text) == (value, percent)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("1.200", "ambiguous: 1200 or 1.2"),
        ("12.500", "ambiguous"),
        ("1,200", "ambiguous: 1200 or 1.2"),
        ("1,5", "decimal comma: write 1.5"),
        ("1.200.000", "several points"),
        ("520k", "without k/M/bn"),
        ("1.2M", "without k/M/bn"),
        ("2 bn", "without k/M/bn"),
        ("EUR 520000", "the currency goes in"),
        ("€500", "the currency goes in"),
        ("500 NOK", "the currency goes in"),
        ("five hundred", "not a number"),
        ("12 00", "spaces may only group thousands"),
        ("1,20,000", "not a number"),
        ("--5", "not a number"),
    ],
)
def test_ambiguous_or_unreadable_text_numbers_are_refused(text, says):
    with pytest.raises(CellValueError, match=says):
        parse_text_number(text)


def test_a_percentage_is_refused_for_an_amount(tmp_path):
    path = write_book(
        tmp_path / "pct.xlsx", small_book(Revenue=[["name", "annual_amount"], ["Sales", "10%"]])
    )
    assert problems_of(path) == {
        "Revenue!B2": "annual_amount must be a number >= 0 and at most 1e15 in the stream's currency per year: "
        "an amount, not a percentage: write the number alone (found '10%')"
    }


def test_a_rate_above_one_must_be_written_as_a_percentage(tmp_path):
    path = write_book(
        tmp_path / "rate.xlsx",
        small_book(
            Revenue=[
                ["name", "annual_amount", "growth"],
                ["Sales", 1000, 8],
                ["Other", 10, "150%"],
                ["Third", 10, Fmt(1.5, "0%")],
            ]
        ),
    )
    problems = problems_of(path)
    assert list(problems) == ["Revenue!C2"]
    assert "growth of 8 would mean 800% a year" in problems["Revenue!C2"]
    assert "write 0.08 or 8%" in problems["Revenue!C2"]


# --------------------------------------------------------------------------
# every problem, each with its sheet and cell
# --------------------------------------------------------------------------


def bad_book(path: Path) -> Path:
    return write_book(
        path,
        {
            "Case": [["field", "value"], ["name", "Bad"], ["horizon_years", 5], ["discount_rate", 8]],
            "Revenue": [["name", "annual_amount", "growth"], ["Sales", "1.200", 0.02], ["Sales", 100, None]],
            "Costs": [
                ["bid", "name", "kind", "category", "amount", "year", "percent_of", "percent"],
                ["A", "Kit", "one_time", "capex", 500, None, None, None],
                ["A", "Fee", "recurring", "maintenance", "five hundred k", None, None, None],
                ["A", "Extra", "monthly", "capex", 10, None, None, None],
                ["A", "Late", "one_time", "capex", 10, 9, None, None],
                ["A", "Care", "recurring", "maintenance", None, None, "Kti", "18%"],
            ],
        },
    )


def test_every_bad_cell_is_reported_at_once_with_its_sheet_and_cell(tmp_path):
    problems = problems_of(bad_book(tmp_path / "bad.xlsx"))
    assert list(problems) == ["Case!B4", "Revenue!B2", "Costs!E3", "Costs!C4", "Costs!F5", "Costs!G6"]
    assert problems.pop("Costs!C4").startswith("kind must be 'one_time' or 'recurring' (found 'monthly'")
    # Cross-reference problems of the valid rows come in the same report as the field errors.
    assert problems.pop("Costs!F5").startswith("year is outside the horizon (found 9")
    assert problems.pop("Costs!G6").startswith("percent_of names 'Kti', which is not a one-time cost")
    assert problems == {
        "Case!B4": "a discount rate of 8.0 is 800% a year; rates are fractions (write 0.08 for 8%) "
        "(found 8.0; expected a fraction per year from -0.5 to below 1 (0.08 for 8%))",
        "Revenue!B2": "annual_amount must be a number >= 0 and at most 1e15 in the stream's currency per year: "
        "'1.200' is ambiguous: 1200 or 1.2? Write 1200 (or 1 200) or 1.2 (found '1.200')",
        "Costs!E3": "amount must be a number >= 0 and at most 1e15 in the item's currency (found 'five hundred k')",
    }


def test_a_reference_to_a_row_with_a_field_error_is_not_reported_twice(tmp_path):
    path = write_book(
        tmp_path / "refs.xlsx",
        small_book(
            Revenue=[["name", "annual_amount"], ["Sales", 100], ["Bad", -5]],
            Bids=[["name", "scope"], ["A", "Bad"]],
            Costs=[
                ["bid", "name", "kind", "amount", "percent_of", "percent"],
                ["A", "Hw", "one_time", "x", None, None],
                ["A", "Sup", "recurring", None, "Hw", 0.1],
            ],
        ),
    )
    assert set(problems_of(path)) == {"Revenue!B3", "Costs!D2"}


def test_cross_reference_problems_point_at_their_cells(tmp_path):
    path = write_book(
        tmp_path / "refs.xlsx",
        {
            "Case": [["field", "value"], ["name", "Refs"], ["horizon_years", 5], ["discount_rate", 0.08]],
            "Revenue": [["name", "annual_amount", "currency"], ["Sales", 100, "USD"], ["Sales", 50, None]],
            "Bids": [["name", "vendor", "scope"], ["A", "x", "Sale"]],
            "Costs": [
                ["bid", "name", "kind", "amount", "year", "percent_of", "percent"],
                ["A", "Kit", "one_time", 500, 9, None, None],
                ["A", "Care", "recurring", None, None, "Kti", "18%"],
                ["Z", "Other", "one_time", 1, None, None, None],
            ],
        },
    )
    problems = problems_of(path)
    assert set(problems) == {"Costs!A4", "Revenue!A3", "Revenue!C2", "Bids!C2", "Costs!E2", "Costs!F3"}
    assert problems["Costs!A4"].startswith(
        "bid 'Z' is not on the Bids sheet (found 'Z'; expected one of 'A')"
    )
    assert problems["Revenue!A3"].startswith("the name 'Sales' is used 2 times")
    assert problems["Revenue!C2"].startswith("no FX rate for USD")
    assert problems["Bids!C2"].startswith("scope names a revenue stream that does not exist: 'Sale'")
    assert problems["Costs!E2"].startswith("year is outside the horizon (found 9")
    assert problems["Costs!F3"].startswith("percent_of names 'Kti', which is not a one-time cost")


def test_headers_sheets_and_fields_problems(tmp_path):
    path = write_book(
        tmp_path / "headers.xlsx",
        {
            "Case": [
                ["field", "value"],
                ["name", "H"],
                ["horizon", 5],
                ["discount_rate", 0.08],
                ["colour", "red"],
                ["name", "again"],
            ],
            "Revenue": [["name", "Annual amount", "Amout"], ["Sales", 100, 5]],
            "Costs": [["bid", "name", "amount"], ["A", "Kit", 5, None, "stray"]],
        },
    )
    problems = problems_of(path)
    assert problems["Case!A5"].startswith("unknown field 'colour' (expected one of name, customer, currency")
    assert problems["Case!A6"].startswith(
        "name is given twice (found 'name'; expected one row (the first is Case!A2))"
    )
    assert problems["Revenue!C1"].startswith(
        "unknown column 'Amout' (found 'Amout'; expected one of name, kind,"
    )
    assert problems["Costs!1:1"].startswith("missing column(s) kind")
    assert problems["Costs!E2"].startswith("a value in a column without a header (found 'stray'")


def test_a_missing_sheet_names_the_sheets_found(tmp_path):
    path = write_book(tmp_path / "nocosts.xlsx", {k: v for k, v in small_book().items() if k != "Costs"})
    problems = problems_of(path)
    assert problems["Costs"].startswith(
        "the workbook has no Costs sheet; its sheets are Case, Revenue (expected sheets"
    )


@pytest.mark.parametrize("title", ["Cost", "COST", "Cots"])
def test_a_missing_sheet_names_the_sheet_it_was_probably_meant_to_be(tmp_path, title):
    book = small_book()
    book[title] = book.pop("Costs")
    problems = problems_of(write_book(tmp_path / "typo.xlsx", book))
    assert problems["Costs"].startswith(
        f"the workbook has no Costs sheet; did you mean {title!r}? Its sheets are Case, Revenue, {title}"
    )


def test_an_unrelated_sheet_is_not_suggested_for_a_missing_one(tmp_path):
    book = small_book()
    book["Kosten"] = book.pop("Costs")
    problems = problems_of(write_book(tmp_path / "german.xlsx", book))
    assert problems["Costs"].startswith(
        "the workbook has no Costs sheet; its sheets are Case, Revenue, Kosten"
    )


def test_a_sheet_name_differing_only_in_case_and_spaces_is_read(tmp_path):
    book = small_book()
    book["costs "] = book.pop("Costs")
    assert bidfit.load(write_book(tmp_path / "spaces.xlsx", book)) == bidfit.load(
        write_book(tmp_path / "plain.xlsx", small_book())
    )


BIDS_AND_NO_COSTS = {
    "Bids": [["name", "vendor"], ["Vendor A", "Acme"], ["Vendor B", "Beta"]],
    "Cost": [["bid", "name", "kind", "amount"], ["Vendor A", "Kit", "one_time", 500]],
}


def test_bids_without_cost_rows_are_problems_at_their_names_on_bids(tmp_path):
    book = {k: v for k, v in small_book().items() if k != "Costs"} | BIDS_AND_NO_COSTS
    problems = problems_of(write_book(tmp_path / "renamed.xlsx", book))
    expected = "a bid must cost the customer something; list its price and fees (expected at least one cost"
    assert problems["Bids!A2"].startswith(expected)
    assert problems["Bids!A3"].startswith(expected)
    assert problems["Costs"].startswith("the workbook has no Costs sheet; did you mean 'Cost'?")
    assert set(problems) == {"Costs", "Bids!A2", "Bids!A3"}


def test_one_bid_without_cost_rows_is_reported_with_the_other_problems(tmp_path):
    book = small_book(
        Bids=[["name"], ["A"], ["B"]],
        Costs=[["bid", "name", "kind", "amount"], ["A", "Kit", "one_time", "lots"]],
    )
    problems = problems_of(write_book(tmp_path / "one.xlsx", book))
    assert set(problems) == {"Bids!A3", "Costs!D2"}
    assert problems["Bids!A3"].startswith("a bid must cost the customer something")


def test_only_vendor_cost_rows_are_no_customer_cost(tmp_path):
    book = small_book(
        Bids=[["name"], ["A"]],
        Costs=[["bid", "name", "kind", "amount", "side"], ["A", "Kit", "one_time", 500, "vendor"]],
    )
    problems = problems_of(write_book(tmp_path / "vendor.xlsx", book))
    assert list(problems) == ["Bids!A2"]
    assert problems["Bids!A2"].startswith("a bid must cost the customer something")


def test_unread_sheets_are_notes_not_errors(tmp_path):
    import openpyxl

    path = write_book(tmp_path / "notes.xlsx", small_book(Notes=[["a remark"]], Instructions=[["how to"]]))
    wb = openpyxl.load_workbook(path)
    wb.create_sheet("Scratch").sheet_state = "hidden"
    wb.save(path)
    with pytest.warns(bidfit.InputNote) as caught:
        case = bidfit.load(path)
    assert case == bidfit.load(write_book(tmp_path / "plain.xlsx", small_book()))
    notes = [str(w.message) for w in caught if issubclass(w.category, bidfit.InputNote)]
    assert notes == [f"{path}: sheet 'Notes' is not read"]  # not the template's Instructions, nor hidden


def test_a_workbook_of_input_sheets_only_gives_no_note(tmp_path):
    import warnings

    path = write_book(tmp_path / "plain.xlsx", small_book(Instructions=[["how to"]]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bidfit.load(path)


def test_a_formula_without_a_saved_result_is_an_error_naming_the_cell(tmp_path):
    path = write_book(
        tmp_path / "live.xlsx", small_book(Revenue=[["name", "annual_amount"], ["Sales", "=A1*2"]])
    )
    problems = problems_of(path)
    assert list(problems) == ["Revenue!B2"]
    assert "a formula without a saved result; bidfit does not calculate formulas" in problems["Revenue!B2"]


def test_an_error_value_in_a_cell_is_reported(tmp_path):
    path = write_book(
        tmp_path / "err.xlsx", small_book(Revenue=[["name", "annual_amount"], ["Sales", "=1/0"]])
    )
    path.write_bytes(_with_cached_value(path.read_bytes(), "Revenue", "B2", "#DIV/0!", cell_type="e"))
    assert problems_of(path) == {
        "Revenue!B2": "annual_amount: the cell shows an error (found '#DIV/0!'; expected a number >= 0 and at "
        "most 1e15 in the stream's currency per year)"
    }


def test_an_empty_template_says_what_to_fill_in(tmp_path):
    from bidfit.io.template import write_template

    problems = problems_of(write_template(tmp_path / "empty.xlsx"))
    assert problems["Case!B2"] == "name is required"
    assert problems["Case!B5"].startswith("horizon_years is required")
    assert "Revenue" in problems and "Bids" in problems


# --------------------------------------------------------------------------
# the command line
# --------------------------------------------------------------------------


def test_analyze_of_a_bad_workbook_exits_2_with_one_line_per_problem(tmp_path):
    path = bad_book(tmp_path / "bad.xlsx")
    done = subprocess.run(
        [sys.executable, "-m", "bidfit", "analyze", str(path)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2 and done.stdout == ""
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert [line.split(": ")[3] for line in lines] == [
        "Case!B4",
        "Revenue!B2",
        "Costs!E3",
        "Costs!C4",
        "Costs!F5",
        "Costs!G6",
    ]
    assert all(line.startswith(f"bidfit: error: {path}: ") for line in lines)


def test_reading_leaves_the_workbook_untouched(tmp_path):
    path = tmp_path / "case.xlsx"
    path.write_bytes(bidfit.sample_path("service_tiers", ".xlsx").read_bytes())
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    bidfit.load(path)
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before
