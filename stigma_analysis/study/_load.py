"""Loading a study: read the study file, bind its instruments, read every data file, combine.

:func:`load_study` runs in phases, each a function here: check the design against the
specification, bind the instruments to their columns, read each data file (cleaning rules,
wave values, missing codes, declared reversals), combine the waves and check the result
(columns the study names, score names, ids), then finish (group codes, pseudonyms, design
columns, the waves of each model).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from stigma_analysis.errors import DataValidationError, SpecError
from stigma_analysis.instruments import load_instrument
from stigma_analysis.study import _cleaning
from stigma_analysis.study._model import (
    BoundInstrument,
    Study,
    StudySpec,
    _arm_value,
    _is_numeric,
    _read_spec,
)
from stigma_analysis.study._problems import PROBLEM_COLUMNS
from stigma_analysis.study._problems import problem as _problem

if TYPE_CHECKING:
    from stigma_analysis.io import Codebook


def load_study(path: str | Path) -> Study:
    """Read a study file and its data files into a :class:`Study`.

    Parameters
    ----------
    path : str or Path
        The ``study.yaml`` (or its folder). Paths inside it are relative to its folder.

    Returns
    -------
    Study
        All waves in one long table (raw values; missing codes are NaN and remembered with
        their reason), the codebooks, the bound instruments and the problems found on reading.

    Raises
    ------
    SpecError
        The study file or an instrument file is invalid (naming the file and key path).
    SurveyReadError
        A data file cannot be read.
    """
    path = Path(path)
    if path.is_dir():
        path = path / "study.yaml"
    spec = _read_spec(path)
    folder = path.parent
    _check_design_spec(spec, path)
    bound = _bind_instruments(spec, path, folder)
    reading = _Reading()
    for i, entry in enumerate(spec.data):
        _read_entry(entry, spec, bound, path=path, folder=folder, into=reading, key=f"data[{i}]")
    data = _combine(reading, spec, bound, path)
    missing = (
        pd.concat(reading.missing_parts, ignore_index=True)
        if reading.missing_parts
        else _empty_missing()
    )
    data, missing = _cleaning.finish(data, missing, spec, study_path=path, log=reading.cleaning_log)
    data = _finish(data, spec, path, folder)
    study = Study(
        spec=spec,
        path=path.resolve(),
        data=data,
        codebooks=reading.codebooks,
        instruments=tuple(bound),
        missing=missing,
        raw_problems=pd.DataFrame(reading.problems, columns=PROBLEM_COLUMNS),
        cleaning=_cleaning.cleaning_table(reading.cleaning_log),
    )
    if spec.design.arm is not None:
        try:
            _arm_value(study, spec.design.reference_arm)
        except ValueError as exc:
            raise SpecError(path, "design.reference_arm", str(exc)) from None
    return study


@dataclass
class _Reading:
    """What reading the data files gathers, file by file."""

    frames: list[pd.DataFrame] = field(default_factory=list)
    codebooks: dict[int, Codebook] = field(default_factory=dict)
    missing_parts: list[pd.DataFrame] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)
    dropped_from: list[set[str]] = field(default_factory=list)
    id_kinds: dict[str, str] = field(default_factory=dict)
    cleaning_log: list[dict[str, Any]] = field(default_factory=list)


def _check_design_spec(spec: StudySpec, path: Path) -> None:
    """Design columns and groups that cannot be right whatever the data hold."""
    for part in ("arm", "site", "cluster", "weights", "language"):
        if getattr(spec.design, part) in (spec.id, spec.wave):
            raise SpecError(
                path, f"design.{part}", f"{getattr(spec.design, part)!r} is the id or wave column"
            )
    declared = [(i, d.language) for i, d in enumerate(spec.data) if d.language is not None]
    if declared and spec.design.language is None:
        i, lang = declared[0]
        raise SpecError(
            path,
            "design.language",
            f"data[{i}] says its rows answered in {lang}: name the column that holds the "
            "language version (e.g. `design: {language: language}`)",
        )
    for j, g in enumerate(spec.groups):
        if g == spec.id:
            raise SpecError(
                path,
                f"groups[{j}]",
                f"{g!r} is the id column; groups are design columns such as site or arm "
                "(a respondent is not a group)",
            )


def _bind_instruments(spec: StudySpec, path: Path, folder: Path) -> list[BoundInstrument]:
    """Each instrument use with its definition and item -> column mapping; missing codes that
    are valid answers of an instrument are refused."""
    bound: list[BoundInstrument] = []
    for i, use in enumerate(spec.instruments):
        try:
            ins = load_instrument(use.instrument, base=folder)
        except SpecError as exc:
            if exc.file is None:
                raise SpecError(path, f"instruments[{i}].instrument", exc.expected) from None
            raise
        try:
            ins = ins.with_norms(use.norms)
        except SpecError as exc:
            raise SpecError(path, f"instruments[{i}].{exc.key}", exc.expected) from None
        try:
            mapping = ins.columns(use.columns)
        except ValueError as exc:
            raise SpecError(path, f"instruments[{i}].columns", str(exc)) from None
        seen_cols: dict[str, str] = {}
        for item, col in mapping.items():
            if col in seen_cols:
                raise SpecError(
                    path,
                    f"instruments[{i}].columns",
                    f"column {col!r} is given for items {seen_cols[col]} and {item}; each item needs its own column",
                )
            seen_cols[col] = item
        is_file = use.instrument.endswith((".yaml", ".yml")) or "/" in use.instrument
        bound.append(
            BoundInstrument(
                use=use,
                instrument=ins,
                columns=mapping,
                file=(folder / use.instrument) if is_file else None,
            )
        )
    for j, code in enumerate(spec.missing_codes):
        for i, b in enumerate(bound):
            lo, hi = b.instrument.response.min, b.instrument.response.max
            if lo <= code <= hi:
                raise SpecError(
                    path,
                    f"missing_codes[{j}]",
                    f"{code:g} is a valid answer of {b.instrument.id} (instruments[{i}], {lo:g}-{hi:g}); "
                    "a missing code must lie outside every instrument's response range",
                )
    return bound


def _read_entry(
    entry: Any,
    spec: StudySpec,
    bound: list[BoundInstrument],
    *,
    path: Path,
    folder: Path,
    into: _Reading,
    key: str,
) -> None:
    """Read one data file: cleaning rules, wave values, declared language, missing codes,
    declared reversals."""
    file = folder / entry.path
    cb_path = folder / entry.codebook if entry.codebook else None
    override: Any = cb_path
    if cb_path is None and file.suffix.lower() == ".csv":
        from stigma_analysis.io import Codebook as _Codebook
        from stigma_analysis.io import Variable

        # ids are labels, not numbers: '007' must stay '007' to link across waves
        override = _Codebook(variables={spec.id: Variable(name=spec.id, type="string")})
    survey, form_problems = _cleaning.read_entry(
        file, entry, spec, override=override, study_path=path
    )
    into.problems += form_problems
    drop = set(spec.privacy.drop)
    into.dropped_from.append({c for c in survey.data.columns if c in drop})
    if spec.id in survey.data.columns:
        into.id_kinds[entry.path] = (
            "numbers" if pd.api.types.is_numeric_dtype(survey.data[spec.id]) else "text"
        )
    df = survey.data.drop(columns=[c for c in survey.data.columns if c in drop])
    fname = entry.path
    df, codebook = _cleaning.apply(
        df, survey.codebook, spec, bound=bound, fname=fname, study_path=path, log=into.cleaning_log
    )
    for b in bound:
        for item, col in b.columns.items():
            if col not in df.columns:
                into.problems.append(
                    _problem(
                        fname,
                        None,
                        col,
                        None,
                        f"column for {b.name} item {item} is not in this file",
                        kind="column",
                    )
                )
    if spec.id not in df.columns:
        raise SpecError(
            path, "id", f"{spec.id!r} is not a column of {fname} (columns: {_few(df.columns)})"
        )
    wave_values = _wave_values(df, entry, spec, fname=fname, path=path, problems=into.problems)
    df = df.assign(**{spec.wave: wave_values.to_numpy()})
    if entry.language is not None:
        df = _declared_language(df, codebook, entry.language, spec, path=path, key=key, fname=fname)
    df[spec.id] = _id_text(df[spec.id])
    order = list(df.columns)
    updates, codebook = _missing_codes_and_reversals(df, codebook, spec, bound)
    meta = pd.DataFrame({"_file": fname, "_row": np.arange(1, len(df) + 1)}, index=df.index)
    rest = df.drop(columns=list(updates))
    df = pd.concat([meta, rest, pd.DataFrame(updates, index=df.index)], axis=1)
    df = df[["_file", "_row", *order]]
    for wv in sorted({int(w) for w in df[spec.wave]}):
        # a wave's language versions share a wave: its codebook is that of its first file
        into.codebooks.setdefault(wv, codebook)
    into.missing_parts.append(_missing_table(codebook, df, spec.wave, fname))
    into.frames.append(df)


def _declared_language(
    df: pd.DataFrame,
    codebook: Codebook,
    language: str,
    spec: StudySpec,
    *,
    path: Path,
    key: str,
    fname: str,
) -> pd.DataFrame:
    """Every row of a file declared as one language version gets that name in the
    ``design.language`` column; a row that already says another language is refused."""
    col = str(spec.design.language)
    if col in df.columns:
        var = codebook.variables.get(col)
        labels = dict(var.value_labels) if var is not None else {}
        want = language.casefold()

        def names(v: Any) -> set[str]:
            out = {str(v).strip().casefold()}
            for code, label in labels.items():
                if v == code or (_is_numeric(v) and _is_numeric(code) and float(v) == float(code)):
                    out |= {
                        str(label).strip().casefold(),
                        str(label).split(" / ")[0].strip().casefold(),
                    }
            return out

        present = df[col]
        for pos in np.flatnonzero(present.notna().to_numpy()):
            v = present.iloc[int(pos)]
            if want not in names(v):
                raise SpecError(
                    path,
                    f"{key}.language",
                    f"{fname} row {int(pos) + 1}: the language column {col!r} holds {v!r}, but "
                    f"the study file says every row of this file answered in {language}",
                )
    return df.assign(**{col: language})


def _wave_values(
    df: pd.DataFrame,
    entry: Any,
    spec: StudySpec,
    *,
    fname: str,
    path: Path,
    problems: list[dict[str, Any]],
) -> pd.Series:
    """The wave of every row: the entry's declared wave (rows that say otherwise are
    problems), else the file's wave column (whole numbers), else wave 1."""
    if entry.wave is not None:
        if spec.wave in df.columns:
            present = pd.to_numeric(df[spec.wave], errors="coerce")
            bad = present.notna() & (present != entry.wave)
            for pos in np.flatnonzero(bad.to_numpy()):
                problems.append(
                    _problem(
                        fname,
                        int(pos) + 1,
                        spec.wave,
                        df[spec.wave].iloc[int(pos)],
                        f"the file is wave {entry.wave} in the study file",
                        kind="wave",
                    )
                )
        return pd.Series(entry.wave, index=df.index, dtype="int64")
    if spec.wave not in df.columns:
        return pd.Series(1, index=df.index, dtype="int64")
    wave_values = pd.to_numeric(df[spec.wave], errors="coerce")
    if wave_values.isna().any():
        first = int(np.flatnonzero(wave_values.isna().to_numpy())[0])
        raise SpecError(
            path,
            "wave",
            f"{fname} row {first + 1}: the wave column {spec.wave!r} has a missing or non-numeric value "
            f"({df[spec.wave].iloc[first]!r}; name text waves in the study's 'waves:' mapping)",
        )
    if not np.array_equal(wave_values.to_numpy(), np.round(wave_values.to_numpy())):
        raise SpecError(
            path, "wave", f"{fname}: the wave column {spec.wave!r} holds non-whole numbers"
        )
    return wave_values.astype("int64")


