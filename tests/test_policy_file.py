"""Policy files (TOML and YAML): what they may say, how they override a case, and their errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import bidfit
from bidfit import InputError, Policy
from bidfit.gate import merge_policy
from bidfit.io.policy import POLICY_KEYS, load_policy, policy_from_mapping

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data" / "check"

TOML = """\
max_payback_years = 2
min_benefit_cost_ratio = 1.2
require_source = true

[severity]
THIN_MARGIN = "error"
"""

YAML = """\
max_payback_years: 2
min_benefit_cost_ratio: 1.2
require_source: true
severity:
  THIN_MARGIN: error
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("name", "text"), [("gate.toml", TOML), ("gate.yaml", YAML), ("gate.yml", YAML)])
def test_toml_and_yaml_policies_say_the_same(tmp_path, name, text):
    policy = load_policy(write(tmp_path, name, text))
    assert policy.max_payback_years == 2
    assert policy.min_benefit_cost_ratio == 1.2
    assert policy.require_source is True
    assert policy.severity == {"THIN_MARGIN": "error"}
    # Exactly the keys the file sets count as set: only they override a case's policy.
    assert policy.model_fields_set == {
        "max_payback_years",
        "min_benefit_cost_ratio",
        "require_source",
        "severity",
    }


def test_the_example_strict_policy_in_the_repository_loads():
    policy = load_policy(ROOT / "data" / "policies" / "strict.toml")
    assert policy.max_payback_years == 3 and policy.require_source
    assert policy.severity["THIN_MARGIN"] == "error"


def test_an_empty_policy_file_overrides_nothing(tmp_path):
    policy = load_policy(write(tmp_path, "empty.yaml", "# nothing yet\n"))
    assert policy == Policy() and policy.model_fields_set == set()
    assert load_policy(write(tmp_path, "empty.toml", "")).model_fields_set == set()


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("typo.toml", 'max_payback = 3\nmin_benefit_cost_ratio = 1.2\ncolour = "red"\n'),
        ("typo.yaml", "max_payback: 3\nmin_benefit_cost_ratio: 1.2\ncolour: red\n"),
    ],
)
def test_unknown_keys_are_errors_naming_the_key_the_file_and_the_valid_keys(tmp_path, name, text):
    path = write(tmp_path, name, text)
    with pytest.raises(InputError) as caught:
        load_policy(path)
    problems = caught.value.problems
    assert [p.where for p in problems] == ["max_payback", "colour"]
    for problem in problems:
        assert problem.file == str(path) and problem.code == "unknown_key"
        assert problem.expected == "one of " + ", ".join(POLICY_KEYS)
    assert str(problems[0]).startswith(
        f"{path}: max_payback: unknown policy key 'max_payback' (expected one of "
    )


def test_every_problem_of_a_policy_file_is_reported_at_once(tmp_path):
    path = write(
        tmp_path,
        "bad.toml",
        'max_payback_years = -1\nmin_benefit_cost_ratio = "lots"\nwhatever = 1\n[severity]\nTHIN_MARGIN = "fatal"\n',
    )
    with pytest.raises(InputError) as caught:
        load_policy(path)
    wheres = sorted(p.where for p in caught.value.problems)
    assert wheres == ["max_payback_years", "min_benefit_cost_ratio", "severity.THIN_MARGIN", "whatever"]
    by_where = {p.where: p for p in caught.value.problems}
    assert by_where["max_payback_years"].expected == "a number of years > 0"
    assert by_where["severity.THIN_MARGIN"].found == "fatal"


def test_an_unknown_flag_code_in_the_severity_table_is_an_error(tmp_path):
    path = write(tmp_path, "codes.yaml", "severity:\n  THIN_MARGINS: error\n")
    with pytest.raises(
        InputError, match=r"severity: unknown flag code\(s\) THIN_MARGINS; known: NEGATIVE_NPV"
    ):
        load_policy(path)


def test_toml_syntax_errors_give_line_and_column(tmp_path):
    path = write(tmp_path, "broken.toml", "max_payback_years = 2\nmin_benefit_cost_ratio = \n")
    with pytest.raises(InputError) as caught:
        load_policy(path)
    (problem,) = caught.value.problems
    assert problem.where == "line 2, column 26" and problem.code == "syntax"
    assert problem.message.startswith("invalid TOML: ") and "(at line" not in problem.message


