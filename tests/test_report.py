"""The report workbook: its formulas recompute, in LibreOffice, the figures bidfit printed.

The independent value here is a real spreadsheet engine: each report is
recalculated by LibreOffice headless (``tests/libreoffice.py``) and every
formula cell must hold a value, not an error; the NPV, IRR, payback and
discounted payback that the cash-flow sheets compute must equal the library's
to 1e-6 relative, for every bundled sample and after changing input cells.
The test fails (never skips) when LibreOffice is missing.
"""

from __future__ import annotations

import io
import itertools
import math
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

import bidfit
from bidfit.io.xlsx.write import save_workbook
from bidfit.present.report import report_workbook
from libreoffice import formula_errors, recalculate, values

REL = 1e-6
INJECTED = {
    "bid": '=HYPERLINK("http://evil.example","click")',
    "vendor": "-2+3",
    "stream": "+1",
    "item": "@SUM(A1)",
    "source": "#N/A",
    "customer": "=1+1",
    "option": "=2+3",
}


def priced_report(analysis: bidfit.Analysis) -> Any:
    """The report workbook with every bid's pricing room on its Pricing sheet."""
    rooms = {bid.name: bidfit.pricing_room(analysis.case, bid.name) for bid in analysis}
    return report_workbook(analysis, pricing=rooms)


# --------------------------------------------------------------------------
# building the cases and reports (one LibreOffice run for all of them)
# --------------------------------------------------------------------------


def changed(case: bidfit.Case, **edits: Any) -> bidfit.Case:
    """A copy of ``case`` with dotted-path edits, validated again."""
    data = case.model_dump()
    for path, value in edits.items():
        node: Any = data
        *parts, last = path.split(".")
        for part in parts:
            node = node[int(part)] if part.isdigit() else node[part]
        node[int(last) if last.isdigit() else last] = value
    return bidfit.Case.model_validate(data)


def row_of(ws, *labels: Any) -> int:
    """The first row whose first cells are ``labels``."""
    for row in ws.iter_rows():
        if [c.value for c in row[: len(labels)]] == list(labels):
            return row[0].row
    raise LookupError(labels)


# Edits made in the report's Inputs cells, and the same edits on the case.
EDITS = {
    "norway_roaming": (
        [
            (("Discount rate",), "B", 0.12),
            (("Outbound roaming",), "C", 600_000),
            (("Vendor A", "Maintenance"), "E", 50_000),
        ],
        {"discount_rate": 0.12, "revenue.0.annual_amount": 600_000, "bids.0.costs.2.amount": 50_000},
    ),
    "fixed_broadband": (
        [
            (("USD",), "B", 1.1),
            (("Rural subscriptions",), "J", 2),
            (("FTTH urban", "Network maintenance"), "H", 0.08),
            (("Horizon",), "B", 8),
            (("Urban subscriptions",), "E", -0.01),
        ],
        {
            "fx.USD": 1.1,
            "revenue.1.ramp_years": 2,
            "bids.0.costs.3.percent": 0.08,
            "horizon_years": 8,
            "revenue.0.growth": -0.01,
        },
    ),
    "service_tiers": (
        [
            (("Critical outages avoided",), "F", 0.4),
            (("Gold", "Gold subscription"), "L", 0.1),
            (("Silver", "Onboarding"), "I", 1),
        ],
        {"revenue.0.capture": 0.4, "bids.1.costs.1.escalation": 0.1, "bids.2.costs.0.year": 1},
    ),
}


def injected_case() -> bidfit.Case:
    case = bidfit.load_sample("norway_roaming")
    return changed(
        case,
        **{
            "bids.0.name": INJECTED["bid"],
            "bids.0.vendor": INJECTED["vendor"],
            "revenue.0.name": INJECTED["stream"],
            "bids.0.scope": [INJECTED["stream"]],
            "bids.1.scope": [INJECTED["stream"]],
            "bids.0.costs.2.name": INJECTED["item"],
            "revenue.0.source": INJECTED["source"],
            "customer": INJECTED["customer"],
            "bids.0.options.0.name": INJECTED["option"],
            "bids.1.name": "Bell\x07 and\ttab",
        },
    )


