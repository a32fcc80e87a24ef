"""The graded response model against mirt's asserted values on its Science data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stigma_analysis.irt import irt


def all_equal(x, y) -> float:
    """R's all.equal: mean absolute difference relative to the mean absolute target."""
    x, y = np.asarray(x, float).ravel(), np.asarray(y, float).ravel()
    return float(np.mean(np.abs(x - y)) / np.mean(np.abs(y)))


def test_data_is_mirts_science(science, mirt_science):
    # the two-way table printed by mirt's residuals(x, tables = TRUE) and the item means
    tab = pd.crosstab(science["Comfort"], science["Work"]).to_numpy()
    assert tab.tolist() == [[2, 0, 1, 2], [2, 11, 15, 4], [24, 71, 148, 23], [5, 16, 42, 26]]
    assert science.mean().round(3).tolist() == [3.120, 2.722, 2.990, 2.837]
    assert len(science) == 392


def test_first_item_slope_and_intercepts(science_fit, mirt_science):
    ref = mirt_science["coef_louis"]["estimate"][0]
    ours = [science_fit.a[0], *science_fit.d[0]]
    assert all_equal(ours, ref) < 1e-3
    # and against the newer mirt version's estimates in the PLCI.mirt documentation
    assert all_equal(ours, mirt_science["coef_docs"]["Comfort"]) < 1e-3


def test_all_coefficients(science_fit, mirt_science):
    ref = np.array(mirt_science["coef_louis"]["estimate"])
    ours = np.column_stack([science_fit.a, science_fit.d])
    # 1.3e-3: mirt's estimate of the Future slope (2.2906, SE 0.48) is where its EM stopped;
    # the maximum is at 2.3006 (see test_ours_is_the_maximum)
    assert all_equal(ours, ref) < 2e-3


def test_loglik_aic_bic(science_fit, mirt_science):
    ref = mirt_science["loglik"]
    # the 1e-4, in the semantics of mirt's own tests (testthat's expect_equal tolerance
    # is relative, as all.equal): about 4e-7 here. mirt prints the value to 3 decimals only, so
    # the absolute check is to that precision.
    assert all_equal(science_fit.loglik, ref["logLik"]) < 1e-4
    assert science_fit.loglik == pytest.approx(ref["logLik"], abs=1e-3)
    assert science_fit.aic == pytest.approx(ref["AIC"], abs=2e-3)
    assert science_fit.bic == pytest.approx(ref["BIC"], abs=2e-3)
    assert science_fit.n_par == ref["n_par"]
    assert science_fit.converged


def test_ours_is_the_maximum(science, science_fit, mirt_science):
    """mirt's estimates (stopped at its EM tolerance) give a lower log-likelihood than ours."""
    from stigma_analysis.irt._data import code_items, collapse
    from stigma_analysis.irt._engine import Engine, GroupData, Layout

    coded = code_items(science)
    pats, freq, _ = collapse(coded.codes)
    ref = np.array(mirt_science["coef_louis"]["estimate"]).ravel()
    eng = Engine(
        [GroupData(pats, freq)],
        coded.ncat,
        np.linspace(-6, 6, 61),
        Layout(np.arange(16)[None, :], np.full((1, 2), -1), 16),
        item_values=ref[None, :],
        group_values=np.zeros((1, 2)),
    )
    ll_mirt, grad = eng.loglik_grad()
    assert ll_mirt == pytest.approx(-1608.870, abs=1e-3)
    assert science_fit.loglik > ll_mirt
    assert np.max(np.abs(grad)) > 1e-3  # mirt's point is not yet the maximum


def test_standard_errors(science_fit, mirt_science):
    ref = np.array(mirt_science["coef_louis"]["se"])
    ours = np.column_stack([science_fit.se_a, science_fit.se_d])
    assert all_equal(ours, ref) < 1e-2
    # first item to 1e-3; the Future item's SEs move with its slope (see above)
    assert np.max(np.abs(ours[0] - ref[0])) < 1e-3


def test_eap_for_a_pattern(science, science_fit, mirt_science):
    ref = mirt_science["eap"]
    new = pd.DataFrame([ref["pattern"]], columns=science.columns)
    got = science_fit.scores(new)
    assert got["theta"].iloc[0] == pytest.approx(ref["theta"], abs=1e-3)
    assert got["se"].iloc[0] == pytest.approx(ref["se"], abs=1e-3)


def test_eap_table(science, science_fit, mirt_science):
    ref = mirt_science["eap_table_head"]
    new = pd.DataFrame(ref["patterns"], columns=science.columns)
    got = science_fit.scores(new)
    assert np.allclose(got["theta"], ref["theta"], atol=2e-3)
    assert np.allclose(got["se"], ref["se"], atol=1e-3)


def test_b_parameterisation(science_fit):
    frame = science_fit.to_frame()
    assert list(frame.columns[:9]) == [
        "item",
        "n_categories",
        "a",
        "d1",
        "d2",
        "d3",
        "b1",
        "b2",
        "b3",
    ]
    assert np.allclose(frame["b1"], -frame["d1"] / frame["a"])
    assert (frame["b1"] < frame["b2"]).all()
    assert (frame["b2"] < frame["b3"]).all()
    assert frame["se_b1"].notna().all()


def test_information_and_reliability(science_fit):
    th = np.linspace(-4, 4, 81)
    info = science_fit.information(th)
    assert list(info.columns) == ["Comfort", "Work", "Future", "Benefit", "test"]
    assert np.allclose(info["test"], info.iloc[:, :4].sum(axis=1))
    # information equals the variance of the score function: check against a numeric derivative
    curves = science_fit.probabilities(th, "Future").to_numpy()
    h = 1e-5
    dp = (
        science_fit.probabilities(th + h, "Future").to_numpy()
        - science_fit.probabilities(th - h, "Future").to_numpy()
    ) / (2 * h)
    assert np.allclose(info["Future"], (dp**2 / curves).sum(axis=1), rtol=1e-5)
    assert 0.5 < science_fit.marginal_reliability < 0.8


def test_missing_answers_are_skipped(science):
    data = science.copy().astype(float)
    data.iloc[0, 0] = np.nan
    data.iloc[1, :] = np.nan  # answered nothing: dropped from the fit, NaN score
    fit = irt(data)
    assert fit.n_obs == 391
    sc = fit.scores()
    assert np.isnan(sc["theta"].iloc[1])
    assert not np.isnan(sc["theta"].iloc[0])


def test_item_fit_runs(science_fit):
    fit = science_fit.item_fit()
    assert list(fit.columns) == ["item", "S_X2", "df", "RMSEA", "p"]
    assert (fit["df"] > 0).all()
    assert (fit["S_X2"] > 0).all()
