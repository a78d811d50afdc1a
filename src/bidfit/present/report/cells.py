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
        cell.font = Font(bold=True, color="FFFFFF")
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


def _landscape(ws: Worksheet, *, one_page: bool) -> None:
    """Print landscape, one page wide (and one page tall when ``one_page``)."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 1 if one_page else 0
