"""The proposal review gate: check many case files against a policy at once.

:func:`check` expands folders, loads every case file, applies a review policy
over each case's own policy, analyses every bid and collects the outcome in a
:class:`CheckResult`, the object the ``bidfit check`` command formats. A file
that cannot be read or is invalid does not stop the others: its problems are
recorded and the remaining files are still checked.

Exit codes (:attr:`CheckResult.exit_code`): 0 when every bid passes, 1 when at
least one bid fails at or above ``fail_on``, 2 when any input is invalid (even
if other bids fail too; those are still reported).

For every bid that fails, the result also says what it takes to pass
(:func:`bidfit.what_it_takes`: the smallest change of price, fees, term or
scope, and the benefit that would have to be true). It is computed once per
failing bid, with the gate's policy and ``fail_on``; a passing bid costs
nothing extra.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from bidfit.assess.analysis import analyze_many
from bidfit.errors import InputError, Problem
from bidfit.flags import FAILING_SEVERITIES, FailOn, Flag, by_severity
from bidfit.io import CASE_SUFFIXES, find_case_files, load, not_a_case
from bidfit.model.case import Case, Policy
from bidfit.results.analysis import HEADLINE_FIGURES, Analysis, BidAnalysis, Verdict
from bidfit.results.base import Blocks, Result
from bidfit.studies.pricing import WhatItTakes, what_it_takes

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "DEAL_ROOM_FIGURES",
    "FAIL_ON",
    "FIGURES",
    "GATE_SEED",
    "GATE_TRIALS",
    "BidCheck",
    "CheckResult",
    "bid_figures",
    "check",
    "merge_policy",
]


GATE_TRIALS = 20_000
"""Simulated futures per case when the gate checks the policy's ``max_loss_probability``."""

GATE_SEED = 0
"""Seed of those simulations, so that the gate gives the same answer every time."""

FAIL_ON: tuple[FailOn, ...] = ("error", "warning")
"""Levels at which a bid fails the gate: on an error finding, or on a warning or worse."""

DEAL_ROOM_FIGURES: tuple[str, ...] = (
    "ceiling_price",
    "ceiling_fee",
    "floor_price",
    "floor_fee",
    "vendor_margin",
)
"""The deal-room figures reported per bid: the customer's ceiling price [currency] and fee
[currency/year] under the policy (:attr:`bidfit.BidAnalysis.ceiling`), and the vendor's floor price,
floor fee and margin as quoted [fraction] (:attr:`bidfit.BidAnalysis.deal_room`; None when the bid
does not give the vendor's delivery cost)."""

FIGURES: tuple[str, ...] = HEADLINE_FIGURES + DEAL_ROOM_FIGURES
"""The figures reported per bid, in order."""

PathLike = str | os.PathLike[str]

Status = Literal["passed", "failed", "invalid"]
_STATUSES: tuple[Status, ...] = ("passed", "failed", "invalid")  # by exit code


@dataclass(frozen=True, repr=False)
class BidCheck(Result):
    """The outcome of one bid in the review gate.

    Attributes
    ----------
    file : str
        The case file, as given or found in a folder.
    case : str
        The case name.
    bid, vendor : str
        The bid and who offers it.
    currency : str
        The case currency; every money metric is in it.
    verdict : {'better_off', 'at_risk', 'worse_off'}
        What the customer would be.
    figures : dict
        The figures named in :data:`FIGURES` [currency, years, 1/year or
        fraction]; None where a figure does not exist (e.g. no payback).
    flags : tuple of Flag
        Findings, most severe first, after the policy's severity overrides.
    failures : tuple of Flag
        The findings at or above the gate's ``fail_on`` level: the reasons the
        bid fails (empty when it passes).
    analysis : BidAnalysis
        The full analysis (cash flows and all), for use from Python.
    what_it_takes : WhatItTakes or None
        For a failing bid, the smallest change of each lever that makes it
        pass under the same policy and ``fail_on`` (see
        :func:`bidfit.what_it_takes`); None for a passing bid.
    """

    file: str
    case: str
    bid: str
    vendor: str
    currency: str
    verdict: Verdict
    figures: Mapping[str, float | None]
    flags: tuple[Flag, ...]
    failures: tuple[Flag, ...]
    analysis: BidAnalysis = field(repr=False, compare=False)
    what_it_takes: WhatItTakes | None = field(default=None, repr=False, compare=False)

    @property
    def passed(self) -> bool:
        """True when no finding is at or above the gate's ``fail_on`` level."""
        return not self.failures

    @property
    def what_it_takes_sentence(self) -> str | None:
        """What it takes for the bid to pass, in plain words; None for a passing bid."""
        return None if self.what_it_takes is None else self.what_it_takes.sentence

    def _blocks(self) -> Blocks:
        from bidfit.present.view import describe_bid_check

        return describe_bid_check(self)


