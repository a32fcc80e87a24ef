"""Thresholds, polychoric correlations and their asymptotic covariance (lavaan's two-step)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from ._engine import FloatArray

__all__ = ["PolychoricFit", "bivariate_normal_cdf", "polychoric"]

_BIG = 50.0  # stands in for an infinite threshold (Phi(50) = 1, phi(50) = 0 in double precision)


@lru_cache(maxsize=1)
def _gauss_legendre() -> tuple[FloatArray, FloatArray]:
    x, w = np.polynomial.legendre.leggauss(64)
    return x, w


def _ndtr(x: FloatArray) -> FloatArray:
    from scipy.special import ndtr

    return np.asarray(ndtr(x), dtype=np.float64)


def bivariate_normal_cdf(h: FloatArray, k: FloatArray, rho: FloatArray) -> FloatArray:
    """P(X < h, Y < k) for standard bivariate normal with correlation rho (broadcasting).

    Drezner-Wesolowsky / Genz: Phi(h)Phi(k) + 1/(2 pi) int_0^asin(rho) exp(-(h^2 + k^2 -
    2 hk sin t) / (2 cos^2 t)) dt, by 64-point Gauss-Legendre quadrature (|rho| < 0.999).
    """
    h, k, rho = np.broadcast_arrays(
        np.asarray(h, float), np.asarray(k, float), np.asarray(rho, float)
    )
    x, w = _gauss_legendre()
    a = np.arcsin(rho)[..., None]
    t = a * (x + 1) / 2
    sn = np.sin(t)
    hk = (h * k)[..., None]
    hs = ((h * h + k * k) / 2)[..., None]
    integrand = np.exp((sn * hk - hs) / (1 - sn * sn))
    return _ndtr(h) * _ndtr(k) + (integrand @ w) * np.arcsin(rho) / (4 * np.pi)


def _bvn_pdf(h: FloatArray, k: FloatArray, rho: FloatArray) -> FloatArray:
    s = 1 - rho * rho
    return np.exp(-(h * h - 2 * rho * h * k + k * k) / (2 * s)) / (2 * np.pi * np.sqrt(s))


@dataclass(frozen=True, slots=True, kw_only=True)
class PolychoricFit:
    """Two-step polychoric estimates and lavaan's asymptotic covariance (muthen1984).

    Attributes
    ----------
    thresholds : list of arrays
        Per item, the K - 1 thresholds Phi^-1(cumulative proportions).
    cor : array (p, p)
        Polychoric correlation matrix.
    gamma : array (nth + p(p-1)/2, nth + p(p-1)/2)
        N times the asymptotic covariance of (thresholds, lower-triangle correlations by
        column: (2,1), (3,1), ..., (3,2), ...), as lavaan's NACOV.
    pairs : array (pstar, 2)
        Item index pairs (i, j), i > j, in the order of ``gamma``'s correlation block.
    n : int
        Cases used.
    """

    thresholds: list[FloatArray]
    cor: FloatArray
    gamma: FloatArray
    pairs: NDArray[np.int64]
    n: int


def polychoric(
    codes: NDArray[np.int64], n_categories: NDArray[np.int64], *, acov: bool = True
) -> PolychoricFit:
    """Polychoric correlations of complete ordinal data coded 0..K-1 per column (no NaN).

    Thresholds are Phi^-1 of the cumulative proportions; each correlation maximises its
    bivariate likelihood given them (Olsson's two-step), by Fisher scoring vectorised over pairs.
    With ``acov`` the asymptotic covariance (lavaan's ``muthen1984``: case-wise scores,
    outer-product A blocks) is computed too; otherwise ``gamma`` is empty.
    """
    N, p = codes.shape
    K = int(n_categories.max())
    # thresholds, padded to K + 1 with -BIG / +BIG
    tau = np.full((p, K + 1), _BIG)
    tau[:, 0] = -_BIG
    ths: list[FloatArray] = []
    from scipy.special import ndtri

    for j in range(p):
        counts = np.bincount(codes[:, j], minlength=n_categories[j])
        cum = np.cumsum(counts)[:-1] / N
        th = np.asarray(ndtri(cum), dtype=np.float64)
        ths.append(th)
        tau[j, 1 : len(th) + 1] = th
    # pairs (i > j) in lavaan's vech order: column j, rows below it
    pairs = np.array([(i, j) for j in range(p) for i in range(j + 1, p)], dtype=np.int64)
    P = len(pairs)
    ii, jj = pairs[:, 0], pairs[:, 1]
    tables = (
        np.stack([np.bincount(codes[:, i] * K + codes[:, j], minlength=K * K) for i, j in pairs])
        .reshape(P, K, K)
        .astype(np.float64)
    )
    ti, tj = tau[ii][:, :, None], tau[jj][:, None, :]  # (P, K + 1, 1), (P, 1, K + 1)

    def cells(rho: FloatArray) -> tuple[FloatArray, FloatArray]:
        r = rho[:, None, None]
        C = bivariate_normal_cdf(ti, tj, r)  # at every corner of the table's cells
        D = _bvn_pdf(ti, tj, r)
        pi = C[:, 1:, 1:] - C[:, :-1, 1:] - C[:, 1:, :-1] + C[:, :-1, :-1]
        dpi = D[:, 1:, 1:] - D[:, :-1, 1:] - D[:, 1:, :-1] + D[:, :-1, :-1]
        return np.maximum(pi, 1e-300), dpi

    # Fisher scoring on each pair's rho (vectorised over pairs), from the Pearson correlation
    pearson = np.asarray(np.corrcoef(codes, rowvar=False), dtype=np.float64)
    rho = np.clip(pearson[ii, jj], -0.95, 0.95)
    for _ in range(100):
        pi, dpi = cells(rho)
        score = np.sum(tables * dpi / pi, axis=(1, 2))
        info = N * np.sum(dpi * dpi / pi, axis=(1, 2))
        step = score / info
        rho_new = np.clip(rho + step, -0.999, 0.999)
        done = np.max(np.abs(rho_new - rho)) < 1e-13
        rho = rho_new
        if done:
            break
    pi, dpi = cells(rho)
    R = np.eye(p)
    R[ii, jj] = R[jj, ii] = rho
    if not acov:
        return PolychoricFit(thresholds=ths, cor=R, gamma=np.empty((0, 0)), pairs=pairs, n=N)

    # ---- case-wise scores (lavaan muthen1984, no exogenous covariates) ----
    nth = [len(t) for t in ths]
    th_start = np.concatenate([[0], np.cumsum(nth)])
    n_th = int(th_start[-1])
    phi_tau = np.exp(-tau * tau / 2) / np.sqrt(2 * np.pi)  # (p, K + 1), 0 at +-BIG
    cdf_tau = _ndtr(tau)
    SC_th = np.zeros((N, n_th))
    rows = np.arange(N)
    for j in range(p):
        c = codes[:, j]
        pc = cdf_tau[j, c + 1] - cdf_tau[j, c]
        # d/d tau_k log(Phi(tau_c+1) - Phi(tau_c)) with padded index: upper = c + 1, lower = c
        up = c  # threshold number (0-based) of the upper bound, valid when c < K_j - 1
        lo = c - 1
        block = np.zeros((N, nth[j]))
        ok = up < nth[j]
        block[rows[ok], up[ok]] = phi_tau[j, c[ok] + 1] / pc[ok]
        ok = lo >= 0
        block[rows[ok], lo[ok]] = -phi_tau[j, c[ok]] / pc[ok]
        SC_th[:, th_start[j] : th_start[j + 1]] = block
    SC_cor = np.zeros((N, P))
    A21 = np.zeros((P, n_th))
    sd = np.sqrt(1 - rho * rho)
    for e, (i, j) in enumerate(pairs):
        a, b = codes[:, i], codes[:, j]
        pab = pi[e, a, b]
        SC_cor[:, e] = dpi[e, a, b] / pab
        r = rho[e]
        # d log pi_ab / d tau_i(k): phi(tau_i,k) [Phi((tau_j,b+1 - r tau_i,k)/s) - Phi((tau_j,b - r tau_i,k)/s)]
        ti_up, ti_lo = tau[i, a + 1], tau[i, a]
        tj_up, tj_lo = tau[j, b + 1], tau[j, b]
        g_up = phi_tau[i, a + 1] * (
            _ndtr((tj_up - r * ti_up) / sd[e]) - _ndtr((tj_lo - r * ti_up) / sd[e])
        )
        g_lo = -phi_tau[i, a] * (
            _ndtr((tj_up - r * ti_lo) / sd[e]) - _ndtr((tj_lo - r * ti_lo) / sd[e])
        )
        dth_i = np.zeros((N, nth[i]))
        ok = a < nth[i]
        dth_i[rows[ok], a[ok]] = g_up[ok] / pab[ok]
        ok = a >= 1
        dth_i[rows[ok], a[ok] - 1] = g_lo[ok] / pab[ok]
        h_up = phi_tau[j, b + 1] * (
            _ndtr((ti_up - r * tj_up) / sd[e]) - _ndtr((ti_lo - r * tj_up) / sd[e])
        )
        h_lo = -phi_tau[j, b] * (
            _ndtr((ti_up - r * tj_lo) / sd[e]) - _ndtr((ti_lo - r * tj_lo) / sd[e])
        )
        dth_j = np.zeros((N, nth[j]))
        ok = b < nth[j]
        dth_j[rows[ok], b[ok]] = h_up[ok] / pab[ok]
        ok = b >= 1
        dth_j[rows[ok], b[ok] - 1] = h_lo[ok] / pab[ok]
        A21[e, th_start[i] : th_start[i + 1]] = SC_cor[:, e] @ dth_i
        A21[e, th_start[j] : th_start[j + 1]] = SC_cor[:, e] @ dth_j
    SC = np.hstack([SC_th, SC_cor])
    INNER = SC.T @ SC
    A11_inv = np.zeros((n_th, n_th))
    for j in range(p):
        s = slice(th_start[j], th_start[j + 1])
        A11_inv[s, s] = np.linalg.inv(INNER[s, s])
    A22_inv = 1 / np.sum(SC_cor * SC_cor, axis=0)
    A21_inv = -(A22_inv[:, None] * A21) @ A11_inv
    B_inv = np.block([[A11_inv, np.zeros((n_th, P))], [A21_inv, np.diag(A22_inv)]])
    gamma = N * (B_inv @ INNER @ B_inv.T)
    return PolychoricFit(thresholds=ths, cor=R, gamma=gamma, pairs=pairs, n=N)
