"""``bidfit schema [--output FILE]``: the JSON schema of a case file, for editors and validators.

The schema describes every field (with its unit) and accepts the forms
``bidfit`` reads. An editor with the YAML language server (VS Code's YAML
extension, for instance) validates and completes a case file whose first
line names it::

    # yaml-language-server: $schema=case.schema.json
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from bidfit.cli import print_lines

__all__ = ["add_parser", "run", "schema_text"]


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``schema`` on the top-level parser."""
    parser = subparsers.add_parser(
        "schema",
        help="print the JSON schema of a case file (for editors and validators)",
        description="Print the JSON schema (draft 2020-12) of a case file: every field with its "
        "description and unit, and the forms bidfit accepts. Save it with --output case.schema.json "
        "and start a case file with `# yaml-language-server: $schema=case.schema.json` for an editor "
        "to check and complete it as you type.",
    )
    parser.add_argument(
        "--output", "-o", metavar="FILE", help="write the schema to FILE instead of printing it"
    )
    return parser


def schema_text() -> str:
    """The case schema as JSON text, two-space indented, ending in a newline.

    Examples
    --------
    >>> schema_text().startswith('{\\n  "$schema": "https://json-schema.org/draft/2020-12/schema"')
    True
    """
    from bidfit.model.case import case_json_schema

    return json.dumps(case_json_schema(), indent=2, ensure_ascii=False) + "\n"


def run(args: argparse.Namespace) -> int:
    """Print the schema, or write it atomically to ``--output``."""
    text = schema_text()
    if args.output is None:
        print_lines(text.removesuffix("\n"))
        return 0
    from bidfit.io.atomic import write_atomically

    out = write_atomically(args.output, lambda fh: fh.write(text.encode("utf-8")))
    print_lines(f"wrote {out}")
    return 0
