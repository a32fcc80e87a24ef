"""Small-cell suppression of published tables and k-anonymity of microdata.

Private module; the public names are re-exported by :mod:`stigma_analysis.privacy`.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args, overload

import numpy as np
import pandas as pd

__all__ = [
    "COMPLEMENT_MARKER",
    "DEFAULT_K",
    "KAnonymityResult",
    "Totals",
    "default_count_columns",
    "is_count_name",
    "k_anonymity",
    "suppress",
    "suppression_mask",
]

Totals = Literal["both", "rows", "columns", "none"]
Zeros = Literal["auto", "keep", "suppress"]

#: How a cell hidden only to protect another one (complementary suppression) is shown.
COMPLEMENT_MARKER = "[c]"

#: Threshold of :func:`k_anonymity` when none is given (the usual ``min_cell``).
DEFAULT_K = 5

# Row/column labels that mark a margin (pandas.crosstab(margins=True) writes "All").
_TOTAL_LABELS = frozenset({"total", "totals", "all", "overall", "sum", "grand total"})
# Column names that count respondents (the default count columns of a mixed table) ...
_COUNT_NAMES = frozenset({"n", "count", "counts", "freq", "frequency", "nobs", "total"})
# ... and names that look like counts but count something else.
_NOT_RESPONDENT_COUNTS = frozenset(
    {"n_items", "n_scales", "n_factors", "n_waves", "n_classes", "n_iter", "n_params"}
    | {"n_imputations", "n_boot", "n_answered", "n_terms", "n_groups", "n_sites", "n_folds"}
)


def is_count_name(column: Hashable) -> bool:
    """Whether a column name says it counts respondents (``n``, ``count``, ``n_female``, ``female_n``)."""
    name = str(column).strip().lower()
    if name in _NOT_RESPONDENT_COUNTS or name.endswith("_n_answered"):
        return False
    return (
        name in _COUNT_NAMES or name.startswith(("n_", "count_")) or name.endswith(("_n", "_count"))
    )


def _is_number_column(s: pd.Series) -> bool:
    return bool(pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype))


def default_count_columns(table: pd.DataFrame) -> list[Hashable]:
    """The columns treated as respondent counts when ``count_columns`` is not given.

    A cross-tabulation (the categories in a labelled index, every column of integer dtype and
    non-negative, as :func:`pandas.crosstab` returns): every column. Otherwise the numeric
    columns whose name says they count respondents (:func:`is_count_name`), so that ``wave``,
    ``age`` or ``n_items`` in a tidy table are never taken for counts.
    """
    cols: list[Hashable] = list(table.columns)
    labelled_index = not isinstance(table.index, pd.RangeIndex)
    if (
        cols
        and labelled_index
        and all(
            pd.api.types.is_integer_dtype(table[c].dtype)
            and not pd.api.types.is_bool_dtype(table[c].dtype)
            for c in cols
        )
        and bool((table.to_numpy() >= 0).all())
    ):
        return cols
    return [c for c in cols if is_count_name(c) and _is_number_column(table[c])]


def _is_total_label(label: Any) -> bool:
    parts = label if isinstance(label, tuple) else (label,)
    return any(isinstance(p, str) and p.strip().lower() in _TOTAL_LABELS for p in parts)


def _margin_row(table: pd.DataFrame, count_columns: Sequence[Hashable]) -> int | None:
    """Position of the (last) row labelled as a total, in the index or a label column."""
    hits = np.fromiter((_is_total_label(v) for v in table.index), dtype=bool, count=len(table))
    for c in table.columns:
        if c in count_columns or _is_number_column(table[c]):
            continue
        text = table[c].astype(object).map(lambda v: isinstance(v, str) and _is_total_label(v))
        hits |= text.to_numpy(dtype=bool)
    positions = np.flatnonzero(hits)
    return int(positions[-1]) if len(positions) else None


# An additive constraint: the cells (flat, row-major positions) and their coefficients.
Equation = tuple[np.ndarray, np.ndarray]


def _equations(
    n_rows: int,
    n_cols: int,
    margin_row: int | None,
    margin_col: int | None,
    totals: Totals,
    *,
    groups: np.ndarray | None = None,
) -> list[Equation]:
    """Additive constraints among the cells, one per row and per column that has a total.

    A margin cell enters with -1 (it equals the sum of its line); an implicit total (known from
    elsewhere, not in the table) is a constant and does not appear. Lines of one cell have no
    implicit total (the total would be the cell itself). ``groups`` (a code per row): column
    totals are known within each group of rows instead of over all rows.
    """
    if groups is not None and margin_row is None and totals in ("both", "columns"):
        by_row = _equations(
            n_rows, n_cols, None, margin_col, "rows" if totals == "both" else "none"
        )
        cell = np.arange(n_rows * n_cols).reshape(n_rows, n_cols)
        for g in np.unique(groups):
            rows = np.flatnonzero(groups == g)
            if len(rows) >= 2:
                by_row += [(cell[rows, j], np.ones(len(rows))) for j in range(n_cols)]
        return by_row
    eqs: list[Equation] = []
    grid = np.arange(n_rows * n_cols).reshape(n_rows, n_cols)
    row_totals_known = totals in ("both", "rows")
    col_totals_known = totals in ("both", "columns")
    for i in range(n_rows):
        cells = grid[i]
        coef = np.ones(n_cols)
        if margin_col is not None:
            coef[margin_col] = -1.0
            eqs.append((cells, coef))
        elif row_totals_known and n_cols >= 2:
            eqs.append((cells, coef))
    for j in range(n_cols):
        cells = grid[:, j]
        coef = np.ones(n_rows)
        if margin_row is not None:
            coef[margin_row] = -1.0
            eqs.append((cells, coef))
        elif col_totals_known and n_rows >= 2:
            eqs.append((cells, coef))
    return eqs


def _bridges(n_nodes: int, ends: np.ndarray) -> np.ndarray:
    """Edges of a multigraph that lie on no cycle (Tarjan, iterative). ``ends``: (n_edges, 2)."""
    adjacency: list[list[tuple[int, int]]] = [[] for _ in range(n_nodes)]
    for edge, (a, b) in enumerate(ends.tolist()):
        adjacency[a].append((b, edge))
        if a != b:
            adjacency[b].append((a, edge))
    order = [-1] * n_nodes
    low = [0] * n_nodes
    bridge = np.zeros(len(ends), dtype=bool)
    clock = 0
    for root in range(n_nodes):
        if order[root] >= 0:
            continue
        order[root] = low[root] = clock
        clock += 1
        stack: list[tuple[int, int, int]] = [(root, -1, 0)]  # node, edge in, next neighbour
        while stack:
            node, via, k = stack[-1]
            if k < len(adjacency[node]):
                stack[-1] = (node, via, k + 1)
                nxt, edge = adjacency[node][k]
                if edge == via:
                    continue
                if order[nxt] < 0:
                    order[nxt] = low[nxt] = clock
                    clock += 1
                    stack.append((nxt, edge, 0))
                else:
                    low[node] = min(low[node], order[nxt])
            else:
                stack.pop()
                if stack:
                    parent = stack[-1][0]
                    low[parent] = min(low[parent], low[node])
                    if low[node] > order[parent]:
                        bridge[via] = True
    return bridge


def determined_cells(equations: Sequence[Equation], unknown: np.ndarray) -> np.ndarray:
    """Unknown cells whose value follows from the published cells and totals by linear algebra.

    Every cell lies in at most two equations (its row's and its column's). Take the equations
    as nodes, one extra node for "no equation", and the unknown cells as edges between the
    equations they appear in. After flipping the signs of the margin row/column equations and
    of the margin cells (which changes no solution set) every coefficient is +1, rows and
    columns form a bipartite graph, and a null vector of the system is a signed flow around a
    cycle (or along a path whose ends have no equation). So an unknown cell is determined
    exactly when its edge is a bridge: on no cycle. Returns a boolean array over all cells.
    """
    out = np.zeros(unknown.shape, dtype=bool)
    idx = np.flatnonzero(unknown)
    if len(idx) == 0:
        return out
    free = len(equations)
    position = np.full(unknown.shape, -1)
    position[idx] = np.arange(len(idx))
    ends = np.full((len(idx), 2), free)
    filled = np.zeros(len(idx), dtype=np.int64)
    for e, (cells, _) in enumerate(equations):
        hit = position[cells[unknown[cells]]]
        ends[hit, filled[hit]] = e  # a cell appears once per equation
        filled[hit] += 1
    out[idx[_bridges(free + 1, ends)]] = True
    return out


def _best_candidate(cells: np.ndarray, values: np.ndarray, is_margin: np.ndarray) -> int | None:
    """The cell to suppress next among ``cells``: interior before margin, non-zero first, smallest."""
    ok = cells[np.isfinite(values[cells])]
    if len(ok) == 0:
        return None
    order = np.lexsort((ok, values[ok], values[ok] == 0, is_margin[ok]))
    return int(ok[order[0]])


def _complementary(
    values: np.ndarray, primary: np.ndarray, equations: Sequence[Equation], is_margin: np.ndarray
) -> np.ndarray:
    """Primary plus complementary suppression (flattened cells)."""
    suppressed = primary.copy()
    missing = ~np.isfinite(values)
    while True:
        # Phase 1: a line with exactly one unknown cell gives it away; hide the next smallest.
        changed = True
        while changed:
            changed = False
            for cells, _ in equations:
                unknown = suppressed[cells] | missing[cells]
                if np.count_nonzero(unknown) != 1:
                    continue
                pick = _best_candidate(cells[~unknown], values, is_margin)
                if pick is not None:
                    suppressed[pick] = True
                    changed = True
        # Phase 2: cells still determined through chains of lines; hide one more cell next to
        # each such cell (one per neighbourhood per round) and start again.
        det = determined_cells(equations, suppressed | missing) & suppressed
        if not det.any():
            return suppressed
        fresh = np.zeros(suppressed.shape, dtype=bool)
        added = False
        for first in np.flatnonzero(det):
            near = [cells for cells, _ in equations if first in cells]
            if any(fresh[cells].any() for cells in near):
                continue  # a cell was just hidden next to it; recompute before adding more
            known = ~(suppressed | missing)
            pool = np.unique(np.concatenate(near)) if near else np.zeros(0, dtype=np.int64)
            pick = _best_candidate(pool[known[pool]], values, is_margin)
            if pick is None:  # its own lines are exhausted: widen to lines with a hidden cell
                touched = [cells for cells, _ in equations if suppressed[cells].any()]
                pool = np.unique(np.concatenate(touched)) if touched else pool
                pick = _best_candidate(pool[known[pool]], values, is_margin)
            if pick is not None:
                suppressed[pick] = True
                fresh[pick] = True
                added = True
        if not added:
            return suppressed


def _sum_line(values: np.ndarray) -> int | None:
    """Position of the (last) column that equals the sum of the other columns in every row.

    A column ``n`` beside ``improved, unchanged, deteriorated`` is a margin even without a
    ``Total`` label; an attacker sees it from the numbers, so suppression must too. Needs two
    or more rows and three or more columns of whole, finite numbers, not all zero.
    """
    n_rows, n_cols = values.shape
    if n_rows < 2 or n_cols < 3 or not np.isfinite(values).all():
        return None
    total = values.sum(axis=1)
    hits = [
        j for j in range(n_cols) if np.array_equal(2 * values[:, j], total) and values[:, j].any()
    ]
    return hits[-1] if hits else None


def _integral(values: np.ndarray) -> bool:
    finite = values[np.isfinite(values)]
    return bool(np.array_equal(finite, np.rint(finite)))


def _small_totals(
    values: np.ndarray, equations: Sequence[Equation], *, min_cell: int, lowest: int
) -> tuple[np.ndarray, list[Equation]]:
    """The cells plus one extra cell per small implicit total, and the relations using them.

    A total assumed known from elsewhere (``totals``) is only known as ``<5`` when it is small:
    wherever it is published it is suppressed too. So it enters the audit as a hidden cell in
    ``lowest .. min_cell - 1`` (appended after the table's cells), not as a constant.
    """
    extra: list[float] = []
    out: list[Equation] = []
    for cells, coef in equations:
        total = float(coef @ values[cells])
        if (coef > 0).all() and np.isfinite(total) and max(lowest, 1) <= total < min_cell:
            virtual = len(values) + len(extra)
            extra.append(total)
            out.append((np.append(cells, virtual), np.append(coef, -1.0)))
        else:
            out.append((cells, coef))
    return np.concatenate([values, np.asarray(extra)]), out


def _protect(
    values: np.ndarray,
    suppressed: np.ndarray,
    primary: np.ndarray,
    equations: Sequence[Equation],
    is_margin: np.ndarray,
    *,
    min_cell: int,
    lowest: int,
) -> np.ndarray:
    """Hide more cells until every hidden cell's feasible interval is at least as wide as the
    range ``lowest .. min_cell - 1`` of a small cell (the audit of :func:`feasible_intervals`),
    or as wide as it can be.

    The attacker knows every published cell and relation, that a cell shown as ``<5`` lies in
    ``lowest .. min_cell - 1`` and a complementary one in ``0 .. inf``, and each total assumed
    known (a small one only as ``<5``). A cell's interval can never be wider than with every
    cell of the table hidden; that width caps its target. A narrow cell gets one more hidden
    cell in one of its lines per round (the smallest visible one, interior and non-zero
    first), then the audit runs again.
    """
    from stigma_analysis.privacy._audit import feasible_intervals

    if not suppressed.any() or not equations or not _integral(values):
        return suppressed
    n = len(values)
    values, equations = _small_totals(values, equations, min_cell=min_cell, lowest=lowest)
    n_extra = len(values) - n
    suppressed = np.concatenate([suppressed, np.ones(n_extra, dtype=bool)])
    primary = np.concatenate([primary, np.ones(n_extra, dtype=bool)])
    is_margin = np.concatenate([is_margin, np.zeros(n_extra, dtype=bool)])
    lower = np.where(primary, float(lowest), 0.0)
    upper = np.where(primary, float(min_cell - 1), np.inf)
    everything = np.ones(len(values), dtype=bool)
    best_lo, best_hi = feasible_intervals(values, everything, lower, upper, equations)
    target = np.minimum(max(1, min_cell - 1 - lowest), best_hi - best_lo)
    missing = ~np.isfinite(values)
    for _ in range(n + 1):
        lo, hi = feasible_intervals(values, suppressed, lower, upper, equations)
        narrow = suppressed & ~((hi - lo) >= target)
        narrow[n:] = False
        if not narrow.any():
            break
        fresh = np.zeros(suppressed.shape, dtype=bool)
        added = False
        for cell in np.flatnonzero(narrow):
            near = [cells for cells, _ in equations if cell in cells]
            if any(fresh[cells].any() for cells in near):
                continue  # a cell was just hidden next to it; audit again first
            known = ~(suppressed | missing)
            pick = None
            for pool in (
                near,
                [cells for cells, _ in equations if suppressed[cells].any()],
                [np.arange(n)],
            ):
                cand = np.unique(np.concatenate(pool)) if pool else np.zeros(0, dtype=np.int64)
                pick = _best_candidate(cand[known[cand]], values, is_margin)
                if pick is not None:
                    break
            if pick is not None:
                suppressed[pick] = True
                fresh[pick] = True
                added = True
        if not added:
            break
    return suppressed[:n]


def _check_columns(table: pd.DataFrame, columns: Iterable[Hashable], parameter: str) -> list[Any]:
    cols = list(columns)
    missing = [c for c in cols if c not in table.columns]
    if missing:
        raise ValueError(
            f"{parameter} names columns that are not in the table: {missing} "
            f"(columns: {list(table.columns)})"
        )
    return cols


def _check_min_cell(min_cell: Any) -> int:
    if isinstance(min_cell, bool) or not isinstance(min_cell, (int, np.integer)):
        raise TypeError(f"min_cell must be an integer, got {type(min_cell).__name__}")
    if min_cell < 1:
        raise ValueError(f"min_cell must be at least 1, got {min_cell}")
    return int(min_cell)


def suppression_mask(
    table: pd.DataFrame,
    *,
    min_cell: int,
    count_columns: Sequence[Hashable] | None = None,
    n_column: Hashable | None = None,
    stat_columns: Sequence[Hashable] = (),
    derived: Mapping[Hashable, Hashable | list[Hashable]] | None = None,
    totals: Totals = "both",
    totals_within: Sequence[Hashable] = (),
    zeros: Zeros = "auto",
) -> pd.DataFrame:
    """Which cells :func:`suppress` hides: a boolean frame shaped like ``table``.

    Parameters are those of :func:`suppress`; ``True`` marks a hidden cell (primary,
    complementary, a statistic on too few respondents, or a derived column).
    """
    return _masks(
        table,
        min_cell=min_cell,
        count_columns=count_columns,
        n_column=n_column,
        stat_columns=stat_columns,
        derived=derived,
        totals=totals,
        totals_within=totals_within,
        zeros=zeros,
    )[0]


def _masks(
    table: pd.DataFrame,
    *,
    min_cell: int,
    count_columns: Sequence[Hashable] | None,
    n_column: Hashable | None,
    stat_columns: Sequence[Hashable],
    derived: Mapping[Hashable, Hashable | list[Hashable]] | None,
    totals: Totals,
    totals_within: Sequence[Hashable] = (),
    zeros: Zeros,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(every hidden cell, the primary-suppressed counts), both shaped like ``table``."""
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"table must be a pandas DataFrame, got {type(table).__name__}")
    if not table.columns.is_unique:
        raise ValueError("table has duplicated column labels; give every column its own name")
    min_cell = _check_min_cell(min_cell)
    if totals not in get_args(Totals):
        raise ValueError(f"totals must be one of {get_args(Totals)}, got {totals!r}")
    if zeros not in get_args(Zeros):
        raise ValueError(f"zeros must be one of {get_args(Zeros)}, got {zeros!r}")
    if count_columns is None:
        count_columns = default_count_columns(table)
        if not count_columns and not stat_columns:
            raise ValueError(
                "no count columns found (a labelled index with integer columns, or columns named "
                "n, count, n_*, *_n ...); pass count_columns"
            )
    counts = _check_columns(table, count_columns, "count_columns")
    stats = _check_columns(table, stat_columns, "stat_columns")
    links = dict(derived or {})
    _check_columns(table, links, "derived")
    sources = {c: list(v) if isinstance(v, list) else [v] for c, v in links.items()}
    _check_columns(table, [v for vs in sources.values() for v in vs], "derived (values)")
    mask = pd.DataFrame(False, index=table.index, columns=table.columns)
    first = mask.copy()

    if counts:
        values = table.loc[:, counts].to_numpy(dtype="float64", na_value=np.nan)
        finite = np.isfinite(values)
        bad = finite & (values < 0)
        if bad.any():
            col = counts[int(np.flatnonzero(bad.any(axis=0))[0])]
            raise ValueError(
                f"count column {col!r} holds negative values; pass the counts in "
                "count_columns (and the statistics in stat_columns)"
            )
        # with min_cell = 2 and zeros shown, "<2" could only mean 1: hide the zeros as well
        low = 0 if zeros == "suppress" or (zeros == "auto" and min_cell <= 2) else 1
        primary = finite & (values >= low) & (values < min_cell)
        margin_row = _margin_row(table, counts)
        if margin_row is None:
            margin_row = _sum_line(values.T)
        margin_cols = [j for j, c in enumerate(counts) if _is_total_label(c)]
        margin_col = margin_cols[-1] if margin_cols else _sum_line(values)
        n_rows, n_cols = values.shape
        is_margin = np.zeros((n_rows, n_cols), dtype=bool)
        if margin_row is not None:
            is_margin[margin_row] = True
        if margin_col is not None:
            is_margin[:, margin_col] = True
        if isinstance(totals_within, str):
            totals_within = [totals_within]
        within = _check_columns(table, totals_within, "totals_within")
        groups = (
            table.groupby(within, sort=False, dropna=False).ngroup().to_numpy() if within else None
        )
        equations = _equations(n_rows, n_cols, margin_row, margin_col, totals, groups=groups)
        hidden = _complementary(values.ravel(), primary.ravel(), equations, is_margin.ravel())
        hidden = _protect(
            values.ravel(),
            hidden,
            primary.ravel(),
            equations,
            is_margin.ravel(),
            min_cell=min_cell,
            lowest=low,
        )
        positions = table.columns.get_indexer(pd.Index(counts))
        block = mask.to_numpy(copy=True)
        block[:, positions] = hidden.reshape(n_rows, n_cols)
        mask = pd.DataFrame(block, index=table.index, columns=table.columns)
        block = first.to_numpy(copy=True)
        block[:, positions] = primary
        first = pd.DataFrame(block, index=table.index, columns=table.columns)

    if stats:
        if n_column is None:
            if "n" not in table.columns:
                raise ValueError(
                    "stat_columns need n_column: the column giving how many respondents each "
                    "row's statistics rest on"
                )
            n_column = "n"
        _check_columns(table, [n_column], "n_column")
        n = pd.to_numeric(table[n_column], errors="coerce").to_numpy(dtype="float64")
        few = np.isfinite(n) & (n < min_cell)
        for c in stats:
            mask[c] = mask[c].to_numpy() | few
    for col, cols in sources.items():
        for source in cols:
            mask[col] = mask[col].to_numpy() | mask[source].to_numpy()
    return mask, first


