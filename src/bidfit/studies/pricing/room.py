"""The pricing room: both sides of one bid in one view."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bidfit.assess.analysis import analyze
from bidfit.model.case import Case
from bidfit.results.analysis import Analysis, BidAnalysis
from bidfit.results.base import Blocks, Result
from bidfit.studies.pricing.common import (
    FailOn,
    single_bid,
)
from bidfit.studies.pricing.competitor import CompetitorInference, competitor_inference
from bidfit.studies.pricing.levers import WhatItTakes, what_it_takes
from bidfit.studies.pricing.scope import OptionsResult, scope_options

if TYPE_CHECKING:
    import pandas as pd

    from bidfit.assess.dealroom import DealRoom


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
    model, single, _ = single_bid(case, bid)
    analysis = analyze(single).bids[bid]
    return PricingRoom(
        analysis=analysis,
        what_it_takes=what_it_takes(case, bid, fail_on),
        options=scope_options(case, bid) if model.options else None,
        competitor=None
        if competitor_price is None
        else competitor_inference(case, bid, competitor_price, competitor_fee),
    )


def pricing_rooms(analysis: Analysis, fail_on: FailOn = "error") -> dict[str, PricingRoom]:
    """The :func:`pricing_room` of every bid of an analysis, by bid name: what the report's
    ``Pricing`` sheet and ``bidfit analyze`` show.

    Examples
    --------
    >>> import bidfit
    >>> rooms = pricing_rooms(bidfit.analyze(bidfit.load_sample("norway_roaming")))
    >>> list(rooms)
    ['Vendor A', 'Competitor B']
    """
    return {bid.name: pricing_room(analysis.case, bid.name, fail_on=fail_on) for bid in analysis}
