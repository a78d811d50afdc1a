"""The report workbook as a reviewer prints it: LibreOffice's PDF, read back page by page.

One report with every sheet (pricing, a simulation with uncertain inputs, a
sensitivity per bid) is printed to PDF by LibreOffice headless; its pages are
rendered to PNG with ``pdftoppm`` and read back with ``pdftotext``
(poppler-utils). What is checked, and how:

* **every page says which sheet it belongs to**: each sheet repeats a header
  on every printed page (its title row or its table header), so every page's
  text holds exactly one sheet's header, the pages of a sheet follow each
  other in sheet order, and all pages are accounted for;
* **page counts are bounded**: fit to one page wide, a sheet prints on few
  pages (before this print setup, the simulation alone took 8);
* **readable width**: the words' heights (``pdftotext -bbox``) show the scale
  fit-to-width chose: an 11-point word is 14.3 points tall at 100 %; the
  median word of every page must be at least 40 % of that;
* **Flags rows do not overlap**: the message column's words (between the
  ``Message`` and ``Lever`` headers) form printed lines at least 80 % of a
  line's height apart, and read in order they are exactly the messages, each
  starting on a line of its own: a row too short for its wrapped text would
  either print lines over the next row's (lines closer than a line's height,
  words of two messages interleaved) or cut words off.

The test fails (never skips) when LibreOffice or poppler-utils is missing.
"""

from __future__ import annotations

import itertools
import re
import statistics
from typing import Any

import pytest
from openpyxl.utils.cell import coordinate_to_tuple

import bidfit
from bidfit.io.xlsx.write import save_workbook
from bidfit.present.report import report_workbook
from libreoffice import convert, page_text, page_words, pdf_info, render_pages

FULL_SIZE_WORD = 14.3
"""Height of an 11-point word's box at 100 % [points]."""
LEAST_SCALE = 0.4
"""The smallest print scale counted readable (11 points print as 4.4)."""


def uncertain_case() -> bidfit.Case:
    """The Norway sample with an uncertain discount rate and amount, so the simulation has histograms."""
    data = bidfit.load_sample("norway_roaming").model_dump()
    data["uncertainty"] = [
        {"target": "discount_rate", "distribution": "uniform", "low": 0.06, "high": 0.10},
        {
            "target": "revenue.Outbound roaming.annual_amount",
            "distribution": "triangular",
            "low": 250_000,
            "mode": 380_000,
            "high": 450_000,
        },
    ]
    return bidfit.Case.model_validate(data)


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> dict[str, Any]:
    """The full report, its PDF, the page count and each page's text (one LibreOffice run)."""
    folder = tmp_path_factory.mktemp("printed")
    case = uncertain_case()
    analysis = bidfit.analyze(case)
    workbook = report_workbook(
        analysis,
        pricing={bid.name: bidfit.pricing_room(case, bid.name) for bid in analysis},
        simulation=bidfit.simulate(case, 2000, seed=1),
        sensitivity=[bidfit.sensitivity(case, bid.name) for bid in analysis],
    )
    path = save_workbook(workbook, folder / "report.xlsx")
    (pdf,) = convert([path], folder, "pdf")
    pages = int(pdf_info(pdf)["Pages"])
    return {
        "case": case,
        "analysis": analysis,
        "sheets": workbook.sheetnames,
        "workbook": workbook,
        "pdf": pdf,
        "pages": pages,
        "pictures": render_pages(pdf, folder / "png"),
        "texts": [page_text(pdf, n) for n in range(1, pages + 1)],
    }


def markers(printed: dict[str, Any]) -> dict[str, re.Pattern[str]]:
    """The header each sheet repeats on every page, as a pattern of the page's text."""
    case, analysis = printed["case"], printed["analysis"]
    found = {
        "Summary": re.escape(f"{case.name}: what the customer sees"),
        "Flags": r"Bid\s+Code\s+Severity\s+Message\s+Lever",
        "Pricing": re.escape("Pricing room: the customer's ceiling"),
        "Inputs": re.escape("Inputs and assumptions register"),
        "Calculations": re.escape("Calculations: each line's constants"),
        "Simulation": re.escape(f"Simulation: {case.name}"),
    }
    for bid in analysis:
        found[bid.name] = re.escape(f"Cash flows of bid: {bid.name} [")
        found[f"Sensitivity {bid.name}"] = re.escape(f"Sensitivity: {bid.name} (")
    assert set(found) == set(printed["sheets"])
    return {title: re.compile(pattern) for title, pattern in found.items()}


def pages_of_sheets(printed: dict[str, Any]) -> dict[str, list[int]]:
    """The printed pages (1 is the first) of each sheet, found by the header the sheet repeats."""
    patterns = markers(printed)
    pages: dict[str, list[int]] = {title: [] for title in printed["sheets"]}
    for number, text in enumerate(printed["texts"], 1):
        owners = [title for title, pattern in patterns.items() if pattern.search(text)]
        assert len(owners) == 1, f"page {number} shows the header of {owners or 'no sheet'}:\n{text[:400]}"
        pages[owners[0]].append(number)
    return pages