def _missing_codes_and_reversals(
    df: pd.DataFrame, codebook: Codebook, spec: StudySpec, bound: list[BoundInstrument]
) -> tuple[dict[str, Any], Codebook]:
    """Columns to replace: the study's extra missing codes as NaN (each coded cell remembered
    in the codebook with its code), then the declared reversal of the response coding."""
    item_cols = {c for b in bound for c in b.columns.values()}
    # numeric columns except id, wave and weights (like SPSS `MISSING VALUES ALL`)
    codes = np.asarray(spec.missing_codes, dtype=float)
    updates: dict[str, Any] = {}
    for col in df.columns:
        if col in {spec.id, spec.wave, spec.weights} or not len(codes):
            continue
        if col in item_cols:
            col_codes = codes
        else:
            # elsewhere (age, months, group codes) a code is missing only where the file
            # labels it (97 = 'Refused'): an unlabelled 97 may be a real value
            var = codebook.variables.get(col)
            labelled = {float(k) for k in (var.value_labels if var else {}) if _is_numeric(k)}
            col_codes = np.array([c for c in codes if c in labelled])
            if not len(col_codes):
                continue
        num = pd.to_numeric(df[col], errors="coerce") if col in item_cols else df[col]
        if not pd.api.types.is_numeric_dtype(num):
            continue
        values = num.to_numpy(dtype=float, na_value=np.nan)
        hit = np.isin(values, col_codes)
        if hit.any():
            rows = np.flatnonzero(hit)
            codebook = codebook.with_missing(col, rows, values[rows])
            updates[col] = df[col].mask(pd.Series(hit, index=df.index))
    # after the codes, so that codes stay codes
    for b in bound:
        if b.use.reversed_response:
            lo, hi = b.instrument.response.min, b.instrument.response.max
            for c in dict.fromkeys(b.columns.values()):
                if c in df.columns:
                    updates[c] = (lo + hi) - pd.to_numeric(updates.get(c, df[c]), errors="coerce")
    return updates, codebook


