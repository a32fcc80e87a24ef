"""EFA objective and fit statistics against psych::fa 2.2.9 and factanal
(tests/results/psych_efa_fit.R -> psych_efa_fit.json)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from stigma_analysis.structure import efa
from tests.conftest import RESULTS
from tests.structure.test_efa_psych import _alignment, _match_phi

REF = json.loads((RESULTS / "psych_efa_fit.json").read_text())
# psych stops minres at optim's default factr: its uniquenesses are exact to ~2e-5, which moves
# its objective by ~4e-7 relative; the ML solution agrees to ~1e-10. The p-values are far in
# the tail (1e-250), where a relative error of 1e-9 in chi-square is ~1e-6 in p.
RTOL = {"minres": 1e-5, "ml": 1e-7}
FIT_KEYS = ["chisq", "df", "rmsea", "rmsea_ci_low", "rmsea_ci_high", "tli", "bic",
            "null_chisq", "null_df", "rms", "crms"]  # fmt: skip


@pytest.fixture(scope="module")
def bfi() -> pd.DataFrame:
    return pd.read_csv(RESULTS.parent / "data" / "bfi.csv")[REF["items"]]


@pytest.mark.parametrize(
    ("key", "method", "rotation", "k"),
    [
        ("minres_oblimin", "minres", "oblimin", 5),
        ("minres_none", "minres", "none", 5),
        ("ml_oblimin", "ml", "oblimin", 5),
        ("ml_varimax", "ml", "varimax", 5),
        ("minres_oblimin_2", "minres", "oblimin", 2),
    ],
)
def test_objective_and_fit_match_psych(
    bfi: pd.DataFrame, key: str, method: str, rotation: str, k: int
) -> None:
    ref = REF["fits"][key]
    res = efa(bfi, n_factors=k, method=method, rotation=rotation)  # type: ignore[arg-type]
    rtol = RTOL[method]
    np.testing.assert_allclose(res.objective, ref["objective"], rtol=rtol)
    for name in FIT_KEYS:
        # RMSR is first order in the loadings, which psych's optimiser leaves ~1e-6 off
        tol = max(rtol, 1e-5) if name in ("rms", "crms") else rtol
        np.testing.assert_allclose(res.fit[name], ref[name], rtol=tol, err_msg=name)
    if ref["p_value"] > 0:
        np.testing.assert_allclose(np.log(res.fit["p_value"]), np.log(ref["p_value"]), rtol=1e-5)
    else:  # underflow in R
        assert res.fit["p_value"] < 1e-300


def test_ml_objective_is_factanals_criterion(bfi: pd.DataFrame) -> None:
    res = efa(bfi, n_factors=5, method="ml", rotation="none")
    np.testing.assert_allclose(res.objective, REF["factanal_objective"], rtol=1e-7)
    np.testing.assert_allclose(res.criterion, res.objective, rtol=1e-10)
    # factanal stops optim at its default tolerance: its uniquenesses are exact to ~2e-5
    np.testing.assert_allclose(
        res.communalities["uniqueness"], REF["factanal_uniquenesses"], atol=1e-4
    )


def test_fit_is_undefined_without_degrees_of_freedom() -> None:
    rng = np.random.default_rng(5)
    x = pd.DataFrame(rng.standard_normal((200, 3)) + rng.standard_normal((200, 1)))
    x.columns = ["a", "b", "c"]
    R = x.corr().to_numpy()
    # exactly identified: lambda_1^2 = r12 r13 / r23 etc. (hand calculation), F = 0
    exact = 1 - np.array(
        [R[0, 1] * R[0, 2] / R[1, 2], R[0, 1] * R[1, 2] / R[0, 2], R[0, 2] * R[1, 2] / R[0, 1]]
    )
    for method in ("minres", "ml"):
        # 3 items, 1 factor: df = 0; the ML line search ends at F = 0 without a warning
        res = efa(x, n_factors=1, method=method)  # type: ignore[arg-type]
        assert res.converged
        assert res.fit["df"] == 0
        assert np.isnan(res.fit["p_value"])
        assert np.isnan(res.fit["rmsea"])
        assert res.objective == pytest.approx(0.0, abs=1e-8)
        np.testing.assert_allclose(res.communalities["uniqueness"], exact, atol=1e-6)


@pytest.mark.parametrize("method", ["minres", "ml"])
def test_promax_matches_psych(bfi: pd.DataFrame, method: str) -> None:
    ref = REF["fits"][f"{method}_promax"]
    res = efa(bfi, n_factors=5, method=method, rotation="promax")  # type: ignore[arg-type]
    assert res.converged
    ours = res.loading_matrix.to_numpy()
    ref_l = np.array(ref["loadings"])
    perm, sign = _alignment(ours, ref_l)
    # psych's solution is exact to ~2e-5 (its optimiser tolerance): 1e-4 as for oblimin
    np.testing.assert_allclose(ours[:, perm] * sign, ref_l, atol=1e-4)
    phi = res.factor_correlations["correlation"].to_numpy().reshape(5, 5)
    np.testing.assert_allclose(_match_phi(phi, perm, sign), np.array(ref["phi"]), atol=1e-4)
    # psych orders and signs factors the same way: no permutation, no reflection
    np.testing.assert_array_equal(perm, np.arange(5))
    np.testing.assert_array_equal(sign, np.ones(5))
