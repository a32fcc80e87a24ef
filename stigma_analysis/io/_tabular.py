"""CSV and Parquet readers and writers."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from stigma_analysis.errors import SurveyReadError
from stigma_analysis.io._spss import NOTE_PREFIX, date_kind
from stigma_analysis.io.codebook import Codebook, MissingCells, Variable

__all__ = ["decode_text", "read_csv_raw", "read_parquet_raw", "write_csv", "write_parquet"]

CODEBOOK_KEY = b"stigma_analysis.codebook"
# Limits that keep a pathological CSV (one line of gigabytes, a million columns) from taking
# minutes and gigabytes before failing; far above any survey export.
MAX_CSV_LINE_BYTES = 16 * 2**20
MAX_CSV_COLUMNS = 10_000


def _check_csv_shape(path: Path) -> bytes:
    """The file's bytes, after checking line lengths (the first line before reading it all)."""
    limit = MAX_CSV_LINE_BYTES
    with path.open("rb") as fh:
        head = fh.read(limit + 1)
        if len(head) > limit and b"\n" not in head and b"\r" not in head:
            raise SurveyReadError(
                path,
                "csv",
                f"its first line is longer than {limit:,} bytes: not a CSV table of survey "
                "answers (is the file one long line, or damaged?)",
            )
        raw = head + fh.read()
    if len(raw) > limit:
        ends = np.flatnonzero(np.frombuffer(raw, dtype=np.uint8) == ord("\n"))
        bounds = np.concatenate([[-1], ends, [len(raw)]])
        longest = int(np.diff(bounds).max()) - 1
        if longest > limit:
            row = int(np.argmax(np.diff(bounds)))
            raise SurveyReadError(
                path,
                "csv",
                f"line {row + 1} is {longest:,} bytes long, more than the {limit:,} accepted",
            )
    return raw


def detect_separator(text: str) -> str:
    """The separator of a delimited text table: ``,``, ``;`` or tab, the one that splits the
    header line into the most fields outside quotes (``,`` when none splits it).

    A semicolon-separated export (Excel in many European and Asian locales, KoboToolbox's
    default) read as commas would be one column with every answer in it.
    """
    first = text[: MAX_CSV_LINE_BYTES + 1].split("\n", 1)[0]
    best, best_n = ",", 1
    for sep in (",", ";", "\t"):
        try:
            n = len(next(csv.reader(io.StringIO(first), delimiter=sep)))
        except (csv.Error, StopIteration):
            continue
        if n > best_n:
            best, best_n = sep, n
    return best


def _check_header(path: Path, text: str, sep: str = ",") -> None:
    """Refuse more than MAX_CSV_COLUMNS columns, and a column name given twice."""
    first = text[: MAX_CSV_LINE_BYTES + 1].split("\n", 1)[0]
    if first.count(sep) >= MAX_CSV_COLUMNS:  # cheap bound first: quoted separators count too
        try:
            names = next(csv.reader(io.StringIO(text), delimiter=sep))
        except (csv.Error, StopIteration):
            return  # pandas reports a malformed header in its own words
        if len(names) > MAX_CSV_COLUMNS:
            raise SurveyReadError(
                path,
                "csv",
                f"its header has {len(names):,} columns, more than the {MAX_CSV_COLUMNS:,} "
                "accepted (is the separator right, or is this not a survey table?)",
            )
    try:
        names = next(csv.reader(io.StringIO(text), delimiter=sep))
    except (csv.Error, StopIteration):
        return
    seen: dict[str, int] = {}
    for i, name in enumerate(names, start=1):
        if name.strip() == "":
            continue  # pandas names empty headers "Unnamed: N"
        if name in seen:
            raise SurveyReadError(
                path,
                "csv",
                f"the column name {_quoted(name)} appears twice (columns {seen[name]} and {i}); "
                "rename one, so that its answers are not mixed up with the other's",
            )
        seen[name] = i


def _quoted(value: str, limit: int = 300) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 4] + "...'"


def decode_text(path: Path, raw: bytes, encoding: str | None) -> tuple[str, str, list[str]]:
    """Decode a text file: the named encoding, else UTF-8 (BOM allowed), else detected."""
    notes: list[str] = []
    if encoding is not None:
        try:
            text = raw.decode(encoding)
        except LookupError:  # often from a study file's data[i].encoding: the user's to fix
            raise SurveyReadError(
                path,
                "csv",
                f"{_quoted(encoding)} is not a text encoding name; use one Python knows "
                "(e.g. 'utf-8', 'cp1252', 'tis-620')",
            ) from None
        except UnicodeDecodeError as exc:
            raise SurveyReadError(
                path,
                "csv",
                f"the text is not valid {encoding} (byte {exc.start}); name the right encoding",
            ) from None
        used = encoding
    else:
        try:
            text = raw.decode("utf-8-sig")
            used = "utf-8"
        except UnicodeDecodeError:
            from charset_normalizer import from_bytes

            best = from_bytes(raw).best()
            if best is None or best.encoding is None:
                raise SurveyReadError(
                    path,
                    "csv",
                    "the text encoding could not be recognised (not UTF-8, and no other "
                    "encoding fits); is this a text file? If it is, name the encoding with "
                    "encoding=...",
                ) from None
            used = best.encoding
            text = raw.decode(used)
            notes.append(
                f"{NOTE_PREFIX}the file is not UTF-8; its encoding was detected as {used} "
                "(name it with encoding=... if the text looks wrong)"
            )
    if "\x00" in text:
        raise SurveyReadError(
            path, "csv", "the file contains NUL bytes: it looks like a binary file, not CSV text"
        )
    return text, used, notes


