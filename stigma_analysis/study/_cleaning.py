"""Field data into a study: form exports, text answers, text waves and cleaning rules.

Everything here runs at loading; raw files are never modified. Each rule applied is recorded
(``Study.cleaning``: ``file, rule, column, detail, n``) for the report's reproducibility
appendix. The study file's ``cleaning:`` block::

    cleaning:
      rename: {Q1: ismi_1}               # old column name -> new (before anything else)
      recode: {site: {5: 4, "PP": 1}}    # per column: old value -> new value (null = empty)
      exclude:                           # cases dropped from every analysis
        - {id: [R0013, R0101], reason: test interviews}
        - {when: "consent != 1", reason: no consent}
      invalid: missing                   # instrument answers outside the range become missing
      duplicates: keep_first             # keep_first | refuse (default: report them)

Order per file: privacy.drop, form/Excel reading, ``rename``, wave text (``waves:``), text
answers of instrument items (value labels, else the instrument's anchors), ``recode``,
``invalid``; then over all waves: ``exclude``, ``duplicates``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from stigma_analysis.errors import DataValidationError, SpecError
from stigma_analysis.study._problems import PROBLEM_COLUMNS
from stigma_analysis.study._problems import problem as _problem

if TYPE_CHECKING:
    from stigma_analysis.io import Codebook, Survey

__all__ = ["CLEANING_COLUMNS", "CleaningSpec", "ExcludeRule", "apply", "finish", "read_entry"]

CLEANING_COLUMNS = ["file", "rule", "column", "detail", "n"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ExcludeRule(_Strict):
    """Cases to drop: by respondent id, or by a condition over the columns."""

    id: list[str] | None = None
    when: str | None = None
    """e.g. ``consent != 1``, ``age < 18 or site = 3`` (the subset of form ``relevant``)."""
    reason: str | None = None

    @model_validator(mode="after")
    def _one(self) -> ExcludeRule:
        if (self.id is None) == (self.when is None):
            raise ValueError("give exactly one of 'id' (a list of ids) or 'when' (a condition)")
        return self


class CleaningSpec(_Strict):
    """The ``cleaning:`` block of a study file."""

    rename: dict[str, str] = Field(default_factory=dict)
    recode: dict[str, dict[Any, Any]] = Field(default_factory=dict)
    exclude: list[ExcludeRule] = Field(default_factory=list)
    invalid: Literal["keep", "missing"] = "keep"
    duplicates: Literal["report", "keep_first", "refuse"] = "report"


def _log(  # noqa: PLR0917 - one positional field per column of the cleaning table
    log: list[dict[str, Any]], file: str, rule: str, column: str | None, detail: str, n: int
) -> None:
    log.append({"file": file, "rule": rule, "column": column, "detail": detail, "n": int(n)})


def resolve_text_waves(raw: Any) -> Any:
    """``data[i].wave: baseline`` with ``waves: {baseline: 1, ...}`` in the study file becomes
    ``wave: 1`` (case and blanks ignored); a name not in the mapping is an error showing it."""
    if not isinstance(raw, Mapping):
        return raw
    entries = raw.get("data")
    if not isinstance(entries, list):
        return raw
    given = raw.get("waves")
    waves: Mapping[Any, Any] = given if isinstance(given, Mapping) else {}
    lookup = {" ".join(str(k).split()).casefold(): v for k, v in waves.items()}
    out = []
    for i, d in enumerate(entries):
        w = d.get("wave") if isinstance(d, Mapping) else None
        if isinstance(w, str):
            key = " ".join(w.split()).casefold()
            if key not in lookup:
                known = ", ".join(map(str, waves)) or "none: add a 'waves:' mapping"
                raise ValueError(
                    f"data[{i}].wave: {w!r} is not a wave name of the study's 'waves' ({known})"
                )
            d = {**d, "wave": lookup[key]}
        out.append(d)
    return {**raw, "data": out}


def read_entry(
    file: Path, entry: Any, spec: Any, *, override: Any, study_path: Path
) -> tuple[Survey, list[dict[str, Any]]]:
    """Read one data entry (a form export when ``form:`` is given) and its form problems."""
    from stigma_analysis.io import read_kobo, read_survey

    if entry.form is None:
        survey = read_survey(
            file, codebook=override, encoding=entry.encoding, sheet=entry.sheet, sep=entry.sep
        )
        return survey, []
    form = study_path.parent / entry.form
    if not form.is_file():
        i = next(k for k, d in enumerate(spec.data) if d is entry)
        raise SpecError(
            study_path, f"data[{i}].form", f"the form file {entry.form!r} does not exist"
        )
    export = read_kobo(
        file,
        form,
        language=spec.language,
        sheet=entry.sheet,
        sep=entry.sep,
        encoding=entry.encoding,
        warn=False,
    )
    problems: list[dict[str, Any]] = []
    for rec in export.problems.to_dict("records"):
        r = {str(k): v for k, v in rec.items()}
        r = {k: (None if v is pd.NA else v) for k, v in r.items()}
        r["file"] = (
            entry.path
            if r["file"] == file.name
            else str(r["file"]).replace(file.name, entry.path, 1)
        )
        problems.append(r)
    drop = set(spec.privacy.drop) | set(spec.privacy.allow)
    for col in export.personal:
        if col not in drop and col in export.survey.data.columns:
            problems.append(
                _problem(
                    entry.path,
                    None,
                    col,
                    None,
                    "form metadata or location (personal data); list it under privacy.drop "
                    "(never read) or privacy.allow in the study file",
                    kind="pii",
                )
            )
    return export.survey, problems


def _rename_codebook(codebook: Codebook, mapping: Mapping[str, str]) -> Codebook:
    variables = {
        mapping.get(k, k): replace(v, name=mapping.get(k, k)) for k, v in codebook.variables.items()
    }
    cells = {mapping.get(k, k): v for k, v in codebook.missing_cells.items()}
    return replace(codebook, variables=variables, missing_cells=cells)


def apply(
    df: pd.DataFrame,
    codebook: Codebook,
    spec: Any,
    *,
    bound: Any,
    fname: str,
    study_path: Path,
    log: list[dict[str, Any]],
) -> tuple[pd.DataFrame, Codebook]:
    """The per-file steps: rename, wave text, text answers, recode, invalid answers.

    Parameters
    ----------
    df, codebook : the file's data (after ``privacy.drop``) and codebook.
    spec : StudySpec
    bound : sequence of BoundInstrument
    fname : str
        The file as named in the study file.
    study_path : Path
    log : list
        Rules applied are appended (``CLEANING_COLUMNS``).

    Returns
    -------
    (DataFrame, Codebook)
    """
    from stigma_analysis.io._text_answers import normalise, text_to_codes

    rules: CleaningSpec = spec.cleaning
    if rules.rename:
        present = {k: v for k, v in rules.rename.items() if k in df.columns}
        clash = [v for k, v in present.items() if v in df.columns and v not in present]
        if clash:
            raise SpecError(
                study_path,
                "cleaning.rename",
                f"{fname}: renaming would give two columns named {clash[0]!r}",
            )
        if present:
            df = df.rename(columns=present)
            codebook = _rename_codebook(codebook, present)
            for old, new in present.items():
                _log(log, fname, "rename", new, f"{old} -> {new}", int(df[new].notna().sum()))

    if spec.waves and spec.wave in df.columns and not pd.api.types.is_numeric_dtype(df[spec.wave]):
        lookup = {normalise(k): v for k, v in spec.waves.items()}
        col = df[spec.wave]
        mapped = col.map(
            lambda v: lookup.get(normalise(v)) if v is not None and not pd.isna(v) else None
        )
        numeric = pd.to_numeric(col, errors="coerce")
        bad = col.notna() & mapped.isna() & numeric.isna()
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise SpecError(
                study_path,
                "waves",
                f"{fname} row {i + 1}: wave {col.iloc[i]!r} is not in the study's waves mapping "
                f"({', '.join(map(str, spec.waves))})",
            )
        df = df.assign(**{spec.wave: mapped.fillna(numeric).astype(float)})
        _log(
            log,
            fname,
            "waves",
            spec.wave,
            "wave names -> numbers: " + ", ".join(f"{k} = {v}" for k, v in spec.waves.items()),
            int(mapped.notna().sum()),
        )

    updates: dict[str, Any] = {}
    for b in bound:
        anchors = b.instrument.response.labels
        for col in dict.fromkeys(b.columns.values()):
            if col not in df.columns or pd.api.types.is_numeric_dtype(df[col]):
                continue
            var = codebook.variables.get(col)
            labels = (var.value_labels if var is not None and var.value_labels else None) or anchors
            values = df[col].astype(object).where(df[col].notna(), None)
            codes, unmatched = text_to_codes(values, labels)
            was_text = (
                values.notna().to_numpy()
                & ~unmatched
                & np.asarray(pd.to_numeric(values, errors="coerce").isna(), dtype=bool)
            )
            # unmatched text stays as it is: validation shows it ("not a number")
            coded = np.where(unmatched, values.to_numpy(dtype=object), codes)
            updates[col] = pd.Series(coded if unmatched.any() else codes, index=df.index)
            if was_text.any():
                source = "value labels" if labels is not anchors else f"{b.instrument.id} anchors"
                _log(
                    log,
                    fname,
                    "text answers",
                    col,
                    f"text mapped to codes through the {source}",
                    int(was_text.sum()),
                )
    if updates:
        df = df.assign(**updates)

    for col, mapping in rules.recode.items():
        if col not in df.columns:
            continue  # another wave's file may hold it; checked over all files in finish()
        s = df[col]
        lookup = {}
        for old, new in mapping.items():
            lookup[_key(old)] = new
        keys = s.map(_key)
        hit = keys.isin(list(lookup)).to_numpy() & s.notna().to_numpy()
        if hit.any():
            new_values = keys[hit].map(lookup)
            out = s.astype(object).copy()
            out[hit] = new_values.to_numpy(dtype=object)
            converted = pd.to_numeric(out, errors="coerce")
            if (converted.notna() | out.isna()).all():
                out = converted.astype(float)
            df = df.assign(**{col: out})
        _log(
            log,
            fname,
            "recode",
            col,
            ", ".join(f"{k} -> {v}" for k, v in mapping.items()),
            int(hit.sum()),
        )

    if rules.invalid == "missing":
        declared = {float(c) for c in spec.missing_codes}
        for b in bound:
            lo, hi = b.instrument.response.min, b.instrument.response.max
            for col in dict.fromkeys(b.columns.values()):
                if col not in df.columns:
                    continue
                num = pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
                var = codebook.variables.get(col)
                bad = ~np.isnan(num) & ((num < lo) | (num > hi)) & ~np.isin(num, list(declared))
                if var is not None:
                    bad &= ~var.missing_mask(num)
                if bad.any():
                    rows = np.flatnonzero(bad)
                    codebook = codebook.with_missing(col, rows, num[rows])
                    df = df.assign(**{col: pd.Series(np.where(bad, np.nan, num), index=df.index)})
                    shown = ", ".join(f"{v:g}" for v in sorted(set(num[rows]))[:5])
                    _log(
                        log,
                        fname,
                        "invalid",
                        col,
                        f"answers outside {lo:g}-{hi:g} set missing ({shown})",
                        len(rows),
                    )
    return df, codebook


def _key(v: Any) -> Any:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    try:
        return float(v)
    except (TypeError, ValueError):
        return " ".join(str(v).split()).casefold()


def finish(
    data: pd.DataFrame,
    missing: pd.DataFrame,
    spec: Any,
    study_path: Path,
    log: list[dict[str, Any]],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Over all waves: ``exclude`` rules and the ``duplicates`` policy."""
    from stigma_analysis.io._xlsform import RelevantError, evaluate_relevant

    rules: CleaningSpec = spec.cleaning
    for col in rules.recode:
        if col not in data.columns:
            raise SpecError(
                study_path, f"cleaning.recode.{col}", f"{col!r} is not a column of any data file"
            )
    keep = np.ones(len(data), dtype=bool)
    for j, rule in enumerate(rules.exclude):
        if rule.id is not None:
            ids = {str(i).strip() for i in rule.id}
            hit = data[spec.id].astype("string").isin(ids).fillna(False).to_numpy(dtype=bool)
            unknown = ids - set(data[spec.id].astype("string").dropna())
            if unknown:
                raise SpecError(
                    study_path,
                    f"cleaning.exclude[{j}].id",
                    f"no respondent has the id {sorted(unknown)[0]!r}",
                )
            detail = f"id in {', '.join(sorted(ids))}"
        else:
            try:
                hit = evaluate_relevant(str(rule.when), data, bare_names=True)
            except (RelevantError, ValueError) as exc:
                raise SpecError(
                    study_path,
                    f"cleaning.exclude[{j}].when",
                    f"cannot evaluate {rule.when!r}: {exc}",
                ) from None
            detail = str(rule.when)
        if rule.reason:
            detail += f" ({rule.reason})"
        _log(
            log,
            "",
            "exclude",
            spec.id if rule.id is not None else None,
            detail,
            int((hit & keep).sum()),
        )
        keep &= ~hit
    if rules.duplicates != "report":
        dup = data[keep].duplicated([spec.wave, spec.id], keep="first")
        if dup.any():
            if rules.duplicates == "refuse":
                rows = data[keep][data[keep].duplicated([spec.wave, spec.id], keep=False)]
                table = pd.DataFrame(
                    [
                        _problem(
                            str(r["_file"]),
                            int(r["_row"]),
                            spec.id,
                            r[spec.id],
                            f"duplicate id within wave {r[spec.wave]}",
                            kind="id",
                        )
                        for _, r in rows.iterrows()
                    ],
                    columns=PROBLEM_COLUMNS,
                )
                raise DataValidationError(
                    f"{study_path}: cleaning.duplicates is 'refuse' and ids repeat within a wave",
                    table,
                )
            drop_pos = np.flatnonzero(keep)[dup.to_numpy()]
            keep[drop_pos] = False
            _log(
                log,
                "",
                "duplicates",
                spec.id,
                "keep_first: later rows of an id within a wave dropped",
                len(drop_pos),
            )
    if keep.all():
        return data, missing
    gone = data.loc[~keep, ["_file", "_row"]]
    data = data[keep].reset_index(drop=True)
    if not missing.empty:
        key = pd.MultiIndex.from_frame(gone)
        m_key = pd.MultiIndex.from_arrays([missing["file"], missing["row"]])
        missing = missing[~m_key.isin(key)].reset_index(drop=True)
    return data, missing


def cleaning_table(log: list[dict[str, Any]]) -> pd.DataFrame:
    """The applied rules as a table (``CLEANING_COLUMNS``)."""
    return pd.DataFrame(log, columns=CLEANING_COLUMNS)
