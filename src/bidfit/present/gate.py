"""Formats of the review gate's result: text, JSON, JUnit XML, GitHub workflow commands, Markdown.

Each formatter takes a :class:`bidfit.gate.CheckResult` and returns the
whole document as a string ending in a newline. Every format says, for each
failing bid, what it takes to pass (:attr:`bidfit.gate.BidCheck.what_it_takes`).
The figures are formatted by :mod:`bidfit._format` and :mod:`bidfit.present.view`,
as everywhere else, so a terminal, a CI log and a notebook agree. The JSON layout is published as a
JSON Schema (``bidfit/schemas/check-result.schema.json``, documented in
``docs/check-output.md``).

Names of files, cases, bids, vendors, streams and costs come from files
bidfit does not control, so every format makes them inert with the rule of
:mod:`bidfit.escape` for its medium: text for the terminal, Markdown for a
pull-request comment, XML 1.0 for JUnit, workflow-command escaping for
GitHub. JSON is written as ASCII: every other character, control characters
included, is a ``\\uXXXX`` escape, so the document carries the exact names
and its bytes hold nothing a terminal or a log viewer could act on.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import PurePath
from typing import IO, TYPE_CHECKING, Any

from bidfit import _format as fmt
from bidfit._version import __version__
from bidfit.escape import for_github_data, for_github_property, for_markdown, for_terminal, for_xml
from bidfit.present.text import DEFAULT_WIDTH, line_width, render_flags, wrap
from bidfit.present.view import headline, key_figures, outcome_colour, policy_outcome
from bidfit.results.analysis import VERDICT_WORDS

if TYPE_CHECKING:
    from bidfit.errors import Problem
    from bidfit.flags import Flag
    from bidfit.gate import BidCheck, CheckResult
    from bidfit.io.positions import Position
    from bidfit.studies.pricing import LeverChange

__all__ = [
    "FORMATS",
    "SCHEMA_VERSION",
    "format_github",
    "format_json",
    "format_junit",
    "format_markdown",
    "format_text",
    "to_dict",
    "use_colour",
]

SCHEMA_VERSION = "2.0"
"""Version of the JSON layout: the minor part grows with added fields, the major part on any
change that could break a reader. 2.0: ``verdict`` is the customer's economics alone (a bid that
only misses a policy threshold is no longer ``worse_off``); the policy outcome is ``passed``
with ``failures``, and ``outcome`` says both in words."""

# ---------------------------------------------------------------------------- text

_COLOURS = {
    "worse_off": "31",
    "at_risk": "33",
    "better_off": "32",
    "error": "31",
    "warning": "33",
    "info": "36",
}
_SEVERITY_WORD = re.compile(r"^(\s*)(ERROR|WARNING|INFO)\b")


def use_colour(stream: IO[str] | None, environ: Mapping[str, str] | None = None) -> bool:
    """Whether to colour text written to ``stream``.

    ``NO_COLOR`` (set and not empty) turns colour off; otherwise
    ``FORCE_COLOR`` (set and not empty) turns it on, for CI logs that render
    ANSI colours; otherwise colour is used only on a terminal that is not
    ``TERM=dumb``. This is the order CPython 3.13 itself follows.

    Examples
    --------
    >>> import io
    >>> use_colour(io.StringIO(), {}), use_colour(io.StringIO(), {"FORCE_COLOR": "1"})
    (False, True)
    >>> use_colour(io.StringIO(), {"FORCE_COLOR": "1", "NO_COLOR": "1"})
    False
    """
    env = os.environ if environ is None else environ
    if env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR"):
        return True
    if env.get("TERM") == "dumb" or stream is None:
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _paint(text: str, key: str, colour: bool) -> str:
    return f"\033[{_COLOURS[key]}m{text}\033[0m" if colour else text


def _bold(text: str, colour: bool) -> str:
    return f"\033[1m{text}\033[0m" if colour else text


WHAT_IT_TAKES_LABEL = "What it takes:"


def _what_it_takes_lines(entry: BidCheck, colour: bool, width: int) -> list[str]:
    sentence = entry.what_it_takes_sentence
    if sentence is None:
        return []
    lines = wrap(f"{WHAT_IT_TAKES_LABEL} {sentence}", width, indent="  ")
    if colour:
        lines[0] = lines[0].replace(WHAT_IT_TAKES_LABEL, _bold(WHAT_IT_TAKES_LABEL, colour), 1)
    return lines


def _one_line(entry: BidCheck, width: int) -> str:
    """A passing bid on one line: ``[pass] <bid> (<vendor>): PASSES POLICY - the customer is ...``.

    When the line is wider than ``width``, the vendor is left out, then the
    bid's name is cut short (ending in ``...``); the answers are never cut.
    """
    bid, tail = entry.analysis, ": " + policy_outcome(entry.analysis, entry.failures)
    mark = "[pass] " if entry.passed else "[FAIL] "
    name = for_terminal(f"{bid.name} ({bid.vendor})" if bid.vendor else bid.name)
    if len(mark + name + tail) > width:
        name = for_terminal(bid.name)
    room = width - len(mark) - len(tail)
    if len(name) > room:
        name = name[: max(room - 3, 8)] + "..."
    return mark + name + tail


def _text_block(entry: BidCheck, colour: bool, width: int, verbose: bool = True) -> list[str]:
    """A bid's lines: one for a passing bid unless ``verbose``, else its headline, key figures,
    findings and what it takes. User text is cleaned by :func:`for_terminal` before any colour
    is added."""
    bid = entry.analysis
    key = outcome_colour(entry.verdict, entry.passed)
    if entry.passed and not verbose:
        line = _one_line(entry, width)
        return [f"{_bold(line[:6], colour)} {_paint(line[7:], key, colour)}"]
    mark = "pass" if entry.passed else "FAIL"
    head = wrap(f"[{mark}] {headline(bid, entry.failures)}", width, hang="       ")
    lines = [f"{_bold(head[0][:6], colour)} {_paint(head[0][7:], key, colour)}"]
    lines += [_paint(line, key, colour) for line in head[1:]]
    figures = [("File", f"{entry.file} (case: {entry.case})"), *key_figures(bid)]
    label_width = max(len(label) for label, _ in figures)
    for label, value in figures:
        lines += wrap(
            f"{label.ljust(label_width)}  {value}", width, indent="  ", hang=" " * (label_width + 2)
        )
    if entry.flags:
        lines.append("  Findings:")
        for line in render_flags(bid, indent="    ", width=width):
            found = _SEVERITY_WORD.match(line)
            if found and colour:
                word = found.group(2)
                line = found.group(1) + _paint(word, word.lower(), colour) + line[found.end() :]
            lines.append(line)
    return lines + _what_it_takes_lines(entry, colour, width)


def format_text(
    result: CheckResult,
    colour: bool = False,
    *,
    show_problems: bool = True,
    verbose: bool = False,
    width: int | None = None,
) -> str:
    """A line per passing bid, a block per failing bid (both answers, key figures, each finding with
    its lever, and a ``What it takes:`` line), then a summary; no line wider than ``width``.

    Parameters
    ----------
    result : CheckResult
        What :func:`bidfit.check` returned.
    colour : bool
        Use ANSI colours (see :func:`use_colour`).
    show_problems : bool
        List input problems too; the command line prints them on stderr
        instead when the report goes to the terminal.
    verbose : bool
        Give a passing bid its whole block too.
    width : int, optional
        Line width [characters]; default :func:`bidfit.present.text.line_width`
        (``COLUMNS``, or the terminal's).
    """
    width = width or line_width()
    lines: list[str] = []
    for entry in result.entries:
        block = _text_block(entry, colour, width, verbose)
        lines += [*block, ""] if len(block) > 1 else block
    if lines and lines[-1]:
        lines.append("")
    if show_problems and result.problems:
        lines.append(_paint("Input errors:", "error", colour))
        lines += [
            line
            for problems in result.problems.values()
            for p in problems
            for line in wrap(str(p), width, "  ")
        ]
        lines.append("")
    status = _paint(result.status.upper(), "better_off" if result.passed else "error", colour)
    summary = wrap(f"{result.status.upper()}: {result.summary_line()}", width)
    summary[0] = summary[0].replace(result.status.upper(), status, 1)
    lines += summary
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------- JSON


def _number(value: Any) -> float | int | None:
    if value is None or isinstance(value, bool):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _plain(value: Any) -> str | float | int | bool | None:
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    return str(value)


def _flag_dict(flag: Flag) -> dict[str, Any]:
    return {
        "code": flag.code,
        "severity": flag.severity,
        "message": flag.message,
        "lever": flag.lever,
        "figures": {name: _number(v) for name, v in flag.figures.items()},
    }


def _lever_value(value: object) -> float | int | list[str] | None:
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return _number(value)


def _change_dict(change: LeverChange) -> dict[str, Any]:
    return {
        "lever": change.lever,
        "now": _lever_value(change.now),
        "needed": _lever_value(change.needed),
        "change": _number(change.change),
        "works": change.works,
        "text": change.text,
    }


def _what_it_takes_dict(entry: BidCheck) -> dict[str, Any] | None:
    wit, sentence = entry.what_it_takes, entry.what_it_takes_sentence
    if wit is None or sentence is None:
        return None
    return {"sentence": sentence, "changes": [_change_dict(c) for c in wit.changes]}


def _entry_dict(entry: BidCheck) -> dict[str, Any]:
    data = {
        "file": entry.file,
        "case": entry.case,
        "bid": entry.bid,
        "vendor": entry.vendor,
        "currency": entry.currency,
        "verdict": entry.verdict,
        "passed": entry.passed,
        "outcome": policy_outcome(entry.analysis, entry.failures),
        "metrics": {name: _number(v) for name, v in entry.figures.items()},
        "flags": [_flag_dict(f) for f in entry.flags],
        "failures": [f.code for f in entry.failures],
    }
    takes = _what_it_takes_dict(entry)
    if takes is not None:  # a failing bid only: the field is optional (schema 1.1)
        data["what_it_takes"] = takes
    return data


def _problem_dict(problem: Problem) -> dict[str, Any]:
    return {
        "file": problem.file,
        "where": problem.where,
        "message": problem.message,
        "code": problem.code,
        "found": _plain(problem.found),
        "expected": problem.expected,
    }


def to_dict(result: CheckResult) -> dict[str, Any]:
    """The result as plain JSON-ready data (the layout of ``check-result.schema.json``)."""
    verdicts = [e.verdict for e in result.entries]
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "bidfit", "version": __version__},
        "fail_on": result.fail_on,
        "status": result.status,
        "passed": result.passed,
        "exit_code": result.exit_code,
        "summary": {
            "files": len(result.files),
            "invalid_files": len(result.problems),
            "bids": len(result.entries),
            "passed": len(result.entries) - len(result.failed),
            "failed": len(result.failed),
            "verdicts": {v: verdicts.count(v) for v in ("better_off", "at_risk", "worse_off")},
        },
        "simulation": {"trials": result.trials, "seed": result.seed, "files": list(result.simulated)},
        "files": list(result.files),
        "skipped": [{"file": file, "reason": reason} for file, reason in result.skipped.items()],
        "results": [_entry_dict(e) for e in result.entries],
        "input_errors": [_problem_dict(p) for problems in result.problems.values() for p in problems],
    }


def format_json(result: CheckResult) -> str:
    """The result as JSON (see ``docs/check-output.md``); valid JSON always (no NaN).

    The document is ASCII: names keep every character they have, non-ASCII
    and control characters as ``\\uXXXX`` escapes, so no raw control byte
    reaches the consumer.
    """
    return json.dumps(to_dict(result), indent=2, ensure_ascii=True, allow_nan=False) + "\n"


# ---------------------------------------------------------------------------- JUnit XML


def _xml_lines(lines: list[str]) -> str:
    """Lines of an element's text, each made fit for XML 1.0 by :func:`for_xml`."""
    return "\n".join(for_xml(line) for line in lines)


def _flag_line(flag: Flag) -> str:
    lever = f" [lever: {flag.lever.replace('_', ' ')}]" if flag.lever else ""
    return f"{flag.severity.upper()} {flag.code}{lever}: {flag.message}"


def _junit_case(suite: Any, entry: BidCheck) -> None:
    from xml.etree import ElementTree as ET

    case = ET.SubElement(suite, "testcase", name=for_xml(entry.bid), classname=for_xml(entry.file))
    if not entry.passed:
        failure = ET.SubElement(
            case,
            "failure",
            message=for_xml(policy_outcome(entry.analysis, entry.failures)),
            type="policy: " + ", ".join(f.code for f in entry.failures),
        )
        lines = [_flag_line(f) for f in entry.failures]
        if entry.what_it_takes_sentence is not None:
            lines.append(f"{WHAT_IT_TAKES_LABEL} {entry.what_it_takes_sentence}")
        failure.text = _xml_lines(lines)
    out = ET.SubElement(case, "system-out")
    out.text = _xml_lines(_text_block(entry, colour=False, width=DEFAULT_WIDTH))


def _junit_error(suite: Any, file: str, problems: tuple[Problem, ...]) -> None:
    from xml.etree import ElementTree as ET

    case = ET.SubElement(suite, "testcase", name="input file", classname=for_xml(file))
    count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
    error = ET.SubElement(case, "error", message=f"invalid input: {count}", type="InputError")
    error.text = _xml_lines([str(p) for p in problems])


def format_junit(result: CheckResult) -> str:
    """JUnit XML: one ``testsuite`` per file, one ``testcase`` per bid.

    A failing bid has a ``failure`` element (message: the policy outcome and
    the customer's economics in words; type: the failing codes; text: each failing finding with its lever, then what it takes to
    pass); an invalid file has a single ``testcase`` with an ``error``
    element listing every problem. Each bid's full text block (with the
    ``What it takes:`` line) is in ``system-out``.
    """
    from xml.etree import ElementTree as ET

    root = ET.Element("testsuites", name="bidfit check")
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for file in result.files:
        entries, problems = result.entries_of(file), result.problems.get(file, ())
        counts = {
            "tests": len(entries) + (1 if problems else 0),
            "failures": sum(not e.passed for e in entries),
            "errors": 1 if problems else 0,
        }
        attributes = {"name": for_xml(file), **{k: str(v) for k, v in counts.items()}, "skipped": "0"}
        suite = ET.SubElement(root, "testsuite", attributes)
        if file in result.simulated:
            properties = ET.SubElement(suite, "properties")
            for name, value in (("bidfit.trials", result.trials), ("bidfit.seed", result.seed)):
                ET.SubElement(properties, "property", name=name, value=str(value))
        for entry in entries:
            _junit_case(suite, entry)
        if problems:
            _junit_error(suite, file, problems)
        totals = {k: totals[k] + counts[k] for k in totals}
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


# ---------------------------------------------------------------------------- GitHub

_LINE_COLUMN = re.compile(r"^line (\d+)(?:, column (\d+))?$")
_ANNOTATION = {"error": "error", "warning": "warning"}

ANNOTATION_CAP = 10
"""GitHub shows at most this many annotations of each kind (error, warning, notice) per step."""

Annotation = tuple[int, str, dict[str, str], str]
"""An annotation before it is written: its rank (lower first), level, properties and message."""


def _command(level: str, properties: dict[str, str], message: str) -> str:
    """One workflow command on one line: properties and message cleaned and escaped."""
    props = ",".join(f"{key}={for_github_property(value)}" for key, value in properties.items())
    return f"::{level} {props}::{for_github_data(message)}"


def _bid_properties(entry: BidCheck, code: str, position: Position | None) -> dict[str, str]:
    """``file``, ``line`` (a text file) and ``title`` (with ``Sheet!Cell`` in a workbook) of a bid's annotation."""
    properties = {"file": PurePath(entry.file).as_posix()}
    title = f"bidfit {code}: {entry.bid}"
    if isinstance(position, int):
        properties["line"] = str(position)
    elif position:
        title += f" ({position})"
    properties["title"] = title
    return properties


def _bid_annotations(entry: BidCheck, position: Position | None) -> list[Annotation]:
    """The bid's findings (failing ones first) and, for a failing bid, what it takes to pass."""
    who = f" ({entry.vendor})" if entry.vendor else ""
    head = f"{entry.bid}{who} in case {entry.case!r}: {policy_outcome(entry.analysis, entry.failures)}."
    out: list[Annotation] = []
    for flag in entry.flags:
        if flag.severity not in _ANNOTATION:
            continue
        lever = f" [lever: {flag.lever.replace('_', ' ')}]" if flag.lever else ""
        rank = 1 if flag in entry.failures else 2
        message = f"{head} {flag.code}{lever}: {flag.message}"
        out.append((rank, _ANNOTATION[flag.severity], _bid_properties(entry, flag.code, position), message))
    sentence = entry.what_it_takes_sentence
    if sentence is not None:
        message = f"{head} {WHAT_IT_TAKES_LABEL} {sentence}"
        out.append((3, "notice", _bid_properties(entry, "WHAT_IT_TAKES", position), message))
    return out


def _problem_annotation(problem: Problem) -> Annotation:
    properties = {
        "file": PurePath(problem.file or "").as_posix(),
        "title": f"bidfit input error ({problem.code})",
    }
    position = _LINE_COLUMN.match(problem.where)
    if position:
        properties["line"] = position.group(1)
        if position.group(2):
            properties["col"] = position.group(2)
    return (0, "error", properties, str(replace(problem, file=None)))


def _capped(annotations: list[Annotation], cap: int) -> tuple[list[Annotation], dict[str, int]]:
    """The most important annotations within ``cap`` of each level, and how many of each are left out.

    When any is left out, one notice is kept free for saying so.
    """
    ranked = sorted(annotations, key=lambda a: a[0])  # stable: the order of files and bids within a rank
    left = {
        level: max(0, sum(a[1] == level for a in ranked) - cap) for level in ("error", "warning", "notice")
    }
    if any(left.values()) and sum(a[1] == "notice" for a in ranked) >= cap:
        left["notice"] += 1
    room = {level: cap - (1 if level == "notice" and any(left.values()) else 0) for level in left}
    kept: list[Annotation] = []
    for annotation in ranked:
        if room[annotation[1]] > 0:
            room[annotation[1]] -= 1
            kept.append(annotation)
    return kept, left


def format_github(
    result: CheckResult,
    positions: Mapping[str, Sequence[Position]] | None = None,
    cap: int = ANNOTATION_CAP,
) -> str:
    """GitHub Actions workflow commands: the most important annotations first, within GitHub's cap.

    Input problems come first, as ``::error`` whose text starts with the
    place (``Sheet!Cell`` or the field path), with ``line``/``col`` when the
    place is a line of a YAML, JSON or TOML file. Then the findings that fail
    a bid, then warnings (``::warning``; info findings are left out), then
    for each failing bid one ``::notice`` (title ``bidfit WHAT_IT_TAKES:
    <bid>``) saying what it takes to pass. Each finding's text has the bid,
    both answers in words (the policy outcome and the customer's economics),
    the code, the lever and the message; it points at the bid: ``line=`` in a
    YAML or JSON file, ``Sheet!Cell`` in the title for a workbook (from
    ``positions``: per file, each bid's :func:`bidfit.io.positions.bid_positions`).

    GitHub shows at most ``cap`` annotations of each kind per step and drops
    the rest silently: beyond it, this leaves the less important ones out and
    says in one last ``::notice`` how many. The last line is a plain summary.
    Messages and properties are cleaned (control characters removed, line
    breaks made spaces, so one command is one line) and escape ``%``;
    properties also ``:`` and ``,``.
    """
    positions = positions or {}
    annotations = [_problem_annotation(p) for problems in result.problems.values() for p in problems]
    for file in result.files:
        places = positions.get(file, ())
        for k, entry in enumerate(result.entries_of(file)):
            annotations += _bid_annotations(entry, places[k] if k < len(places) else None)
    kept, left = _capped(annotations, cap)
    lines = [_command(level, properties, message) for _, level, properties, message in kept]
    if any(left.values()):
        counts = ", ".join(f"{n} {level}{'s' if n != 1 else ''}" for level, n in left.items() if n)
        lines.append(
            _command(
                "notice",
                {"title": "bidfit: more findings"},
                f"{counts} not shown as annotations (GitHub shows at most {cap} of each kind per step): "
                "see the job summary or the log's report.",
            )
        )
    lines.append(f"bidfit: {result.status.upper()}: {result.summary_line()}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------- Markdown


def _who(entry: BidCheck) -> str:
    """``bid (vendor)`` in Markdown, both names escaped."""
    bid = for_markdown(entry.bid)
    return f"{bid} ({for_markdown(entry.vendor)})" if entry.vendor else bid


def _markdown_row(entry: BidCheck) -> str:
    """A row of the bids table: user text escaped, bidfit's own figures and codes as they are."""
    m, cur = entry.figures, entry.currency
    codes = ", ".join(f"{f.code} ({f.severity})" for f in entry.flags if f.severity != "info") or "-"
    cells = [
        "**FAILS POLICY**" if not entry.passed else "passes policy",
        for_markdown(entry.file),
        _who(entry),
        VERDICT_WORDS[entry.verdict],
        fmt.money(m["npv"], cur),
        fmt.years(m["payback_years"]),
        fmt.ratio(m["benefit_cost_ratio"]),
        codes,
    ]
    return "| " + " | ".join(cells) + " |"


def _markdown_details(result: CheckResult) -> list[str]:
    flagged = [e for e in result.entries if any(f.severity != "info" for f in e.flags)]
    if not flagged:
        return []
    lines = ["", "<details><summary>Findings and the lever that fixes each</summary>", ""]
    for entry in flagged:
        lines.append(f"**{for_markdown(entry.bid)}** ({for_markdown(entry.file)})")
        lines.append("")
        lines += [
            f"- **{f.severity.upper()}** `{f.code}`"
            + (f" (lever: {f.lever.replace('_', ' ')})" if f.lever else "")
            + f": {for_markdown(f.message)}"
            for f in entry.flags
            if f.severity != "info"
        ]
        lines.append("")
        lines += _markdown_what_it_takes(entry)
    lines.append("</details>")
    return lines


def _markdown_what_it_takes(entry: BidCheck) -> list[str]:
    """The sentence, then a table of the levers (for a failing bid)."""
    wit, sentence = entry.what_it_takes, entry.what_it_takes_sentence
    if wit is None or sentence is None:
        return []
    lines = [f"**What it takes:** {for_markdown(sentence)}", ""]
    if wit.changes:
        from bidfit.present.pricing import what_it_takes_rows

        lines += ["| Lever | Now | Needed | Change |", "|---|--:|--:|--:|"]
        for change, (lever, now, needed, percent, _) in zip(
            wit.changes, what_it_takes_rows(wit), strict=True
        ):
            # A list of names (the scope lever's revenue streams) is user text; figures are bidfit's.
            now = for_markdown(now) if isinstance(change.now, list | tuple) else now
            needed = for_markdown(needed) if isinstance(change.needed, list | tuple) else needed
            lines.append(f"| {lever} | {now} | {needed} | {percent} |")
        lines.append("")
    return lines


def _markdown_problems(result: CheckResult) -> list[str]:
    if not result.problems:
        return []
    lines = ["", "**Input errors**", "", "| File | Where | Problem |", "|---|---|---|"]
    lines += [
        f"| {for_markdown(p.file or '')} | {for_markdown(p.where) or '-'} "
        f"| {for_markdown(replace(p, file=None, where=''))} |"
        for problems in result.problems.values()
        for p in problems
    ]
    return lines


def format_markdown(result: CheckResult) -> str:
    """A Markdown report for a pull-request comment: a table of bids; in a collapsible section each
    finding with its lever and, for a failing bid, what it takes to pass; input errors.

    Every user text (file names, bids, vendors, messages that embed names) goes
    through :func:`bidfit.escape.for_markdown` and is never put in a code
    span, so it shows literally: no table break, markup, link, image or mention.
    """
    title = {"passed": "passed", "failed": "failed", "invalid": "found invalid input"}[result.status]
    lines = [f"### bidfit check {title}", "", result.summary_line() + "."]
    if result.entries:
        lines += [
            "",
            "| Policy | File | Bid | Customer | NPV | Payback | B/C | Findings |",
            "|---|---|---|---|--:|--:|--:|---|",
            *(_markdown_row(e) for e in result.entries),
        ]
    lines += _markdown_details(result)
    lines += _markdown_problems(result)
    return "\n".join(lines) + "\n"


FORMATS: dict[str, Callable[[CheckResult], str]] = {
    "text": format_text,
    "json": format_json,
    "junit": format_junit,
    "github": format_github,
    "markdown": format_markdown,
}
"""Formatter by name (the ``--format`` choices); ``text`` without colour."""