def edge_case() -> bidfit.Case:
    """Every convention at once: FX, a ramp, start in year 0, an early end, percent_of chains, no costs."""
    return bidfit.Case(
        name="Edges",
        horizon_years=6,
        discount_rate=0.07,
        fx={"USD": 0.9, "NOK": 0.085},
        revenue=[
            bidfit.RevenueStream(
                name="Base",
                annual_amount=1000,
                currency="USD",
                growth=0.05,
                capture=0.8,
                margin=0.6,
                start_year=0,
                end_year=4,
                ramp_years=3,
            ),
            bidfit.RevenueStream(name="Late", annual_amount=500, start_year=3, ramp_years=1, growth=-0.1),
        ],
        bids=[
            bidfit.Bid(name="Lean"),
            bidfit.Bid(
                name="Full",
                scope=["Late"],
                costs=[
                    bidfit.CostItem(name="Hw", kind="one_time", amount=1000, currency="NOK", year=1),
                    bidfit.CostItem(name="Install", kind="one_time", percent_of=["Hw"], percent=0.2),
                    bidfit.CostItem(
                        name="Care",
                        kind="recurring",
                        percent_of=["Hw", "Install"],
                        percent=0.15,
                        start_year=2,
                        end_year=5,
                        escalation=0.03,
                    ),
                    bidfit.CostItem(
                        name="Fee", kind="recurring", amount=100, currency="USD", escalation=-0.02
                    ),
                ],
            ),
        ],
    )


def edit_report(path: Path, edits: list[tuple[tuple[str, ...], str, Any]]) -> None:
    """Change input cells of a report as a reviewer would (openpyxl keeps the formulas)."""
    wb = openpyxl.load_workbook(path)
    ws = wb["Inputs"]
    for labels, column, value in edits:
        ws[f"{column}{row_of(ws, *labels)}"] = value
    wb.save(path)


@pytest.fixture(scope="module")
def lab(tmp_path_factory) -> dict[str, Any]:
    """Every report of this module, written and recalculated by LibreOffice in one run."""
    folder = tmp_path_factory.mktemp("reports")
    cases: dict[str, bidfit.Case] = {name: bidfit.load_sample(name) for name in bidfit.sample_names()}
    paths = {}
    for name, case in list(cases.items()):
        paths[name] = save_workbook(priced_report(bidfit.analyze(case)), folder / f"{name}.xlsx")
        cells, case_edits = EDITS[name]
        key = f"{name}_edited"
        paths[key] = save_workbook(priced_report(bidfit.analyze(case)), folder / f"{key}.xlsx")
        edit_report(paths[key], cells)
        cases[key] = changed(case, **case_edits)
    cases["edge"] = edge_case()
    paths["edge"] = save_workbook(priced_report(bidfit.analyze(cases["edge"])), folder / "edge.xlsx")
    cases["injected"] = injected_case()
    paths["injected"] = save_workbook(
        priced_report(bidfit.analyze(cases["injected"])), folder / "injected.xlsx"
    )
    keys = list(paths)
    recalculated = dict(
        zip(keys, recalculate([paths[k] for k in keys], folder / "recalculated"), strict=True)
    )
    return {"cases": cases, "paths": paths, "recalculated": recalculated}


def results_of(book, title: str) -> dict[str, Any]:
    """The live results block of a bid's cash-flow sheet, by label."""
    ws = book[title]
    start = row_of(ws, "Results (live)")
    return {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(start + 1, start + 7)}


FIXED_SHEETS = ["Summary", "Flags", "Pricing", "Inputs", "Calculations"]


def bid_titles(book) -> list[str]:
    return book.sheetnames[len(FIXED_SHEETS) :]


