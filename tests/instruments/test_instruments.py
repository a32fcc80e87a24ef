"""Instrument model and the shipped registry."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from stigma_analysis.errors import SpecError
from stigma_analysis.instruments import Instrument, list_instruments, load_instrument
from stigma_analysis.instruments.registry import shipped_ids

SHIPPED = shipped_ids()
REQUIRED = {"ismi29", "hss12", "eds9", "pdd12", "hscl25", "mspss12", "rses10", "ucla3"}


def test_required_instruments_are_shipped() -> None:
    assert set(SHIPPED) >= REQUIRED


@pytest.mark.parametrize("iid", SHIPPED)
def test_every_shipped_definition_is_complete(iid: str) -> None:
    ins = load_instrument(iid)
    assert ins.id == iid
    assert ins.citation
    assert ins.licence
    assert ins.sources
    for scale in ins.scales:
        assert ins.scale_items(scale)
    # never item wording: anchors only, ids short
    assert all(len(i) <= 12 for i in ins.items)


def test_only_confirmed_keying_is_validated() -> None:
    """Keying confirmed against a named source (docs/instruments.md); everything else ships provisional."""
    table = list_instruments().set_index("id")
    assert set(table.index[table["status"] == "validated"]) == {
        "ismi29",
        "mspss12",
        "rses10",
        "ucla3",
    }


def test_ismi29_keying_matches_instruments_md() -> None:
    ins = load_instrument("ismi29")
    assert ins.reverse == ("7", "14", "24", "26", "27")
    assert ins.scale_items("stigma_resistance") == ins.reverse
    assert len(ins.scale_items("total_excl_sr")) == 24
    assert [b.from_ for b in ins.cutoffs["total_excl_sr"]] == [1.0, 2.5]
    sizes = {s: len(ins.scale_items(s)) for s in ins.subscales()}
    assert sizes == {
        "alienation": 6,
        "stereotype_endorsement": 7,
        "discrimination_experience": 5,
        "social_withdrawal": 6,
        "stigma_resistance": 5,
    }
    # the five subscales partition the 29 items
    assert sorted(i for s in ins.subscales() for i in ins.scale_items(s)) == sorted(ins.items)


def test_rses_reverse_set_is_rosenberg_order() -> None:
    assert load_instrument("rses10").reverse == ("2", "5", "6", "8", "9")


def test_mspss_subscales() -> None:
    ins = load_instrument("mspss12")
    assert ins.scale_items("family") == ("3", "4", "8", "11")
    assert ins.reverse == ()


@pytest.mark.parametrize(
    ("value", "k", "expected"),
    [(0.8, 5, 4), (0.8, 24, 20), ("80%", 6, 5), (1.0, 9, 9), (1, 10, 1), (8, 10, 8), (12, 10, 10)],
)
def test_min_answered_rules(value: float | int | str, k: int, expected: int) -> None:
    # a 12-item instrument: an integer count may not exceed the number of items
    ins = _tiny(min_answered=value, items=list(range(1, 13)))
    assert ins.min_answered_count(k) == expected


def _tiny(**over: object) -> Instrument:
    raw = {
        "id": "tiny",
        "name": "Tiny",
        "direction": "lower_is_better",
        "response": {"min": 1, "max": 4},
        "items": [1, 2, 3, 4],
        "reverse": [2],
        "scales": {"total": "all", "a": [1, 2], "rest": {"all_except": ["a"]}},
    }
    raw.update(over)
    return Instrument.from_dict(raw)


def test_all_except_resolves_scales_and_items() -> None:
    ins = _tiny()
    assert ins.scale_items("rest") == ("3", "4")
    ins2 = _tiny(scales={"total": "all", "no3": {"all_except": [3]}})
    assert ins2.scale_items("no3") == ("1", "2", "4")


@pytest.mark.parametrize(
    ("over", "key", "match"),
    [
        ({"reverse": [5]}, "reverse[0]", "not one of the items"),
        ({"items": [1, 2, 2, 4]}, "items[2]", "duplicate item"),
        ({"scales": {"a": [1, 9]}}, "scales.a", "not one of the items"),
        ({"scales": {"a": {"all_except": ["zzz"]}}}, "scales.a", "neither a scale nor an item"),
        (
            {"cutoffs": {"total": [{"label": "hi", "from": 3}, {"label": "lo", "from": 1}]}},
            "cutoffs.total[1].from",
            "increasing",
        ),
        (
            {"cutoffs": {"total": [{"label": "x", "from": 7}]}},
            "cutoffs.total[0].from",
            "outside the scale range",
        ),
        (
            {"cutoffs": {"nope": [{"label": "x", "from": 1}]}},
            "cutoffs.nope",
            "not one of the scales",
        ),
        ({"scoring": "median"}, "scoring", "mean"),
        ({"revrse": [1]}, "revrse", "unknown key"),
        ({"min_answered": "eighty"}, "min_answered", "percentage"),
        ({"min_answered": 1.5}, "min_answered", "share"),
        ({"id": "Bad-Id"}, "id", "lower_snake_case"),
    ],
)
def test_invalid_definitions_name_the_key(over: dict, key: str, match: str, tmp_path: Path) -> None:
    raw = {
        "id": "tiny",
        "name": "Tiny",
        "direction": "lower_is_better",
        "response": {"min": 1, "max": 4},
        "items": [1, 2, 3, 4],
        "scales": {"total": "all"},
    }
    raw.update(over)
    f = tmp_path / "tiny.yaml"
    f.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(SpecError, match=match) as info:
        load_instrument(f)
    assert info.value.key == key
    assert info.value.file == f


def test_unknown_shipped_id_suggests_close_matches() -> None:
    with pytest.raises(SpecError, match="did you mean ismi29"):
        load_instrument("ismi_29")


def test_bad_yaml_file(tmp_path: Path) -> None:
    f = tmp_path / "x.yaml"
    f.write_text("id: [unclosed", encoding="utf-8")
    with pytest.raises(SpecError, match="not valid YAML"):
        load_instrument(f)


def test_columns_template_and_mapping() -> None:
    ins = _tiny()
    assert ins.columns("q{item}") == {"1": "q1", "2": "q2", "3": "q3", "4": "q4"}
    with pytest.raises(ValueError, match="no column for items"):
        ins.columns({1: "a"})
    with pytest.raises(ValueError, match="does not have"):
        ins.columns({1: "a", 2: "b", 3: "c", 4: "d", 5: "e"})
