"""Agreement between raters or occasions: intraclass correlations and (weighted) kappa."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from stigma_analysis.reliability._inputs import _item_matrix

__all__ = ["icc", "weighted_kappa"]

_ICC_FORMS = (
    ("ICC1", "ICC(1)", "one-way random, single rater"),
    ("ICC2", "ICC(A,1)", "two-way random, absolute agreement, single rater"),
    ("ICC3", "ICC(C,1)", "two-way mixed, consistency, single rater"),
    ("ICC1k", "ICC(k)", "one-way random, mean of k raters"),
    ("ICC2k", "ICC(A,k)", "two-way random, absolute agreement, mean of k raters"),
    ("ICC3k", "ICC(C,k)", "two-way mixed, consistency, mean of k raters"),
)


def _level(ci_level: float) -> float:
    if not isinstance(ci_level, float | int) or not 0 < ci_level < 1:
        raise ValueError(f"ci_level must be a number in (0, 1), got {ci_level!r}")
    return float(ci_level)


def icc(data: Any, *, items: Sequence[Any] | None = None, ci_level: float = 0.95) -> Any:
    """Intraclass correlations: Shrout & Fleiss's six forms (McGraw & Wong's names).

    For test-retest reliability give one column per occasion (a score at wave 1 and at
    wave 2); for inter-rater reliability one column per rater. Rows are respondents.

    Parameters
    ----------
    data : pandas.DataFrame or 2-D array
        Targets (respondents) in rows, raters or occasions in columns; NaN is missing.
    items : sequence, optional
        The rater / occasion columns (default: all columns).
    ci_level : float, default 0.95
        Level of the F-based confidence intervals.

    Returns
    -------
    pandas.DataFrame
        Six rows (``type`` ICC1, ICC2, ICC3, ICC1k, ICC2k, ICC3k) with columns ``type,
        mcgraw_wong, model, icc, f, df1, df2, p_value, ci_low, ci_high, n, n_raters``.
        ``mcgraw_wong`` is McGraw & Wong's name: ICC(1), ICC(A,1), ICC(C,1), ICC(k),
        ICC(A,k), ICC(C,k). For test-retest agreement of scores, ICC(A,1) (ICC2) counts a
        shift between occasions as disagreement; ICC(C,1) (ICC3) does not. ``f`` tests
        ``icc = 0`` with ``df1, df2`` degrees of freedom (``p_value`` one-sided).

    Notes
    -----
    From the two-way ANOVA of the n x k table (rows with a missing value are left out):
    between-targets ``MSB``, between-raters ``MSJ``, residual ``MSE`` and within-targets
    ``MSW = (SSJ + SSE) / (n (k - 1))``:
    ``ICC1 = (MSB - MSW) / (MSB + (k-1) MSW)``,
    ``ICC2 = (MSB - MSE) / (MSB + (k-1) MSE + k (MSJ - MSE) / n)``,
    ``ICC3 = (MSB - MSE) / (MSB + (k-1) MSE)``, ``ICC1k = (MSB - MSW) / MSB``,
    ``ICC2k = (MSB - MSE) / (MSB + (MSJ - MSE) / n)``, ``ICC3k = (MSB - MSE) / MSB``.
    Intervals: Shrout & Fleiss (1979) F intervals, for ICC2 with Satterthwaite's degrees of
    freedom, as ``psych::ICC``. On complete data psych's default ``lmer = TRUE`` gives the
    same values (REML variance components equal the ANOVA ones when none is negative).

    References
    ----------
    Shrout & Fleiss (1979), Psychological Bulletin 86, 420-428. McGraw & Wong (1996),
    Psychological Methods 1, 30-46. Koo & Li (2016), J Chiropractic Medicine 15, 155-163.

    Checked against: psych::ICC 2.2.9 (``lmer = FALSE``) on Shrout & Fleiss's table and on
    bfi to 1e-10 (tests/results/psych_agreement.R); the published values .17 .29 .71 .44
    .62 .91 of Shrout & Fleiss (1979) Table 4.

    Examples
    --------
    >>> sf = [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]]
    >>> icc(np.array(sf))["icc"].round(2).tolist()
    [0.17, 0.29, 0.71, 0.44, 0.62, 0.91]
    """
    import pandas as pd
    from scipy import stats

    level = _level(ci_level)
    X, _ = _item_matrix(data, items)
    X = X[~np.isnan(X).any(axis=1)]
    n, k = X.shape
    if k < 2:
        raise ValueError(f"icc needs at least 2 raters or occasions (columns), got {k}")
    if n < 2:
        raise ValueError(f"icc needs at least 2 respondents with every column answered, got {n}")
    grand = X.mean()
    ssb = k * float(((X.mean(axis=1) - grand) ** 2).sum())
    ssj = n * float(((X.mean(axis=0) - grand) ** 2).sum())
    sse = float(((X - grand) ** 2).sum()) - ssb - ssj
    msb, msj = ssb / (n - 1), ssj / (k - 1)
    mse = sse / ((n - 1) * (k - 1))
    msw = (ssj + sse) / (n * (k - 1))
    if not (msw > 0 and mse > 0):
        raise ValueError("icc is undefined: no variation within respondents")
    icc1 = (msb - msw) / (msb + (k - 1) * msw)
    icc2 = (msb - mse) / (msb + (k - 1) * mse + k * (msj - mse) / n)
    icc3 = (msb - mse) / (msb + (k - 1) * mse)
    values = [icc1, icc2, icc3, (msb - msw) / msb, (msb - mse) / (msb + (msj - mse) / n)]
    values.append((msb - mse) / msb)
    f1, d1n, d1d = msb / msw, n - 1, n * (k - 1)
    f3, d3n, d3d = msb / mse, n - 1, (n - 1) * (k - 1)
    q = 1.0 - (1.0 - level) / 2.0
    f1l, f1u = f1 / stats.f.ppf(q, d1n, d1d), f1 * stats.f.ppf(q, d1d, d1n)
    f3l, f3u = f3 / stats.f.ppf(q, d3n, d3d), f3 * stats.f.ppf(q, d3d, d3n)
    # ICC2: Satterthwaite degrees of freedom for the mix of MSJ and MSE (Shrout & Fleiss)
    fj = msj / mse
    vn = (k - 1) * (n - 1) * (k * icc2 * fj + n * (1 + (k - 1) * icc2) - k * icc2) ** 2
    vd = (n - 1) * k**2 * icc2**2 * fj**2 + (n * (1 + (k - 1) * icc2) - k * icc2) ** 2
    v = vn / vd
    fu, fl = stats.f.ppf(q, n - 1, v), stats.f.ppf(q, v, n - 1)
    denom = k * msj + (k * n - k - n) * mse
    l2 = n * (msb - fu * mse) / (fu * denom + n * msb)
    u2 = n * (fl * msb - mse) / (denom + n * fl * msb)
    low = [
        (f1l - 1) / (f1l + k - 1),
        l2,
        (f3l - 1) / (f3l + k - 1),
        1 - 1 / f1l,
        l2 * k / (1 + l2 * (k - 1)),
        1 - 1 / f3l,
    ]
    high = [
        (f1u - 1) / (f1u + k - 1),
        u2,
        (f3u - 1) / (f3u + k - 1),
        1 - 1 / f1u,
        u2 * k / (1 + u2 * (k - 1)),
        1 - 1 / f3u,
    ]
    p1, p3 = float(stats.f.sf(f1, d1n, d1d)), float(stats.f.sf(f3, d3n, d3d))
    return pd.DataFrame(
        {
            "type": [t for t, _, _ in _ICC_FORMS],
            "mcgraw_wong": [m for _, m, _ in _ICC_FORMS],
            "model": [d for _, _, d in _ICC_FORMS],
            "icc": np.array(values, dtype=float),
            "f": [f1, f3, f3, f1, f3, f3],
            "df1": [d1n, d3n, d3n, d1n, d3n, d3n],
            "df2": [d1d, d3d, d3d, d1d, d3d, d3d],
            "p_value": [p1, p3, p3, p1, p3, p3],
            "ci_low": np.array(low, dtype=float),
            "ci_high": np.array(high, dtype=float),
            "n": n,
            "n_raters": k,
        }
    )


KappaWeights = Literal["quadratic", "linear", "unweighted"]


def _weight_matrix(weights: Any, n_levels: int) -> npt.NDArray[np.float64]:
    pos = np.arange(n_levels, dtype=float)
    dist = np.abs(pos[:, None] - pos[None, :]) / max(n_levels - 1, 1)
    if isinstance(weights, str):
        if weights == "quadratic":
            return 1.0 - dist**2
        if weights == "linear":
            return 1.0 - dist
        if weights == "unweighted":
            return np.eye(n_levels)
        raise ValueError(
            "weights must be 'quadratic', 'linear', 'unweighted' or a square matrix;"
            f" got {weights!r}"
        )
    w = np.asarray(weights, dtype=float)
    if w.shape != (n_levels, n_levels):
        raise ValueError(
            f"weights must be a {n_levels} x {n_levels} matrix (one row and column per level),"
            f" got shape {w.shape}"
        )
    return w


def _kappa(p: npt.NDArray[np.float64], w: npt.NDArray[np.float64], n: int) -> tuple[float, float]:
    """Kappa with agreement weights ``w`` and its Fleiss-Cohen-Everitt (1969) variance."""
    rs, cs = p.sum(axis=1), p.sum(axis=0)
    po = float((w * p).sum())
    pe = float((w * np.outer(rs, cs)).sum())
    wi = w @ cs  # weighted mean of row i over the column margins
    wj = w.T @ rs  # weighted mean of column j over the row margins
    term = w * (1.0 - pe) - (wi[:, None] + wj[None, :]) * (1.0 - po)
    var = (float((p * term**2).sum()) - (po * pe - 2.0 * pe + po) ** 2) / (n * (1.0 - pe) ** 4)
    return (po - pe) / (1.0 - pe), max(var, 0.0)


def weighted_kappa(
    data: Any,
    *,
    items: Sequence[Any] | None = None,
    weights: KappaWeights | Any = "quadratic",
    levels: Sequence[float] | None = None,
    ci_level: float = 0.95,
) -> Any:
    """Cohen's kappa and weighted kappa between two raters (or two occasions).

    Parameters
    ----------
    data : pandas.DataFrame or 2-D array
        One row per rated target, two columns (the two ratings); rows with a missing rating
        are left out.
    items : sequence of 2, optional
        The two rating columns (default: the only two columns).
    weights : {"quadratic", "linear", "unweighted"} or square matrix, default "quadratic"
        Agreement weights between levels at positions i and j of ``levels``:
        ``1 - (i - j)^2 / (L - 1)^2`` (as ``psych::cohen.kappa``'s default),
        ``1 - |i - j| / (L - 1)``, the identity, or your own L x L matrix (1 = agreement).
    levels : sequence, optional
        The categories in order (default: every value either rater used, sorted). Give it
        when some category was never used, so that the weights use the full scale.
    ci_level : float, default 0.95
        Level of the normal intervals ``estimate -/+ z se`` (clipped to [-1, 1]).

    Returns
    -------
    pandas.DataFrame
        Two rows (``statistic`` ``kappa`` and ``weighted_kappa``) with columns ``statistic,
        weights, estimate, se, ci_low, ci_high, n, n_levels``.

    Notes
    -----
    With ``p`` the table of proportions, margins ``p_i.``, ``p_.j`` and weights ``w``:
    ``po = sum w p``, ``pe = sum w p_i. p_.j``, ``kappa_w = (po - pe) / (1 - pe)``; the
    variance is Fleiss, Cohen & Everitt's (1969) ``[sum p_ij (w_ij (1 - pe) - (wbar_i. +
    wbar_.j)(1 - po))^2 - (po pe - 2 pe + po)^2] / (n (1 - pe)^4)`` with ``wbar_i. = sum_j
    p_.j w_ij`` and ``wbar_.j = sum_i p_i. w_ij``. psych 2.2.9 computes ``wbar_.j`` as
    ``p_j. sum_k w_jk``, which gives a different weighted-kappa variance; the formula here
    agrees with a Monte Carlo of the sampling variance (see the reference script).

    References
    ----------
    Cohen (1960), Educ Psychol Meas 20, 37-46. Cohen (1968), Psychol Bull 70, 213-220.
    Fleiss, Cohen & Everitt (1969), Psychol Bull 72, 323-327.

    Checked against: psych::cohen.kappa 2.2.9 (kappa, weighted kappa, the variance and
    interval of kappa) on bfi to 1e-10, and the weighted-kappa variance against the formula
    written out in R and a 20,000-table Monte Carlo (tests/results/psych_agreement.R).
    """
    from statistics import NormalDist

    import pandas as pd

    level = _level(ci_level)
    X, names = _item_matrix(data, items)
    if X.shape[1] != 2:
        raise ValueError(f"weighted_kappa needs exactly 2 rating columns, got {list(names)}")
    X = X[~np.isnan(X).any(axis=1)]
    n = X.shape[0]
    if n < 2:
        raise ValueError(f"weighted_kappa needs at least 2 rated targets, got {n}")
    used = np.unique(X)
    lev = used if levels is None else np.asarray(levels, dtype=float)
    unknown = sorted(set(used.tolist()) - set(lev.tolist()))
    if unknown:
        raise ValueError(f"ratings {unknown} are not among levels {lev.tolist()}")
    if lev.size < 2:
        raise ValueError("kappa is undefined: only one category was used")
    pos = {v: i for i, v in enumerate(lev.tolist())}
    a = np.array([pos[v] for v in X[:, 0].tolist()])
    b = np.array([pos[v] for v in X[:, 1].tolist()])
    table = np.zeros((lev.size, lev.size))
    np.add.at(table, (a, b), 1.0)
    p = table / n
    z = NormalDist().inv_cdf(0.5 + level / 2)
    w = _weight_matrix(weights, lev.size)
    rows = []
    for stat, wm, label in (
        ("kappa", np.eye(lev.size), "unweighted"),
        ("weighted_kappa", w, weights if isinstance(weights, str) else "custom"),
    ):
        est, var = _kappa(p, wm, n)
        se = float(np.sqrt(var))
        rows.append(
            {
                "statistic": stat,
                "weights": label,
                "estimate": est,
                "se": se,
                "ci_low": max(est - z * se, -1.0),
                "ci_high": min(est + z * se, 1.0),
                "n": n,
                "n_levels": int(lev.size),
            }
        )
    return pd.DataFrame(rows)
