"""Chained-equations imputation engine, vectorised over the m imputations (array core, no pandas).

Every chain is one slice of a batch: at each visit of a variable, the m regressions are solved
at once as batched normal equations, and predictive mean matching searches sorted predictions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["MiceState", "run_chains"]


@dataclass
class MiceState:
    """Arrays of the chains: ``num`` (m, n, pn) floats, ``cat`` (m, n, pc) integer codes."""

    num: np.ndarray
    cat: np.ndarray
    n_levels: list[int]


def _design(state: MiceState, skip_num: int | None, skip_cat: int | None) -> np.ndarray:
    """(m, n, P): intercept, the other numeric columns, treatment dummies of the other factors."""
    m, n, pn = state.num.shape
    parts = [np.ones((m, n, 1))]
    keep = [j for j in range(pn) if j != skip_num]
    if keep:
        parts.append(state.num[:, :, keep])
    for c, k in enumerate(state.n_levels):
        if c == skip_cat or k < 2:
            continue
        codes = state.cat[:, :, c]
        parts.append((codes[:, :, None] == np.arange(1, k)).astype(float))
    return np.concatenate(parts, axis=2)


def _pmm_match(
    yhat_obs: np.ndarray,
    yhat_mis: np.ndarray,
    y_obs: np.ndarray,
    donors: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """For each chain and missing row, a random one of the `donors` nearest observed predictions.

    The d nearest neighbours of a value in a sorted 1-D array lie within d places of its
    insertion point, so only a window of 2d candidates is compared (memory O(m n_mis d)).
    Ties are broken at random by a tiny jitter, as mice's matcher shuffles donors first.
    """
    m, n_obs = yhat_obs.shape
    n_mis = yhat_mis.shape[1]
    d = min(donors, n_obs)
    scale = np.std(yhat_obs) + 1e-300
    jit = yhat_obs + rng.uniform(-1e-9, 1e-9, yhat_obs.shape) * scale
    order = np.argsort(jit, axis=1)
    srt = np.take_along_axis(jit, order, axis=1)
    width = min(2 * d, n_obs)
    pos = np.empty((m, n_mis), dtype=np.int64)
    for c in range(m):  # one searchsorted per chain (not per row)
        pos[c] = np.searchsorted(srt[c], yhat_mis[c])
    start = np.clip(pos - d, 0, n_obs - width)
    cand = start[:, :, None] + np.arange(width)  # (m, n_mis, width) sorted positions
    cand_val = np.take_along_axis(srt, cand.reshape(m, -1), axis=1).reshape(m, n_mis, width)
    dist = np.abs(cand_val - yhat_mis[:, :, None])
    if d < width:
        near = np.argpartition(dist, d - 1, axis=2)[:, :, :d]
    else:
        near = np.broadcast_to(np.arange(width), (m, n_mis, width))
    pick = rng.integers(0, d, size=(m, n_mis))
    which = np.take_along_axis(near, pick[:, :, None], axis=2)
    chosen_pos = np.take_along_axis(cand, which, axis=2)[:, :, 0]
    donor = np.take_along_axis(order, chosen_pos, axis=1)
    return y_obs[donor]


def _draw_linear(
    X_obs: np.ndarray,
    y_obs: np.ndarray,
    rng: np.random.Generator,
    ridge: float = 1e-5,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """mice's .norm.draw, batched: (coef, beta_star, sigma_star) for every chain."""
    m, n_obs, P = X_obs.shape
    Xt = X_obs.transpose(0, 2, 1)
    xtx = Xt @ X_obs
    diag = np.einsum("mii->mi", xtx)
    A = xtx + ridge * diag[:, :, None] * np.eye(P)
    V = np.linalg.inv(A)
    V = 0.5 * (V + V.transpose(0, 2, 1))
    coef = (V @ (Xt @ y_obs[None, :, None]))[:, :, 0]
    resid = y_obs[None, :] - np.einsum("mnp,mp->mn", X_obs, coef)
    df = max(n_obs - P, 1)
    sigma = np.sqrt(np.sum(resid**2, axis=1) / rng.chisquare(df, size=m))
    L = np.linalg.cholesky(V)
    beta = coef + sigma[:, None] * (L @ rng.standard_normal((m, P, 1)))[:, :, 0]
    return coef, beta, sigma


