"""Hostile input workbooks are refused fast and clearly; hidden or look-alike sheets are never read.

Every hostile workbook is built here from a real one (the template filled
with the ``norway_roaming`` example, as ``bidfit template x.xlsx --example
norway_roaming`` writes it) by rewriting parts of its zip archive, and goes
through the real command line, ``check`` and ``analyze -o``, in a child
process. Each must exit 2 with one line naming the file and what is wrong
(and the sheet or part), print no traceback, stay within
:data:`CPU_LIMIT` seconds of CPU and :data:`MEMORY_LIMIT` MB above the
peak of ``bidfit --version``, leave the input unchanged and write no report.

Large parts are padded with a comment of random text so that they pass the
zip-bomb ratio check and reach the limits on what is parsed. The child is
started from a small interpreter: a child's peak memory as the kernel reports
it includes its parent's (the child is created by ``vfork``), and the pytest
process is much larger than ``bidfit --version``.
"""

from __future__ import annotations

import base64
import io
import itertools
import random
import re
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from childproc import Run, assert_clean_refusal, fingerprint, run_cli

import bidfit
from bidfit import CostItem
from bidfit.errors import InputError
from bidfit.io.template import write_template
from bidfit.io.xlsx.layout import MAX_PROBLEMS
from bidfit.io.xlsx.numbers import CellValueError, parse_text_number
from bidfit.io.xlsx.read import read_workbook
from bidfit.io.xlsx.safety import (
    MAX_DEFINED_NAMES,
    MAX_SHARED_STRINGS,
    MAX_SHEETS,
    MAX_STYLES,
    RATIO_FLOOR_BYTES,
    check_workbook_file,
)
from bidfit.io.xlsx.xmlscan import (
    MAX_CELLS,
    MAX_OBJECT_ELEMENTS,
    MAX_RELATIONSHIPS,
    MAX_ROW_CELLS,
    MAX_ROW_ELEMENTS,
    MAX_XML_DEPTH,
)

CPU_LIMIT = 4.0
"""CPU seconds a refusal may take: twice the 2 s target, as a margin for a loaded machine."""
MEMORY_LIMIT = 200.0
"""MB a refusal may take above the peak of ``bidfit --version``."""

HERE = Path(__file__).resolve().parent
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
WORKSHEET_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
SHARED_STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"

# --------------------------------------------------------------------------
# running the command and measuring it
# --------------------------------------------------------------------------


def measured(*args: str | Path) -> Run:
    """Run ``bidfit ARGS``; its exit code, output, CPU and peak memory."""
    return run_cli(*args, timeout=300)


@pytest.fixture(scope="module")
def baseline_mb() -> float:
    """Peak memory of ``bidfit --version`` [MB]: the interpreter with bidfit imported."""
    run = measured("--version")
    assert run.returncode == 0
    return run.peak_mb


def assert_refused_fast(path: Path, baseline_mb: float, *needles: str) -> None:
    """``check`` and ``analyze -o`` both refuse ``path`` cleanly, quickly and without touching it."""
    before = fingerprint(path)
    report = path.with_name(path.stem + "-report.xlsx")
    for args in (("check", path), ("analyze", path, "-o", report)):
        run = measured(*args)
        print(
            f"{path.name} {args[0]}: exit {run.returncode}, {run.cpu_seconds:.2f} s CPU, {run.peak_mb:.0f} MB peak"
        )
        assert_clean_refusal(run, str(path), *needles)
        assert run.cpu_seconds <= CPU_LIMIT, f"{args[0]} took {run.cpu_seconds:.1f} s of CPU"
        assert run.peak_mb <= baseline_mb + MEMORY_LIMIT, (
            f"{args[0]} peaked at {run.peak_mb:.0f} MB, the baseline is {baseline_mb:.0f} MB"
        )
    assert fingerprint(path) == before
    assert not report.exists()


# --------------------------------------------------------------------------
# building hostile workbooks from a real one
# --------------------------------------------------------------------------

Chunks = Iterable[bytes]


