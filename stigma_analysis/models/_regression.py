"""Regression models (OLS, logit, proportional odds, linear mixed, GEE) as tidy tables."""

from __future__ import annotations

import dataclasses
import itertools
import re
import warnings
from collections.abc import Mapping
from typing import Any, Literal, TypeVar, get_args

import numpy as np
import pandas as pd

from stigma_analysis._checks import renamed_keywords
from stigma_analysis.models._clustered import _fit_binomial_mixed, _fit_gee, _fit_mixed
from stigma_analysis.models._count import _fit_negative_binomial, _fit_poisson
from stigma_analysis.models._fitting import (
    _capture,
    _choice,
    _cluster_sandwich,
    _finish,
    _fit_kwargs,
    _glm_coefs,
    _glm_fit_kwargs,
    _n_clusters,
    _tidy_from_sm,
)
from stigma_analysis.models._results import (
    ModelResult,
    coefficient_frame,
    plain_warnings,
)

__all__ = ["fit_model", "fit_models"]

Family = Literal[
    "gaussian",
    "binomial",
    "ordinal",
    "mixed",
    "gee",
    "poisson",
    "negative_binomial",
    "binomial_mixed",
]
CovType = Literal["HC3", "HC0", "HC1", "HC2", "nonrobust", "cluster", "robust", "naive"]
_FAMILIES: tuple[str, ...] = get_args(Family)
_GROUPED = ("mixed", "gee", "binomial_mixed")
_GEE_COV = ("exchangeable", "ar1", "independence")
_T = TypeVar("_T")


def _formula_columns(formula: str, data: pd.DataFrame) -> list[str]:
    """Columns of ``data`` that the formula mentions (names used as identifiers or in Q())."""
    tokens = set(re.findall(r"[A-Za-z_][A-Za-z0-9_.]*", formula))
    tokens |= set(re.findall(r"Q\(\s*['\"]([^'\"]+)['\"]\s*\)", formula))
    return [c for c in data.columns if str(c) in tokens]


