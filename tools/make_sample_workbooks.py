"""Write ``src/bidfit/samples/<name>.xlsx`` for every bundled sample case.

Each workbook is the input template filled with the sample (as
``bidfit template OUT.xlsx --example NAME`` writes it), made byte-for-byte
reproducible: fixed document dates and fixed zip entry times, so running the
script twice gives identical files and a diff only shows real changes.
``--check`` compares what a workbook holds (sheets, cells, formats, comments,
drop-downs, column widths), not its bytes: another openpyxl version writes
the same workbook with other bytes.

Usage::

    python tools/make_sample_workbooks.py          # write the workbooks
    python tools/make_sample_workbooks.py --check  # exit 1 if any is out of date
"""

from __future__ import annotations

import argparse
import io
import re
import sys
import zipfile
from pathlib import Path

import bidfit
from bidfit.io.atomic import write_atomically
from bidfit.io.template import template_workbook

FIXED_TIME = "2024-01-01T00:00:00Z"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
SAMPLES = Path(__file__).resolve().parents[1] / "src" / "bidfit" / "samples"


def workbook_bytes(name: str) -> bytes:
    """The sample's filled template as reproducible xlsx bytes."""
    wb = template_workbook(bidfit.load_sample(name))
    wb.properties.creator = "bidfit"
    buffer = io.BytesIO()
    wb.save(buffer)
    return _reproducible(buffer.getvalue())


def _reproducible(data: bytes) -> bytes:
    """Rewrite the zip with fixed entry times and fixed document dates."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:)",
                    rb"\g<1>" + FIXED_TIME.encode() + rb"\g<3>",
                    content,
                )
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, content)
    return out.getvalue()


def content(data: bytes) -> list[object]:
    """What a workbook holds, as plain data: per sheet its title, state, cells (value, number
    format, font, fill, comment), drop-downs, frozen panes and column widths."""
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data))
    out: list[object] = [book.sheetnames]
    for ws in book.worksheets:
        cells = [
            (
                c.coordinate,
                c.value,
                c.number_format,
                c.font.b,
                c.fill.fgColor.rgb,
                c.comment and c.comment.text,
            )
            for row in ws.iter_rows()
            for c in row
            if c.value is not None or c.comment is not None
        ]
        checks = sorted(
            (str(v.sqref), v.type, v.formula1, v.allow_blank) for v in ws.data_validations.dataValidation
        )
        widths = sorted((k, round(d.width or 0, 2)) for k, d in ws.column_dimensions.items())
        out.append((ws.title, ws.sheet_state, cells, checks, ws.freeze_panes, widths))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check that the files are up to date")
    args = parser.parse_args(argv)
    stale = []
    for name in bidfit.sample_names():
        path = SAMPLES / f"{name}.xlsx"
        data = workbook_bytes(name)
        if args.check:
            if not path.is_file() or content(path.read_bytes()) != content(data):
                stale.append(str(path))
            continue
        write_atomically(path, lambda fh, data=data: fh.write(data))
        if bidfit.load(path) != bidfit.load_sample(name):
            print(f"{path} does not read back into the sample case", file=sys.stderr)
            return 1
        print(f"wrote {path}")
    if stale:
        print("out of date (run python tools/make_sample_workbooks.py): " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
