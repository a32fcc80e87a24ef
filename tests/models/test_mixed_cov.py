"""The fixed-effects covariance of linear mixed models (lme4's vcov()), shared by fit_model and
evaluation.arm_by_wave."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from stigma_analysis.models._mixed_cov import _fixed_effects_cov
from tests.conftest import RESULTS

DATA = RESULTS.parent / "data"


def _dense(X: np.ndarray, Z: np.ndarray, codes: np.ndarray, G: np.ndarray, s2: float) -> np.ndarray:
    """(X' V^-1 X)^-1 with the full n x n V (block diagonal), for checking."""
    n = len(X)
    V = s2 * np.eye(n)
    for g in np.unique(codes):
        i = np.flatnonzero(codes == g)
        V[np.ix_(i, i)] += Z[i] @ G @ Z[i].T
    return np.linalg.inv(X.T @ np.linalg.solve(V, X))


@pytest.mark.parametrize("model", ["random_slope", "random_intercept"])
def test_equals_lme4_vcov_at_lme4_estimates(model: str) -> None:
    # at lme4's own variance estimates the formula alone is tested (no optimiser in the way)
    d = pd.read_csv(DATA / "sleepstudy_unbalanced.csv")
    ref = json.loads((RESULTS / "lme4_unbalanced.json").read_text())[model]
    v = ref["var_components"]["vcov"]
    X = np.column_stack([np.ones(len(d)), d["Days"].to_numpy(float)])
    if model == "random_slope":
        Z, G = X, np.array([[v[0], v[2]], [v[2], v[1]]])
    else:
        Z, G = X[:, :1], np.array([[v[0]]])
    codes = pd.factorize(d["Subject"])[0]
    cov = _fixed_effects_cov(X, Z, codes, G, v[-1])
    # closed form at the same parameters; lme4 stores the values to 15 digits
    np.testing.assert_allclose(cov, ref["vcov"], rtol=1e-10)


@pytest.mark.parametrize("singular", [False, True])
def test_equals_dense_computation_in_any_row_order(singular: bool) -> None:
    rng = np.random.default_rng(7)
    n_groups = 25
    sizes = rng.integers(1, 7, n_groups)  # unbalanced, including one-row groups
    codes = np.repeat(np.arange(n_groups), sizes)
    n = codes.size
    X = np.column_stack([np.ones(n), rng.normal(size=n), rng.integers(0, 2, n)])
    Z = np.column_stack([np.ones(n), rng.integers(0, 4, n), rng.normal(size=n)])
    A = rng.normal(size=(3, 3))
    G = A @ A.T
    if singular:  # boundary fit: G of rank 1 (G^-1 does not exist)
        G = np.outer(A[0], A[0])
    expected = _dense(X, Z, codes, G, 0.7)
    np.testing.assert_allclose(_fixed_effects_cov(X, Z, codes, G, 0.7), expected, rtol=1e-10)
    perm = rng.permutation(n)
    relabel = rng.permutation(n_groups)[codes[perm]]
    np.testing.assert_allclose(
        _fixed_effects_cov(X[perm], Z[perm], relabel, G, 0.7), expected, rtol=1e-10
    )


def test_random_intercept_closed_form() -> None:
    # Z = 1: V_i^-1 = (I - c_i J) / s2 with c_i = s2_u / (s2 + n_i s2_u)
    rng = np.random.default_rng(3)
    codes = np.repeat(np.arange(12), rng.integers(1, 5, 12))
    X = np.column_stack([np.ones(codes.size), rng.normal(size=codes.size)])
    s2, s2_u = 1.3, 0.4
    sizes = np.bincount(codes)
    sums = np.zeros((sizes.size, 2))
    np.add.at(sums, codes, X)
    c = s2_u / (s2 + sizes * s2_u)
    info = (X.T @ X - sums.T @ (c[:, None] * sums)) / s2
    cov = _fixed_effects_cov(X, np.ones((codes.size, 1)), codes, np.array([[s2_u]]), s2)
    np.testing.assert_allclose(cov, np.linalg.inv(info), rtol=1e-12)


@pytest.mark.parametrize("scale", [0.0, np.nan])
def test_degenerate_variances_give_nan(scale: float) -> None:
    X = np.ones((4, 1))
    cov = _fixed_effects_cov(X, X, np.array([0, 0, 1, 1]), np.array([[1.0]]), scale)
    assert np.isnan(cov).all()


def test_singular_design_gives_nan() -> None:
    X = np.column_stack([np.ones(6), np.ones(6)])  # collinear columns
    cov = _fixed_effects_cov(X, X[:, :1], np.repeat([0, 1, 2], 2), np.array([[1.0]]), 1.0)
    assert np.isnan(cov).all()
