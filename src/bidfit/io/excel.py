"""Read a case from an input workbook (``.xlsx``), with errors that name the sheet and cell.

The workbook layout (see ``docs/excel-workflow.md``; :func:`bidfit.io.template.write_template`
writes an empty or filled one):

``Case`` (field, value rows)
    ``name, customer, currency, horizon_years, discount_rate``.
``Revenue`` (one row per stream)
    columns named like the :class:`bidfit.RevenueStream` fields.
``Costs`` (one row per cost item)
    a ``bid`` column plus the :class:`bidfit.CostItem` fields, then ``side``
    (``customer``, what the customer pays, the default; or ``vendor``, the
    vendor's own delivery cost) and ``option`` (empty for the base offer, or
    the name of one of the bid's scope options on ``Options``).
``Bids`` (optional; one row per bid)
    ``name, vendor, scope, min_margin``. Without it, each distinct ``bid`` of
    ``Costs`` is a bid, in order of first appearance.
``Options`` (optional; one row per scope option)
    ``bid, option, scope``: the option's name and the revenue streams it adds
    to the bid's scope. Its costs are the ``Costs`` rows naming it in their
    ``option`` column. A ``Costs`` row naming an option that is not on this
    sheet (or a workbook without the sheet) is an error at that cell: bidfit
    does not make up an option, whose scope it would not know.
``Policy`` (optional; field, value rows)
    the :class:`bidfit.Policy` fields. Severity overrides go one per row,
    ``severity.THIN_MARGIN`` | ``error``, or several in one ``severity`` row,
    ``THIN_MARGIN=error, MISSING_SOURCE=info``.
``FX`` (optional; currency, rate)
    units of case currency per unit of the currency.
``Uncertainty`` (optional; one row per entry)
    ``target, distribution, low, mode, high, mean, sd, correlated_with, correlation``.

Sheet names and headers match case-, space- and underscore-insensitively and
may carry a unit in brackets (``Annual amount [EUR]`` is ``annual_amount``);
other sheets (instructions, notes) are ignored; blank rows are skipped.

Numbers typed as text are read only when they cannot mean two things
(:func:`parse_text_number`): ``1 200 000``, ``1,200,000.50``, ``8%`` and
``-2.5 %`` are read; ``1.200`` and ``1,200`` (a thousand and two hundred, or
one point two?), ``1,5`` (decimal comma), ``520k`` and ``EUR 500`` are
refused with a message saying how to write them. A rate such as ``growth``,
``escalation`` or ``percent`` above 1 must be written as a percentage
(``150%`` or a percent-formatted cell): a bare ``8`` is refused rather than
read as 800 %.

Formulas are never evaluated: a formula cell is read through the result the
spreadsheet saved with it; one without a saved result is an error naming the
cell. Every problem of the workbook is collected and raised at once in one
:class:`bidfit.InputError`, each problem as ``Sheet!Cell: what is wrong (found
X; expected Y)``; past :data:`MAX_PROBLEMS` problems, one last line counts the
rest.

Sheets are never read without the user seeing which: a hidden sheet whose
name matches one of the sheets above is an error naming it, and so are two
sheets whose names match the same one (``Costs`` and ``COSTS``, or ``Costs``
and ``Costs (old)``).

Safety: the file is checked before openpyxl opens it
(:func:`bidfit.io.workbook_safety.check_workbook_file`: size, zip structure,
compression ratio, macros, DTDs, and bounded counts of sheets, names, styles
and texts), and the sheets to read are streamed with bounded counts of rows
and cells (:func:`bidfit.io.workbook_safety.scan_sheets`) before openpyxl
reads them, in read-only mode with cached values only. At most
:data:`MAX_ROWS` rows and :data:`MAX_COLUMNS` columns of a sheet are read: a
sheet whose declared used range is larger is refused, data just beyond the
caps is reported, and a cell far beyond them behind a false declared range
(which Excel and LibreOffice never write) is not read rather than walked to.

Text user data goes the other way through :func:`write_text` and
:func:`safe_sheet_title`, used by the template and the report.
"""

from __future__ import annotations

import datetime as _dt
import functools
import math
import re
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from bidfit.errors import InputError, Problem, format_location
from bidfit.escape import MAX_CELL_TEXT, for_cell
from bidfit.flags import FLAG_CODES, SEVERITIES
from bidfit.io.atomic import write_atomically
from bidfit.io.workbook_safety import SheetEntry, WorkbookOutline, check_workbook_file, scan_sheets
from bidfit.models import FIELD_HINTS, Case
from bidfit.validation import validate_case

if TYPE_CHECKING:
    from openpyxl import Workbook

__all__ = [
    "MAX_CELL_TEXT",
    "MAX_COLUMNS",
    "MAX_PROBLEMS",
    "MAX_ROWS",
    "SHEETS",
    "SheetSpec",
    "cell_ref",
    "clean_text",
    "parse_text_number",
    "range_ref",
    "read_workbook",
    "safe_sheet_title",
    "save_workbook",
    "sheet_ref",
    "write_text",
]

MAX_ROWS = 10_000
"""Most rows read from one sheet; a sheet declaring more is refused."""
MAX_COLUMNS = 50
"""Most columns read from one sheet; a sheet declaring more is refused."""
_LAST_ROW_READ = MAX_ROWS + 1  # one row beyond the cap is read, to report data there
MAX_PROBLEMS = 1_000
"""Most problems reported for one workbook, first by sheet and cell; one more line counts the rest."""


@dataclass(frozen=True)
class SheetSpec:
    """One sheet of the input workbook.

    Attributes
    ----------
    name : str
        The sheet name the template writes.
    layout : {'fields', 'table'}
        ``fields``: two columns, field and value, one row per field;
        ``table``: a header row of field names, then one row per item.
    columns : tuple of str
        The fields, in the template's order.
    required : tuple of str
        Columns a ``table`` sheet must have.
    optional : bool
        Whether the workbook may leave the sheet out.
    """

    name: str
    layout: Literal["fields", "table"]
    columns: tuple[str, ...]
    required: tuple[str, ...] = ()
    optional: bool = False


