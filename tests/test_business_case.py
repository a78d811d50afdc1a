"""The customer's business case: the real command writes HTML and PDF, figures equal the library's, no chart
or table is cut by a page edge (A4 and Letter), and nothing of the vendor's own side is ever in it."""

from __future__ import annotations

import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

import bidfit
from bidfit import _format as fmt
from bidfit.cli import main
from bidfit.cli.pdf import CHROMIUM_FLAGS, chromium_path, print_to_pdf
from bidfit.present.business_case import SECTION_TITLES

SAMPLES = bidfit.sample_names()


def run_command(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``python -m bidfit ARGS`` as a real subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "bidfit", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def pdf_pages(path: Path) -> list[str]:
    """The text of each page of a PDF, whitespace collapsed (``pdftotext``, reading order)."""
    count = int(
        re.search(r"Pages:\s+(\d+)", subprocess.check_output(["pdfinfo", str(path)], text=True)).group(1)
    )
    pages = []
    for page in range(1, count + 1):
        text = subprocess.check_output(
            ["pdftotext", "-f", str(page), "-l", str(page), str(path), "-"], text=True
        )
        pages.append(" ".join(text.split()))
    return pages


class _Blocks(HTMLParser):
    """Each ``.block`` of the document: its title (first h3) and the first cell of its last row (tables)
    or its caption (charts), the text that shows the block has ended."""

    def __init__(self) -> None:
        super().__init__()
        self.blocks: list[dict[str, str]] = []
        self.depth = 0
        self.tag: str | None = None
        self.cell = 0
        self.figures: dict[str, list[str]] = {}
        self.figure: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if "block" in (values.get("class") or "").split():
            self.blocks.append({"title": "", "end": ""})
            self.depth = 1
        elif self.depth and tag in ("div", "figure", "table"):
            self.depth += 1
        if values.get("data-figure"):
            self.figure = values["data-figure"]
        if self.depth:
            if tag == "tr":
                self.cell = 0
            if tag in ("td", "th"):
                self.cell += 1
            self.tag = tag

    def handle_endtag(self, tag: str) -> None:
        if self.depth and tag in ("div", "figure", "table"):
            self.depth -= 1
        if tag == "span":
            self.figure = None

    def handle_data(self, data: str) -> None:
        if self.figure:
            self.figures.setdefault(self.figure, []).append(data)
        if not self.depth or not data.strip():
            return
        block = self.blocks[-1]
        if self.tag == "h3" and not block["title"]:
            block["title"] = data.strip()
        elif (self.tag in ("td", "th") and self.cell == 1) or self.tag == "figcaption":
            block["end"] = " ".join(data.split())


def parse(page: str) -> _Blocks:
    parser = _Blocks()
    parser.feed(page)
    return parser


def assert_no_block_cut(html: str, pages: list[str]) -> None:
    """Every block's title and its end (last row or caption) are on the same page, in that order."""
    for block in parse(html).blocks:
        title, end = block["title"], block["end"]
        found = [(i, text.index(title)) for i, text in enumerate(pages) if title in text]
        assert found, f"block {title!r} is not in the PDF"
        page, at = found[0]
        assert end in pages[page][at:], (
            f"block {title!r} is cut by a page edge (its end {end!r} is not on page {page + 1})"
        )


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[str, Path]]:
    """Each sample's business case written by the real command, as (HTML, PDF path)."""
    assert chromium_path() is not None, "Chromium must be installed (tools/test.sh installs it)"
    folder = tmp_path_factory.mktemp("business_case")
    out = {}
    for name in SAMPLES:
        source = bidfit.sample_path(name)
        done = run_command(
            "analyze", str(source), "--business-case", f"{name}.html", "--pdf", f"{name}.pdf", cwd=folder
        )
        assert done.returncode == 0, done.stderr
        assert f"wrote {name}.html" in done.stdout and f"wrote {name}.pdf" in done.stdout
        out[name] = ((folder / f"{name}.html").read_text(encoding="utf-8"), folder / f"{name}.pdf")
    return out


