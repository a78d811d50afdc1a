"""``bidfit template OUT.xlsx [--example NAME]``: write the input workbook.

``--force`` replaces an existing workbook, but never the sample file the
template is filled from.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from bidfit.cli import print_lines
from bidfit.errors import InputError, Problem
from bidfit.io.samples import sample_names, sample_path

__all__ = ["add_parser", "run"]


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``template`` on the top-level parser."""
    parser = subparsers.add_parser(
        "template",
        help="write an input workbook to fill in (empty, or filled with a bundled sample)",
        description="Write the input workbook: sheets Case, Revenue, Bids, Costs, Policy, FX and "
        "Uncertainty with commented headers and drop-down lists. Fill it in, then run "
        "`bidfit analyze OUT.xlsx -o report.xlsx`.",
    )
    parser.add_argument("output", metavar="OUT.xlsx", help="the workbook to write")
    parser.add_argument(
        "--example",
        metavar="NAME",
        help=f"fill the template with a bundled sample ({', '.join(sample_names())})",
    )
    parser.add_argument(
        "--force", action="store_true", help="replace OUT.xlsx if it exists (never a file the command reads)"
    )
    return parser


def run(args: argparse.Namespace) -> int:
    """Write the template; refuse to replace an existing file without ``--force``, or an input at all."""
    from bidfit.io.atomic import check_output_path

    out = Path(args.output)
    if out.suffix.lower() != ".xlsx":
        raise InputError(
            Problem(
                "",
                "the template is an Excel workbook",
                found=out.suffix or "(none)",
                expected="a file name ending in .xlsx",
                code="file_type",
            ),
            str(out),
        )
    inputs = [sample_path(args.example)] if args.example else []
    check_output_path(out, inputs)  # before the existence check: --force does not lift it
    if out.exists() and not args.force:
        raise InputError(
            Problem(
                "",
                "the file exists (it may be a filled-in workbook)",
                expected="another file name, or --force to replace it",
                code="exists",
            ),
            str(out),
        )
    _write(out, args.example, inputs)
    print_lines(f"wrote {out}" + (f" (filled with sample {args.example!r})" if args.example else ""))
    return 0


def _write(out: Path, example: str | None, inputs: list[Path]) -> None:
    """The template (filled with the sample ``example``), written atomically; ``inputs`` are never replaced."""
    from bidfit.io.samples import load_sample
    from bidfit.io.template import template_workbook
    from bidfit.io.xlsx.write import save_workbook

    case = load_sample(example) if example else None
    save_workbook(template_workbook(case), out, inputs=inputs)
