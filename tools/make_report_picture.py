"""Make ``docs/images/report-summary.png``: the Summary sheet of a report, as LibreOffice prints it.

Steps: build the report of a bundled sample (default ``norway_roaming``), print
its first page (the Summary sheet, set to fit one landscape page) to PDF with
LibreOffice headless, which recalculates every formula, render that page with
``pdftoppm`` (Debian package ``poppler-utils``) and trim the white margins
with Pillow.

Usage::

    python tools/make_report_picture.py [--sample NAME] [--dpi 150]

Needs ``soffice`` (``libreoffice-calc-nogui``) and ``pdftoppm``
(``poppler-utils``). It reuses the LibreOffice runner of the test suite
(``tests/libreoffice.py``: a fresh profile per run, recalculation on load,
output checked to exist).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "docs" / "images" / "report-summary.png"
FIRST_PAGE_PDF = 'pdf:calc_pdf_Export:{"PageRange":{"type":"string","value":"1"}}'


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", default="norway_roaming")
    parser.add_argument("--dpi", type=int, default=150)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    if shutil.which("pdftoppm") is None:
        print("pdftoppm is missing: apt-get install -y poppler-utils", file=sys.stderr)
        return 1

    import bidfit
    from bidfit.io.atomic import write_atomically
    from bidfit.io.xlsx.write import save_workbook
    from bidfit.present.report import report_workbook

    sys.path.insert(0, str(ROOT / "tests"))
    from libreoffice import convert

    with tempfile.TemporaryDirectory(prefix="bidfit-picture-") as tmp:
        folder = Path(tmp)
        analysis = bidfit.analyze(bidfit.load_sample(args.sample))
        pricing = {bid.name: bidfit.pricing_room(analysis.case, bid.name) for bid in analysis}
        report = save_workbook(report_workbook(analysis, pricing=pricing), folder / "report.xlsx")
        (pdf,) = convert([report], folder, FIRST_PAGE_PDF)
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                str(args.dpi),
                "-f",
                "1",
                "-l",
                "1",
                "-singlefile",
                str(pdf),
                str(folder / "page"),
            ],
            check=True,
            timeout=120,
        )
        png = _trimmed(folder / "page.png")
        args.output.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(args.output, lambda fh: fh.write(png))
    print(f"wrote {args.output}")
    return 0


def _trimmed(path: Path, margin: int = 12) -> bytes:
    """The picture without its white page margins, as PNG bytes."""
    import io

    from PIL import Image, ImageChops

    image = Image.open(path).convert("RGB")
    box = ImageChops.difference(image, Image.new("RGB", image.size, "white")).getbbox()
    if box is not None:
        left, top, right, bottom = box
        image = image.crop(
            (
                max(left - margin, 0),
                max(top - margin, 0),
                min(right + margin, image.width),
                min(bottom + margin, image.height),
            )
        )
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


if __name__ == "__main__":
    raise SystemExit(main())
