"""Hostile names in every output: text, JSON, JUnit, GitHub commands, Markdown, and error messages.

Bid, vendor, stream, cost, case and file names are chosen to act on whatever
shows them: terminal escape sequences (clear the screen, retitle the window),
control and bidirectional characters, Markdown tables, images, links and
mentions, raw HTML, XML-illegal characters, workflow-command separators. The
real command runs in a child process; each format must show every name
inertly and stay parseable.
"""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path
from xml.etree import ElementTree as ET

import jsonschema
import pytest
import yaml
from childproc import Run, run_cli

from bidfit.escape import clean_text, for_terminal

ESCAPES = "\x1b[2J\x1b]0;pwned\x07"
HOSTILE = (
    "Yahoo! offer",
    "It's ours",
    "=1+2",
    "a|b",
    "back`tick",
    "<b>bold</b>",
    "![t](http://evil)",
    "[link](http://evil)",
    "@team",
    "ctl\u0001x",
    f"esc{ESCAPES}x",
    "rtl\u202eexe",
)
"""One hostile fragment per bid name (a name is also used as vendor, stream and cost name)."""

# Control characters (tab and line feed aside), DEL, C1 controls and bidirectional formatting.
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
BIDFIT_HTML = re.compile(r"</?(details|summary)>")
COMMAND = re.compile(r"^::(?P<level>error|warning|notice) (?P<props>[^:]*)::(?P<message>[^\r\n]*)$")
PROPERTY = re.compile(r"^(?P<key>[a-z]+)=(?P<value>(?:[^%:,]|%25|%3A|%2C)*)$")
QUOTED_ESCAPES = ESCAPES.encode("unicode_escape").decode()  # as repr() quotes it: inert text
CPU_SECONDS, PEAK_MB = 30, 400  # generous bounds for a 12-bid case in one child process


def hostile_case() -> dict:
    """A valid case: 12 bids named after :data:`HOSTILE`, half of them failing."""
    bids = []
    for i, name in enumerate(HOSTILE):
        fee = 150_000 if i % 2 else 520_000  # every other bid's fees exceed the revenue at stake
        bids.append(
            {
                "name": name,
                "vendor": f"{name} vendor",
                "costs": [
                    {"name": f"{name} kit", "category": "capex", "kind": "one_time", "amount": 400_000 + i},
                    {"name": "Support", "category": "maintenance", "kind": "recurring", "amount": fee},
                ],
            }
        )
    return {
        "name": f"Case {ESCAPES} `x` | <b>",
        "customer": "@team ![t](http://evil)",
        "currency": "EUR",
        "horizon_years": 5,
        "discount_rate": 0.08,
        "revenue": [{"name": f"Roaming {ESCAPES} | @team", "annual_amount": 380_000}],
        "bids": bids,
    }


