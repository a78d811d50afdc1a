"""``bidfit template OUT.xlsx [--example NAME]``: write the input workbook."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from bidfit.errors import InputError, Problem
from bidfit.io.samples import sample_names

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
    parser.add_argument("--force", action="store_true", help="replace OUT.xlsx if it exists")
    return parser


def run(args: argparse.Namespace) -> int:
    """Write the template; refuse to replace an existing file without ``--force``."""
    from bidfit.io.template import write_template

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
    write_template(out, args.example)
    print(f"wrote {out}" + (f" (filled with sample {args.example!r})" if args.example else ""))
    return 0
