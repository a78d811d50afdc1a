"""``bidfit analyze IN [-o OUT.xlsx]``: each bid's two answers and findings, and the report workbook.

After the findings of a bid that fails the review policy comes what it
takes for it to pass (:func:`bidfit.what_it_takes`); after a bid with scope
options, every combination of them and the recommended one
(:func:`bidfit.scope_options`). ``--simulate`` on a case with no uncertain
input is refused (exit 2): it would only repeat the analysis.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bidfit.assess.analysis import analyze
from bidfit.cli import print_lines, trial_count
from bidfit.errors import InputError, Problem
from bidfit.io import load
from bidfit.io.atomic import check_output_path, same_file

if TYPE_CHECKING:
    from collections.abc import Mapping

    from bidfit.present.view import Block
    from bidfit.results.analysis import Analysis
    from bidfit.studies.pricing import PricingRoom

__all__ = ["add_parser", "describe", "run"]


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
        type=trial_count,
        help="also simulate N futures of the case's uncertainty: print each bid's chance of leaving the "
        "customer worse off, and add the Simulation and Sensitivity sheets to the report",
    )
    parser.add_argument(
        "--seed", metavar="S", type=int, help="seed of the simulation (same seed, same result)"
    )
    parser.add_argument(
        "--business-case",
        metavar="OUT.html",
        help="also write the customer's business case of one bid as a self-contained HTML document "
        "(customer-side figures only: nothing of the vendor's own costs, margin or floor)",
    )
    parser.add_argument("--bid", metavar="NAME", help="the bid of the business case (default: the first bid)")
    parser.add_argument(
        "--include-competitors",
        action="store_true",
        help="show the other bids' NPVs in the business case (left out by default)",
    )
    parser.add_argument(
        "--pdf",
        metavar="OUT.pdf",
        help="also print the business case to PDF through headless Chromium (needs --business-case)",
    )
    return parser


def _check_output(output: str, source: str, suffix: str = ".xlsx", what: str = "the report") -> Path:
    """An output's path, once it is known to end in ``suffix`` and not to replace the case file."""
    out = Path(output)
    if out.suffix.lower() != suffix:
        kinds = {".xlsx": "an Excel workbook", ".html": "an HTML document", ".pdf": "a PDF document"}
        raise InputError(
            Problem(
                "",
                f"{what} is {kinds[suffix]}",
                found=out.suffix or "(none)",
                expected=f"a file name ending in {suffix}",
                code="file_type",
            ),
            output,
        )
    if same_file(out, source):  # by name, through a link or as a hard link
        raise InputError(
            Problem(
                "",
                f"{what} would overwrite the input file",
                found=source,
                expected="another output file name",
                code="output_is_input",
            ),
            output,
        )
    return check_output_path(out)


def describe(result: Analysis, pricing: Mapping[str, PricingRoom]) -> list[Block]:
    """The analysis as blocks: the verdict table, then per bid its banner and findings, what it takes for a
    worse-off bid to pass and, for a bid with scope options, every combination of them."""
    from bidfit.present.pricing import describe_options, describe_what_it_takes
    from bidfit.present.view import describe_analysis_head, describe_findings

    blocks = describe_analysis_head(result)
    for bid in result:
        room = pricing[bid.name]
        blocks += describe_findings(bid)
        if bid.errors:
            blocks += describe_what_it_takes(room.what_it_takes)
        if room.options is not None:
            blocks += describe_options(room.options)
    return blocks


def run(args: argparse.Namespace) -> int:
    """Print the analysis (and write the report); exit 0: the verdicts are information here, not a gate."""
    from bidfit.present.text import render_blocks

    out = _check_output(args.output, args.input) if args.output else None
    case_out = (
        _check_output(args.business_case, args.input, ".html", "the business case")
        if args.business_case
        else None
    )
    pdf_out = _check_output(args.pdf, args.input, ".pdf", "the business case PDF") if args.pdf else None
    if pdf_out is not None and case_out is None:
        raise InputError(
            Problem(
                "",
                "--pdf prints the business case",
                found="--pdf alone",
                expected="--business-case OUT.html too",
                code="missing_option",
            ),
            args.pdf,
        )
    case = load(args.input)
    if args.simulate and not case.uncertainty:
        raise InputError(
            Problem(
                "",
                f"--simulate {args.simulate}: the case has no uncertain inputs, so every simulated future "
                "would be the analysis itself",
                expected="an Uncertainty sheet (target, distribution, low, mode, high, ...) or an "
                "uncertainty: list, e.g. {target: 'revenue.<stream>.annual_amount', distribution: "
                "triangular, low: 300000, mode: 380000, high: 420000}",
                code="nothing_uncertain",
            ),
            args.input,
        )
    result = analyze(case)
    if args.bid is not None and args.bid not in result.bids:
        raise InputError(
            Problem("", "no such bid", found=args.bid, expected=", ".join(result.bids), code="unknown_bid"),
            args.input,
        )
    from bidfit.studies.pricing import pricing_rooms

    pricing = pricing_rooms(result)
    print_lines(render_blocks(describe(result, pricing)))
    simulation = None
    if args.simulate:
        from bidfit.present.progress import progress_bar
        from bidfit.studies.simulation import simulate

        simulation = simulate(result.case, args.simulate, seed=args.seed, progress=progress_bar())
        print_lines(f"\n{simulation!r}")
    if out is not None:
        from bidfit.io.xlsx.write import save_workbook
        from bidfit.present.report import report_workbook

        sensitivities = []
        if simulation is not None:
            from bidfit.studies.sensitivity import sensitivity

            sensitivities = [sensitivity(result.case, bid) for bid in result.bids]
        workbook = report_workbook(result, pricing=pricing, simulation=simulation, sensitivity=sensitivities)
        save_workbook(workbook, out, inputs=[args.input])
        print_lines(f"\nwrote {out}")
    if case_out is not None:
        return _write_business_case(result, args, case_out, pdf_out)
    return 0


def _write_business_case(result: Analysis, args: argparse.Namespace, out: Path, pdf: Path | None) -> int:
    """Write the business case (and its PDF); exit 2 when the PDF needs Chromium and it is not installed."""
    from bidfit.cli.pdf import ChromiumMissing, print_to_pdf
    from bidfit.io.atomic import write_atomically
    from bidfit.studies.business_case import business_case

    page = business_case(result, args.bid, include_competitors=args.include_competitors).html()
    write_atomically(out, lambda fh: fh.write(page.encode("utf-8")), inputs=[args.input])
    print_lines(f"\nwrote {out}")
    if pdf is None:
        return 0
    try:
        print_to_pdf(out, pdf, inputs=[args.input])
    except ChromiumMissing as missing:
        print_lines(f"bidfit: {missing}", file=sys.stderr)
        return 2
    print_lines(f"wrote {pdf}")
    return 0
