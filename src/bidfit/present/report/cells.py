"""Cell and chart helpers and number formats shared by the sheets of the report workbook (openpyxl, imported lazily).

Every cell is written by :func:`bidfit.io.xlsx.write.put`, so that user text
is stored as text and never as a formula; chart, series and axis titles go
through :func:`bidfit.io.xlsx.write.clean_text`; chart data are references built
by :func:`bidfit.io.xlsx.write.range_ref` and :func:`bidfit.io.xlsx.write.cell_ref`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from bidfit.io.xlsx.write import cell_ref, clean_text, put, range_ref

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

__all__ = [
    "FONT_NAME",
    "HEAD_FILL",
    "MONEY",
    "PERCENT",
    "VERDICT_FILL",
    "chart_categories",
    "chart_series",
    "column_letter",
    "fill",
    "header",
    "set_titles",
    "show_axes",
]

MONEY = "#,##0;[Red]-#,##0"
PERCENT = "0.0%"
HEAD_FILL = "1F4E78"
VERDICT_FILL = {"better_off": "C6EFCE", "at_risk": "FFEB9C", "worse_off": "FFC7CE"}
FONT_NAME = "Calibri"
"""The workbook's body font: every bold or italic font names it too (else LibreOffice draws a serif)."""
LINE_HEIGHT = 15.0
"""Height of one line of 11-point text [points]."""
MISSING_WORDS = frozenset({"n/a", "never", "none"})
"""Words that stand for a number: right-aligned like the numbers around them."""


def column_letter(col: int) -> str:
    """The column letter of column number ``col`` (1 is ``A``)."""
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(col))


def fill(cell: Any, color: str) -> Any:
    """Give ``cell`` a solid background of ``color`` (RGB hex); return the cell."""
    from openpyxl.styles import PatternFill

    cell.fill = PatternFill("solid", fgColor=color)
    return cell


def header(
    ws: Worksheet, row: int, labels: tuple[str, ...] | list[str], col: int = 1, *, wrap: bool = True
) -> None:
    """A table header: white bold labels on dark blue, top-aligned (wrapped unless ``wrap`` is False)."""
    from openpyxl.styles import Alignment, Font

    for i, label in enumerate(labels):
        cell = fill(put(ws, row, col + i, label), HEAD_FILL)
        cell.font = Font(name=FONT_NAME, bold=True, color="FFFFFF")
        cell.alignment = Alignment(wrap_text=True, vertical="top") if wrap else Alignment(vertical="top")


def show_axes(chart: Any) -> None:
    """openpyxl 3.1 marks chart axes deleted by default: show them, labels below the plot."""
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.x_axis.tickLblPos = "low"


def set_titles(chart: Any, title: object, *, x: object = None, y: object = None) -> None:
    """Give a chart its title and, when given, its axis titles, each cleaned like a cell's text.

    Examples
    --------
    >>> from openpyxl.chart import BarChart
    >>> chart = BarChart()
    >>> set_titles(chart, "Vendor\x01A: NPV", x="year")
    >>> chart.title.tx.rich.p[0].r[0].t
    'VendorA: NPV'
    """
    from openpyxl.chart.title import title_maker

    chart.title = title_maker(clean_text(title))
    for axis, text in ((chart.x_axis, x), (chart.y_axis, y)):
        if text is not None:
            axis.title = title_maker(clean_text(text))


def chart_series(values: str, *, title: object = None, title_cell: str | None = None) -> Any:
    """A chart series over ``values``, named by fixed text or by the text of a cell.

    Parameters
    ----------
    values : str
        The data: a reference from :func:`bidfit.io.xlsx.write.range_ref`.
    title : object, optional
        The series' name, cleaned like a cell's text.
    title_cell : str, optional
        A cell holding the series' name: a reference from :func:`bidfit.io.xlsx.write.cell_ref`.
    """
    from openpyxl.chart.data_source import NumDataSource, NumRef, StrRef
    from openpyxl.chart.series import Series, SeriesLabel

    series = Series(val=NumDataSource(numRef=NumRef(f=values)))
    if title_cell is not None:
        series.tx = SeriesLabel(strRef=StrRef(f=title_cell))
    elif title is not None:
        series.tx = SeriesLabel(v=clean_text(title))
    return series


def chart_categories(chart: Any, labels: str) -> None:
    """Label every series of ``chart`` with ``labels``, a reference from :func:`bidfit.io.xlsx.write.range_ref`."""
    from openpyxl.chart.data_source import AxDataSource, NumRef

    for series in chart.series:
        series.cat = AxDataSource(numRef=NumRef(f=labels))


RATE = "0.0##%"
YEARS = "0.00"
RATIO = "0.00"
FACTOR = "0.0000"

_INPUT_FILL = "FFF2CC"  # inputs: light yellow
_CALC_FILL = "EDEDED"  # calculated cells on Inputs: grey
_FIRST_YEAR_COL = 3  # column C is year 0 on a bid sheet
_YEAR_ROW = 4
_INPUTS = "Inputs"


def _here(col: int | str, row: int) -> str:
    """A relative reference to a cell of the same sheet: ``D12`` (``col`` a number or a letter)."""
    letter = col if isinstance(col, str) else column_letter(col)
    return cell_ref(None, f"{letter}{row}", absolute=False)


def _span(first_col: int | str, last_col: int | str, first_row: int, last_row: int | None = None) -> str:
    """A relative reference to cells of the same sheet: ``C16:H16`` (one row unless ``last_row``)."""
    first, last = (c if isinstance(c, str) else column_letter(c) for c in (first_col, last_col))
    return range_ref(None, f"{first}{first_row}", f"{last}{last_row or first_row}", absolute=False)


