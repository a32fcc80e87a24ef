"""Population norms (``norms:``) in instrument definitions and the study file's override."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from stigma_analysis.errors import SpecError
from stigma_analysis.instruments import Instrument, ScaleNorms, load_instrument
from stigma_analysis.instruments.registry import shipped_ids
from stigma_analysis.study import load_study
from tests.conftest import EXAMPLE_STUDY

BASE: dict[str, Any] = {
    "id": "test_scale",
    "name": "Test scale",
    "direction": "lower_is_better",
    "response": {"min": 1, "max": 4},
    "items": [1, 2, 3, 4],
    "scales": {"total": "all", "first_two": [1, 2]},
}
BOTH = {
    "functional": {"mean": 1.9, "sd": 0.4},
    "dysfunctional": {"mean": 2.6, "sd": 0.5},
    "citation": "Test norms",
}


def _with(norms: Any, **changes: Any) -> dict[str, Any]:
    raw = copy.deepcopy(BASE)
    raw.update(changes)
    raw["norms"] = norms
    return raw


def test_norms_parse_and_choose_the_criterion() -> None:
    ins = Instrument.from_dict(_with({"total": BOTH}))
    n = ins.norms["total"]
    assert isinstance(n, ScaleNorms)
    assert n.functional is not None
    assert n.functional.mean == 1.9
    assert n.criterion == "c"
    only_dys = {"dysfunctional": BOTH["dysfunctional"], "citation": "x"}
    only_fun = {"functional": BOTH["functional"], "citation": "x"}
    assert Instrument.from_dict(_with({"total": only_dys})).norms["total"].criterion == "a"
    assert Instrument.from_dict(_with({"total": only_fun})).norms["total"].criterion == "b"
    assert Instrument.from_dict(BASE).norms == {}


@pytest.mark.parametrize(
    ("norms", "key", "message"),
    [
        ({"totl": BOTH}, "norms.totl", "not one of the scales"),
        ({"total": {**BOTH, "citation": " "}}, "norms.total.citation", "where the norms come"),
        ({"total": {"citation": "x"}}, "norms.total", "functional"),
        (
            {"total": {**BOTH, "functional": {"mean": 1.9, "sd": 0}}},
            "norms.total.functional.sd",
            "above 0",
        ),
        (
            {"total": {**BOTH, "functional": {"mean": True, "sd": 0.4}}},
            "norms.total.functional.mean",
            "finite number",
        ),
        (
            {"total": {**BOTH, "functional": {"mean": 1.9}}},
            "norms.total.functional.sd",
            "required",
        ),
        (
            {"total": {**BOTH, "functional": {"mean": 1.9, "sd": 0.4, "median": 2}}},
            "norms.total.functional.median",
            "unknown key",
        ),
        (
            {"total": {**BOTH, "dysfunctional": {"mean": 4.6, "sd": 0.5}}},
            "norms.total.dysfunctional.mean",
            "outside the scale range",
        ),
        (
            {"total": {**BOTH, "functional": {"mean": 2.9, "sd": 0.4}}},
            "norms.total.functional.mean",
            "must lie below the dysfunctional mean",
        ),
    ],
)
def test_bad_norms_name_the_key(norms: Any, key: str, message: str) -> None:
    with pytest.raises(SpecError, match=message) as err:
        Instrument.from_dict(_with(norms), file="scale.yaml")
    assert err.value.key == key
    assert "scale.yaml" in str(err.value)


def test_direction_decides_which_side_is_functional() -> None:
    flipped = {"total": {**BOTH, "functional": {"mean": 2.9, "sd": 0.4}}}
    ins = Instrument.from_dict(_with(flipped, direction="higher_is_better"))
    assert ins.norms["total"].criterion == "c"


def test_sum_scored_scale_range_is_the_sum_range() -> None:
    norms = {"total": {"functional": {"mean": 8.0, "sd": 2.0}, "citation": "x"}}
    assert Instrument.from_dict(_with(norms, scoring="sum")).norms["total"].functional
    with pytest.raises(SpecError, match=r"outside the scale range \[1, 4\]"):
        Instrument.from_dict(_with(norms))


def test_with_norms_replaces_per_scale_and_keeps_the_others() -> None:
    ins = Instrument.from_dict(_with({"total": BOTH, "first_two": BOTH}))
    only_fun = {"functional": {"mean": 1.5, "sd": 0.3}, "citation": "study"}
    out = ins.with_norms({"total": only_fun})
    assert out.norms["total"].criterion == "b"
    assert out.norms["first_two"] == ins.norms["first_two"]
    assert ins.norms["total"].criterion == "c"  # the original is unchanged
    assert ins.with_norms({}) is ins


def test_shipped_instruments_carry_no_unconfirmed_norms() -> None:
    # docs/instruments.md: no shipped instrument has confirmed published functional or
    # dysfunctional norms (mean and sd), so none ships any.
    for iid in shipped_ids():
        assert load_instrument(iid).norms == {}, iid


# ----------------------------------------------------------------------------- study file
def _study_with(tmp_path: Path, norms: Any, index: int = 0) -> Path:
    folder = tmp_path / "study"
    shutil.copytree(EXAMPLE_STUDY.parent, folder)
    path = folder / "study.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["instruments"][index]["norms"] = norms
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return path


def test_the_example_declares_illustrative_norms() -> None:
    text = EXAMPLE_STUDY.read_text(encoding="utf-8")
    assert "ILLUSTRATIVE ONLY" in text
    study = load_study(EXAMPLE_STUDY)
    ismi = study.instrument("ismi").instrument.norms["total_excl_sr"]
    assert ismi.criterion == "c"
    assert "Illustrative" in ismi.citation
    assert study.instrument("hscl").instrument.norms["total"].criterion == "b"
    assert study.instrument("eds").instrument.norms == {}


def test_study_norms_override_the_definition(tmp_path: Path) -> None:
    norms = {"total": {"dysfunctional": {"mean": 2.5, "sd": 0.5}, "citation": "Study sample"}}
    study = load_study(_study_with(tmp_path, norms))
    got = study.instrument("ismi").instrument.norms
    assert set(got) == {"total"}
    assert got["total"].criterion == "a"


@pytest.mark.parametrize(
    ("norms", "key"),
    [
        ({"total": {"functional": {"mean": 2, "sd": -1}, "citation": "x"}},
         "instruments[0].norms.total.functional.sd"),
        ({"totl": {"functional": {"mean": 2, "sd": 1}, "citation": "x"}},
         "instruments[0].norms.totl"),
        ({"total": {**BOTH, "functional": {"mean": 2.9, "sd": 0.4}}},
         "instruments[0].norms.total.functional.mean"),
        ({"total": {"functional": {"mean": 2, "sd": 1}}}, "instruments[0].norms.total.citation"),
    ],
)  # fmt: skip
def test_bad_study_norms_name_the_study_file_and_key(tmp_path: Path, norms: Any, key: str) -> None:
    path = _study_with(tmp_path, norms)
    with pytest.raises(SpecError) as err:
        load_study(path)
    assert err.value.key == key
    assert str(path) in str(err.value)
