"""Multiple imputation by chained equations, pooled analyses and complete-case comparisons."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from stigma_analysis._checks import DEFAULT_SEED
from stigma_analysis.models._pool import pool
from stigma_analysis.models._regression import Family, _formula_columns, fit_model

__all__ = ["COMPARISON_COLUMNS", "Imputation", "compare_complete_case", "fit_imputed", "impute"]

#: Columns of :func:`compare_complete_case`'s table, in order.
COMPARISON_COLUMNS: tuple[str, ...] = (
    "term",
    "method",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "p",
    "n",
    "fmi",
)


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class Imputation:
    """m completed versions of a data set.

    Attributes
    ----------
    data : pandas.DataFrame
        The original data (never modified).
    columns : tuple of str
        Columns of the imputation model (targets and predictors).
    imputed : tuple of str
        The columns that had missing values and were imputed.
    m, n_iter : int
        Number of imputations and of chained-equation iterations.
    method : str
        ``"pmm"`` or ``"norm"`` for numeric columns (factors: multinomial logit draws).
    seed : int or None
        The seed used.
    values : dict of str to numpy.ndarray
        For each imputed column, an (m, n_missing) array of imputed values, in row order.
    chain_means : pandas.DataFrame
        Convergence diagnostics: ``iteration, imputation, column, mean`` (mean of the imputed
        values of each numeric column after each iteration, per chain; plot against iteration,
        the chains should mix).
    """

    data: pd.DataFrame
    columns: tuple[str, ...]
    imputed: tuple[str, ...]
    m: int
    n_iter: int
    method: str
    seed: int | None
    values: dict[str, np.ndarray] = field(repr=False)
    chain_means: pd.DataFrame = field(repr=False)

    def complete(self, i: int) -> pd.DataFrame:
        """The i-th completed data set (0 ≤ i < m), a copy of ``data`` with the gaps filled."""
        if not 0 <= i < self.m:
            raise ValueError(f"i must be between 0 and {self.m - 1}; got {i!r}")
        out = self.data.copy()
        for col, vals in self.values.items():
            mask = out[col].isna().to_numpy()
            s = out[col]
            if isinstance(s.dtype, pd.CategoricalDtype):
                new = s.astype(object).to_numpy().copy()
                new[mask] = vals[i]
                out[col] = pd.Categorical(new, categories=s.cat.categories, ordered=s.cat.ordered)
            else:
                arr = s.to_numpy(
                    dtype=object if vals.dtype == object else float, na_value=np.nan
                ).copy()
                arr[mask] = vals[i]
                out[col] = pd.Series(arr, index=out.index).infer_objects()
        return out

    def datasets(self) -> list[pd.DataFrame]:
        """All m completed data sets."""
        return [self.complete(i) for i in range(self.m)]

    def stacked(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """The m completed data sets stacked (m × n rows, imputation-major), selected columns.

        Built column by column from arrays (no per-data-set copies); factor columns keep
        their categories so every level appears in designs built from the stack.
        """
        cols = list(self.data.columns) if columns is None else list(columns)
        m = self.m
        out: dict[str, Any] = {}
        for col in cols:
            s = self.data[col]
            if col not in self.values:
                out[col] = (
                    np.tile(s.to_numpy(), m)
                    if not isinstance(s.dtype, pd.CategoricalDtype)
                    else pd.Categorical(
                        np.tile(s.astype(object).to_numpy(), m),
                        categories=s.cat.categories,
                        ordered=s.cat.ordered,
                    )
                )
                continue
            vals = self.values[col]
            mask = np.tile(s.isna().to_numpy(), m)
            if vals.dtype == object:
                arr = np.tile(s.astype(object).to_numpy(), m)
                arr[mask] = vals.ravel()
                cats = s.cat.categories if isinstance(s.dtype, pd.CategoricalDtype) else None
                out[col] = pd.Categorical(arr, categories=cats)
            else:
                arr = np.tile(s.to_numpy(dtype=float, na_value=np.nan), m)
                arr[mask] = vals.ravel()
                out[col] = arr
        return pd.DataFrame(out)

    def to_frame(self) -> pd.DataFrame:
        """Long format (as ``mice::complete(imp, "long")``): column ``imputation`` = 1..m first."""
        frames = []
        for i in range(self.m):
            d = self.complete(i)
            d.insert(0, "imputation", i + 1)
            frames.append(d)
        return pd.concat(frames, ignore_index=True)


def _is_categorical(s: pd.Series) -> bool:
    return not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)


def impute(
    data: pd.DataFrame,
    *,
    m: int = 20,
    n_iter: int = 10,
    seed: int | None = DEFAULT_SEED,
    method: Literal["pmm", "norm"] = "pmm",
    columns: Sequence[str] | None = None,
    categorical: Sequence[str] = (),
    donors: int = 5,
) -> Imputation:
    """Multiple imputation by chained equations (van Buuren's MICE), vectorised over imputations.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent (or respondent × wave).
    m : int
        Number of imputed data sets.
    n_iter : int
        Iterations of the chained equations (mice's ``maxit``).
    seed : int, optional
        Seed (results are reproducible for a given seed).
    method : {"pmm", "norm"}
        Numeric columns: predictive mean matching (keeps observed values, e.g. Likert answers
        1-4) or Bayesian linear regression draws.
    columns : sequence of str, optional
        Columns of the imputation model (every one is a predictor of the others; those with
        missing values are imputed). Default: all columns of ``data``. Other columns pass
        through unchanged.
    categorical : sequence of str
        Numeric-coded columns to treat as unordered factors. Non-numeric and boolean columns are
        always factors.
    donors : int
        PMM donor pool size (mice's default 5).

    Returns
    -------
    Imputation
        ``.complete(i)``, ``.datasets()``, ``.to_frame()``, ``.chain_means``.

    Notes
    -----
    The algorithm follows ``mice()`` with its defaults: each incomplete column starts from random
    draws of its observed values; then, for ``n_iter`` iterations, the columns are visited in
    order and each is regressed on all other columns (factors as treatment dummies) in the rows
    where it is observed. Numeric columns use mice's ``.norm.draw`` (ridge 1e-5 × diag(X'X),
    σ* = sqrt(RSS / χ²_{n−p}), β* = β̂ + σ* chol(V) z) followed by type-1 predictive mean
    matching (observed rows predicted with β̂, missing rows with β*; one of the ``donors``
    nearest observed values is drawn at random). Factors use a penalised multinomial logistic
    regression (Newton steps), a draw of its coefficients from their normal approximation and a
    draw of the category from the implied probabilities; mice's ``polyreg`` samples from the
    fitted probabilities without the coefficient draw. All m chains run together: each visit
    solves the m regressions as one batch.

    References
    ----------
    van Buuren S, Groothuis-Oudshoorn K (2011). mice: Multivariate Imputation by Chained
    Equations in R. J Stat Softw 45(3). van Buuren S (2018). Flexible Imputation of Missing
    Data, 2nd ed., §3.4 (PMM).

    Checked against: mice 3.15.0 (m = 20, maxit = 10, pmm/polyreg) on a 600-row MAR data set:
    pooled regression estimates within Monte Carlo error of mice's (tests/results/mice_pool.R).
    """
    from stigma_analysis.models._mice import MiceState, run_chains

    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame; got {type(data).__name__}")
    if method not in ("pmm", "norm"):
        raise ValueError(f"method must be 'pmm' or 'norm'; got {method!r}")
    for name, val, low in (("m", m, 1), ("n_iter", n_iter, 1), ("donors", donors, 1)):
        if not isinstance(val, (int, np.integer)) or val < low:
            raise ValueError(f"{name} must be an integer >= {low}; got {val!r}")
    cols = list(data.columns) if columns is None else list(dict.fromkeys(columns))
    if isinstance(categorical, str):
        categorical = [categorical]
    unknown = [c for c in [*cols, *categorical] if c not in data.columns]
    if unknown:
        raise ValueError(f"column(s) not in data: {unknown}")
    if len(data) < 3:
        raise ValueError(f"data must have at least 3 rows; got {len(data)}")
    empty = [c for c in cols if data[c].isna().all()]
    if empty:
        raise ValueError(f"column(s) with no observed value cannot be imputed: {empty}")

    cat_cols = [c for c in cols if c in set(categorical) or _is_categorical(data[c])]
    num_cols = [c for c in cols if c not in cat_cols]
    n = len(data)
    num = data[num_cols].to_numpy(dtype=float, na_value=np.nan) if num_cols else np.zeros((n, 0))
    levels: list[np.ndarray] = []
    codes = np.zeros((n, len(cat_cols)), dtype=np.int64)
    for c, col in enumerate(cat_cols):
        s = data[col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            lv = np.asarray(s.cat.categories, dtype=object)
            cd = s.cat.codes.to_numpy().astype(np.int64)
        else:
            cd, uniques = pd.factorize(s, sort=True)
            lv = np.asarray(uniques, dtype=object)
        codes[:, c] = cd
        levels.append(lv)
    miss_num = np.isnan(num)
    miss_cat = codes < 0
    rng = np.random.default_rng(seed)
    state = MiceState(
        num=np.repeat(np.nan_to_num(num)[None], m, axis=0),
        cat=np.repeat(np.where(miss_cat, 0, codes)[None], m, axis=0),
        n_levels=[len(lv) for lv in levels],
    )
    means = run_chains(
        state, miss_num, miss_cat, n_iter=n_iter, method=method, donors=donors, rng=rng
    )

    values: dict[str, np.ndarray] = {}
    for j, col in enumerate(num_cols):
        if miss_num[:, j].any():
            values[col] = state.num[:, miss_num[:, j], j].copy()
    for c, col in enumerate(cat_cols):
        if miss_cat[:, c].any():
            values[col] = levels[c][state.cat[:, miss_cat[:, c], c]]
            if not isinstance(
                data[col].dtype, pd.CategoricalDtype
            ) and pd.api.types.is_numeric_dtype(data[col]):
                values[col] = values[col].astype(float)
    imputed_num = [j for j in range(len(num_cols)) if miss_num[:, j].any()]
    it, ch, jj = np.meshgrid(np.arange(n_iter), np.arange(m), imputed_num, indexing="ij")
    chain_means = pd.DataFrame(
        {
            "iteration": it.ravel() + 1,
            "imputation": ch.ravel() + 1,
            "column": np.asarray(num_cols, dtype=object)[jj.ravel()] if imputed_num else [],
            "mean": means[:, :, imputed_num].ravel(),
        }
    )
    ordered = tuple(c for c in cols if c in values)
    return Imputation(
        data=data,
        columns=tuple(cols),
        imputed=ordered,
        m=m,
        n_iter=n_iter,
        method=method,
        seed=seed,
        values={c: values[c] for c in ordered},
        chain_means=chain_means,
    )


def _batched_ols(Xs: np.ndarray, ys: np.ndarray, cov_type: str) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients and their variances for m regressions at once: Xs (m, n, p), ys (m, n)."""
    G = np.linalg.inv(Xs.transpose(0, 2, 1) @ Xs)
    beta = (G @ (Xs.transpose(0, 2, 1) @ ys[:, :, None]))[:, :, 0]
    e = ys - np.einsum("mnp,mp->mn", Xs, beta)
    n, p = Xs.shape[1:]
    if cov_type == "nonrobust":
        s2 = np.sum(e**2, axis=1) / (n - p)
        var = s2[:, None] * np.einsum("mii->mi", G)
    else:  # HC3
        h = np.einsum("mnp,mpq,mnq->mn", Xs, G, Xs)
        w = (e / (1 - h)) ** 2
        meat = (Xs * w[:, :, None]).transpose(0, 2, 1) @ Xs
        var = np.einsum("mii->mi", G @ meat @ G)
    return beta, var


def fit_imputed(
    data: pd.DataFrame,
    formula: str,
    *,
    m: int = 20,
    n_iter: int = 10,
    seed: int | None = DEFAULT_SEED,
    family: Family = "gaussian",
    method: Literal["pmm", "norm"] = "pmm",
    categorical: Sequence[str] = (),
    auxiliary: Sequence[str] = (),
    imputation: Imputation | None = None,
    ci_level: float = 0.95,
    **model_kwargs: Any,
) -> pd.DataFrame:
    """Impute, fit a model on each completed data set, and pool by Rubin's rules.

    Parameters
    ----------
    data : pandas.DataFrame
        Data with missing values.
    formula : str
        Model formula (as :func:`fit_model`).
    m, n_iter, seed, method, categorical
        Passed to :func:`impute`.
    family : str
        Model family (as :func:`fit_model`).
    auxiliary : sequence of str
        Extra columns for the imputation model only (predictors of missingness or of the
        incomplete variables).
    imputation : Imputation, optional
        Reuse an existing imputation instead of imputing again.
    ci_level : float
        Confidence level.
    **model_kwargs
        Passed to :func:`fit_model` (``groups``, ``re_formula``, ``cov_type``, ...).

    Returns
    -------
    pandas.DataFrame
        One row per term with the columns of :func:`pool` (``term, estimate, within, between,
        total, se, df, riv, lambda, fmi, ci_low, ci_high, p, m``). ``attrs["warnings"]`` holds
        the distinct plain-language warnings from the m fits.

    Notes
    -----
    The imputation model holds every column the formula uses, plus ``time``, ``weights`` and
    ``auxiliary`` columns (``groups`` and ``cluster`` ids are carried along, not used as
    predictors; use ``auxiliary`` for wave-level or site-level predictors). Gaussian models without weights or clusters are fitted
    for all m data sets at once (batched normal equations; ``cov_type`` ``"HC3"``, the default
    of :func:`fit_model`, or ``"nonrobust"`` as ``lm`` in mice); other models are fitted one by
    one with :func:`fit_model`. The complete-data df is ``n - k`` (k coefficients).

    Checked against: mice 3.15.0 ``pool(with(imp, lm(...)))`` on a 600-row MAR data set
    (estimates within Monte Carlo error; see tests/results/mice_pool.R).
    """
    import patsy

    if imputation is None:
        # ids and cluster labels are not predictors: they pass through the completed data
        extra = [model_kwargs.get(k) for k in ("time", "weights")]
        cols = list(
            dict.fromkeys(
                _formula_columns(formula, data) + [c for c in extra if c] + list(auxiliary)
            )
        )
        imputation = impute(
            data,
            m=m,
            n_iter=n_iter,
            seed=seed,
            method=method,
            columns=cols,
            categorical=categorical,
        )
    cov_type = model_kwargs.get("cov_type") or "HC3"
    fast = (
        family == "gaussian"
        and cov_type in ("HC3", "nonrobust")
        and all(model_kwargs.get(k) is None for k in ("weights", "cluster"))
        and set(model_kwargs) <= {"cov_type"}
    )
    msgs: list[str] = []
    if fast:
        # one design matrix for the m data sets stacked (one patsy pass), then batched OLS
        used = list(dict.fromkeys(_formula_columns(formula, data)))
        long = imputation.stacked(used)
        y_all, X_all = patsy.dmatrices(formula, long, NA_action="raise", return_type="matrix")
        n_obs = len(data)
        ys = np.asarray(y_all)[:, 0].reshape(imputation.m, n_obs)
        Xs = np.asarray(X_all).reshape(imputation.m, n_obs, -1)
        beta, var = _batched_ols(Xs, ys, cov_type)
        names = list(X_all.design_info.column_names)
        k = Xs.shape[2]
    else:
        fits = [
            fit_model(d, formula, family=family, ci_level=ci_level, **model_kwargs)
            for d in imputation.datasets()
        ]
        coefs = [f.coefficients for f in fits]
        names = list(coefs[0]["term"])
        beta = np.stack([c["estimate"].to_numpy(float) for c in coefs])
        var = np.stack([c["se"].to_numpy(float) ** 2 for c in coefs])
        n_obs, k = int(fits[0].summary["n"].iloc[0]), len(names)
        for f in fits:
            msgs += [w for w in f.warnings if w not in msgs]
    out = pool(
        pd.DataFrame(beta, columns=names),
        pd.DataFrame(var, columns=names),
        n_obs=n_obs,
        n_params=k,
        ci_level=ci_level,
    )
    out.attrs["warnings"] = tuple(msgs)
    return out


def compare_complete_case(
    data: pd.DataFrame,
    formula: str,
    *,
    m: int = 20,
    n_iter: int = 10,
    seed: int | None = DEFAULT_SEED,
    family: Family = "gaussian",
    method: Literal["pmm", "norm"] = "pmm",
    categorical: Sequence[str] = (),
    auxiliary: Sequence[str] = (),
    ci_level: float = 0.95,
    **model_kwargs: Any,
) -> pd.DataFrame:
    """Complete-case analysis next to the multiply imputed one, term by term.

    Parameters
    ----------
    data, formula, m, n_iter, seed, family, method, categorical, auxiliary, ci_level,
    **model_kwargs
        As :func:`fit_imputed` (and :func:`fit_model` for the complete-case fit).

    Returns
    -------
    pandas.DataFrame
        Long table, two rows per term (``method`` = ``"complete_case"`` then
        ``"multiple_imputation"``): ``term, method, estimate, se, ci_low, ci_high, p, n, fmi``.
        ``n`` is the rows used (complete cases vs all rows); ``fmi`` is NaN for complete cases.
    """
    cc = fit_model(data, formula, family=family, ci_level=ci_level, **model_kwargs)
    mi = fit_imputed(
        data,
        formula,
        m=m,
        n_iter=n_iter,
        seed=seed,
        family=family,
        method=method,
        categorical=categorical,
        auxiliary=auxiliary,
        ci_level=ci_level,
        **model_kwargs,
    )
    c = cc.coefficients
    n_cc = int(cc.summary["n"].iloc[0])
    left = pd.DataFrame(
        {
            "term": c["term"],
            "method": "complete_case",
            "estimate": c["estimate"],
            "se": c["se"],
            "ci_low": c["ci_low"],
            "ci_high": c["ci_high"],
            "p": c["p"],
            "n": n_cc,
            "fmi": np.nan,
        }
    )
    right = pd.DataFrame(
        {
            "term": mi["term"],
            "method": "multiple_imputation",
            "estimate": mi["estimate"],
            "se": mi["se"],
            "ci_low": mi["ci_low"],
            "ci_high": mi["ci_high"],
            "p": mi["p"],
            "n": len(data),
            "fmi": mi["fmi"],
        }
    )
    out = pd.concat([left, right], ignore_index=True)
    order = {t: i for i, t in enumerate(c["term"])}
    out["_o"] = out["term"].map(order).fillna(len(order))
    out = out.sort_values(["_o", "method"], kind="stable").drop(columns="_o").reset_index(drop=True)
    return out[list(COMPARISON_COLUMNS)]
