"""Programme evaluation: pre/post change, reliable change, thresholds, arm x wave, attrition.

Every function takes a long table of scores (one row per respondent x wave, as written by
``stigma-analysis score``) and the names of its id, wave and grouping columns, and returns a tidy
DataFrame with fixed columns (or a frozen dataclass with ``.to_frame()``). Grouping columns keep
their names and come first. Results are not yet safe to publish: pass them through
``stigma_analysis.privacy.disclose`` (small cells) before they reach a report.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from stigma_analysis.errors import DataValidationError
from stigma_analysis.reliability import (
    reliable_change_index,
    reliable_change_threshold,
    standard_error_of_measurement,
)

__all__ = [
    "ArmByWaveResult",
    "AttritionResult",
    "arm_by_wave",
    "attrition",
    "pre_post",
    "reliable_change",
    "reliable_change_counts",
    "threshold_attainment",
    "wilson_interval",
]

CATEGORIES = ("improved", "unchanged", "deteriorated")

PRE_POST_COLUMNS = (
    "n",
    "mean_pre",
    "mean_post",
    "sd_pre",
    "sd_post",
    "mean_change",
    "sd_change",
    "ci_low",
    "ci_high",
    "t",
    "df",
    "p",
    "cohen_dz",
    "cohen_dav",
    "hedges_g_av",
)
COUNT_COLUMNS = (
    "n",
    "improved",
    "unchanged",
    "deteriorated",
    "pct_improved",
    "pct_unchanged",
    "pct_deteriorated",
)


# --------------------------------------------------------------------------- helpers
def _as_tuple(by: str | Sequence[str] | None, name: str) -> tuple[str, ...]:
    if by is None:
        return ()
    if isinstance(by, str):
        return (by,)
    out = tuple(by)
    if not all(isinstance(b, str) for b in out):
        raise TypeError(f"{name} must be a column name or a sequence of column names, got {by!r}")
    return out


def _require(data: Any, columns: Sequence[str], what: str = "data") -> None:
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"{what} must be a pandas DataFrame, got {type(data).__name__}")
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise ValueError(
            f"{what} has no column(s) {missing}; available: {list(map(str, data.columns))}"
        )


def _check_level(value: float, name: str) -> float:
    if not isinstance(value, int | float) or not 0 < value < 1:
        raise ValueError(f"{name} must be a number in (0, 1), got {value!r}")
    return float(value)


def _check_choice(value: str, name: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {allowed}, got {value!r}")


def _z(level: float) -> float:
    from statistics import NormalDist

    return NormalDist().inv_cdf(0.5 + level / 2)


def _check_unique(data: pd.DataFrame, id: str, wave: str) -> None:
    dup = data.duplicated([id, wave], keep=False)
    if dup.any():
        rows = np.flatnonzero(dup.to_numpy())
        cases = pd.DataFrame(
            {
                "file": None,
                "row": rows,
                "column": id,
                "value": data[id].to_numpy()[rows],
                "reason": f"respondent appears more than once in the same {wave}",
            }
        )
        raise DataValidationError(f"duplicate ({id}, {wave}) rows", cases)


def _resolve_waves(data: pd.DataFrame, wave: str, pre: Any, post: Any) -> tuple[Any, Any]:
    waves = pd.unique(data[wave].dropna())
    if pre not in set(waves):
        raise ValueError(f"pre={pre!r} is not a value of column {wave!r}; found {sorted(waves)}")
    if post is None:
        post = max(waves)
    elif post not in set(waves):
        raise ValueError(f"post={post!r} is not a value of column {wave!r}; found {sorted(waves)}")
    if post == pre:
        raise ValueError(f"pre and post must be different waves, both are {pre!r}")
    return pre, post


def _pairs(
    data: pd.DataFrame, *, score: str, id: str, wave: str, pre: Any, post: Any, by: tuple[str, ...]
) -> pd.DataFrame:
    """Respondents with a score at both waves: by..., id, pre, post (groups from the pre row)."""
    _check_unique(data, id, wave)
    base = data.loc[data[wave] == pre, [*by, id, score]].rename(columns={score: "pre"})
    follow = data.loc[data[wave] == post, [id, score]].rename(columns={score: "post"})
    both = base.merge(follow, on=id, how="inner", validate="one_to_one")
    both = both.dropna(subset=["pre", "post"])
    both["pre"] = both["pre"].astype(float)
    both["post"] = both["post"].astype(float)
    return both.reset_index(drop=True)


def _grouped(frame: pd.DataFrame, by: tuple[str, ...]) -> Any:
    return frame.groupby(list(by), observed=True, sort=True, dropna=False)


# --------------------------------------------------------------------------- pre/post
def pre_post(
    data: pd.DataFrame,
    *,
    score: str,
    id: str,
    wave: str = "wave",
    pre: Any = 1,
    post: Any = None,
    by: str | Sequence[str] = (),
    ci_level: float = 0.95,
) -> pd.DataFrame:
    """Paired pre/post change of a score, per group, with a t interval and effect sizes.

    Parameters
    ----------
    data : pandas.DataFrame
        Long scores: one row per respondent x wave.
    score : str
        The score column.
    id : str
        The respondent id column (unique within a wave).
    wave : str, default "wave"
        The wave column.
    pre, post : wave values, default 1 and the last wave
        The waves compared; only respondents with a score at both enter (complete pairs).
    by : str or sequence of str, default ()
        Grouping columns (taken from the respondent's ``pre`` row), e.g. ``("site", "arm")``.
    ci_level : float, default 0.95
        Confidence level of the interval for the mean change.

    Returns
    -------
    pandas.DataFrame
        One row per group: the ``by`` columns, then ``n`` (complete pairs), ``mean_pre``,
        ``mean_post``, ``sd_pre``, ``sd_post``, ``mean_change`` (post - pre; negative means the
        score went down), ``sd_change``, ``ci_low``/``ci_high`` (t interval for the mean change),
        ``t``, ``df`` (n - 1), ``p`` (two-sided paired t test), ``cohen_dz``, ``cohen_dav``,
        ``hedges_g_av``. Groups with fewer than two pairs get NaN statistics.

    Notes
    -----
    With :math:`D_i = x_{post,i} - x_{pre,i}`, :math:`t = \\bar D / (s_D/\\sqrt n)` on
    :math:`n-1` df and the interval :math:`\\bar D \\pm t_{n-1,(1+level)/2}\\, s_D/\\sqrt n`.
    Effect sizes (Lakens 2013), all signed like the change:

    - :math:`d_z = \\bar D / s_D` (standardised by the sd of the change; equals :math:`t/\\sqrt n`);
    - :math:`d_{av} = \\bar D / ((s_{pre} + s_{post})/2)` (standardised by the average sd, so it
      is comparable with between-group d);
    - Hedges' :math:`g_{av} = J \\cdot d_{av}` with Lakens' (2013, eq. 4) small-sample
      correction :math:`J = 1 - 3/(4(n_1 + n_2) - 9)` with :math:`n_1 = n_2 = n` (pingouin's
      paired Hedges' g applies the same factor).

    References
    ----------
    Lakens, D. (2013). Calculating and reporting effect sizes to facilitate cumulative science:
    a practical primer for t-tests and ANOVAs. *Frontiers in Psychology*, 4, 863.

    Checked against: R 4.2.2 ``t.test(paired = TRUE)`` to 1e-10 and Lakens' (2013) worked
    example (d_z = 1.50, d_av = 1.13), tests/results/evaluation_prepost.R.
    """
    from scipy import stats

    by = _as_tuple(by, "by")
    _require(data, [score, id, wave, *by])
    ci_level = _check_level(ci_level, "ci_level")
    pre, post = _resolve_waves(data, wave, pre, post)
    pairs = _pairs(data, score=score, id=id, wave=wave, pre=pre, post=post, by=by)
    pairs["change"] = pairs["post"] - pairs["pre"]
    aggs = {
        "n": ("change", "size"),
        "mean_pre": ("pre", "mean"),
        "mean_post": ("post", "mean"),
        "sd_pre": ("pre", "std"),
        "sd_post": ("post", "std"),
        "mean_change": ("change", "mean"),
        "sd_change": ("change", "std"),
    }
    if by:
        out = _grouped(pairs, by).agg(**aggs).reset_index()
    else:
        out = pairs.assign(_all=0).groupby("_all").agg(**aggs).reset_index(drop=True)
        if out.empty:  # no complete pairs: one row, n = 0, statistics NaN
            out = pd.DataFrame({"n": [0], **{k: [np.nan] for k in list(aggs)[1:]}})
    n = out["n"].to_numpy(dtype=float)
    df = np.where(n >= 2, n - 1, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        se = out["sd_change"].to_numpy(dtype=float) / np.sqrt(n)
        mean = out["mean_change"].to_numpy(dtype=float)
        t = mean / se
        tcrit = stats.t.ppf(0.5 + ci_level / 2, df)
        out["ci_low"] = mean - tcrit * se
        out["ci_high"] = mean + tcrit * se
        out["t"] = t
        out["df"] = df
        out["p"] = 2 * stats.t.sf(np.abs(t), df)
        out["cohen_dz"] = mean / out["sd_change"].to_numpy(dtype=float)
        sd_av = (out["sd_pre"].to_numpy(dtype=float) + out["sd_post"].to_numpy(dtype=float)) / 2
        out["cohen_dav"] = mean / sd_av
        out["hedges_g_av"] = out["cohen_dav"] * (1 - 3 / (8 * np.where(n >= 2, n, np.nan) - 9))
    out["n"] = out["n"].astype("int64")
    return out.loc[:, [*by, *PRE_POST_COLUMNS]]


# --------------------------------------------------------------------------- reliable change
def reliable_change(
    data: pd.DataFrame,
    *,
    score: str,
    id: str,
    wave: str = "wave",
    pre: Any = 1,
    post: Any = None,
    reliability: float,
    sd: float | None = None,
    direction: Literal["lower_is_better", "higher_is_better"],
    level: float = 0.95,
    by: str | Sequence[str] = (),
) -> pd.DataFrame:
    """Classify each respondent's change as reliably improved, unchanged or deteriorated.

    Parameters
    ----------
    data : pandas.DataFrame
        Long scores: one row per respondent x wave.
    score, id, wave, pre, post
        As in :func:`pre_post`.
    reliability : float
        Reliability of the score in [0, 1) (Cronbach's alpha of the scale in this or a reference
        sample, or a test-retest correlation).
    sd : float, optional
        Reference standard deviation. Default: the sd (ddof=1) of the ``pre`` scores of every
        respondent with a ``pre`` score (the pre-treatment sample of Jacobson & Truax).
    direction : {"lower_is_better", "higher_is_better"}
        Which way of change is an improvement (stigma scales: ``"lower_is_better"``).
    level : float, default 0.95
        Two-sided level of the reliability criterion (0.95 gives |RCI| > 1.96).
    by : str or sequence of str, default ()
        Grouping columns carried from the ``pre`` row into the result, for
        :func:`reliable_change_counts` (e.g. ``("site", "arm")``).

    Returns
    -------
    pandas.DataFrame
        One row per respondent with a score at both waves (internal: respondent-level, never
        publish): the ``by`` columns, the ``id`` column, ``pre``, ``post``, ``change``
        (post - pre), ``rci``, ``category`` (ordered categorical: improved < unchanged <
        deteriorated), and the constants used: ``sd_reference``, ``sem``, ``s_diff`` and
        ``threshold`` (smallest reliable absolute change, in score units).

    Notes
    -----
    Jacobson & Truax (1991): :math:`SEM = s_1\\sqrt{1 - r_{xx}}`,
    :math:`S_{diff} = \\sqrt{2}\\,SEM`, :math:`RCI = (x_{post} - x_{pre}) / S_{diff}`. Change is
    reliable when :math:`|RCI| > z_{(1+level)/2}` (1.96); its sign and ``direction`` decide between
    improved and deteriorated. Uses :func:`stigma_analysis.reliability.reliable_change_index`.

    References
    ----------
    Jacobson, N. S., & Truax, P. (1991). Clinical significance: a statistical approach to
    defining meaningful change in psychotherapy research. *J Consult Clin Psychol*, 59(1), 12-19.

    Checked against: a hand computation of Jacobson & Truax's formula (tests/test_evaluation.py)
    and synthetic data where the improved share is known by construction.
    """
    by = _as_tuple(by, "by")
    _require(data, [score, id, wave, *by])
    _check_choice(direction, "direction", ("lower_is_better", "higher_is_better"))
    level = _check_level(level, "level")
    if not isinstance(reliability, int | float) or not 0 <= reliability < 1:
        raise ValueError(f"reliability must be a number in [0, 1), got {reliability!r}")
    pre, post = _resolve_waves(data, wave, pre, post)
    if sd is None:
        baseline = data.loc[data[wave] == pre, score].dropna().astype(float)
        if len(baseline) < 2:
            raise ValueError(f"need at least 2 {score!r} scores at {wave}={pre!r} to estimate sd")
        sd = float(baseline.std(ddof=1))
    elif not isinstance(sd, int | float) or not sd > 0:
        raise ValueError(f"sd must be a positive number, got {sd!r}")
    pairs = _pairs(data, score=score, id=id, wave=wave, pre=pre, post=post, by=by)
    pre_v = pairs["pre"].to_numpy()
    post_v = pairs["post"].to_numpy()
    rci = reliable_change_index(pre_v, post_v, sd=sd, reliability=float(reliability))
    z = _z(level)
    sign = -1.0 if direction == "lower_is_better" else 1.0
    better = sign * rci > z
    worse = sign * rci < -z
    labels = np.where(better, "improved", np.where(worse, "deteriorated", "unchanged"))
    sem = float(standard_error_of_measurement(sd, float(reliability)))
    return pairs.assign(
        change=post_v - pre_v,
        rci=rci,
        category=pd.Categorical(labels, categories=list(CATEGORIES), ordered=True),
        sd_reference=float(sd),
        sem=sem,
        s_diff=math.sqrt(2.0) * sem,
        threshold=reliable_change_threshold(sd, float(reliability), level=level),
    )


def reliable_change_counts(
    classified: pd.DataFrame, *, by: str | Sequence[str] = ("site", "arm")
) -> pd.DataFrame:
    """Count reliably improved / unchanged / deteriorated respondents per group.

    Parameters
    ----------
    classified : pandas.DataFrame
        The result of :func:`reliable_change` (called with the same ``by`` columns).
    by : str or sequence of str, default ("site", "arm")
        Grouping columns; ``()`` gives one overall row.

    Returns
    -------
    pandas.DataFrame
        One row per group: the ``by`` columns, ``n``, ``improved``, ``unchanged``,
        ``deteriorated`` (counts), ``pct_improved``, ``pct_unchanged``, ``pct_deteriorated``
        (percent of ``n``, 0-100). Counts are not suppressed: pass the table through
        ``privacy.disclose`` before publishing.

    Checked against: synthetic data with a known number of improvers per group
    (tests/test_evaluation.py).
    """
    by = _as_tuple(by, "by")
    if isinstance(classified, pd.DataFrame) and "category" in classified.columns:
        missing = [b for b in by if b not in classified.columns]
        if missing:
            raise ValueError(
                f"classified has no column(s) {missing}; call reliable_change(..., by={by!r})"
            )
    _require(classified, ["category", *by], "classified")
    cat = pd.Categorical(classified["category"], categories=list(CATEGORIES))
    dummies = pd.get_dummies(cat).astype("int64")
    dummies = dummies.reindex(columns=list(CATEGORIES), fill_value=0)
    frame = pd.concat([classified.loc[:, list(by)].reset_index(drop=True), dummies], axis=1)
    if by:
        out = _grouped(frame, by)[list(CATEGORIES)].sum().reset_index()
    else:
        out = frame[list(CATEGORIES)].sum().to_frame().T.reset_index(drop=True)
    out["n"] = out[list(CATEGORIES)].sum(axis=1).astype("int64")
    with np.errstate(divide="ignore", invalid="ignore"):
        for c in CATEGORIES:
            out[c] = out[c].astype("int64")
            out[f"pct_{c}"] = 100.0 * out[c] / out["n"].where(out["n"] > 0)
    return out.loc[:, [*by, *COUNT_COLUMNS]]


# --------------------------------------------------------------------------- thresholds
def wilson_interval(k: Any, n: Any, *, ci_level: float = 0.95) -> tuple[Any, Any]:
    """Wilson score interval for a binomial proportion (vectorised; NaN where n = 0).

    Notes
    -----
    :math:`(\\hat p + z^2/2n \\pm z\\sqrt{\\hat p(1-\\hat p)/n + z^2/4n^2}) / (1 + z^2/n)`.

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
    inference. *JASA*, 22(158), 209-212.

    Checked against: R 4.2.2 ``prop.test(k, n, correct = FALSE)$conf.int`` and statsmodels
    ``proportion_confint(method="wilson")`` to 1e-10.
    """
    z = _z(_check_level(ci_level, "ci_level"))
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
        low = np.where(n > 0, np.clip(centre - half, 0.0, 1.0), np.nan)
        high = np.where(n > 0, np.clip(centre + half, 0.0, 1.0), np.nan)
    return low, high


def threshold_attainment(
    data: pd.DataFrame,
    *,
    score: str,
    cutoff: float,
    direction: Literal["at_or_above", "below"],
    wave: str = "wave",
    by: str | Sequence[str] = (),
    ci_level: float = 0.95,
) -> pd.DataFrame:
    """Share of respondents at or above (or below) a cut-off, per wave and group.

    Parameters
    ----------
    data : pandas.DataFrame
        Long scores: one row per respondent x wave.
    score : str
        The score column; missing scores are left out of ``n``.
    cutoff : float
        The cut-off, e.g. 2.5 for "elevated" ISMI self-stigma (the lower bound of a band).
    direction : {"at_or_above", "below"}
        Count ``score >= cutoff`` or ``score < cutoff`` (bands include their lower bound).
    wave : str, default "wave"
    by : str or sequence of str, default ()
        Grouping columns.
    ci_level : float, default 0.95

    Returns
    -------
    pandas.DataFrame
        One row per group x wave: the ``by`` columns, the wave column, ``n`` (scored
        respondents), ``k`` (meeting the condition), ``share`` (k / n), ``ci_low``, ``ci_high``
        (Wilson score interval).

    Notes
    -----
    See :func:`wilson_interval`. The Wilson interval keeps good coverage for small n and shares
    near 0 or 1, where the Wald interval fails (Brown, Cai & DasGupta 2001).

    References
    ----------
    Brown, L. D., Cai, T. T., & DasGupta, A. (2001). Interval estimation for a binomial
    proportion. *Statistical Science*, 16(2), 101-133.

    Checked against: R 4.2.2 ``prop.test(k, n, correct = FALSE)$conf.int`` to 1e-10
    (tests/results/evaluation_wilson.R).
    """
    by = _as_tuple(by, "by")
    _require(data, [score, wave, *by])
    _check_choice(direction, "direction", ("at_or_above", "below"))
    if not isinstance(cutoff, int | float) or not math.isfinite(cutoff):
        raise ValueError(f"cutoff must be a finite number, got {cutoff!r}")
    ci_level = _check_level(ci_level, "ci_level")
    values = data[score].astype(float)
    valid = values.notna()
    meets = (values >= cutoff) if direction == "at_or_above" else (values < cutoff)
    frame = data.loc[:, [*by, wave]].assign(
        n=valid.astype("int64"), k=(meets & valid).astype("int64")
    )
    out = _grouped(frame, (*by, wave))[["n", "k"]].sum().reset_index()
    n = out["n"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["share"] = np.where(n > 0, out["k"] / n, np.nan)
    out["ci_low"], out["ci_high"] = wilson_interval(out["k"], n, ci_level=ci_level)
    return out.loc[:, [*by, wave, "n", "k", "share", "ci_low", "ci_high"]]


# --------------------------------------------------------------------------- arm x wave
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
    import statsmodels.api as sm

    _require(data, [score, id, arm, wave])
    ci_level = _check_level(ci_level, "ci_level")
    frame = data.loc[:, [id, arm, wave, score]].dropna()
    _check_unique(frame, id, wave)
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
    others = [a for a in arms if a != reference_arm]
    follow = [w for w in waves if w != baseline_wave]
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
    exog = pd.DataFrame(columns, index=frame.index)
    endog = frame[score].astype(float)
    groups = frame[id].to_numpy()
    model = sm.MixedLM(endog, exog, groups=groups, exog_re=np.ones((len(frame), 1)))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = model.fit(reml=True)
    messages = tuple(dict.fromkeys(f"{w.category.__name__}: {w.message}" for w in caught))

    z = _z(ci_level)
    from scipy import stats

    names = list(exog.columns)
    est = np.asarray(fit.fe_params, dtype=float)
    # GLS covariance (X'V^-1 X)^-1 at the REML variances, as lme4's vcov(); statsmodels'
    # cov_params() inverts the joint observed information instead, which differs slightly
    # when waves are missing. V_i^-1 = (I - c_i J) / s2 with c_i = s2_u / (s2 + n_i s2_u).
    s2, s2_u = float(fit.scale), float(np.asarray(fit.cov_re)[0, 0])
    X = exog.to_numpy()
    codes = np.unique(groups, return_inverse=True)[1]
    sizes = np.bincount(codes)
    sums = np.zeros((sizes.size, X.shape[1]))
    np.add.at(sums, codes, X)
    c = s2_u / (s2 + sizes * s2_u)
    info = (X.T @ X - sums.T @ (c[:, None] * sums)) / s2
    cov = np.linalg.inv(info)
    se = np.sqrt(np.diag(cov))
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
    rows = []
    index = {name: i for i, name in enumerate(names)}
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
    contrasts = pd.DataFrame(
        rows,
        columns=[
            "arm",
            "wave",
            "change_reference",
            "change_arm",
            "estimate",
            "se",
            "ci_low",
            "ci_high",
            "p",
        ],
    )
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


# --------------------------------------------------------------------------- attrition
@dataclass(frozen=True, slots=True, kw_only=True)
class AttritionResult:
    """Retention over waves and a baseline comparison of completers and drop-outs.

    Attributes
    ----------
    retention : pandas.DataFrame
        ``by..., wave, n_baseline, n_present, pct_retained``: of the respondents present at
        baseline, how many are present at each wave (percent, 0-100).
    baseline : pandas.DataFrame
        ``by..., variable, level, statistic, n_completers, n_dropouts, completers,
        completers_sd, dropouts, dropouts_sd, smd, test, p`` (see :func:`attrition`).
    final_wave
        The wave that defines a completer.
    """

    retention: pd.DataFrame
    baseline: pd.DataFrame
    final_wave: Any

    def to_frame(self) -> pd.DataFrame:
        """The retention table."""
        return self.retention.copy()


BASELINE_COLUMNS = (
    "variable",
    "level",
    "statistic",
    "n_completers",
    "n_dropouts",
    "completers",
    "completers_sd",
    "dropouts",
    "dropouts_sd",
    "smd",
    "test",
    "p",
)


def _compare_numeric(x: pd.Series, done: pd.Series) -> list[dict[str, Any]]:
    from scipy import stats

    ok = x.notna()
    a = x[ok & done].astype(float).to_numpy()
    b = x[ok & ~done].astype(float).to_numpy()
    ma, mb = (a.mean() if a.size else np.nan), (b.mean() if b.size else np.nan)
    sa = a.std(ddof=1) if a.size > 1 else np.nan
    sb = b.std(ddof=1) if b.size > 1 else np.nan
    pooled = math.sqrt((sa**2 + sb**2) / 2) if np.isfinite(sa) and np.isfinite(sb) else np.nan
    smd = (ma - mb) / pooled if pooled and np.isfinite(pooled) else np.nan
    p = np.nan
    if a.size > 1 and b.size > 1 and (sa > 0 or sb > 0):
        p = float(stats.ttest_ind(a, b, equal_var=False).pvalue)
    return [
        {
            "level": "",
            "statistic": "mean",
            "n_completers": a.size,
            "n_dropouts": b.size,
            "completers": ma,
            "completers_sd": sa,
            "dropouts": mb,
            "dropouts_sd": sb,
            "smd": smd,
            "test": "welch_t",
            "p": p,
        }
    ]


def _compare_categorical(x: pd.Series, done: pd.Series) -> list[dict[str, Any]]:
    from scipy import stats

    ok = x.notna()
    table = pd.crosstab(x[ok].astype(str), done[ok]).reindex(columns=[True, False], fill_value=0)
    n_c, n_d = int(table[True].sum()), int(table[False].sum())
    p = np.nan
    if table.shape[0] > 1 and n_c > 0 and n_d > 0:
        p = float(stats.chi2_contingency(table.to_numpy(), correction=False).pvalue)
    rows = []
    for level, counts in table.iterrows():
        pc = counts[True] / n_c if n_c else np.nan
        pd_ = counts[False] / n_d if n_d else np.nan
        spread = math.sqrt((pc * (1 - pc) + pd_ * (1 - pd_)) / 2) if n_c and n_d else np.nan
        rows.append(
            {
                "level": str(level),
                "statistic": "proportion",
                "n_completers": n_c,
                "n_dropouts": n_d,
                "completers": pc,
                "completers_sd": np.nan,
                "dropouts": pd_,
                "dropouts_sd": np.nan,
                "smd": (pc - pd_) / spread if spread and np.isfinite(spread) else np.nan,
                "test": "chi_square",
                "p": p,
            }
        )
    return rows


def attrition(
    data: pd.DataFrame,
    *,
    id: str,
    wave: str = "wave",
    baseline: Any = 1,
    final: Any = None,
    compare: Sequence[str] = (),
    by: str | Sequence[str] = (),
    present: str | None = None,
    categorical: Sequence[str] = (),
) -> AttritionResult:
    """Who stays in the study: retention per wave and completers vs drop-outs at baseline.

    Parameters
    ----------
    data : pandas.DataFrame
        Long data: one row per respondent x wave.
    id : str
        Respondent id column.
    wave : str, default "wave"
    baseline : default 1
        The baseline wave; only respondents present there are followed.
    final : optional
        The wave that defines a completer (present there); default the last wave.
    compare : sequence of str
        Baseline variables to compare. Numeric columns give means/sds, a standardised mean
        difference and Welch's t test; other columns (text, categorical, boolean) give one row
        per level with proportions, a standardised difference of proportions and a chi-square
        test of the whole table (no continuity correction; the same p on each level's row).
    by : str or sequence of str, default ()
        Grouping columns (from the baseline row), e.g. ``("site", "arm")``.
    present : str, optional
        If given, a respondent counts as present at a wave only where this column (usually the
        main score) is not missing; otherwise having a row is enough.
    categorical : sequence of str, default ()
        Variables of ``compare`` to treat as categorical although their codes are numbers
        (SPSS codes such as ``site`` 1-4).

    Returns
    -------
    AttritionResult
        ``retention`` and ``baseline`` tables (see :class:`AttritionResult`). In ``baseline``,
        ``completers``/``dropouts`` hold the means (or proportions), ``*_sd`` the sds (NaN for
        proportions), ``smd`` is completers minus drop-outs over
        :math:`\\sqrt{(s_c^2 + s_d^2)/2}` (for proportions :math:`s^2 = p(1-p)`), ``test`` is
        ``"welch_t"`` or ``"chi_square"``.

    Notes
    -----
    |smd| > 0.1 is the usual flag for an imbalance worth adjusting for (Austin 2009); with
    attrition related to baseline variables, complete-case analyses are biased unless those
    variables are in the model (missing at random).

    References
    ----------
    Austin, P. C. (2009). Balance diagnostics for comparing the distribution of baseline
    covariates between treatment groups in propensity-score matched samples.
    *Statistics in Medicine*, 28(25), 3083-3107.

    Checked against: scipy.stats ``ttest_ind(equal_var=False)`` and ``chi2_contingency`` on
    synthetic data with known drop-out (tests/test_evaluation.py).
    """
    by = _as_tuple(by, "by")
    compare = _as_tuple(compare, "compare")
    categorical = _as_tuple(categorical, "categorical")
    stray = [c for c in categorical if c not in compare]
    if stray:
        raise ValueError(f"categorical names {stray}, which are not in compare={compare!r}")
    extra = [present] if present is not None else []
    _require(data, [id, wave, *by, *compare, *extra])
    _check_unique(data, id, wave)
    waves = sorted(pd.unique(data[wave].dropna()))
    if baseline not in waves:
        raise ValueError(f"baseline={baseline!r} is not a value of column {wave!r}; found {waves}")
    if final is None:
        final = waves[-1]
    elif final not in waves:
        raise ValueError(f"final={final!r} is not a value of column {wave!r}; found {waves}")
    rows = data if present is None else data.loc[data[present].notna()]
    base = data.loc[data[wave] == baseline, [id, *by, *compare]]
    if present is not None:
        base = base.loc[base[id].isin(rows.loc[rows[wave] == baseline, id])]
    seen = pd.crosstab(rows[id], rows[wave]).reindex(columns=waves, fill_value=0) > 0
    seen = seen.reindex(base[id].to_numpy(), fill_value=False)
    flags = pd.DataFrame(seen.to_numpy(), columns=waves, index=base.index)
    keys = list(by) if by else ["_all"]
    wide = pd.concat([base[list(by)], flags], axis=1).assign(_all=0)
    counts = _grouped(wide, tuple(keys))[waves].sum()
    sizes = _grouped(wide, tuple(keys)).size().rename("n_baseline")
    counts = counts.join(sizes).reset_index()
    retention = counts.melt(
        id_vars=[*keys, "n_baseline"], value_vars=waves, var_name=wave, value_name="n_present"
    ).sort_values([*keys, wave], kind="stable")
    retention["n_baseline"] = retention["n_baseline"].astype("int64")
    retention["n_present"] = retention["n_present"].astype("int64")
    retention["pct_retained"] = 100.0 * retention["n_present"] / retention["n_baseline"]
    retention = retention.loc[:, [*by, wave, "n_baseline", "n_present", "pct_retained"]]
    retention = retention.reset_index(drop=True)

    done = pd.Series(flags[final].to_numpy(), index=base.index)
    out_rows: list[dict[str, Any]] = []
    groups = _grouped(base, by) if by else [((), base)]
    for key, part in groups:
        key_t = key if isinstance(key, tuple) else (key,)
        for var in compare:
            x = part[var]
            numeric = (
                var not in categorical
                and pd.api.types.is_numeric_dtype(x)
                and not pd.api.types.is_bool_dtype(x)
            )
            compare_fn = _compare_numeric if numeric else _compare_categorical
            for r in compare_fn(x, done.loc[part.index]):
                out_rows.append({**dict(zip(by, key_t, strict=True)), "variable": var, **r})
    table = pd.DataFrame(out_rows, columns=[*by, *BASELINE_COLUMNS])
    return AttritionResult(retention=retention, baseline=table, final_wave=final)
