"""``show_table``: a DataFrame as a clean report table with fixed precision."""

from __future__ import annotations

import html
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from numbers import Integral, Real
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Table", "show_table"]

_NUMERIC_TEXT = re.compile(r"^[<>≤≥~]?\s*[-−]?[\d,]*\.?\d+\s*%?$")


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
    columns = list(df.columns)
    # A column is right-aligned when every shown value is a number (suppressed counts such
    # as "<5" included), so a column that privacy turned into text still lines up.
    cells = [
        [_cell(v, col_digits(col), na_rep) for v in df.iloc[:, j]] for j, col in enumerate(columns)
    ]
    numeric_col = [
        all(num or _NUMERIC_TEXT.match(t) or t == na_rep for t, num in col) and len(col) > 0
        for col in cells
    ]
    index_names = [n if n is not None else "" for n in df.index.names] if index else []
    head = "".join(f"<th>{e(str(n))}</th>" for n in index_names)
    head += "".join(
        f'<th class="{"num" if numeric_col[j] else "text"}">{e(str(c))}</th>'
        for j, c in enumerate(columns)
    )
    body_rows: list[str] = []
    text_rows: list[list[str]] = []
    for i, key in enumerate(df.index):
        row_html: list[str] = []
        texts: list[str] = []
        if index:
            keys = key if isinstance(key, tuple) else (key,)
            for k in keys:
                t, _ = _cell(k, 2, na_rep)
                row_html.append(f'<th scope="row">{e(t)}</th>')
                texts.append(t)
        for j in range(len(columns)):
            t, _ = cells[j][i]
            cls = ' class="num"' if numeric_col[j] else ""
            row_html.append(f"<td{cls}>{e(t)}</td>")
            texts.append(t)
        body_rows.append("<tr>" + "".join(row_html) + "</tr>")
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
