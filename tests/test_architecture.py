"""The package's layers, read from its own imports (docs/architecture.md draws them).

inputs -> model -> cash flows -> figures and findings -> studies -> gate ->
io / presentation -> cli. A module may import its own layer or a lower one.
The one exception is a result's display method importing its renderer
lazily (an import inside a function, from ``bidfit.present``). Presentation
formats results that were already computed: it never calls a computation.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

import bidfit

PACKAGE = Path(bidfit.__file__).parent

LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("base", ("bidfit._version", "bidfit.errors", "bidfit.escape", "bidfit._format", "bidfit.flags")),
    ("kernel", ("bidfit.kernel",)),
    ("model", ("bidfit.model",)),
    ("io", ("bidfit.io",)),
    ("build", ("bidfit.build",)),
    ("results", ("bidfit.assess.dealroom", "bidfit.results")),
    ("assess", ("bidfit.assess",)),
    ("studies", ("bidfit.studies",)),
    ("gate", ("bidfit.gate",)),
    ("present", ("bidfit.present",)),
    ("cli", ("bidfit.cli", "bidfit.dealdesk", "bidfit.__main__", "bidfit")),
)
"""Layers from the bottom up, each with the modules (or packages) it holds."""

COMPUTATIONS = frozenset(
    {
        ("bidfit.assess.analysis", "analyze"),
        ("bidfit.assess.analysis", "analyze_many"),
        ("bidfit.studies.simulation", "simulate"),
        ("bidfit.studies.sensitivity", "sensitivity"),
        ("bidfit.studies.pricing", "what_it_takes"),
        ("bidfit.studies.pricing", "scope_options"),
        ("bidfit.studies.pricing", "pricing_room"),
        ("bidfit.studies.pricing", "competitor_inference"),
        ("bidfit.studies.dealmap", "deal_map"),
    }
)
"""The computations presentation must not call: it takes their results."""

DISPLAY_MODULES = ("bidfit.present", "bidfit.studies.business_case", "bidfit.studies.pricing")
"""What a result's display method may import lazily: the renderers, the business case
(``Analysis.business_case``), which gathers the studies its document shows, and the pricing
rooms that the report workbook (``Analysis.to_excel``) shows on its ``Pricing`` sheet."""


@dataclass(frozen=True)
class Import:
    module: str
    target: str
    names: tuple[str, ...]
    lazy: bool
    line: int


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> list[Import]:
    """Every import of a bidfit module in ``path``, also inside functions and classes."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: list[Import] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            nested = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            if isinstance(child, ast.Import):
                for alias in child.names:
                    if alias.name.split(".")[0] == "bidfit":
                        found.append(Import(name, alias.name, (), in_function, child.lineno))
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package.split(".")[: len(package.split(".")) - child.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                if base.split(".")[0] == "bidfit":
                    names = tuple(alias.name for alias in child.names)
                    found.append(Import(name, base, names, in_function, child.lineno))
            visit(child, nested)

    visit(tree, False)
    return found


def layer_of(module: str) -> int:
    best, rank = -1, -1
    for index, (_, members) in enumerate(LAYERS):
        for member in members:
            if (module == member or module.startswith(member + ".")) and len(member) > best:
                best, rank = len(member), index
    assert rank >= 0, f"{module} is in no layer: add it to LAYERS and docs/architecture.md"
    return rank


def all_imports() -> list[Import]:
    return [imp for path in sorted(PACKAGE.rglob("*.py")) for imp in imports_of(path)]


def resolved(imp: Import) -> list[tuple[str, str]]:
    """(module, name) pairs an import brings in: ``from bidfit.kernel import finance`` is the
    module bidfit.kernel.finance, ``from bidfit.assess.analysis import analyze`` the name analyze."""
    pairs = []
    for name in imp.names or ("",):
        target = f"{imp.target}.{name}" if name else imp.target
        path = PACKAGE.joinpath(*target.split(".")[1:])
        is_module = path.with_suffix(".py").exists() or (path / "__init__.py").exists()
        pairs.append((target, "") if name and is_module else (imp.target, name))
    return pairs


def test_every_module_has_a_layer():
    for path in PACKAGE.rglob("*.py"):
        layer_of(module_name(path))


def test_no_module_imports_from_a_higher_layer():
    upward = set()
    for imp in all_imports():
        here = layer_of(imp.module)
        for module, _ in resolved(imp):
            there = layer_of(module)
            if there <= here or (imp.lazy and module.startswith(DISPLAY_MODULES)):
                continue  # downward, or a result's display method importing its renderer
            upward.add((imp.module, module))
    assert upward == set(), "a lower layer imports a higher one"


def test_presentation_never_calls_a_computation():
    calls = set()
    for imp in all_imports():
        if not imp.module.startswith("bidfit.present"):
            continue
        for module, name in resolved(imp):
            if (module, name) in COMPUTATIONS:
                calls.add((imp.module, module, name))
    assert calls == set(), "presentation must take computed results"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from bidfit.assess.analysis import analyze\n", [("bidfit.assess.analysis", ("analyze",), False)]),
        (
            "def f():\n    from bidfit.present.text import render\n",
            [("bidfit.present.text", ("render",), True)],
        ),
        ("import numpy\nimport bidfit.kernel.finance\n", [("bidfit.kernel.finance", (), False)]),
    ],
)
def test_the_import_reader_sees_lazy_and_top_level_imports(tmp_path, source, expected, monkeypatch):
    path = PACKAGE / "model" / "case.py"
    monkeypatch.setattr(Path, "read_text", lambda self, encoding=None: source)
    assert [(i.target, i.names, i.lazy) for i in imports_of(path)] == expected
