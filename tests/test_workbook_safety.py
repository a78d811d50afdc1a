"""Hostile or wrong files given as a workbook are refused quickly and clearly; outputs are atomic.

The time bound (10 s) is a sanity check against hangs, not a benchmark: every
refusal here happens before a spreadsheet parser walks the file.
"""

from __future__ import annotations

import io
import os
import stat
import time
import zipfile
from pathlib import Path

import pytest

import bidfit
from bidfit.errors import InputError
from bidfit.io.atomic import write_atomically
from bidfit.io.xlsx.layout import MAX_COLUMNS, MAX_ROWS

QUICK = 10.0  # seconds: generous, only catches a hang


def sample_bytes(name: str = "norway_roaming") -> bytes:
    return bidfit.sample_path(name, ".xlsx").read_bytes()


def rezip(
    data: bytes,
    *,
    replace: dict[str, bytes] | None = None,
    add: dict[str, bytes] | None = None,
    compression: int = zipfile.ZIP_DEFLATED,
) -> bytes:
    """A copy of an xlsx with parts replaced or added."""
    replace, add = replace or {}, add or {}
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as target:
        for info in source.infolist():
            target.writestr(info.filename, replace.get(info.filename, source.read(info)))
        for name, content in add.items():
            target.writestr(name, content)
    return out.getvalue()


def sheet_part(data: bytes, title: str) -> str:
    """The zip part of the sheet called ``title`` (sheets are written in order)."""
    import openpyxl

    names = openpyxl.load_workbook(io.BytesIO(data), read_only=True).sheetnames
    return f"xl/worksheets/sheet{names.index(title) + 1}.xml"


def refused(tmp_path: Path, data: bytes, name: str = "hostile.xlsx") -> InputError:
    """Load ``data`` as a workbook; return the InputError, checking it came quickly."""
    path = tmp_path / name
    path.write_bytes(data)
    start = time.perf_counter()
    with pytest.raises(InputError) as info:
        bidfit.load(path)
    assert time.perf_counter() - start < QUICK
    assert all(p.file == str(path) for p in info.value.problems)
    return info.value


# --------------------------------------------------------------------------
# not an xlsx at all
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"bid,name,amount\nVendor A,Kit,100\n", "not an xlsx workbook: a text file (CSV?)"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), "old Excel 97-2003 workbook (.xls) or a password"),
        (b"%PDF-1.7\n", "a PDF document"),
        (b"<html><body>table</body></html>", "an XML or HTML file"),
        (b"", "the file is empty"),
    ],
)
def test_a_file_that_is_not_a_zip_is_refused(tmp_path, content, says):
    error = refused(tmp_path, content)
    (problem,) = error.problems
    assert says in problem.message and problem.code == "not_xlsx"
    assert "save it as an Excel Workbook (.xlsx)" in str(error)


