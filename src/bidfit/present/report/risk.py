"""Risk sheets of the report workbook: the simulation and the sensitivity of a bid.

Both functions take an :class:`openpyxl.Workbook` (normally the one
:func:`bidfit.present.report.report_workbook` built) and only add a sheet to
it; saving is left to :func:`bidfit.io.xlsx.write.save_workbook`. Every figure is a
plain number, the value bidfit computed (no formula), with a number format;
names and notes are written as text (:func:`bidfit.io.xlsx.write.write_text`);
chart titles are cleaned like cells' text, and chart data are references built
by :func:`bidfit.io.xlsx.write.range_ref`.

``Simulation``
    The run (trials, seed, uncertain inputs), one row per bid (P(worse off)
    and its standard error, NPV and payback percentiles, the share that never
    pays back, findings), then per bid an NPV histogram table and a native bar
    chart of it, bins below zero in red.
``Sensitivity <bid>``
    The table of :func:`bidfit.sensitivity`, ranked, with each input's flip
    value, and a tornado chart (NPV change at each input's low and high value).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bidfit import _format as fmt
from bidfit.io.xlsx.write import cell_ref, put, range_ref, safe_sheet_title
from bidfit.present.report.cells import (
    chart_categories,
    chart_series,
    column_letter,
    fit_row_height,
    page_break_before,
    print_setup,
    set_titles,
    show_axes,
    wrap_across,
    wrap_clipped,
)

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

    from bidfit.model.case import Case
    from bidfit.results.simulation import SimulatedBid, Simulation
    from bidfit.studies.sensitivity import Sensitivity

__all__ = ["add_sensitivity_sheet", "add_simulation_sheet"]

MONEY = "#,##0"
SHARE = "0.0%"
SMALL_SHARE = "0.00%"
YEARS = "0.0"
LOSS_FILL = "C62828"
GAIN_FILL = "2E7D32"
HISTOGRAM_BINS = 30

_SIMULATION_COLUMNS = (
    ("Bid", None),
    ("Vendor", None),
    ("Trials", "#,##0"),
    ("P(worse off)", SHARE),
    ("Standard error", SMALL_SHARE),
    ("NPV P10", MONEY),
    ("NPV P50", MONEY),
    ("NPV P90", MONEY),
    ("NPV mean", MONEY),
    ("Deterministic NPV", MONEY),
    ("Payback P10 [years]", YEARS),
    ("Payback P50 [years]", YEARS),
    ("Payback P90 [years]", YEARS),
    ("Never pays back", SHARE),
    ("Findings", None),
)
_SENSITIVITY_COLUMNS = (
    "Rank",
    "Input",
    "Base value",
    "Low value",
    "High value",
    "NPV at low",
    "NPV at high",
    "NPV range",
    "Flip value (NPV = 0)",
    "Method",
    "Note",
)
_RATE_FIELDS = ("growth", "escalation", "discount_rate", "capture", "margin", "percent")


def _header(ws: Worksheet, row: int, labels: tuple[str, ...] | list[str], col: int = 1) -> None:
    """Bold labels on grey, wrapped (the row grows to the longest label once the widths are set)."""
    from openpyxl.styles import PatternFill

    for i, label in enumerate(labels):
        put(ws, row, col + i, label, bold=True, wrap=True).fill = PatternFill("solid", fgColor="DDDDDD")


def _fit_wrapped_rows(ws: Worksheet, first: int = 1) -> None:
    """Every row holding wrapped text as tall as its longest wrapped cell needs (after the widths are set)."""
    for row in ws.iter_rows(min_row=first):
        for cell in row:
            if cell.alignment.wrap_text and isinstance(cell.value, str) and cell.value:
                width = ws.column_dimensions[cell.column_letter].width or 13
                fit_row_height(ws, cell.row, cell.value, width)


def _title(ws: Worksheet, text: str, note: str) -> None:
    put(ws, 1, 1, text, bold=True, size=14)
    put(ws, 2, 1, note)


def _widths(ws: Worksheet, widths: dict[str, float]) -> None:
    for letter, width in widths.items():
        ws.column_dimensions[letter].width = width


# --------------------------------------------------------------------------
# Simulation
# --------------------------------------------------------------------------


def _summary_row(bid: SimulatedBid) -> list[Any]:
    def years(value: float | None) -> float | str:
        return "never" if value is None else value

    return [
        bid.name,
        bid.vendor,
        bid.trials,
        bid.probability_worse_off,
        bid.probability_worse_off_se,
        bid.npv_p10,
        bid.npv_p50,
        bid.npv_p90,
        bid.npv_mean,
        bid.deterministic_npv,
        years(bid.payback_p10),
        years(bid.payback_p50),
        years(bid.payback_p90),
        bid.share_never_pays_back,
        "; ".join(f"{f.severity.upper()} {f.code}: {f.message}" for f in bid.flags),
    ]


def _histogram_block(ws: Worksheet, bid: SimulatedBid, top: int, bins: int) -> int:
    """The histogram table of one bid from row ``top`` and its chart beside it; returns the next free row."""
    from openpyxl.chart import BarChart
    from openpyxl.chart.marker import DataPoint
    from openpyxl.styles import Font

    table = bid.histogram(bins)
    put(ws, top, 1, f"NPV histogram: {bid.name}").font = Font(bold=True)
    _header(ws, top + 1, ["Bin (middle)", "NPV from", "NPV to", "Trials", "Share of trials"])
    first = top + 2
    for i, (lo, hi, count, share) in enumerate(table.itertuples(index=False)):
        row = first + i
        put(ws, row, 1, fmt.money((float(lo) + float(hi)) / 2))  # the bin's middle, short
        put(ws, row, 2, float(lo), MONEY)
        put(ws, row, 3, float(hi), MONEY)
        put(ws, row, 4, int(count), "#,##0")
        put(ws, row, 5, float(share), SMALL_SHARE)
    last = first + len(table) - 1

    chart = BarChart()
    chart.type = "col"
    chart.gapWidth = 10
    set_titles(
        chart,
        f"{bid.name}: simulated NPV (P(worse off) {fmt.percent(bid.probability_worse_off, 1)})",
        x=f"NPV [{bid.currency}]",
        y="share of trials",
    )
    chart.y_axis.numFmt = "0%"
    series = chart_series(
        range_ref(ws.title, f"E{first}", f"E{last}"), title_cell=cell_ref(ws.title, f"E{top + 1}")
    )
    chart.series.append(series)
    chart_categories(chart, range_ref(ws.title, f"A{first}", f"A{last}"))
    series.graphicalProperties.solidFill = GAIN_FILL
    for i, hi in enumerate(table["npv_to"]):
        if hi <= 0:
            point = DataPoint(idx=i)
            point.graphicalProperties.solidFill = LOSS_FILL
            series.dPt.append(point)
    chart.legend = None
    show_axes(chart)
    chart.width, chart.height = 22, 9
    ws.add_chart(chart, cell_ref(None, f"G{top + 1}", absolute=False))  # clear of the page break
    return max(last + 2, top + 20)


def add_simulation_sheet(workbook: Workbook, simulation: Simulation, bins: int = HISTOGRAM_BINS) -> Worksheet:
    # Long: the sheet's blocks in the order they appear (run, table per bid, histograms).
    """Add a ``Simulation`` sheet: the run, one summary row per bid, NPV histograms and their charts.

    Parameters
    ----------
    workbook : openpyxl.Workbook
        The workbook to add the sheet to (nothing else is changed).
    simulation : Simulation
        The result of :func:`bidfit.simulate`.
    bins : int
        Bins per NPV histogram.

    Returns
    -------
    openpyxl.worksheet.worksheet.Worksheet
        The new sheet (named ``Simulation``, or ``Simulation (2)`` when taken).

    Examples
    --------
    >>> import bidfit
    >>> from openpyxl import Workbook
    >>> case = bidfit.load_sample("norway_roaming").model_copy(update={"uncertainty": [bidfit.Uncertainty(
    ...     target="discount_rate", distribution="uniform", low=0.06, high=0.10)]})
    >>> ws = add_simulation_sheet(Workbook(), bidfit.simulate(case, 1000, seed=1))
    >>> ws.title, ws["A5"].value, ws["D5"].value
    ('Simulation', 'Vendor A', 1.0)
    """
    ws = workbook.create_sheet(safe_sheet_title("Simulation", workbook.sheetnames))
    case = simulation.case
    _title(
        ws,
        f"Simulation: {case.name}",
        f"{simulation.trials:,} simulated futures, seed {simulation.seed} (the same seed gives the same "
        f"result); NPV at the case's discount rate unless it is uncertain; a trial is worse off when NPV < 0.",
    )
    _header(ws, 4, [label for label, _ in _SIMULATION_COLUMNS])
    row = 5
    for bid in simulation:
        for col, (value, (_, number_format)) in enumerate(
            zip(_summary_row(bid), _SIMULATION_COLUMNS, strict=True), 1
        ):
            put(ws, row, col, value, number_format, wrap=col == len(_SIMULATION_COLUMNS))
        row += 1
    row += 1
    put(ws, row, 1, "Uncertain inputs").font = _bold()
    _header(ws, row + 1, ["Input", "Distribution", "Parameters", "Rank correlation"])
    row += 2
    for entry in case.uncertainty:
        put(ws, row, 1, entry.target)
        put(ws, row, 2, entry.distribution)
        put(ws, row, 3, ", ".join(f"{k}={v:g}" for k, v in entry.parameters().items()))
        if entry.correlated_with:
            put(ws, row, 4, f"{entry.correlation:+g} with {entry.correlated_with}")
        row += 1
    if not case.uncertainty:
        put(ws, row, 1, "(none: every trial equals the deterministic analysis)")
        row += 1
    row += 1
    for bid in simulation:
        page_break_before(ws, row)  # each histogram and its chart on a page of their own
        row = _histogram_block(ws, bid, row, bins)
    _widths(ws, {"A": 22.0, "B": 18.0, "O": 36.0} | {column_letter(c): 11.0 for c in range(3, 15)})
    _fit_wrapped_rows(ws)
    wrap_clipped(ws, first_row=3)
    wrap_across(ws, 2, len(_SIMULATION_COLUMNS))
    ws.freeze_panes = "B5"
    print_setup(ws, title_rows="1:1")
    return ws


def _bold() -> Any:
    from openpyxl.styles import Font

    return Font(bold=True)


# --------------------------------------------------------------------------
# Sensitivity
# --------------------------------------------------------------------------


def _value_format(target: str) -> str:
    return SHARE if target.rpartition(".")[2] in _RATE_FIELDS else MONEY


def add_sensitivity_sheet(workbook: Workbook, case: Case, result: Sensitivity) -> Worksheet:
    # Long: the sheet's table and its tornado chart in the order they appear.
    """Add a ``Sensitivity <bid>`` sheet: the ranked table of :func:`bidfit.sensitivity` and a tornado chart.

    Parameters
    ----------
    workbook : openpyxl.Workbook
        The workbook to add the sheet to (nothing else is changed).
    case : Case
        The case (for its currency and name).
    result : Sensitivity
        ``bidfit.sensitivity(case, bid)``.

    Returns
    -------
    openpyxl.worksheet.worksheet.Worksheet
        The new sheet.

    Examples
    --------
    >>> import bidfit
    >>> from openpyxl import Workbook
    >>> case = bidfit.load_sample("norway_roaming")
    >>> ws = add_sensitivity_sheet(Workbook(), case, bidfit.sensitivity(case, "Vendor A"))
    >>> ws.title, ws["B6"].value
    ('Sensitivity Vendor A', 'Outbound roaming: annual amount')
    """
    from openpyxl.chart import BarChart

    bid, table = result.bid, result.summary
    ws = workbook.create_sheet(safe_sheet_title(f"Sensitivity {bid}", workbook.sheetnames))
    swing, rate_swing = result.swing, result.rate_swing
    base = float(table["base_npv"].iloc[0]) if len(table) else 0.0
    _title(
        ws,
        f"Sensitivity: {bid} ({case.name})",
        f"Each input moved on its own: amounts and shares by +/-{swing:.0%}, growth, escalation and the "
        f"discount rate by +/-{rate_swing * 100:g} percentage points; ranked by how far the customer's NPV "
        f"moves. The flip value is where NPV crosses zero.",
    )
    put(ws, 3, 1, f"Base NPV [{case.currency}]")
    put(ws, 3, 3, base, MONEY)
    _header(ws, 5, list(_SENSITIVITY_COLUMNS))
    first = 6
    for i, (target, row) in enumerate(table.iterrows()):
        r = first + i
        value_format = _value_format(str(target))
        flip = row["flip_value"]
        put(ws, r, 1, i + 1)
        put(ws, r, 2, str(row["label"]))
        for col, key in ((3, "base_value"), (4, "low_value"), (5, "high_value")):
            put(ws, r, col, float(row[key]), value_format)
        for col, key in ((6, "npv_low"), (7, "npv_high"), (8, "npv_range")):
            put(ws, r, col, float(row[key]), MONEY)
        if flip is None or flip != flip:  # None or NaN: never flips
            put(ws, r, 9, "none")
        else:
            put(ws, r, 9, float(flip), value_format)
        put(ws, r, 10, str(row["flip_method"]))
        put(ws, r, 11, str(row["flip_note"]), wrap=True)
        # Changes against the base NPV, for the tornado chart.
        put(ws, r, 13, float(row["npv_low"]) - base, MONEY)
        put(ws, r, 14, float(row["npv_high"]) - base, MONEY)
    last = first + len(table) - 1
    _header(ws, 5, ["NPV change at low", "NPV change at high"], col=13)
    if len(table):
        chart = BarChart()
        chart.type = "bar"
        chart.grouping = "clustered"
        chart.overlap = 100
        set_titles(chart, f"{bid}: change in the customer's NPV [{case.currency}]")
        for col in (13, 14):  # NPV change at low, at high
            letter = column_letter(col)
            values = range_ref(ws.title, f"{letter}{first}", f"{letter}{last}")
            chart.series.append(chart_series(values, title_cell=cell_ref(ws.title, f"{letter}5")))
        chart_categories(chart, range_ref(ws.title, f"B{first}", f"B{last}"))
        chart.x_axis.scaling.orientation = "maxMin"  # the largest swing on top
        chart.y_axis.numFmt = MONEY
        show_axes(chart)
        chart.width, chart.height = 24, max(7.0, 0.8 * len(table) + 3)
        page_break_before(ws, last + 3)  # the chart on a page of its own, never cut
        ws.add_chart(chart, cell_ref(None, f"B{last + 4}", absolute=False))  # clear of the page break
    _widths(
        ws,
        {
            "A": 6,
            "B": 44,
            "C": 14,
            "D": 14,
            "E": 14,
            "F": 14,
            "G": 14,
            "H": 14,
            "I": 14,
            "J": 12,
            "K": 48,
            "M": 14,
            "N": 14,
        },
    )
    _fit_wrapped_rows(ws)
    wrap_clipped(ws, first_row=3)
    wrap_across(ws, 2, len(_SENSITIVITY_COLUMNS))
    ws.freeze_panes = "C6"
    print_setup(ws, title_rows="1:5")
    return ws
