"""EFA helpers against psych 2.2.9 (tests/results/psych_fa_bfi.R -> psych_fa_bfi.json)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linear_sum_assignment

from stigma_analysis.structure import bartlett, efa, eigenvalues, kmo, parallel_analysis
from tests.conftest import RESULTS

REF = json.loads((RESULTS / "psych_fa_bfi.json").read_text())


@pytest.fixture(scope="module")
def bfi() -> pd.DataFrame:
    data = pd.read_csv(RESULTS.parent / "data" / "bfi.csv")
    return data[REF["items"]]


def _alignment(ours: np.ndarray, ref: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The permutation and signs taking our factors to the reference's: reference factor j is
    ``sign[j] * ours[:, perm[j]]``."""
    k = ref.shape[1]
    cost = np.empty((k, k))
    for i in range(k):
        for j in range(k):
            cost[i, j] = min(
                np.abs(ours[:, i] - ref[:, j]).max(), np.abs(ours[:, i] + ref[:, j]).max()
            )
    rows, cols = linear_sum_assignment(cost)
    perm = np.empty(k, dtype=np.int64)
    sign = np.empty(k)
    for i, j in zip(rows, cols, strict=True):
        perm[j] = i
        better = np.abs(ours[:, i] - ref[:, j]).max() <= np.abs(ours[:, i] + ref[:, j]).max()
        sign[j] = 1.0 if better else -1.0
    return perm, sign


def _match_phi(phi: np.ndarray, perm: np.ndarray, sign: np.ndarray) -> np.ndarray:
    """Our factor correlations, factor by factor in the reference's order and signs."""
    return phi[np.ix_(perm, perm)] * np.outer(sign, sign)


def test_eigenvalues_match_r(bfi: pd.DataFrame) -> None:
    ev = eigenvalues(bfi)
    np.testing.assert_allclose(ev["eigenvalue"], REF["eigenvalues"], rtol=0, atol=1e-8)
    assert list(ev.columns) == ["component", "eigenvalue", "proportion", "cumulative"]
    np.testing.assert_allclose(ev["cumulative"].iloc[-1], 1.0)


def test_kmo_matches_psych(bfi: pd.DataFrame) -> None:
    res = kmo(bfi)
    np.testing.assert_allclose(res.overall, REF["kmo"]["msa"], rtol=1e-10)
    np.testing.assert_allclose(res.items["msa"], REF["kmo"]["msai"], rtol=1e-10)
    assert res.items["item"].tolist() == REF["items"]


def test_bartlett_matches_psych(bfi: pd.DataFrame) -> None:
    res = bartlett(bfi)
    np.testing.assert_allclose(res.chisq, REF["bartlett"]["chisq"], rtol=1e-10)
    assert res.df == REF["bartlett"]["df"]
    assert res.p_value == pytest.approx(REF["bartlett"]["p_value"], abs=1e-300)
    assert res.n == len(bfi)


# Loadings: psych stops L-BFGS-B at its default factr and GPArotation at eps = 1e-5, so its
# solution is exact to ~2e-5; 1e-3 is the tolerance asked for, observed differences are < 3e-5
# (oblimin) and < 2e-6 (unrotated). Varimax uses stats::varimax's own stopping rule, reproduced.
@pytest.mark.parametrize(
    ("key", "method", "rotation"),
    [
        ("fa_minres_oblimin", "minres", "oblimin"),
        ("fa_minres_varimax", "minres", "varimax"),
        ("fa_minres_none", "minres", "none"),
        ("fa_ml_oblimin", "ml", "oblimin"),
        ("fa_ml_varimax", "ml", "varimax"),
    ],
)
def test_efa_matches_psych_fa(bfi: pd.DataFrame, key: str, method: str, rotation: str) -> None:
    ref = REF[key]
    res = efa(bfi, n_factors=5, method=method, rotation=rotation)  # type: ignore[arg-type]
    assert res.converged
    assert not res.heywood
    ours = res.loading_matrix.to_numpy()
    perm, sign = _alignment(ours, np.array(ref["loadings"]))
    np.testing.assert_allclose(ours[:, perm] * sign, np.array(ref["loadings"]), atol=1e-4)
    np.testing.assert_allclose(res.communalities["communality"], ref["communalities"], atol=1e-4)
    # factor correlations matched factor by factor (same permutation and signs as the loadings)
    phi = res.factor_correlations["correlation"].to_numpy().reshape(5, 5)
    np.testing.assert_allclose(_match_phi(phi, perm, sign), np.array(ref["phi"]), atol=1e-4)