SHEETS: tuple[SheetSpec, ...] = (
    SheetSpec("Case", "fields", ("name", "customer", "currency", "horizon_years", "discount_rate")),
    SheetSpec(
        "Revenue",
        "table",
        (
            "name",
            "kind",
            "annual_amount",
            "currency",
            "growth",
            "capture",
            "margin",
            "start_year",
            "end_year",
            "ramp_years",
            "source",
        ),
        required=("name", "annual_amount"),
    ),
    SheetSpec("Bids", "table", ("name", "vendor", "scope", "min_margin"), required=("name",), optional=True),
    SheetSpec("Options", "table", ("bid", "option", "scope"), required=("bid", "option"), optional=True),
    SheetSpec(
        "Costs",
        "table",
        (
            "bid",
            "name",
            "category",
            "kind",
            "amount",
            "currency",
            "percent_of",
            "percent",
            "year",
            "start_year",
            "end_year",
            "escalation",
            "source",
            "side",
            "option",
        ),
        required=("bid", "name", "kind"),
    ),
    SheetSpec(
        "Policy",
        "fields",
        (
            "max_payback_years",
            "min_benefit_cost_ratio",
            "min_benefit_headroom",
            "stress_benefit_cut",
            "max_loss_probability",
            "require_source",
            "severity",
        ),
        optional=True,
    ),
    SheetSpec("FX", "table", ("currency", "rate"), required=("currency", "rate"), optional=True),
    SheetSpec(
        "Uncertainty",
        "table",
        ("target", "distribution", "low", "mode", "high", "mean", "sd", "correlated_with", "correlation"),
        required=("target", "distribution"),
        optional=True,
    ),
)
"""The sheets of the input workbook, in the template's order."""

_SPEC = {spec.name: spec for spec in SHEETS}

# What kind of value each field holds.
_INTEGERS = frozenset({"horizon_years", "start_year", "end_year", "year", "ramp_years"})
_FRACTIONS = frozenset(
    {
        "growth",
        "escalation",
        "capture",
        "margin",
        "percent",
        "discount_rate",
        "min_benefit_headroom",
        "stress_benefit_cut",
        "max_loss_probability",
        "correlation",
        "min_margin",
    }
)
_OPEN_RATES = frozenset({"growth", "escalation", "percent"})  # no upper bound in the model
_NUMBERS = frozenset(
    {
        "annual_amount",
        "amount",
        "rate",
        "min_benefit_cost_ratio",
        "max_payback_years",
        "low",
        "mode",
        "high",
        "mean",
        "sd",
    }
)
_BOOLEANS = frozenset({"require_source"})
_DISTRIBUTION_PARAMETERS = ("low", "mode", "high", "mean", "sd")

_HINTS: dict[str, str] = {
    **FIELD_HINTS,
    "rate": "a number > 0: units of case currency per unit of this currency",
    "require_source": "TRUE or FALSE",
    "low": "a number in the target's unit",
    "mode": "a number in the target's unit",
    "high": "a number in the target's unit",
    "mean": "a number in the target's unit",
    "sd": "a number >= 0 in the target's unit",
    "correlation": "a number from -1 to 1",
    "max_payback_years": "a number of years > 0",
    "side": "customer or vendor (empty = customer)",
    "option": "the name of a scope option of the bid on the Options sheet, or empty for the base offer",
}

# Human headers that mean a field, beyond the field's own name.
_ALIASES: dict[str, dict[str, str]] = {
    "Case": {"horizon": "horizon_years", "casename": "name", "casecurrency": "currency"},
    "Revenue": {"stream": "name", "revenuestream": "name", "amount": "annual_amount", "ramp": "ramp_years"},
    "Bids": {
        "bid": "name",
        "bidname": "name",
        "minimummargin": "min_margin",
        "vendorminmargin": "min_margin",
    },
    "Options": {
        "bidname": "bid",
        "name": "option",
        "optionname": "option",
        "scopeoption": "option",
        "streams": "scope",
    },
    "Costs": {
        "bidname": "bid",
        "item": "name",
        "costitem": "name",
        "type": "kind",
        "paidby": "side",
        "optionname": "option",
        "scopeoption": "option",
    },
    "FX": {"fxrate": "rate", "code": "currency"},
    "Uncertainty": {},
    "Policy": {},
}
_SEVERITY_KEY = "severity"


def _key(text: str) -> str:
    """Header or sheet name as a lookup key: case, spaces, punctuation and a unit in brackets ignored.

    Examples
    --------
    >>> _key("Annual amount [EUR]"), _key(" start_Year "), _key("Growth (%/year)")
    ('annualamount', 'startyear', 'growth')
    """
    text = re.sub(r"\s*[\[(][^\])]*[\])]\s*$", "", text)
    return re.sub(r"[\W_]+", "", text.casefold())


# --------------------------------------------------------------------------
# text numbers
# --------------------------------------------------------------------------


class CellValueError(ValueError):
    """A cell value that cannot be read as its field needs; the message says why."""


