"""Design-based estimation (Taylor linearisation): means, proportions and regression.

A :class:`SurveyDesign` holds the data with its weights, strata, primary sampling units (PSUs)
and finite-population corrections. Subgroups are domains (:meth:`SurveyDesign.subset`): rows
outside keep their place with weight zero, so the variance still sees every sampled PSU, as R
``subset(design, ...)`` does. Filtering rows and building a new design understates the
uncertainty of a domain that is not in every PSU.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
import pandas as pd

from stigma_analysis.evaluation._common import _as_tuple, _check_choice, _check_level, _require, _z

__all__ = [
    "SurveyDesign",
    "survey_design",
    "survey_glm",
    "survey_mean",
    "survey_proportion",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class SurveyDesign:
    """A complex survey design: data, weights, strata, PSUs, finite-population corrections.

    Build with :func:`survey_design`; take subgroups with :meth:`subset`.

    Attributes
    ----------
    data : pandas.DataFrame
        The sample (every sampled row, also those outside the domain).
    weights : numpy.ndarray
        Sampling weights (inverse inclusion probabilities); zero outside the domain.
    strata : numpy.ndarray
        Stratum codes (one stratum when the design has none).
    psu : numpy.ndarray
        PSU codes, unique across strata (every row its own PSU when the design has none).
    fpc : numpy.ndarray
        Per row, the sampling fraction of PSUs in its stratum (0: with replacement / infinite).
    n_psu : numpy.ndarray
        Per row, the number of sampled PSUs in its stratum.
    domain : numpy.ndarray
        Boolean: rows in the current domain.
    """

    data: pd.DataFrame
    weights: np.ndarray
    strata: np.ndarray
    psu: np.ndarray
    fpc: np.ndarray
    n_psu: np.ndarray
    domain: np.ndarray

    def subset(self, condition: Any) -> SurveyDesign:
        """The design restricted to a domain (rows outside get weight zero, not removed).

        Parameters
        ----------
        condition : str or boolean array
            A :meth:`pandas.DataFrame.eval` expression on the data (``"site == 'north'"``) or
            a boolean array / Series of the data's length. Missing counts as outside.

        Returns
        -------
        SurveyDesign
        """
        mask = self.data.eval(condition) if isinstance(condition, str) else condition
        values = np.asarray(mask)
        if values.shape != (len(self.data),):
            raise ValueError(
                f"condition must have one value per row ({len(self.data)}), got shape "
                f"{values.shape}"
            )
        mask = pd.Series(values, index=self.data.index)
        keep = mask.fillna(False).astype(bool).to_numpy()
        domain = self.domain & keep
        return replace(self, domain=domain, weights=np.where(domain, self.weights, 0.0))

    @property
    def degrees_of_freedom(self) -> int:
        """PSUs minus strata, counting those with a row in the domain (R ``degf``)."""
        psu = self.psu[self.domain]
        strata = self.strata[self.domain]
        return int(pd.unique(psu).size - pd.unique(strata).size)


def survey_design(
    data: pd.DataFrame,
    *,
    weights: str,
    strata: str | None = None,
    psu: str | None = None,
    fpc: str | None = None,
) -> SurveyDesign:
    """Describe how a sample was drawn: weights, strata, PSUs (clusters) and fpc.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent.
    weights : str
        Sampling-weight column (positive: inverse probabilities of selection).
    strata : str, optional
        Stratum column.
    psu : str, optional
        Primary sampling unit (cluster, e.g. site) column; PSU codes are nested in strata.
    fpc : str, optional
        Finite-population correction: per row, the number of PSUs in its stratum's population
        (> 1), or the sampling fraction (<= 1). Omitted: sampling with replacement.

    Returns
    -------
    SurveyDesign

    Notes
    -----
    One-stage design as R ``svydesign(id = ~psu, strata = ~strata, weights = ~weights,
    fpc = ~fpc)``; later stages of a multi-stage design are ignored (the usual "ultimate
    cluster" approximation when PSUs are sampled with replacement). A stratum with a single
    PSU cannot give a variance and is an error (R's default ``survey.lonely.psu = "fail"``).

    Checked against: R survey 4.1.1 on ``apiclus1`` and ``apistrat``
    (tests/results/survey_api.R).
    """
    cols = [c for c in (weights, strata, psu, fpc) if c is not None]
    _require(data, cols)
    frame = data.reset_index(drop=True)
    missing = [c for c in cols if frame[c].isna().any()]
    if missing:
        raise ValueError(f"design column(s) {missing} have missing values")
    w = frame[weights].to_numpy(dtype=float)
    if not np.all(np.isfinite(w) & (w > 0)):
        raise ValueError(f"weights column {weights!r} must be positive and finite")
    n = len(frame)
    strata_codes = (
        pd.factorize(frame[strata])[0] if strata is not None else np.zeros(n, dtype=np.int64)
    )
    if psu is None:
        psu_codes = np.arange(n)
    else:
        psu_codes = pd.factorize(pd.MultiIndex.from_arrays([strata_codes, frame[psu]]))[0]
    per_stratum = pd.Series(psu_codes).groupby(strata_codes).nunique()
    lonely = per_stratum[per_stratum < 2]
    if len(lonely):
        label = (
            frame[strata].iloc[np.flatnonzero(strata_codes == lonely.index[0])[0]]
            if strata
            else "all"
        )
        raise ValueError(
            f"stratum {label!r} has a single PSU: no variance can be estimated "
            f"(merge it with a similar stratum)"
        )
    n_psu = per_stratum.reindex(strata_codes).to_numpy(dtype=float)
    if fpc is None:
        fraction = np.zeros(n)
    else:
        raw = frame[fpc].to_numpy(dtype=float)
        fraction = np.where(raw > 1, n_psu / raw, raw)
        if np.any((fraction < 0) | (fraction > 1)):
            raise ValueError(f"fpc column {fpc!r} gives sampling fractions outside [0, 1]")
    return SurveyDesign(
        data=frame,
        weights=w,
        strata=strata_codes,
        psu=psu_codes,
        fpc=fraction,
        n_psu=n_psu,
        domain=np.ones(n, dtype=bool),
    )


def _linearised_cov(design: SurveyDesign, influence: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Variance of sums of influence values: between-PSU within strata (R ``svyrecvar``)."""
    z = np.zeros((len(design.weights), influence.shape[1]))
    z[rows] = influence
    psu_totals = pd.DataFrame(z).groupby(design.psu, sort=True).sum()
    first = pd.Series(np.arange(len(design.psu))).groupby(design.psu, sort=True).first()
    stratum = design.strata[first.to_numpy()]
    n_h = design.n_psu[first.to_numpy()]
    f_h = design.fpc[first.to_numpy()]
    totals = psu_totals.to_numpy()
    centred = totals - pd.DataFrame(totals).groupby(stratum).transform("mean").to_numpy()
    scale = (n_h / (n_h - 1)) * (1 - f_h)
    return (centred * scale[:, None]).T @ centred


def _domain_rows(design: SurveyDesign, columns: Sequence[str]) -> np.ndarray:
    _require(design.data, columns, "design.data")
    ok = design.domain & design.data[list(columns)].notna().all(axis=1).to_numpy()
    if not ok.any():
        raise ValueError(f"no rows in the domain with {list(columns)} observed")
    return ok


def survey_mean(
    design: SurveyDesign, variables: str | Sequence[str], *, ci_level: float = 0.95
) -> pd.DataFrame:
    """Design-based means with Taylor-linearised standard errors.

    Parameters
    ----------
    design : SurveyDesign
        From :func:`survey_design` (optionally :meth:`SurveyDesign.subset`).
    variables : str or sequence of str
        Numeric columns. Rows missing any of them are left out of the domain.
    ci_level : float, default 0.95

    Returns
    -------
    pandas.DataFrame
        One row per variable: ``variable, estimate, se, ci_low, ci_high, n`` (rows used);
        normal-theory interval, as R ``confint(svymean(...))``.

    Notes
    -----
    :math:`\\hat\\mu = \\sum w_i y_i / \\sum w_i`; influence values
    :math:`z_i = w_i (y_i - \\hat\\mu)/\\sum w_i` are summed per PSU and their between-PSU
    variance within strata, :math:`\\sum_h (1 - f_h)\\frac{n_h}{n_h - 1}\\sum_j
    (z_{hj} - \\bar z_h)^2`, is the variance of :math:`\\hat\\mu`.

    Checked against: R survey 4.1.1 ``svymean`` on ``apiclus1`` (cluster design with fpc),
    ``apistrat`` (stratified) and their domains (``subset``) to 1e-10
    (tests/results/survey_api.R).

    Examples
    --------
    >>> import pandas as pd
    >>> from stigma_analysis.evaluation import survey_design, survey_mean
    >>> d = pd.DataFrame({"site": [1, 1, 2, 2, 3, 3], "w": [2.0, 2.0, 1.0, 1.0, 3.0, 3.0],
    ...                   "y": [1.0, 2.0, 2.0, 3.0, 4.0, 5.0]})
    >>> survey_mean(survey_design(d, weights="w", psu="site"), "y").round(3)
      variable  estimate     se  ci_low  ci_high  n
    0        y     3.167  1.072   1.067    5.267  6
    """
    level = _check_level(ci_level, "ci_level")
    variables = _as_tuple(variables, "variables")
    rows_out = []
    for var in variables:
        rows = _domain_rows(design, [var])
        y = design.data.loc[rows, var].to_numpy(dtype=float)
        w = design.weights[rows]
        total = w.sum()
        mu = float(w @ y / total)
        cov = _linearised_cov(design, (w * (y - mu) / total)[:, None], rows)
        se = math.sqrt(float(cov[0, 0]))
        z = _z(level)
        rows_out.append(
            {
                "variable": var,
                "estimate": mu,
                "se": se,
                "ci_low": mu - z * se,
                "ci_high": mu + z * se,
                "n": int(rows.sum()),
            }
        )
    return pd.DataFrame(rows_out, columns=["variable", "estimate", "se", "ci_low", "ci_high", "n"])


def survey_proportion(
    design: SurveyDesign, variable: str, *, ci_level: float = 0.95
) -> pd.DataFrame:
    """Design-based proportions of each level of a categorical variable.

    Parameters
    ----------
    design : SurveyDesign
    variable : str
        A categorical, text, boolean or 0/1 column; missing values are left out.
    ci_level : float, default 0.95

    Returns
    -------
    pandas.DataFrame
        One row per level (sorted): ``variable, level, estimate, se, ci_low, ci_high, n``;
        the mean of each level's indicator, as R ``svymean(~factor(x), design)``. The Wald
        interval is clipped to [0, 1].

    Checked against: R survey 4.1.1 ``svymean`` of a 0/1 variable on ``apiclus1`` and
    ``apistrat`` to 1e-10 (tests/results/survey_api.R).
    """
    rows = _domain_rows(design, [variable])
    values = design.data[variable]
    levels = sorted(pd.unique(values[rows]), key=str)
    indicators = pd.DataFrame(
        {
            f"_level_{i}": (values == lev).astype(float).where(values.notna())
            for i, lev in enumerate(levels)
        }
    )
    sub = replace(design, data=indicators)
    out = survey_mean(sub, list(indicators.columns), ci_level=ci_level)
    out.insert(1, "level", levels)
    out["variable"] = variable
    out["ci_low"] = out["ci_low"].clip(0, 1)
    out["ci_high"] = out["ci_high"].clip(0, 1)
    return out


def survey_glm(
    design: SurveyDesign,
    formula: str,
    *,
    family: Literal["gaussian", "binomial"] = "gaussian",
    ci_level: float = 0.95,
) -> pd.DataFrame:
    """Design-based regression (weighted GLM, Taylor-linearised sandwich standard errors).

    Parameters
    ----------
    design : SurveyDesign
    formula : str
        A patsy formula on the design's data, e.g. ``"score ~ arm + age"``. Rows missing any
        model variable are left out of the domain.
    family : {"gaussian", "binomial"}, default "gaussian"
        Linear regression or logistic regression (0/1 outcome; quasi-binomial, as survey
        designs call for).
    ci_level : float, default 0.95

    Returns
    -------
    pandas.DataFrame
        One row per term: ``term, estimate, se, t, df, p, ci_low, ci_high``; ``df`` is the
        design's degrees of freedom (PSUs - strata) minus the number of coefficients plus one,
        as R ``summary(svyglm(...))``, and t intervals on it.

    Notes
    -----
    Coefficients solve the weighted score equations :math:`\\sum_i w_i x_i(y_i - \\mu_i) = 0`.
    With :math:`A = \\sum w_i v_i x_i x_i'` (:math:`v_i` the variance function), the influence
    of row i is :math:`A^{-1} x_i w_i (y_i - \\mu_i)`; their linearised variance (as for
    :func:`survey_mean`) is the sandwich covariance (Binder 1983).

    References
    ----------
    Binder, D. A. (1983). On the variances of asymptotically normal estimators from complex
    surveys. *International Statistical Review*, 51(3), 279-292.
    Lumley, T. (2010). *Complex Surveys: A Guide to Analysis Using R*. Wiley.

    Checked against: R survey 4.1.1 ``svyglm`` (gaussian and quasibinomial) on ``apiclus1``,
    ``apistrat`` and a domain of ``apiclus1``: coefficients and SEs to 1e-8
    (tests/results/survey_api.R).
    """
    import patsy
    from scipy import stats

    _check_choice(family, "family", ("gaussian", "binomial"))
    level = _check_level(ci_level, "ci_level")
    try:
        y_frame, x_frame = patsy.dmatrices(
            formula, design.data, return_type="dataframe", NA_action=patsy.NAAction("drop")
        )
    except patsy.PatsyError as exc:
        raise ValueError(f"formula {formula!r}: {exc}") from exc
    if y_frame.shape[1] != 1:
        raise ValueError(f"formula {formula!r} must have one numeric outcome")
    kept = np.zeros(len(design.data), dtype=bool)
    kept[y_frame.index.to_numpy()] = True
    rows = kept & design.domain
    if not rows.any():
        raise ValueError(f"no rows in the domain with every variable of {formula!r} observed")
    pos = np.flatnonzero(rows)
    y = y_frame.loc[pos].to_numpy(dtype=float)[:, 0]
    X = x_frame.loc[pos].to_numpy(dtype=float)
    w = design.weights[pos]
    if family == "binomial" and not np.all((y == 0) | (y == 1)):
        raise ValueError(f"family='binomial' needs a 0/1 outcome in {formula!r}")
    beta, mu, v = _irls(X, y, w, family)
    A = X.T @ (X * (w * v)[:, None])
    try:
        A_inv = np.linalg.inv(A)
    except np.linalg.LinAlgError as exc:
        raise ValueError(f"the model matrix of {formula!r} is singular in this domain") from exc
    influence = (X * (w * (y - mu))[:, None]) @ A_inv
    cov = _linearised_cov(design, influence, rows)
    se = np.sqrt(np.diag(cov))
    df = max(design.degrees_of_freedom - X.shape[1] + 1, 1)
    t = beta / se
    crit = stats.t.isf((1 - level) / 2, df)
    return pd.DataFrame(
        {
            "term": list(x_frame.columns),
            "estimate": beta,
            "se": se,
            "t": t,
            "df": float(df),
            "p": 2 * stats.t.sf(np.abs(t), df),
            "ci_low": beta - crit * se,
            "ci_high": beta + crit * se,
        }
    )


def _irls(
    X: np.ndarray, y: np.ndarray, w: np.ndarray, family: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weighted least squares, or weighted logistic regression by Newton-Raphson."""
    if family == "gaussian":
        sw = np.sqrt(w)
        beta = np.linalg.lstsq(X * sw[:, None], y * sw, rcond=None)[0]
        return beta, X @ beta, np.ones_like(y)
    beta = np.zeros(X.shape[1])
    for _ in range(100):
        eta = X @ beta
        mu = 1 / (1 + np.exp(-eta))
        v = mu * (1 - mu)
        step = np.linalg.solve(X.T @ (X * (w * v)[:, None]), X.T @ (w * (y - mu)))
        beta = beta + step
        if np.max(np.abs(step)) < 1e-12 * (1 + np.max(np.abs(beta))):
            break
    mu = 1 / (1 + np.exp(-(X @ beta)))
    return beta, mu, mu * (1 - mu)
