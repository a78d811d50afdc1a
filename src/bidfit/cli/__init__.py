"""The ``bidfit`` command: parse, call the library, format, set the exit code.

Each subcommand lives in its own module with ``add_parser(subparsers)`` and
``run(args) -> int``. Exit codes: 0 success (or every bid passes), 1 at least
one bid fails the policy, 2 a usage or input error (one line per problem on
stderr, never a traceback), ``128 + N`` when signal N (SIGINT: 130, SIGTERM
during a write: 143) ends the run, after one line ``bidfit: interrupted``.

Every line the command prints goes through :func:`print_lines`, which makes
it inert for a terminal (:func:`bidfit.escape.for_terminal`): names read from
a file cannot move the cursor, clear the screen or retitle the window.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import warnings
from collections.abc import Callable, Iterable, Sequence
from importlib import import_module
from typing import TextIO

from bidfit._version import __version__
from bidfit.errors import BidfitError, InputError, InputNote
from bidfit.escape import for_terminal

__all__ = ["EXIT_FAIL", "EXIT_OK", "EXIT_USAGE", "main", "print_errors", "print_lines", "trial_count"]

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2

SUBCOMMANDS = ("template", "analyze", "check", "schema")
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


def trial_count(text: str) -> int:
    """An argparse type: a whole number of simulated futures >= 1.

    Examples
    --------
    >>> trial_count("20000")
    20000
    """
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of trials >= 1, found {text!r}")
    return int(text)


def print_lines(text: object, file: TextIO | None = None) -> None:
    r"""Print ``text`` with each line cleaned by :func:`bidfit.escape.for_terminal` (default: stdout).

    Examples
    --------
    >>> print_lines("Vendor \x1b]0;pwned\x07A\nsecond line")
    Vendor A
    second line
    """
    lines = str(text).split("\n")
    print("\n".join(for_terminal(line) for line in lines), file=sys.stdout if file is None else file)


def print_errors(messages: Iterable[object]) -> None:
    r"""Print each message on one line of stderr as ``bidfit: error: ...`` (line breaks become spaces).

    Examples
    --------
    >>> import contextlib, io
    >>> with contextlib.redirect_stderr(io.StringIO()) as err:
    ...     print_errors(["a.yaml: name: bad \x1b[2Jvalue\nsecond part"])
    >>> err.getvalue()
    'bidfit: error: a.yaml: name: bad value second part\n'
    """
    lines = [f"bidfit: error: {for_terminal(message)}" for message in messages]
    if lines:
        print_lines("\n".join(lines), sys.stderr)


def report_error(error: BidfitError) -> None:
    """Print a user error to stderr: one line per problem, no traceback."""
    problems = error.problems if isinstance(error, InputError) else None
    print_errors(problems or [error])


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    with warnings.catch_warnings():
        warnings.simplefilter("always", InputNote)
        warnings.showwarning = _note_printer(warnings.showwarning)
        return _run(args)


def _note_printer(default: Callable[..., None]) -> Callable[..., None]:
    """A ``warnings.showwarning`` that prints a :class:`bidfit.InputNote` as ``bidfit: note: ...``
    and hands any other warning to ``default``."""

    def show(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: TextIO | None = None,
        line: str | None = None,
    ) -> None:
        if issubclass(category, InputNote):
            print(f"bidfit: note: {for_terminal(message)}", file=sys.stderr)
        else:
            default(message, category, filename, lineno, file, line)

    return show


def _run(args: argparse.Namespace) -> int:
    """Run the chosen subcommand; turn user errors into messages and exit codes."""
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
        print_errors([f"{error.strerror or error}{target}"])
        return EXIT_USAGE
    except KeyboardInterrupt as interrupt:  # Ctrl-C, or a termination signal during a write
        print("bidfit: interrupted", file=sys.stderr)
        return 128 + getattr(interrupt, "signum", signal.SIGINT)
