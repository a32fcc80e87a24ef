"""Generalised estimating equations solved as geepack does (Yan & Fine's three equations).

Used by :func:`stigma_analysis.models.fit_model` (``family="gee"``). statsmodels' GEE is not
used because its AR(1) structure ignores the time values (a respondent seen at waves 1 and 3
is treated as lag 1) and its moment estimators carry degrees-of-freedom corrections that
geepack does not.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["GeeFit", "fit_gee"]


@dataclass(frozen=True, slots=True)
class GeeFit:
    """The solution of the GEE estimating equations (internal; kept as ``ModelResult.fitted``)."""

    params: np.ndarray
    cov_robust: np.ndarray
    cov_naive: np.ndarray
    alpha: float
    scale: float
    converged: bool
    n_iter: int
    n_pairs: int


def _mean_parts(eta: np.ndarray, binomial: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean, variance function and d mu / d eta for the canonical links (identity, logit)."""
    if not binomial:
        return eta, np.ones_like(eta), np.ones_like(eta)
    mu = 1.0 / (1.0 + np.exp(-eta))
    v = mu * (1.0 - mu)
    return mu, v, v


def _solve_ar1(z: np.ndarray, d: np.ndarray, start: float) -> float:
    """Least-squares root of ``sum d a^(d-1) (z - a^d) = 0`` by Gauss-Newton (as geepack)."""
    a = start
    for _ in range(100):
        ad = a**d
        e = d * np.where(d == 1, 1.0, a ** np.maximum(d - 1, 0))
        den = float(np.sum(e * e))
        if den <= 0:
            # every pair is at lag >= 2 and a = 0: restart from the lag-1-free moment guess
            a = 0.1 if a == 0 else a
            continue
        step = float(np.sum(e * (z - ad))) / den
        a_new = float(np.clip(a + step, -0.999999, 0.999999))
        if abs(a_new - a) < 1e-13:
            return a_new
        a = a_new
    return a


