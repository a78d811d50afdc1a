"""The Jupyter display (``_repr_html_``) and the text ``repr``: one description, the same figures."""

from __future__ import annotations

import re
from html import escape

import pandas as pd
import pytest

import bidfit
import bidfit.studies.business_case
from bidfit.present import view
from bidfit.present.view import Banner, Findings, Heading, Paragraph, Table


@pytest.fixture
def analysis(norway):
    return bidfit.analyze(norway)


def cells(blocks: list[view.Block]) -> list[str]:
    """Every piece of text a description holds: banners, headings, table cells, flag messages."""
    out: list[str] = []
    for block in blocks:
        if isinstance(block, Heading | Banner | Paragraph):
            out.append(block.text)
        elif isinstance(block, Table):
            out += [c for row in [block.header, *block.rows] for c in row if c]
        elif isinstance(block, Findings):
            out += [f.code for f in block.flags]
    return out


def assert_same_figures(blocks: list[view.Block], text: str, html: str) -> None:
    flat_text = " ".join(text.split())
    for cell in cells(blocks):
        assert " ".join(cell.split()) in flat_text, cell
        assert escape(cell) in html, cell


def test_bid_html_has_banner_key_figures_flags_and_cash_flows(analysis):
    a = analysis.bids["Vendor A"]
    html = a._repr_html_()
    assert 'class="bidfit-verdict bidfit-worse_off"' in html and "#b00020" in html
    assert (
        "Vendor A (Our final-round quote): FAILS POLICY - recurring costs at or above the benefits in years 1-5; a loss over 5 years; and 2 more; the customer is worse off (NPV EUR -1.53M)"
        in html
    )
    for figure in ("EUR -1.53M at 8.0% over 5 years", "EUR 920k / EUR -614k", "EUR 520k / EUR 136k", "never"):
        assert figure in html
    assert "RUNNING_COST_EXCEEDS_REVENUE" in html and "(lever: recurring fees)" in html
    assert "Cash flows of the customer [EUR]" in html
    assert "<td" in html and "-1.69M" in html  # the cumulative position at year 5


def test_bid_text_repr_shows_the_same_figures(analysis):
    for bid in analysis:
        blocks = view.describe_bid(bid)
        assert_same_figures(blocks, repr(bid), bid._repr_html_())
    text = repr(analysis.bids["Vendor A"])
    assert " ".join(text.split("\n\n")[0].split()) == (
        "Vendor A (Our final-round quote): FAILS POLICY - recurring costs at or above the benefits in "
        "years 1-5; a loss over 5 years; and 2 more; the customer is worse off (NPV EUR -1.53M)"
    )
    assert "ERROR RUNNING_COST_EXCEEDS_REVENUE [lever: recurring fees]" in text
    # The cash-flow table: one row per year 0..5 with benefits, costs, net and cumulative.
    row1 = next(line for line in text.splitlines() if line.startswith("1 "))
    assert row1.split() == ["1", "380k", "0", "520k", "-140k", "-1.06M"]


def test_analysis_display(analysis):
    html, text = analysis._repr_html_(), repr(analysis)
    blocks = view.describe_analysis(analysis)
    assert_same_figures(blocks, text, html)
    assert "bidfit-better_off" in html and "bidfit-worse_off" in html
    for heading in view.SUMMARY_COLUMNS:
        assert f">{escape(heading)}</th>" in html
    # The command line prints this same text: the verdict table, then findings.
    assert text.splitlines()[0].startswith("Norway long-tail signalling for Nordic operator")
    assert "Competitor B  passes  better off    EUR 343k" in text


def test_case_html_lists_streams_bids_and_uncertainty(norway):
    case = norway.model_copy(
        update={
            "uncertainty": [
                bidfit.Uncertainty(
                    target="discount_rate", distribution="triangular", low=0.06, mode=0.08, high=0.12
                )
            ]
        }
    )
    html = case._repr_html_()
    for text in (
        "Norway long-tail signalling for Nordic operator (Norway sub-network)",
        "Outbound roaming",
        "EUR 380k",
        "-2.0%",
        "Vendor A",
        "Competitor B",
        "EUR 920k",
        "EUR 520k",
        "EUR 150k",
        "Uncertainty",
        "triangular",
        "low=0.06, mode=0.08, high=0.12",
    ):
        assert escape(text) in html, text
    assert "<table" in html
    # The text rendering of the same description holds the same figures.
    from bidfit.present.text import render_case

    assert_same_figures(view.describe_case(case), render_case(case), html)


