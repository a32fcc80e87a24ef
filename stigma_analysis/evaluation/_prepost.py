"""Programme evaluation: pre/post change, reliable change, thresholds, arm x wave, attrition.

Every function takes a long table of scores (one row per respondent x wave, as written by
``stigma-analysis score``) and the names of its id, wave and grouping columns, and returns a tidy
DataFrame with fixed columns (or a frozen dataclass with ``.to_frame()``). Grouping columns keep
their names and come first. Results are not yet safe to publish: pass them through
``stigma_analysis.privacy.disclose`` (small cells) before they reach a report.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from stigma_analysis._checks import renamed_keywords
from stigma_analysis.evaluation._common import (
    _as_tuple,
    _check_choice,
    _check_level,
    _grouped,
    _pairs,
    _refuse_weights,
    _require,
    _resolve_waves,
    _z,
)
from stigma_analysis.evaluation._effectsize import _paired_effect_cis
from stigma_analysis.reliability import (
    reliable_change_index,
    reliable_change_threshold,
    standard_error_of_measurement,
)
from stigma_analysis.scoring import reaches_cutoff

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
    "cohen_dz_ci_low",
    "cohen_dz_ci_high",
    "cohen_dav_ci_low",
    "cohen_dav_ci_high",
    "hedges_g_av_ci_low",
    "hedges_g_av_ci_high",
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
    weights: str | None = None,
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
    weights : None
        Not supported (a paired t test has no weighted form): giving a weight column raises
        ``ValueError``. For a weighted, design-based mean change, compute the change score
        and use :func:`survey_mean` on a :func:`survey_design`.

    Returns
    -------
    pandas.DataFrame
        One row per group: the ``by`` columns, then ``n`` (complete pairs), ``mean_pre``,
        ``mean_post``, ``sd_pre``, ``sd_post``, ``mean_change`` (post - pre; negative means the
        score went down), ``sd_change``, ``ci_low``/``ci_high`` (t interval for the mean change),
        ``t``, ``df`` (n - 1), ``p`` (two-sided paired t test), ``cohen_dz``, ``cohen_dav``,
        ``hedges_g_av``, then the intervals ``cohen_dz_ci_low``/``_high``,
        ``cohen_dav_ci_low``/``_high`` and ``hedges_g_av_ci_low``/``_high`` (at ``ci_level``).
        Groups with fewer than two pairs get NaN statistics.

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

    Intervals of the effect sizes use the noncentral t distribution, as R MOTE: with
    :math:`t_z = \\bar D/(s_D/\\sqrt n)` (d_z) or :math:`t_{av} = \\bar D/(((s_{pre} +
    s_{post})/2)/\\sqrt n)` (d_av; MOTE ``d.dep.t.avg``), find the noncentrality parameters
    :math:`\\lambda` with :math:`P(T_{n-1,\\lambda} \\le t) = (1 \\mp level)/2` and divide them
    by :math:`\\sqrt n`. The g_av interval is the d_av interval times :math:`J`.

    References
    ----------
    Lakens, D. (2013). Calculating and reporting effect sizes to facilitate cumulative science:
    a practical primer for t-tests and ANOVAs. *Frontiers in Psychology*, 4, 863.

    Checked against: R 4.2.2 ``t.test(paired = TRUE)`` to 1e-10 and Lakens' (2013) worked
    example (d_z = 1.50, d_av = 1.13), tests/results/evaluation_prepost.R; effect-size intervals
    match MOTE 1.x ``d.dep.t.diff``/``d.dep.t.avg`` (its own test values) to 1e-6 and its method
    re-computed in R on Lakens' example to 1e-8 (tests/results/effectsize_prepost.R).

    Examples
    --------
    >>> import pandas as pd
    >>> from stigma_analysis import evaluation as ev
    >>> arm = ["intervention", "intervention", "comparison", "comparison"]
    >>> scores = pd.DataFrame({"resp_id": [1, 2, 3, 4] * 2, "wave": [1] * 4 + [2] * 4,
    ...                        "arm": arm * 2, "ismi": [2.8, 2.5, 3.1, 2.0, 2.1, 2.4, 3.3, 2.0]})
    >>> out = ev.pre_post(scores, score="ismi", id="resp_id")
    >>> out[["n", "mean_change", "ci_low", "ci_high", "p", "cohen_dz"]].round(3)
       n  mean_change  ci_low  ci_high      p  cohen_dz
    0  4        -0.15  -0.766    0.466  0.495    -0.387
    """
    from scipy import stats

    _refuse_weights(
        weights,
        "pre_post",
        "compute post - pre per respondent and use survey_mean(survey_design(...), ...)",
    )
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
        j = 1 - 3 / (8 * np.where(n >= 2, n, np.nan) - 9)
        out["hedges_g_av"] = out["cohen_dav"] * j
    cis = _paired_effect_cis(
        mean_change=mean,
        sd_change=out["sd_change"].to_numpy(dtype=float),
        sd_pre=out["sd_pre"].to_numpy(dtype=float),
        sd_post=out["sd_post"].to_numpy(dtype=float),
        n=n,
        level=ci_level,
    )
    out["cohen_dz_ci_low"], out["cohen_dz_ci_high"] = cis["dz_low"], cis["dz_high"]
    out["cohen_dav_ci_low"], out["cohen_dav_ci_high"] = cis["dav_low"], cis["dav_high"]
    out["hedges_g_av_ci_low"], out["hedges_g_av_ci_high"] = j * cis["dav_low"], j * cis["dav_high"]
    out["n"] = out["n"].astype("int64")
    return out.loc[:, [*by, *PRE_POST_COLUMNS]]


