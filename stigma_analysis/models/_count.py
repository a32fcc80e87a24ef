"""Count models: Poisson and negative binomial (NB2) regression, as glm and MASS::glm.nb."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from stigma_analysis.models._fitting import (
    _capture,
    _finish,
    _glm_coefs,
    _glm_fit_kwargs,
    _n_clusters,
)
from stigma_analysis.models._results import (
    ModelResult,
)


def _count_outcome(y: np.ndarray, family: str) -> None:
    if np.asarray(y).ndim != 1 or np.any(y < 0) or np.any(y != np.round(y)):
        raise ValueError(f"family={family!r} needs a count outcome (whole numbers >= 0)")


def _fit_poisson(df: pd.DataFrame, formula: str, **kw: Any) -> ModelResult:
    import statsmodels.api as sm
    import statsmodels.formula.api as smf

    weights, cluster, cov_type = kw["weights"], kw["cluster"], kw["cov_type"]
    extra = {} if weights is None else {"freq_weights": df[weights].to_numpy(float)}
    model = smf.glm(formula, df, family=sm.families.Poisson(), **extra)
    _count_outcome(model.endog, "poisson")
    res, msgs = _capture(lambda: model.fit(**_glm_fit_kwargs(cov_type)))
    coefs = _glm_coefs(res, df, cov_type, cluster, kw["ci_level"])
    n = float(np.sum(res.model.freq_weights)) if weights is not None else res.nobs
    k = len(res.params)
    return _finish(
        "poisson",
        formula,
        res,
        coefs,
        msgs,
        n=round(n),
        n_groups=_n_clusters(df, cluster),
        converged=bool(getattr(res, "converged", True)),
        aic=-2 * res.llf + 2 * k,
        bic=-2 * res.llf + k * np.log(n),
        loglik=res.llf,
        r2=1.0 - res.llf / res.llnull,
        r2_kind="mcfadden",
        cov_type=cov_type,
    )


def _nb_loglik(y: np.ndarray, mu: np.ndarray, theta: float, w: np.ndarray) -> float:
    from scipy.special import gammaln

    ll = (
        gammaln(theta + y)
        - gammaln(theta)
        - gammaln(y + 1)
        + theta * np.log(theta)
        + y * np.log(np.where(y > 0, mu, 1.0))
        - (theta + y) * np.log(theta + mu)
    )
    return float(np.sum(w * ll))


_THETA_MAX = 1e8  # a negative binomial with this theta is a Poisson model to ~1e-8


def _theta_ml(y: np.ndarray, mu: np.ndarray, w: np.ndarray, start: float | None) -> float:
    """ML estimate of the negative binomial theta at fixed means (``MASS::theta.ml``)."""
    from scipy.special import digamma, polygamma

    n = float(w.sum())
    t = start if start is not None else n / float(np.sum(w * (y / mu - 1.0) ** 2))
    for _ in range(100):
        score = np.sum(
            w * (digamma(t + y) - digamma(t) + np.log(t) + 1 - np.log(t + mu) - (y + t) / (mu + t))
        )
        info = np.sum(
            w
            * (
                -polygamma(1, t + y)
                + polygamma(1, t)
                - 1 / t
                + 2 / (mu + t)
                - (y + t) / (mu + t) ** 2
            )
        )
        step = float(score / info)
        t_new = t + step
        if not np.isfinite(t_new) or t_new > _THETA_MAX or (info <= 0 and score > 0):
            # no overdispersion (or underdispersion): theta runs to infinity, i.e. Poisson
            return _THETA_MAX
        if t_new <= 0:
            t_new = t / 2
        if abs(t_new - t) < 1e-12 * max(t, 1.0):
            return float(t_new)
        t = float(t_new)
    return float(t)


def _fit_negative_binomial(df: pd.DataFrame, formula: str, **kw: Any) -> ModelResult:
    import statsmodels.api as sm
    import statsmodels.formula.api as smf
    from scipy.special import polygamma

    weights, cluster, cov_type = kw["weights"], kw["cluster"], kw["cov_type"]
    extra = {} if weights is None else {"freq_weights": df[weights].to_numpy(float)}
    fit_kw = _glm_fit_kwargs(cov_type)
    pois = smf.glm(formula, df, family=sm.families.Poisson(), **extra)
    y = np.asarray(pois.endog, float)
    _count_outcome(y, "negative_binomial")
    w = np.asarray(pois.freq_weights, float)

    def fit() -> tuple[Any, float, bool]:
        # glm.nb's alternation: IRLS for beta at fixed theta, Newton for theta at fixed beta
        res = pois.fit()
        theta = _theta_ml(y, np.asarray(res.fittedvalues, float), w, None)
        ll_old = -np.inf
        for i in range(100):
            if i:
                theta = _theta_ml(y, np.asarray(res.fittedvalues, float), w, theta)
            model = smf.glm(
                formula, df, family=sm.families.NegativeBinomial(alpha=1.0 / theta), **extra
            )
            res = model.fit(start_params=res.params, tol=1e-12, **fit_kw)
            ll = _nb_loglik(y, np.asarray(res.fittedvalues, float), theta, w)
            if abs(ll - ll_old) < 1e-11 * abs(ll):
                return res, theta, True
            ll_old = ll
        return res, theta, False

    (res, theta, converged), msgs = _capture(fit)
    coefs = _glm_coefs(res, df, cov_type, cluster, kw["ci_level"])
    mu = np.asarray(res.fittedvalues, float)
    llf = _nb_loglik(y, mu, theta, w)
    info = np.sum(
        w
        * (
            -polygamma(1, theta + y)
            + polygamma(1, theta)
            - 1 / theta
            + 2 / (mu + theta)
            - (y + theta) / (mu + theta) ** 2
        )
    )
    n = float(w.sum()) if weights is not None else float(res.nobs)
    k = len(res.params) + 1  # theta counts, as logLik(glm.nb)
    vc = pd.DataFrame(
        {
            "group": ["Dispersion"],
            "term": ["theta"],
            "term2": [""],
            "variance": [1.0 / float(info) if info > 0 else np.nan],
            "sd_cor": [theta],
        },
        columns=["group", "term", "term2", "variance", "sd_cor"],
    )
    if theta >= _THETA_MAX:
        msgs.append(
            f"The negative binomial theta ran to its bound ({_THETA_MAX:g}): the counts show "
            "no overdispersion, so the model is the Poisson model (use family='poisson')."
        )
    return _finish(
        "negative_binomial",
        formula,
        res,
        coefs,
        msgs,
        n=round(n),
        n_groups=_n_clusters(df, cluster),
        converged=converged,
        aic=-2 * llf + 2 * k,
        bic=-2 * llf + k * np.log(n),
        loglik=llf,
        r2=np.nan,
        r2_kind="",
        cov_type=cov_type,
        vc=vc,
    )
