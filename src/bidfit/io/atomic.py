"""Write output files atomically: the one place bidfit writes a file.

A reader of the output path sees either the old file or the complete new one,
never a half-written file: the content goes to a temporary file in the same
folder, is flushed to disk, and then renamed over the target in one step
(:func:`os.replace`). A failed write leaves the target untouched and removes
the temporary file. An output that would overwrite one of the inputs is
refused before anything is written.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import BinaryIO

from bidfit.errors import InputError, Problem

__all__ = ["same_file", "write_atomically"]


def same_file(a: str | Path, b: str | Path) -> bool:
    """True when two paths name the same file (also through links or ``..``).

    Examples
    --------
    >>> same_file("report.xlsx", "./report.xlsx")
    True
    """
    pa, pb = Path(a), Path(b)
    try:
        return os.path.samefile(pa, pb)
    except OSError:  # one of them does not exist (yet)
        return pa.resolve() == pb.resolve()


def write_atomically(
    path: str | Path,
    write_fn: Callable[[BinaryIO], object],
    *,
    inputs: Iterable[str | Path] = (),
) -> Path:
    """Write a file through ``write_fn`` so that it appears complete or not at all.

    Parameters
    ----------
    path : str or Path
        The file to create or replace. Its folder must exist.
    write_fn : callable
        Called once with a binary file object open for writing (a temporary
        file beside ``path``); it writes the whole content, e.g.
        ``workbook.save`` or ``lambda fh: fh.write(text.encode())``.
    inputs : iterable of str or Path
        Files that must not be overwritten (the inputs of the run).

    Returns
    -------
    Path
        ``path``, written.

    Raises
    ------
    InputError
        If ``path`` is one of ``inputs``, is a folder, or its folder does not
        exist. Nothing is written then.
    OSError
        If writing fails; the target is left as it was.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> out = write_atomically(folder / "note.txt", lambda fh: fh.write(b"hello"))
    >>> out.read_bytes()
    b'hello'
    >>> write_atomically(out, lambda fh: fh.write(b"x"), inputs=[out])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    bidfit.errors.InputError: ...note.txt: the output would overwrite an input file ...
    """
    target = Path(path)
    _check_target(target, inputs)
    temp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    # O_EXCL: never follow or reuse an existing file; 0o666 lets the umask decide.
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            write_fn(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    _sync_folder(target.parent)
    return target


def _check_target(target: Path, inputs: Iterable[str | Path]) -> None:
    name = str(target)
    for source in inputs:
        if same_file(target, source):
            raise InputError(
                Problem(
                    "",
                    "the output would overwrite an input file",
                    found=str(source),
                    expected="another output file name",
                    code="output_is_input",
                ),
                name,
            )
    if target.is_dir():
        raise InputError(
            Problem("", "the output is a folder", expected="a file name", code="is_folder"), name
        )
    if not target.parent.is_dir():
        raise InputError(
            Problem(
                "",
                "the output folder does not exist",
                found=str(target.parent),
                expected="an existing folder",
                code="not_found",
            ),
            name,
        )


def _sync_folder(folder: Path) -> None:
    """Flush the rename to disk where the platform allows it (POSIX)."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
