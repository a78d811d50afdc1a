"""Break-even and headroom metrics: small pure functions over arrays.

They take present values (PV) that the finance kernel computed and broadcast
over leading axes, so they serve one bid and a million simulated trials alike.
All money is in the case currency; PV is at the customer's discount rate.

NPV is linear in any one group of costs scaled by a factor ``s``::

    NPV(s) = PV_benefits - s * PV_scaled - PV_fixed

so the factor that makes NPV zero is ``s* = (PV_benefits - PV_fixed) / PV_scaled``.
The break-even price scales all one-time costs together (``PV_scaled`` is the
PV of the one-time costs); the break-even fee scales all recurring costs
together. Either can be negative: then no price (or no fee), however low,
makes the bid worth it for the customer.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = [
    "annuity_factor",
    "benefit_headroom",
    "max_annual_fee",
    "max_one_time_price",
]

ArrayOrFloat = npt.ArrayLike


def annuity_factor(rate: ArrayOrFloat, horizon_years: int | npt.ArrayLike) -> np.ndarray:
    """PV of 1 paid at the end of each year ``1..horizon_years`` [years].

    Parameters
    ----------
    rate : array_like
        Discount rate [1/year].
    horizon_years : int or array_like of int
        The horizon [years]; an array gives one horizon per rate.

    Examples
    --------
    >>> round(float(annuity_factor(0.1, 3)), 6)  # 1/1.1 + 1/1.21 + 1/1.331
    2.486852
    >>> annuity_factor([0.1, 0.1], [1, 2]).round(6).tolist()
    [0.909091, 1.735537]
    """
    horizons = np.asarray(horizon_years)
    t = np.arange(1, int(horizons.max(initial=0)) + 1)
    factors = (1.0 + np.asarray(rate, dtype=float)[..., None]) ** -t
    if horizons.ndim == 0:
        return factors.sum(axis=-1)
    return np.where(t <= horizons[..., None], factors, 0.0).sum(axis=-1)


def max_one_time_price(
    pv_benefits: ArrayOrFloat,
    pv_one_time: ArrayOrFloat,
    pv_recurring: ArrayOrFloat,
    one_time_total: ArrayOrFloat,
) -> np.ndarray:
    """The total one-time cost at which the customer's NPV is zero [currency].

    All one-time costs are scaled together, keeping their timing; recurring
    costs stay as quoted. With no one-time cost at all, the answer is the
    price the customer could pay at signature (year 0).

    Parameters
    ----------
    pv_benefits, pv_one_time, pv_recurring : array_like
        PV of benefits, of one-time costs and of recurring costs [currency].
    one_time_total : array_like
        Undiscounted total of the one-time costs as quoted [currency].

    Returns
    -------
    ndarray
        The break-even total one-time price; negative when even a free
        installation leaves the customer worse off.

    Notes
    -----
    ``s* = (PV_benefits - PV_recurring) / PV_one_time`` and the price is
    ``s* * one_time_total``. When every one-time cost falls in year 0 this is
    simply ``PV_benefits - PV_recurring``.

    Examples
    --------
    >>> float(max_one_time_price(1000.0, 400.0, 700.0, 400.0))
    300.0
    """
    pv_b, pv_ot, pv_r, total = np.broadcast_arrays(
        *(np.asarray(x, dtype=float) for x in (pv_benefits, pv_one_time, pv_recurring, one_time_total))
    )
    room = pv_b - pv_r
    with np.errstate(all="ignore"):
        # total / pv_ot first: it is at most the largest discount factor, while
        # room * total, a product of two amounts, could overflow.
        scaled = room * (total / pv_ot)
    return np.where(pv_ot > 0, scaled, room)


def max_annual_fee(
    pv_benefits: ArrayOrFloat,
    pv_one_time: ArrayOrFloat,
    pv_recurring: ArrayOrFloat,
    first_fee: ArrayOrFloat,
    rate: ArrayOrFloat,
    horizon_years: int | npt.ArrayLike,
) -> np.ndarray:
    """The first operating year's total recurring cost at which NPV is zero [currency/year].

    All recurring costs are scaled together, keeping their timing and
    escalation; one-time costs stay as quoted. With no recurring cost at all,
    the answer is a flat fee paid in years ``1..horizon_years``.

    Parameters
    ----------
    pv_benefits, pv_one_time, pv_recurring : array_like
        PV of benefits, of one-time costs and of recurring costs [currency].
    first_fee : array_like
        Total recurring cost in the first year that has one [currency/year].
    rate : array_like
        The customer's discount rate [1/year].
    horizon_years : int or array_like of int
        The horizon [years], or one per bid.

    Notes
    -----
    ``s* = (PV_benefits - PV_one_time) / PV_recurring`` and the fee is
    ``s* * first_fee``.

    Examples
    --------
    >>> float(max_annual_fee(1000.0, 400.0, 700.0, 350.0, 0.1, 2))
    300.0
    """
    pv_b, pv_ot, pv_r, fee = np.broadcast_arrays(
        *(np.asarray(x, dtype=float) for x in (pv_benefits, pv_one_time, pv_recurring, first_fee))
    )
    room = pv_b - pv_ot
    with np.errstate(all="ignore"):
        scaled = room * (fee / pv_r)  # fee / pv_r first, as in max_one_time_price
    return np.where(pv_r > 0, scaled, room / annuity_factor(rate, horizon_years))


def benefit_headroom(npv: ArrayOrFloat, pv_benefits: ArrayOrFloat) -> np.ndarray:
    """Share the benefits may fall before NPV turns negative [fraction].

    ``NPV / PV_benefits``; NaN where there are no benefits.

    Examples
    --------
    >>> float(benefit_headroom(250.0, 1000.0))
    0.25
    """
    npv_, pv_b = np.broadcast_arrays(np.asarray(npv, dtype=float), np.asarray(pv_benefits, dtype=float))
    with np.errstate(all="ignore"):
        return np.where(pv_b > 0, npv_ / pv_b, np.nan)
