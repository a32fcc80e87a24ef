"""Specification and key files that used to hang, exhaust memory or print huge errors.

Cases that hang or eat memory on a regression run the command line in a child process with a
timeout and an address-space limit, so that they fail instead of stalling the test run.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from stigma_analysis.errors import SpecError
from stigma_analysis.instruments import Instrument
from stigma_analysis.io._files import read_bounded
from stigma_analysis.io._yaml import ALIAS_BUDGET, load_yaml
from stigma_analysis.privacy import load_key
from tests.conftest import ROOT

EXAMPLE = ROOT / "surveys" / "example"
needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
needs_dev_zero = pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")


def _cli(*args: str | Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    def limit() -> None:  # pragma: no cover (runs in the child)
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, 3 * 2**30))

    return subprocess.run(
        [sys.executable, "-m", "stigma_analysis", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=limit if os.name == "posix" else None,
        check=False,
    )


def _one_line_error(proc: subprocess.CompletedProcess[str], *words: str) -> str:
    assert proc.returncode == 1, (proc.returncode, proc.stderr[-300:])
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr[:2000]
    assert len(lines[0]) < 1000, lines[0][:300]
    for word in words:
        assert word in lines[0]
    return lines[0]


@pytest.fixture
def fifo(tmp_path: Path) -> Iterator[Path]:
    """A named pipe; after 3 s a writer opens and closes it, so a blocked reader is released."""
    path = tmp_path / "pipe.yaml"
    os.mkfifo(path)
    stop = threading.Event()

    def release() -> None:
        if stop.wait(3):
            return
        while not stop.is_set():
            try:
                os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
            except OSError:
                time.sleep(0.05)

    thread = threading.Thread(target=release, daemon=True)
    thread.start()
    yield path
    stop.set()
    thread.join()


# --- billion laughs and other oversized YAML -------------------------------------------------

LAUGHS = "".join(
    f"_l{i}: &l{i} [" + ", ".join([f"*l{i - 1}" if i else "saf1"] * 9) + "]\n" for i in range(9)
)


def _instrument_text(scales: str) -> str:
    """The example study's instrument with its ``scales:`` block replaced by ``scales``."""
    text = (EXAMPLE / "reintegration_index.yaml").read_text(encoding="utf-8")
    start = text.index("scales:\n")
    end = text.index("notes:")
    return text[:start] + "scales:\n" + scales + text[end:]


def test_billion_laughs_in_an_instrument_is_refused(tmp_path: Path) -> None:
    # nine scales each listing the previous one nine times, then one naming the last: 9^9 items
    levels = "".join("  " + line.replace("_l", "l", 1) + "\n" for line in LAUGHS.splitlines())
    path = tmp_path / "laughs.yaml"
    path.write_text(_instrument_text(levels + "  total: *l8\n"), "utf-8")
    proc = _cli("instruments", path)
    line = _one_line_error(proc, str(path), "aliases")
    assert "expand" in line


def test_alias_budget_in_process() -> None:
    with pytest.raises(SpecError, match="YAML aliases") as info:
        load_yaml(LAUGHS, file="x.yaml")
    assert len(str(info.value)) < 300
    # a few aliases (anchors for shared lists, merge keys) stay allowed
    doc = load_yaml("a: &a [1, 2, 3]\nb: *a\nc: {<<: {x: 1}, y: 2}\n", file=None)
    assert doc == {"a": [1, 2, 3], "b": [1, 2, 3], "c": {"x": 1, "y": 2}}
    fits = "a: &a [" + ", ".join(["1"] * 100) + "]\n" + "b: [" + ", ".join(["*a"] * 90) + "]\n"
    assert len(load_yaml(fits, file=None)["b"]) == 90
    assert ALIAS_BUDGET > 90 * 101


def test_recursive_alias_is_refused() -> None:
    with pytest.raises(SpecError, match="contains it"):
        load_yaml("a: &a [1, *a]\n", file="x.yaml")


def test_non_scalar_scale_entries_are_refused_briefly(tmp_path: Path) -> None:
    path = tmp_path / "nested.yaml"
    path.write_text(_instrument_text("  total: [[saf1, saf2], saf3]\n"), "utf-8")
    with pytest.raises(SpecError, match="item ids") as info:
        Instrument.from_yaml(path)
    assert "scales.total" in str(info.value)
    path.write_text(_instrument_text("  total: {all_except: [[saf1]]}\n"), "utf-8")
    with pytest.raises(SpecError, match="scale names or item ids, got a list"):
        Instrument.from_yaml(path)


# --- named pipes, devices and oversized files ------------------------------------------------


