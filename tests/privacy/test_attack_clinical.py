"""The "Who recovered" counts and figure against the integer-programming attacker."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from stigma_analysis.scoring import score
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


def test_a_small_recovered_count_is_not_recovered_through_the_published_improved() -> None:
    # the example with 3 "recovered" planted in the programme arm: the reliable-change table
    # publishes recovered + improved, n, unchanged and worse; the attacker links them
    from stigma_analysis.evaluation import CLINICAL_CATEGORIES, reliable_change
    from stigma_analysis.report import _evaluation_tables as E  # noqa: N812
    from stigma_analysis.report import tables as T  # noqa: N812
    from tests.privacy.attacker import Attacker

    study = load_study(EXAMPLE_STUDY)
    b = study.instrument("ismi")
    col = T.score_column(b, "total_excl_sr")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # provisional instruments of the example
        scores = score(study)
    alpha = T.scale_alpha(study, b, "total_excl_sr", wave=1)
    rc = reliable_change(scores, score=col, id=study.id, pre=1, post=3, reliability=alpha,
                         direction="lower_is_better", by=["site", "arm"])  # fmt: skip
    cut = E.clinical_cut(b, "total_excl_sr")
    assert cut is not None
    counts = E.clinical_counts(E.clinical_categories(rc, cut), arm="arm")
    counts.loc[0, "improved"] += counts.loc[0, "recovered"] - 3
    counts.loc[0, "recovered"] = 3
    policy = study.disclosure_policy()
    raw = T.change_counts(rc, site="site", arm="arm")
    cats = ["n", "improved", "unchanged", "deteriorated"]
    safe_rc = T.disclose_blocks(policy, raw, block="arm", count_columns=cats, stat_columns=[])
    safe = E.disclose_clinical(policy, counts, safe_rc, arm="arm")
    attacker = Attacker(min_cell=policy.min_cell)
    totals = safe_rc[safe_rc["site"] == "Total"].reset_index(drop=True)
    for i in range(len(counts)):
        ids = {c: attacker.read((i, c), safe.iloc[i][c], float(counts.iloc[i][c]))
               for c in ["n", *CLINICAL_CATEGORIES]}  # fmt: skip
        whole = attacker.read((i, "rc_improved"), totals.loc[i, "improved"],
                              float(counts.iloc[i]["recovered"] + counts.iloc[i]["improved"]))  # fmt: skip
        attacker.sum_is([ids["recovered"], ids["improved"]], whole)
        attacker.sum_is([ids[c] for c in CLINICAL_CATEGORIES], ids["n"])
    found = attacker.intervals()
    assert (0, "recovered") in found
    assert {k: v for k, v in found.items() if v[0] == v[1]} == {}