def _input(col: str, row: int) -> str:
    """An absolute reference to a cell of the Inputs sheet: ``'Inputs'!$I$12``."""
    return cell_ref(_INPUTS, f"{col}{row}")


def _number_or(value: float | None, missing: str) -> float | str:
    return missing if value is None or not math.isfinite(value) else float(value)


def _fit_columns(
    ws: Worksheet, *, least: float = 8, most: float = 60, first: int = 1, last: int | None = None
) -> None:
    """Column widths that fit the text and numbers of rows ``first..last`` (a formula counts as 12)."""
    widths: dict[int, int] = {}
    for row in ws.iter_rows(min_row=first, max_row=last):
        for cell in row:
            value = cell.value
            if value is None or cell.alignment.wrap_text:
                continue
            if cell.data_type == "f":
                size = 12
            elif isinstance(value, float):
                size = len(f"{value:,.0f}") + 2
            else:
                size = len(str(value))
            widths[cell.column] = max(widths.get(cell.column, 0), size)
    for col, size in widths.items():
        ws.column_dimensions[column_letter(col)].width = min(max(size + 2, least), most)


def print_setup(ws: Worksheet, *, title_rows: str, landscape: bool = True, one_page: bool = False) -> None:
    """Print ``ws`` one page wide on A4 (one page tall too when ``one_page``), ``title_rows`` on every page.

    Parameters
    ----------
    ws : openpyxl.worksheet.worksheet.Worksheet
        The sheet.
    title_rows : str
        The rows repeated at the top of every printed page, such as ``"1:4"``.
    landscape : bool
        Landscape (for a wide sheet) or portrait.
    one_page : bool
        Fit the whole sheet on one page.

    Examples
    --------
    >>> from openpyxl import Workbook
    >>> ws = Workbook().active
    >>> print_setup(ws, title_rows="1:1")
    >>> ws.page_setup.fitToWidth, ws.page_setup.fitToHeight, ws.print_title_rows
    (1, 0, '$1:$1')
    """
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 1 if one_page else 0
    ws.print_title_rows = title_rows
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.6


def wrapped_lines(text: str, width: float) -> int:
    """Lines ``text`` takes wrapped in a column ``width`` characters wide (at least 1).

    The estimate counts a character as one unit of column width (a column's
    width is measured in digits, wider than most letters), so it errs on the
    tall side; every explicit line break starts a new line.

    Examples
    --------
    >>> wrapped_lines("a" * 250, 100), wrapped_lines("short", 100), wrapped_lines("a" + chr(10) + "b", 100)
    (3, 1, 2)
    """
    per_line = max(width - 2, 1)
    return sum(max(1, math.ceil(len(part) / per_line)) for part in str(text).split("\n"))


def fit_row_height(ws: Worksheet, row: int, text: str, width: float) -> None:
    """Make ``row`` tall enough for ``text`` wrapped in a column ``width`` characters wide (never shorter)."""
    height = LINE_HEIGHT * wrapped_lines(text, width) + 2
    ws.row_dimensions[row].height = max(ws.row_dimensions[row].height or LINE_HEIGHT, height)


def page_break_before(ws: Worksheet, row: int) -> None:
    """Start a new printed page at ``row`` (a chart anchored there is then not cut across pages)."""
    from openpyxl.worksheet.pagebreak import Break

    if row > 1:
        ws.row_breaks.append(Break(id=row - 1))


def finish_styles(ws: Worksheet) -> None:
    """Name the body font in every bold or italic font; right-align the words that stand for numbers."""
    from copy import copy

    from openpyxl.styles import Alignment

    for row in ws.iter_rows():
        for cell in row:
            font = cell.font
            if font is not None and font.name != FONT_NAME:
                named = copy(font)
                named.name = FONT_NAME
                cell.font = named
            if cell.data_type == "s" and cell.value in MISSING_WORDS:
                old = cell.alignment
                cell.alignment = Alignment(
                    horizontal="right", vertical=old.vertical, wrap_text=old.wrap_text, indent=old.indent
                )


def wrap_across(ws: Worksheet, row: int, last_col: int) -> None:
    """Wrap the text of column A of ``row`` across columns A..``last_col``, the row as tall as it needs.

    Call it once the column widths are set (the height follows them): a long
    text left to overflow would widen the printed page instead.
    """
    from openpyxl.styles import Alignment

    cell = ws.cell(row, 1)
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=last_col)
    width = sum(ws.column_dimensions[column_letter(c)].width or 13 for c in range(1, last_col + 1))
    fit_row_height(ws, row, str(cell.value or ""), width)


def wrap_clipped(ws: Worksheet, first_row: int = 1) -> None:
    """Wrap every text that would be cut off by a filled cell on its right; its row grows to show it.

    A spreadsheet lets a long text run on over empty cells but cuts it at the
    first cell that holds something: such a text is wrapped in its column
    (top-aligned, as is the rest of its row) and its row made tall enough.
    """
    from openpyxl.styles import Alignment

    grown: set[int] = set()
    for row in ws.iter_rows(min_row=first_row):
        for cell in row:
            if cell.data_type != "s" or not cell.value or cell.alignment.wrap_text:
                continue
            width = ws.column_dimensions[cell.column_letter].width or 13
            if len(str(cell.value)) <= width - 1 or ws.cell(cell.row, cell.column + 1).value is None:
                continue
            old = cell.alignment
            cell.alignment = Alignment(
                horizontal=old.horizontal, indent=old.indent, wrap_text=True, vertical="top"
            )
            fit_row_height(ws, cell.row, str(cell.value), width)
            grown.add(cell.row)
    for number in grown:
        for cell in ws[number]:
            old = cell.alignment
            cell.alignment = Alignment(
                horizontal=old.horizontal, indent=old.indent, wrap_text=old.wrap_text, vertical="top"
            )
