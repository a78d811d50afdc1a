"""Pricing room: what it takes for a bid to pass, scope options, and what a competitor's price implies.

These answer the questions of the last negotiation round:

* :func:`what_it_takes`: for a failing bid, the smallest single change that
  makes it pass the customer's policy, for each lever on its own (price cut,
  recurring-fee cut, contract term, scope) and the benefit that would have to
  be true;
* :func:`scope_options`: every combination of a bid's scope options, with the
  customer's NPV and the vendor's margin, and the recommended combination;
* :func:`competitor_inference`: what a competitor's known price implies;
* :func:`pricing_room`: all of it, with the deal room, in one object.

Changes of price, fees and benefits are tried on the bid's cash-flow arrays
(no case is rebuilt). Every scope a bid could have (up to 2^10 combinations
of options, or 2^12 - 1 sets of streams) is cut from one build of its widest
scope, and the NPV and payback of all of them come from one stacked run of
the finance kernel; the full rules then judge only the variants that could
matter (those not already failing on their NPV or payback alone), in the
order of preference. A bid *passes* when it has no finding at or above
``fail_on``, leaving out the findings no price, fee or scope can change
(``MISSING_SOURCE``, which needs evidence, ``DOMINATED``, which compares bids,
and ``NO_DEAL_ROOM``, which is the vendor's side).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal, cast

import numpy as np
import numpy.typing as npt

from bidfit import _format as fmt
from bidfit.assess.analysis import Figures, analyze, assess, kernel
from bidfit.assess.dealroom import delivery_pv, vendor_margin
from bidfit.build.cashflows import BidCashflows, build_cashflows
from bidfit.errors import InputError, Problem
from bidfit.flags import FAILING_SEVERITIES, Flag, Lever
from bidfit.kernel import finance
from bidfit.kernel.breakeven import annuity_factor
from bidfit.model.case import MAX_HORIZON_YEARS, Bid, Case, Policy, reference_problems
from bidfit.results.analysis import BidAnalysis, Verdict
from bidfit.results.base import Blocks, Result

if TYPE_CHECKING:
    import pandas as pd

    from bidfit.assess.dealroom import DealRoom

__all__ = [
    "CompetitorInference",
    "LeverChange",
    "OptionsResult",
    "PricingRoom",
    "WhatItTakes",
    "competitor_inference",
    "pricing_room",
    "scope_options",
    "what_it_takes",
]

FailOn = Literal["error", "warning"]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
UNFIXABLE = frozenset({"MISSING_SOURCE", "DOMINATED", "NO_DEAL_ROOM"})
MAX_SCOPE_STREAMS = 12
_BISECTIONS = 60
_NEAR_GUESS = (0.0, 1e-12, 1.5e-9, 3e-9)
"""Relative offsets from a guessed boundary to the passing side, tried in turn: the rules compare
amounts within a relative tolerance of about a billionth."""


def passes(result: BidAnalysis, fail_on: FailOn = "error") -> bool:
    """True when the bid has no finding at or above ``fail_on`` that a lever can change."""
    blocking = FAILING_SEVERITIES[fail_on]
    return not any(f.severity in blocking and f.code not in UNFIXABLE for f in result.flags)


def _bid_case(case: Case, *bids: Bid) -> Case:
    """The case with only ``bids`` (variants of its bids), without uncertainty.

    The pricing room is deterministic; an uncertainty naming another bid (or
    the bid under its old name) would not resolve in the variant case.
    """
    return case.model_copy(update={"bids": list(bids), "uncertainty": []})


def _base(case: Case, bid: str) -> tuple[Bid, Case, BidCashflows]:
    try:
        model = case.bid(bid)
    except KeyError as exc:
        raise InputError(Problem("bid", exc.args[0], found=bid, code="unknown_name")) from None
    single = _bid_case(case, model)
    problems = reference_problems(single)
    if problems:
        raise InputError(problems)
    return model, single, build_cashflows(single)[model.name]


def _scaled(
    flows: BidCashflows, one_time: float = 1.0, recurring: float = 1.0, benefits: float = 1.0
) -> BidCashflows:
    factors = np.where(flows.recurring, recurring, one_time)[:, None]
    return replace(flows, cost_lines=flows.cost_lines * factors, benefit_lines=flows.benefit_lines * benefits)


def _largest_passing(
    test: Callable[[float], bool], low: float, high: float, guesses: Iterable[float | None] = ()
) -> float:
    """The largest x in [low, high] with test(x) true, given test(low) true and test(high) false.

    ``guesses`` are analytic estimates of the boundary, one per condition the
    break-even arithmetic can solve (a PV condition, the payback, the running
    cost); the binding one is the smallest, so they are tried from the
    smallest up. The first that the full rules confirm (true at the guess, or
    a hair below it where the rules compare with a tolerance, and false a
    billionth above) is returned after a few evaluations instead of a
    bisection of sixty.
    """
    for guess in sorted(g for g in guesses if g is not None and low < g < high):
        for trial in (guess * (1 - offset) for offset in _NEAR_GUESS):
            if not test(trial):
                continue  # just past the boundary: try a hair below
            if not test(trial + 1e-9 * max(abs(trial), 1e-300)):
                return trial
            break  # the boundary lies further up: this condition does not bind
    for _ in range(_BISECTIONS):
        mid = 0.5 * (low + high)
        if mid in (low, high):
            break
        low, high = (mid, high) if test(mid) else (low, mid)
    return low


def _smallest_passing(
    test: Callable[[float], bool], low: float, high: float, guesses: Iterable[float | None] = ()
) -> float:
    """The smallest x in [low, high] with test(x) true, given test(low) false and test(high) true.

    ``guesses`` as in :func:`_largest_passing`; the binding one is the largest,
    so they are tried from the largest down.
    """
    for guess in sorted((g for g in guesses if g is not None and low < g < high), reverse=True):
        for trial in (guess * (1 + offset) for offset in _NEAR_GUESS):
            if not test(trial):
                continue  # just past the boundary: try a hair above
            if not test(trial - 1e-9 * abs(trial)):
                return trial
            break  # the boundary lies further down: this condition does not bind
    for _ in range(_BISECTIONS):
        mid = 0.5 * (low + high)
        if mid in (low, high):
            break
        low, high = (low, mid) if test(mid) else (mid, high)
    return high


def _boundaries(flows: BidCashflows, scaled: str) -> tuple[float | None, float | None]:
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
    >>> [round(x, 3) for x in _boundaries(flows, "recurring")]  # payback is lost first, at +74 %
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
        payback = (total_benefits - total_recurring) / total_one_time if total_one_time > 0 else None
        return payback, None
    if scaled == "recurring":
        payback = (total_benefits - total_one_time) / total_recurring if total_recurring > 0 else None
        running = float(np.min(benefits[paying] / recurring[paying])) if paying.any() else None
        return payback, running
    payback = (total_one_time + total_recurring) / total_benefits if total_benefits > 0 else None
    covered = paying.any() and bool(np.all(benefits[paying] > 0))
    running = float(np.max(recurring[paying] / benefits[paying])) if covered else None
    return payback, running


@dataclass(frozen=True, repr=False)
class LeverChange(Result):
    """The smallest change of one lever that makes a bid pass.

    Attributes
    ----------
    lever : str
        ``price``, ``recurring_fees``, ``term``, ``scope`` or ``benefit``.
    now : object
        The value as quoted (money [currency], years, or a scope list).
    needed : object or None
        The value that passes; None when no value of this lever alone does.
    change : float or None
        Relative change ``needed / now - 1`` for numbers [fraction].
    text : str
        The change in plain words.
    """

    lever: str
    now: object
    needed: object
    change: float | None
    text: str

    @property
    def works(self) -> bool:
        """True when this lever alone can make the bid pass."""
        return self.needed is not None

    def _blocks(self) -> Blocks:
        from bidfit.present.pricing import describe_lever_change

        return describe_lever_change(self)


@dataclass(frozen=True, repr=False)
class WhatItTakes(Result):
    """What it takes for one bid to pass the customer's policy, lever by lever.

    Attributes
    ----------
    bid : str
        The bid.
    currency : str
        The case currency.
    passes_now : bool
        True when the bid already passes (then no change is needed).
    changes : tuple of LeverChange
        One row per lever: price, recurring_fees, term, scope, benefit.
    unfixable : tuple of str
        Codes of findings at or above ``fail_on`` that no lever changes
        (e.g. ``NO_DEAL_ROOM``); the bid fails on them whatever the levers do.
    """

    bid: str
    currency: str
    passes_now: bool
    changes: tuple[LeverChange, ...]
    unfixable: tuple[str, ...] = ()

    def change(self, lever: str) -> LeverChange:
        """The row of ``lever``."""
        return next(c for c in self.changes if c.lever == lever)

    @property
    def summary(self) -> pd.DataFrame:
        """The changes as a DataFrame indexed by lever."""
        import pandas as pd

        rows = [
            {"now": c.now, "needed": c.needed, "change": c.change, "works": c.works, "what": c.text}
            for c in self.changes
        ]
        return pd.DataFrame(rows, index=pd.Index([c.lever for c in self.changes], name="lever"))

    @property
    def sentence(self) -> str:
        """Every lever that works on its own, in plain words."""
        other = ", ".join(self.unfixable)
        if self.passes_now:
            if other:
                return (
                    f"No change of price, fees, term or scope is needed for the customer's side: {self.bid} "
                    f"fails only on {other}; see that finding for what fixes it."
                )
            return f"{self.bid} passes as quoted."
        working = [c.text for c in self.changes if c.works and c.lever != "benefit"]
        benefit = next((c for c in self.changes if c.lever == "benefit"), None)
        if len(working) > 1:
            lead = "To pass, any one of these is enough: " + "; or ".join(working) + "."
        elif working:
            lead = f"To pass: {working[0]}."
        else:
            lead = "No single change of price, fees, term or scope makes it pass."
        if benefit is not None and benefit.works:
            lead += f" Without a change, {benefit.text}."
        if other:
            lead += f" Separately, it fails on {other}; see that finding for what fixes it."
        return lead

    @property
    def flag(self) -> Flag:
        """The finding ``WHAT_IT_TAKES`` (info) carrying :attr:`sentence`."""
        best = min(
            (c for c in self.changes if c.works and isinstance(c.change, float) and c.lever != "benefit"),
            key=lambda c: abs(c.change or 0.0),
            default=None,
        )
        lever = None if best is None else cast(Lever, best.lever)
        figures = {f"{c.lever}_change": c.change for c in self.changes}
        return Flag("WHAT_IT_TAKES", "info", self.sentence, lever, figures)

    def _blocks(self) -> Blocks:
        from bidfit.present.pricing import describe_what_it_takes

        return describe_what_it_takes(self)


def _price_lever(
    case: Case, flows: BidCashflows, result: BidAnalysis, ok: Callable[[BidCashflows], bool]
) -> LeverChange:
    cur, price = result.currency, result.one_time_price
    if price <= 0 or not ok(_scaled(flows, one_time=0.0)):
        return LeverChange("price", price, None, None, "no one-time price, however low, is enough")
    guesses = (result.ceiling.price / price, *_boundaries(flows, "one_time"))
    scale = _largest_passing(lambda s: ok(_scaled(flows, one_time=s)), 0.0, 1.0, guesses)
    needed = scale * price
    text = f"a one-time price of at most {fmt.money(needed, cur)} ({fmt.percent(scale - 1, signed=True)})"
    floor = result.deal_room.floor_price if result.deal_room is not None else None
    return LeverChange("price", price, needed, scale - 1, text + _below_floor(needed, floor, cur, ""))


def _fee_lever(
    case: Case, flows: BidCashflows, result: BidAnalysis, ok: Callable[[BidCashflows], bool]
) -> LeverChange:
    cur, fee = result.currency, result.annual_fee
    if fee <= 0 or not ok(_scaled(flows, recurring=0.0)):
        return LeverChange("recurring_fees", fee, None, None, "no cut of the recurring fees alone is enough")
    guesses = (result.ceiling.fee / fee, *_boundaries(flows, "recurring"))
    scale = _largest_passing(lambda s: ok(_scaled(flows, recurring=s)), 0.0, 1.0, guesses)
    needed = scale * fee
    text = (
        f"recurring fees of at most {fmt.money(needed, cur)} a year ({fmt.percent(scale - 1, signed=True)})"
    )
    floor = result.deal_room.floor_fee if result.deal_room is not None else None
    return LeverChange(
        "recurring_fees", fee, needed, scale - 1, text + _below_floor(needed, floor, cur, " a year")
    )


def _below_floor(needed: float, floor: float | None, currency: str, unit: str) -> str:
    """A warning when the customer's need falls below what the vendor can accept."""
    if floor is None or needed >= floor:
        return ""
    return f", below the vendor's floor of {fmt.money(floor, currency)}{unit}"


