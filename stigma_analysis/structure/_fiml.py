"""Full-information ML helpers: missing-data patterns, the saturated (H1) model by EM."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from ._engine import FloatArray

__all__ = ["Pattern", "baseline_logl", "em_h1", "pattern_logl", "patterns_of"]

Pattern = tuple[NDArray[np.int64], float, FloatArray, FloatArray]
"""(observed columns, n, mean of those columns, their covariance with divisor n)."""


def patterns_of(X: FloatArray) -> list[Pattern]:
    """Group rows by which columns are observed; rows with nothing observed must be removed."""
    obs = ~np.isnan(X)
    keys, inverse = np.unique(obs, axis=0, return_inverse=True)
    out: list[Pattern] = []
    for k, key in enumerate(keys):
        rows = X[inverse.ravel() == k][:, key]
        m = rows.mean(axis=0)
        c = rows - m
        out.append((np.flatnonzero(key), float(len(rows)), m, c.T @ c / len(rows)))
    return out


def pattern_logl(patterns: list[Pattern], mu: FloatArray, sigma: FloatArray) -> float:
    """Observed-data log-likelihood of the normal model (mu, sigma)."""
    total = 0.0
    for o, n, m, S in patterns:
        so = sigma[np.ix_(o, o)]
        sign, logdet = np.linalg.slogdet(so)
        if sign <= 0:
            return -np.inf
        W = np.linalg.inv(so)
        d = m - mu[o]
        total -= n / 2 * (len(o) * math.log(2 * math.pi) + logdet + np.sum(S * W) + d @ W @ d)
    return float(total)


def em_h1(
    patterns: list[Pattern], p: int, *, tol: float = 1e-12, max_iter: int = 10_000
) -> tuple[FloatArray, FloatArray, bool]:
    """ML mean and covariance of incomplete normal data by EM (the unrestricted H1 model)."""
    n_tot = sum(pt[1] for pt in patterns)
    s1 = np.zeros(p)
    s2 = np.zeros(p)
    cnt = np.zeros(p)
    for o, n, m, S in patterns:
        cnt[o] += n
        s1[o] += n * m
        s2[o] += n * (np.diag(S) + m * m)
    mu = s1 / cnt
    sigma = np.diag(s2 / cnt - mu * mu)
    for _ in range(max_iter):
        T1 = np.zeros(p)
        T2 = np.zeros((p, p))
        for o, n, m, S in patterns:
            mis = np.setdiff1d(np.arange(p), o)
            if len(mis) == 0:
                T1 += n * m
                T2 += n * (S + np.outer(m, m))
                continue
            B = sigma[np.ix_(mis, o)] @ np.linalg.inv(sigma[np.ix_(o, o)])
            C = sigma[np.ix_(mis, mis)] - B @ sigma[np.ix_(o, mis)]
            xm = mu[mis] + B @ (m - mu[o])  # mean of the conditional expectations
            full_m = np.empty(p)
            full_m[o], full_m[mis] = m, xm
            cov = np.zeros((p, p))  # within-pattern covariance of the completed rows
            cov[np.ix_(o, o)] = S
            cov[np.ix_(mis, o)] = B @ S
            cov[np.ix_(o, mis)] = S @ B.T
            cov[np.ix_(mis, mis)] = B @ S @ B.T + C
            T1 += n * full_m
            T2 += n * (cov + np.outer(full_m, full_m))
        mu_new = T1 / n_tot
        sigma_new = T2 / n_tot - np.outer(mu_new, mu_new)
        change = max(np.max(np.abs(mu_new - mu)), np.max(np.abs(sigma_new - sigma)))
        mu, sigma = mu_new, sigma_new
        if change < tol:
            return mu, sigma, True
    return mu, sigma, False


def baseline_logl(patterns: list[Pattern], p: int) -> float:
    """Log-likelihood of the independence model (each item's own mean and variance, ML from
    the cases that answered it)."""
    n = np.zeros(p)
    s1 = np.zeros(p)
    s2 = np.zeros(p)
    for o, k, m, S in patterns:
        n[o] += k
        s1[o] += k * m
        s2[o] += k * (np.diag(S) + m * m)
    var = s2 / n - (s1 / n) ** 2
    return float(-0.5 * np.sum(n * (math.log(2 * math.pi) + np.log(var) + 1)))