def test_every_page_repeats_its_sheets_header_and_the_sheets_print_in_order(printed):
    assert len(printed["pictures"]) == printed["pages"]  # one PNG per page
    pages = pages_of_sheets(printed)
    ordered = [n for title in printed["sheets"] for n in pages[title]]
    assert ordered == list(range(1, printed["pages"] + 1))  # each sheet's pages together, in sheet order
    assert all(pages[title] for title in printed["sheets"])  # every sheet prints


def test_every_sheet_prints_on_few_pages(printed):
    pages = {title: len(numbers) for title, numbers in pages_of_sheets(printed).items()}
    bids = len(printed["analysis"].bids)
    assert pages["Summary"] == 1
    assert pages["Flags"] <= 2 and pages["Pricing"] <= 3 and pages["Inputs"] <= 2
    assert pages["Simulation"] <= 1 + bids  # the table, then one page per histogram and its chart
    for bid in printed["analysis"]:
        assert pages[bid.name] <= 3  # the cash flows and the results, then the chart
        assert pages[f"Sensitivity {bid.name}"] <= 2  # the table, then the tornado chart
    assert printed["pages"] <= 20


def test_every_page_is_landscape_a4_at_a_readable_scale(printed):
    width, height = (float(x) for x in re.findall(r"[\d.]+", pdf_info(printed["pdf"])["Page size"])[:2])
    assert (round(width), round(height)) == (842, 595)  # A4 landscape
    for number in range(1, printed["pages"] + 1):
        heights = [y1 - y0 for _, y0, _, y1, _ in page_words(printed["pdf"], number)]
        scale = statistics.median(heights) / FULL_SIZE_WORD
        assert scale >= LEAST_SCALE, f"page {number} prints at {scale:.0%}"


def test_the_flags_rows_are_as_tall_as_their_wrapped_messages(printed):
    flags = pages_of_sheets(printed)["Flags"]
    messages = [flag.message for bid in printed["analysis"] for flag in bid.flags]
    assert len(messages) >= 4 and max(len(m) for m in messages) > 300  # several lines each
    read: list[str] = []
    starts: list[str] = []
    for number in flags:
        words = page_words(printed["pdf"], number)
        left = next(x0 for x0, _, _, _, w in words if w == "Message")
        right = next(x0 for x0, _, _, _, w in words if w == "Lever")
        header_bottom = next(y1 for _, _, _, y1, w in words if w == "Message")
        column = [w for w in words if left - 1 <= w[0] < right - 1 and w[1] > header_bottom]
        lines: list[list[tuple[float, float, float, float, str]]] = []
        for word in sorted(column, key=lambda w: (round(w[1], 1), w[0])):
            if lines and abs(lines[-1][0][1] - word[1]) < 0.5:
                lines[-1].append(word)
            else:
                lines.append([word])
        for above, below in itertools.pairwise(lines):
            # A word's box reaches a little beyond the line spacing; lines printed over each other
            # start less than a line's height apart.
            height = max(w[3] - w[1] for w in above)
            gap = min(w[1] for w in below) - min(w[1] for w in above)
            assert gap >= 0.8 * height, (
                f"page {number}: {' '.join(w[4] for w in above)!r} collides with the next line"
            )
        for line in lines:
            text = [w[4] for w in sorted(line)]
            starts.append(text[0])
            read += text
    assert read == " ".join(messages).split()  # every word, in order: nothing cut off or interleaved
    for message in messages:  # each message starts a printed line of its own
        assert message.split()[0] in starts


def test_no_header_is_clipped_and_every_chart_starts_a_page_or_shares_a_one_page_sheet(printed):
    workbook = printed["workbook"]
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                header = cell.font.bold and cell.fill.fgColor.rgb not in (None, "00000000")
                if not (header and isinstance(cell.value, str)) or cell.alignment.wrap_text:
                    continue
                width = ws.column_dimensions[cell.column_letter].width or 8.43
                neighbour = ws.cell(cell.row, cell.column + 1).value
                assert len(cell.value) <= width or neighbour is None, (
                    f"{ws.title}!{cell.coordinate} is cut off"
                )
        breaks = {b.id for b in ws.row_breaks.brk}
        for chart in ws._charts:
            anchor = chart.anchor
            top = coordinate_to_tuple(anchor)[0] if isinstance(anchor, str) else anchor._from.row + 1
            starts_a_page = breaks & {top - 1, top - 2}  # at the break or a row below it
            assert ws.page_setup.fitToHeight == 1 or starts_a_page, f"{ws.title}: a chart may be cut"
