"""``bidfit analyze IN [-o OUT.xlsx]``: the verdict table, each bid's findings, and the report workbook.

After the findings of a bid that leaves the customer worse off comes what it
takes for it to pass (:func:`bidfit.what_it_takes`); after a bid with scope
options, every combination of them and the recommended one
(:func:`bidfit.scope_options`).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bidfit.assess.analysis import analyze
from bidfit.cli import print_lines
from bidfit.errors import InputError, Problem
from bidfit.io import load
from bidfit.io.atomic import check_output_path, same_file

if TYPE_CHECKING:
    from bidfit.present.view import Block
    from bidfit.results.analysis import Analysis, BidAnalysis

__all__ = ["add_parser", "run"]


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``analyze`` on the top-level parser."""
    parser = subparsers.add_parser(
        "analyze",
        help="analyse a case and print each bid's verdict and findings",
        description="Analyse every bid of a case (.yaml, .yml, .json or .xlsx) from the customer's side.",
    )
    parser.add_argument("input", metavar="IN", help="the case file")
    parser.add_argument(
        "-o",
        "--output",
        metavar="OUT.xlsx",
        help="also write the report workbook (summary, flags, inputs and one cash-flow sheet per bid "
        "with live formulas); it may not replace the input file",
    )
    parser.add_argument(
        "--simulate",
        metavar="N",
        type=_trials,
        help="also simulate N futures of the case's uncertainty: print each bid's chance of leaving the "
        "customer worse off, and add the Simulation and Sensitivity sheets to the report",
    )
    parser.add_argument(
        "--seed", metavar="S", type=int, help="seed of the simulation (same seed, same result)"
    )
    return parser


def _trials(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of trials >= 1, found {text!r}")
    return int(text)


def _check_output(output: str, source: str) -> Path:
    """The report's path, once it is known to end in ``.xlsx`` and not to replace the case file."""
    out = Path(output)
    if out.suffix.lower() != ".xlsx":
        raise InputError(
            Problem(
                "",
                "the report is an Excel workbook",
                found=out.suffix or "(none)",
                expected="a file name ending in .xlsx",
                code="file_type",
            ),
            output,
        )
    if same_file(out, source):  # by name, through a link or as a hard link
        raise InputError(
            Problem(
                "",
                "the report would overwrite the input file",
                found=source,
                expected="another output file name",
                code="output_is_input",
            ),
            output,
        )
    return check_output_path(out)


def _pricing_blocks(result: Analysis, bid: BidAnalysis) -> list[Block]:
    """What it takes for a worse-off bid to pass; the scope options of a bid that has them."""
    from bidfit.present.pricing import describe_options, describe_what_it_takes
    from bidfit.studies.pricing import scope_options, what_it_takes

    blocks: list[Block] = []
    if bid.errors:
        blocks += describe_what_it_takes(what_it_takes(result.case, bid.name, "error"))
    if result.case.bid(bid.name).options:
        blocks += describe_options(scope_options(result.case, bid.name))
    return blocks


def describe(result: Analysis) -> list[Block]:
    """The blocks of :func:`bidfit.present.view.describe_analysis`, with each bid's pricing blocks after its
    findings (a bid's part starts at its banner)."""
    from bidfit.present.view import Banner, describe_analysis

    blocks = describe_analysis(result)
    starts = [i for i, block in enumerate(blocks) if isinstance(block, Banner)]
    out = blocks[: starts[0]] if starts else list(blocks)
    for bid, start, end in zip(result, starts, [*starts[1:], len(blocks)], strict=True):
        out += [*blocks[start:end], *_pricing_blocks(result, bid)]
    return out


def run(args: argparse.Namespace) -> int:
    """Print the analysis (and write the report); exit 0: the verdicts are information here, not a gate."""
    from bidfit.present.text import render_blocks

    out = _check_output(args.output, args.input) if args.output else None
    result = analyze(load(args.input))
    print_lines(render_blocks(describe(result)))
    simulation = None
    if args.simulate:
        from bidfit.studies.simulation import simulate

        simulation = simulate(result.case, args.simulate, seed=args.seed)
        print_lines(f"\n{simulation!r}")
    if out is not None:
        from bidfit.io.xlsx.write import save_workbook
        from bidfit.present.report import report_workbook

        workbook = report_workbook(result)
        if simulation is not None:
            from bidfit.present.report_risk import add_sensitivity_sheet, add_simulation_sheet
            from bidfit.studies.sensitivity import sensitivity

            add_simulation_sheet(workbook, simulation)
            for bid in result.bids:
                add_sensitivity_sheet(workbook, result.case, sensitivity(result.case, bid))
        save_workbook(workbook, out, inputs=[args.input])
        print_lines(f"\nwrote {out}")
    return 0
