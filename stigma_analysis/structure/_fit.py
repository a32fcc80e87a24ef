"""Fit measures shared by the ML and DWLS estimators (a leaf module: no package imports)."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["KEEP_ON_FAILURE", "fit_measures", "rmsea"]

# fit keys still reported when the optimiser did not converge
KEEP_ON_FAILURE = {"df", "npar", "ntotal", "baseline_chisq", "baseline_df"}


def rmsea(chisq: float, df: float, N: float, G: int) -> tuple[float, float, float]:
    """RMSEA and its 90% interval as lavaan (``lav_fit_rmsea_ci``), for G groups."""
    from scipy import optimize, stats

    if df <= 0:
        return 0.0, 0.0, 0.0
    value = math.sqrt(max(chisq / N / df - 1.0 / N, 0.0)) * math.sqrt(G)

    def cdf(lam: float) -> float:
        return float(stats.chi2.cdf(chisq, df) if lam <= 0 else stats.ncx2.cdf(chisq, df, lam))

    # lavaan::lav_fit_rmsea_ci (level 0.90)
    if df < 1 or cdf(0.0) - 0.95 < 0:
        lo = 0.0
    else:
        lam_l = optimize.brentq(lambda x: cdf(x) - 0.95, 0.0, chisq, xtol=1e-12)
        lo = math.sqrt(lam_l / (N * df)) * math.sqrt(G)
    n_rmsea = max(N, chisq * 4)
    if df < 1 or cdf(n_rmsea) - 0.05 > 0 or cdf(0.0) - 0.05 < 0:
        hi = 0.0
    else:
        lam_u = optimize.brentq(lambda x: cdf(x) - 0.05, 0.0, n_rmsea, xtol=1e-12)
        hi = math.sqrt(lam_u / (N * df)) * math.sqrt(G)
    return value, lo, hi


def fit_measures(
    *,
    chisq: float,
    df: int,
    base: float,
    df_b: float,
    logl: float,
    npar: int,
    N: float,
    G: int,
    srmr: float,
) -> dict[str, float]:
    """lavaan's fit measures from the model and baseline chi-squares (ML and DWLS)."""
    from scipy import stats

    pvalue = float(stats.chi2.sf(chisq, df)) if df > 0 else np.nan
    denom = max(chisq - df, base - df_b, 0.0)
    cfi = 1.0 - max(chisq - df, 0.0) / denom if denom > 0 else 1.0
    tli = ((base / df_b) - (chisq / df)) / ((base / df_b) - 1.0) if df > 0 else 1.0
    value, lo, hi = rmsea(chisq, df, N, G)
    return {
        "chisq": float(chisq),
        "df": float(df),
        "pvalue": pvalue,
        "cfi": float(cfi),
        "tli": float(tli),
        "rmsea": value,
        "rmsea_ci_low": lo,
        "rmsea_ci_high": hi,
        "srmr": srmr,
        "aic": float(-2 * logl + 2 * npar),
        "bic": float(-2 * logl + npar * math.log(N)),
        "logl": float(logl),
        "npar": float(npar),
        "ntotal": N,
        "baseline_chisq": float(base),
        "baseline_df": float(df_b),
    }
