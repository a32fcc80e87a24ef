"""Plots for GRM results: category curves, information curves, DIF curves by group."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ._engine import grm_probs

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from ._fit import IRTResult
    from ._multigroup import DIFResult

__all__ = ["plot_dif", "plot_icc", "plot_information"]


def _axes(ax: Axes | None) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, new = plt.subplots(figsize=(6, 4))
    return new


def _grid(theta: Sequence[float] | np.ndarray | None) -> np.ndarray:
    return np.linspace(-4, 4, 201) if theta is None else np.asarray(theta, dtype=float).ravel()


def plot_icc(
    result: IRTResult,
    item: str | int,
    *,
    ax: Axes | None = None,
    theta: Sequence[float] | np.ndarray | None = None,
    expected: bool = False,
) -> Axes:
    """Category characteristic curves of one item (or its expected score with ``expected``).

    Parameters
    ----------
    result : IRTResult
        A fitted GRM.
    item : str or int
        Item id or position.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when None.
    theta : array-like, optional
        θ values (default 201 points on [-4, 4]).
    expected : bool
        Draw the expected answer instead of one curve per category.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on (the figure is never shown).
    """
    ax = _axes(ax)
    th = _grid(theta)
    name = result.items[result._item_index(item)]
    if expected:
        ax.plot(th, result.expected_score(th, item), label=name)
        ax.set_ylabel("Expected answer")
    else:
        curves = result.probabilities(th, item)
        for cat in curves.columns:
            ax.plot(th, curves[cat].to_numpy(), label=f"{cat:g}")
        ax.set_ylim(0, 1)
        ax.set_ylabel("P(answer)")
        ax.legend(title="Answer", fontsize="small")
    ax.set_xlabel("θ")
    ax.set_title(f"Item {name}")
    return ax


def plot_information(
    result: IRTResult,
    *,
    items: Sequence[str] | None = None,
    test: bool = True,
    ax: Axes | None = None,
    theta: Sequence[float] | np.ndarray | None = None,
) -> Axes:
    """Item information curves and the test information curve (dashed, thicker).

    Parameters
    ----------
    result : IRTResult
        A fitted GRM.
    items : sequence of str, optional
        Items to draw (default all); the test curve always sums these items.
    test : bool
        Draw the test information curve.
    ax, theta : optional
        As :func:`plot_icc`.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    th = _grid(theta)
    info = result.information(th, items=items)
    for col in info.columns[:-1]:
        ax.plot(th, info[col].to_numpy(), lw=1, label=str(col))
    if test:
        ax.plot(th, info["test"].to_numpy(), lw=2.5, ls="--", color="black", label="test")
    ax.set_xlabel("θ")
    ax.set_ylabel("Information")
    ax.legend(fontsize="small", ncol=2)
    return ax


def plot_dif(
    result: DIFResult,
    item: str,
    *,
    ax: Axes | None = None,
    theta: Sequence[float] | np.ndarray | None = None,
) -> Axes:
    """Expected answer of one item by group, from the model with that item free across groups.

    Parameters
    ----------
    result : DIFResult
        From :func:`dif_lr`.
    item : str
        A tested item.
    ax, theta : optional
        As :func:`plot_icc`.

    Returns
    -------
    matplotlib.axes.Axes
        One line per group, labelled with the group name.
    """
    if item not in result.item_fits:
        raise ValueError(f"{item!r} was not tested; tested items: {list(result.item_fits)}")
    ax = _axes(ax)
    th = _grid(theta)
    fit = result.item_fits[item]
    j = fit.items.index(item)
    d = fit.d[:, j]
    k = int(np.sum(~np.isnan(d[0]))) + 1
    row = result.table.set_index("item").loc[item].to_dict()
    for g, name in enumerate(fit.groups):
        p, _ = grm_probs(fit.a[g, j], d[g, : k - 1], th)
        ax.plot(th, p @ np.arange(k), label=name)
    ax.set_xlabel("θ")
    ax.set_ylabel("Expected category (0 = lowest)")
    ax.set_title(f"{item}: χ²({int(row['df'])}) = {row['chisq']:.2f}, p = {row['p']:.3g}")
    ax.legend(title="Group", fontsize="small")
    return ax
