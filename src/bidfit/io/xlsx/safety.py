"""Checks on a workbook file before any spreadsheet parser sees it.

An ``.xlsx`` file is a zip archive of XML parts. Before openpyxl parses one,
:func:`check_workbook_file` refuses, with a message a user can act on:

* files larger than :data:`MAX_FILE_BYTES`;
* files that are not an xlsx workbook at all, whatever their name says (an
  old ``.xls``, a password-protected workbook, an OpenDocument spreadsheet,
  CSV text, a Word document renamed ``.xlsx``...);
* archives that unpack to more than :data:`MAX_UNPACKED_BYTES`, hold more than
  :data:`MAX_PARTS` parts, or compress a part more than :data:`MAX_RATIO` times
  (the signature of a "zip bomb");
* workbooks with macros (``vbaProject.bin``, Excel 4 macro sheets, a
  macro-enabled or binary content type);
* XML parts with a document type declaration (``<!DOCTYPE``/``<!ENTITY``),
  which a spreadsheet never needs and entity-expansion attacks rely on;
* workbooks whose parts hold more than a spreadsheet of input ever needs.

The last check is why a workbook is safe to hand to openpyxl at all. openpyxl
parses the styles, the shared strings, the defined names and the list of
sheets in full, and walks a sheet's rows to find its size when the sheet does
not declare it, so a few kilobytes of compressed XML can keep it busy for
minutes and take gigabytes. :func:`check_workbook_file` therefore first reads,
as a stream with counters and never as a tree, every XML part that openpyxl
will parse when it opens the workbook, and :func:`scan_sheets` reads the
sheets bidfit is about to read, up to the row where the reader stops. Each
stops as soon as a limit is passed, whatever the file declares about itself:

* :data:`MAX_SHEETS` sheets, :data:`MAX_DEFINED_NAMES` defined names,
  :data:`MAX_RELATIONSHIPS` relationships between parts;
* :data:`MAX_STYLES` entries in any one list of styles (cell formats, fonts,
  fills, borders, number formats...), :data:`MAX_SHARED_STRINGS` shared texts;
* :data:`MAX_ROW_CELLS` cells and :data:`MAX_ROW_ELEMENTS` XML elements in one
  row, :data:`MAX_CELLS` cells in all the sheets read;
* :data:`MAX_OBJECT_ELEMENTS` XML elements outside the cell rows (styles,
  strings, names, sheet settings: openpyxl builds an object from each),
  :data:`MAX_XML_ELEMENTS` XML elements in all, nested at most
  :data:`MAX_XML_DEPTH` deep;
* a sheet part listed as several sheets, rows repeated or out of order, and
  XML that is not well-formed are refused as damage.

openpyxl also parses through defusedxml when it is installed (a dependency of
bidfit); :func:`check_workbook_file` refuses to go on if it is not in use.
"""

from __future__ import annotations

import posixpath
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.parsers import expat

from bidfit.errors import InputError, Problem

__all__ = [
    "MAX_CELLS",
    "MAX_DEFINED_NAMES",
    "MAX_FILE_BYTES",
    "MAX_OBJECT_ELEMENTS",
    "MAX_PARTS",
    "MAX_RATIO",
    "MAX_RELATIONSHIPS",
    "MAX_ROW_CELLS",
    "MAX_ROW_ELEMENTS",
    "MAX_SHARED_STRINGS",
    "MAX_SHEETS",
    "MAX_STYLES",
    "MAX_UNPACKED_BYTES",
    "MAX_XML_DEPTH",
    "MAX_XML_ELEMENTS",
    "SheetEntry",
    "WorkbookOutline",
    "check_workbook_file",
    "scan_sheets",
]

MAX_FILE_BYTES = 10 * 1024 * 1024
"""Largest workbook file read [bytes]; a filled template is about 30 kB."""
MAX_UNPACKED_BYTES = 64 * 1024 * 1024
"""Largest total size of the unpacked parts [bytes]."""
MAX_PARTS = 2000
"""Most parts (files inside the zip) a workbook may hold."""
MAX_RATIO = 100
"""Highest compression ratio of a part larger than :data:`RATIO_FLOOR_BYTES`."""
RATIO_FLOOR_BYTES = 1024 * 1024
"""Parts smaller than this unpacked [bytes] are not checked for their ratio."""
MAX_CONTENT_TYPES_BYTES = 1024 * 1024
"""Largest ``[Content_Types].xml`` read [bytes]."""