def _combine(
    reading: _Reading, spec: StudySpec, bound: list[BoundInstrument], path: Path
) -> pd.DataFrame:
    """All waves in one long table, with the checks that need every file."""
    frames = reading.frames
    data = pd.concat(frames, ignore_index=True, sort=False) if len(frames) > 1 else frames[0]
    if len(set(reading.id_kinds.values())) > 1:
        numeric = [f for f, k in reading.id_kinds.items() if k == "numbers"]
        text = [f for f, k in reading.id_kinds.items() if k == "text"]
        reading.problems.append(
            _problem(
                ", ".join(numeric),
                None,
                spec.id,
                None,
                f"ids are numbers in {', '.join(numeric)} but text in {', '.join(text)}: leading zeros "
                "may have been lost ('007' vs 7); check that each person keeps one id across waves",
                kind="id",
            )
        )
    for j, c in enumerate(spec.privacy.drop):
        if not any(c in seen for seen in reading.dropped_from):
            raise SpecError(
                path,
                f"privacy.drop[{j}]",
                f"{c!r} is not a column of any data file (a typo would let it through)",
            )
    for i, b in enumerate(bound):
        for scale in b.instrument.scales:
            for suffix in ("", "_n_answered", "_band"):
                name = f"{b.name}_{scale}{suffix}"
                if name in data.columns:
                    raise SpecError(
                        path,
                        f"instruments[{i}].name",
                        f"the score column {name!r} would clash with a column of the data; choose another name",
                    )
    return data


