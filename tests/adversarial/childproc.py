"""Run the real ``bidfit`` command in a child process and measure what it cost.

The adversarial tests bound time and memory through the child's own resource
usage (``os.wait4``: CPU seconds and peak resident memory), with generous
margins, never through wall-clock micro-timing. Import as
``from childproc import run_cli, fingerprint``.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Run", "assert_clean_refusal", "fingerprint", "run_cli"]


@dataclass(frozen=True)
class Run:
    """What one run of the command did.

    Attributes
    ----------
    returncode : int
        The exit code.
    stdout, stderr : str
        What it printed.
    cpu_seconds : float
        User plus system CPU time of the child [s].
    peak_mb : float
        The child's peak resident memory [MiB].
    wall_seconds : float
        Elapsed time, for messages only [s].
    """

    returncode: int
    stdout: str
    stderr: str
    cpu_seconds: float
    peak_mb: float
    wall_seconds: float


# The command runs as the grandchild of a small stdlib-only interpreter. A child
# forked from pytest starts with pytest's resident memory as its high-water mark
# (ru_maxrss survives exec), so measuring the child directly would report
# pytest's peak; the small interpreter forks the real command when it is itself
# small, waits for it with os.wait4 and passes on its exit status and usage.
_TRAMPOLINE = """
import json, os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.executable, [sys.executable, "-m", "bidfit", *sys.argv[2:]])
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as out:
    json.dump({"status": status, "cpu": usage.ru_utime + usage.ru_stime, "maxrss": usage.ru_maxrss}, out)
"""


def run_cli(
    *args: str | os.PathLike[str],
    cwd: str | os.PathLike[str] | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 120,
) -> Run:
    """Run ``python -m bidfit ARGS`` and return its exit code, output and resource use.

    The exit code is negative (``-signal``) when the command was ended by a signal,
    as :class:`subprocess.Popen` reports it.
    """
    full_env = {**os.environ, "NO_COLOR": "1", "PYTHONWARNINGS": "ignore", **(env or {})}
    with tempfile.TemporaryDirectory() as folder:
        usage_file = Path(folder, "usage.json")
        start = time.monotonic()
        process = subprocess.Popen(
            [sys.executable, "-I", "-S", "-c", _TRAMPOLINE, str(usage_file), *map(str, args)],
            cwd=cwd,
            env=full_env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        try:
            out, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise AssertionError(f"bidfit {' '.join(map(str, args))} ran over {timeout} s") from None
        wall = time.monotonic() - start
        usage = json.loads(usage_file.read_text())
    return Run(
        os.waitstatus_to_exitcode(usage["status"]),
        out.decode("utf-8", "replace"),
        err.decode("utf-8", "replace"),
        usage["cpu"],
        usage["maxrss"] / 1024,
        wall,
    )


def fingerprint(path: str | os.PathLike[str]) -> tuple[str, int]:
    """The SHA-256 and modification time [ns] of a file, to prove it was not modified."""
    data = Path(path).read_bytes()
    return hashlib.sha256(data).hexdigest(), Path(path).stat().st_mtime_ns


def assert_clean_refusal(run: Run, *needles: str) -> None:
    """Exit 2, no traceback, and every ``needle`` in what the command printed."""
    text = run.stdout + run.stderr
    assert run.returncode == 2, f"exit {run.returncode}, expected 2:\n{text[-3000:]}"
    assert "Traceback" not in text, text[-3000:]
    for needle in needles:
        assert needle in text, f"{needle!r} not in:\n{text[-3000:]}"
