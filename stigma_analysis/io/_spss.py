"""SPSS ``.sav`` / ``.zsav`` / ``.por`` through pyreadstat, with the missing bookkeeping done here.

Dates are read with pyreadstat's datetime conversion disabled and converted here, vectorised:
SPSS stores seconds since 1582-10-14 00:00:00; values outside years 1..9999 (which make
pyreadstat raise ``OverflowError``) become NaT and are recorded in the codebook.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from stigma_analysis.errors import SurveyReadError, SurveyWriteError
from stigma_analysis.io.codebook import MEASURES, Codebook, MissingCells, Variable, default_variable

__all__ = ["read_spss", "write_spss"]

# seconds from the SPSS origin (1582-10-14) to the Unix epoch (1970-01-01)
SPSS_TO_UNIX = 12_219_379_200
_UNIX_MIN = -62_135_596_800  # 0001-01-01T00:00:00
_UNIX_MAX = 253_402_300_799  # 9999-12-31T23:59:59
_TIME_MAX = 3.0e11  # about 9500 years in seconds: beyond that a duration is certainly junk
_DATE_FORMATS = frozenset({"DATE", "ADATE", "EDATE", "JDATE", "SDATE", "QYR", "MOYR", "WKYR"})
_DATETIME_FORMATS = frozenset({"DATETIME", "YMDHMS"})
_TIME_FORMATS = frozenset({"TIME", "DTIME", "MTIME"})
_FORMAT_NAME = re.compile(r"^([A-Z]+)")
NOTE_PREFIX = "stigma-analysis: "


def date_kind(fmt: str | None) -> str | None:
    """``"date"``, ``"datetime"``, ``"time"`` or None for an SPSS print format like ``ADATE10``."""
    if not fmt:
        return None
    m = _FORMAT_NAME.match(fmt.upper())
    if m is None:
        return None
    name = m.group(1)
    if name in _DATE_FORMATS:
        return "date"
    if name in _DATETIME_FORMATS:
        return "datetime"
    if name in _TIME_FORMATS:
        return "time"
    return None


def seconds_to_datetime(x: np.ndarray, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """SPSS seconds → ``datetime64[us]`` (or ``timedelta64[us]`` for times).

    Returns the converted array and a boolean mask of finite values out of range (set NaT).
    """
    x = np.asarray(x, dtype=np.float64)
    finite = np.isfinite(x)
    safe = np.where(finite, x, 0.0)
    if kind == "date":
        whole = np.floor(safe / 86400.0) * 86400.0
        frac = np.zeros_like(whole)
    else:
        whole = np.floor(safe)
        frac = np.round((safe - whole) * 1e6)
        carry = frac >= 1e6
        whole = whole + carry
        frac = np.where(carry, 0.0, frac)
    if kind == "time":
        valid = finite & (np.abs(whole) <= _TIME_MAX)
        base = whole
    else:
        base = whole - SPSS_TO_UNIX
        valid = finite & (base >= _UNIX_MIN) & (base <= _UNIX_MAX)
    out = np.full(len(x), np.iinfo(np.int64).min, dtype=np.int64)
    out[valid] = base[valid].astype(np.int64) * 1_000_000 + frac[valid].astype(np.int64)
    dtype = "timedelta64[us]" if kind == "time" else "datetime64[us]"
    return out.view(dtype), finite & ~valid


def datetime_to_seconds(values: pd.Series) -> np.ndarray:
    """``datetime64`` / ``timedelta64`` column → SPSS seconds (NaN for NaT), exact to 1 µs."""
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        values = values.dt.tz_convert("UTC").dt.tz_localize(None)
    kind = values.dtype.kind
    target = np.dtype("datetime64[us]") if kind == "M" else np.dtype("timedelta64[us]")
    us = values.to_numpy().astype(target).view(np.int64)
    nat = us == np.iinfo(np.int64).min
    whole = np.floor_divide(us, 1_000_000)
    frac = us - whole * 1_000_000
    secs = whole.astype(np.float64) + frac.astype(np.float64) / 1e6
    if kind == "M":
        secs = secs + SPSS_TO_UNIX
    return np.where(nat, np.nan, secs)


# --- reading ------------------------------------------------------------------------------


def _read_error(
    path: Path, fmt: str, exc: BaseException, encoding: str | None = None
) -> SurveyReadError:
    text = str(exc)
    if encoding is not None and fmt != "por" and not isinstance(exc, OverflowError):
        import pyreadstat

        try:  # does the file read with its own declared encoding?
            pyreadstat.read_sav(str(path), metadataonly=True)
        except Exception:  # any failure here means the file itself is the problem
            pass
        else:
            return SurveyReadError(
                path,
                fmt,
                f"its text cannot be decoded with the encoding you named ({encoding!r}): the "
                "name is unknown or the file is in another encoding; try without encoding=",
            )
    try:
        with path.open("rb") as fh:
            head = fh.read(64)
    except OSError:
        head = b""
    if b"ENCRYPTED" in head[:32]:
        cause = (
            "the file is encrypted with a password; save an unencrypted copy in SPSS "
            "(File > Save As, without 'Encrypt file with password') and read that"
        )
    elif fmt in {"sav", "zsav"} and not head.startswith((b"$FL2", b"$FL3")):
        cause = "this is not an SPSS data file (it does not start with the SPSS signature)"
    elif "Unable to read from file" in text or "truncated" in text.lower():
        cause = "the file ends unexpectedly (it is truncated or incomplete)"
    elif "expected number of rows" in text:
        cause = (
            "the file ends unexpectedly: it holds fewer rows than its header announces "
            "(it is truncated or incomplete)"
        )
    elif "Invalid file" in text or "unsupported" in text:
        cause = "the file is damaged, truncated, or uses features the SPSS reader does not support"
    elif "encoding" in text.lower() or "convert" in text.lower():
        cause = (
            "its text cannot be decoded in the file's declared encoding; name the right one, "
            "e.g. read_survey(path, encoding='WINDOWS-1252')"
        )
    else:
        cause = f"the SPSS reader failed ({text.splitlines()[0] if text else type(exc).__name__})"
    return SurveyReadError(path, fmt, cause)


def read_spss(
    path: Path, fmt: str, *, encoding: str | None, columns: list[str] | None
) -> tuple[pd.DataFrame, dict[str, Variable], dict[str, Any]]:
    """Read a SPSS file. Returns raw data (codes present, dates converted), variables, info.

    ``info`` has keys ``encoding``, ``file_label``, ``notes``, ``bad_dates`` (column → cells).
    """
    import pyreadstat

    from stigma_analysis.io._spss_guard import check_declared_size, probe_in_child

    if fmt in {"sav", "zsav"}:
        check_declared_size(path, fmt)
    probe_in_child(path, fmt, encoding)
    kwargs: dict[str, Any] = {"disable_datetime_conversion": True}
    if columns is not None:
        kwargs["usecols"] = columns
    try:
        if fmt == "por":
            reader_notes: list[str] = []
            if encoding is not None:
                reader_notes.append(
                    NOTE_PREFIX + "portable files have no encoding option; 'encoding' was ignored"
                )
            if columns is not None:
                _, meta0 = pyreadstat.read_por(str(path), metadataonly=True)
                _check_columns(path, fmt, columns, meta0.column_names)
            df, meta = pyreadstat.read_por(str(path), **kwargs)
            reader_notes.append(
                NOTE_PREFIX + "portable (.por) file: declared missing values are read as empty; "
                "which code each cell held is not available"
            )
        else:
            reader_notes = []
            if columns is not None:
                _, meta0 = pyreadstat.read_sav(str(path), metadataonly=True, encoding=encoding)
                _check_columns(path, fmt, columns, meta0.column_names)
            df, meta = pyreadstat.read_sav(
                str(path), user_missing=True, encoding=encoding, **kwargs
            )
    except SurveyReadError:
        raise
    except (Exception, OverflowError) as exc:
        raise _read_error(path, fmt, exc, encoding) from exc

    variables: dict[str, Variable] = {}
    labels = meta.column_names_to_labels
    rtypes = meta.readstat_variable_types
    for name in df.columns:
        is_str = rtypes.get(name) == "string"
        codes: list[Any] = []
        ranges: list[tuple[float, float]] = []
        for spec in meta.missing_ranges.get(name, []):
            lo, hi = spec["lo"], spec["hi"]
            if is_str or lo == hi:
                codes.append(lo if is_str else float(lo))
            else:
                ranges.append((float(lo), float(hi)))
        measure = meta.variable_measure.get(name, "unknown")
        label = labels.get(name)
        variables[name] = Variable(
            name=name,
            label=label if label else None,
            value_labels=dict(meta.variable_value_labels.get(name, {})),
            missing_codes=tuple(codes),
            missing_ranges=tuple(ranges),
            measure=measure if measure in MEASURES else "unknown",
            format=meta.original_variable_types.get(name) or "",
            type="string" if is_str else "numeric",
            display_width=meta.variable_display_width.get(name),
        )

    # Dates: user-missing codes are applied on the raw seconds by the caller's split; here the
    # conversion happens after that split, so it is done in finish_dates().
    info = {
        "encoding": encoding if encoding is not None else meta.file_encoding,
        "file_label": meta.file_label or None,
        "notes": [*(meta.notes or []), *reader_notes],
    }
    return df, variables, info


def _check_columns(path: Path, fmt: str, columns: list[str], available: list[str]) -> None:
    absent = [c for c in columns if c not in available]
    if absent:
        raise SurveyReadError(path, fmt, f"columns not in the file: {', '.join(map(str, absent))}")


def finish_dates(
    data: pd.DataFrame,
    variables: dict[str, Variable],
    cells: dict[str, MissingCells],
    new_columns: dict[str, Any],
) -> list[str]:
    """Convert date/time columns (raw SPSS seconds) to datetime64/timedelta64.

    The converted arrays are put in ``new_columns`` (which may already hold a column with its
    user-missing cells removed). Out-of-range values become NaT; their raw value is recorded in
    ``cells`` (so writing the survey back restores them) and described in the returned notes.
    """
    notes: list[str] = []
    for name, var in variables.items():
        kind = date_kind(var.format)
        if kind is None or var.type != "numeric" or name not in data.columns:
            continue
        current = new_columns.get(name, data[name])
        raw = np.asarray(current, dtype=np.float64)
        values, bad = seconds_to_datetime(raw, kind)
        new_columns[name] = values
        if bad.any():
            rows = np.flatnonzero(bad)
            old = cells.get(name)
            all_rows = rows if old is None else np.concatenate([old.rows, rows])
            all_codes = raw[rows] if old is None else np.concatenate([old.codes, raw[rows]])
            cells[name] = MissingCells(all_rows, all_codes.astype(np.float64))
            shown = ", ".join(str(int(r)) for r in rows[:10]) + (" ..." if len(rows) > 10 else "")
            notes.append(
                f"{NOTE_PREFIX}{name}: {len(rows)} value(s) outside the representable "
                f"{kind} range (years 1-9999) set to missing at row(s) {shown}; "
                "the raw values are kept in the codebook"
            )
    return notes


# --- writing ------------------------------------------------------------------------------


def _missing_spec(var: Variable, valid: np.ndarray) -> list[Any] | None:
    """pyreadstat ``missing_ranges`` entry for ``var``, within SPSS's limits.

    SPSS allows three discrete codes, or one range plus one discrete code. More codes are
    folded into a range when no valid value of the column lies inside it.
    """
    codes = list(var.missing_codes)
    ranges = list(var.missing_ranges)
    if not codes and not ranges:
        return None
    if var.type == "string":
        if ranges or len(codes) > 3:
            raise SurveyWriteError(
                "", f"variable {var.name!r}: SPSS allows at most 3 missing codes for a string"
            )
        too_long = [c for c in codes if len(str(c).encode("utf-8")) > 8]
        if too_long:
            raise SurveyWriteError(
                "",
                f"variable {var.name!r}: SPSS string missing values are at most 8 bytes long; "
                f"{too_long[0]!r} is longer",
            )
        return [str(c) for c in codes]
    fcodes = [float(c) for c in codes]
    if not ranges and len(fcodes) <= 3:
        return fcodes
    if len(ranges) == 1 and len(fcodes) <= 1:
        return [{"lo": ranges[0][0], "hi": ranges[0][1]}, *fcodes]
    intervals = [(float(lo), float(hi)) for lo, hi in ranges] + [(c, c) for c in fcodes]

    def hull(parts: list[tuple[float, float]]) -> tuple[float, float] | None:
        lo, hi = min(p[0] for p in parts), max(p[1] for p in parts)
        return None if np.any((valid >= lo) & (valid <= hi)) else (lo, hi)

    whole = hull(intervals)
    if whole is not None:
        return [{"lo": whole[0], "hi": whole[1]}]
    for i, code in enumerate(fcodes, start=len(ranges)):
        rest = hull(intervals[:i] + intervals[i + 1 :])
        if rest is not None:
            return [{"lo": rest[0], "hi": rest[1]}, code]
    raise SurveyWriteError(
        "",
        f"variable {var.name!r}: its missing codes {codes} and ranges {ranges} cannot be "
        "declared in SPSS (at most 3 codes, or one range and one code) without covering "
        "valid answers; write .parquet or .csv instead, or declare fewer codes",
    )


def _note_lines(note: str, limit: int = 80) -> list[str]:
    """Split a note into SPSS document lines of at most ``limit`` UTF-8 bytes."""
    lines: list[str] = []
    for part in note.splitlines() or [""]:
        current = ""
        for ch in part:
            if len((current + ch).encode("utf-8")) > limit:
                lines.append(current)
                current = ""
            current += ch
        lines.append(current)
    return lines


VAR_LABEL_BYTES = 256
VALUE_LABEL_BYTES = 120


def _fit(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` UTF-8 bytes, at a character boundary."""
    raw = text.encode("utf-8")
    if len(raw) <= limit:
        return text
    return raw[:limit].decode("utf-8", errors="ignore")