@dataclass(frozen=True, repr=False)
class CheckResult(Result):
    """The outcome of :func:`check`: every bid of every file, and every input problem.

    Attributes
    ----------
    entries : tuple of BidCheck
        One per bid, files in the order checked, bids in each case's order.
    problems : dict of str to tuple of Problem
        Input problems by file, for files that could not be checked.
    files : tuple of str
        Every file checked (valid or not), in order.
    fail_on : {'error', 'warning'}
        The level at which a bid fails.
    policy : Policy, optional
        The policy applied over each case's own policy, if any.
    trials, seed : int
        The simulations' trials per case and seed (for ``max_loss_probability``).
    simulated : tuple of str
        The files whose cases were simulated.
    skipped : dict of str to str
        Files given (or found in a folder) that are not case files, with the
        reason: a YAML or JSON file with none of a case's top-level keys (a
        policy, ``mkdocs.yml``), a workbook with none of a case's sheets. They
        are not in ``files`` and never fail the check.
    """

    entries: tuple[BidCheck, ...]
    problems: Mapping[str, tuple[Problem, ...]]
    files: tuple[str, ...]
    fail_on: FailOn = "error"
    policy: Policy | None = None
    trials: int = GATE_TRIALS
    seed: int = GATE_SEED
    simulated: tuple[str, ...] = ()
    skipped: Mapping[str, str] = field(default_factory=dict)

    @property
    def failed(self) -> tuple[BidCheck, ...]:
        """The bids that fail the gate."""
        return tuple(e for e in self.entries if not e.passed)

    @property
    def invalid_files(self) -> tuple[str, ...]:
        """Files with input problems."""
        return tuple(self.problems)

    @property
    def exit_code(self) -> int:
        """2 when any input is invalid, else 1 when any bid fails, else 0."""
        if self.problems:
            return 2
        return 1 if self.failed else 0

    @property
    def passed(self) -> bool:
        """True when every input is valid and every bid passes."""
        return self.exit_code == 0

    @property
    def status(self) -> Status:
        """``'invalid'`` (exit code 2), ``'failed'`` (1) or ``'passed'`` (0)."""
        return _STATUSES[self.exit_code]

    def entries_of(self, file: str) -> tuple[BidCheck, ...]:
        """The bids of one file."""
        return tuple(e for e in self.entries if e.file == file)

    @property
    def summary(self) -> pd.DataFrame:
        """One row per bid checked (index: file, bid): case, vendor, currency, verdict, ``passed``,
        ``failures`` (the failing codes) and the figures of :data:`FIGURES` [currency, years,
        1/year or fraction; NaN where a figure does not exist]."""
        import pandas as pd

        rows = [
            {
                "file": e.file,
                "bid": e.bid,
                "case": e.case,
                "vendor": e.vendor,
                "currency": e.currency,
                "verdict": e.verdict,
                "passed": e.passed,
                "failures": ", ".join(f.code for f in e.failures),
                **{name: e.figures.get(name) for name in FIGURES},
            }
            for e in self.entries
        ]
        columns = ["file", "bid", "case", "vendor", "currency", "verdict", "passed", "failures", *FIGURES]
        from bidfit.results.frames import summary_frame

        frame = pd.DataFrame(rows, columns=columns).set_index(["file", "bid"])
        return summary_frame(frame.astype(dict.fromkeys(FIGURES, float)), None)

    def _blocks(self) -> Blocks:
        from bidfit.present.view import describe_check

        return describe_check(self)

    def summary_line(self) -> str:
        """One line: how many bids pass and fail, and how many files are invalid."""
        n_bids, n_failed, n_files = len(self.entries), len(self.failed), len(self.files)
        text = (
            f"{n_bids} bid{'s' if n_bids != 1 else ''} in {n_files} file{'s' if n_files != 1 else ''}: "
            f"{n_bids - n_failed} passed, {n_failed} failed (fail on {self.fail_on})"
        )
        if self.problems:
            n_bad = len(self.problems)
            text += f"; {n_bad} input file{'s' if n_bad != 1 else ''} invalid"
        if self.skipped:
            n_skip = len(self.skipped)
            text += f"; {n_skip} file{'s' if n_skip != 1 else ''} skipped (not case files)"
        if self.simulated:
            n_sim = len(self.simulated)
            text += (
                f"; loss probability from {self.trials:,} simulated futures per case, seed {self.seed} "
                f"({n_sim} case{'s' if n_sim != 1 else ''})"
            )
        return text


