"""What a cost item amounts to in the case currency: ``percent_of`` shares and FX resolved.

An item with an ``amount`` costs that amount times the FX rate of its
currency; an item with ``percent_of`` costs its ``percent`` of the total of the
one-time items it names, themselves resolved first. The cash-flow builder,
the checks and the model's own bound on shares all resolve amounts here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from bidfit.model.case import CostItem

__all__ = ["cost_amounts"]

FloatArray = npt.NDArray[np.float64]


def cost_amounts(
    items: Sequence[CostItem],
    fx_rate: Callable[[str | None], float] = lambda _: 1.0,
    amount: npt.ArrayLike | None = None,
    percent: npt.ArrayLike | None = None,
) -> FloatArray:
    """Each cost item's amount in the case currency, with ``percent_of`` resolved.

    An item with ``percent_of`` costs ``percent`` times the total amount of the
    one-time items it names (themselves resolved first).

    Parameters
    ----------
    items : sequence of CostItem
        The items to resolve (a bid's costs, or the vendor's costs).
    fx_rate : callable
        Units of case currency per unit of an item's currency, normally
        :meth:`Case.fx_rate`.
    amount, percent : array_like, shape (..., len(items)), optional
        Values replacing the items' own ``amount`` [item currency] and
        ``percent`` [fraction], e.g. one row per simulated trial.

    Returns
    -------
    ndarray, shape (..., len(items))
        Amounts in the case currency [currency].

    Raises
    ------
    ValueError
        If a ``percent_of`` names an item that is not among ``items``, or
        refers back to the item itself.

    Examples
    --------
    >>> items = [
    ...     CostItem(name="Hardware", category="capex", kind="one_time", amount=1000),
    ...     CostItem(name="Support", category="maintenance", kind="recurring",
    ...              percent_of=["Hardware"], percent=0.18)]
    >>> cost_amounts(items)
    array([1000.,  180.])
    >>> cost_amounts(items, amount=[[1000, 0], [2000, 0]])
    array([[1000.,  180.],
           [2000.,  360.]])
    """
    if not items:
        return np.zeros(0)
    scalar = amount is None and percent is None  # one value per item: plain floats are faster
    amounts: Any = [c.amount or 0.0 for c in items] if amount is None else amount
    percents: Any = [c.percent or 0.0 for c in items] if percent is None else percent
    if not scalar:
        amounts, percents = np.asarray(amounts, dtype=float), np.asarray(percents, dtype=float)
    fx = [fx_rate(c.currency) for c in items]
    index = {item.name: i for i, item in enumerate(items)}
    if any(name not in index for item in items for name in item.percent_of):
        raise ValueError("percent_of refers to an item that is missing")
    # Items first, then shares of them as soon as what they share is known: one
    # pass in dependency order, however long a chain of shares (a loop, not a
    # recursive closure: a closure referring to itself would keep every
    # trial-sized array alive until the garbage collector runs).
    waiting = [len(set(item.percent_of)) for item in items]
    shares_of: dict[int, list[int]] = {}
    for i, item in enumerate(items):
        for name in set(item.percent_of):
            shares_of.setdefault(index[name], []).append(i)
    ready = [i for i, count in enumerate(waiting) if count == 0]
    resolved: dict[int, Any] = {}
    while ready:
        i = ready.pop()
        item = items[i]
        share = percents[i] if scalar else percents[..., i]
        if item.percent_of:
            resolved[i] = share * sum(resolved[index[name]] for name in item.percent_of)
        else:
            resolved[i] = (amounts[i] if scalar else amounts[..., i]) * fx[i]
        for j in shares_of.get(i, []):
            waiting[j] -= 1
            if waiting[j] == 0:
                ready.append(j)
    if len(resolved) < len(items):
        raise ValueError("percent_of refers back to the item itself")
    if scalar:
        return np.array([resolved[i] for i in range(len(items))], dtype=float)
    return np.stack(np.broadcast_arrays(*(resolved[i] for i in range(len(items)))), axis=-1)