def fit_gee(
    y: np.ndarray,
    X: np.ndarray,
    codes: np.ndarray,
    times: np.ndarray,
    *,
    corstr: str,
    binomial: bool,
    maxiter: int = 200,
    tol: float = 1e-10,
) -> GeeFit:
    """Solve the GEE for the mean (beta), the scale (phi) and the working correlation (alpha).

    Parameters
    ----------
    y, X : numpy.ndarray
        Outcome (n,) and design (n x p), rows sorted by cluster and, within cluster, by time.
    codes : numpy.ndarray
        Cluster code of each row, 0 .. G - 1, non-decreasing.
    times : numpy.ndarray
        Wave of each row (whole numbers; used by ``"ar1"`` only).
    corstr : {"independence", "exchangeable", "ar1"}
        Working correlation.
    binomial : bool
        Logit link and binomial variance (else identity link, constant variance).

    Returns
    -------
    GeeFit

    Notes
    -----
    The three estimating equations of geepack (Yan & Fine 2004; Halekoh, Højsgaard & Yan 2006),
    solved jointly by alternating until the largest change is below ``tol``:

    * beta: ``sum_i D_i' V_i^-1 (y_i - mu_i) = 0`` with ``V_i = A_i^1/2 R_i(alpha) A_i^1/2``;
    * scale: ``phi = sum r^2 / N`` over the Pearson residuals ``r = (y - mu) / sqrt(v(mu))``
      (no degrees-of-freedom correction);
    * alpha: ``sum over pairs j < k within clusters of E_jk (r_j r_k / phi - rho_jk) = 0``
      with ``E_jk = d rho_jk / d alpha``. Exchangeable: ``rho = alpha`` (so alpha is the mean
      of ``r_j r_k / phi`` over all within-cluster pairs). AR(1): ``rho = alpha^|t_j - t_k|``
      over *all* pairs, at their actual distance in waves (a nonlinear least-squares fit).

    Robust covariance: ``H^-1 (sum_i U_i U_i') H^-1`` with ``U_i = D_i' V_i^-1 (y_i - mu_i)``
    and ``H = sum_i D_i' V_i^-1 D_i``; naive covariance ``phi H^-1``. Clusters are padded to the
    largest cluster size so that every cluster's solve runs as one batch.
    """
    n, p = X.shape
    codes = np.asarray(codes)
    g = int(codes.max()) + 1
    sizes = np.bincount(codes, minlength=g)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    pos = np.arange(n) - starts[codes]
    t_max = int(sizes.max())
    valid = np.zeros((g, t_max), bool)
    valid[codes, pos] = True
    Xp = np.zeros((g, t_max, p))
    Xp[codes, pos] = X
    yp = np.zeros((g, t_max))
    yp[codes, pos] = y
    eye = np.eye(t_max, dtype=bool)
    both = valid[:, :, None] & valid[:, None, :]
    # pairs j < k within clusters (row indices into the flat data) and their distances
    tri_g, tri_j, tri_k = np.nonzero(both & np.triu(np.ones((t_max, t_max), bool), k=1))
    ia = starts[tri_g] + tri_j
    ib = starts[tri_g] + tri_k
    dist = np.abs(np.asarray(times, float)[ib] - np.asarray(times, float)[ia])
    tp = np.zeros((g, t_max))
    tp[codes, pos] = times
    dist_p = np.abs(tp[:, :, None] - tp[:, None, :])

    def corr(alpha: float) -> np.ndarray:
        if corstr == "independence" or not np.isfinite(alpha):
            return np.broadcast_to(eye, (g, t_max, t_max)).astype(float)
        if corstr == "exchangeable":
            r = np.full((g, t_max, t_max), alpha)
        else:
            r = np.where(both, alpha**dist_p, 0.0)
        r = np.where(both, r, 0.0)
        r[:, eye] = 1.0
        return r

    def parts(beta: np.ndarray, alpha: float) -> tuple[np.ndarray, ...]:
        eta = X @ beta
        mu, v, dmu = _mean_parts(eta, binomial)
        sd = np.sqrt(v)
        pearson = (y - mu) / sd
        # standardised scale: V_i^-1 = A^-1/2 R^-1 A^-1/2, D_i = dmu x
        Dp = np.zeros((g, t_max, p))
        Dp[codes, pos] = (dmu / sd)[:, None] * X
        rp = np.zeros((g, t_max))
        rp[codes, pos] = pearson
        R = corr(alpha)
        sol = np.linalg.solve(R, np.concatenate([Dp, rp[:, :, None]], axis=2))
        H = np.einsum("gtp,gtq->pq", Dp, sol[:, :, :p])
        U = np.einsum("gtp,gt->gp", Dp, sol[:, :, p])
        return pearson, H, U

    def update_alpha(pearson: np.ndarray, phi: float, alpha: float) -> float:
        if corstr == "independence" or len(ia) == 0:
            return np.nan
        z = pearson[ia] * pearson[ib] / phi
        if corstr == "exchangeable":
            return float(np.mean(z))
        return _solve_ar1(z, dist, 0.0 if not np.isfinite(alpha) else alpha)

    # start: the independence fit (GLM), as geepack starts from glm.fit
    beta = np.zeros(p) if binomial else np.linalg.lstsq(X, y, rcond=None)[0]
    alpha = 0.0 if corstr != "independence" else np.nan
    converged = False
    n_iter = 0
    while n_iter < maxiter:
        n_iter += 1
        pearson, H, U = parts(beta, alpha)
        step = np.linalg.solve(H, U.sum(axis=0))
        beta_new = beta + step
        if not np.all(np.isfinite(beta_new)):
            break  # diverging (e.g. perfect separation): keep the last finite estimates
        mu, v, _ = _mean_parts(X @ beta_new, binomial)
        pearson_new = (y - mu) / np.sqrt(v)
        phi = float(np.mean(pearson_new**2))
        alpha_new = update_alpha(pearson_new, phi, alpha)
        change = max(
            float(np.max(np.abs(step))),
            0.0 if not np.isfinite(alpha_new) else abs(alpha_new - alpha),
        )
        beta, alpha = beta_new, alpha_new
        if change < tol * (1.0 + float(np.max(np.abs(beta)))):
            converged = True
            break
    pearson, H, U = parts(beta, alpha)
    phi = float(np.mean(pearson**2))
    Hinv = np.linalg.inv(H)
    cov_robust = Hinv @ (U.T @ U) @ Hinv
    return GeeFit(
        params=beta,
        cov_robust=(cov_robust + cov_robust.T) / 2,
        cov_naive=phi * Hinv,
        alpha=float(alpha),
        scale=phi,
        converged=converged,
        n_iter=n_iter,
        n_pairs=len(ia),
    )
