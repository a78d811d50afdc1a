"""Hostile and careless policy files (TOML, YAML, JSON) given to ``bidfit check --policy``.

A policy file is held to the same structural limits as a case (nesting depth,
number of values, integer length, unique keys that are text) and to a size of
64 KiB. Each hostile policy is refused by the real command in a child process:
exit 2, one line per problem naming the place (a line and column, or the key),
no traceback, bounded CPU time and memory, and neither the policy nor the case
file touched.
"""

from __future__ import annotations

import shutil

import pytest
from childproc import assert_clean_refusal, fingerprint, run_cli

import bidfit

CPU_SECONDS, PEAK_MB = 5, 300  # generous bounds for refusing one small policy in a child process


def alias_bomb() -> str:
    """About 700 bytes of YAML whose ``severity`` stands for 10**10 items through ten nested anchors."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 10)]
    lines.append("severity: *a9")
    return "\n".join(lines) + "\n"


# (file name, text, what the refusal must name)
HOSTILE: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "toml arrays 3000 deep": (
        "policy.toml",
        "severity = " + "[" * 3000 + "]" * 3000 + "\n",
        ("line 1, column 43: the data is nested more than 32 levels deep",),
    ),
    "toml inline tables 3000 deep": (
        "policy.toml",
        "severity = " + "{a = " * 3000 + "1" + "}" * 3000 + "\n",
        ("line 1, column 167: the data is nested more than 32 levels deep",),
    ),
    "toml dotted key of 30000 parts": (  # tomllib alone takes 16 s and 4 GB for it
        "policy.toml",
        "severity." + ".".join(["a"] * 30000) + " = 1\n",
        ("line 1, column 1: the data is nested more than 32 levels deep",),
    ),
    "toml quoted dotted key": (
        "policy.toml",
        ".".join(['"a"'] * 15000) + " = 1\n",
        ("line 1, column 128: the data is nested more than 32 levels deep",),
    ),
    "toml table name and dotted key together": (
        "policy.toml",
        "[severity." + ".".join(["a"] * 20) + "]\n" + ".".join(["b"] * 20) + " = 1\n",
        ("severity: the data is nested more than 32 levels deep through dotted keys or table names",),
    ),
    "toml 5000-digit integer": (
        "policy.toml",
        "require_source = true\nmax_payback_years = " + "9" * 5000 + "\n",
        ("line 2, column 21: an integer of 5,000 digits is too long", "at most 30 digits"),
    ),
    "toml 5000-digit hexadecimal integer": (
        "policy.toml",
        "max_payback_years = 0x" + "f" * 5000 + "\n",
        ("line 1, column 21: an integer of 5,000 digits is too long",),
    ),
    "json 5000-digit integer": (
        "policy.json",
        '{"max_payback_years": ' + "9" * 5000 + "}",
        ("line 1, column 23: an integer of 5,000 digits is too long",),
    ),
    "yaml 5000-digit integer": (
        "policy.yaml",
        "max_payback_years: " + "9" * 5000 + "\n",
        ("line 1, column 20: an integer of 5,000 digits is too long",),
    ),
    "yaml complex key": (
        "policy.yaml",
        "severity:\n  ? [a]\n  : error\n",
        ("line 2, column 5: a key is a list or a mapping",),
    ),
    "yaml 500 deep": (
        "policy.yaml",
        "severity: " + "[" * 500 + "]" * 500 + "\n",
        ("line 1, column 42: the data is nested more than 32 levels deep",),
    ),
    "json 1000 deep": (
        "policy.json",
        '{"severity": ' + "[" * 1000 + "]" * 1000 + "}",
        ("line 1, column 45: the data is nested more than 32 levels deep",),
    ),
    "json duplicate key": (
        "policy.json",
        '{"max_payback_years": 2,\n "max_payback_years": 90}',
        ("line 2, column 2: key 'max_payback_years' is given twice (first on line 1)",),
    ),
    "yaml duplicate key": (
        "policy.yaml",
        "severity:\n  THIN_MARGIN: error\n  THIN_MARGIN: info\n",
        ("line 3, column 3: key 'THIN_MARGIN' is given twice (first on line 2)",),
    ),
    "yaml alias bomb": ("policy.yaml", alias_bomb(), ("line 5, column ", "more than 100,000 values")),
    "toml severity is a list": (
        "policy.toml",
        "severity = [1]\n",
        ("severity: must be a mapping, not a list", "such as {THIN_MARGIN: error}"),
    ),
    "yaml severity is text": ("policy.yaml", "severity: error\n", ("severity: must be a mapping, not text",)),
    "toml severity values of the wrong type": (
        "policy.toml",
        "[severity]\nTHIN_MARGIN = [1]\nNO_PAYBACK = 5\nDOMINATED = {a = 1}\n",
        (
            "severity.THIN_MARGIN: Input should be 'error', 'warning' or 'info', not a list",
            "severity.NO_PAYBACK: Input should be 'error', 'warning' or 'info' (found 5)",
            "severity.DOMINATED: Input should be 'error', 'warning' or 'info', not a mapping",
        ),
    ),
    "yaml keys that are not text": (
        "policy.yaml",
        "5: 1\nseverity: {7: error, null: warning, THIN_MARGIN: [x]}\n",
        (
            "5: the key 5 is not text",
            "severity: the key 7 is not text",
            "severity: the key None is not text",
            "severity.THIN_MARGIN: Input should be 'error', 'warning' or 'info', not a list",
        ),
    ),
    "policy too large": (
        "policy.toml",
        "# padding\n" * 7000 + "max_payback_years = 2\n",
        ("file is too large (found '70,022 bytes'; expected at most 65,536 bytes)",),
    ),
}


@pytest.mark.parametrize("attack", list(HOSTILE))
def test_a_hostile_policy_is_refused_cleanly(tmp_path, attack):
    name, text, needles = HOSTILE[attack]
    case = tmp_path / "case.yaml"
    shutil.copy(bidfit.sample_path("norway_roaming"), case)
    policy = tmp_path / name
    policy.write_text(text)
    before = fingerprint(policy), fingerprint(case)
    run = run_cli("check", case, "--policy", policy, cwd=tmp_path)
    assert_clean_refusal(run, f"{policy}: {needles[0]}", *needles[1:])
    assert run.stdout == ""  # no case was judged under a policy that could not be read
    assert run.cpu_seconds < CPU_SECONDS, run.cpu_seconds
    assert run.peak_mb < PEAK_MB, run.peak_mb
    assert (fingerprint(policy), fingerprint(case)) == before


def test_every_problem_of_a_policy_is_reported_at_once(tmp_path):
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        "max_paybak_years: 2\n3: x\nmin_benefit_cost_ratio: [1]\nseverity: {9: error, NO_PAYBACK: 5}\n"
    )
    with pytest.raises(bidfit.InputError) as info:
        bidfit.check(bidfit.sample_path("norway_roaming"), policy=policy)
    assert [(p.where, p.code) for p in info.value.problems] == [
        ("max_paybak_years", "unknown_key"),
        ("3", "invalid_key"),
        ("severity", "invalid_key"),
        ("min_benefit_cost_ratio", "float_type"),
        ("severity.NO_PAYBACK", "literal_error"),
    ]
    assert all(p.file == str(policy) for p in info.value.problems)
    assert all(p.expected for p in info.value.problems if p.code != "literal_error")  # it says the choices


def test_a_yaml_policy_with_anchors_and_aliases_is_read(tmp_path):
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        "max_payback_years: &years 2\nseverity: {THIN_MARGIN: &level error, DOMINATED: *level}\n"
    )
    loaded = bidfit.io.policy.load_policy(policy)
    assert loaded.max_payback_years == 2.0
    assert loaded.severity == {"THIN_MARGIN": "error", "DOMINATED": "error"}
    run = run_cli("check", bidfit.sample_path("norway_roaming"), "--policy", policy, cwd=tmp_path)
    assert run.returncode == 1, run.stderr  # Vendor A fails, as without the policy
    assert "Traceback" not in run.stderr