def _benefit_lever(
    case: Case, flows: BidCashflows, result: BidAnalysis, ok: Callable[[BidCashflows], bool]
) -> LeverChange:
    cur = result.currency
    paying = np.flatnonzero(flows.benefits > 0)
    first = float(flows.benefits[paying[0]]) if paying.size else 0.0
    if first <= 0:
        return LeverChange("benefit", first, None, None, "the bid addresses no benefit to scale")
    # Scaling every benefit by k passes the PV conditions once PV costs fit in the allowed share.
    allowed = result.ceiling.allowed_pv_cost
    guesses = (result.pv_costs / allowed if allowed > 0 else None, *_boundaries(flows, "benefits"))
    high = max([2.0, *(2 * g for g in guesses if g is not None and np.isfinite(g))])
    while not ok(_scaled(flows, benefits=high)):
        high *= 2
        if high > 2**40:
            return LeverChange("benefit", first, None, None, "no size of benefit is enough")
    scale = _smallest_passing(lambda k: ok(_scaled(flows, benefits=k)), 1.0, high, guesses)
    needed = scale * first
    return LeverChange(
        "benefit",
        first,
        needed,
        scale - 1,
        f"the benefit at stake would have to be {fmt.money(needed, cur)} in year {int(flows.years[paying[0]])} "
        f"(now {fmt.money(first, cur)}, {fmt.percent(scale - 1, signed=True)}), with the same profile",
    )


