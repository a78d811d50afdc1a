"""Render the Norway sample's business case to ``docs/images/business-case.png`` for the README.

Run from the repository root (needs Chromium: ``apt-get install chromium``)::

    .venv/bin/python tools/make_business_case_picture.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import bidfit
from bidfit.cli.pdf import CHROMIUM_FLAGS, chromium_path

ROOT = Path(__file__).resolve().parent.parent
PICTURE = ROOT / "docs" / "images" / "business-case.png"
WINDOW = "1200,1600"
"""Width and height of the screenshot [pixels]."""


def main() -> int:
    """Write the picture; exit 2 when Chromium is not installed."""
    executable = chromium_path()
    if executable is None:
        print("Chromium is not installed (Debian: apt-get install chromium)", file=sys.stderr)
        return 2
    page = bidfit.analyze(bidfit.load_sample("norway_roaming")).business_case("Vendor A")
    PICTURE.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bidfit-picture-") as folder:
        source = Path(folder) / "business-case.html"
        source.write_text(page, encoding="utf-8")
        flags = [flag for flag in CHROMIUM_FLAGS if flag != "--no-pdf-header-footer"]
        subprocess.run(
            [
                executable,
                *flags,
                "--hide-scrollbars",
                f"--user-data-dir={Path(folder) / 'profile'}",
                f"--screenshot={PICTURE}",
                f"--window-size={WINDOW}",
                source.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
    print(f"wrote {PICTURE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
