"""tools/floor-constraints.txt pins every runtime dependency to the floor pyproject.toml states."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from packaging.version import Version

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]


def test_every_runtime_dependency_is_pinned_to_its_floor():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    floors = {}
    for requirement in project["dependencies"]:
        if ";" in requirement:  # a backport needed only on older Pythons (tomli)
            continue
        name, floor = re.fullmatch(r"([A-Za-z0-9_.-]+)>=([0-9.]+)", requirement).groups()
        floors[name.lower()] = floor
    lines = (ROOT / "tools" / "floor-constraints.txt").read_text(encoding="utf-8").splitlines()
    pins = dict(line.lower().split("==") for line in lines if line and not line.startswith("#"))
    assert {name: Version(pin) for name, pin in pins.items()} == {
        name: Version(floor) for name, floor in floors.items()
    }
