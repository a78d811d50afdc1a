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
(no case is rebuilt); term and scope changes build the changed case. A bid
*passes* when it has no finding at or above ``fail_on``, leaving out the
findings no price, fee or scope can change (``MISSING_SOURCE``, which needs
evidence, ``DOMINATED``, which compares bids, and ``NO_DEAL_ROOM``, which is
the vendor's side).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal, cast

import numpy as np

from bidfit import _format as fmt
from bidfit.analysis import analyze, assess, kernel
from bidfit.cashflows import BidCashflows, build_cashflows
from bidfit.errors import InputError, Problem
from bidfit.flags import FAILING_SEVERITIES, Flag, Lever
from bidfit.metrics import annuity_factor
from bidfit.models import MAX_HORIZON_YEARS, Bid, Case, reference_problems
from bidfit.results import BidAnalysis

if TYPE_CHECKING:
    import pandas as pd

    from bidfit.dealroom import DealRoom

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
UNFIXABLE = frozenset({"MISSING_SOURCE", "DOMINATED", "NO_DEAL_ROOM"})
MAX_SCOPE_STREAMS = 12
_BISECTIONS = 60


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
    test: Callable[[float], bool], low: float, high: float, guess: float | None = None
) -> float:
    """The largest x in [low, high] with test(x) true, given test(low) true and test(high) false.

    ``guess`` is an analytic estimate of the boundary (from the break-even
    arithmetic); when the full rules confirm it (true at the guess, false just
    above), it is returned after two evaluations instead of a bisection.
    """
    if guess is not None and low < guess < high:
        for trial in (guess, guess * (1 - 1e-12)):
            if test(trial) and not test(trial + 1e-9 * max(abs(trial), 1e-300)):
                return trial
    for _ in range(_BISECTIONS):
        mid = 0.5 * (low + high)
        if mid in (low, high):
            break
        low, high = (mid, high) if test(mid) else (low, mid)
    return low


def _smallest_passing(
    test: Callable[[float], bool], low: float, high: float, guess: float | None = None
) -> float:
    """The smallest x in [low, high] with test(x) true, given test(low) false and test(high) true.

    ``guess`` as in :func:`_largest_passing`.
    """
    if guess is not None and low < guess < high:
        for trial in (guess, guess * (1 + 1e-12)):
            if test(trial) and not test(trial - 1e-9 * abs(trial)):
                return trial
    for _ in range(_BISECTIONS):
        mid = 0.5 * (low + high)
        if mid in (low, high):
            break
        low, high = (low, mid) if test(mid) else (mid, high)
    return high


@dataclass(frozen=True)
class LeverChange:
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


@dataclass(frozen=True, repr=False)
class WhatItTakes:
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
    def table(self) -> pd.DataFrame:
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

    def __repr__(self) -> str:
        from bidfit.present.pricing import render_what_it_takes

        return render_what_it_takes(self)

    def _repr_html_(self) -> str:
        from bidfit.present.pricing import render_what_it_takes_html

        return render_what_it_takes_html(self)


def _price_lever(
    case: Case, flows: BidCashflows, result: BidAnalysis, ok: Callable[[BidCashflows], bool]
) -> LeverChange:
    cur, price = result.currency, result.one_time_price
    if price <= 0 or not ok(_scaled(flows, one_time=0.0)):
        return LeverChange("price", price, None, None, "no one-time price, however low, is enough")
    guess = result.ceiling.price / price
    scale = _largest_passing(lambda s: ok(_scaled(flows, one_time=s)), 0.0, 1.0, guess)
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
    guess = result.ceiling.fee / fee
    scale = _largest_passing(lambda s: ok(_scaled(flows, recurring=s)), 0.0, 1.0, guess)
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
    guess = result.pv_costs / result.ceiling.allowed_pv_cost if result.ceiling.allowed_pv_cost > 0 else None
    high = 2.0 if guess is None or not np.isfinite(guess) else max(2.0, 2 * guess)
    while not ok(_scaled(flows, benefits=high)):
        high *= 2
        if high > 2**40:
            return LeverChange("benefit", first, None, None, "no size of benefit is enough")
    scale = _smallest_passing(lambda k: ok(_scaled(flows, benefits=k)), 1.0, high, guess)
    needed = scale * first
    return LeverChange(
        "benefit",
        first,
        needed,
        scale - 1,
        f"the benefit at stake would have to be {fmt.money(needed, cur)} in year {int(flows.years[paying[0]])} "
        f"(now {fmt.money(first, cur)}, {fmt.percent(scale - 1, signed=True)}), with the same profile",
    )


def _term_lever(case: Case, model: Bid, fail_on: FailOn) -> LeverChange:
    """The nearest contract term that passes, ties going to the longer one.

    The bid is built once at the longest term (100 years) and cut to each
    shorter one: a default ``end_year`` follows the term and explicit years
    stay put, exactly as a rebuild would give. The finance kernel then runs
    once over every term.
    """
    horizon = case.horizon_years
    longest = _bid_case(case, *case.bids).model_copy(update={"horizon_years": MAX_HORIZON_YEARS})
    full = build_cashflows(longest)[model.name]
    candidates = sorted(
        (h for h in range(1, MAX_HORIZON_YEARS + 1) if h != horizon), key=lambda h: (abs(h - horizon), -h)
    )
    variants = {h: longest.model_copy(update={"horizon_years": h}) for h in candidates}
    variants = {h: v for h, v in variants.items() if not reference_problems(v)}
    cut = {h: _cut_to(full, h) for h in variants}
    rows = kernel([case.discount_rate] * len(cut), list(cut.values()))
    # A negative NPV is an error unless the policy says otherwise: such terms need no closer look.
    screen = case.policy.severity.get("NEGATIVE_NPV", "error") == "error"
    for (h, flows), row in zip(cut.items(), rows, strict=True):
        if screen and row[0] < 0:
            continue
        if passes(assess(variants[h], {model.name: flows}, {model.name: row})[model.name], fail_on):
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


