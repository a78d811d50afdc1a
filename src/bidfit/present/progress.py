"""The standard progress bar of a long simulation, chosen for whoever is watching.

:func:`bidfit.simulate` reports its progress through a callback, called with
the trials done and the trials in all after each chunk; it draws nothing
itself. :func:`progress_bar` is the callback the command line and the
notebooks pass, for a person only: a widget in a notebook, a text bar on
stderr (never on stdout) in a terminal, and nothing for a run of about a
second or less.

>>> import bidfit
>>> from bidfit.present.progress import progress_bar
>>> case = bidfit.load_sample("norway_roaming").model_copy(update={"uncertainty": [bidfit.Uncertainty(
...     target="discount_rate", distribution="uniform", low=0.06, high=0.10)]})
>>> sim = bidfit.simulate(case, trials=1_000, seed=1, progress=progress_bar())
>>> sim.trials
1000
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

__all__ = ["DELAY", "Progress", "progress_bar", "show_progress"]

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


DELAY = 1.0
"""[s] A run that ends within this time after its first chunk shows no bar at all."""


class _Bar:
    """A tqdm bar opened at the first report, once the number of chunks is known.

    The bar is tqdm's own choice for where it runs (``tqdm.auto``): a widget
    in a Jupyter notebook, text on stderr in a terminal. It appears only once
    the run has lasted :data:`DELAY` seconds past its first chunk, always ends
    at the trials in all, and closes. The same callback can serve several runs.
    """

    def __init__(self, show: bool | None, delay: float = DELAY) -> None:
        self.show = show
        self.delay = delay
        self.started = False
        self.bar: Any = None

    def __call__(self, done: int, total: int) -> None:
        if not self.started:
            self.started = True
            chunks = -(-total // max(done, 1))  # every chunk but the last has the first one's size
            if show_progress(self.show, chunks):
                self.bar = _tqdm(total, done, self.delay)
        bar = self.bar
        if bar is not None:
            if done < total:
                bar.update(done - bar.n)
            else:
                if _shown(bar):
                    bar.update(total - bar.n)
                    bar.refresh()  # drawn at 100 % before it closes, whatever tqdm's refresh interval
                else:
                    bar.n = total  # a short run: done, with nothing drawn
                bar.close()
        if done >= total:  # ready for the next run
            self.started = False
            self.bar = None


def _shown(bar: Any) -> bool:
    """Whether a tqdm bar has drawn itself yet (it waits ``delay`` seconds before it does)."""
    return bool(getattr(bar, "displayed", False)) or bar.last_print_t >= bar.start_t + bar.delay


def _tqdm(total: int, done: int, delay: float) -> Any:
    try:
        from tqdm.auto import tqdm
    except ImportError:  # tqdm is optional: no bar without it
        return None
    return tqdm(
        total=total,
        initial=done,
        unit="trial",
        unit_scale=True,
        file=sys.stderr,
        desc="bidfit simulate",
        leave=False,
        delay=delay,
    )


def progress_bar(show: bool | None = None, delay: float = DELAY) -> Progress | None:
    """The progress callback of :func:`bidfit.simulate`: tqdm's bar for where it runs.

    In a Jupyter notebook the bar is a widget (``tqdm.auto``, with ipywidgets
    installed), in a terminal text on stderr (never on stdout). A run that ends
    within ``delay`` seconds of its first chunk draws nothing; a bar that
    appeared ends at 100 % and closes.

    Parameters
    ----------
    show : bool, optional
        True: a bar for every run longer than ``delay``; False: none (returns
        None). None: a bar only for a run of more than one chunk, in a terminal
        or a notebook, and never under CI (see :func:`show_progress`).
    delay : float
        [s] How long after the first chunk the bar waits before it appears.

    Returns
    -------
    callable or None
        Called with (trials done, trials in all); None when no bar is wanted.
        Without tqdm installed it draws nothing.

    Examples
    --------
    >>> bar = progress_bar(show=True)
    >>> for done in (250, 500, 750, 1000):  # as simulate reports a quick run: nothing drawn
    ...     bar(done, 1000)
    """
    return None if show is False else _Bar(show, delay)
