"""Turning declared user-missing codes into NaN while remembering them (sparsely)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from stigma_analysis.io.codebook import MissingCells, Variable

__all__ = ["missing_columns", "split_missing", "with_columns"]


def split_missing(
    data: pd.DataFrame,
    variables: Mapping[str, Variable],
    cells: Mapping[str, MissingCells] | None = None,
) -> tuple[pd.DataFrame, dict[str, MissingCells]]:
    """Set every declared user-missing cell to NaN and record its row and code.

    Only columns with a missing declaration are touched (one vectorised pass each); the others
    are shared with ``data``, so no second full DataFrame is allocated.

    Parameters
    ----------
    data : DataFrame
        Values as stored in the file (codes still present).
    variables : mapping of str to Variable
        The declarations.
    cells : mapping, optional
        Cells already recorded (e.g. stored in a Parquet file); new ones are merged in.

    Returns
    -------
    (DataFrame, dict)
        The data with NaN for user-missing cells, and the per-column :class:`MissingCells`.
    """
    new_columns, out_cells = missing_columns(data, variables, cells)
    return with_columns(data, new_columns), out_cells


def missing_columns(
    data: pd.DataFrame,
    variables: Mapping[str, Variable],
    cells: Mapping[str, MissingCells] | None = None,
) -> tuple[dict[str, Any], dict[str, MissingCells]]:
    """The replacement arrays of :func:`split_missing` (only for columns that change)."""
    out_cells: dict[str, MissingCells] = dict(cells or {})
    new_columns: dict[str, Any] = {}
    for name, var in variables.items():
        if (not var.missing_codes and not var.missing_ranges) or name not in data.columns:
            continue
        col = data[name]
        arr = col.to_numpy()
        mask = var.missing_mask(arr)
        if not mask.any():
            continue
        rows = np.flatnonzero(mask)
        codes = arr[rows]
        if arr.dtype.kind in "fiub":
            new_columns[name] = np.where(mask, np.nan, arr.astype(np.float64, copy=False))
            codes = codes.astype(np.float64)
        else:
            new_columns[name] = col.mask(mask)
            codes = codes.astype(object)
        old = out_cells.get(name)
        if old is not None and len(old):
            rows = np.concatenate([old.rows, rows])
            codes = np.concatenate([old.codes.astype(codes.dtype), codes])
        out_cells[name] = MissingCells(rows, codes)
    return new_columns, out_cells


def with_columns(data: pd.DataFrame, new_columns: Mapping[str, Any]) -> pd.DataFrame:
    """``data`` with some columns replaced, built in one step (setting columns one at a time
    copies each of them again)."""
    if not new_columns:
        return data
    parts = {name: new_columns.get(name, data[name]) for name in data.columns}
    return pd.DataFrame(parts, index=data.index, copy=False)
