"""The study file, loading several waves, missing-code bookkeeping and validation."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest
import yaml

from stigma_analysis.errors import DataValidationError, SpecError
from stigma_analysis.scoring import LabelDirectionWarning, score
from stigma_analysis.study import load_study, validate

UCLA = {"instrument": "ucla3", "columns": "lone{item}", "name": "ucla"}


def _write_study(folder: Path, **over: object) -> Path:
    spec = {
        "title": "Planted problems",
        "data": [{"path": "wave1.csv", "wave": 1}, {"path": "wave2.sav", "wave": 2}],
        "id": "rid",
        "groups": ["site"],
        "missing_codes": [97, 98, 99],
        "instruments": [UCLA],
    }
    spec.update(over)
    path = folder / "study.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


def _planted(folder: Path, *, reversed_labels: bool = True) -> Path:
    """Wave 1 (CSV): out-of-range 5, non-numeric 'two', a refusal 97.
    Wave 2 (SAV): a labelled code 9 that is not declared missing, a duplicate id, a user-missing
    98 declared in the file, labels that run the wrong way (1 = Often), and no lone3 column."""
    w1 = pd.DataFrame(
        {
            "rid": ["R1", "R2", "R3", "R4", "R5"],
            "site": [1, 1, 2, 2, 2],
            "lone1": ["1", "2", "5", "3", "97"],
            "lone2": ["1", "2", "3", "two", "2"],
            "lone3": ["1", "2", "3", "1", "2"],
        }
    )
    w1.to_csv(folder / "wave1.csv", index=False)
    w2 = pd.DataFrame(
        {
            "rid": ["R1", "R2", "R2", "R4"],
            "site": [1.0, 1.0, 1.0, 2.0],
            "lone1": [1.0, 9.0, 2.0, 98.0],
            "lone2": [2.0, 2.0, 3.0, 1.0],
        }
    )
    labels = (
        {1.0: "Often", 2.0: "Some of the time", 3.0: "Hardly ever"}
        if reversed_labels
        else {1.0: "Hardly ever", 2.0: "Some of the time", 3.0: "Often"}
    )
    pyreadstat.write_sav(
        w2,
        str(folder / "wave2.sav"),
        variable_value_labels={
            "lone1": {**labels, 9.0: "Skipped by interviewer", 98.0: "Don't know"},
            "lone2": labels,
        },
        missing_ranges={"lone1": [98.0]},
    )
    return _write_study(folder)


def test_load_combines_waves_and_remembers_missing_reasons(tmp_path: Path) -> None:
    study = load_study(_planted(tmp_path))
    assert study.waves == [1, 2]
    assert len(study.data) == 9
    assert list(study.data.columns[:2]) == ["_file", "_row"]
    m = study.missing.set_index(["file", "row", "column"])
    assert m.loc[("wave1.csv", 5, "lone1"), "code"] == 97  # study-level missing code
    assert m.loc[("wave2.sav", 4, "lone1"), "reason"] == "Don't know"  # SPSS user-missing + label
    seen = study.data.groupby(study.wave)[study.id].nunique()
    assert seen.tolist() == [5, 3]


def test_validate_lists_every_planted_problem_and_no_others(tmp_path: Path) -> None:
    problems = validate(_planted(tmp_path))
    got = {
        (r.file, None if pd.isna(r.row) else int(r.row), r.column) for r in problems.itertuples()
    }
    expected = {
        ("wave1.csv", 3, "lone1"),  # 5 is outside 1-3
        ("wave1.csv", 4, "lone2"),  # 'two'
        ("wave2.sav", None, "lone3"),  # column absent from wave 2
        ("wave2.sav", 2, "lone1"),  # 9 'Skipped by interviewer': labelled but not declared missing
        ("wave2.sav", 2, "rid"),  # R2 twice in wave 2
        ("wave2.sav", 3, "rid"),
        ("wave2.sav", None, "lone1, lone2"),  # labels run the wrong way
    }
    assert got == expected, problems.to_string()
    reasons = dict(
        zip(problems["column"] + "@" + problems["row"].astype(str), problems["reason"], strict=True)
    )
    assert "outside the response range 1-3" in reasons["lone1@3"]
    assert "not a number" in reasons["lone2@4"]
    assert "'Skipped by interviewer'" in reasons["lone1@2"]
    assert "duplicate id within wave 2" in reasons["rid@2"]


def test_validate_raises_with_failure_cases(tmp_path: Path) -> None:
    with pytest.raises(DataValidationError, match="7 problems") as info:
        validate(_planted(tmp_path), raise_on_problems=True)
    assert list(info.value.failure_cases.columns) == [
        "file",
        "row",
        "column",
        "value",
        "reason",
        "kind",
    ]


def _clean(folder: Path) -> Path:
    """The planted study's first wave with its two bad answers fixed."""
    _planted(folder, reversed_labels=False)
    w1 = pd.read_csv(folder / "wave1.csv", dtype=str)
    w1.loc[2, "lone1"] = "3"
    w1.loc[3, "lone2"] = "1"
    w1.to_csv(folder / "wave1.csv", index=False)
    return _write_study(folder, data=[{"path": "wave1.csv", "wave": 1}])


