"""Read a case from YAML or JSON, with errors that name the file, line and field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from bidfit.errors import InputError, Problem
from bidfit.models import Case
from bidfit.validation import validate_case

__all__ = ["read_case_text", "read_mapping"]

MAX_TEXT_BYTES = 20 * 1024 * 1024


class _StrictLoader(yaml.SafeLoader):
    """A safe YAML loader that refuses a key given twice in one mapping."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"key {key!r} is given twice (first on line {seen[key] + 1})", key_node.start_mark
            )
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_text(path: Path) -> str:
    """The text of a small UTF-8 file (a byte-order mark is dropped).

    Raises
    ------
    InputError
        For a file over :data:`MAX_TEXT_BYTES` or text that is not UTF-8.
    """
    name = str(path)
    size = path.stat().st_size
    if size > MAX_TEXT_BYTES:
        raise InputError(
            Problem(
                "",
                "file is too large",
                found=f"{size:,} bytes",
                expected=f"at most {MAX_TEXT_BYTES:,} bytes",
                code="too_large",
            ),
            name,
        )
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            Problem(
                f"byte {exc.start}",
                "the file is not UTF-8 text",
                expected="a UTF-8 encoded file",
                code="encoding",
            ),
            name,
        ) from None


def read_mapping(path: Path) -> Any:
    """Parse a YAML or JSON file into plain Python data.

    Raises
    ------
    InputError
        With the line and column of a syntax error, a file too large, or
        text that is not UTF-8.
    """
    name = str(path)
    text = read_text(path)
    if path.suffix.lower() == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(
                Problem(f"line {exc.lineno}, column {exc.colno}", f"invalid JSON: {exc.msg}", code="syntax"),
                name,
            ) from None
    try:
        return yaml.load(text, Loader=_StrictLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise InputError(Problem(where, f"invalid YAML: {problem}", code="syntax"), name) from None


def read_case_text(path: Path) -> Case:
    """Read and validate a case from a ``.yaml``, ``.yml`` or ``.json`` file."""
    return validate_case(read_mapping(path), file=str(path))
