"""``bidfit check IN...``: the proposal review gate.

Checks case files and folders against a policy and exits 0 when every bid
passes, 1 when at least one bid fails at or above ``--fail-on``, 2 when an
input is invalid (each problem on one line of stderr; the other files are
still checked and reported). A failing bid's report says what it takes to
pass (computed by :func:`bidfit.check`).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from bidfit.cli import print_errors, print_lines, trial_count
from bidfit.gate import FAIL_ON, GATE_SEED, GATE_TRIALS, CheckResult, check

__all__ = ["FORMAT_NAMES", "add_parser", "job_count", "run"]

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
        help="check proposals against a review policy; exit 1 when a bid fails it",
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
        "-v",
        "--verbose",
        action="store_true",
        help="text format: show every bid's figures and findings (default: a passing bid is one line)",
    )
    parser.add_argument(
        "--trials",
        type=trial_count,
        default=GATE_TRIALS,
        metavar="N",
        help=f"simulated futures per case whose policy sets max_loss_probability (default: {GATE_TRIALS:,})",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=GATE_SEED,
        metavar="S",
        help=f"seed of those simulations: the same seed gives the same answer (default: {GATE_SEED})",
    )
    parser.add_argument(
        "--jobs",
        type=job_count,
        default=1,
        metavar="N",
        help="local processes that load and analyse the files (default: 1); the report is the same",
    )
    parser.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write the report to FILE (atomically) instead of stdout; a summary line goes to stdout; "
        "FILE may not be one of the files read (a case, a case in a folder, the policy)",
    )
    return parser


def job_count(text: str) -> int:
    """An argparse type: a whole number of processes >= 1.

    Examples
    --------
    >>> job_count("4")
    4
    """
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of processes >= 1, found {text!r}")
    return int(text)


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
    result = check(
        args.inputs,
        policy=args.policy,
        fail_on=args.fail_on,
        trials=args.trials,
        seed=args.seed,
        jobs=args.jobs,
    )
    print_errors(p for problems in result.problems.values() for p in problems)
    for file, reason in result.skipped.items():
        print_lines(f"bidfit: note: {file}: not a case file, skipped: {reason}", file=sys.stderr)
    _write_step_summary(result, _files_read(args, result))
    if args.output:
        from bidfit.io.atomic import write_atomically

        text = render(result, args.format, colour=False, verbose=args.verbose)
        write_atomically(
            args.output, lambda stream: stream.write(text.encode("utf-8")), inputs=_files_read(args, result)
        )
        print_lines(
            f"{result.status.upper()}: {result.summary_line()}; {args.format} report written to {args.output}"
        )
        return result.exit_code
    from bidfit.present.gate import use_colour

    colour = args.format == "text" and use_colour(sys.stdout)
    text = render(result, args.format, colour=colour, show_problems=False, verbose=args.verbose)
    if colour:  # the text format cleans every name before it adds its own colour sequences
        sys.stdout.write(text)
    else:
        print_lines(text.removesuffix("\n"))
    return result.exit_code


def _write_step_summary(result: CheckResult, inputs: list[Path]) -> None:
    """Append the Markdown report to ``$GITHUB_STEP_SUMMARY`` when GitHub Actions sets it.

    GitHub shows that file as the job's summary page; it is appended to, as
    GitHub asks, and never when it is one of the files read.
    """
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return
    path = Path(target)
    if any(path.resolve() == p.resolve() for p in inputs):
        print_errors(
            [f"GITHUB_STEP_SUMMARY is {target}, a file this check reads: the summary is not written"]
        )
        return
    from bidfit.present.gate import format_markdown

    try:
        with path.open("a", encoding="utf-8") as stream:
            stream.write(format_markdown(result) + "\n")
    except OSError as exc:
        print_errors([f"cannot write the job summary to {target}: {exc.strerror or exc}"])


def render(
    result: CheckResult, name: str, *, colour: bool = False, show_problems: bool = True, verbose: bool = False
) -> str:
    """The report in format ``name``; GitHub annotations point at each bid's line or cell."""
    from bidfit.present import gate

    if name == "text":
        return gate.format_text(result, colour, show_problems=show_problems, verbose=verbose)
    if name == "github":
        from bidfit.io.positions import bid_positions

        valid = [f for f in result.files if f not in result.problems]
        return gate.format_github(result, positions={f: bid_positions(f) for f in valid})
    return gate.FORMATS[name](result)
