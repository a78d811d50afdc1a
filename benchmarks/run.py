"""bidfit performance figures: ``python benchmarks/run.py [--quick] [-k NAME]``.

Every figure times bidfit against a reference in the same run and checks a
target on the ratio (reference time / bidfit time), so the table means the
same on a fast and a slow machine. Each benchmark runs in a child process of
its own. Times are the best of several runs of
``time.perf_counter``, taken in turns with the reference so that both see
the same load. Input data come from a seeded generator.

To add a figure, write a small function that takes a :class:`Config` and
returns a list of :class:`Figure`, and decorate it with ``@benchmark``.
The reference libraries (numpy-financial, pyxirr) are imported inside the
benchmarks that need them: ``pip install bidfit[bench]``.

The exit status is 1 when a figure misses its target, so CI can run it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import math
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# Benchmark the checkout this script sits in, installed or not.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from bidfit import finance

SEED = 20_240_601


@dataclass(frozen=True)
class Config:
    """Run settings shared by every benchmark."""

    quick: bool = False
    rounds: int = 3  # rounds of a timing: each runs the reference once
    repeat: int = 5  # runs of bidfit's side in each round

    def rows(self, full: int) -> int:
        """Problem size: ``full`` rows, a tenth of it with ``--quick``."""
        return full // 10 if self.quick else full


@dataclass(frozen=True)
class Figure:
    """One line of the table."""

    name: str
    bidfit_s: float  # [s]
    reference: str
    reference_s: float  # [s]
    min_ratio: float  # target: reference_s / bidfit_s >= min_ratio
    target: str  # the target in words
    agrees: bool = True  # bidfit's numbers match the reference's
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.reference_s / self.bidfit_s

    @property
    def passed(self) -> bool:
        return self.agrees and self.ratio >= self.min_ratio


BENCHMARKS: list[Callable[[Config], list[Figure]]] = []


def benchmark(fn: Callable[[Config], list[Figure]]) -> Callable[[Config], list[Figure]]:
    """Register a benchmark function."""
    BENCHMARKS.append(fn)
    return fn


def _once(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def best_pair(
    ours: Callable[[], object], reference: Callable[[], object], rounds: int, inner: int = 1
) -> tuple[float, float]:
    """Best wall times [s] of ``ours`` and ``reference``, measured in turns.

    Each round runs the reference once and ours ``inner`` times, so both
    sides see the same load on a shared machine; the ratio of the two bests
    is what a figure reports.
    """
    t_ours = t_ref = math.inf
    for _ in range(rounds):
        t_ref = min(t_ref, _once(reference))
        for _ in range(inner):
            t_ours = min(t_ours, _once(ours))
    return t_ours, t_ref


def conventional_flows(rows: int, years: int = 10, seed: int = SEED) -> np.ndarray:
    """``rows`` x ``years + 1`` conventional series [currency].

    Year 0 is an outflow of 500..1500; years 1..n are inflows around 150 a
    year (lognormal, sd 0.6 of the log, times a per-row level 0.5..1.2), so
    every row has exactly one IRR, spread over about -20 % .. +150 %.
    """
    rng = np.random.default_rng(seed)
    flows = np.empty((rows, years + 1))
    flows[:, 0] = -rng.uniform(500.0, 1500.0, rows)
    level = rng.uniform(0.5, 1.2, (rows, 1))
    flows[:, 1:] = rng.lognormal(np.log(150.0), 0.6, (rows, years)) * level
    return flows


def count(n: int) -> str:
    """100000 -> '100k', 200 -> '200'."""
    return f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n)


def max_abs_diff(a: np.ndarray, b: np.ndarray) -> float:
    """Largest |a - b| where both have a value; inf if their NaNs differ."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if not np.array_equal(np.isnan(a), np.isnan(b)):
        return math.inf
    both = ~np.isnan(a)
    return float(np.max(np.abs(a[both] - b[both]), initial=0.0))


# ---------------------------------------------------------------- IRR


