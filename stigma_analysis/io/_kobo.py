"""KoboToolbox / ODK exports read with their XLSForm.

An export is an ``.xlsx`` workbook (the main table on the first sheet, one sheet per repeat
group) or a delimited text file (``;`` by default in Kobo; the separator is detected) with
column names that may carry group paths (``mspss/mspss_1``). Repeat groups of a text export
are read from ``<stem>-<repeat>.csv`` beside it when present.

What happens to each column:

- ``select_one``: answers stored as choice names or as labels (any language; case and white
  space ignored) become numeric codes: the choice name when every name of its list is a
  number, else 1, 2, ... in the order of the choices sheet. Value labels come from the
  choices in the chosen language. Text matching no choice is a problem (kind ``value``).
- ``select_multiple``: one 0/1 column ``<question>_<option>`` per option, labelled
  ``"question :: option"`` (empty when the question was not answered).
- ``integer``/``decimal``: numbers; ``start``/``end``/``today``/dates: ``datetime64[us]``.
- repeat groups: long tables keyed by ``_index`` and linked to the parent by ``_parent_index``.
- metadata (start, end, today, deviceid, username, phonenumber, audit, ...) and locations
  are listed as personal (:attr:`FormExport.personal` and a codebook note).
- ``relevant`` skip logic: an empty cell the skip logic made irrelevant is user-missing with
  code -99, labelled "not applicable (skipped)"; an answer where the skip applies is a
  problem (kind ``skip``).
"""

from __future__ import annotations

import os
import re
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from stigma_analysis.errors import SpecError, SurveyReadError
from stigma_analysis.io._text_answers import normalise
from stigma_analysis.io._xlsform import (
    METADATA_TYPES,
    Form,
    Question,
    RelevantError,
    evaluate_relevant,
    read_form,
)
from stigma_analysis.io.codebook import Codebook, Survey, Variable

__all__ = [
    "PERSONAL_NOTE",
    "SKIPPED_CODE",
    "SKIPPED_REASON",
    "FormExport",
    "FormTranslationWarning",
    "personal_columns",
    "read_field_survey",
    "read_kobo",
]

SKIPPED_CODE = -99.0
SKIPPED_REASON = "not applicable (skipped)"
PERSONAL_NOTE = "stigma-analysis: personal (form metadata and locations): "
PROBLEM_KEYS = ("file", "row", "column", "value", "reason", "kind")
_GEO_PARTS = ("latitude", "longitude", "altitude", "precision")
_NUMERIC_TYPES = frozenset({"integer", "decimal", "range"})
_DATE_TYPES = frozenset({"start", "end", "today", "date", "datetime"})


class FormTranslationWarning(UserWarning):
    """A label of the form is missing in one of its languages."""


@dataclass(frozen=True, kw_only=True, eq=False)
class FormExport:
    """A form export read with its XLSForm.

    Attributes
    ----------
    survey : Survey
        The main table (one row per submission; ``_index`` numbers them from 1).
    repeats : dict of str to Survey
        One long table per repeat group (``_index``, ``_parent_index`` link to the parent).
    form : Form
    language : str
        The form language the labels were taken from.
    problems : DataFrame
        ``file, row, column, value, reason, kind``: unmatched answers (``value``), answers the
        skip logic excludes (``skip``), missing translations (``form``).
    personal : tuple of str
        Columns holding metadata or locations (personal data).
    """

    survey: Survey
    repeats: dict[str, Survey]
    form: Form
    language: str
    problems: pd.DataFrame
    personal: tuple[str, ...]


def personal_columns(codebook: Codebook) -> list[str]:
    """The columns a codebook note marks as personal (form metadata and locations)."""
    out: list[str] = []
    for note in codebook.notes:
        if note.startswith(PERSONAL_NOTE):
            out += [c.strip() for c in note[len(PERSONAL_NOTE) :].split(",") if c.strip()]
    return out


