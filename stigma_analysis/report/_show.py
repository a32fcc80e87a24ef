"""``show_table``: a DataFrame as a clean report table with fixed precision."""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from dataclasses import dataclass
from numbers import Integral, Real
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Table", "show_table"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Table:
    """A table ready for a report; displays as HTML in a notebook or rendered document."""

    html: str
    text: str

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return self.text


def _cell(value: Any, digits: int, na: str) -> tuple[str, bool]:
    """(formatted text, is_numeric)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return na, False
    try:
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return na, False
    except ImportError:  # pragma: no cover - pandas is a dependency
        pass
    if isinstance(value, bool):
        return ("yes" if value else "no"), False
    if isinstance(value, Integral):
        return f"{int(value):d}", True
    if isinstance(value, Real):
        return f"{float(value):.{digits}f}", True
    return str(value), False


def show_table(
    df: pd.DataFrame,
    *,
    caption: str | None = None,
    digits: int | Mapping[str, int] = 2,
    index: bool | None = None,
    na_rep: str = "—",
) -> Table:
    """Format a DataFrame as a report table: fixed decimals, numbers right-aligned.

    Parameters
    ----------
    df : pandas.DataFrame
        The table (already disclosed through ``privacy.disclose()`` when it holds counts).
    caption : str, optional
        A caption inside the table; prefer the cell option ``#| tbl-cap:`` in documents,
        which also numbers the table.
    digits : int or mapping of column → int
        Decimals of floating-point values (per column when a mapping; others get 2).
    index : bool, optional
        Show the index; by default only when it is not a plain 0..n-1 range.
    na_rep : str
        Shown for missing values.

    Returns
    -------
    Table
        Displays itself as HTML (``_repr_html_``); ``repr()`` gives a plain-text version.
    """
    import pandas as pd

    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"df must be a pandas DataFrame; got {type(df).__name__}")
    if isinstance(digits, bool) or not isinstance(digits, int | Mapping):
        raise TypeError(f"digits must be an int or a mapping of column to int; got {digits!r}")
    if index is None:
        index = not (
            isinstance(df.index, pd.RangeIndex) and df.index.start == 0 and df.index.step == 1
        )

    def col_digits(col: Any) -> int:
        if isinstance(digits, Mapping):
            return int(digits.get(col, 2))
        return digits

    e = html.escape
    index_names = [n if n is not None else "" for n in df.index.names] if index else []
    head = "".join(f"<th>{e(str(n))}</th>" for n in index_names)
    head += (
        "".join(
            f'<th class="{"num" if pd.api.types.is_numeric_dtype(df[c]) else "text"}">{e(str(c))}</th>'
            for c in df.columns
        )
        if not df.columns.has_duplicates
        else "".join(f"<th>{e(str(c))}</th>" for c in df.columns)
    )
    body_rows: list[str] = []
    text_rows: list[list[str]] = []
    columns = list(df.columns)
    for key, row in zip(df.index, df.itertuples(index=False, name=None), strict=True):
        cells: list[str] = []
        texts: list[str] = []
        if index:
            keys = key if isinstance(key, tuple) else (key,)
            for k in keys:
                t, _ = _cell(k, 2, na_rep)
                cells.append(f'<th scope="row">{e(t)}</th>')
                texts.append(t)
        for col, value in zip(columns, row, strict=True):
            t, numeric = _cell(value, col_digits(col), na_rep)
            cls = ' class="num"' if numeric else ""
            cells.append(f"<td{cls}>{e(t)}</td>")
            texts.append(t)
        body_rows.append("<tr>" + "".join(cells) + "</tr>")
        text_rows.append(texts)
    cap = f"<caption>{e(caption)}</caption>" if caption else ""
    table_html = (
        f'<table class="sa-table">{cap}<thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body_rows)}</tbody></table>"
    )
    header = [str(n) for n in index_names] + [str(c) for c in columns]
    widths = [max([len(h)] + [len(r[i]) for r in text_rows]) for i, h in enumerate(header)]
    lines = ["  ".join(h.rjust(w) for h, w in zip(header, widths, strict=True))]
    lines += ["  ".join(t.rjust(w) for t, w in zip(r, widths, strict=True)) for r in text_rows]
    if caption:
        lines.insert(0, caption)
    return Table(html=table_html, text="\n".join(lines))
