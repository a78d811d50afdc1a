"""The cells of the known sheets of an input workbook, and their values as each field needs them.

The sheets to read are streamed with bounded counts of rows and cells
(:func:`bidfit.io.xlsx.safety.scan_sheets`) before openpyxl reads them, in
read-only mode with cached values only. At most :data:`MAX_ROWS` rows and
:data:`MAX_COLUMNS` columns of a sheet are read: a sheet whose declared used
range is larger is refused, data just beyond the caps is reported, and a cell
far beyond them behind a false declared range (which Excel and LibreOffice
never write) is not read rather than walked to.

Formulas are never evaluated: a formula cell is read through the result the
spreadsheet saved with it; one without a saved result is marked so that the
reader reports it.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import functools
import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bidfit.errors import InputError, Problem
from bidfit.io.xlsx.layout import (
    BOOLEAN_FIELDS,
    CELL_HINTS,
    FRACTION_FIELDS,
    GUIDE_SHEETS,
    INTEGER_FIELDS,
    LAST_ROW_READ,
    MAX_COLUMNS,
    MAX_ROWS,
    NUMBER_FIELDS,
    OPEN_RATE_FIELDS,
    SHEETS,
    SheetSpec,
    header_key,
)
from bidfit.io.xlsx.numbers import CellValueError, parse_text_number
from bidfit.io.xlsx.safety import WorkbookOutline, scan_sheets
from bidfit.io.xlsx.xmlscan import SheetEntry

__all__ = [
    "Cell",
    "Sheet",
    "as_text",
    "column_letter",
    "convert_cell",
    "hint",
    "load_sheets",
    "unread_sheets",
]


@dataclass(frozen=True)
class Cell:
    """One non-empty cell as read: its value and what the spreadsheet says about it."""

    value: Any
    percent: bool = False  # percent number format
    error: str | None = None  # an error value shown in the cell, e.g. '#DIV/0!'
    formula_without_value: bool = False


@dataclass
class Sheet:
    title: str
    rows: dict[int, dict[int, Cell]] = field(default_factory=dict)


@functools.lru_cache(maxsize=256)
def column_letter(col: int) -> str:
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(col))


def load_sheets(path: Path, outline: WorkbookOutline, problems: list[Problem]) -> dict[str, Sheet]:
    """Read the known sheets of the workbook into cells, within the row and column caps.

    The sheets are first streamed within the limits of
    :func:`bidfit.io.xlsx.safety.scan_sheets`, which also finds their
    formula cells; openpyxl then reads the saved values.
    """
    import openpyxl

    chosen = _match_sheets(outline.sheets, problems, str(path))
    formulas = scan_sheets(outline, list(chosen.values()), rows=LAST_ROW_READ, columns=MAX_COLUMNS)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # openpyxl raises many kinds on a malformed file
        raise InputError(
            Problem(
                "",
                "the workbook cannot be read",
                found=f"{type(exc).__name__}: {exc}",
                expected="an .xlsx workbook saved by Excel or LibreOffice",
                code="unreadable",
            ),
            str(path),
        ) from None
    try:
        too_large: list[Problem] = []
        for sheet in chosen.values():
            _guarded(path, sheet.name, _check_declared_size, book, sheet.name, too_large)
        if too_large:
            raise InputError(too_large, str(path))
        sheets = {
            name: _guarded(path, sheet.name, _read_values, book, sheet.name, problems)
            for name, sheet in chosen.items()
        }
    finally:
        book.close()
    for name, sheet in chosen.items():
        _mark_formulas(sheets[name], formulas.get(sheet.part, frozenset()))
    return sheets


def _guarded(path: Path, title: str, read: Callable[..., Any], *args: Any) -> Any:
    """Run a sheet reader; a malformed sheet becomes an input error, not a traceback."""
    try:
        return read(*args)
    except Exception as exc:  # openpyxl raises many kinds on malformed XML or values
        raise InputError(
            Problem(
                title,
                "the sheet cannot be read",
                found=f"{type(exc).__name__}: {exc}",
                expected="a sheet saved by Excel or LibreOffice",
                code="unreadable",
            ),
            str(path),
        ) from None


def _match_sheets(sheets: Sequence[SheetEntry], problems: list[Problem], file: str) -> dict[str, SheetEntry]:
    """Map each known sheet to the workbook's sheet of that name (case/space-insensitive).

    Missing sheets are added to ``problems``. A hidden sheet, a chart sheet,
    or several sheets matching a known sheet's name raise at once: which
    sheet holds the input is then unclear, and nothing is read.
    """
    by_key: dict[str, list[SheetEntry]] = {}
    for sheet in sheets:
        by_key.setdefault(header_key(sheet.name), []).append(sheet)
    found: dict[str, SheetEntry] = {}
    unclear: list[Problem] = []
    for spec in SHEETS:
        matches = by_key.get(header_key(spec.name), [])
        unclear.extend(_unclear_sheets(spec, matches))
        if matches:
            found[spec.name] = matches[0]
        elif (close := _close_sheet(spec, sheets)) or (
            not spec.optional and not (spec.name == "Costs" and "bids" in by_key)
        ):
            guess = f"; did you mean {close!r}? Its" if close else "; its"
            problems.append(
                Problem(
                    spec.name,
                    f"the workbook has no {spec.name} sheet{guess} sheets are "
                    + (", ".join(sheet.name for sheet in sheets) or "(none)"),
                    expected="sheets "
                    + ", ".join(s.name for s in SHEETS if not s.optional)
                    + " (and optionally "
                    + ", ".join(s.name for s in SHEETS if s.optional)
                    + ")",
                    code="missing_sheet",
                )
            )
    if unclear:
        raise InputError([*problems, *unclear], file)
    return found


KNOWN_SHEET_KEYS = frozenset(header_key(name) for name in (*(spec.name for spec in SHEETS), *GUIDE_SHEETS))


def _close_sheet(spec: SheetSpec, sheets: Sequence[SheetEntry]) -> str | None:
    """The name of a visible, unread sheet close to the missing sheet ``spec`` (a typo of it), if any.

    Names are compared as :func:`header_key` makes them (case, spaces and
    punctuation ignored), with :func:`difflib.get_close_matches`.

    Examples
    --------
    >>> from bidfit.io.xlsx.layout import SPEC_BY_NAME
    >>> entries = [SheetEntry(name, "visible", "") for name in ("Cost", "Kosten")]
    >>> _close_sheet(SPEC_BY_NAME["Costs"], entries), _close_sheet(SPEC_BY_NAME["Costs"], entries[1:])
    ('Cost', None)
    """
    unread = {
        header_key(sheet.name): sheet.name
        for sheet in reversed(sheets)
        if not sheet.hidden and header_key(sheet.name) not in KNOWN_SHEET_KEYS
    }
    close = difflib.get_close_matches(header_key(spec.name), list(unread), n=1)
    return unread[close[0]] if close else None


def unread_sheets(sheets: Sequence[SheetEntry]) -> list[str]:
    """The visible sheets that are not sheets of the layout, which the reader does not read.

    Examples
    --------
    >>> unread_sheets([SheetEntry("Costs", "visible", ""), SheetEntry("Notes", "visible", ""),
    ...                SheetEntry("Scratch", "hidden", "")])
    ['Notes']
    """
    return [s.name for s in sheets if not s.hidden and header_key(s.name) not in KNOWN_SHEET_KEYS]


def _unclear_sheets(spec: SheetSpec, matches: list[SheetEntry]) -> list[Problem]:
    """Problems with the sheets whose names match ``spec``: hidden, a chart, or more than one.

    Examples
    --------
    >>> hidden = SheetEntry("COSTS", "veryHidden", "xl/worksheets/sheet1.xml")
    >>> visible = SheetEntry("Costs", "visible", "xl/worksheets/sheet2.xml")
    >>> from bidfit.io.xlsx.layout import SPEC_BY_NAME
    >>> for p in _unclear_sheets(SPEC_BY_NAME["Costs"], [hidden, visible]):
    ...     print(p.message)
    sheet 'COSTS' is hidden (very hidden: Excel's Unhide does not list it); bidfit never reads a hidden sheet as the Costs sheet: unhide it or delete it
    sheets 'COSTS' and 'Costs' both match the Costs sheet (names are compared ignoring case, spaces, punctuation and a note in brackets)
    """
    out = []
    for sheet in matches:
        if sheet.hidden:
            how = " (very hidden: Excel's Unhide does not list it)" if sheet.state == "veryHidden" else ""
            out.append(
                Problem(
                    sheet.name,
                    f"sheet {sheet.name!r} is hidden{how}; bidfit never reads a hidden sheet as the "
                    f"{spec.name} sheet: unhide it or delete it",
                    expected=f"one visible sheet named {spec.name}",
                    code="hidden_sheet",
                )
            )
        if sheet.chart:
            out.append(
                Problem(
                    sheet.name,
                    f"sheet {sheet.name!r} is a chart sheet, not a sheet of cells",
                    expected=f"a worksheet named {spec.name}: rename or delete the chart sheet",
                    code="chart_sheet",
                )
            )
    if len(matches) > 1:
        names = [repr(sheet.name) for sheet in matches]
        listed = ", ".join(names[:-1]) + " and " + names[-1]
        out.append(
            Problem(
                matches[0].name,
                f"sheets {listed} {'both' if len(names) == 2 else 'all'} match the {spec.name} sheet "
                "(names are compared ignoring case, spaces, punctuation and a note in brackets)",
                expected=f"one sheet named {spec.name}: rename or delete the others",
                code="duplicate_sheet",
            )
        )
    return out


def _check_declared_size(book: Any, title: str, problems: list[Problem]) -> None:
    """Refuse a sheet whose declared size is beyond what bidfit reads (read from its header only)."""
    ws = book[title]
    rows, cols = ws.max_row or 0, ws.max_column or 0
    if rows <= MAX_ROWS and cols <= MAX_COLUMNS:
        return
    corner = f"{column_letter(cols)}{rows}" if cols and rows else "?"
    problems.append(
        Problem(
            title,
            f"the sheet declares cells up to {corner}, more than bidfit reads",
            found=f"{rows:,} rows x {cols:,} columns",
            expected=f"at most {MAX_ROWS:,} rows and {MAX_COLUMNS} columns: delete the cells beyond "
            "your data, or copy the data into a new sheet",
            code="too_large",
        )
    )


def _read_values(book: Any, title: str, problems: list[Problem]) -> Sheet:
    """The sheet's non-empty cells in rows 1..MAX_ROWS and columns 1..MAX_COLUMNS.

    At most one row and one column beyond the caps are looked at, to report
    data there rather than silently leave it out.
    """
    sheet = Sheet(title)
    rows = book[title].iter_rows(min_row=1, max_row=LAST_ROW_READ, max_col=MAX_COLUMNS + 1)
    for r, row in enumerate(rows, 1):
        cells = {}
        for c, cell in enumerate(row, 1):
            value = cell.value
            if value is None or (isinstance(value, str) and not value.strip()):
                continue
            if cell.data_type == "e":
                cells[c] = Cell(None, error=str(value))
            else:
                cells[c] = Cell(value, percent="%" in (cell.number_format or ""))
        if r > MAX_ROWS and cells:
            problems.append(
                Problem(
                    f"{title}!A{r}",
                    f"more than {MAX_ROWS:,} rows",
                    code="too_large",
                    expected=f"at most {MAX_ROWS:,} rows on a sheet",
                )
            )
            break
        if cells.pop(MAX_COLUMNS + 1, None) is not None:
            problems.append(
                Problem(
                    f"{title}!{column_letter(MAX_COLUMNS + 1)}{r}",
                    f"more than {MAX_COLUMNS} columns",
                    code="too_large",
                    expected=f"at most {MAX_COLUMNS} columns on a sheet",
                )
            )
        if cells:
            sheet.rows[r] = cells
    return sheet


def _mark_formulas(sheet: Sheet, formula_cells: frozenset[tuple[int, int]]) -> None:
    """Mark the formula cells ``(row, column)`` that have no saved result (read as empty)."""
    for r, c in sorted(formula_cells):
        if r <= MAX_ROWS and c <= MAX_COLUMNS and c not in sheet.rows.get(r, {}):
            sheet.rows.setdefault(r, {})[c] = Cell(None, formula_without_value=True)


# --------------------------------------------------------------------------
# values by field
# --------------------------------------------------------------------------


def hint(name: str) -> str:
    return CELL_HINTS.get(name, "a value")


def as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, _dt.datetime | _dt.date | _dt.time):
        return value.isoformat()
    return str(value).strip()


def _as_number(name: str, cell: Cell, allow_percent: bool) -> float:
    value, percent = cell.value, cell.percent
    if isinstance(value, bool | _dt.datetime | _dt.date | _dt.time | _dt.timedelta):
        kind = "TRUE/FALSE" if isinstance(value, bool) else "a date or time"
        raise CellValueError(f"{name} must be {hint(name)}, not {kind}")
    if isinstance(value, str):
        try:
            number, percent = parse_text_number(value, allow_percent=allow_percent)
        except CellValueError as exc:
            reason = "" if str(exc) == "not a number" else f": {exc}"
            raise CellValueError(f"{name} must be {hint(name)}{reason}") from None
    else:
        number = _finite_cell_number(name, value)
    if name in OPEN_RATE_FIELDS and abs(number) > 1 and not percent:
        raise CellValueError(
            f"{name} of {number:g} would mean {number:.0%} a year; rates are fractions: "
            f"write {number / 100:g} or {number:g}% (a value above 1 must be written as a percentage)"
        )
    return number


def _finite_cell_number(name: str, value: Any) -> float:
    """A number cell's value as a float; refuse infinity (``1E999`` in the file) and NaN."""
    try:
        number = float(value)
    except OverflowError:  # an integer of more than 308 digits
        number = math.inf
    if math.isnan(number):
        raise CellValueError(f"{name} must be {hint(name)}, not NaN (not a number)")
    if math.isinf(number):
        raise CellValueError(
            f"{name} must be {hint(name)}: the cell holds a number too large to compute with "
            "(numbers must be below 1.8e308)"
        )
    return number


def _as_integer(name: str, cell: Cell) -> int:
    number = _as_number(name, cell, allow_percent=False)
    if not number.is_integer():
        raise CellValueError(f"{name} must be {hint(name)}, not a fraction")
    return int(number)


def _as_boolean(name: str, cell: Cell) -> bool:
    value = cell.value
    if isinstance(value, bool):
        return value
    words = {
        "true": True,
        "yes": True,
        "y": True,
        "1": True,
        "false": False,
        "no": False,
        "n": False,
        "0": False,
    }
    word = as_text(value).casefold()
    if word in words:
        return words[word]
    raise CellValueError(f"{name} must be TRUE or FALSE")


def convert_cell(name: str, cell: Cell, *, fraction: bool | None = None) -> Any:
    """The cell's value as field ``name`` needs it; raise CellValueError when it cannot be."""
    if name in INTEGER_FIELDS:
        return _as_integer(name, cell)
    if name in BOOLEAN_FIELDS:
        return _as_boolean(name, cell)
    if name in FRACTION_FIELDS or name in NUMBER_FIELDS:
        allow = fraction if fraction is not None else name in FRACTION_FIELDS
        return _as_number(name, cell, allow_percent=allow)
    return as_text(cell.value)
