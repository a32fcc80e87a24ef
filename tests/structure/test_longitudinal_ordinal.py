"""Ordinal longitudinal invariance (Wu & Estabrook 2016, WLSMV) against semTools 0.5-6
measEq.syntax(longFacNames, long.equal, ID.cat = "Wu.Estabrook.2016") fitted by lavaan 0.6-14
(tests/results/lavaan_long_ordinal.R -> lavaan_long_ordinal.json).

Measured: fit measures, scaled-shifted statistics and Satorra (2000) differences within 3e-7
relative, estimates within 2e-6 and robust SEs within 2e-6 relative; tested to 1e-5."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from stigma_analysis.structure import ORDINAL_COLUMNS, longitudinal_invariance
from tests.conftest import RESULTS

REF = json.loads((RESULTS / "lavaan_long_ordinal.json").read_text())
MODEL = "stig =~ s1 + s2 + s3 + s4"
KEYS = {
    "npar": "npar", "chisq": "chisq", "df": "df", "pvalue": "pvalue",
    "chisq_scaled": "chisq.scaled", "pvalue_scaled": "pvalue.scaled",
    "scaling_factor": "chisq.scaling.factor", "cfi_scaled": "cfi.scaled",
    "tli_scaled": "tli.scaled", "rmsea_scaled": "rmsea.scaled",
    "rmsea_ci_low_scaled": "rmsea.ci.lower.scaled",
    "rmsea_ci_high_scaled": "rmsea.ci.upper.scaled", "srmr": "srmr",
}  # fmt: skip
RTOL = 1e-5


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return pd.read_csv(RESULTS / "lavaan_long_ordinal_data.csv")


@pytest.fixture(scope="module")
def fitted(data: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    return longitudinal_invariance(data, MODEL, waves=("t1", "t2"), ordered=True, return_fits=True)


def test_fit_measures_match_lavaan_wlsmv(fitted: tuple[pd.DataFrame, dict]) -> None:
    tab, _ = fitted
    assert list(tab.columns) == ORDINAL_COLUMNS
    assert list(tab["level"]) == ["configural", "thresholds", "metric", "scalar"]
    for _, row in tab.iterrows():
        ref = REF["levels"][row["level"]]
        assert ref["converged"]
        assert row["converged"]
        for ours, theirs in KEYS.items():
            np.testing.assert_allclose(
                row[ours], ref["fit"][theirs], rtol=RTOL, atol=1e-12, err_msg=ours
            )
        np.testing.assert_allclose(row["shift"], ref["shift"], rtol=RTOL)


def test_satorra2000_differences_match_lavtestlrt(fitted: tuple[pd.DataFrame, dict]) -> None:
    tab, _ = fitted
    for _, row in tab.iloc[1:].iterrows():
        ref = REF["lrt"][row["level"]]
        np.testing.assert_allclose(row["delta_chisq"], ref["chisq_diff"], rtol=RTOL)
        assert row["delta_df"] == ref["df_diff"]
        np.testing.assert_allclose(row["delta_p"], ref["p"], rtol=RTOL)


def test_chen_decisions_are_named(fitted: tuple[pd.DataFrame, dict]) -> None:
    tab, _ = fitted
    assert tab["holds"].tolist() == [None, True, True, True]
    assert tab["decision"].iloc[0] == "reference level"
    assert all(d.startswith("holds (Chen 2007:") for d in tab["decision"].iloc[1:])
    # ΔCFI / ΔRMSEA are of the scaled indices
    np.testing.assert_allclose(
        tab["delta_cfi"].iloc[1:].to_numpy(), np.diff(tab["cfi_scaled"].to_numpy())
    )


def test_estimates_and_robust_ses_match_lavaan(fitted: tuple[pd.DataFrame, dict]) -> None:
    """Thresholds equal over waves, later-wave intercepts / scale factors, lag covariances."""
    _, fits = fitted
    for level in REF["levels"]:
        ours = fits[level].parameters()
        ours = ours[ours["free"]]
        ref = pd.DataFrame(REF["levels"][level]["estimates"])
        ref["rhs"] = ref["rhs"].fillna("")
        m = ours.merge(ref, on=["lhs", "op", "rhs"])
        assert len(m) == len(ours), level
        np.testing.assert_allclose(m["estimate"], m["est"], rtol=0, atol=1e-5, err_msg=level)
        np.testing.assert_allclose(m["se_x"], m["se_y"], rtol=RTOL, err_msg=level)
    th = fits["thresholds"].parameters().set_index(["lhs", "op", "rhs"])
    assert th.loc[("s2_t1", "|", "t3"), "estimate"] == th.loc[("s2_t2", "|", "t3"), "estimate"]
    assert th.loc[("s1_t2", "~*~", "s1_t2"), "free"]
    assert th.loc[("s1_t1", "~~", "s1_t2"), "free"]
    sc = fits["scalar"].parameters().set_index(["lhs", "op", "rhs"])
    assert sc.loc[("stig_t2", "~1", ""), "free"]
    assert not sc.loc[("s3_t2", "~1", ""), "free"]


def test_lag_covariances_are_part_of_the_ordinal_model(data: pd.DataFrame) -> None:
    tab = longitudinal_invariance(
        data, MODEL, waves=("t1", "t2"), ordered=True, levels=("configural",),
        lag_covariances=False,
    )  # fmt: skip
    assert tab["df"].iloc[0] == REF["levels"]["configural"]["fit"]["df"] + 4


def test_ordinal_errors(data: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="levels must be among"):
        longitudinal_invariance(data, MODEL, waves=("t1", "t2"), ordered=True, levels=("strict",))
    bad = data.copy()
    bad.loc[bad["s3_t2"] == 4, "s3_t2"] = 3  # category 4 never used at wave 2
    with pytest.raises(ValueError, match="'s3' has different observed categories across waves"):
        longitudinal_invariance(bad, MODEL, waves=("t1", "t2"), ordered=True)
