"""The notebooks run headless, on this interpreter, and never write into the repository."""

from __future__ import annotations

import json
import runpy
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
KERNEL = "bidfit-test-python"
CELL_TIMEOUT = 300  # [s] per cell


@pytest.fixture(scope="module")
def kernel_dir(tmp_path_factory):
    """A kernel spec that starts this very interpreter (not whatever ``python3`` is on PATH)."""
    root = tmp_path_factory.mktemp("jupyter")
    spec = root / "kernels" / KERNEL
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "bidfit tests", "language": "python"}), encoding="utf-8"
    )
    return root


OUTPUT_SUFFIXES = {".xlsx", ".png", ".pdf", ".csv", ".json", ".yaml", ".yml", ".ipynb", ".txt", ".html"}
"""Kinds of file a notebook could write (source files others may be adding meanwhile are left out)."""


def repository_files() -> set[str]:
    """Every file a notebook could have written in the repository, outside hidden and cache folders."""
    skip = {".git", ".hypothesis", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".venv"}
    return {
        str(p.relative_to(ROOT))
        for p in ROOT.rglob("*")
        if p.suffix.lower() in OUTPUT_SUFFIXES
        and p.is_file()
        and not skip.intersection(p.relative_to(ROOT).parts)
    }


def test_there_are_four_notebooks():
    assert [p.name for p in NOTEBOOKS] == [
        "01_norway_roaming.ipynb",
        "02_uncertainty_and_sensitivity.ipynb",
        "03_excel_workflow.ipynb",
        "04_deal_desk.ipynb",
    ]


def test_stored_notebooks_are_the_generator_output_without_outputs():
    make = runpy.run_path(str(ROOT / "tools" / "make_notebooks.py"))
    assert make["main"](["--check"]) == 0, "run python tools/make_notebooks.py"
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert code and all(c.outputs == [] and c.execution_count is None for c in code)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(path, kernel_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("JUPYTER_PATH", str(kernel_dir))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    before, stored = repository_files(), path.read_bytes()
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb,
        kernel_name=KERNEL,
        timeout=CELL_TIMEOUT,
        resources={"metadata": {"path": str(tmp_path)}},  # the kernel's working folder
    )
    client.execute()  # raises CellExecutionError with the cell and traceback on any error
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    # Rich output really was produced: HTML views and plots.
    data = [o.get("data", {}) for o in outputs if o.output_type in ("display_data", "execute_result")]
    assert any("text/html" in d for d in data)
    if path.stem != "03_excel_workflow":
        assert any("image/png" in d for d in data)
    if path.stem == "04_deal_desk":  # the desk's story: no price works alone, the three countries do
        printed = [o.text for o in outputs if o.output_type == "stream" and "Deal desk" in o.text]
        assert len(printed) == 2
        assert "price EUR 0," in printed[0] and "WORSE OFF" in printed[0]
        assert "Sweden, Denmark" in printed[1] and "BETTER OFF" in printed[1]
        written = [o.text for o in outputs if o.output_type == "stream" and "business case written" in o.text]
        assert len(written) == 1 and "business-case-vendor-a.html" in written[0]
    assert repository_files() - before == set(), "the notebook wrote into the repository"
    assert path.read_bytes() == stored  # executed in memory only: stored without outputs
