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

from stigma_analysis._reliability_core import FloatArray, smc


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
        return OneFactorFit(lam, 1.0 - lam**2, bool(res.success), str(res.message))

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
