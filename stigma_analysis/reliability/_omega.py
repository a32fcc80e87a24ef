"""One-factor models on a correlation matrix, for McDonald's omega (private).

``ml``: maximum likelihood over the uniquenesses with the loadings profiled out (the
``factanal`` / ``psych::fa(fm = "ml")`` objective and gradient, L-BFGS-B with uniquenesses in
[0.005, 1]). ``minres``: unweighted least squares on the off-diagonal correlations, the
fixed point of ``psych::fa(fm = "minres")``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from stigma_analysis._checks import at_optimum
from stigma_analysis.reliability._core import FloatArray, smc


@dataclass(frozen=True, slots=True)
class OneFactorFit:
    loadings: FloatArray
    uniquenesses: FloatArray
    converged: bool
    message: str


def _ml_parts(psi: FloatArray, R: FloatArray) -> tuple[float, FloatArray]:
    s = 1.0 / np.sqrt(psi)
    vals, vecs = np.linalg.eigh(R * np.outer(s, s))
    vals, vecs = vals[::-1], vecs[:, ::-1]
    e = vals[1:]
    f = -(float(np.sum(np.log(e) - e)) - 1.0 + R.shape[0])
    lam = np.sqrt(psi) * vecs[:, 0] * np.sqrt(max(vals[0] - 1.0, 0.0))
    g = lam**2 + psi - np.diag(R)
    return f, g / psi**2


def fit_one_factor(R: FloatArray, method: Literal["ml", "minres"]) -> OneFactorFit:
    """Loadings and uniquenesses of a one-factor model of the correlation matrix ``R``."""
    from scipy import optimize

    p = R.shape[0]
    if method == "ml":
        start = 1.0 - smc(R)
        start = np.clip(start, 0.005, 1.0)
        res = optimize.minimize(
            lambda x: _ml_parts(x, R),
            start,
            jac=True,
            method="L-BFGS-B",
            bounds=[(0.005, 1.0)] * p,
            options={"ftol": 1e-15, "gtol": 1e-12, "maxiter": 10_000},
        )
        psi = np.asarray(res.x, dtype=float)
        s = 1.0 / np.sqrt(psi)
        vals, vecs = np.linalg.eigh(R * np.outer(s, s))
        lam = np.sqrt(psi) * vecs[:, -1] * np.sqrt(max(vals[-1] - 1.0, 0.0))
        if lam.sum() < 0:
            lam = -lam
        # psych reports uniquenesses as 1 - communality of the fitted loadings
        return OneFactorFit(lam, 1.0 - lam**2, at_optimum(res, 0.005, 1.0), str(res.message))

    off = ~np.eye(p, dtype=bool)
    r = R[off]
    rows, cols = np.nonzero(off)

    def resid(lam: FloatArray) -> FloatArray:
        return np.asarray(lam[rows] * lam[cols] - r, dtype=float)

    def jac(lam: FloatArray) -> FloatArray:
        J = np.zeros((r.size, p))
        J[np.arange(r.size), rows] = lam[cols]
        J[np.arange(r.size), cols] += lam[rows]
        return J

    vals, vecs = np.linalg.eigh(R - np.diag(1.0 - smc(R)))
    start = vecs[:, -1] * np.sqrt(max(vals[-1], 1e-6))
    if start.sum() < 0:
        start = -start
    res = optimize.least_squares(resid, start, jac=jac, xtol=1e-15, ftol=1e-15, gtol=1e-15)
    lam = np.asarray(res.x, dtype=float)
    if lam.sum() < 0:
        lam = -lam
    return OneFactorFit(lam, 1.0 - lam**2, bool(res.success), str(res.message))


def omega_from_fit(fit: OneFactorFit, R: FloatArray) -> tuple[float, float]:
    """(model-implied omega, psych's observed-variance omega.tot)."""
    s2 = float(fit.loadings.sum()) ** 2
    u = float(fit.uniquenesses.sum())
    return s2 / (s2 + u), 1.0 - u / float(R.sum())


@dataclass(frozen=True, slots=True)
class BifactorFit:
    general: FloatArray  # loadings on the general factor
    group: FloatArray  # each item's loading on its own group factor
    uniquenesses: FloatArray
    converged: bool
    message: str


def fit_bifactor(R: FloatArray, membership: npt.NDArray[np.intp]) -> BifactorFit:
    """ML bifactor model of ``R``: a general factor and orthogonal group factors.

    ``membership[i]`` is the group of item ``i`` (0..G-1). Factors have unit variance and are
    uncorrelated (lavaan ``cfa(orthogonal = TRUE, std.lv = TRUE)``); uniquenesses are kept
    at or above 0.005 as in psych's factoring.
    """
    from scipy import optimize

    p = R.shape[0]
    n_groups = int(membership.max()) + 1
    rows = np.arange(p)
    sign, logdet_r = np.linalg.slogdet(R)

    def unpack(theta: FloatArray) -> tuple[FloatArray, FloatArray]:
        L = np.zeros((p, 1 + n_groups))
        L[:, 0] = theta[:p]
        L[rows, 1 + membership] = theta[p : 2 * p]
        return L, theta[2 * p :]

    def objective(theta: FloatArray) -> tuple[float, FloatArray]:
        L, psi = unpack(theta)
        S = L @ L.T + np.diag(psi)
        try:
            c = np.linalg.cholesky(S)
        except np.linalg.LinAlgError:
            return 1e10, np.zeros_like(theta)
        Sinv = np.linalg.inv(S)
        f = 2.0 * float(np.log(np.diag(c)).sum()) + float(np.sum(R * Sinv)) - logdet_r - p
        G = Sinv - Sinv @ R @ Sinv
        dL = 2.0 * G @ L
        grad = np.concatenate([dL[:, 0], dL[rows, 1 + membership], np.diag(G)])
        return f, grad

    one = fit_one_factor(R, "ml")
    start = np.concatenate([0.9 * one.loadings, np.full(p, 0.3), np.full(p, 0.5)])
    start[2 * p :] = np.clip(1.0 - start[:p] ** 2 - start[p : 2 * p] ** 2, 0.05, 1.0)
    bounds = [(None, None)] * (2 * p) + [(0.005, None)] * p
    res = optimize.minimize(
        objective,
        start,
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 20_000, "maxcor": 30},
    )
    L, psi = unpack(np.asarray(res.x, dtype=float))
    general = L[:, 0] if L[:, 0].sum() >= 0 else -L[:, 0]
    group = L[rows, 1 + membership].copy()
    for g in range(n_groups):  # each factor's sign: positive loading sum
        m = membership == g
        if group[m].sum() < 0:
            group[m] = -group[m]
    lower = np.r_[np.full(2 * p, -np.inf), np.full(p, 0.005)]
    converged = at_optimum(res, lower) and sign > 0
    return BifactorFit(general, group, psi, converged, str(res.message))


def omega_from_bifactor(
    fit: BifactorFit, membership: npt.NDArray[np.intp], R: FloatArray
) -> tuple[float, float, float, float]:
    """(omega_h, omega_total) with the model-implied and with the observed total variance."""
    g2 = float(fit.general.sum()) ** 2
    s2 = float(np.bincount(membership, weights=fit.group).__pow__(2).sum())
    u = float(fit.uniquenesses.sum())
    model_total = g2 + s2 + u
    vt = float(R.sum())
    h2 = float((fit.general**2 + fit.group**2).sum())
    return g2 / model_total, (g2 + s2) / model_total, g2 / vt, (vt - (float(np.trace(R)) - h2)) / vt
