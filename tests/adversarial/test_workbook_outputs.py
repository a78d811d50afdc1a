"""The report workbook never runs user text, whatever the names in the case.

Every case here is a YAML file whose bid, stream, cost, option and case names
are full of the characters that mean something in a spreadsheet formula
(``!``, ``'``, ``[``, ``]``, ``=``, ``+``, ``@``, ``"``, ``;``, ``,``), a
backtick, a control character and a terminal escape, plus a bid name built to
close a sheet reference and inject an expression. The real command
``bidfit analyze IN -o OUT.xlsx`` (with and without ``--simulate``) writes the
report; the tests then check that

* no formula, chart reference, hyperlink, defined name, drop-down or
  conditional format holds user text other than a quoted title of a sheet the
  workbook has (a sheet bidfit named);
* LibreOffice, recalculating the workbook, computes on ``Summary`` the same NPV
  that the library prints for every bid, and no cell is an error value;
* the workbook opens (openpyxl and LibreOffice) and chart titles hold the
  cleaned names;
* user text that starts like a formula is a string with the quote prefix.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import openpyxl
import pytest
import yaml
from childproc import Run, fingerprint, run_cli

import bidfit
from bidfit.escape import clean_text
from bidfit.io.template import template_workbook
from bidfit.io.xlsx.write import cell_ref, range_ref
from libreoffice import ERROR_VALUES, recalculate, values

ATTACK = 'a!H9)+1E9+LEN("PWNED")+(0!b'
"""A bid name that closes a sheet reference and adds 1e9 to the live NPV if spliced into a formula."""
CONTROL_BID = "Vendor\u0001A\x1b[2J"
CONTROL_BID_SHOWN = "VendorA"  # the control character and the escape sequence removed
FORMULA_BID = '=SUM(1;2)+@x, "q" `t`'
# The third name's sensitivity sheet ("Sensitivity " + name) has an apostrophe as its 31st character.
BIDS = [ATTACK, "Yahoo! offer", "It's 'quoted' [Bk]'!A1", FORMULA_BID, CONTROL_BID]
STREAMS = ["Roam!ng 'it''s' [EU]", '+1 @team; "q", `t`']
COSTS = ["Platform ! [x]", "=2+3 'fee'", "Ops\u0001 \x1b[2Jteam @x"]
OPTION = "@opt!' [1]; =1"
OPTION_COST = "Extra ! [y] 'kit'"
CASE_NAME = "Case ! ' [x] = + @ \" ; , ` \u0001 \x1b[2J"
CUSTOMER = '=HYPERLINK("http://evil.example","click")'
VENDOR = "-2+3 !'"
SOURCE = "=1+1; @SUM(A1)"
USER_TEXTS = [*BIDS, *STREAMS, *COSTS, OPTION, OPTION_COST, CASE_NAME, CUSTOMER, VENDOR, SOURCE]

# Recalculating each report in LibreOffice is slow; each module run does it once.
CPU_SECONDS = 30  # generous: the command takes about 1 s of CPU here
PEAK_MB = 400  # generous: about 100 MB here


def hostile_case() -> dict[str, Any]:
    """A valid case whose every name is hostile; bids that gain and bids that lose."""
    bids = []
    for i, name in enumerate(BIDS):
        bid: dict[str, Any] = {
            "name": name,
            "vendor": VENDOR,
            "costs": [
                {"name": COSTS[0], "category": "capex", "kind": "one_time", "amount": 300_000 + 400_000 * i},
                {
                    "name": COSTS[1],
                    "category": "maintenance",
                    "kind": "recurring",
                    "amount": 60_000 * (i + 1),
                },
                {
                    "name": COSTS[2],
                    "category": "operations",
                    "kind": "recurring",
                    "percent_of": [COSTS[0]],
                    "percent": 0.05,
                    "source": SOURCE,
                },
            ],
        }
        if i == 0:
            bid["scope"] = [STREAMS[0]]
            bid["options"] = [
                {
                    "name": OPTION,
                    "scope": [STREAMS[1]],
                    "costs": [
                        {"name": OPTION_COST, "category": "capex", "kind": "one_time", "amount": 90_000}
                    ],
                }
            ]
        bids.append(bid)
    return {
        "name": CASE_NAME,
        "customer": CUSTOMER,
        "currency": "EUR",
        "horizon_years": 5,
        "discount_rate": 0.08,
        "revenue": [
            {"name": STREAMS[0], "annual_amount": 380_000, "growth": -0.02, "source": SOURCE},
            {"name": STREAMS[1], "annual_amount": 120_000, "ramp_years": 2},
        ],
        "bids": bids,
        "uncertainty": [
            {"target": "discount_rate", "distribution": "triangular", "low": 0.06, "mode": 0.08, "high": 0.1},
            {
                "target": f"revenue.{STREAMS[0]}.annual_amount",
                "distribution": "normal",
                "mean": 380_000,
                "sd": 40_000,
            },
        ],
    }


def write_case(folder: Path) -> Path:
    path = folder / "hostile.yaml"
    path.write_text(yaml.safe_dump(hostile_case(), allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def assert_reasonable(run: Run) -> None:
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Traceback" not in run.stderr
    assert run.cpu_seconds < CPU_SECONDS, f"{run.cpu_seconds:.1f} s of CPU"
    assert run.peak_mb < PEAK_MB, f"{run.peak_mb:.0f} MB at peak"


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict[str, Any]:
    """The hostile case, its reports (plain and with --simulate), recalculated in one LibreOffice run."""
    folder = tmp_path_factory.mktemp("hostile")
    case_path = write_case(folder)
    before = fingerprint(case_path)
    plain, simulated = folder / "plain.xlsx", folder / "simulated.xlsx"
    runs = {
        "plain": run_cli("analyze", case_path, "-o", plain),
        "simulated": run_cli("analyze", case_path, "-o", simulated, "--simulate", "2000", "--seed", "1"),
    }
    after = fingerprint(case_path)
    paths = {"plain": plain, "simulated": simulated}
    for run in runs.values():
        assert_reasonable(run)
    recalculated = dict(zip(paths, recalculate(list(paths.values()), folder / "recalculated"), strict=True))
    return {
        "case": case_path,
        "fingerprints": (before, after),
        "runs": runs,
        "paths": paths,
        "recalculated": recalculated,
    }


# --------------------------------------------------------------------------
# every reference a spreadsheet evaluates
# --------------------------------------------------------------------------

_QUOTED_SHEET = re.compile(r"'((?:[^']|'')*)'!")
_CHART = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
_DRAWING = "{http://schemas.openxmlformats.org/drawingml/2006/main}"


def chart_parts(path: Path) -> dict[str, ElementTree.Element]:
    """The parsed chart parts of a workbook, by part name."""
    with zipfile.ZipFile(path) as archive:
        return {
            part: ElementTree.fromstring(archive.read(part))
            for part in archive.namelist()
            if part.startswith("xl/charts/chart")
        }


def references_only_to_own_sheets(text: str, titles: list[str]) -> str:
    """``text`` with every quoted sheet reference removed, after checking it names a sheet of the workbook."""
    for match in _QUOTED_SHEET.finditer(text):
        assert match[1].replace("''", "'") in titles, f"{match[0]!r} in {text!r} names no sheet"
    return _QUOTED_SHEET.sub("", text)


def evaluated_texts(path: Path) -> list[tuple[str, str]]:
    """``(where, text)`` of everything in the workbook a spreadsheet evaluates as a formula or a reference."""
    book = openpyxl.load_workbook(path)
    found: list[tuple[str, str]] = []
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    if cell.data_type == "f":
                        found.append((f"{ws.title}!{cell.coordinate}", cell.value))
                    else:
                        assert cell.quotePrefix, (
                            f"{ws.title}!{cell.coordinate} text {cell.value!r} not quoted"
                        )
                if cell.hyperlink is not None:
                    found.append((f"{ws.title}!{cell.coordinate} link", cell.hyperlink.location or ""))
        for dv in ws.data_validations.dataValidation:
            found += [(f"{ws.title} drop-down", f or "") for f in (dv.formula1, dv.formula2)]
        for rules in ws.conditional_formatting:
            found += [(f"{ws.title} format", f) for rule in rules.rules for f in rule.formula]
    found += [(f"name {name}", d.attr_text) for name, d in book.defined_names.items()]
    for part, chart in chart_parts(path).items():
        found += [(part, f.text or "") for f in chart.iter(f"{_CHART}f")]
    return found


@pytest.mark.parametrize("kind", ["plain", "simulated"])
def test_no_formula_or_reference_holds_user_text(reports, kind):
    path = reports["paths"][kind]
    titles = openpyxl.load_workbook(path).sheetnames
    evaluated = evaluated_texts(path)
    charts = [text for where, text in evaluated if where.startswith("xl/charts/")]
    assert len([t for t in evaluated if t[0].startswith("Summary!E")]) >= len(BIDS)  # the live NPVs
    assert charts and all(_QUOTED_SHEET.match(f) for f in charts)  # every chart reference names its sheet
    cleaned_names = {clean_text(t) for t in USER_TEXTS} | set(USER_TEXTS)
    for where, text in evaluated:
        rest = references_only_to_own_sheets(text, titles)
        assert "!" not in rest and "'" not in rest, f"{where}: {text!r}"
        assert "PWNED" not in rest and "1E9" not in rest and "HYPERLINK" not in rest, f"{where}: {text!r}"
        for name in cleaned_names:
            assert name not in rest, f"{where}: {text!r} holds {name!r}"


def test_the_attack_name_is_a_quoted_sheet_title_in_the_live_npv(reports):
    book = openpyxl.load_workbook(reports["paths"]["plain"])
    summary, sheet = book["Summary"], book[ATTACK]
    assert summary["A7"].value == ATTACK
    net = next(c.row for c in sheet["A"] if c.value == "Net cash flow")
    quoted = "'" + ATTACK.replace("'", "''") + "'!"
    assert summary["E7"].value == f"={quoted}$C${net}+NPV(DiscountRate,{quoted}$D${net}:$H${net})"


@pytest.mark.parametrize("kind", ["plain", "simulated"])
def test_libreoffice_computes_the_printed_npv_for_every_hostile_name(reports, kind):
    analysis = bidfit.analyze(bidfit.load(reports["case"]))
    book = values(reports["recalculated"][kind])
    summary = book["Summary"]
    for r, result in enumerate(analysis, 7):
        printed, live = summary[f"D{r}"].value, summary[f"E{r}"].value
        assert summary[f"A{r}"].value == clean_text(result.name)
        assert printed == pytest.approx(result.npv, rel=1e-9), result.name
        assert isinstance(live, float | int), f"{result.name}: live NPV {live!r}"
        assert live == pytest.approx(result.npv, rel=1e-9), result.name
        assert summary[f"F{r}"].value is True
    assert summary["E4"].value is True  # the master check
    # Positive and negative NPVs: the check is not passing by chance on one sign.
    assert min(b.npv for b in analysis) < 0 < max(b.npv for b in analysis)
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                bad = cell.data_type == "e" or (
                    isinstance(cell.value, str) and cell.value.startswith(ERROR_VALUES)
                )
                assert not bad, f"{ws.title}!{cell.coordinate} = {cell.value!r}"


def test_control_characters_never_reach_the_workbook_and_chart_titles_are_cleaned(reports):
    path = reports["paths"]["simulated"]
    book = openpyxl.load_workbook(path)  # a malformed part would raise here
    assert CONTROL_BID_SHOWN in book.sheetnames and f"Sensitivity {CONTROL_BID_SHOWN}" in book.sheetnames
    assert values(reports["recalculated"]["simulated"])["Simulation"]["A1"].value.startswith("Simulation: ")
    control = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
    with zipfile.ZipFile(path) as archive:
        for part in archive.namelist():
            text = archive.read(part).decode("utf-8", "replace")
            assert not control.search(text), part
            assert "&#1;" not in text and "&#x1;" not in text and "[2J" not in text, part
    titles = [t.text or "" for chart in chart_parts(path).values() for t in chart.iter(f"{_DRAWING}t")]
    assert any(t.startswith(f"{CONTROL_BID_SHOWN}: simulated NPV (P(worse off) ") for t in titles), titles
    assert f"{CONTROL_BID_SHOWN}: change in the customer's NPV [EUR]" in titles
    assert any(t.startswith(f"{ATTACK}: simulated NPV (P(worse off) ") for t in titles)
    cells = [
        c.value for ws in book.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)
    ]
    assert "Ops team @x" in cells  # the cost name: control character and escape sequence removed


@pytest.mark.parametrize("kind", ["plain", "simulated"])
def test_user_text_that_starts_like_a_formula_is_quoted_text(reports, kind):
    book = openpyxl.load_workbook(reports["paths"][kind])
    leads = ("=", "+", "-", "@")
    # The customer is shown only inside a sentence ("Customer: =HYPERLINK(...)").
    expected = {t for t in USER_TEXTS if t.startswith(leads)} - {CUSTOMER}
    seen: set[str] = set()
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value in expected:
                    assert cell.data_type == "s" and cell.quotePrefix, f"{ws.title}!{cell.coordinate}"
                    seen.add(cell.value)
    assert seen == expected  # each of them is in the report, as text
    summary = book["Summary"]
    formula_bid = next(c for c in summary["A"] if c.value == FORMULA_BID)
    assert formula_bid.data_type == "s" and formula_bid.quotePrefix


def test_the_input_file_is_unchanged(reports):
    before, after = reports["fingerprints"]
    assert before == after == fingerprint(reports["case"])
    assert sorted(p.name for p in reports["case"].parent.iterdir() if p.is_file()) == [
        "hostile.yaml",
        "plain.xlsx",
        "simulated.xlsx",
    ]


def test_the_template_filled_with_hostile_names_evaluates_nothing_from_them(tmp_path):
    case = bidfit.load(write_case(tmp_path))
    path = tmp_path / "template.xlsx"
    template_workbook(case).save(path)
    titles = openpyxl.load_workbook(path).sheetnames
    evaluated = evaluated_texts(path)
    assert ("Costs drop-down", "'Bids'!$A$2:$A$501") in evaluated
    for where, text in evaluated:
        rest = references_only_to_own_sheets(text, titles)
        assert "!" not in rest and "'" not in rest, f"{where}: {text!r}"
        assert not any(name in rest for name in USER_TEXTS if len(name) > 3), f"{where}: {text!r}"
    costs = openpyxl.load_workbook(path)["Costs"]
    formula_like = [c for c in costs["B"] if c.value == COSTS[1]]
    assert formula_like and all(c.data_type == "s" and c.quotePrefix for c in formula_like)


def test_sheet_titles_are_valid_whatever_the_names(reports):
    titles = openpyxl.load_workbook(reports["paths"]["simulated"]).sheetnames
    assert "Sensitivity It's 'quoted' _Bk_" in titles  # cut to 31 characters, then the apostrophe dropped
    for title in titles:
        assert 0 < len(title) <= 31 and not re.search(r"[\[\]:*?/\\]", title), title
        assert title == title.strip().strip("'"), title


@pytest.mark.parametrize(
    ("sheet", "cell"),
    [
        ("Vendor A", "A1)+1E9+(0"),  # a cell that is not a coordinate
        ("Vendor A", "A1:B2"),
        (None, "a1"),
        ("a]b", "A1"),  # titles bidfit would never give a sheet
        ("'quoted'", "A1"),
        ("x" * 32, "A1"),
        ("Vendor\u0001A", "A1"),
        ("", "A1"),
    ],
)
def test_a_reference_is_only_ever_built_from_a_sheet_title_and_a_coordinate(sheet, cell):
    with pytest.raises(ValueError):
        cell_ref(sheet, cell)
    with pytest.raises(ValueError):
        range_ref(sheet, cell, "B2")


def test_references_quote_every_sheet_title():
    assert cell_ref("It's", "D12") == "'It''s'!$D$12"
    assert cell_ref(ATTACK, "C14") == "'a!H9)+1E9+LEN(\"PWNED\")+(0!b'!$C$14"
    assert cell_ref(None, "D$4", absolute=False) == "D$4"
    assert range_ref("Yahoo! offer", "$D$16", "H16") == "'Yahoo! offer'!$D$16:$H$16"
    assert range_ref(None, "C5", "C9", absolute=False) == "C5:C9"