@benchmark
def irr_vs_references(cfg: Config) -> list[Figure]:
    """IRR of 100k series x 11 years against per-row loops of the references."""
    import numpy_financial as npf
    import pyxirr

    rows = cfg.rows(100_000)
    flows = conventional_flows(rows)
    ours = finance.irr(flows)

    # numpy-financial (~40 us a series) is timed on a subsample and scaled.
    sub = cfg.rows(2_000)
    sample = flows[:sub]
    ref_npf = np.array([npf.irr(row) for row in sample])
    t_ours_npf, t_npf = best_pair(
        lambda: finance.irr(flows),
        lambda: [npf.irr(row) for row in sample],
        cfg.rounds,
        cfg.repeat,
    )
    t_npf *= rows / sub
    d_npf = max_abs_diff(ours[:sub], ref_npf)

    ref_pyx = np.array([pyxirr.irr(row) for row in flows], dtype=float)
    t_ours_pyx, t_pyx = best_pair(
        lambda: finance.irr(flows),
        lambda: [pyxirr.irr(row) for row in flows],
        cfg.rounds,
        cfg.repeat,
    )
    d_pyx = max_abs_diff(ours, ref_pyx)
    name = f"IRR, {count(rows)} series x 11 years"
    return [
        Figure(
            name,
            t_ours_npf,
            f"numpy_financial.irr loop ({count(sub)} rows timed, x{rows // sub})",
            t_npf,
            75.0,
            ">= 75x faster",
            d_npf <= 1e-8,
            f"max abs diff {d_npf:.1e}",
        ),
        Figure(
            name,
            t_ours_pyx,
            "pyxirr.irr loop",
            t_pyx,
            3.0,
            ">= 3x faster",
            d_pyx <= 1e-8,
            f"max abs diff {d_pyx:.1e}",
        ),
    ]


@benchmark
def irr_10k_vs_pyxirr(cfg: Config) -> list[Figure]:
    """IRR of 10k series: the fixed costs of the vectorised path count more."""
    import pyxirr

    rows = cfg.rows(10_000)
    flows = conventional_flows(rows, seed=SEED + 1)
    t_ours, t_pyx = best_pair(
        lambda: finance.irr(flows),
        lambda: [pyxirr.irr(row) for row in flows],
        cfg.rounds * 3,
        cfg.repeat,
    )
    diff = max_abs_diff(finance.irr(flows), np.array([pyxirr.irr(row) for row in flows]))
    return [
        Figure(
            f"IRR, {count(rows)} series x 11 years",
            t_ours,
            "pyxirr.irr loop",
            t_pyx,
            2.0,
            ">= 2x faster",
            diff <= 1e-8,
            f"max abs diff {diff:.1e}",
        )
    ]


def mixed_flows(rows: int, years: int = 10, seed: int = SEED) -> np.ndarray:
    """``rows`` x ``years + 1`` series drawn like simulated net flows [currency].

    Year 0 is an outflow of 50..150; years 1..n are normal around a per-row
    mean of 5..35 with sd 10, so about 35 % of rows change sign several
    times; 2 % of rows are made all negative and 1 % all positive (no IRR).
    """
    rng = np.random.default_rng(seed)
    flows = np.empty((rows, years + 1))
    flows[:, 0] = -rng.uniform(50.0, 150.0, rows)
    mean = rng.uniform(5.0, 35.0, (rows, 1))
    flows[:, 1:] = rng.normal(mean, 10.0, (rows, years))
    kind = rng.random(rows)
    negative, positive = kind < 0.02, (kind >= 0.02) & (kind < 0.03)
    flows[negative] = -np.abs(flows[negative])
    flows[positive] = np.abs(flows[positive])
    return flows


def pyxirr_loop(flows: np.ndarray) -> list[float | None]:
    """pyxirr.irr per row; ``silent`` returns None where it finds no rate."""
    import pyxirr

    return [pyxirr.irr(row, silent=True) for row in flows]


def several_changes(flows: np.ndarray) -> np.ndarray:
    """Rows whose non-zero flows change sign more than once."""
    signs = np.sign(flows)
    return np.array([np.count_nonzero(np.diff(row[row != 0]) != 0) >= 2 for row in signs])


def mixed_agreement(ours: np.ndarray, reference: np.ndarray) -> tuple[bool, str]:
    """Where both find a root they agree to 1e-8; report where only one does."""
    both = ~np.isnan(ours) & ~np.isnan(reference)
    diff = float(np.max(np.abs(ours[both] - reference[both]), initial=0.0))
    only_ours = int(np.count_nonzero(~np.isnan(ours) & np.isnan(reference)))
    only_ref = int(np.count_nonzero(np.isnan(ours) & ~np.isnan(reference)))
    note = f"max abs diff {diff:.1e} on {int(both.sum())} rows; root found only by bidfit {only_ours}"
    note += f", only by the reference {only_ref}"
    return diff <= 1e-8, note