def test_other_zip_documents_are_refused(tmp_path):
    docx = rezip(
        sample_bytes(),
        replace={
            "[Content_Types].xml": (
                b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                b'<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
                b'officedocument.wordprocessingml.document.main+xml"/></Types>'
            )
        },
    )
    assert "a Word document" in str(refused(tmp_path, docx, "letter.xlsx"))

    ods = io.BytesIO()
    with zipfile.ZipFile(ods, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
    assert "OpenDocument file (.ods)" in str(refused(tmp_path, ods.getvalue(), "sheet.xlsx"))

    plain = io.BytesIO()
    with zipfile.ZipFile(plain, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert "[Content_Types].xml is missing" in str(refused(tmp_path, plain.getvalue(), "archive.xlsx"))

    damaged = sample_bytes()[:5000]
    assert "damaged zip archive" in str(refused(tmp_path, damaged, "cut.xlsx"))


# --------------------------------------------------------------------------
# macros
# --------------------------------------------------------------------------


def test_a_workbook_with_a_vba_project_is_refused(tmp_path):
    data = rezip(sample_bytes(), add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0 fake vba"})
    error = refused(tmp_path, data, "renamed_xlsm.xlsx")
    (problem,) = error.problems
    assert problem.code == "macros" and "contains macros" in problem.message
    assert problem.found == "xl/vbaProject.bin"


def test_a_macro_enabled_content_type_is_refused(tmp_path):
    data = sample_bytes()
    types = (
        zipfile.ZipFile(io.BytesIO(data))
        .read("[Content_Types].xml")
        .replace(b"spreadsheetml.sheet.main+xml", b"sheet.macroEnabled.main+xml")
    )
    error = refused(tmp_path, rezip(data, replace={"[Content_Types].xml": types}), "book.xlsx")
    assert "macro-enabled .xlsm" in str(error)


# --------------------------------------------------------------------------
# zip bombs and XML bombs
# --------------------------------------------------------------------------


def test_a_highly_compressed_part_is_refused_before_parsing(tmp_path):
    padding = b"<x>" + b" " * (30 * 1024 * 1024) + b"</x>"  # 30 MB that compress ~1000 times
    data = rezip(sample_bytes(), add={"xl/padding.xml": padding})
    assert len(data) < 1024 * 1024
    error = refused(tmp_path, data, "bomb.xlsx")
    (problem,) = error.problems
    assert problem.code == "compression_ratio" and "like a zip bomb" in problem.message
    assert "xl/padding.xml" in problem.message


def test_too_much_unpacked_data_is_refused(tmp_path):
    # 80 parts of 900 kB: each under the ratio check's floor, 72 MB in all.
    parts = {f"xl/filler{i}.bin": bytes(900 * 1024) for i in range(80)}
    error = refused(tmp_path, rezip(sample_bytes(), add=parts), "big.xlsx")
    assert "unpacks to too much data" in str(error)


def test_a_file_too_large_is_refused_without_unpacking(tmp_path):
    data = rezip(
        sample_bytes(),
        add={"xl/media/photo.bin": os.urandom(11 * 1024 * 1024)},
        compression=zipfile.ZIP_STORED,
    )
    error = refused(tmp_path, data, "large.xlsx")
    assert error.problems[0].code == "too_large" and "file is too large" in str(error)


def test_an_entity_expansion_bomb_is_refused(tmp_path):
    data = sample_bytes()
    part = sheet_part(data, "Case")
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    )
    sheet = zipfile.ZipFile(io.BytesIO(data)).read(part)
    error = refused(tmp_path, rezip(data, replace={part: laughs + sheet}), "laughs.xlsx")
    assert error.problems[0].code == "dtd" and "declares a DTD" in str(error)


def test_openpyxl_parses_through_defusedxml():
    import openpyxl

    assert openpyxl.DEFUSEDXML is True


# --------------------------------------------------------------------------
# huge sheets: never walk a million rows
# --------------------------------------------------------------------------


def _with_far_cell(data: bytes, part: str, dimension: str) -> bytes:
    sheet = zipfile.ZipFile(io.BytesIO(data)).read(part).decode()
    head, _, rest = sheet.partition('<dimension ref="')
    _, _, rest = rest.partition('"')
    far = '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>far away</t></is></c></row>'
    sheet = f'{head}<dimension ref="{dimension}"{rest}'.replace("</sheetData>", far + "</sheetData>")
    return rezip(data, replace={part: sheet.encode()})


def test_a_sheet_declaring_a_cell_at_xfd1048576_is_refused_quickly(tmp_path):
    data = sample_bytes()
    data = _with_far_cell(data, sheet_part(data, "Costs"), "A1:XFD1048576")
    error = refused(tmp_path, data, "huge.xlsx")
    (problem,) = error.problems
    assert problem.where == "Costs" and problem.code == "too_large"
    assert "declares cells up to XFD1048576" in problem.message
    assert f"at most {MAX_ROWS:,} rows and {MAX_COLUMNS} columns" in str(error)


def test_a_far_cell_behind_a_false_dimension_is_not_walked(tmp_path):
    # The dimension claims A1:M9, but a cell sits at XFD1048576: the reader stops
    # at its row cap instead of walking a million empty rows.
    data = sample_bytes()
    data = _with_far_cell(data, sheet_part(data, "Costs"), "A1:M9")
    path = tmp_path / "lying.xlsx"
    path.write_bytes(data)
    start = time.perf_counter()
    case = bidfit.load(path)
    assert time.perf_counter() - start < QUICK
    assert case == bidfit.load_sample("norway_roaming")


# --------------------------------------------------------------------------
# atomic writes
# --------------------------------------------------------------------------


def test_write_atomically_writes_the_whole_file_and_no_temporary_files(tmp_path):
    out = write_atomically(tmp_path / "out.bin", lambda fh: fh.write(b"x" * 100_000))
    assert out.read_bytes() == b"x" * 100_000
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]


def test_write_atomically_respects_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        out = write_atomically(tmp_path / "out.txt", lambda fh: fh.write(b"hi"))
    finally:
        os.umask(old)
    assert stat.S_IMODE(out.stat().st_mode) == 0o644


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path):
    target = tmp_path / "report.xlsx"
    target.write_bytes(b"old report")

    def half_then_fail(handle):
        handle.write(b"half a rep")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        write_atomically(target, half_then_fail)
    assert target.read_bytes() == b"old report"
    assert [p.name for p in tmp_path.iterdir()] == ["report.xlsx"]


