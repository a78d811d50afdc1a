"""``bidfit.check``: the Python API of the review gate, the object every format is made from."""

from __future__ import annotations

import dataclasses
import importlib.util
import shutil
from pathlib import Path

import pytest

import bidfit
from bidfit import CheckResult, Policy
from bidfit.gate import FIGURES, merge_policy
from bidfit.io import find_case_files as expand_paths
from bidfit.results.analysis import HEADLINE_FIGURES

DATA = Path(__file__).parent / "data" / "check"
TREE = DATA / "tree"


def test_check_and_checkresult_are_public():
    assert "check" in bidfit.__all__ and "CheckResult" in bidfit.__all__
    assert bidfit.check is bidfit.gate.check


def test_a_passing_case_against_a_hand_calculation():
    result = bidfit.check(DATA / "passing.yaml")
    assert isinstance(result, CheckResult)
    (entry,) = result.entries
    assert (entry.file, entry.case, entry.bid, entry.vendor) == (
        str(DATA / "passing.yaml"),
        "Passing case",
        "Good deal",
        "Acme",
    )
    assert entry.verdict == "better_off" and entry.passed and entry.failures == ()
    # Hand calculation: 500k revenue less 60k maintenance a year for years 1..5 at 8%,
    # less 600k in year 0 (undiscounted). Annuity factor (1 - 1.08**-5) / 0.08 = 3.99271.
    annuity = (1 - 1.08**-5) / 0.08
    assert entry.figures["npv"] == pytest.approx(440_000 * annuity - 600_000, rel=1e-12)
    assert entry.figures["pv_costs"] == pytest.approx(600_000 + 60_000 * annuity, rel=1e-12)
    assert entry.figures["payback_years"] == pytest.approx(1 + 160_000 / 440_000)
    assert list(entry.figures) == list(FIGURES)
    assert result.exit_code == 0 and result.passed and result.status == "passed"
    assert entry.what_it_takes is None and entry.what_it_takes_sentence is None  # passes: nothing to take


def test_a_failing_case_fails_with_the_findings_that_fail_it():
    result = bidfit.check(str(DATA / "failing.yaml"))
    overpriced, lean = result.entries
    assert overpriced.verdict == "worse_off" and not overpriced.passed
    assert [f.code for f in overpriced.failures] == [
        "RUNNING_COST_EXCEEDS_REVENUE",
        "NEGATIVE_NPV",
        "NO_PAYBACK",
    ]
    assert all(f.severity == "error" for f in overpriced.failures)
    assert "DOMINATED" in [f.code for f in overpriced.flags]  # info: reported, never failing
    assert lean.passed and lean.verdict == "better_off"
    assert result.failed == (overpriced,)
    assert result.exit_code == 1 and result.status == "failed" and not result.passed


def test_entries_agree_with_analyze():
    result = bidfit.check(bidfit.sample_path("norway_roaming"))
    analysis = bidfit.analyze(bidfit.load_sample("norway_roaming"))
    for entry in result.entries:
        bid = analysis.bids[entry.bid]
        assert entry.verdict == bid.verdict and entry.flags == bid.flags
        assert {name: entry.figures[name] for name in HEADLINE_FIGURES} == {
            name: getattr(bid, name) for name in HEADLINE_FIGURES
        }
        assert (entry.figures["ceiling_price"], entry.figures["ceiling_fee"]) == (
            bid.ceiling.price,
            bid.ceiling.fee,
        )
        room = bid.deal_room
        assert (entry.figures["floor_price"], entry.figures["floor_fee"], entry.figures["vendor_margin"]) == (
            (None, None, None) if room is None else (room.floor_price, room.floor_fee, room.vendor_margin)
        )


def test_fail_on_warning_fails_an_at_risk_bid():
    assert bidfit.check(DATA / "at_risk.yaml").exit_code == 0
    result = bidfit.check(DATA / "at_risk.yaml", fail_on="warning")
    (entry,) = result.entries
    assert entry.verdict == "at_risk" and not entry.passed
    assert [f.code for f in entry.failures] == ["THIN_MARGIN"]  # MISSING_SOURCE is info: not a failure
    assert result.exit_code == 1 and result.fail_on == "warning"


def test_fail_on_must_be_error_or_warning():
    with pytest.raises(ValueError, match="fail_on must be one of error, warning"):
        bidfit.check(DATA / "passing.yaml", fail_on="info")  # type: ignore[arg-type]


