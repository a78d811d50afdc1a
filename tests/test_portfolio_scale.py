"""Portfolios at scale: the summary-only mode equals the full one, stable case ids, concatenation,
bounded memory, and ``bidfit check --jobs N`` equal to one process."""

from __future__ import annotations

import json
import subprocess
import sys
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bidfit
from bidfit import Bid, Case, CostItem, Policy, Portfolio, RevenueStream
from bidfit.build.cashflows import build_cashflows, build_stacked
from conftest import make_case
from test_analysis import cases as single_bid_cases


def generated_cases(n: int, seed: int = 0) -> list[Case]:
    """Cases of 1-3 streams, 2-4 bids of 3-5 items, 5-10 years, with hostile corners mixed in.

    Some flows change sign several times (costs late in the horizon), some items cost
    nothing, many NPVs are negative, some fees are a percent of one-time items, some bids
    give vendor costs (deal room) or a min_margin alone, some policies override severities.
    """
    rng = np.random.default_rng(seed)
    out = []
    for k in range(n):
        horizon = int(rng.integers(5, 11))
        streams = [
            RevenueStream(
                name=f"S{i}",
                annual_amount=float(rng.uniform(50, 500)),
                growth=float(rng.uniform(-0.05, 0.1)),
                capture=float(rng.uniform(0.1, 1)),
                margin=float(rng.uniform(0.2, 1)),
                start_year=int(rng.integers(1, 3)),
                end_year=None if rng.random() < 0.8 else horizon - 1,
                ramp_years=int(rng.integers(0, 4)),
                source="survey" if rng.random() < 0.7 else None,
            )
            for i in range(int(rng.integers(1, 4)))
        ]
        bids = []
        for b in range(int(rng.integers(2, 5))):
            items: list[CostItem] = []
            for j in range(int(rng.integers(3, 6))):
                source = "quote" if rng.random() < 0.8 else None
                amount = 0.0 if rng.random() < 0.08 else float(rng.uniform(10, 400))
                if j == 0 or rng.random() < 0.35:
                    year = int(rng.integers(0, 3)) if rng.random() < 0.85 else horizon  # late: sign changes
                    items.append(
                        CostItem(name=f"C{j}", kind="one_time", amount=amount, year=year, source=source)
                    )
                elif rng.random() < 0.3:
                    share = float(rng.uniform(0.05, 0.25))
                    items.append(CostItem(name=f"C{j}", kind="recurring", percent_of=["C0"], percent=share))
                else:
                    items.append(
                        CostItem(
                            name=f"C{j}",
                            kind="recurring",
                            amount=amount / 5,
                            escalation=float(rng.uniform(0, 0.05)),
                            start_year=int(rng.integers(1, 3)),
                            source=source,
                        )
                    )
            vendor = (
                [CostItem(name="Delivery", kind="one_time", amount=float(rng.uniform(50, 300)))]
                if rng.random() < 0.04
                else []
            )
            bids.append(
                Bid(
                    name=f"B{b}",
                    vendor=f"V{b}",
                    costs=items,
                    scope=[] if rng.random() < 0.5 else [streams[int(rng.integers(len(streams)))].name],
                    vendor_costs=vendor,
                    min_margin=0.1 if vendor or rng.random() < 0.05 else None,
                )
            )
        policy = Policy(
            max_payback_years=float(rng.integers(2, 8)) if rng.random() < 0.5 else None,
            stress_benefit_cut=0.2 if rng.random() < 0.3 else None,
            min_benefit_cost_ratio=float(rng.choice([1.0, 1.2])),
            min_benefit_headroom=0.05 if rng.random() < 0.3 else 0.0,
            require_source=bool(rng.random() < 0.2),
            severity={"THIN_MARGIN": "error", "DOMINATED": "warning"} if rng.random() < 0.1 else {},
        )
        out.append(
            Case(
                name=f"Case {k}",
                horizon_years=horizon,
                discount_rate=float(rng.uniform(0.02, 0.12)),
                revenue=streams,
                bids=bids,
                policy=policy,
            )
        )
    return out


