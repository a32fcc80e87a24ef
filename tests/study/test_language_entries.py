"""A data entry may declare the language version its rows answered in (``language: Khmer``):
two files may then share a wave, and the rows get the language in the ``design.language``
column. Every mistake is a SpecError naming the file and the key path."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from stigma_analysis.errors import SpecError
from stigma_analysis.study import load_study

UCLA = {"instrument": "ucla3", "columns": "lone{item}", "name": "ucla"}


def _file(folder: Path, name: str, ids: list[str], **extra: list[object]) -> None:
    k = len(ids)
    pd.DataFrame(
        {
            "rid": ids,
            "lone1": [1, 2, 3, 1][:k],
            "lone2": [2, 2, 3, 1][:k],
            "lone3": [3, 1, 2, 2][:k],
            **extra,
        }
    ).to_csv(folder / name, index=False)


def _study(folder: Path, data: list[dict], **over: object) -> Path:
    spec: dict = {
        "title": "Language versions",
        "data": data,
        "id": "rid",
        "instruments": [UCLA],
        "design": {"language": "language"},
    }
    spec.update(over)
    path = folder / "study.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def _error(path: Path) -> SpecError:
    with pytest.raises(SpecError) as info:
        load_study(path)
    assert info.value.file == path
    return info.value


def test_two_language_versions_of_each_wave_combine(tmp_path: Path) -> None:
    _file(tmp_path, "w1_km.csv", ["K1", "K2", "K3"])
    _file(tmp_path, "w1_th.csv", ["T1", "T2"])
    _file(tmp_path, "w2_km.csv", ["K1", "K2"])
    _file(tmp_path, "w2_th.csv", ["T1"])
    study = load_study(
        _study(
            tmp_path,
            [
                {"path": "w1_km.csv", "wave": 1, "language": "Khmer"},
                {"path": "w1_th.csv", "wave": 1, "language": "Thai"},
                {"path": "w2_km.csv", "wave": 2, "language": "Khmer"},
                {"path": "w2_th.csv", "wave": 2, "language": "Thai"},
            ],
        )
    )
    d = study.data
    assert study.language == "language"
    assert len(d) == 8
    got = d.set_index(["rid", "wave"])["language"].sort_index().to_dict()
    assert got == {
        ("K1", 1): "Khmer",
        ("K1", 2): "Khmer",
        ("K2", 1): "Khmer",
        ("K2", 2): "Khmer",
        ("K3", 1): "Khmer",
        ("T1", 1): "Thai",
        ("T1", 2): "Thai",
        ("T2", 1): "Thai",
    }
    # each row still says which file and row it came from
    t2 = d[d["rid"] == "T2"].iloc[0]
    assert (t2["_file"], t2["_row"]) == ("w1_th.csv", 2)
    assert study.waves == [1, 2]
    assert "language" not in study.groups  # it is not a table breakdown
    assert study.validate().empty


def test_a_column_that_agrees_with_the_entry_is_kept(tmp_path: Path) -> None:
    _file(tmp_path, "km.csv", ["K1", "K2"], language=["khmer", None])
    _file(tmp_path, "th.csv", ["T1"], language=["Thai"])
    study = load_study(
        _study(
            tmp_path,
            [
                {"path": "km.csv", "wave": 1, "language": "Khmer"},
                {"path": "th.csv", "wave": 1, "language": "Thai"},
            ],
        )
    )
    assert study.data["language"].tolist() == ["Khmer", "Khmer", "Thai"]


def test_a_row_in_another_language_is_refused(tmp_path: Path) -> None:
    _file(tmp_path, "km.csv", ["K1", "K2"], language=["Khmer", "Thai"])
    path = _study(tmp_path, [{"path": "km.csv", "wave": 1, "language": "Khmer"}])
    err = _error(path)
    assert err.key == "data[0].language"
    assert "km.csv row 2" in str(err)
    assert "'Thai'" in str(err)


def test_language_entries_need_design_language(tmp_path: Path) -> None:
    _file(tmp_path, "km.csv", ["K1"])
    _file(tmp_path, "th.csv", ["T1"])
    data = [
        {"path": "km.csv", "wave": 1, "language": "Khmer"},
        {"path": "th.csv", "wave": 1, "language": "Thai"},
    ]
    err = _error(_study(tmp_path, data, design={}))
    assert err.key == "design.language"
    assert "Khmer" in str(err)


def test_a_shared_wave_needs_a_language_on_each_file(tmp_path: Path) -> None:
    _file(tmp_path, "a.csv", ["K1"])
    _file(tmp_path, "b.csv", ["T1"])
    err = _error(
        _study(
            tmp_path,
            [{"path": "a.csv", "wave": 1, "language": "Khmer"}, {"path": "b.csv", "wave": 1}],
        )
    )
    assert "data[1].wave" in str(err)
    assert "same wave number" in str(err)


def test_one_language_twice_in_a_wave_is_refused(tmp_path: Path) -> None:
    _file(tmp_path, "a.csv", ["K1"])
    _file(tmp_path, "b.csv", ["K2"])
    err = _error(
        _study(
            tmp_path,
            [
                {"path": "a.csv", "wave": 1, "language": "Khmer"},
                {"path": "b.csv", "wave": 1, "language": "Khmer"},
            ],
        )
    )
    assert "data[1].language" in str(err)


def test_an_empty_language_is_refused(tmp_path: Path) -> None:
    _file(tmp_path, "a.csv", ["K1"])
    err = _error(_study(tmp_path, [{"path": "a.csv", "wave": 1, "language": " "}]))
    assert err.key == "data[0].language"


def test_the_same_id_in_two_versions_of_a_wave_is_a_problem(tmp_path: Path) -> None:
    _file(tmp_path, "km.csv", ["K1", "X"])
    _file(tmp_path, "th.csv", ["X"])
    study = load_study(
        _study(
            tmp_path,
            [
                {"path": "km.csv", "wave": 1, "language": "Khmer"},
                {"path": "th.csv", "wave": 1, "language": "Thai"},
            ],
        )
    )
    problems = study.validate()
    assert (problems["kind"] == "id").any()


def test_a_coded_column_matches_the_entry_through_its_value_labels(tmp_path: Path) -> None:
    _file(tmp_path, "km.csv", ["K1", "K2"], language=[1, 1])
    _file(tmp_path, "th.csv", ["T1", "T2"], language=[2, 1])
    book = "variables:\n  language:\n    value_labels: {1: Khmer / ខ្មែរ, 2: Thai}\n"
    (tmp_path / "book.yaml").write_text(book, encoding="utf-8")
    entries = [
        {"path": "km.csv", "wave": 1, "language": "Khmer", "codebook": "book.yaml"},
        {"path": "th.csv", "wave": 1, "language": "Thai", "codebook": "book.yaml"},
    ]
    err = _error(_study(tmp_path, entries))
    # code 1 is 'Khmer / ខ្មែរ': it agrees with km.csv, not with th.csv's second row
    assert err.key == "data[1].language"
    assert "th.csv row 2" in str(err)
    _file(tmp_path, "th.csv", ["T1", "T2"], language=[2, 2])
    study = load_study(tmp_path / "study.yaml")
    assert study.data["language"].tolist() == ["Khmer", "Khmer", "Thai", "Thai"]
