"""Write output files atomically: the one place bidfit writes a file.

A reader of the output path sees either the old file or the complete new one,
never a half-written file: the content goes to a temporary file in the same
folder, is flushed to disk, and then renamed over the target in one step
(:func:`os.replace`). A failed write leaves the target untouched and removes
the temporary file. An output that would replace one of the files the run
read (the same file by name, through a symbolic link or as a hard link) is
refused before anything is written.

While the temporary file exists, a termination signal (SIGTERM, SIGINT,
SIGHUP) raises :class:`Interrupted` in the main thread, so the temporary file
is removed before the process ends; the previous handlers are restored as
soon as the write is over.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import threading
import traceback
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any, BinaryIO

from bidfit.errors import InputError, Problem

__all__ = ["Interrupted", "check_output_path", "same_file", "write_atomically"]

TERMINATING_SIGNALS: tuple[signal.Signals, ...] = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGINT", "SIGHUP") if hasattr(signal, name)
)
"""Signals that end the process and during a write first remove its temporary file."""


class Interrupted(KeyboardInterrupt):
    """A termination signal arrived while a file was being written (its temporary file is removed).

    A :class:`KeyboardInterrupt`, so that ``except Exception`` does not swallow
    it. The conventional exit status of the process is ``128 + signum``.

    Attributes
    ----------
    signum : int
        The signal that arrived.
    """

    def __init__(self, signum: int):
        super().__init__(f"interrupted by signal {signum}")
        self.signum = signum


def same_file(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    """True when two paths name the same file: by name, through links or ``..``, or as hard links.

    Existing files are compared by device and inode (``os.path.samefile``,
    which follows symbolic links); when one does not exist yet, by resolved
    path.

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


def check_output_path(path: str | os.PathLike[str], inputs: Iterable[str | os.PathLike[str]] = ()) -> Path:
    """``path`` as a Path, once it is known to be a file bidfit may write.

    Parameters
    ----------
    path : str or Path
        The output file.
    inputs : iterable of str or Path
        Every file the run read; the output may replace none of them.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    InputError
        If ``path`` is one of ``inputs`` (see :func:`same_file`), is a folder,
        or its folder does not exist.

    Examples
    --------
    >>> check_output_path("out.json", inputs=["./out.json"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    bidfit.errors.InputError: out.json: the output would overwrite an input file (found './out.json'; ...)
    """
    target = Path(path)
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
    return target


def write_atomically(
    path: str | os.PathLike[str],
    write_fn: Callable[[BinaryIO], object],
    *,
    inputs: Iterable[str | os.PathLike[str]] = (),
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
        Every file the run read: none of them may be replaced.

    Returns
    -------
    Path
        ``path``, written.

    Raises
    ------
    InputError
        If ``path`` is one of ``inputs``, is a folder, or its folder does not
        exist (see :func:`check_output_path`). Nothing is written then.
    Interrupted
        If SIGTERM, SIGINT or SIGHUP arrives during the write (main thread
        only); the temporary file is removed, the target is left as it was
        or, when the signal came after the rename, complete.
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
    target = check_output_path(path, inputs)
    temp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    # The handlers are in place before the temporary file exists, and until it is gone.
    with _removed_on_signal(temp) as signals:
        try:
            # O_EXCL: never follow or reuse an existing file; 0o666 lets the umask decide.
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
            with os.fdopen(fd, "wb") as handle:
                try:
                    write_fn(handle)
                except BaseException as error:
                    if signals or isinstance(error, KeyboardInterrupt):
                        # Cut short: let the writer's half-built objects (an open zip archive) go while
                        # the file is still open; finalised later, they would print errors at exit.
                        traceback.clear_frames(error.__traceback__)
                    raise
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, target)
        except BaseException:
            _remove(temp)
            raise
    _sync_folder(target.parent)
    return target


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


@contextlib.contextmanager
def _removed_on_signal(temp: Path) -> Iterator[list[int]]:
    """Within the block, each of :data:`TERMINATING_SIGNALS` removes ``temp`` and raises :class:`Interrupted`.

    Only in the main thread (the only one Python delivers signals to), and
    only for signals not set to be ignored. The handler removes the file
    itself, so that it is gone wherever the exception surfaces. Only the
    first signal raises (a second one while that exception unwinds is
    recorded, so the clean-up is not cut short). Whatever the block then
    raises or swallows (code cut short at an arbitrary point may raise
    another error as it unwinds), :class:`Interrupted` comes out. The
    previous handlers are restored on the way out. Yields the list of
    signals received so far.
    """
    if threading.current_thread() is not threading.main_thread():
        yield []
        return
    received: list[int] = []

    def interrupt(signum: int, frame: FrameType | None) -> None:
        received.append(signum)
        if len(received) == 1:
            _remove(temp)
            raise Interrupted(signum)

    previous: dict[signal.Signals, Any] = {}  # the handlers to put back
    try:
        for name in TERMINATING_SIGNALS:
            handler = signal.getsignal(name)
            if handler is None or handler == signal.SIG_IGN:  # set outside Python, or ignored: left alone
                continue
            previous[name] = handler
            signal.signal(name, interrupt)
        yield received
    except BaseException as error:
        if received and not isinstance(error, KeyboardInterrupt):
            raise Interrupted(received[0]) from error
        raise
    finally:
        for name, handler in previous.items():
            signal.signal(name, handler)
    if received:
        raise Interrupted(received[0])


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