def _finish(data: pd.DataFrame, spec: StudySpec, path: Path, folder: Path) -> pd.DataFrame:
    """Group codes as integers, pseudonyms, and the columns and waves the study names."""
    # coded group columns read from SPSS as floats (1.0, 2.0): whole numbers without gaps become
    # integers, so model terms read C(site)[T.2] and tables show 2, not 2.0
    for col in spec.groups:
        if col in data.columns and pd.api.types.is_float_dtype(data[col]):
            v = data[col].to_numpy()
            if not np.isnan(v).any() and np.array_equal(v, np.round(v)):
                data[col] = v.astype(np.int64)

    if spec.privacy.pseudonymize:
        from stigma_analysis.privacy import load_key, pseudonymize

        col = spec.privacy.pseudonymize
        if col not in data.columns:
            raise SpecError(path, "privacy.pseudonymize", f"{col!r} is not a column of the data")
        key = load_key(key_file=(folder / spec.privacy.key_file) if spec.privacy.key_file else None)
        data = pseudonymize(data, col, key)

    for part in ("arm", "site", "cluster", "weights", "language"):
        col = getattr(spec.design, part)
        if col is not None and col not in data.columns:
            raise SpecError(
                path,
                f"design.{part}",
                f"{col!r} is not a column of the data (columns: {_few(data.columns)})",
            )
    for key_name, cols in (
        ("groups", spec.groups),
        ("privacy.quasi_identifiers", spec.privacy.quasi_identifiers),
    ):
        for j, c in enumerate(cols):
            if c not in data.columns:
                raise SpecError(
                    path,
                    f"{key_name}[{j}]",
                    f"{c!r} is not a column of the data (columns: {_few(data.columns)})",
                )
    if spec.weights and spec.weights not in data.columns:
        raise SpecError(path, "weights", f"{spec.weights!r} is not a column of the data")
    waves = {int(w) for w in data[spec.wave].dropna().unique()}
    for i, m in enumerate(spec.models):
        absent = [w for w in m.waves or () if w not in waves]
        if absent:
            raise SpecError(
                path,
                f"models[{i}].waves",
                f"wave {absent[0]} is not in the data (waves: {sorted(waves)})",
            )
    return data


