"""Draw the pictures of the README and ``docs/risk-and-plots.md`` from the Norway sample.

Writes into ``docs/images/``:

``cumulative-cash.png``
    The customer's cumulative cash position under our bid and the competitor's.
``deal-map.png``
    Our bid's deal map: no price works at the quoted fee.
``benefits-costs.png``
    Our bid's benefits against its costs per year, costs by category.
``npv-histogram.png``
    The competitor's simulated NPV under uncertain revenue and erosion.
``tornado.png``
    What moves the competitor's NPV, with each input's swing.

Usage::

    python tools/make_readme_images.py

The files are made with the Agg backend and without a software tag, so the
same matplotlib version draws the same bytes.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

import bidfit
from bidfit.present import plots

FOLDER = Path(__file__).resolve().parents[1] / "docs" / "images"
DPI = 110


def save(fig: plt.Figure, name: str) -> None:
    path = FOLDER / name
    fig.savefig(path, dpi=DPI, metadata={"Software": None})
    plt.close(fig)
    print(f"wrote {path}")


def uncertain(case: bidfit.Case) -> bidfit.Case:
    """The Norway case with the uncertainty of notebook 02 (revenue, erosion, competitor fees)."""
    entries = [
        bidfit.Uncertainty(
            target="revenue.Outbound roaming.annual_amount", distribution="normal", mean=380_000, sd=60_000
        ),
        bidfit.Uncertainty(
            target="revenue.Outbound roaming.growth", distribution="pert", low=-0.10, mode=-0.02, high=0.03
        ),
        bidfit.Uncertainty(
            target="cost.Competitor B.Operations.amount",
            distribution="lognormal",
            mean=90_000,
            sd=25_000,
            correlated_with="revenue.Outbound roaming.annual_amount",
            correlation=0.4,
        ),
    ]
    return case.model_copy(update={"uncertainty": entries})


def main() -> None:
    FOLDER.mkdir(parents=True, exist_ok=True)
    case = bidfit.load_sample("norway_roaming")
    result = bidfit.analyze(case)

    fig, axes = plt.subplots(1, 2, figsize=(13, 4.6), layout="constrained", sharey=True)
    for ax, bid in zip(axes, result, strict=True):
        plots.cumulative_cash(bid, ax=ax)
    save(fig, "cumulative-cash.png")

    ax = plots.deal_map(bidfit.deal_map(result, "Vendor A"))
    ax.figure.set_size_inches(9, 5.2)
    save(ax.figure, "deal-map.png")

    save(plots.benefits_costs(result.bids["Vendor A"]).figure, "benefits-costs.png")

    simulation = bidfit.simulate(uncertain(case), trials=200_000, seed=42)
    save(plots.npv_histogram(simulation.bids["Competitor B"]).figure, "npv-histogram.png")

    save(plots.tornado(bidfit.sensitivity(case, "Competitor B")).figure, "tornado.png")


if __name__ == "__main__":
    main()