def read_csv_raw(
    path: Path,
    *,
    encoding: str | None,
    columns: list[str] | None,
    spec: dict[str, dict[str, Any]],
) -> tuple[pd.DataFrame, str, list[str]]:
    """Read the CSV cells (codes still present); ``spec`` (raw codebook fields) picks dtypes."""
    raw = _check_csv_shape(path)
    if not raw.strip():
        raise SurveyReadError(path, "csv", "the file is empty")
    if raw.startswith((b"$FL2", b"$FL3", b"PAR1")):
        kind = "a Parquet" if raw.startswith(b"PAR1") else "an SPSS .sav"
        raise SurveyReadError(
            path, "csv", f"this is {kind} file, not CSV text; give it the right extension"
        )
    text, used, notes = decode_text(path, raw, encoding)
    sep = detect_separator(text)
    if sep != ",":
        shown = "tab" if sep == "\t" else repr(sep)
        notes = [*notes, f"read with {shown} as the separator (detected from the header line)"]
    _check_header(path, text, sep)
    dtypes = {name: "str" for name, f in spec.items() if f.get("type") == "string"}
    options: dict[str, Any] = {}
    if int(pd.__version__.split(".")[0]) < 3:
        # pandas 3 parses floats exactly by default (and deprecates the option)
        options["float_precision"] = "round_trip"
    try:
        data = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            dtype=dtypes or None,
            keep_default_na=False,
            na_values=[""],
            usecols=columns,
            **options,
        )
    except ValueError as exc:  # includes pandas' ParserError and EmptyDataError
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if columns is not None and "Usecols" in first:
            raise SurveyReadError(
                path, "csv", f"some requested columns are not in the file ({first})"
            ) from None
        raise SurveyReadError(path, "csv", f"the file is not a valid CSV table ({first})") from None
    if columns is not None:
        data = data[list(columns)]
    data.columns = [str(c) for c in data.columns]
    data = data.reset_index(drop=True)
    return data, used, notes


def parse_csv_dates(
    path: Path, data: pd.DataFrame, variables: dict[str, Variable]
) -> tuple[pd.DataFrame, list[str]]:
    """Columns whose codebook format is an SPSS date/time format are parsed from ISO text."""
    notes = []
    new: dict[str, Any] = {}
    for name, var in variables.items():
        kind = date_kind(var.format)
        if kind is None or name not in data.columns or data[name].dtype.kind in "mM":
            continue
        col = data[name]
        try:
            if kind == "time":
                new[name] = pd.to_timedelta(col).astype("timedelta64[us]")
            else:
                new[name] = pd.to_datetime(col, format="ISO8601").astype("datetime64[us]")
        except (ValueError, TypeError):
            notes.append(
                f"{NOTE_PREFIX}{name}: format {var.format} but the values are not ISO dates/times; "
                "kept as text"
            )
    if new:
        data = data.copy(deep=False)
        for name, values in new.items():
            data[name] = values
    del path
    return data, notes


def restore_codes(data: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """Put the original user-missing codes back into their cells (for CSV output)."""
    out = data.copy(deep=False)
    for name, cells in codebook.missing_cells.items():
        if name not in out.columns or not len(cells):
            continue
        col = out[name]
        if col.dtype.kind in "mM":
            continue  # a raw SPSS number cannot go into a date column of a text file
        if col.dtype.kind in "fiub" and cells.codes.dtype.kind == "f":
            arr = col.to_numpy(dtype=np.float64, na_value=np.nan).copy()
            arr[cells.rows] = cells.codes
            out[name] = arr
        else:
            obj = col.astype(object).to_numpy(copy=True)
            obj[cells.rows] = cells.codes
            out[name] = pd.Series(
                obj, index=out.index, dtype=col.dtype if col.dtype != object else object
            )
    return out


def write_csv(data: pd.DataFrame, codebook: Codebook, path: Path) -> None:
    frame = restore_codes(data, codebook)
    frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")


def write_parquet(data: pd.DataFrame, codebook: Codebook, path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from stigma_analysis.io._codebook_file import codebook_to_json

    frame = data.reset_index(drop=True)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta[CODEBOOK_KEY] = codebook_to_json(codebook).encode("utf-8")
    table = table.replace_schema_metadata(meta)
    pq.write_table(table, str(path))


def read_parquet_raw(
    path: Path, *, columns: list[str] | None
) -> tuple[pd.DataFrame, dict[str, Variable] | None, dict[str, MissingCells], dict[str, Any]]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from stigma_analysis.errors import SpecError
    from stigma_analysis.io._codebook_file import codebook_from_json

    try:
        table = pq.read_table(str(path), columns=columns)
    except (pa.ArrowException, OSError) as exc:
        text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if columns is not None and "No match for" in text:
            cause = f"some requested columns are not in the file ({text})"
        else:
            cause = f"not a valid Parquet file, or it is damaged or truncated ({text})"
        raise SurveyReadError(path, "parquet", cause) from None
    meta = table.schema.metadata or {}
    data = table.to_pandas().reset_index(drop=True)
    data.columns = [str(c) for c in data.columns]
    if CODEBOOK_KEY not in meta:
        return data, None, {}, {"file_label": None, "notes": []}
    try:
        variables, cells, info = codebook_from_json(meta[CODEBOOK_KEY].decode("utf-8"), path)
    except (SpecError, UnicodeDecodeError) as exc:
        raise SurveyReadError(path, "parquet", f"its stored codebook is damaged ({exc})") from None
    keep = set(data.columns)
    variables = {k: v for k, v in variables.items() if k in keep}
    cells = {k: v for k, v in cells.items() if k in keep}
    return data, variables, cells, info
