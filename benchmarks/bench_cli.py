"""Cold start of the review gate: ``bidfit check`` on a YAML case, against importing the data stack.

A gate that runs on every commit should cost less than ``import numpy,
pandas, pydantic``: pandas, matplotlib and openpyxl stay off the path of a
YAML/JSON check. Both commands run in fresh processes, interleaved (so drift
in the machine's load hits both alike), and the best time of each is kept.

Run alone with ``python benchmarks/bench_cli.py [--quick]``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

__all__ = ["check_cold_start"]

TARGET = 1.0
"""Largest acceptable ratio of the check's cold start to the reference import."""


def _bidfit_command(case: Path) -> list[str]:
    """The installed ``bidfit`` script beside this Python, else ``python -m bidfit``."""
    script = shutil.which("bidfit", path=str(Path(sys.executable).parent))
    head = [script] if script else [sys.executable, "-m", "bidfit"]
    return [*head, "check", str(case)]


def _seconds(command: list[str], ok_codes: tuple[int, ...]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode not in ok_codes:
        raise RuntimeError(f"{' '.join(command)} exited {done.returncode}: {done.stderr.strip()}")
    return elapsed


def check_cold_start(quick: bool = False) -> dict[str, object]:
    """Time ``bidfit check <norway_roaming.yaml>`` against ``python -c "import numpy, pandas, pydantic"``.

    Parameters
    ----------
    quick : bool
        Best of 3 runs each instead of 10.

    Returns
    -------
    dict
        ``figure`` (what was measured), ``bidfit_s`` and ``reference_s`` (best
        wall-clock times [s]), ``reference`` (the reference command),
        ``ratio`` (``bidfit_s / reference_s``), ``target`` and ``ok``.
    """
    import bidfit

    case = bidfit.sample_path("norway_roaming")
    bidfit_cmd = _bidfit_command(case)
    reference_cmd = [sys.executable, "-c", "import numpy, pandas, pydantic"]
    # One untimed run of each fills the OS file cache and writes the bytecode caches.
    _seconds(bidfit_cmd, (0, 1))
    _seconds(reference_cmd, (0,))
    bidfit_times, reference_times = [], []
    for _ in range(3 if quick else 10):
        bidfit_times.append(_seconds(bidfit_cmd, (0, 1)))  # Vendor A fails the gate: exit 1
        reference_times.append(_seconds(reference_cmd, (0,)))
    bidfit_s, reference_s = min(bidfit_times), min(reference_times)
    ratio = bidfit_s / reference_s
    return {
        "figure": f"cold start of `bidfit check {case.name}` (best of {len(bidfit_times)}, fresh processes)",
        "bidfit_s": round(bidfit_s, 4),
        "reference": 'python -c "import numpy, pandas, pydantic"',
        "reference_s": round(reference_s, 4),
        "ratio": round(ratio, 3),
        "target": f"<= {TARGET}x",
        "ok": ratio <= TARGET,
    }


if __name__ == "__main__":
    print(json.dumps(check_cold_start(quick="--quick" in sys.argv[1:]), indent=2))
