"""Reading and writing files: the only package that touches the file system.

:func:`load` reads a case from ``.yaml``/``.yml``, ``.json`` or ``.xlsx`` and
returns a validated :class:`bidfit.Case`; every problem of the file is
reported at once in one :class:`bidfit.InputError`.
"""

from __future__ import annotations

from pathlib import Path

from bidfit.errors import InputError, Problem
from bidfit.io.samples import load_sample, sample_names, sample_path
from bidfit.models import Case

__all__ = ["CASE_SUFFIXES", "load", "load_sample", "sample_names", "sample_path"]

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
    path = Path(path)
    name = str(path)
    suffix = path.suffix.lower()
    if suffix not in CASE_SUFFIXES:
        raise InputError(
            Problem(
                "",
                "unknown file type",
                found=path.suffix or "(none)",
                expected=", ".join(CASE_SUFFIXES),
                code="file_type",
            ),
            name,
        )
    if not path.is_file():
        raise InputError(Problem("", "file not found", code="not_found"), name)
    if suffix == ".xlsx":
        from bidfit.io.excel import read_workbook

        return read_workbook(path)
    from bidfit.io.textfiles import read_case_text

    return read_case_text(path)