def check(
    paths: PathLike | Iterable[PathLike],
    policy: Policy | PathLike | None = None,
    fail_on: FailOn = "error",
    *,
    trials: int = GATE_TRIALS,
    seed: int = GATE_SEED,
    jobs: int = 1,
) -> CheckResult:
    """Check case files against a review policy, as ``bidfit check`` does.

    Parameters
    ----------
    paths : path or iterable of paths
        Case files (``.yaml``, ``.yml``, ``.json``, ``.xlsx``) or folders,
        searched recursively for those endings in sorted order; hidden files
        and folders (names starting with ``.``) and Excel lock files
        (``~$...``) are skipped.
    policy : Policy or path, optional
        A policy, or a policy file (TOML or YAML, see
        :func:`bidfit.io.policy.load_policy`), applied over each case's own
        policy key by key: only the keys the policy sets override the case's
        (``model_fields_set`` for a :class:`Policy`), and its ``severity``
        entries are merged over the case's, code by code.
    fail_on : {'error', 'warning'}
        A bid fails on an error finding (default), or also on a warning.
    trials : int
        Simulated futures per case whose policy sets ``max_loss_probability``
        and that has uncertain inputs [trials], >= 1.
    seed : int
        Seed of those simulations: the same seed gives the same answer.
    jobs : int
        Local processes that load and analyse the files, in groups of
        consecutive files [processes], >= 1; the result is the same whatever
        the number. Worth it for folders of hundreds of files.

    Returns
    -------
    CheckResult
        Every bid's verdict, figures, findings and pass/fail, what it takes
        for each failing bid to pass, and every input problem by file.

    Raises
    ------
    InputError
        If the policy file is invalid (case files never raise: their problems
        are recorded in the result).
    ValueError
        If ``fail_on`` is not ``'error'`` or ``'warning'``, or ``jobs`` is not a whole number >= 1.

    Examples
    --------
    >>> import bidfit
    >>> result = bidfit.check(bidfit.sample_path("norway_roaming"))
    >>> [(e.bid, e.verdict, e.passed) for e in result.entries]
    [('Vendor A', 'worse_off', False), ('Competitor B', 'better_off', True)]
    >>> result.exit_code
    1
    >>> wit = result.entries[0].what_it_takes  # for the failing bid only
    >>> wit.change("price").works, round(wit.change("recurring_fees").needed)
    (False, 135814)
    """
    if fail_on not in FAIL_ON:
        raise ValueError(f"fail_on must be one of {', '.join(FAIL_ON)}, not {fail_on!r}")
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs must be a whole number of processes >= 1, not {jobs!r}")
    override = _as_policy(policy)
    files = find_case_files(paths)
    # Groups of consecutive files, the same whatever the number of processes: a file's report
    # never depends on how the folder was split (see _GROUP_FILES).
    groups = [files[i : i + _GROUP_FILES] for i in range(0, len(files), _GROUP_FILES)] or [[]]
    task = functools.partial(_check_files, override=override, fail_on=fail_on, trials=trials, seed=seed)
    if jobs == 1 or len(groups) < 2:
        parts = [task(group) for group in groups]
    else:
        parts = _in_processes(task, groups, jobs)
    entries: list[BidCheck] = []
    problems: dict[str, tuple[Problem, ...]] = {}
    simulated: list[str] = []
    skipped: dict[str, str] = {}
    for part in parts:
        entries += part[0]
        problems |= part[1]
        simulated += part[2]
        skipped |= part[3]
    return CheckResult(
        entries=tuple(entries),
        problems=problems,
        files=tuple(str(p) for p in files if str(p) not in skipped),
        skipped=skipped,
        fail_on=fail_on,
        policy=override,
        trials=trials,
        seed=seed,
        simulated=tuple(simulated),
    )


