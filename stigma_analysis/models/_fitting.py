"""Shared steps of the regression families: statsmodels fits to tidy tables, cluster sandwiches."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from stigma_analysis.models._results import (
    ModelResult,
    coefficient_frame,
    empty_variance_components,
    plain_warnings,
    summary_frame,
)

_T = TypeVar("_T")


def _choice(name: str, value: object, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, allowed))}; got {value!r}")


def _capture(fn: Callable[[], _T]) -> tuple[_T, list[str]]:
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        out = fn()
    return out, plain_warnings(rec)


def _std_estimates(
    names: list[str], params: np.ndarray, exog: np.ndarray, endog: np.ndarray
) -> np.ndarray:
    """estimate × sd(design column) / sd(response); NaN for the intercept and factor dummies."""
    sd_x = np.std(exog, axis=0, ddof=1)
    sd_y = float(np.std(endog, ddof=1))
    out = params * sd_x / sd_y
    for i, n in enumerate(names):
        if n in {"Intercept", "const"} or "[" in n or sd_x[i] == 0:
            out[i] = np.nan
    return out


def _tidy_from_sm(res: Any, *, std: bool, odds: bool, ci_level: float) -> pd.DataFrame:
    names = list(res.model.exog_names)
    params = np.asarray(res.params, float)
    ci = np.asarray(res.conf_int(alpha=1 - ci_level), float)
    std_est = (
        _std_estimates(
            names, params, np.asarray(res.model.exog, float), np.asarray(res.model.endog, float)
        )
        if std
        else None
    )
    return coefficient_frame(
        names,
        params,
        np.asarray(res.bse, float),
        ci_low=ci[:, 0],
        ci_high=ci[:, 1],
        p=np.asarray(res.pvalues, float),
        std_estimate=std_est,
        odds_ratio=odds,
    )


def _glm_fit_kwargs(cov_type: str) -> dict[str, Any]:
    """statsmodels fit() arguments for a GLM: cluster-robust SEs are computed afterwards."""
    return {} if cov_type == "cluster" else {"cov_type": cov_type}


def _cluster_sandwich(
    cov: np.ndarray, scores: np.ndarray, clusters: pd.Series
) -> tuple[np.ndarray, int]:
    """``G/(G-1) B (sum_g s_g s_g') B`` as ``sandwich::vcovCL(type = "HC0")``; B = model cov."""
    codes = pd.factorize(clusters)[0]
    g = int(codes.max()) + 1
    per = np.zeros((g, scores.shape[1]))
    np.add.at(per, codes, scores)
    out = cov @ (per.T @ per) @ cov * g / (g - 1)
    return (out + out.T) / 2, g


def _glm_coefs(
    res: Any, df: pd.DataFrame, cov_type: str, cluster: str | None, ci_level: float
) -> pd.DataFrame:
    """Coefficient table of a GLM (log-odds / log-rate scale, exp in the odds_ratio columns)."""
    if cov_type != "cluster":
        return _tidy_from_sm(res, std=False, odds=True, ci_level=ci_level)
    from scipy import stats

    params = np.asarray(res.params, float)
    scores = np.asarray(res.model.score_obs(params), float)
    cov, _ = _cluster_sandwich(np.asarray(res.cov_params(), float), scores, df[cluster])
    se = np.sqrt(np.diag(cov))
    z = stats.norm.ppf(0.5 + ci_level / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        pval = 2 * stats.norm.sf(np.abs(params / se))
    return coefficient_frame(
        list(res.model.exog_names),
        params,
        se,
        ci_low=params - z * se,
        ci_high=params + z * se,
        p=pval,
        odds_ratio=True,
    )


def _fit_kwargs(df: pd.DataFrame, cov_type: str, cluster: str | None) -> dict[str, Any]:
    if cov_type == "cluster":
        codes = pd.factorize(df[cluster])[0]
        return {"cov_type": "cluster", "cov_kwds": {"groups": codes}}
    return {"cov_type": cov_type}


def _finish(
    family: str,
    formula: str,
    res: Any,
    coefs: pd.DataFrame,
    msgs: list[str],
    *,
    n: int,
    n_groups: float,
    converged: bool,
    aic: float,
    bic: float,
    loglik: float,
    r2: float,
    r2_kind: str,
    cov_type: str,
    vc: pd.DataFrame | None = None,
) -> ModelResult:
    if not converged and not any("converg" in m for m in msgs):
        msgs = [*msgs, "The fitting algorithm did not report convergence; check the estimates."]
    if not np.all(np.isfinite(coefs["se"].to_numpy(float))):
        msgs = [*msgs, "Some standard errors could not be computed (NaN or infinite)."]
    summary = summary_frame(
        family=family,
        formula=formula,
        n=int(n),
        n_groups=n_groups,
        converged=bool(converged),
        aic=float(aic),
        bic=float(bic),
        loglik=float(loglik),
        r2=float(r2),
        r2_kind=r2_kind,
        cov_type=cov_type,
        n_warnings=len(msgs),
    )
    return ModelResult(
        family=family,
        formula=formula,
        coefficients=coefs,
        summary=summary,
        variance_components=vc if vc is not None else empty_variance_components(),
        warnings=tuple(msgs),
        fitted=res,
    )


def _n_clusters(df: pd.DataFrame, col: str | None) -> float:
    return float(df[col].nunique()) if col is not None else np.nan
