"""CFA with missing = "fiml" against lavaan 0.6-14 missing = "ml"
(tests/results/lavaan_fiml_hs.R -> lavaan_fiml_hs.json)."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from stigma_analysis.structure import FIT_KEYS, SmallSampleWarning, cfa, invariance
from stigma_analysis.structure._fiml import em_h1, patterns_of
from tests.conftest import RESULTS

REF = json.loads((RESULTS / "lavaan_fiml_hs.json").read_text())
HS_MODEL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
LAVAAN_KEY = {"rmsea_ci_low": "rmsea.ci.lower", "rmsea_ci_high": "rmsea.ci.upper"}
ITEMS = [f"x{i}" for i in range(1, 10)]


@pytest.fixture(scope="module")
def hs_missing() -> pd.DataFrame:
    data = pd.read_csv(RESULTS.parent / "data" / "HolzingerSwineford1939_missing.csv")
    assert int(data[ITEMS].isna().sum().sum()) == REF["n_missing"]
    return data


@pytest.mark.parametrize("case", ["single", "metric"])
def test_fiml_matches_lavaan_missing_ml(hs_missing: pd.DataFrame, case: str) -> None:
    ref = REF[case]
    kwargs = {} if case == "single" else {"group": "school", "group_equal": ("loadings",)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        res = cfa(hs_missing, HS_MODEL, missing="fiml", **kwargs)  # type: ignore[arg-type]
    assert res.converged
    assert sum(res.n_obs) == ref["fit"]["ntotal"] == 301  # no row is lost
    # lavaan's EM for the H1 model stops at ~1e-6, which moves SRMR (computed from the H1
    # moments) by ~3e-6 relative; everything else agrees to ~1e-8
    for key in FIT_KEYS:
        rtol = 1e-5 if key == "srmr" else 1e-6
        np.testing.assert_allclose(
            res.fit[key], ref["fit"][LAVAAN_KEY.get(key, key)], rtol=rtol, err_msg=key
        )
    np.testing.assert_allclose(res.fit["logl"], ref["fit"]["logl"], rtol=1e-9)
    np.testing.assert_allclose(res.fit["npar"], ref["fit"]["npar"])
    np.testing.assert_allclose(res.fit["baseline_chisq"], ref["fit"]["baseline.chisq"], rtol=1e-8)
    pe = pd.DataFrame(ref["estimates"])
    pe["group"] = pe["group"].astype(int)
    ours = res.parameters.assign(
        gi=res.parameters["group"].map({g: i + 1 for i, g in enumerate(res.groups)})
    )
    m = ours.merge(pe, left_on=["lhs", "op", "rhs", "gi"], right_on=["lhs", "op", "rhs", "group"])
    assert len(m) == len(pe)
    # lavaan's optimiser stops at ~1e-5 relative in the parameters; SEs from the observed
    # information (lavaan's default with missing = "ml")
    np.testing.assert_allclose(m["estimate"], m["est"], rtol=1e-4, atol=1e-6)
    free = m["free"]
    np.testing.assert_allclose(m.loc[free, "se_x"], m.loc[free, "se_y"], rtol=1e-4)
    np.testing.assert_allclose(m["std_estimate"], m["std.all"], rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(
        res.fit["logl"] + 0.5 * res.fit["chisq"], ref["fit"]["unrestricted.logl"], rtol=1e-9
    )


def test_em_h1_on_complete_data_is_the_sample_moments() -> None:
    rng = np.random.default_rng(4)
    x = rng.standard_normal((200, 4)) @ rng.uniform(-1, 1, (4, 4))
    mu, sigma, ok = em_h1(patterns_of(x), 4)
    assert ok
    np.testing.assert_allclose(mu, x.mean(axis=0), atol=1e-12)
    np.testing.assert_allclose(sigma, np.cov(x, rowvar=False, bias=True), atol=1e-12)


def test_fiml_on_complete_data_equals_listwise_ml() -> None:
    hs = pd.read_csv(RESULTS.parent / "data" / "HolzingerSwineford1939.csv")
    a = cfa(hs, HS_MODEL, meanstructure=True)
    b = cfa(hs, HS_MODEL, missing="fiml")
    for key in FIT_KEYS:
        np.testing.assert_allclose(b.fit[key], a.fit[key], rtol=1e-7, err_msg=key)


def test_fiml_keeps_partial_rows_and_validates(hs_missing: pd.DataFrame) -> None:
    listwise = cfa(hs_missing, HS_MODEL)
    fiml = cfa(hs_missing, HS_MODEL, missing="fiml")
    assert listwise.n_obs[0] < fiml.n_obs[0] == 301
    with pytest.raises(ValueError, match="missing must be"):
        cfa(hs_missing, HS_MODEL, missing="pairwise")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="needs estimator='ML'"):
        cfa(hs_missing, HS_MODEL, missing="fiml", estimator="DWLS")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        tab = invariance(hs_missing, HS_MODEL, group="school", levels=("configural", "metric"),
                         missing="fiml")  # fmt: skip
    np.testing.assert_allclose(tab.loc[1, "chisq"], REF["metric"]["fit"]["chisq"], rtol=1e-6)