_Checked = tuple[list["BidCheck"], dict[str, tuple[Problem, ...]], list[str], dict[str, str]]


def _check_files(
    files: list[Path], override: Policy | None, fail_on: FailOn, trials: int, seed: int
) -> _Checked:
    """Load, analyse and judge ``files``: their entries, input problems, simulated files and the files
    skipped as not cases (with the reason), in order."""
    cases: list[tuple[str, Case]] = []
    problems: dict[str, tuple[Problem, ...]] = {}
    skipped: dict[str, str] = {}
    for path in files:
        try:
            cases.append((str(path), _prepare(path, override)))
        except InputError as error:
            # Only a file that does not load is asked whether it is a case at all.
            reason = not_a_case(path) if path.is_file() else None
            if reason is not None:
                skipped[str(path)] = reason
                continue
            problems[str(path)] = tuple(p if p.file else p.in_file(str(path)) for p in error.problems)
    # Every valid case at once: one stacked run of the finance kernel for the whole group of files.
    portfolio = analyze_many((case for _, case in cases), ids=[file for file, _ in cases])
    entries = [
        _entry(file, case, bid, fail_on)
        for (file, case), analysis in zip(cases, portfolio, strict=True)
        for bid in _with_loss_probability(case, analysis, trials, seed)
    ]
    return entries, problems, [file for file, case in cases if _simulates(case)], skipped


_GROUP_FILES = 32
"""Files analysed together in one stacked run. Fixed, so that a report is the same for any
``jobs``: a bid's figures do not depend on the bids stacked with it, except the last bits of
an IRR whose flows change sign several times, which are solved in batches."""