def test_a_policy_object_overrides_only_the_fields_it_sets():
    policy = Policy(severity={"THIN_MARGIN": "error"})
    result = bidfit.check(DATA / "at_risk.yaml", policy=policy)
    (entry,) = result.entries
    assert entry.verdict == "at_risk" and [f.code for f in entry.failures] == ["THIN_MARGIN"]
    assert not entry.passed
    assert result.policy is policy
    # The case's own policy (sample: payback within 5 years) stays in force for keys not set.
    fixed = bidfit.check(bidfit.sample_path("fixed_broadband"), policy=policy)
    assert not fixed.passed and "PAYBACK_TOO_LONG" in [f.code for e in fixed.failed for f in e.failures]


def test_invalid_inputs_exit_2_and_the_other_files_are_still_checked():
    result = bidfit.check([DATA / "invalid.yaml", DATA / "failing.yaml", DATA / "malformed.yaml"])
    assert result.exit_code == 2 and result.status == "invalid" and not result.passed
    assert result.files == tuple(str(DATA / n) for n in ("invalid.yaml", "failing.yaml", "malformed.yaml"))
    assert result.invalid_files == (str(DATA / "invalid.yaml"), str(DATA / "malformed.yaml"))
    assert [e.bid for e in result.entries] == ["Overpriced", "Lean"]
    invalid = result.problems[str(DATA / "invalid.yaml")]
    assert [p.where for p in invalid] == ["horizon_years", "discount_rate", "revenue['Sales'].annual_amount"]
    assert all(p.file == str(DATA / "invalid.yaml") for p in invalid)
    (syntax,) = result.problems[str(DATA / "malformed.yaml")]
    assert syntax.where == "line 6, column 5" and syntax.code == "syntax"


def test_folders_are_searched_recursively_in_sorted_order_skipping_hidden_ones():
    result = bidfit.check(TREE)
    assert result.files == (
        str(TREE / "region-a" / "at_risk.yml"),
        str(TREE / "region-a" / "passing.yaml"),
        str(TREE / "region-b" / "deeper" / "failing.json"),
    )
    assert [e.bid for e in result.entries] == ["Tight deal", "Good deal", "Overpriced", "Lean"]
    assert result.exit_code == 1 and not result.problems


