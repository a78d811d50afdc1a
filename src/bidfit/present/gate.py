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
import textwrap
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import PurePath
from typing import IO, TYPE_CHECKING, Any

from bidfit import _format as fmt
from bidfit._version import __version__
from bidfit.escape import for_github_data, for_github_property, for_markdown, for_terminal, for_xml
from bidfit.present.text import WIDTH, render_flags
from bidfit.present.view import headline, key_figures

if TYPE_CHECKING:
    from bidfit.errors import Problem
    from bidfit.flags import Flag
    from bidfit.gate import BidCheck, CheckResult
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

SCHEMA_VERSION = "1.1"
"""Version of the JSON layout: the minor part grows with added fields, the major part on any
change that could break a reader."""

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


def _what_it_takes_lines(entry: BidCheck, colour: bool) -> list[str]:
    sentence = entry.what_it_takes_sentence
    if sentence is None:
        return []
    lines = textwrap.wrap(
        f"{WHAT_IT_TAKES_LABEL} {for_terminal(sentence)}",
        width=WIDTH,
        initial_indent="  ",
        subsequent_indent="      ",
    )
    if colour:
        lines[0] = lines[0].replace(WHAT_IT_TAKES_LABEL, _bold(WHAT_IT_TAKES_LABEL, colour), 1)
    return lines


def _text_block(entry: BidCheck, colour: bool) -> list[str]:
    """A bid's lines; user text is cleaned by :func:`for_terminal` before any colour is added."""
    bid = entry.analysis
    mark = "pass" if entry.passed else "FAIL"
    figures = [("File", f"{entry.file} (case: {entry.case})"), *key_figures(bid)]
    width = max(len(label) for label, _ in figures)
    lines = [f"{_bold(f'[{mark}]', colour)} {_paint(for_terminal(headline(bid)), entry.verdict, colour)}"]
    lines += [f"  {label.ljust(width)}  {for_terminal(value)}" for label, value in figures]
    if entry.flags:
        lines.append("  Findings:")
        for line in render_flags(bid, indent="    "):
            found = _SEVERITY_WORD.match(line)
            if found and colour:
                word = found.group(2)
                line = found.group(1) + _paint(word, word.lower(), colour) + line[found.end() :]
            lines.append(line)
    return lines + _what_it_takes_lines(entry, colour)


def format_text(result: CheckResult, colour: bool = False, *, show_problems: bool = True) -> str:
    """One block per bid (verdict, key figures, each finding with its lever, and for a failing bid
    a ``What it takes:`` line), then a summary.

    Parameters
    ----------
    result : CheckResult
        What :func:`bidfit.check` returned.
    colour : bool
        Use ANSI colours (see :func:`use_colour`).
    show_problems : bool
        List input problems too; the command line prints them on stderr
        instead when the report goes to the terminal.
    """
    lines: list[str] = []
    for entry in result.entries:
        lines += [*_text_block(entry, colour), ""]
    if show_problems and result.problems:
        lines.append(_paint("Input errors:", "error", colour))
        lines += [f"  {for_terminal(p)}" for problems in result.problems.values() for p in problems]
        lines.append("")
    status = _paint(result.status.upper(), "better_off" if result.passed else "error", colour)
    lines.append(f"{status}: {result.summary_line()}")
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
        "files": list(result.files),
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
            message=for_xml(f"{entry.verdict}: " + ", ".join(f.code for f in entry.failures)),
            type=entry.verdict,
        )
        lines = [_flag_line(f) for f in entry.failures]
        if entry.what_it_takes_sentence is not None:
            lines.append(f"{WHAT_IT_TAKES_LABEL} {entry.what_it_takes_sentence}")
        failure.text = _xml_lines(lines)
    out = ET.SubElement(case, "system-out")
    out.text = _xml_lines(_text_block(entry, colour=False))


def _junit_error(suite: Any, file: str, problems: tuple[Problem, ...]) -> None:
    from xml.etree import ElementTree as ET

    case = ET.SubElement(suite, "testcase", name="input file", classname=for_xml(file))
    count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
    error = ET.SubElement(case, "error", message=f"invalid input: {count}", type="InputError")
    error.text = _xml_lines([str(p) for p in problems])


def format_junit(result: CheckResult) -> str:
    """JUnit XML: one ``testsuite`` per file, one ``testcase`` per bid.

    A failing bid has a ``failure`` element (message: verdict and failing
    codes; text: each failing finding with its lever, then what it takes to
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


def _command(level: str, properties: dict[str, str], message: str) -> str:
    """One workflow command on one line: properties and message cleaned and escaped."""
    props = ",".join(f"{key}={for_github_property(value)}" for key, value in properties.items())
    return f"::{level} {props}::{for_github_data(message)}"


def _github_flag(entry: BidCheck, flag: Flag) -> str:
    who = f" ({entry.vendor})" if entry.vendor else ""
    lever = f" [lever: {flag.lever.replace('_', ' ')}]" if flag.lever else ""
    message = f"{entry.bid}{who} in case {entry.case!r}: {entry.verdict}. {flag.code}{lever}: {flag.message}"
    properties = {"file": PurePath(entry.file).as_posix(), "title": f"bidfit {flag.code}: {entry.bid}"}
    return _command(_ANNOTATION[flag.severity], properties, message)


def _github_what_it_takes(entry: BidCheck) -> list[str]:
    sentence = entry.what_it_takes_sentence
    if sentence is None:
        return []
    who = f" ({entry.vendor})" if entry.vendor else ""
    message = f"{entry.bid}{who} in case {entry.case!r}: {entry.verdict}. {WHAT_IT_TAKES_LABEL} {sentence}"
    properties = {"file": PurePath(entry.file).as_posix(), "title": f"bidfit WHAT_IT_TAKES: {entry.bid}"}
    return [_command("notice", properties, message)]


def _github_problem(problem: Problem) -> str:
    properties = {
        "file": PurePath(problem.file or "").as_posix(),
        "title": f"bidfit input error ({problem.code})",
    }
    position = _LINE_COLUMN.match(problem.where)
    if position:
        properties["line"] = position.group(1)
        if position.group(2):
            properties["col"] = position.group(2)
    return _command("error", properties, str(replace(problem, file=None)))


def format_github(result: CheckResult) -> str:
    """GitHub Actions workflow commands, one annotation per finding and per input problem.

    Error findings are ``::error``, warnings ``::warning`` (info findings are
    left out); each names the file and puts the bid, the verdict, the code,
    the lever and the message in the text. Each failing bid then gets one
    ``::notice`` (title ``bidfit WHAT_IT_TAKES: <bid>``) saying what it takes
    to pass. An input problem is an ``::error`` whose text starts with its
    place (``Sheet!Cell`` or the field path), with ``line``/``col`` when the
    place is a line of a YAML, JSON or TOML file.
    The last line is a plain summary. Messages and properties are cleaned
    (control characters removed, line breaks made spaces, so one command is
    one line) and escape ``%``; properties also ``:`` and ``,``.
    """
    lines = [
        line
        for entry in result.entries
        for line in [
            *(_github_flag(entry, flag) for flag in entry.flags if flag.severity in _ANNOTATION),
            *_github_what_it_takes(entry),
        ]
    ]
    lines += [_github_problem(p) for problems in result.problems.values() for p in problems]
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
        "**FAIL**" if not entry.passed else "pass",
        for_markdown(entry.file),
        _who(entry),
        entry.verdict.replace("_", " "),
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
            "| Result | File | Bid | Verdict | NPV | Payback | B/C | Findings |",
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