def _blocks(policy: Policy, code: str, fail_on: FailOn) -> bool:
    """True when finding ``code``, an error as the rules raise it, fails a bid at ``fail_on`` under ``policy``."""
    return policy.severity.get(code, "error") in FAILING_SEVERITIES[fail_on]


def _sure_to_fail(
    policy: Policy, fail_on: FailOn, npv: FloatArray, payback: FloatArray, margin: FloatArray | float
) -> BoolArray:
    """Which variants fail whatever their other figures: a blocking finding fires on NPV or payback alone.

    ``NEGATIVE_NPV`` fires below an NPV of 0, ``NO_PAYBACK`` when there is no
    payback (NaN) and ``PAYBACK_TOO_LONG`` past the policy's
    ``max_payback_years``; each is an error unless the policy lowers it. A
    variant within ``margin`` [currency] of a zero NPV, or within a millionth
    of a year of the payback limit, is left to the full rules.

    Examples
    --------
    >>> _sure_to_fail(Policy(), "error", np.array([-5.0, 5.0, 5.0]), np.array([2.0, np.nan, 3.0]), 1e-6)
    array([ True,  True, False])
    """
    doomed = np.zeros(npv.shape, dtype=bool)
    if _blocks(policy, "NEGATIVE_NPV", fail_on):
        doomed |= npv < -np.asarray(margin)
    if _blocks(policy, "NO_PAYBACK", fail_on):
        doomed |= np.isnan(payback)
    limit = policy.max_payback_years
    if limit is not None and _blocks(policy, "PAYBACK_TOO_LONG", fail_on):
        doomed |= payback > limit + 1e-6
    return doomed


