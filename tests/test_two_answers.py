"""Two answers per bid, never mixed: the customer's economics (verdict) and the policy outcome.

Every sample and every template filled from a sample goes through every output
format (text, JSON, JUnit, GitHub, Markdown, the HTML display and the report
workbook), under the bundled policies and a strict one. In each, the words for
the verdict must match the NPV's sign (and the every-year running-cost loss),
and the words for the policy must match the failing findings.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import openpyxl
import pytest

import bidfit
from bidfit.escape import for_github_property
from bidfit.gate import BidCheck, CheckResult
from bidfit.io.xlsx.write import save_workbook
from bidfit.present import gate as formats
from bidfit.present.report import report_workbook
from bidfit.results.analysis import VERDICT_WORDS

STRICT = bidfit.Policy(max_payback_years=2, min_benefit_cost_ratio=1.4, stress_benefit_cut=0.2)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> list[Path]:
    """Every bundled sample file, and the template filled with each sample."""
    folder = tmp_path_factory.mktemp("templates")
    from bidfit.cli import main

    samples = sorted(Path(bidfit.sample_path("norway_roaming")).parent.glob("*.*"))
    templates = []
    for name in bidfit.sample_names():
        out = folder / f"{name}-template.xlsx"
        assert main(["template", "--example", name, str(out)]) == 0
        templates.append(out)
    found = [p for p in samples if p.suffix in (".yaml", ".json", ".xlsx")] + templates
    assert len(found) >= 9
    return found


@pytest.fixture(scope="module", params=["own policy", "strict policy"])
def result(request, inputs) -> CheckResult:
    policy = None if request.param == "own policy" else STRICT
    return bidfit.check(inputs, policy=policy)


def loses_money(entry: BidCheck) -> bool:
    """The customer's economics from the figures: NPV below zero, or a loss in every operating year."""
    bid = entry.analysis
    every_year = bid.flag("RUNNING_COST_EXCEEDS_REVENUE")
    return bid.npv < 0 or (every_year is not None and every_year.figures["every_operating_year"] == 1.0)


def customer_words(entry: BidCheck) -> str:
    return f"the customer is {VERDICT_WORDS[entry.verdict]}"


def test_the_answers_follow_the_figures(result):
    assert result.entries and not result.problems
    verdicts, outcomes = set(), set()
    for entry in result.entries:
        bid = entry.analysis
        assert (entry.verdict == "worse_off") == loses_money(entry), entry.bid
        if entry.verdict == "better_off":
            assert not any(f.code in bidfit.results.analysis.ECONOMIC_WARNINGS for f in bid.flags)
        assert entry.failures == tuple(f for f in entry.flags if f.severity == "error")
        assert entry.passed == (not entry.failures)
        verdicts.add(entry.verdict)
        outcomes.add((entry.verdict, entry.passed))
    # Both answers vary independently somewhere: a bid better off that fails the policy is among them.
    assert ("better_off", False) in outcomes
    assert verdicts >= {"better_off", "worse_off"}


def assert_words(text: str, entry: BidCheck) -> None:
    """``text`` says both answers for the bid and never the opposite of either."""
    npv = bidfit._format.money(entry.analysis.npv, entry.currency)
    assert customer_words(entry) + f" (NPV {npv})" in text, (entry.bid, text)
    assert ("FAILS POLICY" in text) == (not entry.passed), (entry.bid, text)
    assert ("PASSES POLICY" in text) == entry.passed, (entry.bid, text)
    others = [w for v, w in VERDICT_WORDS.items() if v != entry.verdict]
    assert not any(f"the customer is {w}" in text for w in others), (entry.bid, text)
    for flag in entry.failures[:2]:
        assert flag.short in text, (entry.bid, flag.code, text)


def test_text_format(result):
    lines = formats.format_text(result, verbose=True, width=400).splitlines()  # each headline on one line
    for entry in result.entries:
        head = next(
            line for line in lines if line.startswith(("[pass] ", "[FAIL] ")) and f" {entry.bid} (" in line
        )
        assert head.startswith("[pass]" if entry.passed else "[FAIL]")
        assert_words(head, entry)


def test_json_format(result):
    data = json.loads(formats.format_json(result))
    assert data["schema_version"] == "2.0"
    for entry, row in zip(result.entries, data["results"], strict=True):
        assert (row["bid"], row["verdict"], row["passed"]) == (entry.bid, entry.verdict, entry.passed)
        assert row["failures"] == [f.code for f in entry.failures]
        assert_words(row["outcome"], entry)
    counted = data["summary"]["verdicts"]
    assert counted == {v: sum(e.verdict == v for e in result.entries) for v in VERDICT_WORDS}


def test_junit_format(result):
    root = ET.fromstring(formats.format_junit(result).encode("utf-8"))
    cases = [case for suite in root.findall("testsuite") for case in suite.findall("testcase")]
    for entry, case in zip(result.entries, cases, strict=True):
        assert case.get("name") == entry.bid
        failure = case.find("failure")
        assert (failure is None) == entry.passed
        if failure is not None:
            assert_words(failure.get("message"), entry)
            assert failure.get("type") == "policy: " + ", ".join(f.code for f in entry.failures)


def test_github_format(result):
    lines = formats.format_github(result, cap=10_000).splitlines()  # every annotation, uncapped
    for entry in result.entries:
        where = "file=" + for_github_property(Path(entry.file).as_posix()) + ","
        mine = [line for line in lines if where in line and f"::{entry.bid} (" in line]
        annotated = [f for f in entry.flags if f.severity != "info"]
        assert len(mine) == len(annotated) + (0 if entry.passed else 1)
        for line in mine:
            assert_words(line.split("::", 2)[2], entry)


def test_markdown_format(result):
    rows = [line for line in formats.format_markdown(result).splitlines() if line.startswith("| ")]
    for entry in result.entries:
        row = next(r for r in rows if f"| {entry.bid} (" in r)
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert cells[0] == ("passes policy" if entry.passed else "**FAILS POLICY**")
        assert cells[3] == VERDICT_WORDS[entry.verdict]


def test_html_display(result):
    for entry in result.entries:
        html = entry._repr_html_()
        assert_words(html, entry)
        colour = "worse_off" if not entry.passed else entry.verdict
        assert f"bidfit-verdict bidfit-{colour}" in html


def test_report_workbook(result, tmp_path):
    files = {e.file for e in result.entries}
    for file in sorted(files)[:3]:
        entries = [e for e in result.entries if e.file == file]
        case = bidfit.load(file)
        if entries[0].analysis.policy != case.policy:
            case = case.model_copy(update={"policy": entries[0].analysis.policy})
        analysis = bidfit.analyze(case)
        path = save_workbook(report_workbook(analysis), tmp_path / f"{Path(file).stem}.xlsx")
        summary = openpyxl.load_workbook(path)["Summary"]
        for r, entry in enumerate(entries, 7):
            assert summary[f"A{r}"].value == entry.bid
            policy = "passes policy" if entry.passed else "FAILS POLICY"
            assert summary[f"C{r}"].value == f"{policy}; customer {VERDICT_WORDS[entry.verdict]}"
        texts = [c.value for c in summary["A"] if isinstance(c.value, str)]
        for entry in entries:
            line = next(t for t in texts if t.startswith(f"{entry.bid} ("))
            assert_words(line, entry)