def read_kobo(
    path: str | os.PathLike[str],
    form: str | os.PathLike[str] | Form,
    *,
    language: str | None = None,
    sheet: str | int | None = None,
    sep: str | None = None,
    encoding: str | None = None,
    warn: bool = True,
) -> FormExport:
    """Read a KoboToolbox / ODK export with its XLSForm.

    Parameters
    ----------
    path : path-like
        The export: ``.xlsx`` (one sheet per repeat group) or delimited text (``.csv``).
    form : path-like or Form
        The XLSForm the data were collected with.
    language : str, optional
        Language of the labels (``"km"``, ``"Khmer"`` or ``"Khmer (km)"``); default the form's
        ``default_language``, else its first language.
    sheet : str or int, optional
        The sheet of the main table (default the first).
    sep : str, optional
        Separator of a text export (default: detected from the header line).
    encoding : str, optional
        Encoding of a text export (default UTF-8, else detected).
    warn : bool, default True
        Warn (:class:`FormTranslationWarning`) when labels are missing in a language.

    Returns
    -------
    FormExport

    Raises
    ------
    SurveyReadError
        The export cannot be read.
    SpecError
        The form is invalid, or a ``relevant`` expression is outside the supported subset
        (``${q} = 'x'``, ``!=``, ``<``, ``>``, ``and``, ``or``, ``not()``, ``selected()``).

    Notes
    -----
    Checked against: a form and exports written for the tests (XLSX and ``;``-CSV shapes of
    the same submissions give the same table).
    """
    p = Path(path)
    frm = form if isinstance(form, Form) else read_form(Path(form))
    lang = frm.language(language)
    if not p.is_file():
        raise SurveyReadError(p, p.suffix.lstrip(".") or "unknown", "the file does not exist")
    main, reps, fmt, enc, notes = _load_tables(p, frm, sheet=sheet, sep=sep, encoding=encoding)
    problems: list[dict[str, Any]] = [
        dict(zip(PROBLEM_KEYS, (p.name, None, None, None, gap, "form"), strict=True))
        for gap in frm.translation_gaps
    ]
    if warn and frm.translation_gaps:
        shown = "; ".join(frm.translation_gaps[:5])
        more = (
            f" (and {len(frm.translation_gaps) - 5} more)" if len(frm.translation_gaps) > 5 else ""
        )
        warnings.warn(f"{frm.path.name}: {shown}{more}", FormTranslationWarning, stacklevel=2)
    main_qs = [q for q in frm.questions.values() if q.repeat is None]
    survey, names, personal = _convert(
        p,
        p.name,
        main,
        questions=main_qs,
        frm=frm,
        lang=lang,
        fmt=fmt,
        enc=enc,
        notes=notes,
        problems=problems,
        parent=None,
    )
    repeats: dict[str, Survey] = {}
    for rep, raw in reps.items():
        qs = [q for q in frm.questions.values() if q.repeat == rep]
        parent = names.set_index("_index") if "_index" in names.columns else None
        sv, _, pers = _convert(
            p,
            f"{p.name} [{rep}]",
            raw,
            questions=qs,
            frm=frm,
            lang=lang,
            fmt=fmt,
            enc=enc,
            notes=[],
            problems=problems,
            parent=parent,
        )
        repeats[rep] = sv
        personal += [c for c in pers if c not in personal]
    table = pd.DataFrame(problems, columns=list(PROBLEM_KEYS))
    if not table.empty:
        table["row"] = table["row"].astype("Int64")
    return FormExport(
        survey=survey,
        repeats=repeats,
        form=frm,
        language=lang,
        problems=table,
        personal=tuple(personal),
    )


def _load_tables(
    p: Path, frm: Form, *, sheet: str | int | None, sep: str | None, encoding: str | None
) -> tuple[pd.DataFrame, dict[str, pd.DataFrame], str, str | None, list[str]]:
    from stigma_analysis.io._excel import pick_sheet, read_delimited, read_sheets, rows_to_frame

    reps: dict[str, pd.DataFrame] = {}
    notes: list[str] = [f"stigma-analysis: read with the form {frm.path.name}"]
    if p.suffix.lower() in {".xlsx", ".xlsm"}:
        sheets = read_sheets(p)
        title = pick_sheet(p, sheets, sheet)
        main = rows_to_frame(p, sheets[title], as_text=True)
        for rep in frm.repeats:
            for t in sheets:
                if t != title and t in {rep, rep[:31]}:
                    reps[rep] = rows_to_frame(p, sheets[t], as_text=True)
        return main, reps, "xlsx", None, notes
    main, enc, enc_notes = read_delimited(p, sep=sep, encoding=encoding, as_text=True)
    notes += enc_notes
    for rep in frm.repeats:
        side = p.with_name(f"{p.stem}-{rep}{p.suffix}")
        if side.is_file():
            reps[rep], _, _ = read_delimited(side, sep=sep, encoding=encoding, as_text=True)
            notes.append(f"stigma-analysis: repeat group {rep!r} read from {side.name}")
    return main, reps, "csv", enc, notes


