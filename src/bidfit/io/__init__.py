"""Reading and writing files: the only package that touches the file system.

:func:`load` reads a case from ``.yaml``/``.yml``, ``.json`` or ``.xlsx`` and
returns a validated :class:`bidfit.Case`; every problem of the file is
reported at once in one :class:`bidfit.InputError`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from bidfit.errors import InputError, Problem
from bidfit.io.samples import load_sample, sample_names, sample_path
from bidfit.model.case import Case

__all__ = [
    "CASE_SUFFIXES",
    "checked_file",
    "find_case_files",
    "load",
    "load_sample",
    "not_a_case",
    "sample_names",
    "sample_path",
]

CASE_SUFFIXES = (".yaml", ".yml", ".json", ".xlsx")
"""File endings :func:`load` reads."""

CASE_KEYS = ("bids", "revenue", "horizon_years", "discount_rate")
"""Top-level keys of which a YAML or JSON case file has at least one (a case has all of them)."""

CASE_SHEETS = ("Case", "Revenue", "Bids", "Costs")
"""Sheets of which an input workbook has at least one."""


def load(path: str | Path) -> Case:
    """Read a case from a YAML, JSON or Excel file.

    Parameters
    ----------
    path : str or Path
        A ``.yaml``/``.yml``, ``.json`` or ``.xlsx`` file.

    Returns
    -------
    Case
        The validated case.

    Raises
    ------
    InputError
        If the file is missing, of an unknown type, unreadable or invalid;
        lists every problem, each naming the file and field (or sheet and cell).

    Examples
    --------
    >>> import bidfit
    >>> case = bidfit.load(bidfit.sample_path("norway_roaming"))
    >>> case.name
    'Norway long-tail signalling'
    """
    path = checked_file(path, CASE_SUFFIXES)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        from bidfit.io.xlsx.read import read_workbook

        return read_workbook(path)
    from bidfit.io.textfiles import read_case_text

    return read_case_text(path)


def checked_file(path: str | os.PathLike[str], suffixes: Iterable[str], what: str = "file") -> Path:
    """``path`` as a Path, once it is known to be an existing file with one of ``suffixes``.

    Raises
    ------
    InputError
        Naming the file: an unknown ending (with the valid ones), or no such file.
    """
    path = Path(path)
    suffixes = tuple(suffixes)
    if path.suffix.lower() not in suffixes:
        problem = Problem(
            "",
            f"unknown {what} type",
            found=path.suffix or "(none)",
            expected=", ".join(suffixes),
            code="file_type",
        )
        raise InputError(problem, str(path))
    if not path.is_file():
        raise InputError(Problem("", f"{what} not found", code="not_found"), str(path))
    return path


def find_case_files(paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]]) -> list[Path]:
    """The case files to read, in order: files as given, folders searched recursively.

    A path given by name is kept whatever its ending or whether it exists (an
    unknown ending or a missing file is then an input problem of that path);
    a folder contributes its case files, recursively, in sorted order, or
    itself when it holds none (an input problem too). A file reached twice
    is checked once.
    """
    items = [paths] if isinstance(paths, str | os.PathLike) else list(paths)
    files: list[Path] = []
    seen: set[Path] = set()
    for item in items:
        path = Path(item)
        found = (_case_files_in(path) or [path]) if path.is_dir() else [path]
        for file in found:
            key = file.resolve()
            if key not in seen:
                seen.add(key)
                files.append(file)
    return files


def _case_files_in(folder: Path) -> list[Path]:
    """Case files under ``folder``, sorted by path (``a/x.yaml`` before ``b.yaml``), skipping
    hidden files and folders and Excel lock files (``~$...``)."""
    found = []
    for root, dirs, names in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        found += [
            Path(root, name)
            for name in names
            if Path(name).suffix.lower() in CASE_SUFFIXES and not name.startswith((".", "~$"))
        ]
    return sorted(found, key=lambda path: path.relative_to(folder).parts)


def not_a_case(path: str | os.PathLike[str]) -> str | None:
    r"""Why a file that does not load as a case is not a case file at all, or None when it may be one.

    A repository of proposals holds other YAML, JSON and workbooks: a policy
    file, ``mkdocs.yml``, a budget. A YAML or JSON file whose top level is a
    mapping with none of :data:`CASE_KEYS`, or a workbook with none of the
    sheets :data:`CASE_SHEETS`, is not a case; a file with a syntax error, a
    top level that is not a mapping, or some case keys is a case with
    problems, reported as such.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "mkdocs.yml").write_text("site_name: Proposals\nnav: [index.md]\n")
    >>> not_a_case(folder / "mkdocs.yml")
    'a YAML or JSON file whose top level has none of the keys of a case (bids, revenue, horizon_years, discount_rate)'
    >>> _ = (folder / "typo.yaml").write_text("name: Deal\nbids: []\n")
    >>> not_a_case(folder / "typo.yaml") is None
    True
    """
    path = Path(path)
    try:
        if path.suffix.lower() == ".xlsx":
            from bidfit.io.xlsx.safety import check_workbook_file

            titles = {entry.name.strip().casefold() for entry in check_workbook_file(path).sheets}
            if titles.isdisjoint(name.casefold() for name in CASE_SHEETS):
                return f"a workbook with none of the sheets of a case ({', '.join(CASE_SHEETS)})"
            return None
        from bidfit.io.textfiles import read_mapping

        data = read_mapping(path)
    except (InputError, OSError):
        return None
    if isinstance(data, dict) and not any(key in data for key in CASE_KEYS):
        return f"a YAML or JSON file whose top level has none of the keys of a case ({', '.join(CASE_KEYS)})"
    return None
