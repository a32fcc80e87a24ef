"""Excel ``.xlsx`` data files and delimited text with another separator (``;``, tab).

Both give a raw table that then goes through the same codebook steps as a CSV file
(:func:`finish_table`): a codebook file or ``<stem>.codebook.yaml`` beside the data declares
labels, value labels and missing codes; declared missing codes become NaN and are recorded.
"""

from __future__ import annotations

import datetime as dt
import io
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from stigma_analysis.errors import SurveyReadError
from stigma_analysis.io.codebook import Codebook, Survey

__all__ = ["finish_table", "read_delimited", "read_excel_survey", "read_sheets"]

_CODEBOOK_SUFFIXES = (".codebook.yaml", ".codebook.yml", ".codebook.csv")


def read_sheets(path: Path) -> dict[str, list[list[Any]]]:
    """Every sheet of a workbook as rows of cell values (openpyxl, read-only, values only)."""
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise SurveyReadError(
            path, "xlsx", f"not a readable Excel workbook (.xlsx): {exc}"
        ) from None
    try:
        out = {}
        for ws in wb.worksheets:
            rows = [list(r) for r in ws.iter_rows(values_only=True)]
            while rows and all(v is None or v == "" for v in rows[-1]):
                rows.pop()
            out[ws.title] = rows
        return out
    finally:
        wb.close()


def pick_sheet(path: Path, sheets: dict[str, list[list[Any]]], sheet: str | int | None) -> str:
    """The title of the sheet to read: ``sheet`` (name or 0-based position) or the first one."""
    titles = list(sheets)
    if sheet is None:
        return titles[0]
    if isinstance(sheet, int):
        if not 0 <= sheet < len(titles):
            raise SurveyReadError(
                path, "xlsx", f"sheet {sheet} does not exist; the workbook has {len(titles)}"
            )
        return titles[sheet]
    if sheet not in sheets:
        raise SurveyReadError(
            path, "xlsx", f"no sheet named {sheet!r}; sheets: {', '.join(titles)}"
        )
    return sheet


def rows_to_frame(path: Path, rows: list[list[Any]], *, as_text: bool) -> pd.DataFrame:
    """A header row and data rows as a DataFrame; ``as_text`` keeps every cell as text."""
    if not rows:
        raise SurveyReadError(path, "xlsx", "the sheet is empty")
    header = list(rows[0])
    while header and header[-1] in (None, ""):
        header.pop()
    width = len(header)
    names = []
    for j in range(width):
        h = header[j] if j < len(header) else None
        if h is None or str(h).strip() == "":
            raise SurveyReadError(path, "xlsx", f"column {j + 1} of the header row has no name")
        names.append(str(h).strip())
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise SurveyReadError(path, "xlsx", f"the header names {dupes[0]!r} twice")
    cols: dict[str, list[Any]] = {n: [] for n in names}
    for r in rows[1:]:
        for j, n in enumerate(names):
            v = r[j] if j < len(r) else None
            if isinstance(v, str) and v.strip() == "":
                v = None
            cols[n].append(_as_text(v) if as_text else v)
    frame = {}
    for n, values in cols.items():
        if as_text:
            frame[n] = pd.Series(values, dtype=object)
        else:
            frame[n] = _typed(values)
    return pd.DataFrame(frame)


def _as_text(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, dt.datetime | dt.date | dt.time):
        return v.isoformat()
    return str(v)


def _typed(values: list[Any]) -> pd.Series:
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        return pd.Series([np.nan if v is None else float(v) for v in values], dtype="float64")
    if present and all(isinstance(v, dt.datetime | dt.date) for v in present):
        return pd.Series(pd.to_datetime(values)).astype("datetime64[us]")
    return pd.Series([_as_text(v) for v in values], dtype=object)


def read_delimited(
    path: Path, *, sep: str | None, encoding: str | None, as_text: bool
) -> tuple[pd.DataFrame, str, list[str]]:
    """A delimited text file; ``sep=None`` picks ``;``, tab or ``,`` from the header line."""
    from stigma_analysis.io._tabular import decode_text

    raw = path.read_bytes()
    if not raw.strip():
        raise SurveyReadError(path, "csv", "the file is empty")
    text, used, notes = decode_text(path, raw, encoding)
    if sep is None:
        head = text.splitlines()[0] if text else ""
        sep = max((";", "\t", ","), key=head.count)
    try:
        data = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            dtype=str if as_text else None,
            keep_default_na=False,
            na_values=[""],
        )
    except ValueError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SurveyReadError(path, "csv", f"the file is not a valid table ({first})") from None
    data.columns = [str(c).strip() for c in data.columns]
    if as_text:
        data = data.astype(object).where(data.notna(), None)
    return data.reset_index(drop=True), used, notes


