"""Loading cases from YAML and JSON, bundled samples, and the errors a user sees."""

from __future__ import annotations

import json
import shutil

import pytest
import yaml

import bidfit
from bidfit.errors import InputError


def test_yaml_and_json_give_the_same_case(tmp_path):
    source = bidfit.sample_path("norway_roaming")
    data = yaml.safe_load(source.read_text())
    path = tmp_path / "norway.json"
    path.write_text(json.dumps(data))
    assert bidfit.load(path) == bidfit.load(source)


def test_yml_suffix_is_read(tmp_path):
    path = tmp_path / "case.yml"
    shutil.copy(bidfit.sample_path("service_tiers"), path)
    assert bidfit.load(path).name == "Billing platform support tiers"


def test_samples_are_bundled_with_the_installed_package():
    assert bidfit.sample_names() == ["fixed_broadband", "norway_roaming", "service_tiers"]
    for name in bidfit.sample_names():
        case = bidfit.load_sample(name)
        assert case.bids and case.revenue


def test_unknown_sample_says_which_exist():
    with pytest.raises(InputError, match=r"no bundled sample named 'nope'.*norway_roaming"):
        bidfit.load_sample("nope")


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match=r"missing\.yaml: file not found"):
        bidfit.load(tmp_path / "missing.yaml")


def test_unknown_suffix(tmp_path):
    path = tmp_path / "case.txt"
    path.write_text("name: x")
    with pytest.raises(
        InputError, match=r"unknown file type \(found '.txt'; expected .yaml, .yml, .json, .xlsx\)"
    ):
        bidfit.load(path)


def test_yaml_syntax_error_gives_line_and_column(tmp_path):
    path = tmp_path / "case.yaml"
    path.write_text("name: x\nrevenue:\n  - name: [unclosed\n")
    with pytest.raises(InputError) as info:
        bidfit.load(path)
    (problem,) = info.value.problems
    assert problem.where.startswith("line ") and "invalid YAML" in problem.message
    assert problem.file == str(path)


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("case.json", '{"name": "x",\n "horizon_years": }', r"line 2, column 19: invalid JSON"),
        ("case.yaml", "name: a\nhorizon_years: 5\nhorizon_years: 7\n", "key 'horizon_years' is given twice"),
        ("case.yaml", "name: !!python/object/apply:os.system ['echo hacked']\n", "invalid YAML"),
        ("case.yaml", "- just\n- a list\n", "the file does not hold a case"),
    ],
    ids=[
        "json syntax error: line and column",
        "duplicate yaml keys",
        "yaml tags that would run code",
        "not a mapping",
    ],
)
def test_unreadable_text_is_refused_saying_why(tmp_path, name, text, message):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(InputError, match=message):
        bidfit.load(path)


def test_non_utf8_text_is_refused(tmp_path):
    path = tmp_path / "case.yaml"
    path.write_bytes("name: Bj\xf8rn\n".encode("latin-1"))
    with pytest.raises(InputError, match="not UTF-8"):
        bidfit.load(path)


def test_nan_in_json_is_rejected_with_the_field(tmp_path):
    data = yaml.safe_load(bidfit.sample_path("norway_roaming").read_text())
    data["discount_rate"] = float("nan")
    path = tmp_path / "case.json"
    path.write_text(json.dumps(data))  # writes NaN, which Python's json accepts
    with pytest.raises(InputError, match="discount_rate: Input should be a finite number"):
        bidfit.load(path)


def test_loading_never_modifies_the_input(tmp_path):
    path = tmp_path / "case.yaml"
    shutil.copy(bidfit.sample_path("norway_roaming"), path)
    before = path.read_bytes(), path.stat().st_mtime_ns
    bidfit.analyze(bidfit.load(path))
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before


NORWAY_AS_TEXT = """\
name: no
customer: Telenor NO
currency: NOK
horizon_years: 3
discount_rate: 0.08
policy:
  require_source: true
revenue:
  - name: NO
    kind: revenue
    annual_amount: 500000
    source: off
  - name: Sweden
    kind: saving
    annual_amount: 100000
    source: On
bids:
  - name: Y
    vendor: yes
    scope: [NO]
    costs:
      - name: n
        category: capex
        kind: one_time
        amount: 300000
        source: OFF
"""


def test_yaml_words_that_yaml_1_1_takes_for_booleans_stay_the_text_written(tmp_path):
    """Only true/false are booleans: a stream named NO (Norway) stays 'NO', not False."""
    path = tmp_path / "norway.yaml"
    path.write_text(NORWAY_AS_TEXT)
    case = bidfit.load(path)
    assert (case.name, case.customer, case.currency) == ("no", "Telenor NO", "NOK")
    assert [s.name for s in case.revenue] == ["NO", "Sweden"]
    assert [s.source for s in case.revenue] == ["off", "On"]
    bid = case.bids[0]
    assert (bid.name, bid.vendor, bid.scope) == ("Y", "yes", ["NO"])
    assert (bid.costs[0].name, bid.costs[0].source) == ("n", "OFF")
    assert case.policy.require_source is True  # true is still a boolean
    assert bidfit.analyze(case).bids["Y"].npv == pytest.approx(
        -300_000 + sum(500_000 / 1.08**t for t in range(1, 4)), rel=1e-12
    )


@pytest.mark.parametrize("word", ["yes", "no", "off", "y", "NO", "true", "False"])
def test_a_yes_or_no_word_where_a_number_is_expected_is_refused(tmp_path, word):
    path = tmp_path / "amount.yaml"
    path.write_text(NORWAY_AS_TEXT.replace("amount: 300000", f"amount: {word}"))
    with pytest.raises(InputError) as caught:
        bidfit.load(path)
    (problem,) = caught.value.problems
    assert "amount" in problem.where and "number" in str(problem).lower()
    # the word as written, not False; a YAML 1.2 boolean is true/false, never 1 or 0
    assert problem.found == {"true": True, "False": False}.get(word, word)
