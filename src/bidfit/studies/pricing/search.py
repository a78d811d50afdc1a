"""Where a lever's change starts to pass: scaled cash flows, a guided search and break-even guesses."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace

import numpy as np

from bidfit.build.cashflows import BidCashflows

_BISECTIONS = 60
_NEAR_GUESS = (0.0, 1e-12, 1.5e-9, 3e-9)
"""Relative offsets from a guessed boundary to the passing side, tried in turn: the rules compare
amounts within a relative tolerance of about a billionth."""


def scaled(
    flows: BidCashflows, one_time: float = 1.0, recurring: float = 1.0, benefits: float = 1.0
) -> BidCashflows:
    """The flows with one-time costs, recurring costs and benefits each multiplied by a factor [-].

    A recurring fee priced as a percent of one-time items follows them: it is
    multiplied by both factors.
    """
    linked = flows.recurring & (False if flows.price_linked is None else flows.price_linked)
    factors = np.where(linked, one_time * recurring, np.where(flows.recurring, recurring, one_time))[:, None]
    return replace(flows, cost_lines=flows.cost_lines * factors, benefit_lines=flows.benefit_lines * benefits)


def passing_edge(
    test: Callable[[float], bool], inside: float, outside: float, guesses: Iterable[float | None] = ()
) -> float:
    """The x between ``inside`` and ``outside`` nearest ``outside`` with test(x) true.

    ``test(inside)`` is true and ``test(outside)`` false; ``inside`` may lie
    below ``outside`` (the largest passing x is sought) or above it (the
    smallest). ``guesses`` are analytic estimates of the boundary, one per
    condition the break-even arithmetic can solve (a PV condition, the
    payback, the running cost); the binding one is the nearest ``inside``, so
    they are tried from there outwards. The first that the full rules confirm
    (true at the guess, or a hair inside it where the rules compare with a
    tolerance, and false a billionth beyond) is returned after a few
    evaluations instead of a bisection of sixty.

    Examples
    --------
    >>> passing_edge(lambda x: x <= 0.25, 0.0, 1.0, [0.25])
    0.25
    >>> round(passing_edge(lambda x: x >= 3.0, 4.0, 1.0), 12)
    3.0
    """
    step = 1.0 if outside > inside else -1.0
    low, high = sorted((inside, outside))
    for guess in sorted((g for g in guesses if g is not None and low < g < high), reverse=step < 0):
        for trial in (guess * (1 - step * offset) for offset in _NEAR_GUESS):
            if not test(trial):
                continue  # just past the boundary: try a hair inside
            if not test(trial + step * 1e-9 * max(abs(trial), 1e-300)):
                return trial
            break  # the boundary lies further out: this condition does not bind
    for _ in range(_BISECTIONS):
        mid = 0.5 * (inside + outside)
        if mid in (inside, outside):
            break
        inside, outside = (mid, outside) if test(mid) else (inside, mid)
    return inside


def boundaries(flows: BidCashflows, scaled: str) -> tuple[float | None, float | None]:
    """Factors on one group of flows at which a condition on the yearly flows starts to fail.

    ``scaled`` is ``one_time``, ``recurring`` (costs: a factor above the
    boundary fails) or ``benefits`` (a factor below it fails). The two
    boundaries, None where a condition does not depend on the group:

    * payback: the undiscounted cash position ends at zero (``NO_PAYBACK``
      beyond);
    * running cost: recurring costs meet the benefits in the tightest
      operating year (``RUNNING_COST_EXCEEDS_REVENUE`` beyond).

    They serve as guesses that the full rules then confirm.

    Examples
    --------
    >>> import bidfit
    >>> flows = bidfit.analyze(bidfit.load_sample("norway_roaming")).bids["Competitor B"].flows
    >>> [round(x, 3) for x in boundaries(flows, "recurring")]  # payback is lost first, at +74 %
    [1.741, 2.337]
    """
    benefits, recurring = flows.benefits, flows.recurring_costs
    total_benefits, total_one_time, total_recurring = (
        float(benefits.sum()),
        float(flows.one_time_costs.sum()),
        float(recurring.sum()),
    )
    paying = recurring > 0
    if scaled == "one_time":
        moving = float(flows.price_costs.sum())  # fees linked to the price move with it
        payback = (
            (total_benefits - (total_one_time + total_recurring - moving)) / moving if moving > 0 else None
        )
        return payback, None
    if scaled == "recurring":
        payback = (total_benefits - total_one_time) / total_recurring if total_recurring > 0 else None
        running = float(np.min(benefits[paying] / recurring[paying])) if paying.any() else None
        return payback, running
    payback = (total_one_time + total_recurring) / total_benefits if total_benefits > 0 else None
    covered = paying.any() and bool(np.all(benefits[paying] > 0))
    running = float(np.max(recurring[paying] / benefits[paying])) if covered else None
    return payback, running
