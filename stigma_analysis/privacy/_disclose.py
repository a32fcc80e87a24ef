"""The publication gate: :func:`disclose` and the study's :class:`DisclosurePolicy`."""

from __future__ import annotations

import sys
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
import pandas as pd

from stigma_analysis.errors import DisclosureError
from stigma_analysis.privacy._pii import (
    name_hint,
)
from stigma_analysis.privacy._suppress import (
    KAnonymityResult,
    Totals,
    default_count_columns,
    is_count_name,
    k_anonymity,
    suppress,
)

# Column names that, whatever the caller declared, show that a table holds respondent-level
# identifiers or contact data (see :func:`stigma_analysis.privacy._pii.name_hint`).
# "name", "address" and "date_of_birth" are left out: "village", "interviewer name" or
# "birth year" are legitimate breakdowns of an aggregate table.
_ROW_LEVEL_KINDS = frozenset({"id", "national_id", "phone", "email", "gps"})


def _labels(values: Iterable[Hashable]) -> set[str]:
    return {str(v) for v in values}


def _is_figure(obj: Any) -> bool:
    """A matplotlib Figure/SubFigure/Axes or a seaborn grid, without importing matplotlib."""
    if "matplotlib" in sys.modules:
        from matplotlib.axes import Axes
        from matplotlib.figure import FigureBase

        if isinstance(obj, (FigureBase, Axes)):
            return True
    module = type(obj).__module__ or ""
    return module.startswith("seaborn") and hasattr(obj, "figure")


def _all_labels(table: pd.DataFrame) -> list[tuple[str, Hashable]]:
    """Every column label and index level name, with where it was found."""
    out: list[tuple[str, Hashable]] = []
    for c in table.columns:
        parts = c if isinstance(c, tuple) else (c,)
        out.extend(("column", p) for p in parts)
    for name in table.index.names:
        if name is not None:
            out.append(("index level", name))
    for name in table.columns.names:
        if name is not None:
            out.append(("column level", name))
    return out


def _check_table(
    table: pd.DataFrame,
    *,
    id_columns: Sequence[Hashable],
    pii_columns: Sequence[Hashable],
    quasi_identifiers: Sequence[Hashable],
    count_columns: Sequence[Hashable],
    n_respondents: int | None,
) -> None:
    ids = _labels(id_columns)
    pii = _labels(pii_columns)
    for where, label in _all_labels(table):
        text = str(label)
        if text in ids:
            raise DisclosureError(
                f"the table has the respondent id as {where} {text!r}; publish aggregates only "
                "(drop the id, or group by a non-identifying variable)"
            )
        if text in pii:
            raise DisclosureError(
                f"the table has {where} {text!r}, flagged as personal data; drop it before "
                "publishing (or allow it explicitly in the study's privacy block)"
            )
        hint = name_hint(label)
        if hint is not None and hint[0] in _ROW_LEVEL_KINDS and not is_count_name(label):
            raise DisclosureError(
                f"the table looks respondent-level: {where} {text!r} is named like "
                f"{hint[0].replace('_', ' ')} data ({hint[1]!r}); publish aggregates only, or "
                "rename the column if it is not personal"
            )
    if n_respondents is not None and len(table) >= n_respondents > 1:
        raise DisclosureError(
            f"the table has {len(table)} rows for {n_respondents} respondents, so it looks "
            "respondent-level; publish aggregates only"
        )
    qis = _labels(quasi_identifiers)
    breakdown = [str(lbl) for _, lbl in _all_labels(table) if str(lbl) in qis]
    if breakdown and not count_columns:
        raise DisclosureError(
            f"the table is broken down by quasi-identifier(s) {breakdown} but has no count "
            "column, so small cells cannot be checked; add the number of respondents per row "
            "(a column 'n') or pass count_columns/n_column"
        )


