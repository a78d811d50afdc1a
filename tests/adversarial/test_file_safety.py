"""No output replaces a file the command read; no temporary file outlives a termination signal.

``--output``/``-o`` is aimed at the policy, at a case given by name or found
in a folder, through a symbolic link and as a hard link: the command must
refuse (exit 2, one line naming the file) before it writes anything, and the
input must keep its bytes and its modification time. Then SIGTERM and SIGINT
are sent while the report workbook is being written: the temporary file must
go, the exit status must say which signal ended the run, and the target is
either absent or a complete workbook.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest
from childproc import assert_clean_refusal, fingerprint, run_cli

import bidfit

REFUSAL = "would overwrite"  # "the output would overwrite an input file" ("the report ... the input file")
CPU_SECONDS, PEAK_MB = 20, 400  # generous bounds for refusing one small case


@pytest.fixture
def review(tmp_path: Path) -> dict[str, Path]:
    """A review folder: two cases (one in a subfolder), a policy, and links to them."""
    cases = tmp_path / "cases"
    (cases / "team").mkdir(parents=True)
    sample = bidfit.sample_path("norway_roaming")
    shutil.copy(sample, cases / "a.yaml")
    shutil.copy(sample, cases / "team" / "b.yaml")
    policy = tmp_path / "policy.toml"
    policy.write_text("max_payback_years = 4\n", encoding="utf-8")
    (tmp_path / "policy-link.json").symlink_to(policy)
    os.link(cases / "team" / "b.yaml", tmp_path / "b-hard.json")
    return {
        "folder": cases,
        "a": cases / "a.yaml",
        "b": cases / "team" / "b.yaml",
        "policy": policy,
        "policy_link": tmp_path / "policy-link.json",
        "b_hard": tmp_path / "b-hard.json",
    }


def assert_refused_and_untouched(run, *inputs: Path, before: list[tuple[str, int]], output: Path) -> None:
    assert_clean_refusal(run, REFUSAL, f"{output}: ", "input file")
    assert [fingerprint(p) for p in inputs] == before
    assert not [p for p in output.parent.iterdir() if p.name.endswith(".tmp")]
    assert run.cpu_seconds < CPU_SECONDS and run.peak_mb < PEAK_MB, (run.cpu_seconds, run.peak_mb)


# ------------------------------------------------------------------ check --output


@pytest.mark.parametrize(
    ("args", "output"),
    [
        (["a", "--policy", "policy"], "policy"),  # the reproduced case: the policy file itself
        (["a", "--policy", "policy"], "a"),  # a case given by name
        (["folder"], "b"),  # a case found in a folder argument
        (["folder", "--policy", "policy"], "policy_link"),  # a symbolic link to the policy
        (["folder"], "b_hard"),  # a hard link to a case found in the folder
    ],
)
def test_check_output_never_replaces_a_file_it_read(review, args, output, tmp_path):
    argv = [str(review.get(a, a)) for a in args]
    inputs = [review[k] for k in ("a", "b", "policy")]
    before = [fingerprint(p) for p in inputs]
    run = run_cli("check", *argv, "--format", "json", "--output", review[output], cwd=tmp_path)
    assert_refused_and_untouched(run, *inputs, before=before, output=review[output])
    assert run.stdout == ""  # refused before checking: no report, no summary line


def test_check_output_beside_the_inputs_is_still_written(review, tmp_path):
    target = tmp_path / "report.json"
    run = run_cli("check", review["folder"], "--policy", review["policy"], "--format", "json", "-o", target)
    assert run.returncode == 1, run.stderr  # Vendor A fails; the report is written
    assert target.read_text(encoding="utf-8").startswith("{")


# ------------------------------------------------------------------ analyze -o and template --force


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    path = tmp_path / "case.xlsx"
    shutil.copy(bidfit.sample_path("norway_roaming", ".xlsx"), path)
    return path


@pytest.mark.parametrize("link", ["same", "symlink", "hardlink"])
def test_analyze_report_never_replaces_the_case(workbook, link, tmp_path):
    output = {"same": workbook, "symlink": tmp_path / "report.xlsx", "hardlink": tmp_path / "hard.xlsx"}[link]
    if link == "symlink":
        output.symlink_to(workbook)
    elif link == "hardlink":
        os.link(workbook, output)
    before = [fingerprint(workbook)]
    run = run_cli("analyze", workbook, "-o", output)
    assert_refused_and_untouched(run, workbook, before=before, output=output)


def test_analyze_report_through_a_link_to_a_yaml_case(tmp_path):
    case = tmp_path / "case.yaml"
    shutil.copy(bidfit.sample_path("norway_roaming"), case)
    link = tmp_path / "report.xlsx"
    link.symlink_to(case)
    before = [fingerprint(case)]
    run = run_cli("analyze", case, "-o", link)
    assert_refused_and_untouched(run, case, before=before, output=link)


def test_template_force_never_replaces_the_sample_it_reads(tmp_path):
    sample = bidfit.sample_path("norway_roaming")
    link = tmp_path / "template.xlsx"
    link.symlink_to(sample)
    before = [fingerprint(sample)]
    run = run_cli("template", link, "--example", "norway_roaming", "--force")
    assert_refused_and_untouched(run, sample, before=before, output=link)
    assert link.is_symlink()


def test_template_force_still_replaces_an_ordinary_file(tmp_path):
    target = tmp_path / "template.xlsx"
    target.write_bytes(b"old")
    run = run_cli("template", target, "--example", "norway_roaming", "--force")
    assert run.returncode == 0, run.stderr
    assert openpyxl.load_workbook(target, read_only=True).sheetnames[:2] == ["Instructions", "Case"]


# ------------------------------------------------------------------ signals during the write

TRIALS = "200000"
POLL_SECONDS, RUN_TIMEOUT = 0.0005, 120


def interrupt_the_write(folder: Path, signum: int, delay: float) -> tuple[int, str, list[str]]:
    """Run ``analyze -o out.xlsx``, send ``signum`` ``delay`` seconds after the temporary file appears.

    Returns the exit status, stderr and the names left in ``folder``.
    """
    env = {**os.environ, "NO_COLOR": "1", "PYTHONWARNINGS": "ignore"}
    import yaml

    case = yaml.safe_load(bidfit.sample_path("norway_roaming").read_text(encoding="utf-8"))
    case["uncertainty"] = [{"target": "discount_rate", "distribution": "uniform", "low": 0.06, "high": 0.1}]
    source = folder.parent / f"{folder.name}.yaml"  # a case with something to simulate, outside ``folder``
    source.write_text(yaml.safe_dump(case, sort_keys=False), encoding="utf-8")
    argv = [sys.executable, "-m", "bidfit", "analyze", str(source)]
    process = subprocess.Popen(
        [*argv, "-o", str(folder / "out.xlsx"), "--simulate", TRIALS],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + RUN_TIMEOUT
    try:
        while process.poll() is None and time.monotonic() < deadline:
            if any(name.endswith(".tmp") for name in os.listdir(folder)):
                time.sleep(delay)
                process.send_signal(signum)
                break
            time.sleep(POLL_SECONDS)
        _, err = process.communicate(timeout=RUN_TIMEOUT)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    return process.returncode, err.decode("utf-8", "replace"), sorted(os.listdir(folder))


@pytest.mark.parametrize("name", ["SIGTERM", "SIGINT"])
def test_a_signal_during_the_write_leaves_no_temporary_file(tmp_path, name):
    signum = getattr(signal, name)
    interrupted = 0
    for i, delay in enumerate((0.0, 0.005, 0.02)):
        folder = tmp_path / f"try{i}"
        folder.mkdir()
        status, err, left = interrupt_the_write(folder, signum, delay)
        assert not [n for n in left if n.endswith(".tmp")], (delay, left)
        assert "Traceback" not in err and "Exception ignored" not in err, err
        # 128 + N after "bidfit: interrupted"; a SIGTERM that lands after the write is over ends the
        # process the default way (-N), and then the report is complete.
        assert status in (128 + signum, -signum), (delay, status, err)
        if status == 128 + signum:
            interrupted += 1
            assert err == "bidfit: interrupted\n"
        assert left in ([], ["out.xlsx"])
        if left:
            assert "Summary" in openpyxl.load_workbook(folder / "out.xlsx", read_only=True).sheetnames
    assert interrupted  # at least one signal landed while the temporary file existed


# ------------------------------------------------------------------ the same, inside one write

WRITER = """
import os, signal, sys
from pathlib import Path
from bidfit.io.atomic import Interrupted, write_atomically

