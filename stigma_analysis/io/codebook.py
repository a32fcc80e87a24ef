"""The codebook: what each column means, which codes are missing, and which cells held them.

A :class:`Survey` is a DataFrame plus a :class:`Codebook`. User-defined missing values are NaN
in the data; the codebook keeps, sparsely, the row positions and original codes of those cells
(:class:`MissingCells`), so that "12 refused, 3 not applicable" can still be reported and the
codes can be written back to a file.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

__all__ = [
    "Codebook",
    "MissingCells",
    "Survey",
    "Variable",
    "apply_missing_codes",
    "describe",
    "describe_records",
]

Measure = Literal["nominal", "ordinal", "scale", "unknown"]
VarType = Literal["numeric", "string"]
MEASURES: tuple[str, ...] = ("nominal", "ordinal", "scale", "unknown")


@dataclass(frozen=True, slots=True, kw_only=True)
class Variable:
    """One column's metadata.

    Attributes
    ----------
    name : str
        Column name.
    label : str or None
        Variable label (the question text), if any.
    value_labels : dict
        Code → label, e.g. ``{1.0: "Never", 97.0: "Refused"}``. Codes are floats for numeric
        variables and strings for string variables.
    missing_codes : tuple
        Discrete user-defined missing codes.
    missing_ranges : tuple of (float, float)
        Inclusive user-missing ranges ``(low, high)``; ``-inf`` / ``inf`` stand for SPSS
        ``LOWEST`` / ``HIGHEST``.
    measure : {"nominal", "ordinal", "scale", "unknown"}
        SPSS measurement level.
    format : str
        SPSS print format, e.g. ``"F8.2"``, ``"A18"``, ``"ADATE10"``; ``""`` when unknown.
    type : {"numeric", "string"}
        Storage type.
    display_width : int or None
        SPSS column display width, if known.
    """

    name: str
    label: str | None = None
    value_labels: dict[Any, str] = field(default_factory=dict)
    missing_codes: tuple[Any, ...] = ()
    missing_ranges: tuple[tuple[float, float], ...] = ()
    measure: Measure = "unknown"
    format: str = ""
    type: VarType = "numeric"
    display_width: int | None = None

    def fields(self) -> dict[str, Any]:
        """The declared fields (everything but the name) as plain values, as a codebook file
        holds them."""
        return {
            "label": self.label,
            "type": self.type,
            "measure": self.measure,
            "format": self.format,
            "display_width": self.display_width,
            "value_labels": dict(self.value_labels),
            "missing_codes": list(self.missing_codes),
            "missing_ranges": [list(r) for r in self.missing_ranges],
        }

    def is_missing_code(self, value: Any) -> bool:
        """Whether ``value`` is declared user-missing (a discrete code or inside a range)."""
        if value in self.missing_codes:
            return True
        if isinstance(value, str):
            return False
        try:
            v = float(value)
        except (TypeError, ValueError):
            return False
        return any(lo <= v <= hi for lo, hi in self.missing_ranges)

    def missing_mask(self, values: np.ndarray | pd.Series) -> np.ndarray:
        """Boolean mask of the entries of ``values`` that are declared user-missing."""
        arr = values.to_numpy() if isinstance(values, pd.Series) else np.asarray(values)
        mask = np.zeros(len(arr), dtype=bool)
        if not self.missing_codes and not self.missing_ranges:
            return mask
        if arr.dtype.kind in "fiub":
            x = arr.astype(np.float64, copy=False)
            for code in self.missing_codes:
                num = _as_float(code)
                if num is not None:
                    mask |= x == num
            for lo, hi in self.missing_ranges:
                mask |= (x >= lo) & (x <= hi)
            return mask
        if arr.dtype.kind in "mM":
            return mask  # dates carry no user-missing codes after conversion
        # strings / objects: compare the text of each cell with the text of each code
        texts = {_code_text(c) for c in self.missing_codes}
        if texts:
            mask |= pd.Series(arr, dtype="object").isin(texts).to_numpy()
        if self.missing_ranges:
            num_arr = pd.to_numeric(pd.Series(arr, dtype="object"), errors="coerce").to_numpy()
            for lo, hi in self.missing_ranges:
                mask |= (num_arr >= lo) & (num_arr <= hi)
        return mask


class MissingCells:
    """Sparse record of the user-missing cells of one column.

    Parameters
    ----------
    rows : array of int
        Row positions (0-based, sorted) that held a user-missing code.
    codes : array
        The code each of those cells held (float64 for numeric columns, object for strings).
    """

    __slots__ = ("codes", "rows")

    def __init__(self, rows: Any, codes: Any) -> None:
        r = np.asarray(rows, dtype=np.int64)
        c = np.asarray(codes)
        if c.dtype.kind in "iub":
            c = c.astype(np.float64)
        elif c.dtype.kind not in "f":
            c = c.astype(object)
        if r.shape != c.shape or r.ndim != 1:
            raise ValueError(
                f"rows and codes must be 1-d and of equal length; got {r.shape} and {c.shape}"
            )
        if len(r) > 1 and not bool(np.all(r[1:] >= r[:-1])):
            order = np.argsort(r, kind="stable")
            r, c = r[order], c[order]
        r.setflags(write=False)
        c.setflags(write=False)
        self.rows: np.ndarray = r
        self.codes: np.ndarray = c

    def __len__(self) -> int:
        return len(self.rows)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, MissingCells):
            return NotImplemented
        return bool(
            np.array_equal(self.rows, other.rows)
            and len(self.codes) == len(other.codes)
            and all(_codes_equal(a, b) for a, b in zip(self.codes, other.codes, strict=True))
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"MissingCells(n={len(self.rows)})"


@dataclass(frozen=True, slots=True, kw_only=True)
class Codebook:
    """Metadata of a survey file.

    Attributes
    ----------
    variables : dict of str to Variable
        One entry per column, in column order.
    source : Path or None
        The file the survey was read from.
    format : str
        ``"sav"``, ``"zsav"``, ``"por"``, ``"csv"``, ``"parquet"`` or ``"frame"``.
    encoding : str or None
        Character encoding of the file (as reported by the reader, or as named by the user).
    encoding_guessed : bool
        True when ``encoding`` was guessed from the bytes (a CSV file that is not UTF-8 read
        without ``encoding=``): the text may be wrong; the command line says so on stderr.
    n_rows : int
        Number of rows.
    file_label : str or None
        SPSS file label.
    notes : tuple of str
        File notes (SPSS documents) and remarks of the reader (e.g. values set to missing
        because they were out of the representable date range).
    missing_cells : dict of str to MissingCells
        Per column, the user-missing cells (row positions and original codes). Columns without
        user-missing cells are absent.
    codebook_file : Path or None
        The codebook file (YAML/CSV) read with the data, if any; writers never overwrite it.
    """

    variables: dict[str, Variable]
    source: Path | None = None
    format: str = "frame"
    encoding: str | None = None
    encoding_guessed: bool = False
    n_rows: int = 0
    file_label: str | None = None
    notes: tuple[str, ...] = ()
    missing_cells: dict[str, MissingCells] = field(default_factory=dict)
    codebook_file: Path | None = None

    def _variable(self, column: str) -> Variable:
        try:
            return self.variables[column]
        except KeyError:
            raise KeyError(f"column {column!r} is not in the codebook") from None

    def missing_codes_of(self, column: str) -> pd.Series:
        """The user-missing cells of ``column``.

        Returns
        -------
        pandas.Series
            Index: row positions that were user-missing; values: the original code.
        """
        var = self._variable(column)
        cells = self.missing_cells.get(column)
        if cells is None:
            dtype = "object" if var.type == "string" else "float64"
            return pd.Series([], index=pd.Index([], dtype="int64"), dtype=dtype, name=column)
        return pd.Series(cells.codes, index=pd.Index(cells.rows), name=column)

    def missing_counts(self, column: str) -> dict[Any, int]:
        """Number of cells per user-missing code in ``column`` (codes in sorted order)."""
        self._variable(column)
        cells = self.missing_cells.get(column)
        if cells is None or len(cells) == 0:
            return {}
        codes, counts = np.unique(cells.codes.astype(object), return_counts=True)
        return {_py(c): int(n) for c, n in zip(codes, counts, strict=True)}

    def missing_reason(self, column: str, code: Any) -> str | None:
        """The value label of ``code`` in ``column`` (e.g. ``"Refused"``), or None."""
        labels = self._variable(column).value_labels
        if code in labels:
            return labels[code]
        num = _as_float(code)
        if num is not None:
            for k, v in labels.items():
                if _as_float(k) == num:
                    return v
        return None

    def with_missing(self, column: str, rows: Iterable[int], codes: Iterable[Any]) -> Codebook:
        """A new codebook with more user-missing cells recorded in ``column``.

        Used for study-level missing codes (e.g. 97/98/99) applied after loading. Codes not yet
        declared for the variable are added to its ``missing_codes``, so the codebook stays
        coherent and writers declare them.

        Parameters
        ----------
        column : str
            Column name.
        rows : iterable of int
            Row positions (0-based) whose cells held a missing code.
        codes : iterable
            The code each cell held (same length as ``rows``).
        """
        var = self._variable(column)
        new_rows = np.asarray(list(rows), dtype=np.int64)
        new_codes = np.asarray(list(codes), dtype=object)
        if new_rows.shape != new_codes.shape:
            raise ValueError(
                f"rows and codes must have the same length; got {len(new_rows)} rows and "
                f"{len(new_codes)} codes"
            )
        if len(new_rows) and (new_rows.min() < 0 or new_rows.max() >= self.n_rows):
            raise ValueError(
                f"rows must be positions in 0..{self.n_rows - 1}; got values from "
                f"{new_rows.min()} to {new_rows.max()}"
            )
        if len(np.unique(new_rows)) != len(new_rows):
            raise ValueError("rows must not repeat a position")
        old = self.missing_cells.get(column)
        if old is not None and np.intersect1d(old.rows, new_rows).size:
            raise ValueError(f"rows of column {column!r} already recorded as user-missing")
        if var.type == "numeric":
            new_codes = np.asarray([_as_float(c) for c in new_codes], dtype=np.float64)
        if old is not None:
            all_rows = np.concatenate([old.rows, new_rows])
            all_codes = np.concatenate([old.codes.astype(new_codes.dtype), new_codes])
        else:
            all_rows, all_codes = new_rows, new_codes
        declared = list(var.missing_codes)
        for code in np.unique(new_codes.astype(object)) if len(new_codes) else []:
            code = _py(code)
            if not var.is_missing_code(code) and code not in declared:
                declared.append(code)
        new_var = replace(var, missing_codes=tuple(sorted(declared, key=_sort_key)))
        variables = {k: (new_var if k == column else v) for k, v in self.variables.items()}
        cells = dict(self.missing_cells)
        cells[column] = MissingCells(all_rows, all_codes)
        return replace(self, variables=variables, missing_cells=cells)

    def to_frame(self) -> pd.DataFrame:
        """One row per variable.

        Returns
        -------
        pandas.DataFrame
            Columns ``name, label, type, measure, format, display_width, value_labels,
            missing_codes, missing_ranges, n_user_missing``.
        """
        rows = [
            {
                "name": v.name,
                **v.fields(),
                "n_user_missing": len(self.missing_cells.get(v.name, ())),
            }
            for v in self.variables.values()
        ]
        columns = [
            "name",
            "label",
            "type",
            "measure",
            "format",
            "display_width",
            "value_labels",
            "missing_codes",
            "missing_ranges",
            "n_user_missing",
        ]
        return pd.DataFrame(rows, columns=columns)


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class Survey:
    """A survey: the data and its codebook.

    Attributes
    ----------
    data : pandas.DataFrame
        One row per respondent (RangeIndex 0..n-1); user-missing values are NaN.
    codebook : Codebook
        Labels, value labels, missing declarations and the original codes of missing cells.
    """

    data: pd.DataFrame
    codebook: Codebook


def apply_missing_codes(
    survey: Survey, codes: Iterable[Any], *, columns: Iterable[str] | None = None
) -> Survey:
    """Treat ``codes`` (e.g. study-level 97/98/99) as user-missing in numeric ``columns``.

    Cells holding one of the codes become NaN and are recorded in the codebook with
    :meth:`Codebook.with_missing`. The input survey is not modified.

    Parameters
    ----------
    survey : Survey
        The survey.
    codes : iterable of numbers
        Missing codes.
    columns : iterable of str, optional
        Columns to apply them to; default every numeric column.

    Returns
    -------
    Survey
        A new survey.
    """
    code_list = [float(c) for c in codes]
    cols = list(survey.data.columns) if columns is None else list(columns)
    unknown = [c for c in cols if c not in survey.data.columns]
    if unknown:
        raise ValueError(f"columns not in the data: {unknown}")
    data = survey.data
    codebook = survey.codebook
    new_cols: dict[str, np.ndarray] = {}
    for col in cols:
        arr = data[col].to_numpy()
        if arr.dtype.kind not in "fiu" or not code_list:
            continue
        mask = np.isin(arr, code_list)
        if not mask.any():
            continue
        rows = np.flatnonzero(mask)
        codebook = codebook.with_missing(col, rows, arr[rows])
        new = arr.astype(np.float64, copy=True)
        new[mask] = np.nan
        new_cols[col] = new
    if not new_cols:
        return Survey(data=data, codebook=codebook)
    data = data.assign(**new_cols)
    return Survey(data=data, codebook=codebook)


def describe(survey: Survey) -> pd.DataFrame:
    """The codebook with counts: one row per variable.

    Parameters
    ----------
    survey : Survey
        The survey.

    Returns
    -------
    pandas.DataFrame
        Columns: ``name`` , ``label``, ``type`` ("numeric"/"string"), ``measure``, ``format``,
        ``value_labels`` (dict code → label), ``missing_codes`` (list), ``missing_ranges``
        (list of ``[low, high]``), ``n_valid`` (non-missing cells), ``n_missing`` (all missing
        cells: user-missing and system-missing), ``n_missing_by_code`` (dict user-missing
        code → count), ``min`` and ``max`` (the smallest and largest valid value of a numeric
        variable, missing codes excluded; None for text).
    """
    return pd.DataFrame(_describe_rows(survey), columns=list(DESCRIBE_COLUMNS))


DESCRIBE_COLUMNS = (
    "name",
    "label",
    "type",
    "measure",
    "format",
    "value_labels",
    "missing_codes",
    "missing_ranges",
    "n_valid",
    "n_missing",
    "n_missing_by_code",
    "min",
    "max",
)


def _observed_range(values: pd.Series) -> tuple[float | None, float | None]:
    """Smallest and largest valid value of a numeric column (None for text or no values)."""
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return None, None
    v = values.to_numpy(dtype=float, na_value=np.nan)
    v = v[np.isfinite(v)]
    if not len(v):
        return None, None
    return float(v.min()), float(v.max())


def _describe_rows(survey: Survey) -> list[dict[str, Any]]:
    cb = survey.codebook
    n_null = survey.data.isna().sum()
    rows = []
    for name, v in cb.variables.items():
        n_miss = int(n_null[name]) if name in n_null.index else 0
        rows.append(
            {
                "name": name,
                **{k: f for k, f in v.fields().items() if k != "display_width"},
                "n_valid": len(survey.data) - n_miss,
                "n_missing": n_miss,
                "n_missing_by_code": cb.missing_counts(name),
                **dict(
                    zip(
                        ("min", "max"),
                        _observed_range(survey.data[name])
                        if name in survey.data.columns
                        else (None, None),
                        strict=True,
                    )
                ),
            }
        )
    return rows


def describe_records(survey: Survey) -> list[dict[str, Any]]:
    """:func:`describe` as JSON-serialisable records (the ``describe --json`` objects).

    Parameters
    ----------
    survey : Survey
        The survey.

    Returns
    -------
    list of dict
        One dict per variable with the keys of :func:`describe` (docs/FORMATS.md): ``name``,
        ``label``, ``type``, ``measure``, ``format``, ``value_labels`` (code → label),
        ``missing_codes``, ``missing_ranges`` (``[low, high]`` lists), ``n_valid``,
        ``n_missing``, ``n_missing_by_code`` (code → count), ``min``, ``max`` (observed valid
        range of a numeric variable, else null). Codes become string keys
        (``"97"``, ``"1.5"``, ``"Z"``) and integral numbers ints; open range ends (SPSS
        ``LOWEST`` / ``HIGHEST``) become ``null``. ``json.dumps(..., allow_nan=False)`` works.
    """
    out = []
    for rec in _describe_rows(survey):
        out.append(
            {
                "name": str(rec["name"]),
                "label": rec["label"],
                "type": rec["type"],
                "measure": rec["measure"],
                "format": rec["format"],
                "value_labels": {_code_text(k): v for k, v in rec["value_labels"].items()},
                "missing_codes": [_json_code(c) for c in rec["missing_codes"]],
                "missing_ranges": [
                    [_json_bound(lo), _json_bound(hi)] for lo, hi in rec["missing_ranges"]
                ],
                "n_valid": int(rec["n_valid"]),
                "n_missing": int(rec["n_missing"]),
                "n_missing_by_code": {
                    _code_text(k): int(n) for k, n in rec["n_missing_by_code"].items()
                },
                "min": _json_code(rec["min"]) if rec["min"] is not None else None,
                "max": _json_code(rec["max"]) if rec["max"] is not None else None,
            }
        )
    return out


# --- small helpers shared by the readers and writers -------------------------------------


def _as_float(value: Any) -> float | None:
    if isinstance(value, str | bytes) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _py(value: Any) -> Any:
    """A numpy scalar as the plain Python value."""
    if isinstance(value, np.generic):
        return value.item()
    return value


def _code_text(code: Any) -> str:
    """Text of a code: ``97.0`` → ``"97"``, ``1.5`` → ``"1.5"``, ``"Z"`` → ``"Z"``."""
    code = _py(code)
    if isinstance(code, float):
        if code.is_integer():
            return str(int(code))
        return repr(code)
    return str(code)


def _json_code(code: Any) -> Any:
    code = _py(code)
    if isinstance(code, float) and code.is_integer():
        return int(code)
    return code


def _json_bound(value: Any) -> Any:
    value = _py(value)
    if isinstance(value, float) and math.isinf(value):
        return None
    return _json_code(value)


def _codes_equal(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return bool(a == b)


def _sort_key(code: Any) -> tuple[int, Any]:
    num = _as_float(code)
    return (0, num) if num is not None else (1, str(code))


def default_variable(name: str, values: pd.Series) -> Variable:
    """A variable with no labels, typed from its column."""
    kind = values.dtype.kind
    is_num = kind in "fiubmM" or (kind != "O" and pd.api.types.is_numeric_dtype(values.dtype))
    return Variable(name=str(name), type="numeric" if is_num else "string")


def merge_variables(
    base: Mapping[str, Variable], override: Mapping[str, Mapping[str, Any]]
) -> dict[str, Variable]:
    """Apply the fields given in a codebook file (``override``) on top of ``base``."""
    out = dict(base)
    for name, fields in override.items():
        if name not in out:
            continue
        out[name] = replace(out[name], **fields)
    return out
