"""Damaged SPSS files that used to crash the process or exhaust memory end as SurveyReadError.

The crash and memory cases run the command line in a child process, so that on a regression
the test fails (signal, or a memory error under a 3 GB address-space limit) instead of taking
pytest down with it.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from stigma_analysis.errors import SurveyReadError
from stigma_analysis.io import read_survey
from stigma_analysis.io._spss_guard import check_declared_size, probe_in_child
from tests.conftest import ROOT

WAVE1 = ROOT / "surveys" / "example" / "wave1.sav"


def _value_label_index_offset(raw: bytes) -> int:
    """Byte offset of the variable index in the first value-label record (type 4) of wave1.

    wave1's first value labels belong to variable 2: the record reads int32 4, count 1, index 2.
    """
    off = raw.find(struct.pack("<iii", 4, 1, 2))
    assert off > 176
    return off + 8


def _with_bytes(src: Path, dst: Path, offset: int, new: bytes) -> Path:
    raw = bytearray(src.read_bytes())
    raw[offset : offset + len(new)] = new
    dst.write_bytes(bytes(raw))
    return dst


@pytest.fixture
def crashing_sav(tmp_path: Path) -> Path:
    raw = WAVE1.read_bytes()
    off = _value_label_index_offset(raw)
    # one byte: index 2 -> 0x7f000002, far beyond the 111 variables
    return _with_bytes(WAVE1, tmp_path / "wave1.sav", off + 3, b"\x7f")


@pytest.fixture
def huge_header_sav(tmp_path: Path) -> Path:
    # the case count sits at byte 80 of the header: 600 -> 10^8 rows
    return _with_bytes(WAVE1, tmp_path / "wave1.sav", 80, struct.pack("<i", 10**8))


def _cli(*args: str | Path, memory_limit: int | None = None) -> subprocess.CompletedProcess[str]:
    def limit() -> None:  # pragma: no cover (runs in the child)
        import resource

        if memory_limit is not None:
            resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))

    return subprocess.run(
        [sys.executable, "-m", "stigma_analysis", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=limit if os.name == "posix" else None,
        check=False,
    )


def test_value_label_index_flip_is_a_damaged_file_not_a_segfault(crashing_sav: Path) -> None:
    proc = _cli("describe", crashing_sav)
    assert proc.returncode == 1, (proc.returncode, proc.stderr[-500:])
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert str(crashing_sav) in lines[0]
    assert "damaged file" in lines[0]


def test_value_label_index_flip_in_process(crashing_sav: Path) -> None:
    with pytest.raises(SurveyReadError, match="damaged file") as info:
        read_survey(crashing_sav)
    assert info.value.path == crashing_sav
    assert info.value.format == "sav"


def test_study_with_a_crashing_wave_exits_1(crashing_sav: Path, tmp_path: Path) -> None:
    folder = ROOT / "surveys" / "example"
    for name in ("study.yaml", "reintegration_index.yaml", "wave2.sav", "wave3.sav"):
        shutil.copy(folder / name, tmp_path / name)
    proc = _cli("validate", tmp_path / "study.yaml")
    assert proc.returncode == 1, (proc.returncode, proc.stderr[-500:])
    assert "damaged file" in proc.stderr
    assert "wave1.sav" in proc.stderr


def test_header_announcing_1e8_rows_is_refused_before_allocating(huge_header_sav: Path) -> None:
    proc = _cli("describe", huge_header_sav, memory_limit=3 * 2**30)
    assert proc.returncode == 1, (proc.returncode, proc.stderr[-500:])
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert str(huge_header_sav) in lines[0]
    assert "announces 100,000,000 rows" in lines[0]


@pytest.mark.parametrize("compress", [False, True])
def test_declared_rows_bound_accepts_real_files_and_refuses_inflated(
    tmp_path: Path, compress: bool
) -> None:
    import numpy as np
    import pandas as pd
    import pyreadstat

    # worst case for the bound: constant small integers compress to one byte per cell
    df = pd.DataFrame(np.ones((5000, 3)), columns=["a", "b", "c"])
    path = tmp_path / "ones.sav"
    pyreadstat.write_sav(df, str(path), compress=compress)
    check_declared_size(path, "sav")  # a real file passes
    assert len(read_survey(path).data) == 5000
    bad = _with_bytes(path, tmp_path / "bad.sav", 80, struct.pack("<i", 10**8))
    with pytest.raises(SurveyReadError, match="announces 100,000,000 rows of 3 values"):
        check_declared_size(bad, "sav")


def test_bytecode_compressed_bound_is_tight_but_sufficient(tmp_path: Path) -> None:
    # a bytecode-compressed file of all-missing values: one command byte per cell, the densest
    # a .sav can be; its own row count must pass
    import numpy as np
    import pandas as pd
    import pyreadstat

    df = pd.DataFrame(np.full((20000, 5), np.nan), columns=list("abcde"))
    path = tmp_path / "sysmis.sav"
    pyreadstat.write_sav(df, str(path), row_compress=True)
    check_declared_size(path, "sav")
    assert len(read_survey(path).data) == 20000


def test_probe_accepts_good_files_and_reports_a_crash(crashing_sav: Path) -> None:
    probe_in_child(WAVE1, "sav", None)
    with pytest.raises(SurveyReadError, match="damaged file"):
        probe_in_child(crashing_sav, "sav", None)


def test_spawn_probe_works_where_fork_is_missing(
    crashing_sav: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    monkeypatch.delattr(os, "fork")
    probe_in_child(WAVE1, "sav", None)
    with pytest.raises(SurveyReadError, match="damaged file"):
        probe_in_child(crashing_sav, "sav", None)


def test_a_forked_child_crash_is_confirmed_in_a_fresh_interpreter(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from stigma_analysis.io import _spss_guard

    # the forked child dies for a reason of the parent's (not the file's): no false alarm
    monkeypatch.setattr(_spss_guard, "_fork_probe", lambda *args: -11)
    monkeypatch.setattr(_spss_guard, "_fork_is_trusted", lambda: False)  # threads, or macOS
    probe_in_child(WAVE1, "sav", None)


def test_probe_timeout_is_a_damaged_file(monkeypatch: pytest.MonkeyPatch) -> None:
    from stigma_analysis.io import _spss_guard

    def hang(path: str, fmt: str, encoding: str | None) -> None:  # pragma: no cover
        import time

        time.sleep(60)

    monkeypatch.setattr(_spss_guard, "_child_read", hang)
    with pytest.raises(SurveyReadError, match="did not finish"):
        probe_in_child(WAVE1, "sav", None, timeout=0.5)
