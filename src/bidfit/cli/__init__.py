"""The ``bidfit`` command: parse, call the library, format, set the exit code.

Each subcommand lives in its own module with ``add_parser(subparsers)`` and
``run(args) -> int``. Exit codes: 0 success (or every bid passes), 1 at least
one bid fails the policy, 2 a usage or input error (one line per problem on
stderr, never a traceback).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from importlib import import_module

from bidfit._version import __version__
from bidfit.errors import BidfitError, InputError

__all__ = ["EXIT_FAIL", "EXIT_OK", "EXIT_USAGE", "main"]

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2

SUBCOMMANDS = ("template", "analyze", "check")
"""Modules of :mod:`bidfit.cli`, one per subcommand, in the order of ``--help``."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="bidfit",
        description="See a bid the way the customer sees it: revenue at stake against lifetime cost.",
    )
    parser.add_argument("--version", action="version", version=f"bidfit {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in SUBCOMMANDS:
        module = import_module(f"bidfit.cli.{name}")
        sub = module.add_parser(subparsers)
        sub.set_defaults(run=module.run)
    return parser


def report_error(error: BidfitError) -> None:
    """Print a user error to stderr: one line per problem, no traceback."""
    problems = error.problems if isinstance(error, InputError) else None
    lines = [str(p) for p in problems] if problems else [str(error)]
    for line in lines:
        print(f"bidfit: error: {line}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except BidfitError as error:
        report_error(error)
        return EXIT_USAGE
    except BrokenPipeError:
        # The reader went away (e.g. `bidfit ... | head`): stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except OSError as error:
        target = f": {error.filename}" if getattr(error, "filename", None) else ""
        print(f"bidfit: error: {error.strerror or error}{target}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("bidfit: interrupted", file=sys.stderr)
        return 130
