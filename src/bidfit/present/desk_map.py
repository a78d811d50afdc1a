"""The deal desk's map as an inline SVG: a heat image drawn once, and a cheap overlay.

:func:`render_heat` draws a :class:`bidfit.DealMap`'s NPV heat, axes, colour
bar and competitors' quotes once, as a PNG (:class:`HeatImage`);
:func:`map_svg` puts that image in an SVG with the overlay that moves with
every change on the desk (the current point, the break-even line, the
vendor's floor), a few kilobytes of text.
"""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass

from bidfit import _format as fmt
from bidfit.studies.dealmap import DealMap

__all__ = [
    "COEFFICIENT_TOLERANCE",
    "FLOOR_COLOUR",
    "MAP_DPI",
    "MAP_SIZE",
    "HeatImage",
    "map_svg",
    "render_heat",
]

MAP_SIZE = (8.0, 4.5)
"""The deal map's size [inches]; at :data:`MAP_DPI` its PNG is 800 x 450 pixels."""

MAP_DPI = 100
"""Pixels per inch of the desk's heat image [1/inch]."""

FLOOR_COLOUR = "#6a1b9a"
"""Colour of the vendor's floor on the deal map."""


COEFFICIENT_TOLERANCE = 1e-3
"""Relative change of the map's NPV coefficients that redraws the heat image [-].

Moving the price or all fees together leaves them unchanged; moving one fee of
several with different escalation moves the fee coefficient a little."""


@dataclass(frozen=True)
class HeatImage:
    """The deal map's background drawn once: the NPV heat, axes, colour bar and competitors.

    Attributes
    ----------
    png : str
        The picture, a base64-encoded PNG of ``width`` x ``height`` pixels.
    width, height : int
        Its size [pixels].
    left, top, right, bottom : float
        The plot area inside it [pixels from the picture's left and top edges].
    prices, fees : tuple of float
        The price axis [currency] and fee axis [currency/year] range, (low, high).
    price_coefficient, fee_coefficient, pv_benefits : float
        The map's NPV coefficients it was drawn for (see :class:`bidfit.DealMap`).
    """

    png: str
    width: int
    height: int
    left: float
    top: float
    right: float
    bottom: float
    prices: tuple[float, float]
    fees: tuple[float, float]
    price_coefficient: float
    fee_coefficient: float
    pv_benefits: float

    def x(self, price: float) -> float:
        """The horizontal pixel of a price [currency]."""
        low, high = self.prices
        return self.left + (price - low) / (high - low) * (self.right - self.left)

    def y(self, fee: float) -> float:
        """The vertical pixel (from the top) of a fee [currency/year]."""
        low, high = self.fees
        return self.bottom - (fee - low) / (high - low) * (self.bottom - self.top)

    def fits(self, deal: DealMap) -> bool:
        """True when this picture still shows ``deal``'s NPV (same axes, same coefficients)."""
        pairs = [
            (self.price_coefficient, deal.price_coefficient),
            (self.fee_coefficient, deal.fee_coefficient),
            (self.pv_benefits, deal.pv_benefits),
        ]
        same_axes = self.prices == (float(deal.prices[0]), float(deal.prices[-1])) and self.fees == (
            float(deal.fees[0]),
            float(deal.fees[-1]),
        )
        return same_axes and all(
            abs(mine - theirs) <= COEFFICIENT_TOLERANCE * max(abs(mine), abs(theirs), 1e-12)
            for mine, theirs in pairs
        )


def render_heat(deal: DealMap) -> HeatImage:
    """Draw the deal map's background (heat, colour bar, axes, competitors) to a PNG, once.

    Parameters
    ----------
    deal : DealMap
        The map; its current point and break-even line are left to the overlay.

    Returns
    -------
    HeatImage
        The PNG (``MAP_SIZE`` at ``MAP_DPI``: 800 x 450 pixels) and where its plot area lies.

    Examples
    --------
    >>> import bidfit
    >>> result = bidfit.analyze(bidfit.load_sample("norway_roaming"))
    >>> heat = render_heat(bidfit.deal_map(result, "Vendor A"))
    >>> (heat.width, heat.height), heat.left < heat.x(500_000) < heat.right
    ((800, 450), True)
    """
    from matplotlib.figure import Figure

    from bidfit.present.plots import deal_heat, money_formatter

    cur = deal.currency
    figure = Figure(figsize=MAP_SIZE, dpi=MAP_DPI, layout="constrained")
    ax = figure.add_subplot()
    deal_heat(deal, ax)
    prices = (float(deal.prices[0]), float(deal.prices[-1]))
    fees = (float(deal.fees[0]), float(deal.fees[-1]))
    ax.set_xlim(*prices)
    ax.set_ylim(*fees)
    ax.xaxis.set_major_formatter(money_formatter(cur))
    ax.yaxis.set_major_formatter(money_formatter(cur))
    ax.set_xlabel(f"one-time price [{cur}]")
    ax.set_ylabel(f"fees, first year [{cur}/year]")
    ax.set_title(f"Deal map: {deal.bid}", fontsize=11)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=MAP_DPI)  # also fixes the constrained layout
    width, height = (round(v) for v in figure.bbox.size)
    box = ax.get_window_extent()
    return HeatImage(
        png=base64.b64encode(buffer.getvalue()).decode("ascii"),
        width=width,
        height=height,
        left=float(box.x0),
        top=float(height - box.y1),
        right=float(box.x1),
        bottom=float(height - box.y0),
        prices=prices,
        fees=fees,
        price_coefficient=deal.price_coefficient,
        fee_coefficient=deal.fee_coefficient,
        pv_benefits=deal.pv_benefits,
    )