def test_simulation_display(norway):
    entry = bidfit.Uncertainty(
        target="revenue.Outbound roaming.annual_amount", distribution="normal", mean=380_000, sd=80_000
    )
    case = norway.model_copy(
        update={"uncertainty": [entry], "policy": bidfit.Policy(max_loss_probability=0.05)}
    )
    sim = bidfit.simulate(case, 20_000, seed=1)
    html, text = sim._repr_html_(), repr(sim)
    assert_same_figures(view.describe_simulation(sim), text, html)
    b = sim.bids["Competitor B"]
    p = f"{b.probability_worse_off:.1%}"
    assert f"worse off in {p}" in text and f"worse off in {p}" in html
    assert "HIGH_LOSS_PROBABILITY" in html and "20,000 simulated futures" in text
    assert "seed 1" in text
    one = b._repr_html_()
    assert "bidfit-worse_off" in one  # flagged by the policy's 5 % limit
    assert_same_figures(view.describe_simulated_bid(b), repr(b), one)


def test_deal_map_display(norway):
    deal = bidfit.deal_map(norway, "Vendor A")
    text, html = repr(deal), deal._repr_html_()
    assert "At the quoted fee of EUR 520k a year no price works: the break-even price is EUR -614k." in (
        " ".join(text.split())
    )
    assert "EUR 136k a year" in text
    assert_same_figures(view.describe_deal_map(deal), text, html)


CHECKS = __import__("pathlib").Path(__file__).parent / "data" / "check"


def every_result(case: bidfit.Case) -> list[object]:
    """One result of every type the package returns, on the Norway sample (and the gate's test files)."""
    analysis = bidfit.analyze(case)
    uncertain = case.model_copy(
        update={
            "uncertainty": [
                bidfit.Uncertainty(
                    target="revenue.Outbound roaming.annual_amount",
                    distribution="normal",
                    mean=380_000,
                    sd=80_000,
                )
            ]
        }
    )
    simulation = bidfit.simulate(uncertain, 2_000, seed=1)
    room = bidfit.pricing_room(case, "Vendor A", competitor_price=520_000)
    gate = bidfit.check([CHECKS / "failing.yaml", CHECKS / "passing.yaml", CHECKS / "invalid.yaml"])
    return [
        analysis,
        analysis.bids["Vendor A"],
        bidfit.analyze_many([case, case]),
        simulation,
        simulation.bids["Competitor B"],
        bidfit.deal_map(case, "Vendor A"),
        bidfit.sensitivity(case, "Competitor B"),
        room,
        room.what_it_takes,
        room.what_it_takes.change("price"),
        bidfit.scope_options(case, "Vendor A"),
        bidfit.competitor_inference(case, "Vendor A", 520_000, 100_000),
        gate,
        gate.entries[0],
    ]


def test_every_result_type_shows_the_same_figures_as_text_and_html(norway, monkeypatch):
    monkeypatch.setenv("COLUMNS", "240")  # wide enough that no table cell wraps (tested apart)
    results = every_result(norway)
    assert {type(r).__name__ for r in results} >= {
        name
        for name in bidfit.__all__
        if isinstance(getattr(bidfit, name), type) and hasattr(getattr(bidfit, name), "_blocks")
    }
    for result in results:
        name = type(result).__name__
        assert isinstance(result, bidfit.results.base.Result), name
        text, html = repr(result), result._repr_html_()
        assert 0 < len(text) < 6_000, (name, len(text))
        assert "<" not in text.replace("<=", ""), name  # plain text, no markup
        assert html.startswith('<div class="bidfit">') and html.endswith("</div>"), name
        assert_same_figures(result._blocks(), text, html)


