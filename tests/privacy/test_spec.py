"""The study's privacy block and the policy built from it refuse values that turn protection off."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from stigma_analysis.errors import SpecError
from stigma_analysis.privacy import DisclosurePolicy, disclose
from stigma_analysis.study import load_study
from tests.privacy._studies import write_csv_study


@pytest.mark.parametrize("text", ["true", "yes", "on", "false", "5.0", '"5"'])
def test_min_cell_must_be_a_whole_number(tmp_path: Path, text: str) -> None:
    path = write_csv_study(tmp_path)
    path.write_text(
        path.read_text(encoding="utf-8") + f"privacy:\n  min_cell: {text}\n", encoding="utf-8"
    )
    with pytest.raises(SpecError, match="min_cell") as info:
        load_study(path)
    assert "whole number" in str(info.value)


def test_min_cell_integer_is_accepted(tmp_path: Path) -> None:
    path = write_csv_study(tmp_path, privacy={"min_cell": 10})
    assert load_study(path).disclosure_policy().min_cell == 10


@pytest.mark.parametrize("bad", [True, False, 5.0, "5", None])
def test_policy_and_gate_refuse_non_integers(bad: object) -> None:
    with pytest.raises((TypeError, ValueError), match="min_cell"):
        DisclosurePolicy(min_cell=bad)  # type: ignore[arg-type]
    with pytest.raises((TypeError, ValueError), match="min_cell"):
        disclose(3, min_cell=bad)  # type: ignore[arg-type]


def test_policy_accepts_numpy_integers() -> None:
    assert DisclosurePolicy(min_cell=np.int64(5)).min_cell == 5  # type: ignore[arg-type]
    assert isinstance(DisclosurePolicy(min_cell=np.int64(5)).min_cell, int)  # type: ignore[arg-type]