def assert_same(spreadsheet: Any, library: float | None, missing: str, what: str) -> None:
    if library is None:
        assert spreadsheet == missing, f"{what}: spreadsheet {spreadsheet!r}, library None"
    else:
        assert isinstance(spreadsheet, float | int), f"{what}: spreadsheet {spreadsheet!r}"
        assert spreadsheet == pytest.approx(library, rel=REL, abs=1e-9), what


def sign_changes(flows) -> int:
    signs = [f > 0 for f in flows if f != 0]
    return sum(a != b for a, b in itertools.pairwise(signs))


def assert_recalculated_like_library(book, case: bidfit.Case) -> None:
    analysis = bidfit.analyze(case)
    for title, result in zip(bid_titles(book), analysis, strict=True):
        live = results_of(book, title)
        net = result.flows.net
        assert_same(live["NPV"], result.npv, "n/a", f"{title} NPV")
        if sign_changes(net) <= 1:
            assert_same(live["IRR"], result.irr, "n/a", f"{title} IRR")
        else:
            # Several rates may make NPV zero: bidfit reports the one closest to zero, the
            # spreadsheet's IRR() the one its iteration reaches. Both must be roots.
            scale = float(abs(net).sum())
            for rate in (live["IRR"], result.irr):
                assert abs(bidfit.kernel.finance.npv(rate, net)) < 1e-9 * scale, (
                    f"{title} IRR {rate} is no root"
                )
        assert_same(live["Payback [years]"], result.payback_years, "never", f"{title} payback")
        assert_same(
            live["Discounted payback [years]"],
            result.discounted_payback_years,
            "never",
            f"{title} discounted payback",
        )


# --------------------------------------------------------------------------
# LibreOffice agrees with the library
# --------------------------------------------------------------------------


@pytest.mark.parametrize("name", bidfit.sample_names())
def test_no_formula_cell_holds_an_error_after_recalculation(lab, name):
    for key in (name, f"{name}_edited"):
        assert formula_errors(lab["paths"][key], lab["recalculated"][key]) == []


@pytest.mark.parametrize("name", bidfit.sample_names())
def test_libreoffice_recomputes_npv_irr_and_payback_of_every_bid(lab, name):
    book = values(lab["recalculated"][name])
    assert_recalculated_like_library(book, lab["cases"][name])


@pytest.mark.parametrize("name", bidfit.sample_names())
def test_the_summary_live_npv_and_checks_agree(lab, name):
    summary = values(lab["recalculated"][name])["Summary"]
    analysis = bidfit.analyze(lab["cases"][name])
    for r, result in enumerate(analysis, 7):
        assert summary[f"A{r}"].value == result.name
        assert summary[f"D{r}"].value == pytest.approx(result.npv, rel=1e-14)  # the printed value
        assert summary[f"E{r}"].value == pytest.approx(result.npv, rel=REL)  # recomputed with NPV()
        assert summary[f"F{r}"].value is True
    assert summary["E4"].value is True  # master check


def live_checks(summary) -> dict[str, dict[str, Any]]:
    """The Summary's live checks table: by bid, each header's value."""
    top = next(c.row for c in summary["A"] if str(c.value).startswith("Live checks:")) + 1
    labels = [c.value for c in summary[top] if c.value is not None]
    table = {}
    for row in summary.iter_rows(min_row=top + 1):
        if row[0].value is None:
            break
        table[row[0].value] = {
            label if label != "Check" else f"Check {labels[i - 1]}": row[i].value
            for i, label in enumerate(labels)
        }
    return table


@pytest.mark.parametrize("name", [*bidfit.sample_names(), "edge"])
def test_the_summary_recomputes_irr_payback_and_the_break_even_figures_live(lab, name):
    summary = values(lab["recalculated"][name])["Summary"]
    analysis = bidfit.analyze(lab["cases"][name])
    cur = analysis.case.currency
    table = live_checks(summary)
    assert list(table) == [r.name for r in analysis]
    for result in analysis:
        live = table[result.name]
        assert all(v is True for k, v in live.items() if k.startswith("Check")), live
        if sign_changes(result.flows.net) <= 1:
            assert_same(live["IRR (live)"], result.irr, "n/a", f"{result.name} IRR")
        assert_same(live["Payback [years] (live)"], result.payback_years, "never", "payback")
        assert_same(
            live["Discounted payback [years] (live)"], result.discounted_payback_years, "never", "payback"
        )
        assert_same(live[f"Break-even price [{cur}] (live)"], result.max_one_time_price, "", "price")
        assert_same(live[f"Break-even fee [{cur}] (live)"], result.max_annual_fee, "", "fee")
    assert summary["E4"].value is True  # the master check covers every check


