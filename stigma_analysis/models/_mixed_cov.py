"""Covariance of the fixed effects of a linear mixed model, as lme4's ``vcov()``.

Shared by :func:`stigma_analysis.models.fit_model` (``family="mixed"``) and
:func:`stigma_analysis.evaluation.arm_by_wave`.
"""

from __future__ import annotations

import numpy as np

__all__ = ["_fixed_effects_cov"]


def _group_sums(codes: np.ndarray, n_groups: int, values: np.ndarray) -> np.ndarray:
    """Sum ``values`` (n x ...) over the rows of each group: (n_groups x ...)."""
    out = np.zeros((n_groups, *values.shape[1:]))
    np.add.at(out, codes, values)
    return out


def _fixed_effects_cov(
    exog: np.ndarray,
    exog_re: np.ndarray,
    codes: np.ndarray,
    cov_re: np.ndarray,
    scale: float,
) -> np.ndarray:
    """GLS covariance ``(X' V^-1 X)^-1`` of the fixed effects at given variance parameters.

    Parameters
    ----------
    exog : numpy.ndarray
        Fixed-effects design X (n x p).
    exog_re : numpy.ndarray
        Random-effects design Z (n x q), e.g. a column of ones for random intercepts.
    codes : numpy.ndarray
        Integer group code of each row (0 .. n_groups - 1, any order).
    cov_re : numpy.ndarray
        Covariance matrix G of the random effects (q x q), in the units of the outcome (not
        divided by the residual variance); may be singular (boundary fits).
    scale : float
        Residual variance sigma^2.

    Returns
    -------
    numpy.ndarray
        The p x p covariance matrix; all NaN when ``X' V^-1 X`` cannot be inverted or a
        variance parameter is not finite.

    Notes
    -----
    ``V_i = Z_i G Z_i' + sigma^2 I`` for group *i*. Without inverting G (it may be singular):
    ``V_i^-1 = (I - Z_i M_i^-1 G Z_i') / sigma^2`` with ``M_i = sigma^2 I_q + G Z_i'Z_i``,
    so ``X'V^-1 X = (X'X - sum_i X_i'Z_i M_i^-1 G Z_i'X_i) / sigma^2``: per group only the
    q x q and q x p cross-products, solved as a batch (no n x n matrix). At the REML
    estimates this is lme4's ``vcov(fit)`` (``sigma^2 (R_X' R_X)^-1``); statsmodels'
    ``MixedLMResults.cov_params()`` inverts the joint observed information instead, which
    differs from it when groups have different numbers of rows.

    Checked against: lme4::lmer 1.1-31 vcov() on unbalanced sleepstudy (random intercept and
    random slope) to 1e-6 (tests/results/lme4_unbalanced.R).
    """
    X = np.asarray(exog, dtype=float)
    Z = np.asarray(exog_re, dtype=float)
    G = np.atleast_2d(np.asarray(cov_re, dtype=float))
    p, q = X.shape[1], Z.shape[1]
    nan = np.full((p, p), np.nan)
    if not (np.isfinite(scale) and scale > 0 and np.all(np.isfinite(G))):
        return nan
    codes = np.asarray(codes)
    n_groups = int(codes.max()) + 1 if codes.size else 0
    ztz = _group_sums(codes, n_groups, Z[:, :, None] * Z[:, None, :])  # g x q x q
    ztx = _group_sums(codes, n_groups, Z[:, :, None] * X[:, None, :])  # g x q x p
    m = scale * np.eye(q) + G @ ztz  # g x q x q
    try:
        sol = np.linalg.solve(m, G @ ztx)  # g x q x p: M_i^-1 G Z_i'X_i
        info = (X.T @ X - np.einsum("gqp,gqr->pr", ztx, sol)) / scale
        info = (info + info.T) / 2
        return np.linalg.inv(info)
    except np.linalg.LinAlgError:
        return nan