def test_write_atomically_refuses_to_overwrite_an_input(tmp_path):
    source = tmp_path / "case.xlsx"
    source.write_bytes(b"input")
    before = source.stat().st_mtime_ns
    other_spelling = tmp_path / "sub" / ".." / "case.xlsx"
    (tmp_path / "sub").mkdir()
    with pytest.raises(InputError, match="the output would overwrite an input file"):
        write_atomically(other_spelling, lambda fh: fh.write(b"x"), inputs=[source])
    assert source.read_bytes() == b"input" and source.stat().st_mtime_ns == before


def test_write_atomically_needs_an_existing_folder(tmp_path):
    with pytest.raises(InputError, match="the output folder does not exist"):
        write_atomically(tmp_path / "nope" / "out.xlsx", lambda fh: fh.write(b"x"))


# --------------------------------------------------------------------------
# the outline and the streamed sheets
# --------------------------------------------------------------------------


def test_the_outline_lists_the_sheets_as_openpyxl_opens_them(tmp_path):
    import openpyxl

    from bidfit.io.xlsx.safety import check_workbook_file

    data = sample_bytes()
    book = openpyxl.load_workbook(io.BytesIO(data))
    book["FX"].sheet_state = "hidden"
    path = tmp_path / "book.xlsx"
    book.save(path)
    outline = check_workbook_file(path)
    assert [s.name for s in outline.sheets] == openpyxl.load_workbook(path, read_only=True).sheetnames
    fx = next(s for s in outline.sheets if s.name == "FX")
    assert (fx.state, fx.hidden, fx.part) == ("hidden", True, sheet_part(data, "FX"))
    assert not any(s.hidden for s in outline.sheets if s.name != "FX")


def test_formula_cells_are_found_where_openpyxl_finds_them(tmp_path):
    import openpyxl

    from bidfit.io.xlsx.safety import check_workbook_file, scan_sheets

    data = sample_bytes()
    part = sheet_part(data, "Costs")
    sheet = zipfile.ZipFile(io.BytesIO(data)).read(part).decode()
    # Cells without a reference count on from the last one given, as openpyxl counts them;
    # a shared formula's dependent cells hold an empty <f>; rows after a repeated row number are skipped.
    rows = (
        '<row r="40"><c r="C40"><f>1+1</f></c><c><v>2</v></c><c><f>A1</f><v>1</v></c></row>'
        '<row r="41"><c r="A41"><f t="shared" si="0" ref="A41:A42">B1</f><v>0</v></c>'
        '<c r="AX41"><f>1</f></c><c><f>2</f></c></row>'
        '<row r="42"><c r="A42"><f t="shared" si="0"/></c></row>'
        '<row r="42"><c r="B42"><f>3</f></c></row>'
    )
    path = tmp_path / "formulas.xlsx"
    path.write_bytes(
        rezip(data, replace={part: sheet.replace("</sheetData>", rows + "</sheetData>").encode()})
    )
    outline = check_workbook_file(path)
    costs = next(s for s in outline.sheets if s.name == "Costs")
    found = scan_sheets(outline, [costs], rows=MAX_ROWS + 1, columns=MAX_COLUMNS + 1)[costs.part]
    ws = openpyxl.load_workbook(path, read_only=True)["Costs"]
    expected = {
        (r, c)
        for r, row in enumerate(ws.iter_rows(max_row=MAX_ROWS + 1, max_col=MAX_COLUMNS + 1), 1)
        for c, cell in enumerate(row, 1)
        if cell.data_type == "f"
    }
    assert found == expected == {(40, 3), (40, 5), (41, 1), (41, 50), (41, 51), (42, 1)}


def test_a_dtd_in_a_sheet_part_not_named_xml_is_refused(tmp_path):
    data = sample_bytes()
    part = sheet_part(data, "Case")
    sheet = zipfile.ZipFile(io.BytesIO(data)).read(part)
    source = zipfile.ZipFile(io.BytesIO(data))
    renamed = part.replace(".xml", ".dat")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == part:
                target.writestr(renamed, b'<!DOCTYPE worksheet [<!ENTITY a "a">]>' + sheet)
                continue
            if info.filename == "xl/_rels/workbook.xml.rels":
                content = content.replace(
                    part.removeprefix("xl/").encode(), renamed.removeprefix("xl/").encode()
                )
            target.writestr(info.filename, content)
    error = refused(tmp_path, out.getvalue(), "renamed.xlsx")
    (problem,) = error.problems
    assert problem.code == "dtd" and problem.where == "Case" and "declares a DTD" in problem.message
