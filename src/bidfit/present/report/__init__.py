"""The report workbook: what bidfit found, in a form a reviewer can audit without Python.

:func:`report_workbook` turns an :class:`bidfit.Analysis` into an openpyxl
workbook (nothing is written to disk here; :func:`bidfit.io.xlsx.write.save_workbook`
saves it atomically):

``Summary``
    One row per bid with the figures bidfit printed, as plain numbers, and
    the policy outcome with the customer's verdict; beside the NPV a live
    formula that recomputes it from the bid's cash-flow sheet with the
    spreadsheet's own ``NPV()`` and a check cell; below, each bid's headline
    in words with its top finding and lever, and a table of live checks of
    IRR (any rate that makes NPV zero), payback, discounted payback and the
    break-even price and fee; a master check over every check cell (the
    tolerance is the named input ``CheckTolerance``); a chart of each bid's
    cumulative cash position.
``Flags``
    One row per finding: bid, code, severity, message (wrapped, each row as
    tall as its text), lever.
``Pricing``
    Per bid, the customer's ceiling against the vendor's floor, the deal
    room, what it takes to pass and the scope options, as plain values (see
    :mod:`bidfit.present.report.pricing`).
``Inputs``
    The assumptions register: every input with its unit and source, inputs
    only (yellow cells).
``Calculations``
    Each line's constants, calculated from the inputs: FX rate, first and
    last active year, the amount in the case currency, and for a cost the
    group it counts in (one-time, fee linked to the price, other recurring).
one sheet per bid
    Years across the columns, in the FAST style: a timing block (within the
    horizon, discount factor), then one value row per line and, grouped and
    hidden under the total, each line's helper rows (active flag, years since
    the first, ramp factor, growth or escalation factor); the cost groups
    (one-time, fees linked to the price, other recurring), totals, net,
    cumulative and discounted rows; the live results (NPV, IRR, payback,
    discounted payback, break-even price and fee and the PVs behind them);
    a chart of benefits and costs per year. Each row uses one formula across
    its years, and no formula holds a number other than 0 and 1.

The formulas follow the conventions of :mod:`bidfit.build.cashflows` and
:mod:`bidfit.kernel.finance`:

* a line is active in year ``t`` when ``first <= t <= last`` and ``t`` is
  within the horizon; its value is ``base * active * (1 + g) ** e * ramp``
  with ``e = max(t - first, 0)`` and ``ramp = MIN((e + 1) / MAX(k, 1), 1)``
  for a ramp of ``k`` years;
* a stream's base is ``annual_amount * fx * capture * margin``; a cost's base
  is ``amount * fx``, or ``percent`` times the bases of its ``percent_of``
  items;
* ``NPV = SUM(net_t / (1 + r) ** t)``, year 0 undiscounted (on ``Summary``
  recomputed as ``net_0 + NPV(r, net_1..net_n)``, since the spreadsheet's
  ``NPV()`` discounts its first value);
* IRR is the spreadsheet's ``IRR()`` of the net flows (``n/a`` where it
  finds none);
* payback: with ``K`` one more than the last year whose cumulative is
  negative, ``K - 1 + (-C_(K-1)) / net_K``; 0 when the cumulative is never
  negative; ``never`` when it is still negative in the last year;
* break-even price: ``(PV_benefits - PV_other_recurring) * price /
  (PV_one_time + PV_linked_fees)``, the fees priced as a percent of one-time
  items moving with the price; break-even fee: ``(PV_benefits - PV_one_time)
  * fee / PV_recurring``.

Every sheet prints one page wide on A4 with its header rows repeated, and
charts start a page of their own.

All user text (names, sources, messages) is written as text, never as a
formula (see :func:`bidfit.io.xlsx.write.write_text`). Every reference in a
formula, a chart, a hyperlink or a defined name is built by
:func:`bidfit.io.xlsx.write.cell_ref` or :func:`bidfit.io.xlsx.write.range_ref`: the
only user text a formula can hold is a bid sheet's quoted title, which
:func:`bidfit.io.xlsx.write.safe_sheet_title` chose.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from bidfit.io.xlsx.write import safe_sheet_title
from bidfit.present.report.bid_sheet import _bid_sheet, _BidSheet
from bidfit.present.report.cells import finish_styles
from bidfit.present.report.inputs import _inputs_sheet
from bidfit.present.report.pricing import add_pricing_sheet
from bidfit.present.report.risk import add_sensitivity_sheet, add_simulation_sheet
from bidfit.present.report.summary import _flags_sheet, _summary_sheet

if TYPE_CHECKING:
    from openpyxl import Workbook

    from bidfit.results.analysis import Analysis
    from bidfit.results.simulation import Simulation
    from bidfit.studies.pricing import PricingRoom
    from bidfit.studies.sensitivity import Sensitivity

__all__ = ["report_workbook"]


def report_workbook(
    analysis: Analysis,
    *,
    pricing: Mapping[str, PricingRoom] | None = None,
    simulation: Simulation | None = None,
    sensitivity: Iterable[Sensitivity] = (),
) -> Workbook:
    """Build the report workbook of results already computed (in memory).

    Parameters
    ----------
    analysis : Analysis
        The result of :func:`bidfit.analyze`.
    pricing : mapping of str to PricingRoom, optional
        Each bid's :func:`bidfit.pricing_room`, by bid name: the ``Pricing``
        sheet then shows what it takes for a worse-off bid to pass and the
        scope options (:func:`bidfit.present.report.pricing.add_pricing_sheet`).
    simulation : Simulation, optional
        The result of :func:`bidfit.simulate`: adds the ``Simulation`` sheet
        (:func:`bidfit.present.report.risk.add_simulation_sheet`).
    sensitivity : iterable of Sensitivity, optional
        Results of :func:`bidfit.sensitivity`: adds one ``Sensitivity <bid>``
        sheet each (:func:`bidfit.present.report.risk.add_sensitivity_sheet`).

    Returns
    -------
    openpyxl.Workbook
        Sheets ``Summary``, ``Flags``, ``Pricing``, ``Inputs``, ``Calculations`` and one
        cash-flow sheet per bid (named after the bid, made valid and unique),
        then the risk sheets of what was given.

    Examples
    --------
    >>> import bidfit
    >>> case = bidfit.load_sample("norway_roaming")
    >>> wb = report_workbook(bidfit.analyze(case), sensitivity=[bidfit.sensitivity(case, "Vendor A")])
    >>> wb.sheetnames
    ['Summary', 'Flags', 'Pricing', 'Inputs', 'Calculations', 'Vendor A', 'Competitor B', 'Sensitivity Vendor A']
    >>> wb["Summary"]["E7"].value
    "='Vendor A'!$C$38+NPV(DiscountRate,'Vendor A'!$D$38:$H$38)"
    """
    from openpyxl import Workbook

    case = analysis.case
    wb = Workbook()
    summary = wb.active
    assert summary is not None
    summary.title = "Summary"
    _flags_sheet(wb, analysis)
    add_pricing_sheet(wb, analysis, pricing)
    at = _inputs_sheet(wb, case)
    taken = list(wb.sheetnames)
    sheets: dict[str, _BidSheet] = {}
    for result in analysis:
        title = safe_sheet_title(result.name, taken)
        taken.append(title)
        sheets[result.name] = _bid_sheet(wb, result, case, at, title)
    _summary_sheet(summary, analysis, sheets)
    if simulation is not None:
        add_simulation_sheet(wb, simulation)
    for study in sensitivity:
        add_sensitivity_sheet(wb, case, study)
    for ws in wb.worksheets:
        finish_styles(ws)
    wb.calculation.fullCalcOnLoad = True
    return wb
