"""Simple mediation with vectorised bootstrap intervals, and moderation with simple slopes."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from stigma_analysis._checks import DEFAULT_SEED

__all__ = [
    "MEDIATION_COLUMNS",
    "MODERATION_COLUMNS",
    "DegenerateResampleWarning",
    "mediation",
    "moderation",
]


class DegenerateResampleWarning(UserWarning):
    """Some bootstrap resamples had no unique regression solution and were dropped."""


#: Columns of :func:`mediation`'s table, in order.
MEDIATION_COLUMNS: tuple[str, ...] = (
    "path",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "p",
    "ci_method",
    "boot_se",
    "ci_low_percentile",
    "ci_high_percentile",
    "ci_low_bca",
    "ci_high_bca",
    "n",
    "n_boot_used",
    "n_boot_dropped",
)

#: Columns of :func:`moderation`'s table, in order.
MODERATION_COLUMNS: tuple[str, ...] = (
    "term",
    "w_value",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "p",
)


def _numeric_frame(
    data: pd.DataFrame, cols: Sequence[str], covariates: Sequence[str]
) -> tuple[pd.DataFrame, list[str]]:
    """Listwise-complete numeric data; non-numeric covariates become treatment dummies."""
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame; got {type(data).__name__}")
    if isinstance(covariates, str):
        covariates = [covariates]
    missing = [c for c in [*cols, *covariates] if c not in data.columns]
    if missing:
        raise ValueError(f"column(s) not in data: {missing}")
    if len(set(cols)) != len(cols):
        raise ValueError(f"x, m/w and y must be different columns; got {list(cols)}")
    df = data.loc[:, list(dict.fromkeys([*cols, *covariates]))].dropna()
    for c in cols:
        if not (pd.api.types.is_numeric_dtype(df[c]) or pd.api.types.is_bool_dtype(df[c])):
            raise TypeError(f"column {c!r} must be numeric; got {df[c].dtype}")
    cov_cols: list[str] = []
    parts = [df[list(cols)].astype(float)]
    for c in covariates:
        s = df[c]
        if pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
            parts.append(s.astype(float).to_frame(c))
            cov_cols.append(c)
        else:
            dummies = pd.get_dummies(s, prefix=c, prefix_sep="[T.", drop_first=True, dtype=float)
            dummies.columns = [f"{k}]" for k in dummies.columns]
            parts.append(dummies)
            cov_cols += list(dummies.columns)
    out = pd.concat(parts, axis=1)
    return out, cov_cols


def _ols(Z: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Closed-form OLS: coefficients, classical covariance, residual df."""
    beta, *_ = np.linalg.lstsq(Z, y, rcond=None)
    resid = y - Z @ beta
    df = Z.shape[0] - Z.shape[1]
    if df <= 0:
        raise ValueError(f"too few complete rows ({Z.shape[0]}) for {Z.shape[1]} coefficients")
    s2 = float(resid @ resid) / df
    cov = s2 * np.linalg.inv(Z.T @ Z)
    return beta, cov, df


def _resample_counts(rng: np.random.Generator, n: int, n_boot: int) -> np.ndarray:
    """(n_boot, n) float counts of each respondent in each resample (rows drawn with replacement).

    One bincount over offset indices: much faster than ``rng.multinomial`` row by row.
    """
    # 16-bit draws are generated about twice as fast; the offsets need 64-bit indices
    small = np.uint16 if n <= np.iinfo(np.uint16).max else np.int64
    idx = rng.integers(0, n, size=(n_boot, n), dtype=small).astype(np.int64)
    idx += (n * np.arange(n_boot))[:, None]
    return np.bincount(idx.ravel(), minlength=n * n_boot).reshape(n_boot, n).astype(float)


