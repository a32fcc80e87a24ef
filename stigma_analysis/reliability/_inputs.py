"""Argument and data handling for :mod:`stigma_analysis.reliability` (private)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from stigma_analysis.instruments.model import Instrument

_CI_CHOICES = ("feldt", "duhachek", "bootstrap", "bca")


def _choice(name: str, value: Any, allowed: Sequence[str]) -> None:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, allowed))}; got {value!r}")


def _item_matrix(
    data: Any, items: Sequence[Any] | None
) -> tuple[npt.NDArray[np.float64], tuple[str, ...]]:
    """Float matrix (NaN = missing) and item names from a DataFrame or a 2-D array."""
    import pandas as pd

    if isinstance(data, pd.DataFrame):
        cols = list(data.columns) if items is None else list(items)
        missing = [c for c in cols if c not in data.columns]
        if missing:
            raise ValueError(f"items not found in the data: {missing}")
        block = data[cols]
        bad = [c for c in cols if not pd.api.types.is_numeric_dtype(block[c])]
        if bad:
            raise TypeError(f"items must be numeric columns; not numeric: {bad}")
        X = block.to_numpy(dtype=np.float64, na_value=np.nan)
        names = tuple(str(c) for c in cols)
    else:
        arr = np.asarray(data)
        if arr.ndim != 2:
            raise TypeError(
                f"data must be a DataFrame or a 2-D array, got an array with {arr.ndim} dimensions"
            )
        if not np.issubdtype(arr.dtype, np.number) and arr.dtype != bool:
            raise TypeError(f"data must be numeric, got dtype {arr.dtype}")
        X = arr.astype(np.float64)
        all_names = tuple(f"V{i + 1}" for i in range(X.shape[1]))
        if items is None:
            names = all_names
        else:
            pos = []
            for it in items:
                if isinstance(it, int | np.integer):
                    pos.append(int(it))
                elif it in all_names:
                    pos.append(all_names.index(it))
                else:
                    raise ValueError(
                        f"items for an array are column positions or 'V1'..'V{X.shape[1]}', "
                        f"got {it!r}"
                    )
            X = X[:, pos]
            names = tuple(all_names[i] for i in pos)
    if len(set(names)) != len(names):
        raise ValueError(f"items are listed more than once: {list(names)}")
    return X, names


def _reverse(
    X: npt.NDArray[np.float64],
    names: tuple[str, ...],
    keys: Iterable[Any] | None,
    response_range: tuple[float, float] | None,
) -> tuple[npt.NDArray[np.float64], tuple[str, ...], tuple[float, float] | None]:
    if keys is None:
        return X, (), None
    if isinstance(keys, str):
        keys = [keys]
    rev = tuple(str(k) for k in keys)
    unknown = [k for k in rev if k not in names]
    if unknown:
        raise ValueError(f"keys names items that are not among the items: {unknown}")
    if not rev:
        return X, (), None
    if response_range is None:
        # psych::alpha(keys = ...) uses the smallest and largest answer in the whole item block
        lo, hi = float(np.nanmin(X)), float(np.nanmax(X))
    else:
        if len(response_range) != 2 or not response_range[0] < response_range[1]:
            raise ValueError(
                f"response_range must be (min, max) with min < max, got {response_range!r}"
            )
        lo, hi = float(response_range[0]), float(response_range[1])
    X = X.copy()
    idx = [names.index(k) for k in rev]
    X[:, idx] = (lo + hi) - X[:, idx]
    return X, rev, (lo, hi)


def _apply_policy(
    X: npt.NDArray[np.float64], policy: str
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """Rows kept under the missing-data policy, and their observed-value mask."""
    observed = ~np.isnan(X)
    keep = observed.all(axis=1) if policy == "listwise" else observed.any(axis=1)
    if keep.all():
        return X, observed
    return X[keep], observed[keep]


def _check_common(missing: str, ci: str, ci_level: float, n_boot: int) -> None:
    _choice("missing", missing, ("pairwise", "listwise"))
    _choice("ci", ci, _CI_CHOICES)
    if not isinstance(ci_level, float | int) or not 0 < ci_level < 1:
        raise ValueError(f"ci_level must be a number in (0, 1), got {ci_level!r}")
    if isinstance(n_boot, bool) or not isinstance(n_boot, int | np.integer) or n_boot < 2:
        raise ValueError(f"n_boot must be an integer of at least 2, got {n_boot!r}")


def _membership(
    groups: Mapping[str, Sequence[Any]], names: tuple[str, ...]
) -> npt.NDArray[np.intp]:
    """Group index of every item; each item must be in exactly one group."""
    if len(groups) < 2:
        raise ValueError(
            f"groups needs at least 2 subscales for omega hierarchical, got {len(groups)}"
        )
    member = np.full(len(names), -1, dtype=np.intp)
    for g, (label, its) in enumerate(groups.items()):
        for it in its:
            key = str(it)
            if key not in names:
                raise ValueError(f"groups[{label!r}] names {key!r}, which is not among the items")
            j = names.index(key)
            if member[j] >= 0:
                raise ValueError(f"item {key!r} is in more than one of the groups")
            member[j] = g
    left = [names[j] for j in np.flatnonzero(member < 0)]
    if left:
        raise ValueError(f"every item must be in one of the groups; not in any: {left}")
    return member


def _partition(instrument: Instrument, scale: str, items: list[str]) -> dict[str, list[str]] | None:
    """The instrument's other subscales when they split ``items`` exactly (for omega_h)."""
    inside = set(items)
    parts = {
        s: list(instrument.scale_items(s))
        for s in instrument.subscales()
        if s != scale and set(instrument.scale_items(s)) < inside
    }
    covered = [i for its in parts.values() for i in its]
    if len(parts) < 2 or len(covered) != len(set(covered)) or set(covered) != inside:
        return None
    return parts
