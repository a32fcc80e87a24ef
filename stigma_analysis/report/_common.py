"""Names, labels, number formats and small helpers shared by the report tables and figures (a leaf)."""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from stigma_analysis.instruments import Instrument
    from stigma_analysis.study import Study


# ----------------------------------------------------------------------------- naming
def primary_scale(instrument: Instrument) -> str:
    """The scale a report leads with: the first scale with cut-offs, else ``total``, else the first."""
    for scale in instrument.scales:
        if instrument.cutoffs.get(scale):
            return str(scale)
    if "total" in instrument.scales:
        return "total"
    return str(next(iter(instrument.scales)))


def higher_is_better(instrument: Instrument) -> bool:
    """Whether a higher score means the person is doing better (the instrument's ``direction``)."""
    return instrument.direction == "higher_is_better"


def short_name(instrument: Instrument) -> str:
    """``ismi29`` -> ``ISMI-29``; other instruments by their ``name`` without its parentheses."""
    m = re.fullmatch(r"([a-z]+)(\d+)", instrument.id)
    if m:
        return f"{m.group(1).upper()}-{m.group(2)}"
    return plain_name(instrument)


def plain_name(instrument: Instrument) -> str:
    """The instrument's ``name`` without parenthetical remarks (``"Reintegration index"``)."""
    return re.sub(r"\s*\(.*?\)\s*", " ", instrument.name).strip() or instrument.id


def scale_label(scale: str) -> str:
    """``total_excl_sr`` → ``total excl sr``."""
    return str(scale).replace("_", " ")


def figure_label(label: Any) -> str:
    """The part of a bilingual value label before `` / `` (figures use Latin-script fonts only)."""
    text = str(label)
    return text.split(" / ", 1)[0].strip() if " / " in text else text


def with_ci(low: Any, high: Any, *, digits: int = 2) -> pd.Series:
    """``[low, high]`` strings (no-break space after the comma; empty where either end is not a
    number, e.g. suppressed)."""
    lows = pd.Series(low).reset_index(drop=True)
    highs = pd.Series(high).reset_index(drop=True)
    out = []
    for lo, hi in zip(lows, highs, strict=True):
        if _is_number(lo) and _is_number(hi):
            # a no-break space keeps an interval on one line in a narrow table
            out.append(f"[{float(lo):.{digits}f},\u00a0{float(hi):.{digits}f}]")
        else:
            out.append("")
    return pd.Series(out, index=pd.Series(low).index if isinstance(low, pd.Series) else None)


def _is_number(v: Any) -> bool:
    return (
        isinstance(v, int | float | np.integer | np.floating)
        and not isinstance(v, bool)
        and math.isfinite(float(v))
    )


def ci_column(
    table: pd.DataFrame,
    *,
    low: str = "ci_low",
    high: str = "ci_high",
    name: str = "95% CI",
    digits: int = 2,
) -> pd.DataFrame:
    """Replace the ``low`` and ``high`` columns of a (disclosed) table by one ``[low, high]`` text column."""
    out = table.copy()
    at = list(out.columns).index(low)
    text = with_ci(out[low], out[high], digits=digits)
    out = out.drop(columns=[low, high])
    out.insert(at, name, text.to_numpy())
    return out


_HIDDEN = re.compile(r"^(<\d+|n<\d+|\[c\])$")


def numeric(table: pd.DataFrame, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """A disclosed display table with its hidden cells (``"<5"``, ``"[c]"``, ``"n<5"``) as NaN.

    Only columns whose every value is a number, missing or a suppression marker are converted;
    text columns (terms, labels) stay as they are.
    """
    out = table.copy()
    for c in columns if columns is not None else list(out.columns):
        col = out[c]
        if not (col.dtype == object or pd.api.types.is_string_dtype(col)):
            continue
        values = col.to_numpy(dtype=object)
        ok = all(
            v is None
            or (isinstance(v, float) and math.isnan(v))
            or _is_number(v)
            or (isinstance(v, str) and _HIDDEN.match(v.strip()) is not None)
            for v in values
        )
        if ok:
            out[c] = pd.to_numeric(
                col.where(~col.map(lambda v: isinstance(v, str))), errors="coerce"
            )
    return out


_SIZES = re.compile(r"\s*\(n = \d+\)")


_CODE = re.compile(r"(?<![\d.])(\d+\.\d+|\d+)(?![\d.])")


def _name_groups(message: str, labels: dict[Any, str]) -> str:
    """Group codes (``2.0``) in a message replaced by their value labels."""
    if not labels:
        return message
    by_value = {float(k): v for k, v in labels.items() if _is_number(k)}

    def swap(m: re.Match[str]) -> str:
        text = m.group(1)
        if "." not in text:
            return text
        return by_value.get(float(text), text)

    return _CODE.sub(swap, message)


def without_counts(message: str) -> str:
    """A warning message with its ``(n = 123)`` group sizes removed (they are not disclosed)."""
    return _SIZES.sub("", message)


@contextmanager
def captured_warnings() -> Iterator[list[str]]:
    """Collect the warnings raised in the block as distinct messages (in order), not emitted."""
    found: list[str] = []
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always")
        try:
            yield found
        finally:
            for r in records:
                text = str(r.message)
                if text not in found:
                    found.append(text)


def format_p(p: Any) -> str:
    """``p`` as text: ``<0.001`` or three decimals (empty when not a number)."""
    if not _is_number(p):
        return ""
    return "<0.001" if float(p) < 0.001 else f"{float(p):.3f}"


def _wave_data(study: Study, wave: Any) -> pd.DataFrame:
    return study.data[study.data[study.wave] == wave]