@pytest.fixture(scope="module")
def many() -> list[Case]:
    return generated_cases(400, seed=11) + [bidfit.load_sample(n) for n in bidfit.sample_names()]


def sign_changes(case: Case) -> list[int]:
    """Sign changes of each bid's non-zero net flows, in the order of the summary's rows."""
    counts = []
    for flows in build_cashflows(case).values():
        net = flows.net[flows.net != 0]
        counts.append(int((np.diff(np.sign(net)) != 0).sum()))
    return counts


def test_the_generated_cases_are_hostile_enough(many):
    summary = bidfit.analyze_many(many).summary
    changes = [c for case in many for c in sign_changes(case)]
    assert sum(c >= 2 for c in changes) > 20  # several sign changes
    assert (summary["npv"] < 0).sum() > 100 and (summary["npv"] > 0).sum() > 100
    assert summary["codes"].str.contains("NO_DEAL_ROOM|MARGIN_NOT_CHECKED").any()
    assert (
        summary["codes"].str.contains("THIN_MARGIN").any()
        and summary["codes"].str.contains("STRESS_FAILS").any()
    )
    assert set(summary["verdict"]) == {"better_off", "at_risk", "worse_off"}
    assert any(c.percent_of for case in many for bid in case.bids for c in bid.costs)


def test_summary_mode_equals_the_full_summary_exactly(many):
    full = bidfit.analyze_many(many)
    quick = bidfit.analyze_many(many, keep="summary")
    assert quick.keep == "summary" and quick.analyses == () and len(quick) == len(many)
    pd.testing.assert_frame_equal(quick.summary, full.summary, check_exact=True)
    assert quick.verdict_counts == full.verdict_counts
    # The summary's codes and pass/fail are those of each bid's own findings.
    for case_id, analysis in zip(full.case_ids, full, strict=True):
        for name, bid in analysis.bids.items():
            row = quick.summary.loc[(case_id, name)]
            assert row["codes"] == ",".join(f.code for f in bid.flags)
            assert row["failing"] == ",".join(f.code for f in bid.failing)
            assert (row["verdict"], row["passes"]) == (bid.verdict, bid.passes)


def test_full_mode_still_equals_analyze_case_by_case(many):
    full = bidfit.analyze_many(many[:60])
    for analysis, case in zip(full, many[:60], strict=True):
        alone = bidfit.analyze(case)
        for name, bid in analysis.bids.items():
            assert bid.flags == alone.bids[name].flags
            assert bid.npv == alone.bids[name].npv and bid.max_annual_fee == alone.bids[name].max_annual_fee


def test_stacked_flows_equal_each_bids_flows_bit_for_bit(many):
    stacked = build_stacked(many)
    row = 0
    for case in many:
        for flows in build_cashflows(case).values():
            n = flows.years.size
            for name in (
                "benefits",
                "revenue_pool",
                "one_time_costs",
                "recurring_costs",
                "linked_fees",
                "costs",
            ):
                np.testing.assert_array_equal(
                    getattr(stacked, name)[row, :n], getattr(flows, name), err_msg=name
                )
                assert not getattr(stacked, name)[row, n:].any()
            row += 1
    assert row == stacked.case_of_row.size


@settings(max_examples=30, deadline=None)
@given(st.lists(single_bid_cases(), min_size=1, max_size=5))
def test_random_summaries_match_the_full_ones(case_list):
    full = bidfit.analyze_many(case_list).summary
    pd.testing.assert_frame_equal(
        bidfit.analyze_many(case_list, keep="summary").summary, full, check_exact=True
    )