MAX_SHEETS = 1_000
"""Most sheets a workbook may list (the template has nine)."""
MAX_DEFINED_NAMES = 10_000
"""Most defined names (Excel's Name Manager) a workbook may hold."""
MAX_RELATIONSHIPS = 20_000
"""Most relationships (links between parts, hyperlinks) in all the relationship parts read."""
MAX_STYLES = 10_000
"""Most entries in any one list of styles: cell formats, fonts, fills, borders, number formats..."""
MAX_SHARED_STRINGS = 40_000
"""Most texts in the shared-strings table (a 10,000-row Costs sheet of unique texts needs about 20,000)."""
MAX_ROW_CELLS = 16_384
"""Most cells in one row: the width of an Excel sheet (column XFD)."""
MAX_ROW_ELEMENTS = 65_536
"""Most XML elements inside one row (cells, values, formulas, texts)."""
MAX_CELLS = 150_000
"""Most cells in all the sheets read, together: 10,000 rows of all 15 Costs columns (a real row fills about 8)."""
MAX_OBJECT_ELEMENTS = 100_000
"""Most XML elements outside the cell rows in all the parts read (styles, texts, names, settings)."""
MAX_XML_ELEMENTS = 1_000_000
"""Most XML elements in all the parts read, together."""
MAX_XML_DEPTH = 100
"""Deepest nesting of XML elements in a part read (spreadsheets use about ten levels)."""

_SAVE_AS = "open it in Excel or LibreOffice and save it as an Excel Workbook (.xlsx)"
_REBUILD = (
    "a workbook saved by Excel or LibreOffice; if this one came from elsewhere, copy its data "
    "into a new workbook made by `bidfit template`"
)
_CHUNK = 1024 * 1024
_SCAN_CHUNK = 64 * 1024

# Names as openpyxl matches them: namespace URI, a space, the local name.
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_OFFICE_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
_ROW = f"{_MAIN} row"
_FORMULA = f"{_MAIN} f"
_DIMENSION = f"{_MAIN} dimension"
_SHEET_DATA = f"{_MAIN} sheetData"
_SHEET = f"{_MAIN} sheet"
_RELATIONSHIP = f"{_PACKAGE_REL} Relationship"
_RELATIONSHIP_ID = f"{_OFFICE_REL} id"
_WORKBOOK_TYPES = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
)
_SHARED_STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
_STYLES_PART = "xl/styles.xml"
_PROPERTY_PARTS = ("docProps/core.xml", "docProps/custom.xml")

# Lists whose length is limited: the element holding the list -> (limit, what its entries are).
_WORKBOOK_LISTS = {
    f"{_MAIN} sheets": (MAX_SHEETS, "sheets"),
    f"{_MAIN} definedNames": (MAX_DEFINED_NAMES, "defined names"),
}
_STYLE_LISTS = {
    f"{_MAIN} {tag}": (MAX_STYLES, what)
    for tag, what in (
        ("numFmts", "number formats (numFmts)"),
        ("fonts", "fonts"),
        ("fills", "fills"),
        ("borders", "borders"),
        ("cellStyleXfs", "cell style formats (cellStyleXfs)"),
        ("cellXfs", "cell formats (cellXfs)"),
        ("cellStyles", "cell styles"),
        ("dxfs", "conditional formats (dxfs)"),
        ("tableStyles", "table styles"),
        ("indexedColors", "colours (indexedColors)"),
        ("mruColors", "colours (mruColors)"),
    )
}
_STRING_LISTS = {f"{_MAIN} sst": (MAX_SHARED_STRINGS, "shared texts")}


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
class _Budget:
    """What the parts read so far cost: counts that the limits bound."""

    elements: int = 0
    objects: int = 0
    cells: int = 0
    relationships: int = 0


@dataclass(frozen=True)
class WorkbookOutline:
    """What :func:`check_workbook_file` found: the sheets, and what reading them has cost so far.

    Attributes
    ----------
    path : Path
        The workbook file.
    sheets : tuple of SheetEntry
        The sheets openpyxl will list, in the workbook's order.
    """

    path: Path
    sheets: tuple[SheetEntry, ...]
    budget: _Budget = field(default_factory=_Budget, repr=False, compare=False)


