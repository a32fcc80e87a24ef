"""Models of clustered rows: linear mixed, logistic mixed (glmer) and GEE (geepack)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from stigma_analysis.models._fitting import (
    _capture,
    _choice,
    _finish,
    _std_estimates,
)
from stigma_analysis.models._mixed_cov import _fixed_effects_cov
from stigma_analysis.models._results import (
    ModelResult,
    coefficient_frame,
)


def _fit_mixed(df: pd.DataFrame, formula: str, **kw: Any) -> ModelResult:
    import statsmodels.formula.api as smf

    groups, re_formula, cov_type = kw["groups"], kw["re_formula"], kw["cov_type"]
    if cov_type != "nonrobust":
        raise ValueError(f"family='mixed' reports model-based SEs only; got cov_type={cov_type!r}")
    df = df.sort_values(groups, kind="stable").reset_index(drop=True)

    def fit() -> Any:
        model = smf.mixedlm(formula, df, groups=df[groups], re_formula=re_formula)
        return model.fit(reml=True)

    res, msgs = _capture(fit)
    k_fe = len(res.fe_params)
    names = list(res.model.exog_names)
    from scipy import stats

    est = np.asarray(res.fe_params, float)
    # lme4's vcov(): (X'V^-1 X)^-1 at the REML estimates. statsmodels' bse_fe comes from the
    # joint observed information, which differs from it (~1e-4 relative) on unbalanced panels.
    cov_fe = _fixed_effects_cov(
        np.asarray(res.model.exog, float),
        np.asarray(res.model.exog_re, float),
        pd.factorize(df[groups])[0],
        np.asarray(res.cov_re, float),
        float(res.scale),
    )
    se = np.sqrt(np.diag(cov_fe))
    z = stats.norm.ppf(0.5 + kw["ci_level"] / 2)
    pval = 2 * stats.norm.sf(np.abs(est / se))
    std = _std_estimates(
        names, est.copy(), np.asarray(res.model.exog, float), np.asarray(res.model.endog, float)
    )
    coefs = coefficient_frame(
        names, est, se, ci_low=est - z * se, ci_high=est + z * se, p=pval, std_estimate=std
    )
    # variance components on lme4's scale: SDs and correlations of the random effects
    cov_re = np.asarray(res.cov_re, float)
    re_names = ["(Intercept)" if n == "Group" else str(n) for n in res.cov_re.columns]
    rows: list[dict[str, Any]] = []
    for i, a in enumerate(re_names):
        rows.append(
            {
                "group": groups,
                "term": a,
                "term2": "",
                "variance": cov_re[i, i],
                "sd_cor": np.sqrt(max(cov_re[i, i], 0.0)),
            }
        )
    for i in range(len(re_names)):
        for j in range(i + 1, len(re_names)):
            den = np.sqrt(cov_re[i, i] * cov_re[j, j])
            rows.append(
                {
                    "group": groups,
                    "term": re_names[i],
                    "term2": re_names[j],
                    "variance": cov_re[i, j],
                    "sd_cor": cov_re[i, j] / den if den > 0 else np.nan,
                }
            )
    rows.append(
        {
            "group": "Residual",
            "term": "",
            "term2": "",
            "variance": res.scale,
            "sd_cor": np.sqrt(res.scale),
        }
    )
    vc = pd.DataFrame(rows, columns=["group", "term", "term2", "variance", "sd_cor"])
    if np.any(np.diag(cov_re) < 1e-8 * max(res.scale, 1e-300)):
        msg = (
            "A random-effect variance was estimated at (or near) zero: the random-effects "
            "structure is more complex than the data support (a singular fit)."
        )
        if msg not in msgs:
            msgs.append(msg)
    n = int(res.nobs)
    k = k_fe + len(re_names) * (len(re_names) + 1) // 2 + 1
    llf = float(res.llf)
    return _finish(
        "mixed",
        formula,
        res,
        coefs,
        msgs,
        n=n,
        n_groups=float(df[groups].nunique()),
        converged=bool(res.converged),
        aic=-2 * llf + 2 * k,
        bic=-2 * llf + k * np.log(n),
        loglik=llf,
        r2=np.nan,
        r2_kind="",
        cov_type="nonrobust",
        vc=vc,
    )


def _full_rank(X: np.ndarray, names: list[str], formula: str) -> None:
    """Raise when the design matrix has collinear columns (no unique solution)."""
    rank = int(np.linalg.matrix_rank(X))
    if rank < X.shape[1]:
        raise ValueError(
            f"the predictors of {formula!r} are collinear or constant in the rows used "
            f"(design columns {names}, rank {rank}): drop or recode one of them"
        )


def _fit_binomial_mixed(df: pd.DataFrame, formula: str, **kw: Any) -> ModelResult:
    import patsy
    from scipy import stats

    from stigma_analysis.models._glmm import fit_binomial_glmm

    groups, cov_type = kw["groups"], kw["cov_type"]
    if cov_type != "nonrobust":
        raise ValueError(
            f"family='binomial_mixed' reports model-based SEs only; got cov_type={cov_type!r}"
        )
    y_df, X_df = patsy.dmatrices(formula, df, NA_action="raise", return_type="dataframe")
    y = y_df.iloc[:, 0].to_numpy(float)
    if y_df.shape[1] != 1 or not np.all((y == 0) | (y == 1)):
        raise ValueError("family='binomial_mixed' needs a 0/1 (or boolean) outcome column")
    X = X_df.to_numpy(float)
    names = list(X_df.columns)
    _full_rank(X, names, formula)
    codes = pd.factorize(df[groups])[0]
    res, msgs = _capture(lambda: fit_binomial_glmm(y, X, codes, n_agq=kw["n_agq"]))
    est = res.params
    se = np.sqrt(np.diag(res.cov))
    z = stats.norm.ppf(0.5 + kw["ci_level"] / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        pval = 2 * stats.norm.sf(np.abs(est / se))
    coefs = coefficient_frame(
        names, est, se, ci_low=est - z * se, ci_high=est + z * se, p=pval, odds_ratio=True
    )
    vc = pd.DataFrame(
        {
            "group": [groups],
            "term": ["(Intercept)"],
            "term2": [""],
            "variance": [res.sigma**2],
            "sd_cor": [res.sigma],
        },
        columns=["group", "term", "term2", "variance", "sd_cor"],
    )
    if res.sigma < 1e-4:
        msgs.append(
            "A random-effect variance was estimated at (or near) zero: the random-effects "
            "structure is more complex than the data support (a singular fit)."
        )
    n = len(df)
    k = len(est) + 1
    llf = -res.deviance / 2
    return _finish(
        "binomial_mixed",
        formula,
        res,
        coefs,
        msgs,
        n=n,
        n_groups=float(codes.max() + 1),
        converged=res.converged,
        aic=-2 * llf + 2 * k,
        bic=-2 * llf + k * np.log(n),
        loglik=llf,
        r2=np.nan,
        r2_kind="",
        cov_type=cov_type,
        vc=vc,
    )


def _fit_gee(df: pd.DataFrame, formula: str, **kw: Any) -> ModelResult:
    import patsy
    from scipy import stats

    from stigma_analysis.models._gee import fit_gee

    groups, gee_cov, time, cov_type = kw["groups"], kw["gee_cov"], kw["time"], kw["cov_type"]
    _choice("cov_type (gee)", cov_type, ("robust", "naive"))
    binom = kw["gee_family"] == "binomial"
    sort_cols = [groups] + ([time] if time is not None else [])
    df = df.sort_values(sort_cols, kind="stable").reset_index(drop=True)
    codes = pd.factorize(df[groups])[0]
    if time is not None:
        t = pd.to_numeric(df[time], errors="coerce").to_numpy(float)
        if gee_cov == "ar1":
            if not np.all(np.isfinite(t)) or np.any(t != np.round(t)):
                raise ValueError(
                    f"time column {time!r} must hold whole wave numbers for gee_cov='ar1'"
                )
            dup = df.loc[df.duplicated([groups, time]), groups]
            if len(dup):
                raise ValueError(
                    f"time column {time!r} repeats a wave within {groups!r} "
                    f"(e.g. {groups}={dup.iloc[0]!r}); AR(1) needs one row per wave"
                )
    else:
        t = (np.arange(len(df)) - np.searchsorted(codes, codes)).astype(float)
    y_df, X_df = patsy.dmatrices(formula, df, NA_action="raise", return_type="dataframe")
    if y_df.shape[1] != 1:
        raise ValueError(f"family='gee' needs a single numeric outcome column; got {formula!r}")
    y = y_df.iloc[:, 0].to_numpy(float)
    if binom and not np.all((y == 0) | (y == 1)):
        raise ValueError("gee_family='binomial' needs a 0/1 (or boolean) outcome column")
    X = X_df.to_numpy(float)
    names = list(X_df.columns)
    _full_rank(X, names, formula)

    def fit() -> Any:
        return fit_gee(y, X, codes, t, corstr=gee_cov, binomial=binom)

    res, msgs = _capture(fit)
    est = res.params
    se = np.sqrt(np.diag(res.cov_robust if cov_type == "robust" else res.cov_naive))
    z = stats.norm.ppf(0.5 + kw["ci_level"] / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        pval = 2 * stats.norm.sf(np.abs(est / se))
    coefs = coefficient_frame(
        names,
        est,
        se,
        ci_low=est - z * se,
        ci_high=est + z * se,
        p=pval,
        std_estimate=None if binom else _std_estimates(names, est.copy(), X, y),
        odds_ratio=binom,
    )
    vc = pd.DataFrame(
        {
            "group": ["Correlation", "Scale"],
            "term": [gee_cov, ""],
            "term2": ["", ""],
            "variance": [np.nan, res.scale],
            "sd_cor": [res.alpha, np.sqrt(res.scale)],
        },
        columns=["group", "term", "term2", "variance", "sd_cor"],
    )
    return _finish(
        "gee",
        formula,
        res,
        coefs,
        msgs,
        n=len(df),
        n_groups=float(codes.max() + 1),
        converged=res.converged,
        aic=np.nan,
        bic=np.nan,
        loglik=np.nan,
        r2=np.nan,
        r2_kind="",
        cov_type=cov_type,
        vc=vc,
    )
