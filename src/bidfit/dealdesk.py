"""A live deal desk in Jupyter: move the price, the fees, the term and the scope of one bid.

``bidfit.desk(case, bid)`` shows ipywidgets controls (the optional extra
``bidfit[jupyter]``) for the bid's one-time price, its recurring fees (all
together or each one), the contract term and its scope options. Every change
re-analyses the changed case (one vectorised :func:`bidfit.analyze`, a few
milliseconds for the bundled samples) and updates at once the verdict banner,
NPV, payback, the policy outcome, the vendor's floor when the bid has a vendor
side, and the deal map with the current point and the break-even line.

The deal map is an inline SVG (:attr:`Desk.map`): its background, the NPV
heat image with its axes, colour bar and the competitors' quotes, is drawn
once per scope, term and fee mode (what changes the grid) as an embedded PNG;
a price or fee change only redraws the overlay on top of it (the current
point, the break-even line and the vendor's floor), a few kilobytes of SVG.
:meth:`Desk.map_figure` still draws the whole map with matplotlib.
"Apply" stores a copy of the case with the chosen values on ``desk.case``;
the case given is never changed.

How the controls change the case
--------------------------------
* The one-time price is the base offer's total one-time price [currency]: every
  one-time cost item of the base offer is scaled by ``price / quoted price``.
* The fees, all together, are the base offer's first-year recurring cost
  [currency/year]: every recurring item is scaled by ``fee / quoted fee``; each
  on its own, an item's first-year amount [currency/year] scales that item.
  A recurring item defined by ``percent_of`` becomes a fixed amount in the case
  currency once the price or its fee moves, so that the price and the fees stay
  independent levers.
* The term is the case's ``horizon_years`` [years].
* A ticked scope option adds its scope and costs as quoted
  (:meth:`bidfit.Bid.with_options`); the bid keeps its name and its other options.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from bidfit import _format as fmt
from bidfit.assess.analysis import analyze
from bidfit.errors import BidfitError
from bidfit.escape import for_html
from bidfit.model.case import Bid, Case, CostItem
from bidfit.present.desk_map import MAP_SIZE, HeatImage, map_svg, render_heat
from bidfit.results.analysis import Analysis, BidAnalysis
from bidfit.studies.dealmap import MARGIN, DealMap, deal_map_of

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["Desk", "desk"]

FEE_MODES = ("all fees together", "each fee")
"""The two ways of setting the recurring fees."""

MAP_POINTS = 80
"""Grid points per axis of the desk's deal map (a finer map only costs drawing time)."""


def quoted_amount(case: Case, bid: Bid, item: CostItem) -> float:
    """An item's amount as quoted, in the case currency [currency or currency/year].

    Examples
    --------
    >>> import bidfit
    >>> case = bidfit.load_sample("norway_roaming")
    >>> bid = case.bid("Vendor A")
    >>> quoted_amount(case, bid, bid.cost("Maintenance"))
    170000.0
    """
    if item.percent_of:
        base = sum(quoted_amount(case, bid, bid.cost(name)) for name in item.percent_of)
        return float(item.percent or 0.0) * base
    return float(item.amount or 0.0) * case.fx_rate(item.currency)


def scaled_item(case: Case, bid: Bid, item: CostItem, factor: float, price_factor: float) -> CostItem:
    """``item`` with its amount times ``factor``, as a new validated item.

    A one-time item defined by ``percent_of`` follows the one-time items it is
    a share of (already scaled by ``price_factor``); a recurring one becomes a
    fixed amount in the case currency whenever the price or its own factor moves.
    """
    data = item.model_dump()
    if item.percent_of:
        if not item.is_recurring or (factor == 1.0 and price_factor == 1.0):
            return CostItem.model_validate(data)
        data.update(amount=quoted_amount(case, bid, item) * factor, percent_of=[], percent=None)
        return CostItem.model_validate(data)
    if factor != 1.0:
        data["amount"] = float(item.amount or 0.0) * factor
    return CostItem.model_validate(data)