@renamed_keywords(groups="cluster")
def fit_model(
    data: pd.DataFrame,
    formula: str,
    *,
    family: Family = "gaussian",
    re_formula: str | None = None,
    weights: str | None = None,
    cluster: str | None = None,
    cov_type: CovType | None = None,
    gee_cov: Literal["exchangeable", "ar1", "independence"] = "exchangeable",
    gee_family: Literal["gaussian", "binomial"] = "gaussian",
    time: str | None = None,
    ci_level: float = 0.95,
    n_agq: int = 1,
) -> ModelResult:
    """Fit a regression model and return tidy coefficient and model-level tables.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per observation (for ``mixed`` / ``gee``: per respondent × wave).
    formula : str
        Patsy formula, e.g. ``"mspss_total ~ ismi_total_excl_sr + age + C(site)"``. Rows with a
        missing value in any column the formula, ``cluster``, ``weights`` or
        ``time`` uses are dropped (listwise); ``summary.n`` reports the rows used.
    family : str
        One of ``"gaussian", "binomial", "ordinal", "mixed", "gee", "poisson",
        "negative_binomial", "binomial_mixed"``.
        ``gaussian``: OLS (WLS with ``weights``). ``binomial``: logistic regression (0/1
        outcome), odds ratios reported. ``ordinal``: proportional-odds logistic regression on an
        ordered outcome (ordered Categorical, or numeric codes taken in sorted order); thresholds
        on ``MASS::polr``'s scale, ``logit P(Y <= k) = zeta_k - x'b``. ``mixed``: linear mixed
        model by REML with random intercepts per ``cluster`` and random slopes from
        ``re_formula``. ``gee``: generalised estimating equations with working correlation
        ``gee_cov`` and robust (sandwich) standard errors, solved as ``geepack::geeglm``
        (see Notes). ``poisson``: Poisson regression (log link) of a count outcome.
        ``negative_binomial``: negative binomial (NB2, log link) regression of an overdispersed
        count, theta by maximum likelihood as ``MASS::glm.nb`` (theta and its SE in
        ``variance_components``). Count models report rate ratios ``exp(estimate)`` in the
        ``odds_ratio`` columns. ``binomial_mixed``: logistic mixed model with a random intercept
        per ``cluster`` (``lme4::glmer(y ~ x + (1 | id), family = binomial)``), Laplace
        approximation or adaptive Gauss-Hermite (``n_agq``); odds ratios are conditional on
        the random intercept.
    re_formula : str, optional
        Random-effects formula for ``mixed``, e.g. ``"~wave"`` (random intercept and slope);
        default: random intercept only.
    weights : str, optional
        Column of frequency / analytic weights (``gaussian``: WLS; ``binomial``: frequency
        weights; ``poisson``, ``negative_binomial``: frequency weights as ``glm(weights=)``;
        ``ordinal``: case weights as ``polr(weights=)``). Not available for ``mixed`` and
        ``gee``.
    cluster : str, optional
        The column whose rows are not independent (usually the respondent id). For ``mixed``,
        ``binomial_mixed`` and ``gee`` it is the grouping of the model and is required (one name
        for one concept: ``groups=`` is a deprecated alias). For the single-level families it
        gives cluster-robust standard errors (``gaussian``, ``binomial``, ``poisson``,
        ``negative_binomial``, ``ordinal``), as ``sandwich::vcovCL(fit, cluster = ~id)``:
        ``G/(G-1) (n-1)/(n-k)`` times the sandwich for gaussian (type HC1), ``G/(G-1)`` for the
        others (type HC0, bread = the model-based covariance; Stata's vce(cluster)): the way to
        fit these families to repeated rows per respondent (``cluster="resp_id"``).
    cov_type : {"HC3", "HC0", "HC1", "HC2", "nonrobust", "cluster", "robust", "naive"}, optional
        Standard errors. Default: ``"cluster"`` when ``cluster`` is given, else ``"HC3"`` for
        gaussian, ``"nonrobust"`` (model-based) for binomial, ordinal and mixed, ``"robust"``
        (sandwich) for gee (``"naive"``: gee's model-based ``phi H^-1``).
    gee_cov : {"exchangeable", "ar1", "independence"}
        GEE working correlation. ``"ar1"`` needs ``time``: the correlation of two rows of a
        respondent is ``alpha^|t_j - t_k|`` at their actual distance in waves (a respondent
        seen at waves 1 and 3 contributes a lag-2 pair), as ``geeglm(waves = time)``.
    gee_family : {"gaussian", "binomial"}
        Outcome family for GEE (``binomial`` reports odds ratios).
    time : str, optional
        Time column (whole wave numbers, one row per respondent and wave) for
        ``gee_cov="ar1"``; with other structures it only orders the rows.
    ci_level : float
        Confidence level of ``ci_low`` / ``ci_high``.
    n_agq : int
        ``binomial_mixed`` only: quadrature points per respondent (1 = Laplace, glmer's
        default; e.g. 10 = adaptive Gauss-Hermite as ``glmer(nAGQ = 10)``).

    Returns
    -------
    ModelResult
        ``coefficients``: ``term, kind, estimate, se, ci_low, ci_high, p, std_estimate,
        odds_ratio, odds_ratio_ci_low, odds_ratio_ci_high``; ``summary``: ``family, formula, n,
        n_groups, converged, aic, bic, loglik, r2, r2_kind, cov_type, n_warnings``;
        ``variance_components`` (mixed; for gee the working correlation ``alpha`` and the scale
        ``phi``); ``warnings`` (plain language, never raised as Python
        warnings).

    Notes
    -----
    ``std_estimate`` is the coefficient times ``sd(x) / sd(y)`` (sample SDs of the design
    column and the response over the rows used): the change in SDs of the outcome per SD of the
    predictor. It is NaN for the intercept, for factor dummies (``C(site)[T.B]``) and for
    binomial, ordinal and binomial-GEE models. Intervals and p-values use the t distribution
    for gaussian models (residual df, or clusters - 1 with cluster-robust SEs) and the normal
    distribution otherwise. ``aic``/``bic`` are R's ``AIC()``/``BIC()``: ``-2 logLik + 2 k`` and
    ``-2 logLik + k log(n)``. For ``gaussian``, k counts the residual variance (coefficients + 1,
    as ``AIC(lm)``; a weighted fit's logLik includes ``sum(log w) / 2`` as R's does); for
    ``binomial``, ``poisson`` and ``ordinal`` k is the number of coefficients (and cut-points),
    for ``negative_binomial`` the coefficients + theta (as ``logLik(glm.nb)``), and n is the
    sum of the frequency weights (as ``polr``; R's ``BIC(glm)`` counts weighted rows instead,
    and agrees with ours on the expanded data). For ``mixed`` they are computed from the REML
    criterion as lme4 does (``-2 logLik_REML + 2 k``, k = fixed + covariance parameters + 1);
    ``r2`` is McFadden's pseudo-R² for binomial and ordinal models, R² for gaussian, NaN
    otherwise. Mixed-model standard errors are lme4's: the square roots of the diagonal of
    ``(X' V^-1 X)^-1`` at the REML estimates, ``V_i = Z_i G Z_i' + sigma^2 I`` for
    group *i* (statsmodels' ``cov_params()``, kept in ``fitted``, inverts the joint observed
    information instead and differs from lme4 by ~1e-4 relative when groups have different
    numbers of rows).

    GEE solves geepack's three estimating equations jointly (beta; the scale ``phi``, the mean
    squared Pearson residual with no degrees-of-freedom correction; the correlation ``alpha``,
    fitted to the products ``r_j r_k / phi`` over every within-respondent pair: their mean for
    exchangeable, a least-squares fit of ``alpha^|t_j - t_k|`` for AR(1)). statsmodels' GEE
    differs on both counts: its AR(1) treats consecutive rows as lag 1 whatever their waves,
    and its moment estimators divide by ``N - p`` (scale) and ``pairs - p`` (exchangeable
    alpha), so its alpha and hence its estimates differ from geepack's even on complete panels.

    Checked against: geepack::geeglm 1.3.9 (gaussian and binomial; AR(1), exchangeable and
    independence; a panel with skipped waves and the complete panel): coefficients and robust
    SEs to 1e-8 relative, alpha and phi to 1e-8. R 4.2.2 ``logLik``/``AIC``/``BIC`` of ``lm``
    (with and without weights), ``glm(family = binomial)`` and ``polr`` to 1e-9.
    ``glm(family = poisson)`` and ``MASS::glm.nb`` 7.3-58.2 (with and without weights):
    coefficients to 1e-6, SEs to 2e-5, theta to 1e-6, logLik and AIC to 1e-9.
    ``lme4::glmer(family = binomial)`` 1.1-31 with a random intercept, nAGQ = 1 and 10, on an
    unbalanced panel: estimates, SEs and the intercept SD to 3e-4, logLik to 1e-4 (lme4's
    optimiser stops ~1e-5 short of the optimum). ``sandwich::vcovCL`` 3.0-2 cluster-robust SEs
    of lm, glm (binomial, poisson), glm.nb and polr on a 100 x 3 panel to 2e-5. lme4::lmer
    1.1-31 on sleepstudy and on an unbalanced sleepstudy (20% of
    rows dropped), random intercept and random slope (fixed effects and SEs to 1e-4, variance
    components to 1e-3); MASS::polr 7.3-58.2 on housing (coefficients and cut-points to 1e-4).
    """
    _choice("family", family, _FAMILIES)
    _choice("gee_cov", gee_cov, _GEE_COV)
    _choice("gee_family", gee_family, ("gaussian", "binomial"))
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame; got {type(data).__name__}")
    if not isinstance(formula, str) or "~" not in formula:
        raise ValueError(f"formula must look like 'outcome ~ predictors'; got {formula!r}")
    if not 0 < ci_level < 1:
        raise ValueError(f"ci_level must be between 0 and 1; got {ci_level!r}")
    if not isinstance(n_agq, (int, np.integer)) or not 1 <= n_agq <= 50:
        raise ValueError(f"n_agq must be an integer from 1 to 50; got {n_agq!r}")
    groups = cluster if family in _GROUPED else None
    if family in _GROUPED:
        cluster = None  # the grouping of the model itself, not a correction of its errors
    if family in _GROUPED and groups is None:
        raise ValueError(f"family={family!r} needs cluster= (the clustering column, e.g. resp_id)")
    if family in _GROUPED and weights is not None:
        raise ValueError(f"weights= is not available for family={family!r}")
    if re_formula is not None and family != "mixed":
        raise ValueError(f"re_formula= only applies to family='mixed'; got family={family!r}")
    if family == "gee" and gee_cov == "ar1" and time is None:
        raise ValueError("gee_cov='ar1' needs time= (the wave column)")
    extra = [c for c in (groups, weights, cluster, time) if c is not None]
    missing_cols = [c for c in extra if c not in data.columns]
    if missing_cols:
        raise ValueError(f"column(s) not in data: {missing_cols}")
    cov: str
    if cov_type is None:
        cov = (
            "cluster"
            if cluster is not None
            else {"gaussian": "HC3", "gee": "robust"}.get(family, "nonrobust")
        )
    else:
        cov = cov_type
    if cov == "cluster" and cluster is None:
        raise ValueError("cov_type='cluster' needs cluster= (the clustering column)")

    used = list(dict.fromkeys(_formula_columns(formula, data) + extra))
    df = data.loc[:, used].dropna().reset_index(drop=True)
    if len(df) == 0:
        raise ValueError(f"no complete rows for {formula!r} (after dropping missing values)")

    fitter = {
        "gaussian": _fit_gaussian,
        "binomial": _fit_binomial,
        "poisson": _fit_poisson,
        "negative_binomial": _fit_negative_binomial,
        "binomial_mixed": _fit_binomial_mixed,
        "ordinal": _fit_ordinal,
        "mixed": _fit_mixed,
        "gee": _fit_gee,
    }[family]
    # statsmodels computes some statistics lazily (llf, conf_int, ...): warnings raised while
    # tabulating are caught here too, so none escapes as a Python warning
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        result = fitter(
            df,
            formula,
            groups=groups,
            re_formula=re_formula,
            weights=weights,
            cluster=cluster,
            cov_type=cov,
            gee_cov=gee_cov,
            gee_family=gee_family,
            time=time,
            ci_level=ci_level,
            n_agq=int(n_agq),
        )
    late = tuple(w for w in plain_warnings(rec) if w not in result.warnings)
    if not late:
        return result
    all_msgs = result.warnings + late
    summary = result.summary.assign(n_warnings=len(all_msgs))
    return dataclasses.replace(result, warnings=all_msgs, summary=summary)


