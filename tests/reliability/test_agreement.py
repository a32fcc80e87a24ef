"""Intraclass correlations and (weighted) kappa.

Reference: tests/results/psych_agreement.R (psych 2.2.9 ICC and cohen.kappa; Shrout &
Fleiss 1979 Table 2 with its published ICCs; the Fleiss-Cohen-Everitt weighted-kappa
variance written out in R and checked by Monte Carlo) -> psych_agreement.json.
Tolerance 1e-10 (closed forms); the lmer fit 1e-5 (lme4's optimiser); Monte Carlo 10%.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stigma_analysis.reliability import icc, weighted_kappa

RESULTS = Path(__file__).resolve().parents[1] / "results"
REF = json.loads((RESULTS / "psych_agreement.json").read_text())


@pytest.fixture(scope="module")
def bfi() -> pd.DataFrame:
    return pd.read_csv(RESULTS.parent / "data" / "bfi.csv")


def _icc_data(name: str, bfi: pd.DataFrame) -> np.ndarray:
    if name == "sf":
        return np.array(REF["icc"]["sf"]["data"], dtype=float)
    return bfi[["A2", "A3", "A4"]].dropna().head(200).to_numpy(dtype=float)


@pytest.mark.parametrize("name", ["sf", "bfi3"])
def test_icc_matches_psych(bfi: pd.DataFrame, name: str) -> None:
    ref = REF["icc"][name]
    tab = icc(_icc_data(name, bfi))
    assert tab["type"].tolist() == ref["type"]
    for col, key in [
        ("icc", "icc"),
        ("f", "f"),
        ("df1", "df1"),
        ("df2", "df2"),
        ("ci_low", "lower"),
        ("ci_high", "upper"),
    ]:
        np.testing.assert_allclose(tab[col], ref[key], rtol=1e-10, err_msg=col)
    np.testing.assert_allclose(tab["p_value"], ref["p"], rtol=1e-8, atol=1e-300)
    np.testing.assert_allclose(tab["icc"], ref["icc_lmer"], atol=1e-5)  # psych's default
    assert tab["mcgraw_wong"].tolist()[:3] == ["ICC(1)", "ICC(A,1)", "ICC(C,1)"]


def test_icc_reproduces_shrout_fleiss_table_4() -> None:
    tab = icc(np.array(REF["icc"]["sf"]["data"]))
    assert tab["icc"].round(2).tolist() == [0.17, 0.29, 0.71, 0.44, 0.62, 0.91]


def test_icc_drops_incomplete_rows_and_checks_arguments() -> None:
    x = np.array(REF["icc"]["sf"]["data"], dtype=float)
    padded = np.vstack([x, [1.0, np.nan, 3.0, 4.0]])
    pd.testing.assert_frame_equal(icc(padded), icc(x))
    with pytest.raises(ValueError, match="at least 2 raters"):
        icc(x[:, :1])
    with pytest.raises(ValueError, match="ci_level"):
        icc(x, ci_level=95)


@pytest.mark.parametrize("name", ["quadratic", "linear", "sparse"])
def test_kappa_matches_psych(bfi: pd.DataFrame, name: str) -> None:
    ref = REF["kappa"][name]
    if name == "sparse":
        pair = bfi.loc[:149, ["C1", "C2"]].dropna().clip(upper=4)
    else:
        pair = bfi[["A2", "A3"]].dropna().head(300)
    tab = weighted_kappa(pair, weights="linear" if name == "linear" else "quadratic")
    k, wk = tab.iloc[0], tab.iloc[1]
    assert k["n"] == ref["n"]
    np.testing.assert_allclose(k["estimate"], ref["kappa"], rtol=1e-10)
    np.testing.assert_allclose(k["se"] ** 2, ref["var_kappa"], rtol=1e-10)
    np.testing.assert_allclose([k["ci_low"], k["ci_high"]], np.array(ref["confid"])[0, [0, 2]])
    np.testing.assert_allclose(wk["estimate"], ref["weighted_kappa"], rtol=1e-10)
    # the Fleiss-Cohen-Everitt variance (not psych's; see the R script)
    np.testing.assert_allclose(wk["se"] ** 2, ref["fce_var"], rtol=1e-10)
    assert abs(wk["se"] ** 2 - ref["psych_var_weighted"]) > 1e-5
    if "mc_var" in ref:
        np.testing.assert_allclose(wk["se"] ** 2, ref["mc_var"], rtol=0.1)
        assert abs(ref["psych_var_weighted"] / ref["mc_var"] - 1) > 0.1


def test_kappa_levels_weights_and_errors() -> None:
    df = pd.DataFrame({"r1": [1, 2, 3, 3, 2, 1], "r2": [1, 2, 3, 2, 2, 1]})
    full = weighted_kappa(df, levels=[1, 2, 3, 4, 5], weights="linear")
    same = weighted_kappa(
        df,
        levels=[1, 2, 3, 4, 5],
        weights=1 - np.abs(np.subtract.outer(np.arange(5), np.arange(5))) / 4,
    )
    np.testing.assert_allclose(full["estimate"], same["estimate"], rtol=1e-12)
    assert full["n_levels"].iloc[0] == 5
    perfect = weighted_kappa(df.assign(r2=df["r1"]))
    assert perfect["estimate"].tolist() == [1.0, 1.0]
    with pytest.raises(ValueError, match="not among levels"):
        weighted_kappa(df, levels=[1, 2])
    with pytest.raises(ValueError, match="exactly 2 rating columns"):
        weighted_kappa(df.assign(r3=1))
    with pytest.raises(ValueError, match="weights must be"):
        weighted_kappa(df, weights="cubic")