# --------------------------------------------------------------------------- reliable change
@renamed_keywords(level="ci_level")
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
    ci_level: float = 0.95,
    by: str | Sequence[str] = (),
    weights: str | None = None,
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
    ci_level : float, default 0.95
        Two-sided level of the reliability criterion (0.95 gives |RCI| > 1.96).
    by : str or sequence of str, default ()
        Grouping columns carried from the ``pre`` row into the result, for
        :func:`reliable_change_counts` (e.g. ``("site", "arm")``).
    weights : None
        Not supported: a respondent's classification does not depend on weights; giving a
        weight column raises ``ValueError``. For weighted shares of the categories, use
        :func:`survey_proportion` on the ``category`` column of the result.

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
    reliable when :math:`|RCI| > z_{(1+ci_level)/2}` (1.96); its sign and ``direction`` decide between
    improved and deteriorated. Uses :func:`stigma_analysis.reliability.reliable_change_index`.

    References
    ----------
    Jacobson, N. S., & Truax, P. (1991). Clinical significance: a statistical approach to
    defining meaningful change in psychotherapy research. *J Consult Clin Psychol*, 59(1), 12-19.

    Checked against: a hand computation of Jacobson & Truax's formula (tests/test_evaluation.py)
    and synthetic data where the improved share is known by construction.

    Examples
    --------
    >>> import pandas as pd
    >>> from stigma_analysis import evaluation as ev
    >>> arm = ["intervention", "intervention", "comparison", "comparison"]
    >>> scores = pd.DataFrame({"resp_id": [1, 2, 3, 4] * 2, "wave": [1] * 4 + [2] * 4,
    ...                        "arm": arm * 2, "ismi": [2.8, 2.5, 3.1, 2.0, 2.1, 2.4, 3.3, 2.0]})
    >>> rc = ev.reliable_change(scores, score="ismi", id="resp_id", reliability=0.9,
    ...                         direction="lower_is_better", by="arm")
    >>> rc[["arm", "resp_id", "change", "rci", "category"]].round(2)
                arm  resp_id  change   rci   category
    0  intervention        1    -0.7 -3.34   improved
    1  intervention        2    -0.1 -0.48  unchanged
    2    comparison        3     0.2  0.95  unchanged
    3    comparison        4     0.0  0.00  unchanged
    """
    _refuse_weights(
        weights,
        "reliable_change",
        "classify unweighted, then estimate weighted shares with survey_proportion()",
    )
    by = _as_tuple(by, "by")
    _require(data, [score, id, wave, *by])
    _check_choice(direction, "direction", ("lower_is_better", "higher_is_better"))
    ci_level = _check_level(ci_level, "ci_level")
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
    z = _z(ci_level)
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
        threshold=reliable_change_threshold(sd, float(reliability), ci_level=ci_level),
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

    Examples
    --------
    >>> import pandas as pd
    >>> from stigma_analysis.evaluation import reliable_change_counts
    >>> classified = pd.DataFrame({"arm": ["a", "a", "b"],
    ...                            "category": ["improved", "unchanged", "unchanged"]})
    >>> reliable_change_counts(classified, by="arm")[["arm", "n", "improved", "pct_improved"]]
      arm  n  improved  pct_improved
    0   a  2         1          50.0
    1   b  1         0           0.0
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

    Examples
    --------
    >>> from stigma_analysis.evaluation import wilson_interval
    >>> [round(x, 4) for x in wilson_interval(39, 100)]
    [0.3002, 0.488]
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
    if low.ndim == 0:
        return float(low), float(high)
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
    weights: str | None = None,
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
    weights : str, optional
        A column of non-negative sampling weights. ``share`` becomes the weighted share and
        the Wilson interval uses Kish's effective sample size
        :math:`n_{eff} = (\\sum w)^2/\\sum w^2` in place of n (``n`` and ``k`` stay counts).
        Rows with a missing weight are left out. For clustered samples prefer
        :func:`survey_proportion` with the design's PSUs.

    Returns
    -------
    pandas.DataFrame
        One row per group x wave: the ``by`` columns, the wave column, ``n`` (scored
        respondents), ``k`` (meeting the condition), ``share`` (k / n, or the weighted share),
        ``ci_low``, ``ci_high`` (Wilson score interval).

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

    Examples
    --------
    >>> import pandas as pd
    >>> from stigma_analysis import evaluation as ev
    >>> arm = ["intervention", "intervention", "comparison", "comparison"]
    >>> scores = pd.DataFrame({"resp_id": [1, 2, 3, 4] * 2, "wave": [1] * 4 + [2] * 4,
    ...                        "arm": arm * 2, "ismi": [2.8, 2.5, 3.1, 2.0, 2.1, 2.4, 3.3, 2.0]})
    >>> ev.threshold_attainment(scores, score="ismi", cutoff=2.5,
    ...                         direction="at_or_above").round(3)
       wave  n  k  share  ci_low  ci_high
    0     1  4  3   0.75   0.301    0.954
    1     2  4  1   0.25   0.046    0.699
    """
    by = _as_tuple(by, "by")
    _require(data, [score, wave, *by])
    _check_choice(direction, "direction", ("at_or_above", "below"))
    if not isinstance(cutoff, int | float) or not math.isfinite(cutoff):
        raise ValueError(f"cutoff must be a finite number, got {cutoff!r}")
    ci_level = _check_level(ci_level, "ci_level")
    values = data[score].astype(float)
    valid = values.notna()
    if weights is not None:
        _require(data, [weights])
        w = data[weights].astype(float)
        if (w < 0).any() or np.isinf(w).any():
            raise ValueError(f"weights column {weights!r} must be non-negative and finite")
        valid = valid & w.notna()
        w = w.where(valid, 0.0)
    else:
        w = valid.astype(float)
    meets = reaches_cutoff(values, cutoff) == (direction == "at_or_above")  # as bands do
    frame = data.loc[:, [*by, wave]].assign(
        n=valid.astype("int64"),
        k=(meets & valid).astype("int64"),
        _w=w,
        _w2=w**2,
        _wk=w.where(meets & valid, 0.0),
    )
    out = _grouped(frame, (*by, wave))[["n", "k", "_w", "_w2", "_wk"]].sum().reset_index()
    n = out["n"].to_numpy(dtype=float)
    sw, sw2, swk = (out[c].to_numpy(dtype=float) for c in ("_w", "_w2", "_wk"))
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(sw > 0, swk / sw, np.nan)
        n_eff = np.where(sw > 0, sw**2 / sw2, 0.0)  # Kish; equals n without weights
    out["share"] = share
    if weights is None:
        out["ci_low"], out["ci_high"] = wilson_interval(out["k"], n, ci_level=ci_level)
    else:
        out["ci_low"], out["ci_high"] = wilson_interval(share * n_eff, n_eff, ci_level=ci_level)
    return out.loc[:, [*by, wave, "n", "k", "share", "ci_low", "ci_high"]]