def test_factor_correlation_check_detects_a_swap(bfi: pd.DataFrame) -> None:
    # the check above must fail if Phi's factors were permuted without the loadings
    ref = REF["fa_minres_oblimin"]
    res = efa(bfi, n_factors=5)
    ours = res.loading_matrix.to_numpy()
    perm, sign = _alignment(ours, np.array(ref["loadings"]))
    phi = res.factor_correlations["correlation"].to_numpy().reshape(5, 5)
    swap = np.arange(5)
    swap[[0, 1]] = [1, 0]
    planted = phi[np.ix_(swap, swap)]
    assert np.abs(_match_phi(planted, perm, sign) - np.array(ref["phi"])).max() > 0.05


def test_efa_tidy_tables(bfi: pd.DataFrame) -> None:
    res = efa(bfi, n_factors=2, rotation="varimax")
    assert list(res.loadings.columns) == ["item", "factor", "loading"]
    assert len(res.loadings) == 25 * 2
    assert list(res.communalities.columns) == ["item", "communality", "uniqueness"]
    assert list(res.factor_correlations.columns) == ["factor_1", "factor_2", "correlation"]
    np.testing.assert_allclose(res.factor_correlations["correlation"], np.eye(2).ravel())
    assert res.variance["ss_loadings"].is_monotonic_decreasing


def test_efa_argument_errors(bfi: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="n_factors must be an int from 1 to 24"):
        efa(bfi, n_factors=25)
    with pytest.raises(ValueError, match="rotation must be"):
        efa(bfi, n_factors=2, rotation="quartimax")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="method must be"):
        efa(bfi, n_factors=2, method="pa")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="missing must be"):
        eigenvalues(bfi, missing="everything")  # type: ignore[arg-type]
    with pytest.warns(DeprecationWarning, match="use missing="):
        old = eigenvalues(bfi, use="complete")  # type: ignore[call-arg]
    assert old.equals(eigenvalues(bfi, missing="listwise"))


def test_parallel_analysis_seeded_and_recovers_structure() -> None:
    rng = np.random.default_rng(7)
    n = 500
    f = rng.standard_normal((n, 2))
    load = np.zeros((8, 2))
    load[:4, 0] = 0.7
    load[4:, 1] = 0.7
    x = f @ load.T + rng.standard_normal((n, 8)) * np.sqrt(1 - 0.49)
    data = pd.DataFrame(x, columns=[f"i{k}" for k in range(8)])
    a = parallel_analysis(data, n_iter=50, seed=3)
    b = parallel_analysis(data, n_iter=50, seed=3)
    pd.testing.assert_frame_equal(a.table, b.table)
    assert a.n_factors == 2
    assert list(a.table.columns) == [
        "component",
        "observed",
        "random_mean",
        "random_quantile",
        "retain",
    ]
    # the random eigenvalues of uncorrelated data hover around 1 (Marchenko-Pastur spread)
    assert 1.0 < a.table["random_quantile"].iloc[0] < 1.4


PARALLEL = json.loads((RESULTS / "psych_parallel_hs.json").read_text())


def test_parallel_analysis_matches_fa_parallel_on_its_draws() -> None:
    # tests/results/psych_parallel_hs.R: fa.parallel's own 20 simulated data sets
    hs = pd.read_csv(RESULTS.parent / "data" / "HolzingerSwineford1939.csv")
    data = hs.loc[:49, PARALLEL["items"]]
    raw = pd.read_csv(RESULTS / "psych_parallel_hs_draws.csv")
    draws = np.stack([g.drop(columns="iteration").to_numpy() for _, g in raw.groupby("iteration")])
    assert draws.shape == (PARALLEL["n_iter"], PARALLEL["n"], len(PARALLEL["items"]))
    res = parallel_analysis(data, quantile=PARALLEL["quantile"], draws=draws)
    tab = res.table
    np.testing.assert_allclose(tab["observed"], PARALLEL["observed"], rtol=1e-12)
    np.testing.assert_allclose(tab["random_mean"], PARALLEL["random_mean"], rtol=1e-12)
    np.testing.assert_allclose(tab["random_quantile"], PARALLEL["random_quantile"], rtol=1e-12)
    assert res.n_factors == PARALLEL["ncomp"]
    assert res.n_iter == PARALLEL["n_iter"]
    with pytest.raises(ValueError, match=r"draws must have shape \(replications, 50, 6\)"):
        parallel_analysis(data, draws=draws[:, :10])
