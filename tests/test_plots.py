"""Every plot rendered to PNG with the Agg backend, and its content checked."""

from __future__ import annotations

import io

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.collections import QuadMesh

import bidfit
from bidfit.present import plots

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture
def analysis(norway):
    return bidfit.analyze(norway)


def png(ax_or_fig) -> bytes:
    fig = getattr(ax_or_fig, "figure", ax_or_fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=60)
    data = buffer.getvalue()
    assert data.startswith(PNG) and len(data) > 5_000
    return data


def title(ax) -> str:
    return ax.get_title(loc="left")


def labelled_lines(ax) -> list[str]:
    return [x.get_label() for x in ax.get_lines() if not x.get_label().startswith("_")]


def texts(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


def line(ax, label: str):
    (found,) = [x for x in ax.get_lines() if x.get_label() == label]
    return found


def tick_texts(axis) -> list[str]:
    axis.figure.canvas.draw()
    return [t.get_text() for t in axis.get_ticklabels() if t.get_text()]


def test_cumulative_cash_marks_the_payback(analysis):
    b = analysis.bids["Competitor B"]
    ax = plots.cumulative_cash(b)
    png(ax)
    assert title(ax) == "Competitor B: the customer's cumulative cash position"
    assert ax.get_xlabel() == "year" and ax.get_ylabel() == "cash position [EUR]"
    cumulative = line(ax, "cumulative cash position")
    np.testing.assert_allclose(cumulative.get_ydata(), b.cashflows["cumulative"])
    marker = line(ax, "payback 2.3 years")
    assert marker.get_xdata()[0] == pytest.approx(2 + 67_600 / 214_952) == b.payback_years
    assert marker.get_ydata()[0] == 0
    assert len(ax.containers) == 1 and len(ax.containers[0]) == 6  # one net bar per year
    assert any("payback" in t for t in texts(ax))
    assert all(label.startswith("EUR") for label in tick_texts(ax.yaxis))


def test_cumulative_cash_without_payback_says_so(analysis):
    ax = plots.cumulative_cash(analysis.bids["Vendor A"], discounted=False)
    png(ax)
    assert not [x for x in ax.get_lines() if x.get_label().startswith("payback")]
    assert texts(ax) == ["no payback within 5 years\n(ends at EUR -1.69M)"]
    assert labelled_lines(ax) == ["cumulative cash position"]


def test_benefits_costs_stacks_costs_by_category_with_the_gap(analysis):
    a = analysis.bids["Vendor A"]
    ax = plots.benefits_costs(a)
    png(ax)
    labels = [c.get_label() for c in ax.containers]
    assert labels == [
        "benefits",
        "capex (cost)",
        "installation (cost)",
        "maintenance (cost)",
        "operations (cost)",
    ]
    assert all(len(c) == 6 for c in ax.containers)
    benefits = [bar.get_height() for bar in ax.containers[0]]
    np.testing.assert_allclose(benefits, a.cashflows["benefits"])
    stacked = np.sum([[bar.get_height() for bar in c] for c in ax.containers[1:]], axis=0)
    np.testing.assert_allclose(stacked, a.cashflows["costs"])
    # The gap of each year is written above it: year 1, 380k against 520k.
    assert texts(ax) == ["-920k", "-140k", "-148k", "-155k", "-162k", "-170k"]
    assert ax.texts[1].get_color() == plots.LOSS
    assert ax.get_ylabel() == "per year [EUR]" and "benefits against costs" in title(ax)


def test_compare_bids(analysis):
    ax = plots.compare_bids(analysis)
    png(ax)
    assert [c.get_label() for c in ax.containers] == [
        "benefits (PV)",
        "one-time costs (PV)",
        "recurring costs (PV)",
    ]
    assert all(len(c) == 2 for c in ax.containers)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Vendor A", "Competitor B"]
    assert texts(ax) == ["NPV EUR -1.53M\nworse off", "NPV EUR 343k\nbetter off"]
    costs = [ax.containers[1][i].get_height() + ax.containers[2][i].get_height() for i in range(2)]
    np.testing.assert_allclose(costs, [b.pv_costs for b in analysis])


def test_tornado(norway):
    result = bidfit.sensitivity(norway, "Competitor B")
    table = result.summary
    ax = plots.tornado(result)
    png(ax)
    low, high = ax.containers
    assert (low.get_label(), high.get_label()) == ("low value", "high value")
    assert len(low) == len(high) == len(table) == 11
    assert [t.get_text() for t in ax.get_yticklabels()] == list(table["label"])
    base = table["base_npv"].iloc[0]
    for bar, value in zip(low, table["npv_low"], strict=True):
        assert bar.get_x() + bar.get_width() == pytest.approx(value)
        assert min(bar.get_x(), bar.get_x() + bar.get_width()) <= base + 1e-6
    assert line(ax, "break-even").get_xdata()[0] == 0
    assert title(ax) == "Competitor B: what moves the customer's NPV"
    assert len(plots.tornado(result, max_inputs=4).containers[0]) == 4
    assert len(result.plot(max_inputs=4).containers[0]) == 4


def test_npv_histogram_shades_the_worse_off_share(norway):
    entry = bidfit.Uncertainty(
        target="revenue.Outbound roaming.annual_amount", distribution="normal", mean=380_000, sd=80_000
    )
    sim = bidfit.simulate(norway.model_copy(update={"uncertainty": [entry]}), 20_000, seed=1)
    b = sim.bids["Competitor B"]
    ax = plots.npv_histogram(b, bins=40)
    png(ax)
    bars = ax.patches
    red = [p for p in bars if p.get_facecolor()[:3] == matplotlib.colors.to_rgb(plots.LOSS)]
    assert 0 < len(red) < len(bars)
    assert sum(p.get_height() for p in red) == pytest.approx(b.probability_worse_off)
    assert sum(p.get_height() for p in bars) == pytest.approx(1.0)
    assert all(p.get_x() + p.get_width() <= 1e-6 for p in red)
    assert any(t.startswith("P(worse off) = ") for t in texts(ax))
    assert ax.get_xlabel() == "NPV [EUR]" and ax.get_ylabel() == "share of trials"
    assert "20,000 trials" in title(ax)


def test_deal_map_plot(norway):
    deal = bidfit.deal_map(norway, "Vendor A", n=60)
    ax = plots.deal_map(deal)
    png(ax)
    assert len([c for c in ax.collections if isinstance(c, QuadMesh)]) == 1
    assert len(ax.figure.axes) == 2  # the map and its colour bar
    be = line(ax, "break-even (NPV = 0)")
    assert np.allclose(deal.npv_at(be.get_xdata(), be.get_ydata()), 0, atol=1e-6)
    own = line(ax, "Vendor A (quoted)")
    assert (own.get_xdata()[0], own.get_ydata()[0]) == (920_000, 520_000)
    other = line(ax, "Competitor B (competitor)")
    assert (other.get_xdata()[0], other.get_ydata()[0]) == (520_000, 150_000)
    assert any(t.startswith("no price works at EUR 520k a year") for t in texts(ax))
    assert ax.get_xlabel() == "one-time price [EUR]"
    assert ax.get_ylabel() == "annual fee, first year [EUR/year]"
    assert all(label.startswith("EUR") for label in tick_texts(ax.xaxis))
    competitor = plots.deal_map(bidfit.deal_map(norway, "Competitor B", n=30))
    assert not any(t.startswith("no price works") for t in texts(competitor))


def test_results_delegate_to_the_plots(analysis):
    assert title(analysis.plot()).startswith("Benefits against lifetime cost")
    for kind in ("cumulative", "benefits_costs"):
        ax = analysis.plot(kind, bid="Competitor B")
        assert "Competitor B" in title(ax)
        png(ax)
    fig = analysis.plot("cumulative")  # every bid: one Axes each, in one Figure
    assert [title(a).split(":")[0] for a in fig.axes] == ["Vendor A", "Competitor B"]
    png(fig)
    b = analysis.bids["Vendor A"]
    assert b.plot().get_ylabel() == "cash position [EUR]"
    assert bidfit.deal_map(analysis, "Vendor A").plot().get_xlabel() == "one-time price [EUR]"
    assert "Competitor B" in title(bidfit.sensitivity(analysis.case, "Competitor B").plot())
    _, given = plt.subplots()
    assert analysis.plot("benefits_costs", bid="Vendor A", ax=given) is given
    with pytest.raises(ValueError, match="unknown plot kind 'pie'"):
        analysis.plot("pie")
    for study in ("tornado", "deal_map"):  # studies draw through their own results
        with pytest.raises(ValueError, match="unknown plot kind"):
            b.plot(study)
        with pytest.raises(ValueError, match="unknown plot kind"):
            analysis.plot(study, bid="Vendor A")


# --------------------------------------------------------------------------
# legibility: distinct colours, even colour-bar ticks, labels that do not collide
# --------------------------------------------------------------------------


def cie_lab(colour: str) -> np.ndarray:
    """CIE L*a*b* (D65) of an sRGB colour, written out: linearise, to XYZ, to Lab."""
    srgb = np.array(matplotlib.colors.to_rgb(colour))
    linear = np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)
    to_xyz = np.array(
        [
            [0.4124564, 0.3575761, 0.1804375],
            [0.2126729, 0.7151522, 0.0721750],
            [0.0193339, 0.1191920, 0.9503041],
        ]
    )
    xyz = to_xyz @ linear / np.array([0.95047, 1.0, 1.08883])  # relative to the D65 white
    delta = 6 / 29
    f = np.where(xyz > delta**3, np.cbrt(xyz), xyz / (3 * delta**2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def delta_e(a: str, b: str) -> float:
    """CIE76 colour difference: the Euclidean distance in L*a*b*."""
    return float(np.linalg.norm(cie_lab(a) - cie_lab(b)))


def test_cie_lab_matches_reference_values():
    np.testing.assert_allclose(cie_lab("#ffffff"), [100, 0, 0], atol=0.01)
    np.testing.assert_allclose(cie_lab("#ff0000"), [53.24, 80.09, 67.20], atol=0.05)
    np.testing.assert_allclose(cie_lab("#0000ff"), [32.30, 79.19, -107.86], atol=0.05)


def test_every_cost_category_has_a_clearly_distinct_colour():
    colours = {**plots.CATEGORY_COLOURS, "benefits": plots.BENEFIT, "loss": plots.LOSS}
    names = list(colours)
    distances = {(a, b): delta_e(colours[a], colours[b]) for i, a in enumerate(names) for b in names[i + 1 :]}
    close = {pair: round(d, 1) for pair, d in distances.items() if d <= 20}
    assert close == {}
    # The pairs the old palette drew alike.
    assert delta_e(plots.CATEGORY_COLOURS["maintenance"], plots.CATEGORY_COLOURS["operations"]) > 30
    assert delta_e(plots.CATEGORY_COLOURS["capex"], plots.CATEGORY_COLOURS["installation"]) > 25


def test_benefits_costs_draws_each_category_in_its_own_colour(analysis):
    ax = plots.benefits_costs(analysis.bids["Vendor A"])
    for container in ax.containers[1:]:
        category = container.get_label().removesuffix(" (cost)")
        expected = matplotlib.colors.to_rgb(plots.CATEGORY_COLOURS[category])
        assert all(bar.get_facecolor()[:3] == pytest.approx(expected) for bar in container)


def test_colour_scale_ticks_are_even_round_and_centred():
    norm, ticks = plots.colour_scale(-2_689_000.0, 1_344_000.0)
    assert (norm.vmin, norm.vmax) == (-2_689_000.0, 2_689_000.0)  # centred on break-even
    assert ticks.tolist() == [-2e6, -1e6, 0.0, 1e6, 2e6]
    norm, ticks = plots.colour_scale(-310_000.0, -12_000.0)  # all negative: not centred
    assert (norm.vmin, norm.vmax) == (-310_000.0, -12_000.0)
    steps = np.diff(ticks)
    np.testing.assert_allclose(steps, steps[0])
    assert ticks[0] >= -310_000 and ticks[-1] <= -12_000


def test_deal_map_colour_bar_has_even_ticks_symmetric_about_zero(norway):
    deal = bidfit.deal_map(norway, "Vendor A", n=60)
    ax = plots.deal_map(deal)
    ax.figure.canvas.draw()
    bar_axes = ax.figure.axes[1]
    ticks = np.array(
        [t for t in bar_axes.get_yticks() if bar_axes.get_ylim()[0] <= t <= bar_axes.get_ylim()[1]]
    )
    assert len(ticks) >= 4
    steps = np.diff(ticks)
    np.testing.assert_allclose(steps, steps[0])  # equally spaced
    assert 0.0 in ticks and np.allclose(ticks, -ticks[::-1])  # symmetric about break-even
    mantissa = steps[0] / 10 ** np.floor(np.log10(steps[0]))
    assert mantissa in (1, 2, 2.5, 5)  # round values
    low, high = bar_axes.get_ylim()
    assert low == pytest.approx(-high)  # the colour scale is centred: yellow means NPV = 0
    assert high == pytest.approx(max(-deal.npv.min(), deal.npv.max()))
    labels = tick_texts(bar_axes.yaxis)
    assert "EUR 0" in labels and "EUR 1M" in labels and "EUR -1M" in labels


def window_extent(artist):
    return artist.get_window_extent(artist.figure.canvas.get_renderer())


def test_no_payback_note_covers_no_line(analysis):
    for discounted in (True, False):
        ax = plots.cumulative_cash(analysis.bids["Vendor A"], discounted=discounted)
        ax.figure.canvas.draw()
        (note,) = [t for t in ax.texts if t.get_text().startswith("no payback")]
        box = note.get_bbox_patch().get_window_extent() if note.get_bbox_patch() else window_extent(note)
        lines = [x for x in ax.get_lines() if len(x.get_xdata()) > 1]
        assert len(lines) == (3 if discounted else 2)  # cumulative, discounted, and the zero line
        for drawn in lines:
            path = drawn.get_transform().transform_path(drawn.get_path())
            assert not path.intersects_bbox(box, filled=False), drawn.get_label()
        for bar in ax.containers[0]:
            assert not window_extent(bar).overlaps(box)
        assert ax.get_window_extent().contains(box.x0, box.y0) and ax.get_window_extent().contains(
            box.x1, box.y1
        )


@pytest.mark.parametrize("mean", [380_000, 520_000, 700_000])
def test_worse_off_label_and_quantile_labels_do_not_collide(norway, mean):
    entry = bidfit.Uncertainty(
        target="revenue.Outbound roaming.annual_amount", distribution="normal", mean=mean, sd=80_000
    )
    sim = bidfit.simulate(norway.model_copy(update={"uncertainty": [entry]}), 10_000, seed=1)
    for ax in (
        plots.npv_histogram(sim.bids["Competitor B"]),
        plots.npv_histogram(sim.bids["Competitor B"], bins=20),
    ):
        ax.figure.canvas.draw()
        (worse,) = [t for t in ax.texts if t.get_text().startswith("P(worse off)")]
        quantiles = [t for t in ax.texts if t.get_text() in ("P10", "P50", "P90")]
        assert [t.get_text() for t in quantiles] == ["P10", "P50", "P90"]
        worse_box = worse.get_bbox_patch().get_window_extent()
        for label in quantiles:
            assert not window_extent(label).overlaps(worse_box), label.get_text()
        for bar in ax.patches:
            if bar is not worse.get_bbox_patch():
                assert not window_extent(bar).overlaps(worse_box)


def test_histogram_of_a_summary_run_shows_the_same_loss_share():
    """A simulation that kept no trials still plots: its red bars add up to P(worse off)."""
    case = bidfit.load_sample("norway_roaming").model_copy(
        update={
            "uncertainty": [
                bidfit.Uncertainty(
                    target="revenue.Outbound roaming.annual_amount",
                    distribution="normal",
                    mean=380_000,
                    sd=50_000,
                )
            ]
        }
    )
    bid = bidfit.simulate(case, 20_000, seed=1, keep="summary").bids["Competitor B"]
    assert bid.npv.size == 0
    ax = bid.plot()
    bars = [p for p in ax.patches if p.get_height() > 0]
    red = sum(p.get_height() for p in bars if p.get_x() + p.get_width() <= 0)
    assert red == pytest.approx(bid.probability_worse_off, abs=1e-12)
    assert sum(p.get_height() for p in bars) == pytest.approx(1.0, abs=1e-12)