def _fit_gaussian(df: pd.DataFrame, formula: str, **kw: Any) -> ModelResult:
    import statsmodels.formula.api as smf

    weights, cluster, cov_type = kw["weights"], kw["cluster"], kw["cov_type"]

    def fit() -> Any:
        if weights is not None:
            model = smf.wls(formula, df, weights=df[weights].to_numpy(float))
        else:
            model = smf.ols(formula, df)
        return model.fit(use_t=True, **_fit_kwargs(df, cov_type, cluster))

    res, msgs = _capture(fit)
    coefs = _tidy_from_sm(res, std=True, odds=False, ci_level=kw["ci_level"])
    # R's AIC(lm) / BIC(lm): the residual variance counts as a parameter (as in lme4), so
    # that gaussian and mixed models are comparable; statsmodels' aic/bic leave it out
    k = len(res.params) + 1
    return _finish(
        "gaussian",
        formula,
        res,
        coefs,
        msgs,
        n=int(res.nobs),
        n_groups=_n_clusters(df, cluster),
        converged=True,
        aic=-2 * res.llf + 2 * k,
        bic=-2 * res.llf + k * np.log(res.nobs),
        loglik=res.llf,
        r2=res.rsquared,
        r2_kind="r_squared",
        cov_type=cov_type,
    )


