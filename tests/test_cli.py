"""The command line: exit codes, --json keys (FORMATS.md), clean errors, inputs untouched."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from stigma_analysis.cli import main

from .conftest import EXAMPLE_STUDY, ROOT
from .study.test_study import _clean, _planted


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        code = main(args)
    except SystemExit as exc:  # argparse usage errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def _checksums(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.is_file()
    }


def test_help_is_fast_and_lists_commands() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "stigma_analysis", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    for cmd in ("describe", "validate", "score", "reliability", "report", "instruments"):
        assert cmd in proc.stdout
    # no heavy imports for --help
    code = "import sys, stigma_analysis.cli as c; c._parser(); print(sorted(m for m in ('pandas','numpy','scipy','statsmodels','matplotlib') if m in sys.modules))"
    mods = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert mods.strip() == "[]"


def test_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(["score"], capsys)
    assert code == 2
    assert "required" in err


def test_validate_planted_study(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    study = _planted(tmp_path)
    before = _checksums(tmp_path)
    code, out, _ = _run(["validate", str(study), "--json"], capsys)
    assert code == 1
    problems = json.loads(out)
    assert len(problems) == 7
    assert all(set(p) >= {"file", "row", "column", "value", "reason"} for p in problems)
    code, out, _ = _run(["validate", str(study)], capsys)
    assert code == 1
    assert "7 problem(s)" in out
    assert _checksums(tmp_path) == before


def test_invalid_missing_still_refuses_duplicate_ids(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    study = _planted(tmp_path)
    code, _, err = _run(
        ["score", str(study), "--invalid", "missing", "-o", str(tmp_path / "s.csv")], capsys
    )
    assert code == 1
    assert "duplicate id within wave 2" in err
    assert not (tmp_path / "s.csv").exists()


def test_score_refuses_invalid_data_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    study = _planted(tmp_path)
    before = _checksums(tmp_path)
    code, _, err = _run(["score", str(study), "-o", str(tmp_path / "scores.csv")], capsys)
    assert code == 1
    assert err.startswith("error: ")
    assert "Traceback" not in err
    assert not (tmp_path / "scores.csv").exists()
    assert _checksums(tmp_path) == before


def test_output_over_an_input_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    study = _clean(tmp_path)
    before = _checksums(tmp_path)
    code, _, err = _run(["score", str(study), "-o", str(tmp_path / "wave1.csv")], capsys)
    assert code == 1
    assert "wave1.csv: cannot write: refusing to overwrite an input file" in err
    assert _checksums(tmp_path) == before


def test_corrupt_file_is_one_readable_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "broken.sav"
    bad.write_bytes(b"$FL2@(#) IBM SPSS STATISTICS" + b"\x00" * 40)
    code, out, err = _run(["describe", str(bad)], capsys)
    assert code == 1
    assert out == ""
    assert err.count("\n") == 1
    assert "broken.sav" in err


def test_spec_typo_names_file_and_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _planted(tmp_path)
    text = (
        (tmp_path / "study.yaml")
        .read_text(encoding="utf-8")
        .replace("missing_codes", "missing_code")
    )
    (tmp_path / "study.yaml").write_text(text, encoding="utf-8")
    code, _, err = _run(["validate", str(tmp_path / "study.yaml")], capsys)
    assert code == 1
    assert "study.yaml: missing_code: unknown key" in err


def test_instruments_list_and_show(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["instruments", "--json"], capsys)
    assert code == 0
    ids = {r["id"] for r in json.loads(out)}
    assert {"ismi29", "mspss12"} <= ids
    code, out, _ = _run(["instruments", "ismi29"], capsys)
    assert code == 0
    assert "reverse-keyed: 7, 14, 24, 26, 27" in out
    code, _, err = _run(["instruments", "nope"], capsys)
    assert code == 1
    assert "no shipped instrument 'nope'" in err


needs_example = pytest.mark.skipif(not EXAMPLE_STUDY.exists(), reason="example study not generated")


@needs_example
def test_describe_example_study_json(capsys: pytest.CaptureFixture[str]) -> None:
    before = _checksums(EXAMPLE_STUDY.parent)
    code, out, _ = _run(["describe", str(EXAMPLE_STUDY), "--json"], capsys)
    assert code == 0
    variables = json.loads(out)["variables"]
    keys = {
        "name",
        "label",
        "value_labels",
        "missing_codes",
        "missing_ranges",
        "n_valid",
        "n_missing",
        "n_missing_by_code",
    }
    assert all(keys <= set(v) for v in variables)
    by_name = {v["name"]: v for v in variables}
    assert any(by_name[c]["n_missing_by_code"] for c in by_name if c.startswith("ismi_"))
    assert _checksums(EXAMPLE_STUDY.parent) == before


@needs_example
def test_describe_a_sav_file_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["describe", str(EXAMPLE_STUDY.parent / "wave1.sav"), "--json"], capsys)
    assert code == 0
    variables = json.loads(out)["variables"]
    assert {
        "name",
        "label",
        "value_labels",
        "missing_codes",
        "missing_ranges",
        "n_valid",
        "n_missing",
    } <= set(variables[0])


@needs_example
def test_example_validates_clean_and_scores(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _checksums(EXAMPLE_STUDY.parent)
    code, out, err = _run(["validate", str(EXAMPLE_STUDY)], capsys)
    assert code == 0, out + err
    for ext in ("parquet", "csv", "sav"):
        target = tmp_path / f"scores.{ext}"
        code, out, err = _run(["score", str(EXAMPLE_STUDY), "-o", str(target)], capsys)
        assert code == 0, err
        assert target.exists()
    import pandas as pd

    from stigma_analysis.io import read_survey

    labelled = read_survey(tmp_path / "scores.sav")
    assert labelled.codebook.variables["ismi_total"].label.startswith("ismi29 total (mean of items")
    assert labelled.codebook.variables["site"].value_labels  # Khmer/English site names kept
    # why a covariate is missing survives scoring (97 refused, 98 don't know)
    assert set(labelled.codebook.missing_counts("sexual_violence")) <= {97.0, 98.0, 99.0}
    assert sum(labelled.codebook.missing_counts("sexual_violence").values()) > 0
    scores = pd.read_csv(tmp_path / "scores.csv")
    for col in (
        "resp_id",
        "wave",
        "site",
        "arm",
        "ismi_total",
        "ismi_total_n_answered",
        "ismi_total_excl_sr_band",
    ):
        assert col in scores.columns
    assert _checksums(EXAMPLE_STUDY.parent) == before


@needs_example
def test_reliability_json_keys(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(["reliability", str(EXAMPLE_STUDY), "--json"], capsys)
    assert code == 0, err
    rows = json.loads(out)
    keys = {
        "instrument",
        "scale",
        "n",
        "n_items",
        "alpha",
        "alpha_ci_low",
        "alpha_ci_high",
        "omega_total",
    }
    assert rows
    assert all(keys <= set(r) for r in rows)
    ismi = [r for r in rows if r["instrument"] == "ismi29" and r["scale"] == "total"]
    assert ismi
    assert all(0.8 < r["alpha"] < 0.97 for r in ismi)


def test_quickstart_script_prints_usage() -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "quickstart.py")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "quickstart.py report" in proc.stdout


@needs_example
@pytest.mark.parametrize("case", ["missing_folder", "is_a_folder", "read_only"])
def test_unwritable_outputs_fail_cleanly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    if case == "missing_folder":
        target = tmp_path / "no" / "such" / "scores.csv"
    elif case == "is_a_folder":
        target = tmp_path / "scores.csv"
        target.mkdir()
    else:
        # root ignores permission bits (CI runs as root): make the final rename fail as a
        # read-only folder would
        import os

        target = tmp_path / "scores.csv"

        def refuse(src: object, dst: object) -> None:
            raise PermissionError(13, "Permission denied", str(dst))

        monkeypatch.setattr(os, "replace", refuse)
    code, _, err = _run(["score", str(EXAMPLE_STUDY), "-o", str(target)], capsys)
    assert code == 1
    assert "scores.csv" in err
    assert "Traceback" not in err
    leftovers = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert leftovers == []