@pytest.mark.parametrize("name", bidfit.sample_names())
def test_edited_inputs_turn_the_live_checks_false(lab, name):
    key = f"{name}_edited"
    summary = values(lab["recalculated"][key])["Summary"]
    after = bidfit.analyze(lab["cases"][key])
    cur = after.case.currency
    for result in after:  # the live figures follow the edited inputs to the library's figures
        live = live_checks(summary)[result.name]
        assert_same(live[f"Break-even price [{cur}] (live)"], result.max_one_time_price, "", "price")
        assert_same(live[f"Break-even fee [{cur}] (live)"], result.max_annual_fee, "", "fee")
    checks = [v for row in live_checks(summary).values() for k, v in row.items() if k.startswith("Check")]
    assert False in checks  # and no longer match the printed ones


@pytest.mark.parametrize("name", bidfit.sample_names())
def test_changing_input_cells_moves_the_results_to_the_library_values_for_the_changed_case(lab, name):
    key = f"{name}_edited"
    book = values(lab["recalculated"][key])
    assert_recalculated_like_library(book, lab["cases"][key])
    before = bidfit.analyze(lab["cases"][name])
    after = bidfit.analyze(lab["cases"][key])
    assert any(not math.isclose(a.npv, b.npv, rel_tol=1e-3) for a, b in zip(before, after, strict=True))
    # The printed figures are now stale, and the checks say so.
    assert book["Summary"]["E4"].value is False


def test_fx_ramps_year_zero_percent_of_chains_and_a_bid_without_costs_in_libreoffice(lab):
    assert formula_errors(lab["paths"]["edge"], lab["recalculated"]["edge"]) == []
    book = values(lab["recalculated"]["edge"])
    assert_recalculated_like_library(book, lab["cases"]["edge"])
    lean = results_of(book, "Lean")
    assert lean["Payback [years]"] == 0 and lean["IRR"] == "n/a"  # never in deficit, no rate gives NPV 0
    assert book["Summary"]["E4"].value is True


def test_a_hand_calculated_bid_in_libreoffice(tmp_path):
    """NPV and payback of a two-year deal worked out by hand, recomputed by LibreOffice."""
    case = bidfit.Case(
        name="Hand",
        horizon_years=2,
        discount_rate=0.1,
        revenue=[bidfit.RevenueStream(name="Sales", annual_amount=110, ramp_years=2)],
        bids=[bidfit.Bid(name="A", costs=[bidfit.CostItem(name="Kit", kind="one_time", amount=100)])],
    )
    # flows: -100, 110 * 1/2 = 55, 110; NPV = -100 + 55/1.1 + 110/1.21 = 40.909...
    # cumulative: -100, -45, 65: payback = 1 + 45/110 = 1.40909...
    path = save_workbook(priced_report(bidfit.analyze(case)), tmp_path / "hand.xlsx")
    (out,) = recalculate([path], tmp_path / "out")
    live = results_of(values(out), "A")
    assert live["NPV"] == pytest.approx(-100 + 55 / 1.1 + 110 / 1.21, rel=1e-12)
    assert live["Payback [years]"] == pytest.approx(1 + 45 / 110, rel=1e-12)
    assert live["IRR"] == pytest.approx(bidfit.kernel.finance.irr([-100, 55, 110]), rel=REL)


# --------------------------------------------------------------------------
# formula injection: user text is text
# --------------------------------------------------------------------------