def _pad_to_width(arr: np.ndarray, fmt: str) -> None:
    """Keep a string variable's declared width (``A20``) when the data are narrower.

    pyreadstat sizes a string variable by its longest value; SPSS pads strings with blanks and
    the reader strips trailing blanks, so padding one value to the width keeps the ``A`` format
    without changing any value as read back.
    """
    m = re.fullmatch(r"A(\d+)", fmt.upper()) if fmt else None
    if m is None or len(arr) == 0:
        return
    width = int(m.group(1))
    lengths = [len(str(v).encode("utf-8")) for v in arr]
    longest = int(np.argmax(lengths))
    if lengths[longest] < width:
        arr[longest] = str(arr[longest]) + " " * (width - lengths[longest])


def write_spss(data: pd.DataFrame, codebook: Codebook, path: Path, *, compress: bool) -> None:
    """Write ``data`` with ``codebook`` to ``path`` as .sav (or zlib-compressed .zsav).

    Column by column: the values as SPSS stores them (numbers, seconds for date-times, padded
    text, missing cells back to their codes), then the labels cut to the SPSS limits, the
    value labels, the user-missing declaration, measure, width and format.
    """
    import pyreadstat

    out: dict[str, Any] = {}
    labels: list[str | None] = []
    value_labels: dict[str, dict[Any, str]] = {}
    missing: dict[str, list[Any]] = {}
    measure: dict[str, str] = {}
    widths: dict[str, int] = {}
    formats: dict[str, str] = {}
    shortened: list[str] = []
    for name in data.columns:
        var = codebook.variables.get(name) or default_variable(name, data[name])
        arr, is_str, fmt = _spss_values(data[name], var, codebook.missing_cells.get(name))
        out[name] = arr
        label = var.label
        if label is not None and _fit(label, VAR_LABEL_BYTES) != label:
            label = _fit(label, VAR_LABEL_BYTES)
            shortened.append(f"{name} (variable label)")
        labels.append(label)
        if var.value_labels:
            value_labels[name] = _spss_value_labels(name, var, is_str, path, shortened)
        spec = _spss_missing(name, var, arr, is_str, path)
        if spec is not None:
            missing[name] = spec
        if var.measure in {"nominal", "ordinal", "scale"}:
            measure[name] = var.measure
        if var.display_width:
            widths[name] = int(var.display_width)
        if fmt and not is_str:
            formats[name] = fmt
    frame = pd.DataFrame(out, columns=list(data.columns))
    if shortened:
        # SPSS limits: variable labels 256 bytes, value labels 120 bytes. Cut at a character
        # boundary and say so in the file's documents rather than lose text silently.
        codebook = replace(
            codebook,
            notes=(
                *codebook.notes,
                "Labels shortened to the SPSS limits (256 / 120 bytes): " + ", ".join(shortened),
            ),
        )
    notes = [
        line for n in codebook.notes if not n.startswith(NOTE_PREFIX) for line in _note_lines(n)
    ]
    pyreadstat.write_sav(
        frame,
        str(path),
        file_label=codebook.file_label or "",
        column_labels=labels,
        compress=compress,
        note=notes or None,
        variable_value_labels=value_labels or None,
        missing_ranges=missing or None,
        variable_display_width=widths or None,
        variable_measure=measure or None,
        variable_format=formats or None,
    )