def test_a_policy_must_be_a_mapping(tmp_path):
    with pytest.raises(InputError, match="does not hold a policy"):
        load_policy(write(tmp_path, "list.yaml", "- max_payback_years: 2\n"))


@pytest.mark.parametrize(
    ("name", "message"),
    [("policy.ini", "unknown policy file type"), ("missing.toml", "policy file not found")],
)
def test_unknown_type_and_missing_file(tmp_path, name, message):
    if name.endswith(".ini"):
        write(tmp_path, name, "[x]\n")
    with pytest.raises(InputError, match=message):
        load_policy(tmp_path / name)


def test_a_policy_file_overrides_only_the_keys_it_sets():
    case_policy = Policy(max_payback_years=5, min_benefit_cost_ratio=1.1, severity={"DOMINATED": "warning"})
    file_policy = policy_from_mapping({"min_benefit_cost_ratio": 1.3, "severity": {"THIN_MARGIN": "error"}})
    merged = merge_policy(case_policy, file_policy)
    assert merged.max_payback_years == 5  # kept from the case
    assert merged.min_benefit_cost_ratio == 1.3  # the file's
    assert merged.severity == {"DOMINATED": "warning", "THIN_MARGIN": "error"}  # merged code by code
    # A key set to its default value still overrides the case's value.
    assert (
        merge_policy(case_policy, policy_from_mapping({"min_benefit_cost_ratio": 1.0})).min_benefit_cost_ratio
        == 1.0
    )


def test_check_applies_the_file_over_the_case_policy(tmp_path):
    # The sample's own policy allows 5 years of payback; its rural bid takes 5.3 and fails.
    sample = bidfit.sample_path("fixed_broadband")
    before = {e.bid: e.passed for e in bidfit.check(sample).entries}
    assert before == {"FTTH urban": True, "FTTH urban and rural": False, "FTTH urban, FWA rural": True}
    relaxed = write(tmp_path, "relaxed.toml", "max_payback_years = 6\n")
    after = bidfit.check(sample, policy=relaxed)
    assert all(e.passed for e in after.entries)
    assert after.entries[0].analysis.flags == ()
    # The case file itself is untouched by the override.
    assert bidfit.load(sample).policy.max_payback_years == 5


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bidfit", *args], capture_output=True, text=True, timeout=120
    )


def test_raising_thin_margin_to_error_changes_the_exit_code(tmp_path):
    at_risk = str(DATA / "at_risk.yaml")
    assert run("check", at_risk).returncode == 0  # a THIN_MARGIN warning does not fail by default
    strict = write(tmp_path, "strict.toml", '[severity]\nTHIN_MARGIN = "error"\n')
    done = run("check", at_risk, "--policy", str(strict))
    assert done.returncode == 1, done.stderr
    assert "[FAIL] Tight deal (Acme): FAILS POLICY - benefit headroom only 6%" in done.stdout
    assert "the customer is at risk (NPV EUR 15k)" in " ".join(done.stdout.split())
    assert "ERROR THIN_MARGIN [lever: recurring fees]" in done.stdout
    # Lowering it again lets the bid through.
    lenient = write(tmp_path, "lenient.yaml", "severity:\n  THIN_MARGIN: info\n")
    done = run("check", at_risk, "--policy", str(lenient), "--fail-on", "warning")
    assert done.returncode == 0 and "PASSES POLICY - the customer is at risk" in done.stdout


def test_require_source_makes_missing_sources_fail(tmp_path):
    policy = write(tmp_path, "sources.yaml", "require_source: true\n")
    done = run("check", str(DATA / "at_risk.yaml"), "--policy", str(policy))
    assert done.returncode == 1
    assert "ERROR MISSING_SOURCE [lever: evidence]" in done.stdout
    # Every figure of the passing case has a source.
    assert run("check", str(DATA / "passing.yaml"), "--policy", str(policy)).returncode == 0


def test_a_bad_policy_file_exits_2_with_one_line_per_problem(tmp_path):
    policy = write(tmp_path, "bad.toml", 'max_payback = 3\n[severity]\nTHIN_MARGIN = "fatal"\n')
    done = run("check", str(DATA / "passing.yaml"), "--policy", str(policy))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert lines == [
        f"bidfit: error: {policy}: max_payback: unknown policy key 'max_payback' "
        f"(expected one of {', '.join(POLICY_KEYS)})",
        f"bidfit: error: {policy}: severity.THIN_MARGIN: Input should be 'error', 'warning' or 'info' "
        "(found 'fatal')",
    ]
    assert done.stdout == ""
