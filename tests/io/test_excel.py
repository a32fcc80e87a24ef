"""Excel data files and delimited text with another separator, with codebooks as for CSV."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stigma_analysis.errors import SurveyReadError
from stigma_analysis.io import read_survey
from stigma_analysis.io._text_answers import text_to_codes


def _workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for r in rows:
            ws.append(r)
    wb.save(path)
    return path


CODEBOOK = """
variables:
  resp_id: {type: string}
  q1:
    label: "I feel ashamed"
    value_labels: {1: Never, 4: Always, 97: Refused}
    missing_codes: [97]
"""


def test_xlsx_first_sheet_with_codebook_beside(tmp_path: Path) -> None:
    path = _workbook(
        tmp_path / "wave1.xlsx",
        {
            "data": [
                ["resp_id", "q1", "visit", "note"],
                ["007", 1, dt.datetime(2024, 3, 1, 9, 30), "ok"],
                ["008", 97, dt.datetime(2024, 3, 2), None],
                ["009", 4, None, "fine"],
            ],
            "other": [["x"], [1]],
        },
    )
    (tmp_path / "wave1.codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    s = read_survey(path)
    assert s.codebook.format == "xlsx"
    assert list(s.data["resp_id"]) == ["007", "008", "009"]
    assert s.data["q1"].tolist()[0] == 1.0
    assert np.isnan(s.data["q1"].iloc[1])
    assert s.codebook.missing_counts("q1") == {97: 1}
    assert s.codebook.missing_reason("q1", 97) == "Refused"
    assert s.codebook.variables["q1"].label == "I feel ashamed"
    assert s.data["visit"].dtype == "datetime64[us]"
    assert s.data["note"].tolist() == ["ok", None, "fine"]


def test_xlsx_named_sheet_and_errors(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "d.xlsx", {"a": [["x"], [1]], "b": [["y", "z"], [2, 3]]})
    assert list(read_survey(path, sheet="b").data.columns) == ["y", "z"]
    assert list(read_survey(path, sheet=1).data.columns) == ["y", "z"]
    with pytest.raises(SurveyReadError, match="no sheet named 'c'; sheets: a, b"):
        read_survey(path, sheet="c")
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a zip")
    with pytest.raises(SurveyReadError, match="not a readable Excel workbook"):
        read_survey(bad)
    dup = _workbook(tmp_path / "dup.xlsx", {"s": [["x", "x"], [1, 2]]})
    with pytest.raises(SurveyReadError, match="names 'x' twice"):
        read_survey(dup)


def test_semicolon_csv_keeps_declared_text_and_codes(tmp_path: Path) -> None:
    path = tmp_path / "w.csv"
    path.write_text("resp_id;q1;name\n007;1;Sok\n008;97;Dara\n", encoding="utf-8")
    (tmp_path / "w.codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    s = read_survey(path, sep=";")
    assert list(s.data["resp_id"]) == ["007", "008"]
    assert s.codebook.missing_counts("q1") == {97: 1}
    assert s.data["name"].tolist() == ["Sok", "Dara"]


def test_text_answers_match_labels_ignoring_case_and_blanks() -> None:
    labels = {1.0: "Strongly disagree", 2.0: "Disagree", 3.0: "Agree", 4.0: "Strongly agree"}
    values = pd.Series(["Strongly agree", "  strongly   DISAGREE ", "3", None, "Agreed", 9])
    codes, unmatched = text_to_codes(values, labels)
    np.testing.assert_array_equal(codes[:3], [4.0, 1.0, 3.0])
    assert np.isnan(codes[3])
    assert not unmatched[3]
    assert unmatched.tolist() == [False, False, False, False, True, False]
    assert codes[5] == 9.0  # a number stays a number: range checks come later