def _spss_values(col: pd.Series, var: Variable, cells: Any) -> tuple[np.ndarray, bool, str | None]:
    """(values as SPSS stores them, is it text, format): date-times as seconds, text padded to
    its format's width, and missing cells given their recorded codes back."""
    kind = col.dtype.kind
    fmt = var.format
    if kind in "mM" or isinstance(col.dtype, pd.DatetimeTZDtype):
        arr = datetime_to_seconds(col)
        if date_kind(fmt) is None:
            has_frac = bool(np.any(np.nan_to_num(arr) % 1))
            if kind == "m":
                fmt = "TIME11.2" if has_frac else "TIME8"
            else:
                fmt = "DATETIME23.2" if has_frac else "DATETIME20"
        is_str = False
    elif isinstance(col.dtype, pd.CategoricalDtype):
        col = col.astype(col.cat.categories.dtype)
        kind = col.dtype.kind
        is_str = kind not in "fiub"
        arr = col.to_numpy(dtype=np.float64) if not is_str else col.astype(object).to_numpy()
    elif kind in "fiub":
        arr = col.to_numpy(dtype=np.float64, na_value=np.nan)
        is_str = False
    else:
        is_str = True
        arr = col.astype(object).to_numpy(copy=True)
        nulls = pd.isna(arr)
        arr[nulls] = ""
        arr = np.array([str(v) for v in arr], dtype=object)
    if not is_str:
        arr = np.array(arr, dtype=np.float64, copy=True)
    if (
        cells is not None
        and len(cells)
        and is_str == (cells.codes.dtype == object)
        and cells.rows.max() < len(arr)
    ):
        arr[cells.rows] = cells.codes
    if is_str:
        _pad_to_width(arr, fmt)
    return arr, is_str, fmt


