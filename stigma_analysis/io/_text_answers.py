"""Answers stored as text ("Strongly agree") turned into codes through value labels.

Matching ignores case and runs of white space (``" strongly  Agree"`` matches ``"Strongly
agree"``); text that already is a code (``"4"``) stays that code. Text matching no label is
reported, never guessed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["normalise", "text_to_codes"]


def normalise(text: Any) -> str:
    """Lower-case text with runs of white space as one blank, trimmed."""
    return " ".join(str(text).split()).casefold()


def text_to_codes(
    values: pd.Series, labels: Mapping[Any, str], *, names: Mapping[str, Any] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Codes for text answers.

    Parameters
    ----------
    values : Series
        The answers as stored (text, numbers or empty).
    labels : mapping of code to label
        Value labels (or an instrument's anchors); a label matches its code.
    names : mapping of str to code, optional
        Further words that stand for a code (XLSForm choice names, labels in other languages).

    Returns
    -------
    (codes, unmatched)
        ``codes``: float array, NaN where empty or unmatched; ``unmatched``: boolean mask of
        answers present that are neither a known code nor a known label.
    """
    lookup: dict[str, float] = {}
    for key, code in (names or {}).items():
        lookup.setdefault(normalise(key), float(code))
    for code, label in labels.items():
        try:
            num = float(code)
        except (TypeError, ValueError):
            continue
        lookup.setdefault(normalise(label), num)
    distinct = pd.unique(values.dropna().to_numpy(dtype=object))
    mapped: dict[Any, float] = {}
    for v in distinct:
        key = normalise(v)
        if key in lookup:
            mapped[v] = lookup[key]
            continue
        try:
            num = float(key)
        except ValueError:
            continue
        mapped[v] = num  # a number stays a number; range checks come later
    present = values.notna().to_numpy()
    codes = values.map(mapped).to_numpy(dtype=float, na_value=np.nan)
    unmatched = present & np.isnan(codes)
    return codes, unmatched