def invalid_case() -> dict:
    """An invalid case whose problems quote hostile names."""
    return {
        "name": "Broken",
        "horizon_years": 5,
        "discount_rate": 0.08,
        "revenue": [{"name": f"Rev {ESCAPES}", "annual_amount": 100}],
        "bids": [
            {
                "name": f"Bid {ESCAPES} | @team",
                "scope": [f"Nope {ESCAPES} ![t](http://evil)"],
                "costs": [{"name": f"Kit {ESCAPES}", "kind": "one_time", "amount": f"abc {ESCAPES}"}],
            }
        ],
    }


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding the valid case under a hostile file name, and the invalid case."""
    root = tmp_path_factory.mktemp("hostile")
    # A '/' cannot be in a file name, so "</b>" spans a folder and a file.
    inner = root / "a`b|<b>x<"
    inner.mkdir()
    (inner / f"b> [x](y) @team \u0001 {ESCAPES} \u202e.yaml").write_text(
        yaml.safe_dump(hostile_case(), allow_unicode=True), encoding="utf-8"
    )
    (root / "z_invalid.yaml").write_text(yaml.safe_dump(invalid_case(), allow_unicode=True), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def case_file(folder: Path) -> Path:
    (path,) = (folder / "a`b|<b>x<").iterdir()
    return path


@pytest.fixture(scope="module")
def outputs(folder: Path) -> dict[str, Run]:
    """``bidfit check FOLDER --format F`` for every format, run once."""
    runs = {fmt: run_cli("check", folder, "--format", fmt) for fmt in ("json", "junit", "github", "markdown")}
    # Every bid's block, on lines as wide as the terminal allows: each name whole on one line.
    runs["text"] = run_cli("check", folder, "--format", "text", "--verbose", env={"COLUMNS": "240"})
    return runs


def assert_inert(run: Run) -> None:
    """What a terminal would receive: no control or bidirectional character, no traceback, bounded cost."""
    for stream, text in (("stdout", run.stdout), ("stderr", run.stderr)):
        found = CONTROL.search(text)
        assert found is None, (
            f"{found.group()!r} in {stream}: {text[max(0, found.start() - 80) : found.end() + 80]!r}"
        )
    assert "Traceback" not in run.stderr, run.stderr[-3000:]
    assert run.cpu_seconds < CPU_SECONDS and run.peak_mb < PEAK_MB, (run.cpu_seconds, run.peak_mb)


def assert_no_live_sequence(text: str) -> None:
    """The escape sequences appear at most as quoted text (``repr`` in a message), never whole."""
    assert "pwned" not in text.replace(QUOTED_ESCAPES, ""), text[-3000:]


def markdown_cells(row: str) -> list[str]:
    """The cells of a Markdown table row, splitting on pipes that no backslash escapes."""
    cells, cell, escaped = [], "", False
    for char in row.strip()[1:-1]:
        if char == "|" and not escaped:
            cells.append(cell)
            cell = ""
        else:
            cell += char
        escaped = char == "\\" and not escaped
    return [*cells, cell]


def json_data(outputs: dict[str, Run]) -> dict:
    return json.loads(outputs["json"].stdout)


# ------------------------------------------------------------------ every format


@pytest.mark.parametrize("fmt", ["text", "json", "junit", "github", "markdown"])
def test_every_format_is_inert_on_a_terminal(outputs, fmt):
    run = outputs[fmt]
    assert run.returncode == 2  # the invalid file; the valid one is still reported
    assert_inert(run)
    assert "Input should be a valid number" in run.stdout + run.stderr  # the invalid file's problem


def test_text_shows_each_name_cleaned_and_nothing_of_the_escape_sequences(outputs, case_file):
    run = outputs["text"]
    assert_no_live_sequence(run.stdout + run.stderr)  # the OSC sequence went whole, payload included
    for name in HOSTILE:
        assert f"] {for_terminal(name)} ({for_terminal(name)} vendor): " in run.stdout
    assert f"  File                         {for_terminal(case_file)} (case: Case  `x` | <b>)" in run.stdout
    assert "[FAIL] escx (escx vendor): FAILS POLICY" in run.stdout
    # Input problems go to stderr, one line each, every line of it an error line.
    lines = run.stderr.splitlines()
    assert lines and all(line.startswith("bidfit: error: ") for line in lines)


def test_json_is_ascii_keeps_the_exact_names_and_follows_the_schema(outputs, case_file):
    run = outputs["json"]
    assert run.stdout.isascii()  # non-ASCII and control characters are \u escapes
    data = json_data(outputs)
    schema_text = (resources.files("bidfit") / "schemas" / "check-result.schema.json").read_text("utf-8")
    jsonschema.Draft202012Validator(json.loads(schema_text)).validate(data)
    assert [r["bid"] for r in data["results"]] == list(HOSTILE)
    assert {r["vendor"] for r in data["results"]} == {f"{name} vendor" for name in HOSTILE}
    assert {r["file"] for r in data["results"]} == {str(case_file)}
    assert data["results"][0]["case"] == f"Case {ESCAPES} `x` | <b>"
    assert data["status"] == "invalid" and data["summary"]["failed"] == 6
    assert data["input_errors"] and all(e["file"].endswith("z_invalid.yaml") for e in data["input_errors"])


def test_junit_parses_as_xml_with_every_name_cleaned(outputs, case_file):
    root = ET.fromstring(outputs["junit"].stdout.encode("utf-8"))
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [
        clean_text(case_file),
        str(Path(case_file).parents[1] / "z_invalid.yaml"),
    ]
    names = [case.get("name") for case in suites[0].findall("testcase")]
    assert names == [clean_text(name) for name in HOSTILE]
    assert "esc{ESCAPES}x" not in outputs["junit"].stdout and "escx" in names
    failures = suites[0].findall("testcase/failure")
    assert len(failures) == 6 and root.get("failures") == "6" and root.get("errors") == "1"
    texts = [el.text or "" for el in root.iter()] + [v for el in root.iter() for v in el.attrib.values()]
    assert not any(CONTROL.search(text) for text in texts)


def test_github_has_one_line_per_command_with_escaped_properties(outputs, case_file):
    run = outputs["github"]
    data = json_data(outputs)
    # GitHub shows at most 10 of each kind: bidfit writes no more, and one notice says what was left out.
    found = {
        "error": sum(f["severity"] == "error" for r in data["results"] for f in r["flags"])
        + len(data["input_errors"]),
        "warning": sum(f["severity"] == "warning" for r in data["results"] for f in r["flags"]),
        "notice": sum("what_it_takes" in r for r in data["results"]),
    }
    capped = any(n > 10 for n in found.values())
    expected = sum(min(n, 10) for n in found.values()) + (1 if capped and found["notice"] < 10 else 0)
    lines = run.stdout.splitlines()
    assert lines[-1].startswith("bidfit: INVALID: 12 bids in 2 files")
    commands = [COMMAND.match(line) for line in lines[:-1]]
    assert all(commands), [line for line, c in zip(lines, commands, strict=False) if not c]
    assert len(commands) == expected  # a name never splits a command over two lines
    for match in commands:
        assert match is not None
        parts = match["props"].split(",")
        assert all(PROPERTY.match(part) for part in parts), match["props"]
        assert "file=" in match["props"] or match["props"] == "title=bidfit%3A more findings"
    escaped_file = clean_text(case_file).replace("%", "%25").replace(":", "%3A").replace(",", "%2C")
    assert re.search(
        re.escape(f"::notice file={escaped_file},")
        + r"line=\d+,"
        + re.escape("title=bidfit WHAT_IT_TAKES%3A Yahoo! offer::"),
        run.stdout,
    )
    assert_no_live_sequence(run.stdout)


def test_markdown_keeps_every_table_whole_and_shows_names_literally(outputs):
    text = outputs["markdown"].stdout
    lines = text.splitlines()
    header_width = None
    for line in lines:
        if not line.startswith("|"):
            header_width = None
            continue
        width = len(markdown_cells(line))
        header_width = header_width or width
        assert width == header_width, line
    rows = [line for line in lines if line.startswith(("| **FAILS POLICY** |", "| passes policy |"))]
    assert len(rows) == 12
    # No markup of its own: HTML only bidfit's collapsible section, no link or image, no mention.
    assert "<" not in BIDFIT_HTML.sub("", text)
    assert "](" not in text and "http://" not in text
    assert "@team" not in text and "@&#8203;team" in text
    # A backtick is either escaped or part of bidfit's own code span around a finding code.
    unescaped = re.sub(r"`[A-Z_]+`", "", text.replace("\\`", ""))
    assert "`" not in unescaped
    assert "/a\\`b\\|&lt;b&gt;x&lt;/b&gt; \\[x\\]\\(y\\) @&#8203;team" in text  # the file name
    assert "| Yahoo\\! offer (Yahoo\\! offer vendor) |" in text


# ------------------------------------------------------------------ analyze and error output


def test_analyze_text_is_inert_and_the_verdict_table_stays_aligned(case_file):
    run = run_cli("analyze", case_file)
    assert run.returncode == 0, run.stderr
    assert_inert(run)
    assert_no_live_sequence(run.stdout)
    lines = run.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Bid "))
    table = lines[start : lines.index("", start)]
    assert len(table) == 2 + len(HOSTILE)
    assert len({len(line) for line in table}) == 1, table  # every row as wide as the header
    assert [line.split("  ")[0].strip() for line in table[2:]] == [for_terminal(n) for n in HOSTILE]


def test_analyze_errors_are_one_clean_line_per_problem(folder):
    run = run_cli("analyze", folder / "z_invalid.yaml")
    assert run.returncode == 2
    assert_inert(run)
    lines = run.stderr.splitlines()
    assert len(lines) >= 2 and all(line.startswith("bidfit: error: ") for line in lines)
    assert any("unable to parse string as a number" in line for line in lines)


def test_a_hostile_file_name_in_an_error_is_cleaned(tmp_path):
    missing = tmp_path / f"gone {ESCAPES}\u202e.yaml"
    run = run_cli("analyze", missing)
    assert run.returncode == 2
    assert_inert(run)
    assert run.stderr == f"bidfit: error: {for_terminal(missing)}: file not found\n"
    check = run_cli("check", missing, "--format", "github")
    assert_inert(check)
    assert check.stdout.startswith(f"::error file={clean_text(missing).replace(':', '%3A')},")
