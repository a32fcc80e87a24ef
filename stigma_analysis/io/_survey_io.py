"""``read_survey`` and ``write_survey``: dispatch by extension, codebook merging, errors."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from stigma_analysis.errors import SurveyReadError, SurveyWriteError
from stigma_analysis.io._atomic import atomic_write, atomic_write_many
from stigma_analysis.io._codebook_file import apply_declared, codebook_to_yaml, read_codebook_file
from stigma_analysis.io._files import file_kind
from stigma_analysis.io._missing import missing_columns, split_missing, with_columns
from stigma_analysis.io._spss import NOTE_PREFIX, finish_dates, read_spss, write_spss
from stigma_analysis.io._tabular import (
    parse_csv_dates,
    read_csv_raw,
    read_parquet_raw,
    write_csv,
    write_parquet,
)
from stigma_analysis.io.codebook import (
    Codebook,
    MissingCells,
    Survey,
    default_variable,
)

__all__ = ["read_survey", "write_survey"]

READ_FORMATS = {
    ".sav": "sav",
    ".zsav": "zsav",
    ".por": "por",
    ".csv": "csv",
    ".parquet": "parquet",
}
WRITE_FORMATS = {".sav": "sav", ".zsav": "zsav", ".csv": "csv", ".parquet": "parquet"}
_CODEBOOK_SUFFIXES = (".codebook.yaml", ".codebook.yml", ".codebook.csv")


def read_survey(
    path: str | os.PathLike[str],
    *,
    codebook: str | os.PathLike[str] | Codebook | None = None,
    encoding: str | None = None,
    columns: Sequence[str] | None = None,
    form: str | os.PathLike[str] | None = None,
    sheet: str | int | None = None,
    sep: str | None = None,
    language: str | None = None,
) -> Survey:
    """Read a survey file into data and codebook, keeping every label and missing code.

    Parameters
    ----------
    path : path-like
        ``.sav``, ``.zsav``, ``.por`` (SPSS), ``.csv``, ``.xlsx`` or ``.parquet``; the extension decides.
    codebook : path-like or Codebook, optional
        A codebook file (YAML or CSV, see :mod:`stigma_analysis.io`) or a :class:`Codebook`
        whose declarations override / complete the file's own. For a CSV file without one,
        ``<stem>.codebook.yaml`` (``.yml``, ``.csv``) beside it is used when present.
    encoding : str, optional
        Character encoding of the file when its own declaration is missing or wrong (SPSS:
        an iconv name such as ``"WINDOWS-1252"``; CSV: a Python codec such as ``"cp1252"``).
        By default SPSS files use their declared encoding and CSV files UTF-8, else the
        encoding detected by charset-normalizer (noted in ``codebook.notes``).
    columns : sequence of str, optional
        Read only these columns.
    form, sheet, sep, language : optional
        A KoboToolbox/ODK export read with its XLSForm ``form`` in ``language``; the sheet of
        an ``.xlsx`` file; the separator of a text file (default ``,``; detected with a form).
        See :func:`stigma_analysis.io.read_kobo`.

    Returns
    -------
    Survey
        ``data`` (RangeIndex; user-missing values are NaN; SPSS dates as ``datetime64[us]``,
        times as ``timedelta64[us]``) and ``codebook``.

    Raises
    ------
    SurveyReadError
        Unknown extension, missing/empty/truncated/corrupt/encrypted file, undecodable text,
        an unknown encoding name, a named pipe or device; a CSV with a column name given
        twice, more than 10,000 columns or a line over 16 MiB; an SPSS file whose header
        announces more rows than it can hold or whose dictionary crashes the C reader. The
        message names the file and says what is wrong in plain words.
    SpecError
        The codebook file is invalid (names the file and the key).

    Notes
    -----
    SPSS files are read by pyreadstat with ``user_missing=True`` and datetime conversion
    disabled; user-missing cells are then set to NaN here and recorded sparsely (row positions
    and codes) in ``codebook.missing_cells``.

    Checked against: the owning test suites of the 54 SPSS files in the SPSS corpus the CI runs (tests/io/test_spss_corpus.py)
    (haven, pyreadstat, R foreign, PSPP, ReadStat.jl, readspss, savReaderWriter, spss_sav).
    """
    p = Path(path)
    if columns is not None:
        if isinstance(columns, str):
            raise TypeError(
                f"columns must be a list of column names, not a string; got {columns!r}"
            )
        columns = [str(c) for c in columns]
    if form is not None or sheet is not None or sep is not None or p.suffix.lower() == ".xlsx":
        from stigma_analysis.io._kobo import read_field_survey

        return read_field_survey(
            p,
            form=form,
            sheet=sheet,
            sep=sep,
            language=language,
            codebook=codebook,
            encoding=encoding,
            columns=columns,
        )
    fmt = READ_FORMATS.get(p.suffix.lower())
    if fmt is None:
        allowed = ", ".join(READ_FORMATS)
        raise SurveyReadError(
            p,
            p.suffix.lstrip(".") or "unknown",
            f"unknown file type {p.suffix or '(no extension)'!r}; expected one of {allowed}",
        )
    if not p.exists():
        raise SurveyReadError(p, fmt, "the file does not exist")
    if p.is_dir():
        raise SurveyReadError(p, fmt, "this is a folder, not a file")
    mode = p.stat().st_mode
    if not stat.S_ISREG(mode):  # a named pipe would block, /dev/zero never end
        raise SurveyReadError(p, fmt, f"this is {file_kind(mode)}, not a regular file")
    if p.stat().st_size == 0:
        raise SurveyReadError(p, fmt, "the file is empty (0 bytes)")

    # the codebook file (or object) whose declarations complete the file's own
    spec: dict[str, dict[str, Any]] = {}
    spec_file: Path | None = None
    file_info: dict[str, Any] = {}
    notes: list[str] = []
    if codebook is None and fmt == "csv":
        for suffix in _CODEBOOK_SUFFIXES:
            candidate = p.with_name(p.name[: -len(p.suffix)] + suffix)
            if candidate.is_file():
                codebook = candidate
                notes.append(f"{NOTE_PREFIX}codebook read from {candidate.name}")
                break
    if isinstance(codebook, Codebook):
        spec = {k: v.fields() for k, v in codebook.variables.items()}
        file_info = {"file_label": codebook.file_label, "notes": []}
    elif codebook is not None:
        spec_file = Path(codebook)
        spec, file_info = read_codebook_file(spec_file)

    cells: dict[str, MissingCells] = {}
    file_label: str | None = None
    file_notes: list[str] = []
    if fmt in {"sav", "zsav", "por"}:
        raw, variables, info = read_spss(p, fmt, encoding=encoding, columns=columns)
        used_encoding = info["encoding"]
        file_label = info["file_label"]
        file_notes = list(info["notes"])
    elif fmt == "csv":
        raw, used_encoding, csv_notes = read_csv_raw(
            p, encoding=encoding, columns=columns, spec=spec
        )
        notes.extend(csv_notes)
        variables = {name: default_variable(name, raw[name]) for name in raw.columns}
    else:
        raw, stored, cells, info = read_parquet_raw(p, columns=columns)
        used_encoding = None
        variables = stored or {}
        variables = {
            name: variables.get(name) or default_variable(name, raw[name]) for name in raw.columns
        }
        file_label = info["file_label"]
        file_notes = [n for n in info["notes"] if not n.startswith(NOTE_PREFIX)]

    if spec:
        absent = [name for name in spec if name not in variables]
        if absent and columns is None:
            shown = ", ".join(absent[:10]) + (" ..." if len(absent) > 10 else "")
            notes.append(f"{NOTE_PREFIX}the codebook lists variables absent from the data: {shown}")
        variables = apply_declared(variables, spec, spec_file)
        if file_info.get("file_label"):
            file_label = str(file_info["file_label"])
        file_notes.extend(str(n) for n in file_info.get("notes") or [])

    if fmt == "csv":
        raw, date_notes = parse_csv_dates(p, raw, variables)
        notes.extend(date_notes)
    if fmt in {"sav", "zsav", "por"}:
        new_columns, cells = missing_columns(raw, variables, cells)
        notes.extend(finish_dates(raw, variables, cells, new_columns))
        data = with_columns(raw, new_columns)
    else:
        data, cells = split_missing(raw, variables, cells)
    if not isinstance(data.index, pd.RangeIndex) or data.index.start != 0:
        data = data.reset_index(drop=True)

    cb = Codebook(
        variables={name: variables[name] for name in data.columns},
        source=p.resolve(),
        format=fmt,
        encoding=used_encoding,
        # a CSV file that is not UTF-8, read without encoding=: charset-normalizer's guess
        encoding_guessed=fmt == "csv" and encoding is None and used_encoding != "utf-8",
        n_rows=len(data),
        file_label=file_label,
        notes=tuple(file_notes + notes),
        missing_cells=cells,
        codebook_file=spec_file.resolve() if spec_file is not None else None,
    )
    return Survey(data=data, codebook=cb)


def _frame_codebook(data: pd.DataFrame, codebook: Codebook | None) -> Codebook:
    """A codebook that covers every column of ``data``."""
    if codebook is None:
        codebook = Codebook(variables={}, n_rows=len(data))
    variables = {
        str(name): codebook.variables.get(str(name)) or default_variable(str(name), data[name])
        for name in data.columns
    }
    for name, rec in codebook.missing_cells.items():
        if name in variables and len(rec) and rec.rows.max() >= len(data):
            raise ValueError(
                f"codebook records missing cells of {name!r} beyond the {len(data)} rows of the data"
            )
    cells = {k: v for k, v in codebook.missing_cells.items() if k in variables}
    return replace(codebook, variables=variables, missing_cells=cells, n_rows=len(data))


def write_survey(
    survey_or_frame: Survey | pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    codebook: Codebook | None = None,
    protect: Iterable[str | os.PathLike[str]] = (),
) -> Path:
    """Write a survey (data + codebook) atomically; the extension decides the format.

    Parameters
    ----------
    survey_or_frame : Survey or DataFrame
        What to write. A bare DataFrame gets a default codebook (no labels) unless
        ``codebook`` is given.
    path : path-like
        ``.sav`` / ``.zsav`` (SPSS, with variable labels, value labels, user-missing codes and
        ranges, measure levels, formats, file label and notes; the NaN cells that were
        user-missing get their original codes back, so the file round-trips exactly),
        ``.csv`` (UTF-8, codes restored likewise, plus ``<stem>.codebook.yaml`` beside it) or
        ``.parquet`` (the codebook, with the per-cell record, in the schema metadata).
    codebook : Codebook, optional
        Overrides the survey's codebook.
    protect : iterable of path-like
        Paths that must not be overwritten (inputs). The survey's own source file is always
        protected.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    SurveyWriteError
        Unknown extension, protected path, missing folder, missing declarations SPSS cannot
        express, or any failure while writing (an existing file is then left untouched).

    Notes
    -----
    SPSS limits: at most three discrete missing codes or one range plus one code per variable
    (more codes are folded into a range when no valid value lies inside it; otherwise
    SurveyWriteError); string missing values of at most 8 bytes; variable labels of at most
    256 and value labels of at most 120 UTF-8 bytes (longer ones are cut at a character
    boundary and the file's documents list them); trailing blanks of strings are not kept.
    Sub-microsecond parts of date/time values are not kept.
    """
    p = Path(path)
    fmt = WRITE_FORMATS.get(p.suffix.lower())
    if fmt is None:
        allowed = ", ".join(WRITE_FORMATS)
        raise SurveyWriteError(
            p, f"unknown output type {p.suffix or '(no extension)'!r}; use {allowed}"
        )
    cb: Codebook | None
    if isinstance(survey_or_frame, Survey):
        data = survey_or_frame.data
        cb = codebook if codebook is not None else survey_or_frame.codebook
    elif isinstance(survey_or_frame, pd.DataFrame):
        data = survey_or_frame
        cb = codebook
    else:
        raise TypeError(
            f"survey_or_frame must be a Survey or a pandas DataFrame; got {type(survey_or_frame).__name__}"
        )
    if data.columns.has_duplicates:
        raise SurveyWriteError(p, "the data has duplicated column names")
    data = data.reset_index(drop=True)
    if not all(isinstance(c, str) for c in data.columns):
        data = data.set_axis([str(c) for c in data.columns], axis=1)
    full = _frame_codebook(data, cb)
    guarded = [Path(x) for x in protect]
    for book in (survey_or_frame.codebook if isinstance(survey_or_frame, Survey) else None, full):
        if book is not None:
            guarded.extend(p for p in (book.source, book.codebook_file) if p is not None)

    if fmt in {"sav", "zsav"}:
        compress = fmt == "zsav"
        return atomic_write(
            p, lambda tmp: write_spss(data, full, tmp, compress=compress), protect=guarded
        )
    if fmt == "parquet":
        return atomic_write(p, lambda tmp: write_parquet(data, full, tmp), protect=guarded)
    yaml_path = p.with_name(p.name[: -len(p.suffix)] + ".codebook.yaml")
    yaml_text = codebook_to_yaml(full)
    atomic_write_many(
        [
            (p, lambda tmp: write_csv(data, full, tmp)),
            (yaml_path, lambda tmp: _write_text(tmp, yaml_text)),
        ],
        protect=guarded,
    )
    return p


def _write_text(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