def finish_table(
    p: Path,
    raw: pd.DataFrame,
    fmt: str,
    *,
    codebook: str | os.PathLike[str] | Codebook | None,
    columns: list[str] | None,
    encoding: str | None,
    notes: list[str],
) -> Survey:
    """Codebook merging and missing codes for a raw table, exactly as for a CSV file."""
    from dataclasses import replace

    from stigma_analysis.io._codebook_file import apply_declared, read_codebook_file
    from stigma_analysis.io._missing import split_missing
    from stigma_analysis.io._spss import NOTE_PREFIX
    from stigma_analysis.io._tabular import parse_csv_dates
    from stigma_analysis.io.codebook import default_variable

    if columns is not None:
        absent = [c for c in columns if c not in raw.columns]
        if absent:
            raise SurveyReadError(p, fmt, f"some requested columns are not in the file: {absent}")
        raw = raw[list(columns)]
    if codebook is None:
        for suffix in _CODEBOOK_SUFFIXES:
            candidate = p.with_name(p.name[: -len(p.suffix)] + suffix)
            if candidate.is_file():
                codebook = candidate
                notes.append(f"{NOTE_PREFIX}codebook read from {candidate.name}")
                break
    spec: dict[str, dict[str, Any]] = {}
    spec_file: Path | None = None
    file_info: dict[str, Any] = {}
    if isinstance(codebook, Codebook):
        spec = {k: v.fields() for k, v in codebook.variables.items()}
    elif codebook is not None:
        spec_file = Path(codebook)
        spec, file_info = read_codebook_file(spec_file)
    # declared string columns keep their text ('007'); others are numbers when every cell is one
    declared_text = {n for n, f in spec.items() if f.get("type") == "string"}
    raw = raw.copy()
    for name in raw.columns:
        if name in declared_text:
            raw[name] = raw[name].map(lambda v: None if v is None or pd.isna(v) else _as_text(v))
        elif raw[name].dtype == object:
            present = raw[name].dropna()
            num = pd.to_numeric(present, errors="coerce")
            if len(present) and num.notna().all():
                raw[name] = pd.to_numeric(raw[name], errors="coerce").astype(float)
    variables = {name: default_variable(name, raw[name]) for name in raw.columns}
    variables = apply_declared(variables, spec, spec_file)
    raw, date_notes = parse_csv_dates(p, raw, variables)
    notes.extend(date_notes)
    data, cells = split_missing(raw, variables)
    cb = Codebook(
        variables={name: variables[name] for name in data.columns},
        source=p.resolve(),
        format=fmt,
        encoding=encoding,
        n_rows=len(data),
        file_label=str(file_info["file_label"]) if file_info.get("file_label") else None,
        notes=tuple([str(n) for n in file_info.get("notes") or []] + notes),
        missing_cells=cells,
        codebook_file=spec_file.resolve() if spec_file is not None else None,
    )
    return Survey(data=data.reset_index(drop=True), codebook=replace(cb))


def read_excel_survey(
    path: Path,
    *,
    sheet: str | int | None = None,
    codebook: str | os.PathLike[str] | Codebook | None = None,
    columns: list[str] | None = None,
) -> Survey:
    """An ``.xlsx`` data file: the first sheet (or ``sheet``), header in the first row.

    Numbers stay numbers, dates become ``datetime64[us]``, anything else is text; a codebook
    (file or ``<stem>.codebook.yaml`` beside the data) adds labels and missing codes as for CSV.
    """
    sheets = read_sheets(path)
    title = pick_sheet(path, sheets, sheet)
    raw = rows_to_frame(path, sheets[title], as_text=False)
    notes = [] if sheet is None and len(sheets) == 1 else [f"read sheet {title!r}"]
    return finish_table(
        path, raw, "xlsx", codebook=codebook, columns=columns, encoding=None, notes=notes
    )