def _label(labels: dict[str, str], lang: str, fallback: str) -> str:
    if lang in labels:
        return labels[lang]
    return next(iter(labels.values()), fallback)


@dataclass
class _Sheet:
    """One table of an export being converted: what every step of :func:`_convert` shares."""

    path: Path
    fname: str
    questions: list[Question]
    frm: Form
    lang: str
    fmt: str
    problems: list[dict[str, Any]]
    by_name: dict[str, Question] = field(init=False)
    multi: dict[str, Question] = field(init=False)

    def __post_init__(self) -> None:
        self.by_name = {q.name: q for q in self.questions}
        self.multi = {q.name: q for q in self.questions if q.type == "select_multiple"}

    def add(self, row: Any, column: str | None, value: Any, reason: str, kind: str) -> None:
        """Record a problem of this table."""
        self.problems.append(
            dict(zip(PROBLEM_KEYS, (self.fname, row, column, value, reason, kind), strict=True))
        )

    def choices(self, q: Question) -> list[Any]:
        return self.frm.choices.get(q.list_name or "", [])


@dataclass
class _Columns:
    """The export's headers read against the form (step 1)."""

    data: pd.DataFrame
    options: dict[str, dict[str, str]]  # select_multiple question -> {choice name: header}
    personal: list[str]


def _convert(
    p: Path,
    fname: str,
    raw: pd.DataFrame,
    *,
    questions: list[Question],
    frm: Form,
    lang: str,
    fmt: str,
    enc: str | None,
    notes: list[str],
    problems: list[dict[str, Any]],
    parent: pd.DataFrame | None,
) -> tuple[Survey, pd.DataFrame, list[str]]:
    """One table of an export as a :class:`Survey`, its answers as choice names (for the
    skip logic of its repeat groups) and its personal columns."""
    sheet = _Sheet(p, fname, questions, frm, lang, fmt, problems)
    cols = _recognise_columns(sheet, raw)
    names = _choice_names(sheet, cols)
    name_table = pd.DataFrame(names, index=cols.data.index)
    name_table["_index"] = cols.data["_index"].to_numpy()
    if parent is not None and "_parent_index" in cols.data.columns:
        extra = parent.drop(columns=[c for c in parent.columns if c in name_table.columns])
        joined = extra.reindex(cols.data["_parent_index"].to_numpy())
        for jc in joined.columns:
            name_table[jc] = joined[jc].to_numpy()
    out, variables, columns_of = _typed_columns(sheet, cols, names)
    _option_columns(sheet, cols, name_table, out, variables, columns_of)
    frame = pd.DataFrame(out, index=cols.data.index).reset_index(drop=True)
    skipped = _skip_logic(sheet, frame, names, name_table, columns_of)
    personal = cols.personal
    if personal:
        notes = [*notes, PERSONAL_NOTE + ", ".join(dict.fromkeys(personal))]
    cb = Codebook(
        variables={c: variables[c] for c in frame.columns},
        source=p.resolve(),
        format=fmt,
        encoding=enc,
        n_rows=len(frame),
        file_label=frm.title,
        notes=tuple(notes),
    )
    for skip_col, rows in skipped.items():
        var = cb.variables[skip_col]
        code: Any = SKIPPED_CODE if var.type == "numeric" else "-99"
        labelled = replace(var, value_labels={**var.value_labels, code: SKIPPED_REASON})
        cb = replace(cb, variables={**cb.variables, skip_col: labelled})
        cb = cb.with_missing(skip_col, rows, [code] * len(rows))
    return Survey(data=frame, codebook=cb), name_table, personal