@benchmark
def irr_mixed_vs_references(cfg: Config) -> list[Figure]:
    """IRR of 100k mixed series (about a third with several sign changes) against
    per-row loops. The targets are set for 100k rows, so ``--quick`` keeps
    the size and only times numpy-financial on a smaller subsample."""
    import numpy_financial as npf

    rows = 100_000
    flows = mixed_flows(rows)
    ours = finance.irr(flows)

    # numpy-financial (~50 us a series) is timed on a subsample and scaled.
    sub = cfg.rows(5_000)
    sample = flows[:sub]
    ref_npf = np.array([npf.irr(row) for row in sample])
    t_ours_npf, t_npf = best_pair(
        lambda: finance.irr(flows),
        lambda: [npf.irr(row) for row in sample],
        cfg.rounds,
        cfg.repeat,
    )
    t_npf *= rows / sub
    agrees_npf, note_npf = mixed_agreement(ours[:sub], ref_npf)

    # pyxirr's Newton from a guess may stop at another root than the one
    # closest to zero on rows with several sign changes: compare the others.
    ref_pyx = np.array(pyxirr_loop(flows), dtype=float)
    t_ours_pyx, t_pyx = best_pair(
        lambda: finance.irr(flows), lambda: pyxirr_loop(flows), cfg.rounds, cfg.repeat
    )
    single = ~several_changes(flows)
    d_pyx = max_abs_diff(ours[single], ref_pyx[single])
    several = ~single & ~np.isnan(ours) & ~np.isnan(ref_pyx)
    other_root = int(np.count_nonzero(np.abs(ours[several] - ref_pyx[several]) > 1e-8))
    name = f"IRR, {count(rows)} mixed series x 11 years ({np.mean(~single):.0%} several sign changes)"
    return [
        Figure(
            name,
            t_ours_npf,
            f"numpy_financial.irr loop ({count(sub)} rows timed, x{rows // sub})",
            t_npf,
            75.0,
            ">= 75x faster",
            agrees_npf,
            note_npf,
        ),
        Figure(
            name,
            t_ours_pyx,
            "pyxirr.irr loop",
            t_pyx,
            3.0,
            ">= 3x faster",
            d_pyx <= 1e-8,
            f"max abs diff {d_pyx:.1e} on rows with one sign change; "
            f"pyxirr found another root on {other_root} of {int(several.sum())} others",
        ),
    ]


@benchmark
def irr_mixed_10k_vs_pyxirr(cfg: Config) -> list[Figure]:
    """IRR of 10k mixed series against a pyxirr loop (10k rows with ``--quick`` too)."""
    rows = 10_000
    flows = mixed_flows(rows, seed=SEED + 1)
    t_ours, t_pyx = best_pair(
        lambda: finance.irr(flows), lambda: pyxirr_loop(flows), cfg.rounds * 3, cfg.repeat
    )
    single = ~several_changes(flows)
    ref = np.array(pyxirr_loop(flows), dtype=float)
    diff = max_abs_diff(finance.irr(flows)[single], ref[single])
    return [
        Figure(
            f"IRR, {count(rows)} mixed series x 11 years",
            t_ours,
            "pyxirr.irr loop",
            t_pyx,
            2.0,
            ">= 2x faster",
            diff <= 1e-8,
            f"max abs diff {diff:.1e} on rows with one sign change",
        )
    ]


# ---------------------------------------------------------------- NPV


@benchmark
def npv_vs_matmul(cfg: Config) -> list[Figure]:
    """NPV with validation against the bare matrix-vector product it wraps."""
    rows = cfg.rows(100_000)
    flows = conventional_flows(rows, seed=SEED + 2)
    rate = 0.08

    def plain() -> np.ndarray:
        return flows @ (1.0 + rate) ** -np.arange(flows.shape[1], dtype=float)

    t_ours, t_ref = best_pair(lambda: finance.npv(rate, flows), plain, cfg.repeat * 20)
    diff = max_abs_diff(finance.npv(rate, flows), plain())
    return [
        Figure(
            f"NPV, {count(rows)} series x 11 years",
            t_ours,
            "flows @ discount_factors",
            t_ref,
            0.5,
            "within 2x",
            diff <= 1e-9,
            f"max abs diff {diff:.1e}",
        )
    ]


# ---------------------------------------------------------------- payback


