"""Hostile and careless YAML and JSON cases: wrong shapes, deep nesting, huge integers, alias bombs.

Each file is refused by the real command in a child process with exit 2 and
one line per problem naming its place (a field path, or a line and column),
no traceback, within bounded CPU time and memory, and without touching the
input. A folder with one such file still reports its valid files. A
hypothesis test throws random structures at every place of a case and
expects either a case or :class:`bidfit.InputError`, nothing else.
"""

from __future__ import annotations

import copy
import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from childproc import assert_clean_refusal, fingerprint, run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bidfit
from bidfit.io.textfiles import read_mapping

CPU_SECONDS, PEAK_MB = 5, 300  # generous bounds for refusing one small file in a child process


def sample() -> dict[str, Any]:
    """The norway_roaming sample as plain data."""
    return yaml.safe_load(bidfit.sample_path("norway_roaming").read_text())


def with_change(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    data = sample()
    change(data)
    return data


def alias_bomb(field: str) -> str:
    """About 700 bytes of YAML whose ``field`` stands for 10**10 items through ten nested anchors."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 10)]
    lines.append(f"{field}: *a9")
    return "\n".join(lines) + "\n"


def wrong_shape(path: tuple[str | int, ...], value: Any) -> str:
    """The sample as YAML with the value at ``path`` replaced."""

    def change(data: dict[str, Any]) -> None:
        node: Any = data
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value

    return yaml.safe_dump(with_change(change), sort_keys=False)


# (file name, text, what the refusal must name)
HOSTILE: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "revenue item is text": (
        "case.yaml",
        wrong_shape(("revenue",), ["Roaming"]),
        ("revenue[0]: must be a mapping of the revenue stream's fields, not text", "found 'Roaming'"),
    ),
    "bid is a number": ("case.yaml", wrong_shape(("bids",), [1]), ("bids[0]: must be a mapping", "found 1")),
    "bids is text": ("case.yaml", wrong_shape(("bids",), "abc"), ("bids: must be a list, not text",)),
    "cost is a number": (
        "case.yaml",
        wrong_shape(("bids", 0, "costs"), [1]),
        ("bids['Vendor A'].costs[0]: must be a mapping of the cost item's fields, not a number",),
    ),
    "fx is a list": ("case.yaml", wrong_shape(("fx",), [1]), ("fx: must be a mapping, not a list",)),
    "fx is text": ("case.yaml", wrong_shape(("fx",), "abc"), ("fx: must be a mapping, not text",)),
    "uncertainty is a number": (
        "case.yaml",
        wrong_shape(("uncertainty",), [1]),
        ("uncertainty[0]: must be a mapping of the uncertainty entry's fields",),
    ),
    "option is a number": (
        "case.yaml",
        wrong_shape(("bids", 0, "options"), [1]),
        ("bids['Vendor A'].options[0]: must be a mapping of the scope option's fields",),
    ),
    "vendor cost is text": (
        "case.yaml",
        wrong_shape(("bids", 0, "vendor_costs"), ["x"]),
        ("bids['Vendor A'].vendor_costs[0]: must be a mapping",),
    ),
    "scope is a mapping": (
        "case.yaml",
        wrong_shape(("bids", 0, "scope"), {"a": 1}),
        ("bids['Vendor A'].scope: must be a list, not a mapping",),
    ),
    "yaml 500 deep": (
        "case.yaml",
        "name: " + "[" * 500 + "]" * 500 + "\n",
        ("line 1, column 38", "32 levels"),
    ),
    "json 1000 deep": (
        "case.json",
        '{"name": ' + "[" * 1000 + "]" * 1000 + "}",
        ("line 1, column 41", "32 levels"),
    ),
    "json 5000-digit integer": (
        "case.json",
        '{"name": "x",\n "horizon_years": ' + "9" * 5000 + "}",
        ("line 2, column 19: an integer of 5,000 digits is too long", "at most 30 digits"),
    ),
    "yaml 5000-digit integer": (
        "case.yaml",
        "name: x\nhorizon_years: " + "9" * 5000 + "\n",
        ("line 2, column 16: an integer of 5,000 digits is too long",),
    ),
    "yaml complex key": (
        "case.yaml",
        "name: x\n? [a]\n: 1\n",
        ("line 2, column 3: a key is a list or a mapping",),
    ),
    "yaml alias bomb": ("case.yaml", alias_bomb("name"), ("line 5, column ", "more than 100,000 values")),
    "yaml recursive alias": (
        "case.yaml",
        "name: &n [*n]\n",
        ("line 1, column 11", "refers to the node that contains it"),
    ),
    "json duplicate key": (
        "case.json",
        '{"name": "x",\n "bids": [{"amount": 90000,\n   "amount": 1}]}',
        ("line 3, column 4: key 'amount' is given twice (first on line 2)",),
    ),
    "yaml key given again after a merge and explicitly": (
        "case.yaml",
        "fee: &fee {kind: recurring}\nother: {<<: *fee, amount: 1, amount: 2}\n",
        ("line 2, column 30: key 'amount' is given twice (first on line 2)",),
    ),
}


@pytest.mark.parametrize("command", ["check", "analyze"])
@pytest.mark.parametrize("attack", list(HOSTILE))
def test_a_hostile_text_file_is_refused_cleanly(tmp_path, attack, command):
    name, text, needles = HOSTILE[attack]
    path = tmp_path / name
    path.write_text(text)
    before = fingerprint(path)
    run = run_cli(command, path, cwd=tmp_path)
    assert_clean_refusal(run, f"{path}: ", *needles)
    assert run.cpu_seconds < CPU_SECONDS, run.cpu_seconds
    assert run.peak_mb < PEAK_MB, run.peak_mb
    assert fingerprint(path) == before
    assert list(tmp_path.iterdir()) == [path]  # analyze wrote no report


def test_every_wrong_shape_is_reported_with_the_other_problems_of_the_file(tmp_path):
    def break_everything(data: dict[str, Any]) -> None:
        data["revenue"].append("Roaming")
        data["bids"][0]["costs"][0] = 1
        data["bids"][0]["vendor_costs"] = "x"
        data["bids"][0]["options"][1] = [{"name": "Denmark"}]
        data["bids"][1]["costs"][0]["amount"] = "five hundred k"
        data["fx"] = ["USD"]
        data["uncertainty"] = [1]

    path = tmp_path / "case.json"
    path.write_text(json.dumps(with_change(break_everything)))
    with pytest.raises(bidfit.InputError) as info:
        bidfit.load(path)
    assert {(p.where, p.code) for p in info.value.problems} == {
        ("revenue[3]", "model_type"),
        ("bids['Vendor A'].costs[0]", "model_type"),
        ("bids['Vendor A'].vendor_costs", "list_type"),
        ("bids['Vendor A'].options[1]", "model_type"),
        ("bids['Competitor B'].costs['Platform'].amount", "float_parsing"),
        ("fx", "dict_type"),
        ("uncertainty[0]", "model_type"),
    }
    assert all(p.file == str(path) and p.expected for p in info.value.problems)


def test_a_folder_with_one_bad_file_still_reports_the_good_one(tmp_path):
    good, bad = tmp_path / "a_good.yaml", tmp_path / "b_bad.yaml"
    good.write_text(bidfit.sample_path("norway_roaming").read_text())
    bad.write_text(wrong_shape(("bids",), [1]))
    run = run_cli("check", tmp_path, "--format", "json", cwd=tmp_path)
    assert_clean_refusal(run, f"{bad}: bids[0]: must be a mapping of the bid's fields, not a number")
    report = json.loads(run.stdout)
    assert [(e["file"], e["bid"], e["passed"]) for e in report["results"]] == [
        (str(good), "Vendor A", False),
        (str(good), "Competitor B", True),
    ]
    assert run.cpu_seconds < CPU_SECONDS and run.peak_mb < PEAK_MB


PLAIN = """\
name: Fees
horizon_years: 5
discount_rate: 0.08
revenue: [{name: Sales, annual_amount: 1000}]
bids:
  - name: A
    scope: [Sales]
    costs:
      - {name: Kit, category: capex, kind: one_time, amount: 900, source: Quote}
      - {name: Care, category: maintenance, kind: recurring, amount: 90, source: Quote}
  - name: B
    scope: [Sales]
    costs:
      - {name: Kit, category: capex, kind: one_time, amount: 700, source: Quote}
      - {name: Care, category: maintenance, kind: recurring, amount: 120, source: Quote}
  - name: C
    scope: [Sales]
    costs:
      - {name: Kit, category: capex, kind: one_time, amount: 900, source: Quote}
      - {name: Care, category: maintenance, kind: recurring, amount: 90, source: Quote}
"""

MERGED = """\
name: Fees
horizon_years: 5
discount_rate: 0.08
revenue: [{name: Sales, annual_amount: 1000}]
bids:
  - name: A
    scope: &scope [Sales]
    costs:
      - &kit {name: Kit, category: capex, kind: one_time, amount: 900, source: Quote}
      - &care {name: Care, category: maintenance, kind: recurring, amount: 90, source: Quote}
  - name: B
    scope: *scope
    costs:
      - {<<: *kit, amount: 700}     # an explicit key overrides the merged one
      - {amount: 120, <<: *care}    # wherever it stands
  - name: C
    scope: *scope
    costs: [*kit, *care]
"""
"""The case of :data:`PLAIN` written with anchors, aliases and merge keys."""


def test_merge_keys_and_anchors_give_the_same_case_as_written_out(tmp_path):
    plain, merged = tmp_path / "plain.yaml", tmp_path / "merged.yaml"
    plain.write_text(PLAIN)
    merged.write_text(MERGED)
    case = bidfit.load(merged)
    assert case == bidfit.load(plain)
    assert [(c.name, c.amount) for c in case.bid("B").costs] == [("Kit", 700.0), ("Care", 120.0)]
    runs = [run_cli("check", path, "--format", "json", cwd=tmp_path) for path in (plain, merged)]
    assert [run.returncode for run in runs] == [0, 0], runs[1].stderr
    verdicts = [[(r["bid"], r["verdict"]) for r in json.loads(run.stdout)["results"]] for run in runs]
    assert verdicts[0] == verdicts[1] == [("A", "better_off"), ("B", "better_off"), ("C", "better_off")]


# -- random structures in every place of a case ---------------------------------

BASE: dict[str, Any] = {
    "name": "Fuzz",
    "customer": "C",
    "currency": "EUR",
    "horizon_years": 5,
    "discount_rate": 0.08,
    "revenue": [{"name": "Roaming", "annual_amount": 380000, "growth": -0.02, "currency": "USD"}],
    "bids": [
        {
            "name": "A",
            "vendor": "V",
            "scope": ["Roaming"],
            "min_margin": 0.1,
            "costs": [
                {"name": "Kit", "category": "capex", "kind": "one_time", "amount": 500000},
                {"name": "Care", "kind": "recurring", "percent_of": ["Kit"], "percent": 0.18},
            ],
            "vendor_costs": [{"name": "Cost", "kind": "one_time", "amount": 300000}],
            "options": [
                {
                    "name": "More",
                    "scope": ["Roaming"],
                    "costs": [{"name": "More kit", "kind": "one_time", "amount": 1000}],
                    "vendor_costs": [{"name": "More cost", "kind": "recurring", "amount": 10}],
                }
            ],
        }
    ],
    "policy": {"max_payback_years": 4, "severity": {"THIN_MARGIN": "error"}},
    "fx": {"USD": 0.9},
    "uncertainty": [
        {"target": "revenue.Roaming.annual_amount", "distribution": "normal", "mean": 380000, "sd": 1000}
    ],
}
"""A small valid case with something in every place: every list, every kind of item, fx, policy."""


def places(value: Any, prefix: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    """Every place in ``value``: each field, each list, each item, each item's field, nested."""
    found = [prefix] if prefix else []
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in items:
        found += places(child, (*prefix, key))
    return found


PLACES = places(BASE)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(-(10**100), 10**100),  # beyond the 30-digit limit
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["Roaming", "A", "Kit", "USD", "usd", "one_time", "recurring", "error", "normal", ""]),
)
text_keys = st.one_of(
    st.text(max_size=8), st.sampled_from(["name", "amount", "kind", "scope", "costs", "THIN_MARGIN", "USD"])
)
yaml_keys = st.one_of(text_keys, st.integers(-5, 5), st.none(), st.booleans(), st.floats(allow_nan=False))