def _term_lever(case: Case, model: Bid, fail_on: FailOn) -> LeverChange:
    """The nearest contract term that passes, ties going to the longer one.

    The bid is built once at the longest term (100 years) and cut to each
    shorter one: a default ``end_year`` follows the term and explicit years
    stay put, exactly as a rebuild would give. The finance kernel then runs
    once over every term, and only the terms not already failing on their NPV
    or payback are checked as cases and judged by the full rules.
    """
    horizon = case.horizon_years
    longest = _bid_case(case, *case.bids).model_copy(update={"horizon_years": MAX_HORIZON_YEARS})
    full = build_cashflows(longest)[model.name]
    candidates = sorted(
        (h for h in range(1, MAX_HORIZON_YEARS + 1) if h != horizon), key=lambda h: (abs(h - horizon), -h)
    )
    cut = [_cut_to(full, h) for h in candidates]
    rows = kernel([case.discount_rate] * len(cut), cut)
    doomed = _sure_to_fail(case.policy, fail_on, rows.npv, rows.payback_years, 0.0)
    for h, flows, row, hopeless in zip(candidates, cut, rows, doomed, strict=True):
        if hopeless:
            continue
        variant = longest.model_copy(update={"horizon_years": h})
        # A term that leaves an explicit year outside the horizon is no contract the bid could sign.
        if reference_problems(variant):
            continue
        if passes(assess(variant, {model.name: flows}, {model.name: row})[model.name], fail_on):
            word = "longer" if h > horizon else "shorter"
            text = f"a contract term of {h} years instead of {horizon} ({word})"
            return LeverChange("term", horizon, h, h / horizon - 1, text)
    return LeverChange(
        "term", horizon, None, None, f"no contract term from 1 to {MAX_HORIZON_YEARS} years is enough"
    )


def _cut_to(flows: BidCashflows, horizon: int) -> BidCashflows:
    """The arrays of years ``0..horizon`` only."""
    keep = slice(0, horizon + 1)
    vendor = None if flows.vendor_cost_lines is None else flows.vendor_cost_lines[:, keep]
    return replace(
        flows,
        years=flows.years[keep],
        benefit_lines=flows.benefit_lines[:, keep],
        pool_lines=flows.pool_lines[:, keep],
        cost_lines=flows.cost_lines[:, keep],
        vendor_cost_lines=vendor,
    )


@dataclass(frozen=True)
class _Variant:
    """Another scope of a bid, described before any model or array is built.

    Attributes
    ----------
    options : tuple of str
        The scope options added to the base offer (empty for the base offer,
        or for a change of streams).
    scope : tuple of str
        The variant's scope, as its bid has it.
    size : int
        How many options, or streams, change.
    label : str
        The change in words.
    """

    options: tuple[str, ...]
    scope: tuple[str, ...]
    size: int
    label: str


def _combinations(names: Sequence[str], smallest: int = 0) -> list[tuple[str, ...]]:
    """Every combination of ``smallest`` or more of ``names``, fewest first, each in the order of ``names``."""
    return [c for k in range(smallest, len(names) + 1) for c in itertools.combinations(names, k)]


def _option_variants(model: Bid, smallest: int = 0) -> list[_Variant]:
    """One variant per combination of the bid's scope options, with the scope :meth:`Bid.with_options` gives."""
    scopes = {o.name: o.scope for o in model.options}
    variants = []
    for chosen in _combinations(list(scopes), smallest):
        added = [s for name in chosen for s in scopes[name] if s not in model.scope]
        words = " and ".join(chosen)
        label = f"adding the {words} option{'s' if len(chosen) > 1 else ''}"
        variants.append(_Variant(chosen, (*model.scope, *added), len(chosen), label))
    return variants


def _scope_variants(case: Case, model: Bid) -> list[_Variant]:
    """Every other scope the bid could have: a combination of its options, or another set of streams."""
    if model.options:
        return _option_variants(model, smallest=1)
    streams = [s.name for s in case.revenue]
    if len(streams) > MAX_SCOPE_STREAMS:
        return []
    current = set(model.scope or streams)
    variants = []
    for chosen in _combinations(streams, smallest=1):
        if set(chosen) == current:
            continue
        added = [s for s in chosen if s not in current]
        dropped = [s for s in streams if s in current and s not in chosen]
        parts = ([f"adding {', '.join(added)}"] if added else []) + (
            [f"dropping {', '.join(dropped)}"] if dropped else []
        )
        variants.append(_Variant((), chosen, len(current ^ set(chosen)), "a scope " + " and ".join(parts)))
    return variants


def _variant_model(model: Bid, variant: _Variant) -> Bid:
    """The variant as a bid of its own, built only for the variants the rules judge.

    The same bid as :meth:`Bid.with_options` builds, copied from the already
    validated parts instead of validated again (a thousand combinations
    would spend a tenth of a second on it).
    """
    chosen = [model.option(name) for name in variant.options]
    update = {
        "name": " + ".join([model.name, *variant.options]),
        "scope": list(variant.scope),
        "costs": [*model.costs, *(c for o in chosen for c in o.costs)],
        "vendor_costs": [*model.vendor_costs, *(c for o in chosen for c in o.vendor_costs)],
        "options": [],
    }
    return model.model_copy(update=update)


@dataclass(frozen=True)
class _Rows:
    """Where one variant's arrays are in a build of its bid: its streams, cost items and vendor cost items.

    Only the variants the rules judge get a :class:`BidCashflows` of their own
    (:meth:`flows`); the others need only their yearly totals, added up in the
    same order, so to the same numbers.
    """

    built: BidCashflows
    name: str
    streams: list[int]
    costs: list[int]
    vendor: list[int]

    @property
    def net(self) -> FloatArray:
        """Benefits minus costs per year [currency], as :attr:`BidCashflows.net`."""
        benefits = self.built.benefit_lines[self.streams].sum(axis=0)
        net: FloatArray = benefits - self.built.cost_lines[self.costs].sum(axis=0)
        return net

    @property
    def payments(self) -> tuple[FloatArray, FloatArray]:
        """One-time and recurring costs per year [currency], as :class:`BidCashflows` adds them up."""
        lines, recurring = self.built.cost_lines[self.costs], self.built.recurring[self.costs]
        return lines[~recurring].sum(axis=0), lines[recurring].sum(axis=0)

    @property
    def vendor_lines(self) -> FloatArray | None:
        """The vendor's delivery cost per item and year [currency], when the bid gives it."""
        lines = self.built.vendor_cost_lines
        return None if lines is None else lines[self.vendor]

    def flows(self) -> BidCashflows:
        """The variant's own arrays."""
        built, streams, costs = self.built, self.streams, self.costs
        return replace(
            built,
            bid=self.name,
            stream_names=tuple(built.stream_names[i] for i in streams),
            benefit_lines=built.benefit_lines[streams],
            pool_lines=built.pool_lines[streams],
            cost_names=tuple(built.cost_names[i] for i in costs),
            cost_categories=tuple(built.cost_categories[i] for i in costs),
            recurring=built.recurring[costs],
            cost_lines=built.cost_lines[costs],
            vendor_cost_names=tuple(built.vendor_cost_names[i] for i in self.vendor),
            vendor_cost_lines=self.vendor_lines,
        )


