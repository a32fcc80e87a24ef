"""Arm x wave linear mixed model for :func:`stigma_analysis.evaluation.arm_by_wave`."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from stigma_analysis.evaluation._common import (
    _check_level,
    _check_unique,
    _refuse_weights,
    _require,
    _z,
)

__all__ = ["ArmByWaveResult", "arm_by_wave"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ArmByWaveResult:
    """Linear mixed model ``score ~ arm * wave + (1 | id)`` for a two-or-more-arm evaluation.

    Attributes
    ----------
    coefficients : pandas.DataFrame
        ``term, estimate, se, ci_low, ci_high, p`` (Wald, normal reference). Terms:
        ``intercept`` (reference arm at baseline), ``<arm>[a]`` (arm difference at baseline),
        ``<wave>[w]`` (change from baseline in the reference arm), ``<arm>[a]:<wave>[w]``.
    contrasts : pandas.DataFrame
        ``arm, wave, change_reference, change_arm, estimate, se, ci_low, ci_high, p``: for each
        non-reference arm and follow-up wave, the change from baseline in each arm and their
        difference (arm minus reference; the arm x wave interaction).
    variance_components : pandas.DataFrame
        ``component, estimate``: ``respondent_intercept_var`` and ``residual_var`` (REML).
    n_obs, n_groups : int
        Rows and respondents used.
    reference_arm, baseline_wave
        The reference levels.
    converged : bool
        The optimiser's convergence flag.
    warnings : tuple of str
        Every warning raised while fitting (convergence, boundary), captured here instead of
        being emitted.
    """

    coefficients: pd.DataFrame
    contrasts: pd.DataFrame
    variance_components: pd.DataFrame
    n_obs: int
    n_groups: int
    reference_arm: Any
    baseline_wave: Any
    converged: bool
    warnings: tuple[str, ...]

    def to_frame(self) -> pd.DataFrame:
        """The coefficient table."""
        return self.coefficients.copy()


def arm_by_wave(
    data: pd.DataFrame,
    *,
    score: str,
    id: str,
    arm: str = "arm",
    wave: str = "wave",
    reference_arm: Any = "comparison",
    baseline_wave: Any = None,
    ci_level: float = 0.95,
    weights: str | None = None,
) -> ArmByWaveResult:
    """Compare arms over waves with a random-intercept linear mixed model (REML).

    Parameters
    ----------
    data : pandas.DataFrame
        Long scores: one row per respondent x wave; rows with a missing score are dropped
        (the model uses every available wave, valid under missing at random).
    score, id : str
        Score and respondent id columns.
    arm : str, default "arm"
        The arm column.
    wave : str, default "wave"
        The wave column (treated as categorical: no shape imposed on the trajectory).
    reference_arm : default "comparison"
        The arm every other arm is compared against.
    baseline_wave : optional
        The reference wave; default the first wave.
    ci_level : float, default 0.95
    weights : None
        Not supported (REML with sampling weights needs weights at both levels, which the
        linear mixed model here cannot take): giving a weight column raises ``ValueError``.
        For a weighted arm x wave comparison, fit :func:`survey_glm` with the site as PSU, or
        :func:`cluster_robust` for few sites.

    Returns
    -------
    ArmByWaveResult
        Coefficients, arm x wave contrasts, variance components, convergence and warnings.

    Notes
    -----
    :math:`y_{ij} = \\beta_0 + \\sum_a \\alpha_a A_{ai} + \\sum_w \\tau_w W_{wj} + \\sum_{a,w}
    \\gamma_{aw} A_{ai} W_{wj} + u_i + e_{ij}`, :math:`u_i \\sim N(0, \\sigma_u^2)`,
    :math:`e_{ij} \\sim N(0, \\sigma^2)`, fitted by REML with ``statsmodels`` MixedLM.
    :math:`\\gamma_{aw}` is the difference between arm *a* and the reference arm in the change
    from baseline to wave *w* (the programme effect, difference in differences). Intervals are
    Wald intervals on the normal distribution.

    Checked against: R 4.2.2 ``lme4::lmer(y ~ arm * factor(wave) + (1 | id), REML = TRUE)``
    (lme4 1.1.31): fixed effects, SEs and variance components agree to 1e-7 (tested at 1e-6)
    (tests/results/evaluation_mixed.R).
    """
    _refuse_weights(
        weights,
        "arm_by_wave",
        "fit survey_glm(survey_design(..., psu=site), 'score ~ arm * C(wave)') instead",
    )
    _require(data, [score, id, arm, wave])
    ci_level = _check_level(ci_level, "ci_level")
    frame = data.loc[:, [id, arm, wave, score]].dropna()
    _check_unique(frame, id, wave)
    arms, waves, baseline_wave = _design_levels(frame, arm, wave, reference_arm, baseline_wave)
    others = [a for a in arms if a != reference_arm]
    follow = [w for w in waves if w != baseline_wave]
    exog = _design_matrix(frame, arm, wave, others, follow)
    groups = frame[id].to_numpy()
    est, se, fit, messages = _fit_random_intercepts(exog, frame[score].astype(float), groups)
    from scipy import stats

    z = _z(ci_level)
    names = list(exog.columns)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = 2 * stats.norm.sf(np.abs(est / se))
    coefficients = pd.DataFrame(
        {
            "term": names,
            "estimate": est,
            "se": se,
            "ci_low": est - z * se,
            "ci_high": est + z * se,
            "p": p,
        }
    )
    index = {name: i for i, name in enumerate(names)}
    rows = []
    for a in others:
        for w in follow:
            i = index[f"{arm}[{a}]:{wave}[{w}]"]
            j = index[f"{wave}[{w}]"]
            rows.append(
                {
                    "arm": a,
                    "wave": w,
                    "change_reference": est[j],
                    "change_arm": est[j] + est[i],
                    "estimate": est[i],
                    "se": se[i],
                    "ci_low": est[i] - z * se[i],
                    "ci_high": est[i] + z * se[i],
                    "p": p[i],
                }
            )
    contrasts = pd.DataFrame(rows, columns=list(_CONTRAST_COLUMNS))
    variance = pd.DataFrame(
        {
            "component": ["respondent_intercept_var", "residual_var"],
            "estimate": [float(np.asarray(fit.cov_re)[0, 0]), float(fit.scale)],
        }
    )
    return ArmByWaveResult(
        coefficients=coefficients,
        contrasts=contrasts,
        variance_components=variance,
        n_obs=len(frame),
        n_groups=int(pd.unique(groups).size),
        reference_arm=reference_arm,
        baseline_wave=baseline_wave,
        converged=bool(getattr(fit, "converged", True)),
        warnings=messages,
    )


_CONTRAST_COLUMNS = (
    "arm",
    "wave",
    "change_reference",
    "change_arm",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "p",
)


def _design_levels(
    frame: pd.DataFrame, arm: str, wave: str, reference_arm: Any, baseline_wave: Any
) -> tuple[list[Any], list[Any], Any]:
    """Arms and waves of the model, checked: the reference arm and baseline wave exist, and
    every arm x wave cell has scores."""
    arms = sorted(pd.unique(frame[arm]), key=str)
    if reference_arm not in arms:
        raise ValueError(
            f"reference_arm must be one of {arms} (values of {arm!r}), got {reference_arm!r}"
        )
    if len(arms) < 2:
        raise ValueError(f"column {arm!r} needs at least two arms, found {arms}")
    waves = sorted(pd.unique(frame[wave]))
    if baseline_wave is None:
        baseline_wave = waves[0]
    elif baseline_wave not in waves:
        raise ValueError(f"baseline_wave must be one of {waves}, got {baseline_wave!r}")
    if len(waves) < 2:
        raise ValueError(f"column {wave!r} needs at least two waves, found {waves}")
    cells = (
        frame.groupby([arm, wave])
        .size()
        .reindex(pd.MultiIndex.from_product([arms, waves]), fill_value=0)
    )
    if (cells == 0).any():
        empty = [f"{a}/{w}" for (a, w) in cells.index[cells.to_numpy() == 0]]
        raise ValueError(
            f"every {arm} x {wave} cell needs scores for the model; empty: {', '.join(empty)}"
        )
    return arms, waves, baseline_wave


def _design_matrix(
    frame: pd.DataFrame, arm: str, wave: str, others: list[Any], follow: list[Any]
) -> pd.DataFrame:
    """Treatment coding: intercept, arm, wave and arm x wave indicators."""
    a_values = frame[arm].to_numpy()
    w_values = frame[wave].to_numpy()
    columns: dict[str, np.ndarray] = {"intercept": np.ones(len(frame))}
    for a in others:
        columns[f"{arm}[{a}]"] = (a_values == a).astype(float)
    for w in follow:
        columns[f"{wave}[{w}]"] = (w_values == w).astype(float)
    for a in others:
        for w in follow:
            columns[f"{arm}[{a}]:{wave}[{w}]"] = columns[f"{arm}[{a}]"] * columns[f"{wave}[{w}]"]
    return pd.DataFrame(columns, index=frame.index)


def _fit_random_intercepts(
    exog: pd.DataFrame, endog: pd.Series, groups: np.ndarray
) -> tuple[np.ndarray, np.ndarray, Any, tuple[str, ...]]:
    """REML fit with a random intercept per respondent: estimates, their SEs, the fit and its
    warnings (as text)."""
    import statsmodels.api as sm

    from stigma_analysis.models._mixed_cov import _fixed_effects_cov

    model = sm.MixedLM(endog, exog, groups=groups, exog_re=np.ones((len(exog), 1)))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = model.fit(reml=True)
    messages = tuple(dict.fromkeys(f"{w.category.__name__}: {w.message}" for w in caught))
    est = np.asarray(fit.fe_params, dtype=float)
    # GLS covariance (X'V^-1 X)^-1 at the REML variances, as lme4's vcov(); statsmodels'
    # cov_params() inverts the joint observed information instead, which differs slightly
    # when waves are missing.
    X = exog.to_numpy()
    codes = np.unique(groups, return_inverse=True)[1]
    cov = _fixed_effects_cov(
        X, np.ones((len(X), 1)), codes, np.asarray(fit.cov_re), float(fit.scale)
    )
    return est, np.sqrt(np.diag(cov)), fit, messages
