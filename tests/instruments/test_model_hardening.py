"""Instrument definitions: the gaps found in review (duplicate keys, key paths, silent clamping)."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from stigma_analysis.errors import SpecError
from stigma_analysis.instruments import Instrument, load_instrument
from stigma_analysis.io._yaml import load_yaml
from stigma_analysis.study import load_study

BASE = """\
id: tiny
name: Tiny
direction: lower_is_better
response: {min: 1, max: 4}
items: [1, 2, 3, 4]
"""


def _write(tmp_path: Path, text: str) -> Path:
    f = tmp_path / "tiny.yaml"
    f.write_text(textwrap.dedent(text), encoding="utf-8")
    return f


def _raw(**over: object) -> dict:
    raw: dict = {
        "id": "tiny",
        "name": "Tiny",
        "direction": "lower_is_better",
        "response": {"min": 1, "max": 4},
        "items": [1, 2, 3, 4],
        "scales": {"total": "all", "a": [1, 2]},
    }
    raw.update(over)
    return raw


def _error(tmp_path: Path, **over: object) -> SpecError:
    """Load ``_raw(**over)`` from a YAML file; return the SpecError (which must name the file)."""
    f = tmp_path / "tiny.yaml"
    f.write_text(yaml.safe_dump(_raw(**over)), encoding="utf-8")
    with pytest.raises(SpecError) as info:
        load_instrument(f)
    assert info.value.file == f
    return info.value


# ---------------------------------------------------------------- 1. duplicate YAML keys
@pytest.mark.parametrize(
    ("text", "key", "message"),
    [
        (
            BASE + "reverse: [1]\nreverse: []\n",
            "reverse",
            "key 'reverse' appears twice (lines 6 and 7)",
        ),
        (
            BASE + "scales:\n  a: [1, 2]\n  a: [3, 4]\n",
            "scales.a",
            "key 'a' appears twice (lines 7 and 8)",
        ),
        (
            BASE + "cutoffs:\n  total:\n    - {label: lo, from: 1, label: hi}\n",
            "cutoffs.total[0].label",
            "key 'label' appears twice (lines 8 and 8)",
        ),
        (
            "id: tiny\nname: Tiny\nresponse:\n  min: 1\n  max: 4\n  labels: {1: a, 1: b}\ndirection: lower_is_better\n",
            "response.labels.1",
            "key 1 appears twice (lines 6 and 6)",
        ),
    ],
)
def test_duplicate_yaml_keys_are_refused(tmp_path: Path, text: str, key: str, message: str) -> None:
    f = _write(tmp_path, text)
    with pytest.raises(SpecError) as info:
        Instrument.from_yaml(f)
    assert info.value.file == f
    assert info.value.key == key
    assert info.value.expected == message


def test_merge_keys_may_be_overridden() -> None:
    text = "base: &b {min: 1, max: 4}\nresponse:\n  <<: *b\n  max: 5\n"
    assert load_yaml(text, file=None) == {
        "base": {"min": 1, "max": 4},
        "response": {"min": 1, "max": 5},
    }


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("id: [unclosed", r"^not valid YAML: .*\(line 1, column 14\)$"),
        ("a: 1\n  b: 2\n", r"^not valid YAML: .*line 2"),
        ("a: 1\n---\nb: 2\n", r"^not valid YAML: expected a single document.*line 2"),
        ("a: !!python/object:os.system x\n", r"^not valid YAML: could not determine a constructor"),
    ],
)
def test_yaml_syntax_errors_name_the_line(text: str, match: str) -> None:
    with pytest.raises(SpecError, match=r"x\.yaml: not valid YAML") as info:
        load_yaml(text, file=Path("x.yaml"))
    assert info.value.key == ""
    assert info.value.file == Path("x.yaml")
    assert re.search(match, info.value.expected)


def test_load_yaml_plain_documents() -> None:
    assert load_yaml("", file=None) is None
    assert load_yaml("a: [1, 2.5, x]\nb: {c: null}\n", file=None) == {
        "a": [1, 2.5, "x"],
        "b": {"c": None},
    }


def test_non_utf8_instrument_file(tmp_path: Path) -> None:
    f = tmp_path / "x.yaml"
    f.write_bytes("name: ñ".encode("latin-1"))
    with pytest.raises(SpecError, match="not UTF-8") as info:
        load_instrument(f)
    assert info.value.key == ""


# ---------------------------------------------------------------- 2. reverse listed twice
def test_reverse_item_listed_twice(tmp_path: Path) -> None:
    err = _error(tmp_path, reverse=[4, 4])
    assert err.key == "reverse[1]"
    assert err.expected == "item 4 is listed twice"


# ---------------------------------------------------------------- 3. key paths without union tags
def test_min_answered_wrong_type_names_the_key_only(tmp_path: Path) -> None:
    err = _error(tmp_path, min_answered=[1])
    assert err.key == "min_answered"
    assert err.expected == (
        "expected a share (0.8), a percentage ('80%') or an item count (3), got [1]"
    )


@pytest.mark.parametrize(
    ("columns", "key", "message"),
    [
        ("5", "instruments[0].columns", "Input should be a valid string or a valid dictionary"),
        (
            "[a, b]",
            "instruments[0].columns",
            "Input should be a valid string or a valid dictionary",
        ),
        ("{1: [x]}", "instruments[0].columns[1]", "Input should be a valid string"),
    ],
)
def test_study_union_errors_name_the_key_only(
    tmp_path: Path, columns: str, key: str, message: str
) -> None:
    f = tmp_path / "study.yaml"
    f.write_text(
        "title: t\ndata: w.sav\nid: rid\ninstruments:\n"
        f"  - instrument: ucla3\n    columns: {columns}\n    name: u\n",
        encoding="utf-8",
    )
    with pytest.raises(SpecError) as info:
        load_study(f)
    assert info.value.file == f
    assert info.value.key == key
    assert info.value.expected.startswith(message)
    for tag in (".str", ".dict[", ".int", "union["):
        assert tag not in str(info.value)


# ---------------------------------------------------------------- 4. duplicate band labels
def test_duplicate_band_labels(tmp_path: Path) -> None:
    err = _error(
        tmp_path, cutoffs={"total": [{"label": "hi", "from": 1}, {"label": "hi", "from": 2}]}
    )
    assert err.key == "cutoffs.total[1].label"
    assert err.expected == "band label 'hi' is used twice (bands 0 and 1)"


# ---------------------------------------------------------------- 5. min_answered as a count
@pytest.mark.parametrize(
    ("value", "hint"), [(80, "e.g. 0.8 or '80%'"), (5, "e.g. 0.05 or '5%'"), (150, "0.8 or '80%'")]
)
def test_integer_min_answered_above_the_item_count(tmp_path: Path, value: int, hint: str) -> None:
    err = _error(tmp_path, min_answered=value)
    assert err.key == "min_answered"
    assert err.expected.startswith(
        f"an item count of {value} is more than the instrument's 4 items"
    )
    assert err.expected.endswith(hint)


def test_integer_min_answered_up_to_the_item_count_is_clamped_per_scale() -> None:
    ins = Instrument.from_dict(_raw(min_answered=4))
    assert ins.min_answered_count(len(ins.scale_items("total"))) == 4
    assert ins.min_answered_count(len(ins.scale_items("a"))) == 2  # the 2-item scale: all of it
    assert Instrument.from_dict(_raw(min_answered=1)).min_answered_count(4) == 1


# ---------------------------------------------------------------- 6. bands, all_except, labels
@pytest.mark.parametrize(
    ("scoring", "start", "message"),
    [
        (
            "mean",
            2.5,
            "the first band starts at 2.5, above the lowest possible score 1: scores from 1 to"
            " below 2.5 would have no band; start the first band at 1",
        ),
        (
            "sum",
            6,
            "the first band starts at 6, above the lowest possible score 4: scores from 4 to"
            " below 6 would have no band; start the first band at 4",
        ),
    ],
)
def test_first_band_above_the_scale_minimum(
    tmp_path: Path, scoring: str, start: float, message: str
) -> None:
    err = _error(tmp_path, scoring=scoring, cutoffs={"total": [{"label": "hi", "from": start}]})
    assert err.key == "cutoffs.total[0].from"
    assert err.expected == message


def test_unordered_bands_are_reported_as_unordered(tmp_path: Path) -> None:
    err = _error(
        tmp_path, cutoffs={"total": [{"label": "hi", "from": 3}, {"label": "lo", "from": 1}]}
    )
    assert err.key == "cutoffs.total[1].from"
    assert err.expected == "bands must be in increasing order"


@pytest.mark.parametrize("empty", [[], None])
def test_all_except_nothing(tmp_path: Path, empty: list | None) -> None:
    err = _error(tmp_path, scales={"total": "all", "b": {"all_except": empty}})
    assert err.key == "scales.b"
    assert err.expected == "all_except: [] excludes nothing; write 'all' instead"


def test_all_except_single_name_is_a_list_of_one() -> None:
    ins = Instrument.from_dict(_raw(scales={"total": "all", "a": [1, 2], "b": {"all_except": "a"}}))
    assert ins.scale_items("b") == ("3", "4")


@pytest.mark.parametrize(("code", "key"), [(0, "response.labels.0"), (5, "response.labels.5")])
def test_response_labels_outside_the_range(tmp_path: Path, code: int, key: str) -> None:
    err = _error(tmp_path, response={"min": 1, "max": 4, "labels": {1: "never", code: "x"}})
    assert err.key == key
    assert err.expected.startswith(f"code {code} is outside the response range [1, 4]")


def test_cutoffs_of_a_broken_scale_do_not_crash(tmp_path: Path) -> None:
    err = _error(
        tmp_path,
        scales={"total": {"all_except": ["nope"]}},
        cutoffs={"total": [{"label": "lo", "from": 1}]},
    )
    assert err.key == "scales.total"
    assert "neither a scale nor an item" in err.expected


# ---------------------------------------------------------------- 7. warning filters
def test_import_leaves_the_warning_filters_alone() -> None:
    code = (
        "import warnings\n"
        "import stigma_analysis.instruments.model as m\n"
        "assert m.Instrument.model_fields['construct'].default == 'other'\n"
        "bad = [f for f in warnings.filters if 'construct' in str(f[1])]\n"
        "assert not bad, bad\n"
    )
    # -W error: the pydantic warning about the `construct` field must not escape at import
    subprocess.run([sys.executable, "-W", "error", "-c", code], check=True)


# ---------------------------------------------------------------- 8. shipped definitions
@pytest.mark.parametrize("iid", ["eds9", "ucla3", "hss12"])
def test_shipped_all_items_rule_is_a_percentage(iid: str) -> None:
    ins = load_instrument(iid)
    assert ins.min_answered == "100%"
    for scale in ins.scales:
        k = len(ins.scale_items(scale))
        assert ins.min_answered_count(k) == k