def _in_processes(
    task: Callable[[list[Path]], _Checked], groups: list[list[Path]], jobs: int
) -> list[_Checked]:
    """``task`` on each group of files in ``jobs`` local processes; the results in order."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("spawn")  # no state of this process is inherited
    with ProcessPoolExecutor(max_workers=min(jobs, len(groups)), mp_context=context) as pool:
        return list(pool.map(task, groups))


def _as_policy(policy: Policy | PathLike | None) -> Policy | None:
    if policy is None or isinstance(policy, Policy):
        return policy
    from bidfit.io.policy import load_policy

    return load_policy(policy)


def merge_policy(base: Policy, override: Policy | None) -> Policy:
    """``base`` with the keys ``override`` sets replaced; severity merged code by code.

    Examples
    --------
    >>> base = Policy(max_payback_years=5, severity={"DOMINATED": "warning"})
    >>> merged = merge_policy(base, Policy(min_benefit_cost_ratio=1.2, severity={"THIN_MARGIN": "error"}))
    >>> merged.max_payback_years, merged.min_benefit_cost_ratio, merged.severity
    (5.0, 1.2, {'DOMINATED': 'warning', 'THIN_MARGIN': 'error'})
    """
    if override is None:
        return base
    update = {key: getattr(override, key) for key in override.model_fields_set}
    if "severity" in update:
        update["severity"] = {**base.severity, **override.severity}
    return Policy.model_validate({**base.model_dump(), **update})


def _prepare(path: Path, override: Policy | None) -> Case:
    """Load one case file and apply the review policy over its own."""
    if path.is_dir():
        raise InputError(
            Problem(
                "",
                "the folder holds no case files",
                expected="files ending in " + ", ".join(CASE_SUFFIXES),
                code="no_cases",
            ),
            str(path),
        )
    if not path.exists():
        raise InputError(Problem("", "file not found", code="not_found"), str(path))
    case = _load(path)
    if override is not None:
        case = case.model_copy(update={"policy": merge_policy(case.policy, override)})
    return case


def _simulates(case: Case) -> bool:
    """True when the gate simulates the case: its policy limits the loss probability and it has uncertainty."""
    return bool(case.uncertainty) and case.policy.max_loss_probability is not None


def _with_loss_probability(case: Case, analysis: Analysis, trials: int, seed: int) -> list[BidAnalysis]:
    """The bids, with ``HIGH_LOSS_PROBABILITY`` where the policy limits it and the case has uncertainty.

    The gate simulates ``trials`` futures (seed ``seed``; by default
    :data:`GATE_TRIALS` and :data:`GATE_SEED`) only for such cases; every
    other case is judged on its deterministic figures alone.
    """
    bids = list(analysis)
    if not _simulates(case):
        return bids
    from bidfit.studies.simulation import simulate

    simulated = simulate(case, trials=trials, seed=seed, keep="summary")
    out = []
    for bid in bids:
        flags = bid.flags + simulated.bids[bid.name].flags
        out.append(replace(bid, flags=by_severity(flags)))
    return out


def _load(path: Path) -> Case:
    try:
        return load(path)
    except InputError:
        raise
    except ImportError as exc:
        raise InputError(
            Problem("", f"cannot read {path.suffix} files in this installation: {exc}", code="unsupported"),
            str(path),
        ) from None
    except OSError as exc:
        raise InputError(
            Problem("", f"cannot read the file: {exc.strerror or exc}", code="unreadable"), str(path)
        ) from None


def bid_figures(bid: BidAnalysis) -> dict[str, float | None]:
    """The figures named in :data:`FIGURES` for one bid."""
    values: dict[str, float | None] = {name: getattr(bid, name) for name in HEADLINE_FIGURES}
    room = bid.deal_room
    values.update(
        ceiling_price=bid.ceiling.price,
        ceiling_fee=bid.ceiling.fee,
        floor_price=None if room is None else room.floor_price,
        floor_fee=None if room is None else room.floor_fee,
        vendor_margin=None if room is None else room.vendor_margin,
    )
    return values


def _entry(file: str, case: Case, bid: BidAnalysis, fail_on: FailOn) -> BidCheck:
    failing = FAILING_SEVERITIES[fail_on]
    failures = tuple(f for f in bid.flags if f.severity in failing)
    # A finding of the gate's own simulation is one the deterministic what-it-takes cannot see.
    simulated = tuple(f.code for f in failures if f.code == "HIGH_LOSS_PROBABILITY")
    return BidCheck(
        file=file,
        case=case.name,
        bid=bid.name,
        vendor=bid.vendor,
        currency=bid.currency,
        verdict=bid.verdict,
        figures=bid_figures(bid),
        flags=bid.flags,
        failures=failures,
        analysis=bid,
        # Only for a failing bid (a few hundredths of a second each): a passing bid costs nothing.
        what_it_takes=what_it_takes(case, bid.name, fail_on, simulated) if failures else None,
    )
