"""Cell helpers shared by the sheets of the report workbook (openpyxl, imported lazily).

User text always goes through :func:`bidfit.io.excel.write_text`, so that it
is stored as text and never as a formula.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bidfit.io.excel import write_text

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

__all__ = [
    "HEAD_FILL",
    "MONEY",
    "NOTE_COLOR",
    "PERCENT",
    "VERDICT_FILL",
    "column_letter",
    "fill",
    "header",
    "put_text",
    "show_axes",
]

MONEY = "#,##0;[Red]-#,##0"
PERCENT = "0.0%"
HEAD_FILL = "1F4E78"
NOTE_COLOR = "595959"
VERDICT_FILL = {"better_off": "C6EFCE", "at_risk": "FFEB9C", "worse_off": "FFC7CE"}


def column_letter(col: int) -> str:
    """The column letter of column number ``col`` (1 is ``A``)."""
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(col))


def fill(cell: Any, color: str) -> Any:
    """Give ``cell`` a solid background of ``color`` (RGB hex); return the cell."""
    from openpyxl.styles import PatternFill

    cell.fill = PatternFill("solid", fgColor=color)
    return cell


def put_text(
    ws: Worksheet,
    row: int,
    col: int,
    value: object,
    *,
    bold: bool = False,
    note: bool = False,
    indent: bool = False,
    wrap: bool = False,
) -> Any:
    """Write label or user text, always as text; ``note`` greys it, ``indent`` keeps it clear of a
    number on its left, ``wrap`` wraps it."""
    from openpyxl.styles import Alignment, Font

    cell = ws.cell(row, col)
    write_text(cell, value)
    if bold:
        cell.font = Font(bold=True)
    elif note:
        cell.font = Font(italic=True, color=NOTE_COLOR)
    if indent or wrap:
        cell.alignment = Alignment(indent=1 if indent else 0, wrap_text=wrap, vertical="top")
    return cell


def header(
    ws: Worksheet, row: int, labels: tuple[str, ...] | list[str], col: int = 1, *, wrap: bool = True
) -> None:
    """A table header: white bold labels on dark blue, top-aligned (wrapped unless ``wrap`` is False)."""
    from openpyxl.styles import Alignment, Font

    for i, label in enumerate(labels):
        cell = fill(put_text(ws, row, col + i, label), HEAD_FILL)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.alignment = Alignment(wrap_text=True, vertical="top") if wrap else Alignment(vertical="top")


def show_axes(chart: Any) -> None:
    """openpyxl 3.1 marks chart axes deleted by default: show them, labels below the plot."""
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.x_axis.tickLblPos = "low"
