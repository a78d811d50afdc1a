"""analyze_many: the stacked portfolio path gives exactly what analyze gives case by case."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bidfit
from conftest import make_case
from test_analysis import cases

FIGURES = [
    "npv",
    "irr",
    "payback_years",
    "discounted_payback_years",
    "pv_benefits",
    "pv_costs",
    "max_one_time_price",
    "max_annual_fee",
    "benefit_headroom",
]


def same(a, b):
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-9)


def assert_same(portfolio, case_list):
    assert len(portfolio) == len(case_list)
    for analysis, case in zip(portfolio, case_list, strict=True):
        alone = bidfit.analyze(case)
        for name, result in analysis.bids.items():
            for figure in FIGURES:
                assert same(getattr(result, figure), getattr(alone.bids[name], figure)), (name, figure)
            assert result.flags == alone.bids[name].flags


def test_samples_with_different_horizons():
    case_list = [bidfit.load_sample(n) for n in bidfit.sample_names()]
    assert {c.horizon_years for c in case_list} == {3, 5, 10}
    portfolio = bidfit.analyze_many(case_list)
    assert_same(portfolio, case_list)
    summary = portfolio.summary
    assert summary.shape[0] == 8
    assert summary.loc[(1, "Vendor A"), "verdict"] == "worse_off"
    assert summary.loc[(1, "Vendor A"), "case"] == "Norway long-tail signalling"
    assert portfolio.verdict_counts == {"better_off": 5, "at_risk": 1, "worse_off": 2}
    assert summary["passes"].tolist().count(False) == 3


@settings(max_examples=25, deadline=None)
@given(st.lists(cases(), min_size=1, max_size=6))
def test_random_portfolios_match_case_by_case(case_list):
    assert_same(bidfit.analyze_many(case_list), case_list)


def test_an_inconsistent_case_is_named():
    good = make_case()
    bad = make_case(revenue=[{"name": "S", "annual_amount": 1}], bids=[{"name": "A", "scope": ["S"]}])
    bad.revenue[0].name = "Renamed"
    with pytest.raises(bidfit.InputError, match=r"cases\[1\] \(Test\): bids\['A'\].scope"):
        bidfit.analyze_many([good, bad])


def test_empty_portfolio():
    empty = bidfit.analyze_many([])
    assert len(empty) == 0 and empty.summary.empty


def test_summary_codes_and_case_ids():
    case_list = [bidfit.load_sample(n) for n in bidfit.sample_names()]
    portfolio = bidfit.analyze_many(case_list, ids=["a.yaml", "b.yaml", "c.yaml"])
    summary = portfolio.summary
    assert summary.index.names == ["case_id", "bid"]
    assert summary.loc[("b.yaml", "Vendor A"), "codes"].split(",")[:2] == [
        "RUNNING_COST_EXCEEDS_REVENUE",
        "NEGATIVE_NPV",
    ]
    assert summary.loc[("b.yaml", "Vendor A"), "failing"] == ",".join(
        f.code for f in portfolio.analyses[1].bids["Vendor A"].failing
    )
    assert summary.loc[("b.yaml", "Competitor B"), "failing"] == ""
    assert list(summary.columns[:3]) == ["case", "currency", "vendor"]


@settings(max_examples=20, deadline=None)
@given(st.lists(cases(), min_size=1, max_size=6))
def test_random_portfolios_summary_mode_matches(case_list):
    full = bidfit.analyze_many(case_list).summary
    assert bidfit.analyze_many(case_list, keep="summary").summary.equals(full)
