"""Tests of the finance kernel against published values, hand calculations and invariants."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import numpy_financial as npf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bidfit import finance
from strategies import (
    any_flows,
    conventional_flows,
    flow_matrices,
    powers_of_two,
    rates,
)

FINANCE_PY = Path(__file__).resolve().parents[1] / "src" / "bidfit" / "kernel" / "finance.py"


def npv_at_root_tolerance(rate: float, flows: np.ndarray) -> float:
    """How far from 0 ``npv(rate, flows)`` may be when ``rate`` is a root.

    Relative to the size of the discounted terms, plus what the rounding of
    ``rate`` itself moves the NPV: ``|d npv / d r| * ulp(r)``, which grows as
    ``1 + r`` approaches 0 (1 + r is then known to fewer significant digits).
    """
    t = np.arange(flows.size)
    terms = np.abs(flows) * (1.0 + rate) ** -t
    slope = (t * terms).sum() / (1.0 + rate)
    return 1e-9 * terms.sum() + 1e-9 * slope * max(1.0, abs(rate))


# ---------------------------------------------------------------- references


def test_npv_against_excel_docs():
    # Microsoft Support, "NPV function", examples. Excel's NPV() discounts its
    # first value by a full year; bidfit's npv() does not discount year 0, so
    # NPV_excel(r, v1..vk) == npv(r, [0, v1..vk]) and
    # c0 + NPV_excel(r, c1..cn) == npv(r, [c0, c1..cn]).
    # Example 1: 10 %; a cost of 10,000 one year from today, then 3,000,
    # 4,200 and 6,800 -> 1,188.44.
    assert finance.npv(0.10, [0, -10_000, 3_000, 4_200, 6_800]) == pytest.approx(1_188.44, abs=5e-3)
    # Example 2: 8 %; an initial investment of 40,000 at the start of the
    # period, then returns 8,000, 9,200, 10,000, 12,000, 14,500:
    # NPV(8%, returns) + initial = 1,922.06 ...
    flows = [-40_000, 8_000, 9_200, 10_000, 12_000, 14_500]
    assert finance.npv(0.08, flows) == pytest.approx(1_922.06, abs=5e-3)
    # ... and with a loss of 9,000 in the sixth year: (3,749.47).
    assert finance.npv(0.08, [*flows, -9_000]) == pytest.approx(-3_749.47, abs=5e-3)


def test_irr_against_excel_docs():
    # Microsoft Support, "IRR function", example: a business costing 70,000
    # with net incomes 12,000, 15,000, 18,000, 21,000 and 26,000 over five years.
    flows = [-70_000, 12_000, 15_000, 18_000, 21_000, 26_000]
    assert finance.irr(flows) == pytest.approx(0.0866, abs=5e-5)  # after five years: 8.66 %
    assert finance.irr(flows[:5]) == pytest.approx(-0.0212, abs=5e-5)  # after four: -2.12 %
    assert finance.irr(flows[:3]) == pytest.approx(-0.444, abs=5e-4)  # after two: -44.4 %


def test_npv_against_other_published_spreadsheet_references():
    # MESCIUS SPREAD formula reference, NPV: NPV(6.5%, -10000, 3000, 3400, 7700) = $2,055.38.
    assert finance.npv(0.065, [0, -10_000, 3_000, 3_400, 7_700]) == pytest.approx(2_055.38, abs=5e-3)
    # Adobe LiveCycle Designer FormCalc reference, NPV: NPV(0.10, 500, 1500, 4000, 10000)
    # = 11529.60863329007 and NPV(0.065, 5000) = 4694.83568075117 (values discounted from year 1).
    assert finance.npv(0.10, [0, 500, 1_500, 4_000, 10_000]) == pytest.approx(11_529.60863329007, rel=1e-13)
    assert finance.npv(0.065, [0, 5_000]) == pytest.approx(4_694.83568075117, rel=1e-13)


def test_irr_against_valq_docs():
    # ValQ formula reference, IRR: an investment of 10,000 then 4,000 a year for four years -> 21.86 %.
    assert finance.irr([-10_000, 4_000, 4_000, 4_000, 4_000]) == pytest.approx(0.2186, abs=5e-5)


def test_irr_by_hand():
    # -100 + 110 / (1 + r) = 0  ->  r = 0.10
    assert finance.irr([-100, 110]) == pytest.approx(0.10, abs=1e-12)
    # -100 + 121 / (1 + r)**2 = 0  ->  (1 + r)**2 = 1.21  ->  r = 0.10
    assert finance.irr([-100, 0, 121]) == pytest.approx(0.10, abs=1e-12)
    # A loan: receive 100, repay 110 a year later: the same 10 %.
    assert finance.irr([100, -110]) == pytest.approx(0.10, abs=1e-12)


def test_npv_by_hand():
    # -100 + 60 / 1.1 + 60 / 1.21 = -100 + 54.5454... + 49.5867... = 4.1322...
    assert finance.npv(0.1, [-100, 60, 60]) == pytest.approx(4.132231404958, abs=1e-9)
    assert finance.npv(0.0, [-100, 60, 60]) == 20.0


def test_discount_factors_by_hand():
    np.testing.assert_allclose(finance.discount_factors(0.1, 3), [1, 1 / 1.1, 1 / 1.21, 1 / 1.331])
    both = finance.discount_factors([0.0, 1.0], 2)
    np.testing.assert_allclose(both, [[1, 1, 1], [1, 0.5, 0.25]])
    assert finance.discount_factors(0.05, 0).tolist() == [1.0]


# ---------------------------------------------------------------- payback


def test_payback_by_hand():
    # cumulative -100, -70, -30, 20: crosses in year 3, 30 of its 50 needed.
    assert finance.payback([-100, 30, 40, 50]) == pytest.approx(2 + 30 / 50)
    # cumulative -100, -50, 0: non-negative from year 2 exactly.
    assert finance.payback([-100, 50, 50]) == pytest.approx(2.0)


def test_payback_never():
    # cumulative -100, -90, -80, -70: still negative at the horizon.
    assert math.isnan(finance.payback([-100, 10, 10, 10]))
    # recovers, then an upgrade at the last year puts it below zero again.
    assert math.isnan(finance.payback([-100, 80, 80, -100]))


def test_payback_counts_the_last_crossing():
    # cumulative -100, 50, -50, 50: positive in year 1, negative again in
    # year 2 (a re-investment), for good from year 3: 2 + 50/100, not 100/150.
    assert finance.payback([-100, 150, -100, 100]) == pytest.approx(2.5)


def test_payback_is_the_last_crossing_not_the_first_undiscounted_and_discounted():
    # cumulative -100, 50, -50, 30: non-negative in year 1 (first crossing 0 + 100/150),
    # out of pocket again in year 2, for good from year 3: 2 + 50/80.
    assert finance.payback([-100, 150, -100, 80]) == pytest.approx(2 + 50 / 80, abs=1e-12)
    # At 10 %, flows -100, 165, -121, 133.1 discount to -100, 150, -100, 100:
    # cumulative -100, 50, -50, 50, so the discounted payback is 2 + 50/100, not 100/150.
    assert finance.discounted_payback(0.10, [-100, 165, -121, 133.1]) == pytest.approx(2.5, abs=1e-12)
    # The same series with its dip at the horizon never pays back for good.
    assert math.isnan(finance.payback([-100, 150, -100]))


def test_payback_zero_when_never_negative():
    assert finance.payback([0, 10, 10]) == 0.0
    assert finance.payback([5, -3, 1]) == 0.0  # cumulative 5, 2, 3
    assert finance.payback([7.0]) == 0.0


def test_discounted_payback_by_hand():
    # At 10 %: factors 1, 1/1.1, 1/1.21, 1/1.331. Discounted flows
    # -1000, 454.545..., 413.223..., 375.657...; cumulative -1000, -545.45...,
    # -132.23..., 243.43...: payback 2 + 132.23... / 375.657... and,
    # multiplying through by 1.331, (1331 - 605 - 550) / 500 = 0.352.
    flows = [-1000, 500, 500, 500]
    assert finance.discounted_payback(0.10, flows) == pytest.approx(2.352, abs=1e-12)
    assert finance.payback(flows) == pytest.approx(2.0)  # undiscounted: 1 + 500/500
    # At 30 % it never pays back: 500/1.3 + 500/1.69 + 500/2.197 = 908.1 < 1000.
    assert math.isnan(finance.discounted_payback(0.30, flows))


def test_discounted_payback_rate_per_row():
    flows = np.array([[-1000, 500, 500, 500], [-1000, 500, 500, 500]])
    got = finance.discounted_payback([0.0, 0.10], flows)
    np.testing.assert_allclose(got, [2.0, 2.352])


def test_payback_2d_matches_1d():
    flows = np.array([[-100, 30, 40, 50], [-100, 10, 10, 10], [-100, 150, -100, 100], [5, -3, 1, 0]])
    got = finance.payback(flows)
    np.testing.assert_array_equal(got, [finance.payback(row) for row in flows])
    np.testing.assert_allclose(got, [2.6, np.nan, 2.5, 0.0])


# ---------------------------------------------------------------- IRR edge cases


@pytest.mark.parametrize(
    "flows",
    [
        [100, 50, 10],  # all positive
        [-100, -50, -10],  # all negative
        [0, 0, 0],  # all zero
        [-100],  # a single year
        [0, 0, 5],  # one non-zero flow
        [1, -3, 3],  # two sign changes, but 1 - 3x + 3x**2 has no real root
    ],
)
def test_irr_nan_when_no_root(flows):
    assert math.isnan(finance.irr(flows))


@pytest.mark.parametrize(
    ("flows", "expected"),
    [
        # -1 + 5x - 6x**2 = -(2x - 1)(3x - 1): x = 1/2, 1/3 -> r = 1, 2 -> 1.
        ([-1, 5, -6], 1.0),
        # -1 + 9x - 26x**2 + 24x**3 = (2x - 1)(3x - 1)(4x - 1): r = 1, 2, 3 -> 1.
        ([-1, 9, -26, 24], 1.0),
        # -2 + 11x - 17x**2 + 6x**3 = (x - 2)(2x - 1)(3x - 1): r = -0.5, 1, 2 -> -0.5.
        ([-2, 11, -17, 6], -0.5),
        # 1.6 - 2.8x + x**2 = (x - 2)(x - 0.8): r = -0.5, 0.25 -> 0.25.
        ([1.6, -2.8, 1.0], 0.25),
        # 0.625 - 1.75x + x**2 = (x - 1.25)(x - 0.5): r = -0.2, 1 -> -0.2.
        ([0.625, -1.75, 1.0], -0.2),
        # 1 - 2x + x**2 = (x - 1)**2 touches zero at r = 0 (on the scan grid).
        ([1, -2, 1], 0.0),
    ],
)
def test_irr_several_roots_closest_to_zero(flows, expected):
    assert finance.irr(flows) == pytest.approx(expected, abs=1e-10)


def test_irr_2d_matches_1d_rows():
    flows = np.array(
        [
            [-100, 30, 40, 50],
            [-1, 5, -6, 0],
            [100, 50, 10, 0],
            [0, 0, 0, 0],
            [-100, 0, 0, 121],
            [1.6, -2.8, 1.0, 0],
        ]
    )
    got = finance.irr(flows)
    assert got.shape == (6,)
    expected = [finance.irr(row) for row in flows]
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-14, equal_nan=True)
    assert np.isnan(got[2:4]).all()


def test_npv_rate_per_row():
    flows = np.array([[-100, 60, 60], [-100, 0, 121], [-100, 60, 60]])
    got = finance.npv([0.0, 0.1, 0.1], flows)
    assert got.shape == (3,)
    expected = [finance.npv(r, row) for r, row in zip([0.0, 0.1, 0.1], flows, strict=True)]
    np.testing.assert_allclose(got, expected, rtol=1e-15, atol=1e-12)
    np.testing.assert_allclose(got, [20.0, 0.0, 4.132231404958], atol=1e-9)


def test_npv_scalar_rate_2d_is_a_matrix_product():
    flows = np.arange(12.0).reshape(4, 3) - 5
    np.testing.assert_allclose(finance.npv(0.07, flows), flows @ finance.discount_factors(0.07, 2))


def test_irr_extreme_rates():
    # -1e7 + 0.01 / (1 + r) = 0  ->  1 + r = 1e-9
    assert finance.irr([-1e7, 0.01]) == pytest.approx(-1 + 1e-9, abs=1e-15)
    # -0.01 + 1e7 / (1 + r) = 0  ->  1 + r = 1e9
    assert finance.irr([-0.01, 1e7]) == pytest.approx(1e9 - 1, rel=1e-12)
    # 1 + r = 1e-20 is beyond float64: -1 + 1e-20 == -1.0, which is not > -1.
    assert math.isnan(finance.irr([-1e10, 1e-10]))


def test_inputs_are_not_modified():
    for flows in (np.array([1.0, -1.0]), np.array([[-100.0, 60.0, 60.0], [1.0, -3.0, 2.0]])):
        before = flows.copy()
        finance.npv(0.1, flows)
        finance.irr(flows)
        finance.payback(flows)
        finance.discounted_payback(0.1, flows)
        np.testing.assert_array_equal(flows, before)


def test_result_types():
    assert isinstance(finance.npv(0.1, [-1, 2]), float)
    assert isinstance(finance.irr([-1, 2]), float)
    assert isinstance(finance.payback([-1, 2]), float)
    assert isinstance(finance.discounted_payback(0.1, [-1, 2]), float)
    assert finance.irr(np.empty((0, 5))).shape == (0,)
    assert finance.payback(np.empty((0, 5))).shape == (0,)


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize("rate", [-1.0, -1.5, float("nan"), float("inf")])
def test_bad_rate_raises(rate):
    with pytest.raises(ValueError, match=r"greater than -1 .*found"):
        finance.npv(rate, [-100, 60, 60])
    with pytest.raises(ValueError, match="greater than -1"):
        finance.discounted_payback(rate, [-100, 60, 60])
    with pytest.raises(ValueError, match="greater than -1"):
        finance.discount_factors(rate, 3)


def test_bad_rate_message_names_value_and_row():
    with pytest.raises(ValueError, match=r"found -1\.5 at row 1"):
        finance.npv([0.1, -1.5], [[-100, 60], [-100, 60]])
    with pytest.raises(ValueError, match=r"found -2\.0$"):
        finance.npv(-2, [-100, 60])


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_non_finite_flows_raise(bad):
    flows = [-100, 60, bad]
    for call in (
        lambda: finance.npv(0.1, flows),
        lambda: finance.irr(flows),
        lambda: finance.payback(flows),
        lambda: finance.discounted_payback(0.1, flows),
    ):
        with pytest.raises(ValueError, match=rf"finite numbers .*found {bad} at year 2"):
            call()
    with pytest.raises(ValueError, match="at year 1 of row 1"):
        finance.irr([[-100, 60], [-100, bad]])


def test_bad_shapes_raise():
    with pytest.raises(ValueError, match=r"found an array of shape \(2, 2, 2\)"):
        finance.npv(0.1, np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="at least one year"):
        finance.irr([])
    with pytest.raises(ValueError, match=r"array of 2 rates, one per series .*shape \(3,\)"):
        finance.npv([0.1, 0.2, 0.3], [[-100, 60], [-100, 60]])
    with pytest.raises(ValueError, match="must be a scalar for a single series"):
        finance.npv([0.1, 0.2], [-100, 60])
    with pytest.raises(ValueError, match="n_years must be an integer >= 0"):
        finance.discount_factors(0.1, -1)
    with pytest.raises(ValueError, match="n_years must be an integer >= 0"):
        finance.discount_factors(0.1, 2.5)  # type: ignore[arg-type]


def test_finance_imports_only_numpy():
    # The package must start fast: the kernel pulls in numpy and nothing heavy.
    code = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('kernel', {str(FINANCE_PY)!r})\n"
        "module = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(module)\n"
        "heavy = {'pandas', 'scipy', 'numpy_financial', 'pyxirr', 'matplotlib'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


# ---------------------------------------------------------------- properties


@settings(max_examples=300, deadline=None)
@given(any_flows())
def test_npv_at_irr_is_zero(flows):
    rate = finance.irr(flows)
    if math.isnan(rate):
        return
    assert rate > -1.0
    assert abs(finance.npv(rate, flows)) <= npv_at_root_tolerance(rate, flows)


@settings(max_examples=300, deadline=None)
@given(conventional_flows())
def test_irr_agrees_with_numpy_financial(flows):
    expected, ours = npf.irr(flows), finance.irr(flows)
    if ours == pytest.approx(expected, rel=1e-8, abs=1e-8):
        return
    # Where they differ (a root in the millions: [-0.01, 41620.62, 0, 0, 0, 0, 2314.51, 0.01] has
    # its root at 4,162,061 to 15 digits; numpy-financial's eigenvalues give 4,162,061.0426),
    # bidfit's root must be the better one: its NPV no further from zero.
    assert abs(finance.npv(ours, flows)) <= abs(finance.npv(expected, flows))


@settings(deadline=None)
@given(conventional_flows(), rates(), rates())
def test_npv_falls_as_rate_rises(flows, r1, r2):
    low, high = sorted((r1, r2))
    scale = np.abs(flows) @ finance.discount_factors(low, flows.size - 1)
    assert finance.npv(high, flows) <= finance.npv(low, flows) + 1e-12 * scale


@settings(deadline=None)
@given(any_flows(), rates(), st.floats(1e-3, 1e3))
def test_scaling_scales_npv(flows, rate, k):
    scale = np.abs(flows) @ finance.discount_factors(rate, flows.size - 1)
    assert finance.npv(rate, k * flows) == pytest.approx(k * finance.npv(rate, flows), abs=1e-12 * k * scale)


@settings(deadline=None)
@given(conventional_flows(), st.floats(1e-3, 1e3))
def test_scaling_leaves_irr_of_conventional_flows(flows, k):
    assert finance.irr(k * flows) == pytest.approx(finance.irr(flows), rel=1e-9, abs=1e-12)


# Scaling by a power of two is exact in binary floating point, so the
# cumulative sums (and every NPV sign on the IRR scan grid) are scaled exactly
# and payback, which jumps where a cumulative sits at zero, must not move.
@settings(deadline=None)
@given(any_flows(), powers_of_two(), rates())
def test_scaling_leaves_irr_and_payback(flows, k, rate):
    np.testing.assert_allclose(
        finance.irr(k * flows), finance.irr(flows), rtol=1e-9, atol=1e-12, equal_nan=True
    )
    np.testing.assert_array_equal(finance.payback(k * flows), finance.payback(flows))
    np.testing.assert_array_equal(
        finance.discounted_payback(rate, k * flows), finance.discounted_payback(rate, flows)
    )


@settings(deadline=None)
@given(flow_matrices())
def test_irr_2d_equals_1d_per_row(flows):
    got = finance.irr(flows)
    expected = [finance.irr(row) for row in flows]
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12, equal_nan=True)


@settings(deadline=None)
@given(flow_matrices(), st.data())
def test_npv_and_payback_2d_equal_1d_per_row(flows, data):
    row_rates = np.array(data.draw(st.lists(rates(), min_size=len(flows), max_size=len(flows))))
    np.testing.assert_allclose(
        finance.npv(row_rates, flows),
        [finance.npv(r, row) for r, row in zip(row_rates, flows, strict=True)],
        rtol=1e-12,
        atol=1e-6,
    )
    np.testing.assert_array_equal(finance.payback(flows), [finance.payback(row) for row in flows])
    np.testing.assert_array_equal(
        finance.discounted_payback(row_rates, flows),
        [finance.discounted_payback(r, row) for r, row in zip(row_rates, flows, strict=True)],
    )


@settings(deadline=None)
@given(any_flows())
def test_payback_definition(flows):
    # Straight from the definition, one year at a time.
    years = finance.payback(flows)
    cumulative = np.cumsum(flows)
    if cumulative[-1] < 0:
        assert math.isnan(years)
    elif (cumulative >= 0).all():
        assert years == 0.0
    else:
        last = int(np.flatnonzero(cumulative < 0)[-1])
        assert last < years <= last + 1
        assert (cumulative[last + 1 :] >= 0).all()


@settings(deadline=None)
@given(any_flows())
def test_discounted_payback_at_zero_rate_is_payback(flows):
    np.testing.assert_array_equal(finance.discounted_payback(0.0, flows), finance.payback(flows))