def _spss_value_labels(
    name: str, var: Variable, is_str: bool, path: Path, shortened: list[str]
) -> dict[Any, str]:
    """Value labels keyed as the column is typed, cut to the SPSS limit (noted in ``shortened``)."""
    vl: dict[Any, str] = {}
    for k, v in var.value_labels.items():
        if is_str:
            key: Any = str(k)
        else:
            try:
                key = float(k)
            except (TypeError, ValueError):
                raise SurveyWriteError(
                    path,
                    f"variable {name!r}: value label code {k!r} is not a number, "
                    "but the column is numeric",
                ) from None
        vl[key] = _fit(str(v), VALUE_LABEL_BYTES)
        if vl[key] != str(v):
            shortened.append(f"{name}={k} (value label)")
    return vl


def _spss_missing(
    name: str, var: Variable, arr: np.ndarray, is_str: bool, path: Path
) -> list[Any] | None:
    """The user-missing declaration of a column, or None."""
    # declarations of the other type (e.g. numeric codes on a text column) cannot apply
    spec_var = var if (var.type == "string") == is_str else Variable(name=name)
    if not (spec_var.missing_codes or spec_var.missing_ranges):
        return None
    valid = arr[~spec_var.missing_mask(arr)] if not is_str else np.array([])
    valid = valid[np.isfinite(valid)] if len(valid) else valid
    if var.value_labels and not is_str:
        keys = np.array([float(k) for k in var.value_labels], dtype=np.float64)
        valid = np.concatenate([valid, keys[~spec_var.missing_mask(keys)]])
    try:
        return _missing_spec(spec_var, valid)
    except SurveyWriteError as exc:
        raise SurveyWriteError(path, exc.cause) from None
