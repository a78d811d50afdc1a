"""Plain-text rendering for terminals and ``repr``: the blocks of :mod:`bidfit.present.view`.

Every text goes through :func:`bidfit.escape.for_terminal` before it is
measured, padded or wrapped, so that a name holding control characters or
terminal escape sequences neither acts on the terminal nor breaks a table's
alignment.
"""

from __future__ import annotations

import shutil
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
    "line_width",
    "render_blocks",
    "render_case",
    "render_flags",
    "render_table",
]

DEFAULT_WIDTH = 100
"""Line width when the output is not a terminal and ``COLUMNS`` is not set [characters]."""

MIN_WIDTH, MAX_WIDTH = 60, 240
"""The narrowest and widest lines written, whatever the terminal says [characters]."""

MIN_TEXT_COLUMN = 16
"""A table's text column is wrapped down to this width, no further, before the table is split [characters]."""

_GAP = "  "


def line_width() -> int:
    """The width to write for [characters]: ``COLUMNS`` when set, else the terminal's, else 100.

    Kept within :data:`MIN_WIDTH` and :data:`MAX_WIDTH` (see :func:`shutil.get_terminal_size`).
    """
    columns = shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns
    return max(MIN_WIDTH, min(MAX_WIDTH, columns))


def wrap(text: str, width: int | None = None, indent: str = "", hang: str = "    ") -> list[str]:
    """``text`` cleaned for the terminal and wrapped to ``width``; later lines indented by ``hang`` more."""
    return textwrap.wrap(
        for_terminal(text),
        width=width or line_width(),
        initial_indent=indent,
        subsequent_indent=indent + hang,
        break_on_hyphens=False,
    ) or [indent.rstrip()]


def _shrink(widths: list[int], sides: str, header: tuple[str, ...], width: int) -> list[int]:
    """Column widths with the widest columns (not the first) narrowed until the table fits or none
    can narrow further: a figure is never wider than :data:`MIN_TEXT_COLUMN`, so only text wraps."""
    widths = list(widths)
    floors = [max(MIN_TEXT_COLUMN, len(h)) for h in header]
    while sum(widths) + len(_GAP) * (len(widths) - 1) > width:
        narrowable = [i for i in range(1, len(widths)) if widths[i] > floors[i]]
        if not narrowable:
            break
        widest = max(narrowable, key=lambda i: widths[i])
        excess = sum(widths) + len(_GAP) * (len(widths) - 1) - width
        widths[widest] = max(floors[widest], widths[widest] - excess)
    return widths


def _table_lines(
    header: tuple[str, ...], rows: Sequence[tuple[str, ...]], sides: str, widths: list[int]
) -> list[str]:
    """The table's lines, a cell wider than its column wrapped onto more lines within it."""

    def physical(row: tuple[str, ...]) -> list[str]:
        parts = [
            textwrap.wrap(c, w, break_on_hyphens=False) or [""] if len(c) > w else [c]
            for c, w in zip(row, widths, strict=True)
        ]
        out = []
        for k in range(max(len(p) for p in parts)):
            cells = [
                (p[k] if k < len(p) else "").ljust(w)
                if side == "l"
                else (p[k] if k < len(p) else "").rjust(w)
                for p, w, side in zip(parts, widths, sides, strict=False)
            ]
            out.append(_GAP.join(cells).rstrip())
        return out

    rule = _GAP.join("-" * w for w in widths)
    return [*physical(header), rule, *(line for row in rows for line in physical(row))]


def render_table(
    header: tuple[str, ...],
    rows: Sequence[tuple[str, ...]],
    align: str | None = None,
    width: int | None = None,
) -> str:
    """One space-padded line per row: by default a left-aligned first column, right-aligned figures.

    ``align`` gives one letter per column, ``l`` or ``r``. Cells are cleaned
    by :func:`bidfit.escape.for_terminal` first. A table wider than ``width``
    (default :func:`line_width`) first wraps its long texts within
    narrower columns; if it is still too wide, it is printed in parts of
    columns that fit, each repeating the first column.

    Examples
    --------
    >>> print(render_table(("Bid", "NPV"), [("A\x1b[2J", "EUR 1k"), ("Bee", "EUR 20k")]))
    Bid      NPV
    ---  -------
    A     EUR 1k
    Bee  EUR 20k
    >>> print(render_table(("Bid", "NPV", "IRR"), [("A", "EUR 1.5M", "12.0%")], width=14))
    Bid       NPV
    ---  --------
    A    EUR 1.5M
    <BLANKLINE>
    Bid    IRR
    ---  -----
    A    12.0%
    """
    width = width or line_width()
    header = tuple(for_terminal(c) for c in header)
    rows = [tuple(for_terminal(c) for c in row) for row in rows]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    sides = align or "l" + "r" * (len(header) - 1)
    widths = _shrink(widths, sides, header, width)
    # The first column is repeated in every part: narrow it too when it and the widest other
    # column cannot share a line.
    widest_other = max(widths[1:], default=0)
    if widths[0] + len(_GAP) + widest_other > width:
        widths[0] = max(min(MIN_TEXT_COLUMN, widths[0]), width - len(_GAP) - widest_other)
    parts: list[list[int]] = [[0]]
    for i in range(1, len(header)):
        used = sum(widths[j] for j in parts[-1]) + len(_GAP) * len(parts[-1])
        if len(parts[-1]) > 1 and used + widths[i] > width:
            parts.append([0])
        parts[-1].append(i)
    blocks = [
        "\n".join(
            _table_lines(
                tuple(header[i] for i in part),
                [tuple(r[i] for i in part) for r in rows],
                "".join(sides[i] for i in part),
                [widths[i] for i in part],
            )
        )
        for part in parts
    ]
    return "\n\n".join(blocks)


def _flag_lines(flags: Sequence[Flag], indent: str, width: int | None = None) -> list[str]:
    lines = []
    for flag in flags:
        lever = f" [lever: {flag.lever.replace('_', ' ')}]" if flag.lever else ""
        lines += wrap(f"{flag.severity.upper()} {flag.code}{lever}: {flag.message}", width, indent)
    return lines


def render_flags(bid: BidAnalysis, indent: str = "  ", width: int | None = None) -> list[str]:
    """Each finding of a bid as a wrapped paragraph with its severity, code and lever."""
    return _flag_lines(bid.flags, indent, width)


def _block_lines(block: Block, width: int) -> list[str]:
    if isinstance(block, Heading | Banner):
        return wrap(block.text, width)
    if isinstance(block, Paragraph):
        return wrap(block.text, width, hang="")
    if isinstance(block, Findings):
        return _flag_lines(block.flags, "  ", width)
    if isinstance(block, Table):
        title = wrap(f"{block.title}:", width) if block.title else []
        return [*title, render_table(block.header, block.rows, block.align, width)]
    raise TypeError(f"unknown block {block!r}")


def render_blocks(blocks: Sequence[Block], width: int | None = None) -> str:
    """Blocks as text no wider than ``width`` (default :func:`line_width`): a blank line before each
    heading, table and banner after the first."""
    width = width or line_width()
    lines: list[str] = []
    for i, block in enumerate(blocks):
        if i and isinstance(block, Heading | Table | Banner):
            lines.append("")
        lines += _block_lines(block, width)
    return "\n".join(lines)


def render_case(case: Case) -> str:
    """The inputs of a case."""
    return render_blocks(describe_case(case))