def disclose(
    obj: Any,
    *,
    min_cell: int,
    id_columns: Sequence[Hashable] = (),
    pii_columns: Sequence[Hashable] = (),
    quasi_identifiers: Sequence[Hashable] = (),
    count_columns: Sequence[Hashable] | None = None,
    n_column: Hashable | None = None,
    stat_columns: Sequence[Hashable] | Literal["auto"] = "auto",
    derived: Mapping[Hashable, Hashable | list[Hashable]] | None = None,
    totals: Totals = "both",
    totals_within: Sequence[Hashable] = (),
    n_respondents: int | None = None,
) -> Any:
    """The one gate to publication: check an object and return the version safe to show.

    Parameters
    ----------
    obj : DataFrame, Series, numpy array, matplotlib Figure/Axes, seaborn grid, str or number
        What a report is about to show.
    min_cell : int
        Smallest count that may be published (the study's ``privacy.min_cell``).
    id_columns : list of str, default ()
        Respondent id columns (the study's id, before or after pseudonymisation).
    pii_columns : list of str, default ()
        Columns flagged by :func:`scan_pii` and not allowed by the study.
    quasi_identifiers : list of str, default ()
        The study's quasi-identifiers: a table broken down by them must carry counts.
    count_columns, derived, totals, totals_within
        Passed to :func:`suppress` (default count columns: :func:`default_count_columns`).
    n_column : str, optional
        Column with the respondents behind each row's statistics; default ``"n"`` when it is a
        count column of the table.
    stat_columns : list of str or "auto", default "auto"
        Statistics hidden where ``n_column`` is below ``min_cell``; ``"auto"`` = every other
        numeric column when ``n_column`` is known, else none.
    n_respondents : int, optional
        Respondents in the study; a table with at least as many rows is refused as row-level.

    Returns
    -------
    object
        DataFrame: the suppressed display table (see :func:`suppress`). Series: the same as a
        one-column table, returned as an object Series. Numpy array: as a DataFrame. Figures,
        Axes, seaborn grids, strings, floats: unchanged. Integers: unchanged when 0 or at least
        ``min_cell``.

    Raises
    ------
    DisclosureError
        - a column, index level or Series name is an id column or a flagged PII column;
        - the table looks respondent-level (see Notes);
        - the table is broken down by quasi-identifiers but has no count column;
        - a bare integer (a count) lies in ``1 .. min_cell - 1``;
        - the object is of a type that cannot be checked (dict, list, pandas Styler ...).

    Notes
    -----
    *Respondent-level heuristic.* A table is refused when (a) one of its column labels or
    index level names is named like an identifier or contact data (``id``, ``uuid``,
    ``passport``, ``phone``, ``email``, ``lat``/``lon`` ...; see :func:`scan_pii`),
    unless it is a count column such as ``n_id``, or (b) ``n_respondents`` is given and the table
    has at least that many rows. Aggregates have far fewer rows than respondents; a table with
    one row per respondent almost always carries an id or needs one to be useful.

    Figures are accepted as they are: build them from tables that passed this gate. Text
    artists are not scanned.

    Checked against: planted ids, PII and small cells in ``tests/privacy/test_privacy.py``.
    """
    if isinstance(min_cell, bool) or not isinstance(min_cell, (int, np.integer)) or min_cell < 1:
        raise ValueError(f"min_cell must be an integer of at least 1, got {min_cell!r}")
    if _is_figure(obj):
        return obj
    if isinstance(obj, (bool, np.bool_, str, float, np.floating)) or obj is None:
        return obj
    if isinstance(obj, (int, np.integer)):
        if 0 < int(obj) < min_cell:
            raise DisclosureError(
                f"a count of {int(obj)} is below min_cell={min_cell}; "
                f"show it as '<{min_cell}' instead"
            )
        return obj
    if isinstance(obj, pd.Series):
        name = obj.name if obj.name is not None else "value"
        table = disclose(
            obj.to_frame(name=name),
            min_cell=min_cell,
            id_columns=id_columns,
            pii_columns=pii_columns,
            quasi_identifiers=quasi_identifiers,
            count_columns=count_columns,
            n_column=n_column,
            stat_columns=stat_columns,
            derived=derived,
            totals=totals,
            totals_within=totals_within,
            n_respondents=n_respondents,
        )
        return table.iloc[:, 0].rename(obj.name)
    if isinstance(obj, np.ndarray):
        if obj.ndim not in (1, 2):
            raise DisclosureError(f"cannot check a {obj.ndim}-dimensional array; pass a table")
        obj = pd.DataFrame(obj)
    if not isinstance(obj, pd.DataFrame):
        raise DisclosureError(
            f"cannot check an object of type {type(obj).__name__}; pass a DataFrame, Series or "
            "matplotlib Figure (style tables after disclose())"
        )
    if count_columns is None:
        qis = _labels(quasi_identifiers)
        counts = [c for c in default_count_columns(obj) if str(c) not in qis]
    else:
        counts = list(count_columns)
    _check_table(
        obj,
        id_columns=id_columns,
        pii_columns=pii_columns,
        quasi_identifiers=quasi_identifiers,
        count_columns=counts,
        n_respondents=n_respondents,
    )
    if n_column is None and "n" in counts:
        n_column = "n"
    if isinstance(stat_columns, str):
        if stat_columns != "auto":
            raise ValueError(
                f"stat_columns must be a list of columns or 'auto', got {stat_columns!r}"
            )
        stats: list[Hashable] = []
        if n_column is not None:
            stats = [
                c
                for c in obj.columns
                if c not in counts
                and c != n_column
                and pd.api.types.is_numeric_dtype(obj[c].dtype)
                and not pd.api.types.is_bool_dtype(obj[c].dtype)
            ]
    else:
        stats = list(stat_columns)
    return suppress(
        obj,
        min_cell=min_cell,
        count_columns=counts,
        n_column=n_column,
        stat_columns=stats,
        derived=derived,
        totals=totals,
        totals_within=totals_within,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class DisclosurePolicy:
    """A study's disclosure rules, made once and applied to every published object.

    Attributes
    ----------
    min_cell : int
        Smallest count that may be published (``privacy.min_cell``, default 5).
    id_columns : tuple of str
        Respondent id columns.
    pii_columns : tuple of str
        Columns flagged as personal data and not allowed.
    quasi_identifiers : tuple of str
        ``privacy.quasi_identifiers``.
    n_respondents : int or None
        Respondents in the study (enables the row-count test of :func:`disclose`).
    totals : {"both", "rows", "columns", "none"}
        Default of :func:`suppress`'s ``totals``.
    """

    min_cell: int = 5
    id_columns: tuple[str, ...] = field(default=())
    pii_columns: tuple[str, ...] = field(default=())
    quasi_identifiers: tuple[str, ...] = field(default=())
    n_respondents: int | None = None
    totals: Totals = "both"

    def __post_init__(self) -> None:
        # a boolean is an int to Python, and True would mean "suppress nothing"
        if isinstance(self.min_cell, (bool, np.bool_)) or not isinstance(
            self.min_cell, (int, np.integer)
        ):
            raise TypeError(f"min_cell must be an integer, got {type(self.min_cell).__name__}")
        if self.min_cell < 1:
            raise ValueError(f"min_cell must be at least 1, got {self.min_cell}")
        object.__setattr__(self, "min_cell", int(self.min_cell))
        for name in ("id_columns", "pii_columns", "quasi_identifiers"):
            value = getattr(self, name)
            if isinstance(value, str):
                value = (value,)
            object.__setattr__(self, name, tuple(str(v) for v in value))

    def disclose(self, obj: Any, **options: Any) -> Any:
        """:func:`disclose` with this policy; ``options`` override per object (``count_columns``...)."""
        settings: dict[str, Any] = {
            "min_cell": self.min_cell,
            "id_columns": self.id_columns,
            "pii_columns": self.pii_columns,
            "quasi_identifiers": self.quasi_identifiers,
            "n_respondents": self.n_respondents,
            "totals": self.totals,
        }
        settings.update(options)
        return disclose(obj, **settings)

    def suppress(self, table: pd.DataFrame, **options: Any) -> pd.DataFrame:
        """:func:`suppress` with this policy's ``min_cell`` and ``totals``."""
        settings: dict[str, Any] = {"min_cell": self.min_cell, "totals": self.totals}
        settings.update(options)
        return suppress(table, **settings)

    def k_anonymity(self, data: pd.DataFrame) -> KAnonymityResult:
        """:func:`k_anonymity` over this policy's quasi-identifiers with ``k = min_cell``."""
        if not self.quasi_identifiers:
            raise ValueError("the policy has no quasi_identifiers")
        return k_anonymity(data, list(self.quasi_identifiers), k=self.min_cell)

    def with_options(self, **changes: Any) -> DisclosurePolicy:
        """A copy with some fields changed."""
        return replace(self, **changes)
