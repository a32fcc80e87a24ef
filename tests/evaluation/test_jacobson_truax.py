"""Clinically significant change (Jacobson & Truax 1991) and its plot.

Reference: tests/results/jacobson_truax.R (+ .json): a hand calculation on the DAS data of
Jacobson & Truax (1991) Table 2.
"""

from __future__ import annotations

import json

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from stigma_analysis import evaluation as ev
from tests.conftest import RESULTS

REF = json.loads((RESULTS / "jacobson_truax.json").read_text())


def _das_long():
    wide = pd.read_csv(RESULTS / "jacobson_truax_das.csv")
    return pd.concat(
        [
            wide[["ppid", "pre"]].rename(columns={"pre": "das"}).assign(wave=1),
            wide[["ppid", "post"]].rename(columns={"post": "das"}).assign(wave=2),
        ],
        ignore_index=True,
    )


@pytest.mark.parametrize("criterion", ["a", "b", "c"])
def test_matches_hand_calculation_on_jacobson_truax_table_2(criterion):
    norms = {}
    if criterion != "a":
        norms = {"functional_mean": REF["functional_mean"], "functional_sd": REF["functional_sd"]}
    out = ev.clinically_significant_change(
        _das_long(),
        score="das",
        id="ppid",
        reliability=REF["reliability"],
        direction="higher_is_better",
        criterion=criterion,
        **norms,
    )
    assert out["ppid"].tolist() == list(range(1, 31))
    # closed forms: 1e-12
    assert out["cutoff"].iloc[0] == pytest.approx(REF["cutoffs"][criterion], rel=1e-12)
    assert out["s_diff"].iloc[0] == pytest.approx(REF["s_diff"], rel=1e-12)
    np.testing.assert_allclose(out["rci"], REF["rci"], rtol=1e-12)
    assert out["category"].astype(str).tolist() == REF[f"category_{criterion}"]


def test_auto_criterion_and_counts():
    out = ev.clinically_significant_change(
        _das_long(),
        score="das",
        id="ppid",
        reliability=REF["reliability"],
        direction="higher_is_better",
        functional_mean=REF["functional_mean"],
        functional_sd=REF["functional_sd"],
    )
    assert set(out["criterion"]) == {"c"}
    counts = out["category"].value_counts().reindex(list(ev.CLINICAL_CATEGORIES))
    assert counts.to_dict() == REF["counts_c"]
    alone = ev.clinically_significant_change(
        _das_long(), score="das", id="ppid", reliability=0.84, direction="higher_is_better"
    )
    assert set(alone["criterion"]) == {"a"}


def test_cutoffs_mirror_with_direction():
    hi = ev.clinical_cutoffs(
        dysfunctional_mean=70,
        dysfunctional_sd=10,
        functional_mean=110,
        functional_sd=15,
        direction="higher_is_better",
    )
    lo = ev.clinical_cutoffs(
        dysfunctional_mean=-70,
        dysfunctional_sd=10,
        functional_mean=-110,
        functional_sd=15,
        direction="lower_is_better",
    )
    assert (hi.a, hi.b, hi.c) == (90, 80, pytest.approx(86.0))
    assert (lo.a, lo.b, lo.c) == (-90, -80, pytest.approx(-86.0))
    assert hi.to_frame()["cutoff"].tolist() == [90, 80, pytest.approx(86.0)]


def test_errors_name_the_parameter():
    with pytest.raises(ValueError, match="criterion='c' needs functional norms"):
        ev.clinically_significant_change(
            _das_long(),
            score="das",
            id="ppid",
            reliability=0.84,
            direction="higher_is_better",
            criterion="c",
        )
    with pytest.raises(ValueError, match=r"functional_mean=50\.0 must lie on the better side"):
        ev.clinical_cutoffs(
            dysfunctional_mean=70,
            dysfunctional_sd=10,
            functional_mean=50,
            functional_sd=15,
            direction="higher_is_better",
        )
    with pytest.raises(ValueError, match="give both functional_mean and functional_sd"):
        ev.clinical_cutoffs(
            dysfunctional_mean=70,
            dysfunctional_sd=10,
            functional_mean=50,
            direction="lower_is_better",
        )


def test_plot_draws_categories_cutoff_and_bands():
    out = ev.clinically_significant_change(
        _das_long(), score="das", id="ppid", reliability=0.84, direction="higher_is_better"
    )
    _, ax = plt.subplots()
    got = ev.jacobson_truax_plot(out, ax=ax, xlabel="DAS pre")
    assert got is ax
    labels = [c.get_label() for c in ax.collections]
    assert labels == ["recovered", "improved", "unchanged", "deteriorated"]
    assert sum(len(c.get_offsets()) for c in ax.collections) == 30
    cutoff = REF["cutoffs"]["a"]
    hlines = [ln for ln in ax.lines if ln.get_label() == "cut-off"]
    assert hlines[0].get_ydata()[0] == pytest.approx(cutoff)
    band = next(ln for ln in ax.lines if ln.get_label() == "reliable change")
    x, y = band.get_xdata(), band.get_ydata()
    assert y[0] - x[0] == pytest.approx(REF["threshold"])
    assert ax.get_xlabel() == "DAS pre"