def payback_loop(rows: list[list[float]]) -> list[float]:
    """Payback row by row in plain Python: the reference for the vectorised one."""
    out = []
    for row in rows:
        cumulative = list(itertools.accumulate(row))
        if cumulative[-1] < 0:
            out.append(math.nan)
            continue
        last = max((t for t, c in enumerate(cumulative) if c < 0), default=None)
        out.append(0.0 if last is None else last + (-cumulative[last]) / row[last + 1])
    return out


def discounted_payback_loop(rate: float, rows: list[list[float]]) -> list[float]:
    """Discounted payback row by row in plain Python."""
    factors = [(1.0 + rate) ** -t for t in range(len(rows[0]))]
    return payback_loop([[c * d for c, d in zip(row, factors, strict=True)] for row in rows])


@benchmark
def payback_vs_loop(cfg: Config) -> list[Figure]:
    """Payback and discounted payback against a plain Python loop over rows."""
    rows = cfg.rows(100_000)
    flows = conventional_flows(rows, seed=SEED + 3)
    flows[:, 1:] *= 0.8  # so that some series never pay back
    as_lists = flows.tolist()
    rate = 0.08
    figures = []
    for name, ours, reference in (
        ("payback", lambda: finance.payback(flows), lambda: payback_loop(as_lists)),
        (
            "discounted payback",
            lambda: finance.discounted_payback(rate, flows),
            lambda: discounted_payback_loop(rate, as_lists),
        ),
    ):
        diff = max_abs_diff(ours(), np.array(reference()))
        t_ours, t_ref = best_pair(ours, reference, cfg.rounds, cfg.repeat)
        figures.append(
            Figure(
                f"{name}, {count(rows)} series x 11 years",
                t_ours,
                "Python loop over rows",
                t_ref,
                10.0,
                ">= 10x faster",
                diff <= 1e-9,
                f"max abs diff {diff:.1e}",
            )
        )
    return figures


# ---------------------------------------------------------------- portfolio and gate


