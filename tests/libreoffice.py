"""Recalculate workbooks in a real spreadsheet engine: LibreOffice headless.

``recalculate(paths, outdir)`` opens each workbook in ``soffice --headless``,
recalculates every formula and saves a copy as xlsx, whose cached values
openpyxl then reads (``data_only=True``). Known traps, handled here:

* every run gets its own, fresh profile (``-env:UserInstallation=file:///...``),
  so runs in parallel or a user's open LibreOffice do not interfere;
* the profile sets "recalculate on load: always" for xlsx and ODF files
  (LibreOffice otherwise trusts cached values it finds in the file);
* ``soffice`` exits 0 even when a conversion failed, so each output file is
  checked to exist.

A missing ``soffice`` fails the calling test (it never skips): CI installs
LibreOffice (``tools/test.sh``), and the report's formulas must be checked.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

ERROR_VALUES = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "Err:")

_RECALC_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
           xmlns:xs="http://www.w3.org/2001/XMLSchema"
           xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def soffice() -> str:
    """Path of the ``soffice`` program; fails the test with instructions when it is missing."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        pytest.fail(
            "LibreOffice is not installed, but the report's formulas must be checked in a real "
            "spreadsheet engine. Install it with `sudo apt-get install -y --no-install-recommends "
            "libreoffice-calc-nogui` (tools/test.sh does this), then run the tests again.",
            pytrace=False,
        )
    return found


def _profile() -> Path:
    """A fresh LibreOffice user profile that recalculates every formula on load."""
    folder = Path(tempfile.mkdtemp(prefix="bidfit-lo-profile-"))
    user = folder / "user"
    user.mkdir()
    (user / "registrymodifications.xcu").write_text(_RECALC_ALWAYS, encoding="utf-8")
    return folder


def convert(paths: Sequence[Path], outdir: Path, target: str, *, timeout: float = 240) -> list[Path]:
    """Convert ``paths`` with LibreOffice to ``target`` (``xlsx`` or ``pdf``) in ``outdir``."""
    program = soffice()
    outdir.mkdir(parents=True, exist_ok=True)
    profile = _profile()
    try:
        done = subprocess.run(
            [
                program,
                f"-env:UserInstallation={profile.as_uri()}",
                "--headless",
                "--norestore",
                "--nolockcheck",
                "--convert-to",
                target,
                "--outdir",
                str(outdir),
                *map(str, paths),
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**os.environ, "SAL_USE_VCLPLUGIN": "svp"},
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    suffix = "." + target.split(":")[0]
    outputs = [outdir / (Path(p).stem + suffix) for p in paths]
    missing = [str(p) for p in outputs if not p.is_file()]
    if missing:  # soffice exits 0 even when it failed
        pytest.fail(
            f"LibreOffice did not write {', '.join(missing)} (exit {done.returncode})\n"
            f"stdout: {done.stdout}\nstderr: {done.stderr}",
            pytrace=False,
        )
    return outputs


def recalculate(paths: Sequence[Path], outdir: Path) -> list[Path]:
    """Recalculated xlsx copies of ``paths`` (one soffice run for all); names must be distinct."""
    names = [Path(p).stem for p in paths]
    assert len(set(names)) == len(names), "recalculate needs distinct file names"
    return convert(paths, outdir, "xlsx:Calc MS Excel 2007 XML")


def values(path: Path) -> Any:
    """The workbook's cached values (what the spreadsheet computed)."""
    import openpyxl

    return openpyxl.load_workbook(path, data_only=True)


def formula_cells(path: Path) -> Iterator[tuple[str, str]]:
    """``(sheet title, coordinate)`` of every formula cell of a workbook we wrote."""
    import openpyxl

    book = openpyxl.load_workbook(path)
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    yield ws.title, cell.coordinate


def formula_errors(original: Path, recalculated: Path) -> list[str]:
    """Formula cells of ``original`` whose recalculated value is an error or missing."""
    book = values(recalculated)
    bad = []
    for title, coordinate in formula_cells(original):
        value = book[title][coordinate].value
        if value is None or (isinstance(value, str) and value.startswith(ERROR_VALUES)):
            bad.append(f"{title}!{coordinate} = {value!r}")
    return bad


# --------------------------------------------------------------------------
# printed pages: the PDF LibreOffice makes of a workbook, read with poppler-utils
# --------------------------------------------------------------------------

_WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>', re.S
)


def poppler(tool: str) -> str:
    """Path of a poppler-utils program (``pdfinfo``, ``pdftotext``, ``pdftoppm``); fails the test when missing."""
    found = shutil.which(tool)
    if found is None:
        pytest.fail(
            f"{tool} is missing: install poppler-utils (`sudo apt-get install -y poppler-utils`; "
            "tools/test.sh does this), then run the tests again.",
            pytrace=False,
        )
    return found


def pdf_info(pdf: Path) -> dict[str, str]:
    """``pdfinfo``'s fields: ``Pages``, ``Page size`` and the rest, as text."""
    done = subprocess.run([poppler("pdfinfo"), str(pdf)], capture_output=True, text=True, check=True)
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in done.stdout.splitlines())}


def page_text(pdf: Path, page: int, *, layout: bool = True) -> str:
    """The text of one page (1 is the first), laid out as printed unless ``layout`` is False."""
    command = [poppler("pdftotext"), "-f", str(page), "-l", str(page), *(["-layout"] if layout else [])]
    done = subprocess.run([*command, str(pdf), "-"], capture_output=True, text=True, check=True)
    return done.stdout


def page_words(pdf: Path, page: int) -> list[tuple[float, float, float, float, str]]:
    """Every word of one page with its box: ``(x_min, y_min, x_max, y_max, text)`` [points, y downwards]."""
    import html

    command = [poppler("pdftotext"), "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return [
        (float(a), float(b), float(c), float(d), html.unescape(text))
        for a, b, c, d, text in _WORD.findall(done.stdout)
    ]


def render_pages(pdf: Path, outdir: Path, dpi: int = 50) -> list[Path]:
    """Every page of ``pdf`` as a PNG picture (``pdftoppm``), in page order."""
    outdir.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [poppler("pdftoppm"), "-r", str(dpi), "-png", str(pdf), str(outdir / "page")],
        check=True,
        timeout=240,
    )
    return sorted(outdir.glob("page-*.png"))
