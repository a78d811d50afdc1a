"""Every other scope of a bid, cut from one build of its widest scope: scope options and the scope lever's variants."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from bidfit.assess.analysis import assess, kernel
from bidfit.assess.dealroom import delivery_pv, vendor_margin
from bidfit.build.cashflows import BidCashflows, build_cashflows
from bidfit.errors import InputError
from bidfit.kernel import finance
from bidfit.model.case import Bid, Case
from bidfit.model.references import reference_problems
from bidfit.results.analysis import Verdict
from bidfit.results.base import Blocks, Result
from bidfit.studies.pricing.common import (
    FloatArray,
    assess_alone,
    bid_case,
    single_bid,
    sure_to_fail,
)

MAX_SCOPE_STREAMS = 12

if TYPE_CHECKING:
    import pandas as pd


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


def scope_variants(case: Case, model: Bid) -> list[_Variant]:
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


def variant_model(model: Bid, variant: _Variant) -> Bid:
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
            price_linked=None if built.price_linked is None else built.price_linked[costs],
            vendor_cost_names=tuple(built.vendor_cost_names[i] for i in self.vendor),
            vendor_cost_lines=self.vendor_lines,
        )


def variant_rows(case: Case, model: Bid, variants: Sequence[_Variant]) -> list[_Rows | None]:
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
    trial = bid_case(case, widest)
    if reference_problems(trial):
        return [_built_alone(case, variant_model(model, v)) for v in variants]
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
    trial = bid_case(case, variant)
    if reference_problems(trial):
        return None
    built = build_cashflows(trial)[variant.name]
    every = (
        range(len(built.stream_names)),
        range(len(built.cost_names)),
        range(len(built.vendor_cost_names)),
    )
    return _Rows(built, variant.name, *(list(rows) for rows in every))


def screen(rate: float, rows: Sequence[_Rows]) -> tuple[FloatArray, FloatArray, FloatArray]:
    """NPV [currency], payback [years] and a rounding margin [currency] of many variants in one run.

    The NPV is discounted as the finance kernel does it (one rate per row);
    the margin, a billionth of the flows' undiscounted size, stands for any
    rounding between the two.
    """
    net = np.stack([r.net for r in rows])
    npv = np.asarray(finance.npv(np.full(len(rows), rate), net))
    return npv, np.asarray(finance.payback(net)), 1e-9 * np.abs(net).sum(axis=1)


@dataclass(frozen=True, repr=False)
class OptionsResult(Result):
    """Every combination of a bid's scope options.

    Attributes
    ----------
    bid : str
        The bid.
    rows : tuple of dict
        Per combination: ``options`` (tuple of names), ``scope``, ``npv``
        [currency], ``verdict`` (the customer's economics), ``passes`` (the
        review policy's outcome), ``vendor_margin`` [fraction or None] and
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
        options: customer NPV [currency], verdict, policy outcome, vendor
        margin [fraction]; and the recommended combination.

    Notes
    -----
    The combinations' arrays are cut from one build of the bid with every
    option, and their NPV and payback come from one stacked run. A
    combination with a negative NPV that the policy fails (an error unless
    the policy lowers it) is ``worse_off`` and fails whatever its other
    findings; only the others go through the rest of the kernel and the
    rules. When the policy raises ``DOMINATED``
    above info, a combination's verdict depends on all the others, and all are
    judged together in full.

    Examples
    --------
    >>> import bidfit
    >>> scope_options(bidfit.load_sample("norway_roaming"), "Competitor B").rows[0]["options"]
    ()
    """
    model, single, _ = single_bid(case, bid)
    variants = _option_variants(model)
    found = variant_rows(single, model, variants)
    built = [rows for rows in found if rows is not None]
    if len(built) < len(found):
        raise InputError(reference_problems(bid_case(single, *(variant_model(model, v) for v in variants))))
    rows: list[dict[str, object]] = [
        {
            "options": v.options,
            "scope": list(v.scope),
            "npv": npv,
            "verdict": verdict,
            "passes": passes,
            "vendor_margin": margin,
            "vendor_ok": ok,
        }
        for v, (npv, verdict, passes, margin, ok) in zip(
            variants, _judged(single, model, variants, built), strict=True
        )
    ]
    accepted = [r for r in rows if r["vendor_ok"]]
    recommended = max(accepted, key=lambda r: r["npv"]) if accepted else None  # type: ignore[arg-type, return-value]
    return OptionsResult(model.name, case.currency, tuple(rows), recommended)


_Judged = tuple[float, Verdict, bool, float | None, bool]


def _judged(case: Case, model: Bid, variants: Sequence[_Variant], built: Sequence[_Rows]) -> list[_Judged]:
    """Each variant's NPV [currency], verdict, policy outcome, vendor margin [fraction or None] and whether
    the vendor accepts it."""
    policy = case.policy
    npv, payback, margin = screen(case.discount_rate, built)
    together = policy.severity.get("DOMINATED", "info") != "info"
    # With DOMINATED counting, each verdict depends on every other variant: none is settled early.
    doomed = (
        np.zeros(npv.size, dtype=bool) if together else sure_to_fail(policy, "error", npv, payback, margin)
    )
    # A variant that fails on its NPV is worse off whatever else holds; one that fails on its payback
    # alone may still leave the customer better off, so the rules judge it in full.
    doomed &= npv < 0
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
            out.append((float(value), "worse_off", False, None, True))
            continue
        quoted = vendor_margin(delivery_pv(lines, rate), float(pv_one_time) + float(pv_recurring))
        out.append(
            (float(value), "worse_off", False, quoted, _vendor_accepts(quoted, model.min_margin or 0.0))
        )
    return out


def _in_full(
    case: Case, model: Bid, variants: Sequence[_Variant], built: Sequence[_Rows], together: bool
) -> list[_Judged]:
    """The rows of variants judged by the full kernel and rules, each alone or (``together``) all at once."""
    if not variants:
        return []
    bids = [variant_model(model, v) for v in variants]
    flows = {b.name: rows.flows() for b, rows in zip(bids, built, strict=True)}
    figures = dict(zip(flows, kernel(case.discount_rate, list(flows.values())), strict=True))
    if together:
        outcomes = assess(bid_case(case, *bids), flows, figures)
    else:
        outcomes = {b.name: assess_alone(case, b, flows[b.name], figures[b.name]) for b in bids}
    out: list[_Judged] = []
    for b in bids:
        outcome, room = outcomes[b.name], outcomes[b.name].deal_room
        if room is None:
            out.append((outcome.npv, outcome.verdict, outcome.passes, None, True))
        else:
            accepts = _vendor_accepts(room.vendor_margin, room.min_margin)
            out.append((outcome.npv, outcome.verdict, outcome.passes, room.vendor_margin, accepts))
    return out


def _vendor_accepts(margin: float | None, min_margin: float) -> bool:
    """True when the vendor's margin meets its minimum (to rounding)."""
    return margin is not None and margin >= min_margin - 1e-12
