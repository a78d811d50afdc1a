"""The input template: its sheets help a person fill it in, and a filled one reads back exactly."""

from __future__ import annotations

import subprocess
import sys

import openpyxl
import pytest

import bidfit
from bidfit.io.template import template_workbook, write_template
from bidfit.io.xlsx.layout import SHEETS
from bidfit.present.report import report_workbook


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bidfit", *args], capture_output=True, text=True, timeout=120
    )


def validation_for(ws, ref: str):
    """The data validation that covers cell ``ref`` (None if none does)."""
    return next((dv for dv in ws.data_validations.dataValidation if ref in dv.sqref), None)


def test_the_template_has_every_sheet_with_commented_headers(tmp_path):
    wb = openpyxl.load_workbook(write_template(tmp_path / "t.xlsx"))
    assert wb.sheetnames == ["Instructions", *(spec.name for spec in SHEETS)]
    for spec in SHEETS:
        ws = wb[spec.name]
        assert ws.freeze_panes in ("A2", "B2")
        if spec.layout == "table":
            headers = [c.value for c in ws[1]]
            assert headers == list(spec.columns)
            assert all(c.comment is not None and c.comment.text.startswith(f"{c.value}: ") for c in ws[1])
        else:
            assert [c.value for c in ws[1]][:2] == ["field", "value"]
            labels = [c for c in spec.columns if c != "severity"]
            labels += [f"severity.{code}" for code in bidfit.FLAG_CODES] if "severity" in spec.columns else []
            assert [ws.cell(r, 1).value for r in range(2, ws.max_row + 1)] == labels
            assert all(ws.cell(r, 1).comment is not None for r in range(2, ws.max_row + 1))
    note = wb["Revenue"]["C1"].comment.text
    assert "annual_amount" in note and "Unit: currency per year" in note and "Valid: a number >= 0" in note
    assert "Unit: fraction per year" in wb["Revenue"]["E1"].comment.text


def test_the_template_has_drop_downs_formats_and_frozen_headers(tmp_path):
    wb = openpyxl.load_workbook(write_template(tmp_path / "t.xlsx", "norway_roaming"))
    costs, revenue = wb["Costs"], wb["Revenue"]
    assert validation_for(costs, "D2").formula1 == '"one_time,recurring"'
    assert validation_for(costs, "C300").formula1 == '"' + ",".join(bidfit.model.base.COST_CATEGORIES) + '"'
    assert validation_for(revenue, "B2").formula1 == '"revenue,saving,avoided_cost"'
    currency = validation_for(costs, "F2")
    assert currency.errorStyle == "warning"  # another code may be typed, then given a rate on FX
    assert validation_for(wb["Uncertainty"], "B2").formula1 == '"triangular,pert,uniform,normal,lognormal"'
    assert validation_for(costs, "A2").formula1 == "'Bids'!$A$2:$A$501"
    assert currency.formula1 == "'FX'!$A$2:$A$501"  # an amount's currency: empty, or one with a rate
    assert validation_for(wb["FX"], "A2").formula1.startswith('"EUR,USD,')  # any code may get a rate
    policy = wb["Policy"]
    severity_rows = [
        r for r in range(2, policy.max_row + 1) if policy.cell(r, 1).value.startswith("severity")
    ]
    assert [policy.cell(r, 1).value for r in severity_rows] == [f"severity.{c}" for c in bidfit.FLAG_CODES]
    assert all(validation_for(policy, f"B{r}").formula1 == '"error,warning,info"' for r in severity_rows)
    assert validation_for(costs, "I2").type == "whole"  # years
    headers = {c.value: c.column_letter for c in costs[1]}
    assert validation_for(costs, f"{headers['side']}2").formula1 == '"customer,vendor"'
    option = validation_for(costs, f"{headers['option']}2")
    assert option.formula1 == "'Options'!$B$2:$B$501" and option.errorStyle == "warning"
    assert validation_for(wb["Options"], "A2").formula1 == "'Bids'!$A$2:$A$501"
    bids = wb["Bids"]
    assert bids["D1"].value == "min_margin" and bids["D2"].value == 0.15
    assert bids["D2"].number_format == "0.0##%" and bids.column_dimensions["D"].number_format == "0.0##%"
    assert revenue.column_dimensions["E"].number_format == "0.0##%"  # growth, also for new rows
    assert costs["E2"].number_format == "#,##0" and costs["E2"].value == 780000
    assert wb["Case"]["B6"].number_format == "0.0##%" and wb["Case"]["B6"].value == 0.08


