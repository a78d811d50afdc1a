"""The YAML loader: libyaml's parser when PyYAML has it, with the same rules and errors as PyYAML's own."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from yaml._yaml import CParser

import bidfit
from bidfit.io import textfiles
from bidfit.io.textfiles import _LOADERS, _parse_yaml, _StrictLoader

LIBYAML_LOADER, PYTHON_LOADER = _LOADERS


def alias_bomb() -> str:
    """Nine nested anchors standing for 10**9 strings in a few hundred bytes."""
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x","x"]']
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    return "\n".join(lines) + "\n"


HOSTILE = {
    "500 levels of flow lists": "name: " + "[" * 500 + "]" * 500 + "\n",
    "40 levels of block mappings": "".join(" " * i + "a:\n" for i in range(40)),
    "a 5000-digit integer": "name: x\nhorizon_years: " + "9" * 5000 + "\n",
    "a list as a key": "name: x\n? [a]\n: 1\n",
    "an alias bomb": alias_bomb(),
    "a recursive alias": "name: &n [*n]\n",
    "a key given twice": "a: 1\nb: 2\na: 3\n",
    "a key given twice after a merge": "fee: &fee {kind: recurring}\nother: {<<: *fee, amount: 1, amount: 2}\n",
    "a control character": "name: a\x01b\n",
    "a control character after accents": "name: été\x01b\n",
    "a NUL character": "a: \x00\n",
    "an empty !!int": "name: !!int\n",
    "a !!timestamp on a word": "name: !!timestamp soon\n",
    "a date that does not exist": "name: 2024-02-30\n",
    "a merge of a number": "name: &n x\nbids: {<<: 1}\n",
    "two merge keys": "a: &a {x: 1}\nb: {<<: *a, <<: *a}\n",
    "a tag that would run code": "name: !!python/object/apply:os.system ['echo hacked']\n",
    "an undefined alias": "a: *x\n",
    "two documents": "a: 1\n---\nb: 2\n",
    "YAML 1.1 booleans": "a: [NO, yes, on, off, True, FALSE, y, n]\n",
    "numbers of every base": "a: [.nan, .inf, 1e3, 0x1F, 0o17, 1_000, 2024-02-28]\n",
    "an empty file": "",
    "a set and bytes": "a: !!set {x, y}\nb: !!binary aGVsbG8=\n",
}
"""Texts whose data or refusal is the same, word for word, from either parser."""

SYNTAX_ERRORS = {
    "a value indented under a value": (
        "a: 1\n b: 2\n",
        "line 2, column 3",
        "mapping values are not allowed here",
    ),
    "a list never closed": ("a: [1, 2\n", "line 2, column 1", "expected ',' or ']', but got '<stream end>'"),
    "a tab as indentation": (
        "a:\n\t- 1\n",
        "line 2, column 1",
        "found character '\\t' that cannot start any token",
    ),
    "two colons on a line": ("a: b: c\n", "line 1, column 5", "mapping values are not allowed here"),
    "a quote never closed": ("a: 'x\n", "line 2, column 1", "found unexpected end of stream"),
}
"""Syntax errors: libyaml words them its own way, so PyYAML's parser reads the text again and words them."""


def outcome(text: str, loader: type) -> tuple[object, list[tuple[str, str, str]]]:
    data, problems = _parse_yaml(text, loader)
    return data, [(p.where, p.message, p.code) for p in problems]


def test_pyyaml_is_installed_with_libyaml_and_the_loader_uses_it():
    assert yaml.__with_libyaml__
    assert _StrictLoader is LIBYAML_LOADER
    assert issubclass(_StrictLoader, CParser)
    assert not issubclass(PYTHON_LOADER, CParser)


def test_read_mapping_parses_with_libyaml(tmp_path, monkeypatch):
    used = []
    original = LIBYAML_LOADER.get_single_data

    def spy(loader):
        used.append(type(loader))
        return original(loader)

    monkeypatch.setattr(LIBYAML_LOADER, "get_single_data", spy)
    path = tmp_path / "case.yaml"
    path.write_text("name: Demo\n")
    assert textfiles.read_mapping(path) == {"name": "Demo"}
    assert used == [LIBYAML_LOADER]


@pytest.mark.parametrize("path", sorted(Path(bidfit.sample_path("norway_roaming")).parent.glob("*.yaml")))
def test_both_loaders_read_each_sample_alike(path):
    text = path.read_text(encoding="utf-8")
    libyaml, python = outcome(text, LIBYAML_LOADER), outcome(text, PYTHON_LOADER)
    assert libyaml == python
    assert libyaml[1] == [] and libyaml[0]["name"]


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_both_loaders_give_the_same_data_or_the_same_errors(text):
    assert outcome(text, LIBYAML_LOADER) == outcome(text, PYTHON_LOADER)


def test_the_hostile_texts_are_refused_with_their_place():
    refused = {name: outcome(text, LIBYAML_LOADER)[1] for name, text in HOSTILE.items()}
    assert refused["an alias bomb"] == [
        ("line 5, column 38", "the file holds more than 100,000 values", "too_many_values")
    ]
    assert refused["40 levels of block mappings"] == [
        ("line 32, column 32", "the data is nested more than 32 levels deep", "too_deep")
    ]
    assert refused["a control character after accents"] == [
        ("line 1, column 10", "invalid YAML: the character '\\x01' is not allowed", "syntax")
    ]
    assert outcome(HOSTILE["YAML 1.1 booleans"], LIBYAML_LOADER)[0] == {
        "a": ["NO", "yes", "on", "off", True, False, "y", "n"]
    }


@pytest.mark.parametrize(("text", "where", "message"), SYNTAX_ERRORS.values(), ids=SYNTAX_ERRORS.keys())
def test_a_syntax_error_reads_the_same_whichever_parser_met_it(text, where, message):
    assert (
        outcome(text, LIBYAML_LOADER)
        == outcome(text, PYTHON_LOADER)
        == (
            None,
            [(where, f"invalid YAML: {message}", "syntax")],
        )
    )
