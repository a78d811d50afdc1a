"""bidfit: see a bid the way the customer sees it.

The customer's revenue (or saving) at stake against everything a proposal
will cost the customer over its life; bids that would leave the customer
worse off are flagged, with the reason and the lever that fixes it.

Examples
--------
>>> import bidfit
>>> result = bidfit.analyze(bidfit.load_sample("norway_roaming"))
>>> result.bids["Vendor A"].verdict
'worse_off'
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

from bidfit._version import __version__
from bidfit.assess.analysis import analyze, analyze_many
from bidfit.errors import BidfitError, InputError, InputNote, NothingUncertainWarning, Problem
from bidfit.flags import FLAG_CODES, Flag
from bidfit.io import load, load_sample, sample_names, sample_path
from bidfit.kernel import finance
from bidfit.model.case import Bid, Case, CostItem, Policy, RevenueStream, ScopeOption, Uncertainty
from bidfit.results.analysis import Analysis, BidAnalysis, Portfolio

if TYPE_CHECKING:
    from bidfit.dealdesk import Desk, desk
    from bidfit.gate import BidCheck, CheckResult, check
    from bidfit.results.simulation import SimulatedBid, Simulation
    from bidfit.studies.dealmap import DealMap, deal_map
    from bidfit.studies.pricing import (
        CompetitorInference,
        LeverChange,
        OptionsResult,
        PricingRoom,
        WhatItTakes,
        competitor_inference,
        pricing_room,
        scope_options,
        what_it_takes,
    )
    from bidfit.studies.sensitivity import Sensitivity, sensitivity
    from bidfit.studies.simulation import merge_simulations, simulate

# Loaded on first use, so that `import bidfit` (and the review gate's cold start) stays light.
_LAZY = {
    "DealMap": "bidfit.studies.dealmap",
    "deal_map": "bidfit.studies.dealmap",
    "CompetitorInference": "bidfit.studies.pricing",
    "LeverChange": "bidfit.studies.pricing",
    "OptionsResult": "bidfit.studies.pricing",
    "PricingRoom": "bidfit.studies.pricing",
    "WhatItTakes": "bidfit.studies.pricing",
    "competitor_inference": "bidfit.studies.pricing",
    "pricing_room": "bidfit.studies.pricing",
    "scope_options": "bidfit.studies.pricing",
    "what_it_takes": "bidfit.studies.pricing",
    "Desk": "bidfit.dealdesk",
    "desk": "bidfit.dealdesk",
    "BidCheck": "bidfit.gate",
    "CheckResult": "bidfit.gate",
    "check": "bidfit.gate",
    "Sensitivity": "bidfit.studies.sensitivity",
    "sensitivity": "bidfit.studies.sensitivity",
    "SimulatedBid": "bidfit.results.simulation",
    "Simulation": "bidfit.results.simulation",
    "simulate": "bidfit.studies.simulation",
    "merge_simulations": "bidfit.studies.simulation",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'bidfit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "FLAG_CODES",
    "Analysis",
    "Bid",
    "BidAnalysis",
    "BidCheck",
    "BidfitError",
    "Case",
    "CheckResult",
    "CompetitorInference",
    "CostItem",
    "DealMap",
    "Desk",
    "Flag",
    "InputError",
    "InputNote",
    "LeverChange",
    "NothingUncertainWarning",
    "OptionsResult",
    "Policy",
    "Portfolio",
    "PricingRoom",
    "Problem",
    "RevenueStream",
    "ScopeOption",
    "Sensitivity",
    "SimulatedBid",
    "Simulation",
    "Uncertainty",
    "WhatItTakes",
    "__version__",
    "analyze",
    "analyze_many",
    "check",
    "competitor_inference",
    "deal_map",
    "desk",
    "finance",
    "load",
    "load_sample",
    "merge_simulations",
    "pricing_room",
    "sample_names",
    "sample_path",
    "scope_options",
    "sensitivity",
    "simulate",
    "what_it_takes",
]
