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

from bidfit import finance
from bidfit._version import __version__
from bidfit.analysis import analyze, analyze_many
from bidfit.errors import BidfitError, InputError, Problem
from bidfit.flags import FLAG_CODES, Flag
from bidfit.io import load, load_sample, sample_names, sample_path
from bidfit.models import Bid, Case, CostItem, Policy, RevenueStream, ScopeOption, Uncertainty
from bidfit.results import Analysis, BidAnalysis, Portfolio

if TYPE_CHECKING:
    from bidfit.dealmap import DealMap, deal_map
    from bidfit.pricing import competitor_inference, pricing_room, scope_options, what_it_takes
    from bidfit.review import CheckResult, check
    from bidfit.sensitivity_analysis import sensitivity
    from bidfit.simulation import Simulation, simulate

# Loaded on first use, so that `import bidfit` (and the review gate's cold start) stays light.
_LAZY = {
    "DealMap": "bidfit.dealmap",
    "deal_map": "bidfit.dealmap",
    "competitor_inference": "bidfit.pricing",
    "pricing_room": "bidfit.pricing",
    "scope_options": "bidfit.pricing",
    "what_it_takes": "bidfit.pricing",
    "CheckResult": "bidfit.review",
    "check": "bidfit.review",
    "sensitivity": "bidfit.sensitivity_analysis",
    "Simulation": "bidfit.simulation",
    "simulate": "bidfit.simulation",
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
    "BidfitError",
    "Case",
    "CheckResult",
    "CostItem",
    "DealMap",
    "Flag",
    "InputError",
    "Policy",
    "Portfolio",
    "Problem",
    "RevenueStream",
    "ScopeOption",
    "Simulation",
    "Uncertainty",
    "__version__",
    "analyze",
    "analyze_many",
    "check",
    "competitor_inference",
    "deal_map",
    "finance",
    "load",
    "load_sample",
    "pricing_room",
    "sample_names",
    "sample_path",
    "scope_options",
    "sensitivity",
    "simulate",
    "what_it_takes",
]