def check_workbook_file(path: str | Path) -> WorkbookOutline:
    """Refuse a file that is not a safe, macro-free xlsx workbook of a reasonable size.

    Parameters
    ----------
    path : str or Path
        The file to check. It is only read.

    Returns
    -------
    WorkbookOutline
        The sheets the workbook lists, for :func:`scan_sheets`.

    Raises
    ------
    InputError
        One problem saying what the file is, or which part holds too much,
        and what to do instead.

    Examples
    --------
    >>> import bidfit
    >>> outline = check_workbook_file(bidfit.sample_path("norway_roaming", ".xlsx"))
    >>> [sheet.name for sheet in outline.sheets][:3], outline.sheets[5].part
    (['Instructions', 'Case', 'Revenue'], 'xl/worksheets/sheet6.xml')
    """
    path = Path(path)
    try:
        return _check(path)
    except _Refused as refused:
        raise InputError(refused.problem, str(path)) from None


def scan_sheets(
    outline: WorkbookOutline, sheets: Sequence[SheetEntry], *, rows: int, columns: int
) -> dict[str, frozenset[tuple[int, int]]]:
    """Stream the sheets the reader is about to read, within the limits; return their formula cells.

    Each sheet is read as openpyxl's ``iter_rows(max_row=rows)`` reads it: up
    to the end of the first row numbered above ``rows``, or to the end of the
    part. Its cells count towards :data:`MAX_CELLS`, together with those of
    the sheets read before.

    Parameters
    ----------
    outline : WorkbookOutline
        What :func:`check_workbook_file` returned for the workbook.
    sheets : sequence of SheetEntry
        The sheets to read, from ``outline.sheets``.
    rows, columns : int
        The last row and column the reader looks at; formula cells beyond
        them are not noted.

    Returns
    -------
    dict
        ``{part: {(row, column), ...}}``: the cells holding a formula, as
        1-based row and column numbers.

    Raises
    ------
    InputError
        When a sheet holds more than the limits allow or is damaged; the
        problem names the sheet.

    Examples
    --------
    >>> import bidfit
    >>> outline = check_workbook_file(bidfit.sample_path("norway_roaming", ".xlsx"))
    >>> costs = next(sheet for sheet in outline.sheets if sheet.name == "Costs")
    >>> scan_sheets(outline, [costs], rows=10_000, columns=50)
    {'xl/worksheets/sheet6.xml': frozenset()}
    """
    try:
        with zipfile.ZipFile(outline.path) as archive:
            return {
                sheet.part: _SheetScan(archive, sheet, outline.budget, rows=rows, columns=columns).read()
                for sheet in sheets
                if not sheet.chart
            }
    except _Refused as refused:
        raise InputError(refused.problem, str(outline.path)) from None
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(
            Problem("", "the workbook cannot be unpacked", found=str(exc), code="not_xlsx"), str(outline.path)
        ) from None


class _Refused(Exception):
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


def _check(path: Path) -> WorkbookOutline:
    _check_parser_is_defused()
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise _Refused(
            "the workbook file is too large",
            "too_large",
            found=f"{size:,} bytes",
            expected=f"at most {MAX_FILE_BYTES:,} bytes",
        )
    with path.open("rb") as handle:
        head = handle.read(8)
    if not head.startswith(b"PK\x03\x04"):
        raise _Refused(
            f"this is not an xlsx workbook: {_describe(head)}",
            "not_xlsx",
            expected=f"an .xlsx workbook; {_SAVE_AS}",
        )
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _Refused(
            "the file is a damaged zip archive, not a readable xlsx workbook",
            "not_xlsx",
            found=str(exc),
            expected=f"an .xlsx workbook; {_SAVE_AS}",
        ) from None
    with archive:
        infos = archive.infolist()
        _check_sizes(infos, size)
        names = {info.filename.lower(): info for info in infos}
        types = _check_kind(archive, names)
        _check_macros(names)
        _check_xml_parts(archive, infos)
        budget = _Budget(objects=types.elements, elements=types.elements)
        sheets = _outline(archive, types, budget)
    return WorkbookOutline(path, sheets, budget)


def _check_parser_is_defused() -> None:
    import openpyxl

    if not openpyxl.DEFUSEDXML:
        raise _Refused(
            "openpyxl is not using defusedxml, so workbooks cannot be read safely",
            "unsafe_parser",
            expected="defusedxml installed and OPENPYXL_DEFUSEDXML not set to False",
        )