@overload
def suppress(
    table: pd.DataFrame,
    *,
    min_cell: int,
    count_columns: Sequence[Hashable] | None = ...,
    n_column: Hashable | None = ...,
    stat_columns: Sequence[Hashable] = ...,
    derived: Mapping[Hashable, Hashable | list[Hashable]] | None = ...,
    totals: Totals = ...,
    totals_within: Sequence[Hashable] = ...,
    zeros: Zeros = ...,
    return_mask: Literal[False] = ...,
) -> pd.DataFrame: ...
@overload
def suppress(
    table: pd.DataFrame,
    *,
    min_cell: int,
    count_columns: Sequence[Hashable] | None = ...,
    n_column: Hashable | None = ...,
    stat_columns: Sequence[Hashable] = ...,
    derived: Mapping[Hashable, Hashable | list[Hashable]] | None = ...,
    totals: Totals = ...,
    totals_within: Sequence[Hashable] = ...,
    zeros: Zeros = ...,
    return_mask: Literal[True],
) -> tuple[pd.DataFrame, pd.DataFrame]: ...
def suppress(
    table: pd.DataFrame,
    *,
    min_cell: int,
    count_columns: Sequence[Hashable] | None = None,
    n_column: Hashable | None = None,
    stat_columns: Sequence[Hashable] = (),
    derived: Mapping[Hashable, Hashable | list[Hashable]] | None = None,
    totals: Totals = "both",
    totals_within: Sequence[Hashable] = (),
    zeros: Zeros = "auto",
    return_mask: bool = False,
) -> pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame]:
    """Hide small counts, and whatever would let them be recomputed, in a table to publish.

    Parameters
    ----------
    table : pandas.DataFrame
        An aggregate table: a cross-tabulation (categories in the index, one count column per
        category, e.g. from :func:`pandas.crosstab`) or a tidy table with a count column.
        A margin row (index or label column ``Total``/``All``/``Overall``) and a margin column
        (``Total``/``All``) are recognised. Not modified.
    min_cell : int
        Smallest count that may be published (the study's ``privacy.min_cell``).
    count_columns : list of str, optional
        Columns holding respondent counts. Default: :func:`default_count_columns` (every
        column of an all-whole-number table; else ``n``, ``count``, ``n_*``, ``*_n`` ...).
    n_column : str, optional
        Column giving how many respondents each row's statistics rest on (default ``"n"`` when
        ``stat_columns`` are given).
    stat_columns : list of str, default ()
        Statistics (means, alphas, coefficients) blanked in rows whose ``n_column`` is below
        ``min_cell``.
    derived : mapping of str to str or list of str, optional
        Columns computed from a count column (``{"pct_female": "n_female"}``), hidden wherever
        that count is hidden, so a percentage cannot give a hidden count away. A list names
        several sources (``{"share": ["k", "n"]}``: hidden where either is; a share shown
        beside a shown ``k`` would give a hidden ``n`` back).
    totals : {"both", "rows", "columns", "none"}, default "both"
        Which totals an attacker knows even when the table does not show them: each row's sum
        over the count columns, each count column's sum over the rows, both (safe default for a
        contingency table), or none (counts that do not add up, e.g. ``n`` per scale for the
        same respondents). Margins shown in the table are always protected.
    totals_within : list of str, default ()
        Columns that group the rows: each count column's total is known within each group
        rather than over all rows (with ``totals`` "both" or "columns"). E.g. ``["wave"]`` for
        n per arm and wave when the wave totals are published in another table.
    zeros : {"auto", "keep", "suppress"}, default "auto"
        Whether counts of 0 are primary-suppressed. ``"auto"``: shown, except with
        ``min_cell=2`` (where ``<2`` next to printed zeros could only mean 1).
    return_mask : bool, default False
        Also return the boolean mask of hidden cells (see :func:`suppression_mask`).

    Returns
    -------
    pandas.DataFrame or (pandas.DataFrame, pandas.DataFrame)
        The display table: same shape, index and columns; count and statistic columns become
        object columns in which small counts read ``"<5"`` (``f"<{min_cell}"``), cells hidden
        only to protect another one (complementary suppression, and ``derived`` columns)
        ``"[c]"`` (confidential; :data:`COMPLEMENT_MARKER`), and statistics on too few
        respondents ``"n<5"``; visible whole-number counts are ``int``. With ``return_mask``,
        also the mask (``True`` = hidden).

    Notes
    -----
    *Policy.* Primary suppression hides counts ``1 <= x < min_cell``. Zeros are shown by
    default: a 0 reveals that nobody in a group has a trait, which is the attribute disclosure
    some agencies also protect (``zeros="suppress"``), but hiding every structural zero makes
    most survivor tables unreadable. Statistics resting on ``n < min_cell`` respondents
    (including 0) are hidden.

    *Margins.* A row/column labelled ``Total``/``All`` ... is a margin; so is a count column
    that equals the sum of the other count columns in every row (``n`` beside ``improved,
    unchanged, deteriorated``), and a row that equals the sum of the others: an attacker sees
    it from the numbers.

    *Attacker.* The attacker knows every published cell and margin, that a cell shown as
    ``<5`` lies in ``1 .. min_cell-1`` (zeros are printed, so it is not 0), that a ``[c]`` cell
    is 0 or more, and the totals of ``totals`` (a total that is itself below ``min_cell`` only
    as ``<5``: it is suppressed wherever it is published). For each hidden cell the smallest
    and largest value consistent with all of it is computed exactly (a maximum flow per cell;
    ``stigma_analysis.privacy._audit``), and cells are hidden until every hidden cell's
    interval is at least as wide as ``1 .. min_cell-1`` (``min_cell - 2``: for a ``<5`` cell,
    the attacker learns nothing beyond ``<5``), or as wide as it can be when every cell of
    the table is hidden (a line of two 1s whose total is known cannot do better).

    *Complementary suppression.* Each row and column of counts is a linear equation
    (cells sum to the row/column total: a margin cell shown in the table, or a total assumed
    known, per ``totals``). Repeat until nothing changes: (1) in every line with exactly one
    hidden cell, hide the smallest other cell of the line (interior cells before margins,
    non-zero before zero); (2) a hidden cell can still be determined through a chain of lines
    even when every line holds 0 or 2+ hidden cells: with lines as nodes and hidden cells as
    edges, it is determined exactly when its edge lies on no cycle (a bridge; see
    :func:`determined_cells`); for each such cell hide the smallest visible cell of one of
    its lines. (3) Audit the intervals (above); next to each cell whose interval is too
    narrow hide the smallest visible cell of one of its lines, and audit again. This is a
    heuristic, not the cost-optimal pattern of tau-ARGUS.

    *Not covered.* One table at a time: a count hidden here and shown in another table (the
    same ``n`` in two reports' tables, wave totals beside an arm x wave breakdown) is the
    caller's to keep consistent; relations other than sums (``k <= n``) are not modelled.

    References
    ----------
    Hundepool, A. et al. (2012). *Statistical Disclosure Control*. Wiley, ch. 4 (tabular data).

    Examples
    --------
    >>> t = pd.DataFrame(
    ...     {"home": [3, 40, 22], "shelter": [12, 2, 18], "alone": [25, 31, 9]},
    ...     index=pd.Index(["BB", "PP", "SR"], name="site"),
    ... )
    >>> suppress(t, min_cell=5)  # doctest: +NORMALIZE_WHITESPACE
         home shelter alone
    site
    BB     <5     [c]   [c]
    PP     40      <5   [c]
    SR    [c]     [c]   [c]

    Checked against: hypothesis property tests over random tables in
    ``tests/privacy/test_privacy.py`` (no hidden cell is recoverable, by an independent rank
    computation) and ``tests/privacy/test_attack.py`` (an integer-programming attacker,
    ``scipy.optimize.milp``, on random tables and on every report table).
    """
    mask, primary = _masks(
        table,
        min_cell=min_cell,
        count_columns=count_columns,
        n_column=n_column,
        stat_columns=stat_columns,
        derived=derived,
        totals=totals,
        totals_within=totals_within,
        zeros=zeros,
    )
    counts = list(default_count_columns(table) if count_columns is None else count_columns)
    stats = set(stat_columns)
    out = table.copy()
    for c in table.columns:
        if not (mask[c].any() or c in counts):
            continue
        values = table[c].to_numpy(dtype=object, copy=True)
        if c in counts:
            whole = np.array(
                [isinstance(v, (int, float, np.number)) and float(v).is_integer() for v in values],
                dtype=bool,
            )
            values[whole] = [int(v) for v in values[whole]]
        hide = mask[c].to_numpy()
        values[hide] = COMPLEMENT_MARKER
        if c in stats:
            values[hide] = f"n<{min_cell}"
        values[primary[c].to_numpy()] = f"<{min_cell}"
        out[c] = pd.Series(values, index=table.index, dtype=object)
    return (out, mask) if return_mask else out