def test_clean_study_scores_with_reason_counts(tmp_path: Path) -> None:
    study = load_study(_clean(tmp_path))
    assert study.validate().empty
    scores = score(study)
    assert list(scores.columns[:3]) == ["rid", "wave", "site"]
    assert scores["ucla_total"].tolist()[:4] == [3.0, 6.0, 9.0, 5.0]
    assert np.isnan(scores["ucla_total"].iloc[4])  # one item refused, all 3 needed
    assert scores["ucla_total_n_answered"].tolist() == [3, 3, 3, 3, 2]
    assert scores["ucla_total_n_missing_97"].tolist() == [0, 0, 0, 0, 1]
    assert scores["ucla_total_band"].astype(str).tolist()[:4] == [
        "not_lonely",
        "lonely",
        "lonely",
        "not_lonely",
    ]


def test_scoring_refuses_invalid_data(tmp_path: Path) -> None:
    study = load_study(_planted(tmp_path))
    with (
        pytest.raises(DataValidationError, match="cannot score"),
        pytest.warns(LabelDirectionWarning, match="opposite to ucla3"),
    ):
        score(study)


def test_inputs_are_never_modified(tmp_path: Path) -> None:
    path = _planted(tmp_path)
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in tmp_path.iterdir()}
    study = load_study(path)
    study.validate()
    with pytest.raises(DataValidationError), pytest.warns(LabelDirectionWarning):
        score(study)
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in tmp_path.iterdir()}
    assert before == after


@pytest.mark.parametrize(
    ("over", "key", "match"),
    [
        ({"titel": "x"}, "titel", "unknown key"),
        ({"id": None}, "id", "string"),
        (
            {"instruments": [dict(UCLA, columns="lone")]},
            "instruments[0].columns",
            "must contain '{item}'",
        ),
        (
            {"instruments": [dict(UCLA, instrument="ucla_3")]},
            "instruments[0].instrument",
            "did you mean ucla3",
        ),
        ({"instruments": [dict(UCLA, colums="x")]}, "instruments[0].colums", "unknown key"),
        (
            {"models": [{"name": "m", "formula": "y ~ x", "family": "mixed"}]},
            "models[0]",
            "needs 'groups'",
        ),
        (
            {"models": [{"name": "m", "formula": "y ~ x", "family": "tobit"}]},
            "models[0].family",
            "gaussian",
        ),
        ({"privacy": {"min_cell": 0}}, "privacy.min_cell", "greater than or equal to 1"),
        ({"data": [{"path": "wave1.csv"}, {"path": "wave2.sav"}]}, "", "needs a wave number"),
        ({"groups": ["sight"]}, "groups[0]", "'sight' is not a column"),
        ({"id": "respondent"}, "id", "'respondent' is not a column of wave1.csv"),
    ],
)
def test_spec_errors_name_file_and_key(tmp_path: Path, over: dict, key: str, match: str) -> None:
    _planted(tmp_path)
    path = _write_study(tmp_path, **over)
    with pytest.raises(SpecError, match=match) as info:
        load_study(path)
    assert info.value.file == path
    if key:
        assert info.value.key == key


def test_missing_study_file(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="study file not found"):
        load_study(tmp_path / "nope.yaml")


def test_user_instrument_file_relative_to_study(tmp_path: Path) -> None:
    _planted(tmp_path, reversed_labels=False)
    (tmp_path / "mine.yaml").write_text(
        yaml.safe_dump(
            {
                "id": "mine",
                "name": "Local two-item scale",
                "status": "validated",
                "direction": "lower_is_better",
                "response": {"min": 1, "max": 3},
                "items": ["a", "b"],
                "reverse": ["b"],
                "scales": {"total": "all"},
            }
        ),
        encoding="utf-8",
    )
    path = _write_study(
        tmp_path,
        data=[{"path": "wave2.sav", "wave": 2}],
        instruments=[
            {"instrument": "mine.yaml", "columns": {"a": "lone1", "b": "lone2"}, "name": "mine"}
        ],
    )
    study = load_study(path)
    assert tmp_path / "mine.yaml" in study.files
    problems = study.validate()
    assert set(problems["reason"].str.slice(0, 9)) == {"code 9 ('", "duplicate"}