@pytest.mark.parametrize("name", SAMPLES)
def test_sections_and_figures_equal_the_library(rendered, name):
    html, pdf = rendered[name]
    analysis = bidfit.analyze(bidfit.load_sample(name))
    bid = next(iter(analysis))
    expected = {
        "npv": fmt.money(bid.npv, bid.currency),
        "irr": fmt.percent(bid.irr, 1),
        "payback_years": fmt.years(bid.payback_years),
        "discounted_payback_years": fmt.years(bid.discounted_payback_years),
        "pv_benefits": fmt.money(bid.pv_benefits, bid.currency),
        "pv_costs": fmt.money(bid.pv_costs, bid.currency),
    }
    shown = parse(html).figures
    assert set(shown) == set(expected)
    for figure, text in expected.items():
        assert set(shown[figure]) == {text}, figure
    for title in SECTION_TITLES:
        assert f"<h2>{title}</h2>" in html
    assert ("<h2>Scope options</h2>" in html) == bool(analysis.case.bid(bid.name).options)
    assert "<script" not in html.lower() and "http://" not in html and "https://" not in html
    assert "break-inside:avoid" in html and "@media print" in html
    text = " ".join(pdf_pages(pdf))
    for title in SECTION_TITLES:
        assert title in text
    for figure in expected.values():
        assert figure in text


@pytest.mark.parametrize("name", SAMPLES)
def test_no_chart_or_table_crosses_a_page_edge_on_letter_and_a4(rendered, name, tmp_path):
    html, pdf = rendered[name]
    assert "(letter)" in subprocess.check_output(["pdfinfo", str(pdf)], text=True)
    assert len(parse(html).blocks) >= 6
    assert_no_block_cut(html, pdf_pages(pdf))
    a4_html = tmp_path / "a4.html"
    a4_html.write_text(html.replace("</style>", "@page{size:A4}</style>", 1), encoding="utf-8")
    a4_pdf = print_to_pdf(a4_html, tmp_path / "a4.pdf")
    assert "(A4)" in subprocess.check_output(["pdfinfo", str(a4_pdf)], text=True)
    assert_no_block_cut(html, pdf_pages(a4_pdf))


def test_analysis_business_case_is_what_the_command_writes(rendered):
    html, _ = rendered["norway_roaming"]
    assert bidfit.analyze(bidfit.load_sample("norway_roaming")).business_case("Vendor A") == html


SECRETS = (
    "ZZVENDORSECRET",
    "ZZOPTIONSECRET",
    "987654321",
    "987,654,321",
    "987 654 321",
    "988M",
    "987.7M",
    "0.988B",
)
MARGIN_TEXTS = ("0.4321", "43.21", "43.2%", "43%", "min_margin", "vendor_costs", "deal room", "floor")