def _fit_binomial(df: pd.DataFrame, formula: str, **kw: Any) -> ModelResult:
    import statsmodels.api as sm
    import statsmodels.formula.api as smf

    weights, cluster, cov_type = kw["weights"], kw["cluster"], kw["cov_type"]
    extra = {} if weights is None else {"freq_weights": df[weights].to_numpy(float)}

    def fit() -> Any:
        model = smf.glm(formula, df, family=sm.families.Binomial(), **extra)
        return model.fit(**_glm_fit_kwargs(cov_type))

    res, msgs = _capture(fit)
    if np.asarray(res.model.endog).ndim != 1:
        raise ValueError("family='binomial' needs a 0/1 (or boolean) outcome column")
    coefs = _glm_coefs(res, df, cov_type, cluster, kw["ci_level"])
    converged = bool(getattr(res, "converged", True))
    r2 = 1.0 - res.llf / res.llnull
    n = float(np.sum(res.model.freq_weights)) if weights is not None else res.nobs
    return _finish(
        "binomial",
        formula,
        res,
        coefs,
        msgs,
        n=round(n),
        n_groups=_n_clusters(df, cluster),
        converged=converged,
        aic=res.aic,
        bic=-2 * res.llf + len(res.params) * np.log(n),
        loglik=res.llf,
        r2=r2,
        r2_kind="mcfadden",
        cov_type=cov_type,
    )


