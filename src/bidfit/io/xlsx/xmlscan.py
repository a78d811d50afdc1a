"""Streaming scans of a workbook's XML parts, with counters and limits, never building a tree.

A part is read as a stream of element starts and ends (:mod:`xml.parsers.expat`).
:class:`WholePart` reads a part openpyxl parses whole (every element counts,
lists are bounded) and :class:`SheetScan` a worksheet as openpyxl reads it,
up to the row where the reader stops. What the parts read so far cost is kept
in a :class:`Budget`; the first limit passed stops the parser at once with
:class:`Refused`, which :mod:`bidfit.io.xlsx.safety` turns into a problem a
user can act on.
"""

from __future__ import annotations

import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from xml.parsers import expat

from bidfit.errors import Problem

__all__ = [
    "MAIN",
    "MAX_CELLS",
    "MAX_OBJECT_ELEMENTS",
    "MAX_RELATIONSHIPS",
    "MAX_ROW_CELLS",
    "MAX_ROW_ELEMENTS",
    "MAX_XML_DEPTH",
    "MAX_XML_ELEMENTS",
    "REBUILD",
    "RELATIONSHIP",
    "Budget",
    "Refused",
    "SheetEntry",
    "SheetScan",
    "WholePart",
]

MAX_RELATIONSHIPS = 20_000
"""Most relationships (links between parts, hyperlinks) in all the relationship parts read."""
MAX_ROW_CELLS = 16_384
"""Most cells in one row: the width of an Excel sheet (column XFD)."""
MAX_ROW_ELEMENTS = 65_536
"""Most XML elements inside one row (cells, values, formulas, texts)."""
MAX_CELLS = 120_000
"""Most cells in all the sheets read, together: 8,000 rows of all 15 Costs columns (a real row fills about 8).

Keeps the costliest refusal within every limit (a sheet of junk, each cell read and wrong) under 2 s
of CPU on a 2-core machine."""
MAX_OBJECT_ELEMENTS = 100_000
"""Most XML elements outside the cell rows in all the parts read (styles, texts, names, settings)."""
MAX_XML_ELEMENTS = 1_000_000
"""Most XML elements in all the parts read, together."""
MAX_XML_DEPTH = 100
"""Deepest nesting of XML elements in a part read (spreadsheets use about ten levels)."""
REBUILD = (
    "a workbook saved by Excel or LibreOffice; if this one came from elsewhere, copy its data "
    "into a new workbook made by `bidfit template`"
)
_SCAN_CHUNK = 64 * 1024

# Names as openpyxl matches them: namespace URI, a space, the local name.
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_PACKAGE_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_ROW = f"{MAIN} row"
_FORMULA = f"{MAIN} f"
_DIMENSION = f"{MAIN} dimension"
_SHEET_DATA = f"{MAIN} sheetData"
RELATIONSHIP = f"{_PACKAGE_REL} Relationship"


@dataclass(frozen=True)
class SheetEntry:
    """One sheet the workbook lists, as openpyxl will open it.

    Attributes
    ----------
    name : str
        The sheet's name (its tab).
    state : str
        ``visible``, ``hidden`` or ``veryHidden`` (hidden so that Excel's
        Unhide dialog does not list it).
    part : str
        The zip member holding the sheet, e.g. ``xl/worksheets/sheet6.xml``.
    chart : bool
        Whether it is a chart sheet rather than a sheet of cells.
    """

    name: str
    state: str
    part: str
    chart: bool = False

    @property
    def hidden(self) -> bool:
        """Whether the sheet is hidden or very hidden."""
        return self.state in ("hidden", "veryHidden")


@dataclass
class Budget:
    """What the parts read so far cost: counts that the limits bound."""

    elements: int = 0
    objects: int = 0
    cells: int = 0
    relationships: int = 0


class Refused(Exception):
    def __init__(
        self,
        message: str,
        code: str,
        found: object = None,
        expected: str | None = None,
        where: str = "",
    ):
        super().__init__(message)
        self.problem = Problem(where, message, found=found, expected=expected, code=code)


class _Done(Exception):
    """Raised inside a handler to stop reading a part where openpyxl would stop."""


