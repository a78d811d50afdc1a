"""Plain-text rendering for terminals and ``repr``: the blocks of :mod:`bidfit.present.view`.

Every text goes through :func:`bidfit.escape.for_terminal` before it is
measured, padded or wrapped, so that a name holding control characters or
terminal escape sequences neither acts on the terminal nor breaks a table's
alignment.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bidfit.escape import for_terminal
from bidfit.present.view import (
    Banner,
    Block,
    Findings,
    Heading,
    Paragraph,
    Table,
    describe_case,
)

if TYPE_CHECKING:
    from bidfit.flags import Flag
    from bidfit.model.case import Case
    from bidfit.results.analysis import BidAnalysis

__all__ = [
    "render_blocks",
    "render_case",
    "render_flags",
    "render_table",
]

WIDTH = 100


def render_table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]], align: str | None = None) -> str:
    """One space-padded line per row: by default a left-aligned first column, right-aligned figures.

    ``align`` gives one letter per column, ``l`` or ``r``. Cells are cleaned
    by :func:`bidfit.escape.for_terminal` first.

    Examples
    --------
    >>> print(render_table(("Bid", "NPV"), [("A\x1b[2J", "EUR 1k"), ("Bee", "EUR 20k")]))
    Bid      NPV
    ---  -------
    A     EUR 1k
    Bee  EUR 20k
    """
    header = tuple(for_terminal(c) for c in header)
    rows = [tuple(for_terminal(c) for c in row) for row in rows]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    sides = align or "l" + "r" * (len(header) - 1)

    def line(row: tuple[str, ...]) -> str:
        cells = [
            c.ljust(w) if side == "l" else c.rjust(w) for c, w, side in zip(row, widths, sides, strict=False)
        ]
        return "  ".join(cells).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), rule, *(line(r) for r in rows)])


def _flag_lines(flags: Sequence[Flag], indent: str) -> list[str]:
    lines = []
    for flag in flags:
        lever = f" [lever: {flag.lever.replace('_', ' ')}]" if flag.lever else ""
        lines += textwrap.wrap(
            for_terminal(f"{flag.severity.upper()} {flag.code}{lever}: {flag.message}"),
            width=WIDTH,
            initial_indent=indent,
            subsequent_indent=indent + "    ",
        )
    return lines


def render_flags(bid: BidAnalysis, indent: str = "  ") -> list[str]:
    """Each finding of a bid as a wrapped paragraph with its severity, code and lever."""
    return _flag_lines(bid.flags, indent)


def _block_lines(block: Block) -> list[str]:
    if isinstance(block, Heading | Banner):
        return [for_terminal(block.text)]
    if isinstance(block, Paragraph):
        return textwrap.wrap(for_terminal(block.text), width=WIDTH) or [""]
    if isinstance(block, Findings):
        return _flag_lines(block.flags, "  ")
    if isinstance(block, Table):
        title = [f"{for_terminal(block.title)}:"] if block.title else []
        return [*title, render_table(block.header, block.rows, block.align)]
    raise TypeError(f"unknown block {block!r}")


def render_blocks(blocks: Sequence[Block]) -> str:
    """Blocks as text: a blank line before each heading, table and banner after the first."""
    lines: list[str] = []
    for i, block in enumerate(blocks):
        if i and isinstance(block, Heading | Table | Banner):
            lines.append("")
        lines += _block_lines(block)
    return "\n".join(lines)


def render_case(case: Case) -> str:
    """The inputs of a case."""
    return render_blocks(describe_case(case))
