"""Summary tables that keep exact numbers and show readable ones.

A result's ``.summary`` is a pandas DataFrame of exact floats, for computing
with. Shown as it is, pandas prints ``-1.533944e+06`` and cuts the columns to
the window. :class:`SummaryFrame` is that same DataFrame, shown with each
figure in its unit (``EUR -1.53M``, ``31.3%``, ``2.3 years``, ``1.31x``),
verdicts in words and every column; anything computed from it (a column, a
filter, ``.round()``) is a plain DataFrame again.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import pandas as pd

from bidfit import _format as fmt

__all__ = ["FIGURE_UNITS", "SummaryFrame", "summary_frame"]

_MONEY = (
    "npv",
    "pv_benefits",
    "pv_costs",
    "lifetime_cost",
    "revenue_pool",
    "one_time_price",
    "max_one_time_price",
    "annual_fee",
    "max_annual_fee",
    "deterministic_npv",
    "npv_mean",
    "npv_p10",
    "npv_p50",
    "npv_p90",
    "ceiling_price",
    "ceiling_fee",
    "floor_price",
    "floor_fee",
    "base_npv",
    "npv_low",
    "npv_high",
    "npv_range",
)
_PERCENT = (
    "irr",
    "benefit_share",
    "benefit_headroom",
    "probability_worse_off",
    "probability_worse_off_se",
    "share_never_pays_back",
    "vendor_margin",
)
_YEARS = ("payback_years", "discounted_payback_years", "payback_p10", "payback_p50", "payback_p90")

FIGURE_UNITS: dict[str, str] = {
    **dict.fromkeys(_MONEY, "money"),
    **dict.fromkeys(_PERCENT, "percent"),
    **dict.fromkeys(_YEARS, "years"),
    "benefit_cost_ratio": "ratio",
    "verdict": "verdict",
}
"""How each summary column is shown, by column name; other columns show as they are."""

_VERDICT_WORDS = {"better_off": "better off", "at_risk": "at risk", "worse_off": "worse off"}


def _shown(value: Any, unit: str | None, currency: str | None) -> Any:
    """One cell as it displays: a figure in its unit, a missing figure as ``n/a`` (``never`` for a payback)."""
    if unit is None:
        return value
    if unit == "verdict":
        return _VERDICT_WORDS.get(str(value), value)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "never" if unit == "years" else "n/a"
    number = float(value)
    if unit == "money":
        return fmt.money(number, currency or "")
    if unit == "percent":
        return fmt.percent(number, 1)
    if unit == "years":
        return fmt.years(number)
    return fmt.ratio(number)


class SummaryFrame(pd.DataFrame):
    """A DataFrame of exact figures that displays each in its unit, with every column.

    ``currency`` names the money of every row; None: each row's own
    ``currency`` column (a portfolio of several currencies), else no code.

    Examples
    --------
    >>> frame = summary_frame(pd.DataFrame({"npv": [-1533943.78], "irr": [0.3125]}, index=["A"]), "EUR")
    >>> float(frame["npv"].iloc[0])
    -1533943.78
    >>> print(frame)
              npv    irr
    A  EUR -1.53M  31.2%
    """

    _metadata: ClassVar[list[str]] = ["currency"]
    currency: str | None

    @property
    def _constructor(self) -> type[pd.DataFrame]:
        return pd.DataFrame  # anything computed from the summary is plain data again

    def shown(self) -> pd.DataFrame:
        """The table as it displays: every figure formatted in its unit, as text."""
        out = pd.DataFrame(index=self.index)
        currency = getattr(self, "currency", None)
        # Without one currency for all rows (a portfolio), each row's own ``currency`` column.
        rows = (
            [currency] * len(self)
            if currency or "currency" not in self.columns
            else self["currency"].tolist()
        )
        for column in self.columns:
            unit = FIGURE_UNITS.get(str(column))
            out[column] = [_shown(v, unit, cur) for v, cur in zip(self[column].tolist(), rows, strict=True)]
        return out

    def __repr__(self) -> str:
        return self.shown().to_string()

    def _repr_html_(self) -> str:
        return self.shown().to_html(classes="bidfit-summary", na_rep="n/a")


def summary_frame(frame: pd.DataFrame, currency: str | None) -> SummaryFrame:
    """``frame`` as a :class:`SummaryFrame` whose money is in ``currency``."""
    out = SummaryFrame(frame)
    out.currency = currency
    return out