class _Scan:
    """One XML part read as a stream of element starts and ends, never as a tree.

    Subclasses count what they see in ``start`` and ``end`` and raise
    :class:`Refused` when a limit is passed, which stops the parser at once.
    """

    def __init__(self, archive: zipfile.ZipFile, part: str, budget: Budget, what: str):
        self.archive = archive
        self.part = part
        self.budget = budget
        self.what = what
        self.where = ""

    def run(self) -> None:
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.StartDoctypeDeclHandler = self.doctype
        try:
            with self.archive.open(self.part) as stream:
                while chunk := stream.read(_SCAN_CHUNK):
                    parser.Parse(chunk, False)
            parser.Parse(b"", True)
        except _Done:
            return
        except expat.ExpatError as exc:
            raise self.refuse(f"{self.names()} is not well-formed XML", "malformed", found=str(exc)) from None
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError) as exc:
            raise self.refuse(f"{self.names()} cannot be unpacked", "not_xlsx", found=str(exc)) from None

    def start(self, name: str, attrs: dict[str, str]) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def end(self, name: str) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def doctype(self, *args: Any) -> None:
        raise self.refuse(
            f"{self.names()} declares a DTD, which workbooks never need",
            "dtd",
            expected="a workbook saved by Excel or LibreOffice",
        )

    def names(self) -> str:
        """What is being read, for messages: ``the styles part (xl/styles.xml)``."""
        return f"{self.what} ({self.part})"

    def refuse(self, message: str, code: str, found: object = None, expected: str = REBUILD) -> Refused:
        return Refused(message, code, found=found, expected=expected, where=self.where)

    def too_deep(self) -> Refused:
        return self.refuse(
            f"{self.names()} nests XML elements more than {MAX_XML_DEPTH} deep",
            "too_deep",
            expected=f"at most {MAX_XML_DEPTH} levels; {REBUILD}",
        )

    def over_budget(self) -> Refused:
        """The message for the first of the workbook-wide counts that is over its limit."""
        budget = self.budget
        if budget.cells > MAX_CELLS:
            return self.refuse(
                f"the workbook holds more than {MAX_CELLS:,} cells in the sheets bidfit reads; "
                f"passed in {self.names()}",
                "too_large",
                expected=f"at most {MAX_CELLS:,} cells, empty formatted ones included: clear the formatting "
                "of empty rows and columns, or split the case, or write it as a YAML or JSON file",
            )
        if budget.relationships > MAX_RELATIONSHIPS:
            count, what = MAX_RELATIONSHIPS, "relationships (links between its parts and hyperlinks)"
        elif budget.objects > MAX_OBJECT_ELEMENTS:
            count, what = (
                MAX_OBJECT_ELEMENTS,
                "XML elements outside cell rows (styles, texts, names, settings)",
            )
        else:
            count, what = MAX_XML_ELEMENTS, "XML elements in the parts bidfit reads"
        return self.refuse(
            f"the workbook holds more than {count:,} {what}; passed in {self.names()}",
            "too_large",
            expected=f"at most {count:,}; {REBUILD}",
        )


class WholePart(_Scan):
    """A part openpyxl parses whole: every element counts, lists are bounded, some elements kept."""

    def __init__(
        self,
        archive: zipfile.ZipFile,
        part: str,
        budget: Budget,
        what: str,
        lists: Mapping[str, tuple[int, str]],
        *,
        collect: frozenset[str] | set[str] = frozenset(),
    ):
        super().__init__(archive, part, budget, what)
        self.lists = lists
        self.collect = collect
        self.counts: list[list[Any]] = [[-1, 0, ""]]  # [limit (-1: none), children so far, name]
        self.found: list[tuple[str, dict[str, str]]] = []

    def read(self) -> list[tuple[str, dict[str, str]]]:
        """Read the part; return ``(name, attributes)`` of the elements to collect, in order."""
        self.run()
        return self.found

    def start(self, name: str, attrs: dict[str, str]) -> None:
        budget = self.budget
        budget.elements += 1
        budget.objects += 1
        if name == RELATIONSHIP:
            budget.relationships += 1
        if (
            budget.objects > MAX_OBJECT_ELEMENTS
            or budget.elements > MAX_XML_ELEMENTS
            or budget.relationships > MAX_RELATIONSHIPS
        ):
            raise self.over_budget()
        parent = self.counts[-1]
        parent[1] += 1
        if parent[1] > parent[0] >= 0:
            raise self.too_long(parent[2])
        if len(self.counts) > MAX_XML_DEPTH:
            raise self.too_deep()
        limit = self.lists.get(name)
        self.counts.append([limit[0] if limit else -1, 0, name])
        if name in self.collect:
            self.found.append((name, attrs))

    def end(self, name: str) -> None:
        self.counts.pop()

    def too_long(self, name: str) -> Refused:
        limit, what = self.lists[name]
        return self.refuse(
            f"{self.names()} lists more than {limit:,} {what}",
            "too_large",
            expected=f"at most {limit:,}; {REBUILD}",
        )


class _Row:
    """The row being read: where it is, what it holds so far."""

    __slots__ = ("cells", "depth", "elements", "formulas", "last_ref", "number", "since_ref")

    def __init__(self, depth: int, number: str | None):
        self.depth = depth
        self.number = number  # the row's r attribute, as written
        self.cells = 0
        self.elements = 0
        self.last_ref: str | None = None  # the last cell reference given in this row
        self.since_ref = 0  # cells since it
        self.formulas: set[int] = set()  # columns of the cells holding a formula