def _describe(head: bytes) -> str:
    """Say what a file that is not a zip archive probably is, from its first bytes."""
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "an old Excel 97-2003 workbook (.xls) or a password-protected workbook"
    if head.startswith(b"%PDF"):
        return "a PDF document"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if stripped.startswith(b"<"):
        return "an XML or HTML file (e.g. an Excel 2003 XML or web export)"
    if not head:
        return "the file is empty"
    if all(32 <= b < 127 or b in b"\t\r\n" for b in head):
        return "a text file (CSV?)"
    return "an unknown binary file"


def _check_sizes(infos: list[zipfile.ZipInfo], size: int) -> None:
    if len(infos) > MAX_PARTS:
        raise _Refused(
            "the workbook holds too many parts",
            "too_many_parts",
            found=len(infos),
            expected=f"at most {MAX_PARTS}",
        )
    total = sum(info.file_size for info in infos)
    if total > MAX_UNPACKED_BYTES:
        raise _Refused(
            "the workbook unpacks to too much data",
            "too_large_unpacked",
            found=f"{total:,} bytes",
            expected=f"at most {MAX_UNPACKED_BYTES:,} bytes",
        )
    for info in infos:
        if info.flag_bits & 0x1:
            raise _Refused(
                "the workbook archive is encrypted", "encrypted", expected="a workbook without a password"
            )
        if info.file_size > RATIO_FLOOR_BYTES:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > MAX_RATIO:
                raise _Refused(
                    f"part {info.filename!r} is compressed {ratio:,.0f} times, like a zip bomb",
                    "compression_ratio",
                    found=f"{info.file_size:,} bytes from {info.compress_size:,}",
                    expected=f"a compression ratio of at most {MAX_RATIO}",
                )


@dataclass(frozen=True)
class _ContentTypes:
    """``[Content_Types].xml``: the declared type of each part, as openpyxl reads it."""

    overrides: tuple[tuple[str, str], ...]  # (part name without the leading '/', content type)
    all_types: tuple[str, ...]  # every ContentType attribute, lower case
    elements: int

    def part_of(self, content_type: str) -> str | None:
        """The first part declared with ``content_type``, as openpyxl's ``Manifest.find``."""
        return next((part for part, t in self.overrides if t == content_type), None)


def _check_kind(archive: zipfile.ZipFile, names: dict[str, zipfile.ZipInfo]) -> _ContentTypes:
    """Refuse zip files that are not spreadsheetml workbooks (ods, docx, xlsb, ...)."""
    if "mimetype" in names and b"opendocument" in archive.read(names["mimetype"])[:200]:
        raise _Refused(
            "this is an OpenDocument file (.ods), not an xlsx workbook",
            "not_xlsx",
            expected=f"an .xlsx workbook; {_SAVE_AS}",
        )
    info = names.get("[content_types].xml")
    if info is None:
        raise _Refused(
            "this is a zip archive, not an xlsx workbook ([Content_Types].xml is missing)",
            "not_xlsx",
            expected=f"an .xlsx workbook; {_SAVE_AS}",
        )
    if info.file_size > MAX_CONTENT_TYPES_BYTES:
        raise _Refused(
            "the workbook's [Content_Types].xml is too large", "not_xlsx", found=f"{info.file_size:,} bytes"
        )
    content_types = _content_types(archive.read(info))
    types = content_types.all_types
    if any("macroenabled" in t or "macrosheet" in t or "vbaproject" in t for t in types):
        raise _Refused(
            "the workbook contains macros (a macro-enabled .xlsm, .xltm or .xlsb file)",
            "macros",
            expected=f"a workbook without macros; {_SAVE_AS}",
        )
    if any("wordprocessingml" in t for t in types):
        raise _Refused("this is a Word document, not an xlsx workbook", "not_xlsx")
    if any("presentationml" in t for t in types):
        raise _Refused("this is a PowerPoint presentation, not an xlsx workbook", "not_xlsx")
    if not any("spreadsheetml.sheet.main" in t or "spreadsheetml.template.main" in t for t in types):
        raise _Refused(
            "this is not an xlsx workbook (no workbook part)",
            "not_xlsx",
            expected=f"an .xlsx workbook; {_SAVE_AS}",
        )
    return content_types


