"""Power and minimum detectable effect of a two-arm pre/post evaluation clustered by site."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

__all__ = ["PowerResult", "design_effect", "minimum_detectable_effect", "power"]


@dataclass(frozen=True, slots=True, kw_only=True)
class PowerResult:
    """Power of a two-arm comparison of post scores (adjusted for pre), clustered by site.

    Attributes
    ----------
    effect_size : float
        Standardised difference between arms (in sds of the outcome).
    power : float
        Probability of a two-sided test at ``alpha`` rejecting no effect.
    alpha : float
    n_per_arm : int
        Respondents recruited per arm.
    n_analysed_per_arm : float
        Respondents left per arm after attrition.
    clusters_per_arm : int or None
        Sites per arm (None: no clustering).
    mean_cluster_size : float
        Analysed respondents per site (NaN without clustering).
    icc, cv, pre_post_r, attrition : float
        The design's intraclass correlation, coefficient of variation of site sizes, pre-post
        correlation and attrition share.
    design_effect : float
        :math:`1 + ((1 + CV^2)\\bar m - 1)\\rho` (1 without clustering).
    variance_factor : float
        :math:`1 - r^2` (the variance left after adjusting for the pre score).
    effective_n_per_arm : float
        Analysed respondents per arm divided by design effect and variance factor.
    df : float
        Degrees of freedom of the t test: ``2 * clusters_per_arm - 2`` with clustering,
        ``2 * n_analysed_per_arm - 2`` without.
    """

    effect_size: float
    power: float
    alpha: float
    n_per_arm: int
    n_analysed_per_arm: float
    clusters_per_arm: int | None
    mean_cluster_size: float
    icc: float
    cv: float
    pre_post_r: float
    attrition: float
    design_effect: float
    variance_factor: float
    effective_n_per_arm: float
    df: float

    def to_frame(self) -> pd.DataFrame:
        """One row with every field."""
        return pd.DataFrame([asdict(self)])


def design_effect(*, mean_cluster_size: float, icc: float, cv: float = 0.0) -> float:
    """Design effect of cluster sampling with unequal cluster sizes (Eldridge et al. 2006).

    Parameters
    ----------
    mean_cluster_size : float
        Mean number of analysed respondents per cluster, :math:`\\bar m`.
    icc : float
        Intraclass correlation :math:`\\rho` in [0, 1).
    cv : float, default 0
        Coefficient of variation of the cluster sizes (sd / mean); 0 for equal clusters.

    Returns
    -------
    float
        :math:`1 + ((1 + CV^2)\\bar m - 1)\\rho`; with equal clusters the familiar
        :math:`1 + (m - 1)\\rho`.

    References
    ----------
    Eldridge, S. M., Ashby, D., & Kerry, S. (2006). Sample size for cluster randomized trials:
    effect of coefficient of variation of cluster size and analysis method. *International
    Journal of Epidemiology*, 35(5), 1292-1300.

    Checked against: the formula by hand (tests/results/power_design.R).

    Examples
    --------
    >>> from stigma_analysis.evaluation import design_effect
    >>> design_effect(mean_cluster_size=20, icc=0.05, cv=0.5)
    2.2
    """
    m = _number(mean_cluster_size, "mean_cluster_size", low=0, low_open=True)
    rho = _number(icc, "icc", low=0, high=1, high_open=True)
    c = _number(cv, "cv", low=0)
    return 1 + ((1 + c**2) * m - 1) * rho


def _number(
    value: Any,
    name: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    x = float(value)
    if low is not None and (x < low or (low_open and x == low)):
        raise ValueError(f"{name} must be {'>' if low_open else '>='} {low:g}, got {value!r}")
    if high is not None and (x > high or (high_open and x == high)):
        raise ValueError(f"{name} must be {'<' if high_open else '<='} {high:g}, got {value!r}")
    return x


def _design(
    *,
    n_per_arm: Any,
    clusters_per_arm: Any,
    icc: Any,
    cv: Any,
    pre_post_r: Any,
    attrition: Any,
    alpha: Any,
) -> dict[str, Any]:
    if isinstance(n_per_arm, bool) or not isinstance(n_per_arm, int) or n_per_arm < 2:
        raise ValueError(f"n_per_arm must be an integer >= 2, got {n_per_arm!r}")
    rho = _number(icc, "icc", low=0, high=1, high_open=True)
    c = _number(cv, "cv", low=0)
    r = _number(pre_post_r, "pre_post_r", low=-1, high=1, low_open=True, high_open=True)
    lost = _number(attrition, "attrition", low=0, high=1, high_open=True)
    a = _number(alpha, "alpha", low=0, high=1, low_open=True, high_open=True)
    analysed = n_per_arm * (1 - lost)
    if clusters_per_arm is None:
        if rho > 0 or c > 0:
            raise ValueError(
                "icc and cv describe clustering: give clusters_per_arm (sites per arm) too"
            )
        deff, m, df = 1.0, math.nan, 2 * analysed - 2
    else:
        if (
            isinstance(clusters_per_arm, bool)
            or not isinstance(clusters_per_arm, int)
            or clusters_per_arm < 2
        ):
            raise ValueError(
                f"clusters_per_arm must be an integer >= 2 (a cluster design needs at least 2 "
                f"sites per arm to estimate between-site variance), got {clusters_per_arm!r}"
            )
        m = analysed / clusters_per_arm
        if m < 1:
            raise ValueError(
                f"n_per_arm={n_per_arm} after attrition={lost:g} leaves {analysed:g} respondents "
                f"for clusters_per_arm={clusters_per_arm}: fewer than one per site"
            )
        deff = design_effect(mean_cluster_size=m, icc=rho, cv=c)
        df = 2 * clusters_per_arm - 2
    if analysed < 2:
        raise ValueError(
            f"n_per_arm={n_per_arm} after attrition={lost:g} leaves fewer than 2 per arm"
        )
    vf = 1 - r**2
    return {
        "alpha": a,
        "n_per_arm": n_per_arm,
        "n_analysed_per_arm": analysed,
        "clusters_per_arm": clusters_per_arm,
        "mean_cluster_size": m,
        "icc": rho,
        "cv": c,
        "pre_post_r": r,
        "attrition": lost,
        "design_effect": deff,
        "variance_factor": vf,
        "effective_n_per_arm": analysed / (deff * vf),
        "df": float(df),
    }


def _power_of(effect: float, d: dict[str, Any]) -> float:
    from scipy import stats

    ncp = abs(effect) * math.sqrt(d["effective_n_per_arm"] / 2)  # power is symmetric in sign
    crit = float(stats.t.isf(d["alpha"] / 2, d["df"]))
    upper = float(stats.nct.sf(crit, d["df"], ncp))
    lower = float(stats.nct.cdf(-crit, d["df"], ncp))
    # scipy's nct returns NaN deep in a tail: there the far tail is 0 and the near one 1 - cdf
    if math.isnan(lower):
        lower = 0.0
    if math.isnan(upper):
        below = float(stats.nct.cdf(crit, d["df"], ncp))
        upper = 1.0 - below if not math.isnan(below) else float(stats.norm.sf(crit - ncp))
    return upper + lower


def power(
    *,
    n_per_arm: int,
    effect_size: float,
    clusters_per_arm: int | None = None,
    icc: float = 0.0,
    cv: float = 0.0,
    pre_post_r: float = 0.0,
    attrition: float = 0.0,
    alpha: float = 0.05,
) -> PowerResult:
    """Power of a two-arm pre/post evaluation, with sites as clusters.

    Parameters
    ----------
    n_per_arm : int
        Respondents recruited per arm (both arms equal).
    effect_size : float
        The true difference between arms at follow-up, in sds of the outcome (Cohen's d).
    clusters_per_arm : int, optional
        Sites per arm when whole sites are allocated to an arm (or respondents are sampled
        within sites); at least 2. None: respondents are independent.
    icc : float, default 0
        Intraclass correlation of the outcome within sites.
    cv : float, default 0
        Coefficient of variation of site sizes (0: equal sites).
    pre_post_r : float, default 0
        Correlation of pre and post scores; adjusting for the pre score (ANCOVA) leaves
        :math:`1 - r^2` of the variance.
    attrition : float, default 0
        Share of respondents expected to be lost before follow-up, in [0, 1).
    alpha : float, default 0.05
        Two-sided significance level.

    Returns
    -------
    PowerResult

    Notes
    -----
    Analysed respondents per arm :math:`n = n_0(1 - attrition)`, mean site size
    :math:`\\bar m = n / k`, design effect :math:`D = 1 + ((1+CV^2)\\bar m - 1)\\rho`
    (Eldridge, Ashby & Kerry 2006) and effective size :math:`n_e = n/(D(1-r^2))`. Power of the
    two-sided t test with noncentrality :math:`\\delta\\sqrt{n_e/2}` on
    :math:`2k - 2` df (between-site df) with clusters, :math:`2n - 2` without, counting both
    rejection tails. Without clustering, attrition or pre score this is exactly the two-sample
    t test's power. The ANCOVA factor :math:`1 - r^2` ignores the one df spent on the
    covariate (Borm, Fransen & Lemmens 2007); with clusters it assumes the same pre-post
    correlation within and between sites.

    References
    ----------
    Eldridge, S. M., Ashby, D., & Kerry, S. (2006). *Int J Epidemiol*, 35(5), 1292-1300.
    Borm, G. F., Fransen, J., & Lemmens, W. A. (2007). A simple sample size formula for
    analysis of covariance in randomized clinical trials. *J Clin Epidemiol*, 60(12), 1234-1238.
    Donner, A., & Klar, N. (2000). *Design and Analysis of Cluster Randomization Trials in
    Health Research*. London: Arnold.

    Checked against: statsmodels ``TTestIndPower().power`` (and R 4.2.2
    ``power.t.test(strict = TRUE)``) to 1e-10 without clustering; with clustering, the
    design-effect formula and the noncentral t computed in R to 1e-10
    (tests/results/power_design.R).

    Examples
    --------
    >>> from stigma_analysis.evaluation import power
    >>> round(power(n_per_arm=64, effect_size=0.5).power, 4)
    0.8015
    >>> res = power(n_per_arm=120, effect_size=0.5, clusters_per_arm=6, icc=0.05, cv=0.4,
    ...             pre_post_r=0.5, attrition=0.2)
    >>> round(res.design_effect, 3), round(res.power, 3)
    (1.878, 0.749)
    """
    design = _design(
        n_per_arm=n_per_arm,
        clusters_per_arm=clusters_per_arm,
        icc=icc,
        cv=cv,
        pre_post_r=pre_post_r,
        attrition=attrition,
        alpha=alpha,
    )
    d = _number(effect_size, "effect_size")
    return PowerResult(effect_size=d, power=_power_of(d, design), **design)


def minimum_detectable_effect(
    *,
    n_per_arm: int,
    target_power: float = 0.8,
    clusters_per_arm: int | None = None,
    icc: float = 0.0,
    cv: float = 0.0,
    pre_post_r: float = 0.0,
    attrition: float = 0.0,
    alpha: float = 0.05,
) -> PowerResult:
    """Smallest standardised effect the design detects with the given power.

    Parameters
    ----------
    n_per_arm, clusters_per_arm, icc, cv, pre_post_r, attrition, alpha
        As in :func:`power`.
    target_power : float, default 0.8

    Returns
    -------
    PowerResult
        With ``effect_size`` the minimum detectable effect (positive) and ``power`` equal to
        ``target_power``.

    Notes
    -----
    Solves :func:`power` = ``target_power`` for the effect size (Brent's method), so the two
    are exact inverses. Multiply by the outcome's sd for the effect in score points.

    References
    ----------
    Bloom, H. S. (1995). Minimum detectable effects: a simple way to report the statistical
    power of experimental designs. *Evaluation Review*, 19(5), 547-556.

    Checked against: statsmodels ``TTestIndPower().solve_power`` without clustering to 1e-8,
    and R ``uniroot`` on the clustered power to 1e-8 (tests/results/power_design.R).

    Examples
    --------
    >>> from stigma_analysis.evaluation import minimum_detectable_effect
    >>> round(minimum_detectable_effect(n_per_arm=64).effect_size, 4)
    0.4991
    """
    from scipy import optimize

    design = _design(
        n_per_arm=n_per_arm,
        clusters_per_arm=clusters_per_arm,
        icc=icc,
        cv=cv,
        pre_post_r=pre_post_r,
        attrition=attrition,
        alpha=alpha,
    )
    target = _number(target_power, "target_power", low=0, high=1, low_open=True, high_open=True)
    if target <= design["alpha"]:
        raise ValueError(f"target_power must exceed alpha={design['alpha']:g}, got {target!r}")
    hi = 1.0
    while _power_of(hi, design) < target:
        hi *= 2
        if hi > 1e6:
            raise ValueError("no effect size reaches target_power with this design")
    d = float(
        optimize.brentq(lambda x: _power_of(x, design) - target, 0.0, hi, xtol=1e-14, rtol=1e-14)
    )
    return PowerResult(effect_size=d, power=target, **design)