def _id_text(ids: pd.Series) -> pd.Series:
    """Ids as text: whole numbers without '.0' ('7', not '7.0'), strings stripped, missing kept."""
    if pd.api.types.is_numeric_dtype(ids):
        v = ids.to_numpy(dtype=float, na_value=np.nan)
        whole = ~np.isnan(v) & (v == np.round(v))
        text = np.where(
            whole, np.char.mod("%d", np.where(whole, v, 0).astype(np.int64)), ids.astype(str)
        )
        return pd.Series(text, index=ids.index, dtype="string").mask(np.isnan(v))
    return ids.astype("string").str.strip()


def _few(cols: Any, n: int = 8) -> str:
    cols = list(cols)
    return ", ".join(map(str, cols[:n])) + (f", ... ({len(cols)} in all)" if len(cols) > n else "")


def _empty_missing() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "file": pd.Series(dtype=str),
            "wave": pd.Series(dtype="int64"),
            "row": pd.Series(dtype="int64"),
            "column": pd.Series(dtype=str),
            "code": pd.Series(dtype=object),
            "reason": pd.Series(dtype=str),
        }
    )


def _missing_table(codebook: Codebook, df: pd.DataFrame, wave_col: str, fname: str) -> pd.DataFrame:
    parts = []
    for col in codebook.variables:
        if col not in df.columns:
            continue
        s = codebook.missing_codes_of(col)
        if s.empty:
            continue
        rows = s.index.to_numpy()
        codes = s.to_numpy()
        # one label lookup per distinct code, not per cell
        label_of = {c: codebook.missing_reason(col, c) or _code_text(c) for c in pd.unique(codes)}
        reasons = pd.Series(codes).map(label_of).to_numpy()
        parts.append(
            pd.DataFrame(
                {
                    "file": fname,
                    "wave": df[wave_col].to_numpy()[rows],
                    "row": rows + 1,
                    "column": col,
                    "code": s.to_numpy(),
                    "reason": reasons,
                }
            )
        )
    return pd.concat(parts, ignore_index=True) if parts else _empty_missing()


def _code_text(code: Any) -> str:
    return f"code {code:g}" if isinstance(code, float | int) else f"code {code}"


def validate(study: Study | str | Path, *, raise_on_problems: bool = False) -> pd.DataFrame:
    """List every data problem of a study.

    Parameters
    ----------
    study : Study or path
        A loaded study, or the path of its study file.
    raise_on_problems : bool, default False
        Raise :class:`~stigma_analysis.errors.DataValidationError` (carrying the table as
        ``failure_cases``) instead of returning a non-empty table.

    Returns
    -------
    pandas.DataFrame
        One row per problem: ``file`` (as named in the study file), ``row`` (1-based data row
        in that file; empty for file-level problems), ``column``, ``value``, ``reason``.
    """
    if not isinstance(study, Study):
        study = load_study(study)
    table = study.validate()
    if raise_on_problems and not table.empty:
        raise DataValidationError(f"{study.path}: the data break the study's rules", table)
    return table
