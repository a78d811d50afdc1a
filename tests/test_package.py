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
