"""A simulation in pieces: trial ranges, ``keep="summary"``, and merging parts into the whole run."""

from __future__ import annotations

import itertools
import math
import random
import tracemalloc
from fractions import Fraction
from typing import Any

import numpy as np
import pytest

import bidfit
from bidfit.results.simulation import SKETCH_RELATIVE_ERROR, QuantileSketch, TrialTally, _exact_sum
from bidfit.studies.draws import BLOCK_TRIALS
from bidfit.studies.simulation import merge_simulations, simulate

ROAMING = "revenue.Outbound roaming"
SCALARS = (
    "trials",
    "deterministic_npv",
    "probability_worse_off",
    "probability_worse_off_se",
    "npv_mean",
    "npv_p10",
    "npv_p50",
    "npv_p90",
    "payback_p10",
    "payback_p50",
    "payback_p90",
    "share_never_pays_back",
)


def with_uncertainty(case: bidfit.Case, *entries: dict[str, Any]) -> bidfit.Case:
    data = case.model_dump()
    data["uncertainty"] = list(entries)
    return bidfit.Case.model_validate(data)


AMOUNT = {"target": f"{ROAMING}.annual_amount", "distribution": "normal", "mean": 380_000, "sd": 60_000}
GROWTH = {"target": f"{ROAMING}.growth", "distribution": "pert", "low": -0.1, "mode": -0.02, "high": 0.03}
CORRELATED = {
    "target": "cost.Competitor B.Operations.amount",
    "distribution": "lognormal",
    "mean": 90_000,
    "sd": 25_000,
    "correlated_with": f"{ROAMING}.annual_amount",
    "correlation": 0.5,
}
RATE = {"target": "discount_rate", "distribution": "triangular", "low": 0.06, "mode": 0.08, "high": 0.12}


@pytest.fixture(params=["uncertain rate", "fixed rate"])
def case(request: pytest.FixtureRequest, norway: bidfit.Case) -> bidfit.Case:
    """Two paths of the NPV kernel: one rate per trial, and the case's one rate for all."""
    entries = [AMOUNT, GROWTH, CORRELATED] + ([RATE] if request.param == "uncertain rate" else [])
    return with_uncertainty(norway, *entries)


def same_figures(a: bidfit.SimulatedBid, b: bidfit.SimulatedBid) -> None:
    for name in SCALARS:
        assert getattr(a, name) == getattr(b, name), name
    assert a.flags == b.flags


def exact_tolerance(values: np.ndarray, q: float) -> float:
    """The documented bound on a sketch's linear quantile ``q`` of ``values``."""
    ordered = np.sort(values)
    h = (values.size - 1) * q
    a, b = ordered[math.floor(h)], ordered[min(math.floor(h) + 1, values.size - 1)]
    return SKETCH_RELATIVE_ERROR * max(abs(a), abs(b)) + 2.0**-46 * np.abs(values).max()


# --- trial ranges reproduce the whole run ----------------------------------------------------


def test_any_range_of_trials_has_exactly_the_trials_of_the_whole_run(case):
    trials = 3 * BLOCK_TRIALS + 1234
    whole = simulate(case, trials, seed=21)
    for start, stop in ((0, 1), (5, 5000), (BLOCK_TRIALS - 3, 2 * BLOCK_TRIALS + 7), (20_001, trials)):
        part = simulate(case, trials, seed=21, start=start, stop=stop)
        assert (part.first_trial, part.trials, part.run_trials) == (start, stop - start, trials)
        for name, bid in part.bids.items():
            np.testing.assert_array_equal(bid.npv, whole.bids[name].npv[start:stop])  # bit for bit
            np.testing.assert_array_equal(bid.payback_years, whole.bids[name].payback_years[start:stop])


