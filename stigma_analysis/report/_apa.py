"""``apa_table``: any tidy result as an APA-style table for a paper (Word or LaTeX).

APA 7 tables: a bold number line and an italic title above the table, horizontal rules only
(above and below the column heads and below the last row; no vertical rules), a note below
starting with an italic *Note.*, fixed decimals, and *p* values without a leading zero
(``.034``, ``< .001``).
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stigma_analysis.report._dom import Run, TableData

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ApaTable", "apa_table"]

_P_NAMES = re.compile(r"^(p|p[ _.-]?val(ue)?|pr\(>\|?[a-z]\|?\)|sig\.?)$", re.IGNORECASE)
_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
}


def _latex(text: str) -> str:
    return "".join(_LATEX_SPECIAL.get(ch, ch) for ch in text)


def format_p(value: float) -> str:
    """APA *p*: three decimals without the leading zero; ``< .001`` below that."""
    if value < 0.001:
        return "< .001"
    text = f"{value:.3f}"
    return text[1:] if text.startswith("0") else text


@dataclass(frozen=True, slots=True, kw_only=True)
class ApaTable:
    """A formatted table: ``header`` and ``rows`` are the exact cell texts.

    Write it with :meth:`to_docx` (an editable Word table) or :meth:`to_latex` (booktabs).
    """

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...]
    caption: str
    note: str | None = None
    number: int | None = None
    label: str | None = None

    def cells(self) -> list[list[str]]:
        """Header row then body rows."""
        return [list(self.header), *(list(r) for r in self.rows)]

    def _table_data(self) -> TableData:
        rows = [[(h, True, 1, num) for h, num in zip(self.header, self.numeric, strict=True)]]
        rows += [
            [(t, False, 1, num) for t, num in zip(row, self.numeric, strict=True)]
            for row in self.rows
        ]
        return TableData(rows=rows, n_head=1, caption=self.caption)

    def _caption_runs(self) -> list[Run]:
        runs: list[Run] = []
        if self.number is not None:
            runs += [(f"Table {self.number}", frozenset({"b"})), ("\n", frozenset())]
        runs.append((self.caption, frozenset({"i"})))
        return runs

    def _note_runs(self) -> list[Run]:
        if not self.note:
            return []
        return [("Note.", frozenset({"i"})), (f" {self.note}", frozenset())]

    def add_to(self, document: Any) -> Any:
        """Append the table to a python-docx ``Document``; returns the Word table."""
        from stigma_analysis.report._docx import docx_table

        return docx_table(
            document, self._table_data(), caption=self._caption_runs(), note=self._note_runs()
        )

    def to_docx(self, path: str | os.PathLike[str]) -> Path:
        """Write a Word file holding this table (editable; no vertical rules). Returns it."""
        import docx

        from stigma_analysis.report._docx import _style_document

        document = docx.Document()
        _style_document(document, "en")
        self.add_to(document)
        target = Path(path)
        document.save(str(target))
        return target

    def to_latex(self) -> str:
        """A LaTeX ``table`` with booktabs rules (``\\usepackage{booktabs}``), caption above."""
        spec = "".join("r" if num else "l" for num in self.numeric)
        lines = [r"\begin{table}[htbp]", r"\centering"]
        title = _latex(self.caption)
        lines.append(rf"\caption{{{title}}}")
        if self.label:
            lines.append(rf"\label{{{self.label}}}")
        lines += [rf"\begin{{tabular}}{{{spec}}}", r"\toprule"]
        lines.append(" & ".join(_latex(h) for h in self.header) + r" \\")
        lines.append(r"\midrule")
        lines += [" & ".join(_latex(t) for t in row) + r" \\" for row in self.rows]
        lines += [r"\bottomrule", r"\end{tabular}"]
        if self.note:
            lines.append(
                r"\par\smallskip{\footnotesize\raggedright\textit{Note.} " + _latex(self.note) + "}"
            )
        lines.append(r"\end{table}")
        return "\n".join(lines) + "\n"

    def to_html(self) -> str:
        """An HTML table (caption above, note below)."""
        import html

        e = html.escape
        num_cls = ' class="num"'
        head = "".join(
            f'<th class="{"num" if n else "text"}">{e(h)}</th>'
            for h, n in zip(self.header, self.numeric, strict=True)
        )
        body = "".join(
            "<tr>"
            + "".join(
                f"<td{num_cls if n else ''}>{e(t)}</td>"
                for t, n in zip(row, self.numeric, strict=True)
            )
            + "</tr>"
            for row in self.rows
        )
        number = f"<strong>Table {self.number}</strong><br/>" if self.number is not None else ""
        note = f'<p class="table-note"><em>Note.</em> {e(self.note)}</p>' if self.note else ""
        return (
            f'<table class="sa-table apa"><caption>{number}<em>{e(self.caption)}</em></caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{note}"
        )

    def _repr_html_(self) -> str:
        return self.to_html()


def _text(value: Any, digits: int, na: str, p_value: bool) -> tuple[str, bool]:  # noqa: PLR0911
    from numbers import Integral, Real

    import pandas as pd

    if value is None or value is pd.NA or value is pd.NaT:
        return na, False
    if isinstance(value, bool):
        return ("yes" if value else "no"), False
    if isinstance(value, Integral):
        return f"{int(value):d}", True
    if isinstance(value, Real):
        number = float(value)
        if math.isnan(number):
            return na, False
        if p_value:
            return format_p(number), True
        return f"{number:.{digits}f}".replace("-", "−"), True
    return str(value), False


def apa_table(
    frame: pd.DataFrame,
    *,
    caption: str,
    note: str | None = None,
    number: int | None = None,
    digits: int | Mapping[str, int] = 2,
    p_columns: Sequence[str] | None = None,
    index: bool | None = None,
    rename: Mapping[str, str] | None = None,
    na_rep: str = "—",
    label: str | None = None,
) -> ApaTable:
    """Format a tidy result (reliability, CFA fit, model coefficients, invariance) for a paper.

    Parameters
    ----------
    frame : pandas.DataFrame
        The result, one row per estimate (counts already disclosed where they are counts).
    caption : str
        The table's title (italic, above the table).
    note : str, optional
        The general note under the table (after an italic *Note.*).
    number : int, optional
        The table number (bold "Table N" line above the title).
    digits : int or mapping of column → int
        Decimals of floating-point values (per column when a mapping; others 2).
    p_columns : sequence of str, optional
        Columns holding *p* values (``.034``, ``< .001``); by default those named ``p``,
        ``p_value``, ``pvalue``, ``Pr(>|z|)`` or ``sig``.
    index : bool, optional
        Keep the index as the first column(s); by default when it is not a 0..n-1 range.
    rename : mapping, optional
        Column headings to show instead of the frame's names.
    na_rep : str
        Text of missing values.
    label : str, optional
        The LaTeX ``\\label``.

    Returns
    -------
    ApaTable
        With ``.to_docx(path)``, ``.add_to(document)``, ``.to_latex()`` and ``.to_html()``.
        Negative numbers use the minus sign (U+2212) as APA asks.
    """
    import pandas as pd

    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"frame must be a pandas DataFrame; got {type(frame).__name__}")
    if not isinstance(caption, str) or not caption.strip():
        raise ValueError("caption must be a non-empty string (the table's title)")
    if isinstance(digits, bool) or not isinstance(digits, int | Mapping):
        raise TypeError(f"digits must be an int or a mapping of column to int; got {digits!r}")
    if index is None:
        index = not (
            isinstance(frame.index, pd.RangeIndex)
            and frame.index.start == 0
            and frame.index.step == 1
        )
    data = frame.reset_index() if index else frame
    columns = [str(c) for c in data.columns]
    if p_columns is None:
        p_set = {c for c in columns if _P_NAMES.match(c)}
    else:
        missing = [c for c in p_columns if c not in columns]
        if missing:
            raise ValueError(f"p_columns names columns not in the frame: {missing}")
        p_set = set(p_columns)

    def col_digits(col: str) -> int:
        return int(digits.get(col, 2)) if isinstance(digits, Mapping) else digits

    cols = [
        [_text(v, col_digits(c), na_rep, c in p_set) for v in data.iloc[:, j]]
        for j, c in enumerate(columns)
    ]
    numeric = tuple(
        all(num or t == na_rep for t, num in col) and any(num for _, num in col) for col in cols
    )
    names = dict(rename or {})
    header = tuple(names.get(c, c) for c in columns)
    rows = tuple(tuple(cols[j][i][0] for j in range(len(columns))) for i in range(len(data.index)))
    return ApaTable(
        header=header,
        rows=rows,
        numeric=numeric,
        caption=caption.strip(),
        note=note,
        number=number,
        label=label,
    )
