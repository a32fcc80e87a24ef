"""Clinically significant change (Jacobson & Truax 1991): cut-offs a, b, c and the classic plot."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from stigma_analysis._checks import renamed_keywords
from stigma_analysis.evaluation._common import _as_tuple, _check_choice, _require, _resolve_waves

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "CLINICAL_CATEGORIES",
    "ClinicalCutoffs",
    "clinical_cutoffs",
    "clinically_significant_change",
    "jacobson_truax_plot",
]

CLINICAL_CATEGORIES = ("recovered", "improved", "unchanged", "deteriorated")


@dataclass(frozen=True, slots=True, kw_only=True)
class ClinicalCutoffs:
    """The three cut-offs of Jacobson & Truax (1991) between dysfunctional and functional.

    Attributes
    ----------
    a : float
        Two dysfunctional sds beyond the dysfunctional mean, towards the functional side.
    b : float or None
        Two functional sds short of the functional mean, towards the dysfunctional side
        (None without functional norms).
    c : float or None
        The point equally far, in sds, from both means (None without functional norms).
    direction : str
        ``"lower_is_better"`` or ``"higher_is_better"``.
    """

    a: float
    b: float | None
    c: float | None
    direction: str

    def to_frame(self) -> pd.DataFrame:
        """``criterion, cutoff`` (one row per cut-off; NaN where not available)."""
        values = [self.a, self.b, self.c]
        return pd.DataFrame(
            {
                "criterion": ["a", "b", "c"],
                "cutoff": [np.nan if v is None else float(v) for v in values],
            }
        )


def _positive(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    return float(value)


def _finite(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return float(value)


def clinical_cutoffs(
    *,
    dysfunctional_mean: float,
    dysfunctional_sd: float,
    functional_mean: float | None = None,
    functional_sd: float | None = None,
    direction: Literal["lower_is_better", "higher_is_better"],
) -> ClinicalCutoffs:
    """Cut-offs a, b and c of Jacobson & Truax (1991) from functional and dysfunctional norms.

    Parameters
    ----------
    dysfunctional_mean, dysfunctional_sd : float
        Mean and sd of the dysfunctional population (often the study's own baseline sample).
    functional_mean, functional_sd : float, optional
        Mean and sd of a functional (general-population) norm sample; needed for b and c.
    direction : {"lower_is_better", "higher_is_better"}
        Which side of the scale is functional (stigma scales: ``"lower_is_better"``).

    Returns
    -------
    ClinicalCutoffs

    Notes
    -----
    With :math:`s = +1` for higher-is-better and :math:`-1` otherwise:
    :math:`a = M_{dys} + 2s\\,SD_{dys}`, :math:`b = M_{fun} - 2s\\,SD_{fun}`,
    :math:`c = (SD_{fun} M_{dys} + SD_{dys} M_{fun}) / (SD_{fun} + SD_{dys})`. Jacobson & Truax
    recommend c when functional norms exist and the two distributions overlap, a otherwise.

    References
    ----------
    Jacobson, N. S., & Truax, P. (1991). Clinical significance: a statistical approach to
    defining meaningful change in psychotherapy research. *J Consult Clin Psychol*, 59(1), 12-19.

    Checked against: a hand calculation in R on the DAS data of Jacobson & Truax (1991) Table 2
    to 1e-12 (tests/results/jacobson_truax.R).

    Examples
    --------
    >>> from stigma_analysis.evaluation import clinical_cutoffs
    >>> cut = clinical_cutoffs(dysfunctional_mean=3.0, dysfunctional_sd=0.5,
    ...                        functional_mean=2.0, functional_sd=0.4,
    ...                        direction="lower_is_better")
    >>> round(cut.a, 3), round(cut.b, 3), round(cut.c, 3)
    (2.0, 2.8, 2.444)
    """
    _check_choice(direction, "direction", ("lower_is_better", "higher_is_better"))
    m_dys = _finite(dysfunctional_mean, "dysfunctional_mean")
    sd_dys = _positive(dysfunctional_sd, "dysfunctional_sd")
    sign = 1.0 if direction == "higher_is_better" else -1.0
    a = m_dys + 2 * sign * sd_dys
    if (functional_mean is None) != (functional_sd is None):
        raise ValueError("give both functional_mean and functional_sd, or neither")
    if functional_mean is None or functional_sd is None:
        return ClinicalCutoffs(a=a, b=None, c=None, direction=direction)
    m_fun = _finite(functional_mean, "functional_mean")
    sd_fun = _positive(functional_sd, "functional_sd")
    if sign * (m_fun - m_dys) <= 0:
        raise ValueError(
            f"functional_mean={m_fun} must lie on the better side of dysfunctional_mean={m_dys} "
            f"for direction={direction!r}"
        )
    b = m_fun - 2 * sign * sd_fun
    c = (sd_fun * m_dys + sd_dys * m_fun) / (sd_fun + sd_dys)
    return ClinicalCutoffs(a=a, b=b, c=c, direction=direction)


@renamed_keywords(level="ci_level")
def clinically_significant_change(
    data: pd.DataFrame,
    *,
    score: str,
    id: str,
    wave: str = "wave",
    pre: Any = 1,
    post: Any = None,
    reliability: float,
    direction: Literal["lower_is_better", "higher_is_better"],
    criterion: Literal["auto", "a", "b", "c"] = "auto",
    dysfunctional_mean: float | None = None,
    dysfunctional_sd: float | None = None,
    functional_mean: float | None = None,
    functional_sd: float | None = None,
    ci_level: float = 0.95,
    by: str | Sequence[str] = (),
) -> pd.DataFrame:
    """Classify each respondent as recovered, improved, unchanged or deteriorated (J & T 1991).

    Parameters
    ----------
    data : pandas.DataFrame
        Long scores: one row per respondent x wave.
    score, id, wave, pre, post
        As in :func:`reliable_change`.
    reliability : float
        Reliability of the score in [0, 1) (for the reliable change index).
    direction : {"lower_is_better", "higher_is_better"}
    criterion : {"auto", "a", "b", "c"}, default "auto"
        The cut-off that defines the functional range; ``"auto"`` takes c when functional norms
        are given and a otherwise.
    dysfunctional_mean, dysfunctional_sd : float, optional
        Dysfunctional norms. Default: mean and sd (ddof=1) of every ``pre`` score (the
        pre-treatment sample, as Jacobson & Truax did). ``dysfunctional_sd`` is also the sd of
        the reliable change index.
    functional_mean, functional_sd : float, optional
        Functional (general-population) norms, from a published norm sample; needed for
        criteria b and c.
    ci_level : float, default 0.95
        Level of the reliability criterion (|RCI| > 1.96).
    by : str or sequence of str, default ()
        Grouping columns carried from the ``pre`` row.

    Returns
    -------
    pandas.DataFrame
        One row per respondent with both scores (respondent-level: never publish): the columns
        of :func:`reliable_change` (``category`` there renamed ``reliable_change``), then
        ``criterion``, ``cutoff``, ``functional_post`` (post score beyond the cut-off, on the
        functional side) and ``category`` (ordered categorical: recovered < improved <
        unchanged < deteriorated). Count with
        ``reliable_change_counts``-style grouping: ``df.groupby(by)["category"].value_counts()``.

    Notes
    -----
    *Recovered*: reliably improved (|RCI| beyond the criterion, in the better direction) and the
    post score beyond the cut-off; *improved*: reliably improved but not beyond it;
    *unchanged*: change not reliable; *deteriorated*: reliably worse. See
    :func:`clinical_cutoffs` for a, b, c. No instrument shipped with the package carries
    published functional norms yet, so b and c need study-supplied norms.

    References
    ----------
    Jacobson, N. S., & Truax, P. (1991). Clinical significance: a statistical approach to
    defining meaningful change in psychotherapy research. *J Consult Clin Psychol*, 59(1), 12-19.

    Checked against: a hand calculation in R on the DAS data of Jacobson & Truax (1991) Table 2
    (reliability .84): cut-offs and RCI to 1e-12, every category equal
    (tests/results/jacobson_truax.R).

    Examples
    --------
    >>> import pandas as pd
    >>> from stigma_analysis.evaluation import clinically_significant_change
    >>> long = pd.DataFrame({"rid": [1, 2, 3, 1, 2, 3], "wave": [1, 1, 1, 2, 2, 2],
    ...                      "s": [3.2, 3.0, 2.6, 1.9, 2.7, 3.4]})
    >>> out = clinically_significant_change(long, score="s", id="rid", reliability=0.9,
    ...                                     direction="lower_is_better",
    ...                                     functional_mean=2.0, functional_sd=0.4)
    >>> out[["rid", "rci", "cutoff", "category"]].round(2)
       rid   rci  cutoff      category
    0    1 -9.52    2.53     recovered
    1    2 -2.20    2.53      improved
    2    3  5.86    2.53  deteriorated
    """
    from stigma_analysis.evaluation._prepost import reliable_change

    by = _as_tuple(by, "by")
    _require(data, [score, id, wave, *by])
    _check_choice(criterion, "criterion", ("auto", "a", "b", "c"))
    _check_choice(direction, "direction", ("lower_is_better", "higher_is_better"))
    pre, post = _resolve_waves(data, wave, pre, post)
    if dysfunctional_mean is None or dysfunctional_sd is None:
        baseline = data.loc[data[wave] == pre, score].dropna().astype(float)
        if len(baseline) < 2:
            raise ValueError(
                f"need at least 2 {score!r} scores at {wave}={pre!r} for the dysfunctional norms"
            )
        if dysfunctional_mean is None:
            dysfunctional_mean = float(baseline.mean())
        if dysfunctional_sd is None:
            dysfunctional_sd = float(baseline.std(ddof=1))
    cuts = clinical_cutoffs(
        dysfunctional_mean=dysfunctional_mean,
        dysfunctional_sd=dysfunctional_sd,
        functional_mean=functional_mean,
        functional_sd=functional_sd,
        direction=direction,
    )
    if criterion == "auto":
        criterion = "a" if cuts.c is None else "c"
    cutoff = getattr(cuts, criterion)
    if cutoff is None:
        raise ValueError(
            f"criterion={criterion!r} needs functional norms: give functional_mean and "
            "functional_sd (from a published norm sample of the instrument)"
        )
    classified = reliable_change(
        data,
        score=score,
        id=id,
        wave=wave,
        pre=pre,
        post=post,
        reliability=reliability,
        sd=dysfunctional_sd,
        direction=direction,
        ci_level=ci_level,
        by=by,
    ).rename(columns={"category": "reliable_change"})
    post_v = classified["post"].to_numpy(dtype=float)
    beyond = post_v > cutoff if direction == "higher_is_better" else post_v < cutoff
    rc = classified["reliable_change"].astype(str).to_numpy()
    labels = np.where(
        rc == "improved", np.where(beyond, "recovered", "improved"), rc
    )  # unchanged / deteriorated stay
    return classified.assign(
        criterion=criterion,
        cutoff=float(cutoff),
        functional_post=beyond,
        category=pd.Categorical(labels, categories=list(CLINICAL_CATEGORIES), ordered=True),
    )


def jacobson_truax_plot(
    classified: pd.DataFrame,
    *,
    ax: Axes | None = None,
    xlabel: str = "pre",
    ylabel: str = "post",
) -> Axes:
    """The classic Jacobson-Truax scatter: post against pre, with the cut-off and RCI bands.

    Parameters
    ----------
    classified : pandas.DataFrame
        The result of :func:`clinically_significant_change` (needs ``pre``, ``post``,
        ``category``, ``cutoff`` and ``threshold``).
    ax : matplotlib Axes, optional
        Axes to draw on; default a new figure.
    xlabel, ylabel : str

    Returns
    -------
    matplotlib.axes.Axes
        Points coloured by category (one labelled collection per category present), the
        no-change diagonal, two dashed lines at ±``threshold`` (reliable change) and the cut-off
        as a horizontal and a vertical dotted line.

    Checked against: artist inspection in tests/evaluation/test_jacobson_truax.py.
    """
    import matplotlib.pyplot as plt

    _require(classified, ["pre", "post", "category", "cutoff", "threshold"], "classified")
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 5))
    pre = classified["pre"].to_numpy(dtype=float)
    post = classified["post"].to_numpy(dtype=float)
    colours = dict(
        zip(CLINICAL_CATEGORIES, ("#1b7837", "#7fbf7b", "#999999", "#c51b7d"), strict=True)
    )
    category = classified["category"].astype(str).to_numpy()
    for name in CLINICAL_CATEGORIES:
        keep = category == name
        if keep.any():
            ax.scatter(pre[keep], post[keep], s=18, color=colours[name], label=name, zorder=3)
    both = np.concatenate([pre, post])
    lo, hi = (float(np.nanmin(both)), float(np.nanmax(both))) if both.size else (0.0, 1.0)
    pad = 0.05 * (hi - lo or 1.0)
    lo, hi = lo - pad, hi + pad
    line = np.array([lo, hi])
    threshold = float(classified["threshold"].iloc[0]) if len(classified) else 0.0
    cutoff = float(classified["cutoff"].iloc[0]) if len(classified) else math.nan
    ax.plot(line, line, color="black", linewidth=0.8, label="no change")
    ax.plot(
        line,
        line + threshold,
        color="black",
        linewidth=0.8,
        linestyle="--",
        label="reliable change",
    )
    ax.plot(line, line - threshold, color="black", linewidth=0.8, linestyle="--")
    ax.axhline(cutoff, color="grey", linewidth=0.8, linestyle=":", label="cut-off")
    ax.axvline(cutoff, color="grey", linewidth=0.8, linestyle=":")
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_aspect("equal")
    ax.legend(frameon=False, fontsize="small")
    return ax
