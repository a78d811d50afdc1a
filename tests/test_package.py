"""The public names of the package, whatever was imported first."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
import types

import bidfit


def test_every_public_name_is_what_it_says_even_after_every_submodule_is_imported():
    # A submodule named like a public function would shadow it once imported.
    for module in pkgutil.walk_packages(bidfit.__path__, "bidfit."):
        if not module.name.endswith("__main__"):
            importlib.import_module(module.name)
    for name in bidfit.__all__:
        value = getattr(bidfit, name)
        assert not isinstance(value, types.ModuleType) or name == "finance", name
    assert callable(bidfit.sensitivity) and callable(bidfit.simulate) and callable(bidfit.check)


def test_import_bidfit_stays_light():
    code = "import sys, bidfit; print(sorted(m for m in ('pandas', 'matplotlib', 'openpyxl') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_every_type_a_public_function_returns_is_exported():
    import inspect
    import re

    # Names in annotations that are not bidfit's own types.
    outside = {"None", "str", "int", "float", "bool", "list", "tuple", "dict", "Path", "Any"}
    for name in bidfit.__all__:
        function = getattr(bidfit, name)
        if not inspect.isfunction(function):
            continue
        annotation = inspect.signature(function).return_annotation
        assert annotation is not inspect.Signature.empty, name
        text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", str(annotation))
        for word in re.findall(r"[A-Za-z_][\w.]*", text):
            if "." in word or word in outside:
                continue
            assert word in bidfit.__all__, f"{name}() returns {word}, which bidfit does not export"