def test_folder_contents_are_sorted_by_path(tmp_path):
    for name in ("z.yaml", "b/x.json", "b/a/y.yml", "a.yaml", "B.yaml"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(DATA / "passing.yaml", tmp_path / name)
    found = [p.relative_to(tmp_path).as_posix() for p in expand_paths(tmp_path)]
    assert found == ["B.yaml", "a.yaml", "b/a/y.yml", "b/x.json", "z.yaml"]


def test_a_file_reached_twice_is_checked_once():
    files = expand_paths([TREE / "region-a", TREE / "region-a" / "passing.yaml", TREE])
    assert files == [
        TREE / "region-a" / "at_risk.yml",
        TREE / "region-a" / "passing.yaml",
        TREE / "region-b" / "deeper" / "failing.json",
    ]


def test_missing_paths_empty_folders_and_unknown_types_are_input_problems(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "notes.txt").write_text("not a case\n")
    result = bidfit.check(
        [tmp_path / "nope.yaml", tmp_path / "empty", tmp_path / "notes.txt", DATA / "passing.yaml"]
    )
    codes = {Path(file).name: [p.code for p in problems] for file, problems in result.problems.items()}
    assert codes == {"nope.yaml": ["not_found"], "empty": ["no_cases"], "notes.txt": ["file_type"]}
    assert [e.bid for e in result.entries] == ["Good deal"] and result.exit_code == 2


def test_excel_lock_files_are_skipped(tmp_path):
    shutil.copy(DATA / "passing.yaml", tmp_path / "case.yaml")
    (tmp_path / "~$case.xlsx").write_bytes(b"lock")
    assert bidfit.check(tmp_path).files == (str(tmp_path / "case.yaml"),)


def test_checking_never_modifies_the_input(tmp_path):
    path = tmp_path / "case.yaml"
    shutil.copy(DATA / "failing.yaml", path)
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    bidfit.check(path, policy=Policy(require_source=True))
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before


def test_the_result_is_frozen():
    result = bidfit.check(DATA / "passing.yaml")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.fail_on = "warning"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.entries[0].verdict = "worse_off"  # type: ignore[misc]


def test_summary_line():
    result = bidfit.check([DATA / "failing.yaml", DATA / "malformed.yaml"])
    assert (
        result.summary_line() == "2 bids in 2 files: 1 passed, 1 failed (fail on error); 1 input file invalid"
    )


def test_workbooks_are_checked_like_text_cases(tmp_path):
    if importlib.util.find_spec("bidfit.io.xlsx.read") is None:
        # Until the Excel reader lands, a workbook is an input problem, never a crash.
        path = tmp_path / "case.xlsx"
        path.write_bytes(b"PK not really a workbook")
        result = bidfit.check(path)
        (problem,) = result.problems[str(path)]
        assert problem.code == "unsupported" and result.exit_code == 2
        return
    template = pytest.importorskip("bidfit.io.template", reason="needs the workbook template writer")
    path = tmp_path / "norway.xlsx"
    template.write_template(path, "norway_roaming")
    result = bidfit.check(tmp_path)  # found in a folder like any case file
    assert result.files == (str(path),) and not result.problems, result.problems
    assert {e.bid: e.verdict for e in result.entries} == {
        "Vendor A": "worse_off",
        "Competitor B": "better_off",
    }
    expected = bidfit.check(bidfit.sample_path("norway_roaming"))
    for got, want in zip(result.entries, expected.entries, strict=True):
        assert got.figures == pytest.approx(dict(want.figures), nan_ok=True)
    assert result.exit_code == 1


def test_a_broken_workbook_is_an_input_problem(tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK not really a workbook")
    result = bidfit.check([path, DATA / "passing.yaml"])
    assert list(result.problems) == [str(path)] and result.exit_code == 2
    assert [e.bid for e in result.entries] == ["Good deal"]


# ------------------------------------------------------------------ what it takes, deal room

ANNUITY = (1 - 1.08**-5) / 0.08  # years 1..5 at 8 %


def test_what_it_takes_for_a_failing_bid_against_a_hand_calculation():
    result = bidfit.check(DATA / "failing.yaml")
    overpriced, lean = result.entries
    assert lean.passed and lean.what_it_takes is None
    wit = overpriced.what_it_takes
    assert wit is not None and not wit.passes_now
    assert [c.lever for c in wit.changes] == ["price", "recurring_fees", "term", "scope", "benefit"]
    # Recurring fees run all year 1..5 at 380k of roaming revenue eroding 2 % a year and a 780k price:
    # NPV binds first, so the fee needed is the break-even fee (PV benefits - price) / annuity factor.
    pv_benefits = sum(380_000 * 0.98 ** (t - 1) / 1.08**t for t in range(1, 6))
    fee = wit.change("recurring_fees")
    assert fee.works and fee.now == 520_000
    assert fee.needed == pytest.approx((pv_benefits - 780_000) / ANNUITY, rel=1e-9)
    # No price works: even a free platform leaves 520k a year against at most 380k of benefits.
    assert not wit.change("price").works and pv_benefits < 520_000 * ANNUITY
    assert overpriced.what_it_takes_sentence == wit.sentence
    assert wit.sentence.startswith("To pass: recurring fees of at most EUR 171k a year (-67%).")


def test_what_it_takes_uses_the_gates_policy_and_fail_on():
    policy = Policy(max_payback_years=3)
    (entry, _) = bidfit.check(DATA / "failing.yaml", policy=policy).entries
    case = bidfit.load(DATA / "failing.yaml")
    merged = case.model_copy(update={"policy": merge_policy(case.policy, policy)})
    assert entry.what_it_takes == bidfit.what_it_takes(merged, "Overpriced", "error")
    plain = bidfit.check(DATA / "failing.yaml").entries[0].what_it_takes
    assert entry.what_it_takes.change("recurring_fees").needed < plain.change("recurring_fees").needed
    # At fail_on warning the at-risk bid fails on THIN_MARGIN, and what it takes is computed for it.
    (tight,) = bidfit.check(DATA / "at_risk.yaml", fail_on="warning").entries
    assert tight.what_it_takes == bidfit.what_it_takes(
        bidfit.load(DATA / "at_risk.yaml"), "Tight deal", "warning"
    )
    assert tight.what_it_takes.change("recurring_fees").works


def test_what_it_takes_of_a_bid_failing_only_on_what_no_lever_changes():
    (entry,) = bidfit.check(DATA / "at_risk.yaml", policy=Policy(require_source=True)).entries
    assert [f.code for f in entry.failures] == ["MISSING_SOURCE"]
    assert entry.what_it_takes is not None and entry.what_it_takes.passes_now
    assert entry.what_it_takes_sentence == (
        "No change of price, fees, term or scope is needed for the customer's side: Tight deal fails only "
        "on MISSING_SOURCE; see that finding for what fixes it."
    )


def test_what_it_takes_is_computed_once_per_failing_bid_and_never_for_a_passing_one(monkeypatch):
    from bidfit import gate as review
    from bidfit.present.gate import FORMATS

    calls = []

    def counting(case, bid, fail_on="error", also_failing=()):
        calls.append(bid)
        return bidfit.what_it_takes(case, bid, fail_on, also_failing)

    monkeypatch.setattr(review, "what_it_takes", counting)
    result = bidfit.check([DATA / "failing.yaml", DATA / "passing.yaml", DATA / "no_deal_room.yaml"])
    for formatter in FORMATS.values():
        formatter(result)
    assert calls == ["Overpriced", "Norway only"]


def test_deal_room_figures_and_no_deal_room_against_a_hand_calculation():
    (entry,) = bidfit.check(DATA / "no_deal_room.yaml").entries
    m = entry.figures
    # The vendor delivers for 630k once and 385k a year and wants 15 % of what the customer pays (PV).
    required = (630_000 + 385_000 * ANNUITY) / (1 - 0.15)
    assert m["floor_price"] == pytest.approx(required - 520_000 * ANNUITY, rel=1e-12)
    assert m["floor_fee"] == pytest.approx((required - 920_000) / ANNUITY, rel=1e-12)
    assert m["vendor_margin"] == pytest.approx(
        1 - (630_000 + 385_000 * ANNUITY) / (920_000 + 520_000 * ANNUITY), rel=1e-12
    )
    # The default policy binds at break-even: the ceiling is the break-even price and fee.
    assert (m["ceiling_price"], m["ceiling_fee"]) == (m["max_one_time_price"], m["max_annual_fee"])
    assert m["ceiling_price"] < 0 < m["floor_price"]  # no price satisfies both sides
    assert "NO_DEAL_ROOM" in [f.code for f in entry.failures]
    # Sweden as an option is the smallest change of scope that passes.
    scope = entry.what_it_takes.change("scope")
    assert scope.works and scope.needed == ["Outbound roaming", "Outbound roaming Sweden"]
    # Without the vendor's side there is no floor.
    failing = bidfit.check(DATA / "failing.yaml").entries[0].figures
    assert (failing["floor_price"], failing["floor_fee"], failing["vendor_margin"]) == (None, None, None)


def risky_case(tmp_path, limit):
    """Competitor B alone, with the roaming revenue uncertain (P(worse off) about 10%)."""
    import yaml

    data = yaml.safe_load(bidfit.sample_path("norway_roaming").read_text())
    data["bids"] = [b for b in data["bids"] if b["name"] == "Competitor B"]
    data["uncertainty"] = [
        {
            "target": "revenue.Outbound roaming.annual_amount",
            "distribution": "normal",
            "mean": 380_000,
            "sd": 70_000,
        }
    ]
    if limit is not None:
        data["policy"] = {"max_loss_probability": limit}
    path = tmp_path / f"risky-{limit}.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_the_gate_simulates_where_the_policy_limits_the_loss_probability(tmp_path):
    # NPV is linear in the revenue: it turns negative below 380k - 343,359 / PV factor 3.848 = 290.8k,
    # z = -1.27, so P(worse off) is about 10%: above a 5% limit, below a 20% one.
    failing = bidfit.check(risky_case(tmp_path, 0.05))
    (entry,) = failing.entries
    assert [f.code for f in entry.failures] == ["HIGH_LOSS_PROBABILITY"]
    assert failing.exit_code == 1
    probability = entry.flags[0].figures["probability_worse_off"]
    from statistics import NormalDist

    pv_factor = sum(0.98 ** (t - 1) / 1.08**t for t in range(1, 6))  # PV of 1 of year-1 revenue
    analytic = NormalDist(380_000, 70_000).cdf(380_000 - entry.figures["npv"] / pv_factor)  # 0.1012
    assert probability == pytest.approx(analytic, abs=3 * (analytic * (1 - analytic) / 20_000) ** 0.5)
    # What it takes cannot see the simulation: it says the bid fails on it rather than "passes as quoted".
    assert entry.what_it_takes_sentence == (
        "No change of price, fees, term or scope is needed for the customer's side: Competitor B fails "
        "only on HIGH_LOSS_PROBABILITY; see that finding for what fixes it."
    )
    assert bidfit.check(risky_case(tmp_path, 0.20)).exit_code == 0
    # Without a limit the gate does not simulate: the deterministic verdict stands.
    assert bidfit.check(risky_case(tmp_path, None)).exit_code == 0


def test_the_gate_simulation_is_reproducible(tmp_path):
    path = risky_case(tmp_path, 0.05)
    first, again = bidfit.check(path), bidfit.check(path)
    assert first.entries[0].flags[0].message == again.entries[0].flags[0].message
