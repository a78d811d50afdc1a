"""Read a review policy from a TOML or YAML file.

A policy file holds :class:`bidfit.Policy` field names at top level and an
optional ``severity`` table that raises or lowers the severity of flag codes::

    max_payback_years = 2
    min_benefit_cost_ratio = 1.2
    require_source = true

    [severity]
    THIN_MARGIN = "error"

The same in YAML::

    max_payback_years: 2
    min_benefit_cost_ratio: 1.2
    require_source: true
    severity:
      THIN_MARGIN: error

An unknown key is an error that names the key, the file and the valid keys;
a typo must never silently loosen a review gate.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bidfit.errors import InputError, Problem
from bidfit.models import Policy
from bidfit.validation import problems_from_validation_error

__all__ = ["POLICY_KEYS", "POLICY_SUFFIXES", "load_policy", "policy_from_mapping"]

POLICY_SUFFIXES = (".toml", ".yaml", ".yml", ".json")
"""File endings :func:`load_policy` reads."""

POLICY_KEYS: tuple[str, ...] = tuple(Policy.model_fields)
"""The keys a policy file may set: the :class:`bidfit.Policy` field names."""

_TOML_POSITION = re.compile(r"\s*\(at line (?P<line>\d+), column (?P<column>\d+)\)")


def load_policy(path: str | os.PathLike[str]) -> Policy:
    """Read a review policy from a ``.toml``, ``.yaml``/``.yml`` or ``.json`` file.

    Parameters
    ----------
    path : str or path-like
        The policy file.

    Returns
    -------
    Policy
        The policy; its ``model_fields_set`` are exactly the keys the file
        sets, so :func:`bidfit.check` overrides only those keys of each case's
        own policy.

    Raises
    ------
    InputError
        If the file is missing, of an unknown type, not valid TOML/YAML, holds
        an unknown key, or a value out of range; every problem names the file
        and the key.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "gate.toml").write_text('max_payback_years = 2\\n[severity]\\nTHIN_MARGIN = "error"\\n')
    >>> policy = load_policy(folder / "gate.toml")
    >>> policy.max_payback_years, policy.severity, sorted(policy.model_fields_set)
    (2.0, {'THIN_MARGIN': 'error'}, ['max_payback_years', 'severity'])
    """
    from bidfit.io import checked_file

    path = checked_file(path, POLICY_SUFFIXES, "policy file")
    name, suffix = str(path), path.suffix.lower()
    data = _read_toml(path) if suffix == ".toml" else _read_text_mapping(path)
    return policy_from_mapping(data, name)


def policy_from_mapping(data: Any, file: str | None = None) -> Policy:
    """Validate the raw content of a policy file into a :class:`Policy`.

    An empty document is an empty policy (it overrides nothing).

    Raises
    ------
    InputError
        With one problem per unknown key and per invalid value.
    """
    if data is None:
        return Policy()
    if not isinstance(data, dict):
        raise InputError(
            Problem(
                "",
                "the file does not hold a policy",
                found=type(data).__name__,
                expected="a mapping of policy keys: " + ", ".join(POLICY_KEYS),
                code="not_a_mapping",
            ),
            file,
        )
    problems = _unknown_key_problems(data)
    try:
        policy = Policy.model_validate({k: v for k, v in data.items() if k in POLICY_KEYS})
    except ValidationError as exc:
        problems += problems_from_validation_error(exc, data)
    if problems:
        raise InputError(problems, file)
    return policy


def _unknown_key_problems(data: dict[Any, Any]) -> list[Problem]:
    return [
        Problem(
            str(key),
            f"unknown policy key {key!r}",
            expected="one of " + ", ".join(POLICY_KEYS),
            code="unknown_key",
            loc=(str(key),),
        )
        for key in data
        if key not in POLICY_KEYS
    ]


def _read_toml(path: Path) -> Any:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib
    from bidfit.io.textfiles import read_text

    try:
        return tomllib.loads(read_text(path))
    except tomllib.TOMLDecodeError as exc:
        text = str(exc)
        at = _TOML_POSITION.search(text)
        where = f"line {at['line']}, column {at['column']}" if at else ""
        message = _TOML_POSITION.sub("", text).strip()
        raise InputError(Problem(where, f"invalid TOML: {message}", code="syntax"), str(path)) from None


def _read_text_mapping(path: Path) -> Any:
    from bidfit.io.textfiles import read_mapping

    return read_mapping(path)