def _ordered_outcome(df: pd.DataFrame, formula: str) -> tuple[pd.DataFrame, list[str]]:
    lhs = formula.split("~", 1)[0].strip()
    if lhs not in df.columns:
        raise ValueError(f"family='ordinal' needs the outcome to be a column name; got {lhs!r}")
    y = df[lhs]
    if isinstance(y.dtype, pd.CategoricalDtype):
        if not y.cat.ordered:
            raise ValueError(
                f"outcome {lhs!r} is an unordered Categorical; make it ordered "
                "(pd.Categorical(..., ordered=True)) so the category order is explicit"
            )
        cats = [c for c in y.cat.categories if (y == c).any()]
        ycat = pd.Categorical(y.astype(object), categories=cats, ordered=True)
    elif pd.api.types.is_numeric_dtype(y):
        cats = sorted(pd.unique(y))
        ycat = pd.Categorical(y, categories=cats, ordered=True)
    else:
        raise ValueError(
            f"family='ordinal' needs an ordered Categorical or numeric outcome; {lhs!r} is {y.dtype}"
        )
    if len(cats) < 3:
        raise ValueError(
            f"family='ordinal' needs at least 3 observed outcome levels; got {len(cats)}"
        )
    df = df.copy()
    df[lhs] = ycat
    return df, [str(c) for c in cats]


