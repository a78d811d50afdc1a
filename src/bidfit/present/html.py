"""HTML rendering for Jupyter (``_repr_html_``): the blocks of :mod:`bidfit.present.view`.

Every text goes through :func:`bidfit.escape.for_html`: shown literally, with
no markup, control or bidirectional formatting character of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from bidfit.escape import for_html
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
    from bidfit.model.case import Case

__all__ = ["render_blocks_html", "render_case_html"]

VERDICT_COLOURS = {"better_off": "#1b7f3b", "at_risk": "#b26a00", "worse_off": "#b00020"}
SEVERITY_COLOURS = {"error": "#b00020", "warning": "#b26a00", "info": "#555555"}
_CELL = "padding:2px 8px;border-bottom:1px solid #ddd"


def _table(block: Table) -> str:
    sides = block.align or "l" + "r" * (len(block.header) - 1)

    def cell(tag: str, text: str, i: int) -> str:
        align = "left" if i >= len(sides) or sides[i] == "l" else "right"
        return f'<{tag} style="{_CELL};text-align:{align}">{for_html(text)}</{tag}>'

    head = "".join(cell("th", h, i) for i, h in enumerate(block.header))
    body = "".join(
        "<tr>" + "".join(cell("td", c, i) for i, c in enumerate(row)) + "</tr>" for row in block.rows
    )
    caption = (
        f'<caption style="text-align:left;font-weight:bold">{for_html(block.title)}</caption>'
        if block.title
        else ""
    )
    return (
        f'<table style="border-collapse:collapse;margin:4px 0">{caption}'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def _findings(block: Findings) -> str:
    items = "".join(
        f'<li><b style="color:{SEVERITY_COLOURS[f.severity]}">{f.severity.upper()} {for_html(f.code)}</b>'
        + (f" <i>(lever: {for_html(f.lever.replace('_', ' '))})</i>" if f.lever else "")
        + f": {for_html(f.message)}</li>"
        for f in block.flags
    )
    return f'<ul style="margin:4px 0">{items}</ul>'


def _block(block: Block) -> str:
    if isinstance(block, Heading):
        return f'<div style="font-weight:bold;font-size:1.1em;margin:4px 0">{for_html(block.text)}</div>'
    if isinstance(block, Banner):
        colour = VERDICT_COLOURS.get(block.verdict, "#555555")
        return (
            f'<div class="bidfit-verdict bidfit-{for_html(block.verdict)}" style="background:{colour};'
            f'color:white;padding:6px 10px;border-radius:4px;font-weight:bold;margin:6px 0">'
            f"{for_html(block.text)}</div>"
        )
    if isinstance(block, Paragraph):
        return f'<p style="margin:4px 0">{for_html(block.text)}</p>'
    if isinstance(block, Findings):
        return _findings(block)
    if isinstance(block, Table):
        return _table(block)
    raise TypeError(f"unknown block {block!r}")


def render_blocks_html(blocks: Sequence[Block]) -> str:
    """Blocks as one HTML fragment."""
    return '<div class="bidfit">' + "".join(_block(b) for b in blocks) + "</div>"


def render_case_html(case: Case) -> str:
    """The inputs of a case."""
    return render_blocks_html(describe_case(case))