def _variant_rows(case: Case, model: Bid, variants: Sequence[_Variant]) -> list[_Rows | None]:
    """Where each variant's arrays are (None for a variant that is not a consistent bid).

    The bid's widest scope (every option, or every stream) is built once and
    each variant is a choice of its rows: each row of a bid's arrays is built
    on its own (a stream, or a cost item with its ``percent_of`` resolved by
    name), so those rows are the very numbers a build of the variant gives.
    When the widest scope is not consistent (two options with items of the
    same name), each variant is checked and built on its own.
    """
    names = [o.name for o in model.options]
    widest = model.with_options(names) if names else model.model_copy(update={"scope": []})
    trial = _bid_case(case, widest)
    if reference_problems(trial):
        return [_built_alone(case, _variant_model(model, v)) for v in variants]
    built = build_cashflows(trial)[widest.name]
    items = {attr: _item_rows(model, attr) for attr in ("costs", "vendor_costs")}
    return [
        _Rows(
            built,
            " + ".join([model.name, *v.options]),
            [i for i, stream in enumerate(built.stream_names) if not v.scope or stream in v.scope],
            [i for part in ("", *v.options) for i in items["costs"][part]],
            [i for part in ("", *v.options) for i in items["vendor_costs"][part]],
        )
        for v in variants
    ]


def _item_rows(model: Bid, attr: str) -> dict[str, range]:
    """Rows of the base offer's items (key ``""``) and of each option's, in the bid with every option."""
    rows = {"": range(len(getattr(model, attr)))}
    first = len(rows[""])
    for option in model.options:
        rows[option.name] = range(first, first + len(getattr(option, attr)))
        first += len(rows[option.name])
    return rows


def _built_alone(case: Case, variant: Bid) -> _Rows | None:
    trial = _bid_case(case, variant)
    if reference_problems(trial):
        return None
    built = build_cashflows(trial)[variant.name]
    every = (
        range(len(built.stream_names)),
        range(len(built.cost_names)),
        range(len(built.vendor_cost_names)),
    )
    return _Rows(built, variant.name, *(list(rows) for rows in every))


def _screen(rate: float, rows: Sequence[_Rows]) -> tuple[FloatArray, FloatArray, FloatArray]:
    """NPV [currency], payback [years] and a rounding margin [currency] of many variants in one run.

    The NPV is discounted as the finance kernel does it (one rate per row);
    the margin, a billionth of the flows' undiscounted size, stands for any
    rounding between the two.
    """
    net = np.stack([r.net for r in rows])
    npv = np.asarray(finance.npv(np.full(len(rows), rate), net))
    return npv, np.asarray(finance.payback(net)), 1e-9 * np.abs(net).sum(axis=1)


def _scope_lever(case: Case, model: Bid, fail_on: FailOn) -> LeverChange:
    """The smallest change of scope that passes; among changes of that size, the highest NPV.

    The variants are judged in that order of preference, so the first that
    passes is the answer; those failing on their NPV or payback alone are
    skipped without building them. The others go through the finance kernel
    in batches (1, then 2, 4, ... up to 128 at a time): one stacked run costs
    about as much as one row.
    """
    now = list(model.scope) or [s.name for s in case.revenue]
    variants = _scope_variants(case, model)
    found = zip(variants, _variant_rows(case, model, variants), strict=True)
    built = [(v, rows) for v, rows in found if rows is not None]
    if built:
        npv, payback, margin = _screen(case.discount_rate, [rows for _, rows in built])
        doomed = _sure_to_fail(case.policy, fail_on, npv, payback, margin)
        order = sorted(
            (i for i in range(len(built)) if not doomed[i]), key=lambda i: (built[i][0].size, -npv[i], i)
        )
        first, batch = 0, 1
        while first < len(order):
            chosen = [built[i] for i in order[first : first + batch]]
            bids = [_variant_model(model, variant) for variant, _ in chosen]
            flows = [rows.flows() for _, rows in chosen]
            for (variant, _), bid, f, row in zip(
                chosen, bids, flows, kernel(case.discount_rate, flows), strict=True
            ):
                if passes(_assess_alone(case, bid, f, row), fail_on):
                    return LeverChange("scope", now, list(bid.scope), None, variant.label)
            first, batch = first + batch, min(2 * batch, 128)
    return LeverChange("scope", now, None, None, "no other scope is enough")