def _recognise_columns(sheet: _Sheet, raw: pd.DataFrame) -> _Columns:
    """Step 1: group paths dropped, select_multiple options and location parts recognised."""
    by_name = sheet.by_name
    by_path = {q.path: q for q in sheet.questions}
    rename: dict[str, str] = {}
    options: dict[str, dict[str, str]] = {}
    personal: list[str] = []
    for h in raw.columns:
        head, _, tail = h.rpartition("/")
        q_head = head.rpartition("/")[2] if head else ""
        geo = re.fullmatch(r"_?(.+)_(latitude|longitude|altitude|precision)", h)
        if h in by_path or h in by_name:
            rename[h] = (by_path.get(h) or by_name[h]).name
        elif q_head in sheet.multi and tail in {c.name for c in sheet.choices(sheet.multi[q_head])}:
            options.setdefault(q_head, {})[tail] = h
        elif head and tail in by_name:
            rename[h] = tail
        elif geo and geo.group(1) in by_name and by_name[geo.group(1)].personal:
            rename[h] = f"{geo.group(1)}_{geo.group(2)}"
            personal.append(rename[h])
        elif h == "_submitted_by" or (h in METADATA_TYPES and h not in by_name):
            personal.append(h)
    data = raw.rename(columns=rename)
    if data.columns.has_duplicates:
        dup = data.columns[data.columns.duplicated()][0]
        raise SurveyReadError(
            sheet.path, sheet.fmt, f"two columns hold the field {dup!r} (group paths differ)"
        )
    if "_index" not in data.columns:
        data.insert(0, "_index", [str(i) for i in range(1, len(raw) + 1)])
    return _Columns(data=data, options=options, personal=personal)


def _choice_names(sheet: _Sheet, cols: _Columns) -> dict[str, pd.Series]:
    """Step 2: the answers as the form stores them (choice names), for skip logic and codes.

    A ``select_one`` answer given as a choice name or a label in any language maps to the
    choice name; one that matches nothing is a problem (kind ``value``)."""
    data = cols.data
    names: dict[str, pd.Series] = {}
    for q in sheet.questions:
        if q.type == "select_one" and q.name in data.columns:
            lookup: dict[str, str] = {}
            for c in sheet.choices(q):
                lookup.setdefault(normalise(c.name), c.name)
                for lab in c.labels.values():
                    lookup.setdefault(normalise(lab), c.name)
            col = data[q.name]
            distinct = {
                v: lookup.get(normalise(v)) for v in pd.unique(col.dropna().to_numpy(dtype=object))
            }
            mapped = col.map(distinct)
            bad = col.notna().to_numpy() & mapped.isna().to_numpy()
            for i in np.flatnonzero(bad):
                shown = ", ".join(c.name for c in sheet.choices(q)[:8])
                sheet.add(
                    i + 1,
                    q.name,
                    col.iloc[i],
                    f"not a choice of {q.name} (choices: {shown})",
                    "value",
                )
            names[q.name] = mapped.astype(object).where(mapped.notna(), None)
        elif q.type == "select_multiple":
            if q.name in data.columns:
                names[q.name] = data[q.name]
            elif q.name in cols.options:
                names[q.name] = _picked_from_options(data, cols.options[q.name])
        elif q.name in data.columns:
            names[q.name] = data[q.name]
    return names


def _picked_from_options(data: pd.DataFrame, option_headers: dict[str, str]) -> pd.Series:
    """A select_multiple exported as one column per option, as the space-separated names picked
    (None where no option column was answered)."""
    chosen = pd.DataFrame(
        {
            c: data[h].map(
                lambda v: normalise(v) in {"1", "true", "yes"} if v is not None else None
            )
            for c, h in option_headers.items()
        }
    )
    answered = pd.concat([data[h] for h in option_headers.values()], axis=1).notna().any(axis=1)
    text = chosen.apply(lambda r: " ".join(c for c, v in r.items() if v), axis=1)
    return text.where(answered, None)


