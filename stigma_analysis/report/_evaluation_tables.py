"""Programme-evaluation sections: who recovered (Jacobson & Truax) and drop-out sensitivity.

The computing behind two sections of ``analysis/programme-evaluation.qmd``; the document only
calls these functions and shows what they return.

*Who recovered.* The reliable change index is the one of the section before (the study's own
first-visit sd and alpha), so the four categories refine its three: ``recovered`` and
``improved`` here are the people it counts as improved, split by whether their last score lies
beyond the cut-off of the declared norms (c with both norms, a with only the dysfunctional
one, b with only the functional one; :attr:`~stigma_analysis.instruments.ScaleNorms.criterion`).

*Drop-out sensitivity.* The arm effect at the last visit (ANCOVA on the first-visit score)
without and with inverse-probability-of-retention weights, and the delta-adjusted multiple
imputation of :func:`~stigma_analysis.evaluation.tipping_point` over a grid of shifts in
first-visit standard deviations.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from stigma_analysis.evaluation import CLINICAL_CATEGORIES

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from stigma_analysis.evaluation import TippingPointResult
    from stigma_analysis.instruments import ScaleNorms
    from stigma_analysis.study import BoundInstrument

__all__ = [
    "ClinicalCut",
    "DropoutSensitivity",
    "clinical_categories",
    "clinical_counts",
    "clinical_cut",
    "clinical_grid",
    "conclusion_change",
    "disclose_clinical",
    "disclose_grid",
    "dropout_sensitivity",
    "jacobson_truax_grid",
    "lacking_norms",
    "tipping_rows",
    "tipping_sentence",
    "with_shares",
]

_CRITERION_WORDS = {
    "a": "two standard deviations beyond the average of the dysfunctional norm sample "
    "(criterion a: only dysfunctional norms are declared)",
    "b": "two standard deviations short of the average of the functional norm sample "
    "(criterion b: only functional norms are declared)",
    "c": "the point halfway, in standard deviations, between the functional and the "
    "dysfunctional norm samples (criterion c: both norms are declared)",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class ClinicalCut:
    """The cut-off between the dysfunctional and the functional range of one scale.

    Attributes
    ----------
    criterion : {"a", "b", "c"}
        Jacobson & Truax's criterion, chosen by which norms are declared.
    cutoff : float
    direction : str
        ``"higher_is_better"`` or ``"lower_is_better"`` (the instrument's ``direction``).
    norms : ScaleNorms
        The declared norms (from the instrument definition or the study file).
    """

    criterion: str
    cutoff: float
    direction: str
    norms: ScaleNorms

    @property
    def words(self) -> str:
        """How the cut-off was chosen, in words."""
        return _CRITERION_WORDS[self.criterion]


def clinical_cut(bound: BoundInstrument, scale: str) -> ClinicalCut | None:
    """The cut-off of ``scale`` from its declared norms, or None when it has none.

    Parameters
    ----------
    bound : BoundInstrument
        The instrument as the study uses it (its definition's norms, overridden per scale by the
        study file's ``instruments[i].norms``).
    scale : str

    Returns
    -------
    ClinicalCut or None

    Notes
    -----
    Criterion c needs both norm samples, a the dysfunctional one, b the functional one
    (:func:`~stigma_analysis.evaluation.clinical_cutoffs`). b uses only the functional sample:
    a placeholder dysfunctional sample (one sd on the worse side of it) satisfies
    ``clinical_cutoffs``' check and does not enter b.
    """
    from stigma_analysis.evaluation import clinical_cutoffs

    norms = bound.instrument.norms.get(scale)
    if norms is None:
        return None
    direction = str(bound.instrument.direction)
    sign = 1.0 if direction == "higher_is_better" else -1.0
    fun, dys = norms.functional, norms.dysfunctional
    if dys is None and fun is not None:
        cuts = clinical_cutoffs(
            dysfunctional_mean=fun.mean - sign * fun.sd,
            dysfunctional_sd=fun.sd,
            functional_mean=fun.mean,
            functional_sd=fun.sd,
            direction=direction,  # type: ignore[arg-type]
        )
    elif dys is not None:
        cuts = clinical_cutoffs(
            dysfunctional_mean=dys.mean,
            dysfunctional_sd=dys.sd,
            functional_mean=None if fun is None else fun.mean,
            functional_sd=None if fun is None else fun.sd,
            direction=direction,  # type: ignore[arg-type]
        )
    else:  # ScaleNorms refuses norms without either sample
        raise ValueError(f"{bound.name}: norms of {scale!r} declare no sample")
    value = getattr(cuts, norms.criterion)
    return ClinicalCut(
        criterion=norms.criterion, cutoff=float(value), direction=direction, norms=norms
    )


def clinical_categories(classified: pd.DataFrame, cut: ClinicalCut) -> pd.DataFrame:
    """Recovered / improved / unchanged / deteriorated from a reliable-change classification.

    Parameters
    ----------
    classified : pandas.DataFrame
        :func:`~stigma_analysis.evaluation.reliable_change` output (respondent-level; never
        published): needs ``pre``, ``post``, ``category`` and ``threshold``.
    cut : ClinicalCut

    Returns
    -------
    pandas.DataFrame
        A copy with ``reliable_change`` (the three-way category), ``criterion``, ``cutoff``,
        ``functional_post`` and ``category`` (ordered: recovered < improved < unchanged <
        deteriorated), the columns of
        :func:`~stigma_analysis.evaluation.clinically_significant_change`.

    Notes
    -----
    Jacobson & Truax (1991): *recovered* = reliably improved and the last score beyond the
    cut-off; *improved* = reliably improved, not beyond it; *unchanged* and *deteriorated* as
    in the reliable change index. Equals ``clinically_significant_change`` when its
    dysfunctional sd is the one the reliable change index used (tested).
    """
    post = classified["post"].to_numpy(dtype=float)
    beyond = post > cut.cutoff if cut.direction == "higher_is_better" else post < cut.cutoff
    rc = classified["category"].astype(str).to_numpy()
    labels = np.where(rc == "improved", np.where(beyond, "recovered", "improved"), rc)
    return classified.rename(columns={"category": "reliable_change"}).assign(
        criterion=cut.criterion,
        cutoff=cut.cutoff,
        functional_post=beyond,
        category=pd.Categorical(labels, categories=list(CLINICAL_CATEGORIES), ordered=True),
    )


def clinical_counts(categorised: pd.DataFrame, *, arm: str | None) -> pd.DataFrame:
    """People per category and arm: ``<arm>, n, recovered, improved, unchanged, deteriorated``.

    ``<arm>`` is the arm column (codes, in code order), or ``arm`` = ``"all"`` without one.
    """
    a_col = arm or "arm"
    frame = categorised.assign(**{a_col: categorised[arm] if arm else "all"})
    frame = frame.dropna(subset=[a_col])
    counts = pd.crosstab(frame[a_col], frame["category"], dropna=False)
    counts = counts.reindex(columns=list(CLINICAL_CATEGORIES), fill_value=0)
    counts = counts.sort_index().astype("int64")
    counts.columns = [str(c) for c in counts.columns]
    counts.insert(0, "n", counts.sum(axis=1).astype("int64"))
    return counts.rename_axis(a_col).reset_index()


def _hidden(v: Any) -> bool:
    return isinstance(v, str)


def disclose_clinical(
    policy: Any, counts: pd.DataFrame, reliable: pd.DataFrame, *, arm: str | None
) -> pd.DataFrame:
    """The category counts by arm, safe to publish beside the reliable-change table.

    Parameters
    ----------
    policy : DisclosurePolicy
    counts : pandas.DataFrame
        :func:`clinical_counts` (true counts).
    reliable : pandas.DataFrame
        The disclosed reliable-change table (:func:`~stigma_analysis.report.tables.change_counts`
        through :func:`~stigma_analysis.report.tables.disclose_blocks`), as already published.

    Returns
    -------
    pandas.DataFrame
        ``<arm>, n, recovered, improved, unchanged, deteriorated`` (hidden cells as the gate's
        markers).

    Notes
    -----
    ``n``, ``unchanged`` and ``deteriorated`` are the reliable-change table's arm totals, shown
    exactly as it shows them (hidden there, hidden here), and ``recovered + improved`` is its
    ``improved``. Only the split of that count is new: it is disclosed as its own table (one
    row per arm, the published count as the row margin, column totals assumed known), and
    hidden entirely in an arm whose reliable-change ``improved`` is hidden.
    """
    a_col = arm or "arm"
    site_cols = [c for c in reliable.columns if c not in {a_col, "n", "improved", "unchanged",
                                                          "deteriorated"}
                 and not str(c).startswith("pct_")]  # fmt: skip
    rows = reliable
    if site_cols and (reliable[site_cols[0]] == "Total").any():
        rows = reliable[reliable[site_cols[0]] == "Total"]
    shown = {code: r for code, (_, r) in zip(rows[a_col], rows.iterrows(), strict=True)}
    split = pd.DataFrame(
        {
            "recovered": counts["recovered"].to_numpy(),
            "improved": counts["improved"].to_numpy(),
        },
        index=pd.Index([str(c) for c in counts[a_col]], name=a_col),
    )
    split["Total"] = split["recovered"] + split["improved"]
    safe_split = policy.disclose(
        split, count_columns=["recovered", "improved", "Total"], stat_columns=[], totals="both"
    )
    marker = f"<{policy.min_cell}"
    cells: dict[str, list[Any]] = {c: [] for c in ["n", *CLINICAL_CATEGORIES]}
    for i, code in enumerate(counts[a_col]):
        published = shown.get(code)
        for c in ("n", "unchanged", "deteriorated"):
            cells[c].append(published[c] if published is not None else marker)
        whole = published["improved"] if published is not None else marker
        for c in ("recovered", "improved"):
            v = safe_split.iloc[i][c]
            if _hidden(whole) and not _hidden(v):
                v = marker if 0 < int(counts.iloc[i][c]) < policy.min_cell else "[c]"
            cells[c].append(v)
    out = counts[[a_col]].copy()
    for c in ["n", *CLINICAL_CATEGORIES]:
        out[c] = pd.Series(cells[c], index=counts.index, dtype=object)
    return out


def with_shares(safe: pd.DataFrame) -> pd.DataFrame:
    """Each category cell as ``count (share%)`` of the arm's people; hidden cells as marked."""
    out = safe.copy()
    for c in CLINICAL_CATEGORIES:
        cells = []
        for n, v in zip(safe["n"], safe[c], strict=True):
            if _hidden(v) or _hidden(n) or not n:
                cells.append(str(v))
            else:
                cells.append(f"{int(v)}\u00a0({100 * int(v) / int(n):.0f}%)")
        out[c] = cells
    return out


# ----------------------------------------------------------------------------- the figure
def clinical_grid(
    categorised: pd.DataFrame, *, lo: float, hi: float, bins: int = 6
) -> tuple[pd.DataFrame, np.ndarray]:
    """People per (first-visit, last-visit) score bin: the binned Jacobson-Truax scatter.

    Bins are equal slices of the scale's range ``[lo, hi]`` (never of the data's extremes,
    which would give single people's scores away). Returns the count table (rows: first-visit
    bins, low to high; columns: last-visit bins) and the bin edges.
    """
    edges = np.linspace(lo, hi, bins + 1)
    pre = categorised["pre"].to_numpy(dtype=float)
    post = categorised["post"].to_numpy(dtype=float)
    ok = np.isfinite(pre) & np.isfinite(post)
    grid, _, _ = np.histogram2d(pre[ok], post[ok], bins=[edges, edges])
    names = [f"{a:.2f}-{b:.2f}" for a, b in itertools.pairwise(edges)]
    table = pd.DataFrame(
        grid.astype("int64"),
        index=pd.Index(names, name="first_visit"),
        columns=pd.Index(names, name="last_visit"),
    )
    return table, edges


def disclose_grid(policy: Any, grid: pd.DataFrame) -> pd.DataFrame:
    """The :func:`clinical_grid` safe to draw: bins of fewer than ``min_cell`` people, zero
    included, all read ``0-<min_cell - 1>`` (hatched in the figure).

    The table passes the gate (``policy.disclose``, no totals assumed: its row and column sums
    are published nowhere); then its zeros are hidden like its small cells, so that a hidden
    bin is not known to hold at least one person (printed zeros say that every ``<5`` bin does,
    and with the grand total known, the people met at both visits, a few such bins could be
    pinned down).
    When a single bin is hidden, the smallest shown bin is hidden with it (the grand total
    would give it back).
    """
    safe = policy.disclose(grid, count_columns=list(grid.columns), totals="none")
    marker = f"0-{policy.min_cell - 1}"
    values = grid.to_numpy(dtype=float)
    shown = np.array([[not _hidden(v) for v in row] for row in safe.to_numpy(dtype=object)]) & (
        values >= policy.min_cell
    )
    if (~shown).sum() == 1 and shown.any():
        smallest = np.where(shown, values, np.inf)
        shown[np.unravel_index(int(np.argmin(smallest)), values.shape)] = False
    return pd.DataFrame(
        np.where(shown, values.astype("int64").astype(object), marker),
        index=grid.index,
        columns=grid.columns,
    )


def jacobson_truax_grid(
    safe: pd.DataFrame,
    edges: np.ndarray,
    *,
    cutoff: float,
    threshold: float,
    ax: Axes | None = None,
    xlabel: str = "first visit",
    ylabel: str = "last visit",
) -> Axes:
    """The Jacobson-Truax plot from a disclosed :func:`clinical_grid`: shaded bins, no points.

    Shown counts are shaded and printed; hidden cells (small, or hiding one) are hatched; the
    no-change diagonal, the reliable-change band (dashed, ±``threshold``) and the cut-off
    (dotted, both axes) are drawn as in :func:`~stigma_analysis.evaluation.jacobson_truax_plot`.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    if ax is None:
        _, ax = plt.subplots(figsize=(4.6, 4.6))
    values = safe.to_numpy(dtype=object)
    top = max([float(v) for v in values.flat if not _hidden(v)] + [1.0])
    cmap = plt.get_cmap("Blues")
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            v = values[i, j]
            x0, x1, y0, y1 = edges[i], edges[i + 1], edges[j], edges[j + 1]
            if _hidden(v):
                ax.add_patch(
                    Rectangle((x0, y0), x1 - x0, y1 - y0, facecolor="#eeeeee",
                              edgecolor="#bbbbbb", hatch="///", linewidth=0.3)
                )  # fmt: skip
            elif float(v) > 0:
                shade = cmap(0.15 + 0.75 * float(v) / top)
                ax.add_patch(
                    Rectangle((x0, y0), x1 - x0, y1 - y0, facecolor=shade, edgecolor="white",
                              linewidth=0.5)
                )  # fmt: skip
                ax.text((x0 + x1) / 2, (y0 + y1) / 2, str(int(v)), ha="center", va="center",
                        fontsize="x-small", color="black" if float(v) < 0.6 * top else "white")  # fmt: skip
    lo, hi = float(edges[0]), float(edges[-1])
    line = np.array([lo, hi])
    ax.plot(line, line, color="black", linewidth=0.8, label="no change")
    ax.plot(line, line + threshold, color="black", linewidth=0.8, linestyle="--",
            label="reliable change")  # fmt: skip
    ax.plot(line, line - threshold, color="black", linewidth=0.8, linestyle="--")
    if math.isfinite(cutoff):
        ax.axhline(cutoff, color="#c51b7d", linewidth=1.0, linestyle=":", label="cut-off")
        ax.axvline(cutoff, color="#c51b7d", linewidth=1.0, linestyle=":")
    hidden = [str(v) for v in values.flat if _hidden(v)]
    shown_as = hidden[0].replace("-", " to ") + " people" if hidden else "hidden"
    ax.add_patch(Rectangle((0, 0), 0, 0, facecolor="#eeeeee", edgecolor="#bbbbbb", hatch="///",
                           label=shown_as))  # fmt: skip
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_aspect("equal")
    return ax


# ----------------------------------------------------------------------------- drop-out
@dataclass(frozen=True, slots=True, kw_only=True)
class DropoutSensitivity:
    """The arm effect at the last visit under three assumptions about drop-out.

    Attributes
    ----------
    weighting : pandas.DataFrame
        ``analysis, estimate, ci_low, ci_high, p``: complete cases unweighted, then weighted
        by the inverse probability of staying (baseline score, arm and site).
    tipping : TippingPointResult
        Delta-adjusted multiple imputation (programme arm's drop-outs shifted).
    sd : float
        The first-visit sd of the score (the unit of the delta grid).
    m : int
        Imputations.
    """

    weighting: pd.DataFrame
    tipping: TippingPointResult
    sd: float
    m: int


DELTA_STEPS = tuple(k / 10 for k in range(-10, 11))
"""The delta grid in first-visit standard deviations (-1 to 1 by 0.1)."""


def dropout_sensitivity(
    scores: pd.DataFrame,
    *,
    score: str,
    id: str,
    wave: str,
    pre: Any,
    post: Any,
    arm: str,
    treatment: Any,
    control: Any,
    site: str | None = None,
    m: int = 5,
    seed: int,
) -> DropoutSensitivity:
    """Unweighted, retention-weighted and delta-adjusted arm effects on ``score`` at ``post``.

    Parameters
    ----------
    scores : pandas.DataFrame
        Long scores (one row per respondent x wave).
    score, id, wave, pre, post, arm, treatment, control
        As in :func:`~stigma_analysis.evaluation.tipping_point`.
    site : str, optional
        A covariate of the retention model and of both analyses (as a category).
    m : int, default 5
        Imputations of the tipping-point analysis.
    seed : int

    Returns
    -------
    DropoutSensitivity

    Raises
    ------
    ValueError
        When nobody (or everybody) of the two arms was lost (nothing to weight or impute).

    Notes
    -----
    Every analysis is the ANCOVA ``post ~ programme + pre (+ site)``. The complete-case rows
    (scored at both visits) are fitted by :func:`~stigma_analysis.evaluation.survey_glm` with
    weights 1 and with :func:`~stigma_analysis.evaluation.retention_weights` (sandwich
    standard errors in both, treating the weights as known). The tipping-point grid is
    :data:`DELTA_STEPS` times the first-visit sd.
    """
    from stigma_analysis.evaluation import (
        retention_weights,
        survey_design,
        survey_glm,
        tipping_point,
    )

    keep = scores[arm].isin([treatment, control])
    frame = scores.loc[keep].copy()
    frame["_programme"] = (frame[arm] == treatment).astype(float)
    frame["_arm_group"] = frame[arm].astype(str)
    covariates: list[str] = []
    if site:
        frame["_site_group"] = frame[site].astype(str)
        covariates.append("_site_group")
    at_pre = frame.loc[frame[wave] == pre, score].dropna().astype(float)
    sd = float(at_pre.std(ddof=1)) if len(at_pre) > 1 else math.nan
    if not math.isfinite(sd) or sd <= 0:
        raise ValueError(f"{score!r} has no spread at {wave}={pre!r}")
    weights = retention_weights(
        frame,
        id=id,
        covariates=[score, "_arm_group", *covariates],
        score=score,
        wave=wave,
        pre=pre,
        post=post,
    )
    base = frame.loc[frame[wave] == pre, [id, "_programme", score, *covariates]].rename(
        columns={score: "pre_score"}
    )
    after = frame.loc[frame[wave] == post, [id, score]].rename(columns={score: "post_score"})
    done = base.merge(after, on=id).dropna(subset=["pre_score", "post_score"])
    done = done.merge(weights[[id, "weight"]], on=id, how="left")
    formula = "post_score ~ _programme + pre_score" + "".join(f" + C({c})" for c in covariates)
    rows = []
    for name, w in (("unweighted", np.ones(len(done))), ("retention weights", done["weight"])):
        fit = survey_glm(survey_design(done.assign(_w=np.asarray(w, float)), weights="_w"),
                         formula)  # fmt: skip
        term = fit.loc[fit["term"] == "_programme"].iloc[0]
        rows.append(
            {"analysis": name, "estimate": term["estimate"], "ci_low": term["ci_low"],
             "ci_high": term["ci_high"], "p": term["p"]}
        )  # fmt: skip
    tip = tipping_point(
        frame,
        score=score,
        id=id,
        deltas=[k * sd for k in DELTA_STEPS],
        arm=arm,
        treatment=treatment,
        control=control,
        wave=wave,
        pre=pre,
        post=post,
        covariates=covariates,
        m=m,
        seed=seed,
    )
    return DropoutSensitivity(weighting=pd.DataFrame(rows), tipping=tip, sd=sd, m=m)


def _excludes_zero(low: float, high: float) -> bool:
    return bool(low > 0 or high < 0)


def conclusion_change(result: DropoutSensitivity) -> float | None:
    """The shift of the grid nearest 0 at which the delta = 0 conclusion changes (None: never).

    The conclusion is whether the interval of the arm difference excludes 0; a clear
    difference that becomes unclear, or an unclear one that becomes clear.
    """
    table = result.tipping.table
    zero = table.loc[table["delta"] == 0.0].iloc[0]
    clear = _excludes_zero(zero["ci_low"], zero["ci_high"])
    flips = [
        _excludes_zero(lo, hi) != clear
        for lo, hi in zip(table["ci_low"], table["ci_high"], strict=True)
    ]
    changed = table.loc[flips, "delta"].to_numpy(dtype=float)
    if not changed.size:
        return None
    return float(changed[int(np.argmin(np.abs(changed)))])


def tipping_rows(
    result: DropoutSensitivity, *, steps: Sequence[float] = (-1, -0.5, 0, 0.5, 1)
) -> pd.DataFrame:
    """The rows of the tipping-point table to show: ``steps`` (in sds) and the conclusion change.

    Returns ``shift_sd, delta, estimate, ci_low, ci_high, p`` (no counts).
    """
    shift = (result.tipping.table["delta"] / result.sd).round(2) + 0.0  # no "-0.00"
    t = result.tipping.table.assign(shift_sd=shift)
    keep = t["shift_sd"].isin([float(k) for k in steps])
    change = conclusion_change(result)
    if change is not None:
        keep |= t["delta"] == change
    return t.loc[keep, ["shift_sd", "delta", "estimate", "ci_low", "ci_high", "p"]]


def tipping_sentence(
    result: DropoutSensitivity,
    *,
    higher_is_better: bool,
    programme: str,
    reference: str,
) -> str:
    """How far the programme's lost participants must differ before the conclusion changes.

    Parameters
    ----------
    result : DropoutSensitivity
    higher_is_better : bool
        The instrument's direction.
    programme, reference : str
        The two groups' names.

    Returns
    -------
    str
        One sentence. The conclusion is the missing-at-random one (delta = 0): a clear
        difference between the groups (its interval excludes 0) or none. The sentence names the
        smallest shift of the grid, in score points and first-visit sds, at which that
        conclusion no longer holds, and which way ("worse" or "better" than similar people
        who stayed), or says that no shift up to one sd changes it.
    """
    table = result.tipping.table
    zero = table.loc[table["delta"] == 0.0].iloc[0]
    clear = _excludes_zero(zero["ci_low"], zero["ci_high"])
    change = conclusion_change(result)
    if clear:
        favours = (zero["estimate"] > 0) == higher_is_better
        now = (
            f"the {programme} group {'did better' if favours else 'did worse'} than the "
            f"{reference} group"
        )
    else:
        now = f"the {programme} and {reference} groups did not clearly differ"
    if change is None:
        return (
            f"With the lost participants assumed to be like those who stayed, {now}; this holds "
            f"even if the {programme} group's lost participants had scored up to one standard "
            f"deviation ({result.sd:.2f} points) better or worse than similar people who stayed."
        )
    delta = change
    worse = (delta > 0) != higher_is_better
    after = "no longer be clear" if clear else "become clear"
    return (
        f"With the lost participants assumed to be like those who stayed, {now}. The "
        f"{programme} group's lost participants would have to have scored about "
        f"{abs(delta):.2f} points ({abs(delta) / result.sd:.2f} standard deviations) "
        f"{'worse' if worse else 'better'} at the last visit than similar people who stayed "
        f"before the difference would {after}."
    )


def lacking_norms(instruments: Sequence[tuple[str, bool]]) -> str:
    """The sentence naming the instruments without norms, and how to declare them.

    ``instruments``: (name shown, has norms) per instrument. Empty text when all have norms.
    """
    names = [n for n, has in instruments if not has]
    if not names:
        return ""
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    verb = "has" if len(names) == 1 else "have"
    return (
        f"{listed} {verb} no declared population norms, so whether people moved into the range "
        "of people without the problem cannot be judged; a study can declare published norms "
        "in its study file "
        "(`instruments[i].norms`: `functional` and/or `dysfunctional` `{mean, sd}` and a "
        "`citation`, see docs/FORMATS.md)."
    )