def secret_case(tmp_path: Path) -> Path:
    """The Norway case full of vendor-side data with distinctive names and amounts, a competitor called
    ZZRIVALBID, and uncertainty (so the document has its simulated range)."""
    data = yaml.safe_load(bidfit.sample_path("norway_roaming").read_text(encoding="utf-8"))
    vendor_bid = data["bids"][0]
    vendor_bid["min_margin"] = 0.4321
    vendor_bid["vendor_costs"].append(
        {
            "name": "ZZVENDORSECRET",
            "category": "capex",
            "kind": "one_time",
            "amount": 987654321,
            "source": "ZZVENDORSECRET",
        }
    )
    vendor_bid["options"][0]["vendor_costs"].append(
        {"name": "ZZOPTIONSECRET", "category": "operations", "kind": "recurring", "amount": 987654321}
    )
    data["bids"][1]["name"] = "ZZRIVALBID"
    data["uncertainty"] = [
        {
            "target": "revenue.Outbound roaming.annual_amount",
            "distribution": "triangular",
            "low": 300000,
            "mode": 380000,
            "high": 900000,
        },
    ]
    path = tmp_path / "secret.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_nothing_of_the_vendor_side_is_ever_in_it(tmp_path):
    source = secret_case(tmp_path)
    done = run_command(
        "analyze", str(source), "--business-case", "case.html", "--pdf", "case.pdf", cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    html = (tmp_path / "case.html").read_text(encoding="utf-8")
    pdf_text = " ".join(pdf_pages(tmp_path / "case.pdf"))
    assert "Simulated range" in html and "10,000 simulated futures" in html and "Simulated range" in pdf_text
    for document in (html, pdf_text):  # the HTML includes every attribute
        for secret in (*SECRETS, *MARGIN_TEXTS, "ZZRIVALBID"):
            assert secret.lower() not in document.lower(), secret
    done = run_command(
        "analyze", str(source), "--business-case", "all.html", "--include-competitors", cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    compared = (tmp_path / "all.html").read_text(encoding="utf-8")
    assert "ZZRIVALBID" in compared and "Comparison of the bids" in compared
    for secret in (*SECRETS, *MARGIN_TEXTS):
        assert secret.lower() not in compared.lower(), secret


def test_user_text_is_inert(tmp_path):
    case = bidfit.load_sample("norway_roaming")
    hostile = case.model_copy(
        update={
            "customer": "<script>alert(1)</script>",
            "bids": [case.bids[0].model_copy(update={"name": '<img src=x onerror="y()">'}), *case.bids[1:]],
        }
    )
    page = bidfit.analyze(hostile).business_case()
    assert "<script" not in page and "<img" not in page
    assert (
        "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        and "&lt;img src=x onerror=&quot;y()&quot;&gt;" in page
    )


def test_pdf_without_chromium_exits_2_and_says_how(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("bidfit.cli.pdf.chromium_path", lambda: None)
    code = main(
        [
            "analyze",
            str(bidfit.sample_path("norway_roaming")),
            "--business-case",
            str(tmp_path / "x.html"),
            "--pdf",
            str(tmp_path / "x.pdf"),
        ]
    )
    assert code == 2
    assert "apt-get install chromium" in capsys.readouterr().err
    assert (tmp_path / "x.html").exists() and not (tmp_path / "x.pdf").exists()


def test_outputs_never_replace_the_input_and_the_bid_must_exist(tmp_path):
    source = tmp_path / "case.html"
    source.write_text("not a case", encoding="utf-8")
    done = run_command("analyze", str(source), "--business-case", str(source), cwd=tmp_path)
    assert done.returncode != 0 and source.read_text(encoding="utf-8") == "not a case"
    sample = str(bidfit.sample_path("norway_roaming"))
    done = run_command("analyze", sample, "--business-case", "x.html", "--bid", "Nobody", cwd=tmp_path)
    assert done.returncode != 0 and "Nobody" in done.stderr and not (tmp_path / "x.html").exists()
    done = run_command("analyze", sample, "--business-case", "x.txt", cwd=tmp_path)
    assert done.returncode != 0 and ".html" in done.stderr
    done = run_command("analyze", sample, "--business-case", "b.html", "--bid", "Competitor B", cwd=tmp_path)
    assert done.returncode == 0 and "Business case: Competitor B" in (tmp_path / "b.html").read_text(
        encoding="utf-8"
    )


@pytest.mark.parametrize("name", SAMPLES)
def test_each_business_case_renders_to_a_png_page(rendered, name, tmp_path):
    import matplotlib.image
    import numpy as np

    html_path = tmp_path / f"{name}.html"
    html_path.write_text(rendered[name][0], encoding="utf-8")
    out = tmp_path / f"{name}.png"
    subprocess.run(
        [
            chromium_path(),
            *CHROMIUM_FLAGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={out}",
            "--window-size=1200,1600",
            html_path.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    pixels = matplotlib.image.imread(out)
    assert pixels.shape[:2] == (1600, 1200)
    colours = np.unique((pixels[..., :3] * 255).round().astype(np.uint8).reshape(-1, 3), axis=0)
    assert len(colours) > 50  # text, charts and the verdict banner, not a blank page