def _fit_ordinal(df: pd.DataFrame, formula: str, **kw: Any) -> ModelResult:
    from scipy import stats
    from statsmodels.miscmodels.ordinal_model import OrderedModel
    from statsmodels.tools.numdiff import approx_fprime, approx_hess3

    weights, cov_type = kw["weights"], kw["cov_type"]
    if cov_type not in {"nonrobust", "cluster"}:
        raise ValueError(
            "family='ordinal' supports model-based (cov_type='nonrobust') or cluster-robust "
            f"(cluster=) standard errors; got cov_type={cov_type!r}"
        )
    df, levels = _ordered_outcome(df, formula)
    w = df[weights].to_numpy(float) if weights is not None else np.ones(len(df))

    class _WeightedOrdered(OrderedModel):  # type: ignore[misc]
        # polr's case weights multiply each observation's log-likelihood
        def loglike(self, params: np.ndarray) -> float:
            return float(np.sum(w * self.loglikeobs(params)))

        def score(self, params: np.ndarray) -> np.ndarray:
            return approx_fprime(params, self.loglike, centered=True)

        def hessian(self, params: np.ndarray) -> np.ndarray:
            return approx_hess3(params, self.loglike)

    def fit() -> Any:
        model = _WeightedOrdered.from_formula(formula, df, distr="logit")
        res = model.fit(method="bfgs", disp=False, maxiter=2000, gtol=1e-7)
        # polish with Newton steps on the numerical Hessian (BFGS stops early on flat optima)
        return model.fit(start_params=res.params, method="newton", disp=False, maxiter=50)

    res, msgs = _capture(fit)
    model = res.model
    params = np.asarray(res.params, float)
    k_levels = len(levels) - 1
    nb = len(params) - k_levels
    cov = np.asarray(res.cov_params(), float)
    if cov_type == "cluster":
        # per-respondent sums of the (weighted) observation scores: sandwich::vcovCL(polr)
        scores = approx_fprime(params, lambda p_: w * model.loglikeobs(p_), centered=True)
        cov, _ = _cluster_sandwich(cov, np.atleast_2d(scores), df[kw["cluster"]])
    # thresholds: statsmodels uses (t1, log(t2 - t1), ...); polr reports the cut-points zeta
    raw = params[nb:]
    zeta = np.cumsum(np.concatenate([raw[:1], np.exp(raw[1:])]))
    J = np.zeros((k_levels, k_levels))
    J[:, 0] = 1.0
    for j in range(1, k_levels):
        J[j:, j] = np.exp(raw[j])
    cov_t = J @ cov[nb:, nb:] @ J.T
    est = np.concatenate([params[:nb], zeta])
    se = np.sqrt(np.concatenate([np.diag(cov)[:nb], np.diag(cov_t)]))
    z = stats.norm.ppf(0.5 + kw["ci_level"] / 2)
    pval = 2 * stats.norm.sf(np.abs(est / se))
    names = list(model.exog_names[:nb]) + [f"{a}|{b}" for a, b in itertools.pairwise(levels)]
    kinds = ["coefficient"] * nb + ["threshold"] * k_levels
    coefs = coefficient_frame(
        names,
        est,
        se,
        ci_low=est - z * se,
        ci_high=est + z * se,
        p=pval,
        kind=kinds,
        odds_ratio=np.array([True] * nb + [False] * k_levels),
    )
    # null model (thresholds only): the weighted marginal proportions
    codes = np.asarray(df[formula.split("~", 1)[0].strip()].cat.codes)
    tot = np.bincount(codes, weights=w, minlength=len(levels))
    ll_null = float(np.sum(tot[tot > 0] * np.log(tot[tot > 0] / tot.sum())))
    llf = float(model.loglike(params))
    n = float(w.sum())
    converged = bool(res.mle_retvals.get("converged", True))
    k = len(params)
    return _finish(
        "ordinal",
        formula,
        res,
        coefs,
        msgs,
        n=round(n),
        n_groups=_n_clusters(df, kw["cluster"]),
        converged=converged,
        aic=-2 * llf + 2 * k,
        bic=-2 * llf + k * np.log(n),
        loglik=llf,
        r2=1 - llf / ll_null,
        r2_kind="mcfadden",
        cov_type=cov_type,
    )


def _spec_get(spec: Any, key: str) -> Any:
    if isinstance(spec, Mapping):
        return spec.get(key)
    return getattr(spec, key, None)


_OPTIONAL_SPEC_KEYS = (
    "cluster",
    "weights",
    "cov_type",
    "time",
    "gee_cov",
    "gee_family",
    "n_agq",
    "ci_level",
)


def fit_models(study: Any) -> dict[str, ModelResult]:
    """Fit every model named in a study's specification on its scores.

    Parameters
    ----------
    study : Study
        Any object with ``study.spec.models`` (entries with ``name, formula, family, groups,
        re_formula`` and optionally any of ``cluster, weights, cov_type, time, gee_cov,
        gee_family, n_agq, ci_level``, as attributes or mapping keys; absent or None means
        :func:`fit_model`'s default), scored with :func:`stigma_analysis.score`.

    Returns
    -------
    dict of str to ModelResult
        Keyed by model name, in the order of the specification. A model that cannot be fitted
        raises; convergence problems are reported in each result's ``warnings``.

    See Also
    --------
    fit_model
    """
    models = getattr(getattr(study, "spec", None), "models", None)
    if models is None:
        raise TypeError("study must have .spec.models (a stigma_analysis Study)")
    data = getattr(study, "scores", None)  # a duck-typed study may carry its scores
    if data is None:
        from stigma_analysis.scoring import score

        data = score(study)
    out: dict[str, ModelResult] = {}
    for spec in models:
        name = _spec_get(spec, "name")
        optional = {k: _spec_get(spec, k) for k in _OPTIONAL_SPEC_KEYS}
        out[str(name)] = fit_model(
            data,
            _spec_get(spec, "formula"),
            family=_spec_get(spec, "family") or "gaussian",
            re_formula=_spec_get(spec, "re_formula"),
            **{k: v for k, v in optional.items() if v is not None and k != "cluster"},
            cluster=optional.get("cluster") or _spec_get(spec, "groups"),
        )
    return out