def _offered(wb, validation) -> list:
    """The values a list drop-down offers: its literal choices, or the filled cells of its range."""
    formula = validation.formula1
    if formula.startswith('"'):
        return formula.strip('"').split(",")
    sheet, cells = formula.split("!")
    rows = wb[sheet.strip("'")][cells.replace("$", "")]
    return [cell.value for row in rows for cell in row if cell.value not in (None, "")]


@pytest.mark.parametrize("name", ["norway_roaming", "fixed_broadband"])
def test_every_value_a_drop_down_offers_is_read_back_without_a_problem_at_its_cell(tmp_path, name):
    """Picking any choice of any list drop-down (first cell of its range) never makes that cell an error."""
    template = write_template(tmp_path / "filled.xlsx", name)
    wb = openpyxl.load_workbook(template)
    tried: list[tuple[str, object]] = []
    refused: list[str] = []
    for ws in wb.worksheets:
        for validation in ws.data_validations.dataValidation:
            if validation.type != "list":
                continue
            for span in validation.sqref.ranges:
                for value in _offered(wb, validation):
                    edited = openpyxl.load_workbook(template)
                    cell = edited[ws.title].cell(span.min_row, span.min_col)
                    cell.value = value
                    path = tmp_path / "picked.xlsx"
                    edited.save(path)
                    at = f"{ws.title}!{cell.coordinate}"
                    tried.append((at, value))
                    try:
                        bidfit.load(path)
                    except bidfit.InputError as exc:
                        refused += [str(p) for p in exc.problems if p.where == at]
    assert refused == []
    picked = {at for at, _ in tried}
    assert {"Policy!B8", "Costs!D2", "Revenue!B2", "Uncertainty!B2", "Case!B4"} <= picked
    assert {value for at, value in tried if at == "Policy!B8"} == {"error", "warning", "info"}
    if name == "fixed_broadband":  # an FX rate makes its currency a choice for amounts
        assert ("Costs!F2", "USD") in tried and ("Revenue!D2", "USD") in tried


@pytest.mark.parametrize("name", bidfit.sample_names())
def test_a_template_filled_from_a_sample_reads_back_into_the_same_case(tmp_path, name):
    path = write_template(tmp_path / f"{name}.xlsx", name)
    assert bidfit.load(path) == bidfit.load_sample(name)


def test_a_case_with_every_kind_of_input_round_trips(tmp_path):
    case = bidfit.load_sample("fixed_broadband").model_copy(deep=True)
    case.policy = bidfit.Policy(
        max_payback_years=5,
        min_benefit_headroom=0.1,
        stress_benefit_cut=0.2,
        require_source=True,
        severity={"THIN_MARGIN": "error", "NO_PAYBACK": "info"},
    )
    case.uncertainty = [
        bidfit.Uncertainty(
            target="revenue.Urban subscriptions.growth",
            distribution="triangular",
            low=-0.01,
            mode=0.04,
            high=0.06,
        ),
        bidfit.Uncertainty(
            target="discount_rate",
            distribution="uniform",
            low=0.07,
            high=0.11,
            correlated_with="revenue.Urban subscriptions.growth",
            correlation=-0.3,
        ),
        bidfit.Uncertainty(
            target="cost.FTTH urban.Fibre civil works.amount",
            distribution="lognormal",
            mean=2_600_000,
            sd=400_000,
        ),
    ]
    case.revenue[0].end_year = 9
    case.bids[0].costs[4].start_year, case.bids[0].costs[4].end_year = 2, 8
    case.bids[1].costs[0].year = 1
    case = bidfit.Case.model_validate(case.model_dump())
    path = write_template(tmp_path / "full.xlsx", case)
    assert bidfit.load(path) == case


