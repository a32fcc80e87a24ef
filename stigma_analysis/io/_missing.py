"""Turning declared user-missing codes into NaN while remembering them (sparsely)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from stigma_analysis.io.codebook import MissingCells, Variable

__all__ = ["split_missing"]


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
    if new_columns:
        data = data.copy(deep=False)
        for name, values in new_columns.items():
            data[name] = values
    return data, out_cells