def test_user_text_that_looks_like_a_formula_is_written_as_quoted_text(lab):
    book = openpyxl.load_workbook(lab["paths"]["injected"])
    summary, inputs, flags, pricing = book["Summary"], book["Inputs"], book["Flags"], book["Pricing"]
    bid_sheet = book[bid_titles(book)[0]]
    cells = {
        "pricing bid": pricing["A5"],
        "pricing vendor": pricing["B5"],
        "pricing option": pricing[f"A{row_of(pricing, INJECTED['option'])}"],
        "bid": summary["A7"],
        "vendor": summary["B7"],
        "stream": inputs[f"A{row_of(inputs, INJECTED['stream'])}"],
        "item": bid_sheet[f"A{row_of(bid_sheet, INJECTED['item'])}"],
        "source": inputs[f"K{row_of(inputs, INJECTED['stream'])}"],
        "flag bid": flags["A2"],
    }
    for what, cell in cells.items():
        assert cell.data_type == "s" and cell.quotePrefix, what
    assert summary["A2"].value.startswith("Customer: =1+1.")
    assert summary["A8"].value == "Bell and tab"  # control characters removed, tab as a space


def test_the_injected_text_is_stored_as_strings_in_the_xml(lab):
    archive = zipfile.ZipFile(lab["paths"]["injected"])
    for name in archive.namelist():
        if name.startswith("xl/worksheets/sheet"):
            xml = archive.read(name).decode()
            # Formulas may name a sheet called after a bid (quoted): that is a reference, not code.
            formulas = [re.sub(r"'(?:[^']|'')*'!", "", f) for f in re.findall(r"<f>(.*?)</f>", xml)]
            assert not any(
                "HYPERLINK" in f or "evil" in f or f.startswith(("SUM(A1)", "1+1")) for f in formulas
            )
    summary_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert re.search(
        r'<c r="A7" s="\d+" t="inlineStr"><is><t>=HYPERLINK\(', summary_xml.replace("&quot;", '"')
    )


def test_libreoffice_shows_the_injected_text_and_computes_nothing_from_it(lab):
    book = values(lab["recalculated"]["injected"])
    summary = book["Summary"]
    assert summary["A7"].value == INJECTED["bid"]
    assert summary["B7"].value == INJECTED["vendor"]
    inputs = book["Inputs"]
    r = row_of(inputs, INJECTED["stream"])
    assert inputs[f"K{r}"].value == INJECTED["source"]
    assert summary["E4"].value is True
    assert formula_errors(lab["paths"]["injected"], lab["recalculated"]["injected"]) == []
    assert_recalculated_like_library(book, lab["cases"]["injected"])


# --------------------------------------------------------------------------
# structure
# --------------------------------------------------------------------------


def test_the_report_has_summary_flags_pricing_inputs_and_one_sheet_per_bid():
    analysis = bidfit.analyze(bidfit.load_sample("fixed_broadband"))
    wb = report_workbook(analysis)
    assert wb.sheetnames == [
        *FIXED_SHEETS,
        "FTTH urban",
        "FTTH urban and rural",
        "FTTH urban, FWA rural",
    ]
    flags = wb["Flags"]
    assert [c.value for c in flags[1]] == ["Bid", "Code", "Severity", "Message", "Lever"]
    assert flags.max_row - 1 == sum(len(r.flags) for r in analysis)
    inputs = wb["Inputs"]
    stream = row_of(inputs, "Urban subscriptions")
    assert inputs[f"K{stream}"].value == "Market model v3, urban take-up 18%"
    assert inputs.cell(stream + 0, 3).value == 3_200_000
    assert {n for n in wb.defined_names} >= {
        "DiscountRate",
        "Horizon",
        "CaseCurrency",
        "FXRates",
        "CheckTolerance",
    }
    sheet = wb["FTTH urban"]
    line = row_of(sheet, "Urban subscriptions")
    active, elapsed, ramp, growth = (
        row_of(sheet, f"  Urban subscriptions: {what}")
        for what in ("active (1) or not (0)", "years since the first", "ramp factor", "growth factor")
    )
    value = sheet.cell(line, 5).value
    assert value == f"='Calculations'!$F$5*E{active}*E{ramp}*E{growth}"  # base * active * ramp * growth
    assert sheet.cell(active, 5).value.startswith("=IF(AND(E$4>='Calculations'!$D$5,")
    assert "'Inputs'!$J$" in sheet.cell(ramp, 5).value  # the ramp from Inputs
    assert all(sheet.row_dimensions[r].hidden for r in (active, elapsed, ramp, growth))  # helpers hidden