def test_names_that_look_like_formulas_stay_text_in_the_template(tmp_path):
    case = bidfit.load_sample("norway_roaming").model_copy(deep=True)
    case.bids[0].name = '=HYPERLINK("http://x","A")'
    case.bids[0].vendor = "+1"
    case.revenue[0].source = "@SUM(A1)"
    case = bidfit.Case.model_validate(case.model_dump())
    path = write_template(tmp_path / "odd.xlsx", case)
    raw = openpyxl.load_workbook(path)
    assert raw["Bids"]["A2"].data_type == "s" and raw["Bids"]["A2"].quotePrefix
    assert bidfit.load(path) == case


def test_fill_the_empty_template_then_analyse_and_report(tmp_path):
    """The whole Excel workflow: template -> filled by a person -> case -> report."""
    path = write_template(tmp_path / "case.xlsx")
    wb = openpyxl.load_workbook(path)
    for r, value in zip(range(2, 7), ("Hand filled", "Operator", "EUR", 4, 0.1), strict=True):
        wb["Case"].cell(r, 2, value)
    wb["Revenue"].append(
        ["Roaming", "revenue", 400_000, None, -0.02, None, None, None, None, None, "debrief"]
    )
    wb["Bids"].append(["Ours", "Vendor", None])
    wb["Costs"].append(["Ours", "Platform", "capex", "one_time", 600_000])
    wb["Costs"].append(["Ours", "Support", "maintenance", "recurring", None, None, "Platform", 0.18])
    wb.save(path)

    case = bidfit.load(path)
    assert case.name == "Hand filled" and case.horizon_years == 4
    assert case.bid("Ours").cost("Support").percent_of == ["Platform"]
    result = bidfit.analyze(case)
    expected_npv = -600_000 + sum((400_000 * 0.98 ** (t - 1) - 108_000) / 1.1**t for t in range(1, 5))
    assert result.bids["Ours"].npv == pytest.approx(expected_npv, rel=1e-12)

    report = report_workbook(result)
    report.save(tmp_path / "report.xlsx")
    summary = openpyxl.load_workbook(tmp_path / "report.xlsx")["Summary"]
    assert summary["A7"].value == "Ours" and summary["D7"].value == pytest.approx(expected_npv, rel=1e-12)


def test_the_template_command(tmp_path):
    out = tmp_path / "case.xlsx"
    done = run("template", str(out), "--example", "service_tiers")
    assert done.returncode == 0, done.stderr
    assert bidfit.load(out) == bidfit.load_sample("service_tiers")
    again = run("template", str(out))
    assert again.returncode == 2 and "the file exists" in again.stderr and "--force" in again.stderr
    assert bidfit.load(out) == bidfit.load_sample("service_tiers")  # not replaced
    assert run("template", str(out), "--force").returncode == 0


def test_the_template_command_refuses_unknown_samples_and_other_suffixes(tmp_path):
    done = run("template", str(tmp_path / "x.xlsx"), "--example", "nope")
    assert done.returncode == 2 and "no bundled sample named 'nope'" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "x.xlsx").exists()
    done = run("template", str(tmp_path / "x.csv"))
    assert done.returncode == 2 and "ending in .xlsx" in done.stderr