def _draw_multinomial(
    X_obs: np.ndarray,
    codes_obs: np.ndarray,
    K: int,
    theta: np.ndarray | None,
    *,
    rng: np.random.Generator,
    max_iter: int = 30,
) -> tuple[np.ndarray, np.ndarray]:
    """Penalised multinomial logit by batched Newton steps; returns (theta_hat, theta_star).

    theta has shape (m, P, K-1) (first level is the reference). A ridge of 1e-3 × diag(X'X)/4 on
    all coefficients keeps the fit finite under separation (mice augments the data for the same reason).
    theta_star is drawn from the normal approximation N(theta_hat, H⁻¹) so the imputations carry
    parameter uncertainty.
    """
    m, _, P = X_obs.shape
    k1 = K - 1
    Y = (codes_obs[:, None] == np.arange(1, K)).astype(float)  # (n_obs, k1)
    th = np.zeros((m, P, k1)) if theta is None else theta.copy()
    pen_diag = 1e-3 * np.einsum("mnp,mnp->mp", X_obs, X_obs) / 4
    # the intercept gets the same weak ridge (it keeps H invertible when a factor level is
    # perfectly predicted, as in tiny data sets), plus an absolute floor
    pen_diag += 1e-8
    pen = np.zeros((m, k1 * P))
    for k in range(k1):
        pen[:, k * P : (k + 1) * P] = pen_diag
    H = np.zeros((m, k1 * P, k1 * P))
    for _ in range(max_iter):
        eta = X_obs @ th  # (m, n, k1)
        mx = np.maximum(eta.max(axis=2, keepdims=True), 0.0)
        ex = np.exp(eta - mx)
        den = np.exp(-mx) + ex.sum(axis=2, keepdims=True)
        p = ex / den  # (m, n, k1)
        g = X_obs.transpose(0, 2, 1) @ (Y[None] - p)  # (m, P, k1)
        g_vec = g.transpose(0, 2, 1).reshape(m, k1 * P) - pen * th.transpose(0, 2, 1).reshape(
            m, k1 * P
        )
        Wt = p[:, :, :, None] * (np.eye(k1)[None, None] - p[:, :, None, :])  # (m, n, k1, k1)
        Xt = X_obs.transpose(0, 2, 1)
        for a in range(k1):
            for b in range(a, k1):
                blk = Xt @ (Wt[:, :, a, b, None] * X_obs)
                H[:, a * P : (a + 1) * P, b * P : (b + 1) * P] = blk
                H[:, b * P : (b + 1) * P, a * P : (a + 1) * P] = blk
        H[:, np.arange(k1 * P), np.arange(k1 * P)] += pen
        step = np.linalg.solve(H, g_vec[:, :, None])[:, :, 0]
        # damp very large Newton steps (the penalised likelihood is concave, but far from the
        # optimum a full step can overshoot into overflow)
        big = np.max(np.abs(step), axis=1, keepdims=True)
        step = step * np.minimum(1.0, 5.0 / np.maximum(big, 1e-300))
        th = th + step.reshape(m, k1, P).transpose(0, 2, 1)
        if np.max(np.abs(step)) < 1e-7:
            break
    cov = np.linalg.inv(H)
    cov = 0.5 * (cov + cov.transpose(0, 2, 1)) + 1e-12 * np.eye(k1 * P)
    L = np.linalg.cholesky(cov)
    star = th + (L @ rng.standard_normal((m, k1 * P, 1)))[:, :, 0].reshape(m, k1, P).transpose(
        0, 2, 1
    )
    return th, star


def run_chains(
    state: MiceState,
    miss_num: np.ndarray,
    miss_cat: np.ndarray,
    *,
    n_iter: int,
    method: str,
    donors: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Run the chained equations in place on `state`; returns chain means (n_iter, m, pn)."""
    m, _, pn = state.num.shape
    pc = state.cat.shape[2]
    # initial values: random draws from each column's observed values (mice's default)
    for j in range(pn):
        mis = miss_num[:, j]
        if mis.any():
            obs_vals = state.num[0, ~mis, j]
            state.num[:, mis, j] = rng.choice(obs_vals, size=(m, int(mis.sum())))
    for c in range(pc):
        mis = miss_cat[:, c]
        if mis.any():
            obs_vals = state.cat[0, ~mis, c]
            state.cat[:, mis, c] = rng.choice(obs_vals, size=(m, int(mis.sum())))
    thetas: dict[int, np.ndarray] = {}
    means = np.full((n_iter, m, pn), np.nan)
    visit = [("num", j) for j in range(pn) if miss_num[:, j].any()]
    visit += [("cat", c) for c in range(pc) if miss_cat[:, c].any()]
    for it in range(n_iter):
        for kind, j in visit:
            if kind == "num":
                mis = miss_num[:, j]
                X = _design(state, j, None)
                Xo, Xm = X[:, ~mis], X[:, mis]
                y_obs = state.num[0, ~mis, j]
                coef, beta, sigma = _draw_linear(Xo, y_obs, rng)
                if method == "pmm":
                    yhat_obs = np.einsum("mnp,mp->mn", Xo, coef)
                    yhat_mis = np.einsum("mnp,mp->mn", Xm, beta)
                    state.num[:, mis, j] = _pmm_match(yhat_obs, yhat_mis, y_obs, donors, rng)
                else:  # norm: Bayesian linear regression draws
                    noise = rng.standard_normal((m, int(mis.sum()))) * sigma[:, None]
                    state.num[:, mis, j] = np.einsum("mnp,mp->mn", Xm, beta) + noise
            else:
                mis = miss_cat[:, j]
                K = state.n_levels[j]
                X = _design(state, None, j)
                Xo, Xm = X[:, ~mis], X[:, mis]
                codes_obs = state.cat[0, ~mis, j]
                th, star = _draw_multinomial(Xo, codes_obs, K, thetas.get(j), rng=rng)
                thetas[j] = th
                eta = np.concatenate([np.zeros((m, Xm.shape[1], 1)), Xm @ star], axis=2)
                eta -= eta.max(axis=2, keepdims=True)
                prob = np.exp(eta)
                prob /= prob.sum(axis=2, keepdims=True)
                u = rng.uniform(size=(m, Xm.shape[1], 1))
                state.cat[:, mis, j] = np.minimum((prob.cumsum(axis=2) < u).sum(axis=2), K - 1)
        for j in range(pn):
            mis = miss_num[:, j]
            if mis.any():
                means[it, :, j] = state.num[:, mis, j].mean(axis=1)
    return means