def structures(keys: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Scalars of every type, and lists and mappings of them nested a few levels."""
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
        max_leaves=12,
    )


def put(data: dict[str, Any], place: tuple[str | int, ...], value: Any) -> None:
    """Set ``value`` at ``place``, if an earlier change left the place there."""
    node: Any = data
    try:
        for part in place[:-1]:
            node = node[part]
        node[place[-1]] = value
    except (KeyError, IndexError, TypeError):
        pass


def load_and_check(text: str, suffix: str) -> None:
    """``load`` may raise only InputError; ``check`` records input problems and never raises."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"case{suffix}"
        path.write_text(text)
        try:
            case = bidfit.load(path)
        except bidfit.InputError as error:
            assert error.problems
            case = None
        result = bidfit.check(path)
        assert (str(path) in result.problems) == (case is None)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    changes=st.lists(st.tuples(st.sampled_from(PLACES), structures(text_keys)), min_size=1, max_size=3),
    as_json=st.booleans(),
)
def test_random_structures_anywhere_give_a_case_or_an_input_error(changes, as_json):
    data = copy.deepcopy(BASE)
    for place, value in changes:
        put(data, place, value)
    load_and_check(json.dumps(data) if as_json else yaml.safe_dump(data), ".json" if as_json else ".yaml")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(changes=st.lists(st.tuples(st.sampled_from(PLACES), structures(yaml_keys)), min_size=1, max_size=3))
