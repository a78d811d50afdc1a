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

from bidfit.studies.pricing.common import passes
from bidfit.studies.pricing.competitor import CompetitorInference, competitor_inference
from bidfit.studies.pricing.levers import LeverChange, WhatItTakes, what_it_takes
from bidfit.studies.pricing.room import PricingRoom, pricing_room, pricing_rooms
from bidfit.studies.pricing.scope import OptionsResult, scope_options

__all__ = [
    "CompetitorInference",
    "LeverChange",
    "OptionsResult",
    "PricingRoom",
    "WhatItTakes",
    "competitor_inference",
    "passes",
    "pricing_room",
    "pricing_rooms",
    "scope_options",
    "what_it_takes",
]
