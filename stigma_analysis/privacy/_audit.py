"""The attacker of a suppressed table: the smallest and largest value of each hidden cell.

Private module used by :func:`stigma_analysis.privacy.suppress`, which audits every pattern it
publishes and hides more cells until each hidden cell's feasible interval is wide enough.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["feasible_intervals"]

# An additive constraint: the cells (flat, row-major positions) and their coefficients.
Equation = tuple[np.ndarray, np.ndarray]


def _orient(
    n_equations: int, incidence: list[list[tuple[int, float]]]
) -> tuple[np.ndarray, np.ndarray] | None:
    """Each unknown as a directed edge (tail, head) between relations, or None if impossible.

    ``incidence[k]`` lists (relation, coefficient) of unknown ``k``. Relations get signs so that
    every unknown in two relations enters one with +1 and the other with -1; an unknown in
    one relation is joined to an extra node (index ``n_equations``) that needs no balance.
    Possible when each unknown lies in at most two relations with coefficients +-1 and the
    sign constraints have no odd cycle (true for two-way tables with margins).
    """
    free = n_equations
    sign = np.zeros(n_equations + 1)
    sign[free] = 1.0
    neighbours: list[list[tuple[int, float]]] = [[] for _ in range(n_equations)]
    for inc in incidence:
        if len(inc) > 2 or any(abs(c) != 1.0 for _, c in inc):
            return None
        if len(inc) == 2:
            (p, a), (q, b) = inc
            neighbours[p].append((q, -a * b))  # sign[p] * sign[q] must equal -a * b
            neighbours[q].append((p, -a * b))
    for root in range(n_equations):
        if sign[root]:
            continue
        sign[root] = 1.0
        stack = [root]
        while stack:
            p = stack.pop()
            for q, product in neighbours[p]:
                want = product * sign[p]
                if not sign[q]:
                    sign[q] = want
                    stack.append(q)
                elif sign[q] != want:
                    return None
    tails = np.full(len(incidence), free)
    heads = np.full(len(incidence), free)
    for k, inc in enumerate(incidence):
        for p, c in inc:
            if sign[p] * c > 0:
                heads[k] = p
            else:
                tails[k] = p
    return tails, heads


class _Residual:
    """The residual network of the hidden cells: edge k may rise by ``up[k]`` (an arc along
    it) and fall by ``down[k]`` (an arc against it); parallel arcs are summed."""

    def __init__(
        self, n_nodes: int, tails: np.ndarray, heads: np.ndarray, up: np.ndarray, down: np.ndarray
    ) -> None:
        from scipy.sparse import csr_array

        rows = np.concatenate([tails, heads])
        cols = np.concatenate([heads, tails])
        self.caps = np.concatenate([up, down]).astype(np.int64)
        graph = csr_array((np.ones(len(rows)), (rows, cols)), shape=(n_nodes, n_nodes))
        graph.sum_duplicates()
        graph.sort_indices()
        self.graph = graph
        starts = graph.indptr[rows]
        ends = graph.indptr[rows + 1]
        self.slot = np.array(
            [
                s + np.searchsorted(graph.indices[s:e], c)
                for s, e, c in zip(starts, ends, cols, strict=True)
            ],
            dtype=np.int64,
        )
        self.base = np.zeros(len(graph.data), dtype=np.int64)
        np.add.at(self.base, self.slot, self.caps)
        self.base[self.slot[rows == cols]] = 0  # a loop carries nothing around
        self.n_edges = len(tails)

    def flow_without(self, k: int, source: int, sink: int, big: int) -> int:
        """Largest flow from ``source`` to ``sink`` through every edge but ``k``."""
        from scipy.sparse.csgraph import maximum_flow

        if source == sink:
            return big
        arcs = [k, k + self.n_edges]
        data = self.base.copy()
        np.subtract.at(data, self.slot[arcs], self.caps[arcs])
        graph = self.graph.copy()
        graph.data = np.clip(data, 0, big).astype(np.int32)
        return int(maximum_flow(graph, source, sink).flow_value)


def feasible_intervals(
    values: np.ndarray,
    hidden: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    equations: Sequence[Equation],
) -> tuple[np.ndarray, np.ndarray]:
    """Smallest and largest whole value of every hidden cell consistent with what is published.

    Parameters
    ----------
    values : numpy.ndarray
        The true counts (flat); NaN for cells that are missing from the table.
    hidden : numpy.ndarray of bool
        Cells not published (flat).
    lower, upper : numpy.ndarray
        What the attacker knows of each hidden cell before the equations: ``1 .. min_cell-1``
        for a cell shown as ``<5``, ``0 .. inf`` for a complementary one (flat).
    equations : list of (cells, coefficients)
        The published additive relations: ``coefficients @ values[cells]`` is known (a margin
        cell enters with -1 and the relation equals 0; an implicit total is its true sum).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Per cell (flat): the minimum and maximum over all integer tables that agree with the
        published cells, relations and bounds (``nan`` for published cells, ``inf`` when
        unbounded). A cell is recovered exactly when they are equal.

    Notes
    -----
    The published cells are constants; a change of the hidden ones that keeps every relation
    is a circulation in a graph whose nodes are the relations and whose edges are the hidden
    cells (each cell of a two-way table lies in at most two relations, with coefficients
    +-1: a row and a column, margins entering with -1; relations are signed so that every
    cell enters one with +1 and the other with -1, and a cell in one relation only leads to a
    node that needs no balance). A cell can rise by the largest flow that the other cells can
    carry back around, within their bounds (a maximum flow, ``scipy.sparse.csgraph``), and
    fall likewise. The constraint matrix is totally unimodular, so these integer flows are
    exactly the integer program's optimum; the tests check them against
    ``scipy.optimize.milp``. Relations of another shape fall back to two linear programs per
    cell (``scipy.optimize.linprog``). Missing (NaN) cells are hidden cells in ``0 .. inf``;
    a relation without a margin that holds one is dropped (its total is unknown).
    """
    n = len(values)
    lo = np.full(n, np.nan)
    hi = np.full(n, np.nan)
    missing = ~np.isfinite(values)
    unknown = hidden | missing
    cells = np.flatnonzero(unknown)
    if not hidden.any():
        return lo, hi
    x = np.where(missing, 0.0, values)  # a missing cell: any value is as good as another
    column = np.full(n, -1)
    column[cells] = np.arange(len(cells))
    incidence: list[list[tuple[int, float]]] = [[] for _ in cells]
    used: list[Equation] = []
    for eq_cells, coef in equations:
        if missing[eq_cells].any() and not (coef < 0).any():
            continue
        open_ = unknown[eq_cells]
        if not open_.any():
            continue
        for cell, c in zip(eq_cells[open_], coef[open_], strict=True):
            incidence[column[cell]].append((len(used), float(c)))
        used.append((eq_cells, coef))
    b_lo = np.where(hidden[cells], lower[cells], 0.0)
    b_hi = np.where(hidden[cells], upper[cells], np.inf)
    oriented = _orient(len(used), incidence)
    if oriented is None:
        return _by_linear_programs(
            x, hidden, cells=cells, column=column, used=used, b_lo=b_lo, b_hi=b_hi, lo=lo, hi=hi
        )
    tails, heads = oriented
    xs = x[cells]
    finite_total = float(np.nansum(np.where(np.isfinite(b_hi), b_hi, 0.0)) + xs.sum())
    # "unbounded" capacity: above any bounded flow, and summed arcs still fit in int32
    big = int(min(2**31 // (2 * len(cells) + 2) - 1, 2 * finite_total + 10))
    up = np.where(np.isfinite(b_hi), b_hi - xs, big)
    down = xs - b_lo
    residual = _Residual(len(used) + 1, tails, heads, up, down)
    for k, cell in enumerate(cells):
        if not hidden[cell]:
            continue
        rise = residual.flow_without(k, int(heads[k]), int(tails[k]), big)
        fall = residual.flow_without(k, int(tails[k]), int(heads[k]), big)
        rise = min(rise, up[k])
        fall = min(fall, down[k])
        lo[cell] = xs[k] - fall
        hi[cell] = np.inf if rise >= big else xs[k] + rise
    return lo, hi


def _by_linear_programs(
    x: np.ndarray,
    hidden: np.ndarray,
    *,
    cells: np.ndarray,
    column: np.ndarray,
    used: Sequence[Equation],
    b_lo: np.ndarray,
    b_hi: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Two linear programs per hidden cell (relations that are not a network)."""
    from scipy.optimize import linprog

    unknown = np.zeros(len(x), dtype=bool)
    unknown[cells] = True
    rows, rhs = [], []
    for eq_cells, coef in used:
        open_ = unknown[eq_cells]
        row = np.zeros(len(cells))
        row[column[eq_cells[open_]]] = coef[open_]
        rows.append(row)
        rhs.append(float(coef[open_] @ x[eq_cells[open_]]))
    bounds = list(zip(b_lo, [None if np.isinf(u) else u for u in b_hi], strict=True))
    a_eq = np.array(rows) if rows else None
    b_eq = np.array(rhs) if rows else None
    for k, cell in enumerate(cells):
        if not hidden[cell]:
            continue
        for sign, out in ((1.0, lo), (-1.0, hi)):
            c = np.zeros(len(cells))
            c[k] = sign
            res = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs-ds")
            if res.status == 0:
                out[cell] = float(np.rint(sign * res.fun))
            elif res.status == 3:  # unbounded
                out[cell] = -sign * np.inf
            else:  # infeasible or failed: report the cell as exposed, never as safe
                out[cell] = x[cell]
    return lo, hi
