"""Independent checks of the GRM machinery: brute-force summed-score tables, mixed categories."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from stigma_analysis.irt import irt
from stigma_analysis.irt._engine import grm_probs
from stigma_analysis.irt._itemfit import _collapse, expected_shares, lord_wingersky


def test_expected_shares_match_brute_force():
    th = np.linspace(-6, 6, 61)
    g = np.exp(-0.5 * th**2)
    g /= g.sum()
    items = [(1.2, [1.0, -0.5]), (0.8, [2.0, 0.0, -1.0]), (1.7, [0.3])]
    probs = [grm_probs(a, np.array(d), th)[0] for a, d in items]
    ks = [p.shape[1] for p in probs]
    max_s = sum(k - 1 for k in ks)
    for j in range(3):
        num = np.zeros((max_s + 1, ks[j]))
        den = np.zeros(max_s + 1)
        for pattern in itertools.product(*[range(k) for k in ks]):
            pr = np.prod([probs[i][:, c] for i, c in enumerate(pattern)], axis=0) @ g
            num[sum(pattern), pattern[j]] += pr
            den[sum(pattern)] += pr
        share, possible = expected_shares(probs, g, j)
        assert np.allclose(share[possible], (num / den[:, None])[possible])
        assert np.allclose(share.sum(axis=1), 1.0)
    assert np.allclose(lord_wingersky(probs).sum(axis=1), 1.0)


def test_collapse_merges_sparse_rows():
    obs = np.array([[1.0, 0.0], [3.0, 2.0], [5.0, 9.0], [2.0, 8.0]])
    ex = np.array([[0.6, 0.4], [3.1, 1.9], [5.2, 8.8], [1.5, 8.5]])
    o2, e2 = _collapse(obs, ex, 1.0)
    # the first row (one respondent, expected 0.4 < 1) joins the second
    assert o2.shape == (3, 2)
    assert np.allclose(o2[0], [4.0, 2.0])
    assert np.allclose(e2[0], [3.7, 2.3])
    assert o2.sum() == obs.sum()


def test_items_with_different_numbers_of_categories(science):
    data = science.copy()
    data["Work"] = (data["Work"] >= 3).astype(int)  # dichotomous
    data["Benefit"] = data["Benefit"].clip(lower=2)  # three categories
    fit = irt(data)
    assert fit.ncat.tolist() == [4, 2, 4, 3]
    frame = fit.to_frame()
    assert np.isnan(frame.loc[1, "d2"])
    assert np.isnan(frame.loc[3, "d3"])
    assert frame.loc[1, "se_d1"] > 0
    assert fit.converged
    # information and scores work across the mixed items
    assert fit.information([0.0])["test"].iloc[0] > 0
    assert fit.scores()["theta"].notna().all()
    assert (fit.item_fit()["df"] >= 0).all()


def test_rejects_bad_input(science):
    with pytest.raises(TypeError, match="DataFrame"):
        irt(science.to_numpy())
    with pytest.raises(ValueError, match="at least two"):
        irt(science[["Comfort"]])
    bad = science.copy().astype(float)
    bad.iloc[0, 0] = 2.5
    with pytest.raises(ValueError, match="non-integer"):
        irt(bad)
    with pytest.raises(ValueError, match="model"):
        irt(science, model="gpcm")
    const = science.assign(Work=3)
    with pytest.raises(ValueError, match="distinct"):
        irt(const)
    fit = irt(science, se=False)
    with pytest.raises(ValueError, match="not seen"):
        fit.scores(pd.DataFrame({"Comfort": [5], "Work": [1], "Future": [1], "Benefit": [1]}))


def test_unused_instrument_category_warns():
    from stigma_analysis.irt import SparseCategoryWarning

    rng = np.random.default_rng(4)
    data = pd.DataFrame(
        {
            "ucla3_1": rng.integers(1, 4, 300),
            "ucla3_2": rng.integers(1, 4, 300),
            "ucla3_3": rng.integers(1, 3, 300),  # nobody answered 3 ("often")
        }
    )
    with pytest.warns(SparseCategoryWarning, match=r"item .3.: categories \[3\] were never chosen"):
        fit = irt(data, "ucla3", se=False)
    assert fit.categories[2] == (1.0, 2.0)


def test_non_convergence_warns(science, monkeypatch):
    from stigma_analysis.irt import IRTNonConvergenceWarning
    from stigma_analysis.irt._engine import Engine

    monkeypatch.setattr(Engine, "fit", lambda self, **kw: (3, False))
    with pytest.warns(IRTNonConvergenceWarning, match="did not converge"):
        fit = irt(science, se=False, max_iter=3)
    assert not fit.converged
    assert fit.n_iter == 3
