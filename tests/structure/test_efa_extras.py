"""Geomin rotation and factor scores against psych 2.2.9 / GPArotation 2022.10-2
(tests/results/gparotation_geomin_bfi.R -> gparotation_geomin_bfi.json and
psych_factor_scores_bfi.json)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from stigma_analysis.structure import efa, factor_scores
from stigma_analysis.structure._rotation import _geomin_vgq, geomin
from tests.conftest import RESULTS
from tests.structure.test_efa_psych import _alignment, _match_phi

GEO = json.loads((RESULTS / "gparotation_geomin_bfi.json").read_text())
SCORES = json.loads((RESULTS / "psych_factor_scores_bfi.json").read_text())


@pytest.fixture(scope="module")
def bfi15() -> pd.DataFrame:
    data = pd.read_csv(RESULTS.parent / "data" / "bfi.csv")
    return data[GEO["items"]]


def _ref_scores(block: dict[str, list[list[float | None]]]) -> np.ndarray:
    return np.array(
        [[np.nan if v is None else v for v in row] for row in block["scores"]], dtype=float
    )


# psych stops GPArotation at eps = 1e-5 and its ML extraction at L-BFGS-B's default factr, so
# its loadings are exact to ~2e-5; we converge tighter. Tolerance 1e-4 (observed < 3e-5).
def test_geomin_matches_psych_fa(bfi15: pd.DataFrame) -> None:
    res = efa(bfi15, n_factors=3, method="ml", rotation="geomin")
    assert res.converged
    assert res.rotation == "geomin"
    ref = np.array(GEO["loadings"])
    ours = res.loading_matrix.to_numpy()
    perm, sign = _alignment(ours, ref)
    np.testing.assert_allclose(ours[:, perm] * sign, ref, atol=1e-4)
    phi = res.factor_correlations["correlation"].to_numpy().reshape(3, 3)
    np.testing.assert_allclose(_match_phi(phi, perm, sign), np.array(GEO["phi"]), atol=1e-4)
    np.testing.assert_allclose(_geomin_vgq(ours, 0.01)[1], GEO["criterion"], atol=1e-5)


def test_geomin_planted_bug_is_caught(bfi15: pd.DataFrame) -> None:
    # a wrong delta (0.1 instead of GPArotation's 0.01) must move the loadings past 1e-4
    A = efa(bfi15, n_factors=3, method="ml", rotation="none").loading_matrix.to_numpy()
    L, _, ok = geomin(A, delta=0.1)
    assert ok
    ref = np.array(GEO["loadings"])
    perm, sign = _alignment(L, ref)
    assert np.abs(L[:, perm] * sign - ref).max() > 1e-3


def test_geomin_random_starts_never_worse(bfi15: pd.DataFrame) -> None:
    A = efa(bfi15, n_factors=3, method="ml", rotation="none").loading_matrix.to_numpy()
    L1, _, _ = geomin(A)
    L5, phi5, ok = geomin(A, n_starts=5, seed=3)
    assert ok
    assert _geomin_vgq(L5, 0.01)[1] <= _geomin_vgq(L1, 0.01)[1] + 1e-12
    np.testing.assert_allclose(np.diag(phi5), 1.0, atol=1e-12)
    with pytest.raises(ValueError, match="n_starts"):
        efa(bfi15, n_factors=3, rotation="geomin", n_starts=0)


def _check_scores(ours: pd.DataFrame, ref_block: dict, perm: np.ndarray, sign: np.ndarray) -> None:
    got = ours.to_numpy()[:20][:, perm] * sign
    ref = _ref_scores(ref_block)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(ref))
    ok = ~np.isnan(ref)
    np.testing.assert_allclose(got[ok], ref[ok], rtol=0, atol=1e-6)


@pytest.mark.parametrize("fit", ["geomin", "oblimin"])
@pytest.mark.parametrize(
    ("method", "key"), [("regression", "regression"), ("bartlett", "bartlett")]
)
def test_factor_scores_match_psych(bfi15: pd.DataFrame, fit: str, method: str, key: str) -> None:
    # psych's own loadings and Phi in, psych's scores out: 1e-6
    block = SCORES[fit]
    L = pd.DataFrame(block["loadings"], index=SCORES["items"], columns=["F1", "F2", "F3"])
    got = factor_scores(bfi15, L, phi=np.array(block["phi"]), method=method)  # type: ignore[arg-type]
    assert list(got.columns) == ["F1", "F2", "F3"]
    assert got.index.equals(bfi15.index)
    _check_scores(got, block[key], np.arange(3), np.ones(3))


@pytest.mark.parametrize("method", ["regression", "bartlett"])
def test_efa_result_scores_match_psych(bfi15: pd.DataFrame, method: str) -> None:
    # our own fit: its loadings differ from psych's by ~1e-5, so scores agree to 1e-4
    res = efa(bfi15, n_factors=3, method="ml", rotation="geomin")
    perm, sign = _alignment(res.loading_matrix.to_numpy(), np.array(GEO["loadings"]))
    got = res.scores(bfi15, method=method)  # type: ignore[arg-type]
    ref = _ref_scores(SCORES["geomin"][method])
    vals = got.to_numpy()[:20][:, perm] * sign
    ok = ~np.isnan(ref)
    np.testing.assert_allclose(vals[ok], ref[ok], atol=1e-4)


def test_factor_scores_planted_bugs_are_caught(bfi15: pd.DataFrame) -> None:
    block = SCORES["geomin"]
    L = pd.DataFrame(block["loadings"], index=SCORES["items"], columns=["F1", "F2", "F3"])
    phi = np.array(block["phi"])
    # regression weights from the pattern instead of the structure L Phi
    orth = factor_scores(bfi15, L, method="regression").to_numpy()[:20]
    ref = _ref_scores(block["regression"])
    ok = ~np.isnan(ref)
    assert np.abs(orth[ok] - ref[ok]).max() > 1e-2
    # Bartlett and regression scores differ: the method switch is not a no-op
    bart = factor_scores(bfi15, L, phi=phi, method="bartlett").to_numpy()[:20]
    assert np.abs(bart[ok] - ref[ok]).max() > 1e-2


def test_factor_scores_errors(bfi15: pd.DataFrame) -> None:
    res = efa(bfi15, n_factors=3, method="ml", rotation="geomin")
    with pytest.raises(ValueError, match="A1"):
        res.scores(bfi15.drop(columns="A1"))
    with pytest.raises(ValueError, match="method"):
        res.scores(bfi15, method="tenberge")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="phi"):
        factor_scores(bfi15, res.loading_matrix, phi=np.eye(2))