def test_the_inputs_register_lists_the_vendor_side_and_the_scope_options():
    case = bidfit.load_sample("norway_roaming")
    inputs = priced_report(bidfit.analyze(case))["Inputs"]
    start = row_of(
        inputs, "Vendor side and scope options (inputs of the Pricing sheet; plain values, not live)"
    )
    rows = [[c.value for c in row] for row in inputs.iter_rows(min_row=start)]
    margin = row_of(inputs, "Bid", "Vendor minimum margin", "Unit", "Source") + 1
    assert [inputs.cell(margin, c).value for c in (1, 2, 3)] == [
        "Vendor A",
        0.15,
        "fraction of the customer's payments, in PV",
    ]
    assert ["Vendor A", "Sweden", "Outbound roaming Sweden"] in [r[:3] for r in rows]
    listed = [(r[0], r[1], r[2], r[3], r[6], r[14]) for r in rows if r[2] in ("customer", "vendor")]
    vendor_a = case.bid("Vendor A")
    expected = [("Vendor A", "", "vendor", c.name, c.amount, c.source) for c in vendor_a.vendor_costs]
    for option in vendor_a.options:
        expected += [("Vendor A", option.name, "customer", c.name, c.amount, c.source) for c in option.costs]
        expected += [
            ("Vendor A", option.name, "vendor", c.name, c.amount, c.source) for c in option.vendor_costs
        ]
    assert listed == expected
    # A case without a vendor side or options has no such section.
    plain = priced_report(bidfit.analyze(bidfit.load_sample("service_tiers")))["Inputs"]
    assert not any(str(c.value).startswith("Vendor side and scope options") for c in plain["A"])


def test_charts_are_native_with_straight_lines(tmp_path):
    path = save_workbook(
        priced_report(bidfit.analyze(bidfit.load_sample("service_tiers"))), tmp_path / "r.xlsx"
    )
    from xml.etree import ElementTree

    ns = {"c": "http://schemas.openxmlformats.org/drawingml/2006/chart"}
    archive = zipfile.ZipFile(path)
    charts = [
        ElementTree.fromstring(archive.read(n)) for n in archive.namelist() if n.startswith("xl/charts/chart")
    ]
    lines = [s for c in charts for s in c.findall(".//c:lineChart/c:ser", ns)]
    bars = [c for c in charts if c.find(".//c:barChart", ns) is not None]
    assert len(lines) == 3 and len(bars) == 3  # cumulative position per bid on Summary; one bar chart per bid
    assert all(s.find("c:smooth", ns).get("val") == "0" for s in lines)


@pytest.mark.parametrize(
    "names",
    [
        ["Summary", "summary", "Pricing"],
        ["A/B [test]*?:\\", "'quoted'"],
        ["x" * 40, "x" * 40 + "y", "x" * 31],
    ],
)
def test_sheet_names_are_valid_and_unique_whatever_the_bids_are_called(tmp_path, names):
    case = bidfit.load_sample("service_tiers")
    case = changed(case, **{f"bids.{i}.name": name for i, name in enumerate(names)})
    path = save_workbook(priced_report(bidfit.analyze(case)), tmp_path / "names.xlsx")
    titles = bid_titles(openpyxl.load_workbook(path))
    assert len({t.casefold() for t in titles}) == len(titles) == len(case.bids)
    for title in titles:
        assert 0 < len(title) <= 31 and not re.search(r"[\[\]:*?/\\]", title)
        assert not title.startswith("'") and not title.endswith("'")
        assert title.casefold() not in ("summary", "flags", "pricing", "inputs", "history")


