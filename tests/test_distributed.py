"""Simulations and portfolios on a real Dask cluster of two worker processes, against the in-process results."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest
from distributed import Client, LocalCluster

import bidfit
from bidfit.results.simulation import SKETCH_RELATIVE_ERROR
from bidfit.studies.distributed import analyze_many_on, simulate_on, trial_ranges
from bidfit.studies.draws import BLOCK_TRIALS

ROAMING = "revenue.Outbound roaming"


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        Client(cluster) as connected,
    ):
        yield connected


@pytest.fixture
def case(norway: bidfit.Case) -> bidfit.Case:
    data = norway.model_dump()
    data["uncertainty"] = [
        {"target": f"{ROAMING}.annual_amount", "distribution": "normal", "mean": 380_000, "sd": 60_000},
        {
            "target": "cost.Competitor B.Operations.amount",
            "distribution": "lognormal",
            "mean": 90_000,
            "sd": 25_000,
            "correlated_with": f"{ROAMING}.annual_amount",
            "correlation": 0.5,
        },
        {"target": "discount_rate", "distribution": "triangular", "low": 0.0, "mode": 0.08, "high": 0.12},
    ]
    return bidfit.Case.model_validate(data)


def test_simulation_on_the_cluster_equals_the_single_run_in_process(client, case):
    trials = 100_003
    on_cluster = simulate_on(client, case, trials, seed=42, trials_per_task=3 * BLOCK_TRIALS + 17)
    full = bidfit.simulate(case, trials, seed=42)
    summary = bidfit.simulate(case, trials, seed=42, keep="summary")
    assert (on_cluster.trials, on_cluster.seed, on_cluster.keep) == (trials, 42, "summary")
    assert 0 < full.bids["Competitor B"].probability_worse_off < 1  # a real probability, not 0 or 1
    for name, bid in on_cluster.bids.items():
        exact = full.bids[name]
        assert bid.npv.size == 0  # the workers sent summaries, not trials
        assert bid.probability_worse_off == exact.probability_worse_off  # bit for bit
        assert bid.probability_worse_off_se == exact.probability_worse_off_se
        assert bid.npv_mean == exact.npv_mean
        assert bid.share_never_pays_back == exact.share_never_pays_back
        assert bid.flags == exact.flags
        for field in ("npv_p10", "npv_p50", "npv_p90", "payback_p10", "payback_p50", "payback_p90"):
            assert getattr(bid, field) == getattr(summary.bids[name], field), field
        assert bid.npv_p50 == pytest.approx(exact.npv_p50, rel=SKETCH_RELATIVE_ERROR, abs=1e-6)


def test_default_tasks_and_a_fresh_seed_can_be_repeated_in_process(client, case):
    on_cluster = simulate_on(client, case, 50_000)
    again = bidfit.simulate(case, 50_000, seed=on_cluster.seed)
    for name, bid in on_cluster.bids.items():
        assert bid.probability_worse_off == again.bids[name].probability_worse_off
        assert bid.npv_mean == again.bids[name].npv_mean


def test_portfolio_on_the_cluster_equals_the_one_shot_portfolio(client):
    cases = [bidfit.load_sample(n) for n in bidfit.sample_names()] * 3
    on_cluster = analyze_many_on(client, cases, cases_per_task=2)
    one_shot = bidfit.analyze_many(cases)
    assert len(on_cluster) == len(cases) and on_cluster.keep == "summary"
    # A bid's figures do not depend on the cases stacked with it: equal bit for bit, but the
    # last bits of an IRR of flows that change sign several times (solved in batches).
    exact = one_shot.summary.drop(columns="irr")
    pd.testing.assert_frame_equal(on_cluster.summary.drop(columns="irr"), exact, check_exact=True)
    np.testing.assert_allclose(on_cluster.summary["irr"], one_shot.summary["irr"], rtol=1e-12)
    assert on_cluster.verdict_counts == one_shot.verdict_counts
    by_default = analyze_many_on(client, cases).summary  # default grouping
    pd.testing.assert_frame_equal(by_default.drop(columns="irr"), exact, check_exact=True)
    paths = [f"case{i}.yaml" for i in range(len(cases))]
    named = analyze_many_on(client, cases, ids=paths, cases_per_task=4).summary
    assert named.index.get_level_values("case_id").unique().tolist() == paths
    pd.testing.assert_frame_equal(named, bidfit.analyze_many(cases, ids=paths, keep="summary").summary)


def test_trial_ranges_cover_the_run_once():
    assert trial_ranges(10, 4) == [(0, 4), (4, 8), (8, 10)]
    assert trial_ranges(8, 8) == [(0, 8)]
    with pytest.raises(ValueError, match="whole numbers >= 1"):
        trial_ranges(10, 0)


def test_bad_task_sizes_are_refused(client, case):
    with pytest.raises(ValueError, match="trials_per_task must be a whole number >= 1"):
        simulate_on(client, case, 1000, seed=1, trials_per_task=0)
    with pytest.raises(ValueError, match="cases_per_task must be a whole number >= 1"):
        analyze_many_on(client, [case], cases_per_task=0)
    np.testing.assert_equal(len(analyze_many_on(client, [])), 0)
