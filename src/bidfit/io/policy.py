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
a typo must never silently loosen a review gate. A policy file is at most
:data:`MAX_POLICY_BYTES` long and is held to the structural limits of
:mod:`bidfit.io.textfiles` (nesting depth, number of values, integer length).
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bidfit.errors import InputError, Problem
from bidfit.io.textfiles import MAX_NESTING_DEPTH, read_mapping, read_text, structure_problems, too_deep
from bidfit.model.case import Policy
from bidfit.model.validate import problems_from_validation_error

__all__ = ["MAX_POLICY_BYTES", "POLICY_KEYS", "POLICY_SUFFIXES", "load_policy", "policy_from_mapping"]

POLICY_SUFFIXES = (".toml", ".yaml", ".yml", ".json")
"""File endings :func:`load_policy` reads."""

POLICY_KEYS: tuple[str, ...] = tuple(Policy.model_fields)
"""The keys a policy file may set: the :class:`bidfit.Policy` field names."""

MAX_POLICY_BYTES = 64 * 1024
"""Largest policy file read [bytes]; a full policy takes well under 1 kB."""

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
    known = {k: v for k, v in data.items() if k in POLICY_KEYS}
    if isinstance(known.get("severity"), dict):
        problems += _severity_key_problems(known["severity"])
        known["severity"] = {k: v for k, v in known["severity"].items() if isinstance(k, str)}
    try:
        policy = Policy.model_validate(known)
    except ValidationError as exc:
        problems += problems_from_validation_error(exc, data)
    if problems:
        raise InputError(problems, file)
    return policy


def _unknown_key_problems(data: dict[Any, Any]) -> list[Problem]:
    return [
        Problem(
            str(key),
            f"unknown policy key {key!r}" if isinstance(key, str) else f"the key {key} is not text",
            expected="one of " + ", ".join(POLICY_KEYS),
            code="unknown_key" if isinstance(key, str) else "invalid_key",
            loc=(str(key),),
        )
        for key in data
        if key not in POLICY_KEYS
    ]


def _severity_key_problems(severity: dict[Any, Any]) -> list[Problem]:
    """A severity key that is not text (``5: error`` in YAML) is not a flag code."""
    return [
        Problem(
            "severity",
            f"the key {key} is not text",
            expected="flag codes such as THIN_MARGIN as keys",
            code="invalid_key",
            loc=("severity",),
        )
        for key in severity
        if not isinstance(key, str)
    ]


def _read_toml(path: Path) -> Any:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib

    text = read_text(path, MAX_POLICY_BYTES)
    problems = structure_problems(text, "toml")
    if problems:
        raise InputError(problems, str(path))
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        error = str(exc)
        at = _TOML_POSITION.search(error)
        where = f"line {at['line']}, column {at['column']}" if at else ""
        message = _TOML_POSITION.sub("", error).strip()
        raise InputError(Problem(where, f"invalid TOML: {message}", code="syntax"), str(path)) from None
    nested = [
        too_deep(key, " through dotted keys or table names", "tables and arrays")
        for key, value in data.items()
        if _nesting_depth(value) >= MAX_NESTING_DEPTH
    ]
    if nested:
        raise InputError(nested, str(path))
    return data


def _nesting_depth(data: Any) -> int:
    """Levels of lists and mappings inside each other in ``data`` (0 for a scalar), counted without recursion.

    Examples
    --------
    >>> _nesting_depth({"severity": {"THIN_MARGIN": "error"}}), _nesting_depth([[1], 2]), _nesting_depth(3)
    (2, 2, 0)
    """
    deepest = 0
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            value = list(value.values())
        if isinstance(value, list):
            deepest = max(deepest, depth)
            if depth <= MAX_NESTING_DEPTH:  # deeper levels need not be walked
                stack.extend((item, depth + 1) for item in value)
    return deepest


def _read_text_mapping(path: Path) -> Any:
    return read_mapping(path, MAX_POLICY_BYTES)