def _typed_columns(
    sheet: _Sheet, cols: _Columns, names: dict[str, pd.Series]
) -> tuple[dict[str, Any], dict[str, Variable], dict[str, list[str]]]:
    """Step 3: typed columns and their codebook entries (select_multiple comes after)."""
    data, lang, frm = cols.data, sheet.lang, sheet.frm
    option_headers = {hh for hh_map in cols.options.values() for hh in hh_map.values()}
    out: dict[str, Any] = {}
    variables: dict[str, Variable] = {}
    columns_of: dict[str, list[str]] = {}
    for h in data.columns:
        fq = sheet.by_name.get(h)
        if fq is None:
            if h in option_headers:
                continue
            if h in {"_index", "_parent_index", "_id"}:
                out[h] = pd.to_numeric(data[h], errors="coerce").astype(float)
                variables[h] = Variable(name=h, type="numeric", measure="nominal")
            elif h.endswith(_GEO_PARTS) and h in cols.personal:
                out[h] = pd.to_numeric(data[h], errors="coerce").astype(float)
                variables[h] = Variable(name=h, type="numeric", measure="scale")
            else:
                out[h] = data[h]
                variables[h] = Variable(name=h, type="string")
            continue
        label = _label(fq.labels, lang, fq.name)
        if fq.personal:
            cols.personal.append(fq.name)
        if fq.type == "select_multiple":
            continue  # written by _option_columns from the choice names
        if fq.type == "select_one":
            codes = frm.codes(fq.list_name or "")
            out[h] = names[h].map(codes).astype(float)
            numeric_names = all(re.fullmatch(r"-?\d+(\.\d+)?", c) for c in codes)
            variables[h] = Variable(
                name=h,
                label=label,
                value_labels={
                    codes[c.name]: _label(c.labels, lang, c.name) for c in sheet.choices(fq)
                },
                measure="ordinal" if numeric_names else "nominal",
                format="F8.0" if all(float(v).is_integer() for v in codes.values()) else "F8.2",
            )
        elif fq.type in _NUMERIC_TYPES:
            num = pd.to_numeric(data[h], errors="coerce")
            bad = data[h].notna().to_numpy() & num.isna().to_numpy()
            for i in np.flatnonzero(bad):
                sheet.add(
                    i + 1, h, data[h].iloc[i], f"not a number ({fq.name} is {fq.type})", "value"
                )
            out[h] = num.astype(float)
            variables[h] = Variable(
                name=h,
                label=label,
                measure="scale",
                format="F8.2" if fq.type == "decimal" else "F8.0",
            )
        elif fq.type in _DATE_TYPES:
            text = data[h].astype("string").str.slice(0, 10 if fq.type in {"today", "date"} else 19)
            out[h] = pd.to_datetime(text, format="ISO8601", errors="coerce").astype(
                "datetime64[us]"
            )
            fmt_ = "SDATE10" if fq.type in {"today", "date"} else "DATETIME20"
            variables[h] = Variable(name=h, label=label, measure="scale", format=fmt_)
        else:
            out[h] = data[h]
            variables[h] = Variable(name=h, label=label, type="string", measure="nominal")
        columns_of[h] = [h]
    return out, variables, columns_of


def _option_columns(  # noqa: PLR0917
    sheet: _Sheet,
    cols: _Columns,
    name_table: pd.DataFrame,
    out: dict[str, Any],
    variables: dict[str, Variable],
    columns_of: dict[str, list[str]],
) -> None:
    """Step 3b: one 0/1 column per option of each select_multiple (added to ``out``)."""
    for q in sheet.questions:
        if q.type != "select_multiple" or q.name not in name_table.columns:
            continue
        picked_text = name_table[q.name]
        answered_mask = picked_text.notna().to_numpy()
        picked = picked_text.fillna("").astype(str).str.split()
        label = _label(q.labels, sheet.lang, q.name)
        option_cols: list[str] = []
        for c in sheet.choices(q):
            opt_col = f"{q.name}_{c.name}"
            if opt_col in out or (
                opt_col in cols.data.columns
                and opt_col not in cols.options.get(q.name, {}).values()
            ):
                raise SurveyReadError(
                    sheet.path,
                    sheet.fmt,
                    f"the option column {opt_col!r} of {q.name} clashes with a field of that name",
                )
            hit = picked.map(lambda words, name=c.name: name in words).to_numpy(dtype=bool)
            out[opt_col] = np.where(answered_mask, hit.astype(float), np.nan)
            variables[opt_col] = Variable(
                name=opt_col,
                label=f"{label} :: {_label(c.labels, sheet.lang, c.name)}",
                value_labels={0.0: "not selected", 1.0: "selected"},
                measure="nominal",
                format="F1.0",
            )
            option_cols.append(opt_col)
        columns_of[q.name] = option_cols
        if q.personal:
            cols.personal.append(q.name)


