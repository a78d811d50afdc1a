"""The deal map: the customer's NPV over every one-time price and annual fee.

A bid's one-time costs scaled together give its *price* (their undiscounted
total); its recurring costs scaled together give its *fee* (the total recurring
cost of the first year that has one). NPV is linear in both::

    NPV(price, fee) = PV_benefits - a * price - b * fee

with ``a = PV_one_time / price_quoted`` (PV per unit of price; 1 when every
one-time cost falls in year 0) and ``b = PV_recurring / fee_quoted`` (PV per
unit of first-year fee [years]; the annuity factor for a flat fee). So the map
over a grid is an outer sum, and the break-even line, the fee at which the
customer just breaks even at each price, is straight::

    fee(price) = (PV_benefits - a * price) / b

These are the scalings of :func:`bidfit.kernel.breakeven.max_one_time_price` and
:func:`bidfit.kernel.breakeven.max_annual_fee`: the map is their picture. Costs keep
their timing and escalation. A recurring fee priced as a percent of one-time
items (``percent_of``) follows the price: it is in ``a`` (PV per unit of
price, the linked fees included), and the fee axis holds the other recurring
fees only (:attr:`BidAnalysis.unlinked_fee`), so that the break-even line at
the bid's own fee meets :attr:`BidAnalysis.max_one_time_price`.

Where the break-even line is below zero at a fee, no price, however low, makes
the bid worth it at that fee: the motivating Norway bid is such a case.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from bidfit.kernel import breakeven
from bidfit.model.case import Case
from bidfit.results.analysis import Analysis, BidAnalysis
from bidfit.results.base import Blocks, Result

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["DealMap", "DealPoint", "deal_map", "deal_map_of"]

FloatArray = npt.NDArray[np.float64]

MARGIN = 1.25
"""The default axes run from 0 to this many times the largest price or fee to show."""


@dataclass(frozen=True)
class DealPoint:
    """A (price, fee) point on a deal map.

    Attributes
    ----------
    name, vendor : str
        The bid the point comes from.
    price : float
        Total one-time price [currency].
    fee : float
        First-year recurring cost [currency/year].
    npv : float
        The NPV of the *mapped* bid at this price and fee [currency]: for a
        competitor, what the customer would get from the mapped bid's scope
        and cost timing at the competitor's price and fee.
    own_npv : float
        The NPV of the bid the point comes from, as analysed [currency].
    """

    name: str
    vendor: str
    price: float
    fee: float
    npv: float
    own_npv: float


@dataclass(frozen=True, repr=False)
class DealMap(Result):
    """The customer's NPV over a grid of one-time price x annual fee for one bid.

    Attributes
    ----------
    bid : str
        The mapped bid.
    currency : str
        The case currency.
    prices : ndarray of shape (p,)
        Total one-time prices of the grid [currency].
    fees : ndarray of shape (f,)
        First-year recurring costs of the grid [currency/year].
    npv : ndarray of shape (f, p)
        NPV at each (fee, price) [currency]: rows are fees, columns prices.
    break_even_fee : ndarray of shape (p,)
        The fee at which NPV = 0 at each price [currency/year]; negative
        where even no fee would do.
    pv_benefits : float
        PV of the bid's benefits [currency].
    price_coefficient : float
        ``a``: PV of one unit of one-time price [currency per currency].
    fee_coefficient : float
        ``b``: PV of one unit of first-year fee [years].
    point : DealPoint
        The bid's own quote.
    competitors : tuple of DealPoint
        The other bids' quotes.
    """

    bid: str
    currency: str
    prices: FloatArray
    fees: FloatArray
    npv: FloatArray
    break_even_fee: FloatArray
    pv_benefits: float
    price_coefficient: float
    fee_coefficient: float
    point: DealPoint
    competitors: tuple[DealPoint, ...]

    def npv_at(self, price: npt.ArrayLike, fee: npt.ArrayLike) -> FloatArray:
        """NPV at any (price, fee), broadcast [currency]."""
        p, f = np.asarray(price, dtype=float), np.asarray(fee, dtype=float)
        out: FloatArray = self.pv_benefits - self.price_coefficient * p - self.fee_coefficient * f
        return out

    def max_fee(self, price: npt.ArrayLike) -> FloatArray:
        """The fee at which NPV = 0 at ``price`` [currency/year]; negative: no fee works."""
        out: FloatArray = (self.pv_benefits - self.price_coefficient * np.asarray(price, dtype=float)) / (
            self.fee_coefficient
        )
        return out

    def max_price(self, fee: npt.ArrayLike) -> FloatArray:
        """The price at which NPV = 0 at ``fee`` [currency]; negative: no price works."""
        out: FloatArray = (self.pv_benefits - self.fee_coefficient * np.asarray(fee, dtype=float)) / (
            self.price_coefficient
        )
        return out

    @property
    def no_price_works(self) -> bool:
        """True when, at the bid's own fee, no price (not even zero) breaks even."""
        return bool(self.max_price(self.point.fee) < 0)

    def plot(self, ax: Axes | None = None) -> Axes:
        """Draw the map (see :func:`bidfit.present.plots.deal_map`)."""
        from bidfit.present.plots import deal_map as draw

        return draw(self, ax=ax)

    def _blocks(self) -> Blocks:
        from bidfit.present.view import describe_deal_map

        return describe_deal_map(self)


