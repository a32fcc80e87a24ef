"""Loading plot for EFA and CFA results."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ._cfa import CFAResult
from ._efa import EFAResult

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_loadings"]


def plot_loadings(
    result: EFAResult | CFAResult | pd.DataFrame,
    *,
    ax: Axes | None = None,
    standardized: bool = True,
    threshold: float | None = 0.3,
    group: str | None = None,
    cmap: str = "RdBu_r",
) -> Axes:
    """Heat map of factor loadings (items down, factors across), annotated with the values.

    Drawn with matplotlib only (a diverging map centred at zero; blank cells are loadings fixed
    at zero in a CFA).

    Parameters
    ----------
    result : EFAResult, CFAResult or pandas.DataFrame
        An EFA or CFA result, or a tidy table with ``item, factor`` and ``loading`` (or
        ``std_estimate``) columns.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when None.
    standardized : bool
        For CFA results, plot std.all loadings (else the unstandardised estimates).
    threshold : float or None
        Annotate only loadings with absolute value at least this (None: all).
    group : str, optional
        For multi-group CFA results, the group to plot (default: the first).
    cmap : str
        A diverging colour map, centred at zero.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on (the figure is never shown).
    """
    import matplotlib.pyplot as plt

    if isinstance(result, EFAResult):
        tidy = result.loadings.rename(columns={"loading": "value"})
        title = f"EFA loadings ({result.method}, {result.rotation})"
    elif isinstance(result, CFAResult):
        tab = result.loadings
        g = group if group is not None else result.groups[0]
        if g not in result.groups:
            raise ValueError(f"group must be one of {result.groups}, got {group!r}")
        tab = tab[tab["group"] == g]
        col = "std_estimate" if standardized else "estimate"
        tidy = tab.rename(columns={col: "value"})[["item", "factor", "value"]]
        title = "CFA loadings" + (" (standardised)" if standardized else "")
        if len(result.groups) > 1:
            title += f", group {g}"
    elif isinstance(result, pd.DataFrame):
        found = next(
            (c for c in ("loading", "std_estimate", "estimate") if c in result.columns), None
        )
        if found is None or not {"item", "factor"} <= set(result.columns):
            raise ValueError(
                "a loadings DataFrame needs columns item, factor and loading "
                f"(or std_estimate); got {list(result.columns)}"
            )
        tidy = result.rename(columns={found: "value"})
        title = "Loadings"
    else:
        raise TypeError(
            f"result must be an EFAResult, CFAResult or DataFrame, got {type(result).__name__}"
        )
    items = list(dict.fromkeys(tidy["item"]))
    factors = list(dict.fromkeys(tidy["factor"]))
    wide = tidy.pivot_table(index="item", columns="factor", values="value", aggfunc="first")
    values = wide.reindex(index=items, columns=factors).to_numpy(dtype=float)
    if ax is None:
        _, ax = plt.subplots(figsize=(1.6 + 0.9 * len(factors), 0.8 + 0.32 * len(items)))
    finite = np.isfinite(values)
    lim = max(1.0, float(np.abs(values[finite]).max()) if finite.any() else 1.0)
    # plain imshow (not seaborn.heatmap, whose NaN masking triggers a matplotlib deprecation)
    image = ax.imshow(np.ma.masked_invalid(values), cmap=cmap, vmin=-lim, vmax=lim, aspect="auto")
    for (i, j), v in np.ndenumerate(values):
        if np.isfinite(v) and (threshold is None or abs(v) >= threshold):
            ax.text(
                j,
                i,
                f"{v:.2f}",
                ha="center",
                va="center",
                fontsize=8,
                color="white" if abs(v) > 0.6 * lim else "black",
            )
    ax.set_xticks(range(len(factors)), labels=factors)
    ax.set_yticks(range(len(items)), labels=items)
    ax.figure.colorbar(image, ax=ax, label="loading")
    ax.set_title(title)
    ax.set_xlabel("factor")
    ax.set_ylabel("item")
    return ax
