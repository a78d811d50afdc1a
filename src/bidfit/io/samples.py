"""The sample cases bundled with the package (also in ``data/samples/`` of the repository)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from bidfit.errors import InputError, Problem
from bidfit.model.case import Case

__all__ = ["load_sample", "sample_names", "sample_path"]


def _folder() -> Path:
    return Path(str(resources.files("bidfit") / "samples"))


def sample_names() -> list[str]:
    """Names of the bundled sample cases.

    Examples
    --------
    >>> sample_names()
    ['fixed_broadband', 'norway_roaming', 'service_tiers']
    """
    return sorted(p.stem for p in _folder().glob("*.yaml"))


def sample_path(name: str, suffix: str = ".yaml") -> Path:
    """Path of a bundled sample file, e.g. ``sample_path("norway_roaming")``.

    Raises
    ------
    InputError
        If there is no such sample.
    """
    path = _folder() / f"{name}{suffix}"
    if not path.is_file():
        raise InputError(
            Problem(
                "sample",
                f"no bundled sample named {name!r}",
                found=name,
                expected=", ".join(sample_names()),
                code="unknown_name",
            )
        )
    return path


def load_sample(name: str) -> Case:
    """Load a bundled sample case by name.

    Examples
    --------
    >>> load_sample("norway_roaming").customer
    'Nordic operator (Norway sub-network)'
    """
    from bidfit.io import load

    return load(sample_path(name))