def _point(bid: BidAnalysis, a: float, b: float) -> DealPoint:
    npv = bid.pv_benefits - a * bid.one_time_price - b * bid.unlinked_fee
    return DealPoint(bid.name, bid.vendor, bid.one_time_price, bid.unlinked_fee, float(npv), bid.npv)


def _axis(values: npt.ArrayLike | None, largest: float, n: int) -> FloatArray:
    if values is not None:
        out = np.asarray(values, dtype=float)
        if out.ndim != 1 or out.size < 2 or not np.all(np.isfinite(out)):
            raise ValueError(f"prices and fees must be 1-D arrays of at least 2 finite values; found {out!r}")
        return out
    return np.linspace(0.0, MARGIN * largest if largest > 0 else 1.0, n)


def deal_map_of(
    bid: BidAnalysis,
    others: Sequence[BidAnalysis] = (),
    prices: npt.ArrayLike | None = None,
    fees: npt.ArrayLike | None = None,
    n: int = 200,
) -> DealMap:
    """The deal map of an analysed bid (see :func:`deal_map`)."""
    price0, fee0 = bid.one_time_price, bid.unlinked_fee
    pv_fees = bid.pv_recurring_costs - bid.pv_linked_fees
    a = bid.pv_price_costs / price0 if price0 > 0 else 1.0
    b = pv_fees / fee0 if fee0 > 0 else float(breakeven.annuity_factor(bid.discount_rate, bid.horizon_years))
    point = _point(bid, a, b)
    competitors = tuple(_point(o, a, b) for o in others)
    quotes = [point, *competitors]
    price_axis = _axis(prices, max([q.price for q in quotes] + [bid.pv_benefits / a]), n)
    fee_axis = _axis(fees, max([q.fee for q in quotes] + [bid.pv_benefits / b]), n)
    grid = (bid.pv_benefits - a * price_axis)[np.newaxis, :] - (b * fee_axis)[:, np.newaxis]
    line = breakeven.max_annual_fee(
        bid.pv_benefits, a * price_axis, pv_fees, fee0, bid.discount_rate, bid.horizon_years
    )
    return DealMap(
        bid=bid.name,
        currency=bid.currency,
        prices=price_axis,
        fees=fee_axis,
        npv=grid,
        break_even_fee=np.asarray(line, dtype=float),
        pv_benefits=bid.pv_benefits,
        price_coefficient=a,
        fee_coefficient=b,
        point=point,
        competitors=competitors,
    )


def deal_map(
    case: Case | Analysis,
    bid: str,
    prices: npt.ArrayLike | None = None,
    fees: npt.ArrayLike | None = None,
    n: int = 200,
) -> DealMap:
    """NPV of one bid over a grid of one-time price x annual fee, with the break-even line.

    Parameters
    ----------
    case : Case or Analysis
        The case (analysed here) or its analysis.
    bid : str
        The bid to map; the other bids are shown as competitors' points.
    prices : array_like, optional
        Total one-time prices [currency]; default ``n`` values from 0 to 1.25
        times the largest of the quotes and the break-even price at no fee.
    fees : array_like, optional
        First-year recurring costs [currency/year]; default ``n`` values from
        0 to 1.25 times the largest of the quotes and the break-even fee at no price.
    n : int
        Grid points per axis when ``prices`` or ``fees`` is not given.

    Returns
    -------
    DealMap
        ``npv[i, j]`` at ``fees[i]``, ``prices[j]``; ``break_even_fee``;
        ``point`` (the bid's quote), ``competitors``; ``no_price_works``.

    Notes
    -----
    ``NPV = PV_benefits - a * price - b * fee`` (see the module notes), so
    the grid is one outer sum: a 200 x 200 map takes well under a
    millisecond after the analysis.

    Examples
    --------
    >>> import bidfit
    >>> m = bidfit.deal_map(bidfit.load_sample("norway_roaming"), "Vendor A")
    >>> m.no_price_works, round(float(m.max_price(m.point.fee)))
    (True, -613944)
    """
    from bidfit.assess.analysis import analyze

    analysis = case if isinstance(case, Analysis) else analyze(case)
    mapped = analysis.bids[bid]
    others = [b for name, b in analysis.bids.items() if name != bid]
    return deal_map_of(mapped, others, prices, fees, n)
