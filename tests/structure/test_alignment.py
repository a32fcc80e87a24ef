"""Alignment optimisation (Asparouhov & Muthén 2014, sirt::invariance.alignment conventions).

Besides the comparison with sirt's code (test_alignment_sirt.py), the
loss is checked independently: an explicit loop evaluation of the documented loss, finite-
difference gradients, exact recovery of planted group means / SDs, a brute-force grid search,
and isolation of planted non-invariant intercepts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stigma_analysis.structure import alignment
from stigma_analysis.structure._alignment import _loss_grad, alignment_loss

LAM = np.array([0.8, 0.7, 0.6, 0.75, 0.65, 0.9])
NU = np.array([3.0, 2.5, 3.2, 2.8, 3.1, 2.0])


def _groups(G: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    alpha = np.concatenate([[0.0], rng.normal(0, 0.5, G - 1)])
    psi = np.concatenate([[1.0], rng.uniform(0.7, 1.4, G - 1)])
    items = [f"i{k + 1}" for k in range(len(LAM))]
    groups = [f"site{g + 1}" for g in range(G)]
    lam = pd.DataFrame(np.outer(psi, LAM), index=groups, columns=items)
    nu = pd.DataFrame(NU[None, :] + np.outer(alpha, LAM), index=groups, columns=items)
    return lam, nu, alpha, psi


def _loop_loss(alpha, psi, lam, nu, w, eps):  # type: ignore[no-untyped-def]  # noqa: PLR0917
    """The documented loss, written as sirt's C++ double loop over items and ordered pairs."""
    pw = 0.5
    G, n_items = lam.shape
    total = 0.0
    for i in range(n_items):
        for g in range(G):
            for h in range(G):
                if g == h:
                    continue
                l1, l2 = lam[g, i] / psi[g], lam[h, i] / psi[h]
                n1 = nu[g, i] - lam[g, i] / psi[g] * alpha[g]
                n2 = nu[h, i] - lam[h, i] / psi[h] * alpha[h]
                wc = w[g, i] * w[h, i]
                total += wc * ((l1 - l2) ** 2 + eps) ** (pw / 2)
                total += wc * ((n1 - n2) ** 2 + eps) ** (pw / 2)
    return total


def test_loss_equals_explicit_loop_and_gradient_finite_differences() -> None:
    rng = np.random.default_rng(3)
    lam = rng.uniform(0.4, 1.0, (5, 4))
    nu = rng.normal(0, 1, (5, 4))
    w = rng.uniform(0.5, 1.5, (5, 4))
    w = w / w.sum(axis=0)
    alpha = np.concatenate([[0.0], rng.normal(0, 0.3, 4)])
    psi = np.concatenate([[1.0], rng.uniform(0.8, 1.2, 4)])
    for eps in (1e-3, 0.01, 1.0):
        ours = alignment_loss(alpha, psi, lam, nu, w, eps=eps)
        assert ours == pytest.approx(_loop_loss(alpha, psi, lam, nu, w, eps), rel=1e-12)
    x = np.concatenate([alpha[1:], psi[1:]])
    f, g = _loss_grad(x, lam, nu, w, (0.5, 0.5), (1.0, 1.0), 0.01)
    assert f == pytest.approx(alignment_loss(alpha, psi, lam, nu, w, eps=0.01), rel=1e-12)
    num = np.zeros_like(x)
    for k in range(len(x)):
        e = np.zeros_like(x)
        e[k] = 1e-6
        num[k] = (_loss_grad(x + e, lam, nu, w, (0.5, 0.5), (1.0, 1.0), 0.01)[0]
                  - _loss_grad(x - e, lam, nu, w, (0.5, 0.5), (1.0, 1.0), 0.01)[0]) / 2e-6  # fmt: skip
    np.testing.assert_allclose(g, num, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_exactly_invariant_parameters_recover_the_group_means_and_sds(seed: int) -> None:
    lam, nu, alpha, psi = _groups(10, seed)
    res = alignment(lam, nu)
    np.testing.assert_allclose(res.pars["alpha0"], alpha, atol=1e-6)
    np.testing.assert_allclose(res.pars["psi0"], psi, atol=1e-6)
    np.testing.assert_allclose(res.lambda_aligned.to_numpy(), np.tile(LAM, (10, 1)), atol=1e-6)
    assert res.share_noninvariant["all"] == 0.0
    assert res.r2["loadings"] == pytest.approx(1.0)
    assert res.r2["intercepts"] == pytest.approx(1.0)


def test_optimum_agrees_with_brute_force_grid() -> None:
    lam, nu, _, _ = _groups(2, 7)
    nu.iloc[1, 2] += 0.8  # one non-invariant intercept: no exact solution
    res = alignment(lam, nu)
    L, N = lam.to_numpy(), nu.to_numpy()
    w = np.full(L.shape, 0.5)
    a_grid = np.linspace(-2, 2, 801)
    p_grid = np.linspace(0.3, 2.5, 881)
    # the loss of two groups on the whole grid at once (the pair counted in both orders)
    A, P = np.meshgrid(a_grid, p_grid, indexing="ij")
    l2 = L[1][None, None, :] / P[..., None]
    n2 = N[1][None, None, :] - l2 * A[..., None]
    grid = (
        2 * 0.25 * (((L[0] - l2) ** 2 + 1e-3) ** 0.25 + ((N[0] - n2) ** 2 + 1e-3) ** 0.25).sum(-1)
    )
    k = np.unravel_index(np.argmin(grid), grid.shape)
    best = (float(grid[k]), a_grid[k[0]], p_grid[k[1]])
    assert best[0] == pytest.approx(
        alignment_loss(np.array([0, best[1]]), np.array([1, best[2]]), L, N, w), rel=1e-12
    )
    assert res.fopt <= best[0] + 1e-12
    assert res.pars["alpha0"].iloc[1] == pytest.approx(best[1], abs=0.006)
    assert res.pars["psi0"].iloc[1] == pytest.approx(best[2], abs=0.003)


def test_planted_noninvariant_intercepts_are_isolated() -> None:
    lam, nu, alpha, psi = _groups(8, 11)
    nu.loc["site3", "i2"] += 1.0
    nu.loc["site6", "i5"] -= 1.0
    res = alignment(lam, nu)
    flagged = res.noninvariant["intercepts"]
    rows, cols = np.nonzero(flagged.to_numpy())
    assert [(flagged.index[r], flagged.columns[c]) for r, c in zip(rows, cols, strict=True)] == [
        ("site3", "i2"), ("site6", "i5"),
    ]  # fmt: skip
    assert not res.noninvariant["loadings"].to_numpy().any()
    assert res.share_noninvariant["intercepts"] == pytest.approx(2 / 48)
    np.testing.assert_allclose(res.pars["alpha0"], alpha, atol=0.02)
    np.testing.assert_allclose(res.pars["psi0"], psi, atol=0.02)


def test_alignment_errors() -> None:
    lam, nu, _, _ = _groups(3, 1)
    with pytest.raises(ValueError, match="same groups and items"):
        alignment(lam, nu.iloc[:, :3])
    with pytest.raises(ValueError, match="at least two groups"):
        alignment(lam.iloc[:1], nu.iloc[:1])
