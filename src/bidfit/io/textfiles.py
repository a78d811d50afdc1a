"""Read a case from YAML or JSON, with errors that name the file, line and field.

A text file comes from outside and may be hostile, so its structure is
bounded *before* the data is used: at most :data:`MAX_NESTING_DEPTH` levels of
nested lists and mappings, at most :data:`MAX_VALUES` values (keys, items and
scalars, each YAML alias counted as everything it stands for) and integers of
at most :data:`MAX_INTEGER_DIGITS` digits. YAML is checked on the node stream
while it is composed, JSON and TOML by a scan of the text before it is
parsed. A key given twice in one mapping is refused in YAML and JSON alike
(a key brought in by a YAML merge key ``<<`` and then given explicitly is
not a duplicate: the explicit one wins); a YAML key must be a scalar.
YAML booleans are those of YAML 1.2, ``true`` and ``false``: ``NO``, ``no``,
``yes``, ``on`` and ``off`` are text, as written. YAML is parsed by libyaml
when PyYAML was built with it (its wheels are), else by PyYAML's own parser:
the same rules, data and errors either way.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any, Literal

import yaml
from yaml.composer import Composer
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.error import MarkedYAMLError
from yaml.nodes import MappingNode, Node, ScalarNode
from yaml.parser import ParserError
from yaml.reader import ReaderError
from yaml.resolver import BaseResolver, Resolver
from yaml.scanner import ScannerError

from bidfit.errors import InputError, Problem
from bidfit.model.case import Case
from bidfit.model.validate import validate_case

__all__ = [
    "MAX_INTEGER_DIGITS",
    "MAX_NESTING_DEPTH",
    "MAX_TEXT_BYTES",
    "MAX_VALUES",
    "MAX_YAML_BYTES",
    "read_case_text",
    "read_mapping",
    "read_text",
    "structure_problems",
    "too_deep",
]

MAX_TEXT_BYTES = 20 * 1024 * 1024
"""Largest JSON file read [bytes]."""

MAX_YAML_BYTES = 4 * 1024 * 1024
"""Largest YAML file read [bytes]: under 1 s of CPU with libyaml's parser, about 3 s with PyYAML's own."""

MAX_NESTING_DEPTH = 32
"""Most levels of nested lists and mappings in a file (a case needs about 8)."""

MAX_VALUES = 100_000
"""Most values in a file: keys, list items and scalars, a YAML alias counted as all it stands for."""

MAX_INTEGER_DIGITS = 30
"""Longest integer accepted [digits]; Python refuses to convert integers of over 4,300 digits."""

_INT_TAG = "tag:yaml.org,2002:int"
_BOOL_TAG = "tag:yaml.org,2002:bool"
_CORE_BOOLEAN = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
"""The YAML 1.2 core schema's booleans; YAML 1.1's ``yes``, ``no``, ``on``, ``off`` (``NO`` for Norway) stay text."""
_MERGE_TAG = "tag:yaml.org,2002:merge"

_INTEGER = re.compile(r"[-+]?(?:0x[0-9a-fA-F_]+|0o[0-7_]+|0b[01_]+|[0-9][0-9_]*)")

_JSON_TOKENS = re.compile(
    r"""
    (?P<string>"(?:[^"\\\n]+|\\.)*"?)   # to the closing quote, or the end of the line
    | (?P<open>[\[{])
    | (?P<close>[\]}])
    | (?P<word>[-+\w.]+)                # numbers, true, false, null
    """,
    re.VERBOSE,
)
"""The tokens of JSON text that matter to its structure."""

_TOML_TOKENS = re.compile(
    r"""
    (?P<string>\"\"\"(?:[^"\\]+|\\[\s\S]?|"(?!""))*(?:\"\"\")?  # closing quotes optional:
      | '''[\s\S]*?(?:'''|$)                              # never fails, never backtracks
      | "(?:[^"\\\n]+|\\.)*"?
      | '[^'\n]*'?)
    | (?P<comment>\#[^\n]*)
    | (?P<open>[\[{])
    | (?P<close>[\]}])
    | (?P<word>[-+\w.:]+)               # numbers, dates, booleans, bare keys
    | (?P<separator>[=,\n])             # ends a key
    """,
    re.VERBOSE,
)
"""The tokens of TOML text that matter to its structure."""


# -- limits as problems --------------------------------------------------------


def too_deep(where: str, through: str = "", containers: str = "lists and mappings") -> Problem:
    """The problem of data nested more than :data:`MAX_NESTING_DEPTH` levels deep.

    ``through`` says what nests it (e.g. `` through dotted keys``), ``containers`` what nests.
    """
    return Problem(
        where,
        f"the data is nested more than {MAX_NESTING_DEPTH} levels deep{through}",
        expected=f"at most {MAX_NESTING_DEPTH} levels of {containers} inside each other",
        code="too_deep",
    )


def _too_many_values(where: str) -> Problem:
    return Problem(
        where,
        f"the file holds more than {MAX_VALUES:,} values",
        expected=f"at most {MAX_VALUES:,} keys, items and values, an alias counted as all it repeats",
        code="too_many_values",
    )


def _too_long_integer(where: str, digits: int) -> Problem:
    return Problem(
        where,
        f"an integer of {digits:,} digits is too long",
        expected=f"a number of at most {MAX_INTEGER_DIGITS} digits",
        code="number_too_long",
    )


def _given_twice(where: str, key: object, first_line: int) -> Problem:
    return Problem(
        where,
        f"key {key!r} is given twice (first on line {first_line})",
        expected="each key once in a mapping",
        code="duplicate_key",
    )


def _integer_digits(word: str) -> int:
    """The number of digits of ``word`` if it is an integer literal, else 0.

    Examples
    --------
    >>> _integer_digits("-1_000"), _integer_digits("0x1F"), _integer_digits("1.5"), _integer_digits("abc")
    (4, 2, 0, 0)
    """
    return _digit_count(word) if _INTEGER.fullmatch(word) else 0


def _digit_count(literal: str) -> int:
    """Digits of an integer literal, without its sign, base prefix and separators."""
    body = literal.lstrip("+-")
    if body[:2].lower() in ("0x", "0o", "0b"):
        body = body[2:]
    return sum(ch.isalnum() for ch in body)


def _line_column(text: str, position: int) -> str:
    """``line L, column C`` (both from 1) of a character position in ``text``."""
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    return f"line {line}, column {column}"


# -- JSON and TOML: scanned before parsing -------------------------------------


def structure_problems(text: str, syntax: Literal["json", "toml"] = "json") -> list[Problem]:
    """Nesting depth, number of values and integer lengths of JSON or TOML text.

    The text is scanned, not parsed, so that a hostile file is refused before
    a parser recurses into it, converts a 5,000-digit integer or builds
    tables for a key of thousands of dotted parts. Brackets inside strings
    and comments do not count; in TOML, the top-level table is the first
    level and each dot of a key (``a.b.c``, ``[a.b.c]``) one more.

    Parameters
    ----------
    text : str
        The file's text.
    syntax : {'json', 'toml'}
        How the text is written.

    Returns
    -------
    list of Problem
        Each at ``line L, column C``; empty when the text is within
        :data:`MAX_NESTING_DEPTH`, :data:`MAX_VALUES` and :data:`MAX_INTEGER_DIGITS`.

    Examples
    --------
    >>> structure_problems('{"a": [[1, 2], 3]}')
    []
    >>> [str(p) for p in structure_problems("[" * 40 + "]" * 40)]  # doctest: +ELLIPSIS
    ['line 1, column 33: the data is nested more than 32 levels deep (expected at most 32 levels ...)']
    >>> [p.where for p in structure_problems("x.y = 1\\n" + ".".join(["a"] * 40) + " = 1\\n", "toml")]
    ['line 2, column 1']
    """
    tokens, root_depth = (_TOML_TOKENS, 1) if syntax == "toml" else (_JSON_TOKENS, 0)
    problems: list[Problem] = []
    depth, values, key_depth = root_depth, 0, 0
    for match in tokens.finditer(text):
        kind = match.lastgroup
        if kind == "comment":
            continue
        if kind == "separator":
            key_depth = 0
            continue
        if kind == "close":
            depth = max(depth - 1, root_depth)
            continue
        values += 1
        if values > MAX_VALUES:
            problems.append(_too_many_values(_line_column(text, match.start())))
            break
        if kind == "open":
            depth += 1
        elif kind == "word" and syntax == "toml":
            key_depth += _key_dots(match.group())
        if depth + key_depth > MAX_NESTING_DEPTH:
            problems.append(too_deep(_line_column(text, match.start())))
            break
        if kind == "word" and (digits := _integer_digits(match.group())) > MAX_INTEGER_DIGITS:
            problems.append(_too_long_integer(_line_column(text, match.start()), digits))
    return problems


def _key_dots(word: str) -> int:
    """The levels a TOML word adds as part of a dotted key: its dots, unless it is a number or a time.

    A float (``1.5``) or a time (``07:32:00.5``) has one dot and starts with
    a digit or a sign; a word with more dots, or that starts otherwise, is
    (part of) a dotted key.

    Examples
    --------
    >>> _key_dots("severity.THIN_MARGIN"), _key_dots("1.5"), _key_dots("a.b.c"), _key_dots("1.2.3")
    (1, 0, 2, 2)
    """
    dots = word.count(".")
    return dots if dots > 1 or word[:1] not in "0123456789+-" else 0


def _duplicate_json_keys(text: str) -> list[Problem]:
    """Every key given twice in one object of valid JSON text, at its second use."""
    problems: list[Problem] = []
    objects: list[dict[str, int] | None] = []  # per open bracket: the keys seen and their lines
    after_key = re.compile(r"\s*:")
    for match in _JSON_TOKENS.finditer(text):
        kind, token = match.lastgroup, match.group()
        if kind == "open":
            objects.append({} if token == "{" else None)
        elif kind == "close":
            if objects:
                objects.pop()
        elif kind == "string" and objects and objects[-1] is not None and after_key.match(text, match.end()):
            key = json.loads(token) if "\\" in token else token[1:-1]
            line = text.count("\n", 0, match.start()) + 1
            seen = objects[-1]
            if key in seen:
                problems.append(_given_twice(_line_column(text, match.start()), key, seen[key]))
            else:
                seen[key] = line
    return problems


def _parse_json(text: str) -> tuple[Any, list[Problem]]:
    """The data of JSON text, or the problems that stop it from being used."""
    problems = structure_problems(text)
    if problems:
        return None, problems
    repeated = False

    def unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal repeated
        mapping = dict(pairs)
        repeated = repeated or len(mapping) != len(pairs)
        return mapping

    try:
        data = json.loads(text, object_pairs_hook=unique_keys)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        return None, [Problem(where, f"invalid JSON: {exc.msg}", code="syntax")]
    if repeated:
        unplaced = Problem(
            "", "a key is given twice in one object", expected="each key once", code="duplicate_key"
        )
        return None, _duplicate_json_keys(text) or [unplaced]
    return data, []


# -- YAML: bounded while composing ---------------------------------------------


class _Refusal(MarkedYAMLError):
    """A YAML file refused for its structure; carries the problem to report."""

    def __init__(self, mark: Any, make_problem: Callable[[str], Problem]):
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        self.refused = make_problem(where)
        super().__init__(problem=self.refused.message, problem_mark=mark)


class _Bounded(Composer, SafeConstructor):
    """The rules of a safe YAML loader: bounded in depth, values and integers, with unique scalar keys.

    Only ``true`` and ``false`` (lower, title or upper case) are booleans, as
    in YAML 1.2: ``NO``, ``yes``, ``on`` or ``off`` keep the text that was
    written, so a stream, currency or country named ``NO`` stays ``'NO'``.

    Every node composed counts one value and every alias as many values as
    the node it repeats holds, so that ten nested anchors standing for a
    billion items are refused after a few dozen nodes were read; depth is
    likewise counted with aliases expanded. A key given twice in a mapping
    is refused; a key brought in by a merge key ``<<`` may be given again
    (the explicit one wins, as YAML specifies).

    The nodes are composed here, in Python, from the events of either
    parser (PyYAML's own or libyaml's): so the limits hold while the file is
    read, before a deep or aliased structure is built.
    """

    # what the parser and resolver it is mixed with provide
    peek_event: Callable[[], Any]
    get_event: Callable[[], Any]
    check_event: Callable[..., bool]
    resolve: Callable[..., Any]
    add_implicit_resolver: Callable[..., None]
    yaml_implicit_resolvers: dict[Any, Any]

    def __init__(self, stream: str):
        super().__init__(stream)  # type: ignore[call-arg]
        self._start_counting()

    def _start_counting(self) -> None:
        self._values = 0
        self._depth = 0
        self._deepest = 0
        self._extent: dict[int, tuple[int, int]] = {}  # id of an anchored node -> (values, height)

    def _count(self, values: int, depth: int, mark: Any) -> None:
        self._values += values
        if self._values > MAX_VALUES:
            raise _Refusal(mark, _too_many_values)
        if depth > MAX_NESTING_DEPTH:
            raise _Refusal(mark, too_deep)
        self._deepest = max(self._deepest, depth)

    def compose_node(self, parent: Node | None, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            node = super().compose_node(parent, index)
            extent = self._extent.get(id(node))
            if extent is None:  # the anchored node is still open: the alias is inside it
                raise _Refusal(event.start_mark, _refers_to_itself)
            values, height = extent
            self._count(values, self._depth + height, event.start_mark)
            return node
        self._count(1, self._depth + 1, event.start_mark)
        values_before, deepest_outside = self._values, self._deepest
        self._depth += 1
        self._deepest = self._depth
        node = super().compose_node(parent, index)
        self._depth -= 1
        if getattr(event, "anchor", None) is not None:
            self._extent[id(node)] = (self._values - values_before + 1, self._deepest - self._depth)
        self._deepest = max(self._deepest, deepest_outside)
        return node

    def compose_scalar_node(self, anchor: Any) -> Any:
        node = super().compose_scalar_node(anchor)
        if node.tag == _INT_TAG:
            digits = _digit_count(node.value)
            if digits > MAX_INTEGER_DIGITS:
                raise _Refusal(node.start_mark, partial(_too_long_integer, digits=digits))
        return node

    def compose_mapping_node(self, anchor: Any) -> Any:
        # Composer.compose_mapping_node, with each key checked to be a scalar
        start_event = self.get_event()
        tag = start_event.tag
        if tag is None or tag == "!":
            tag = self.resolve(MappingNode, None, start_event.implicit)
        node = MappingNode(tag, [], start_event.start_mark, None, flow_style=start_event.flow_style)
        if anchor is not None:
            self.anchors[anchor] = node
        while not self.check_event(yaml.MappingEndEvent):
            key_mark = self.peek_event().start_mark
            key = self.compose_node(node, None)
            if not isinstance(key, ScalarNode):
                raise _Refusal(key_mark, _key_not_scalar)
            node.value.append((key, self.compose_node(node, key)))
        node.end_mark = self.get_event().end_mark
        return node

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except yaml.YAMLError:
            raise
        except (ValueError, ArithmeticError, TypeError, LookupError, AttributeError) as exc:
            # PyYAML's constructors fail so on a scalar they cannot read: a date that does not
            # exist (2024-02-30), !!float on a word, an empty !!int, !!timestamp on a word
            value = f" {_shorten(node.value)!r}" if isinstance(node, ScalarNode) else ""
            raise ConstructorError(
                None, None, f"cannot read the value{value}: {exc}", node.start_mark
            ) from None

    def construct_unique_mapping(self, node: MappingNode) -> dict[Any, Any]:
        """The mapping of ``node``, refusing a key given twice; keys a merge key ``<<`` brings are not checked."""
        first_lines: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = "<<" if key_node.tag == _MERGE_TAG else self.construct_object(key_node)
            if key in first_lines:
                first_line = first_lines[key]
                raise _Refusal(key_node.start_mark, partial(_given_twice, key=key, first_line=first_line))
            first_lines[key] = key_node.start_mark.line + 1
        return self.construct_mapping(node)


def _construct_yaml_map(loader: _Bounded, node: MappingNode) -> Iterator[dict[Any, Any]]:
    data: dict[Any, Any] = {}
    yield data
    data.update(loader.construct_unique_mapping(node))


class _PythonStrictLoader(_Bounded, yaml.SafeLoader):
    """The bounded loader on PyYAML's pure-Python reader, scanner and parser."""


_LOADERS: list[type[_Bounded]] = [_PythonStrictLoader]
if getattr(yaml, "__with_libyaml__", False):  # PyYAML built with libyaml: its parser is in C
    from yaml._yaml import CParser

    class _LibyamlStrictLoader(_Bounded, CParser, Resolver):
        """The bounded loader on libyaml's parser: about a quarter of the CPU time of PyYAML's own."""

        def __init__(self, stream: str):
            CParser.__init__(self, stream)
            Composer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)
            self._start_counting()

    _LOADERS.insert(0, _LibyamlStrictLoader)