def _scope_variants(case: Case, model: Bid) -> list[tuple[int, Bid, str]]:
    """(size of the change, changed bid, the change in words) for every other scope the bid could have."""
    if model.options:
        names = [o.name for o in model.options]
        variants = []
        for k in range(1, len(names) + 1):
            for chosen in itertools.combinations(names, k):
                words = " and ".join(chosen)
                label = f"adding the {words} option{'s' if k > 1 else ''}"
                variants.append((k, model.with_options(chosen), label))
        return variants
    streams = [s.name for s in case.revenue]
    if len(streams) > MAX_SCOPE_STREAMS:
        return []
    current = set(model.scope or streams)
    variants = []
    for k in range(1, len(streams) + 1):
        for chosen in itertools.combinations(streams, k):
            if set(chosen) == current:
                continue
            added = [s for s in chosen if s not in current]
            dropped = [s for s in streams if s in current and s not in chosen]
            parts = ([f"adding {', '.join(added)}"] if added else []) + (
                [f"dropping {', '.join(dropped)}"] if dropped else []
            )
            variant = model.model_copy(update={"scope": list(chosen)})
            variants.append((len(current ^ set(chosen)), variant, "a scope " + " and ".join(parts)))
    return variants


def _scope_lever(case: Case, model: Bid, result: BidAnalysis, fail_on: FailOn) -> LeverChange:
    now = list(model.scope) or [s.name for s in case.revenue]
    best: tuple[int, float, Bid, str] | None = None
    for size, variant, label in _scope_variants(case, model):
        if best is not None and size > best[0]:
            continue
        trial = _bid_case(case, variant)
        if reference_problems(trial):
            continue
        outcome = assess(trial, build_cashflows(trial))[variant.name]
        if passes(outcome, fail_on) and (best is None or (size, -outcome.npv) < (best[0], -best[1])):
            best = (size, outcome.npv, variant, label)
    if best is None:
        return LeverChange("scope", now, None, None, "no other scope is enough")
    return LeverChange("scope", now, list(best[2].scope), None, best[3])


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
    Price, fee and benefit are found by bisection on the bid's arrays with
    the full rules applied at each step, to a relative precision of about
    1e-15, always returning a value on the passing side of the boundary.

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
        _scope_lever(single, model, result, fail_on),
        _benefit_lever(single, flows, result, ok),
    )
    return WhatItTakes(model.name, case.currency, False, changes, unfixable)


@dataclass(frozen=True, repr=False)
class OptionsResult:
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
    def table(self) -> pd.DataFrame:
        """The combinations as a DataFrame, one row each, best customer NPV first."""
        import pandas as pd

        frame = pd.DataFrame(list(self.rows))
        frame["options"] = [" + ".join(o) if o else "(base)" for o in frame["options"]]
        return frame.set_index("options").sort_values("npv", ascending=False)

    def __repr__(self) -> str:
        from bidfit.present.pricing import render_options

        return render_options(self)

    def _repr_html_(self) -> str:
        from bidfit.present.pricing import render_options_html

        return render_options_html(self)


def scope_options(case: Case, bid: str) -> OptionsResult:
    """Evaluate every combination (2^n) of a bid's scope options.

    Examples
    --------
    >>> import bidfit
    >>> scope_options(bidfit.load_sample("norway_roaming"), "Competitor B").rows[0]["options"]
    ()
    """
    model, _, _ = _base(case, bid)
    names = [o.name for o in model.options]
    combos = [c for k in range(len(names) + 1) for c in itertools.combinations(names, k)]
    variants = [model.with_options(c) if c else model.model_copy(update={"options": []}) for c in combos]
    trial = _bid_case(case, *variants)
    problems = reference_problems(trial)
    if problems:
        raise InputError(problems)
    results = assess(trial, build_cashflows(trial))
    rows = []
    for chosen, variant in zip(combos, variants, strict=True):
        outcome = results[variant.name]
        room = outcome.deal_room
        margin = room.vendor_margin if room is not None else None
        vendor_ok = room is None or (margin is not None and margin >= room.min_margin - 1e-12)
        rows.append(
            {
                "options": chosen,
                "scope": list(variant.scope),
                "npv": outcome.npv,
                "verdict": outcome.verdict,
                "vendor_margin": margin,
                "vendor_ok": vendor_ok,
            }
        )
    accepted = [r for r in rows if r["vendor_ok"]]
    recommended = max(accepted, key=lambda r: r["npv"]) if accepted else None  # type: ignore[arg-type, return-value]
    return OptionsResult(model.name, case.currency, tuple(rows), recommended)


@dataclass(frozen=True, repr=False)
class CompetitorInference:
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

    def __repr__(self) -> str:
        return self.sentence

    def _repr_html_(self) -> str:
        from html import escape

        return f"<p>{escape(self.sentence)}</p>"


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
class PricingRoom:
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
    def table(self) -> pd.DataFrame:
        """The pricing figures as a two-column DataFrame (figure, value)."""
        import pandas as pd

        from bidfit.present.pricing import pricing_rows

        return pd.DataFrame(pricing_rows(self), columns=["figure", "value"]).set_index("figure")

    def __repr__(self) -> str:
        from bidfit.present.pricing import render_pricing

        return render_pricing(self)

    def _repr_html_(self) -> str:
        from bidfit.present.pricing import render_pricing_html

        return render_pricing_html(self)


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
