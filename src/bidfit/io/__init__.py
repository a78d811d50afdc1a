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
    "sample_names",
    "sample_path",
]

CASE_SUFFIXES = (".yaml", ".yml", ".json", ".xlsx")
"""File endings :func:`load` reads."""


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
