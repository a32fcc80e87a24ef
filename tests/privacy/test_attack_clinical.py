"""The "Who recovered" counts and figure against the integer-programming attacker."""

from __future__ import annotations

from pathlib import Path

import pytest

from stigma_analysis.study import load_study
from tests.conftest import EXAMPLE_STUDY
from tests.privacy._studies import small_cell_example
from tests.privacy.report_attack import attack_report


@pytest.mark.parametrize("which", ["example", "small_cells"])
def test_clinical_counts_linked_to_the_reliable_change_recover_nothing(
    tmp_path: Path, which: str
) -> None:
    path = EXAMPLE_STUDY if which == "example" else small_cell_example(tmp_path)
    study = load_study(path)
    (attacker,) = attack_report(study, joint=True, instruments=["ismi", "hscl"])
    keys = list(attacker.keys)
    assert any(k[0] == "clinical" for k in keys)  # the category table is attacked
    assert any(k[0] == "jt_grid" for k in keys)  # and the binned figure
    found = attacker.intervals()
    grid_hidden = [k for k in found if k[0] == "jt_grid"]
    assert len(grid_hidden) > 5
    assert {k: v for k, v in found.items() if v[0] == v[1]} == {}