class SheetScan(_Scan):
    """A worksheet, read as openpyxl reads it: its head on opening, its rows when iterated.

    ``head_only``: up to the end of ``<dimension>`` or of ``<sheetData>``
    (openpyxl's ``parse_dimensions``, run for every sheet on opening);
    otherwise up to the end of the first row numbered above ``rows``
    (``iter_rows(max_row=rows)``), noting the cells that hold a formula.
    """

    def __init__(
        self,
        archive: zipfile.ZipFile,
        sheet: SheetEntry,
        budget: Budget,
        *,
        head_only: bool = False,
        rows: int = 0,
        columns: int = 0,
    ):
        super().__init__(archive, sheet.part, budget, f"sheet {sheet.name!r}")
        self.where = sheet.name
        self.head_only = head_only
        self.last_row = rows
        self.columns = columns
        self.depth = 0
        self.row: _Row | None = None
        self.row_counter = 0  # openpyxl's row number of the last row read
        self.next_row = 1  # openpyxl's counter of rows handed out
        self.rows_read = 0
        self.formula_cells: set[tuple[int, int]] = set()

    def read(self) -> frozenset[tuple[int, int]]:
        """Read the sheet; return its formula cells ``(row, column)`` within the read window."""
        self.run()
        return frozenset(self.formula_cells)

    def start(self, name: str, attrs: dict[str, str]) -> None:
        budget = self.budget
        budget.elements += 1
        depth = self.depth = self.depth + 1
        if depth > MAX_XML_DEPTH:
            raise self.too_deep()
        row = self.row
        if row is None:
            budget.objects += 1
            if budget.objects > MAX_OBJECT_ELEMENTS or budget.elements > MAX_XML_ELEMENTS:
                raise self.over_budget()
            if name == _ROW:
                self.row = _Row(depth, attrs.get("r"))
            return
        row.elements += 1
        if row.elements > MAX_ROW_ELEMENTS:
            raise self.row_too_large(f"{MAX_ROW_ELEMENTS:,} XML elements")
        if budget.elements > MAX_XML_ELEMENTS:
            raise self.over_budget()
        if depth == row.depth + 1:
            self.cell(row, attrs)
        elif depth == row.depth + 2 and name == _FORMULA:
            self.formula(row)
        elif name == _ROW:
            raise self.refuse(f"{self.names()} has a row inside a row", "malformed")

    def cell(self, row: _Row, attrs: dict[str, str]) -> None:
        row.cells += 1
        self.budget.cells += 1
        if row.cells > MAX_ROW_CELLS:
            raise self.row_too_large(f"{MAX_ROW_CELLS:,} cells (the width of a sheet, column XFD)")
        if self.budget.cells > MAX_CELLS:
            raise self.over_budget()
        ref = attrs.get("r")
        if ref:
            row.last_ref, row.since_ref = ref, 0
        else:
            row.since_ref += 1

    def formula(self, row: _Row) -> None:
        column = self.column(row)
        if column is not None and not self.head_only:
            row.formulas.add(column)

    @staticmethod
    def column(row: _Row) -> int | None:
        """The current cell's column as openpyxl numbers it (from its reference, or counting on)."""
        if row.last_ref is None:
            return row.since_ref
        from openpyxl.utils.cell import coordinate_to_tuple

        try:
            return int(coordinate_to_tuple(row.last_ref)[1]) + row.since_ref
        except (ValueError, TypeError):
            return None  # openpyxl refuses the reference too

    def end(self, name: str) -> None:
        depth = self.depth
        self.depth -= 1
        row = self.row
        if row is not None and depth == row.depth:
            self.row = None
            self.end_row(row)
        elif self.head_only and name in (_DIMENSION, _SHEET_DATA):
            raise _Done

    def end_row(self, row: _Row) -> None:
        """Number the row as openpyxl does; keep its formula cells; stop past the last row read."""
        number = _row_number(row.number, self.row_counter)
        if number is None:
            return  # openpyxl refuses the row number, and the sheet with it
        self.row_counter = number
        if self.head_only:
            return
        self.rows_read += 1
        if self.rows_read > self.last_row + 1:
            raise self.refuse(
                f"{self.names()} repeats rows or lists them out of order: more than {self.last_row + 1:,} "
                f"rows before row {self.last_row + 1:,}",
                "malformed",
            )
        if number > self.last_row:
            raise _Done
        if number >= self.next_row:
            self.next_row = number + 1
            self.formula_cells.update(
                (number, column) for column in row.formulas if 0 < column <= self.columns
            )

    def row_too_large(self, what: str) -> Refused:
        return self.refuse(
            f"{self.names()} has a row with more than {what}",
            "too_large",
            expected=f"rows of at most {MAX_ROW_CELLS:,} cells; {REBUILD}",
        )


def _row_number(text: str | None, previous: int) -> int | None:
    """A row's number as openpyxl reads its ``r`` attribute (the next number when absent)."""
    if text is None:
        return previous + 1
    try:
        return int(text)
    except ValueError:
        try:
            number = float(text)
        except ValueError:
            return None
        return int(number) if number.is_integer() else None