for _loader in _LOADERS:  # the same rules on both: unique keys, YAML 1.2 booleans
    _rules: Any = _loader
    _rules.add_constructor(BaseResolver.DEFAULT_MAPPING_TAG, _construct_yaml_map)
    _rules.yaml_implicit_resolvers = {
        first: [(tag, pattern) for tag, pattern in resolvers if tag != _BOOL_TAG]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    _rules.add_implicit_resolver(_BOOL_TAG, _CORE_BOOLEAN, list("tTfF"))

_StrictLoader: type[_Bounded] = _LOADERS[0]
"""The loader :func:`read_mapping` uses: libyaml's parser when PyYAML has it, else PyYAML's own."""


def _refers_to_itself(where: str) -> Problem:
    return Problem(
        where,
        "an alias refers to the node that contains it",
        expected="aliases to nodes defined and closed before them",
        code="recursive_alias",
    )


def _key_not_scalar(where: str) -> Problem:
    return Problem(
        where,
        "a key is a list or a mapping",
        expected="keys that are plain text, such as name or amount",
        code="complex_key",
    )


def _shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _parse_yaml(text: str, loader_class: type[_Bounded] | None = None) -> tuple[Any, list[Problem]]:
    """The data of YAML text, or the problem that stops it from being used.

    ``loader_class`` is one of :data:`_LOADERS`; default :data:`_StrictLoader`.
    A text libyaml cannot read is read again by PyYAML's own parser, whose
    words for the error (and its place) the user then sees: a syntax error
    reads the same whichever parser PyYAML was built with.
    """
    loader_class = loader_class or _StrictLoader
    try:
        loader: Any = loader_class(text)
        try:
            return loader.get_single_data(), []
        finally:
            loader.dispose()
    except _Refusal as exc:
        return None, [exc.refused]
    except (ReaderError, ScannerError, ParserError) as exc:
        if loader_class is not _PythonStrictLoader:  # libyaml's own wording: ask PyYAML's parser
            return _parse_yaml(text, _PythonStrictLoader)
        if isinstance(exc, ReaderError):  # a control character, checked before parsing starts
            message = f"invalid YAML: the character {chr(exc.character)!r} is not allowed"
            where = _line_column(text, exc.position)
            return None, [Problem(where, message, expected="printable text", code="syntax")]
        return None, [_syntax_problem(exc)]
    except yaml.YAMLError as exc:
        return None, [_syntax_problem(exc)]


def _syntax_problem(exc: yaml.YAMLError) -> Problem:
    """The problem of YAML that PyYAML's parser, composer or constructor cannot read."""
    mark = getattr(exc, "problem_mark", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    problem = getattr(exc, "problem", None) or str(exc)
    return Problem(where, f"invalid YAML: {problem}", code="syntax")


# -- files ---------------------------------------------------------------------


def read_text(path: Path, max_bytes: int = MAX_TEXT_BYTES) -> str:
    """The text of a small UTF-8 file (a byte-order mark is dropped).

    Parameters
    ----------
    path : Path
        The file.
    max_bytes : int
        Largest size accepted [bytes].

    Raises
    ------
    InputError
        For a file over ``max_bytes`` or text that is not UTF-8.
    """
    name = str(path)
    size = path.stat().st_size
    if size > max_bytes:
        raise InputError(
            Problem(
                "",
                "file is too large",
                found=f"{size:,} bytes",
                expected=f"at most {max_bytes:,} bytes",
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


def read_mapping(path: Path, max_bytes: int | None = None) -> Any:
    """Parse a YAML or JSON file into plain Python data, within the structural limits.

    Parameters
    ----------
    path : Path
        A ``.json`` file, or YAML under any other ending.
    max_bytes : int, optional
        Largest size accepted [bytes]; default :data:`MAX_TEXT_BYTES` for
        JSON and :data:`MAX_YAML_BYTES` for YAML.

    Raises
    ------
    InputError
        With the line and column of a syntax error, a key given twice, a key
        that is not a scalar, nesting beyond :data:`MAX_NESTING_DEPTH`, more
        than :data:`MAX_VALUES` values or an integer longer than
        :data:`MAX_INTEGER_DIGITS`; or for a file too large or not UTF-8.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "fees.yaml"
    >>> _ = path.write_text("base: &fee {kind: recurring, amount: 10}\\nfee: {<<: *fee, amount: 12}\\n")
    >>> read_mapping(path)["fee"]
    {'kind': 'recurring', 'amount': 12}
    """
    is_json = path.suffix.lower() == ".json"
    if max_bytes is None:
        max_bytes = MAX_TEXT_BYTES if is_json else MAX_YAML_BYTES
    text = read_text(path, max_bytes)
    data, problems = _parse_json(text) if is_json else _parse_yaml(text)
    if problems:
        raise InputError(problems, str(path))
    return data


def read_case_text(path: Path) -> Case:
    """Read and validate a case from a ``.yaml``, ``.yml`` or ``.json`` file."""
    return validate_case(read_mapping(path), file=str(path))