def what_it_takes(
    case: Case, bid: str, fail_on: FailOn = "error", also_failing: Iterable[str] = ()
) -> WhatItTakes:
    """The smallest single change of each lever that makes a bid pass the policy.

    Parameters
    ----------
    case : Case
        The case.
    bid : str
        The bid's name.
    fail_on : {'error', 'warning'}
        A bid passes when it has no finding at or above this severity (other
        than findings no lever changes; see the module notes).
    also_failing : iterable of str
        Codes the bid fails on that the deterministic analysis does not see
        (``HIGH_LOSS_PROBABILITY`` from a simulation); reported with the
        findings no lever changes.

    Returns
    -------
    WhatItTakes
        One :class:`LeverChange` per lever: ``price`` (all one-time costs
        scaled together), ``recurring_fees`` (all recurring costs scaled
        together), ``term`` (the nearest horizon that passes), ``scope`` (the
        smallest change of scope, or of scope options, that passes; ties go to
        the higher NPV) and ``benefit`` (the factor on every benefit in scope
        that would be needed).

    Notes
    -----
    Price, fee and benefit are tried on the bid's arrays with the full rules
    applied at each step, always returning a value on the passing side of the
    boundary: the boundary the break-even arithmetic predicts (a PV
    condition, the payback, the running cost), once the rules confirm it to
    a relative precision of 1e-9; otherwise a bisection, to about 1e-15.
    Term and scope are screened on NPV and payback for every term (1 to 100
    years) and every scope at once, and the rules judge the rest in order of
    preference until one passes.

    Examples
    --------
    >>> import bidfit
    >>> wit = what_it_takes(bidfit.load_sample("norway_roaming"), "Vendor A")
    >>> wit.change("price").works, round(wit.change("recurring_fees").needed)
    (False, 135814)
    """
    model, single, flows = _base(case, bid)
    result = assess(single, {model.name: flows})[model.name]

    def ok(variant: BidCashflows) -> bool:
        return passes(assess(single, {model.name: variant})[model.name], fail_on)

    blocking = FAILING_SEVERITIES[fail_on]
    unfixable = tuple(
        dict.fromkeys(
            [
                *(f.code for f in result.flags if f.severity in blocking and f.code in UNFIXABLE),
                *also_failing,
            ]
        )
    )
    if passes(result, fail_on):
        return WhatItTakes(model.name, case.currency, True, (), unfixable)
    changes = (
        _price_lever(single, flows, result, ok),
        _fee_lever(single, flows, result, ok),
        _term_lever(single, model, fail_on),
        _scope_lever(single, model, fail_on),
        _benefit_lever(single, flows, result, ok),
    )
    return WhatItTakes(model.name, case.currency, False, changes, unfixable)


@dataclass(frozen=True, repr=False)
class OptionsResult(Result):
    """Every combination of a bid's scope options.

    Attributes
    ----------
    bid : str
        The bid.
    rows : tuple of dict
        Per combination: ``options`` (tuple of names), ``scope``, ``npv``
        [currency], ``verdict``, ``vendor_margin`` [fraction or None] and
        ``vendor_ok`` (margin at or above the vendor's minimum, or True when
        the vendor side is not given).
    recommended : dict or None
        The combination with the highest customer NPV among those the vendor
        accepts; None when the vendor accepts none.
    """

    bid: str
    currency: str
    rows: tuple[dict[str, object], ...]
    recommended: dict[str, object] | None

    @property
    def summary(self) -> pd.DataFrame:
        """The combinations as a DataFrame, one row each, best customer NPV first."""
        import pandas as pd

        frame = pd.DataFrame(list(self.rows))
        frame["options"] = [" + ".join(o) if o else "(base)" for o in frame["options"]]
        return frame.set_index("options").sort_values("npv", ascending=False)

    def _blocks(self) -> Blocks:
        from bidfit.present.pricing import describe_options

        return describe_options(self)


def scope_options(case: Case, bid: str) -> OptionsResult:
    """Evaluate every combination (2^n) of a bid's scope options.

    Parameters
    ----------
    case : Case
        The case.
    bid : str
        The bid's name.

    Returns
    -------
    OptionsResult
        One row per combination, the base offer first, then by number of
        options: customer NPV [currency], verdict, vendor margin [fraction];
        and the recommended combination.

    Notes
    -----
    The combinations' arrays are cut from one build of the bid with every
    option, and their NPV and payback come from one stacked run. A
    combination with a negative NPV, or no payback, or a payback past the
    policy's limit (each an error unless the policy lowers it) is
    ``worse_off`` whatever its other findings; only the others go through the
    rest of the kernel and the rules. When the policy raises ``DOMINATED``
    above info, a combination's verdict depends on all the others, and all are
    judged together in full.

    Examples
    --------
    >>> import bidfit
    >>> scope_options(bidfit.load_sample("norway_roaming"), "Competitor B").rows[0]["options"]
    ()
    """
    model, single, _ = _base(case, bid)
    variants = _option_variants(model)
    found = _variant_rows(single, model, variants)
    built = [rows for rows in found if rows is not None]
    if len(built) < len(found):
        raise InputError(reference_problems(_bid_case(single, *(_variant_model(model, v) for v in variants))))
    rows: list[dict[str, object]] = [
        {
            "options": v.options,
            "scope": list(v.scope),
            "npv": npv,
            "verdict": verdict,
            "vendor_margin": margin,
            "vendor_ok": ok,
        }
        for v, (npv, verdict, margin, ok) in zip(
            variants, _judged(single, model, variants, built), strict=True
        )
    ]
    accepted = [r for r in rows if r["vendor_ok"]]
    recommended = max(accepted, key=lambda r: r["npv"]) if accepted else None  # type: ignore[arg-type, return-value]
    return OptionsResult(model.name, case.currency, tuple(rows), recommended)


_Judged = tuple[float, Verdict, float | None, bool]


