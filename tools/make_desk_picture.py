"""Draw the picture of the deal desk shown in the README: docs/images/deal-desk.png.

The desk of the Norway sample's "Vendor A" with Sweden and Denmark ticked, as
its static HTML snapshot (what a notebook shows without a live kernel),
rendered by headless Chromium (Debian's ``chromium`` package).

Run from the repository root::

    .venv/bin/python tools/make_desk_picture.py
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import bidfit
from bidfit.cli.pdf import CHROMIUM_FLAGS, chromium_path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "images" / "deal-desk.png"
WINDOW = (1000, 760)
"""The browser window, and so the picture [pixels]."""


def page(desk: bidfit.Desk) -> str:
    """The desk's static HTML snapshot as a whole page."""
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Deal desk</title>'
        "<style>body{font-family:sans-serif;font-size:14px;margin:16px;max-width:960px}"
        "td{padding:2px 12px 2px 0}</style></head><body>"
        f"<h3>Deal desk: {desk.bid}, scope options {', '.join(desk.chosen_options)}</h3>"
        f"{desk._repr_html_()}</body></html>"
    )


def screenshot(html_file: Path, out: Path, window: tuple[int, int] = WINDOW) -> None:
    """Render ``html_file`` to the PNG ``out`` with headless Chromium."""
    browser = chromium_path()
    if browser is None:
        raise SystemExit("headless Chromium is needed: apt-get install chromium")
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                browser,
                *CHROMIUM_FLAGS,
                "--hide-scrollbars",
                f"--user-data-dir={profile}",
                f"--screenshot={out}",
                f"--window-size={window[0]},{window[1]}",
                html_file.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, default=OUT, help=f"the PNG to write (default {OUT})")
    args = parser.parse_args(argv)
    desk = bidfit.desk(bidfit.load_sample("norway_roaming"), "Vendor A")
    desk.options["Sweden"].value = True
    desk.options["Denmark"].value = True
    args.output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        html_file = Path(folder) / "desk.html"
        html_file.write_text(page(desk), encoding="utf-8")
        screenshot(html_file, args.output.resolve())
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