def test_zero_costs_and_negative_npv_corners():
    corners = [
        make_case(costs=[{"name": "Free", "kind": "one_time", "amount": 0}]),
        make_case(costs=[{"name": "Fee", "kind": "recurring", "amount": 150}]),  # every year a loss
        make_case(costs=[{"name": "Kit", "kind": "one_time", "amount": 1e6}]),
        make_case(
            bids=[
                {"name": "A", "costs": [{"name": "Kit", "kind": "one_time", "amount": 100}]},
                {"name": "B", "costs": [{"name": "Kit", "kind": "one_time", "amount": 100}]},
                {"name": "C", "costs": [{"name": "Kit", "kind": "one_time", "amount": 90}]},
            ]
        ),
    ]
    full = bidfit.analyze_many(corners)
    quick = bidfit.analyze_many(corners, keep="summary").summary
    pd.testing.assert_frame_equal(quick, full.summary, check_exact=True)
    assert quick.loc[(1, "A"), "verdict"] == "worse_off"
    assert quick.loc[(1, "A"), "codes"].startswith("RUNNING_COST_EXCEEDS_REVENUE")
    assert quick.loc[(3, "A"), "codes"] == quick.loc[(3, "B"), "codes"]
    assert "DOMINATED" in quick.loc[(3, "A"), "codes"] and "DOMINATED" not in quick.loc[(3, "C"), "codes"]


def test_summary_mode_refuses_what_the_full_mode_refuses():
    good = make_case()
    wild = make_case(name="Wild", horizon_years=100, revenue=[{"name": "S", "annual_amount": 1}])
    wild.revenue[0] = wild.revenue[0].model_copy(update={"growth": 1e4})  # unvalidated, as a change can be
    for keep in ("full", "summary"):
        with pytest.raises(bidfit.InputError) as caught:
            bidfit.analyze_many([good, wild, good], keep=keep)
        (problem,) = caught.value.problems
        assert (problem.file, problem.where) == ("cases[1] (Wild)", "revenue['S'].growth")


def test_case_ids_given_or_positions(many):
    paths = [f"deals/{i:04d}.yaml" for i in range(len(many))]
    named = bidfit.analyze_many(many, ids=paths, keep="summary")
    assert named.case_ids == tuple(paths)
    assert named.summary.index.names == ["case_id", "bid"]
    assert named.summary.index.get_level_values("case_id")[0] == "deals/0000.yaml"
    assert bidfit.analyze_many(many[:3]).case_ids == (0, 1, 2)
    assert bidfit.analyze_many([]).summary.empty and len(bidfit.analyze_many([], keep="summary")) == 0
    with pytest.raises(ValueError, match="one id per case: 2 ids for 3 cases"):
        bidfit.analyze_many(many[:3], ids=["a", "b"])
    with pytest.raises(ValueError, match="ids must be unique"):
        bidfit.analyze_many(many[:3], ids=["a", "b", "a"], keep="summary")
    with pytest.raises(ValueError, match="keep must be 'full' or 'summary', not 'all'"):
        bidfit.analyze_many(many[:3], keep="all")


def test_concatenated_parts_equal_the_one_shot_portfolio(many):
    ids = [f"c{i}" for i in range(len(many))]
    one_shot = bidfit.analyze_many(many, ids=ids, keep="summary").summary
    changes = np.array([c for case in many for c in sign_changes(case)])
    for step in (1, 7, 150):
        parts = [
            bidfit.analyze_many(many[i : i + step], ids=ids[i : i + step], keep="summary")
            for i in range(0, len(many), step)
        ]
        joined = Portfolio.concat(parts).summary
        # Every column bit for bit but the IRR, which is bit for bit where the flows change sign at
        # most once; with several changes it is solved in batches, equal to the last bits.
        pd.testing.assert_frame_equal(
            joined.drop(columns="irr"), one_shot.drop(columns="irr"), check_exact=True
        )
        simple = changes <= 1
        np.testing.assert_array_equal(joined["irr"].to_numpy()[simple], one_shot["irr"].to_numpy()[simple])
        np.testing.assert_allclose(joined["irr"], one_shot["irr"], rtol=1e-12, atol=1e-15)
    full_parts = [
        bidfit.analyze_many(many[i : i + 100], ids=ids[i : i + 100]) for i in range(0, len(many), 100)
    ]
    joined_full = Portfolio.concat(full_parts)
    assert joined_full.keep == "full" and len(joined_full.analyses) == len(many)
    mixed = Portfolio.concat([full_parts[0], bidfit.analyze_many(many[100:], ids=ids[100:], keep="summary")])
    assert mixed.keep == "summary"
    pd.testing.assert_frame_equal(mixed.summary, one_shot, check_exact=False, rtol=1e-12)


