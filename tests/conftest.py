"""Shared fixtures: small cases built in code, so each test shows its inputs, and the command line run in-process."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bidfit import Bid, Case, CostItem, RevenueStream


def make_case(
    *,
    revenue: list[dict[str, Any]] | None = None,
    bids: list[dict[str, Any]] | None = None,
    costs: list[dict[str, Any]] | None = None,
    **fields: Any,
) -> Case:
    """A case from plain dicts, with small defaults (3 years, 10%, one stream of 100).

    ``costs`` is a shorthand for one bid ``A`` with these cost items; without
    ``bids`` or ``costs``, bid ``A`` has one one-time ``Kit`` of 150.
    """
    if costs is not None:
        if bids is not None:
            raise TypeError("give bids or costs, not both")
        bids = [{"name": "A", "costs": costs}]
    data: dict[str, Any] = {"name": "Test", "horizon_years": 3, "discount_rate": 0.1}
    data.update(fields)
    data["revenue"] = [RevenueStream(**r) for r in (revenue or [{"name": "Sales", "annual_amount": 100}])]
    data["bids"] = [
        Bid(**{**b, "costs": [CostItem(**c) for c in b.get("costs", [])]})
        for b in (bids or [{"name": "A", "costs": [{"name": "Kit", "kind": "one_time", "amount": 150}]}])
    ]
    return Case(**data)


@pytest.fixture
def norway() -> Case:
    import bidfit

    return bidfit.load_sample("norway_roaming")


@dataclass(frozen=True)
class Ran:
    """What one in-process run of the command line gave: its exit code and its output."""

    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Callable[..., Ran]:
    """Run ``bidfit ARGS`` in this process through :func:`bidfit.cli.main`, as a pipe would see it.

    ``env`` sets environment variables for the run (``NO_COLOR`` and
    ``FORCE_COLOR`` are unset unless given); ``cwd`` is the working folder.
    """
    from bidfit.cli import main

    def run(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> Ran:
        with monkeypatch.context() as patch:
            for name in ("NO_COLOR", "FORCE_COLOR"):
                patch.delenv(name, raising=False)
            for name, value in (env or {}).items():
                patch.setenv(name, value)
            if cwd is not None:
                patch.chdir(cwd)
            capsys.readouterr()
            try:
                code = main(list(args))
            except SystemExit as stop:  # argparse: --help, --version and usage errors
                code = stop.code if isinstance(stop.code, int) else 0 if stop.code is None else 1
            out, err = capsys.readouterr()
        return Ran(code, out, err)

    return run
