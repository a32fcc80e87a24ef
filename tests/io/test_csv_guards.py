"""CSV files that used to take minutes, or be read wrongly without a word."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from stigma_analysis.cli import main
from stigma_analysis.errors import SurveyReadError
from stigma_analysis.io import _tabular, read_survey


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        code = main(args)
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_duplicate_column_names_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "dup.csv"
    path.write_text("id,q1,q2,q1\n1,2,3,4\n2,3,4,1\n", encoding="utf-8")
    with pytest.raises(SurveyReadError, match=r"'q1' appears twice \(columns 2 and 4\)") as info:
        read_survey(path)
    assert info.value.path == path


def test_empty_header_cells_are_not_duplicates(tmp_path: Path) -> None:
    path = tmp_path / "blank.csv"
    path.write_text("id,,\n1,2,3\n", encoding="utf-8")
    assert len(read_survey(path).data.columns) == 3


def test_guessed_encoding_is_in_the_codebook_and_said_by_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "cp1252.csv"
    text = "id,comment\n" + "".join(f"{i},café – naïve “quoted” façade\n" for i in range(30))
    path.write_bytes(text.encode("cp1252"))
    cb = read_survey(path).codebook
    assert cb.encoding_guessed
    assert cb.encoding
    code, _, err = _run(["describe", str(path)], capsys)
    assert code == 0
    assert f"read {path.resolve()} as {cb.encoding} (guessed)" in err
    # named, or UTF-8: not guessed, nothing said
    assert not read_survey(path, encoding="cp1252").codebook.encoding_guessed
    code, _, err = _run(["describe", str(path), "--encoding", "cp1252"], capsys)
    assert code == 0
    assert "guessed" not in err


def test_bogus_encoding_is_a_user_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "data.csv"
    path.write_text("id,q1\n1,2\n", encoding="utf-8")
    code, _, err = _run(["describe", str(path), "--encoding", "bogus"], capsys)
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "'bogus' is not an encoding name" in lines[0]
    assert "internal error" not in err


def test_one_long_line_is_refused_before_reading_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_tabular, "MAX_CSV_LINE_BYTES", 1000)
    path = tmp_path / "oneline.csv"
    path.write_bytes(b"x" * 5000)
    with pytest.raises(SurveyReadError, match="first line is longer than 1,000 bytes"):
        read_survey(path)
    later = tmp_path / "later.csv"
    later.write_bytes(b"id,q1\n1,2\n" + b"3," + b"9" * 3000 + b"\n4,5\n")
    with pytest.raises(SurveyReadError, match="line 3 is 3,002 bytes long"):
        read_survey(later)
    fine = tmp_path / "fine.csv"
    fine.write_bytes(b"id,q1\n" + b"1,2\n" * 600)  # longer than the limit, short lines
    assert len(read_survey(fine).data) == 600


def test_a_million_columns_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    n = 20_001
    header = ",".join(f"c{i}" for i in range(n))
    path.write_text(header + "\n" + ",".join(["1"] * n) + "\n", encoding="utf-8")
    with pytest.raises(SurveyReadError, match="header has 20,001 columns, more than the 10,000"):
        read_survey(path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_fifo_as_data_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    os.mkfifo(path)
    with pytest.raises(SurveyReadError, match="named pipe"):
        read_survey(path)


def test_unknown_encoding_name_is_a_read_error_naming_the_file(tmp_path: Path) -> None:
    # a study file's data[i].encoding reaches read_survey: a user's error, not an internal one
    path = tmp_path / "data.csv"
    path.write_text("id,q1\n1,2\n", encoding="utf-8")
    with pytest.raises(SurveyReadError, match="'bogus' is not a text encoding name") as info:
        read_survey(path, encoding="bogus")
    assert info.value.path == path