def _judged(case: Case, model: Bid, variants: Sequence[_Variant], built: Sequence[_Rows]) -> list[_Judged]:
    """Each variant's NPV [currency], verdict, vendor margin [fraction or None] and whether the vendor accepts it."""
    policy = case.policy
    npv, payback, margin = _screen(case.discount_rate, built)
    together = policy.severity.get("DOMINATED", "info") != "info"
    # With DOMINATED counting, each verdict depends on every other variant: none is settled early.
    doomed = (
        np.zeros(npv.size, dtype=bool) if together else _sure_to_fail(policy, "error", npv, payback, margin)
    )
    settled, rest = np.flatnonzero(doomed).tolist(), np.flatnonzero(~doomed).tolist()
    out = dict(zip(settled, _worse_off(case, model, [built[i] for i in settled], npv[settled]), strict=True))
    full = _in_full(case, model, [variants[i] for i in rest], [built[i] for i in rest], together)
    out.update(zip(rest, full, strict=True))
    return [out[i] for i in range(npv.size)]


def _worse_off(case: Case, model: Bid, built: Sequence[_Rows], npv: FloatArray) -> list[_Judged]:
    """The rows of variants that are worse off whatever else holds: only the vendor's side is left to compute."""
    if not built:
        return []
    rate = case.discount_rate
    rates = np.full(len(built), rate)
    payments = [rows.payments for rows in built]
    one_time = np.asarray(finance.npv(rates, np.stack([ot for ot, _ in payments])))
    recurring = np.asarray(finance.npv(rates, np.stack([r for _, r in payments])))
    out: list[_Judged] = []
    for rows, value, pv_one_time, pv_recurring in zip(built, npv, one_time, recurring, strict=True):
        lines = rows.vendor_lines
        if lines is None or not lines.size:
            out.append((float(value), "worse_off", None, True))
            continue
        quoted = vendor_margin(delivery_pv(lines, rate), float(pv_one_time) + float(pv_recurring))
        out.append((float(value), "worse_off", quoted, _vendor_accepts(quoted, model.min_margin or 0.0)))
    return out


def _in_full(
    case: Case, model: Bid, variants: Sequence[_Variant], built: Sequence[_Rows], together: bool
) -> list[_Judged]:
    """The rows of variants judged by the full kernel and rules, each alone or (``together``) all at once."""
    if not variants:
        return []
    bids = [_variant_model(model, v) for v in variants]
    flows = {b.name: rows.flows() for b, rows in zip(bids, built, strict=True)}
    figures = dict(zip(flows, kernel(case.discount_rate, list(flows.values())), strict=True))
    if together:
        outcomes = assess(_bid_case(case, *bids), flows, figures)
    else:
        outcomes = {b.name: _assess_alone(case, b, flows[b.name], figures[b.name]) for b in bids}
    out: list[_Judged] = []
    for b in bids:
        outcome, room = outcomes[b.name], outcomes[b.name].deal_room
        if room is None:
            out.append((outcome.npv, outcome.verdict, None, True))
        else:
            accepts = _vendor_accepts(room.vendor_margin, room.min_margin)
            out.append((outcome.npv, outcome.verdict, room.vendor_margin, accepts))
    return out


def _assess_alone(case: Case, bid: Bid, flows: BidCashflows, figures: Figures) -> BidAnalysis:
    return assess(_bid_case(case, bid), {bid.name: flows}, {bid.name: figures})[bid.name]


def _vendor_accepts(margin: float | None, min_margin: float) -> bool:
    """True when the vendor's margin meets its minimum (to rounding)."""
    return margin is not None and margin >= min_margin - 1e-12


@dataclass(frozen=True, repr=False)
class CompetitorInference(Result):
    """What a competitor's known price implies, against one of our bids.

    The competitor is assumed to address the same scope, with its one-time
    price paid at signature and a flat recurring fee from year 1 to the horizon.

    Attributes
    ----------
    bid : str
        Our bid it is compared with.
    competitor_price : float
        The competitor's one-time price [currency].
    fee_to_be_preferred : float
        The highest yearly fee at which the customer prefers the competitor
        to our bid [currency/year].
    break_even_fee : float
        The highest yearly fee at which the competitor's bid is still worth it
        for the customer at all (NPV >= 0) [currency/year].
    competitor_fee : float or None
        The competitor's fee when known [currency/year].
    implied_min_value : float or None
        With a known fee: the PV of benefits the customer must see to accept
        the competitor (price + PV of its fees) [currency].
    implied_min_annual_value : float or None
        The same as a first-year amount with our benefit profile [currency/year].
    """

    bid: str
    currency: str
    competitor_price: float
    fee_to_be_preferred: float
    break_even_fee: float
    competitor_fee: float | None
    implied_min_value: float | None
    implied_min_annual_value: float | None
    our_npv: float
    pv_benefits: float

    @property
    def sentence(self) -> str:
        """The inference in plain words."""
        cur = self.currency
        text = (
            f"At a price of {fmt.money(self.competitor_price, cur)}, the competitor beats {self.bid} for the "
            f"customer with any recurring fee below {fmt.money(self.fee_to_be_preferred, cur)} a year, and "
            f"leaves the customer better off with fees below {fmt.money(self.break_even_fee, cur)} a year."
        )
        if self.implied_min_value is not None:
            text += (
                f" With its fee of {fmt.money(self.competitor_fee, cur)} a year, a customer who accepts it "
                f"values the benefits at no less than {fmt.money(self.implied_min_value, cur)} in PV "
                f"({fmt.money(self.implied_min_annual_value, cur)} in the first year; our case says "
                f"{fmt.money(self.pv_benefits, cur)})."
            )
        return text

    def _blocks(self) -> Blocks:
        from bidfit.present.pricing import describe_competitor

        return describe_competitor(self)


