"""The one shape every result shares: a text ``repr`` and a notebook display from one description.

A result class mixes in :class:`Result` and writes a single method,
``_blocks()``, that describes what it shows as presentation blocks
(:mod:`bidfit.present.view`). ``repr`` draws those blocks as text
(:func:`bidfit.present.text.render_blocks`) and Jupyter draws them as HTML
(:func:`bidfit.present.html.render_blocks_html`), so a terminal and a notebook
always show the same figures. Results that hold a table give it as a
``summary`` DataFrame; results that can be drawn have ``plot(ax=None)``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Generic, TypeVar

__all__ = ["BidsByName", "Blocks", "Result"]

BidResult = TypeVar("BidResult")

Blocks = list[Any]
"""What a result shows: a list of the blocks of :mod:`bidfit.present.view` (``Heading``, ``Banner``,
``Table``, ``Findings``, ``Paragraph``). Typed loosely because results sit below presentation and
do not import it."""


class Result:
    """Mixin that gives a result ``__repr__`` (text) and ``_repr_html_`` (HTML) from :meth:`_blocks`.

    A dataclass that mixes it in must be declared with ``repr=False``, or the
    dataclass's own ``__repr__`` would hide this one.
    """

    __slots__ = ()

    def _blocks(self) -> Blocks:
        """What the result shows, as presentation blocks (each class delegates to :mod:`bidfit.present`)."""
        raise NotImplementedError

    def __repr__(self) -> str:
        from bidfit.present.text import render_blocks

        return render_blocks(self._blocks())

    def _repr_html_(self) -> str:
        from bidfit.present.html import render_blocks_html

        return render_blocks_html(self._blocks())


class BidsByName(Generic[BidResult]):
    """Mixin for a result holding ``bids: dict[str, ...]``: ``result[name]``, iteration in bid order, ``len``."""

    __slots__ = ()
    bids: dict[str, BidResult]

    def __getitem__(self, name: str) -> BidResult:
        return self.bids[name]

    def __iter__(self) -> Iterator[BidResult]:
        return iter(self.bids.values())

    def __len__(self) -> int:
        return len(self.bids)
