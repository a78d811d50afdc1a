"""Running simulations and portfolios on a Dask cluster.

:func:`simulate_on` splits a simulation into ranges of trials, runs each on a
worker of a ``dask.distributed`` client with ``keep="summary"`` (so a worker
returns a few hundred kB per bid, not the trials) and merges the parts
(:func:`bidfit.merge_simulations`) into the result of one run.
:func:`analyze_many_on` runs :func:`bidfit.analyze_many` with ``keep="summary"`` on
groups of cases and joins the summaries (:meth:`bidfit.Portfolio.concat`).

The client is the user's: a laptop's ``LocalCluster``, or a real cluster
through dask-jobqueue (SLURM, PBS, ...) or dask-kubernetes. Dask is an
optional dependency (``pip install "bidfit[dask]"``); it is imported only
when a function here runs, so ``import bidfit`` never needs it.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from bidfit.assess.analysis import analyze_many
from bidfit.model.case import Case
from bidfit.results.analysis import Portfolio
from bidfit.results.simulation import Simulation
from bidfit.studies.draws import BLOCK_TRIALS
from bidfit.studies.simulation import merge_simulations, simulate

if TYPE_CHECKING:
    from distributed import Client

__all__ = ["analyze_many_on", "simulate_on", "trial_ranges"]

_TASKS_PER_WORKER = 4  # tasks per worker by default, so that a slow worker does not hold the others up


def _workers(client: Client) -> int:
    """Workers the client has now (at least 1)."""
    return max(1, len(client.scheduler_info().get("workers", {})))


def trial_ranges(trials: int, trials_per_task: int) -> list[tuple[int, int]]:
    """Consecutive ranges ``(start, stop)`` of at most ``trials_per_task`` trials covering ``0..trials - 1``.

    Parameters
    ----------
    trials : int
        Trials of the whole run [trials], >= 1.
    trials_per_task : int
        Trials in each range but the last [trials], >= 1.

    Examples
    --------
    >>> trial_ranges(20_000, 8192)
    [(0, 8192), (8192, 16384), (16384, 20000)]
    """
    if trials < 1 or trials_per_task < 1:
        raise ValueError(
            f"trials and trials_per_task must be whole numbers >= 1; found {trials} and {trials_per_task}"
        )
    return [(a, min(a + trials_per_task, trials)) for a in range(0, trials, trials_per_task)]


def simulate_on(
    client: Client,
    case: Case,
    trials: int = 100_000,
    seed: int | None = None,
    *,
    trials_per_task: int | None = None,
) -> Simulation:
    """Simulate a case on a Dask cluster: ranges of trials on the workers, summaries merged here.

    Parameters
    ----------
    client : distributed.Client
        A connected client (``Client(LocalCluster(...))``, or one of a
        dask-jobqueue or dask-kubernetes cluster). Its workers need bidfit installed.
    case : Case
        The case, with its uncertainties; sent to the workers once.
    trials : int
        Trials of the whole run [trials].
    seed : int, optional
        Seed of the random streams; None draws fresh entropy here, kept in
        :attr:`Simulation.seed`, so the run can be repeated with
        :func:`bidfit.simulate` in one process.
    trials_per_task : int, optional
        Trials each task runs [trials]. Default: the trials spread over four
        tasks per worker, rounded up to whole blocks of
        :data:`~bidfit.studies.draws.BLOCK_TRIALS`. Each task's memory is
        bounded whatever it is (``keep="summary"``).

    Returns
    -------
    Simulation
        The same as ``bidfit.simulate(case, trials, seed, keep="summary")``:
        P(worse off), its standard error, the mean NPV and the share that never
        pays back bit for bit; the percentiles from the merged sketches (equal
        to the single summary run's; see :func:`bidfit.simulate` for their
        tolerance against the exact ones).

    Raises
    ------
    ImportError
        If dask.distributed is not installed (``pip install "bidfit[dask]"``).
    ValueError
        If ``trials`` or ``trials_per_task`` is not a whole number >= 1.

    Notes
    -----
    A task returns a ``keep="summary"`` :class:`Simulation`: per bid a few
    counts, an exact sum and two sketches (at most about 2.4 MB, usually some
    hundred kB), whatever its number of trials; the trials never leave the workers.

    Examples
    --------
    >>> import bidfit
    >>> from distributed import Client, LocalCluster
    >>> case = bidfit.load_sample("norway_roaming").model_copy(update={"uncertainty": [
    ...     bidfit.Uncertainty(target="discount_rate", distribution="uniform", low=0.0, high=0.1)]})
    >>> with LocalCluster(n_workers=1, processes=False, dashboard_address=None) as cluster, Client(cluster) as client:
    ...     sim = simulate_on(client, case, trials=40_000, seed=3, trials_per_task=16_384)
    >>> one = bidfit.simulate(case, trials=40_000, seed=3).bids["Competitor B"]
    >>> sim.bids["Competitor B"].probability_worse_off == one.probability_worse_off
    True
    """
    trials = _whole("trials", trials)
    if seed is None:
        entropy = np.random.SeedSequence().entropy
        assert isinstance(entropy, int)
        seed = entropy
    if trials_per_task is None:
        per_task = math.ceil(trials / (_TASKS_PER_WORKER * _workers(client)))
        trials_per_task = max(1, math.ceil(per_task / BLOCK_TRIALS)) * BLOCK_TRIALS
    ranges = trial_ranges(trials, _whole("trials_per_task", trials_per_task))
    shared = client.scatter(case, broadcast=True)
    futures = [
        client.submit(simulate, shared, trials, seed, keep="summary", start=start, stop=stop)
        for start, stop in ranges
    ]
    parts: list[Simulation] = client.gather(futures)
    return merge_simulations(parts)


def analyze_many_on(
    client: Client,
    cases: Sequence[Case],
    *,
    ids: Sequence[Hashable] | None = None,
    cases_per_task: int | None = None,
) -> Portfolio:
    """Analyse many cases on a Dask cluster: summaries of groups of cases, joined here.

    Parameters
    ----------
    client : distributed.Client
        A connected client; its workers need bidfit installed.
    cases : sequence of Case
        The cases, in order.
    ids : sequence of hashable, optional
        One unique id per case (e.g. file paths); default the positions 0, 1, ...
        in ``cases``, the same ids as ``bidfit.analyze_many(cases)`` gives.
    cases_per_task : int, optional
        Cases analysed by each task [cases]. Default: the cases spread over
        four tasks per worker.

    Returns
    -------
    Portfolio
        ``keep="summary"``: the summary of ``bidfit.analyze_many(cases, ids=ids)``,
        every figure bit for bit (a bid's figures do not depend on the cases
        analysed with it) but the IRR of flows that change sign several times,
        equal to about 1e-15 relative (see :func:`bidfit.assess.analysis.stacked_kernel`).

    Raises
    ------
    InputError
        From the first group with an inconsistent case; the case's position
        in the message is its position within its group.
    ValueError
        If ``cases_per_task`` is not a whole number >= 1, or the ids are not
        one per case and unique.

    Notes
    -----
    Each task runs ``bidfit.analyze_many(group, ids=..., keep="summary")``
    and returns one summary row per bid (a few hundred bytes), which
    :meth:`Portfolio.concat` joins in order.

    Examples
    --------
    >>> import bidfit
    >>> from distributed import Client, LocalCluster
    >>> cases = [bidfit.load_sample(n) for n in bidfit.sample_names()]
    >>> with LocalCluster(n_workers=1, processes=False, dashboard_address=None) as cluster, Client(cluster) as client:
    ...     portfolio = analyze_many_on(client, cases, cases_per_task=2)
    >>> portfolio.summary.equals(bidfit.analyze_many(cases).summary)
    True
    """
    cases = list(cases)
    case_ids = list(range(len(cases))) if ids is None else list(ids)
    if len(case_ids) != len(cases):
        raise ValueError(f"ids must give one id per case: {len(case_ids)} ids for {len(cases)} cases")
    if not cases:
        return analyze_many(cases, keep="summary")
    if cases_per_task is None:
        cases_per_task = math.ceil(len(cases) / (_TASKS_PER_WORKER * _workers(client)))
    per_task = _whole("cases_per_task", cases_per_task)
    starts = range(0, len(cases), per_task)
    futures = [
        client.submit(analyze_many, cases[i : i + per_task], ids=case_ids[i : i + per_task], keep="summary")
        for i in starts
    ]
    parts: list[Portfolio] = client.gather(futures)
    return Portfolio.concat(parts)


def _whole(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a whole number >= 1; found {value!r}")
    return int(value)
