"""What every pricing study shares: when a bid passes, and the one-bid case it is studied in."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from bidfit.assess.analysis import Figures, assess
from bidfit.build.cashflows import BidCashflows, build_cashflows
from bidfit.errors import InputError, Problem
from bidfit.flags import FAILING_SEVERITIES, FailOn
from bidfit.model.case import Bid, Case, Policy
from bidfit.model.references import require_consistent
from bidfit.results.analysis import BidAnalysis

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
UNFIXABLE = frozenset({"MISSING_SOURCE", "DOMINATED", "NO_DEAL_ROOM"})


def passes(result: BidAnalysis, fail_on: FailOn = "error") -> bool:
    """True when the bid has no finding at or above ``fail_on`` that a lever can change."""
    blocking = FAILING_SEVERITIES[fail_on]
    return not any(f.severity in blocking and f.code not in UNFIXABLE for f in result.flags)


def bid_case(case: Case, *bids: Bid) -> Case:
    """The case with only ``bids`` (variants of its bids), without uncertainty.

    The pricing room is deterministic; an uncertainty naming another bid (or
    the bid under its old name) would not resolve in the variant case.
    """
    return case.model_copy(update={"bids": list(bids), "uncertainty": []})


def single_bid(case: Case, bid: str) -> tuple[Bid, Case, BidCashflows]:
    try:
        model = case.bid(bid)
    except KeyError as exc:
        raise InputError(Problem("bid", exc.args[0], found=bid, code="unknown_name")) from None
    single = bid_case(case, model)
    require_consistent(single)
    return model, single, build_cashflows(single)[model.name]


def _fails_at(policy: Policy, code: str, fail_on: FailOn) -> bool:
    """True when finding ``code``, an error as the rules raise it, fails a bid at ``fail_on`` under ``policy``."""
    return policy.severity.get(code, "error") in FAILING_SEVERITIES[fail_on]


def sure_to_fail(
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
    >>> sure_to_fail(Policy(), "error", np.array([-5.0, 5.0, 5.0]), np.array([2.0, np.nan, 3.0]), 1e-6)
    array([ True,  True, False])
    """
    doomed = np.zeros(npv.shape, dtype=bool)
    if _fails_at(policy, "NEGATIVE_NPV", fail_on):
        doomed |= npv < -np.asarray(margin)
    if _fails_at(policy, "NO_PAYBACK", fail_on):
        doomed |= np.isnan(payback)
    limit = policy.max_payback_years
    if limit is not None and _fails_at(policy, "PAYBACK_TOO_LONG", fail_on):
        doomed |= payback > limit + 1e-6
    return doomed


def assess_alone(case: Case, bid: Bid, flows: BidCashflows, figures: Figures) -> BidAnalysis:
    return assess(bid_case(case, bid), {bid.name: flows}, {bid.name: figures})[bid.name]
