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
  :data:`MAX_STYLES` entries in any one list of styles (cell formats, fonts,
  fills, borders, number formats...), :data:`MAX_SHARED_STRINGS` shared texts;
* the limits of :mod:`bidfit.io.xlsx.xmlscan`, which reads the parts:
  relationships between parts, cells and XML elements in one row and in all
  the sheets read, XML elements outside the cell rows (styles, strings,
  names, sheet settings: openpyxl builds an object from each) and in all,
  and how deep they nest;
* a sheet part listed as several sheets, rows repeated or out of order, and
  XML that is not well-formed are refused as damage.

openpyxl also parses through defusedxml when it is installed (a dependency of
bidfit); :func:`check_workbook_file` refuses to go on if it is not in use.
"""

from __future__ import annotations

import posixpath
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bidfit.errors import InputError, Problem
from bidfit.io.xlsx.xmlscan import (
    MAIN,
    REBUILD,
    RELATIONSHIP,
    Budget,
    Refused,
    SheetEntry,
    SheetScan,
    WholePart,
)

__all__ = [
    "MAX_DEFINED_NAMES",
    "MAX_FILE_BYTES",
    "MAX_PARTS",
    "MAX_RATIO",
    "MAX_SHARED_STRINGS",
    "MAX_SHEETS",
    "MAX_STYLES",
    "MAX_UNPACKED_BYTES",
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
MAX_STYLES = 10_000
"""Most entries in any one list of styles: cell formats, fonts, fills, borders, number formats..."""
MAX_SHARED_STRINGS = 40_000
"""Most texts in the shared-strings table (a 10,000-row Costs sheet of unique texts needs about 20,000)."""

_SAVE_AS = "open it in Excel or LibreOffice and save it as an Excel Workbook (.xlsx)"
_CHUNK = 1024 * 1024

# Names as openpyxl matches them: namespace URI, a space, the local name.
_OFFICE_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
_SHEET = f"{MAIN} sheet"
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
    f"{MAIN} sheets": (MAX_SHEETS, "sheets"),
    f"{MAIN} definedNames": (MAX_DEFINED_NAMES, "defined names"),
}
_STYLE_LISTS = {
    f"{MAIN} {tag}": (MAX_STYLES, what)
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
_STRING_LISTS = {f"{MAIN} sst": (MAX_SHARED_STRINGS, "shared texts")}


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
    budget: Budget = field(default_factory=Budget, repr=False, compare=False)


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
    except Refused as refused:
        raise InputError(refused.problem, str(path)) from None


def scan_sheets(
    outline: WorkbookOutline, sheets: Sequence[SheetEntry], *, rows: int, columns: int
) -> dict[str, frozenset[tuple[int, int]]]:
    """Stream the sheets the reader is about to read, within the limits; return their formula cells.

    Each sheet is read as openpyxl's ``iter_rows(max_row=rows)`` reads it: up
    to the end of the first row numbered above ``rows``, or to the end of the
    part. Its cells count towards :data:`~bidfit.io.xlsx.xmlscan.MAX_CELLS`, together with those of
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
                sheet.part: SheetScan(archive, sheet, outline.budget, rows=rows, columns=columns).read()
                for sheet in sheets
                if not sheet.chart
            }
    except Refused as refused:
        raise InputError(refused.problem, str(outline.path)) from None
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(
            Problem("", "the workbook cannot be unpacked", found=str(exc), code="not_xlsx"), str(outline.path)
        ) from None