def _skip_logic(
    sheet: _Sheet,
    frame: pd.DataFrame,
    names: dict[str, pd.Series],
    name_table: pd.DataFrame,
    columns_of: dict[str, list[str]],
) -> dict[str, np.ndarray]:
    """Step 4: irrelevant and answered is a problem (kind ``skip``); irrelevant and empty is
    returned (column -> rows) to become "not applicable (skipped)"."""
    n = len(frame)
    skipped: dict[str, np.ndarray] = {}
    for q in sheet.questions:
        if not q.relevant or q.name not in columns_of:
            continue
        relevant = np.ones(n, dtype=bool)
        for expr in q.relevant:
            try:
                relevant &= evaluate_relevant(expr, name_table)
            except RelevantError as exc:
                raise SpecError(
                    sheet.frm.path,
                    f"survey.{q.name}.relevant",
                    f"cannot check the skip logic {expr!r}: {exc}. Supported: ${{q}} = 'x', !=, <, >, "
                    "<=, >=, and, or, not(...), selected(${q}, 'x'), parentheses",
                ) from None
        q_cols = columns_of[q.name]
        present = frame[q_cols].notna().any(axis=1).to_numpy()
        for i in np.flatnonzero(~relevant & present):
            shown = names[q.name].iloc[i] if q.name in names else frame[q_cols[0]].iloc[i]
            sheet.add(
                i + 1,
                q.name,
                shown,
                f"answered although the form's skip logic makes {q.name} not applicable "
                f"(relevant: {' and '.join(q.relevant)})",
                "skip",
            )
        rows = np.flatnonzero(~relevant & ~present)
        if len(rows):
            for qc in q_cols:
                if frame[qc].dtype.kind not in "mM":
                    skipped[qc] = rows
    return skipped


def read_field_survey(
    path: str | os.PathLike[str],
    *,
    form: str | os.PathLike[str] | Form | None,
    sheet: str | int | None,
    sep: str | None,
    language: str | None,
    codebook: Any,
    encoding: str | None,
    columns: list[str] | None,
) -> Survey:
    """:func:`stigma_analysis.io.read_survey` for a form export, an Excel file or a text file
    with another separator (the main table; see :func:`read_kobo` for repeat groups)."""
    from stigma_analysis.io._excel import finish_table, read_delimited, read_excel_survey

    p = Path(path)
    if form is not None:
        if codebook is not None:
            raise ValueError(
                f"{p.name}: codebook= and form= cannot be combined; the form is the codebook"
            )
        survey = read_kobo(
            p, form, language=language, sheet=sheet, sep=sep, encoding=encoding
        ).survey
        if columns is not None:
            absent = [c for c in columns if c not in survey.data.columns]
            if absent:
                raise SurveyReadError(
                    p,
                    survey.codebook.format,
                    f"some requested columns are not in the file: {absent}",
                )
            keep = list(columns)
            cb = replace(
                survey.codebook,
                variables={c: survey.codebook.variables[c] for c in keep},
                missing_cells={c: m for c, m in survey.codebook.missing_cells.items() if c in keep},
            )
            survey = Survey(data=survey.data[keep], codebook=cb)
        return survey
    if not p.is_file():
        raise SurveyReadError(p, p.suffix.lstrip(".") or "unknown", "the file does not exist")
    if p.suffix.lower() in {".xlsx", ".xlsm"}:
        return read_excel_survey(p, sheet=sheet, codebook=codebook, columns=columns)
    if sheet is not None:
        raise ValueError(f"sheet= applies to Excel files; {p.name} is not one")
    raw, used, notes = read_delimited(p, sep=sep, encoding=encoding, as_text=True)
    return finish_table(
        p, raw, "csv", codebook=codebook, columns=columns, encoding=used, notes=notes
    )
