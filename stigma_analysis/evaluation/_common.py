"""Shared argument checks and small helpers of :mod:`stigma_analysis.evaluation`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from stigma_analysis._checks import check_choice, check_ci_level, z_value
from stigma_analysis.errors import DataValidationError


def _as_tuple(by: str | Sequence[str] | None, name: str) -> tuple[str, ...]:
    if by is None:
        return ()
    if isinstance(by, str):
        return (by,)
    out = tuple(by)
    if not all(isinstance(b, str) for b in out):
        raise TypeError(f"{name} must be a column name or a sequence of column names, got {by!r}")
    return out


def _require(data: Any, columns: Sequence[str], what: str = "data") -> None:
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"{what} must be a pandas DataFrame, got {type(data).__name__}")
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise ValueError(
            f"{what} has no column(s) {missing}; available: {list(map(str, data.columns))}"
        )


# the shared checks, under the names this family's modules use
_check_level = check_ci_level
_check_choice = check_choice
_z = z_value


def _check_unique(data: pd.DataFrame, id: str, wave: str) -> None:
    dup = data.duplicated([id, wave], keep=False)
    if dup.any():
        rows = np.flatnonzero(dup.to_numpy())
        cases = pd.DataFrame(
            {
                "file": None,
                "row": rows,
                "column": id,
                "value": data[id].to_numpy()[rows],
                "reason": f"respondent appears more than once in the same {wave}",
            }
        )
        raise DataValidationError(f"duplicate ({id}, {wave}) rows", cases)


def _resolve_waves(data: pd.DataFrame, wave: str, pre: Any, post: Any) -> tuple[Any, Any]:
    waves = pd.unique(data[wave].dropna())
    if pre not in set(waves):
        raise ValueError(f"pre={pre!r} is not a value of column {wave!r}; found {sorted(waves)}")
    if post is None:
        post = max(waves)
    elif post not in set(waves):
        raise ValueError(f"post={post!r} is not a value of column {wave!r}; found {sorted(waves)}")
    if post == pre:
        raise ValueError(f"pre and post must be different waves, both are {pre!r}")
    return pre, post


def _pairs(
    data: pd.DataFrame, *, score: str, id: str, wave: str, pre: Any, post: Any, by: tuple[str, ...]
) -> pd.DataFrame:
    """Respondents with a score at both waves: by..., id, pre, post (groups from the pre row)."""
    _check_unique(data, id, wave)
    base = data.loc[data[wave] == pre, [*by, id, score]].rename(columns={score: "pre"})
    follow = data.loc[data[wave] == post, [id, score]].rename(columns={score: "post"})
    both = base.merge(follow, on=id, how="inner", validate="one_to_one")
    both = both.dropna(subset=["pre", "post"])
    both["pre"] = both["pre"].astype(float)
    both["post"] = both["post"].astype(float)
    return both.reset_index(drop=True)


def _grouped(frame: pd.DataFrame, by: tuple[str, ...]) -> Any:
    return frame.groupby(list(by), observed=True, sort=True, dropna=False)


def _refuse_weights(weights: Any, function: str, alternative: str) -> None:
    """Weights are never silently ignored: estimators that cannot use them say so."""
    if weights is not None:
        raise ValueError(
            f"{function} cannot use sampling weights (weights={weights!r}): {alternative}"
        )
