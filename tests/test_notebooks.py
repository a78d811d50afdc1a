"""The notebooks run headless, on this interpreter, and never write into the repository."""

from __future__ import annotations

import ast
import base64
import io
import json
import runpy
import sys
from pathlib import Path

import matplotlib
import matplotlib.colors
import matplotlib.image
import numpy as np
import pytest

import bidfit

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


def execute(nb, kernel_dir, folder: Path, timeout: int = CELL_TIMEOUT):
    """Run a notebook in memory on a real kernel (this interpreter), with the inline plot backend."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JUPYTER_PATH", str(kernel_dir))
        patch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
        patch.delenv("CI", raising=False)  # as a person runs it: the progress bar is automatic
        client = nbclient.NotebookClient(
            nb,
            kernel_name=KERNEL,
            timeout=timeout,
            resources={"metadata": {"path": str(folder)}},  # the kernel's working folder
        )
        client.execute()  # raises CellExecutionError with the cell and traceback on any error
    return nb


@pytest.fixture(scope="module")
def executed(kernel_dir, tmp_path_factory):
    """Each stored notebook executed once (on first use), with what it left in the repository."""
    runs: dict[str, tuple[object, set[str], bool]] = {}

    def run(stem: str):
        if stem not in runs:
            path = ROOT / "notebooks" / f"{stem}.ipynb"
            before, stored = repository_files(), path.read_bytes()
            nb = execute(nbformat.read(path, as_version=4), kernel_dir, tmp_path_factory.mktemp(stem))
            runs[stem] = (nb, repository_files() - before, path.read_bytes() == stored)
        return runs[stem]

    return run


def cell(nb, tag: str):
    """The one code cell tagged ``tag``."""
    (found,) = [c for c in nb.cells if tag in c.metadata.get("tags", [])]
    return found


def printed(nb, tag: str) -> str:
    """What the cell tagged ``tag`` printed on standard output."""
    return "".join(o.text for o in cell(nb, tag).outputs if o.output_type == "stream" and o.name == "stdout")


def shown(nb, tag: str, mime: str) -> list:
    """The ``mime`` data of the rich outputs (displays and results) of the cell tagged ``tag``."""
    outputs = cell(nb, tag).outputs
    return [
        o.data[mime]
        for o in outputs
        if o.output_type in ("display_data", "execute_result") and mime in o.data
    ]


def image(nb, tag: str) -> np.ndarray:
    """The one figure the cell tagged ``tag`` displayed, as 8-bit RGB pixels."""
    (encoded,) = shown(nb, tag, "image/png")
    pixels = matplotlib.image.imread(io.BytesIO(base64.b64decode(encoded)), format="png")
    return np.round(pixels[..., :3] * 255).astype(int)


def pixels_of(rgb: np.ndarray, colour: str, alpha: float = 1.0) -> int:
    """How many pixels are ``colour`` (drawn with ``alpha`` over white), to within 2 of 255."""
    blended = alpha * np.array(matplotlib.colors.to_rgb(colour)) + (1 - alpha)
    return int((np.abs(rgb - np.round(blended * 255)) <= 2).all(axis=-1).sum())


def eur(value: float) -> str:
    return f"EUR {value:,.0f}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(path, executed):
    nb, written, unchanged = executed(path.stem)
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
        # Both answers each time: the policy outcome and the customer's economics.
        alone, three = (text.lower() for text in printed)
        assert "price eur 0," in alone and "fails policy" in alone and "worse off" in alone
        assert "sweden, denmark" in three and "passes policy" in three and "better off" in three
        written_case = [
            o.text for o in outputs if o.output_type == "stream" and "business case written" in o.text
        ]
        assert len(written_case) == 1 and "business-case-vendor-a.html" in written_case[0]
        assert len(image(nb, "deal-map")) > 0
    # No progress text bar anywhere (a notebook draws a widget, or nothing for a short run).
    assert not [o for o in outputs if o.output_type == "stream" and o.name == "stderr" and "%|" in o.text]
    assert written == set(), "the notebook wrote into the repository"
    assert unchanged  # executed in memory only: stored without outputs


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_tutorials_show_and_do_not_assert(path):
    nb = nbformat.read(path, as_version=4)
    for code in (c.source for c in nb.cells if c.cell_type == "code"):
        tree = ast.parse(
            "\n".join(line for line in code.splitlines() if not line.lstrip().startswith(("%", "!")))
        )
        assert not [node for node in ast.walk(tree) if isinstance(node, ast.Assert)], code


def test_norway_notebook_shows_the_verdict_the_policy_and_the_numbers(executed):
    from bidfit.present import plots

    nb, _, _ = executed("01_norway_roaming")
    case = bidfit.load_sample("norway_roaming")
    result = bidfit.analyze(case)
    ours = result.bids["Vendor A"]
    # Both answers for every bid: the customer's economics and the policy outcome.
    lines = printed(nb, "two-answers").splitlines()
    assert len(lines) == len(result.bids)
    for line, bid in zip(lines, result, strict=True):
        assert line.startswith(f"{bid.name}: the customer is {bid.verdict.replace('_', ' ')}; ")
        assert ("policy passed" in line) == bid.passes
        assert all(f.code in line for f in bid.failing)
    assert "worse off" in lines[0] and "RUNNING_COST_EXCEEDS_REVENUE" in lines[0]
    # The figures: every cost category of our bid in its own colour, the deal map with its colour bar.
    pixels = image(nb, "benefits-costs")
    for category in ours.costs_by_category.columns:
        assert pixels_of(pixels, plots.CATEGORY_COLOURS[category]) > 500, category
    assert pixels_of(pixels, plots.BENEFIT) > 500
    assert pixels_of(image(nb, "cumulative"), plots.NEUTRAL) > 100
    (figure,) = shown(nb, "deal-map", "text/plain")[-1:]
    assert figure.endswith("with 2 Axes>")  # the map and its colour bar
    # The numbers printed are the library's.
    deal = bidfit.deal_map(result, "Vendor A")
    text = printed(nb, "no-price-works")
    assert "no price works at our fee: True" in text and deal.no_price_works
    assert f"NPV at a price of EUR 820,000: {eur(deal.npv_at(820_000, 520_000))}" in text
    assert f"fee that breaks even at price 0: {eur(deal.max_fee(0.0))} a year" in text
    competitor = deal.competitors[0]
    room = float(deal.max_fee(competitor.price))
    assert f"up to {eur(room)} a year; we asked {eur(ours.annual_fee)}" in printed(nb, "competitor-room")
    assert competitor.fee < room < ours.annual_fee
    pricing = bidfit.pricing_room(case, "Vendor A", competitor_price=520_000)
    text = printed(nb, "deal-room")
    assert "deal room: empty" in text and not pricing.deal_room.exists
    assert (
        "NO_DEAL_ROOM" in text
        and pricing.deal_room.pv_delivery_cost > pricing.analysis.ceiling.allowed_pv_cost
    )
    best = pricing.options.recommended
    text = printed(nb, "recommended")
    assert f"recommended: Sweden + Denmark, operator NPV {eur(best['npv'])}" in text
    extended = case.bid("Vendor A").with_options(["Sweden", "Denmark"])
    alone = bidfit.analyze(case.model_copy(update={"bids": [extended]})).bids[extended.name]
    assert alone.npv == pytest.approx(best["npv"], rel=1e-9) and alone.verdict == "better_off"
    assert f"the operator gains {eur(alone.npv)}" in text and "the customer is better off" in text
    assert ("policy passed" in text) == alone.passes
    text = printed(nb, "fee-cut")
    fee = pricing.what_it_takes.change("recurring_fees")
    assert "a one-time price that works: False; a recurring fee that works: True" in text
    assert f"at most {eur(fee.needed)} a year" in text and fee.needed < pricing.deal_room.floor_fee
    # No longer worse off for the operator, yet the policy still fails: we would deliver below our floor.
    assert "the policy fails by NO_DEAL_ROOM" in text and "worse off" not in text
    inference = pricing.competitor
    text = printed(nb, "competitor-fees")
    assert "NPV at EUR 520k and the break-even fee: EUR 0\n" in text or "break-even fee: EUR -0\n" in text
    assert f"the fee to be preferred: {eur(ours.npv)} (ours: {eur(ours.npv)})" in text
    winner = result.bids["Competitor B"]
    assert winner.annual_fee < inference.break_even_fee < ours.annual_fee < inference.fee_to_be_preferred


def test_uncertainty_notebook_shows_the_simulation_without_a_text_bar(executed):
    from bidfit.present import plots

    nb, _, _ = executed("02_uncertainty_and_sensitivity")
    simulate = cell(nb, "simulate")
    assert not [o for o in simulate.outputs if o.output_type == "stream" and o.name == "stderr"]
    assert shown(nb, "simulate", "text/html")
    text = printed(nb, "worse-off")
    assert "Vendor A: P(worse off) = 100.00% +/- 0.00%" in text
    share = float(text.split("Competitor B: P(worse off) = ")[1].split("%")[0]) / 100
    assert 0 < share < 0.5
    assert "the same trials in chunks of 10,000: True" in text
    pixels = image(nb, "histogram")
    # The worse-off share in red, the rest in green (bars drawn at 80 % opacity).
    assert (
        pixels_of(pixels, plots.LOSS, alpha=0.8) > 300 and pixels_of(pixels, plots.BENEFIT, alpha=0.8) > 3000
    )
    assert image(nb, "tornado").shape[0] > 200
    base = bidfit.load_sample("norway_roaming")
    irr = bidfit.analyze(base).bids["Competitor B"].irr
    flip = bidfit.sensitivity(base, "Competitor B").summary.loc["discount_rate", "flip_value"]
    assert flip == pytest.approx(irr, abs=1e-8)
    assert f"a discount rate of {flip:.2%}; its IRR is {irr:.2%}" in printed(nb, "flip-values")


def test_excel_notebook_writes_the_report_through_the_analysis(executed):
    nb, _, _ = executed("03_excel_workflow")
    assert "result.to_excel(" in cell(nb, "report").source
    assert "bidfit.io" not in cell(nb, "report").source and "report_workbook" not in cell(nb, "report").source
    (sheets,) = shown(nb, "report", "text/plain")
    for name in ("Summary", "Flags", "Inputs", "Simulation", "Sensitivity Vendor A"):
        assert f"'{name}'" in sheets
    (cli_sheets,) = shown(nb, "cli-report", "text/plain")
    assert "'Simulation'" in cli_sheets and "'Sensitivity Vendor A'" in cli_sheets
    text = printed(nb, "cheaper-operations")
    assert text.startswith("the customer is worse off, NPV EUR ") and "policy failed by " in text


PROGRESS_CELLS = [
    # A real simulation long enough for the bar (about a second or more on any machine).
    """
