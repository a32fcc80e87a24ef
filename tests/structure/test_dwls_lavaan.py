"""Ordinal CFA (DWLS on polychoric correlations) against lavaan 0.6-14
(tests/results/lavaan_dwls_bfi.R -> lavaan_dwls_bfi.json)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from stigma_analysis.structure import cfa
from stigma_analysis.structure._dwls import ordinal_codes
from stigma_analysis.structure._efa import _corr
from stigma_analysis.structure._ordinal import bivariate_normal_cdf, polychoric
from tests.conftest import RESULTS

REF = json.loads((RESULTS / "lavaan_dwls_bfi.json").read_text())
MODEL = """
agree =~ A1 + A2 + A3 + A4 + A5
consc =~ C1 + C2 + C3 + C4 + C5
extra =~ E1 + E2 + E3 + E4 + E5
"""
LAVAAN_KEY = {"rmsea_ci_low": "rmsea.ci.lower", "rmsea_ci_high": "rmsea.ci.upper"}


@pytest.fixture(scope="module")
def bfi() -> pd.DataFrame:
    return pd.read_csv(RESULTS.parent / "data" / "bfi.csv")


@pytest.fixture(scope="module")
def fit(bfi: pd.DataFrame):
    return cfa(bfi, MODEL, estimator="DWLS")


@pytest.mark.parametrize(
    ("h", "k", "rho"),
    [(0.3, -0.8, 0.1), (0.3, -0.8, 0.9), (-1.2, -0.4, -0.7), (1.5, 1.5, 0.99), (0.0, 0.0, 0.0)],
)
def test_bivariate_normal_cdf(h: float, k: float, rho: float) -> None:
    ref = stats.multivariate_normal(cov=[[1, rho], [rho, 1]]).cdf([h, k])
    # scipy's Genz integration is itself accurate to ~1e-8 here
    np.testing.assert_allclose(bivariate_normal_cdf(np.array(h), np.array(k), np.array(rho)), ref,
                               atol=1e-8)  # fmt: skip


def test_polychoric_thresholds_and_weights_match_lavaan(bfi: pd.DataFrame) -> None:
    x = bfi[REF["items"]].dropna()
    codes, ncat = ordinal_codes(x.to_numpy(dtype=float), REF["items"])
    pc = polychoric(codes, ncat)
    assert pc.n == REF["n"]
    # thresholds are closed form (qnorm of cumulative proportions)
    np.testing.assert_allclose(np.concatenate(pc.thresholds), REF["thresholds"], rtol=0, atol=1e-12)
    # polychorics: lavaan stops its optimiser at ~1e-8
    np.testing.assert_allclose(pc.cor, np.array(REF["polychoric"]), rtol=0, atol=1e-7)
    # DWLS weights = 1 / diag(NACOV) (lavaan's muthen1984)
    np.testing.assert_allclose(1 / np.diag(pc.gamma), REF["wls_v"], rtol=1e-6)
    R, _, _ = _corr(bfi[REF["items"]], "complete", "polychoric")
    np.testing.assert_allclose(R, pc.cor, rtol=0, atol=1e-14)


def test_dwls_fit_measures_match_lavaan(fit) -> None:
    assert fit.converged
    assert fit.estimator == "DWLS"
    for key in ("chisq", "df", "cfi", "tli", "rmsea", "rmsea_ci_low", "rmsea_ci_high", "srmr"):
        np.testing.assert_allclose(
            fit.fit[key], REF["fit"][LAVAAN_KEY.get(key, key)], rtol=1e-6, err_msg=key
        )
    np.testing.assert_allclose(fit.fit["npar"], REF["fit"]["npar"])
    np.testing.assert_allclose(fit.fit["baseline_chisq"], REF["fit"]["baseline.chisq"], rtol=1e-6)
    assert np.isnan(fit.fit["aic"])
    assert np.isnan(fit.fit["bic"])


def test_dwls_estimates_and_robust_se_match_lavaan(fit) -> None:
    pe = pd.DataFrame(REF["estimates"])
    pe["se_robust"] = REF["se_robust"]
    m = fit.parameters.merge(pe, on=["lhs", "op", "rhs"])
    # 15 loadings, 15 residual variances, 6 latent (co)variances, 75 thresholds
    assert len(m) == 15 + 15 + 6 + 75
    np.testing.assert_allclose(m["estimate"], m["est"], rtol=0, atol=1e-5)
    np.testing.assert_allclose(m["std_estimate"], m["std.all"], rtol=0, atol=1e-5)
    free = m["free"] & m["se_robust"].gt(0)
    np.testing.assert_allclose(m.loc[free, "se_x"], m.loc[free, "se_robust"], rtol=1e-5)
    lo = fit.loadings
    assert lo["item"].tolist() == REF["items"]


def test_dwls_rejects_groups_and_continuous_items(bfi: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="single-group models only"):
        cfa(bfi, MODEL, estimator="DWLS", group="gender")
    hs = pd.read_csv(RESULTS.parent / "data" / "HolzingerSwineford1939.csv")
    with pytest.raises(ValueError, match="use estimator='ML' for continuous items"):
        cfa(hs, "f =~ x1 + x2 + x3", estimator="DWLS")
