"""Effect sizes with intervals: paired d_z / d_av / g_av, and Morris's controlled d_ppc2."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from stigma_analysis.evaluation._common import (
    _as_tuple,
    _check_level,
    _check_unique,
    _grouped,
    _require,
    _resolve_waves,
    _z,
)

__all__ = [
    "CONTROLLED_COLUMNS",
    "controlled_effect_size",
    "controlled_effect_size_from_summary",
]

CONTROLLED_COLUMNS = (
    "n_treatment",
    "n_control",
    "change_treatment",
    "change_control",
    "sd_pre_pooled",
    "r_pre_post",
    "d_ppc1",
    "d_ppc1_ci_low",
    "d_ppc1_ci_high",
    "d_ppc2",
    "d_ppc2_se",
    "d_ppc2_ci_low",
    "d_ppc2_ci_high",
)


def _nct_limits(t: float, df: float, level: float) -> tuple[float, float]:
    """Noncentrality parameters with P(T <= t | ncp) = 1 - a/2 and a/2 (MOTE's noncentral_t)."""
    from scipy import optimize, stats

    if not (math.isfinite(t) and math.isfinite(df) and df > 0):
        return math.nan, math.nan
    a = 1 - level

    def root(p: float) -> float:
        def f(ncp: float) -> float:
            return float(stats.nct.cdf(t, df, ncp)) - p

        lo, hi = t - 1.0, t + 1.0
        while f(lo) < 0:  # cdf falls as ncp grows: widen until the root is bracketed
            lo -= 2 * (t - lo) if t != lo else 1.0
        while f(hi) > 0:
            hi += 2 * (hi - t) if hi != t else 1.0
        return float(optimize.brentq(f, lo, hi, xtol=1e-13, rtol=1e-13))

    return root(1 - a / 2), root(a / 2)


def _paired_effect_cis(
    *,
    mean_change: np.ndarray,
    sd_change: np.ndarray,
    sd_pre: np.ndarray,
    sd_post: np.ndarray,
    n: np.ndarray,
    level: float,
) -> dict[str, np.ndarray]:
    """Noncentral-t intervals of d_z and d_av as MOTE ``d.dep.t.diff`` / ``d.dep.t.avg``."""
    out = {k: np.full(len(n), np.nan) for k in ("dz_low", "dz_high", "dav_low", "dav_high")}
    for i in range(len(n)):
        if not n[i] >= 2:
            continue
        root_n = math.sqrt(n[i])
        with np.errstate(divide="ignore", invalid="ignore"):  # no spread: t infinite, CI NaN
            t_z = mean_change[i] / (sd_change[i] / root_n)
            t_av = mean_change[i] / ((sd_pre[i] + sd_post[i]) / 2 / root_n)
        lo, hi = _nct_limits(float(t_z), float(n[i] - 1), level)
        out["dz_low"][i], out["dz_high"][i] = lo / root_n, hi / root_n
        lo, hi = _nct_limits(float(t_av), float(n[i] - 1), level)
        out["dav_low"][i], out["dav_high"][i] = lo / root_n, hi / root_n
    return out


def _exact_c(m: Any) -> Any:
    """Hedges' exact bias correction c(m) = Gamma(m/2) / (sqrt(m/2) Gamma((m-1)/2))."""
    from scipy.special import gammaln

    m = np.asarray(m, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.exp(gammaln(m / 2) - 0.5 * np.log(m / 2) - gammaln((m - 1) / 2))


def controlled_effect_size_from_summary(
    *,
    mean_pre_treatment: Any,
    mean_post_treatment: Any,
    sd_pre_treatment: Any,
    n_treatment: Any,
    mean_pre_control: Any,
    mean_post_control: Any,
    sd_pre_control: Any,
    n_control: Any,
    r: Any,
    ci_level: float = 0.95,
) -> pd.DataFrame:
    """Controlled pre-post effect sizes d_ppc1 and d_ppc2 (Morris 2008) from summary statistics.

    Parameters
    ----------
    mean_pre_treatment, mean_post_treatment, sd_pre_treatment, n_treatment : array_like
        Treatment arm: pre and post means, pre standard deviation, number of respondents.
    mean_pre_control, mean_post_control, sd_pre_control, n_control : array_like
        The same for the control (comparison) arm.
    r : array_like
        Pre-post correlation (assumed equal in both arms), used for the sampling variances.
    ci_level : float, default 0.95

    Returns
    -------
    pandas.DataFrame
        One row per study (element): the columns of :data:`CONTROLLED_COLUMNS` (``r_pre_post``
        is the given ``r``).

    Notes
    -----
    With :math:`\\Delta_g = \\bar x_{post,g} - \\bar x_{pre,g}`, :math:`N = n_T + n_C` and
    :math:`s_{pre}` the pooled pre-test sd,

    - :math:`d_{ppc2} = c_P (\\Delta_T - \\Delta_C)/s_{pre}` with
      :math:`c_P = 1 - 3/(4(N-2) - 1)` (Morris 2008 eq. 8, his recommended estimate), sampling
      variance (eq. 25)
      :math:`2c_P^2(1-\\rho)\\frac{N}{n_Tn_C}\\frac{N-2}{N-4}\\left(1 +
      \\frac{d^2}{2(1-\\rho)N/(n_Tn_C)}\\right) - d^2` and a Wald interval;
    - :math:`d_{ppc1} = g_T - g_C`, the difference of the arms' standardised mean changes
      :math:`g = c(n-1)\\Delta/s_{pre}` with the exact :math:`c(m)` (Becker 1988), variance
      :math:`\\sum 2(1-r)/n + g^2/(2n)` as metafor ``escalc(measure = "SMCR")``.

    Morris's Table 1 prints :math:`d_{ppc1}` (.74, .95, 1.81, 1.15, .51); :math:`d_{ppc2}` of
    the same five studies is .77, .80, 1.20, 1.05, .44.

    References
    ----------
    Morris, S. B. (2008). Estimating effect sizes from pretest-posttest-control group designs.
    *Organizational Research Methods*, 11(2), 364-386.
    Becker, B. J. (1988). Synthesizing standardized mean-change measures. *British Journal of
    Mathematical and Statistical Psychology*, 41, 257-278.

    Checked against: R metafor 3.8-1 ``escalc("SMCR")`` (d_ppc1 and its variance) to 1e-10 on
    the five studies of Morris (2008) Table 1, and a by-hand R computation of Morris's eqs. 8
    and 25 to 1e-10 (tests/results/effectsize_prepost.R).

    Examples
    --------
    >>> from stigma_analysis.evaluation import controlled_effect_size_from_summary
    >>> out = controlled_effect_size_from_summary(
    ...     mean_pre_treatment=30.6, mean_post_treatment=38.5, sd_pre_treatment=15.0,
    ...     n_treatment=20, mean_pre_control=23.1, mean_post_control=19.7, sd_pre_control=13.8,
    ...     n_control=20, r=0.47)
    >>> out[["d_ppc1", "d_ppc2", "d_ppc2_ci_low", "d_ppc2_ci_high"]].round(3)
       d_ppc1  d_ppc2  d_ppc2_ci_low  d_ppc2_ci_high
    0   0.742   0.768          0.102           1.435
    """
    level = _check_level(ci_level, "ci_level")
    arrays = {
        name: np.atleast_1d(np.asarray(value, dtype=float))
        for name, value in {
            "mean_pre_treatment": mean_pre_treatment,
            "mean_post_treatment": mean_post_treatment,
            "sd_pre_treatment": sd_pre_treatment,
            "n_treatment": n_treatment,
            "mean_pre_control": mean_pre_control,
            "mean_post_control": mean_post_control,
            "sd_pre_control": sd_pre_control,
            "n_control": n_control,
            "r": r,
        }.items()
    }
    try:
        b = np.broadcast_arrays(*arrays.values())
    except ValueError as exc:
        shapes = {k: v.shape for k, v in arrays.items()}
        raise ValueError(f"summary statistics must have matching lengths, got {shapes}") from exc
    a = dict(zip(arrays, b, strict=True))
    for name in ("n_treatment", "n_control"):
        if np.any(a[name] < 2):
            raise ValueError(f"{name} must be at least 2, got {a[name].tolist()}")
    for name in ("sd_pre_treatment", "sd_pre_control"):
        if np.any(~(a[name] > 0)):
            raise ValueError(f"{name} must be positive, got {a[name].tolist()}")
    if np.any(~((a["r"] > -1) & (a["r"] < 1))):
        raise ValueError(f"r must be in (-1, 1), got {a['r'].tolist()}")
    return _controlled(
        change_t=a["mean_post_treatment"] - a["mean_pre_treatment"],
        change_c=a["mean_post_control"] - a["mean_pre_control"],
        sd_t=a["sd_pre_treatment"],
        sd_c=a["sd_pre_control"],
        n_t=a["n_treatment"],
        n_c=a["n_control"],
        r=a["r"],
        level=level,
    )


def _controlled(
    *,
    change_t: np.ndarray,
    change_c: np.ndarray,
    sd_t: np.ndarray,
    sd_c: np.ndarray,
    n_t: np.ndarray,
    n_c: np.ndarray,
    r: np.ndarray,
    level: float,
) -> pd.DataFrame:
    z = _z(level)
    big_n = n_t + n_c
    with np.errstate(divide="ignore", invalid="ignore"):
        sd_pool = np.sqrt(((n_t - 1) * sd_t**2 + (n_c - 1) * sd_c**2) / (big_n - 2))
        cp = 1 - 3 / (4 * (big_n - 2) - 1)
        d2 = cp * (change_t - change_c) / sd_pool
        k = big_n / (n_t * n_c)
        var2 = (
            2 * cp**2 * (1 - r) * k * ((big_n - 2) / (big_n - 4)) * (1 + d2**2 / (2 * (1 - r) * k))
            - d2**2
        )
        se2 = np.sqrt(np.where(big_n > 4, var2, np.nan))
        g_t = _exact_c(n_t - 1) * change_t / sd_t
        g_c = _exact_c(n_c - 1) * change_c / sd_c
        d1 = g_t - g_c
        var1 = 2 * (1 - r) / n_t + g_t**2 / (2 * n_t) + 2 * (1 - r) / n_c + g_c**2 / (2 * n_c)
    return pd.DataFrame(
        {
            "n_treatment": n_t.astype("int64"),
            "n_control": n_c.astype("int64"),
            "change_treatment": change_t,
            "change_control": change_c,
            "sd_pre_pooled": sd_pool,
            "r_pre_post": r,
            "d_ppc1": d1,
            "d_ppc1_ci_low": d1 - z * np.sqrt(var1),
            "d_ppc1_ci_high": d1 + z * np.sqrt(var1),
            "d_ppc2": d2,
            "d_ppc2_se": se2,
            "d_ppc2_ci_low": d2 - z * se2,
            "d_ppc2_ci_high": d2 + z * se2,
        }
    )


def controlled_effect_size(
    data: pd.DataFrame,
    *,
    score: str,
    id: str,
    arm: str = "arm",
    treatment: Any = "intervention",
    control: Any = "comparison",
    wave: str = "wave",
    pre: Any = 1,
    post: Any = None,
    by: str | Sequence[str] = (),
    ci_level: float = 0.95,
) -> pd.DataFrame:
    """Controlled pre-post effect size d_ppc2 (Morris 2008) of a two-arm evaluation, per group.

    Parameters
    ----------
    data : pandas.DataFrame
        Long scores: one row per respondent x wave.
    score, id, wave, pre, post
        As in :func:`pre_post`; only respondents with a score at both waves enter.
    arm : str, default "arm"
        The arm column (taken from the ``pre`` row).
    treatment, control : default "intervention", "comparison"
        The two values of ``arm`` compared.
    by : str or sequence of str, default ()
        Grouping columns (e.g. ``"site"``); each group needs both arms.
    ci_level : float, default 0.95

    Returns
    -------
    pandas.DataFrame
        One row per group: the ``by`` columns, then :data:`CONTROLLED_COLUMNS`: arm sizes,
        mean change per arm (post - pre), the pooled pre-test sd, the pooled within-arm
        pre-post correlation, ``d_ppc1`` and ``d_ppc2`` with intervals (``d_ppc2_se`` its
        standard error). Positive values mean the treatment arm's score rose more; on a stigma
        scale (lower is better) a programme that works gives a negative d_ppc2.

    Notes
    -----
    See :func:`controlled_effect_size_from_summary` for the formulas. The correlation is the
    pooled within-arm one, :math:`r = \\sum_g (n_g - 1)c_g / \\sqrt{\\sum_g (n_g-1)s^2_{pre,g}
    \\sum_g (n_g-1)s^2_{post,g}}`. d_ppc2 standardises by the pre-test sd only, which the
    programme cannot have changed (Morris 2008).

    Checked against: R metafor 3.8-1 ``escalc("SMCR")`` and Morris's eqs. 8 and 25 computed by
    hand in R, on Morris's (2008) Table 1 (tests/results/effectsize_prepost.R), to 1e-10.

    Examples
    --------
    >>> import pandas as pd
    >>> from stigma_analysis.evaluation import controlled_effect_size
    >>> arm = ["intervention"] * 3 + ["comparison"] * 3
    >>> long = pd.DataFrame({"rid": list(range(6)) * 2, "wave": [1] * 6 + [2] * 6,
    ...                      "arm": arm * 2,
    ...                      "s": [2.8, 2.5, 3.1, 2.0, 2.6, 3.0, 2.1, 2.0, 2.6, 2.1, 2.5, 3.0]})
    >>> controlled_effect_size(long, score="s", id="rid")[["d_ppc2", "d_ppc2_se"]].round(3)
       d_ppc2  d_ppc2_se
    0  -1.094      0.628
    """
    by = _as_tuple(by, "by")
    _require(data, [score, id, arm, wave, *by])
    level = _check_level(ci_level, "ci_level")
    if treatment == control:
        raise ValueError(f"treatment and control must differ, both are {treatment!r}")
    arms = set(pd.unique(data[arm].dropna()))
    for name, value in (("treatment", treatment), ("control", control)):
        if value not in arms:
            raise ValueError(
                f"{name}={value!r} is not a value of column {arm!r}; found {sorted(arms, key=str)}"
            )
    pre, post = _resolve_waves(data, wave, pre, post)
    _check_unique(data, id, wave)
    base = data.loc[data[wave] == pre, [*by, arm, id, score]].rename(columns={score: "pre"})
    follow = data.loc[data[wave] == post, [id, score]].rename(columns={score: "post"})
    pairs = base.merge(follow, on=id, how="inner", validate="one_to_one").dropna(
        subset=["pre", "post", arm]
    )
    pairs = pairs.loc[pairs[arm].isin([treatment, control])]
    pairs = pairs.assign(pre=pairs["pre"].astype(float), post=pairs["post"].astype(float))
    keys = (*by, arm)
    stats = _grouped(pairs, keys).agg(
        n=("pre", "size"),
        mean_pre=("pre", "mean"),
        mean_post=("post", "mean"),
        var_pre=("pre", "var"),
        var_post=("post", "var"),
    )
    cov = _grouped(pairs, keys)[["pre", "post"]].cov().xs("pre", level=-1)["post"]
    stats["cov"] = cov
    stats = stats.reset_index()
    t = stats.loc[stats[arm] == treatment].drop(columns=arm)
    c = stats.loc[stats[arm] == control].drop(columns=arm)
    if by:
        both = t.merge(c, on=list(by), how="outer", suffixes=("_t", "_c")).sort_values(list(by))
    else:
        both = pd.concat(
            [t.add_suffix("_t").reset_index(drop=True), c.add_suffix("_c").reset_index(drop=True)],
            axis=1,
        )
    lacking = both["n_t"].isna() | both["n_c"].isna() | (both["n_t"] < 2) | (both["n_c"] < 2)
    if lacking.any():
        where = both.loc[lacking, list(by)].to_dict("records") if by else "the data"
        raise ValueError(
            f"each group needs at least 2 complete pairs in both arms ({arm}={treatment!r} and "
            f"{control!r}); too few in {where}"
        )
    n_t, n_c = both["n_t"].to_numpy(float), both["n_c"].to_numpy(float)
    pooled_cov = (n_t - 1) * both["cov_t"].to_numpy() + (n_c - 1) * both["cov_c"].to_numpy()
    pooled_pre = (n_t - 1) * both["var_pre_t"].to_numpy() + (n_c - 1) * both["var_pre_c"].to_numpy()
    pooled_post = (n_t - 1) * both["var_post_t"].to_numpy() + (n_c - 1) * both[
        "var_post_c"
    ].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        r = pooled_cov / np.sqrt(pooled_pre * pooled_post)
    res = _controlled(
        change_t=both["mean_post_t"].to_numpy() - both["mean_pre_t"].to_numpy(),
        change_c=both["mean_post_c"].to_numpy() - both["mean_pre_c"].to_numpy(),
        sd_t=np.sqrt(both["var_pre_t"].to_numpy()),
        sd_c=np.sqrt(both["var_pre_c"].to_numpy()),
        n_t=n_t,
        n_c=n_c,
        r=r,
        level=level,
    )
    if by:
        res = pd.concat([both[list(by)].reset_index(drop=True), res], axis=1)
    return res.loc[:, [*by, *CONTROLLED_COLUMNS]]