_SPACE_CHARS = "\u00a0\u202f\u2009\u2007 "
_SUFFIX = re.compile(r"^[\d.,\s]+\s*(k|m|mm|mn|mio|bn|b|million|millions|thousand|thousands)$", re.I)
_CURRENCY = re.compile(r"([A-Za-z]{3}\s*[\d.,]|[\d.,]\s*[A-Za-z]{3}$|[€$£¥₹₽₩])")
_PLAIN = re.compile(r"(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def parse_text_number(text: str, *, allow_percent: bool = True) -> tuple[float, bool]:
    """Read a number a person typed as text, refusing anything that could mean two things.

    Parameters
    ----------
    text : str
        The cell's text.
    allow_percent : bool
        Whether a trailing ``%`` may be used (for rates and shares, not amounts).

    Returns
    -------
    value : float
        The number; a percentage is returned as a fraction (``8%`` -> 0.08).
    percent : bool
        True when the text ended in ``%``.

    Raises
    ------
    CellValueError
        Saying what is wrong and how to write it.

    Notes
    -----
    Accepted: digits with a point as the decimal mark; thousands grouped by
    spaces (``1 200 000``, also no-break and thin spaces) or by commas when
    that cannot be a decimal comma (``1,200,000`` or ``1,200.5``); a leading
    ``+``, ``-`` or ``−``; scientific notation (``1.2e6``); a trailing ``%``.
    Refused: a lone comma group (``1,200``) or a lone point followed by
    three digits (``1.200``), which mean 1200 in some countries and 1.2 in
    others (the message offers both readings, written as this function reads
    them); a decimal comma (``1,5``); several points (``1.200.000``);
    ``k``/``M``/``bn`` suffixes; currency codes or symbols; a number too large
    for a float (``1e999``, above about 1.8e308) or so close to zero that it
    would be read as 0 (``1e-999``); ``nan`` and ``inf``.

    Examples
    --------
    >>> parse_text_number("1 200 000"), parse_text_number("8%"), parse_text_number("1,200,000.50")
    ((1200000.0, False), (0.08, True), (1200000.5, False))
    >>> parse_text_number("1.200")
    Traceback (most recent call last):
    ...
    bidfit.io.excel.CellValueError: '1.200' is ambiguous: 1200 or 1.2? Write 1200 (or 1 200) or 1.2
    """
    s = text.strip(_SPACE_CHARS + "\t\r\n")
    percent = s.endswith("%")
    if percent:
        if not allow_percent:
            raise CellValueError("an amount, not a percentage: write the number alone")
        s = s[:-1].rstrip(_SPACE_CHARS)
    negative = False
    if s[:1] in ("+", "-", "\u2212"):
        negative = s[0] != "+"
        s = s[1:].lstrip(_SPACE_CHARS)
    digits = _plain_digits(s, text, "-" if negative else "", "%" if percent else "")
    return _finite_number(digits, negative, percent, text), percent


def _finite_number(digits: str, negative: bool, percent: bool, original: str) -> float:
    """The float that plain ``digits`` stand for; refuse one a float cannot hold.

    ``float`` rounds a decimal string correctly, to ``inf`` above about
    1.8e308 and to 0.0 below about 5e-324: both would silently change what
    the cell says.

    Examples
    --------
    >>> _finite_number("1.5e3", True, False, "-1.5e3"), _finite_number("7", False, True, "7%")
    (-1500.0, 0.07)
    """
    shown = original.strip()
    magnitude = float(digits)
    if math.isinf(magnitude):
        raise CellValueError(f"{shown!r} is too large to compute with (numbers must be below 1.8e308)")
    if magnitude == 0.0:
        if re.search(r"[1-9]", re.split(r"[eE]", digits)[0]):
            raise CellValueError(f"{shown!r} is too close to zero to compute with: write 0 if you mean zero")
        return 0.0
    if percent:
        # An exact decimal division: 7% is 0.07, not 0.07000000000000001.
        magnitude = float(Decimal(digits) / 100)
        if magnitude == 0.0:
            raise CellValueError(f"{shown!r} is too close to zero to compute with: write 0 if you mean zero")
    return -magnitude if negative else magnitude


def _ambiguous(shown: str, whole: str, fraction: str, sign: str, suffix: str) -> CellValueError:
    """``1,200`` or ``1.200``: both readings, each written in a form :func:`parse_text_number` reads.

    A decimal reading with three digits after the point would be ambiguous
    in turn, so it gets a trailing zero (``999.9990``).

    Examples
    --------
    >>> print(_ambiguous("-1,000", "1", "000", "-", ""))
    '-1,000' is ambiguous: -1000 or -1? Write -1000 (or -1 000) or -1
    >>> print(_ambiguous("999,999", "999", "999", "", ""))
    '999,999' is ambiguous: 999999 or 999.9990? Write 999999 (or 999 999) or 999.9990
    """
    thousands = f"{sign}{whole}{fraction}{suffix}"
    grouped = f"{sign}{whole} {fraction}{suffix}"
    digits = fraction.rstrip("0")
    decimal = f"{sign}{whole}" + (f".{digits}" if digits else "") + ("0" if len(digits) == 3 else "") + suffix
    return CellValueError(
        f"{shown!r} is ambiguous: {thousands} or {decimal}? Write {thousands} (or {grouped}) or {decimal}"
    )


def _plain_digits(s: str, original: str, sign: str = "", suffix: str = "") -> str:
    """``s`` without grouping separators, as digits and at most one point; else raise.

    ``sign`` and ``suffix`` (``-``, ``%``) are only used to write the advice.
    """
    shown = original.strip()
    if _SUFFIX.match(s):
        raise CellValueError(f"write the full number, without k/M/bn ({shown!r} is not read)")
    if _CURRENCY.search(s):
        raise CellValueError("write the number alone: the currency goes in the currency column")
    if any(ch.isalpha() for ch in s) and not _PLAIN.fullmatch(s):
        raise CellValueError("not a number")
    if _PLAIN.fullmatch(s):
        if re.fullmatch(r"[1-9]\d{0,2}\.\d{3}", s):
            whole, _, fraction = s.partition(".")
            raise _ambiguous(shown, whole, fraction, sign, suffix)
        return s
    if any(c in s for c in _SPACE_CHARS):
        grouped = re.sub(f"[{_SPACE_CHARS}]", " ", s)
        if re.fullmatch(r"\d{1,3}( \d{3})+(\.\d+)?", grouped):
            return grouped.replace(" ", "")
        raise CellValueError("not a number (spaces may only group thousands: 1 200 000)")
    if s.count(".") > 1:
        raise CellValueError("several points: write the number without thousands points (1200000.5)")
    if "," in s:
        if re.fullmatch(r"[1-9]\d{0,2}(,\d{3})+(\.\d+)?", s):
            if s.count(",") == 1 and "." not in s:
                whole, _, fraction = s.partition(",")
                raise _ambiguous(shown, whole, fraction, sign, suffix)
            return s.replace(",", "")
        if re.fullmatch(r"\d+,\d+", s):
            raise CellValueError(f"decimal comma: write {s.replace(',', '.')} with a point")
    raise CellValueError("not a number")


# --------------------------------------------------------------------------
# reading cells
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Cell:
    """One non-empty cell as read: its value and what the spreadsheet says about it."""

    value: Any
    percent: bool = False  # percent number format
    error: str | None = None  # an error value shown in the cell, e.g. '#DIV/0!'
    formula_without_value: bool = False


@dataclass
class _Sheet:
    title: str
    rows: dict[int, dict[int, _Cell]] = field(default_factory=dict)


@functools.lru_cache(maxsize=256)
def _column_letter(col: int) -> str:
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(col))