@dataclass(frozen=True)
class Book:
    """A real workbook: its bytes and where its parts are."""

    data: bytes
    costs: str  # the part holding the Costs sheet

    def part(self, name: str) -> bytes:
        return zipfile.ZipFile(io.BytesIO(self.data)).read(name)

    def rewrite(
        self, path: Path, replace: dict[str, bytes | Chunks], add: dict[str, bytes | Chunks] | None = None
    ) -> Path:
        """Write a copy of the workbook to ``path`` with parts replaced or added, streamed."""
        source = zipfile.ZipFile(io.BytesIO(self.data))
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
            for info in source.infolist():
                _write_part(target, info.filename, replace.get(info.filename, source.read(info)))
            for name, content in (add or {}).items():
                _write_part(target, name, content)
        return path


def _write_part(archive: zipfile.ZipFile, name: str, content: bytes | Chunks) -> None:
    """Stream a part into the archive; pad a large one to stay under the zip-bomb ratio."""
    written = 0
    with archive.open(name, "w") as part:
        for chunk in [content] if isinstance(content, bytes) else content:
            part.write(chunk)
            written += len(chunk)
        if written > RATIO_FLOOR_BYTES:
            # Random text compresses little: 1/70 of the part's size keeps the ratio near 70.
            noise = random.Random(written).randbytes(written // 70)
            part.write(b"<!--" + base64.b64encode(noise) + b"-->")


def repeated(unit: bytes, count: int) -> Iterator[bytes]:
    """``unit`` ``count`` times, in chunks of about 64 kB."""
    per_chunk = max(1, 65536 // len(unit))
    while count > 0:
        n = min(count, per_chunk)
        yield unit * n
        count -= n


def spliced(xml: bytes, at: bytes, *middle: Chunks | bytes, after: bool = False) -> Iterator[bytes]:
    """``xml`` with chunks inserted before (or after) the first ``at``."""
    i = xml.index(at) + (len(at) if after else 0)
    yield xml[:i]
    for piece in middle:
        yield from [piece] if isinstance(piece, bytes) else piece
    yield xml[i:]


def with_dimension(xml: bytes, ref: str | None) -> bytes:
    """A sheet's XML with its ``<dimension>`` set to ``ref``, or removed when ``ref`` is None."""
    element = f'<dimension ref="{ref}"/>'.encode() if ref else b""
    return re.sub(rb"<dimension [^>]*/>", element, xml, count=1)


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Book:
    path = write_template(tmp_path_factory.mktemp("base") / "case.xlsx", "norway_roaming")
    data = path.read_bytes()
    costs = next(sheet.part for sheet in check_workbook_file(path).sheets if sheet.name == "Costs")
    assert costs == "xl/worksheets/sheet6.xml"  # as the messages below name it
    return Book(data, costs)


# --------------------------------------------------------------------------
# resource bombs: refused before openpyxl parses them
# --------------------------------------------------------------------------


def sheet_listed_16_times(book: Book) -> dict[str, bytes | Chunks]:
    # 15 more sheet entries for the Costs part, through relationships of their own
    # (written relative to the workbook, where the original is absolute); the part
    # itself holds a row of 250,000 cells and no dimension, so each entry would
    # walk it when the workbook is opened.
    entries = "".join(f'<sheet name="Costs {i}" sheetId="{100 + i}" r:id="rDup{i}"/>' for i in range(1, 16))
    links = "".join(
        f'<Relationship Id="rDup{i}" Type="{WORKSHEET_TYPE}" Target="{book.costs.removeprefix("xl/")}"/>'
        for i in range(1, 16)
    )
    costs = with_dimension(book.part(book.costs), None)
    return {
        "xl/workbook.xml": book.part("xl/workbook.xml").replace(
            b"</sheets>", entries.encode() + b"</sheets>"
        ),
        "xl/_rels/workbook.xml.rels": book.part("xl/_rels/workbook.xml.rels").replace(
            b"</Relationships>", links.encode() + b"</Relationships>"
        ),
        book.costs: spliced(costs, b"</sheetData>", b'<row r="40">', repeated(b"<c/>", 250_000), b"</row>"),
    }


def sixty_thousand_sheets(book: Book) -> dict[str, bytes | Chunks]:
    entries = (f'<sheet name="S{i}" sheetId="{100 + i}" r:id="rS{i}"/>'.encode() for i in range(60_000))
    return {"xl/workbook.xml": spliced(book.part("xl/workbook.xml"), b"</sheets>", entries)}


def wide_row(cells: int, dimension: str | None) -> Callable[[Book], dict[str, bytes | Chunks]]:
    def build(book: Book) -> dict[str, bytes | Chunks]:
        xml = with_dimension(book.part(book.costs), dimension)
        return {
            book.costs: spliced(xml, b"</sheetData>", b'<row r="40">', repeated(b"<c/>", cells), b"</row>")
        }

    return build


def rows_repeating_one_number(book: Book) -> dict[str, bytes | Chunks]:
    xml = with_dimension(book.part(book.costs), "A1:O9")
    return {book.costs: spliced(xml, b"</sheetData>", repeated(b'<row r="5"><c/></row>', 1_000_000))}


def many_rows_behind_a_lying_dimension(book: Book) -> dict[str, bytes | Chunks]:
    # 200,000 valid cost rows (no row numbers) after the real ones, under a dimension of A1:O9.
    row = (
        '<row><c t="inlineStr"><is><t>Vendor A</t></is></c><c t="inlineStr"><is><t>Item {i}</t></is></c>'
        '<c t="inlineStr"><is><t>capex</t></is></c><c t="inlineStr"><is><t>one_time</t></is></c>'
        "<c><v>1</v></c></row>"
    )
    rows = (row.format(i=i).encode() for i in range(200_000))
    return {book.costs: spliced(with_dimension(book.part(book.costs), "A1:O9"), b"</sheetData>", rows)}


def style_list(tag: str, entry: bytes, count: int) -> Callable[[Book], dict[str, bytes | Chunks]]:
    def build(book: Book) -> dict[str, bytes | Chunks]:
        styles = book.part("xl/styles.xml")
        opening = re.search(rf"<{tag}( [^>]*)?>".encode(), styles)
        assert opening is not None, tag
        return {"xl/styles.xml": spliced(styles, opening[0], repeated(entry, count), after=True)}

    return build


def defined_names(book: Book) -> dict[str, bytes | Chunks]:
    names = b"<definedNames>", repeated(b'<definedName name="a">1</definedName>', 800_000), b"</definedNames>"
    workbook = book.part("xl/workbook.xml").replace(b"<definedNames />", b"")
    return {"xl/workbook.xml": spliced(workbook, b"<calcPr", *names)}


def shared_strings(book: Book) -> tuple[dict[str, bytes | Chunks], dict[str, bytes | Chunks]]:
    types = book.part("[Content_Types].xml").replace(
        b"</Types>",
        f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SHARED_STRINGS_TYPE}"/></Types>'.encode(),
    )
    strings = itertools.chain(
        [f'<sst xmlns="{MAIN}">'.encode()], repeated(b"<si><t>x</t></si>", 1_100_000), [b"</sst>"]
    )
    return {"[Content_Types].xml": types}, {"xl/sharedStrings.xml": strings}


def deep_nesting(where: str) -> Callable[[Book], dict[str, bytes | Chunks]]:
    def build(book: Book) -> dict[str, bytes | Chunks]:
        name = "xl/styles.xml" if where == "styles" else book.costs
        xml = book.part(name)
        end = b"</styleSheet>" if where == "styles" else b"</worksheet>"
        nested = b"<extLst>", repeated(b"<a>", 300_000), repeated(b"</a>", 300_000), b"</extLst>"
        return {name: spliced(xml, end, *nested)}

    return build


def merged_cells(book: Book) -> dict[str, bytes | Chunks]:
    merges = b"<mergeCells>", repeated(b'<mergeCell ref="Z1:Z2"/>', 500_000), b"</mergeCells>"
    return {book.costs: spliced(book.part(book.costs), b"</sheetData>", *merges, after=True)}


def many_cells_in_many_rows(book: Book) -> dict[str, bytes | Chunks]:
    rows = (f'<row r="{40 + i}">'.encode() + b"<c/>" * 16_000 + b"</row>" for i in range(40))
    return {book.costs: spliced(book.part(book.costs), b"</sheetData>", rows)}


def elements_in_one_cell(book: Book) -> dict[str, bytes | Chunks]:
    cell = b'<row r="40"><c>', repeated(b"<x/>", 100_000), b"</c></row>"
    return {book.costs: spliced(book.part(book.costs), b"</sheetData>", *cell)}


def hyperlink_relationships(book: Book) -> dict[str, bytes | Chunks]:
    rels = book.costs.replace("worksheets/", "worksheets/_rels/") + ".rels"
    link = b'<Relationship Id="rL" Type="http://x/hyperlink" Target="http://example.com/" TargetMode="External"/>'
    return {rels: spliced(book.part(rels), b"</Relationships>", repeated(link, 100_000))}


def truncated_sheet(book: Book) -> dict[str, bytes | Chunks]:
    xml = book.part(book.costs)
    return {book.costs: xml[: len(xml) // 2]}


SHEET = "sheet 'Costs' (xl/worksheets/sheet6.xml)"

BOMBS: dict[str, tuple[Callable[[Book], dict[str, bytes | Chunks]], tuple[str, ...]]] = {
    "one sheet part listed 16 times": (
        sheet_listed_16_times,
        ("sheets 'Costs' and 'Costs 1' are the same part xl/worksheets/sheet6.xml",),
    ),
    "60,000 sheet entries": (
        sixty_thousand_sheets,
        (f"the workbook part (xl/workbook.xml) lists more than {MAX_SHEETS:,} sheets",),
    ),
    "2,500,000 cells in one row, no dimension": (
        wide_row(2_500_000, None),
        (f"Costs: {SHEET} has a row with more than {MAX_ROW_CELLS:,} cells",),
    ),
    "a wide row behind a lying dimension": (
        wide_row(100_000, "A1:B2"),
        (f"{SHEET} has a row with more than {MAX_ROW_CELLS:,} cells",),
    ),
    "1,000,000 rows all numbered 5": (
        rows_repeating_one_number,
        (f"{SHEET} repeats rows or lists them out of order",),
    ),
    "200,000 rows behind a lying dimension": (
        many_rows_behind_a_lying_dimension,
        ("Costs!A10001: more than 10,000 rows",),
    ),
    "1,000,000 cell formats": (
        style_list("cellXfs", b"<xf/>", 1_000_000),
        (f"the styles part (xl/styles.xml) lists more than {MAX_STYLES:,} cell formats (cellXfs)",),
    ),
    "100,000 fonts": (style_list("fonts", b"<font/>", 100_000), (f"lists more than {MAX_STYLES:,} fonts",)),
    "100,000 fills": (style_list("fills", b"<fill/>", 100_000), (f"lists more than {MAX_STYLES:,} fills",)),
    "100,000 borders": (
        style_list("borders", b"<border/>", 100_000),
        (f"lists more than {MAX_STYLES:,} borders",),
    ),
    "100,000 number formats": (
        style_list("numFmts", b'<numFmt numFmtId="300" formatCode="0"/>', 100_000),
        (f"lists more than {MAX_STYLES:,} number formats (numFmts)",),
    ),
    "800,000 defined names": (
        defined_names,
        (f"the workbook part (xl/workbook.xml) lists more than {MAX_DEFINED_NAMES:,} defined names",),
    ),
    "300,000 levels of nesting in the styles": (
        deep_nesting("styles"),
        (f"the styles part (xl/styles.xml) nests XML elements more than {MAX_XML_DEPTH} deep",),
    ),
    "300,000 levels of nesting in a sheet": (
        deep_nesting("sheet"),
        (f"{SHEET} nests XML elements more than {MAX_XML_DEPTH} deep",),
    ),
    "500,000 merged cells": (
        merged_cells,
        (f"more than {MAX_OBJECT_ELEMENTS:,} XML elements outside cell rows", SHEET),
    ),
    "640,000 cells in 40 rows": (
        many_cells_in_many_rows,
        (f"more than {MAX_CELLS:,} cells in the sheets bidfit reads", SHEET),
    ),
    "100,000 elements in one cell": (
        elements_in_one_cell,
        (f"{SHEET} has a row with more than {MAX_ROW_ELEMENTS:,} XML elements",),
    ),
    "100,000 hyperlink relationships": (
        hyperlink_relationships,
        (f"more than {MAX_RELATIONSHIPS:,} relationships", "xl/worksheets/_rels/sheet6.xml.rels"),
    ),
    "a sheet cut in half": (truncated_sheet, (f"{SHEET} is not well-formed XML",)),
}


@pytest.mark.parametrize("attack", list(BOMBS))
def test_a_resource_bomb_is_refused_fast_naming_the_part(attack, book, baseline_mb, tmp_path):
    build, needles = BOMBS[attack]
    path = book.rewrite(tmp_path / "hostile.xlsx", build(book))
    assert path.stat().st_size < 2 * 1024 * 1024
    assert_refused_fast(path, baseline_mb, *needles)


def test_one_point_one_million_shared_strings_are_refused_fast(book, baseline_mb, tmp_path):
    replace, add = shared_strings(book)
    path = book.rewrite(tmp_path / "strings.xlsx", replace, add)
    assert_refused_fast(
        path,
        baseline_mb,
        f"the shared-strings part (xl/sharedStrings.xml) lists more than {MAX_SHARED_STRINGS:,} shared texts",
    )


def test_a_sheet_of_junk_just_within_the_cell_limit_is_refused_with_its_problems_capped(
    book, baseline_mb, tmp_path
):
    # The costliest refusal within every limit: each cell is read, and nearly each one is wrong.
    columns = 15
    rows = (MAX_CELLS - 1_000) // columns
    junk = (
        f'<row r="{30 + r}">'.encode() + b"".join(b"<c><v>%d</v></c>" % c for c in range(columns)) + b"</row>"
        for r in range(rows)
    )
    xml = with_dimension(book.part(book.costs), f"A1:O{30 + rows}")
    path = book.rewrite(tmp_path / "junk.xlsx", {book.costs: spliced(xml, b"</sheetData>", junk)})
    assert check_workbook_file(path).sheets[5].name == "Costs"
    assert_refused_fast(
        path, baseline_mb, "Costs!A30: bid '0' is not on the Bids sheet", "more problems not listed"
    )
    run = measured("check", path)
    assert len(run.stderr.splitlines()) == MAX_PROBLEMS + 1


# --------------------------------------------------------------------------
# hidden sheets and look-alike names: never read without the user seeing it
# --------------------------------------------------------------------------


def edited(
    book: Book, path: Path, edit: Callable[[Any], None], renames: dict[str, str] | None = None
) -> Path:
    """The workbook edited with openpyxl, then sheets renamed in ``workbook.xml``.

    openpyxl itself refuses two names that differ only in case, which a
    hostile file may still hold.
    """
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(book.data))
    edit(wb)
    buffer = io.BytesIO()
    wb.save(buffer)
    edited_book = Book(buffer.getvalue(), book.costs)
    workbook = edited_book.part("xl/workbook.xml")
    for old, new in (renames or {}).items():
        workbook = workbook.replace(f'name="{old}"'.encode(), f'name="{new}"'.encode())
    return edited_book.rewrite(path, {"xl/workbook.xml": workbook})


def very_hidden_costs_first(wb: Any) -> None:
    """A very hidden copy of Costs, with Vendor A's fees at 1, placed before the visible Costs."""
    copy = wb.copy_worksheet(wb["Costs"])
    copy.title = "HIDDENCOSTS"
    copy.sheet_state = "veryHidden"
    for row in copy.iter_rows(min_row=2):
        if row[0].value == "Vendor A" and row[3].value == "recurring":
            row[4].value = 1
    wb.move_sheet(copy, offset=wb.sheetnames.index("Costs") - wb.sheetnames.index("HIDDENCOSTS"))


def test_a_very_hidden_sheet_named_like_costs_is_refused_naming_both(book, baseline_mb, tmp_path):
    path = edited(book, tmp_path / "hidden.xlsx", very_hidden_costs_first, {"HIDDENCOSTS": "COSTS"})
    assert [s.name for s in check_workbook_file(path).sheets][5:7] == ["COSTS", "Costs"]
    assert_refused_fast(
        path,
        baseline_mb,
        "COSTS: sheet 'COSTS' is hidden (very hidden: Excel's Unhide does not list it); bidfit never reads "
        "a hidden sheet as the Costs sheet: unhide it or delete it",
        "sheets 'COSTS' and 'Costs' both match the Costs sheet",
    )


def test_a_hidden_input_sheet_is_refused_even_alone(book, tmp_path):
    path = edited(book, tmp_path / "hidden.xlsx", lambda wb: setattr(wb["Revenue"], "sheet_state", "hidden"))
    with pytest.raises(InputError) as info:
        read_workbook(path)
    (problem,) = info.value.problems
    assert problem.where == "Revenue" and problem.code == "hidden_sheet" and problem.file == str(path)
    assert problem.message == (
        "sheet 'Revenue' is hidden; bidfit never reads a hidden sheet as the Revenue sheet: unhide it or delete it"
    )


def test_a_hidden_sheet_of_another_name_is_left_alone(book, tmp_path):
    def hide_a_notes_sheet(wb: Any) -> None:
        wb.create_sheet("Lists").sheet_state = "veryHidden"

    path = edited(book, tmp_path / "lists.xlsx", hide_a_notes_sheet)
    assert read_workbook(path) == bidfit.load_sample("norway_roaming")


@pytest.mark.parametrize("other", ["COSTS", "costs_", "Costs (old)"])
def test_two_sheets_matching_one_name_are_refused_naming_both(other, book, tmp_path):
    def copy_costs(wb: Any) -> None:
        wb.copy_worksheet(wb["Costs"]).title = "PLACEHOLDER"

    path = edited(book, tmp_path / "twins.xlsx", copy_costs, {"PLACEHOLDER": other})
    with pytest.raises(InputError) as info:
        read_workbook(path)
    (problem,) = info.value.problems
    assert problem.code == "duplicate_sheet"
    assert problem.message.startswith(f"sheets 'Costs' and {other!r} both match the Costs sheet")


def test_look_alike_sheets_are_refused_by_the_command_line(book, baseline_mb, tmp_path):
    def copy_costs(wb: Any) -> None:
        wb.copy_worksheet(wb["Costs"]).title = "PLACEHOLDER"

    path = edited(book, tmp_path / "twins.xlsx", copy_costs, {"PLACEHOLDER": "COSTS"})
    assert_refused_fast(path, baseline_mb, "sheets 'Costs' and 'COSTS' both match the Costs sheet")


# --------------------------------------------------------------------------
# numbers a float cannot hold
# --------------------------------------------------------------------------


def with_cell(book: Book, path: Path, xml: str) -> Path:
    """The workbook with Costs!E2 (Vendor A's platform amount) replaced by the cell ``xml``."""
    sheet = book.part(book.costs).decode()
    sheet, n = re.subn(r'<c r="E2"[^>]*(/>|>.*?</c>)', xml, sheet, count=1)
    assert n == 1
    return book.rewrite(path, {book.costs: sheet.encode()})


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("1e9999999999", "'1e9999999999' is too large to compute with (numbers must be below 1.8e308)"),
        ("-1e9999999999", "'-1e9999999999' is too large to compute with"),
        ("1e400", "'1e400' is too large to compute with"),
        ("1e-9999999999", "'1e-9999999999' is too close to zero to compute with: write 0 if you mean zero"),
        ("1e-400", "'1e-400' is too close to zero to compute with"),
        ("1e99999999999999999999", "is too large to compute with"),
        ("nan", "amount must be a number >= 0"),
        ("inf", "amount must be a number >= 0"),
        ("-inf", "amount must be a number >= 0"),
        ("Infinity", "amount must be a number >= 0"),
        ("NaN", "amount must be a number >= 0"),
    ],
)
def test_a_text_number_a_float_cannot_hold_is_refused_at_its_cell(text, says, book, tmp_path):
    path = with_cell(book, tmp_path / "number.xlsx", f'<c r="E2" t="inlineStr"><is><t>{text}</t></is></c>')
    with pytest.raises(InputError) as info:
        read_workbook(path)
    (problem,) = info.value.problems
    assert problem.where == "Costs!E2" and problem.code == "not_a_number" and problem.found == text
    assert says in problem.message


