"""Ordinal CFA: DWLS on polychoric correlations (lavaan's estimator = "DWLS", delta param.)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ._engine import LAMBDA, PSI, THETA, Engine, FloatArray, Table
from ._fit import fit_measures
from ._ordinal import PolychoricFit, polychoric

__all__ = ["dwls_parameters", "fit_dwls", "ordinal_codes"]


def ordinal_codes(X: FloatArray, observed: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Recode each column to 0..K-1 by its sorted observed values (lavaan's ordered levels)."""
    codes = np.empty(X.shape, dtype=np.int64)
    ncat = np.empty(X.shape[1], dtype=np.int64)
    for j in range(X.shape[1]):
        levels = np.unique(X[:, j])
        if len(levels) < 2:
            raise ValueError(f"ordinal item {observed[j]!r} has fewer than two observed categories")
        if len(levels) > 20:
            raise ValueError(
                f"ordinal item {observed[j]!r} has {len(levels)} distinct values: DWLS treats "
                "items as ordered categories (at most 20); use estimator='ML' for continuous items"
            )
        codes[:, j] = np.searchsorted(levels, X[:, j])
        ncat[j] = len(levels)
    return codes, ncat


def fit_dwls(
    table: Table, codes: np.ndarray, ncat: np.ndarray, *, max_iter: int
) -> tuple[Engine, FloatArray, bool, int, str, dict[str, float], FloatArray, PolychoricFit]:
    """Fit the model to polychoric correlations by DWLS; return the engine, estimates,
    convergence, fit measures, standard errors and the polychoric fit."""
    from scipy import optimize

    pc = polychoric(codes, ncat)
    N = pc.n
    p = codes.shape[1]
    n_th = sum(len(t) for t in pc.thresholds)
    ii, jj = pc.pairs[:, 0], pc.pairs[:, 1]
    r = pc.cor[ii, jj]
    w = 1.0 / np.diag(pc.gamma)[n_th:]
    sw = np.sqrt(w)
    eng = Engine(table=table, S=[pc.cor], M=[np.zeros(p)], n=np.array([float(N)]))

    def resid(theta: FloatArray) -> FloatArray:
        sigma, _ = eng.implied(theta, 0)
        return sw * (r - sigma[ii, jj])

    def jac(theta: FloatArray) -> FloatArray:
        J, _, u = eng.jacobian(theta, 0)
        out = np.zeros((len(r), table.n_free))
        out[:, u] = -(sw[:, None] * J[:, ii, jj].T)
        return out

    res = optimize.least_squares(
        resid, eng.start(), jac=jac, method="lm", xtol=1e-15, ftol=1e-15, gtol=1e-15,
        max_nfev=max_iter * 10,
    )  # fmt: skip
    theta = np.asarray(res.x)
    converged = bool(res.success) and res.status > 0
    message = "converged" if converged else str(res.message)
    F = float(np.sum(res.fun**2))
    q = table.n_free
    npar = n_th + q
    pstar = len(r)
    df = pstar - q
    # lavaan's categorical conventions: statistics with N - 1; SRMR over p(p-1)/2 + p elements
    # (the diagonal residuals, zero for correlations, count in the denominator)
    chisq = (N - 1) * F
    base = (N - 1) * float(np.sum(w * r * r))
    sigma, _ = eng.implied(theta, 0)
    srmr = math.sqrt(float(np.sum((r - sigma[ii, jj]) ** 2)) / (pstar + p))
    fit = fit_measures(
        chisq=chisq, df=df, base=base, df_b=float(pstar), logl=np.nan, npar=npar,
        N=float(N - 1), G=1, srmr=srmr,
    )  # fmt: skip
    fit["aic"] = fit["bic"] = fit["logl"] = np.nan
    fit["ntotal"] = float(N)
    # robust (sandwich) standard errors: (D'WD)^-1 D'W Gamma W D (D'WD)^-1 / (N - 1), as
    # lavaan's estimator = "WLSMV" (se = "robust.sem"); same point estimates as "DWLS"
    D = -jac(theta) / sw[:, None]
    WD = w[:, None] * D
    se = np.full(q, np.nan)
    try:
        bread = np.linalg.inv(D.T @ WD)
        G = pc.gamma[n_th:, n_th:]
        V = bread @ (WD.T @ G @ WD) @ bread / (N - 1)
        se = np.sqrt(np.clip(np.diag(V), 0, None))
    except np.linalg.LinAlgError:
        pass  # singular sandwich: the SEs stay NaN, which the parameter table shows as such
    return eng, theta, converged, int(res.nfev), message, fit, se, pc


def dwls_parameters(
    eng: Engine, theta: FloatArray, se: FloatArray, pc: PolychoricFit, observed: list[str]
) -> pd.DataFrame:
    """lavaan-style parameter table for the ordinal model (std.all with unit latent-response
    variances; residual variances are 1 - communality; thresholds op '|')."""
    from scipy import stats

    tb = eng.table
    vals = eng.values(theta).copy()
    L, P, _, _, _ = eng.matrices(theta, 0)
    common = np.einsum("ij,jk,ik->i", L, P, L)
    arr = eng.arr
    mat, row, col = (arr[k].astype(np.int64) for k in ("mat", "row", "col"))
    free = arr["free"].astype(np.int64)
    is_resvar = (mat == THETA) & (row == col)
    resvar = 1.0 - common
    vals[is_resvar] = resvar[row[is_resvar]]
    sd_l = np.sqrt(np.clip(np.diag(P), 0, None))
    std = np.full(len(vals), np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        k = mat == LAMBDA
        std[k] = vals[k] * sd_l[col[k]]
        k = mat == PSI
        std[k] = vals[k] / (sd_l[row[k]] * sd_l[col[k]])
        std[is_resvar] = vals[is_resvar]  # 1 - R^2 on the unit latent-response scale
        k = (mat == THETA) & (row != col)  # residual covariances over the residual SDs
        std[k] = vals[k] / np.sqrt(resvar[row[k]] * resvar[col[k]])
        se_e = np.where(free >= 0, se[np.maximum(free, 0)], np.nan)
        z = vals / se_e
    names = [tb.names(i) for i in range(len(vals))]
    df = pd.DataFrame(
        {
            "group": "all",
            "lhs": [n[0] for n in names],
            "op": [n[1] for n in names],
            "rhs": [n[2] for n in names],
            "label": tb.label,
            "free": free >= 0,
            "estimate": vals,
            "se": se_e,
            "z": z,
            "p_value": 2 * stats.norm.sf(np.abs(z)),
            "std_estimate": std,
        }
    )
    th_se = np.sqrt(np.diag(pc.gamma)[: sum(len(t) for t in pc.thresholds)] / (pc.n - 1))
    th_rows = [
        {"group": "all", "lhs": item, "op": "|", "rhs": f"t{k + 1}", "label": "", "free": True,
         "estimate": t, "std_estimate": t}
        for item, ths in zip(observed, pc.thresholds, strict=True)
        for k, t in enumerate(ths)
    ]  # fmt: skip
    th = pd.DataFrame(th_rows)
    th["se"] = th_se
    th["z"] = th["estimate"] / th["se"]
    th["p_value"] = 2 * stats.norm.sf(np.abs(th["z"]))
    th = th[df.columns]
    return pd.concat([df, th], ignore_index=True)