def competitor_inference(
    case: Case, bid: str, competitor_price: float, competitor_fee: float | None = None
) -> CompetitorInference:
    """What a competitor's known price implies about its fees and the customer's view of value.

    Parameters
    ----------
    case : Case
        The case.
    bid : str
        Our bid to compare with (its scope and benefits are assumed for the competitor too).
    competitor_price : float
        The competitor's one-time price [currency].
    competitor_fee : float, optional
        Its flat yearly fee, when known [currency/year].

    Notes
    -----
    With ``A`` the annuity factor of years ``1..horizon``, the customer
    prefers the competitor when ``PV_B - P_c - F_c * A >= NPV_ours``, so
    ``F_c <= (PV_B - P_c - NPV_ours) / A``; it is worth it at all when
    ``F_c <= (PV_B - P_c) / A``. A customer who accepts ``(P_c, F_c)``
    values the benefits at least at ``P_c + F_c * A``.

    Examples
    --------
    >>> import bidfit
    >>> inf = competitor_inference(bidfit.load_sample("norway_roaming"), "Vendor A", 520_000)
    >>> round(inf.break_even_fee)
    235996
    """
    if not np.isfinite(competitor_price) or competitor_price < 0:
        raise InputError(Problem("competitor_price", "must be a number >= 0", found=competitor_price))
    if competitor_fee is not None and (not np.isfinite(competitor_fee) or competitor_fee < 0):
        raise InputError(Problem("competitor_fee", "must be a number >= 0", found=competitor_fee))
    ours = analyze(_base(case, bid)[1]).bids[bid]
    annuity = float(annuity_factor(case.discount_rate, case.horizon_years))
    room = ours.pv_benefits - competitor_price
    implied = None if competitor_fee is None else competitor_price + competitor_fee * annuity
    per_first_year = None
    paying = np.flatnonzero(ours.flows.benefits > 0)
    if implied is not None and paying.size and ours.pv_benefits > 0:
        per_first_year = implied / ours.pv_benefits * float(ours.flows.benefits[paying[0]])
    return CompetitorInference(
        bid=bid,
        currency=case.currency,
        competitor_price=float(competitor_price),
        fee_to_be_preferred=(room - ours.npv) / annuity,
        break_even_fee=room / annuity,
        competitor_fee=competitor_fee,
        implied_min_value=implied,
        implied_min_annual_value=per_first_year,
        our_npv=ours.npv,
        pv_benefits=ours.pv_benefits,
    )


@dataclass(frozen=True, repr=False)
class PricingRoom(Result):
    """Both sides of one bid in one view: ceiling, floor, options, what it takes, competitor.

    Attributes
    ----------
    analysis : BidAnalysis
        The bid's analysis (with its ceiling and, when given, deal room).
    what_it_takes : WhatItTakes
        The smallest change per lever.
    options : OptionsResult or None
        Every combination of scope options, when the bid has options.
    competitor : CompetitorInference or None
        When a competitor price was given.
    """

    analysis: BidAnalysis
    what_it_takes: WhatItTakes
    options: OptionsResult | None = None
    competitor: CompetitorInference | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def deal_room(self) -> DealRoom | None:
        """The deal room, when the bid gives the vendor's delivery cost."""
        return self.analysis.deal_room

    @property
    def summary(self) -> pd.DataFrame:
        """The pricing figures, one row each (index ``figure``, column ``value``).

        Quoted ``one_time_price`` [currency] and ``annual_fee`` [currency/year];
        the customer's ``ceiling_price`` and ``ceiling_fee``; with a deal room,
        the vendor's ``floor_price`` and ``floor_fee``, ``vendor_margin`` and
        ``min_margin`` [fraction], and the deal room's ``price_low``,
        ``price_high``, ``fee_low`` and ``fee_high`` (NaN where there is none).
        """
        import pandas as pd

        a = self.analysis
        figures: dict[str, float | None] = {
            "one_time_price": a.one_time_price,
            "annual_fee": a.annual_fee,
            "ceiling_price": a.ceiling.price,
            "ceiling_fee": a.ceiling.fee,
        }
        deal = a.deal_room
        if deal is not None:
            no_range = (None, None)
            price_low, price_high = deal.price_range or no_range
            fee_low, fee_high = deal.fee_range or no_range
            figures |= {
                "floor_price": deal.floor_price,
                "floor_fee": deal.floor_fee,
                "vendor_margin": deal.vendor_margin,
                "min_margin": deal.min_margin,
                "price_low": price_low,
                "price_high": price_high,
                "fee_low": fee_low,
                "fee_high": fee_high,
            }
        frame = pd.DataFrame({"value": pd.Series(figures, dtype=float)})
        frame.index.name = "figure"
        return frame

    def _blocks(self) -> Blocks:
        from bidfit.present.pricing import describe_pricing

        return describe_pricing(self)


def pricing_room(
    case: Case,
    bid: str,
    competitor_price: float | None = None,
    competitor_fee: float | None = None,
    fail_on: FailOn = "error",
) -> PricingRoom:
    """The pricing room of one bid: everything a bid team needs before the last round.

    Examples
    --------
    >>> import bidfit
    >>> room = pricing_room(bidfit.load_sample("norway_roaming"), "Vendor A", competitor_price=520_000)
    >>> room.analysis.ceiling.price < 0, room.what_it_takes.change("price").works
    (True, False)
    """
    model, single, _ = _base(case, bid)
    analysis = analyze(single).bids[bid]
    return PricingRoom(
        analysis=analysis,
        what_it_takes=what_it_takes(case, bid, fail_on),
        options=scope_options(case, bid) if model.options else None,
        competitor=None
        if competitor_price is None
        else competitor_inference(case, bid, competitor_price, competitor_fee),
    )