def _load_sheets(path: Path, outline: WorkbookOutline, problems: list[Problem]) -> dict[str, _Sheet]:
    """Read the known sheets of the workbook into cells, within the row and column caps.

    The sheets are first streamed within the limits of
    :func:`bidfit.io.workbook_safety.scan_sheets`, which also finds their
    formula cells; openpyxl then reads the saved values.
    """
    import openpyxl

    chosen = _match_sheets(outline.sheets, problems, str(path))
    formulas = scan_sheets(outline, list(chosen.values()), rows=_LAST_ROW_READ, columns=MAX_COLUMNS)
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
        by_key.setdefault(_key(sheet.name), []).append(sheet)
    found: dict[str, SheetEntry] = {}
    unclear: list[Problem] = []
    for spec in SHEETS:
        matches = by_key.get(_key(spec.name), [])
        unclear.extend(_unclear_sheets(spec, matches))
        if matches:
            found[spec.name] = matches[0]
        elif not spec.optional and not (spec.name == "Costs" and "bids" in by_key):
            problems.append(
                Problem(
                    spec.name,
                    f"the workbook has no {spec.name!r} sheet; its sheets are "
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


def _unclear_sheets(spec: SheetSpec, matches: list[SheetEntry]) -> list[Problem]:
    """Problems with the sheets whose names match ``spec``: hidden, a chart, or more than one.

    Examples
    --------
    >>> hidden = SheetEntry("COSTS", "veryHidden", "xl/worksheets/sheet1.xml")
    >>> visible = SheetEntry("Costs", "visible", "xl/worksheets/sheet2.xml")
    >>> for p in _unclear_sheets(_SPEC["Costs"], [hidden, visible]):
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
    corner = f"{_column_letter(cols)}{rows}" if cols and rows else "?"
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


def _read_values(book: Any, title: str, problems: list[Problem]) -> _Sheet:
    """The sheet's non-empty cells in rows 1..MAX_ROWS and columns 1..MAX_COLUMNS.

    At most one row and one column beyond the caps are looked at, to report
    data there rather than silently leave it out.
    """
    sheet = _Sheet(title)
    rows = book[title].iter_rows(min_row=1, max_row=_LAST_ROW_READ, max_col=MAX_COLUMNS + 1)
    for r, row in enumerate(rows, 1):
        cells = {}
        for c, cell in enumerate(row, 1):
            value = cell.value
            if value is None or (isinstance(value, str) and not value.strip()):
                continue
            if cell.data_type == "e":
                cells[c] = _Cell(None, error=str(value))
            else:
                cells[c] = _Cell(value, percent="%" in (cell.number_format or ""))
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
                    f"{title}!{_column_letter(MAX_COLUMNS + 1)}{r}",
                    f"more than {MAX_COLUMNS} columns",
                    code="too_large",
                    expected=f"at most {MAX_COLUMNS} columns on a sheet",
                )
            )
        if cells:
            sheet.rows[r] = cells
    return sheet


def _mark_formulas(sheet: _Sheet, formula_cells: frozenset[tuple[int, int]]) -> None:
    """Mark the formula cells ``(row, column)`` that have no saved result (read as empty)."""
    for r, c in sorted(formula_cells):
        if r <= MAX_ROWS and c <= MAX_COLUMNS and c not in sheet.rows.get(r, {}):
            sheet.rows.setdefault(r, {})[c] = _Cell(None, formula_without_value=True)


# --------------------------------------------------------------------------
# values by field
# --------------------------------------------------------------------------


def _hint(name: str) -> str:
    return _HINTS.get(name, "a value")


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, _dt.datetime | _dt.date | _dt.time):
        return value.isoformat()
    return str(value).strip()


def _as_number(name: str, cell: _Cell, allow_percent: bool) -> float:
    value, percent = cell.value, cell.percent
    if isinstance(value, bool | _dt.datetime | _dt.date | _dt.time | _dt.timedelta):
        kind = "TRUE/FALSE" if isinstance(value, bool) else "a date or time"
        raise CellValueError(f"{name} must be {_hint(name)}, not {kind}")
    if isinstance(value, str):
        try:
            number, percent = parse_text_number(value, allow_percent=allow_percent)
        except CellValueError as exc:
            reason = "" if str(exc) == "not a number" else f": {exc}"
            raise CellValueError(f"{name} must be {_hint(name)}{reason}") from None
    else:
        number = _finite_cell_number(name, value)
    if name in _OPEN_RATES and abs(number) > 1 and not percent:
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
        raise CellValueError(f"{name} must be {_hint(name)}, not NaN (not a number)")
    if math.isinf(number):
        raise CellValueError(
            f"{name} must be {_hint(name)}: the cell holds a number too large to compute with "
            "(numbers must be below 1.8e308)"
        )
    return number


def _as_integer(name: str, cell: _Cell) -> int:
    number = _as_number(name, cell, allow_percent=False)
    if not number.is_integer():
        raise CellValueError(f"{name} must be {_hint(name)}, not a fraction")
    return int(number)


def _as_boolean(name: str, cell: _Cell) -> bool:
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
    word = _as_text(value).casefold()
    if word in words:
        return words[word]
    raise CellValueError(f"{name} must be TRUE or FALSE")


def _convert(name: str, cell: _Cell, *, fraction: bool | None = None) -> Any:
    """The cell's value as field ``name`` needs it; raise CellValueError when it cannot be."""
    if name in _INTEGERS:
        return _as_integer(name, cell)
    if name in _BOOLEANS:
        return _as_boolean(name, cell)
    if name in _FRACTIONS or name in _NUMBERS:
        allow = fraction if fraction is not None else name in _FRACTIONS
        return _as_number(name, cell, allow_percent=allow)
    return _as_text(cell.value)


# --------------------------------------------------------------------------
# from sheets to case data, remembering which cell each value came from
# --------------------------------------------------------------------------


@dataclass
class _Row:
    """One item row of a table sheet."""

    values: dict[str, Any]
    cells: dict[str, str]  # field -> "Sheet!E3" (also for empty cells of known columns)
    span: str  # "Sheet!A3:M3"


class _Builder:
    """Turns the sheets into the plain data of a case, collecting problems by cell."""

    def __init__(self, sheets: dict[str, _Sheet], problems: list[Problem]):
        self.sheets = sheets
        self.problems = problems
        self.where: dict[tuple[str | int, ...], str] = {}
        self.bad_cells: set[str] = set()
        self.bad_items: set[tuple[str | int, ...]] = set()
        self.missing_columns: set[tuple[str, str | int]] = set()

    # -- problems ----------------------------------------------------------

    def problem(
        self, where: str, message: str, found: Any = None, expected: str | None = None, code: str = "invalid"
    ) -> None:
        self.problems.append(Problem(where, message, found=found, expected=expected, code=code))
        self.bad_cells.add(where)

    def read(self, sheet: _Sheet, r: int, c: int, name: str, *, fraction: bool | None = None) -> Any:
        """Convert one cell; on a problem, record it and return None."""
        cell = sheet.rows[r][c]
        where = f"{sheet.title}!{_column_letter(c)}{r}"
        if cell.formula_without_value:
            self.problem(
                where,
                f"{name}: a formula without a saved result; bidfit does not calculate formulas",
                expected="a typed value, or open and save the workbook in Excel or "
                "LibreOffice so the result is stored",
                code="formula_without_value",
            )
            return None
        if cell.error is not None:
            self.problem(
                where,
                f"{name}: the cell shows an error",
                found=cell.error,
                expected=_hint(name),
                code="cell_error",
            )
            return None
        try:
            return _convert(name, cell, fraction=fraction)
        except CellValueError as exc:
            found = cell.value if not isinstance(cell.value, _dt.time | _dt.date) else str(cell.value)
            self.problem(
                where,
                str(exc),
                found=found,
                code="not_a_number" if name not in _BOOLEANS else "not_a_boolean",
            )
            return None

    # -- fields sheets (Case, Policy) ----------------------------------------

    def field_rows(self, name: str) -> list[tuple[str, int, int | None]]:
        """``(field, row, value column)`` of a fields sheet; problems for bad rows."""
        sheet = self.sheets.get(name)
        if sheet is None:
            return []
        spec = _SPEC[name]
        lookup = {_key(f): f for f in spec.columns} | _ALIASES[name]
        out: list[tuple[str, int, int | None]] = []
        seen: dict[str, str] = {}
        for i, (r, cells) in enumerate(sorted(sheet.rows.items())):
            label = cells.get(1)
            if i == 0 and label is not None and _key(_as_text(label.value)) == "field":
                continue  # the header row
            for c in sorted(cells):
                if c > 2:
                    self.problem(
                        f"{sheet.title}!{_column_letter(c)}{r}",
                        f"unexpected value: the {spec.name} sheet has two columns, field and value",
                        found=cells[c].value,
                        code="unexpected_value",
                    )
            if label is None:
                if 2 in cells:
                    self.problem(
                        f"{sheet.title}!A{r}",
                        "a value without a field name",
                        expected="one of " + ", ".join(spec.columns),
                        code="missing_field_name",
                    )
                continue
            text = _as_text(label.value)
            key = _key(text)
            fname = lookup.get(key)
            if fname is None and name == "Policy" and key.startswith(_SEVERITY_KEY):
                fname = _SEVERITY_KEY
            if fname is None:
                self.problem(
                    f"{sheet.title}!A{r}",
                    f"unknown field {text!r}",
                    expected="one of " + ", ".join(spec.columns),
                    code="unknown_field",
                )
                continue
            ident = text if fname == _SEVERITY_KEY else fname
            if _key(ident) in seen:
                self.problem(
                    f"{sheet.title}!A{r}",
                    f"{fname} is given twice",
                    found=text,
                    expected=f"one row (the first is {seen[_key(ident)]})",
                    code="duplicate_field",
                )
                continue
            seen[_key(ident)] = f"{sheet.title}!A{r}"
            out.append((fname, r, 2 if 2 in cells else None))
        return out

    def case_fields(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        sheet = self.sheets.get("Case")
        for fname, r, c in self.field_rows("Case"):
            assert sheet is not None
            self.where[(fname,)] = f"{sheet.title}!B{r}"
            if c is not None:
                value = self.read(sheet, r, c, fname)
                if value is not None:
                    data[fname] = value
        return data

    def policy(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        sheet = self.sheets.get("Policy")
        severity: dict[str, str] = {}
        for fname, r, c in self.field_rows("Policy"):
            assert sheet is not None
            where = f"{sheet.title}!B{r}"
            self.where.setdefault(("policy", fname), where)
            if c is None:
                continue
            if fname == _SEVERITY_KEY:
                label = _as_text(sheet.rows[r][1].value)
                self.severity(label, _as_text(sheet.rows[r][c].value), where, severity)
                continue
            value = self.read(sheet, r, c, fname)
            if value is not None:
                data[fname] = value
        if severity:
            data["severity"] = severity
        return data

    def severity(self, label: str, text: str, where: str, out: dict[str, str]) -> None:
        """Read ``severity.CODE | level`` or ``severity | CODE=level, CODE=level``."""
        code_in_label = re.sub(r"^severity[\s._:\-]*", "", label.strip(), flags=re.I)
        pairs = [(code_in_label, text)] if code_in_label else []
        if not code_in_label:
            for part in filter(None, (p.strip() for p in re.split(r"[,;\n]", text))):
                match = re.fullmatch(r"([^=:]+?)\s*[=:]\s*(.*)", part)
                if match is None:
                    self.problem(
                        where,
                        "severity must list CODE=level pairs",
                        found=part,
                        expected="e.g. THIN_MARGIN=error, MISSING_SOURCE=info",
                        code="severity",
                    )
                    return
                pairs.append((match[1], match[2]))
        for code, level in pairs:
            code_u, level_l = code.strip().upper().replace(" ", "_"), level.strip().casefold()
            if code_u not in FLAG_CODES:
                self.problem(
                    where,
                    f"unknown flag code {code.strip()!r}",
                    found=code.strip(),
                    expected="one of " + ", ".join(FLAG_CODES),
                    code="unknown_name",
                )
            elif level_l not in SEVERITIES:
                self.problem(
                    where,
                    f"severity of {code_u} must be error, warning or info",
                    found=level.strip(),
                    expected="error, warning or info",
                    code="severity",
                )
            elif code_u in out:
                self.problem(
                    where, f"the severity of {code_u} is given twice", found=code_u, code="duplicate_field"
                )
            else:
                out[code_u] = level_l
                self.where[("policy", "severity", code_u)] = where

    # -- table sheets --------------------------------------------------------

    def table(self, name: str) -> list[_Row]:
        """The item rows of a table sheet, each value converted; problems recorded by cell."""
        sheet = self.sheets.get(name)
        if sheet is None or not sheet.rows:
            return []
        spec = _SPEC[name]
        ordered = sorted(sheet.rows)
        header_row = ordered[0]
        columns = self.header(sheet, spec, header_row)
        last = _column_letter(max([*columns, *sheet.rows[header_row]]))
        rows = []
        for r in ordered[1:]:
            cells = sheet.rows[r]
            span = f"{sheet.title}!A{r}:{last}{r}"
            refs = {f: f"{sheet.title}!{_column_letter(c)}{r}" for c, f in columns.items()}
            values: dict[str, Any] = {}
            fraction = self.target_is_fraction(sheet, r, columns) if name == "Uncertainty" else None
            for c in sorted(cells):
                fname = columns.get(c)
                if fname is None:
                    if c not in sheet.rows[header_row]:
                        self.problem(
                            f"{sheet.title}!{_column_letter(c)}{r}",
                            "a value in a column without a header",
                            found=cells[c].value,
                            expected="a header naming the field, or an empty cell",
                            code="no_header",
                        )
                    continue
                frac = fraction if fname in _DISTRIBUTION_PARAMETERS else None
                value = self.read(sheet, r, c, fname, fraction=frac)
                if value is not None:
                    values[fname] = value
            rows.append(_Row(values, refs, span))
        return rows

    def header(self, sheet: _Sheet, spec: SheetSpec, r: int) -> dict[int, str]:
        """Map column numbers to fields from the header row; problems for unknown or missing ones."""
        lookup = {_key(f): f for f in spec.columns} | _ALIASES[spec.name]
        columns: dict[int, str] = {}
        for c, cell in sorted(sheet.rows[r].items()):
            where = f"{sheet.title}!{_column_letter(c)}{r}"
            text = _as_text(cell.value) if cell.value is not None else ""
            fname = lookup.get(_key(text))
            if fname is None:
                self.problem(
                    where,
                    f"unknown column {text!r}",
                    found=text or cell.error,
                    expected="one of " + ", ".join(spec.columns),
                    code="unknown_column",
                )
            elif fname in columns.values():
                self.problem(where, f"column {fname} is given twice", found=text, code="duplicate_column")
            else:
                columns[c] = fname
        missing = [f for f in spec.required if f not in columns.values()]
        self.missing_columns.update((sheet.title, f) for f in missing)
        if missing:
            self.problem(
                f"{sheet.title}!{r}:{r}",
                f"missing column(s) {', '.join(missing)}",
                expected="a header row with " + ", ".join(spec.columns),
                code="missing_column",
            )
        return columns

    @staticmethod
    def target_is_fraction(sheet: _Sheet, r: int, columns: dict[int, str]) -> bool:
        """Whether an uncertainty row's parameters are fractions (its target is a rate or share)."""
        col = next((c for c, f in columns.items() if f == "target"), None)
        cell = sheet.rows[r].get(col) if col is not None else None
        target = _as_text(cell.value) if cell is not None and cell.value is not None else ""
        return target == "discount_rate" or target.rsplit(".", 1)[-1] in _FRACTIONS

    def items(self, rows: list[_Row], loc: tuple[str | int, ...]) -> list[dict[str, Any]]:
        """Row values as model data, registering where each field lives."""
        out = []
        for i, row in enumerate(rows):
            item_loc = (*loc, i)
            self.where[item_loc] = row.span
            for fname, ref in row.cells.items():
                key = (*item_loc, fname)
                self.where[key] = ref
            if any(ref in self.bad_cells for ref in row.cells.values()):
                self.bad_items.add(item_loc)
            out.append(dict(row.values))
        return out

    # -- the case -------------------------------------------------------------

    def build(self) -> dict[str, Any]:
        data = self.case_fields()
        self.where[("revenue",)] = self.title("Revenue")
        data["revenue"] = self.items(self.table("Revenue"), ("revenue",))
        data["bids"] = self.bids()
        policy = self.policy()
        if policy:
            data["policy"] = policy
        fx = self.fx()
        if fx:
            data["fx"] = fx
        self.where[("uncertainty",)] = self.title("Uncertainty")
        uncertainty = self.items(self.table("Uncertainty"), ("uncertainty",))
        if uncertainty:
            data["uncertainty"] = uncertainty
        return data

    def title(self, name: str) -> str:
        sheet = self.sheets.get(name)
        return sheet.title if sheet is not None else name

    def bids(self) -> list[dict[str, Any]]:
        """Bids from the Bids sheet (or the distinct ``bid`` values of Costs), with their costs and options."""
        cost_rows = self.table("Costs")
        listed = "Bids" in self.sheets
        bid_rows = self.table("Bids") if listed else []
        self.where[("bids",)] = self.title("Bids" if listed else "Costs")
        order: list[str] = [str(row.values.get("name", "")) for row in bid_rows]
        known = set(order)
        first_cell: dict[str, str] = {}
        rows_of: dict[str, list[_Row]] = {name: [] for name in order}
        for row in cost_rows:
            bid = row.values.get("bid")
            if bid is None:
                if row.cells.get("bid") not in self.bad_cells and "bid" in row.cells:
                    self.problem(
                        row.cells["bid"],
                        "bid is required: the name of the bid this cost belongs to",
                        expected="a bid name" + (" from the Bids sheet" if listed else ""),
                        code="missing",
                    )
                continue
            if bid not in known:
                if listed:
                    self.problem(
                        row.cells["bid"],
                        f"bid {bid!r} is not on the Bids sheet",
                        found=bid,
                        expected="one of " + (", ".join(map(repr, order)) or "(no bids listed)"),
                        code="unknown_name",
                    )
                    continue
                order.append(bid)
                known.add(bid)
                rows_of[bid] = []
                first_cell[bid] = row.cells["bid"]
            rows_of[bid].append(row)
        options_of = self.options(order, listed)
        bids: list[dict[str, Any]] = []
        for b, name in enumerate(order):
            if listed:
                self.where[("bids", b)] = bid_rows[b].span
                for fname, ref in bid_rows[b].cells.items():
                    self.where[("bids", b, fname)] = ref
                entry = dict(bid_rows[b].values)
            else:
                self.where[("bids", b)] = first_cell[name]
                self.where[("bids", b, "name")] = first_cell[name]
                entry = {"name": name}
            options = options_of.get(name, {})
            if options and not listed:
                # Without a Bids sheet a bid has no scope, which a bid with options needs.
                ref = next(iter(options.values())).cells["bid"]
                self.where[("bids", b, "scope")] = ref
                self.problem(
                    ref,
                    f"bid {name!r} has scope options, so it needs the scope of its base offer",
                    expected=f"a Bids sheet (name, vendor, scope) with a row for {name!r} and the revenue "
                    "streams its base offer addresses",
                    code="missing_scope",
                )
            groups = self.cost_groups(name, rows_of[name], options)
            loc: tuple[str | int, ...] = ("bids", b)
            entry |= self.cost_lists(groups, None, loc)
            if options:
                self.where[("bids", b, "options")] = self.title("Options")
                entry["options"] = []
                for o, (option, row) in enumerate(options.items()):
                    o_loc: tuple[str | int, ...] = ("bids", b, "options", o)
                    self.where[o_loc] = row.span
                    self.where[("bids", b, "options", o, "name")] = row.cells["option"]
                    self.where[("bids", b, "options", o, "scope")] = row.cells.get("scope", row.span)
                    data: dict[str, Any] = {"name": option}
                    if row.values.get("scope") is not None:
                        data["scope"] = row.values["scope"]
                    entry["options"].append(data | self.cost_lists(groups, option, o_loc))
            bids.append(entry)
        return bids

    def options(self, bids: list[str], listed: bool) -> dict[str, dict[str, _Row]]:
        """The Options sheet: ``{bid: {option: row}}``, in the sheet's order; problems for bad rows."""
        out: dict[str, dict[str, _Row]] = {}
        first: dict[tuple[str, str], str] = {}
        for row in self.table("Options"):
            missing = False
            for fname, what, expected in (
                ("bid", "the bid the option belongs to", "a bid name"),
                ("option", "the option's name", "a name, unique among the options of the bid"),
            ):
                ref = row.cells.get(fname)
                if row.values.get(fname) is None and ref is not None and ref not in self.bad_cells:
                    self.problem(ref, f"{fname} is required: {what}", expected=expected, code="missing")
                missing = missing or row.values.get(fname) is None
            if missing:
                continue
            bid, option = str(row.values["bid"]), str(row.values["option"])
            if bid not in bids:
                self.problem(
                    row.cells["bid"],
                    f"bid {bid!r} is not "
                    + ("on the Bids sheet" if listed else "a bid of the Costs sheet (it has no cost rows)"),
                    found=bid,
                    expected="one of " + (", ".join(map(repr, bids)) or "(no bids)"),
                    code="unknown_name",
                )
                continue
            if (bid, option) in first:
                self.problem(
                    row.cells["option"],
                    f"option {option!r} of bid {bid!r} is given twice",
                    found=option,
                    expected=f"one row per option of a bid (the first is {first[(bid, option)]})",
                    code="duplicate_name",
                )
                continue
            first[(bid, option)] = row.cells["option"]
            out.setdefault(bid, {})[option] = row
        return out

    def cost_groups(
        self, bid: str, rows: list[_Row], options: dict[str, _Row]
    ) -> dict[tuple[str | None, str], list[_Row]]:
        """A bid's cost rows by ``(option or None, 'costs' or 'vendor_costs')``; problems for bad ones."""
        groups: dict[tuple[str | None, str], list[_Row]] = {}
        for row in rows:
            side = row.values.pop("side", None)
            option = row.values.pop("option", None)
            row.values.pop("bid", None)
            attr = "costs"
            if side is not None:
                word = _key(side)
                if word not in ("customer", "vendor"):
                    self.problem(
                        row.cells["side"],
                        "side must be customer (what the customer pays) or vendor (the vendor's own "
                        "delivery cost)",
                        found=side,
                        expected=_hint("side"),
                        code="unknown_choice",
                    )
                    continue
                attr = "vendor_costs" if word == "vendor" else "costs"
            if option is not None and option not in options:
                self.unknown_option(row.cells["option"], bid, option, list(options))
                continue
            groups.setdefault((option, attr), []).append(row)
        return groups

    def unknown_option(self, where: str, bid: str, option: str, known: list[str]) -> None:
        if "Options" not in self.sheets:
            self.problem(
                where,
                f"option {option!r} of bid {bid!r} is not defined: the workbook has no Options sheet",
                found=option,
                expected=f"an Options sheet with a row (bid {bid!r}, option {option!r}, scope: the revenue "
                "streams it adds), or an empty option for the base offer",
                code="unknown_name",
            )
            return
        self.problem(
            where,
            f"option {option!r} is not an option of bid {bid!r} on the Options sheet",
            found=option,
            expected=(f"one of {', '.join(map(repr, known))}, " if known else "")
            + f"an empty cell for the base offer, or a row (bid {bid!r}, option {option!r}, scope) on the "
            "Options sheet",
            code="unknown_name",
        )

    def cost_lists(
        self,
        groups: dict[tuple[str | None, str], list[_Row]],
        option: str | None,
        loc: tuple[str | int, ...],
    ) -> dict[str, list[dict[str, Any]]]:
        """``costs`` and (when given) ``vendor_costs`` of the base offer or of one option."""
        out: dict[str, list[dict[str, Any]]] = {}
        for attr in ("costs", "vendor_costs"):
            rows = groups.get((option, attr), [])
            list_loc = (*loc, attr)
            self.where[list_loc] = self.title("Costs")
            if rows or attr == "costs":
                out[attr] = self.items(rows, list_loc)
        return out

    def fx(self) -> dict[str, Any]:
        rates: dict[str, Any] = {}
        self.where[("fx",)] = self.title("FX")
        for row in self.table("FX"):
            currency, rate = row.values.get("currency"), row.values.get("rate")
            currency_ref, rate_ref = row.cells.get("currency", row.span), row.cells.get("rate", row.span)
            if currency is None:
                if currency_ref not in self.bad_cells:
                    self.problem(
                        currency_ref, "currency is required", expected=_hint("currency"), code="missing"
                    )
                continue
            code = str(currency).upper()
            if code in rates:
                self.problem(
                    currency_ref,
                    f"the rate of {code} is given twice",
                    found=code,
                    expected="one row per currency",
                    code="duplicate_name",
                )
                continue
            self.where[("fx", code)] = rate_ref
            self.where[("fx", code, "[key]")] = currency_ref
            if rate is None:
                if rate_ref not in self.bad_cells:
                    self.problem(
                        rate_ref, f"the rate of {code} is required", expected=_hint("rate"), code="missing"
                    )
                continue
            rates[code] = rate
        return rates

    # -- model problems back to cells -----------------------------------------

    def locate(self, loc: tuple[str | int, ...]) -> str | None:
        for k in range(len(loc), 0, -1):
            where = self.where.get(tuple(loc[:k]))
            if where is not None:
                return where
        return None

    def remap(self, problems: Iterable[Problem]) -> list[Problem]:
        """Model problems as workbook problems; drop those at cells already reported."""
        out = []
        for p in problems:
            loc = tuple(p.loc)
            where = self.locate(loc)
            if where is None:
                where = self.title("Case") if len(loc) == 1 else format_location(loc)
            if where in self.bad_cells or loc in self.bad_items:
                continue
            if p.code == "missing" and (where.split("!")[0], loc[-1]) in self.missing_columns:
                continue
            field_name = next(
                (part for part in reversed(loc) if isinstance(part, str) and part != "[key]"), ""
            )
            if p.code == "duplicate_name" and where in self.sheets_titles():
                where = self.duplicate_cells(loc, p.message) or where
            out.append(
                Problem(
                    where,
                    _message(p, field_name, where, self.where.get(loc)),
                    found=p.found,
                    expected=p.expected,
                    code=p.code,
                    loc=loc,
                )
            )
        return out

    def sheets_titles(self) -> set[str]:
        return {s.title for s in self.sheets.values()} | {s.name for s in SHEETS}

    def duplicate_cells(self, loc: tuple[str | int, ...], message: str = "") -> str:
        """The name cells of the second and later uses of a name in the list at ``loc``.

        A name that clashes with another list (an option's cost named like a
        cost of the base offer) is found through the name quoted in ``message``.
        """
        names: list[tuple[str, str]] = []
        i = 0
        while (ref := self.where.get((*loc, i, "name"))) is not None:
            names.append((ref, self.value_at(ref)))
            i += 1
        counts = Counter(name for _, name in names)
        seen: set[str] = set()
        later = []
        for ref, name in names:
            if counts[name] > 1 and name in seen:
                later.append(ref)
            seen.add(name)
        if not later:
            later = [ref for ref, name in names if f"the name {name!r} is already used" in message]
        return ", ".join(later)

    def value_at(self, ref: str) -> str:
        title, _, cell = ref.partition("!")
        match = re.fullmatch(r"([A-Z]+)(\d+)", cell)
        sheet = next((s for s in self.sheets.values() if s.title == title), None)
        if match is None or sheet is None:
            return ""
        from openpyxl.utils import column_index_from_string

        found = sheet.rows.get(int(match[2]), {}).get(column_index_from_string(match[1]))
        return _as_text(found.value) if found is not None and found.value is not None else ""


def _message(p: Problem, field_name: str, where: str, cell: str | None) -> str:
    """A model problem's message in the terms of a workbook cell."""
    if p.code == "missing":
        if cell is None and "!" in where and where.count(":") == 1:
            return f"{field_name} is required (add a {field_name!r} column)"
        if "!" not in where:
            return f"{field_name} is required (add a row {field_name!r} to the {where} sheet)"
        return f"{field_name} is required"
    message = p.message
    if p.code == "too_short" and loc_is_list(p.loc):
        return f"the {where} sheet has no {_ITEMS.get(str(p.loc[-1]), 'rows')}: add at least one row"
    if message.startswith("Input should be"):
        return f"{field_name} must be{message.removeprefix('Input should be')}"
    for head in ("String should", "List should", "Value should", "Dictionary should"):
        if message.startswith(head):
            return f"{field_name} should{message.removeprefix(head)}"
    return message


_ITEMS = {"revenue": "revenue streams", "bids": "bids", "costs": "cost items"}


def loc_is_list(loc: tuple[str | int, ...]) -> bool:
    """Whether a location names a whole list of items (``("revenue",)``, ``("bids", 0, "costs")``)."""
    return bool(loc) and loc[-1] in _ITEMS


_WHERE = re.compile(r"^(?P<sheet>[^!]+)!\$?(?P<col>[A-Z]*)\$?(?P<row>\d*)")


def _order(sheet_titles: dict[str, int]) -> Callable[[Problem], tuple[int, int, int]]:
    def key(p: Problem) -> tuple[int, int, int]:
        match = _WHERE.match(p.where)
        if match is None:
            return (sheet_titles.get(p.where, -1), 0, 0)
        col = 0
        for ch in match["col"]:
            col = col * 26 + ord(ch) - 64
        return (sheet_titles.get(match["sheet"], len(sheet_titles)), int(match["row"] or 0), col)

    return key


def _first_problems(problems: list[Problem], limit: int = MAX_PROBLEMS) -> list[Problem]:
    """At most ``limit`` problems, then one that counts those left out.

    A sheet of junk can hold a problem in every one of its cells; past a
    thousand lines a list helps no one, and building it costs seconds.

    Examples
    --------
    >>> shown = _first_problems([Problem(f"Costs!E{r}", "bad") for r in range(2, 7)], limit=3)
    >>> [str(p) for p in shown][-1]
    '2 more problems not listed: fix the ones above first'
    """
    if len(problems) <= limit:
        return problems
    rest = len(problems) - limit
    message = f"{rest:,} more problem{'s' if rest > 1 else ''} not listed: fix the ones above first"
    return [*problems[:limit], Problem("", message, code="more_problems")]


# --------------------------------------------------------------------------
# writing user text safely (template and report)
# --------------------------------------------------------------------------

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


# --------------------------------------------------------------------------
# public
# --------------------------------------------------------------------------


def read_workbook(path: str | Path) -> Case:
    """Read and validate a case from an input workbook.

    Parameters
    ----------
    path : str or Path
        The ``.xlsx`` workbook. It is only read, never modified.

    Returns
    -------
    Case
        The validated case, equal to the one the same data gives from YAML.

    Raises
    ------
    InputError
        With every problem found, each naming the sheet and cell
        (``Costs!E3: amount must be a number >= 0 ... (found 'five hundred k')``);
        or one problem when the file is not a safe, macro-free xlsx workbook.

    Examples
    --------
    >>> import bidfit
    >>> read_workbook(bidfit.sample_path("norway_roaming", ".xlsx")) == bidfit.load_sample("norway_roaming")
    True
    """
    path = Path(path)
    name = str(path)
    outline = check_workbook_file(path)
    problems: list[Problem] = []
    sheets = _load_sheets(path, outline, problems)
    builder = _Builder(sheets, problems)
    builder.bad_cells.update(p.where for p in problems if p.code == "missing_sheet")
    data = builder.build()
    case: Case | None = None
    try:
        case = validate_case(data, file=None)
    except InputError as exc:
        problems.extend(builder.remap(exc.problems))
    if problems or case is None:
        order = {s.title: i for i, s in enumerate(sheets.values())}
        order.update({s.name: i for i, s in enumerate(SHEETS) if s.name not in order})
        raise InputError(_first_problems(sorted(problems, key=_order(order))), name)
    return case


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