def map_svg(
    heat: HeatImage, deal: DealMap, floor: tuple[tuple[float, float], tuple[float, float]] | None
) -> str:
    """The desk's deal map as inline SVG: the heat image and an overlay drawn in its pixels.

    Parameters
    ----------
    heat : HeatImage
        The background (:func:`render_heat`).
    deal : DealMap
        The current map: its point [currency, currency/year] and break-even line.
    floor : pair of (price, fee) points, optional
        Two points of the vendor's floor line (the minimum margin), when the bid has a vendor side.

    Returns
    -------
    str
        ``<svg>`` with an ``<image>``, the break-even ``<polyline>``, the fee's
        dotted ``<line>``, the floor's ``<line>`` and the current point's ``<circle>``.

    Examples
    --------
    >>> import bidfit
    >>> result = bidfit.analyze(bidfit.load_sample("norway_roaming"))
    >>> deal = bidfit.deal_map(result, "Vendor A")
    >>> map_svg(render_heat(deal), deal, None).startswith("<svg")
    True
    """
    cur = deal.currency
    p = deal.point
    clip = f'clip-path="url(#plot-{id(heat)})"'
    line = " ".join(
        f"{heat.x(float(x)):.1f},{heat.y(float(y)):.1f}"
        for x, y in zip(deal.prices, deal.break_even_fee, strict=True)
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{heat.width}" height="{heat.height}" '
        f'viewBox="0 0 {heat.width} {heat.height}" font-family="sans-serif">',
        f'<defs><clipPath id="plot-{id(heat)}"><rect x="{heat.left:.1f}" y="{heat.top:.1f}" '
        f'width="{heat.right - heat.left:.1f}" height="{heat.bottom - heat.top:.1f}"/></clipPath></defs>',
        f'<image x="0" y="0" width="{heat.width}" height="{heat.height}" '
        f'href="data:image/png;base64,{heat.png}"/>',
        f"<g {clip}>",
        f'<polyline class="break-even" points="{line}" fill="none" stroke="black" stroke-width="2"/>',
        f'<line class="fee" x1="{heat.left:.1f}" x2="{heat.right:.1f}" y1="{heat.y(p.fee):.1f}" '
        f'y2="{heat.y(p.fee):.1f}" stroke="black" stroke-width="1" stroke-dasharray="2,3"/>',
    ]
    if floor is not None:
        (x1, y1), (x2, y2) = floor
        if (x1, y1) == (x2, y2):  # on the floor: mark the floor price at this fee
            parts.append(
                f'<line class="floor" x1="{heat.x(x1):.1f}" x2="{heat.x(x1):.1f}" y1="{heat.y(y1) - 12:.1f}" '
                f'y2="{heat.y(y1) + 12:.1f}" stroke="{FLOOR_COLOUR}" stroke-width="3"/>'
            )
        else:  # the whole line through both points, clipped to the plot
            far = 1e3
            ends = [(x1 + t * (x2 - x1), y1 + t * (y2 - y1)) for t in (-far, far)]
            parts.append(
                f'<line class="floor" x1="{heat.x(ends[0][0]):.1f}" y1="{heat.y(ends[0][1]):.1f}" '
                f'x2="{heat.x(ends[1][0]):.1f}" y2="{heat.y(ends[1][1]):.1f}" stroke="{FLOOR_COLOUR}" '
                f'stroke-width="2.5" stroke-dasharray="8,4"/>'
            )
    label = html.escape(f"{p.name}: NPV {fmt.money(p.npv, cur)}")
    parts += [
        f'<circle class="point" cx="{heat.x(p.price):.1f}" cy="{heat.y(p.fee):.1f}" r="6" '
        f'fill="white" stroke="black" stroke-width="2"/>',
        f'<text x="{heat.x(p.price) + 9:.1f}" y="{heat.y(p.fee) - 9:.1f}" font-size="12" '
        f'font-weight="bold">{label}</text>',
        "</g>",
        f'<g font-size="11" transform="translate({heat.left + 8:.1f},{heat.top + 16:.1f})">'
        '<rect x="-4" y="-12" width="250" height="'
        f'{52 if floor is not None else 36}" fill="white" fill-opacity="0.85"/>'
        '<line x1="0" x2="22" y1="-4" y2="-4" stroke="black" stroke-width="2"/>'
        '<text x="28" y="0">break-even (NPV = 0)</text>'
        '<circle cx="11" cy="12" r="5" fill="white" stroke="black" stroke-width="2"/>'
        '<text x="28" y="16">the values on the desk</text>',
    ]
    if floor is not None:
        parts.append(
            f'<line x1="0" x2="22" y1="28" y2="28" stroke="{FLOOR_COLOUR}" stroke-width="2.5" '
            'stroke-dasharray="8,4"/><text x="28" y="32">vendor&#x27;s floor (minimum margin)</text>'
        )
    parts += ["</g>", "</svg>"]
    return "".join(parts)
