"""`describe STUDY` hides small counts of missing answers (privacy.min_cell)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stigma_analysis.cli import main
from tests.privacy._studies import write_csv_study


def _study_with_refusals(folder: Path) -> Path:
    """lone1: 3 refusals (97) and 6 'don't know' (98); lone2: 7 refusals; lone3: none."""
    study = write_csv_study(folder, missing_codes=[97, 98])
    path = folder / "wave1.csv"
    data = pd.read_csv(path)
    data.loc[:2, "lone1"] = 97
    data.loc[3:8, "lone1"] = 98
    data.loc[10:16, "lone2"] = 97
    data.to_csv(path, index=False)
    return study


def test_describe_json_hides_small_missing_counts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    study = _study_with_refusals(tmp_path)
    assert main(["describe", str(study), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["min_cell"] == 5
    v = {r["name"]: r for r in out["variables"]}
    counts = [n for r in out["variables"] for n in r["n_missing_by_code"].values()]
    counts += [r[k] for r in out["variables"] for k in ("n_valid", "n_missing")]
    assert not any(isinstance(n, int) and 0 < n < 5 for n in counts)
    assert v["lone1"]["n_missing_by_code"] == {"97": None, "98": 6}
    # 9 missing less the 6 shown would give the 3 refusals back; 30 rows less n_valid too
    assert v["lone1"]["n_missing"] is None
    assert v["lone1"]["n_valid"] is None
    assert sorted(v["lone1"]["suppressed"]) == ["n_missing", "n_missing_by_code.97", "n_valid"]
    assert v["lone1"]["suppressed_small"] == ["n_missing_by_code.97"]
    assert v["lone2"]["n_missing_by_code"] == {"97": 7}
    assert (v["lone2"]["n_valid"], v["lone2"]["n_missing"]) == (23, 7)
    assert v["lone2"]["suppressed"] == []


def test_describe_text_shows_small_counts_as_below_min_cell(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    study = _study_with_refusals(tmp_path)
    assert main(["describe", str(study)]) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()[1:]}
    assert "97=<5, 98=6" in lines["lone1"]
    assert lines["lone1"].count("[c]") == 2
    assert "97=7" in lines["lone2"]


def test_describe_hides_a_small_system_missing_count(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    study = write_csv_study(tmp_path, extra={"months": [np.nan, np.nan, *list(range(28))]})
    assert main(["describe", str(study), "--json"]) == 0
    v = {r["name"]: r for r in json.loads(capsys.readouterr().out)["variables"]}
    assert (v["months"]["n_missing"], v["months"]["n_valid"]) == (None, None)
    assert v["months"]["suppressed_small"] == ["n_missing"]