def test_full_parts_in_any_order_merge_into_the_whole_run_bit_for_bit(case):
    trials = 40_000
    whole = simulate(case, trials, seed=5)
    cuts = [0, 777, 9000, 2 * BLOCK_TRIALS, 31_415, trials]
    parts = [simulate(case, trials, seed=5, start=a, stop=b) for a, b in itertools.pairwise(cuts)]
    random.Random(1).shuffle(parts)
    merged = merge_simulations(parts)
    assert (merged.trials, merged.first_trial, merged.keep, merged.seed) == (trials, 0, "full", 5)
    for name, bid in merged.bids.items():
        same_figures(bid, whole.bids[name])
        np.testing.assert_array_equal(bid.npv, whole.bids[name].npv)


# --- keep="summary" --------------------------------------------------------------------------


def test_summary_keeps_no_trials_and_gives_the_counts_and_mean_exactly(case):
    full = simulate(case, 60_000, seed=8)
    summary = simulate(case, 60_000, seed=8, keep="summary")
    assert summary.keep == "summary"
    for name, bid in summary.bids.items():
        exact = full.bids[name]
        assert bid.npv.size == 0 and bid.payback_years.size == 0 and not bid.kept_trials
        for field in (
            "probability_worse_off",
            "probability_worse_off_se",
            "npv_mean",
            "share_never_pays_back",
        ):
            assert getattr(bid, field) == getattr(exact, field), field
        assert bid.flags == exact.flags
        # The mean is the exact sum of the trials' NPV, rounded once.
        assert bid.npv_mean == float(sum(map(Fraction, exact.npv.tolist())) / exact.trials)


def test_summary_percentiles_are_within_the_documented_tolerance(case):
    full = simulate(case, 50_000, seed=9)
    summary = simulate(case, 50_000, seed=9, keep="summary")
    for name, bid in summary.bids.items():
        exact = full.bids[name]
        for q, field in ((0.1, "npv_p10"), (0.5, "npv_p50"), (0.9, "npv_p90")):
            error = abs(getattr(bid, field) - getattr(exact, field))
            assert error <= exact_tolerance(exact.npv, q), (name, field, error)
        for field in ("payback_p10", "payback_p50", "payback_p90"):
            got, want = getattr(bid, field), getattr(exact, field)
            assert (got is None) == (want is None), field
            if want is not None:
                assert abs(got - want) <= SKETCH_RELATIVE_ERROR * abs(want), field


def test_summary_parts_merge_into_the_single_summary_run_bit_for_bit(case):
    trials = 45_000
    single = simulate(case, trials, seed=13, keep="summary")
    full = simulate(case, trials, seed=13)
    cuts = [0, 12_345, 12_346, 30_000, trials]
    parts = [
        simulate(case, trials, seed=13, keep="summary", start=a, stop=b) for a, b in itertools.pairwise(cuts)
    ]
    merged = merge_simulations(parts[::-1])
    assert merged.keep == "summary" and merged.trials == trials
    for name, bid in merged.bids.items():
        same_figures(bid, single.bids[name])  # the sketches add up exactly: even the percentiles
        assert bid.probability_worse_off == full.bids[name].probability_worse_off
        assert bid.npv_mean == full.bids[name].npv_mean


def test_full_and_summary_parts_merge_into_a_summary(case):
    trials = 3 * BLOCK_TRIALS
    single = simulate(case, trials, seed=2, keep="summary")
    parts = [
        simulate(case, trials, seed=2, start=0, stop=BLOCK_TRIALS),
        simulate(case, trials, seed=2, keep="summary", start=BLOCK_TRIALS, stop=trials),
    ]
    merged = merge_simulations(parts)
    assert merged.keep == "summary"
    for name, bid in merged.bids.items():
        same_figures(bid, single.bids[name])


def test_summary_memory_does_not_grow_with_the_trials(norway):
    case = with_uncertainty(norway, AMOUNT, RATE)

    def peak(trials: int) -> int:
        tracemalloc.start()
        simulate(case, trials, seed=1, keep="summary")
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return peak

    peak(BLOCK_TRIALS)  # warm up imports and caches
    small, large = peak(8 * BLOCK_TRIALS), peak(64 * BLOCK_TRIALS)
    assert large < small * 1.1 + (1 << 20), (small, large)
    # The full arrays take 2 bids x 16 bytes x 524,288 trials = 16.8 MB.
    tracemalloc.start()
    simulate(case, 64 * BLOCK_TRIALS, seed=1)
    full = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert full > 2 * 16 * 64 * BLOCK_TRIALS > 2 * large