def changed_case(
    case: Case,
    bid: str,
    price_factor: float = 1.0,
    fee_factors: dict[str, float] | None = None,
    horizon_years: int | None = None,
    options: list[str] | tuple[str, ...] = (),
) -> Case:
    """A copy of ``case`` with one bid's price, fees, term and scope changed.

    Parameters
    ----------
    case : Case
        The case; never modified.
    bid : str
        The bid to change.
    price_factor : float
        Factor on every one-time cost item of the base offer [-].
    fee_factors : dict, optional
        Factor on each recurring cost item of the base offer, by name [-]; 1 when absent.
    horizon_years : int, optional
        The contract term [years]; default the case's.
    options : sequence of str
        Scope options to add to the base offer.

    Examples
    --------
    >>> import bidfit
    >>> case = bidfit.load_sample("norway_roaming")
    >>> changed = changed_case(case, "Vendor A", price_factor=0.0, options=["Sweden"])
    >>> changed.bid("Vendor A").cost("Installation and integration").amount, case.horizon_years
    (0.0, 5)
    """
    fee_factors = fee_factors or {}
    model = case.bid(bid)
    costs = [
        scaled_item(
            case,
            model,
            item,
            fee_factors.get(item.name, 1.0) if item.is_recurring else price_factor,
            price_factor,
        )
        for item in model.costs
    ]
    base = Bid.model_validate(model.model_dump() | {"costs": [c.model_dump() for c in costs]})
    if options:
        combined = base.with_options(options)
        kept = [o for o in base.options if o.name not in options]
        base = Bid.model_validate(
            combined.model_dump() | {"name": model.name, "options": [o.model_dump() for o in kept]}
        )
    data = case.model_dump()
    data["bids"] = [base.model_dump() if b.name == bid else b.model_dump() for b in case.bids]
    if horizon_years is not None:
        data["horizon_years"] = horizon_years
    return Case.model_validate(data)


