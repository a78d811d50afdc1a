"""Print an HTML document to PDF through headless Chromium, written atomically.

Chromium is found as ``/usr/bin/chromium`` or ``chromium`` (or
``chromium-browser``) on ``PATH``; it runs with a throw-away profile, no
network services and no page header or footer, and the PDF it writes into a
temporary folder is then moved into place with
:func:`bidfit.io.atomic.write_atomically`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from bidfit.io.atomic import write_atomically

__all__ = ["CHROMIUM_FLAGS", "ChromiumMissing", "chromium_path", "print_to_pdf"]

CHROMIUM_FLAGS: tuple[str, ...] = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-pdf-header-footer",
)
"""The flags every headless Chromium run gets (a profile folder and the output are added)."""

PRINT_TIMEOUT = 120.0
"""Longest a PDF print may take [seconds]."""


class ChromiumMissing(RuntimeError):
    """Chromium is not installed: the message says how to install it or what to do instead."""


def chromium_path() -> str | None:
    """The Chromium executable: ``/usr/bin/chromium``, else ``chromium`` or ``chromium-browser`` on PATH.

    Examples
    --------
    >>> chromium_path() is None or os.path.basename(chromium_path()).startswith("chromium")
    True
    """
    if os.access("/usr/bin/chromium", os.X_OK):
        return "/usr/bin/chromium"
    return shutil.which("chromium") or shutil.which("chromium-browser")


def print_to_pdf(
    html_path: str | os.PathLike[str],
    pdf_path: str | os.PathLike[str],
    *,
    inputs: tuple[str, ...] | list[str] = (),
) -> Path:
    """Print the HTML file ``html_path`` to ``pdf_path`` (paper size: Chromium's default, Letter).

    Parameters
    ----------
    html_path : str or Path
        The document to print.
    pdf_path : str or Path
        The PDF to write; it may not replace any of ``inputs``.
    inputs : sequence of str
        Files the run read.

    Returns
    -------
    Path
        ``pdf_path``, written.

    Raises
    ------
    ChromiumMissing
        When no Chromium is installed.
    RuntimeError
        When Chromium fails or writes no PDF.
    """
    executable = chromium_path()
    if executable is None:
        raise ChromiumMissing(
            "--pdf needs Chromium, which is not installed: install it (Debian: apt-get install chromium) "
            "or open the HTML business case in a browser and print it to PDF"
        )
    source = Path(html_path).resolve()
    with tempfile.TemporaryDirectory(prefix="bidfit-pdf-") as folder:
        target = Path(folder) / "out.pdf"
        command = [
            executable,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={Path(folder) / 'profile'}",
            f"--print-to-pdf={target}",
            source.as_uri(),
        ]
        done = subprocess.run(command, capture_output=True, timeout=PRINT_TIMEOUT, check=False)
        if not target.exists() or target.stat().st_size == 0:
            detail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
            raise RuntimeError(f"Chromium wrote no PDF (exit {done.returncode}): {' / '.join(detail)}")
        data = target.read_bytes()
    return write_atomically(pdf_path, lambda fh: fh.write(data), inputs=inputs)
