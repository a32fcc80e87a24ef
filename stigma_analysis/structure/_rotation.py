"""Factor rotations: varimax (as stats::varimax), oblimin by gradient projection (GPArotation)
and promax (as psych::fa's Kaiser-normalised psych::Promax)."""

from __future__ import annotations

import numpy as np

from ._engine import FloatArray

__all__ = ["oblimin", "promax", "varimax"]


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
    T = np.eye(k)
    al = 1.0
    L = A @ np.linalg.inv(T).T
    Gq, f = _oblimin_vgq(L, gamma)
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
            Gqt, ft = _oblimin_vgq(L, gamma)
            if f - ft > 0.5 * s**2 * al:
                break
            al /= 2
        T, f, Gq = Tt, ft, Gqt
        G = -(L.T @ Gq @ np.linalg.inv(T)).T
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
