"""Parameter recovery on simulated GRM data with known truth (n = 5000)."""

from __future__ import annotations

import numpy as np
import pytest

from stigma_analysis.irt import irt

from .conftest import simulate_grm

A = np.array([0.8, 1.2, 1.6, 2.0, 1.0, 1.4])
D = np.array(
    [
        [2.0, 0.5, -1.5],
        [1.5, 0.0, -1.0],
        [3.0, 1.0, -0.5],
        [2.5, -0.5, -2.5],
        [1.0, -0.2, -2.0],
        [2.2, 0.8, -1.2],
    ]
)


@pytest.fixture(scope="module")
def recovered():
    data, theta = simulate_grm(A, D, 5000, rng=np.random.default_rng(20261206))
    return irt(data), data, theta


def test_parameters_within_three_se(recovered):
    fit, _, _ = recovered
    z_a = (fit.a - A) / fit.se_a
    z_d = (fit.d - D) / fit.se_d
    assert np.all(np.abs(z_a) < 3.0)
    assert np.all(np.abs(z_d) < 3.0)
    # and the SEs are the right size: z-scores are not all tiny (a too-large SE would hide bias)
    z = np.concatenate([z_a, z_d.ravel()])
    assert 0.4 < np.std(z) < 1.6


def test_missing_at_random_still_recovers(recovered):
    _, data, _ = recovered
    rng = np.random.default_rng(7)
    holed = data.astype(float).mask(rng.random(data.shape) < 0.2)
    fit = irt(holed)
    assert np.all(np.abs((fit.a - A) / fit.se_a) < 3.0)
    assert np.all(np.abs((fit.d - D) / fit.se_d) < 3.0)


def test_eap_tracks_true_theta(recovered):
    fit, _, theta = recovered
    sc = fit.scores()
    assert np.corrcoef(sc["theta"], theta)[0, 1] > 0.85
    # posterior SDs are calibrated: mean squared error close to mean posterior variance
    mse = np.mean((sc["theta"] - theta) ** 2)
    assert mse == pytest.approx(np.mean(sc["se"] ** 2), rel=0.1)
    # the empirical reliability is close to the marginal reliability
    assert 1 - np.mean(sc["se"] ** 2) == pytest.approx(fit.marginal_reliability, abs=0.03)


def test_item_fit_is_calibrated_under_the_true_model(recovered):
    fit, _, _ = recovered
    s = fit.item_fit()
    assert (s["p"] > 0.001).all()
    # the statistic is of the size of its degrees of freedom when the model is right
    assert s["S_X2"].sum() == pytest.approx(s["df"].sum(), rel=0.5)
