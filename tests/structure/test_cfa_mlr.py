"""Robust ML (estimator="MLR") against lavaan 0.6-14
(tests/results/lavaan_hs_mlr.R -> lavaan_hs_mlr.json)."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from stigma_analysis.structure import SmallSampleWarning, cfa
from tests.conftest import RESULTS

REF = json.loads((RESULTS / "lavaan_hs_mlr.json").read_text())
KEYS = {
    "chisq": "chisq", "chisq_scaled": "chisq.scaled", "pvalue_scaled": "pvalue.scaled",
    "scaling_factor": "chisq.scaling.factor", "baseline_chisq_scaled": "baseline.chisq.scaled",
    "baseline_scaling_factor": "baseline.chisq.scaling.factor", "cfi": "cfi",
    "cfi_scaled": "cfi.scaled", "tli_scaled": "tli.scaled", "cfi_robust": "cfi.robust",
    "tli_robust": "tli.robust", "rmsea_scaled": "rmsea.scaled", "rmsea_robust": "rmsea.robust",
    "rmsea_ci_low_robust": "rmsea.ci.lower.robust",
    "rmsea_ci_high_robust": "rmsea.ci.upper.robust",
}  # fmt: skip
FITS = {
    "single": {},
    "configural": {"group": "school"},
    "metric": {"group": "school", "group_equal": ["loadings"]},
}
# lavaan's estimates are exact to ~2e-5 relative (nlminb rel.tol 1e-10). Observed: fit
# measures within 4e-6 (single group), 4e-5 (configural), 9e-6 (metric); sandwich SEs within
# 2e-6, 7e-5, 1.2e-5. The two-group fits, which lavaan converges less tightly, get 1e-4 / 2e-4.
RTOL = {"single": 1e-5, "configural": 1e-4, "metric": 1e-4}
SE_RTOL = {"single": 1e-5, "configural": 2e-4, "metric": 2e-4}


@pytest.fixture(scope="module")
def hs() -> pd.DataFrame:
    return pd.read_csv(RESULTS.parent / "data" / "HolzingerSwineford1939.csv")


@pytest.mark.parametrize("key", list(FITS))
def test_mlr_matches_lavaan(hs: pd.DataFrame, key: str) -> None:
    ref = REF["fits"][key]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        res = cfa(hs, REF["model"], estimator="MLR", **FITS[key])  # type: ignore[arg-type]
    assert res.estimator == "MLR"
    for ours, theirs in KEYS.items():
        np.testing.assert_allclose(res.fit[ours], ref["fit"][theirs], rtol=RTOL[key], err_msg=ours)
    pe = pd.DataFrame(ref["estimates"])
    p = res.parameters.copy()
    p["gi"] = p["group"].map({g: i + 1 for i, g in enumerate(res.groups)})
    m = p.merge(pe, left_on=["lhs", "op", "rhs", "gi"], right_on=["lhs", "op", "rhs", "group"])
    assert len(m) == len(p)
    np.testing.assert_allclose(m["estimate"], m["est"], rtol=1e-4, atol=1e-8)
    free = m["free"]
    np.testing.assert_allclose(m.loc[free, "se_x"], m.loc[free, "se_y"], rtol=SE_RTOL[key])


def test_mlr_se_differ_from_ml(hs: pd.DataFrame) -> None:
    ml = cfa(hs, REF["model"])
    mlr = cfa(hs, REF["model"], estimator="MLR")
    np.testing.assert_allclose(ml.fit["chisq"], mlr.fit["chisq"], rtol=1e-12)
    free = ml.parameters["free"]
    assert not np.allclose(ml.parameters.loc[free, "se"], mlr.parameters.loc[free, "se"])
    with pytest.raises(ValueError, match="missing='fiml' needs estimator='ML'"):
        cfa(hs, REF["model"], estimator="MLR", missing="fiml")