folder, signum, behaviour = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
signal.signal(signal.SIGHUP, signal.SIG_IGN)  # an ignored signal stays ignored
before = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}

def write(handle):
    handle.write(b"partial")
    try:
        os.kill(os.getpid(), signum)
        for _ in range(1000):  # the handler runs at the next check of pending signals
            pass
    except KeyboardInterrupt:
        if behaviour == "raise-other":
            raise ValueError("a writer cut short at an odd place fails differently")
        if behaviour == "raise":
            raise
    print("ignored" if signal.getsignal(signal.SIGHUP) == signal.SIG_IGN else "replaced")
    handle.write(b" and the rest")

try:
    write_atomically(folder / "out.bin", write)
    print("no exception")
except Interrupted as error:
    print(type(error.__cause__).__name__, error.signum)
after = {s: signal.getsignal(s) for s in before}
print("restored" if after == before else f"not restored: {after}")
print(sorted(os.listdir(folder)))
"""


@pytest.mark.parametrize(
    ("behaviour", "cause", "left"),
    [
        ("raise", "NoneType", []),  # the writer lets the exception through
        ("raise-other", "ValueError", []),  # the writer fails with another error while unwinding
        # The writer swallows it and goes on, but the handler removed its file: nothing is renamed.
        ("swallow", "FileNotFoundError", []),
    ],
)
@pytest.mark.parametrize("name", ["SIGTERM", "SIGINT"])
def test_a_signal_inside_the_writer_removes_the_temporary_file(tmp_path, name, behaviour, cause, left):
    signum = int(getattr(signal, name))
    done = subprocess.run(
        [sys.executable, "-c", WRITER, str(tmp_path), str(signum), behaviour],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and done.stderr == "", done.stderr
    lines = done.stdout.splitlines()
    assert lines[-3:] == [f"{cause} {signum}", "restored", repr(left)]
    if behaviour == "swallow":
        assert lines[0] == "ignored"  # SIGHUP was ignored before the write: left ignored during it
