"""``bidfit check`` as a reviewer, a CI job or a pre-commit hook runs it.

Exit codes, every output format's content (JUnit parsed as XML, JSON validated
against the published schema, GitHub workflow commands matched line by line),
``--output``, colour, and the fast start (no pandas, matplotlib or openpyxl).
"""

from __future__ import annotations

import functools
import json
import os
import re
import subprocess
import sys
from importlib import resources
from pathlib import Path
from xml.etree import ElementTree as ET

import jsonschema
import pytest
import yaml

from bidfit.escape import for_markdown
from conftest import Ran

DATA = Path(__file__).parent / "data" / "check"
TREE = DATA / "tree"
ROOT = Path(__file__).resolve().parents[1]
PASSING, FAILING, AT_RISK = (str(DATA / n) for n in ("passing.yaml", "failing.yaml", "at_risk.yaml"))
MALFORMED, INVALID = str(DATA / "malformed.yaml"), str(DATA / "invalid.yaml")
NO_DEAL = str(DATA / "no_deal_room.yaml")  # Norway-like, with the vendor's side and a Sweden option


@pytest.fixture
def run(cli):
    """``bidfit check ARGS`` run in-process, as a pipe sees it."""
    return functools.partial(cli, "check")


def run_command(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """``bidfit check ARGS`` as a real subprocess: the exit code and output of the command itself."""
    base = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    return subprocess.run(
        [sys.executable, "-m", "bidfit", "check", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**base, **(env or {})},
        cwd=cwd,
    )


def schema() -> dict:
    text = (resources.files("bidfit") / "schemas" / "check-result.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


def check_json(run, *args: str) -> tuple[dict, Ran]:
    done = run(*args, "--format", "json")
    data = json.loads(done.stdout)
    jsonschema.Draft202012Validator(schema()).validate(data)
    return data, done


# ------------------------------------------------------------------ exit codes and text


def test_passing_case_exits_0():
    done = run_command(PASSING)
    assert done.returncode == 0 and done.stderr == ""
    # A passing bid is one line; --verbose gives its figures too.
    assert done.stdout == (
        "[pass] Good deal (Acme): PASSES POLICY - the customer is better off (NPV EUR 1.16M)\n\n"
        "PASSED: 1 bid in 1 file: 1 passed, 0 failed (fail on error)\n"
    )
    verbose = run_command(PASSING, "--verbose")
    assert verbose.stdout.startswith(
        "[pass] Good deal (Acme): PASSES POLICY - the customer is better off (NPV EUR 1.16M)\n"
    )
    assert "  NPV                          EUR 1.16M at 8.0% over 5 years" in verbose.stdout


def test_failing_case_exits_1_with_each_finding_and_its_lever(run):
    done = run(FAILING)
    assert done.returncode == 1 and done.stderr == ""
    out = done.stdout
    flat = " ".join(out.split())
    assert (
        "[FAIL] Overpriced (Our quote): FAILS POLICY - recurring costs at or above the benefits in "
        "years 1-5; a loss over 5 years; and 1 more; the customer is worse off (NPV EUR -1.39M)"
    ) in flat
    assert all(len(line) <= 100 for line in out.splitlines())  # not a terminal: 100 columns
    assert "[pass] Lean (Competitor): PASSES POLICY - the customer is better off (NPV EUR 433k)" in out
    assert (
        "    ERROR RUNNING_COST_EXCEEDS_REVENUE [lever: recurring fees]: Recurring fees of EUR 520k a year"
        in out
    )
    assert "    ERROR NEGATIVE_NPV [lever: recurring fees]:" in out
    assert f"  File                         {FAILING} (case: Failing case)" in out
    assert out.endswith("FAILED: 2 bids in 1 file: 1 passed, 1 failed (fail on error)\n")


def test_text_says_what_it_takes_after_the_findings_of_a_failing_bid_only(run):
    import bidfit

    out = run(FAILING).stdout
    overpriced, lean = out.split("\n\n")[:2]
    lines = overpriced.splitlines()
    start = lines.index(next(line for line in lines if line.startswith("  What it takes: ")))
    assert lines[start - 1].startswith("        ")  # right after the last finding's text
    assert lines[start].startswith(
        "  What it takes: To pass: recurring fees of at most EUR 171k a year (-67%)."
    )
    assert all(line.startswith("      ") for line in lines[start + 1 :])  # wrapped, indented
    sentence = bidfit.what_it_takes(bidfit.load(FAILING), "Overpriced").sentence
    assert " ".join(line.strip() for line in lines[start:]) == f"What it takes: {sentence}"
    assert "What it takes" not in lean


def test_no_deal_room_is_a_finding_and_what_it_takes_names_the_scope_option(run):
    done = run(NO_DEAL)
    assert done.returncode == 1
    text = " ".join(done.stdout.split())  # unwrapped
    assert "ERROR NO_DEAL_ROOM [lever: scope]: No price or fee satisfies both sides" in text
    assert (
        "What it takes: To pass, any one of these is enough: recurring fees of at most EUR 136k a year "
        "(-74%), below the vendor's floor of EUR 408k a year; or adding the Sweden option." in text
    )


def test_at_risk_passes_unless_fail_on_warning(run):
    done = run(AT_RISK)
    assert done.returncode == 0
    assert "[pass] Tight deal (Acme): PASSES POLICY - the customer is at risk (NPV EUR 15k)" in done.stdout
    assert "WARNING THIN_MARGIN" not in done.stdout  # a passing bid is one line
    assert "WARNING THIN_MARGIN [lever: recurring fees]" in run(AT_RISK, "-v").stdout
    done = run(AT_RISK, "--fail-on", "warning")
    assert done.returncode == 1
    assert (
        "[FAIL] Tight deal (Acme): FAILS POLICY - benefit headroom only 6%; the customer is at risk"
        in done.stdout
    )
    assert "WARNING THIN_MARGIN [lever: recurring fees]" in done.stdout
    assert done.stdout.endswith("(fail on warning)\n")


def test_malformed_yaml_exits_2_with_the_line_and_no_traceback():
    done = run_command(MALFORMED)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert (
        done.stderr
        == f"bidfit: error: {MALFORMED}: line 6, column 5: invalid YAML: expected ',' or ']', but got ':'\n"
    )
    assert done.stdout.endswith(
        "INVALID: 0 bids in 1 file: 0 passed, 0 failed (fail on error); 1 input file invalid\n"
    )


def test_invalid_case_exits_2_with_one_line_per_problem(run):
    done = run(INVALID)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    prefix = f"bidfit: error: {INVALID}: "
    lines = done.stderr.splitlines()
    assert len(lines) == 3 and all(line.startswith(prefix) for line in lines)
    assert [line.removeprefix(prefix).split(": ")[0] for line in lines] == [
        "horizon_years",
        "discount_rate",
        "revenue['Sales'].annual_amount",
    ]
    assert "Input errors" not in done.stdout  # on the terminal they are on stderr only


def test_invalid_and_failing_inputs_exit_2_and_still_report_the_failing_bid(run):
    done = run(INVALID, FAILING, PASSING)
    assert done.returncode == 2
    assert "[FAIL] Overpriced (Our quote)" in done.stdout and "[pass] Good deal (Acme)" in done.stdout
    assert done.stdout.endswith(
        "INVALID: 3 bids in 3 files: 2 passed, 1 failed (fail on error); 1 input file invalid\n"
    )
    assert len(done.stderr.splitlines()) == 3


def test_a_folder_tree_is_checked_recursively_skipping_hidden_files_and_folders(run):
    data, done = check_json(run, str(TREE))
    assert done.returncode == 1
    assert data["files"] == [
        str(TREE / "region-a" / "at_risk.yml"),
        str(TREE / "region-a" / "passing.yaml"),
        str(TREE / "region-b" / "deeper" / "failing.json"),
    ]
    assert [r["bid"] for r in data["results"]] == ["Tight deal", "Good deal", "Overpriced", "Lean"]


def test_missing_input_exits_2(run, tmp_path):
    done = run(str(tmp_path / "nope.yaml"), PASSING)
    assert (
        done.returncode == 2 and done.stderr == f"bidfit: error: {tmp_path / 'nope.yaml'}: file not found\n"
    )


@pytest.mark.parametrize("args", [[], [PASSING, "--format", "xml"], [PASSING, "--fail-on", "info"]])
def test_usage_errors_exit_2(run, args):
    done = run(*args)
    assert done.returncode == 2 and "usage:" in done.stderr and "Traceback" not in done.stderr


def test_help_documents_the_exit_codes(run):
    done = run("--help")
    assert done.returncode == 0
    assert "at least one bid fails at or above --fail-on" in done.stdout and "--policy FILE" in done.stdout


# ------------------------------------------------------------------ JSON


def test_json_follows_the_published_schema_and_carries_every_figure(run):
    data, done = check_json(run, FAILING, AT_RISK, MALFORMED)
    assert done.returncode == 2 and data["exit_code"] == 2 and data["status"] == "invalid"
    assert data["schema_version"] == "2.0" and data["fail_on"] == "error" and data["passed"] is False
    assert data["summary"] == {
        "files": 3,
        "invalid_files": 1,
        "bids": 3,
        "passed": 2,
        "failed": 1,
        "verdicts": {"better_off": 1, "at_risk": 1, "worse_off": 1},
    }
    overpriced = data["results"][0]
    assert (overpriced["file"], overpriced["case"], overpriced["bid"]) == (
        FAILING,
        "Failing case",
        "Overpriced",
    )
    assert overpriced["verdict"] == "worse_off" and overpriced["passed"] is False
    assert overpriced["failures"] == ["RUNNING_COST_EXCEEDS_REVENUE", "NEGATIVE_NPV", "NO_PAYBACK"]
    assert overpriced["metrics"]["payback_years"] is None and overpriced["metrics"]["irr"] is None
    assert overpriced["metrics"]["one_time_price"] == 780_000
    assert overpriced["metrics"]["annual_fee"] == 520_000
    flag = overpriced["flags"][0]
    assert flag["code"] == "RUNNING_COST_EXCEEDS_REVENUE" and flag["severity"] == "error"
    assert flag["lever"] == "recurring_fees" and flag["figures"]["recurring_cost_first_year"] == 520_000
    assert "what_it_takes" not in data["results"][1]  # the at-risk bid passes at fail_on error
    (problem,) = data["input_errors"]
    assert problem == {
        "file": MALFORMED,
        "where": "line 6, column 5",
        "code": "syntax",
        "found": None,
        "expected": None,
        "message": "invalid YAML: expected ',' or ']', but got ':'",
    }


def test_json_says_what_it_takes_for_a_failing_bid_only(run):
    import bidfit

    data, done = check_json(run, FAILING, NO_DEAL)
    assert done.returncode == 1
    overpriced, lean, norway = data["results"]
    assert "what_it_takes" not in lean
    wit = bidfit.what_it_takes(bidfit.load(FAILING), "Overpriced")
    takes = overpriced["what_it_takes"]
    assert takes["sentence"] == wit.sentence
    assert [c["lever"] for c in takes["changes"]] == ["price", "recurring_fees", "term", "scope", "benefit"]
    by_lever = {c["lever"]: c for c in takes["changes"]}
    assert by_lever["price"] == {
        "lever": "price",
        "now": 780_000,
        "needed": None,
        "change": None,
        "works": False,
        "text": "no one-time price, however low, is enough",
    }
    fee = by_lever["recurring_fees"]
    assert fee["works"] and fee["now"] == 520_000
    assert fee["needed"] == pytest.approx(wit.change("recurring_fees").needed, rel=1e-12)
    assert fee["change"] == pytest.approx(fee["needed"] / 520_000 - 1, rel=1e-12)
    # The fee needed is the break-even fee at the quoted price (NPV binds first).
    assert fee["needed"] == pytest.approx(overpriced["metrics"]["max_annual_fee"], rel=1e-9)
    assert by_lever["term"]["now"] == 5 and by_lever["term"]["needed"] is None
    assert by_lever["scope"]["now"] == ["Outbound roaming"] and by_lever["scope"]["works"] is False
    # With the vendor's side: NO_DEAL_ROOM like any finding, the deal-room figures, the scope option.
    assert "NO_DEAL_ROOM" in norway["failures"]
    (deal,) = [f for f in norway["flags"] if f["code"] == "NO_DEAL_ROOM"]
    assert deal["severity"] == "error" and deal["lever"] == "scope"
    m = norway["metrics"]
    assert m["ceiling_price"] < 0 < m["floor_price"] and 0 < m["vendor_margin"] < 1
    assert deal["figures"]["floor_price"] == pytest.approx(m["floor_price"])
    scope = {c["lever"]: c for c in norway["what_it_takes"]["changes"]}["scope"]
    assert scope["works"] and scope["needed"] == ["Outbound roaming", "Outbound roaming Sweden"]
    assert overpriced["metrics"]["floor_price"] is None and overpriced["metrics"]["vendor_margin"] is None


def test_json_of_a_bid_failing_only_on_what_no_lever_changes(run, tmp_path):
    policy = tmp_path / "policy.toml"
    policy.write_text("require_source = true\n")
    data, done = check_json(run, AT_RISK, "--policy", str(policy))
    assert done.returncode == 1
    (result,) = data["results"]
    assert result["failures"] == ["MISSING_SOURCE"]
    assert result["what_it_takes"]["changes"] == []
    assert "fails only on MISSING_SOURCE; see that finding" in result["what_it_takes"]["sentence"]


def test_json_metrics_match_the_python_api(run):
    import bidfit

    data, _ = check_json(run, PASSING)
    (entry,) = bidfit.check(PASSING).entries
    assert data["results"][0]["metrics"] == pytest.approx(dict(entry.figures))


def test_json_of_a_passing_run_and_invalid_input_values(run):
    data, done = check_json(run, PASSING, INVALID)
    assert done.returncode == 2
    found = {p["where"]: p["found"] for p in data["input_errors"]}
    assert found == {"horizon_years": 0, "discount_rate": 8, "revenue['Sales'].annual_amount": -100000}


def test_every_field_of_the_schema_is_documented():
    doc = (ROOT / "docs" / "check-output.md").read_text(encoding="utf-8")
    spec = schema()
    names = set(spec["properties"])
    for definition in spec["$defs"].values():
        names |= set(definition.get("properties", {}))
    missing = sorted(name for name in names if f"`{name}`" not in doc)
    assert not missing, f"docs/check-output.md does not mention {missing}"


# ------------------------------------------------------------------ JUnit


def test_junit_has_a_suite_per_file_a_case_per_bid_failures_and_errors(run):
    done = run(FAILING, PASSING, INVALID, "--format", "junit")
    assert done.returncode == 2
    assert done.stdout.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    root = ET.fromstring(done.stdout.encode("utf-8"))
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("4", "1", "1")
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [FAILING, PASSING, INVALID]
    failing, passing, invalid = suites
    assert (failing.get("tests"), failing.get("failures"), failing.get("errors")) == ("2", "1", "0")
    overpriced, lean = failing.findall("testcase")
    assert (overpriced.get("name"), overpriced.get("classname")) == ("Overpriced", FAILING)
    failure = overpriced.find("failure")
    assert failure is not None
    assert failure.get("type") == "policy: RUNNING_COST_EXCEEDS_REVENUE, NEGATIVE_NPV, NO_PAYBACK"
    assert (
        failure.get("message")
        == "FAILS POLICY - recurring costs at or above the benefits in years 1-5; a loss over 5 years; and 1 more; the customer is worse off (NPV EUR -1.39M)"
    )
    assert failure.text.startswith(
        "ERROR RUNNING_COST_EXCEEDS_REVENUE [lever: recurring fees]: Recurring fees"
    )
    assert failure.text.splitlines()[-1].startswith(
        "What it takes: To pass: recurring fees of at most EUR 171k a year (-67%)."
    )
    assert len(failure.text.splitlines()) == 4  # the three failing findings, then what it takes
    system_out = overpriced.findtext("system-out")
    assert "[FAIL] Overpriced" in system_out and "  What it takes: To pass: recurring fees" in system_out
    assert "What it takes" not in lean.findtext("system-out")
    assert lean.find("failure") is None and lean.find("error") is None
    assert [c.get("name") for c in passing.findall("testcase")] == ["Good deal"]
    assert passing.get("failures") == "0"
    (case,) = invalid.findall("testcase")
    error = case.find("error")
    assert error is not None and error.get("message") == "invalid input: 3 problems"
    assert len(error.text.splitlines()) == 3 and "horizon_years" in error.text
    assert (invalid.get("tests"), invalid.get("errors")) == ("1", "1")


def test_junit_is_well_formed_whatever_the_names(run, tmp_path):
    case = yaml.safe_load((DATA / "failing.yaml").read_text())
    case["name"] = "Case <\"&'> \x01"
    case["bids"][0]["name"] = "Bid ]]> <failure/>"
    path = tmp_path / "odd.yaml"
    path.write_text(yaml.safe_dump(case, allow_unicode=True))
    done = run(str(path), "--format", "junit")
    root = ET.fromstring(done.stdout.encode("utf-8"))
    names = [c.get("name") for c in root.iter("testcase")]
    assert names == ["Bid ]]> <failure/>", "Lean"]
    assert len(list(root.iter("failure"))) == 1


# ------------------------------------------------------------------ GitHub

COMMAND = re.compile(
    r"^::(?P<level>error|warning|notice) (?P<props>[^:]*)::(?P<message>(?:[^%\r\n]|%25|%0D|%0A)*)$"
)
PROPERTY = re.compile(r"^(?P<key>[a-z]+)=(?P<value>(?:[^%:,\r\n]|%25|%0D|%0A|%3A|%2C)*)$")


def unescape(text: str) -> str:
    codes = {"25": "%", "0D": "\r", "0A": "\n", "3A": ":", "2C": ","}
    return re.sub(r"%(25|0D|0A|3A|2C)", lambda m: codes[m.group(1)], text)


def parse_github(stdout: str) -> tuple[list[dict], list[str]]:
    commands, other = [], []
    for line in stdout.splitlines():
        match = COMMAND.match(line)
        if not match:
            assert not line.startswith("::"), f"a malformed workflow command: {line!r}"
            other.append(line)
            continue
        props = {}
        for part in match["props"].split(","):
            prop = PROPERTY.match(part)
            assert prop, f"a malformed property {part!r} in {line!r}"
            props[prop["key"]] = unescape(prop["value"])
        commands.append({"level": match["level"], **props, "message": unescape(match["message"])})
    return commands, other


def test_github_annotations_per_finding_and_per_input_problem(run):
    done = run(FAILING, AT_RISK, MALFORMED, INVALID, "--format", "github")
    assert done.returncode == 2
    commands, other = parse_github(done.stdout)
    assert other == [
        "bidfit: INVALID: 3 bids in 4 files: 2 passed, 1 failed (fail on error); 2 input files invalid"
    ]
    findings = [c for c in commands if c["title"].startswith("bidfit ") and "input error" not in c["title"]]
    assert [(c["level"], c["title"]) for c in findings] == [
        ("error", "bidfit RUNNING_COST_EXCEEDS_REVENUE: Overpriced"),
        ("error", "bidfit NEGATIVE_NPV: Overpriced"),
        ("error", "bidfit NO_PAYBACK: Overpriced"),
        ("warning", "bidfit THIN_MARGIN: Tight deal"),
        ("notice", "bidfit WHAT_IT_TAKES: Overpriced"),  # one per failing bid: failing findings come first
    ]  # info findings (DOMINATED, MISSING_SOURCE) are not annotated
    # Each points at its bid's line: a click in the pull request opens the bid.
    for command in findings:
        lines = Path(command["file"]).read_text(encoding="utf-8").splitlines()
        bid = command["title"].split(": ", 1)[1]
        assert lines[int(command["line"]) - 1].strip() == f"- name: {bid}", command
    notice = findings[4]
    assert notice["file"] == FAILING
    assert notice["message"].startswith(
        "Overpriced (Our quote) in case 'Failing case': FAILS POLICY - recurring costs at or above the benefits in years 1-5; a loss over 5 years; and 1 more; the customer is worse off (NPV EUR -1.39M). "
        "What it takes: To pass: recurring fees of at most EUR 171k a year (-67%)."
    )
    assert findings[0]["file"] == FAILING
    assert findings[0]["message"].startswith(
        "Overpriced (Our quote) in case 'Failing case': FAILS POLICY - recurring costs at or above the benefits in years 1-5; a loss over 5 years; and 1 more; the customer is worse off (NPV EUR -1.39M). "
        "RUNNING_COST_EXCEEDS_REVENUE [lever: recurring fees]: Recurring fees of EUR 520k a year"
    )
    assert "(-67%)" in findings[0]["message"]  # a % in the message survives the escaping
    problems = [c for c in commands if "input error" in c["title"]]
    assert problems[0] == {
        "level": "error",
        "file": MALFORMED,
        "title": "bidfit input error (syntax)",
        "line": "6",
        "col": "5",
        "message": "line 6, column 5: invalid YAML: expected ',' or ']', but got ':'",
    }
    fields = [c["message"].split(":")[0] for c in problems[1:]]
    assert fields == ["horizon_years", "discount_rate", "revenue['Sales'].annual_amount"]
    assert all(c["file"] == INVALID and "line" not in c for c in problems[1:])


def test_github_escapes_percent_colon_and_comma_and_flattens_line_breaks(run, tmp_path):
    case = yaml.safe_load((DATA / "failing.yaml").read_text())
    case["bids"][0]["name"] = "Phase 1: 50% off, v2\r\nsecond line"
    bid = "Phase 1: 50% off, v2 second line"  # as every output shows it: a line break is a space
    path = tmp_path / "deal: 10%, final.yaml"
    path.write_text(yaml.safe_dump(case, allow_unicode=True))
    done = run(str(path), "--format", "github")
    assert done.returncode == 1
    raw = [line for line in done.stdout.splitlines() if line.startswith("::error ")]
    assert len(raw) == 3  # one line each: no raw CR or LF got through
    (notice,) = [line for line in done.stdout.splitlines() if line.startswith("::notice ")]
    assert notice.startswith(
        "::notice file=" + str(tmp_path).replace(":", "%3A") + "/deal%3A 10%25%2C final.yaml,"
        "line=2,title=bidfit WHAT_IT_TAKES%3A Phase 1%3A 50%25 off%2C v2 second line::"
        "Phase 1: 50%25 off, v2 second line (Our quote) in case "
    )
    assert "(-67%25)" in notice  # the % of the sentence is escaped too
    assert raw[0].startswith(
        "::error file=" + str(tmp_path).replace(":", "%3A") + "/deal%3A 10%25%2C final.yaml,"
        "line=2,title=bidfit RUNNING_COST_EXCEEDS_REVENUE%3A Phase 1%3A 50%25 off%2C v2 second line::"
        "Phase 1: 50%25 off, v2 second line (Our quote) in case "
    )
    commands, _ = parse_github(done.stdout)
    assert commands[0]["file"] == str(path)
    assert commands[0]["title"] == f"bidfit RUNNING_COST_EXCEEDS_REVENUE: {bid}"
    assert commands[0]["message"].startswith(
        f"{bid} (Our quote) in case 'Failing case': FAILS POLICY - recurring costs at or above the benefits in years 1-5; a loss over 5 years; and 1 more; the customer is worse off (NPV EUR -1.39M)."
    )


def test_github_output_of_a_passing_run_is_only_the_summary(run):
    done = run(PASSING, "--format", "github")
    assert done.returncode == 0
    assert done.stdout == "bidfit: PASSED: 1 bid in 1 file: 1 passed, 0 failed (fail on error)\n"


# ------------------------------------------------------------------ Markdown


def test_markdown_table_for_a_pull_request_comment(run, tmp_path):
    case = yaml.safe_load((DATA / "failing.yaml").read_text())
    case["bids"][1]["name"] = "Lean | cheap <b>"
    path = tmp_path / "pr.yaml"
    path.write_text(yaml.safe_dump(case))
    done = run(str(path), MALFORMED, "--format", "markdown")
    assert done.returncode == 2
    lines = done.stdout.splitlines()
    assert lines[0] == "### bidfit check found invalid input"
    header = "| Policy | File | Bid | Customer | NPV | Payback | B/C | Findings |"
    rows = lines[lines.index(header) + 2 : lines.index(header) + 4]
    # User text is escaped by bidfit.escape.for_markdown, never put in a code span.
    assert rows[0].startswith(
        f"| **FAILS POLICY** | {for_markdown(path)} | Overpriced (Our quote) | worse off | EUR -1.39M | never |"
    )
    assert "RUNNING_COST_EXCEEDS_REVENUE (error), NEGATIVE_NPV (error), NO_PAYBACK (error)" in rows[0]
    assert rows[1].startswith(
        f"| passes policy | {for_markdown(path)} | Lean \\| cheap &lt;b&gt; (Competitor) | better off |"
    )
    # Every table row has the header's number of cells (escaped pipes are not cell borders).
    assert all(len(re.split(r"(?<!\\)\|", row)) == len(header.split("|")) for row in rows)
    assert "<details><summary>Findings and the lever that fixes each</summary>" in lines
    assert "- **ERROR** `NEGATIVE_NPV` (lever: recurring fees): Over 5 years" in done.stdout
    # What it takes, inside the collapsible section: the sentence and a table of the levers.
    details = lines[lines.index("<details><summary>Findings and the lever that fixes each</summary>") :]
    details = details[: details.index("</details>")]
    takes = details.index(next(line for line in details if line.startswith("**What it takes:** ")))
    assert details[takes].startswith(
        "**What it takes:** To pass: recurring fees of at most EUR 171k a year \\(\\-67%\\)\\."
    )
    table = details[takes + 2 : takes + 9]
    assert table[:2] == ["| Lever | Now | Needed | Change |", "|---|--:|--:|--:|"]
    assert table[2:] == [
        "| price | EUR 780k | - | - |",
        "| recurring fees | EUR 520k | EUR 171k | -67% |",
        "| term | 5 years | - | - |",
        "| scope | Outbound roaming | - | - |",
        "| benefit | EUR 380k | EUR 742k | +95% |",
    ]
    assert done.stdout.count("**What it takes:**") == 1  # the passing bid has none
    assert (
        f"| {for_markdown(MALFORMED)} | line 6, column 5 | invalid YAML: expected ',' or '\\]', but got ':' |"
        in lines
    )


# ------------------------------------------------------------------ --output


def test_output_is_written_atomically_and_replaces_an_existing_report(run, tmp_path):
    target = tmp_path / "report.xml"
    target.write_text("old report")
    done = run(FAILING, "--format", "junit", "--output", str(target))
    assert done.returncode == 1
    assert done.stdout == (
        f"FAILED: 2 bids in 1 file: 1 passed, 1 failed (fail on error); junit report written to {target}\n"
    )
    ET.fromstring(target.read_bytes())  # a whole, parseable report
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.xml"]  # no temporary file left


def test_text_output_file_holds_the_input_errors_and_no_colour(run, tmp_path):
    target = tmp_path / "report.txt"
    done = run(FAILING, INVALID, "--output", str(target), env={"FORCE_COLOR": "1"})
    assert done.returncode == 2
    text = target.read_text(encoding="utf-8")
    assert "Input errors:" in text and f"  {INVALID}: horizon_years:" in text and "\x1b[" not in text


def test_output_into_a_missing_folder_exits_2(run, tmp_path):
    done = run(PASSING, "--output", str(tmp_path / "no" / "report.json"))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.startswith(
        f"bidfit: error: {tmp_path / 'no' / 'report.json'}: the output folder does not exist"
    )


def test_output_never_overwrites_an_input(run, tmp_path):
    case = tmp_path / "case.yaml"
    case.write_bytes((DATA / "passing.yaml").read_bytes())
    done = run(str(tmp_path), "--output", str(case))
    assert done.returncode == 2 and "the output would overwrite an input file" in done.stderr
    assert case.read_bytes() == (DATA / "passing.yaml").read_bytes()


# ------------------------------------------------------------------ colour


def test_no_colour_when_piped_and_colour_when_forced_unless_no_color():
    assert "\x1b[" not in run_command(FAILING).stdout
    forced = run_command(FAILING, env={"FORCE_COLOR": "1"}).stdout
    assert "\x1b[31m" in forced and "\x1b[32m" in forced
    assert "\x1b[" not in run_command(FAILING, env={"FORCE_COLOR": "1", "NO_COLOR": "1"}).stdout


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_colour_on_a_terminal_unless_no_color():
    def on_terminal(env: dict[str, str]) -> str:
        leader, follower = os.openpty()
        base = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "TERM")}
        with os.fdopen(leader, "rb", buffering=0) as reader:
            proc = subprocess.Popen(
                [sys.executable, "-m", "bidfit", "check", PASSING],
                stdout=follower,
                stderr=subprocess.DEVNULL,
                env={**base, **env},
            )
            os.close(follower)
            chunks = []
            while True:
                try:
                    chunk = reader.read(65536)
                except OSError:  # the terminal closes when the child exits
                    break
                if not chunk:
                    break
                chunks.append(chunk)
            assert proc.wait(timeout=120) == 0
        return b"".join(chunks).decode("utf-8")

    assert "\x1b[32m" in on_terminal({"TERM": "xterm"})
    assert "\x1b[" not in on_terminal({"TERM": "xterm", "NO_COLOR": "1"})


