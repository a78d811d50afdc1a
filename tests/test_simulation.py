"""``bidfit.simulate`` against the deterministic analysis, analytic probabilities and its own rules."""

from __future__ import annotations

import math
import tracemalloc
from statistics import NormalDist
from typing import Any

import numpy as np
import pytest

import bidfit
from bidfit import Uncertainty
from bidfit.present.progress import progress_bar, show_progress
from bidfit.studies.draws import BLOCK_TRIALS, sample_inputs
from bidfit.studies.simulation import simulate
from conftest import make_case

ROAMING = "revenue.Outbound roaming"


def with_uncertainty(case: bidfit.Case, *entries: dict[str, Any], **policy: Any) -> bidfit.Case:
    """The case with these uncertainty entries (and policy fields), validated as a user's would be."""
    data = case.model_dump()
    data["uncertainty"] = list(entries)
    data["policy"] = {**data["policy"], **policy}
    return bidfit.Case.model_validate(data)


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman rank correlation (no ties in continuous draws): Pearson correlation of the ranks."""
    rx, ry = np.argsort(np.argsort(x)), np.argsort(np.argsort(y))
    return float(np.corrcoef(rx, ry)[0, 1])


# --- zero width: the simulation is the deterministic analysis ---------------------------


def test_zero_width_distributions_equal_the_deterministic_analysis_exactly(norway):
    case = with_uncertainty(
        norway,
        {
            "target": f"{ROAMING}.annual_amount",
            "distribution": "triangular",
            "low": 380_000,
            "mode": 380_000,
            "high": 380_000,
        },
        {"target": f"{ROAMING}.growth", "distribution": "pert", "low": -0.02, "mode": -0.02, "high": -0.02},
        {"target": f"{ROAMING}.capture", "distribution": "uniform", "low": 1.0, "high": 1.0},
        {"target": "cost.Vendor A.Maintenance.amount", "distribution": "normal", "mean": 170_000, "sd": 0},
        {
            "target": "cost.Competitor B.Operations.amount",
            "distribution": "lognormal",
            "mean": 90_000,
            "sd": 0,
        },
    )
    analysis = bidfit.analyze(case)
    sim = simulate(case, trials=3 * BLOCK_TRIALS + 5, seed=7)
    for name, bid in analysis.bids.items():
        simulated = sim.bids[name]
        assert np.all(simulated.npv == bid.npv), name  # bit for bit, every trial
        expected_payback = np.nan if bid.payback_years is None else bid.payback_years
        np.testing.assert_array_equal(simulated.payback_years, np.full(sim.trials, expected_payback))
        assert simulated.deterministic_npv == bid.npv
        assert simulated.npv_p10 == simulated.npv_p90 == bid.npv
    assert sim.bids["Vendor A"].probability_worse_off == 1.0
    assert sim.bids["Competitor B"].probability_worse_off == 0.0


def test_zero_width_elsewhere_equals_the_analysis_of_the_changed_case(norway):
    case = with_uncertainty(
        norway,
        {"target": f"{ROAMING}.annual_amount", "distribution": "normal", "mean": 500_000, "sd": 0},
        {
            "target": "cost.Vendor A.Outsourced operations.escalation",
            "distribution": "triangular",
            "low": 0.03,
            "mode": 0.03,
            "high": 0.03,
        },
    )
    changed = norway.model_copy(deep=True)
    changed.revenue[0].annual_amount = 500_000
    changed.bid("Vendor A").cost("Outsourced operations").escalation = 0.03
    analysis = bidfit.analyze(changed)
    sim = simulate(case, trials=1000, seed=1)
    for name, bid in analysis.bids.items():
        assert np.all(sim.bids[name].npv == bid.npv)


def test_zero_width_discount_rate_equals_the_analysis_to_rounding(norway):
    # A sampled rate goes through the per-row NPV (einsum) rather than the matrix product of a
    # single rate: the same sum in another order, so equal to the last bits only.
    case = with_uncertainty(
        norway, {"target": "discount_rate", "distribution": "uniform", "low": 0.08, "high": 0.08}
    )
    analysis = bidfit.analyze(case)
    sim = simulate(case, trials=1000, seed=1)
    for name, bid in analysis.bids.items():
        np.testing.assert_allclose(sim.bids[name].npv, bid.npv, rtol=1e-13)


# --- a known distribution: P(worse off) against the normal CDF ---------------------------


def test_probability_worse_off_matches_the_normal_cdf_within_three_standard_errors():
    # NPV = X * A - 200 with A the 3-year annuity factor at 10%, X ~ normal(100, 20) truncated
    # at 0: P(NPV < 0) = P(X < 200 / A) for the truncated normal, by hand.
    case = make_case(
        bids=[{"name": "A", "costs": [{"name": "Kit", "kind": "one_time", "amount": 200}]}],
        uncertainty=[
            Uncertainty(target="revenue.Sales.annual_amount", distribution="normal", mean=100, sd=20)
        ],
    )
    annuity = sum(1.1**-t for t in (1, 2, 3))  # 2.486852
    x_even = 200 / annuity  # 80.42 a year
    dist = NormalDist(100, 20)
    expected = (dist.cdf(x_even) - dist.cdf(0)) / (1 - dist.cdf(0))  # 0.1638
    assert expected == pytest.approx(0.1638, abs=1e-4)
    sim = simulate(case, trials=200_000, seed=2024)
    a = sim.bids["A"]
    assert a.probability_worse_off_se == pytest.approx(
        math.sqrt(a.probability_worse_off * (1 - a.probability_worse_off) / 200_000)
    )
    assert abs(a.probability_worse_off - expected) < 3 * a.probability_worse_off_se
    # The NPV percentiles are those of the normal, mapped through the straight line NPV(X).
    for q, value in ((0.1, a.npv_p10), (0.5, a.npv_p50), (0.9, a.npv_p90)):
        assert value == pytest.approx(dist.inv_cdf(q) * annuity - 200, abs=1.0)


def test_percentiles_and_never_paying_back_share():
    # Kit 200, then X a year for 3 years with X ~ uniform(40, 140): payback 200 / X years when
    # X >= 200 / 3, never otherwise. P(payback <= p) = (140 - 200 / p) / 100, by hand.
    case = make_case(
        bids=[{"name": "A", "costs": [{"name": "Kit", "kind": "one_time", "amount": 200}]}],
        uncertainty=[
            Uncertainty(target="revenue.Sales.annual_amount", distribution="uniform", low=40, high=140)
        ],
    )
    a = simulate(case, trials=100_000, seed=5).bids["A"]
    never = np.isnan(a.payback_years)
    assert a.share_never_pays_back == never.mean()
    assert a.share_never_pays_back == pytest.approx((200 / 3 - 40) / 100, abs=0.005)  # 26.7 %
    assert a.payback_p10 == pytest.approx(200 / 130, abs=0.01)  # (140 - 200/p) / 100 = 0.1
    assert a.payback_p50 == pytest.approx(200 / 90, abs=0.01)
    assert a.payback_p90 is None  # more than 10 % never pay back
    # The percentiles are observed paybacks ("never" ranked last), not interpolations.
    ranked = np.sort(np.where(never, np.inf, a.payback_years))
    assert a.payback_p50 == ranked[a.trials // 2 - 1]


# --- reproducibility and chunking ---------------------------------------------------------


@pytest.fixture
def uncertain_norway(norway):
    return with_uncertainty(
        norway,
        {"target": f"{ROAMING}.annual_amount", "distribution": "normal", "mean": 380_000, "sd": 60_000},
        {"target": f"{ROAMING}.growth", "distribution": "pert", "low": -0.1, "mode": -0.02, "high": 0.03},
        {
            "target": "cost.Competitor B.Operations.amount",
            "distribution": "lognormal",
            "mean": 90_000,
            "sd": 25_000,
            "correlated_with": f"{ROAMING}.annual_amount",
            "correlation": 0.5,
        },
        {"target": "discount_rate", "distribution": "triangular", "low": 0.06, "mode": 0.08, "high": 0.12},
    )


def test_same_seed_gives_identical_results_whatever_the_chunk_size(uncertain_norway):
    first = simulate(uncertain_norway, trials=30_000, seed=11)
    again = simulate(uncertain_norway, trials=30_000, seed=11)
    small_chunks = simulate(uncertain_norway, trials=30_000, seed=11, chunk_size=BLOCK_TRIALS)
    odd_chunks = simulate(uncertain_norway, trials=30_000, seed=11, chunk_size=12_345)
    other_seed = simulate(uncertain_norway, trials=30_000, seed=12)
    for name in first.bids:
        for run in (again, small_chunks, odd_chunks):
            np.testing.assert_array_equal(first.bids[name].npv, run.bids[name].npv)
            np.testing.assert_array_equal(first.bids[name].payback_years, run.bids[name].payback_years)
        assert not np.array_equal(first.bids[name].npv, other_seed.bids[name].npv)
    assert odd_chunks.chunk_size == 2 * BLOCK_TRIALS  # rounded up to whole blocks


def test_a_longer_run_starts_with_the_shorter_one(uncertain_norway):
    short = simulate(uncertain_norway, trials=10_000, seed=3)
    long = simulate(uncertain_norway, trials=25_000, seed=3)
    np.testing.assert_array_equal(long.bids["Competitor B"].npv[:10_000], short.bids["Competitor B"].npv)


def test_a_run_without_seed_can_be_repeated_from_its_recorded_seed(uncertain_norway):
    first = simulate(uncertain_norway, trials=5_000)
    again = simulate(uncertain_norway, trials=5_000, seed=first.seed)
    np.testing.assert_array_equal(first.bids["Vendor A"].npv, again.bids["Vendor A"].npv)


def test_memory_stays_bounded_by_the_chunk_not_the_trial_count(uncertain_norway):
    def peak_beyond_result(trials: int) -> float:
        tracemalloc.start()
        try:
            simulate(uncertain_norway, trials=trials, seed=1, chunk_size=50_000)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        result = 2 * 2 * 8 * trials  # npv and payback, float64, two bids
        return (peak - result) / 1e6

    big = peak_beyond_result(2_000_000)
    small = peak_beyond_result(200_000)
    # The working memory of 2 million trials is that of 200 thousand: one chunk's worth
    # (a single chunk of 2 million trials would need hundreds of MB).
    assert big < 35, f"{big:.1f} MB of working memory"
    assert abs(big - small) < 8, (big, small)


# --- samplers, truncation and correlation ------------------------------------------------


def test_marginals_match_their_distributions():
    case = make_case(
        revenue=[{"name": "S", "annual_amount": 100}, {"name": "T", "annual_amount": 50}],
        uncertainty=[
            Uncertainty(target="revenue.S.annual_amount", distribution="pert", low=60, mode=90, high=150),
            Uncertainty(
                target="revenue.T.annual_amount", distribution="triangular", low=10, mode=20, high=60
            ),
            Uncertainty(target="revenue.S.growth", distribution="lognormal", mean=0.05, sd=0.02),
            Uncertainty(target="revenue.T.growth", distribution="uniform", low=-0.1, high=0.1),
        ],
    )
    x = sample_inputs(case, 200_000, seed=9)
    n = len(x)
    # PERT: mean (low + 4 mode + high) / 6, variance (mean - low)(high - mean) / 7.
    pert_mean = (60 + 4 * 90 + 150) / 6
    pert_sd = math.sqrt((pert_mean - 60) * (150 - pert_mean) / 7)
    assert x["revenue.S.annual_amount"].mean() == pytest.approx(pert_mean, abs=3 * pert_sd / math.sqrt(n))
    assert x["revenue.S.annual_amount"].std() == pytest.approx(pert_sd, rel=0.01)
    assert x["revenue.S.annual_amount"].between(60, 150).all()
    # Triangular: mean (low + mode + high) / 3; mode where the density peaks.
    tri = x["revenue.T.annual_amount"]
    assert tri.mean() == pytest.approx(30, abs=0.1) and tri.between(10, 60).all()
    # Lognormal given by the mean and sd of the value itself.
    logn = x["revenue.S.growth"]
    assert logn.mean() == pytest.approx(0.05, rel=0.005) and logn.std() == pytest.approx(0.02, rel=0.02)
    assert x["revenue.T.growth"].between(-0.1, 0.1).all()


def test_truncated_normal_stays_in_range_with_the_truncated_mean():
    mu, sd = 0.95, 0.1
    case = make_case(
        uncertainty=[Uncertainty(target="revenue.Sales.capture", distribution="normal", mean=mu, sd=sd)]
    )
    x = sample_inputs(case, 200_000, seed=4)["revenue.Sales.capture"].to_numpy()
    assert x.min() >= 0.0 and x.max() <= 1.0
    # Normal truncated above at 1 (and, negligibly, below at 0): mean = mu - sd phi(b) / Phi(b).
    unit = NormalDist()
    b, a = (1 - mu) / sd, (0 - mu) / sd
    mean = mu - sd * (unit.pdf(b) - unit.pdf(a)) / (unit.cdf(b) - unit.cdf(a))
    assert x.mean() == pytest.approx(mean, abs=3 * x.std() / math.sqrt(x.size))


def test_a_distribution_almost_entirely_outside_the_range_is_an_input_error():
    case = make_case(
        uncertainty=[Uncertainty(target="revenue.Sales.capture", distribution="normal", mean=1.6, sd=0.1)]
    )
    with pytest.raises(bidfit.InputError, match="inside the valid range of capture"):
        simulate(case, 1000, seed=1)


@pytest.mark.parametrize("rho", [0.7, -0.5, 0.95])
def test_achieved_rank_correlation_is_the_requested_one(rho):
    case = make_case(
        revenue=[{"name": "S", "annual_amount": 100}],
        bids=[{"name": "A", "costs": [{"name": "Fee", "kind": "recurring", "amount": 50}]}],
        uncertainty=[
            Uncertainty(target="revenue.S.annual_amount", distribution="lognormal", mean=100, sd=30),
            Uncertainty(
                target="cost.A.Fee.amount",
                distribution="triangular",
                low=20,
                mode=40,
                high=90,
                correlated_with="revenue.S.annual_amount",
                correlation=rho,
            ),
            Uncertainty(target="revenue.S.growth", distribution="uniform", low=-0.05, high=0.05),
        ],
    )
    x = sample_inputs(case, 100_000, seed=8)
    assert spearman(x["revenue.S.annual_amount"].to_numpy(), x["cost.A.Fee.amount"].to_numpy()) == (
        pytest.approx(rho, abs=0.02)
    )
    # The uncorrelated input stays uncorrelated; the marginals are untouched by the reordering.
    assert abs(spearman(x["revenue.S.growth"].to_numpy(), x["cost.A.Fee.amount"].to_numpy())) < 0.02
    assert x["cost.A.Fee.amount"].mean() == pytest.approx(50, abs=0.3)


def test_inconsistent_correlations_are_an_input_error_naming_them():
    # amount ~ fee = 0.9 and amount ~ growth = 0.9 force growth ~ fee > 0.6: -0.9 cannot hold.
    inconsistent = make_case(
        revenue=[{"name": "S", "annual_amount": 100}],
        bids=[{"name": "A", "costs": [{"name": "Fee", "kind": "recurring", "amount": 50}]}],
        uncertainty=[
            Uncertainty(
                target="revenue.S.annual_amount",
                distribution="uniform",
                low=80,
                high=120,
                correlated_with="cost.A.Fee.amount",
                correlation=0.9,
            ),
            Uncertainty(
                target="revenue.S.growth",
                distribution="uniform",
                low=-0.05,
                high=0.05,
                correlated_with="revenue.S.annual_amount",
                correlation=0.9,
            ),
            Uncertainty(
                target="cost.A.Fee.amount",
                distribution="uniform",
                low=40,
                high=60,
                correlated_with="revenue.S.growth",
                correlation=-0.9,
            ),
            Uncertainty(target="revenue.S.capture", distribution="uniform", low=0.5, high=1.0),
        ],
    )
    with pytest.raises(bidfit.InputError) as caught:
        simulate(inconsistent, 1000, seed=1)
    message = str(caught.value)
    assert "cannot all hold at once" in message and "positive semi-definite" in message
    for pair in (
        "'revenue.S.annual_amount' ~ 'revenue.S.growth' = 0.9",
        "'revenue.S.growth' ~ 'cost.A.Fee.amount' = -0.9",
    ):
        assert pair in message
    assert "capture" not in message  # not involved
    assert caught.value.problems[0].code == "not_positive_semidefinite"


def test_a_pair_given_two_different_correlations_is_an_input_error():
    case = make_case(
        revenue=[{"name": "S", "annual_amount": 100}],
        uncertainty=[
            Uncertainty(
                target="revenue.S.annual_amount",
                distribution="uniform",
                low=80,
                high=120,
                correlated_with="revenue.S.growth",
                correlation=0.5,
            ),
            Uncertainty(
                target="revenue.S.growth",
                distribution="uniform",
                low=-0.05,
                high=0.05,
                correlated_with="revenue.S.annual_amount",
                correlation=0.3,
            ),
        ],
    )
    with pytest.raises(bidfit.InputError, match=r"given twice, as 0\.5 and 0\.3"):
        simulate(case, 1000, seed=1)


# --- the policy's loss limit, progress, arguments -----------------------------------------


def test_high_loss_probability_flag_follows_the_policy(norway):
    entry = {"target": f"{ROAMING}.annual_amount", "distribution": "normal", "mean": 380_000, "sd": 80_000}
    strict = simulate(with_uncertainty(norway, entry, max_loss_probability=0.05), 20_000, seed=1)
    lenient = simulate(with_uncertainty(norway, entry, max_loss_probability=0.5), 20_000, seed=1)
    unset = simulate(with_uncertainty(norway, entry), 20_000, seed=1)
    b = strict.bids["Competitor B"]
    assert 0.05 < b.probability_worse_off < 0.5  # about 12 %
    assert [f.code for f in b.flags] == ["HIGH_LOSS_PROBABILITY"] and b.verdict == "at_risk"
    assert "20,000 simulated futures" in b.flags[0].message
    assert lenient.bids["Competitor B"].flags == () and unset.bids["Competitor B"].flags == ()
    assert [f.code for f in strict.bids["Vendor A"].flags] == ["HIGH_LOSS_PROBABILITY"]
    assert list(strict.flags["code"]) == ["HIGH_LOSS_PROBABILITY"] * 2


def test_summary_has_one_row_per_bid(uncertain_norway):
    sim = simulate(uncertain_norway, 10_000, seed=1)
    summary = sim.summary
    assert list(summary.index) == ["Vendor A", "Competitor B"]
    for column in (
        "probability_worse_off",
        "probability_worse_off_se",
        "npv_p10",
        "npv_p50",
        "npv_p90",
        "payback_p50",
        "share_never_pays_back",
        "deterministic_npv",
    ):
        assert column in summary.columns
    b = sim.bids["Competitor B"]
    assert summary.loc["Competitor B", "npv_p50"] == b.npv_p50 == pytest.approx(np.median(b.npv))
    histogram = b.histogram(30)
    assert histogram["trials"].sum() == b.trials
    assert histogram.loc[histogram["npv_to"] <= 0, "share"].sum() == pytest.approx(b.probability_worse_off)


def test_progress_is_automatic_only_for_a_person(monkeypatch, uncertain_norway, capsys):
    monkeypatch.setenv("CI", "true")
    assert show_progress(None, chunks=10) is False
    monkeypatch.delenv("CI")
    assert show_progress(None, chunks=1) is False  # one chunk: too short for a bar
    assert show_progress(True, chunks=1) is True and show_progress(False, chunks=10) is False
    simulate(
        uncertain_norway,
        3 * BLOCK_TRIALS,
        seed=1,
        chunk_size=BLOCK_TRIALS,
        progress=progress_bar(True, delay=0.0),
    )
    out, err = capsys.readouterr()
    assert out == "" and "bidfit simulate" in err  # on stderr, never mixed into standard output
    simulate(uncertain_norway, 3 * BLOCK_TRIALS, seed=1, chunk_size=BLOCK_TRIALS, progress=progress_bar())
    assert capsys.readouterr() == ("", "")  # captured stderr is not a terminal: no bar


@pytest.mark.parametrize("bad", [{"trials": 0}, {"trials": 2.5}, {"chunk_size": 0}, {"trials": True}])
def test_bad_arguments_are_value_errors(norway, bad):
    with pytest.raises(ValueError, match="whole number"):
        simulate(norway, **{"trials": 10, **bad})


def test_a_case_without_uncertainty_simulates_to_its_analysis(norway):
    with pytest.warns(bidfit.NothingUncertainWarning):
        sim = simulate(norway, 1000, seed=1)
    analysis = bidfit.analyze(norway)
    assert np.all(sim.bids["Competitor B"].npv == analysis.bids["Competitor B"].npv)


# --- the report sheet and the command line ------------------------------------------------


def test_simulation_sheet_holds_the_figures_and_a_histogram_chart(uncertain_norway):
    import io

    import openpyxl

    from bidfit.present.report.risk import add_simulation_sheet

    sim = simulate(uncertain_norway, 20_000, seed=1)
    workbook = openpyxl.Workbook()
    add_simulation_sheet(workbook, sim, bins=25)
    assert workbook.sheetnames == ["Sheet", "Simulation"]  # only a sheet added
    ws = workbook["Simulation"]
    charts = ws._charts
    assert len(charts) == 2  # one histogram per bid
    b = sim.bids["Competitor B"]
    below_zero = int((b.histogram(25)["npv_to"] <= 0).sum())
    assert len(charts[1].series[0].dPt) == below_zero > 0  # the worse-off bins in red
    buffer = io.BytesIO()
    workbook.save(buffer)
    ws = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))["Simulation"]
    header = [c.value for c in ws[4]]
    row = {h: c.value for h, c in zip(header, ws[6], strict=True)}
    assert row["Bid"] == "Competitor B" and row["Trials"] == 20_000
    # A workbook keeps 16 significant digits.
    assert row["P(worse off)"] == pytest.approx(b.probability_worse_off, rel=1e-15)
    assert row["Standard error"] == pytest.approx(b.probability_worse_off_se, rel=1e-15)
    assert (row["NPV P10"], row["NPV P50"], row["NPV P90"]) == pytest.approx(
        (b.npv_p10, b.npv_p50, b.npv_p90), rel=1e-15
    )
    assert row["Never pays back"] == pytest.approx(b.share_never_pays_back, rel=1e-15)
    vendor_a = {h: c.value for h, c in zip(header, ws[5], strict=True)}
    assert vendor_a["Payback P50 [years]"] == "never"
    counts, inside = [], False
    for r in ws.iter_rows(values_only=True):
        if r[0] == "Bin (middle)":
            inside = True
            counts.append(0)
        elif inside and isinstance(r[3], int):
            counts[-1] += r[3]
        else:
            inside = False
    assert counts == [20_000, 20_000]  # each histogram table counts every trial


def test_cli_analyze_simulate_adds_the_risk_sheets(uncertain_norway, tmp_path):
    import subprocess
    import sys

    import openpyxl

    source = tmp_path / "case.json"
    source.write_text(uncertain_norway.model_dump_json(), encoding="utf-8")
    out = tmp_path / "report.xlsx"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bidfit",
            "analyze",
            str(source),
            "-o",
            str(out),
            "--simulate",
            "5000",
            "--seed",
            "3",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "5,000 simulated futures" in done.stdout and "(seed 3)" in done.stdout
    assert done.stderr == ""  # no progress bar when stderr is not a terminal
    workbook = openpyxl.load_workbook(out)
    assert workbook.sheetnames[-3:] == ["Simulation", "Sensitivity Vendor A", "Sensitivity Competitor B"]
    # The same seed in another process gives the same figures.
    expected = simulate(uncertain_norway, 5000, seed=3).bids["Competitor B"].probability_worse_off
    assert workbook["Simulation"]["D6"].value == pytest.approx(expected, rel=1e-15)
    bad = subprocess.run(
        [sys.executable, "-m", "bidfit", "analyze", str(source), "--simulate", "0"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 2 and "whole number of trials" in bad.stderr


def test_progress_must_be_a_callable_or_none():
    import bidfit

    case = bidfit.load_sample("norway_roaming")
    with pytest.raises(TypeError, match=r"progress must be a callable progress\(done, total\) or None"):
        bidfit.simulate(case, trials=10, seed=1, progress=False)  # type: ignore[arg-type]
    seen: list[tuple[int, int]] = []
    with pytest.warns(bidfit.NothingUncertainWarning):  # nothing uncertain here: progress only
        bidfit.simulate(
            case,
            trials=5000,
            seed=1,
            chunk_size=2048,
            progress=lambda done, total: seen.append((done, total)),
        )
    assert seen[-1] == (5000, 5000) and all(total == 5000 for _, total in seen)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


def test_a_case_with_nothing_uncertain_warns_and_gives_the_deterministic_result(norway):
    certain = norway.model_copy(update={"uncertainty": []})
    with pytest.warns(bidfit.NothingUncertainWarning, match="has no uncertain inputs"):
        sim = bidfit.simulate(certain, trials=1_000, seed=1)
    base = bidfit.analyze(certain)
    for name, bid in sim.bids.items():
        assert np.all(bid.npv == base.bids[name].npv)
        assert bid.probability_worse_off == (1.0 if base.bids[name].npv < 0 else 0.0)


def test_a_case_with_an_uncertainty_does_not_warn(norway):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", bidfit.NothingUncertainWarning)
        simulate(
            with_uncertainty(
                norway, {"target": "discount_rate", "distribution": "uniform", "low": 0.06, "high": 0.1}
            ),
            trials=1_000,
            seed=1,
        )
