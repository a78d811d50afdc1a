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
  which a spreadsheet never needs and entity-expansion attacks rely on.

openpyxl also parses through defusedxml when it is installed (a dependency of
bidfit); :func:`check_workbook_file` refuses to go on if it is not in use.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from bidfit.errors import InputError, Problem

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_PARTS",
    "MAX_RATIO",
    "MAX_UNPACKED_BYTES",
    "check_workbook_file",
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

_SAVE_AS = "open it in Excel or LibreOffice and save it as an Excel Workbook (.xlsx)"
_CHUNK = 1024 * 1024


def check_workbook_file(path: str | Path) -> None:
    """Refuse a file that is not a safe, macro-free xlsx workbook.

    Parameters
    ----------
    path : str or Path
        The file to check. It is only read.

    Raises
    ------
    InputError
        One problem saying what the file is and what to do instead.
    """
    path = Path(path)
    name = str(path)
    try:
        _check(path)
    except _Refused as refused:
        raise InputError(refused.problem, name) from None


class _Refused(Exception):
    def __init__(self, message: str, code: str, found: object = None, expected: str | None = None):
        super().__init__(message)
        self.problem = Problem("", message, found=found, expected=expected, code=code)


def _check(path: Path) -> None:
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
        _check_kind(archive, names)
        _check_macros(names)
        _check_xml_parts(archive, infos)


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


def _check_kind(archive: zipfile.ZipFile, names: dict[str, zipfile.ZipInfo]) -> None:
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
    types = _content_types(archive.read(info))
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


def _content_types(xml: bytes) -> list[str]:
    """The content types declared in ``[Content_Types].xml``, lower case."""
    from defusedxml import ElementTree
    from defusedxml.common import DefusedXmlException

    try:
        root = ElementTree.fromstring(xml)
    except (ElementTree.ParseError, DefusedXmlException) as exc:
        raise _Refused(
            "the workbook's [Content_Types].xml is not valid", "not_xlsx", found=str(exc)
        ) from None
    return [el.get("ContentType", "").lower() for el in root.iter() if el.get("ContentType")]


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
