"""The Jupyter display (``_repr_html_``) and the text ``repr``: one description, the same figures."""

from __future__ import annotations

from html import escape

import pytest

import bidfit
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
    assert "Vendor A (Our final-round quote): WORSE OFF - the customer is worse off" in html
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
    assert text.splitlines()[0] == "Vendor A (Our final-round quote): WORSE OFF - the customer is worse off"
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
    assert "Competitor B  better_off    EUR 343k" in text


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


def test_every_result_type_shows_the_same_figures_as_text_and_html(norway):
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
        assert 0 < len(text) < 4_000, (name, len(text))
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
    assert "FAILS on" in repr(failing) and failing.what_it_takes_sentence in " ".join(repr(failing).split())
    portfolio = bidfit.analyze_many([norway, norway])
    assert (
        repr(portfolio).splitlines()[0]
        == "Portfolio of 2 cases, 4 bids: 2 better_off, 0 at_risk, 2 worse_off"
    )