def test_a_huge_text_number_is_refused_by_the_command_line(book, baseline_mb, tmp_path):
    path = with_cell(
        book, tmp_path / "overflow.xlsx", '<c r="E2" t="inlineStr"><is><t>1e9999999999</t></is></c>'
    )
    assert_refused_fast(path, baseline_mb, "Costs!E2: amount must be", "'1e9999999999' is too large")


@pytest.mark.parametrize("value", ["1E999", "-1e999", "1" + "0" * 400])
def test_a_number_cell_beyond_a_float_is_refused_at_its_cell(value, book, tmp_path):
    path = with_cell(book, tmp_path / "number.xlsx", f'<c r="E2"><v>{value}</v></c>')
    with pytest.raises(InputError) as info:
        read_workbook(path)
    (problem,) = info.value.problems
    assert problem.where == "Costs!E2"
    assert (
        "the cell holds a number too large to compute with (numbers must be below 1.8e308)" in problem.message
    )


def test_a_tiny_number_reads_as_itself_and_zero_as_zero():
    assert parse_text_number("1e-300") == (1e-300, False)
    assert parse_text_number("0e99999999999999999999") == (0.0, False)
    assert parse_text_number("-0.000") == (0.0, False)


# --------------------------------------------------------------------------
# the advice for an ambiguous number offers only forms bidfit reads
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "readings"),
    [
        ("1,200", (1200, 1200, 1.2)),
        ("1.200", (1200, 1200, 1.2)),
        ("1,000", (1000, 1000, 1)),
        ("1.000", (1000, 1000, 1)),
        ("-1,250", (-1250, -1250, -1.25)),
        ("999,999", (999_999, 999_999, 999.999)),
        ("1,001", (1001, 1001, 1.001)),
        ("12,500%", (125, 125, 0.125)),
        ("\u22123.050 %", (-30.5, -30.5, -0.0305)),
    ],
)
def test_each_advised_form_of_an_ambiguous_number_reads_back(text, readings):
    with pytest.raises(CellValueError) as info:
        parse_text_number(text)
    match = re.search(r"Write (\S+) \(or ([^)]+)\) or (\S+)$", str(info.value))
    assert match is not None, str(info.value)
    advised = match.groups()
    assert [parse_text_number(form)[0] for form in advised] == pytest.approx(readings)
    assert advised[1] == re.sub(r"(\d{3}%?)$", r" \1", advised[0])  # the thousands reading, grouped


