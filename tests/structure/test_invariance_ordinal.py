"""Ordinal multi-group invariance (Wu & Estabrook 2016, WLSMV) against lavaan 0.6-14 / semTools
0.5-6 (tests/results/lavaan_inv_ordinal.R -> lavaan_inv_ordinal.json)."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from stigma_analysis.structure import SmallSampleWarning, invariance
from tests.conftest import RESULTS

REF = json.loads((RESULTS / "lavaan_inv_ordinal.json").read_text())
HS_MODEL = """
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed   =~ x7 + x8 + x9
"""
KEYS = {
    "npar": "npar", "chisq": "chisq", "df": "df", "pvalue": "pvalue",
    "chisq_scaled": "chisq.scaled", "pvalue_scaled": "pvalue.scaled",
    "cfi_scaled": "cfi.scaled", "tli_scaled": "tli.scaled", "rmsea_scaled": "rmsea.scaled",
    "rmsea_ci_low_scaled": "rmsea.ci.lower.scaled",
    "rmsea_ci_high_scaled": "rmsea.ci.upper.scaled", "srmr": "srmr",
}  # fmt: skip
# lavaan stops at nlminb rel.tol 1e-10: its chi-squares are exact to ~1e-8, its estimates to
# ~2e-4 in the scalar model (the objective is flat there); the scaled statistic and fit indices
# agree to ~1e-6 relative, p-values near 1e-8 to ~1e-4 relative.
FIT_RTOL = 1e-5


@pytest.fixture(scope="module")
def fitted() -> tuple[pd.DataFrame, dict]:
    data = pd.read_csv(RESULTS / "lavaan_inv_ordinal_data.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        return invariance(data, HS_MODEL, group="school", ordered=True, return_fits=True)


def test_fit_measures_match_lavaan_wlsmv(fitted: tuple[pd.DataFrame, dict]) -> None:
    tab, _ = fitted
    assert list(tab["level"]) == ["configural", "thresholds", "metric", "scalar"]
    for _, row in tab.iterrows():
        ref = REF["levels"][row["level"]]
        for ours, theirs in KEYS.items():
            rtol = 1e-3 if ours.startswith("pvalue") else FIT_RTOL
            np.testing.assert_allclose(row[ours], ref["fit"][theirs], rtol=rtol, err_msg=ours)
        np.testing.assert_allclose(row["shift"], ref["shift"], rtol=FIT_RTOL)
        np.testing.assert_allclose(
            row["scaling_factor"], ref["fit"]["chisq.scaling.factor"], rtol=FIT_RTOL
        )


def test_satorra2000_difference_tests_match_lavtestlrt(fitted: tuple[pd.DataFrame, dict]) -> None:
    tab, _ = fitted
    for _, row in tab.iloc[1:].iterrows():
        ref = REF["lrt"][row["level"]]
        np.testing.assert_allclose(row["delta_chisq"], ref["chisq_diff"], rtol=FIT_RTOL)
        assert row["delta_df"] == ref["df_diff"]
        np.testing.assert_allclose(row["delta_p"], ref["p"], rtol=1e-3)


def test_estimates_and_robust_se_match_lavaan(fitted: tuple[pd.DataFrame, dict]) -> None:
    _, fits = fitted
    for level, fit in fits.items():
        ours = fit.parameters()
        ref = pd.DataFrame(REF["levels"][level]["estimates"])
        ref["group"] = [fit.labels[g - 1] for g in ref["group"]]
        m = ours.merge(ref, on=["group", "lhs", "op", "rhs"])
        m = m[m["free"]]
        assert len(m) == int(ours["free"].sum())  # every free parameter found in lavaan's table
        np.testing.assert_allclose(m["estimate"], m["est"], atol=5e-4, err_msg=level)
        np.testing.assert_allclose(m["se_x"], m["se_y"], rtol=1e-3, err_msg=level)


def test_decision_column_names_the_rule(fitted: tuple[pd.DataFrame, dict]) -> None:
    tab, _ = fitted
    assert tab["holds"].tolist() == [None, True, True, False]  # scalar fails: ΔCFI -0.043
    assert all("Chen 2007" in d for d in tab["decision"].iloc[1:])
    data = pd.read_csv(RESULTS / "lavaan_inv_ordinal_data.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        chi = invariance(data, HS_MODEL, group="school", ordered=True, rule="chisq",
                         levels=("configural", "thresholds"))  # fmt: skip
    assert chi["holds"].tolist() == [None, True]
    assert "Δχ² p = 0.712" in chi["decision"].iloc[1]


def test_configural_equals_separate_group_fits(fitted: tuple[pd.DataFrame, dict]) -> None:
    """Independent check: the configural DWLS statistic is the sum of the two single-group
    DWLS fits (cfa(estimator="DWLS"), itself checked against lavaan)."""
    from stigma_analysis.structure import cfa

    tab, _ = fitted
    data = pd.read_csv(RESULTS / "lavaan_inv_ordinal_data.csv")
    total = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _, sub in data.groupby("school"):
            total += cfa(sub, HS_MODEL, estimator="DWLS", std_lv=True).fit["chisq"]
    np.testing.assert_allclose(tab["chisq"].iloc[0], total, rtol=1e-6)


def test_ordinal_input_errors() -> None:
    data = pd.read_csv(RESULTS / "lavaan_inv_ordinal_data.csv")
    with pytest.raises(ValueError, match=r"levels must be among .* for ordinal items"):
        invariance(data, HS_MODEL, group="school", ordered=True, levels=("configural", "strict"))
    bad = data.copy()
    bad.loc[(bad["school"] == "Pasteur") & (bad["x1"] == 4), "x1"] = 3
    with pytest.raises(ValueError, match="'x1' has 3 of its 4 categories in group 'Pasteur'"):
        invariance(bad, HS_MODEL, group="school", ordered=True, levels=("configural",))
    with pytest.raises(ValueError, match="rule must be one of"):
        invariance(data, HS_MODEL, group="school", ordered=True, rule="cheung")  # type: ignore[arg-type]


def test_chen_rule_small_unequal_groups() -> None:
    from stigma_analysis.structure._invariance import decide

    kw = {"delta_cfi": -0.007, "delta_rmsea": 0.012, "delta_srmr": 0.0, "delta_p": 0.5}
    assert decide("metric", rule="chen2007", ns=[200, 200], **kw)[0]  # .010 cut-off: holds
    ok, text = decide("metric", rule="chen2007", ns=[200, 90], **kw)  # N 290, 2.2:1
    assert not ok
    assert "small unequal groups" in text
    # SRMR cut-off is .030 for loadings but .010 for intercepts
    kw = {"delta_cfi": -0.02, "delta_rmsea": 0.0, "delta_srmr": 0.02, "delta_p": 0.5}
    assert decide("metric", rule="chen2007", ns=[400, 400], **kw)[0]
    assert not decide("scalar", rule="chen2007", ns=[400, 400], **kw)[0]