def _degenerate(S: np.ndarray, idx: list[int]) -> np.ndarray:
    """Resamples whose cross-product block on columns `idx` is (numerically) singular.

    The block is scaled to unit diagonal first (so that a predictor's units do not matter); a
    resample is degenerate when the smallest eigenvalue of the scaled block is below 1e-10,
    e.g. when a binary covariate takes one value only in that resample (it is then collinear
    with the intercept) or when every drawn row is the same respondent.
    """
    A = S[:, idx][:, :, idx]
    d = np.einsum("bii->bi", A)
    bad = np.any(d <= 0, axis=1)
    scale = 1.0 / np.sqrt(np.where(d > 0, d, 1.0))
    C = A * scale[:, :, None] * scale[:, None, :]
    return bad | (np.linalg.eigvalsh(C)[:, 0] < 1e-10)


def _batched_coef(S: np.ndarray, idx: list[int], target: int) -> np.ndarray:
    """Coefficients of `target` on columns `idx` from batched cross-product matrices S (B, q, q)."""
    A = S[:, idx][:, :, idx]
    rhs = S[:, idx, target]
    return np.linalg.solve(A, rhs[..., None])[..., 0]


def mediation(
    data: pd.DataFrame,
    *,
    x: str,
    m: str,
    y: str,
    covariates: Sequence[str] = (),
    n_boot: int = 5000,
    ci_level: float = 0.95,
    ci: Literal["bca", "percentile"] = "bca",
    seed: int | np.random.Generator | None = DEFAULT_SEED,
) -> pd.DataFrame:
    """Simple mediation (x → m → y) with bootstrap percentile and BCa intervals.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent; rows with a missing value in any used column are dropped.
    x, m, y : str
        Predictor (e.g. social rejection), mediator (self-stigma) and outcome (wellbeing); numeric.
    covariates : sequence of str
        Adjusted for in every regression; non-numeric columns are dummy-coded (first level as
        reference).
    n_boot : int
        Bootstrap resamples (respondents resampled with replacement).
    ci_level : float
        Confidence level.
    ci : {"bca", "percentile"}
        Which bootstrap interval goes into ``ci_low`` / ``ci_high`` for the indirect effect
        (both are always reported in their own columns).
    seed : int or numpy.random.Generator
        Seed of the bootstrap.

    Returns
    -------
    pandas.DataFrame
        Five rows, ``path`` = ``a`` (x → m), ``b`` (m → y given x), ``direct`` (x → y given m),
        ``total`` (x → y) and ``indirect`` (a × b). Columns: ``path, estimate, se, ci_low,
        ci_high, p, ci_method, boot_se, ci_low_percentile, ci_high_percentile, ci_low_bca,
        ci_high_bca, n, n_boot_used, n_boot_dropped``. For ``a, b, direct, total``: ``se``, ``ci_low``/``ci_high`` and ``p``
        are the classical OLS ones (t distribution, ``ci_method = "ols"``); for ``indirect``
        ``se`` is the bootstrap SD, the interval is the bootstrap ``ci`` and ``p`` is the
        bootstrap p-value ``2 min(#(ab* > 0), #(ab* < 0)) / n_boot_used`` (as pingouin and R
        mediation compute it). Bootstrap SDs and both bootstrap intervals are reported for
        every path. ``n_boot_used`` + ``n_boot_dropped`` = ``n_boot`` (see Warns).

    Warns
    -----
    DegenerateResampleWarning
        When some resamples were dropped: those in which a predictor or covariate is constant
        or collinear (e.g. a rare binary covariate not drawn at all: with one respondent in
        ten having it, about (0.9)^20 = 12% of the resamples at n = 20), so the regressions
        have no unique solution. As lavaan's bootstrap does, they are left out and counted;
        every bootstrap statistic uses the remaining ``n_boot_used`` resamples.

    Raises
    ------
    ValueError
        When the complete rows themselves have a constant or collinear predictor, or fewer
        than 2 resamples are usable.

    Notes
    -----
    a: ``m ~ 1 + x + C``; b and direct: ``y ~ 1 + x + m + C``; total: ``y ~ 1 + x + C``;
    indirect = a·b (= total − direct for OLS). The bootstrap draws n row indices with
    replacement per resample, counts them into ``W`` (n_boot × n) and forms every resample's
    cross-product matrix at once as
    ``W @ (v_i v_j)`` over the centred columns ``v = (1, x, C, m, y)``; each resample's
    regressions are solved from sub-blocks of it (batched normal equations), so there is no
    Python loop over resamples. BCa (Efron 1987): bias ``z0 = Φ⁻¹(#(θ* < θ̂)/B)`` and
    acceleration ``a = Σ d³ / (6 (Σ d²)^{3/2})`` from the leave-one-out (jackknife) estimates,
    computed in closed form via the hat matrix (a respondent whose removal leaves the design
    singular has no jackknife value and is left out of the acceleration).

    References
    ----------
    Hayes AF (2022). Introduction to Mediation, Moderation, and Conditional Process Analysis,
    3rd ed. Guilford. Efron B (1987). Better bootstrap confidence intervals. JASA 82:171-185.

    Examples
    --------
    >>> import pingouin as pg
    >>> d = pg.read_dataset("mediation")
    >>> res = mediation(d, x="X", m="M", y="Y", n_boot=2000, seed=1)
    >>> res[["path", "estimate", "se", "ci_low", "ci_high"]].round(3)
           path  estimate     se  ci_low  ci_high
    0         a     0.561  0.094   0.374    0.749
    1         b     0.635  0.101   0.436    0.835
    2    direct     0.040  0.110  -0.178    0.257
    3     total     0.396  0.111   0.176    0.617
    4  indirect     0.357  0.082   0.221    0.538

    Checked against: boot 1.3-28.1 in R with NA (aliased) resamples dropped, n = 20 with a
    binary covariate held by 2 respondents (dropped count, bootstrap SDs and percentile limits
    within Monte Carlo error; tests/results/mediation_degenerate.R).
    pingouin.mediation_analysis 0.7.0 on its ``mediation`` data (a, direct,
    total and indirect point estimates to 1e-8; pingouin's ``Y ~ M`` row omits x, so it is not
    our b); closed-form OLS paths to 1e-10.
    """
    from scipy import stats

    if ci not in ("bca", "percentile"):
        raise ValueError(f"ci must be 'bca' or 'percentile'; got {ci!r}")
    if not isinstance(n_boot, (int, np.integer)) or n_boot < 100:
        raise ValueError(f"n_boot must be an integer >= 100; got {n_boot!r}")
    if not 0 < ci_level < 1:
        raise ValueError(f"ci_level must be between 0 and 1; got {ci_level!r}")
    df, cov_cols = _numeric_frame(data, [x, m, y], covariates)
    n = len(df)
    k = len(cov_cols)
    # columns of V: 0 intercept, 1 x, 2..k+1 covariates, k+2 m, k+3 y (centred: slopes unchanged)
    V = np.column_stack([np.ones(n), df[[x, *cov_cols, m, y]].to_numpy(float)])
    V[:, 1:] -= V[:, 1:].mean(axis=0)
    ix, im, iy = 1, k + 2, k + 3
    pred_a = [0, ix, *range(2, k + 2)]  # m ~ 1 + x + C
    pred_y = [0, ix, im, *range(2, k + 2)]  # y ~ 1 + x + m + C

    if _degenerate((V.T @ V)[None], pred_y)[0]:
        raise ValueError(
            f"x={x!r}, m={m!r} and the covariates {list(covariates)} are collinear (or one is "
            f"constant) in the {n} complete rows: the regressions have no unique solution"
        )

    # point estimates and classical OLS inference
    Za, Zy = V[:, pred_a], V[:, pred_y]
    ba, cov_a, df_a = _ols(Za, V[:, im])
    by, cov_y, df_y = _ols(Zy, V[:, iy])
    bt, cov_t, df_t = _ols(Za, V[:, iy])
    est = np.array([ba[1], by[2], by[1], bt[1], ba[1] * by[2]])
    se_ols = np.sqrt([cov_a[1, 1], cov_y[2, 2], cov_y[1, 1], cov_t[1, 1]])
    dfs = np.array([df_a, df_y, df_y, df_t])
    tcrit = stats.t.ppf(0.5 + ci_level / 2, dfs)

    # bootstrap: all resamples' cross-products in one matrix product
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    W = _resample_counts(rng, n, n_boot)
    q = V.shape[1]
    S = (W @ (V[:, :, None] * V[:, None, :]).reshape(n, q * q)).reshape(n_boot, q, q)
    # a resample in which the regressions have no unique solution (e.g. a rare binary
    # covariate not drawn at all) is dropped and counted, as lavaan's bootstrap does
    bad = _degenerate(S, pred_y)
    n_bad = int(bad.sum())
    n_ok = n_boot - n_bad
    if n_ok < 2:
        raise ValueError(
            f"only {n_ok} of {n_boot} bootstrap resamples have a unique regression solution "
            f"(n = {n}): too few complete rows or a near-constant covariate"
        )
    if n_bad:
        warnings.warn(
            DegenerateResampleWarning(
                f"mediation: {n_bad} of {n_boot} bootstrap resamples were dropped because a "
                "predictor or covariate was constant (or collinear) in them, so their "
                f"regressions have no unique solution; the intervals use the other {n_ok}"
            ),
            stacklevel=2,
        )
    S = S[~bad]
    ca = _batched_coef(S, pred_a, im)
    cy = _batched_coef(S, pred_y, iy)
    ct = _batched_coef(S, pred_a, iy)
    boot = np.column_stack([ca[:, 1], cy[:, 2], cy[:, 1], ct[:, 1], ca[:, 1] * cy[:, 2]])

    # jackknife (leave-one-out) estimates in closed form: b_(-i) = b - (Z'Z)^-1 z_i e_i / (1 - h_i)
    def loo(Z: np.ndarray, yv: np.ndarray, beta: np.ndarray, j: int) -> np.ndarray:
        G = np.linalg.inv(Z.T @ Z)
        ZG = Z @ G
        h = np.einsum("ij,ij->i", ZG, Z)
        e = yv - Z @ beta
        # a row whose removal leaves the design singular (h = 1) has no jackknife value
        return beta[j] - ZG[:, j] * e / np.where(1 - h > 1e-10, 1 - h, np.nan)

    jack = np.column_stack(
        [
            loo(Za, V[:, im], ba, 1),
            loo(Zy, V[:, iy], by, 2),
            loo(Zy, V[:, iy], by, 1),
            loo(Za, V[:, iy], bt, 1),
        ]
    )
    jack = np.column_stack([jack, jack[:, 0] * jack[:, 1]])

    alpha = 1 - ci_level
    pct = np.quantile(boot, [alpha / 2, 1 - alpha / 2], axis=0)
    prop = np.clip((boot < est).mean(axis=0), 1.0 / (n_ok + 1), n_ok / (n_ok + 1))
    z0 = stats.norm.ppf(prop)
    d = np.nanmean(jack, axis=0) - jack
    den = 6.0 * np.nansum(d**2, axis=0) ** 1.5
    acc = np.divide(np.nansum(d**3, axis=0), den, out=np.zeros(5), where=den > 0)
    zq = stats.norm.ppf([alpha / 2, 1 - alpha / 2])[:, None]
    adj = stats.norm.cdf(z0 + (z0 + zq) / (1 - acc * (z0 + zq)))
    bca = np.array([[np.quantile(boot[:, j], adj[i, j]) for j in range(5)] for i in range(2)])
    boot_se = boot.std(axis=0, ddof=1)

    ab_boot = boot[:, 4]
    p_ind = (
        1.0 if est[4] == 0 else min(1.0, 2 * min((ab_boot > 0).sum(), (ab_boot < 0).sum()) / n_ok)
    )
    ind_ci = bca[:, 4] if ci == "bca" else pct[:, 4]
    return pd.DataFrame(
        {
            "path": ["a", "b", "direct", "total", "indirect"],
            "estimate": est,
            "se": np.append(se_ols, boot_se[4]),
            "ci_low": np.append(est[:4] - tcrit * se_ols, ind_ci[0]),
            "ci_high": np.append(est[:4] + tcrit * se_ols, ind_ci[1]),
            "p": np.append(2 * stats.t.sf(np.abs(est[:4] / se_ols), dfs), p_ind),
            "ci_method": ["ols"] * 4 + [ci],
            "boot_se": boot_se,
            "ci_low_percentile": pct[0],
            "ci_high_percentile": pct[1],
            "ci_low_bca": bca[0],
            "ci_high_bca": bca[1],
            "n": n,
            "n_boot_used": n_ok,
            "n_boot_dropped": n_bad,
        },
        columns=list(MEDIATION_COLUMNS),
    )


