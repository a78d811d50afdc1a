"""``bidfit check IN...``: the proposal review gate.

Checks case files and folders against a policy and exits 0 when every bid
passes, 1 when at least one bid fails at or above ``--fail-on``, 2 when an
input is invalid (each problem on one line of stderr; the other files are
still checked and reported). A failing bid's report says what it takes to
pass (computed by :func:`bidfit.check`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bidfit.cli import print_errors, print_lines
from bidfit.gate import FAIL_ON, CheckResult, check

__all__ = ["FORMAT_NAMES", "add_parser", "run"]

FORMAT_NAMES = ("text", "json", "junit", "github", "markdown")
"""The ``--format`` choices (see :mod:`bidfit.present.gate`)."""

_EPILOG = """\
exit status:
  0  every bid passes the policy
  1  at least one bid fails at or above --fail-on
  2  usage error or invalid input (one line per problem on stderr); when some
     inputs are invalid and others fail, the exit status is 2 and the valid
     inputs are still reported

Policy file (TOML or YAML): Policy field names at top level, e.g.
  max_payback_years = 2
  min_benefit_cost_ratio = 1.2
  require_source = true
  [severity]
  THIN_MARGIN = "error"
"""


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``check`` on the top-level parser."""
    parser = subparsers.add_parser(
        "check",
        help="check proposals against a review policy; exit 1 when a bid leaves the customer worse off",
        description=(
            "Check case files (.yaml, .yml, .json, .xlsx) or folders of them (searched recursively, "
            "hidden files and folders skipped) against a review policy. For each bid that fails, every "
            "format also says what it would take to pass: the smallest change of price, fees, term or scope."
        ),
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("inputs", nargs="+", metavar="IN", help="case files or folders")
    parser.add_argument(
        "--policy",
        metavar="FILE",
        help="policy file (TOML or YAML) whose keys override each case's own policy",
    )
    parser.add_argument(
        "--format", choices=FORMAT_NAMES, default="text", help="output format (default: text)"
    )
    parser.add_argument(
        "--fail-on",
        choices=FAIL_ON,
        default="error",
        help="fail a bid on an error finding (default) or also on a warning",
    )
    parser.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write the report to FILE (atomically) instead of stdout; a summary line goes to stdout; "
        "FILE may not be one of the files read (a case, a case in a folder, the policy)",
    )
    return parser


def _files_read(args: argparse.Namespace, result: CheckResult | None = None) -> list[Path]:
    """Every file the check reads: the case files (those found in folders too) and the policy file."""
    from bidfit.io import find_case_files

    cases = [Path(f) for f in result.files] if result is not None else find_case_files(args.inputs)
    return cases + ([Path(args.policy)] if args.policy else [])


def run(args: argparse.Namespace) -> int:
    """Check, print or write the report, and return the gate's exit code."""
    if args.output:
        from bidfit.io.atomic import check_output_path

        check_output_path(args.output, _files_read(args))  # refused before the work, not after
    result = check(args.inputs, policy=args.policy, fail_on=args.fail_on)
    print_errors(p for problems in result.problems.values() for p in problems)
    if args.output:
        from bidfit.io.atomic import write_atomically

        text = render(result, args.format, colour=False)
        write_atomically(
            args.output, lambda stream: stream.write(text.encode("utf-8")), inputs=_files_read(args, result)
        )
        print_lines(
            f"{result.status.upper()}: {result.summary_line()}; {args.format} report written to {args.output}"
        )
        return result.exit_code
    from bidfit.present.gate import use_colour

    colour = args.format == "text" and use_colour(sys.stdout)
    text = render(result, args.format, colour=colour, show_problems=False)
    if colour:  # the text format cleans every name before it adds its own colour sequences
        sys.stdout.write(text)
    else:
        print_lines(text.removesuffix("\n"))
    return result.exit_code


def render(result: CheckResult, name: str, *, colour: bool = False, show_problems: bool = True) -> str:
    """The report in format ``name``."""
    from bidfit.present import gate

    if name == "text":
        return gate.format_text(result, colour, show_problems=show_problems)
    return gate.FORMATS[name](result)