class Desk:
    """The deal desk of one bid: controls, live figures, a deal map and an "Apply" button.

    Attributes
    ----------
    original : Case
        The case given (never changed).
    bid : str
        The bid on the desk.
    case : Case or None
        The case with the chosen values, stored by "Apply" (:meth:`apply`).
    analysis : Analysis or None
        The analysis of the case with the current values (None when they are invalid).
    deal : DealMap or None
        The current deal map of the bid.
    price, fee, term : ipywidgets sliders
        One-time price [currency], all fees together [currency/year], term [years].
    fee_mode : ipywidgets.ToggleButtons
        ``'all fees together'`` or ``'each fee'``.
    fees : dict of ipywidgets sliders
        Each recurring item's first-year amount [currency/year], by item name.
    options : dict of ipywidgets.Checkbox
        One per scope option, by name.
    apply_button : ipywidgets.Button
        "Apply".
    banner, figures, policy, floor : ipywidgets.HTML
        What the desk shows.
    map : ipywidgets.HTML
        The deal map as inline SVG (:func:`map_svg`).
    heat : HeatImage or None
        The map's background as last drawn.
    heat_renders : int
        How many times the background was drawn (once per scope, term and
        fee mode; a price or fee change only redraws the overlay).
    """

    def __init__(self, case: Case, bid: str, *, draw: bool = True) -> None:
        import ipywidgets as widgets

        self.original = case
        self._quoted_case = case.model_copy(deep=True)
        self.bid = bid
        self.case: Case | None = None
        self.analysis: Analysis | None = None
        self.deal: DealMap | None = None
        self.problem: str | None = None
        self._draw_map = draw
        self.heat: HeatImage | None = None
        self.heat_renders = 0
        self._axes: dict[tuple[Any, ...], tuple[Any, Any]] = {}
        model = self._quoted_case.bid(bid)
        quoted = analyze(self._quoted_case).bids[bid]
        self.currency = case.currency
        self.quoted_price = quoted.one_time_price
        self.quoted_fee = quoted.annual_fee
        self._recurring = {c.name: quoted_amount(case, model, c) for c in model.costs if c.is_recurring}
        cur = case.currency
        style = {"description_width": "200px"}
        layout = widgets.Layout(width="560px")

        def slider(description: str, value: float) -> Any:
            top = max(2.0 * value, 1.0)
            return widgets.FloatSlider(
                value=value,
                min=0.0,
                max=top,
                step=top / 400,
                description=description,
                readout_format=",.0f",
                continuous_update=True,
                style=style,
                layout=layout,
            )

        self.price = slider(f"One-time price [{cur}]", self.quoted_price)
        self.price.disabled = self.quoted_price <= 0
        self.fee_mode = widgets.ToggleButtons(options=list(FEE_MODES), value=FEE_MODES[0])
        self.fee = slider(f"All fees, first year [{cur}/yr]", self.quoted_fee)
        self.fee.disabled = self.quoted_fee <= 0
        self.fees = {name: slider(f"{name} [{cur}/yr]", value) for name, value in self._recurring.items()}
        self.term = widgets.IntSlider(
            value=case.horizon_years,
            min=1,
            max=max(2 * case.horizon_years, 10),
            description="Term [years]",
            style=style,
            layout=layout,
        )
        self.options = {
            o.name: widgets.Checkbox(value=False, description=f"add {o.name}", indent=False)
            for o in model.options
        }
        self.apply_button = widgets.Button(description="Apply", button_style="primary", icon="check")
        self.banner = widgets.HTML()
        self.figures = widgets.HTML()
        self.policy = widgets.HTML()
        self.floor = widgets.HTML()
        self.map = widgets.HTML()
        self._each_box = widgets.VBox(list(self.fees.values()))
        self._each_box.layout.display = "none"
        self.fee_mode.observe(self._mode_changed, names="value")
        for control in [self.price, self.fee, self.term, *self.fees.values(), *self.options.values()]:
            control.observe(self._changed, names="value")
        self.apply_button.on_click(lambda _button: self.apply())
        controls = [
            self.price,
            self.fee_mode,
            self.fee,
            self._each_box,
            self.term,
            *([widgets.HBox(list(self.options.values()))] if self.options else []),
            self.apply_button,
        ]
        self.widget = widgets.VBox(
            [
                widgets.HTML(f"<b>Deal desk: {for_html(bid)}</b> ({for_html(case.name)})"),
                self.banner,
                widgets.HBox([widgets.VBox(controls), widgets.VBox([self.figures, self.policy, self.floor])]),
                self.map,
            ]
        )
        self.update()

    # ------------------------------------------------------------------ state

    @property
    def chosen_options(self) -> list[str]:
        """The ticked scope options, in the bid's order."""
        return [name for name, box in self.options.items() if box.value]

    def fee_factors(self) -> dict[str, float]:
        """Each recurring item's factor on its quoted amount, from the visible fee controls [-]."""
        if self.fee_mode.value == FEE_MODES[0]:
            factor = self.fee.value / self.quoted_fee if self.quoted_fee > 0 else 1.0
            return dict.fromkeys(self._recurring, factor)
        return {
            name: (self.fees[name].value / quoted if quoted > 0 else 1.0)
            for name, quoted in self._recurring.items()
        }

    def current_case(self) -> Case:
        """A new case with the values on the desk."""
        price_factor = self.price.value / self.quoted_price if self.quoted_price > 0 else 1.0
        return changed_case(
            self._quoted_case,
            self.bid,
            price_factor=price_factor,
            fee_factors=self.fee_factors(),
            horizon_years=int(self.term.value),
            options=self.chosen_options,
        )

    @property
    def result(self) -> BidAnalysis | None:
        """The bid's analysis with the values on the desk."""
        return None if self.analysis is None else self.analysis.bids[self.bid]

    # ------------------------------------------------------------------ events

    def _mode_changed(self, change: dict[str, Any]) -> None:
        each = change["new"] == FEE_MODES[1]
        self._each_box.layout.display = None if each else "none"
        self.fee.layout.display = "none" if each else None
        if each:  # start each fee where the fees together were
            factor = self.fee.value / self.quoted_fee if self.quoted_fee > 0 else 1.0
            for name, control in self.fees.items():
                control.unobserve(self._changed, names="value")
                control.value = self._recurring[name] * factor
                control.observe(self._changed, names="value")
        self.update()

    def _changed(self, _change: dict[str, Any]) -> None:
        self.update()

    def update(self) -> None:
        """Re-analyse the case with the values on the desk and refresh everything shown."""
        try:
            self.analysis = analyze(self.current_case())
        except (BidfitError, ValueError) as exc:
            self.analysis, self.deal, self.problem = None, None, str(exc)
            self.banner.value = _banner_html("worse_off", f"These values do not make a valid case: {exc}")
            self.figures.value = self.policy.value = self.floor.value = self.map.value = ""
            return
        self.problem = None
        bid = self.analysis.bids[self.bid]
        others = [b for name, b in self.analysis.bids.items() if name != self.bid]
        self.deal = self._deal_map(bid, others)
        from bidfit.present.view import outcome_colour

        self.banner.value = _banner_html(outcome_colour(bid.verdict, bid.passes), self.headline)
        rows = [
            ("NPV", self.npv_text),
            ("Payback", self.payback_text),
            ("IRR", fmt.percent(bid.irr, 1)),
            ("One-time price", fmt.money(bid.one_time_price, self.currency)),
            ("Fees, first year", fmt.money(bid.annual_fee, self.currency) + " a year"),
        ]
        self.figures.value = "<table>" + "".join(
            f"<tr><td>{for_html(k)}</td><td><b>{for_html(v)}</b></td></tr>" for k, v in rows
        )
        self.figures.value += "</table>"
        self.policy.value = "<br>".join(for_html(line) for line in self.policy_lines)
        self.floor.value = for_html(self.floor_text or "")
        if self._draw_map:
            self._redraw()

    def _deal_map(self, bid: BidAnalysis, others: list[BidAnalysis]) -> DealMap:
        """The bid's deal map on axes fixed for this scope, term and fee mode.

        The axes reach the controls' largest values, so that moving a slider
        moves the point over one unchanged background.
        """
        key = (tuple(self.chosen_options), int(self.term.value), self.fee_mode.value)
        if key not in self._axes:
            default = deal_map_of(bid, others, n=MAP_POINTS)
            if self.fee_mode.value == FEE_MODES[0]:
                fee_room = self.fee.max - self.fee.value
            else:
                fee_room = sum(c.max - c.value for c in self.fees.values())
            price_top = max(
                float(default.prices[-1]), MARGIN * (bid.one_time_price + self.price.max - self.price.value)
            )
            fee_top = max(float(default.fees[-1]), MARGIN * (bid.annual_fee + fee_room))
            self._axes[key] = (np.linspace(0.0, price_top, MAP_POINTS), np.linspace(0.0, fee_top, MAP_POINTS))
        prices, fees = self._axes[key]
        return deal_map_of(bid, others, prices=prices, fees=fees)

    def floor_line(self) -> tuple[tuple[float, float], tuple[float, float]] | None:
        """Two (price, fee) points of the vendor's floor [currency, currency/year], when there is one.

        The floor price at the current fees and the floor fee at the current price:
        the vendor's minimum margin holds on the line through them.
        """
        bid = self.result
        room = None if bid is None else bid.deal_room
        if bid is None or room is None:
            return None
        points = ((room.floor_price, bid.annual_fee), (bid.one_time_price, room.floor_fee))
        if not all(math.isfinite(v) for point in points for v in point):
            return None
        return (float(points[0][0]), float(points[0][1])), (float(points[1][0]), float(points[1][1]))

    def _redraw(self) -> None:
        """Refresh :attr:`map`: the background only when the grid changed, the overlay always."""
        if self.deal is None:
            return
        if self.heat is None or not self.heat.fits(self.deal):
            self.heat = render_heat(self.deal)
            self.heat_renders += 1
        self.map.value = map_svg(self.heat, self.deal, self.floor_line())

    def map_figure(self) -> Figure:
        """The current deal map drawn on a new figure, the vendor's floor marked when there is one."""
        from matplotlib.figure import Figure

        from bidfit.present.plots import deal_map as draw

        figure = Figure(figsize=MAP_SIZE, layout="constrained")
        ax = figure.add_subplot()
        bid = self.result
        if self.deal is None or bid is None:
            return figure
        draw(self.deal, ax=ax)
        room = bid.deal_room
        if room is not None:
            ax.plot(
                [room.floor_price],
                [bid.annual_fee],
                marker="|",
                markersize=18,
                markeredgewidth=2.5,
                color="#6a1b9a",
                linestyle="none",
                label="vendor's floor price",
            )
            ax.legend(loc="best", fontsize=8, framealpha=0.85)
        return figure

    def apply(self) -> Case:
        """Store on :attr:`case` and return a copy of the case with the values on the desk."""
        self.case = self.current_case()
        return self.case

    # ------------------------------------------------------------------ texts

    @property
    def verdict(self) -> str | None:
        """``'better_off'``, ``'at_risk'`` or ``'worse_off'`` with the values on the desk."""
        return None if self.result is None else self.result.verdict

    @property
    def headline(self) -> str:
        """Both answers in words: ``Vendor A (...): FAILS POLICY - ...; the customer is worse off (NPV EUR -1.53M)``."""
        from bidfit.present.view import headline

        return (self.problem or "") if self.result is None else headline(self.result)

    @property
    def npv_text(self) -> str:
        """``EUR -1.53M at 8.0% over 5 years``."""
        bid = self.result
        if bid is None:
            return "n/a"
        return f"{fmt.money(bid.npv, self.currency)} at {fmt.percent(bid.discount_rate, 1)} over {bid.horizon_years} years"

    @property
    def payback_text(self) -> str:
        """``2.3 years`` or ``never``."""
        return fmt.years(None if self.result is None else self.result.payback_years)

    @property
    def policy_lines(self) -> list[str]:
        """``['Policy: passes']`` or ``['Policy: fails', 'CODE: message', ...]`` (the errors)."""
        bid = self.result
        if bid is None:
            return []
        if not bid.errors:
            return ["Policy: passes"]
        return ["Policy: fails", *(f"{f.code}: {f.message}" for f in bid.errors)]

    @property
    def floor_text(self) -> str | None:
        """The vendor's floor at these values, when the bid has a vendor side."""
        bid = self.result
        room = None if bid is None else bid.deal_room
        if bid is None or room is None:
            return None
        cur = self.currency
        margin = fmt.percent(room.vendor_margin, 1)
        return (
            f"Vendor's floor: one-time price {fmt.money(room.floor_price, cur)} at these fees, "
            f"or fees of {fmt.money(room.floor_fee, cur)} a year at this price "
            f"(vendor margin now {margin}, minimum {fmt.percent(room.min_margin, 1)})"
        )

    def __repr__(self) -> str:
        lines = [
            f"Deal desk: {self.bid} - price {fmt.money(self.price.value, self.currency)}, "
            f"fees {fmt.money(self.result.annual_fee if self.result else math.nan, self.currency)} a year, "
            f"{self.term.value} years, scope options: {', '.join(self.chosen_options) or 'none'}",
            self.headline or "",
            f"NPV {self.npv_text}; payback {self.payback_text}",
            *self.policy_lines,
        ]
        if self.floor_text:
            lines.append(self.floor_text)
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return (
            self.banner.value
            + self.figures.value
            + f"<p>{self.policy.value}</p>"
            + (f"<p>{self.floor.value}</p>" if self.floor.value else "")
            + self.map.value
        )

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)


def _banner_html(verdict: str, text: str | None) -> str:
    from bidfit.present.html import VERDICT_COLOURS

    colour = VERDICT_COLOURS.get(verdict, "#555555")
    return (
        f'<div style="background:{colour};color:white;padding:6px 10px;font-weight:bold">'
        f"{for_html(text or '')}</div>"
    )


def desk(case: Case, bid: str) -> Desk:
    """A live deal desk for one bid of a case, in Jupyter (needs ``bidfit[jupyter]``: ipywidgets).

    Parameters
    ----------
    case : Case
        The case; never modified.
    bid : str
        The bid to explore.

    Returns
    -------
    Desk
        Displays as the controls, the verdict banner, NPV, payback, the policy
        outcome, the vendor's floor (when the bid has a vendor side) and the
        deal map; ``desk.apply()`` (or the "Apply" button) stores the changed
        case on ``desk.case``.

    Examples
    --------
    >>> import bidfit
    >>> d = bidfit.desk(bidfit.load_sample("norway_roaming"), "Vendor A")  # doctest: +SKIP
    >>> d.price.value = 0                                                  # doctest: +SKIP
    >>> d.verdict                                                          # doctest: +SKIP
    'worse_off'
    """
    return Desk(case, bid)
