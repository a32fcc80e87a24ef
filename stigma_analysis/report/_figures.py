"""Aggregate figures of :mod:`stigma_analysis.report.tables` (private; re-exported there).

Both functions draw from tables that already passed the disclosure gate, never from
respondent-level rows.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["plot_binned", "plot_means"]


def _grid(n: int, *, width: float = 7.0, row_height: float = 2.6) -> tuple[Figure, list[Any]]:
    import matplotlib.pyplot as plt

    ncols = 1 if n == 1 else 2
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(width, row_height * nrows + 0.6), squeeze=False)
    flat = list(axes.ravel())
    for ax in flat[n:]:
        ax.set_visible(False)
    return fig, flat[:n]


def plot_binned(
    panels: Sequence[tuple[str, pd.DataFrame, Sequence[tuple[str, float]]]],
    *,
    min_cell: int,
) -> Figure:
    """Histograms drawn from disclosed bin counts: one panel per score, one line per wave.

    Parameters
    ----------
    panels : sequence of (title, table, bands)
        ``table`` is a disclosed :func:`score_bins` table (hidden bins are NaN after
        :func:`numeric`); ``bands`` are ``(label, from)`` cut-off bands, drawn as shaded
        regions with a dashed line at each band's lower bound.
    min_cell : int
        Hidden bins are drawn as hatched bars of this height (their count is below it).
    """
    from stigma_analysis.plots import MARKERS, _colours
    from stigma_analysis.report._common import numeric, scale_label

    fig, axes = _grid(len(panels))
    for ax, (title, table, bands) in zip(axes, panels, strict=True):
        counts = numeric(table)
        edges = [tuple(float(x) for x in str(b).split("-", 1)) for b in counts.index]
        mids = np.array([(a + b) / 2 for a, b in edges])
        width = edges[0][1] - edges[0][0] if edges else 1.0
        colours = _colours(len(counts.columns))
        for j, col in enumerate(counts.columns):
            values = counts[col].to_numpy(float)
            total = np.nansum(values)
            share = 100 * values / total if total else values
            ax.plot(
                mids,
                share,
                marker=MARKERS[j % len(MARKERS)],
                color=colours[j],
                linewidth=1.6,
                markersize=3.5,
                label=str(col),
            )
            hidden = np.isnan(values)
            if hidden.any() and total:
                ax.bar(
                    mids[hidden],
                    100 * min_cell / total,
                    width=width * 0.9,
                    color="none",
                    edgecolor=colours[j],
                    hatch="///",
                    linewidth=0.5,
                )
        shades = ("#ffffff", "#f3f3f3", "#e4e4e4", "#d5d5d5")
        lo, hi = (edges[0][0], edges[-1][1]) if edges else (0.0, 1.0)
        ordered = sorted(bands, key=lambda x: x[1])
        for i, (label, start) in enumerate(ordered):
            end = ordered[i + 1][1] if i + 1 < len(ordered) else hi
            ax.axvspan(max(start, lo), end, color=shades[min(i, 3)], zorder=0)
            if i > 0:
                ax.axvline(start, color="0.3", linestyle="--", linewidth=1)
                ax.text(
                    start,
                    0.97,
                    f" {scale_label(label)}",
                    transform=ax.get_xaxis_transform(),
                    ha="left",
                    va="top",
                    fontsize="x-small",
                    color="0.25",
                )
        ax.set_xlim(lo, hi)
        ax.set_title(title, fontsize="medium", loc="left")
        ax.set_ylabel("% of respondents", fontsize="small")
        ax.tick_params(labelsize="small")
        ax.grid(axis="y", alpha=0.3)
    axes[0].legend(frameon=False, fontsize="small")
    fig.tight_layout()
    return fig


def plot_means(
    panels: Sequence[tuple[str, pd.DataFrame]],
    *,
    x: str,
    group: str | None,
    ylabel: str = "Mean (95% CI)",
    label: Callable[[Any], str] | None = None,
) -> Figure:
    """Mean score by wave (and group) with intervals, drawn from disclosed :func:`group_means` tables."""
    from stigma_analysis.plots import MARKERS, _colours
    from stigma_analysis.report._common import figure_label, numeric

    label = figure_label if label is None else label
    fig, axes = _grid(len(panels))
    for ax, (title, table) in zip(axes, panels, strict=True):
        t = numeric(table, ["n", "mean", "ci_low", "ci_high"])
        levels = list(pd.unique(t[group])) if group is not None else [None]
        colours = _colours(len(levels))
        xs = sorted(pd.unique(t[x]))
        pos = {v: i for i, v in enumerate(xs)}
        for i, level in enumerate(levels):
            part = t if level is None else t[t[group] == level]
            xx = part[x].map(pos).to_numpy(float) + (i - (len(levels) - 1) / 2) * 0.08
            mean = part["mean"].to_numpy(float)
            err = np.vstack(
                [mean - part["ci_low"].to_numpy(float), part["ci_high"].to_numpy(float) - mean]
            )
            ax.errorbar(
                xx,
                mean,
                yerr=np.nan_to_num(err),
                color=colours[i],
                marker=MARKERS[i % len(MARKERS)],
                capsize=3,
                linewidth=1.6,
                label=label(level) if level is not None else None,
            )
        ax.set_xticks(range(len(xs)), [str(v) for v in xs])
        ax.set_title(title, fontsize="medium", loc="left")
        ax.set_ylabel(ylabel, fontsize="small")
        ax.tick_params(labelsize="small")
        ax.grid(axis="y", alpha=0.3)
    axes[-1].set_xlabel(x)
    if group is not None:
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(
            handles, labels, loc="lower center", ncol=len(labels), frameon=False, fontsize="small"
        )
        fig.tight_layout(rect=(0, 0.06, 1, 1))
    else:
        fig.tight_layout()
    return fig