# --------------------------------------------------------------------------
# a real workbook still reads right, and quickly
# --------------------------------------------------------------------------


def thousand_cost_rows() -> bidfit.Case:
    case = bidfit.load_sample("norway_roaming")
    vendor = case.bids[0]
    vendor.costs = [
        *vendor.costs,
        *(
            CostItem(
                name=f"Line {i}",
                category="capex" if i % 2 else "maintenance",
                kind="one_time" if i % 2 else "recurring",
                amount=1000 + i,
                source=f"Quote line {i}",
            )
            for i in range(1000)
        ),
    ]
    return case


def test_a_real_thousand_row_workbook_reads_right(tmp_path, baseline_mb):
    case = thousand_cost_rows()
    path = write_template(tmp_path / "thousand.xlsx", case)
    start = time.process_time()
    read = read_workbook(path)
    seconds = time.process_time() - start
    print(f"1,000-row Costs sheet read in {seconds:.3f} s CPU in-process")
    assert read == case
    assert len(read.bids[0].costs) == len(case.bids[0].costs) > 1000
    run = measured("check", path)
    print(
        f"1,000-row workbook: check exit {run.returncode}, {run.cpu_seconds:.2f} s CPU, {run.peak_mb:.0f} MB peak"
    )
    assert (
        run.returncode == 1 and "Traceback" not in run.stderr
    )  # Vendor A fails the policy, as in the sample
    assert (
        "Vendor A" in run.stdout
        and "FAILS POLICY" in run.stdout
        and "the customer is worse off" in " ".join(run.stdout.split())
    )