import bidfit
from bidfit.present.progress import progress_bar

case = bidfit.load_sample("norway_roaming").model_copy(update={"uncertainty": [bidfit.Uncertainty(
    target="revenue.Outbound roaming.annual_amount", distribution="normal", mean=380_000, sd=60_000)]})
sim = bidfit.simulate(case, trials=3_000_000, seed=1, progress=progress_bar())
sim.trials
""",
    # The callback driven as simulate drives it, chunk by chunk, over two seconds.
    """
import time

bar = progress_bar()
for done in range(50_000, 200_001, 50_000):
    time.sleep(0.5)
    bar(done, 200_000)
""",
    # A quick run: no bar at all.
    """
quick = bidfit.simulate(case, trials=100_000, seed=1, chunk_size=10_000, progress=progress_bar())
""",
]


def test_notebook_progress_is_a_widget_that_ends_full_and_nothing_for_a_short_run(kernel_dir, tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source.strip()) for source in PROGRESS_CELLS]
    execute(nb, kernel_dir, tmp_path, timeout=120)
    simulated, driven, quick = (c.outputs for c in nb.cells)
    for outputs in (simulated, driven, quick):
        assert not [o for o in outputs if o.output_type == "stream" and o.name == "stderr"]  # no text bar
    widget = "application/vnd.jupyter.widget-view+json"
    (bar,) = [o for o in driven if o.output_type == "display_data" and widget in o.data]
    assert quick == []  # nothing printed or displayed
    # The widget state nbclient stored: the bar reached the trials in all, then hid itself.
    state = nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    box = state[bar.data[widget]["model_id"]]["state"]
    (progress,) = [
        state[ref.removeprefix("IPY_MODEL_")]["state"]
        for ref in box["children"]
        if state[ref.removeprefix("IPY_MODEL_")]["model_name"] == "FloatProgressModel"
    ]
    assert progress["value"] == progress["max"] == 200_000
    layout = state[box["layout"].removeprefix("IPY_MODEL_")]["state"]
    assert layout.get("visibility") == "hidden"  # closed
