"""Logistic mixed model with a random intercept, by Laplace / adaptive Gauss-Hermite (as glmer).

Used by :func:`stigma_analysis.models.fit_model` (``family="binomial_mixed"``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["GlmmFit", "fit_binomial_glmm"]


@dataclass(frozen=True, slots=True)
class GlmmFit:
    """Maximum (approximate) likelihood fit (internal; kept as ``ModelResult.fitted``)."""

    params: np.ndarray
    cov: np.ndarray
    sigma: float
    deviance: float
    converged: bool
    modes: np.ndarray


def _log_bernoulli(y: np.ndarray, eta: np.ndarray) -> np.ndarray:
    """log p(y | eta) for a 0/1 outcome, computed stably."""
    return y * eta - np.logaddexp(0.0, eta)


def fit_binomial_glmm(
    y: np.ndarray, X: np.ndarray, codes: np.ndarray, *, n_agq: int = 1
) -> GlmmFit:
    """Fit ``logit P(y = 1) = X beta + sigma u_i``, ``u_i ~ N(0, 1)``, by approximate ML.

    Parameters
    ----------
    y, X : numpy.ndarray
        0/1 outcome (n,) and fixed-effects design (n x p).
    codes : numpy.ndarray
        Cluster code of each row, 0 .. G - 1 (any order).
    n_agq : int
        Quadrature points per cluster: 1 is the Laplace approximation (glmer's default),
        more is adaptive Gauss-Hermite (glmer's ``nAGQ``).

    Returns
    -------
    GlmmFit

    Notes
    -----
    For given (sigma, beta) the conditional modes ``u_i`` maximise
    ``h_i(u) = sum_j log p(y_ij | x_ij'beta + sigma u) - u^2 / 2`` (Newton steps for all
    clusters at once); with ``H_i = 1 + sigma^2 sum_j mu_ij (1 - mu_ij)`` at the mode and
    ``s_i = H_i^-1/2``, the adaptive Gauss-Hermite approximation of the cluster's marginal
    log-likelihood is ``log s_i - log(pi)/2 + log sum_k w_k exp(z_k^2 + h_i(u_i + sqrt(2) s_i
    z_k))``, which for one point is Laplace's ``h_i(u_i) - log(H_i) / 2``. The deviance
    ``-2 sum_i`` of it is minimised over (sigma >= 0, beta) by L-BFGS-B and polished by Newton
    steps on a central-difference Hessian; the covariance of the estimates is twice the inverse
    of that Hessian (beta block), as lme4's ``vcov()`` with ``use.hessian = TRUE``.
    """
    from scipy.optimize import minimize
    from scipy.special import logsumexp

    y = np.asarray(y, float)
    X = np.asarray(X, float)
    codes = np.asarray(codes)
    g = int(codes.max()) + 1
    p = X.shape[1]
    z, w = np.polynomial.hermite.hermgauss(n_agq)
    state = {"u": np.zeros(g)}

    def modes(beta: np.ndarray, sigma: float) -> tuple[np.ndarray, np.ndarray]:
        eta0 = X @ beta
        u = state["u"].copy()
        H: np.ndarray = np.ones(g)
        for _ in range(200):
            mu = 1.0 / (1.0 + np.exp(-(eta0 + sigma * u[codes])))
            grad = sigma * np.bincount(codes, y - mu, minlength=g) - u
            H = 1.0 + sigma**2 * np.bincount(codes, mu * (1 - mu), minlength=g)
            step = grad / H
            u = u + step
            if np.max(np.abs(step)) < 1e-13:
                break
        mu = 1.0 / (1.0 + np.exp(-(eta0 + sigma * u[codes])))
        H = 1.0 + sigma**2 * np.bincount(codes, mu * (1 - mu), minlength=g)
        state["u"] = u
        return u, H

    def deviance(theta: np.ndarray) -> float:
        sigma, beta = abs(float(theta[0])), theta[1:]
        u, H = modes(beta, sigma)
        s = 1.0 / np.sqrt(H)
        uk = u[None, :] + np.sqrt(2.0) * s[None, :] * z[:, None]  # (k, g)
        eta = (X @ beta)[None, :] + sigma * uk[:, codes]  # (k, n)
        cond = np.stack([np.bincount(codes, r, minlength=g) for r in _log_bernoulli(y, eta)])
        hk = cond - uk**2 / 2 + z[:, None] ** 2
        ll = np.log(s) - 0.5 * np.log(np.pi) + logsumexp(hk, axis=0, b=w[:, None])
        return float(-2.0 * np.sum(ll))

    # start: the logistic regression without random effect, sigma = 1 (as glmer's theta = 1)
    beta0 = np.zeros(p)
    for _ in range(50):
        mu = 1.0 / (1.0 + np.exp(-(X @ beta0)))
        info = X.T @ (X * (mu * (1 - mu))[:, None])
        step = np.linalg.solve(info, X.T @ (y - mu))
        beta0 = beta0 + step
        if np.max(np.abs(step)) < 1e-10:
            break
    x0 = np.concatenate([[1.0], beta0])
    bounds = [(0.0, None)] + [(None, None)] * p
    opt = minimize(
        deviance,
        x0,
        method="L-BFGS-B",
        jac="3-point",
        bounds=bounds,
        options={"ftol": 1e-15, "gtol": 1e-9, "maxiter": 2000},
    )
    theta = np.asarray(opt.x, float)
    boundary = theta[0] < 1e-4
    idx = np.arange(1 if boundary else 0, p + 1)

    def hessian(at: np.ndarray) -> np.ndarray:
        h = 1e-4 * np.maximum(np.abs(at), 1.0)
        k = len(idx)
        out = np.empty((k, k))
        f0 = deviance(at)
        for a in range(k):
            ea = np.zeros_like(at)
            ea[idx[a]] = h[idx[a]]
            out[a, a] = (deviance(at + ea) - 2 * f0 + deviance(at - ea)) / h[idx[a]] ** 2
            for b in range(a + 1, k):
                eb = np.zeros_like(at)
                eb[idx[b]] = h[idx[b]]
                out[a, b] = out[b, a] = (
                    deviance(at + ea + eb)
                    - deviance(at + ea - eb)
                    - deviance(at - ea + eb)
                    + deviance(at - ea - eb)
                ) / (4 * h[idx[a]] * h[idx[b]])
        return out

    def gradient(at: np.ndarray) -> np.ndarray:
        h = 1e-5 * np.maximum(np.abs(at), 1.0)
        out = np.empty(len(idx))
        for a, i in enumerate(idx):
            e = np.zeros_like(at)
            e[i] = h[i]
            out[a] = (deviance(at + e) - deviance(at - e)) / (2 * h[i])
        return out

    # Newton polish on a fixed Hessian (L-BFGS-B stops at ~1e-6 in the parameters)
    converged = bool(opt.success)
    Hm = hessian(theta)
    for _ in range(10):
        try:
            step = np.linalg.solve(Hm, gradient(theta))
        except np.linalg.LinAlgError:
            break
        new = theta.copy()
        new[idx] -= step
        if not boundary and new[0] < 0:
            break
        if deviance(new) > deviance(theta) + 1e-9:
            break
        theta = new
        if np.max(np.abs(step)) < 1e-9:
            converged = True
            break
    Hm = hessian(theta)
    try:
        cov_all = 2.0 * np.linalg.inv(Hm)
        cov = cov_all[-p:, -p:]
    except np.linalg.LinAlgError:
        cov = np.full((p, p), np.nan)
    dev = deviance(theta)
    u, _ = modes(theta[1:], abs(float(theta[0])))
    return GlmmFit(
        params=theta[1:].copy(),
        cov=(cov + cov.T) / 2,
        sigma=abs(float(theta[0])),
        deviance=dev,
        converged=converged,
        modes=u,
    )
