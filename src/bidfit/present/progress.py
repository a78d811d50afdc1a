"""The standard progress bar of a long simulation, chosen for whoever is watching.

:func:`bidfit.simulate` reports its progress through a callback, called with
the trials done and the trials in all after each chunk; it draws nothing
itself. :func:`progress_bar` is the callback the command line and the
notebooks pass: a tqdm bar on stderr (never on stdout), for a person only.

>>> import bidfit
>>> from bidfit.present.progress import progress_bar
>>> case = bidfit.load_sample("norway_roaming")
>>> sim = bidfit.simulate(case, trials=1_000, seed=1, progress=progress_bar())
>>> sim.trials
1000
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

__all__ = ["Progress", "progress_bar", "show_progress"]

Progress = Callable[[int, int], None]
"""A progress callback: called with (trials done, trials in all) after each chunk of a simulation."""


def _in_notebook() -> bool:
    shell = sys.modules.get("IPython")
    if shell is None or "ipykernel" not in sys.modules:
        return False
    ipython = getattr(shell, "get_ipython", lambda: None)()
    return type(ipython).__name__ == "ZMQInteractiveShell"


def show_progress(show: bool | None, chunks: int) -> bool:
    """Whether to draw a progress bar: as asked, or (``None``) for a long run seen by a person.

    Automatic means: more than one chunk, not under CI (the ``CI`` variable
    unset), and stderr a terminal or the run inside a Jupyter kernel.

    >>> show_progress(True, chunks=1), show_progress(None, chunks=1)
    (True, False)
    """
    if show is not None:
        return bool(show)
    if chunks <= 1 or os.environ.get("CI"):
        return False
    stderr = sys.stderr
    tty = bool(stderr is not None and hasattr(stderr, "isatty") and stderr.isatty())
    return tty or _in_notebook()


class _Bar:
    """A tqdm bar opened at the first report, once the number of chunks is known."""

    def __init__(self, show: bool | None) -> None:
        self.show = show
        self.started = False
        self.bar: Any = None

    def __call__(self, done: int, total: int) -> None:
        if not self.started:
            self.started = True
            chunks = -(-total // max(done, 1))  # every chunk but the last has the first one's size
            if show_progress(self.show, chunks):
                self.bar = _tqdm(total)
        if self.bar is not None:
            self.bar.update(done - self.bar.n)
            if done >= total:
                self.bar.close()
                self.bar = None


def _tqdm(total: int) -> Any:
    try:
        from tqdm import tqdm
    except ImportError:  # tqdm is optional: no bar without it
        return None
    return tqdm(
        total=total, unit="trial", unit_scale=True, file=sys.stderr, desc="bidfit simulate", leave=False
    )


def progress_bar(show: bool | None = None) -> Progress | None:
    """The progress callback of :func:`bidfit.simulate` that draws a tqdm bar on stderr.

    Parameters
    ----------
    show : bool, optional
        True: always a bar; False: none (returns None). None: a bar only for a
        run of more than one chunk, in a terminal or a notebook, and never
        under CI (see :func:`show_progress`).

    Returns
    -------
    callable or None
        Called with (trials done, trials in all); None when no bar is wanted.
        Without tqdm installed it draws nothing.
    """
    return None if show is False else _Bar(show)
