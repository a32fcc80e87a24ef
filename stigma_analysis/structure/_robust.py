"""Robust ML ("MLR"): Yuan-Bentler (Mplus variant) scaled chi-square, robust fit indices and
Huber-White standard errors, as lavaan's ``estimator = "MLR"`` on complete data (private).

Per group g (weight f_g = n_g / N) the moments are vech(Sigma_g) and, with a mean structure,
mu_g. With casewise scores of the normal log-likelihood, B1 is their mean outer product and A1
the expected information:

- h1 trace: sum_g tr(A1_g^-1 B1_g), both at the sample moments (unstructured);
- h0 trace: tr(H^-1 B0), H the Hessian of the discrepancy F/2 at the estimates (lavaan's
  observed information) and B0 = sum_g f_g Delta_g' B1_g Delta_g with B1_g at the
  model-implied moments (structured), Delta_g = d moments / d theta;
- scaling factor c = (h1 - h0) / df, chisq_scaled = chisq / c;
- robust covariance of the estimates H^-1 B0 H^-1 / N.

The independence (baseline) model is scaled the same way, its moments being the variances
(and means) only.
"""

from __future__ import annotations

import numpy as np

from ._engine import Engine, FloatArray

__all__ = ["mlr_statistics"]


def _pairs(p: int) -> tuple[np.ndarray, np.ndarray]:
    """Row and column of the lower-triangle moments (vech order)."""
    a, b = np.tril_indices(p)
    return a, b


def _scores(Y: np.ndarray, W: np.ndarray, meanstructure: bool) -> np.ndarray:
    """Casewise scores of the normal log-likelihood for (mu,) vech(Sigma); Y centred at mu."""
    p = W.shape[0]
    a, b = _pairs(p)
    WY = Y @ W
    M = WY[:, a] * WY[:, b] - W[a, b]
    cov = np.where(a == b, 0.5, 1.0) * M  # d/d sigma_ab counts both (a, b) and (b, a)
    return np.hstack([WY, cov]) if meanstructure else cov


def _information(W: np.ndarray, meanstructure: bool) -> np.ndarray:
    """Expected (unit) information of the saturated normal model for (mu,) vech(Sigma)."""
    p = W.shape[0]
    a, b = _pairs(p)
    # 0.5 tr(W dS_k W dS_l) with dS_k = E_ab + E_ba (a != b) or E_aa
    Wac, Wbd = W[np.ix_(a, a)], W[np.ix_(b, b)]
    Wad, Wbc = W[np.ix_(a, b)], W[np.ix_(b, a)]
    info = Wac * Wbd + Wad * Wbc
    scale = np.where(a == b, 0.5, 1.0)
    info = info * np.outer(scale, scale)
    if not meanstructure:
        return info
    q = len(a)
    out = np.zeros((p + q, p + q))
    out[:p, :p] = W
    out[p:, p:] = info
    return out


def _delta(eng: Engine, theta: FloatArray, g: int) -> FloatArray:
    """d (mu_g,) vech(Sigma_g) / d theta (moments x all free parameters)."""
    J, Jm, u = eng.jacobian(theta, g)
    a, b = _pairs(eng.p)
    rows = J[:, a, b].T
    if eng.table.meanstructure:
        rows = np.vstack([Jm.T, rows])
    out = np.zeros((rows.shape[0], eng.table.n_free))
    out[:, u] = rows
    return out


def mlr_statistics(
    eng: Engine, theta: FloatArray, Xs: list[FloatArray], *, chisq: float, df: int
) -> tuple[dict[str, float], FloatArray]:
    """The scaling factors of the model and the baseline, and the robust covariance matrix."""
    N = float(eng.n.sum())
    ms = eng.table.meanstructure
    p = eng.p
    H = eng._hessian(theta) / 2.0
    H_inv = np.linalg.inv(H)
    h1 = 0.0
    h0_base = 0.0
    B0 = np.zeros_like(H)
    for g, X in enumerate(Xs):
        f = eng.n[g] / N
        m = X.mean(axis=0)
        S = eng.S[g]
        # h1: unstructured (sample moments)
        Wu = np.linalg.inv(S)
        sc = _scores(X - m, Wu, ms)
        B1u = sc.T @ sc / len(X)
        h1 += float(np.sum(np.linalg.inv(_information(Wu, ms)) * B1u.T))
        # h0: structured (model-implied moments)
        sigma, mu = eng.implied(theta, g)
        W = np.linalg.inv(sigma)
        sc = _scores(X - mu, W, ms)
        B1 = sc.T @ sc / len(X)
        D = _delta(eng, theta, g)
        B0 += f * D.T @ B1 @ D
        # baseline: independent items, variances (and means) free, at the sample values
        s = np.diag(S)
        sc = _scores(X - m, np.diag(1.0 / s), ms)
        a, b = _pairs(p)
        diag = np.flatnonzero(a == b) + (p if ms else 0)
        keep = np.concatenate([np.arange(p), diag]) if ms else diag
        B1b = np.einsum("ij,ij->j", sc[:, keep], sc[:, keep]) / len(X)
        # the unit information of the independence model: 1/s (means), 1/(2 s^2) (variances)
        info_b = np.concatenate([1.0 / s, 0.5 / s**2]) if ms else 0.5 / s**2
        h0_base += float(np.sum(B1b / info_b))
    h0 = float(np.sum(H_inv * B0.T))
    G = len(Xs)
    df_b = G * p * (p - 1) / 2
    c = (h1 - h0) / df if df > 0 else np.nan
    c_b = (h1 - h0_base) / df_b
    vcov = H_inv @ B0 @ H_inv / N
    return {"scaling_factor": c, "baseline_scaling_factor": c_b}, vcov