def test_reversed_response_flips_answers_but_not_missing_codes(tmp_path: Path) -> None:
    _planted(tmp_path)  # wave2.sav has labels 1 = Often (reversed)
    path = _write_study(
        tmp_path,
        data=[{"path": "wave2.sav", "wave": 2}],
        instruments=[dict(UCLA, reversed_response=True)],
    )
    study = load_study(path)
    # lone1 = [1, 9, 2, 98(user-missing)] -> [3, -5, 2, NaN]; 9 is a planted invalid code
    assert study.data["lone1"].tolist()[:3] == [3.0, -5.0, 2.0]
    assert np.isnan(study.data["lone1"].iloc[3])
    problems = study.validate()
    assert not problems["reason"].str.contains("opposite").any()
    assert problems.loc[problems["column"] == "lone1", "value"].tolist() == [9]  # as in the file


def test_csv_ids_keep_leading_zeros_and_link_to_spss_waves(tmp_path: Path) -> None:
    pd.DataFrame({"rid": ["007", "010"], "lone1": [1, 2], "lone2": [1, 2], "lone3": [1, 2]}).to_csv(
        tmp_path / "w1.csv", index=False
    )
    pyreadstat.write_sav(
        pd.DataFrame(
            {"rid": ["007", "010"], "lone1": [1.0, 2.0], "lone2": [1.0, 2.0], "lone3": [1.0, 2.0]}
        ),
        str(tmp_path / "w2.sav"),
    )
    study = load_study(
        _write_study(
            tmp_path, data=[{"path": "w1.csv", "wave": 1}, {"path": "w2.sav", "wave": 2}], groups=[]
        )
    )
    assert study.data["rid"].tolist() == ["007", "010", "007", "010"]
    assert study.presence().all(axis=None)


def test_numeric_and_text_ids_across_files_are_flagged(tmp_path: Path) -> None:
    pd.DataFrame({"rid": ["007"], "lone1": [1], "lone2": [1], "lone3": [1]}).to_csv(
        tmp_path / "w1.csv", index=False
    )
    pyreadstat.write_sav(
        pd.DataFrame({"rid": [7.0], "lone1": [1.0], "lone2": [1.0], "lone3": [1.0]}),
        str(tmp_path / "w2.sav"),
    )
    study = load_study(
        _write_study(
            tmp_path, data=[{"path": "w1.csv", "wave": 1}, {"path": "w2.sav", "wave": 2}], groups=[]
        )
    )
    assert study.data["rid"].tolist() == ["007", "7"]
    problems = study.validate()
    assert problems["reason"].str.contains("ids are numbers in w2.sav but text in w1.csv").any()


def test_missing_code_inside_a_response_range_is_refused(tmp_path: Path) -> None:
    _planted(tmp_path)
    with pytest.raises(SpecError, match="3 is a valid answer of ucla3") as info:
        load_study(_write_study(tmp_path, missing_codes=[3, 97]))
    assert info.value.key == "missing_codes[0]"


def test_unlabelled_codes_in_covariates_are_kept(tmp_path: Path) -> None:
    pd.DataFrame(
        {"rid": ["a", "b"], "age": [97, 30], "lone1": [1, 97], "lone2": [1, 1], "lone3": [1, 1]}
    ).to_csv(tmp_path / "w1.csv", index=False)
    study = load_study(_write_study(tmp_path, data=[{"path": "w1.csv", "wave": 1}], groups=[]))
    assert study.data["age"].tolist() == [
        97,
        30,
    ]  # an age of 97 is not 'refused' unless labelled so
    assert np.isnan(study.data["lone1"].iloc[1])  # items: the study's codes always apply


def test_one_column_for_two_items_is_refused(tmp_path: Path) -> None:
    _planted(tmp_path)
    bad = dict(UCLA, columns={1: "lone1", 2: "lone1", 3: "lone3"})
    with pytest.raises(SpecError, match="'lone1' is given for items 1 and 2") as info:
        load_study(_write_study(tmp_path, instruments=[bad]))
    assert info.value.key == "instruments[0].columns"


def test_score_name_clashing_with_data_is_refused(tmp_path: Path) -> None:
    pd.DataFrame(
        {"rid": ["a"], "ucla_total": [5], "lone1": [1], "lone2": [1], "lone3": [1]}
    ).to_csv(tmp_path / "w1.csv", index=False)
    with pytest.raises(SpecError, match="'ucla_total' would clash") as info:
        load_study(_write_study(tmp_path, data=[{"path": "w1.csv", "wave": 1}], groups=[]))
    assert info.value.key == "instruments[0].name"


def test_privacy_drop_typo_is_refused(tmp_path: Path) -> None:
    _planted(tmp_path)
    with pytest.raises(SpecError, match="'vilage' is not a column") as info:
        load_study(_write_study(tmp_path, privacy={"drop": ["vilage"]}))
    assert info.value.key == "privacy.drop[0]"


def test_key_given_twice_in_study_file(tmp_path: Path) -> None:
    _planted(tmp_path)
    path = tmp_path / "study.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "id: other\n", encoding="utf-8")
    with pytest.raises(SpecError, match="key 'id' appears twice"):
        load_study(path)