def test_every_result_with_a_table_has_a_summary_frame(norway):
    import pandas as pd

    for result in every_result(norway):
        if type(result).__name__ in {
            "BidAnalysis",
            "SimulatedBid",
            "DealMap",
            "CompetitorInference",
            "LeverChange",
            "BidCheck",
        }:
            continue
        assert isinstance(result.summary, pd.DataFrame), type(result).__name__  # type: ignore[attr-defined]


def test_check_and_portfolio_displays(norway):
    gate = bidfit.check([CHECKS / "failing.yaml", CHECKS / "invalid.yaml"])
    text = repr(gate)
    assert text.splitlines()[0] == f"Review gate, invalid: {gate.summary_line()}"
    assert "Invalid input:" in text and "failing.yaml" in text
    failing = gate.entries[0]
    assert "FAILS POLICY" in repr(failing) and failing.what_it_takes_sentence in " ".join(
        repr(failing).split()
    )
    portfolio = bidfit.analyze_many([norway, norway])
    assert (
        " ".join(repr(portfolio).split("\n\n")[0].split())
        == "Portfolio of 2 cases, 4 bids: 2 pass the policy, 2 fail; the customer is better off in 2, "
        "at risk in 0, worse off in 2"
    )


def test_every_result_shows_figures_in_their_units(norway):
    for result in every_result(norway):
        name = type(result).__name__
        for shown in (repr(result), result._repr_html_()):
            # No scientific notation, no snake-case verdict, no NaN: what a reader sees is formatted.
            assert not re.search(r"\d\.\d+e[+-]\d\d", shown), name
            assert "worse_off" not in shown.replace("bidfit-worse_off", ""), name
            assert not re.search(r"\bnan\b", shown.lower()), name


def test_summaries_keep_exact_figures_and_show_them_in_units(norway):
    results = {type(r).__name__: r for r in every_result(norway)}
    for name in ("Analysis", "Simulation"):
        summary = results[name].summary
        exact = summary.select_dtypes("number")
        assert not exact.empty and type(exact) is pd.DataFrame  # computed from it: plain data again
        shown = repr(summary)
        assert "EUR -1.53M" in shown and not re.search(r"e\+0\d", shown), name
        assert all(str(c) in shown for c in summary.columns), name  # no column cut


@pytest.mark.parametrize("columns", [60, 80, 200])
def test_every_result_fits_the_width(norway, monkeypatch, columns):
    monkeypatch.setenv("COLUMNS", str(columns))
    for result in every_result(norway):
        widest = max(repr(result).splitlines(), key=len)
        assert len(widest) <= columns, (type(result).__name__, widest)


def test_a_wide_table_wraps_its_text_then_splits_its_columns():
    from bidfit.present.text import render_table

    header = ("Lever", "Now", "Needed", "What")
    rows = [
        ("scope", "Outbound roaming", "Outbound roaming, Outbound roaming Sweden", "adding the Sweden option")
    ]
    text = render_table(header, rows, "lrrl", width=60)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 60
    # The long cells wrap within their columns: every word is still there, and the row takes more lines.
    assert sorted(text.split()[len(header) + len(header) :]) == sorted(" ".join(rows[0]).split())
    assert len(lines) > 3
    narrow = render_table(
        ("Bid", *(f"Figure {i}" for i in range(12))), [("A", *("EUR 1.5M",) * 12)], width=60
    )
    parts = narrow.split("\n\n")
    assert len(parts) > 1 and all(part.startswith("Bid") for part in parts)  # each part repeats the key
    assert max(len(line) for line in narrow.splitlines()) <= 60


def test_a_long_first_column_wraps_too():
    from bidfit.present.text import render_table

    path = "/a/rather/long/checkout/folder/tests/data/check/failing.yaml"
    text = render_table(
        ("File", "Failing findings"), [(path, "RUNNING_COST_EXCEEDS_REVENUE")], "ll", width=60
    )
    assert max(len(line) for line in text.splitlines()) <= 60
    assert "".join(line.split("  ")[0].strip() for line in text.splitlines()[2:]) == path