def test_summary_histogram_adds_up_to_the_trials_and_the_worse_off_share(case):
    full = simulate(case, 30_000, seed=4).bids["Competitor B"]
    bid = simulate(case, 30_000, seed=4, keep="summary").bids["Competitor B"]
    table, exact = bid.histogram(30), full.histogram(30)
    np.testing.assert_array_equal(table["npv_from"], exact["npv_from"])  # same edges: exact extremes
    assert table["trials"].sum() == bid.trials
    assert table.loc[table["npv_to"] <= 0, "share"].sum() == pytest.approx(
        bid.probability_worse_off, abs=1e-15
    )
    # A trial moves at most to the next bin, only when within 1.7e-4 of an edge.
    assert np.abs(table["trials"] - exact["trials"]).sum() <= 0.01 * bid.trials


# --- refusals --------------------------------------------------------------------------------


def test_merge_refuses_parts_of_different_runs(case, norway):
    trials = 2 * BLOCK_TRIALS
    first = simulate(case, trials, seed=1, keep="summary", start=0, stop=BLOCK_TRIALS)
    second = simulate(case, trials, seed=1, keep="summary", start=BLOCK_TRIALS, stop=trials)
    with pytest.raises(ValueError, match="needs at least one part"):
        merge_simulations([])
    other_seed = simulate(case, trials, seed=2, keep="summary", start=BLOCK_TRIALS, stop=trials)
    with pytest.raises(ValueError, match="share its seed; found seeds 1 and 2"):
        merge_simulations([first, other_seed])
    other_case = with_uncertainty(norway, AMOUNT)
    other = simulate(other_case, trials, seed=1, keep="summary", start=BLOCK_TRIALS, stop=trials)
    with pytest.raises(ValueError, match="simulate the same case"):
        merge_simulations([first, other])
    longer = simulate(case, 3 * BLOCK_TRIALS, seed=1, keep="summary", start=BLOCK_TRIALS, stop=trials)
    with pytest.raises(ValueError, match="share its number of trials"):
        merge_simulations([first, longer])
    overlapping = simulate(case, trials, seed=1, keep="summary", start=100, stop=trials)
    with pytest.raises(ValueError, match=r"trials 0\.\.8191 and 100\.\.16383 overlap"):
        merge_simulations([first, overlapping])
    with pytest.raises(ValueError, match=r"trials 0\.\.8191 and 8292\.\.16383 leave a gap"):
        merge_simulations([first, simulate(case, trials, seed=1, start=8292, stop=trials)])
    assert merge_simulations([second, first]).trials == trials


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"start": 5, "stop": 5}, "0 <= start < stop <= trials"),
        ({"start": 0, "stop": 20_001}, "0 <= start < stop <= trials"),
        ({"start": -1}, "start must be a whole number >= 0"),
        ({"stop": 2.5}, "stop must be a whole number >= 1"),
        ({"keep": "arrays"}, "keep must be 'full' or 'summary'"),
        ({"start": 10, "seed": None}, "a range of trials needs a seed"),
    ],
)
def test_bad_ranges_are_refused(case, arguments, message):
    with pytest.raises(ValueError, match=message):
        simulate(case, 20_000, **{"seed": 1, **arguments})


def test_progress_of_a_part_counts_its_own_trials(case):
    seen: list[tuple[int, int]] = []
    simulate(
        case,
        50_000,
        seed=1,
        start=10_000,
        stop=30_000,
        chunk_size=BLOCK_TRIALS,
        progress=lambda d, t: seen.append((d, t)),
    )
    assert seen[-1] == (20_000, 20_000) and all(t == 20_000 for _, t in seen)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


# --- the sketch and the exact sum on their own ------------------------------------------------