def moderation(
    data: pd.DataFrame,
    *,
    x: str,
    w: str,
    y: str,
    covariates: Sequence[str] = (),
    at: Sequence[float] | None = None,
    ci_level: float = 0.95,
    cov_type: Literal["nonrobust", "HC3"] = "nonrobust",
) -> pd.DataFrame:
    """Moderation (``y ~ x + w + x:w + C``) with simple slopes of x at chosen values of w.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent; incomplete rows are dropped.
    x, w, y : str
        Focal predictor, moderator and outcome (numeric).
    covariates : sequence of str
        Adjusted for; non-numeric columns are dummy-coded.
    at : sequence of float, optional
        Values of w for the simple slopes; default mean − 1 SD, mean, mean + 1 SD of w.
    ci_level : float
        Confidence level.
    cov_type : {"nonrobust", "HC3"}
        Classical OLS or HC3 standard errors.

    Returns
    -------
    pandas.DataFrame
        Columns ``term, w_value, estimate, se, ci_low, ci_high, p``: first the model terms
        (``Intercept``, x, w, ``x:w``, covariates; ``w_value`` NaN), then one row per value of
        w with ``term = "simple_slope"``: the slope of x at that w.

    Notes
    -----
    Simple slope at w₀: ``b_x + b_xw w₀`` with variance
    ``V_xx + 2 w₀ V_x,xw + w₀² V_xw,xw``; t distribution on the residual df (Aiken & West 1991).
    Variables are not centred (the x coefficient is the slope at w = 0).

    Checked against: closed-form OLS (statsmodels OLS with the product term) to 1e-10.
    """
    from scipy import stats

    if cov_type not in ("nonrobust", "HC3"):
        raise ValueError(f"cov_type must be 'nonrobust' or 'HC3'; got {cov_type!r}")
    if not 0 < ci_level < 1:
        raise ValueError(f"ci_level must be between 0 and 1; got {ci_level!r}")
    df, cov_cols = _numeric_frame(data, [x, w, y], covariates)
    xv, wv = df[x].to_numpy(float), df[w].to_numpy(float)
    Z = np.column_stack([np.ones(len(df)), xv, wv, xv * wv, df[cov_cols].to_numpy(float)])
    yv = df[y].to_numpy(float)
    beta, cov, dof = _ols(Z, yv)
    if cov_type == "HC3":
        G = np.linalg.inv(Z.T @ Z)
        h = np.einsum("ij,jk,ik->i", Z, G, Z)
        e = yv - Z @ beta
        meat = (Z * (e / (1 - h))[:, None] ** 2).T @ Z
        cov = G @ meat @ G
    if at is None:
        mu, sd = float(wv.mean()), float(wv.std(ddof=1))
        at = [mu - sd, mu, mu + sd]
    at_arr = np.asarray(list(at), float)
    slope = beta[1] + beta[3] * at_arr
    se_s = np.sqrt(cov[1, 1] + 2 * at_arr * cov[1, 3] + at_arr**2 * cov[3, 3])
    se_b = np.sqrt(np.diag(cov))
    est = np.concatenate([beta, slope])
    se = np.concatenate([se_b, se_s])
    tcrit = stats.t.ppf(0.5 + ci_level / 2, dof)
    terms = ["Intercept", x, w, f"{x}:{w}", *cov_cols] + ["simple_slope"] * len(at_arr)
    return pd.DataFrame(
        {
            "term": terms,
            "w_value": np.concatenate([np.full(len(beta), np.nan), at_arr]),
            "estimate": est,
            "se": se,
            "ci_low": est - tcrit * se,
            "ci_high": est + tcrit * se,
            "p": 2 * stats.t.sf(np.abs(est / se), dof),
        },
        columns=list(MODERATION_COLUMNS),
    )
