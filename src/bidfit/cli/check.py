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
from typing import Any

from bidfit.review import FAIL_ON, CheckResult, check

__all__ = ["FORMAT_NAMES", "add_parser", "run"]

FORMAT_NAMES = ("text", "json", "junit", "github", "markdown")
"""The ``--format`` choices (see :mod:`bidfit.present.review`)."""

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
        help="write the report to FILE (atomically) instead of stdout; a summary line goes to stdout",
    )
    return parser


def run(args: argparse.Namespace) -> int:
    """Check, print or write the report, and return the gate's exit code."""
    result = check(args.inputs, policy=args.policy, fail_on=args.fail_on)
    for problems in result.problems.values():
        for problem in problems:
            print(f"bidfit: error: {problem}", file=sys.stderr)
    if args.output:
        from bidfit.io.atomic import write_atomically

        text = render(result, args.format, colour=False)
        write_atomically(args.output, lambda stream: stream.write(text.encode("utf-8")), inputs=result.files)
        print(
            f"{result.status.upper()}: {result.summary_line()}; {args.format} report written to {args.output}"
        )
    else:
        from bidfit.present.review import use_colour

        colour = use_colour(sys.stdout)
        sys.stdout.write(render(result, args.format, colour=colour, show_problems=False))
    return result.exit_code


def render(result: CheckResult, name: str, *, colour: bool = False, show_problems: bool = True) -> str:
    """The report in format ``name``."""
    from bidfit.present import review

    if name == "text":
        return review.format_text(result, colour, show_problems=show_problems)
    return review.FORMATS[name](result)
