"""Codebook methods, describe(), and the YAML / CSV codebook files for CSV data."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stigma_analysis.io import (
    Codebook,
    Survey,
    Variable,
    apply_missing_codes,
    describe,
    describe_records,
    read_survey,
)

DESCRIBE_COLUMNS = [
    "name",
    "label",
    "type",
    "measure",
    "format",
    "value_labels",
    "missing_codes",
    "missing_ranges",
    "n_valid",
    "n_missing",
    "n_missing_by_code",
    "min",
    "max",
]


@pytest.fixture
def survey(tmp_path: Path) -> Survey:
    csv = tmp_path / "wave1.csv"
    csv.write_text(
        "resp_id,q1,q2,note\n0001,1,2,ok\n0002,97,3,\n0003,99,-1,NA\n0004,4,,fine\n0005,99,98,ok\n",
        encoding="utf-8",
    )
    book = tmp_path / "book.yaml"
    book.write_text(
        "file_label: Wave 1\n"
        "variables:\n"
        "  resp_id: {type: string, label: Respondent}\n"
        "  q1:\n"
        "    label: Ich fühle mich ausgegrenzt\n"
        "    measure: ordinal\n"
        "    format: F2.0\n"
        "    value_labels: {1: Never, 4: Always, 97: Refused, 98: Don't know, 99: Not applicable}\n"
        "    missing_codes: [97, 98, 99]\n"
        "  q2:\n"
        "    value_labels: {98: Don't know}\n"
        "    missing_codes: [98]\n"
        "    missing_ranges: [[LO, -1]]\n",
        encoding="utf-8",
    )
    return read_survey(csv, codebook=book)


def test_csv_with_yaml_codebook(survey: Survey) -> None:
    d, cb = survey.data, survey.codebook
    assert d["resp_id"].tolist() == ["0001", "0002", "0003", "0004", "0005"]
    assert d["note"].tolist()[2] == "NA"  # only empty cells are missing
    assert pd.isna(d["note"].iloc[1])
    assert d["q1"].isna().tolist() == [False, True, True, False, True]
    assert cb.missing_counts("q1") == {97.0: 1, 99.0: 2}
    assert cb.missing_reason("q1", 99) == "Not applicable"
    assert cb.missing_reason("q1", 1.0) == "Never"
    assert cb.missing_reason("q1", 5) is None
    assert cb.missing_counts("q2") == {-1.0: 1, 98.0: 1}
    assert cb.variables["q2"].missing_ranges == ((-math.inf, -1.0),)
    assert cb.variables["q1"].measure == "ordinal"
    assert cb.variables["q1"].label == "Ich fühle mich ausgegrenzt"
    assert cb.file_label == "Wave 1"
    assert cb.format == "csv"
    assert cb.encoding == "utf-8"


def test_missing_codes_of(survey: Survey) -> None:
    s = survey.codebook.missing_codes_of("q1")
    assert s.index.tolist() == [1, 2, 4]
    assert s.tolist() == [97.0, 99.0, 99.0]
    empty = survey.codebook.missing_codes_of("resp_id")
    assert len(empty) == 0
    with pytest.raises(KeyError, match="nope"):
        survey.codebook.missing_codes_of("nope")


def test_with_missing(survey: Survey) -> None:
    cb = survey.codebook
    cb2 = cb.with_missing("q2", [0], [2])
    assert cb2 is not cb
    assert cb2.missing_codes_of("q2").to_dict() == {0: 2.0, 2: -1.0, 4: 98.0}
    assert cb2.variables["q2"].missing_codes == (2.0, 98.0)
    assert cb.missing_codes_of("q2").to_dict() == {2: -1.0, 4: 98.0}  # original unchanged
    # a code already covered by a range is not added again
    assert cb.with_missing("q2", [1], [-5]).variables["q2"].missing_codes == (98.0,)
    with pytest.raises(ValueError, match="already recorded"):
        cb.with_missing("q2", [2], [97])
    with pytest.raises(ValueError, match="same length"):
        cb.with_missing("q2", [0, 1], [97])
    with pytest.raises(ValueError, match=r"positions in 0\.\.4"):
        cb.with_missing("q2", [5], [97])
    with pytest.raises(ValueError, match="repeat"):
        cb.with_missing("q2", [0, 0], [97, 97])


def test_apply_missing_codes(survey: Survey) -> None:
    s2 = apply_missing_codes(survey, [2, 3])
    assert s2.codebook.missing_codes_of("q2").to_dict() == {0: 2.0, 1: 3.0, 2: -1.0, 4: 98.0}
    assert s2.data["q2"].isna().sum() == 5
    assert survey.data["q2"].isna().sum() == 3
    assert "resp_id" not in s2.codebook.missing_cells  # text columns are left alone
    with pytest.raises(ValueError, match="columns not in the data"):
        apply_missing_codes(survey, [1], columns=["zz"])


def test_describe(survey: Survey) -> None:
    table = describe(survey)
    assert list(table.columns) == DESCRIBE_COLUMNS
    q1 = table.set_index("name").loc["q1"]
    assert q1["n_valid"] == 2
    assert q1["n_missing"] == 3
    assert q1["n_missing_by_code"] == {97.0: 1, 99.0: 2}
    q2 = table.set_index("name").loc["q2"]
    assert q2["n_missing"] == 3  # one system-missing (empty cell) + two user-missing
    assert q2["missing_ranges"] == [[-math.inf, -1.0]]


def test_describe_records_json(survey: Survey) -> None:
    records = describe_records(survey)
    text = json.dumps(records, allow_nan=False)
    back = json.loads(text)
    q1 = next(r for r in back if r["name"] == "q1")
    assert q1["value_labels"]["97"] == "Refused"
    assert q1["missing_codes"] == [97, 98, 99]
    assert q1["n_missing_by_code"] == {"97": 1, "99": 2}
    assert q1["n_valid"] == 2
    q2 = next(r for r in back if r["name"] == "q2")
    assert q2["missing_ranges"] == [[None, -1]]
    for rec in back:
        assert set(DESCRIBE_COLUMNS) <= set(rec)


def test_to_frame(survey: Survey) -> None:
    frame = survey.codebook.to_frame()
    assert frame["name"].tolist() == ["resp_id", "q1", "q2", "note"]
    assert frame.set_index("name").loc["q1", "n_user_missing"] == 3
    assert {"label", "type", "measure", "format", "value_labels"} <= set(frame.columns)


def test_csv_codebook_file(tmp_path: Path) -> None:
    csv = tmp_path / "d.csv"
    csv.write_text("id,q1,s\n1,1,a\n2,-3,b\n3,99,zz\n", encoding="utf-8")
    book = tmp_path / "d.codebook.csv"  # found automatically beside the data
    book.write_text(
        "name,label,type,measure,value_labels,missing_codes,missing_ranges\n"
        'q1,"Felt ashamed; often",numeric,ordinal,1=Never; 99=Refused,99,LO..-1\n'
        "s,Code,string,nominal,a=Alpha; zz=Other,zz,\n",
        encoding="utf-8",
    )
    s = read_survey(csv)
    v = s.codebook.variables
    assert v["q1"].label == "Felt ashamed; often"
    assert v["q1"].value_labels == {1.0: "Never", 99.0: "Refused"}
    assert v["q1"].missing_codes == (99.0,)
    assert v["q1"].missing_ranges == ((-math.inf, -1.0),)
    assert v["s"].missing_codes == ("zz",)
    assert s.codebook.missing_codes_of("q1").to_dict() == {1: -3.0, 2: 99.0}
    assert s.codebook.missing_codes_of("s").to_dict() == {2: "zz"}
    assert any("codebook read from d.codebook.csv" in n for n in s.codebook.notes)


def test_codebook_overrides_sav_metadata(shared_spss: Path, tmp_path: Path) -> None:
    book = tmp_path / "extra.yaml"
    book.write_text(
        "variables:\n  VAR00002:\n    label: Relabelled\n    missing_codes: [1]\n",
        encoding="utf-8",
    )
    s = read_survey(shared_spss / "haven" / "labelled-num-na.sav", codebook=book)
    assert s.codebook.variables["VAR00002"].label == "Relabelled"
    # a field given in the codebook file replaces the file's own (9 is no longer missing)
    assert s.data["VAR00002"].isna().tolist() == [True, False]
    assert s.codebook.missing_codes_of("VAR00002").to_dict() == {0: 1.0}
    assert s.codebook.variables["VAR00002"].value_labels == {1.0: "This is one"}


def test_codebook_object_for_parquet_without_metadata(tmp_path: Path) -> None:
    path = tmp_path / "foreign.parquet"
    pd.DataFrame({"a": [1.0, 9.0, 2.0]}).to_parquet(path, index=False)
    plain = read_survey(path)
    assert plain.codebook.variables["a"] == Variable(name="a")
    cb = Codebook(variables={"a": Variable(name="a", missing_codes=(9.0,), label="A")})
    s = read_survey(path, codebook=cb)
    assert s.codebook.missing_codes_of("a").to_dict() == {1: 9.0}
    assert s.codebook.variables["a"].label == "A"


def test_missing_mask_vectorised() -> None:
    v = Variable(
        name="x", missing_codes=(97.0,), missing_ranges=((-math.inf, -1.0), (200.0, 300.0))
    )
    x = np.array([1.0, 97.0, -5.0, 250.0, np.nan, 300.0, 301.0])
    assert v.missing_mask(x).tolist() == [False, True, True, True, False, True, False]
    s = Variable(name="s", type="string", missing_codes=("x", "99"))
    assert s.missing_mask(np.array(["x", "y", None, "99"], dtype=object)).tolist() == [
        True,
        False,
        False,
        True,
    ]
