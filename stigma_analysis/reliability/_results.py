"""Result dataclasses of :mod:`stigma_analysis.reliability` (private; re-exported there)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["AlphaResult", "OmegaResult"]


@dataclass(frozen=True, slots=True, kw_only=True)
class AlphaResult:
    """Cronbach's alpha and its companions for one set of items (see :func:`alpha`).

    Attributes
    ----------
    alpha : float
        Raw Cronbach's alpha from the item covariance matrix (psych ``raw_alpha``).
    alpha_std : float
        Standardised alpha, from the item correlation matrix (psych ``std.alpha``).
    lambda6 : float
        Guttman's lambda-6 with squared multiple correlations (psych ``G6(smc)``).
    average_r, median_r, var_r : float
        Mean, median and variance of the inter-item correlations.
    signal_noise : float
        Signal-to-noise ratio ``k * average_r / (1 - average_r)`` (psych ``S/N``).
    ase : float
        Duhachek & Iacobucci's asymptotic standard error of alpha (psych ``ase``).
    ci_low, ci_high : float
        Confidence interval for ``alpha`` by ``ci_method`` at ``ci_level``.
    ci_method : str
        ``"feldt"``, ``"duhachek"``, ``"bootstrap"`` (percentile) or ``"bca"``.
    ci_level : float
        Confidence level of the interval.
    n : int
        Respondents used: with at least one answered item (pairwise) or complete (listwise).
    n_items : int
        Number of items.
    missing_policy : str
        ``"pairwise"`` or ``"listwise"``.
    estimator : str
        Plain-language description of the estimator and interval.
    score_mean, score_sd : float
        Mean and standard deviation of the scale score (mean of answered items after reversal).
    items : tuple of str
        The items, in order.
    reversed_items : tuple of str
        The items that were reversed as ``(min + max) - x``.
    response_range : tuple of float or None
        ``(min, max)`` used for reversal (None when nothing was reversed).
    item_stats : pandas.DataFrame
        One row per item; columns as :func:`item_statistics` without the instrument columns.
    n_boot : int or None
        Bootstrap resamples (bootstrap / BCa intervals only).
    seed : int or None
        Seed of the bootstrap.
    bootstrap : numpy.ndarray or None
        Raw alpha in each bootstrap resample.
    """

    alpha: float
    alpha_std: float
    lambda6: float
    average_r: float
    median_r: float
    var_r: float
    signal_noise: float
    ase: float
    ci_low: float
    ci_high: float
    ci_method: str
    ci_level: float
    n: int
    n_items: int
    missing_policy: str
    estimator: str
    score_mean: float
    score_sd: float
    items: tuple[str, ...]
    reversed_items: tuple[str, ...]
    response_range: tuple[float, float] | None
    item_stats: pd.DataFrame = field(repr=False)
    n_boot: int | None = None
    seed: int | None = None
    bootstrap: npt.NDArray[np.float64] | None = field(default=None, repr=False)

    def to_frame(self) -> pd.DataFrame:
        """One row with the scale-level results (fixed columns; see the class attributes)."""
        import pandas as pd

        cols = (
            "n",
            "n_items",
            "alpha",
            "ci_low",
            "ci_high",
            "alpha_std",
            "lambda6",
            "average_r",
            "median_r",
            "var_r",
            "signal_noise",
            "ase",
            "score_mean",
            "score_sd",
            "ci_method",
            "ci_level",
            "missing_policy",
            "estimator",
        )
        return pd.DataFrame([{c: getattr(self, c) for c in cols}])


@dataclass(frozen=True, slots=True, kw_only=True)
class OmegaResult:
    """McDonald's omega from a one-factor model (see :func:`omega`).

    Attributes
    ----------
    omega_total : float
        ``(sum lambda)^2 / ((sum lambda)^2 + sum psi)`` from the one-factor model of the
        correlation matrix (model-implied total variance).
    omega_total_observed : float
        ``1 - sum psi / sum R`` (observed total variance), which is what ``psych::omega``
        reports as ``omega.tot``.
    omega_hierarchical : float or None
        ``(sum g)^2 / model-implied total variance`` from an ML bifactor model (a general
        factor plus one orthogonal factor per group); None without ``groups``.
    omega_hierarchical_observed : float or None
        ``(sum g)^2 / sum R``, the observed-variance convention of ``psych::omegaFromSem``
        (with standardised loadings).
    omega_total_bifactor : float or None
        ``((sum g)^2 + sum_s (sum lambda_s)^2) / model-implied total variance``.
    method : str
        ``"ml"`` or ``"minres"``.
    estimator : str
        Plain-language description of the model.
    n, n_items : int
        Respondents used and number of items.
    missing_policy : str
        ``"pairwise"`` (pairwise-complete correlations, as psych::fa) or ``"listwise"``.
    converged : bool
        Whether the optimiser reported convergence.
    loadings : pandas.DataFrame
        Columns ``item``, ``loading``, ``uniqueness`` (one-factor model), ``group``,
        ``general_loading``, ``group_loading``, ``bifactor_uniqueness`` (bifactor model;
        missing without ``groups``).
    """

    omega_total: float
    omega_total_observed: float
    omega_hierarchical: float | None
    omega_hierarchical_observed: float | None
    omega_total_bifactor: float | None
    method: str
    estimator: str
    n: int
    n_items: int
    missing_policy: str
    converged: bool
    loadings: pd.DataFrame = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        """One row with the scalar attributes (NaN for the omega_h fields without groups)."""
        import pandas as pd

        cols = (
            "n",
            "n_items",
            "omega_total",
            "omega_total_observed",
            "omega_hierarchical",
            "omega_hierarchical_observed",
            "omega_total_bifactor",
            "method",
            "missing_policy",
            "converged",
            "estimator",
        )
        row = {c: getattr(self, c) for c in cols}
        for c in ("omega_hierarchical", "omega_hierarchical_observed", "omega_total_bifactor"):
            if row[c] is None:
                row[c] = float("nan")
        return pd.DataFrame([row])