# --------------------------------------------------------------------------
# the command line
# --------------------------------------------------------------------------


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bidfit", *args], capture_output=True, text=True, timeout=120
    )


def test_analyze_writes_the_report_and_leaves_the_input_untouched(tmp_path):
    source = tmp_path / "case.xlsx"
    source.write_bytes(bidfit.sample_path("norway_roaming", ".xlsx").read_bytes())
    before = (source.read_bytes(), source.stat().st_mtime_ns)
    out = tmp_path / "report.xlsx"
    done = run("analyze", str(source), "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert "Vendor A" in done.stdout and f"wrote {out}" in done.stdout  # the table is still printed
    assert (source.read_bytes(), source.stat().st_mtime_ns) == before
    assert openpyxl.load_workbook(out).sheetnames[:5] == FIXED_SHEETS
    assert sorted(p.name for p in tmp_path.iterdir()) == ["case.xlsx", "report.xlsx"]  # no temp files


@pytest.mark.parametrize("spelling", ["{dir}/case.xlsx", "{dir}/sub/../case.xlsx"])
def test_analyze_refuses_to_write_the_report_over_its_input(tmp_path, spelling):
    source = tmp_path / "case.xlsx"
    source.write_bytes(bidfit.sample_path("norway_roaming", ".xlsx").read_bytes())
    (tmp_path / "sub").mkdir()
    before = (source.read_bytes(), source.stat().st_mtime_ns)
    done = run("analyze", str(source), "-o", spelling.format(dir=tmp_path))
    assert done.returncode == 2 and "would overwrite the input file" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert (source.read_bytes(), source.stat().st_mtime_ns) == before


def test_analyze_reads_yaml_and_writes_a_report(tmp_path):
    out = tmp_path / "r.xlsx"
    done = run("analyze", str(bidfit.sample_path("service_tiers")), "-o", str(out))
    assert done.returncode == 0, done.stderr
    summary = openpyxl.load_workbook(out)["Summary"]
    assert [summary[f"A{r}"].value for r in (7, 8, 9)] == ["Platinum", "Gold", "Silver"]


def test_analyze_refuses_a_report_name_that_is_not_xlsx(tmp_path):
    done = run("analyze", str(bidfit.sample_path("service_tiers")), "-o", str(tmp_path / "r.csv"))
    assert done.returncode == 2 and "ending in .xlsx" in done.stderr


def test_report_workbook_writes_no_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    priced_report(bidfit.analyze(bidfit.load_sample("norway_roaming")))
    assert list(tmp_path.iterdir()) == []


def test_the_saved_report_is_a_safe_workbook_bidfit_itself_would_accept(tmp_path):
    from bidfit.io.xlsx.safety import check_workbook_file

    path = save_workbook(
        priced_report(bidfit.analyze(bidfit.load_sample("norway_roaming"))), tmp_path / "r.xlsx"
    )
    check_workbook_file(path)
    assert zipfile.is_zipfile(io.BytesIO(path.read_bytes()))


# --------------------------------------------------------------------------
# the FAST standard: named inputs, one formula per row, small formulas
# --------------------------------------------------------------------------


def every_sample_report() -> list[tuple[str, Any]]:
    reports = []
    for name in bidfit.sample_names():
        reports.append((name, priced_report(bidfit.analyze(bidfit.load_sample(name)))))
    reports.append(("edge", priced_report(bidfit.analyze(edge_case()))))
    return reports


def formulas_of(wb) -> list[tuple[str, Any]]:
    return [
        (ws.title, cell)
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]


def test_no_formula_holds_a_number_other_than_0_and_1():
    from openpyxl.formula.tokenizer import Token, Tokenizer

    counted = 0
    for name, wb in every_sample_report():
        for title, cell in formulas_of(wb):
            counted += 1
            numbers = [
                t.value
                for t in Tokenizer(cell.value).items
                if t.type == Token.OPERAND and t.subtype == Token.NUMBER and t.value not in ("0", "1")
            ]
            assert numbers == [], f"{name} {title}!{cell.coordinate}: {cell.value}"
        for ws in wb.worksheets:  # conditional formats too
            for rules in ws.conditional_formatting:
                for rule in rules.rules:
                    assert not re.search(r"(?<![A-Z$])\d", " ".join(rule.formula).replace("TRUE", "")) or all(
                        re.fullmatch(r"\$?[A-Z]+\$?\d+=(TRUE|FALSE)", f) for f in rule.formula
                    )
    assert counted > 2000


def test_each_row_of_a_bid_sheet_uses_one_formula_across_its_years():
    from openpyxl.formula.translate import Translator

    rows = 0
    for name, wb in every_sample_report():
        for title in bid_titles(wb):
            ws = wb[title]
            years = [c.column for c in ws[4][2:] if isinstance(c.value, int)]
            assert years and years[0] == 3
            for row in ws.iter_rows(min_row=5):
                cells = [row[col - 1] for col in years if row[col - 1].data_type == "f"]
                if not cells:
                    continue
                assert len(cells) == len(years), (
                    f"{name} {title} row {row[0].row}: a year without its formula"
                )
                first = cells[0]
                for cell in cells[1:]:
                    expected = Translator(first.value, origin=first.coordinate).translate_formula(
                        cell.coordinate
                    )
                    assert cell.value == expected, (
                        f"{name} {title}!{cell.coordinate}: {cell.value} != {expected}"
                    )
                rows += 1
                # Short formulas: a group total adds one short term per line item.
                terms = first.value.split("+'")
                assert max(map(len, terms)) <= 100, f"{name} {title}!{first.coordinate}: {first.value}"
    assert rows > 100


def test_inputs_hold_only_inputs_and_calculations_hold_only_formulas():
    wb = priced_report(bidfit.analyze(edge_case()))
    inputs, calculations = wb["Inputs"], wb["Calculations"]
    assert [t for t, c in formulas_of(wb) if t == "Inputs"] == []  # no calculated cell among the inputs
    stream = row_of(calculations, "Base")
    assert [calculations.cell(stream, c).data_type for c in range(3, 7)] == ["f"] * 4
    care = row_of(calculations, "Full", "Care")
    # Care is a recurring fee priced as a percent of the one-time Hw and Install: linked to the price.
    assert [calculations.cell(care, c).value for c in (7, 8, 9)] == [
        "=IF('Inputs'!$D$25=\"one_time\",1,0)".replace("25", str(row_of(inputs, "Full", "Care"))),
        f"=IF(AND('Inputs'!$D${row_of(inputs, 'Full', 'Care')}<>\"one_time\",'Inputs'!$G${row_of(inputs, 'Full', 'Care')}<>\"\"),1,0)",
        f"=1-G{care}-H{care}",
    ]


def test_fonts_alignment_and_helper_rows_as_a_reviewer_sees_them():
    from bidfit.present.report.cells import FONT_NAME

    wb = priced_report(bidfit.analyze(edge_case()))
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None:
                    assert cell.font.name == FONT_NAME, f"{ws.title}!{cell.coordinate}"
                if cell.value in ("n/a", "never", "none"):
                    assert cell.alignment.horizontal == "right", f"{ws.title}!{cell.coordinate}"
    for title in bid_titles(wb):
        ws = wb[title]
        helpers = [c.row for c in ws["A"] if isinstance(c.value, str) and c.value.startswith("  ")]
        assert helpers and all(
            ws.row_dimensions[r].hidden and ws.row_dimensions[r].outline_level == 1 for r in helpers
        )
        results = row_of(ws, "Results (live)")
        assert ws.cell(results + 2, 2).alignment.horizontal == "right"  # IRR, n/a when there is none
    summary_titles = [c.title.tx.rich.p[0].r[0].t for c in wb["Summary"]._charts]
    assert all(len(t) <= 45 for t in summary_titles), summary_titles  # one line over the chart
    for ws in wb.worksheets:  # every sheet prints one page wide with its header repeated
        assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight in (0, 1)
        assert ws.print_title_rows
