"""Figures for reports: coefficients, trajectories, score distributions and reliable change.

Every function draws on ``ax`` (a new figure when ``None``) and returns the Axes; nothing is
shown or saved here. Colours come from seaborn's colour-blind-safe ``"colorblind"`` palette;
categories are also told apart by marker or hatch so a figure survives grey-scale printing.
matplotlib and seaborn are imported inside the functions, so ``import stigma_analysis`` stays fast.

Figures built from respondent-level data are internal: only aggregate figures
(:func:`forest_plot`, :func:`trajectory_plot`, :func:`reliable_change_bar`, and
:func:`distribution_plot` on enough respondents) belong in a published report, after the
underlying tables have passed ``stigma_analysis.privacy.disclose``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "change_dot_plot",
    "distribution_plot",
    "forest_plot",
    "reliable_change_bar",
    "reliable_change_plot",
    "trajectory_plot",
]

PALETTE = "colorblind"
MARKERS = ("o", "s", "^", "D", "v", "P", "X")
CATEGORY_LABELS = {
    "improved": "Reliably improved",
    "unchanged": "No reliable change",
    "deteriorated": "Reliably deteriorated",
}


def _axes(ax: Axes | None) -> Axes:
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots()
    return ax


def _colours(n: int) -> list[Any]:
    import seaborn as sns

    return list(sns.color_palette(PALETTE, n_colors=max(n, 1)))


def _pretty(name: str) -> str:
    return str(name).replace("_", " ")


def _require(data: Any, columns: Sequence[str], what: str) -> None:
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"{what} must be a pandas DataFrame, got {type(data).__name__}")
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise ValueError(f"{what} has no column(s) {missing}; available: {list(data.columns)}")


def forest_plot(
    coefficients: pd.DataFrame,
    *,
    ax: Axes | None = None,
    terms: Sequence[str] | None = None,
    reference: float | None = 0.0,
    xlabel: str = "Estimate (95% CI)",
) -> Axes:
    """Coefficient (forest) plot: one row per term, point estimate and interval.

    Parameters
    ----------
    coefficients : pandas.DataFrame
        A tidy table with ``term, estimate, ci_low, ci_high`` (e.g. ``fit_model(...)`` or
        ``arm_by_wave(...).coefficients``).
    ax : matplotlib Axes, optional
    terms : sequence of str, optional
        Terms to show, in this order (top to bottom); default all, in table order.
    reference : float or None, default 0.0
        Where to draw the dashed no-effect line (1.0 for odds ratios); ``None`` for none.
    xlabel : str

    Returns
    -------
    matplotlib.axes.Axes
        One horizontal error bar per term (a line collection) and one marker each; term names on
        the y axis, first term at the top.

    Examples
    --------
    >>> import pandas as pd
    >>> from stigma_analysis.plots import forest_plot
    >>> table = pd.DataFrame({"term": ["age", "arm[intervention]"], "estimate": [0.01, -0.3],
    ...                       "ci_low": [-0.02, -0.5], "ci_high": [0.04, -0.1]})
    >>> ax = forest_plot(table)
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['age', 'arm[intervention]']
    """
    _require(coefficients, ["term", "estimate", "ci_low", "ci_high"], "coefficients")
    table = coefficients
    if terms is not None:
        terms = list(terms)
        unknown = [t for t in terms if t not in set(coefficients["term"])]
        if unknown:
            raise ValueError(
                f"terms {unknown} are not in coefficients['term']: {list(coefficients['term'])}"
            )
        table = coefficients.set_index("term").loc[terms].reset_index()
    ax = _axes(ax)
    y = np.arange(len(table))[::-1]
    est = table["estimate"].to_numpy(float)
    colour = _colours(1)[0]
    ax.hlines(y, table["ci_low"], table["ci_high"], color=colour, linewidth=2)
    ax.plot(est, y, linestyle="none", marker="o", color=colour, markersize=6, zorder=3)
    if reference is not None:
        ax.axvline(reference, color="0.4", linestyle="--", linewidth=1, zorder=1)
    ax.set_yticks(y, [_pretty(t) for t in table["term"]])
    ax.set_ylim(-0.75, len(table) - 0.25)
    ax.set_xlabel(xlabel)
    ax.grid(axis="x", alpha=0.3)
    return ax


def trajectory_plot(
    data: pd.DataFrame,
    *,
    score: str,
    wave: str = "wave",
    group: str | None = "arm",
    ax: Axes | None = None,
    ci_level: float = 0.95,
) -> Axes:
    """Mean score per wave and group, with t confidence intervals.

    Parameters
    ----------
    data : pandas.DataFrame
        Long scores (one row per respondent x wave); missing scores are left out.
    score : str
    wave : str, default "wave"
    group : str or None, default "arm"
        One line per value of this column; ``None`` for a single line.
    ax : matplotlib Axes, optional
    ci_level : float, default 0.95

    Returns
    -------
    matplotlib.axes.Axes
        One line (with a marker per wave and vertical error bars) per group, slightly dodged so
        that intervals do not overlap; a legend titled with the group column.

    Notes
    -----
    Interval: :math:`\\bar x \\pm t_{n-1,(1+level)/2}\\, s/\\sqrt n` per wave and group (the
    same t interval as ``pre_post``), not a bootstrap, so the figure is deterministic.
    """
    from scipy import stats

    cols = [score, wave] + ([group] if group is not None else [])
    _require(data, cols, "data")
    if not 0 < ci_level < 1:
        raise ValueError(f"ci_level must be in (0, 1), got {ci_level!r}")
    frame = data.loc[:, cols].dropna(subset=[score])
    keys = [group, wave] if group is not None else [wave]
    summary = frame.groupby(keys, observed=True, sort=True)[score].agg(["mean", "std", "count"])
    summary = summary.reset_index()
    n = summary["count"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        df = np.where(n > 1, n - 1, np.nan)
        half = stats.t.ppf(0.5 + ci_level / 2, df) * summary["std"].to_numpy(float) / np.sqrt(n)
    summary["half"] = half
    ax = _axes(ax)
    levels = list(pd.unique(summary[group])) if group is not None else [None]
    colours = _colours(len(levels))
    waves = sorted(pd.unique(summary[wave]))
    position = {w: i for i, w in enumerate(waves)}
    width = 0.08
    for i, level in enumerate(levels):
        part = summary if level is None else summary[summary[group] == level]
        x = part[wave].map(position).to_numpy(float) + (i - (len(levels) - 1) / 2) * width
        ax.errorbar(
            x,
            part["mean"].to_numpy(float),
            yerr=part["half"].fillna(0.0).to_numpy(float),
            color=colours[i],
            marker=MARKERS[i % len(MARKERS)],
            capsize=3,
            linewidth=1.8,
            label=_pretty(level) if level is not None else _pretty(score),
        )
    ax.set_xticks(range(len(waves)), [str(w) for w in waves])
    ax.set_xlabel(_pretty(wave).capitalize())
    ax.set_ylabel(f"Mean {_pretty(score)} ({round(100 * ci_level)}% CI)")
    if group is not None:
        ax.legend(title=_pretty(group).capitalize(), frameon=False)
    ax.grid(axis="y", alpha=0.3)
    return ax


def _bands(cutoffs: Any) -> list[tuple[str, float]]:
    if cutoffs is None:
        return []
    out = []
    for band in cutoffs:
        if hasattr(band, "label") and hasattr(band, "from_"):
            out.append((str(band.label), float(band.from_)))
        elif isinstance(band, tuple | list) and len(band) == 2:
            out.append((str(band[0]), float(band[1])))
        else:
            raise TypeError(
                "cutoffs must be a sequence of (label, from) pairs or instrument bands, "
                f"got element {band!r}"
            )
    return sorted(out, key=lambda b: b[1])


def distribution_plot(
    data: pd.DataFrame,
    *,
    score: str,
    cutoffs: Any = None,
    by: str | None = None,
    ax: Axes | None = None,
    bins: int | str = "auto",
    kde: bool = True,
) -> Axes:
    """Histogram (and KDE) of a score with the cut-off bands marked.

    Parameters
    ----------
    data : pandas.DataFrame
    score : str
    cutoffs : sequence, optional
        Bands as ``[(label, from), ...]`` or an instrument's bands
        (``instrument.cutoffs[scale]``, each with ``.label`` and ``.from_``). Each band's lower
        bound gets a dashed vertical line labelled with the band name.
    by : str, optional
        Overlay one histogram per value of this column (density-normalised per group so
        groups of different sizes compare).
    ax : matplotlib Axes, optional
    bins, kde
        Passed to ``seaborn.histplot``.

    Returns
    -------
    matplotlib.axes.Axes
        Histogram bars (patches), one KDE line per group when ``kde``, one vertical line and
        one text label per band.

    Notes
    -----
    A histogram of few respondents can reveal individuals: publish it only for cells of at
    least the study's ``min_cell``.
    """
    import seaborn as sns

    _require(data, [score] + ([by] if by is not None else []), "data")
    bands = _bands(cutoffs)
    ax = _axes(ax)
    frame = data.dropna(subset=[score])
    if by is not None:
        levels = list(pd.unique(frame[by].dropna()))
        sns.histplot(
            data=frame,
            x=score,
            hue=by,
            hue_order=levels,
            palette=_colours(len(levels)),
            stat="density",
            common_norm=False,
            bins=bins,
            kde=kde,
            element="step",
            ax=ax,
        )
    else:
        sns.histplot(data=frame, x=score, bins=bins, kde=kde, color=_colours(1)[0], ax=ax)
    transform = ax.get_xaxis_transform()
    for label, start in bands:
        ax.axvline(start, color="0.2", linestyle="--", linewidth=1.2)
        # above the plotting area, so the label never collides with the legend or the bars
        ax.text(
            start,
            1.01,
            f" {_pretty(label)} →",
            transform=transform,
            ha="left",
            va="bottom",
            fontsize="small",
        )
    ax.set_xlabel(_pretty(score))
    return ax


def reliable_change_plot(
    classified: pd.DataFrame,
    *,
    ax: Axes | None = None,
) -> Axes:
    """Pre vs post scatter with the band of no reliable change (INTERNAL USE ONLY).

    Each point is one respondent: this figure exposes individuals and must never be published
    or leave the analysis team. For reports use :func:`reliable_change_bar`.

    Parameters
    ----------
    classified : pandas.DataFrame
        The result of ``evaluation.reliable_change`` (``pre``, ``post``, ``category``,
        ``threshold``).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
        One scatter collection per category present (colour and marker), the identity line and
        the two band limits ``post = pre ± threshold`` (3 lines), a legend, equal axis limits.
    """
    _require(classified, ["pre", "post", "category", "threshold"], "classified")
    ax = _axes(ax)
    colours = dict(zip(CATEGORY_LABELS, _colours(3), strict=True))
    markers = dict(zip(CATEGORY_LABELS, ("o", "s", "^"), strict=True))
    for cat, label in CATEGORY_LABELS.items():
        part = classified[classified["category"] == cat]
        if len(part):
            ax.scatter(
                part["pre"],
                part["post"],
                s=18,
                alpha=0.7,
                color=colours[cat],
                marker=markers[cat],
                label=f"{label} (n={len(part)})",
            )
    values = classified[["pre", "post"]].to_numpy(float)
    lo, hi = np.nanmin(values), np.nanmax(values)
    pad = 0.05 * (hi - lo if hi > lo else 1.0)
    lo, hi = lo - pad, hi + pad
    threshold = float(classified["threshold"].iloc[0]) if len(classified) else 0.0
    grid = np.array([lo, hi])
    ax.plot(grid, grid, color="0.3", linewidth=1, label="No change")
    ax.plot(
        grid,
        grid + threshold,
        color="0.5",
        linestyle="--",
        linewidth=1,
        label="Reliable-change limits",
    )
    ax.plot(grid, grid - threshold, color="0.5", linestyle="--", linewidth=1)
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xlabel("Score before")
    ax.set_ylabel("Score after")
    ax.legend(frameon=False, fontsize="small")
    return ax


def reliable_change_bar(
    counts: pd.DataFrame,
    *,
    ax: Axes | None = None,
    by: Sequence[str] | None = None,
) -> Axes:
    """Stacked horizontal bars of reliable change per group (percent; publishable).

    Parameters
    ----------
    counts : pandas.DataFrame
        The result of ``evaluation.reliable_change_counts`` (after ``privacy.disclose`` when it
        goes into a report): group columns, ``n``, ``pct_improved``, ``pct_unchanged``,
        ``pct_deteriorated``.
    ax : matplotlib Axes, optional
    by : sequence of str, optional
        Group columns for the bar labels; default every column before ``n``.

    Returns
    -------
    matplotlib.axes.Axes
        Three bar containers (improved, unchanged, deteriorated) with one patch per group, each
        group labelled ``site / arm (n=..)`` on the y axis, x axis 0-100 %.

    Examples
    --------
    >>> import pandas as pd
    >>> from stigma_analysis.plots import reliable_change_bar
    >>> counts = pd.DataFrame({"arm": ["comparison", "intervention"], "n": [40, 38],
    ...                        "pct_improved": [15.0, 42.1], "pct_unchanged": [75.0, 52.6],
    ...                        "pct_deteriorated": [10.0, 5.3]})
    >>> ax = reliable_change_bar(counts)
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['comparison (n=40)', 'intervention (n=38)']
    """
    pct = ["pct_improved", "pct_unchanged", "pct_deteriorated"]
    _require(counts, ["n", *pct], "counts")
    if by is None:
        by = list(counts.columns[: list(counts.columns).index("n")])
    _require(counts, list(by), "counts")
    ax = _axes(ax)
    labels = [
        " / ".join(_pretty(v) for v in row[:-1]) + f" (n={row[-1]})"
        if len(row) > 1
        else f"all (n={row[-1]})"
        for row in counts[[*by, "n"]].itertuples(index=False, name=None)
    ]
    y = np.arange(len(counts))[::-1]
    left = np.zeros(len(counts))
    colours = _colours(3)
    hatches = ("", "..", "//")
    for i, (col, text) in enumerate(zip(pct, CATEGORY_LABELS.values(), strict=True)):
        width = counts[col].fillna(0.0).to_numpy(float)
        ax.barh(
            y, width, left=left, color=colours[i], hatch=hatches[i], edgecolor="white", label=text
        )
        left = left + width
    ax.set_yticks(y, labels)
    ax.set_xlim(0, 100)
    ax.set_xlabel("Respondents (%)")
    ax.legend(
        frameon=False, fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=3
    )
    return ax


def change_dot_plot(
    table: pd.DataFrame,
    *,
    site: str = "site",
    arm: str = "arm",
    labels: dict[str, dict[Any, str]] | None = None,
    min_cell: int | None = None,
    ax: Axes | None = None,
    xlabel: str = "Change, last minus first visit (95% CI)",
    reference: float | None = 0.0,
) -> Axes:
    """Dot-and-interval plot of change by site and arm: one row per site, one dot per arm.

    Parameters
    ----------
    table : pandas.DataFrame
        The output of ``evaluation.pre_post(..., by=[site, arm])``: ``site, arm, n,
        mean_change, ci_low, ci_high`` (one row per site x arm).
    site, arm : str
        The grouping columns.
    labels : dict, optional
        Display names, ``{"site": {1: "Phnom Penh"}, "arm": {1: "Intervention"}}``.
    min_cell : int, optional
        Rows with fewer people (``n``) are left out (their mean rests on too few people to
        publish); give the study's ``privacy.min_cell``.
    ax : matplotlib Axes, optional
    xlabel : str
    reference : float or None, default 0.0
        Where to draw the dashed no-change line; ``None`` for none.

    Returns
    -------
    matplotlib.axes.Axes
        One marker and one horizontal interval per drawn row; arms told apart by colour and
        marker, sites on the y axis (first site at the top), a legend of arms.
    """
    import matplotlib.pyplot as plt
    import seaborn as sns

    _require(table, [site, arm, "n", "mean_change", "ci_low", "ci_high"], "table")
    data = table
    if min_cell is not None:
        n = pd.to_numeric(data["n"], errors="coerce")
        data = data.loc[n.ge(min_cell)]
    names = labels or {}
    sites = list(dict.fromkeys(data[site]))
    arms = list(dict.fromkeys(data[arm]))
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 0.55 * max(len(sites), 1) * max(len(arms), 1) + 1.2))
    colours = sns.color_palette(PALETTE, max(len(arms), 1))
    step = 0.7 / max(len(arms), 1)
    for k, a in enumerate(arms):
        rows = data.loc[data[arm] == a]
        y = np.array([sites.index(s) for s in rows[site]], dtype=float)
        y = y + (k - (len(arms) - 1) / 2) * step
        ax.hlines(y, rows["ci_low"], rows["ci_high"], color=colours[k], linewidth=1.6)
        ax.plot(
            rows["mean_change"],
            y,
            linestyle="none",
            marker=MARKERS[k % len(MARKERS)],
            color=colours[k],
            markersize=6,
            label=str(names.get(arm, {}).get(a, a)),
        )
    if reference is not None:
        ax.axvline(reference, color="0.5", linestyle="--", linewidth=0.8)
    ax.set_yticks(range(len(sites)))
    ax.set_yticklabels([str(names.get(site, {}).get(s, s)) for s in sites])
    ax.set_ylim(len(sites) - 0.5, -0.5)
    ax.set_xlabel(xlabel)
    if arms:
        ax.legend(frameon=False, loc="best", fontsize=8)
    return ax
