"""The study file states the design: ``design:`` (arm, reference arm, site), per-model ``waves``,
and the instruments' required ``direction``. Every mistake is a SpecError naming file and key."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from stigma_analysis.errors import SpecError
from stigma_analysis.study import load_study

UCLA = {"instrument": "ucla3", "columns": "lone{item}", "name": "ucla"}


def _study(folder: Path, **over: object) -> Path:
    pd.DataFrame(
        {
            "rid": ["R1", "R2", "R3", "R4", "R1", "R2"],
            "wave": [1, 1, 1, 1, 2, 2],
            "programme": ["yes", "no", "yes", "no", "yes", "no"],
            "village": [1, 1, 2, 2, 1, 1],
            "w": [1.0, 2.0, 1.0, 1.5, 1.0, 2.0],
            "lone1": [1, 2, 3, 1, 2, 2],
            "lone2": [1, 2, 3, 2, 2, 1],
            "lone3": [1, 2, 3, 3, 1, 1],
        }
    ).to_csv(folder / "survey.csv", index=False)
    spec: dict = {
        "title": "Design test",
        "data": "survey.csv",
        "id": "rid",
        "instruments": [UCLA],
        "design": {"arm": "programme", "reference_arm": "no", "site": "village"},
    }
    spec.update(over)
    path = folder / "study.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


def _error(path: Path) -> SpecError:
    with pytest.raises(SpecError) as info:
        load_study(path)
    assert info.value.file == path
    return info.value


def test_design_names_arm_reference_and_site(tmp_path: Path) -> None:
    study = load_study(
        _study(
            tmp_path,
            design={"arm": "programme", "reference_arm": "no", "site": "village", "weights": "w"},
        )
    )
    assert study.arm == "programme"
    assert study.reference_arm == "no"
    assert study.site == "village"
    assert study.spec.weights == "w"
    assert study.groups == ["village", "programme"]  # the design's columns are grouping columns


def test_without_a_design_nothing_is_guessed_from_column_names(tmp_path: Path) -> None:
    study = load_study(_study(tmp_path, design={}, groups=["programme", "village"]))
    assert study.arm is None
    assert study.site is None
    assert study.groups == ["programme", "village"]


def test_cluster_serves_as_the_site(tmp_path: Path) -> None:
    study = load_study(_study(tmp_path, design={"cluster": "village"}))
    assert study.site == "village"


def test_reference_arm_by_value_label(tmp_path: Path) -> None:
    import pyreadstat

    frame = pd.DataFrame({"rid": ["a", "b"], "arm": [1.0, 2.0], "lone1": [1.0, 2.0]})
    pyreadstat.write_sav(
        frame,
        tmp_path / "w.sav",
        variable_value_labels={"arm": {1.0: "Intervention / x", 2.0: "Comparison / y"}},
    )
    path = _study(
        tmp_path,
        data="w.sav",
        instruments=[
            {"instrument": "ucla3", "columns": {1: "lone1", 2: "lone1x", 3: "lone1y"}, "name": "u"}
        ],
        design={"arm": "arm", "reference_arm": "comparison"},
    )
    assert load_study(path).reference_arm == 2


@pytest.mark.parametrize(
    ("design", "key", "message"),
    [
        ({"arm": "arm", "reference_arm": 1}, "design.arm", "'arm' is not a column of the data"),
        (
            {"arm": "programme", "reference_arm": "maybe"},
            "design.reference_arm",
            "'maybe' is not a value of the arm column 'programme' (values: no, yes)",
        ),
        ({"site": "district"}, "design.site", "'district' is not a column"),
        ({"language": "lang"}, "design.language", "'lang' is not a column"),
        ({"language": "rid"}, "design.language", "'rid' is the id or wave column"),
        ({"arm": "programme"}, "design", "reference_arm: name the comparison arm"),
        ({"reference_arm": "no"}, "design", "reference_arm is given without arm"),
        ({"arm": "rid", "reference_arm": "R1"}, "design.arm", "'rid' is the id or wave column"),
        ({"typo": "x"}, "design.typo", ""),
    ],
)
def test_design_mistakes_name_the_key(tmp_path: Path, design: dict, key: str, message: str) -> None:
    err = _error(_study(tmp_path, design=design))
    assert err.key == key
    assert message in err.expected


def test_the_id_column_is_not_a_group(tmp_path: Path) -> None:
    err = _error(_study(tmp_path, design={}, groups=["village", "rid"]))
    assert err.key == "groups[1]"
    assert "'rid' is the id column" in err.expected


def test_model_waves(tmp_path: Path) -> None:
    models = [
        {"name": "base", "formula": "ucla_total ~ C(programme)", "waves": [1]},
        {"name": "all", "formula": "ucla_total ~ C(programme)"},
    ]
    study = load_study(_study(tmp_path, models=models))
    assert [m.waves for m in study.spec.models] == [[1], None]
    bad = [{"name": "base", "formula": "ucla_total ~ 1", "waves": [3]}]
    err = _error(_study(tmp_path, models=bad))
    assert (err.key, err.expected) == (
        "models[0].waves",
        "wave 3 is not in the data (waves: [1, 2])",
    )
    err = _error(_study(tmp_path, models=[{"name": "m", "formula": "ucla_total ~ 1", "waves": []}]))
    assert err.key == "models[0].waves"


def test_a_user_instrument_without_direction_is_refused(tmp_path: Path) -> None:
    (tmp_path / "phq.yaml").write_text(
        "id: phq_like\nname: Symptoms\nresponse: {min: 0, max: 3}\nitems: [1, 2, 3]\n",
        encoding="utf-8",
    )
    path = _study(
        tmp_path, instruments=[{"instrument": "phq.yaml", "columns": "lone{item}", "name": "phq"}]
    )
    with pytest.raises(SpecError) as info:
        load_study(path)
    assert info.value.file == tmp_path / "phq.yaml"
    assert info.value.key == "direction"
    assert "higher_is_better" in info.value.expected
    assert "lower_is_better" in info.value.expected


def test_every_shipped_instrument_states_its_direction() -> None:
    from stigma_analysis.instruments import list_instruments, load_instrument

    directions = {i: load_instrument(i).direction for i in list_instruments()["id"]}
    assert directions["mspss12"] == "higher_is_better"
    assert directions["rses10"] == "higher_is_better"
    assert {
        directions[i] for i in ("ismi29", "eds9", "hscl25", "htq16", "pdd12", "ucla3", "hss12")
    } == {"lower_is_better"}
