"""What a competitor's known price implies about its fees and the customer's view of value."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from bidfit import _format as fmt
from bidfit.assess.analysis import analyze
from bidfit.errors import InputError, Problem
from bidfit.kernel.breakeven import annuity_factor
from bidfit.model.case import Case
from bidfit.results.base import Blocks, Result
from bidfit.studies.pricing.common import (
    single_bid,
)

if TYPE_CHECKING:
    pass


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
    With ``A`` the annuity factor of years ``1..horizon`` and ``a`` the PV
    of one unit of our price (our one-time costs and the fees priced as a
    percent of them, per unit of quoted price; 1 when everything is paid at
    signature), the customer prefers the competitor when
    ``PV_B - a * P_c - F_c * A >= NPV_ours``, so
    ``F_c <= (PV_B - a * P_c - NPV_ours) / A``; it is worth it at all when
    ``F_c <= (PV_B - a * P_c) / A``. A customer who accepts ``(P_c, F_c)``
    values the benefits at least at ``a * P_c + F_c * A``.

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
    ours = analyze(single_bid(case, bid)[1]).bids[bid]
    annuity = float(annuity_factor(case.discount_rate, case.horizon_years))
    # PV per unit of price, with our fees linked to the price following it (1 when all is paid at
    # signature and nothing is linked): the competitor's price is read in our bid's structure.
    per_price = ours.pv_price_costs / ours.one_time_price if ours.one_time_price > 0 else 1.0
    room = ours.pv_benefits - per_price * competitor_price
    implied = None if competitor_fee is None else per_price * competitor_price + competitor_fee * annuity
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
