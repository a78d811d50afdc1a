"""The progress bar of a simulation: reaches the end and closes, and stays silent for a short run."""

from __future__ import annotations

import itertools

import pytest
from tqdm import std as tqdm_std

import bidfit
from bidfit.present import progress
from bidfit.present.progress import progress_bar


class Clock:
    """A stand-in for tqdm's clock, moved on by ``chunk_seconds`` per chunk."""

    def __init__(self, chunk_seconds: float) -> None:
        self.now = 1_000.0
        self.chunk_seconds = chunk_seconds

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def bars(monkeypatch):
    """Every tqdm bar the progress callback opens, kept to inspect after it closed."""
    opened = []
    make = progress._tqdm

    def recording(total, done, delay):
        bar = make(total, done, delay)
        opened.append(bar)
        return bar

    monkeypatch.setattr(progress, "_tqdm", recording)
    return opened


def drive(callback, trials: int, chunk: int, clock: Clock | None = None) -> list[tuple[int, int]]:
    """Call the callback as :func:`bidfit.simulate` does: after each chunk, (trials done, trials in all)."""
    calls = []
    for start in range(0, trials, chunk):
        if clock is not None:
            clock.now += clock.chunk_seconds
        done = min(start + chunk, trials)
        callback(done, trials)
        calls.append((done, trials))
    return calls


def test_a_long_run_shows_the_bar_up_to_the_end_and_closes(bars, capsys, monkeypatch):
    clock = Clock(chunk_seconds=0.6)  # ten chunks of 0.6 s: a six-second run
    monkeypatch.setattr(tqdm_std, "time", clock)
    callback = progress_bar(show=True)
    calls = drive(callback, 100_000, 10_000, clock)
    assert calls[-1] == (100_000, 100_000)
    (bar,) = bars
    assert bar.n == bar.total == 100_000  # at 100 %
    assert bar.disable  # closed
    err = capsys.readouterr().err
    assert (
        "bidfit simulate" in err and "100%|" in err and "100k/100k" in err
    )  # on stderr: not a notebook here


def test_a_short_run_draws_nothing_yet_ends_at_the_total(bars, capsys, monkeypatch):
    clock = Clock(chunk_seconds=0.1)  # ten chunks of 0.1 s: under the one-second delay
    monkeypatch.setattr(tqdm_std, "time", clock)
    drive(progress_bar(show=True), 100_000, 10_000, clock)
    (bar,) = bars
    assert bar.n == bar.total == 100_000 and bar.disable
    assert capsys.readouterr() == ("", "")


def test_a_real_quick_simulation_prints_nothing(norway, capsys):
    case = norway.model_copy(
        update={
            "uncertainty": [
                bidfit.Uncertainty(
                    target="revenue.Outbound roaming.annual_amount",
                    distribution="normal",
                    mean=380_000,
                    sd=60_000,
                )
            ]
        }
    )
    sim = bidfit.simulate(case, 20_000, seed=1, chunk_size=4_096, progress=progress_bar(show=True))
    assert sim.trials == 20_000
    assert capsys.readouterr() == ("", "")


def test_the_same_callback_serves_several_runs(bars, capsys):
    callback = progress_bar(show=True, delay=0.0)
    for trials, chunk in ((30_000, 10_000), (8_000, 2_000)):
        drive(callback, trials, chunk)
    assert [(b.n, b.total, b.disable) for b in bars] == [(30_000, 30_000, True), (8_000, 8_000, True)]
    err = capsys.readouterr().err
    assert "30.0k/30.0k" in err and "8.00k/8.00k" in err  # each drawn at its end


def test_no_bar_when_asked_for_none():
    assert progress_bar(show=False) is None


def test_the_bar_is_tqdm_auto_for_the_place_it_runs(bars):
    from tqdm.auto import tqdm as auto

    progress_bar(show=True)(1, 2)
    assert isinstance(bars[0], auto)
    bars[0].close()


def test_chunks_are_counted_from_the_first_report(monkeypatch, bars):
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(progress, "_in_notebook", lambda: True)
    one_chunk, many = progress_bar(), progress_bar()
    one_chunk(5_000, 5_000)  # one chunk: no bar at all
    assert bars == []
    many(1_000, 5_000)
    assert len(bars) == 1 and bars[0].total == 5_000 and bars[0].n == 1_000
    for done in itertools.islice(range(2_000, 6_000, 1_000), 4):
        many(done, 5_000)
    assert bars[0].n == 5_000 and bars[0].disable