@dataclass(frozen=True, slots=True, kw_only=True)
class KAnonymityResult:
    """Equivalence classes of a data set over its quasi-identifiers.

    Attributes
    ----------
    k : int
        Size of the smallest equivalence class (0 for no records): the data are k-anonymous.
    threshold : int
        Classes smaller than this put their records at risk.
    quasi_identifiers : tuple of str
        The columns that define the classes.
    n_records : int
        Records examined.
    n_classes : int
        Distinct combinations of quasi-identifier values (missing counts as a value).
    n_at_risk : int
        Records in classes smaller than ``threshold``.
    at_risk : pandas.DataFrame
        The records at risk: ``row`` (0-based position in the data), the quasi-identifier
        columns, ``class_size``. No ids and no other columns, sorted by class size then row.
    classes : pandas.DataFrame
        One row per class: the quasi-identifier columns, ``class_size``, ``at_risk`` (bool),
        sorted from the smallest class.
    """

    k: int
    threshold: int
    quasi_identifiers: tuple[str, ...]
    n_records: int
    n_classes: int
    n_at_risk: int
    at_risk: pd.DataFrame
    classes: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        """The equivalence classes (:attr:`classes`): one row per class."""
        return self.classes.copy()


def k_anonymity(
    data: pd.DataFrame,
    quasi_identifiers: Sequence[Hashable],
    *,
    k: int | None = None,
) -> KAnonymityResult:
    """The smallest group of records sharing quasi-identifier values, and the records at risk.

    Parameters
    ----------
    data : pandas.DataFrame
        Respondent-level data.
    quasi_identifiers : list of str
        Columns an outsider could know (age, site, sex, ethnicity, year of return).
    k : int, optional
        Records in classes smaller than ``k`` are at risk; default 5 (:data:`DEFAULT_K`,
        the usual ``min_cell``).

    Returns
    -------
    KAnonymityResult
        ``k`` (smallest class size), ``n_classes``, ``at_risk`` (positions and quasi-identifier
        values of the records at risk), ``classes``; ``.to_frame()`` gives the classes.

    Notes
    -----
    Records with equal values on every quasi-identifier form an equivalence class; the data
    are k-anonymous for the smallest class size. A missing value is a value of its own (an
    outsider may know that the age is unknown). Coarsen (age bands) or drop quasi-identifiers
    until no record is at risk.

    References
    ----------
    Sweeney, L. (2002). k-anonymity: a model for protecting privacy. *International Journal of
    Uncertainty, Fuzziness and Knowledge-Based Systems*, 10(5), 557-570.

    Checked against: a constructed frame with known classes in ``tests/privacy/test_privacy.py``.
    """
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    if isinstance(quasi_identifiers, str):
        quasi_identifiers = [quasi_identifiers]
    qis = _check_columns(data, quasi_identifiers, "quasi_identifiers")
    if not qis:
        raise ValueError("quasi_identifiers must name at least one column, got none")
    threshold = DEFAULT_K if k is None else _check_min_cell(k)
    n = len(data)
    frame = data.loc[:, qis].reset_index(drop=True)
    codes = frame.groupby(qis, dropna=False, sort=False, observed=True).ngroup().to_numpy()
    sizes = np.bincount(codes, minlength=0) if n else np.zeros(0, dtype=np.int64)
    row_size = sizes[codes] if n else np.zeros(0, dtype=np.int64)
    risky = row_size < threshold

    at_risk = frame.loc[risky].copy()
    at_risk.insert(0, "row", np.flatnonzero(risky).astype("int64"))
    at_risk["class_size"] = row_size[risky].astype("int64")
    at_risk = at_risk.sort_values(["class_size", "row"], kind="stable").reset_index(drop=True)

    first = np.unique(codes, return_index=True)[1] if n else np.zeros(0, dtype=np.int64)
    classes = frame.iloc[first].reset_index(drop=True)
    classes["class_size"] = sizes[codes[first]].astype("int64") if n else []
    classes["at_risk"] = classes["class_size"] < threshold
    classes = classes.sort_values("class_size", kind="stable").reset_index(drop=True)
    return KAnonymityResult(
        k=int(sizes.min()) if n else 0,
        threshold=threshold,
        quasi_identifiers=tuple(str(q) for q in qis),
        n_records=n,
        n_classes=len(sizes),
        n_at_risk=int(risky.sum()),
        at_risk=at_risk,
        classes=classes,
    )
