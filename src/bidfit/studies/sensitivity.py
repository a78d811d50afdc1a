"""Sensitivity: which assumption decides the verdict, and where does it flip?

:func:`sensitivity` moves every numeric input of one bid, one at a time, down
and up by a swing, and ranks the inputs by how far the customer's NPV moves
(the data of a tornado chart). For each input it also finds the value at which
the NPV crosses zero: the break-even of that assumption, where the verdict
flips between better and worse off.

Inputs of a bid
---------------
* each revenue stream in the bid's scope: ``annual_amount``, ``growth``,
  ``capture``, ``margin``;
* each cost item: ``amount`` (``percent`` for an item given as ``percent_of``),
  and ``escalation`` for a recurring item;
* the case's ``discount_rate``.

Swings
------
Amounts and shares (``annual_amount``, ``capture``, ``margin``, ``amount``,
``percent``) move by ``+/- swing`` of their value (20 % by default). Rates
(``growth``, ``escalation``, ``discount_rate``) move by ``+/- rate_swing``
percentage points (2 points by default): a relative swing of a rate of 0 would
not move it at all. Every value is kept inside the field's valid range
(a capture of 1 does not rise above 1).

Flip values
-----------
NPV is linear in amounts, shares and percents (``NPV(x) = NPV(0) + slope * x``),
so their flip value is solved exactly from two evaluations. Growth, escalation
and the discount rate enter through powers; their flip value is found by
scanning the search range (:data:`RATE_SEARCH`) for a sign change of NPV and
bisecting the one nearest to the input's value. The discount rate's flip value
is the IRR of the bid's cash flows. Where the NPV keeps its sign over the
whole valid (or searched) range, the flip value is missing (NaN in the table)
and ``flip_note`` says why.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from bidfit import _format as fmt
from bidfit.model.base import FIELD_BOUNDS
from bidfit.model.case import Case, resolve_target
from bidfit.model.fields import FIELDS
from bidfit.model.references import require_consistent
from bidfit.results.base import Blocks, Result
from bidfit.studies.simulation import npv_at

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

__all__ = ["LINEAR_FIELDS", "RATE_SEARCH", "Sensitivity", "input_targets", "sensitivity"]

LINEAR_FIELDS = frozenset(spec.name for spec in FIELDS.values() if spec.uncertain and spec.linear)
"""Inputs in which NPV is linear: swung relatively, flip value solved exactly."""

RATE_SEARCH: dict[str, tuple[float, float]] = {
    spec.name: spec.search for spec in FIELDS.values() if spec.uncertain and spec.search is not None
}
"""Where a rate's flip value is searched [1/year]: growth and escalation are
unbounded above, so the search stops at +100 % a year."""

_SCAN_POINTS = 401
_COLUMNS = [
    "label",
    "base_value",
    "low_value",
    "high_value",
    "npv_low",
    "npv_high",
    "npv_range",
    "base_npv",
    "flip_value",
    "flip_method",
    "flip_note",
]


def input_targets(case: Case, bid: str) -> list[str]:
    """Every numeric input of a bid, as uncertainty targets, in the case's order.

    Examples
    --------
    >>> import bidfit
    >>> input_targets(bidfit.load_sample("norway_roaming"), "Competitor B")[:2]
    ['revenue.Outbound roaming.annual_amount', 'revenue.Outbound roaming.growth']
    """
    model = case.bid(bid)
    targets = [
        f"revenue.{s.name}.{name}"
        for s in case.revenue
        if not model.scope or s.name in model.scope
        for name in ("annual_amount", "growth", "capture", "margin")
    ]
    for item in model.costs:
        targets.append(f"cost.{bid}.{item.name}.{'percent' if item.percent_of else 'amount'}")
        if item.is_recurring:
            targets.append(f"cost.{bid}.{item.name}.escalation")
    targets.append("discount_rate")
    return targets


def _base_value(case: Case, target: str) -> float:
    kind, index, item, name = resolve_target(case, target)
    if kind == "discount_rate":
        return case.discount_rate
    if kind == "revenue":
        return float(getattr(case.revenue[index], name))
    return float(getattr(case.bids[index].costs[item], name) or 0.0)


def _label(case: Case, target: str) -> str:
    kind, index, item, name = resolve_target(case, target)
    words = name.replace("_", " ")
    if kind == "discount_rate":
        return "discount rate"
    if kind == "revenue":
        return f"{case.revenue[index].name}: {words}"
    return f"{case.bids[index].costs[item].name}: {words}"


def _clip(value: float, name: str) -> float:
    lowest, highest, open_low = FIELD_BOUNDS[name]
    if open_low:
        lowest = lowest + 1e-6
    value = max(value, lowest)
    return value if highest is None else min(value, highest)


def _show(value: float, name: str, currency: str) -> str:
    if name in ("annual_amount", "amount"):
        return fmt.money(value, currency)
    return fmt.percent(value, 1)


def _valid(value: float, name: str) -> bool:
    lowest, highest, open_low = FIELD_BOUNDS[name]
    above = value > lowest if open_low else value >= lowest
    return above and (highest is None or value <= highest)


def _flip_linear(case: Case, bid: str, target: str, name: str, x0: float) -> tuple[float | None, str, str]:
    ref = x0 if x0 != 0 else 1.0
    at_zero, at_ref = (float(v) for v in npv_at(case, bid, target, [0.0, ref]))
    slope = (at_ref - at_zero) / ref
    label, cur = _label(case, target), case.currency
    if abs(at_ref - at_zero) <= 1e-12 * (abs(at_zero) + abs(at_ref) + 1.0):
        return None, "exact", f"NPV does not depend on {label}"
    flip = -at_zero / slope
    sign = "positive" if at_ref - slope * (ref - x0) >= 0 else "negative"
    if not _valid(flip, name):
        return (
            None,
            "exact",
            f"NPV stays {sign} for any valid {name.replace('_', ' ')}: it would cross zero only at "
            f"{_show(flip, name, cur)}",
        )
    return flip, "exact", f"NPV = 0 at {_show(flip, name, cur)} (now {_show(x0, name, cur)})"


def _bisect(case: Case, bid: str, target: str, lo: float, hi: float, f_lo: float) -> float:
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            break
        f_mid = float(npv_at(case, bid, target, [mid])[0])
        if f_mid == 0:
            return mid
        if (f_mid < 0) == (f_lo < 0):
            lo, f_lo = mid, f_mid
        else:
            hi = mid
        if hi - lo <= 1e-13 * max(1.0, abs(lo)):
            break
    return 0.5 * (lo + hi)


def _flip_rate(
    case: Case, bid: str, target: str, name: str, x0: float, base_npv: float
) -> tuple[float | None, str, str]:
    cur = case.currency
    if base_npv == 0:
        return x0, "root-find", f"NPV = 0 at {_show(x0, name, cur)}, the current value"
    low, high = RATE_SEARCH[name]
    grid = np.unique(np.append(np.linspace(low, high, _SCAN_POINTS), x0))
    with np.errstate(all="ignore"):
        values = npv_at(case, bid, target, grid)
    sign = np.sign(values)
    change = np.flatnonzero(sign[:-1] * sign[1:] <= 0)
    sign_text = "positive" if base_npv > 0 else "negative"
    if change.size == 0:
        return (
            None,
            "root-find",
            f"NPV stays {sign_text} for {name.replace('_', ' ')} from {fmt.percent(low)} to "
            f"{fmt.percent(high)} a year",
        )
    centre = np.searchsorted(grid, x0)
    i = int(change[np.argmin(np.abs(change + 0.5 - centre))])
    if values[i] == 0:
        flip = float(grid[i])
    elif values[i + 1] == 0:
        flip = float(grid[i + 1])
    else:
        flip = _bisect(case, bid, target, float(grid[i]), float(grid[i + 1]), float(values[i]))
    note = f"NPV = 0 at {_show(flip, name, cur)} (now {_show(x0, name, cur)})"
    if name == "discount_rate":
        note += ": the bid's IRR"
    return flip, "root-find", note


@dataclass(frozen=True, repr=False)
class Sensitivity(Result):
    """One-at-a-time swings of every input of a bid, ranked, with each input's flip value.

    Attributes
    ----------
    bid : str
        The bid.
    currency : str
        The case currency.
    swing : float
        Relative swing of amounts and shares [fraction].
    rate_swing : float
        Absolute swing of growth, escalation and the discount rate [1/year].
    summary : pandas.DataFrame
        Indexed by ``input`` (the uncertainty target), sorted by ``npv_range``,
        largest first. Columns: ``label``; ``base_value``, ``low_value``,
        ``high_value`` [field unit]; ``npv_low``, ``npv_high`` (NPV at the low
        and high value), ``npv_range`` (``|npv_high - npv_low|``), ``base_npv``
        [currency]; ``flip_value`` (the input's value at which NPV = 0; NaN
        where NPV keeps its sign) [field unit]; ``flip_method`` (``'exact'`` or
        ``'root-find'``); ``flip_note`` (the flip in words, or why there is
        none). ``attrs`` holds ``bid``, ``currency``, ``swing`` and ``rate_swing``.
    """

    bid: str
    currency: str
    swing: float
    rate_swing: float
    summary: pd.DataFrame

    def plot(self, ax: Axes | None = None, max_inputs: int = 12) -> Axes:
        """Tornado chart of the most influential inputs (see :func:`bidfit.present.plots.tornado`)."""
        from bidfit.present.plots import tornado

        return tornado(self, ax=ax, max_inputs=max_inputs)

    def _blocks(self) -> Blocks:
        from bidfit.present.view import describe_sensitivity

        return describe_sensitivity(self)


def sensitivity(case: Case, bid: str, swing: float = 0.2, *, rate_swing: float = 0.02) -> Sensitivity:
    """One-at-a-time swings of every input of a bid, ranked, with each input's flip value.

    Parameters
    ----------
    case : Case
        The case.
    bid : str
        The bid's name.
    swing : float
        Relative swing of amounts and shares [fraction]: 0.2 moves each by
        -20 % and +20 %.
    rate_swing : float
        Absolute swing of growth, escalation and the discount rate
        [1/year]: 0.02 moves each by -2 and +2 percentage points.

    Returns
    -------
    Sensitivity
        The ranked table as ``.summary`` (see :class:`Sensitivity`), drawn
        as a tornado by ``.plot()``.

    Raises
    ------
    InputError
        If the case is inconsistent.
    KeyError
        If there is no bid called ``bid``.

    Examples
    --------
    >>> import bidfit
    >>> table = bidfit.sensitivity(bidfit.load_sample("norway_roaming"), "Vendor A").summary
    >>> table.index[0]
    'revenue.Outbound roaming.annual_amount'
    >>> round(table.loc["revenue.Outbound roaming.annual_amount", "flip_value"])
    778627
    """
    import pandas as pd

    if not (math.isfinite(swing) and swing >= 0) or not (math.isfinite(rate_swing) and rate_swing >= 0):
        raise ValueError(f"swing and rate_swing must be finite and >= 0; found {swing!r}, {rate_swing!r}")
    require_consistent(case)
    case.bid(bid)  # KeyError naming the known bids
    base_npv = float(npv_at(case, bid, "discount_rate", [case.discount_rate])[0])
    rows: dict[str, dict[str, Any]] = {}
    for target in input_targets(case, bid):
        name = resolve_target(case, target)[3]
        x0 = _base_value(case, target)
        if name in LINEAR_FIELDS:
            low, high = _clip(x0 * (1 - swing), name), _clip(x0 * (1 + swing), name)
            flip, method, note = _flip_linear(case, bid, target, name, x0)
        else:
            low, high = _clip(x0 - rate_swing, name), _clip(x0 + rate_swing, name)
            flip, method, note = _flip_rate(case, bid, target, name, x0, base_npv)
        npv_low, npv_high = (float(v) for v in npv_at(case, bid, target, [low, high]))
        rows[target] = {
            "label": _label(case, target),
            "base_value": x0,
            "low_value": low,
            "high_value": high,
            "npv_low": npv_low,
            "npv_high": npv_high,
            "npv_range": abs(npv_high - npv_low),
            "base_npv": base_npv,
            "flip_value": flip,
            "flip_method": method,
            "flip_note": note,
        }
    table = pd.DataFrame.from_dict(rows, orient="index", columns=_COLUMNS)
    table.index.name = "input"
    table = table.sort_values("npv_range", ascending=False, kind="stable")
    table.attrs.update({"bid": bid, "currency": case.currency, "swing": swing, "rate_swing": rate_swing})
    return Sensitivity(bid, case.currency, swing, rate_swing, table)