def _content_types(xml: bytes) -> _ContentTypes:
    """The content types declared in ``[Content_Types].xml`` (at most 1 MB, read whole)."""
    from defusedxml import ElementTree
    from defusedxml.common import DefusedXmlException

    try:
        root = ElementTree.fromstring(xml)
    except (ElementTree.ParseError, DefusedXmlException) as exc:
        raise _Refused(
            "the workbook's [Content_Types].xml is not valid", "not_xlsx", found=str(exc)
        ) from None
    overrides = tuple(
        (el.get("PartName", "")[1:], el.get("ContentType", "")) for el in root.iter(f"{{{_TYPES}}}Override")
    )
    elements = list(root.iter())
    types = tuple(el.get("ContentType", "").lower() for el in elements if el.get("ContentType"))
    return _ContentTypes(overrides, types, len(elements))


def _check_macros(names: dict[str, zipfile.ZipInfo]) -> None:
    for name in names:
        if "vbaproject" in name or "/macrosheets/" in name:
            raise _Refused(
                "the workbook contains macros",
                "macros",
                found=names[name].filename,
                expected=f"a workbook without macros; {_SAVE_AS}",
            )


def _check_xml_parts(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> None:
    """Refuse DTDs in any XML part; read each part at most to its declared size."""
    for info in infos:
        if not info.filename.lower().endswith((".xml", ".rels", ".vml")):
            continue
        seen = 0
        tail = b""
        try:
            with archive.open(info) as part:
                while chunk := part.read(_CHUNK):
                    seen += len(chunk)
                    if seen > info.file_size:
                        raise _Refused(
                            f"part {info.filename!r} unpacks to more than it declares", "compression_ratio"
                        )
                    window = tail + chunk
                    if b"<!DOCTYPE" in window or b"<!ENTITY" in window:
                        raise _Refused(
                            f"part {info.filename!r} declares a DTD, which workbooks never need",
                            "dtd",
                            expected="a workbook saved by Excel or LibreOffice",
                        )
                    tail = chunk[-16:]
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError) as exc:
            raise _Refused(f"part {info.filename!r} cannot be unpacked", "not_xlsx", found=str(exc)) from None


# --------------------------------------------------------------------------
# the parts openpyxl parses when it opens a workbook
# --------------------------------------------------------------------------


def _outline(archive: zipfile.ZipFile, types: _ContentTypes, budget: _Budget) -> tuple[SheetEntry, ...]:
    """Read, within the limits, every part openpyxl parses on opening; return the sheets.

    The parts are found as openpyxl finds them (``openpyxl.reader.excel``
    in read-only mode): the workbook part named by the content types, its
    relationships, the shared strings, ``xl/styles.xml``, the document
    properties, each sheet's relationships and the head of each sheet (up to
    its declared size), and chart sheets with what their drawings show.
    """
    present = set(archive.namelist())
    workbook = next(
        (part for t in _WORKBOOK_TYPES if (part := types.part_of(t)) is not None),
        "xl/workbook.xml",
    )
    if workbook not in present:
        raise _Refused(
            "the workbook part is missing",
            "not_xlsx",
            found=workbook,
            expected=f"an .xlsx workbook; {_SAVE_AS}",
        )
    listed = _WholePart(
        archive, workbook, budget, "the workbook part", _WORKBOOK_LISTS, collect={_SHEET}
    ).read()
    relationships = _relationships(archive, _rels_path(workbook), budget, present)
    strings = types.part_of(_SHARED_STRINGS_TYPE)
    for part, what, lists in (
        (strings, "the shared-strings part", _STRING_LISTS),
        (_STYLES_PART, "the styles part", _STYLE_LISTS),
        *((name, "the document properties part", {}) for name in _PROPERTY_PARTS),
    ):
        if part is not None and part in present:
            _WholePart(archive, part, budget, what, lists).read()
    sheets = _sheet_entries(listed, relationships, present)
    _refuse_shared_parts(sheets)
    for sheet in sheets:
        if sheet.chart:
            _read_related(archive, sheet.part, budget, present, f"chart sheet {sheet.name!r}")
            continue
        _relationships(archive, _rels_path(sheet.part), budget, present)
        _SheetScan(archive, sheet, budget, head_only=True).read()
    return tuple(sheets)


def _rels_path(part: str) -> str:
    """The relationships part of ``part``, as openpyxl's ``get_rels_path``."""
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{name}.rels")


