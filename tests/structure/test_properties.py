"""Invariance properties of the estimators (no external reference needed)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stigma_analysis.structure import SmallSampleWarning, cfa, efa, invariance
from stigma_analysis.structure._rotation import oblimin, varimax
from tests.conftest import RESULTS

HS_MODEL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
ITEMS = [f"x{i}" for i in range(1, 10)]


@pytest.fixture(scope="module")
def hs() -> pd.DataFrame:
    return pd.read_csv(RESULTS.parent / "data" / "HolzingerSwineford1939.csv")


@settings(max_examples=8, deadline=None)
@given(
    scale=st.lists(st.floats(0.1, 10.0), min_size=9, max_size=9),
    shift=st.lists(st.floats(-50.0, 50.0), min_size=9, max_size=9),
)
def test_ml_fit_is_invariant_to_item_rescaling(scale: list[float], shift: list[float]) -> None:
    hs = pd.read_csv(RESULTS.parent / "data" / "HolzingerSwineford1939.csv")
    base = cfa(hs, HS_MODEL)
    moved = hs.copy()
    moved[ITEMS] = moved[ITEMS] * np.array(scale) + np.array(shift)
    res = cfa(moved, HS_MODEL)
    # equal up to the optimiser's stopping point (Newton decrement < 1e-16: parameters to ~1e-8,
    # quantities that depend on them to first order, such as SRMR, to ~1e-7)
    for key in ("chisq", "cfi", "tli", "rmsea", "srmr"):
        np.testing.assert_allclose(res.fit[key], base.fit[key], rtol=1e-6, err_msg=key)
    np.testing.assert_allclose(
        res.loadings["std_estimate"], base.loadings["std_estimate"], rtol=1e-5
    )


def test_std_lv_and_marker_identification_give_the_same_fit(hs: pd.DataFrame) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        a = invariance(hs, HS_MODEL, group="school")
        b = invariance(hs, HS_MODEL, group="school", std_lv=True)
    np.testing.assert_allclose(a["chisq"], b["chisq"], rtol=1e-9)
    np.testing.assert_array_equal(a["df"], b["df"])


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rotations_preserve_communalities_and_reproduce_correlations(seed: int) -> None:
    rng = np.random.default_rng(seed)
    A = rng.uniform(-0.8, 0.8, size=(12, 3))
    L, T, ok = varimax(A)
    assert ok
    np.testing.assert_allclose(T @ T.T, np.eye(3), atol=1e-12)
    np.testing.assert_allclose(L @ L.T, A @ A.T, atol=1e-12)
    P, phi, ok = oblimin(A)
    assert ok
    np.testing.assert_allclose(np.diag(phi), 1.0, atol=1e-12)
    np.testing.assert_allclose(P @ phi @ P.T, A @ A.T, atol=1e-10)


def test_efa_recovers_simulated_simple_structure() -> None:
    rng = np.random.default_rng(11)
    n = 2000
    phi = np.array([[1.0, 0.3], [0.3, 1.0]])
    f = rng.multivariate_normal(np.zeros(2), phi, size=n)
    load = np.zeros((8, 2))
    load[:4, 0] = [0.8, 0.7, 0.6, 0.5]
    load[4:, 1] = [0.8, 0.7, 0.6, 0.5]
    x = f @ load.T + rng.standard_normal((n, 8)) * np.sqrt(1 - (load**2).sum(axis=1))
    res = efa(pd.DataFrame(x, columns=[f"i{k}" for k in range(8)]), n_factors=2, method="ml")
    L = res.loading_matrix.to_numpy()
    if abs(L[0, 0]) < abs(L[0, 1]):
        L = L[:, ::-1]
    np.testing.assert_allclose(np.abs(L), load, atol=0.06)  # sampling error at n = 2000
    r = res.factor_correlations["correlation"].to_numpy()[1]
    assert abs(abs(r) - 0.3) < 0.06