@needs_fifo
def test_fifo_as_study_file_is_refused(tmp_path: Path) -> None:
    study = tmp_path / "study.yaml"
    os.mkfifo(study)
    proc = _cli("validate", study, timeout=30)  # as a user meets it: the command line
    _one_line_error(proc, str(study), "named pipe")


@needs_dev_zero
def test_dev_zero_as_study_file_is_refused(tmp_path: Path) -> None:
    study = tmp_path / "study.yaml"
    study.symlink_to("/dev/zero")
    proc = _cli("validate", study, timeout=60)
    _one_line_error(proc, str(study), "a device")


@needs_fifo
def test_fifo_as_instrument_file_is_refused(fifo: Path) -> None:
    with pytest.raises(SpecError, match="named pipe") as info:
        Instrument.from_yaml(fifo)
    assert info.value.file == fifo


@needs_fifo
def test_fifo_as_key_file_is_refused(fifo: Path) -> None:
    with pytest.raises(SpecError, match="named pipe") as info:
        load_key(key_file=fifo)
    assert info.value.key == "privacy.key_file"


@needs_dev_zero
def test_dev_zero_as_key_file_is_refused(tmp_path: Path) -> None:
    key = tmp_path / "key.txt"
    key.symlink_to("/dev/zero")
    code = (
        "import sys\nfrom stigma_analysis.privacy import load_key\n"
        "try:\n    load_key(key_file=sys.argv[1])\n"
        "except Exception as exc:\n    print(type(exc).__name__, exc)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(key)],
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=lambda: __import__("resource").setrlimit(
            __import__("resource").RLIMIT_AS, (2**31, 2**31)
        ),
        check=False,
    )
    assert proc.stdout.startswith("SpecError"), (proc.returncode, proc.stdout, proc.stderr[-300:])
    assert "a device" in proc.stdout


def test_oversized_spec_file_is_refused(tmp_path: Path) -> None:
    big = tmp_path / "study.yaml"
    big.write_bytes(b"# padding\n" * (1_100_000))
    proc = _cli("validate", big)
    _one_line_error(proc, str(big), "larger than 10 MB")


def test_read_bounded(tmp_path: Path) -> None:
    def error(cause: str) -> SpecError:
        return SpecError(None, "", cause)

    f = tmp_path / "f.txt"
    f.write_bytes(b"x" * 100)
    assert read_bounded(f, limit=100, error=error) == b"x" * 100
    with pytest.raises(SpecError, match="larger than 99 bytes"):
        read_bounded(f, limit=99, error=error)
    with pytest.raises(SpecError, match="a folder"):
        read_bounded(tmp_path, limit=100, error=error)
    with pytest.raises(FileNotFoundError):
        read_bounded(tmp_path / "absent", limit=100, error=error)


def test_cli_error_lines_are_capped(capsys: pytest.CaptureFixture[str]) -> None:
    from stigma_analysis import cli

    cli._err("x" * 10_000)
    err = capsys.readouterr().err
    assert len(err) < cli.ERROR_LIMIT + 20
    assert err.rstrip().endswith("...")


def test_codebook_file_aliases_are_budgeted_too(tmp_path: Path) -> None:
    from stigma_analysis.io import read_survey

    data = tmp_path / "data.csv"
    data.write_text("q1\n1\n2\n", encoding="utf-8")
    book = tmp_path / "book.yaml"
    # the nested lists as the file's notes, and the last of them as q1's missing codes
    levels = "".join(
        "  - " + line.split(": ", 1)[1].replace("saf1", "1") + "\n" for line in LAUGHS.splitlines()
    )
    book.write_text("notes:\n" + levels + "variables:\n  q1: {missing_codes: *l8}\n", "utf-8")
    with pytest.raises(SpecError, match="YAML aliases") as info:
        read_survey(data, codebook=book)
    assert info.value.file == book


@needs_fifo
def test_fifo_as_codebook_file_is_refused(fifo: Path, tmp_path: Path) -> None:
    from stigma_analysis.io import read_survey

    data = tmp_path / "data.csv"
    data.write_text("q1\n1\n", encoding="utf-8")
    with pytest.raises(SpecError, match="named pipe"):
        read_survey(data, codebook=fifo)


def test_non_scalar_item_ids_are_refused_briefly(tmp_path: Path) -> None:
    text = _instrument_text("  total: all\n")
    path = tmp_path / "items.yaml"
    path.write_text(text.replace("items: [saf1,", "items: [[saf1, saf2],", 1), "utf-8")
    with pytest.raises(SpecError, match=r"items: .*item ids are strings or integers, got a list"):
        Instrument.from_yaml(path)