def _relationships(
    archive: zipfile.ZipFile, part: str, budget: _Budget, present: set[str]
) -> dict[str, tuple[str, str]]:
    """``{id: (type, target part)}`` of a relationships part, targets resolved as openpyxl does."""
    if part not in present:
        return {}
    scan = _WholePart(archive, part, budget, "the relationships part", {}, collect={_RELATIONSHIP})
    found = scan.read()
    parent = posixpath.split(posixpath.dirname(part))[0]
    out: dict[str, tuple[str, str]] = {}
    for _, attrs in found:
        target = attrs.get("Target", "")
        if attrs.get("TargetMode") == "External":
            continue
        resolved = (
            target[1:] if target.startswith("/") else posixpath.normpath(posixpath.join(parent, target))
        )
        out[attrs.get("Id", "")] = (attrs.get("Type", ""), resolved)
    return out


def _sheet_entries(
    listed: list[tuple[str, dict[str, str]]],
    relationships: dict[str, tuple[str, str]],
    present: set[str],
) -> list[SheetEntry]:
    """The sheets openpyxl will list: those whose part is in the archive."""
    sheets = []
    for _, attrs in listed:
        name = attrs.get("name", "")
        ident = attrs.get(_RELATIONSHIP_ID, "")
        if not ident:
            continue  # openpyxl drops such entries with a warning
        if ident not in relationships:
            raise _Refused(
                f"the workbook lists sheet {name!r} without the part that holds it",
                "malformed",
                found=ident,
                expected=_REBUILD,
            )
        kind, part = relationships[ident]
        if part in present:
            sheets.append(SheetEntry(name, attrs.get("state", "visible"), part, chart="chartsheet" in kind))
    return sheets


def _refuse_shared_parts(sheets: list[SheetEntry]) -> None:
    """Refuse one part listed as several sheets, which would be read once for each."""
    first: dict[str, SheetEntry] = {}
    for sheet in sheets:
        other = first.setdefault(sheet.part, sheet)
        if other is not sheet:
            raise _Refused(
                f"sheets {other.name!r} and {sheet.name!r} are the same part {sheet.part} of the file, "
                "which a spreadsheet never writes",
                "malformed",
                expected=_REBUILD,
                where=sheet.name,
            )


def _read_related(archive: zipfile.ZipFile, part: str, budget: _Budget, present: set[str], what: str) -> None:
    """Read ``part`` whole, and the XML parts it links to, and theirs (a chart sheet's drawing and charts)."""
    pending, seen = [part], set()
    while pending:
        name = pending.pop()
        if name in seen or name not in present or not name.lower().endswith(".xml"):
            continue
        seen.add(name)
        _WholePart(archive, name, budget, what, {}).read()
        links = _relationships(archive, _rels_path(name), budget, present)
        pending.extend(target for _, target in links.values())


# --------------------------------------------------------------------------
# streaming one part
# --------------------------------------------------------------------------


class _Done(Exception):
    """Raised inside a handler to stop reading a part where openpyxl would stop."""


class _Scan:
    """One XML part read as a stream of element starts and ends, never as a tree.

    Subclasses count what they see in ``start`` and ``end`` and raise
    :class:`_Refused` when a limit is passed, which stops the parser at once.
    """

    def __init__(self, archive: zipfile.ZipFile, part: str, budget: _Budget, what: str):
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

    def refuse(self, message: str, code: str, found: object = None, expected: str = _REBUILD) -> _Refused:
        return _Refused(message, code, found=found, expected=expected, where=self.where)

    def too_deep(self) -> _Refused:
        return self.refuse(
            f"{self.names()} nests XML elements more than {MAX_XML_DEPTH} deep",
            "too_deep",
            expected=f"at most {MAX_XML_DEPTH} levels; {_REBUILD}",
        )

    def over_budget(self) -> _Refused:
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
            expected=f"at most {count:,}; {_REBUILD}",
        )


class _WholePart(_Scan):
    """A part openpyxl parses whole: every element counts, lists are bounded, some elements kept."""

    def __init__(
        self,
        archive: zipfile.ZipFile,
        part: str,
        budget: _Budget,
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
        if name == _RELATIONSHIP:
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

    def too_long(self, name: str) -> _Refused:
        limit, what = self.lists[name]
        return self.refuse(
            f"{self.names()} lists more than {limit:,} {what}",
            "too_large",
            expected=f"at most {limit:,}; {_REBUILD}",
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


class _SheetScan(_Scan):
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
        budget: _Budget,
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

    def row_too_large(self, what: str) -> _Refused:
        return self.refuse(
            f"{self.names()} has a row with more than {what}",
            "too_large",
            expected=f"rows of at most {MAX_ROW_CELLS:,} cells; {_REBUILD}",
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
