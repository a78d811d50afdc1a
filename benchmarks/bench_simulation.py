"""bidfit simulation in pieces: ``python benchmarks/bench_simulation.py [--quick]``.

Two figures, each a ratio within the same run, like ``benchmarks/run.py``
(whose table, timing and case helpers it uses):

* the peak memory of ``simulate(keep="summary")`` at 10M trials against the
  same at 100k trials: each size runs in a fresh child process, whose peak
  resident set size (``resource.getrusage(...).ru_maxrss``, imports
  included) is the figure. Target: no larger at 10M (ratio <= 1.02, the 2 %
  allowed for the noise of the allocator);
* the time of ``simulate(keep="summary")`` against ``keep="full"`` at 100k
  trials (target: within 1.25x), with the summary's P(worse off) and mean
  equal to the full run's and its percentiles within the documented tolerance.

``--quick`` runs 1M trials instead of 10M. The exit status is 1 when a figure
misses its target.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import multiprocessing
import platform
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# Benchmark the checkout this script sits in, installed or not.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import Config, Figure, best_pair, count, cpu_model, simulation_case, table

SMALL = 100_000  # trials of the reference run [trials]
NOISE = 0.02  # share of the peak memory allowed for the allocator's noise


def _peak_rss_of_summary_run(trials: int) -> tuple[float, float]:
    """In a fresh process: simulate ``trials`` with ``keep="summary"``; its peak RSS [MiB] and P(worse off)."""
    import resource

    import bidfit

    sim = bidfit.simulate(simulation_case(), trials=trials, seed=1, keep="summary")
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return peak_kib / 1024, sim.bids["Bid"].probability_worse_off


def _in_child(trials: int) -> tuple[float, float]:
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: its peak is this run's alone
    with context.Pool(1) as pool:
        return pool.apply(_peak_rss_of_summary_run, (trials,))


@dataclass(frozen=True)
class MemoryFigure:
    """One line of the memory table: peak RSS at many trials against few."""

    name: str
    large_mib: float  # [MiB]
    reference: str
    small_mib: float  # [MiB]
    note: str

    @property
    def ratio(self) -> float:
        return self.large_mib / self.small_mib

    @property
    def passed(self) -> bool:
        return self.ratio <= 1 + NOISE


def memory_table(figures: list[MemoryFigure]) -> str:
    head = ["figure", "peak RSS", "reference", "reference peak RSS", "ratio", "target", "result"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for f in figures:
        result = ("pass" if f.passed else "FAIL") + (f" ({f.note})" if f.note else "")
        cells = [
            f.name,
            f"{f.large_mib:.1f} MiB",
            f.reference,
            f"{f.small_mib:.1f} MiB",
            f"{f.ratio:.2f}x",
            f"<= {1 + NOISE:.2f}x (no larger, 2 % noise)",
            result,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def summary_memory(large: int) -> list[MemoryFigure]:
    """Peak memory of a summary run of ``large`` trials against one of :data:`SMALL` trials."""
    start = time.perf_counter()
    small_mib, _ = _in_child(SMALL)
    small_s = time.perf_counter() - start
    start = time.perf_counter()
    large_mib, p = _in_child(large)
    large_s = time.perf_counter() - start
    full_mib = 16 * large / 2**20  # what keep="full" would add for the one bid's two arrays
    return [
        MemoryFigure(
            f"simulate(keep='summary'), {count(large)} trials, 20 uncertain inputs",
            large_mib,
            f"the same at {count(SMALL)} trials",
            small_mib,
            f"{large_s:.0f} s against {small_s:.1f} s, each in a fresh process; P(worse off) {p:.4f}; "
            f"keep='full' would add {full_mib:.0f} MiB",
        )
    ]


def summary_against_full(cfg: Config) -> list[Figure]:
    """Time of ``keep="summary"`` against ``keep="full"`` at :data:`SMALL` trials, and agreement."""
    import bidfit
    from bidfit.results.simulation import SKETCH_RELATIVE_ERROR

    case = simulation_case()
    t_summary, t_full = best_pair(
        lambda: bidfit.simulate(case, trials=SMALL, seed=1, keep="summary"),
        lambda: bidfit.simulate(case, trials=SMALL, seed=1),
        cfg.rounds,
        1,
    )
    summary = bidfit.simulate(case, trials=SMALL, seed=1, keep="summary").bids["Bid"]
    full = bidfit.simulate(case, trials=SMALL, seed=1).bids["Bid"]
    ordered = np.sort(full.npv)
    worst = 0.0
    for q, name in ((0.1, "npv_p10"), (0.5, "npv_p50"), (0.9, "npv_p90")):
        h = (SMALL - 1) * q
        scale = max(abs(ordered[math.floor(h)]), abs(ordered[math.floor(h) + 1]))
        worst = max(worst, abs(getattr(summary, name) - getattr(full, name)) / scale)
    agrees = (
        summary.probability_worse_off == full.probability_worse_off
        and summary.npv_mean == full.npv_mean
        and worst <= SKETCH_RELATIVE_ERROR
    )
    return [
        Figure(
            f"simulate(keep='summary'), {count(SMALL)} trials, 20 uncertain inputs",
            t_summary,
            "keep='full'",
            t_full,
            1 / 1.25,
            "within 1.25x",
            agrees,
            f"P(worse off) and mean equal; percentiles off by at most {worst:.1e} relative "
            f"(tolerance {SKETCH_RELATIVE_ERROR:.2e})",
        )
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1M trials instead of 10M, fewer repeats")
    args = parser.parse_args(argv)
    cfg = Config(quick=True, rounds=2, repeat=1) if args.quick else Config(repeat=1)
    large = 1_000_000 if args.quick else 10_000_000
    print(f"bidfit simulation benchmarks, {dt.date.today().isoformat()}{' (quick)' if cfg.quick else ''}")
    print(
        f"CPU: {cpu_model()}; Python {platform.python_version()}; numpy {np.__version__}; "
        f"times: best of {cfg.rounds} rounds, taken in turns"
    )
    print()
    memory = summary_memory(large)
    print(memory_table(memory))
    print()
    figures = summary_against_full(cfg)
    print(table(figures))
    return 0 if all(f.passed for f in [*memory, *figures]) else 1


if __name__ == "__main__":
    sys.exit(main())
