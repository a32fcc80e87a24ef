"""CSV dialects: the separator is detected (comma, semicolon, tab), a BOM is dropped, and the
command line says what it detected."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import stigma_analysis as sa
from stigma_analysis.io._tabular import detect_separator


@pytest.mark.parametrize(
    ("header", "sep"),
    [
        ("id,wave,q1", ","),
        ("id;wave;q1", ";"),
        ("id\twave\tq1", "\t"),
        ('"a;b",c,d', ","),  # a quoted semicolon inside a comma-separated name
        ("onlyone", ","),
    ],
)
def test_detect_separator(header: str, sep: str) -> None:
    assert detect_separator(header + "\n1,2,3\n") == sep


@pytest.mark.parametrize(
    ("sep", "bom"), [(";", b""), ("\t", b"\xef\xbb\xbf"), (";", b"\xef\xbb\xbf")]
)
def test_semicolon_and_tab_files_are_read_as_tables(tmp_path: Path, sep: str, bom: bytes) -> None:
    path = tmp_path / "export.csv"
    rows = [["id", "wave", "q1", "q2"], ["1", "1", "3", "4"], ["2", "1", "2", "1"]]
    path.write_bytes(bom + "\n".join(sep.join(r) for r in rows).encode("utf-8") + b"\n")
    survey = sa.read_survey(path)
    assert list(survey.data.columns) == ["id", "wave", "q1", "q2"]
    assert survey.data["q2"].tolist() == [4, 1]
    assert any("separator (detected" in n for n in survey.codebook.notes)


def test_the_command_line_says_which_separator_it_detected(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("id;wave;q1\n1;1;3\n2;1;2\n", encoding="utf-8")
    exe = Path(sys.executable).parent / "stigma-analysis"
    out = subprocess.run(
        [str(exe), "describe", str(path)], capture_output=True, text=True, check=False
    )
    assert out.returncode == 0, out.stderr
    assert "';' as the separator" in out.stderr
    assert "q1" in out.stdout
