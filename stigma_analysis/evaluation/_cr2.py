"""Few-cluster robust standard errors: CR2 with Satterthwaite degrees of freedom."""

from __future__ import annotations

import numpy as np
import pandas as pd

from stigma_analysis.evaluation._common import _check_level, _require

__all__ = ["cluster_robust"]


def _inv_sqrt_sym(m: np.ndarray) -> np.ndarray:
    """Symmetric inverse square root of a positive (semi)definite matrix (pseudo-inverse)."""
    vals, vecs = np.linalg.eigh(m)
    tol = max(m.shape) * np.finfo(float).eps * max(float(vals.max(initial=0.0)), 1.0)
    inv = np.where(vals > tol, 1 / np.sqrt(np.where(vals > tol, vals, 1.0)), 0.0)
    return (vecs * inv) @ vecs.T


def cluster_robust(
    data: pd.DataFrame, formula: str, *, cluster: str, ci_level: float = 0.95
) -> pd.DataFrame:
    """OLS with cluster-robust CR2 standard errors and Satterthwaite df, for few clusters.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent.
    formula : str
        A patsy formula, e.g. ``"score ~ arm + pre"``; rows missing a model variable or the
        cluster are dropped.
    cluster : str
        The cluster column (e.g. ``"site"``); at least 2 clusters.
    ci_level : float, default 0.95

    Returns
    -------
    pandas.DataFrame
        One row per term: ``term, estimate, se, t, df, p, ci_low, ci_high`` (t reference on the
        Satterthwaite df of each coefficient).

    Notes
    -----
    With :math:`M = (X'X)^{-1}`, residuals :math:`e` and per cluster
    :math:`A_j = (I - X_j M X_j')^{-1/2}` (Bell & McCaffrey 2002), the CR2 covariance is
    :math:`M \\sum_j X_j' A_j e_j e_j' A_j X_j M`. For coefficient k, with
    :math:`p_j = (I - H)_{[j]}' A_j X_j M e_k` (n-vectors; :math:`(I-H)_{[j]}` the rows of
    cluster j), the Satterthwaite df is
    :math:`(\\sum_j p_j'p_j)^2 / \\sum_{i,j} (p_i'p_j)^2` (Pustejovsky & Tipton 2018, working
    model: independent, equal variances). With few clusters (say, fewer than 40 sites) the
    ordinary sandwich (CR0/CR1) with normal or n - p reference rejects far too often; CR2 with
    these df keeps the level close to nominal.

    References
    ----------
    Bell, R. M., & McCaffrey, D. F. (2002). Bias reduction in standard errors for linear
    regression with multi-stage samples. *Survey Methodology*, 28(2), 169-181.
    Pustejovsky, J. E., & Tipton, E. (2018). Small-sample methods for cluster-robust variance
    estimation and hypothesis testing in fixed effects models. *Journal of Business & Economic
    Statistics*, 36(4), 672-683.

    Checked against: R clubSandwich 0.5.8 ``coef_test(lm(...), vcov = "CR2", cluster = ...,
    test = "Satterthwaite")`` on 8 unequal clusters: estimates, SEs, df and p to 1e-8
    (tests/results/clubsandwich_cr2.R).

    Examples
    --------
    >>> import pandas as pd
    >>> from stigma_analysis.evaluation import cluster_robust
    >>> d = pd.DataFrame({"site": list("aabbccdd"), "arm": [0, 0, 1, 1, 0, 0, 1, 1],
    ...                   "y": [1.0, 1.4, 2.1, 2.4, 0.8, 1.3, 1.9, 2.8]})
    >>> cluster_robust(d, "y ~ arm", cluster="site")[["term", "estimate", "se", "df"]].round(3)
            term  estimate     se   df
    0  Intercept     1.125  0.075  1.0
    1        arm     1.175  0.090  2.0
    """
    import patsy
    from scipy import stats

    _require(data, [cluster])
    level = _check_level(ci_level, "ci_level")
    frame = data.loc[data[cluster].notna()].reset_index(drop=True)
    try:
        y_frame, x_frame = patsy.dmatrices(
            formula, frame, return_type="dataframe", NA_action=patsy.NAAction("drop")
        )
    except patsy.PatsyError as exc:
        raise ValueError(f"formula {formula!r}: {exc}") from exc
    if y_frame.shape[1] != 1:
        raise ValueError(f"formula {formula!r} must have one numeric outcome")
    y = y_frame.to_numpy(dtype=float)[:, 0]
    X = x_frame.to_numpy(dtype=float)
    codes = pd.factorize(frame.loc[y_frame.index, cluster])[0]
    n_clusters = int(codes.max()) + 1 if len(codes) else 0
    if n_clusters < 2:
        raise ValueError(
            f"cluster column {cluster!r} needs at least 2 clusters, found {n_clusters}"
        )
    n, k = X.shape
    M = np.linalg.pinv(X.T @ X)
    if np.linalg.matrix_rank(X) < k:
        raise ValueError(f"the model matrix of {formula!r} is rank deficient")
    beta = M @ X.T @ y
    e = y - X @ beta
    ImH = np.eye(n) - X @ M @ X.T
    meat = np.zeros((k, k))
    # p_j for every coefficient at once: columns of P_j (n x k) are p_j for e_1..e_k
    P = np.zeros((n_clusters, n, k))
    for j in range(n_clusters):
        idx = np.flatnonzero(codes == j)
        Xj = X[idx]
        Aj = _inv_sqrt_sym(ImH[np.ix_(idx, idx)])
        u = Xj.T @ Aj @ e[idx]
        meat += np.outer(u, u)
        P[j] = ImH[idx].T @ Aj @ Xj @ M
    cov = M @ meat @ M
    se = np.sqrt(np.diag(cov))
    # G[c, i, j] = p_i' p_j for coefficient c
    G = np.einsum("inc,jnc->cij", P, P)
    num = np.einsum("cii->c", G) ** 2
    den = np.einsum("cij,cij->c", G, G)
    df = num / den
    t = beta / se
    crit = stats.t.isf((1 - level) / 2, df)
    return pd.DataFrame(
        {
            "term": list(x_frame.columns),
            "estimate": beta,
            "se": se,
            "t": t,
            "df": df,
            "p": 2 * stats.t.sf(np.abs(t), df),
            "ci_low": beta - crit * se,
            "ci_high": beta + crit * se,
        }
    )
