"""Fit measures shared by the ML and DWLS estimators (a leaf module: no package imports)."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["KEEP_ON_FAILURE", "fit_measures", "rmsea", "robust_measures"]

# fit keys still reported when the optimiser did not converge
KEEP_ON_FAILURE = {"df", "npar", "ntotal", "baseline_chisq", "baseline_df"}


def rmsea(
    chisq: float, df: float, N: float, G: int, c_hat: float = 1.0
) -> tuple[float, float, float]:
    """RMSEA and its 90% interval as lavaan (``lav_fit_rmsea_ci``), for G groups.

    With a scaled statistic ``chisq`` and its scaling factor ``c_hat``, the interval is the
    robust one (the non-centrality bounds multiplied by ``c_hat``)."""
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
        lo = math.sqrt(c_hat * lam_l / (N * df)) * math.sqrt(G)
    n_rmsea = max(N, chisq * 4)
    if df < 1 or cdf(n_rmsea) - 0.05 > 0 or cdf(0.0) - 0.05 < 0:
        hi = 0.0
    else:
        lam_u = optimize.brentq(lambda x: cdf(x) - 0.05, 0.0, n_rmsea, xtol=1e-12)
        hi = math.sqrt(c_hat * lam_u / (N * df)) * math.sqrt(G)
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


def robust_measures(
    fit: dict[str, float], *, c: float, c_b: float, N: float, G: int
) -> dict[str, float]:
    """Scaled and robust fit measures from the scaling factors of the model (c) and the
    baseline (c_b), as lavaan's ``fitMeasures`` for ``estimator = "MLR"`` (robust CFI / TLI /
    RMSEA of Brosseau-Liard & Savalei)."""
    from scipy import stats

    X2, df = fit["chisq"], fit["df"]
    X2b, dfb = fit["baseline_chisq"], fit["baseline_df"]
    X2s, X2bs = X2 / c, X2b / c_b
    out = {
        "chisq_scaled": X2s,
        "pvalue_scaled": float(stats.chi2.sf(X2s, df)) if df > 0 else np.nan,
        "scaling_factor": c,
        "baseline_chisq_scaled": X2bs,
        "baseline_scaling_factor": c_b,
    }
    denom = max(X2s - df, X2bs - dfb, 0.0)
    out["cfi_scaled"] = 1.0 - max(X2s - df, 0.0) / denom if denom > 0 else 1.0
    out["tli_scaled"] = ((X2bs / dfb) - (X2s / df)) / ((X2bs / dfb) - 1.0) if df > 0 else 1.0
    t1 = max(X2 - c * df, 0.0)
    t2 = max(X2 - c * df, X2b - c_b * dfb, 0.0)
    out["cfi_robust"] = 1.0 - t1 / t2 if t2 > 0 else 1.0
    out["tli_robust"] = 1.0 - ((X2 - c * df) / df) / ((X2b - c_b * dfb) / dfb) if df > 0 else 1.0
    out["rmsea_scaled"] = rmsea(X2s, df, N, G)[0]
    out["rmsea_robust"] = math.sqrt(max(X2 / N / df - c / N, 0.0)) * math.sqrt(G) if df > 0 else 0.0
    _, lo, hi = rmsea(X2s, df, N, G, c_hat=c)
    out["rmsea_ci_low_robust"], out["rmsea_ci_high_robust"] = lo, hi
    return {k: float(v) for k, v in out.items()}
