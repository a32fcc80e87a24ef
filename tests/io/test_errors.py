"""Bad inputs raise SurveyReadError naming the file, with a cause a person can act on."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stigma_analysis.errors import SpecError, SurveyReadError, SurveyWriteError
from stigma_analysis.io import read_survey, write_survey
from stigma_analysis.io._atomic import atomic_write

TECHNICAL = ("Traceback", "ReadstatError", "PyreadstatError", "OverflowError", "Errno")


def _check(exc: SurveyReadError, path: Path, fmt: str, words: str) -> None:
    assert exc.path == path
    assert exc.format == fmt
    assert str(path) in str(exc)
    assert words in exc.cause
    assert not any(t in str(exc) for t in TECHNICAL), str(exc)
    assert "\n" not in str(exc)


@pytest.fixture
def small_sav(tmp_path: Path) -> Path:
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"q": rng.integers(1, 5, 200).astype(float), "s": ["text"] * 200})
    return write_survey(df, tmp_path / "small.sav")


@pytest.mark.parametrize("keep", [0.02, 0.3, 0.6, 0.95])
def test_truncated_sav(small_sav: Path, tmp_path: Path, keep: float) -> None:
    raw = small_sav.read_bytes()
    bad = tmp_path / "truncated.sav"
    bad.write_bytes(raw[: max(1, int(len(raw) * keep))])
    with pytest.raises(SurveyReadError) as info:
        read_survey(bad)
    _check(info.value, bad, "sav", "")
    assert any(w in info.value.cause for w in ("truncated", "ends unexpectedly", "damaged"))


def test_truncated_real_file(shared_spss: Path, tmp_path: Path) -> None:
    raw = (shared_spss / "foreign" / "electric.sav").read_bytes()
    for n in (10, 1000, len(raw) // 2, len(raw) - 50):
        bad = tmp_path / f"electric_{n}.sav"
        bad.write_bytes(raw[:n])
        with pytest.raises(SurveyReadError) as info:
            read_survey(bad)
        _check(info.value, bad, "sav", "")
    por = (shared_spss / "foreign" / "electric.por").read_bytes()
    bad = tmp_path / "electric.por"
    bad.write_bytes(por[: len(por) // 2])
    with pytest.raises(SurveyReadError) as info:
        read_survey(bad)
    _check(info.value, bad, "por", "")


@pytest.mark.parametrize("suffix", [".sav", ".zsav", ".por", ".parquet"])
def test_garbage_files(tmp_path: Path, suffix: str) -> None:
    bad = tmp_path / f"garbage{suffix}"
    bad.write_bytes(np.random.default_rng(0).bytes(3000))
    with pytest.raises(SurveyReadError) as info:
        read_survey(bad)
    _check(info.value, bad, suffix[1:], "")


def test_text_file_with_sav_extension(tmp_path: Path) -> None:
    bad = tmp_path / "notes.sav"
    bad.write_text("id,q1\n1,2\n", encoding="utf-8")
    with pytest.raises(SurveyReadError) as info:
        read_survey(bad)
    _check(info.value, bad, "sav", "not an SPSS data file")


def test_binary_file_with_csv_extension(tmp_path: Path) -> None:
    bad = tmp_path / "data.csv"
    bad.write_bytes(b"\x00\x01\x02" * 500 + np.random.default_rng(3).bytes(500))
    with pytest.raises(SurveyReadError) as info:
        read_survey(bad)
    _check(info.value, bad, "csv", "")


@pytest.mark.parametrize("suffix", [".sav", ".csv", ".parquet", ".por", ".zsav"])
def test_empty_file(tmp_path: Path, suffix: str) -> None:
    bad = tmp_path / f"empty{suffix}"
    bad.write_bytes(b"")
    with pytest.raises(SurveyReadError) as info:
        read_survey(bad)
    _check(info.value, bad, suffix[1:], "empty")


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(SurveyReadError, match="does not exist"):
        read_survey(tmp_path / "nope.sav")
    folder = tmp_path / "dir.csv"
    folder.mkdir()
    with pytest.raises(SurveyReadError, match="folder"):
        read_survey(folder)


@pytest.mark.parametrize("name", ["data.xls", "data.txt", "data", "data.sav.bak"])
def test_unknown_extension(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"x")
    with pytest.raises(SurveyReadError, match="unknown file type") as info:
        read_survey(path)
    assert info.value.path == path


def test_undecodable_csv_with_named_encoding(tmp_path: Path) -> None:
    path = tmp_path / "thai.csv"
    path.write_bytes("id,name\n1,สวัสดี\n".encode())
    with pytest.raises(SurveyReadError, match="not valid ascii") as info:
        read_survey(path, encoding="ascii")
    _check(info.value, path, "csv", "ascii")
    with pytest.raises(SurveyReadError, match="not a text encoding name"):
        read_survey(path, encoding="no-such-codec")


def test_legacy_csv_encoding_detected(tmp_path: Path) -> None:
    path = tmp_path / "legacy.csv"
    text = "id,name,comment\n" + "".join(
        f"{i},Müller Straße {i},Prüfung bestanden für Jürgen\n" for i in range(30)
    )
    path.write_bytes(text.encode("cp1252"))
    s = read_survey(path)
    assert s.data["name"].iloc[0] == "Müller Straße 0"
    assert s.codebook.encoding is not None
    assert any("not UTF-8" in n for n in s.codebook.notes)
    named = read_survey(path, encoding="cp1252")
    assert named.codebook.encoding == "cp1252"
    pd.testing.assert_frame_equal(named.data, s.data)


def test_utf8_bom_csv(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeffid,label\n1,ខ្មែរ\n".encode())
    s = read_survey(path)
    assert list(s.data.columns) == ["id", "label"]
    assert s.data["label"].iloc[0] == "ខ្មែរ"
    assert s.codebook.encoding == "utf-8"


def test_columns_not_in_file(shared_spss: Path, tmp_path: Path) -> None:
    sav = shared_spss / "haven" / "umlauts.sav"
    with pytest.raises(SurveyReadError, match="not in the file: nope"):
        read_survey(sav, columns=["nope"])
    with pytest.raises(TypeError, match="columns"):
        read_survey(sav, columns="var1")  # type: ignore[arg-type]
    csv = tmp_path / "a.csv"
    csv.write_text("x,y\n1,2\n", encoding="utf-8")
    with pytest.raises(SurveyReadError, match="columns"):
        read_survey(csv, columns=["z"])
    pq = write_survey(pd.DataFrame({"x": [1.0]}), tmp_path / "a.parquet")
    with pytest.raises(SurveyReadError, match="columns"):
        read_survey(pq, columns=["z"])


def test_bad_codebook_names_file_and_key(tmp_path: Path) -> None:
    csv = tmp_path / "d.csv"
    csv.write_text("q1\n1\n", encoding="utf-8")
    book = tmp_path / "book.yaml"
    book.write_text("variables:\n  q1:\n    missing_ranges: [[5, 1]]\n", encoding="utf-8")
    with pytest.raises(SpecError, match="missing_ranges") as info:
        read_survey(csv, codebook=book)
    assert info.value.file == book
    assert info.value.key == "variables.q1.missing_ranges[0]"
    book.write_text("variables:\n  q1:\n    measure: interval\n", encoding="utf-8")
    with pytest.raises(SpecError, match="measure"):
        read_survey(csv, codebook=book)
    book.write_text("variables: [\n", encoding="utf-8")
    with pytest.raises(SpecError, match="YAML"):
        read_survey(csv, codebook=book)


# --- writing -------------------------------------------------------------------------------


def test_write_refuses_inputs(tmp_path: Path, small_sav: Path) -> None:
    s = read_survey(small_sav)
    before = small_sav.read_bytes()
    with pytest.raises(SurveyWriteError, match="input"):
        write_survey(s, small_sav)
    other = tmp_path / "other.csv"
    other.write_text("a\n1\n", encoding="utf-8")
    with pytest.raises(SurveyWriteError, match="input"):
        write_survey(s, tmp_path / "x" / ".." / "other.csv", protect=[other])
    assert small_sav.read_bytes() == before
    assert other.read_text(encoding="utf-8") == "a\n1\n"


def test_write_unknown_extension_and_folder(tmp_path: Path) -> None:
    df = pd.DataFrame({"a": [1.0]})
    with pytest.raises(SurveyWriteError, match="unknown output type"):
        write_survey(df, tmp_path / "a.xlsx")
    with pytest.raises(SurveyWriteError, match="does not exist"):
        write_survey(df, tmp_path / "missing" / "a.sav")
    with pytest.raises(TypeError, match="Survey or a pandas DataFrame"):
        write_survey([1, 2], tmp_path / "a.sav")  # type: ignore[arg-type]


def test_failed_write_leaves_nothing_and_keeps_old_file(tmp_path: Path) -> None:
    target = tmp_path / "out.sav"
    write_survey(pd.DataFrame({"a": [1.0, 2.0]}), target)
    old = target.read_bytes()
    # an invalid SPSS variable name makes pyreadstat fail half-way
    bad = pd.DataFrame({"1 bad name": [1.0]})
    with pytest.raises(SurveyWriteError) as info:
        write_survey(bad, target)
    assert info.value.path == target
    assert target.read_bytes() == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.sav"]


def test_atomic_write_cleans_up_on_error(tmp_path: Path) -> None:
    target = tmp_path / "report.txt"
    target.write_text("old", encoding="utf-8")

    def boom(tmp: Path) -> None:
        tmp.write_text("half", encoding="utf-8")
        raise RuntimeError("disk full")

    with pytest.raises(SurveyWriteError, match="disk full"):
        atomic_write(target, boom)
    assert target.read_text(encoding="utf-8") == "old"
    assert os.listdir(tmp_path) == ["report.txt"]

    def ok(tmp: Path) -> None:
        tmp.write_text("new", encoding="utf-8")

    assert atomic_write(target, ok) == target
    assert target.read_text(encoding="utf-8") == "new"
    assert os.listdir(tmp_path) == ["report.txt"]
    with pytest.raises(SurveyWriteError, match="input"):
        atomic_write(target, ok, protect=[target])


def test_unexpressible_missing_codes(tmp_path: Path) -> None:
    from stigma_analysis.io import Codebook, Survey, Variable

    df = pd.DataFrame({"q": [1.0, 5.0, 10.0]})
    var = Variable(name="q", missing_codes=(0.0, 2.0, 4.0, 6.0))  # valid answers between them
    s = Survey(data=df, codebook=Codebook(variables={"q": var}, n_rows=3))
    with pytest.raises(SurveyWriteError, match="cannot be declared in SPSS"):
        write_survey(s, tmp_path / "q.sav")
    assert list(tmp_path.iterdir()) == []


def test_long_string_missing_value_refused(tmp_path: Path) -> None:
    from stigma_analysis.io import Codebook, Survey, Variable

    df = pd.DataFrame({"s": ["not applicable", "yes"]})
    var = Variable(name="s", type="string", missing_codes=("not applicable",))
    s = Survey(data=df, codebook=Codebook(variables={"s": var}, n_rows=2))
    with pytest.raises(SurveyWriteError, match="at most 8 bytes"):
        write_survey(s, tmp_path / "s.sav")
    # the other formats have no such limit
    back = read_survey(write_survey(s, tmp_path / "s.parquet"))
    assert back.codebook.missing_codes_of("s").to_dict() == {0: "not applicable"}


@pytest.mark.parametrize("encoding", ["UTF-8", "NO-SUCH-ENCODING"])
def test_wrong_named_sav_encoding(shared_spss: Path, encoding: str) -> None:
    path = shared_spss / "spss_sav_rs" / "encoding_windows1252.sav"
    with pytest.raises(SurveyReadError, match="encoding you named") as info:
        read_survey(path, encoding=encoding)
    _check(info.value, path, "sav", encoding)


def test_text_value_label_on_numeric_column(tmp_path: Path) -> None:
    from stigma_analysis.io import Codebook, Variable

    cb = Codebook(variables={"a": Variable(name="a", value_labels={"x": "X"})})
    with pytest.raises(SurveyWriteError, match="value label code 'x' is not a number"):
        write_survey(pd.DataFrame({"a": [1.0]}), tmp_path / "v.sav", codebook=cb)


def test_sav_named_csv(small_sav: Path, tmp_path: Path) -> None:
    wrong = tmp_path / "export.csv"
    wrong.write_bytes(small_sav.read_bytes())
    with pytest.raises(SurveyReadError, match=r"SPSS \.sav file, not CSV") as info:
        read_survey(wrong)
    _check(info.value, wrong, "csv", "extension")


def test_codebook_file_is_protected(tmp_path: Path) -> None:
    data = tmp_path / "in.csv"
    data.write_text("q\n1\n", encoding="utf-8")
    book = tmp_path / "out.codebook.yaml"
    book.write_text("variables:\n  q: {label: Q}\n", encoding="utf-8")
    s = read_survey(data, codebook=book)
    assert s.codebook.codebook_file == book.resolve()
    with pytest.raises(SurveyWriteError, match="input"):
        write_survey(s, tmp_path / "out.csv")  # would replace out.codebook.yaml
    assert book.read_text(encoding="utf-8") == "variables:\n  q: {label: Q}\n"
    assert not (tmp_path / "out.csv").exists()


def test_stale_temporaries_of_a_killed_write_are_removed(tmp_path: Path) -> None:
    import subprocess
    import sys
    import time

    from stigma_analysis.io import _atomic

    out = tmp_path / "scores.sav"
    # a write killed midway: the child creates its temporary, then is killed (SIGKILL)
    code = (
        "import os, sys, time\n"
        "from stigma_analysis.io._atomic import atomic_write\n"
        "def write(tmp):\n"
        "    tmp.write_bytes(b'partial respondent data')\n"
        "    print('written', flush=True)\n"
        "    time.sleep(60)\n"
        "atomic_write(sys.argv[1], write)\n"
    )
    with subprocess.Popen([sys.executable, "-c", code, str(out)], stdout=subprocess.PIPE) as proc:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == b"written"
        proc.kill()
    stale = list(tmp_path.glob(".scores.*.tmp.sav"))
    assert len(stale) == 1
    old = time.time() - 3600
    os.utime(stale[0], (old, old))  # from before this process (it is, in real use)
    # files that are not our temporaries of this output, or too recent, stay
    keep = [
        tmp_path / ".scores.notmine.tmp.sav",  # not 8 random characters
        tmp_path / ".other.abcd1234.tmp.sav",  # another output's
        tmp_path / ".scores.abcd1234.tmp.csv",  # another output's (scores.csv)
        tmp_path / "scores.abcd1234.tmp.sav",  # not hidden
    ]
    for p in keep:
        p.write_bytes(b"x")
        os.utime(p, (old, old))
    recent = tmp_path / ".scores.zzzz9999.tmp.sav"  # a write in progress elsewhere
    recent.write_bytes(b"x")
    os.utime(recent, (time.time() + 10, time.time() + 10))

    write_survey(pd.DataFrame({"q": [1.0, 2.0]}), out)
    assert not stale[0].exists()
    assert all(p.exists() for p in keep)
    assert recent.exists()
    assert out.exists()
    assert time.time() > _atomic._PROCESS_START