@benchmark
def portfolio_vs_loop(cfg: Config) -> list[Figure]:
    """analyze_many over a pipeline of cases against analyze() case by case."""
    import bidfit

    samples = [bidfit.load_sample(name) for name in bidfit.sample_names()]
    cases = samples * (cfg.rows(3_000) // len(samples))
    stacked = bidfit.analyze_many(cases).summary["npv"].to_numpy()
    looped = np.array([r.npv for c in cases for r in bidfit.analyze(c)])
    diff = max_abs_diff(stacked, looped)
    t_ours, t_ref = best_pair(
        lambda: bidfit.analyze_many(cases), lambda: [bidfit.analyze(c) for c in cases], cfg.rounds
    )
    return [
        Figure(
            f"analyze_many, {count(len(cases))} cases ({len(stacked)} bids)",
            t_ours,
            "analyze() in a loop over cases",
            t_ref,
            3.0,
            ">= 3x faster",
            diff <= 1e-6,
            f"max abs NPV diff {diff:.1e}",
        )
    ]


def pipeline_cases(n: int, seed: int = SEED) -> list:
    """``n`` generated cases: 1-3 streams, 2-4 bids of 3-5 items, 5-10 years, some fees a
    percent of the hardware, some late one-time costs (flows that change sign several times)."""
    from bidfit import Bid, Case, CostItem, Policy, RevenueStream

    rng = np.random.default_rng(seed)
    cases = []
    for k in range(n):
        horizon = int(rng.integers(5, 11))
        streams = [
            RevenueStream(
                name=f"Stream {i}",
                annual_amount=float(rng.uniform(100, 400)),
                growth=float(rng.uniform(-0.03, 0.08)),
                capture=float(rng.uniform(0.3, 1.0)),
                margin=float(rng.uniform(0.4, 1.0)),
                ramp_years=int(rng.integers(0, 3)),
                source="plan",
            )
            for i in range(int(rng.integers(1, 4)))
        ]
        bids = []
        for b in range(int(rng.integers(2, 5))):
            items = [
                CostItem(
                    name="Hardware", kind="one_time", amount=float(rng.uniform(100, 600)), source="quote"
                )
            ]
            for j in range(1, int(rng.integers(3, 6))):
                draw = rng.random()
                if draw < 0.25:
                    items.append(
                        CostItem(name=f"Support {j}", kind="recurring", percent_of=["Hardware"], percent=0.18)
                    )
                elif draw < 0.35:  # paid at the end: the net flows change sign again
                    items.append(
                        CostItem(
                            name=f"Upgrade {j}",
                            kind="one_time",
                            amount=float(rng.uniform(200, 900)),
                            year=horizon,
                        )
                    )
                else:
                    items.append(
                        CostItem(
                            name=f"Fee {j}",
                            kind="recurring",
                            amount=float(rng.uniform(5, 60)),
                            escalation=float(rng.uniform(0, 0.04)),
                            source="quote",
                        )
                    )
            bids.append(Bid(name=f"Bid {b}", vendor=f"Vendor {b}", costs=items))
        policy = Policy(max_payback_years=float(rng.integers(3, 7)) if rng.random() < 0.5 else None)
        cases.append(
            Case(
                name=f"Deal {k}",
                horizon_years=horizon,
                discount_rate=float(rng.uniform(0.03, 0.12)),
                revenue=streams,
                bids=bids,
                policy=policy,
            )
        )
    return cases


_MEMORY_CHILD = """
import json, sys, tracemalloc
sys.path[:0] = [{src!r}, {here!r}]
from run import pipeline_cases
import bidfit
cases = pipeline_cases({n})
tracemalloc.start()
portfolio = bidfit.analyze_many(cases, keep="summary")
print(json.dumps(tracemalloc.get_traced_memory()[1]))
"""


def summary_memory_per_case(n: int) -> float:
    """Peak memory of ``analyze_many(keep="summary")`` per case [bytes], in a fresh child process.

    The peak that tracemalloc sees (Python objects and numpy arrays) from the
    call's start to its end, the summary it returns included, divided by ``n``;
    the cases themselves, made before, are not counted. (The growth of the
    process's maximum resident size is no measure here: the call reuses the
    memory that building the cases left free, and the maximum hardly moves.)
    """
    import json
    import subprocess

    here = Path(__file__).resolve().parent
    code = _MEMORY_CHILD.format(src=str(here.parent / "src"), here=str(here), n=n)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(json.loads(done.stdout)) / n


@benchmark
def portfolio_summary_at_scale(cfg: Config) -> list[Figure]:
    """analyze_many(keep="summary") over a generated pipeline against analyze() case by case,
    and its peak memory per case."""
    import bidfit

    n = cfg.rows(50_000)
    cases = pipeline_cases(n)
    sample = cases[:: max(1, n // 1_000)]  # the loop is timed on a subsample and scaled per case
    summary = bidfit.analyze_many(cases, keep="summary").summary
    looped = [(r.npv, ",".join(f.code for f in r.flags)) for c in sample for r in bidfit.analyze(c)]
    rows = summary.loc[[i for i in range(0, n, max(1, n // 1_000))]]
    diff = max_abs_diff(rows["npv"].to_numpy(), np.array([npv for npv, _ in looped]))
    same_codes = rows["codes"].tolist() == [codes for _, codes in looped]
    t_ours, t_sample = best_pair(
        lambda: bidfit.analyze_many(cases, keep="summary"),
        lambda: [bidfit.analyze(c) for c in sample],
        max(1, cfg.rounds - 1),
    )
    t_full = _once(lambda: bidfit.analyze_many(cases))
    per_case = summary_memory_per_case(n)
    return [
        Figure(
            f"analyze_many(keep='summary'), {count(n)} generated cases ({len(summary)} bids)",
            t_ours,
            f"analyze() in a loop ({len(sample)} cases timed, scaled to {count(n)})",
            t_sample * n / len(sample),
            10.0,
            ">= 10x faster; < 10 KB a case",
            diff == 0.0 and same_codes and per_case < 10_000,
            f"peak memory {per_case / 1e3:.1f} KB a case; NPV and codes equal to analyze(); "
            f"keep='full' takes {format_time(t_full)}",
        )
    ]


@benchmark
def check_cold_start(cfg: Config) -> list[Figure]:
    """``bidfit check`` on one YAML case, in a fresh process, against importing the data stack."""
    from bench_cli import TARGET, check_cold_start

    measured = check_cold_start(quick=cfg.quick)
    return [
        Figure(
            "cold start of `bidfit check norway_roaming.yaml`",
            float(measured["bidfit_s"]),  # type: ignore[arg-type]
            str(measured["reference"]),
            float(measured["reference_s"]),  # type: ignore[arg-type]
            1.0 / TARGET,
            f"at most {TARGET:g}x the reference's time",
        )
    ]


# ---------------------------------------------------------------- simulation, deal map, report


def simulation_case(horizon: int = 10):
    """A case with 10 revenue streams, 10 cost items and 20 uncertain inputs."""
    import bidfit

    streams = [
        bidfit.RevenueStream(name=f"Stream {i}", annual_amount=100_000 + 10_000 * i, growth=0.02)
        for i in range(10)
    ]
    costs = [
        bidfit.CostItem(
            name=f"Item {i}", kind="one_time" if i < 2 else "recurring", amount=150_000 + 5_000 * i
        )
        for i in range(10)
    ]
    uncertainty = [
        bidfit.Uncertainty(
            target=f"revenue.Stream {i}.annual_amount",
            distribution="normal",
            mean=s.annual_amount,
            sd=0.1 * s.annual_amount,
        )
        for i, s in enumerate(streams)
    ] + [
        bidfit.Uncertainty(
            target=f"cost.Bid.Item {i}.amount",
            distribution="triangular",
            low=0.8 * c.amount,
            mode=c.amount,
            high=1.3 * c.amount,  # type: ignore[operator]
        )
        for i, c in enumerate(costs)
    ]
    return bidfit.Case(
        name="Simulation benchmark",
        horizon_years=horizon,
        discount_rate=0.08,
        revenue=streams,
        bids=[bidfit.Bid(name="Bid", costs=costs)],
        uncertainty=uncertainty,
    )


def simulate_by_hand(case, trials: int, chunk: int, seed: int) -> np.ndarray:
    """The same maths in plain numpy: draw, build the yearly flows, discount, and find payback."""
    horizon = case.horizon_years
    t = np.arange(horizon + 1)
    growth = np.where(t >= 1, 1.02 ** np.maximum(t - 1, 0), 0.0)  # streams: years 1..n, +2% a year
    means = np.array([s.annual_amount for s in case.revenue])
    items = case.bids[0].costs
    one_time = np.array([c.kind == "one_time" for c in items])
    modes = np.array([c.amount for c in items])
    schedule = np.where(one_time[:, None], (t == 0)[None, :], (t >= 1)[None, :]).astype(float)
    factors = 1.08**-t
    rng = np.random.default_rng(seed)
    npv = np.empty(trials)
    for start in range(0, trials, chunk):
        n = min(chunk, trials - start)
        amounts = rng.normal(means, 0.1 * means, (n, means.size))
        prices = rng.triangular(0.8 * modes, modes, 1.3 * modes, (n, modes.size))
        net = amounts.sum(axis=1)[:, None] * growth - prices @ schedule
        npv[start : start + n] = net @ factors
        cumulative = np.cumsum(net, axis=1)
        negative = cumulative < 0
        last = net.shape[1] - 1 - np.argmax(negative[:, ::-1], axis=1)
        rows = np.arange(n)
        with np.errstate(all="ignore"):
            payback = last + (-cumulative[rows, last] / net[rows, np.minimum(last + 1, horizon)])
        payback[~negative.any(axis=1)] = 0.0
        payback[negative[:, -1]] = np.nan
    return npv


@benchmark
def simulation_vs_numpy(cfg: Config) -> list[Figure]:
    """simulate() with 20 uncertain inputs against the same maths written by hand in numpy."""
    import tracemalloc

    import bidfit

    case = simulation_case()
    trials = cfg.rows(1_000_000)
    chunk = 65_536
    t_ours, t_ref = best_pair(
        lambda: bidfit.simulate(case, trials=trials, seed=1, chunk_size=chunk),
        lambda: simulate_by_hand(case, trials, chunk, seed=1),
        cfg.rounds,
        1,
    )
    ours = bidfit.simulate(case, trials=trials, seed=1, chunk_size=chunk).bids["Bid"].npv
    ref = simulate_by_hand(case, trials, chunk, seed=1)
    close = abs(float(ours.mean()) - float(ref.mean())) < 4 * float(ref.std()) / math.sqrt(trials)
    tracemalloc.start()
    bidfit.simulate(case, trials=trials, seed=1)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return [
        Figure(
            f"simulate, {count(trials)} trials, 20 uncertain inputs, 10 years",
            t_ours,
            "the same maths by hand in numpy",
            t_ref,
            1 / 1.5,
            "within 1.5x",
            close and peak < 128,
            f"peak memory {peak:.0f} MiB incl. results (< 128 MiB); mean NPV agrees",
        )
    ]


@benchmark
def deal_map_speed(cfg: Config) -> list[Figure]:
    """A 200 x 200 deal map from a case, against the 0.1 s budget of an interactive sweep."""
    import bidfit

    case = bidfit.load_sample("norway_roaming")
    t_ours, _ = best_pair(lambda: bidfit.deal_map(case, "Vendor A", n=200), lambda: None, cfg.rounds * 3)
    return [
        Figure(
            "deal map, 200 x 200 prices x fees", t_ours, "budget (absolute target)", 0.1, 1.0, "under 0.1 s"
        )
    ]


@benchmark
def desk_update_speed(cfg: Config) -> list[Figure]:
    """One full deal-desk update per sample (a price moves: re-analysis, figures, deal map data
    and the map's SVG overlay over its once-drawn heat image), against the 50 ms budget of a
    live control."""
    import bidfit

    figures = []
    for name in bidfit.sample_names():
        case = bidfit.load_sample(name)
        desk = bidfit.desk(case, case.bids[0].name)
        prices = [desk.quoted_price * 0.9, desk.quoted_price]
        flip = iter(prices * (cfg.rounds * 3 + 1))
        renders = desk.heat_renders

        def move(desk: object = desk, flip: object = flip) -> None:
            desk.price.value = next(flip)  # type: ignore[attr-defined]

        t_ours, _ = best_pair(move, lambda: None, cfg.rounds * 3)
        assert desk.heat_renders == renders and desk.map.value.startswith("<svg"), "the heat was redrawn"
        figures.append(
            Figure(f"deal desk update, {name}", t_ours, "budget (absolute target)", 0.05, 1.0, "under 50 ms")
        )
    return figures


def options_case(bids: int, options: int, horizon: int) -> dict:
    """Bids with ``options`` scope options each (2^options combinations); even bids fail on their fees."""
    revenue = [{"name": "Base", "annual_amount": 400_000, "growth": -0.01}]
    revenue += [{"name": f"Country {k}", "annual_amount": 100_000 + 10_000 * k} for k in range(options)]

    def option(b: int, k: int) -> dict:
        kit = {"name": f"Kit {k}", "kind": "one_time", "amount": 200_000 + 5_000 * k}
        fee = {"name": f"Fee {k}", "kind": "recurring", "amount": 60_000 + 7_000 * k + 500 * b}
        goods = {"name": f"Goods {k}", "kind": "one_time", "amount": 100_000}
        return {"name": f"Opt {k}", "scope": [f"Country {k}"], "costs": [kit, fee], "vendor_costs": [goods]}

    def bid(b: int) -> dict:
        fee = 520_000 if b % 2 == 0 else 150_000 + 1_000 * b
        costs = [
            {"name": "Platform", "kind": "one_time", "amount": 900_000 + 1_000 * b},
            {"name": "Fees", "kind": "recurring", "amount": fee},
        ]
        vendor = [
            {"name": "Goods", "kind": "one_time", "amount": 500_000},
            {"name": "Staff", "kind": "recurring", "amount": 100_000},
        ]
        return {
            "name": f"Bid {b}",
            "scope": ["Base"],
            "min_margin": 0.1,
            "costs": costs,
            "vendor_costs": vendor,
            "options": [option(b, k) for k in range(options)],
        }

    return {
        "name": "Options",
        "horizon_years": horizon,
        "discount_rate": 0.08,
        "revenue": revenue,
        "bids": [bid(b) for b in range(bids)],
    }


@benchmark
def scope_options_speed(cfg: Config) -> list[Figure]:
    """Every combination of ten scope options over 100 years, and the gate on 30 such bids."""
    import json
    import tempfile

    import bidfit
    from bidfit.cli import main

    options = 8 if cfg.quick else 10
    case = bidfit.Case.model_validate(options_case(2, options, 100))
    model = case.bid("Bid 1")
    combos = [
        c for k in range(options + 1) for c in itertools.combinations([o.name for o in model.options], k)
    ]

    def one_by_one() -> list[float]:
        out = []
        for chosen in combos:
            variant = model.with_options(chosen) if chosen else model.model_copy(update={"options": []})
            out.append(bidfit.analyze(case.model_copy(update={"bids": [variant]})).bids[variant.name].npv)
        return out

    found = [float(r["npv"]) for r in bidfit.scope_options(case, "Bid 1").rows]  # type: ignore[arg-type]
    diff = max_abs_diff(np.array(found), np.array(one_by_one()))
    t_ours, t_ref = best_pair(lambda: bidfit.scope_options(case, "Bid 1"), one_by_one, 1)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "options.json"
        path.write_text(json.dumps(options_case(30, options, 100)), encoding="utf-8")
        t_check, _ = best_pair(lambda: _quiet(main, ["check", str(path)]), lambda: None, cfg.rounds)
    return [
        Figure(
            f"scope options, {len(combos)} combinations x 100 years",
            t_ours,
            "analyze() of each combination",
            t_ref,
            5.0,
            ">= 5x faster",
            diff == 0.0,
            f"max abs NPV diff {diff:.1e}",
        ),
        Figure(
            f"`bidfit check`, 30 bids x {options} options x 100 years",
            t_check,
            "budget (absolute target)",
            5.0,
            1.0,
            "under 5 s",
        ),
    ]


@benchmark
def report_workbook_time(cfg: Config) -> list[Figure]:
    """``bidfit analyze`` of the largest sample to a report workbook, and openpyxl's share of it."""
    import cProfile
    import pstats
    import tempfile

    from bidfit.cli import main

    sample = max(
        (bidfit_sample for bidfit_sample in _sample_paths()),
        key=lambda p: p.stat().st_size,
    )
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "report.xlsx"
        run = ["analyze", str(sample), "-o", str(out)]
        t_report, t_plain = best_pair(
            lambda: _quiet(main, run), lambda: _quiet(main, ["analyze", str(sample)]), cfg.rounds
        )
        profiler = cProfile.Profile()
        profiler.runcall(_quiet, main, run)
    stats = pstats.Stats(profiler)
    total = stats.total_tt  # type: ignore[attr-defined]
    in_openpyxl = sum(
        row[2]
        for key, row in stats.stats.items()
        if "/openpyxl/" in key[0] or "/et_xmlfile/" in key[0]  # type: ignore[attr-defined]
    )
    return [
        Figure(
            f"`bidfit analyze {sample.name} -o report.xlsx`",
            t_report,
            "the same without -o (no workbook)",
            t_plain,
            0.0,
            "report only",
            True,
            f"openpyxl's share of the time: {in_openpyxl / total:.0%}",
        )
    ]


def _sample_paths() -> list[Path]:
    import bidfit

    return [bidfit.sample_path(name) for name in bidfit.sample_names()]


def _quiet(fn: Callable[..., object], *args: object) -> object:
    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()):
        return fn(*args)


# ---------------------------------------------------------------- report


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def format_time(seconds: float) -> str:
    return f"{seconds * 1e3:.2f} ms" if seconds < 1 else f"{seconds:.2f} s"


def table(figures: list[Figure]) -> str:
    head = ["figure", "bidfit", "reference", "reference time", "ratio", "target", "result"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for f in figures:
        result = ("pass" if f.passed else "FAIL") + (f" ({f.note})" if f.note else "")
        cells = [
            f.name,
            format_time(f.bidfit_s),
            f.reference,
            format_time(f.reference_s),
            f"{f.ratio:.1f}x",
            f.target,
            result,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _isolated(bench: Callable[[Config], list[Figure]], cfg: Config) -> list[Figure]:
    """Run one benchmark in a fresh child process, so that no figure pays for the
    memory and garbage an earlier one left behind."""
    import multiprocessing

    context = multiprocessing.get_context("fork" if sys.platform != "win32" else "spawn")
    with context.Pool(1) as pool:
        return pool.apply(bench, (cfg,))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the rows, fewer repeats")
    parser.add_argument("-k", metavar="NAME", help="run only benchmarks whose name contains NAME")
    args = parser.parse_args(argv)
    cfg = Config(quick=True, rounds=2, repeat=3) if args.quick else Config()
    chosen = [b for b in BENCHMARKS if not args.k or args.k in b.__name__]
    print(f"bidfit benchmarks, {dt.date.today().isoformat()}{' (quick)' if cfg.quick else ''}")
    print(
        f"CPU: {cpu_model()}; Python {platform.python_version()}; numpy {np.__version__}; "
        f"times: best of {cfg.rounds} rounds, each running the reference once and bidfit "
        f"{cfg.repeat} times"
    )
    print()
    figures = [figure for bench in chosen for figure in _isolated(bench, cfg)]
    print(table(figures))
    return 0 if all(f.passed for f in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
