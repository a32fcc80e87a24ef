"""Factor rotations: varimax (as stats::varimax), oblimin and geomin by gradient projection
(GPArotation) and promax (as psych::fa's Kaiser-normalised psych::Promax)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._engine import FloatArray

__all__ = ["geomin", "oblimin", "promax", "varimax"]

# a rotation criterion: loadings -> (gradient with respect to the loadings, value)
_Criterion = Callable[[FloatArray], tuple[FloatArray, float]]


def varimax(
    A: FloatArray, *, normalize: bool = True, eps: float = 1e-5, max_iter: int = 1000
) -> tuple[FloatArray, FloatArray, bool]:
    """Kaiser's varimax, the algorithm of ``stats::varimax`` (Kaiser row normalisation).

    Returns the rotated loadings, the rotation matrix T (``A @ T``) and whether it converged.
    """
    k = A.shape[1]
    if k < 2:
        return A.copy(), np.eye(k), True
    x = A.copy()
    sc = np.sqrt((x**2).sum(axis=1)) if normalize else np.ones(x.shape[0])
    x = x / sc[:, None]
    p = x.shape[0]
    T = np.eye(k)
    d = 0.0
    converged = False
    for _ in range(max_iter):
        z = x @ T
        B = x.T @ (z**3 - z * ((z**2).sum(axis=0) / p))
        u, s, vt = np.linalg.svd(B)
        T = u @ vt
        dpast, d = d, float(s.sum())
        if d < dpast * (1 + eps):
            converged = True
            break
    return (x @ T) * sc[:, None], T, converged


def _oblimin_vgq(L: FloatArray, gamma: float) -> tuple[FloatArray, float]:
    k = L.shape[1]
    X = (L**2) @ (np.ones((k, k)) - np.eye(k))
    if gamma != 0:
        p = L.shape[0]
        X = (np.eye(p) - gamma / p) @ X
    return L * X, float(np.sum(L**2 * X) / 4)


def _geomin_vgq(L: FloatArray, delta: float) -> tuple[FloatArray, float]:
    """GPArotation's ``vgQ.geomin``: f = sum_i (prod_j (l_ij^2 + delta))^(1/k)."""
    k = L.shape[1]
    L2 = L**2 + delta
    pro = np.exp(np.log(L2).sum(axis=1) / k)
    return (2 / k) * (L / L2) * pro[:, None], float(pro.sum())


def _gpf_oblique(
    A: FloatArray, T: FloatArray, vgq: _Criterion, eps: float, max_iter: int
) -> tuple[FloatArray, FloatArray, float, bool]:
    """Oblique gradient projection from the start T, as ``GPArotation::GPFoblq``.

    Returns the pattern loadings, T, the criterion value and whether it converged.
    """
    al = 1.0
    L = A @ np.linalg.inv(T).T
    Gq, f = vgq(L)
    G = -(L.T @ Gq @ np.linalg.inv(T)).T
    converged = False
    for _ in range(max_iter + 1):
        Gp = G - T * (T * G).sum(axis=0)
        s = float(np.sqrt(np.sum(Gp**2)))
        if s < eps:
            converged = True
            break
        al *= 2
        for _ in range(11):
            X = T - al * Gp
            Tt = X / np.sqrt((X**2).sum(axis=0))
            L = A @ np.linalg.inv(Tt).T
            Gqt, ft = vgq(L)
            if f - ft > 0.5 * s**2 * al:
                break
            al /= 2
        T, f, Gq = Tt, ft, Gqt
        G = -(L.T @ Gq @ np.linalg.inv(T)).T
    return L, T, f, converged


def oblimin(
    A: FloatArray, *, gamma: float = 0.0, eps: float = 1e-6, max_iter: int = 1000
) -> tuple[FloatArray, FloatArray, bool]:
    """Oblimin (quartimin for gamma = 0) by gradient projection, as ``GPArotation::GPFoblq``.

    Returns the pattern loadings, the factor correlation matrix Phi and whether it converged.
    No row normalisation (GPArotation's default, as used by ``psych::fa``).
    """
    k = A.shape[1]
    if k < 2:
        return A.copy(), np.eye(k), True
    L, T, _, converged = _gpf_oblique(A, np.eye(k), lambda x: _oblimin_vgq(x, gamma), eps, max_iter)
    return L, T.T @ T, converged


def geomin(
    A: FloatArray,
    *,
    delta: float = 0.01,
    n_starts: int = 1,
    seed: int = 0,
    eps: float = 1e-6,
    max_iter: int = 1000,
) -> tuple[FloatArray, FloatArray, bool]:
    """Oblique geomin by gradient projection, as ``GPArotation::geominQ`` (delta = 0.01).

    The first start is the identity (GPArotation's and so ``psych::fa(rotate = "geominQ")``'s
    only start). Geomin has local optima: with ``n_starts > 1`` the further starts are random
    orthogonal matrices (Haar, from ``numpy.random.default_rng(seed)``) and a converged
    solution replaces the current one only when its criterion is lower by more than 1e-8.
    Returns the pattern loadings, the factor correlation matrix Phi and whether the kept
    solution converged.
    """
    k = A.shape[1]
    if k < 2:
        return A.copy(), np.eye(k), True
    if not isinstance(n_starts, int) or n_starts < 1:
        raise ValueError(f"n_starts must be a positive int, got {n_starts!r}")

    def vgq(x: FloatArray) -> tuple[FloatArray, float]:
        return _geomin_vgq(x, delta)

    best = _gpf_oblique(A, np.eye(k), vgq, eps, max_iter)
    rng = np.random.default_rng(seed)
    for _ in range(n_starts - 1):
        q, r = np.linalg.qr(rng.standard_normal((k, k)))
        trial = _gpf_oblique(A, q * np.sign(np.diag(r)), vgq, eps, max_iter)
        if trial[3] and trial[2] < best[2] - 1e-8:
            best = trial
    L, T, _, converged = best
    return L, T.T @ T, converged


def promax(A: FloatArray, *, m: int = 4) -> tuple[FloatArray, FloatArray, bool]:
    """Promax with Kaiser normalisation, as ``psych::fa(rotate = "promax")``.

    Rows are scaled to unit length (``psych::kaiser``), rotated by varimax, raised to the
    power m (keeping signs) as the target, fitted by least squares (``psych::Promax``) and
    scaled back. Returns the pattern loadings, the factor correlation matrix Phi and whether
    the varimax step converged.
    """
    k = A.shape[1]
    if k < 2:
        return A.copy(), np.eye(k), True
    h = np.sqrt((A**2).sum(axis=1))
    x, T, converged = varimax(A / h[:, None])
    Q = x * np.abs(x) ** (m - 1)
    U = np.linalg.lstsq(x, Q, rcond=None)[0]
    U = U * np.sqrt(np.diag(np.linalg.inv(U.T @ U)))
    ui = np.linalg.inv(T @ U)
    return (x @ U) * h[:, None], ui @ ui.T, converged
