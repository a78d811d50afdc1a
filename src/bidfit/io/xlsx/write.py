"""Writing workbooks: the one cell writer, references for formulas, sheet titles, saving.

Every value bidfit puts in a workbook it writes (the template, the report)
goes through :func:`put` (numbers as numbers, user text as inert text) or
:func:`put_formula` (a formula bidfit built, whose references come from
:func:`cell_ref` and :func:`range_ref`); sheet titles come from
:func:`safe_sheet_title`.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bidfit.escape import MAX_CELL_TEXT, for_cell
from bidfit.io.atomic import write_atomically

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

__all__ = [
    "MAX_CELL_TEXT",
    "NOTE_COLOR",
    "cell_ref",
    "clean_text",
    "put",
    "put_formula",
    "range_ref",
    "safe_sheet_title",
    "save_workbook",
    "sheet_ref",
    "write_text",
]

_FORMULA_LEAD = ("=", "+", "-", "@", "#")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_RESERVED_TITLES = frozenset({"history"})
_MAX_TITLE = 31
_TITLE_EDGES = re.compile(r"^[\s']+|[\s']+$")  # no space or apostrophe at either end
_COORDINATE = re.compile(r"\$?([A-Z]{1,3})\$?([1-9][0-9]{0,6})")


def clean_text(value: object) -> str:
    r"""User text fit for a workbook: cleaned by :func:`bidfit.escape.for_cell`.

    The one cleaner for every text bidfit puts in a workbook: cells, sheet
    titles, chart, series and axis titles. Control characters and terminal
    escape sequences are removed, line breaks and tabs become spaces, and the
    text is cut to :data:`MAX_CELL_TEXT` characters.

    Examples
    --------
    >>> clean_text("Vendor\tA\x07\r\n(final)")
    'Vendor A (final)'
    >>> clean_text("Vendor\x01A\x1b[2J")
    'VendorA'
    """
    return for_cell(value)


def write_text(cell: Any, value: object) -> None:
    """Put user text in a cell as text, never as a formula or an error value.

    Text that starts with ``=``, ``+``, ``-``, ``@`` or ``#`` (``=HYPERLINK(...)``,
    ``#N/A``) is stored as a string with the quote-prefix style, so that a
    spreadsheet shows it as typed and does not evaluate it, not even when a
    user edits the cell.

    Parameters
    ----------
    cell : openpyxl.cell.Cell
        The cell to write.
    value : object
        The text (anything else is written as its ``str``), cleaned by
        :func:`clean_text`.
    """
    text = clean_text(value)
    cell.value = text
    cell.data_type = "s"
    if text.lstrip().startswith(_FORMULA_LEAD):
        cell.quotePrefix = True


NOTE_COLOR = "595959"
"""Font colour (RGB hex) of a note: grey, in italics."""


def put(
    ws: Worksheet,
    row: int,
    col: int,
    value: object,
    number_format: str | None = None,
    *,
    bold: bool = False,
    note: bool = False,
    size: float | None = None,
    text_align: str | None = None,
    indent: bool = False,
    wrap: bool = False,
) -> Any:
    """Write one value in a cell: the one way bidfit fills a cell that holds no formula.

    Parameters
    ----------
    ws : openpyxl.worksheet.worksheet.Worksheet
        The sheet.
    row, col : int
        The cell's row and column numbers (1 is the first).
    value : object
        A number (or a bool) is written as a number; a number that is not
        finite (NaN, infinity) as the text ``n/a``, which every spreadsheet can
        open; None leaves the cell empty; anything else is written as inert
        text (:func:`write_text`), never as a formula.
    number_format : str, optional
        The number format of a number (text keeps the General format).
    bold, note : bool
        A bold font; or, for a note, a grey italic one (bold wins).
    size : float, optional
        The font size [points], with ``bold``.
    text_align : str, optional
        The horizontal alignment of the cell when it is written as text
        (``'right'`` lines a ``n/a`` up with the numbers it stands for).
    indent, wrap : bool
        Indent the cell by one step (clear of a number on its left) or wrap its
        text; either also aligns it to the top.

    Returns
    -------
    openpyxl.cell.Cell
        The cell.

    Examples
    --------
    >>> from openpyxl import Workbook
    >>> ws = Workbook().active
    >>> [put(ws, 1, c, v).value for c, v in enumerate([1.5, "=1+1", float("nan")], 1)]
    [1.5, '=1+1', 'n/a']
    >>> ws["B1"].data_type, ws["B1"].quotePrefix
    ('s', True)
    """
    cell = ws.cell(row, col)
    if value is None:
        return cell
    if not isinstance(value, numbers.Real):
        write_text(cell, value)
    elif not isinstance(value, bool) and not math.isfinite(value):
        write_text(cell, "n/a")
    else:
        cell.value = value
        if number_format:
            cell.number_format = number_format
    _style(cell, bold=bold, note=note, size=size, text_align=text_align, indent=indent, wrap=wrap)
    return cell


def put_formula(ws: Worksheet, row: int, col: int, formula: str, number_format: str | None = None) -> Any:
    """Write a formula bidfit built, its references by :func:`cell_ref` and :func:`range_ref`.

    Raises
    ------
    ValueError
        If ``formula`` does not start with ``=``.

    Examples
    --------
    >>> from openpyxl import Workbook
    >>> put_formula(Workbook().active, 1, 1, "=SUM(B1:B3)", "#,##0").value
    '=SUM(B1:B3)'
    """
    if not formula.startswith("="):
        raise ValueError(f"not a formula: {formula!r}")
    cell = ws.cell(row, col)
    cell.value = formula
    if number_format:
        cell.number_format = number_format
    return cell


def _style(
    cell: Any, *, bold: bool, note: bool, size: float | None, text_align: str | None, indent: bool, wrap: bool
) -> None:
    """Give a cell just written the font and alignment :func:`put` was asked for."""
    from openpyxl.styles import Alignment, Font

    if bold:
        cell.font = Font(bold=True, size=size) if size else Font(bold=True)
    elif note:
        cell.font = Font(italic=True, color=NOTE_COLOR)
    align_text = text_align is not None and cell.data_type == "s"
    if indent or wrap or align_text:
        layout: dict[str, Any] = {"horizontal": text_align} if align_text else {}
        if indent or wrap:
            layout |= {"indent": 1 if indent else 0, "wrap_text": wrap, "vertical": "top"}
        cell.alignment = Alignment(**layout)


def safe_sheet_title(name: str, taken: Iterable[str] = ()) -> str:
    """A valid, unique sheet name for ``name``.

    Excel allows at most 31 characters, none of ``[]:*?/\\``, no apostrophe
    at either end, and names unique regardless of case (``History`` is
    reserved). The name is cleaned (:func:`clean_text`), forbidden characters
    become ``_``, spaces and apostrophes at either end go (also after the cut
    to 31 characters); a clash gets `` (2)``, `` (3)``...

    Examples
    --------
    >>> safe_sheet_title("Bid [A/B]: phase 1*", taken=[])
    'Bid _A_B__ phase 1_'
    >>> safe_sheet_title("summary", taken=["Summary"])
    'summary (2)'
    >>> len(safe_sheet_title("x" * 40))
    31
    >>> safe_sheet_title("Sensitivity It's 'a very long' name")
    "Sensitivity It's 'a very long"
    """
    text = _TITLE_EDGES.sub("", _SHEET_FORBIDDEN.sub("_", clean_text(name)))
    base = _TITLE_EDGES.sub("", text[:_MAX_TITLE]) or "Sheet"
    used = {t.casefold() for t in taken} | _RESERVED_TITLES
    title, n = base, 2
    while title.casefold() in used:
        suffix = f" ({n})"
        title = base[: _MAX_TITLE - len(suffix)].rstrip() + suffix
        n += 1
    return title


def sheet_ref(title: str) -> str:
    """A sheet title quoted for a formula: ``'Vendor A'``; always quoted, apostrophes doubled.

    ``title`` must be a title bidfit chose (:func:`safe_sheet_title`, or a
    fixed name such as ``Inputs``).

    Raises
    ------
    ValueError
        If ``title`` is not one :func:`safe_sheet_title` would give.

    Examples
    --------
    >>> sheet_ref("Bob's bid")
    "'Bob''s bid'"
    """
    if not title or safe_sheet_title(title) != title:
        raise ValueError(f"not a sheet title bidfit chose: {title!r}")
    return "'" + title.replace("'", "''") + "'"


def _coordinate(cell: str, absolute: bool) -> str:
    match = _COORDINATE.fullmatch(cell)
    if match is None:
        raise ValueError(f"not a cell coordinate: {cell!r}")
    if not absolute:
        return cell
    return f"${match[1]}${match[2]}"


def cell_ref(sheet: str | None, cell: str, *, absolute: bool = True) -> str:
    """A reference to one cell, for a formula, a chart, a hyperlink or a defined name.

    The one way bidfit names a cell in anything a spreadsheet evaluates: no
    reference is built by joining or splitting text elsewhere, so user text can
    reach a formula only as a quoted sheet title that bidfit chose.

    Parameters
    ----------
    sheet : str or None
        The sheet's title (quoted by :func:`sheet_ref`); None for a cell of the
        sheet the formula is on.
    cell : str
        A coordinate: ``D12``, or with ``$`` (``D$4``) to keep a mixed reference.
    absolute : bool
        True (the default) gives ``$D$12``; False keeps ``cell`` as written.

    Raises
    ------
    ValueError
        If ``sheet`` is not a title bidfit chose or ``cell`` is not a coordinate.

    Examples
    --------
    >>> cell_ref("It's", "D12")
    "'It''s'!$D$12"
    >>> cell_ref(None, "D$4", absolute=False)
    'D$4'
    """
    coordinate = _coordinate(cell, absolute)
    return coordinate if sheet is None else f"{sheet_ref(sheet)}!{coordinate}"


def range_ref(sheet: str | None, first: str, last: str, *, absolute: bool = True) -> str:
    """A reference to the cells from ``first`` to ``last`` (see :func:`cell_ref`).

    Examples
    --------
    >>> range_ref("Vendor A", "D16", "H16")
    "'Vendor A'!$D$16:$H$16"
    >>> range_ref(None, "C5", "C9", absolute=False)
    'C5:C9'
    """
    span = f"{_coordinate(first, absolute)}:{_coordinate(last, absolute)}"
    return span if sheet is None else f"{sheet_ref(sheet)}!{span}"


def save_workbook(workbook: Workbook, path: str | Path, *, inputs: Iterable[str | Path] = ()) -> Path:
    """Save an openpyxl workbook atomically (see :func:`bidfit.io.atomic.write_atomically`).

    Parameters
    ----------
    workbook : openpyxl.Workbook
        The workbook to save.
    path : str or Path
        The ``.xlsx`` file to write.
    inputs : iterable of str or Path
        Input files the output must not overwrite.
    """
    return write_atomically(path, workbook.save, inputs=inputs)