def test_concatenating_parts_with_default_ids_is_refused(many):
    parts = [bidfit.analyze_many(many[:2]), bidfit.analyze_many(many[2:4])]
    with pytest.raises(ValueError, match="case id 0 occurs more than once"):
        Portfolio.concat(parts)


def test_a_summary_portfolio_displays_like_the_full_one():
    cases = [bidfit.load_sample(n) for n in bidfit.sample_names()]
    assert repr(bidfit.analyze_many(cases, keep="summary")) == repr(bidfit.analyze_many(cases))


def test_summary_memory_stays_under_10_kb_a_case():
    cases = generated_cases(3000, seed=5)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        portfolio = bidfit.analyze_many(cases, keep="summary")
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    assert len(portfolio.summary) > 6000
    assert peak / len(cases) < 10_000, f"{peak / len(cases):.0f} bytes a case"


# --------------------------------------------------------------------------
# bidfit check --jobs N
# --------------------------------------------------------------------------


def _write_folder(folder: Path, n: int) -> None:
    """``n`` small case files (most pass, some fail) and one invalid file."""
    rng = np.random.default_rng(3)
    for i in range(n):
        case = make_case(
            name=f"Deal {i}",
            horizon_years=int(rng.integers(3, 8)),
            revenue=[{"name": "Sales", "annual_amount": float(rng.uniform(80, 120))}],
            bids=[
                {
                    "name": "A",
                    "costs": [{"name": "Kit", "kind": "one_time", "amount": float(rng.uniform(50, 150))}],
                },
                {
                    "name": "B",
                    "costs": [{"name": "Fee", "kind": "recurring", "amount": float(rng.uniform(20, 110))}],
                },
            ],
        )
        (folder / f"deal{i:03d}.json").write_text(case.model_dump_json(exclude_none=True), encoding="utf-8")
    (folder / "zz_broken.yaml").write_text("name: [\n", encoding="utf-8")


def _check(folder: Path, *options: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "bidfit", "check", str(folder), "--format", "json", *options]
    return subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)


def test_check_in_two_processes_gives_the_same_report(tmp_path):
    _write_folder(tmp_path, 70)  # three groups of files
    one = _check(tmp_path, "--jobs", "1")
    two = _check(tmp_path, "--jobs", "2")
    assert one.returncode == two.returncode == 2  # the broken file
    assert one.stdout == two.stdout and one.stderr == two.stderr
    report = json.loads(two.stdout)
    assert len(report["results"]) == 140 and len(report["files"]) == 71
    assert not report["passed"] and any(not r["passed"] for r in report["results"])
    assert "zz_broken.yaml" in two.stderr


@pytest.mark.parametrize("jobs", ["0", "-1", "two"])
def test_check_refuses_a_bad_number_of_jobs(tmp_path, jobs):
    ran = _check(tmp_path, f"--jobs={jobs}")
    assert ran.returncode == 2 and ran.stdout == ""
    assert f"argument --jobs: expected a whole number of processes >= 1, found '{jobs}'" in ran.stderr


def test_check_refuses_a_bad_number_of_jobs_in_python():
    with pytest.raises(ValueError, match="jobs must be a whole number of processes >= 1, not 0"):
        bidfit.check(bidfit.sample_path("norway_roaming"), jobs=0)