def test_random_yaml_with_keys_of_every_type_gives_a_case_or_an_input_error(changes):
    data = copy.deepcopy(BASE)
    for place, value in changes:
        put(data, place, value)
    load_and_check(yaml.safe_dump(data), ".yaml")


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("name: a\x01b\n", "line 1, column 8", "invalid YAML: the character '\\x01' is not allowed"),
        ("name: !!int\n", "line 1, column 7", "invalid YAML: cannot read the value ''"),
        ("name: !!timestamp soon\n", "line 1, column 7", "invalid YAML: cannot read the value 'soon'"),
        ("name: 2024-02-30\n", "line 1, column 7", "invalid YAML: cannot read the value '2024-02-30'"),
        (
            "name: &n x\nbids: {<<: 1}\n",
            "line 2, column 12",
            "invalid YAML: expected a mapping or list of mappings",
        ),
        (
            "a: &a {x: 1}\nb: {<<: *a, <<: *a}\n",
            "line 2, column 13",
            "key '<<' is given twice (first on line 2)",
        ),
    ],
)
def test_yaml_values_no_constructor_can_read_are_refused_with_their_line(tmp_path, text, where, message):
    path = tmp_path / "case.yaml"
    path.write_text(text)
    with pytest.raises(bidfit.InputError) as info:
        bidfit.load(path)
    (problem,) = info.value.problems
    assert (problem.where, problem.file) == (where, str(path))
    assert problem.message.startswith(message), problem.message


YAML_AND_JSON_PIECES = [
    *"[]{}:,-?&*!|>'\"#\\ \n\t.0123456789eE_+",
    *("<<", "&a ", "*a", "!!int ", "!!float ", "!!set ", "!!binary ", "!!timestamp ", "0x", "true", "null"),
    *(".nan", "2024-02-30", "\x00", "\ufeff", "key: ", "- "),
]


@settings(max_examples=200, deadline=None)
@given(pieces=st.lists(st.sampled_from(YAML_AND_JSON_PIECES), max_size=60), as_json=st.booleans())
def test_random_text_gives_data_or_an_input_error(pieces, as_json):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / ("case.json" if as_json else "case.yaml")
        path.write_text("".join(pieces))
        try:
            read_mapping(path)
        except bidfit.InputError as error:
            assert error.problems and all(p.file == str(path) for p in error.problems)