# ------------------------------------------------------------------ fast start

HEAVY = ("pandas", "matplotlib", "openpyxl")


def test_a_yaml_check_does_not_import_pandas_matplotlib_or_openpyxl():
    done = subprocess.run(
        [
            sys.executable,
            "-X",
            "importtime",
            "-m",
            "bidfit",
            "check",
            FAILING,
            "--policy",
            str(ROOT / "data" / "policies" / "strict.toml"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    imported = {
        line.split("|")[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")
    }
    assert "bidfit.gate" in imported and "numpy" in imported  # the measurement did record imports
    assert not {name for name in imported if name.split(".")[0] in HEAVY}


def test_no_format_imports_pandas_matplotlib_or_openpyxl(tmp_path):
    policy = str(ROOT / "data" / "policies" / "strict.toml")
    script = f"""
import contextlib, io, json, sys
from bidfit.cli import main
for fmt in ("text", "json", "junit", "github", "markdown"):
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        main(["check", {str(TREE)!r}, {MALFORMED!r}, {NO_DEAL!r}, "--format", fmt, "--policy", {policy!r}])
        main(["check", {PASSING!r}, "--format", fmt, "--output", {str(tmp_path / "out")!r}])
print(json.dumps(sorted({{m.split(".")[0] for m in sys.modules}})))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    loaded = set(json.loads(done.stdout.splitlines()[-1]))
    assert "bidfit" in loaded and not loaded & set(HEAVY)


# ------------------------------------------------------------------ workbooks


def test_workbook_problems_name_sheet_and_cell_in_every_format(run, tmp_path):
    template = pytest.importorskip("bidfit.io.template", reason="needs the workbook template writer")
    openpyxl = pytest.importorskip("openpyxl")
    good = template.write_template(tmp_path / "norway.xlsx", "norway_roaming")
    book = openpyxl.load_workbook(good)
    book["Costs"]["E3"] = "lots"  # the amount column of the second cost row
    book.save(tmp_path / "typo.xlsx")
    done = run(str(tmp_path), "--format", "github")
    assert done.returncode == 2
    commands, _ = parse_github(done.stdout)
    (problem,) = [c for c in commands if "input error" in c["title"]]
    assert problem["file"] == str(tmp_path / "typo.xlsx")
    assert problem["message"].startswith("Costs!E3: amount must be a number")
    # A workbook's bid is named by its cell in the title.
    assert {c["title"] for c in commands if c["file"] == str(good)} >= {
        "bidfit NEGATIVE_NPV: Vendor A (Bids!A2)"
    }
    data, _ = check_json(run, str(tmp_path / "typo.xlsx"))
    assert [(p["where"], p["found"]) for p in data["input_errors"]] == [("Costs!E3", "lots")]


# ------------------------------------------------------------------ docs


def test_the_documented_json_examples_follow_the_schema(run):
    doc = (ROOT / "docs" / "check-output.md").read_text(encoding="utf-8")
    whole, takes, problem = (json.loads(block) for block in re.findall(r"```json\n(.*?)```", doc, flags=re.S))
    spec = schema()
    jsonschema.Draft202012Validator(spec).validate(whole)
    jsonschema.Draft202012Validator({"$defs": spec["$defs"], "$ref": "#/$defs/what_it_takes"}).validate(takes)
    jsonschema.Draft202012Validator({"$defs": spec["$defs"], "$ref": "#/$defs/input_error"}).validate(problem)
    # The example is the real output for the at-risk fixture (run from its folder).
    real = json.loads(run("at_risk.yaml", "--format", "json", cwd=DATA).stdout)
    real["tool"]["version"] = whole["tool"]["version"]
    assert real == whole
    assert whole["schema_version"] == json.loads(run(PASSING, "--format", "json").stdout)["schema_version"]
    # The what-it-takes example is the real one of the failing fixture (figures found by bisection).
    real_takes = json.loads(run(FAILING, "--format", "json").stdout)["results"][0]["what_it_takes"]
    assert _approx_equal(real_takes, takes), real_takes


def _approx_equal(got: object, want: object) -> bool:
    """Equal, with floats compared to a relative 1e-9."""
    if isinstance(want, dict) and isinstance(got, dict):
        return got.keys() == want.keys() and all(_approx_equal(got[k], want[k]) for k in want)
    if isinstance(want, list) and isinstance(got, list):
        return len(got) == len(want) and all(_approx_equal(g, w) for g, w in zip(got, want, strict=True))
    if isinstance(want, float) and isinstance(got, int | float) and not isinstance(got, bool):
        return got == pytest.approx(want, rel=1e-9)
    return got == want


def test_a_sheet_that_is_not_read_is_a_note_not_a_python_warning(tmp_path):
    import openpyxl

    import bidfit.io.template as template

    workbook = tmp_path / "case.xlsx"
    template.write_template(workbook, example="norway_roaming")
    book = openpyxl.load_workbook(workbook)
    book.create_sheet("Notes")
    book.save(workbook)
    done = run_command(str(workbook))
    assert done.returncode == 1  # Vendor A fails; the note does not change the verdicts
    assert f"bidfit: note: {workbook}: sheet 'Notes' is not read" in done.stderr.splitlines()
    assert "InputNote" not in done.stderr and "warn" not in done.stderr


# ------------------------------------------------------------------ the gate's own simulation


def _uncertain_case(folder: Path) -> Path:
    case = yaml.safe_load(Path(bidfit_sample("norway_roaming")).read_text(encoding="utf-8"))
    case["uncertainty"] = [
        {
            "target": "revenue.Outbound roaming.annual_amount",
            "distribution": "normal",
            "mean": 380000,
            "sd": 80000,
        }
    ]
    case.setdefault("policy", {})["max_loss_probability"] = 0.05
    path = folder / "uncertain.yaml"
    path.write_text(yaml.safe_dump(case, sort_keys=False), encoding="utf-8")
    return path


def bidfit_sample(name: str) -> Path:
    import bidfit

    return Path(bidfit.sample_path(name))


def test_trials_and_seed_of_the_gate_simulation_are_set_and_shown_in_every_format(run, tmp_path):
    import bidfit
    from bidfit._format import percent

    path = _uncertain_case(tmp_path)
    expected = {
        seed: bidfit.simulate(bidfit.load(path), 4_000, seed=seed, keep="summary").bids["Competitor B"]
        for seed in (7, 8)
    }
    assert expected[7].probability_worse_off != expected[8].probability_worse_off
    shown = "4,000 simulated futures per case, seed 7 (1 case)"
    text = " ".join(run(str(path), "--trials", "4000", "--seed", "7").stdout.split())
    assert shown in text
    p = percent(expected[7].probability_worse_off, 1)
    assert f"In 4,000 simulated futures the customer is worse off {p} of the time" in " ".join(text.split())
    data = json.loads(run(str(path), "--trials", "4000", "--seed", "7", "--format", "json").stdout)
    assert data["simulation"] == {"trials": 4000, "seed": 7, "files": [str(path)]}
    flag = next(f for f in data["results"][1]["flags"] if f["code"] == "HIGH_LOSS_PROBABILITY")
    assert flag["figures"]["probability_worse_off"] == expected[7].probability_worse_off
    root = ET.fromstring(run(str(path), "--trials", "4000", "--seed", "7", "--format", "junit").stdout)
    properties = {p.get("name"): p.get("value") for p in root.iter("property")}
    assert properties == {"bidfit.trials": "4000", "bidfit.seed": "7"}
    for name in ("github", "markdown"):
        assert shown in run(str(path), "--trials", "4000", "--seed", "7", "--format", name).stdout
    assert (
        shown
        in run(str(path), "--trials", "4000", "--seed", "7", "--format", "github").stdout.splitlines()[-1]
    )
    # Another seed, another draw: the figure quoted follows it.
    other = " ".join(run(str(path), "--trials", "4000", "--seed", "8").stdout.split())
    assert f"worse off {percent(expected[8].probability_worse_off, 1)} of the time" in other
    # The defaults are said too.
    assert "20,000 simulated futures per case, seed 0 (1 case)" in " ".join(run(str(path)).stdout.split())


@pytest.mark.parametrize("bad", [["--trials", "0"], ["--trials", "x"], ["--seed", "one"]])
def test_bad_trials_or_seed_is_a_usage_error(run, bad):
    done = run(str(PASSING), *bad)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert ("--trials" if "--trials" in bad else "--seed") in done.stderr


# ------------------------------------------------------------------ terminal width


@pytest.mark.parametrize("columns", [80, 200])
def test_text_fits_the_terminal_width(columns):
    folder = Path(__file__).parents[1] / "data" / "samples"
    for command in (["check", str(folder), "--verbose"], ["analyze", str(folder / "norway_roaming.yaml")]):
        done = subprocess.run(
            [sys.executable, "-m", "bidfit", *command],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "COLUMNS": str(columns)},
        )
        lines = done.stdout.splitlines()
        assert done.returncode in (0, 1) and len(lines) > 20
        assert max(len(line) for line in lines) <= columns, max(lines, key=len)
        if columns == 200:  # wide enough: nothing of the verdict table is split
            assert max(len(line) for line in lines) > 100


def test_a_passing_bid_is_one_line_and_a_failing_one_a_block(run):
    lines = run(
        str(Path(__file__).parents[1] / "data" / "samples"), env={"COLUMNS": "80"}
    ).stdout.splitlines()
    passing = [line for line in lines if line.startswith("[pass] ")]
    assert len(passing) == 10
    for line in passing:
        assert len(line) <= 80 and "PASSES POLICY - the customer is" in line
        following = lines[lines.index(line) + 1]
        assert not following.startswith("  ")  # no figures or findings under a passing bid
    assert sum(line.startswith("[FAIL] ") for line in lines) == 6


def test_github_annotations_are_capped_most_important_first_with_a_closing_notice(run, tmp_path):
    # Twelve failing copies of the failing case: 36 error findings, 12 notices, and a warning case.
    text = (DATA / "failing.yaml").read_text(encoding="utf-8")
    for k in range(12):
        (tmp_path / f"deal{k:02d}.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "zz_at_risk.yaml").write_text(Path(AT_RISK).read_text(encoding="utf-8"), encoding="utf-8")
    done = run(str(tmp_path), "--format", "github")
    assert done.returncode == 1
    commands, other = parse_github(done.stdout)
    levels = [c["level"] for c in commands]
    assert levels.count("error") == 10 and levels.count("warning") == 1 and levels.count("notice") == 10
    # The errors shown are the first files' failing findings; the last notice says what was left out.
    assert [c["file"] for c in commands if c["level"] == "error"][:3] == [str(tmp_path / "deal00.yaml")] * 3
    closing = commands[-1]
    assert closing["level"] == "notice" and closing["title"] == "bidfit: more findings"
    assert closing["message"].startswith("26 errors, 3 notices not shown as annotations")
    assert "at most 10 of each kind" in closing["message"]
    assert other[-1].startswith("bidfit: FAILED: 25 bids in 13 files")


def test_the_markdown_report_goes_to_the_github_step_summary(run, tmp_path):
    summary = tmp_path / "summary.md"
    summary.write_text("# earlier step\n", encoding="utf-8")
    done = run(FAILING, "--format", "github", env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert done.returncode == 1
    written = summary.read_text(encoding="utf-8")
    assert written.startswith("# earlier step\n### bidfit check failed\n")  # appended, as GitHub asks
    assert "| **FAILS POLICY** |" in written and "| passes policy |" in written
    # Not set: nothing is written anywhere.
    before = written
    assert run(FAILING, "--format", "github").returncode == 1
    assert summary.read_text(encoding="utf-8") == before


def test_files_that_are_not_cases_are_skipped_and_said_so(run, tmp_path):
    (tmp_path / "mkdocs.yml").write_text("site_name: Proposals\nnav: [index.md]\n", encoding="utf-8")
    (tmp_path / "policy.yaml").write_text("max_payback_years: 3\n", encoding="utf-8")
    (tmp_path / "package.json").write_text('{"name": "site"}\n', encoding="utf-8")
    (tmp_path / "typo.yaml").write_text("name: Deal\nbids: []\n", encoding="utf-8")  # a case with problems
    (tmp_path / "good.yaml").write_text(Path(PASSING).read_text(encoding="utf-8"), encoding="utf-8")
    done = run(str(tmp_path))
    assert done.returncode == 2  # the broken case is reported; the other files are not cases
    for name in ("mkdocs.yml", "policy.yaml", "package.json"):
        assert f"bidfit: note: {tmp_path / name}: not a case file, skipped" in done.stderr
    assert "typo.yaml" in done.stderr and "not a case file" not in done.stderr.split("typo.yaml")[1][:40]
    assert "3 files skipped (not case files)" in " ".join(done.stdout.split())
    data = json.loads(run(str(tmp_path), "--format", "json").stdout)
    assert [s["file"] for s in data["skipped"]] == [
        str(tmp_path / n) for n in ("mkdocs.yml", "package.json", "policy.yaml")
    ]
    assert str(tmp_path / "mkdocs.yml") not in data["files"] and str(tmp_path / "good.yaml") in data["files"]
    (tmp_path / "typo.yaml").unlink()
    assert run(str(tmp_path)).returncode == 0
