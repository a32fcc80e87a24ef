"""Rubin's rules with the Barnard-Rubin degrees of freedom (as mice::pool / pool.scalar)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["POOL_COLUMNS", "pool"]

#: Columns of :func:`pool`'s table, in order.
POOL_COLUMNS: tuple[str, ...] = (
    "term",
    "estimate",
    "within",
    "between",
    "total",
    "se",
    "df",
    "riv",
    "lambda",
    "fmi",
    "ci_low",
    "ci_high",
    "p",
    "m",
)


def _as_2d(x: object, name: str) -> tuple[np.ndarray, list[str] | None]:
    if isinstance(x, pd.DataFrame):
        return x.to_numpy(float), [str(c) for c in x.columns]
    if isinstance(x, pd.Series):
        return x.to_numpy(float)[:, None], [str(x.name)] if x.name is not None else None
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError) as e:
        raise TypeError(f"{name} must be numeric (m values, or an m × k array); got {x!r}") from e
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise ValueError(f"{name} must be 1-D (m,) or 2-D (m, k); got shape {arr.shape}")
    return arr, None


def pool(
    estimates: Sequence[float] | np.ndarray | pd.Series | pd.DataFrame,
    variances: Sequence[float] | np.ndarray | pd.Series | pd.DataFrame,
    *,
    n_obs: float,
    n_params: int = 1,
    ci_level: float = 0.95,
) -> pd.DataFrame:
    """Pool estimates from m imputed data sets by Rubin's rules.

    Parameters
    ----------
    estimates : array-like, shape (m,) or (m, k)
        The estimate(s) from each imputed data set; a DataFrame's columns name the terms.
    variances : array-like, same shape
        Their squared standard errors.
    n_obs : float
        Rows of the complete-data analysis (``np.inf`` for large-sample df).
    n_params : int
        Parameters of the complete-data model; ``n_obs - n_params`` is the complete-data df.
    ci_level : float
        Confidence level of ``ci_low`` / ``ci_high`` (t distribution on ``df``).

    Returns
    -------
    pandas.DataFrame
        One row per term: ``term, estimate, within, between, total, se, df, riv, lambda, fmi,
        ci_low, ci_high, p, m``.

    Notes
    -----
    With m estimates Q_l and variances U_l: ``estimate = Q̄``, ``within = Ū``,
    ``between = B = var(Q)`` (ddof 1), ``total = T = Ū + (1 + 1/m) B``, ``riv = (1 + 1/m) B / Ū``,
    ``lambda = (1 + 1/m) B / T`` (floored at 1e-4 inside the df, as mice does). Barnard & Rubin
    (1999) df: ``ν_old = (m − 1) / λ²``, ``ν_obs = (ν_com + 1)/(ν_com + 3) ν_com (1 − λ)``,
    ``df = ν_old ν_obs / (ν_old + ν_obs)`` with ``ν_com = n_obs − n_params`` (``ν_old`` when
    ``n_obs`` is infinite). ``fmi = (riv + 2/(df + 3)) / (riv + 1)``, as ``mice::pool.scalar``
    (rule "rubin1987") and ``mice::pool`` 3.15 define it.

    References
    ----------
    Rubin DB (1987). Multiple Imputation for Nonresponse in Surveys. Wiley.
    Barnard J, Rubin DB (1999). Small-sample degrees of freedom with multiple imputation.
    Biometrika 86:948-955. van Buuren S (2018). Flexible Imputation of Missing Data, 2nd ed., §2.3.

    Examples
    --------
    >>> Q = [0.512, 0.468, 0.551, 0.493, 0.530]
    >>> U = [0.0121, 0.0118, 0.0125, 0.0119, 0.0123]
    >>> pool(Q, U, n_obs=30, n_params=3)[["estimate", "total", "df", "riv", "fmi"]].round(4)
       estimate   total      df     riv    fmi
    0    0.5108  0.0134  21.787  0.1023  0.166

    Checked against: mice::pool.scalar 3.15.0 on fixed inputs (qbar, t, df, fmi to 1e-10);
    mice::pool 3.15.0 on mice's own 20 ``lm`` analyses of a 600-row imputed data set (estimate,
    se, df, riv, lambda, fmi of 6 terms to 1e-10).
    """
    from scipy import stats

    Q, names = _as_2d(estimates, "estimates")
    U, _ = _as_2d(variances, "variances")
    if Q.shape != U.shape:
        raise ValueError(
            f"estimates and variances must have the same shape; got {Q.shape} and {U.shape}"
        )
    m, k = Q.shape
    if m < 2:
        raise ValueError(f"pooling needs at least 2 imputations; got m={m}")
    if np.any(U < 0):
        raise ValueError("variances must be non-negative")
    if not 0 < ci_level < 1:
        raise ValueError(f"ci_level must be between 0 and 1; got {ci_level!r}")
    qbar = Q.mean(axis=0)
    ubar = U.mean(axis=0)
    b = Q.var(axis=0, ddof=1)
    t = ubar + (1 + 1 / m) * b
    with np.errstate(divide="ignore", invalid="ignore"):
        riv = (1 + 1 / m) * b / ubar
        lam = (1 + 1 / m) * b / t
    lam_df = np.maximum(lam, 1e-4)
    df_old = (m - 1) / lam_df**2
    dfcom = float(n_obs) - n_params
    if np.isinf(dfcom):
        df = df_old
    else:
        if dfcom <= 0:
            raise ValueError(f"n_obs - n_params must be positive; got {n_obs} - {n_params}")
        df_obs = (dfcom + 1) / (dfcom + 3) * dfcom * (1 - lam_df)
        df = df_old * df_obs / (df_old + df_obs)
    fmi = (riv + 2 / (df + 3)) / (riv + 1)
    se = np.sqrt(t)
    tcrit = stats.t.ppf(0.5 + ci_level / 2, df)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = 2 * stats.t.sf(np.abs(qbar / se), df)
    return pd.DataFrame(
        {
            "term": names if names is not None else [str(i) for i in range(k)],
            "estimate": qbar,
            "within": ubar,
            "between": b,
            "total": t,
            "se": se,
            "df": df,
            "riv": riv,
            "lambda": lam,
            "fmi": fmi,
            "ci_low": qbar - tcrit * se,
            "ci_high": qbar + tcrit * se,
            "p": p,
            "m": m,
        },
        columns=list(POOL_COLUMNS),
    )