def test_sketch_of_a_union_is_the_merge_of_the_sketches_whatever_the_split():
    rng = np.random.default_rng(0)
    values = np.concatenate(
        [rng.normal(0, 1e6, 20_000), rng.lognormal(0, 8, 5_000), [0.0, 0.0, np.nan, 1e-300]]
    )
    rng.shuffle(values)
    whole = QuantileSketch.of(values)
    cuts = np.sort(rng.choice(values.size, 7, replace=False))
    merged = QuantileSketch.merge([QuantileSketch.of(p) for p in np.split(values, cuts)][::-1])
    assert (merged.zeros, merged.missing, merged.low, merged.high) == (
        whole.zeros,
        whole.missing,
        whole.low,
        whole.high,
    )
    for got, want in ((merged.negative, whole.negative), (merged.positive, whole.positive)):
        assert (got.top, got.first) == (want.top, want.first)
        np.testing.assert_array_equal(got.counts, want.counts)


def test_sketch_ranks_are_within_the_relative_error_and_pooling_bound():
    rng = np.random.default_rng(3)
    # Magnitudes over 40 decades, so that the smallest are pooled far below the largest.
    values = rng.choice([-1.0, 1.0], 30_000) * 10.0 ** rng.uniform(-25, 15, 30_000)
    sketch, ordered = QuantileSketch.of(values), np.sort(values)
    pooled = 2.0**-46 * np.abs(values).max()
    for rank in range(0, values.size, 97):
        assert (
            abs(sketch.value_at_rank(rank) - ordered[rank])
            <= SKETCH_RELATIVE_ERROR * abs(ordered[rank]) + pooled
        )


def test_tally_merge_and_sketch_memory_are_bounded():
    rng = np.random.default_rng(5)
    npv, payback = (
        rng.normal(1e5, 1e6, 100_000),
        np.where(rng.random(100_000) < 0.2, np.nan, rng.uniform(0, 9, 100_000)),
    )
    tally = TrialTally.of(npv, payback)
    for sketch in (tally.npv, tally.payback):
        assert sketch.negative.counts.size + sketch.positive.counts.size <= 2 * 48 * 2048
    halves = TrialTally.merge(
        [TrialTally.of(npv[:30_000], payback[:30_000]), TrialTally.of(npv[30_000:], payback[30_000:])]
    )
    assert (halves.trials, halves.worse_off, halves.never_pays_back, halves.npv_sum) == (
        tally.trials,
        tally.worse_off,
        tally.never_pays_back,
        tally.npv_sum,
    )
    assert tally.worse_off == np.count_nonzero(npv < 0) and tally.never_pays_back == np.isnan(payback).sum()


def test_exact_sum_is_exact_for_values_of_every_size():
    rng = np.random.default_rng(11)
    values = np.concatenate(
        [rng.normal(0, 1, 1000) * 10.0 ** rng.integers(-300, 300, 1000), [5e-324, -5e-324, 1.7e308]]
    )
    assert Fraction(_exact_sum(values), 2**1126) == sum(map(Fraction, values.tolist()))
    assert _exact_sum(np.array([1e16, 1.0, -1e16])) == 2**1126  # where float sums give 0.0


def test_a_value_falls_in_the_bucket_whose_edges_hold_it_even_next_to_an_edge():
    from bidfit.results.simulation import _EDGES, SKETCH_BUCKETS_PER_OCTAVE, _buckets

    rng = np.random.default_rng(2)
    edges = np.ldexp(_EDGES[:-1], 7)
    values = np.concatenate(
        [10.0 ** rng.uniform(-300, 300, 100_000), edges, np.nextafter(edges, 0), np.nextafter(edges, 1e9)]
    )
    buckets, _ = _buckets(np.concatenate([values, [5e-324, 1.7e308]]))
    mantissa, octave = np.frexp(np.concatenate([values, [5e-324, 1.7e308]]))
    expected = octave * SKETCH_BUCKETS_PER_OCTAVE + np.searchsorted(_EDGES, mantissa, side="right") - 1
    np.testing.assert_array_equal(buckets, expected)