def test_the_vendor_side_and_scope_options_are_rows_of_costs_bids_and_options(tmp_path):
    wb = openpyxl.load_workbook(write_template(tmp_path / "norway.xlsx", "norway_roaming"))
    options = [[c.value for c in row] for row in wb["Options"].iter_rows()]
    assert options == [
        ["bid", "option", "scope"],
        ["Vendor A", "Sweden", "Outbound roaming Sweden"],
        ["Vendor A", "Denmark", "Outbound roaming Denmark"],
    ]
    costs = wb["Costs"]
    column = {c.value: c.column - 1 for c in costs[1]}
    groups = [
        (row[column["bid"]].value, row[column["side"]].value, row[column["option"]].value)
        for row in costs.iter_rows(min_row=2)
    ]
    # Each bid: the base offer (customer, then vendor), then each option (customer, then vendor).
    assert list(dict.fromkeys(groups)) == [
        ("Vendor A", None, None),
        ("Vendor A", "vendor", None),
        ("Vendor A", None, "Sweden"),
        ("Vendor A", "vendor", "Sweden"),
        ("Vendor A", None, "Denmark"),
        ("Vendor A", "vendor", "Denmark"),
        ("Competitor B", None, None),
    ]
    assert [c.value for c in costs[3]][:5] == [
        "Vendor A",
        "Installation and integration",
        "installation",
        "one_time",
        140000,
    ]
    notes = {(ws.title, c.value): c.comment for ws in wb for c in ws[1] if c.comment is not None}
    assert "Unit: choice" in notes[("Costs", "side")].text and "vendor" in notes[("Costs", "side")].text
    assert "Options sheet" in notes[("Costs", "option")].text
    assert "Unit: fraction, 15% = 0.15" in notes[("Bids", "min_margin")].text
    assert notes[("Options", "scope")].text.startswith("scope: Names of the revenue streams the option adds")


def test_a_case_with_options_vendor_costs_percent_of_and_every_field_round_trips(tmp_path):
    data = bidfit.load_sample("norway_roaming").model_dump()
    vendor_a = data["bids"][0]
    vendor_a["vendor_costs"][2] = {
        "name": "Maintenance delivery",
        "category": "maintenance",
        "kind": "recurring",
        "percent_of": ["Platform cost of goods"],
        "percent": 0.18,
        "start_year": 2,
        "end_year": 4,
        "escalation": 0.03,
    }
    vendor_a["options"][0]["costs"][2] = {
        "name": "Sweden maintenance",
        "kind": "recurring",
        "percent_of": ["Signalling platform (licence and hardware)", "Sweden platform"],
        "percent": 0.2,
    }
    vendor_a["options"][1]["vendor_costs"] = []
    vendor_a["options"].append(
        {"name": "Support only", "costs": [{"name": "Hotline", "kind": "recurring", "amount": 5}]}
    )
    vendor_a["min_margin"] = 0.0
    data["bids"][1]["min_margin"] = 0.1  # a margin without delivery costs is kept too
    case = bidfit.Case.model_validate(data)
    assert bidfit.load(write_template(tmp_path / "full.xlsx", case)) == case


def test_inputs_the_workbook_cannot_hold_are_refused_not_dropped(monkeypatch):
    import bidfit.io.template as template

    # Every field of the models has a place now; a field added later without a column must be
    # refused, not silently left out. Pretend the workbook had no place for a bid's margin.
    held = tuple((kind, fields - {"min_margin"}) for kind, fields in template._HELD)
    monkeypatch.setattr(template, "_HELD", held)
    with pytest.raises(bidfit.InputError) as info:
        template_workbook(bidfit.load_sample("norway_roaming"))
    (problem,) = info.value.problems
    assert problem.where == "bids['Vendor A'].min_margin"
    assert "the input workbook has no place for this input" in problem.message


@pytest.mark.parametrize("name", bidfit.sample_names())
def test_every_input_of_the_samples_has_a_place_in_the_workbook(name):
    from bidfit.io.template import _not_held

    assert _not_held(bidfit.load_sample(name)) == []


def test_template_workbook_builds_in_memory():
    wb = template_workbook()
    assert wb["Case"]["A2"].value == "name" and wb["Case"]["B2"].value is None
