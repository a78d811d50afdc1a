"""The ``bidfit`` command as a user runs it: real files and exit codes, in a subprocess where that is the point."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import bidfit


def run_command(*args: str, cwd=None) -> subprocess.CompletedProcess[str]:
    """``bidfit ARGS`` as a real subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "bidfit", *args], capture_output=True, text=True, cwd=cwd, timeout=120
    )


def test_version(cli):
    done = cli("--version")
    assert done.returncode == 0 and done.stdout.strip() == f"bidfit {bidfit.__version__}"


def test_analyze_prints_the_verdict_table_and_findings(cli):
    done = cli("analyze", str(bidfit.sample_path("norway_roaming")), env={"COLUMNS": "200"})
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    row_a = next(line for line in lines if line.startswith("Vendor A "))
    assert (
        "FAILS   worse off" in row_a
        and "EUR -1.53M" in row_a
        and "EUR -614k" in row_a
        and "EUR 136k" in row_a
    )
    row_b = next(line for line in lines if line.startswith("Competitor B "))
    assert "passes  better off" in row_b and "EUR 343k" in row_b
    assert "ERROR RUNNING_COST_EXCEEDS_REVENUE [lever: recurring fees]" in done.stdout
    assert "no price fixes this" in " ".join(done.stdout.split())


def test_the_installed_console_script_runs():
    script = Path(sys.executable).with_name("bidfit")  # installed beside this Python by pip
    assert script.is_file(), "pip did not install the bidfit console script"
    done = subprocess.run(
        [str(script), "analyze", str(bidfit.sample_path("service_tiers"))],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and "Platinum" in done.stdout


def test_missing_file_exits_2_without_traceback(tmp_path):
    done = run_command("analyze", str(tmp_path / "nope.yaml"))
    assert done.returncode == 2
    assert done.stderr.strip() == f"bidfit: error: {tmp_path / 'nope.yaml'}: file not found"
    assert "Traceback" not in done.stderr


def test_invalid_case_prints_one_line_per_problem_and_exits_2(cli, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(
        "name: Bad\nhorizon_years: 0\ndiscount_rate: -2\n"
        "revenue:\n  - {name: R, annual_amount: -1}\n"
        "bids:\n  - {name: A, scope: [Nowhere]}\n"
    )
    done = cli("analyze", str(path))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 3
    assert all(line.startswith(f"bidfit: error: {path}: ") for line in lines)
    assert any("horizon_years" in x for x in lines)
    assert any("discount_rate" in x for x in lines)
    assert any("revenue['R'].annual_amount" in x for x in lines)


def test_usage_error_exits_2(cli):
    done = cli("analyze")
    assert done.returncode == 2 and "usage:" in done.stderr and "Traceback" not in done.stderr


def test_unknown_command_exits_2(cli):
    done = cli("frobnicate")
    assert done.returncode == 2 and "Traceback" not in done.stderr