def _check(path: Path) -> WorkbookOutline:
    _check_parser_is_defused()
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise Refused(
            "the workbook file is too large",
            "too_large",
            found=f"{size:,} bytes",
            expected=f"at most {MAX_FILE_BYTES:,} bytes",
        )
    with path.open("rb") as handle:
        head = handle.read(8)
    if not head.startswith(b"PK\x03\x04"):
        raise Refused(
            f"this is not an xlsx workbook: {_describe(head)}",
            "not_xlsx",
            expected=f"an .xlsx workbook; {_SAVE_AS}",
        )
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise Refused(
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
        budget = Budget(objects=types.elements, elements=types.elements)
        sheets = _outline(archive, types, budget)
    return WorkbookOutline(path, sheets, budget)


def _check_parser_is_defused() -> None:
    import openpyxl

    if not openpyxl.DEFUSEDXML:
        raise Refused(
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
        raise Refused(
            "the workbook holds too many parts",
            "too_many_parts",
            found=len(infos),
            expected=f"at most {MAX_PARTS}",
        )
    total = sum(info.file_size for info in infos)
    if total > MAX_UNPACKED_BYTES:
        raise Refused(
            "the workbook unpacks to too much data",
            "too_large_unpacked",
            found=f"{total:,} bytes",
            expected=f"at most {MAX_UNPACKED_BYTES:,} bytes",
        )
    for info in infos:
        if info.flag_bits & 0x1:
            raise Refused(
                "the workbook archive is encrypted", "encrypted", expected="a workbook without a password"
            )
        if info.file_size > RATIO_FLOOR_BYTES:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > MAX_RATIO:
                raise Refused(
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
        raise Refused(
            "this is an OpenDocument file (.ods), not an xlsx workbook",
            "not_xlsx",
            expected=f"an .xlsx workbook; {_SAVE_AS}",
        )
    info = names.get("[content_types].xml")
    if info is None:
        raise Refused(
            "this is a zip archive, not an xlsx workbook ([Content_Types].xml is missing)",
            "not_xlsx",
            expected=f"an .xlsx workbook; {_SAVE_AS}",
        )
    if info.file_size > MAX_CONTENT_TYPES_BYTES:
        raise Refused(
            "the workbook's [Content_Types].xml is too large", "not_xlsx", found=f"{info.file_size:,} bytes"
        )
    content_types = _content_types(archive.read(info))
    types = content_types.all_types
    if any("macroenabled" in t or "macrosheet" in t or "vbaproject" in t for t in types):
        raise Refused(
            "the workbook contains macros (a macro-enabled .xlsm, .xltm or .xlsb file)",
            "macros",
            expected=f"a workbook without macros; {_SAVE_AS}",
        )
    if any("wordprocessingml" in t for t in types):
        raise Refused("this is a Word document, not an xlsx workbook", "not_xlsx")
    if any("presentationml" in t for t in types):
        raise Refused("this is a PowerPoint presentation, not an xlsx workbook", "not_xlsx")
    if not any("spreadsheetml.sheet.main" in t or "spreadsheetml.template.main" in t for t in types):
        raise Refused(
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
        raise Refused("the workbook's [Content_Types].xml is not valid", "not_xlsx", found=str(exc)) from None
    overrides = tuple(
        (el.get("PartName", "")[1:], el.get("ContentType", "")) for el in root.iter(f"{{{_TYPES}}}Override")
    )
    elements = list(root.iter())
    types = tuple(el.get("ContentType", "").lower() for el in elements if el.get("ContentType"))
    return _ContentTypes(overrides, types, len(elements))


def _check_macros(names: dict[str, zipfile.ZipInfo]) -> None:
    for name in names:
        if "vbaproject" in name or "/macrosheets/" in name:
            raise Refused(
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
                        raise Refused(
                            f"part {info.filename!r} unpacks to more than it declares", "compression_ratio"
                        )
                    window = tail + chunk
                    if b"<!DOCTYPE" in window or b"<!ENTITY" in window:
                        raise Refused(
                            f"part {info.filename!r} declares a DTD, which workbooks never need",
                            "dtd",
                            expected="a workbook saved by Excel or LibreOffice",
                        )
                    tail = chunk[-16:]
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError) as exc:
            raise Refused(f"part {info.filename!r} cannot be unpacked", "not_xlsx", found=str(exc)) from None


# --------------------------------------------------------------------------
# the parts openpyxl parses when it opens a workbook
# --------------------------------------------------------------------------


def _outline(archive: zipfile.ZipFile, types: _ContentTypes, budget: Budget) -> tuple[SheetEntry, ...]:
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
        raise Refused(
            "the workbook part is missing",
            "not_xlsx",
            found=workbook,
            expected=f"an .xlsx workbook; {_SAVE_AS}",
        )
    listed = WholePart(
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
            WholePart(archive, part, budget, what, lists).read()
    sheets = _sheet_entries(listed, relationships, present)
    _refuse_shared_parts(sheets)
    for sheet in sheets:
        if sheet.chart:
            _read_related(archive, sheet.part, budget, present, f"chart sheet {sheet.name!r}")
            continue
        _relationships(archive, _rels_path(sheet.part), budget, present)
        SheetScan(archive, sheet, budget, head_only=True).read()
    return tuple(sheets)


def _rels_path(part: str) -> str:
    """The relationships part of ``part``, as openpyxl's ``get_rels_path``."""
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{name}.rels")


def _relationships(
    archive: zipfile.ZipFile, part: str, budget: Budget, present: set[str]
) -> dict[str, tuple[str, str]]:
    """``{id: (type, target part)}`` of a relationships part, targets resolved as openpyxl does."""
    if part not in present:
        return {}
    scan = WholePart(archive, part, budget, "the relationships part", {}, collect={RELATIONSHIP})
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
            raise Refused(
                f"the workbook lists sheet {name!r} without the part that holds it",
                "malformed",
                found=ident,
                expected=REBUILD,
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
            raise Refused(
                f"sheets {other.name!r} and {sheet.name!r} are the same part {sheet.part} of the file, "
                "which a spreadsheet never writes",
                "malformed",
                expected=REBUILD,
                where=sheet.name,
            )


def _read_related(archive: zipfile.ZipFile, part: str, budget: Budget, present: set[str], what: str) -> None:
    """Read ``part`` whole, and the XML parts it links to, and theirs (a chart sheet's drawing and charts)."""
    pending, seen = [part], set()
    while pending:
        name = pending.pop()
        if name in seen or name not in present or not name.lower().endswith(".xml"):
            continue
        seen.add(name)
        WholePart(archive, name, budget, what, {}).read()
        links = _relationships(archive, _rels_path(name), budget, present)
        pending.extend(target for _, target in links.values())
