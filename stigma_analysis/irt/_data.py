"""From a DataFrame (and optionally an instrument) to integer category codes per item."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from stigma_analysis.instruments import Instrument, load_instrument

from ._warnings import SparseCategoryWarning

__all__ = ["Coded", "code_items", "item_frame"]


class Coded:
    """Items coded ``0..K_j-1`` (``-1`` missing), with the original answer of each code."""

    def __init__(self, codes: np.ndarray, items: list[str], categories: list[tuple[float, ...]]):
        self.codes = codes
        self.items = items
        self.categories = categories
        self.ncat = np.array([len(c) for c in categories], dtype=int)


def item_frame(
    data: pd.DataFrame,
    instrument: Instrument | str | None = None,
    *,
    items: Sequence[str] | None = None,
    columns: str | Mapping[Any, str] | None = None,
) -> tuple[pd.DataFrame, Instrument | None]:
    """The item columns as floats (reverse-keyed items flipped), named by item id."""
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    ins: Instrument | None = None
    if instrument is not None:
        from stigma_analysis.scoring import item_matrix

        ins = load_instrument(instrument) if not isinstance(instrument, Instrument) else instrument
        if columns is None:
            guess = ins.columns(f"{ins.id}_{{item}}")
            mapping = (
                guess if all(c in data.columns for c in guess.values()) else ins.columns("{item}")
            )
        else:
            mapping = ins.columns(columns)
        X = item_matrix(data, ins, mapping, reverse=True)
        frame = pd.DataFrame(X, index=data.index, columns=list(ins.items))
        if items is not None:
            unknown = [i for i in items if str(i) not in frame.columns]
            if unknown:
                raise ValueError(f"items not in instrument {ins.id}: {unknown}")
            frame = frame[[str(i) for i in items]]
        return frame, ins
    cols = list(items) if items is not None else list(data.columns)
    absent = [c for c in cols if c not in data.columns]
    if absent:
        raise ValueError(f"item columns not in the data: {absent}")
    frame = data[cols].apply(pd.to_numeric, errors="coerce").astype(float)
    frame.columns = [str(c) for c in cols]
    return frame, None


def code_items(frame: pd.DataFrame, instrument: Instrument | None = None) -> Coded:
    """Recode each item's observed answers to ``0..K-1`` (sorted), as mirt does."""
    if frame.shape[1] < 2:
        raise ValueError(f"an IRT model needs at least two items, got {frame.shape[1]}")
    X = frame.to_numpy(dtype=float)
    n, n_items = X.shape
    codes = np.full((n, n_items), -1, dtype=np.int64)
    cats: list[tuple[float, ...]] = []
    for j, col in enumerate(frame.columns):
        x = X[:, j]
        ok = ~np.isnan(x)
        values = np.unique(x[ok])
        if values.size < 2:
            raise ValueError(
                f"item {col!r} has {values.size} distinct answer(s); an IRT model needs at least two"
            )
        if np.any(values != np.round(values)):
            raise ValueError(
                f"item {col!r} has non-integer answers: {values[values != np.round(values)][:3]}"
            )
        if instrument is not None:
            lo, hi = instrument.response.min, instrument.response.max
            outside = values[(values < lo) | (values > hi)]
            if outside.size:
                raise ValueError(
                    f"item {col!r} has answers outside {instrument.id}'s range {lo:g}-{hi:g}: {outside[:3]}"
                )
            unused = sorted(set(np.arange(lo, hi + 1)) - set(values))
            if unused:
                warnings.warn(
                    f"item {col!r}: categories [{', '.join(f'{u:g}' for u in unused)}] were never "
                    "chosen; the item is modelled on "
                    f"its {values.size} observed categories",
                    SparseCategoryWarning,
                    stacklevel=3,
                )
        codes[ok, j] = np.searchsorted(values, x[ok])
        cats.append(tuple(float(v) for v in values))
    empty = np.all(codes < 0, axis=1)
    if empty.all():
        raise ValueError("no respondent answered any item")
    return Coded(codes, [str(c) for c in frame.columns], cats)


def collapse(
    codes: np.ndarray, weights: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unique response patterns, their frequencies and each row's pattern index."""
    uniq, inverse, counts = np.unique(codes, axis=0, return_inverse=True, return_counts=True)
    inverse = inverse.ravel()
    if weights is None:
        freq = counts.astype(float)
    else:
        freq = np.bincount(inverse, weights=weights, minlength=uniq.shape[0])
    return uniq, freq, inverse
