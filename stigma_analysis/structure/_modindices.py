"""Residual correlations and modification indices of a fitted CFA (lavaan's ``resid`` and
``modindices``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._engine import LAMBDA, PSI, THETA, Engine, FloatArray

__all__ = ["MI_COLUMNS", "modification_indices", "residual_correlations"]

MI_COLUMNS = ["group", "lhs", "op", "rhs", "mi", "epc", "sepc_lv", "sepc_all"]
# a parameter whose release leaves the model unidentified has a (numerically) zero
# residual information: no index, as lavaan
_V_TOL = 1e-7


def residual_correlations(eng: Engine, theta: FloatArray, g: int) -> FloatArray:
    """Observed minus model-implied correlations of group g (lavaan ``type = "cor"``)."""
    sigma, _ = eng.implied(theta, g)
    S = eng.S[g]
    so = np.sqrt(np.diag(S))
    sm = np.sqrt(np.diag(sigma))
    R = S / np.outer(so, so) - sigma / np.outer(sm, sm)
    np.fill_diagonal(R, 0.0)
    return R


def _candidates(eng: Engine, g: int) -> list[tuple[int, int, int]]:
    """Fixed or absent loadings, latent (co)variances and residual covariances of group g."""
    arr = eng.arr
    sel = arr["group"] == g
    mat, row, col, free = (arr[k][sel].astype(np.int64) for k in ("mat", "row", "col", "free"))
    is_free = {
        (int(m), int(r), int(c)) for m, r, c, f in zip(mat, row, col, free, strict=True) if f >= 0
    }
    out: list[tuple[int, int, int]] = []
    p, m = eng.p, eng.m
    out += [(LAMBDA, i, j) for j in range(m) for i in range(p) if (LAMBDA, i, j) not in is_free]
    out += [(PSI, j, k) for j in range(m) for k in range(j + 1) if (PSI, j, k) not in is_free]
    out += [
        (THETA, a, b) for b in range(p) for a in range(b + 1, p) if (THETA, a, b) not in is_free
    ]
    return out


def modification_indices(eng: Engine, theta: FloatArray, labels: list[str]) -> pd.DataFrame:
    """Score tests for freeing each fixed or absent parameter, one group at a time.

    With F the ML discrepancy, g_e = dF/d theta_e / 2 and I the unit expected information of the
    model extended by theta_e, MI = N g_e^2 / V with V = I_ee - I_em I_mm^-1 I_me, and
    EPC = -g_e / V (lavaan's ``modindices``).
    """
    N = float(eng.n.sum())
    _, info = eng.gradient_information(theta)
    info_inv = np.linalg.pinv(info)
    rows = []
    tb = eng.table
    for g, lab in enumerate(labels):
        L, P, T, _, al = eng.matrices(theta, g)
        sigma, mu = eng.implied(theta, g)
        W = np.linalg.inv(sigma)
        d = eng.M[g] - mu
        Wd = W @ d
        Gc = W - W @ (eng.S[g] + np.outer(d, d)) @ W
        w = eng.n[g] / N
        J, Jm, u = eng.jacobian(theta, g)
        WJW = W[None] @ J @ W[None]
        LP = L @ P
        sd_ov = np.sqrt(np.diag(sigma))
        sd_lv = np.sqrt(np.clip(np.diag(P), 0, None))
        p = eng.p
        for mat, r, c in _candidates(eng, g):
            dS = np.zeros((p, p))
            dm = np.zeros(p)
            if mat == LAMBDA:
                dS[r, :] += LP[:, c]
                dS[:, r] += LP[:, c]
                if tb.meanstructure:
                    dm[r] = al[c]
            elif mat == PSI:
                dS = np.outer(L[:, r], L[:, c])
                if r != c:
                    dS = dS + dS.T
            else:
                dS[r, c] = dS[c, r] = 1.0
            grad = 0.5 * w * (float(np.sum(dS * Gc)) - 2.0 * float(dm @ Wd))
            i_ee = w * (0.5 * float(np.sum((W @ dS @ W) * dS)) + float(dm @ W @ dm))
            i_em = np.zeros(len(theta))
            i_em[u] = w * (0.5 * np.einsum("kij,ij->k", WJW, dS) + Jm @ W @ dm)
            V = i_ee - float(i_em @ info_inv @ i_em)
            if V < _V_TOL:
                continue
            epc = -grad / V
            if mat == LAMBDA:
                lhs, op, rhs = tb.factors[c], "=~", tb.observed[r]
                sepc_lv, sepc_all = epc * sd_lv[c], epc * sd_lv[c] / sd_ov[r]
            elif mat == PSI:
                lhs, op, rhs = tb.factors[c], "~~", tb.factors[r]
                sepc_lv = sepc_all = epc / (sd_lv[r] * sd_lv[c])
            else:
                lhs, op, rhs = tb.observed[c], "~~", tb.observed[r]
                rv = T[r, r] * T[c, c]
                sepc_lv, sepc_all = epc, epc / np.sqrt(rv) if rv > 0 else np.nan
            rows.append((lab, lhs, op, rhs, N * grad**2 / V, epc, sepc_lv, sepc_all))
    return pd.DataFrame(rows, columns=MI_COLUMNS)
