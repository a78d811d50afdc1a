"""``bidfit analyze IN``: after a worse-off bid's findings, what it takes to pass, and its scope options.

A real subprocess on the Norway sample (the motivating deal: no price works at the proposed fee; Sweden
and Denmark as options) and on the check fixtures. The figures are compared with the library's own
(:func:`bidfit.what_it_takes`, :func:`bidfit.scope_options`), which have their hand-computed tests in
``tests/test_pricing.py``; the rest of the output must stay exactly what it was.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import bidfit
from bidfit import _format as fmt

DATA = Path(__file__).parent / "data" / "check"
NORWAY = bidfit.sample_path("norway_roaming")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bidfit", "analyze", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "240"},  # tables whole on their lines (wrapping is tested apart)
    )


def unwrapped(text: str) -> str:
    return " ".join(text.split())


def section(out: str, start: str, end: str) -> str:
    """The text from the line starting with ``start`` up to (not including) the line starting with ``end``."""
    lines = out.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith(start))
    last = next(i for i, line in enumerate(lines) if i > first and line.startswith(end))
    return "\n".join(lines[first:last])


def test_norway_says_what_it_takes_after_vendor_as_findings():
    done = run(str(NORWAY))
    assert done.returncode == 0 and done.stderr == ""
    out = done.stdout
    case = bidfit.load_sample("norway_roaming")
    wit = bidfit.what_it_takes(case, "Vendor A")
    # The block comes after Vendor A's last finding and before Competitor B.
    findings_end = out.index("  INFO DOMINATED [lever: price]: Bid 'Competitor B'")
    block_start = out.index("\nWhat it takes for Vendor A to pass\n")
    assert findings_end < block_start < out.index("\nCompetitor B (Winning competitor): PASSES POLICY")
    block = section(out, "What it takes for Vendor A to pass", "Scope options of Vendor A")
    lines = block.splitlines()
    rule = next(i for i, line in enumerate(lines) if line.startswith("-----"))
    rows = {line.split("  ")[0]: line for line in lines[rule + 1 : rule + 6]}
    assert list(rows) == ["price", "recurring fees", "term", "scope", "benefit"]
    # No one-time price works at the proposed fee; the fee it would take is the library's.
    assert "no one-time price, however low, is enough" in rows["price"]
    assert not wit.change("price").works
    fee = wit.change("recurring_fees")
    assert f"recurring fees of at most {fmt.money(fee.needed, 'EUR')} a year" in rows["recurring fees"]
    assert fmt.money(fee.needed, "EUR") == "EUR 136k"
    assert unwrapped(wit.sentence) in unwrapped(block)


def test_norway_shows_the_scope_options_and_recommends_sweden_and_denmark():
    out = run(str(NORWAY)).stdout
    options = bidfit.scope_options(bidfit.load_sample("norway_roaming"), "Vendor A")
    recommended = options.recommended
    assert recommended is not None and recommended["options"] == ("Sweden", "Denmark")
    block = section(out, "Scope options of Vendor A:", "Competitor B (Winning competitor)")
    lines = block.splitlines()
    header = "Options Scope Customer NPV Customer Policy Vendor margin Vendor accepts"
    assert " ".join(lines[1].split()) == header
    # Every combination, best customer NPV first.
    combos = [line.split("  ")[0].strip() for line in lines[3:7]]
    assert combos == ["Sweden + Denmark", "Sweden", "Denmark", "(base)"]
    assert len(options.rows) == 4
    npv = fmt.money(float(recommended["npv"]), "EUR")
    margin = fmt.percent(recommended["vendor_margin"], 1)
    assert f"Recommended: Sweden + Denmark (customer NPV {npv}, vendor margin {margin})." in block
    # Only the bid with options has the table; the passing competitor has no what-it-takes block.
    assert out.count("Scope options of") == 1 and out.count("What it takes for") == 1


def test_the_rest_of_the_output_is_unchanged(monkeypatch):
    monkeypatch.setenv("COLUMNS", "240")  # the width the command was run with
    out = run(str(NORWAY)).stdout
    start = out.index("\nWhat it takes for Vendor A to pass\n")
    end = out.index("\nCompetitor B (Winning competitor): PASSES POLICY")
    without = out[:start] + out[end:]
    assert without == repr(bidfit.analyze(bidfit.load_sample("norway_roaming"))) + "\n"


def test_a_failing_bid_without_options_gets_what_it_takes_only():
    done = run(str(DATA / "failing.yaml"))
    assert done.returncode == 0
    wit = bidfit.what_it_takes(bidfit.load(DATA / "failing.yaml"), "Overpriced")
    block = section(done.stdout, "What it takes for Overpriced to pass", "Lean (Competitor)")
    assert unwrapped(wit.sentence) in unwrapped(block)
    assert "Scope options" not in done.stdout


def test_a_passing_case_prints_as_before(monkeypatch):
    monkeypatch.setenv("COLUMNS", "240")  # the width the command was run with
    done = run(str(DATA / "passing.yaml"))
    assert done.returncode == 0
    assert done.stdout == repr(bidfit.analyze(bidfit.load(DATA / "passing.yaml"))) + "\n"


def test_a_bid_failing_only_on_what_no_lever_changes_says_so(tmp_path):
    # The customer's side passes; the vendor cannot deliver for what the customer can pay.
    path = tmp_path / "vendor_side.yaml"
    path.write_text(
        (DATA / "passing.yaml").read_text(encoding="utf-8")
        + "    min_margin: 0.2\n"
        + "    vendor_costs:\n"
        + "      - {name: Delivery, category: operations, kind: recurring, amount: 450000}\n",
        encoding="utf-8",
    )
    case = bidfit.load(path)
    bid = bidfit.analyze(case).bids["Good deal"]
    assert [f.code for f in bid.errors] == ["NO_DEAL_ROOM"]
    done = run(str(path))
    assert done.returncode == 0
    assert (
        "No change of price, fees, term or scope is needed for the customer's side: Good deal fails only "
        "on NO_DEAL_ROOM; see that finding for what fixes it."
    ) in unwrapped(done.stdout)
    assert "passes as quoted" not in done.stdout


def uncertain_norway(folder: Path) -> Path:
    """The Norway sample as YAML, with its roaming revenue uncertain."""
    import yaml

    data = yaml.safe_load(NORWAY.read_text(encoding="utf-8"))
    data["uncertainty"] = [
        {
            "target": "revenue.Outbound roaming.annual_amount",
            "distribution": "normal",
            "mean": 380_000,
            "sd": 50_000,
        }
    ]
    path = folder / "uncertain.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_simulate_still_follows_the_analysis(tmp_path):
    done = run(str(uncertain_norway(tmp_path)), "--simulate", "2000", "--seed", "1")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.index("What it takes for Vendor A to pass") < out.index("Recommended: Sweden + Denmark")
    assert out.index("Recommended: Sweden + Denmark") < out.index("2,000 simulated futures")


def test_the_report_workbook_is_still_written(tmp_path):
    target = tmp_path / "report.xlsx"
    done = run(str(NORWAY), "-o", str(target))
    assert done.returncode == 0, done.stderr
    assert "What it takes for Vendor A to pass" in done.stdout
    assert done.stdout.endswith(f"\nwrote {target}\n") and target.is_file()


def test_simulate_on_a_case_with_nothing_uncertain_is_refused_in_one_line():
    done = run(str(NORWAY), "--simulate", "100000", "--seed", "1")
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(
        f"bidfit: error: {NORWAY}: --simulate 100000: the case has no uncertain inputs, so every simulated "
        "future would be the analysis itself (expected an Uncertainty sheet (target, distribution, low, mode, "
        "high, ...) or an uncertainty: list, e.g. {target: 'revenue.<stream>.annual_amount'"
    )
    assert "0 uncertain inputs" not in done.stderr


def test_a_bid_without_costs_fails_analyze_naming_the_bid(tmp_path):
    import yaml

    data = yaml.safe_load(NORWAY.read_text(encoding="utf-8"))
    free = next(bid for bid in data["bids"] if not bid.get("options"))
    free["costs"] = []
    path = tmp_path / "free.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    done = run(str(path))
    assert done.returncode == 2 and done.stdout == ""
    name = free["name"]
    assert done.stderr == (
        f"bidfit: error: {path}: bids[{name!r}].costs: a bid must cost the customer something; list its price "
        "and fees (expected at least one cost item the customer pays, e.g. {name: Price, kind: one_time, "
        "amount: 500000} or {name: Support, kind: recurring, amount: 40000})\n"
    )


def test_a_renamed_costs_sheet_fails_analyze_and_suggests_the_name(tmp_path):
    import openpyxl

    path = tmp_path / "renamed.xlsx"
    wb = openpyxl.load_workbook(bidfit.sample_path("norway_roaming", ".xlsx"))
    wb["Costs"].title = "Cost"
    wb.save(path)
    done = run(str(path))
    assert done.returncode == 2 and done.stdout == ""
    assert (
        f"bidfit: error: {path}: Costs: the workbook has no Costs sheet; did you mean 'Cost'?" in done.stderr
    )
    assert "must cost the customer something" in done.stderr


def test_an_unread_sheet_is_a_note_and_the_analysis_goes_on(tmp_path):
    import openpyxl

    path = tmp_path / "notes.xlsx"
    wb = openpyxl.load_workbook(bidfit.sample_path("norway_roaming", ".xlsx"))
    wb.create_sheet("Notes")["A1"] = "call the vendor on Monday"
    wb.save(path)
    done = run(str(path))
    assert done.returncode == 0, done.stderr
    assert done.stderr == f"bidfit: note: {path}: sheet 'Notes' is not read\n"
    assert done.stdout == run(str(bidfit.sample_path("norway_roaming", ".xlsx"))).stdout
