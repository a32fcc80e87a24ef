"""The study file (``study.yaml``) and the bound :class:`Study`.

A study file names the data files (one per wave, or one file with a wave column), the id
and design columns, the instruments and the columns that hold their items, the models the
reports fit, and the privacy rules (docs/FORMATS.md, "Study specification"). :func:`load_study`
parses and validates it with pydantic (every error names the file and the key path), reads
every wave with :func:`stigma_analysis.io.read_survey`, applies the study's extra missing
codes (remembering which code each missing cell had), drops the columns the privacy block
says must never be read past loading, and combines the waves into one long table keyed by
id and wave.

:func:`validate` then lists *every* data problem at once (out-of-range answers, non-numeric
answers, codes that are neither valid nor declared missing, duplicate ids, absent columns,
value labels that run opposite to an instrument's anchors) as a table.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from stigma_analysis._checks import DEFAULT_SEED
from stigma_analysis.errors import DataValidationError, SpecError
from stigma_analysis.instruments import Instrument, load_instrument
from stigma_analysis.instruments.model import spec_error_from_validation
from stigma_analysis.study import _cleaning
from stigma_analysis.study._cleaning import CleaningSpec
from stigma_analysis.study._problems import PROBLEM_COLUMNS
from stigma_analysis.study._problems import problem as _problem

if TYPE_CHECKING:
    from stigma_analysis.io import Codebook
    from stigma_analysis.privacy import DisclosurePolicy


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DataFile(_Strict):
    """One data file; ``wave`` is required when a study has several files."""

    path: str
    wave: int | None = None
    codebook: str | None = None
    """A codebook file for a CSV (YAML or CSV; see :func:`stigma_analysis.io.read_survey`)."""
    encoding: str | None = None
    form: str | None = None
    """The XLSForm of a KoboToolbox/ODK export (see :func:`stigma_analysis.io.read_kobo`)."""
    sheet: str | int | None = None
    sep: str | None = None


class InstrumentUse(_Strict):
    """An instrument administered in the study, and where its items are."""

    instrument: str
    columns: str | dict[str | int, str]
    name: str
    reversed_response: bool = False
    """The file codes answers the opposite way to the instrument (1 = strongly agree where the
    instrument has 1 = strongly disagree): answers are flipped as (min + max) - x on loading."""

    @field_validator("name")
    @classmethod
    def _snake(cls, v: str) -> str:
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", v):
            raise ValueError(f"must be a column-name prefix of letters, digits and _, got {v!r}")
        return v

    @field_validator("columns")
    @classmethod
    def _template(cls, v: Any) -> Any:
        if isinstance(v, str) and "{item}" not in v:
            raise ValueError(
                f"a column template must contain '{{item}}', e.g. 'ismi_{{item}}'; got {v!r}"
            )
        return v


class ModelSpec(_Strict):
    """A model the reports fit (see :func:`stigma_analysis.report.tables.fit_study_models`)."""

    name: str
    formula: str
    family: Literal[
        "gaussian",
        "binomial",
        "ordinal",
        "poisson",
        "negative_binomial",
        "mixed",
        "binomial_mixed",
        "gee",
    ] = "gaussian"
    groups: str | None = None
    """mixed, binomial_mixed and gee: the clustering column (the older name of ``cluster``)."""
    re_formula: str | None = None
    cluster: str | None = None
    """The column whose rows are not independent: the grouping of mixed, binomial_mixed and gee
    models; cluster-robust standard errors for the single-level families."""
    gee_cov: Literal["exchangeable", "ar1", "independence"] = "exchangeable"
    """gee: the working correlation."""
    time: str | None = None
    """gee with ar1: the column of measurement times (the wave column by default)."""
    waves: list[int] | None = None
    """The waves whose rows the model uses (``[1]``: a baseline model); default every wave."""

    @field_validator("waves")
    @classmethod
    def _some_waves(cls, v: list[int] | None) -> list[int] | None:
        if v is not None and not v:
            raise ValueError("list at least one wave, or leave the key out for every wave")
        if v is not None and len(set(v)) != len(v):
            raise ValueError("a wave is listed twice")
        return v

    @model_validator(mode="after")
    def _groups_needed(self) -> ModelSpec:
        if self.family in {"mixed", "binomial_mixed", "gee"} and not self.groups and self.cluster:
            # one name for one concept: ``cluster`` is the grouping of a multilevel model too
            object.__setattr__(self, "groups", self.cluster)
            object.__setattr__(self, "cluster", None)
        if self.family in {"mixed", "binomial_mixed", "gee"} and not self.groups:
            raise ValueError(
                f"family {self.family!r} needs 'groups' (the clustering column, e.g. resp_id)"
            )
        if "~" not in self.formula:
            raise ValueError(f"formula must look like 'outcome ~ predictors', got {self.formula!r}")
        return self


class PrivacySpec(_Strict):
    """Privacy rules: what may be published and what is never read."""

    min_cell: int = Field(default=5, ge=1)
    quasi_identifiers: list[str] = Field(default_factory=list)
    drop: list[str] = Field(default_factory=list)
    pseudonymize: str | None = None
    key_file: str | None = None
    """File holding the pseudonymisation key (else the STIGMA_PSEUDONYM_KEY variable)."""
    allow: list[str] = Field(default_factory=list)
    """Columns that look personal but may stay (e.g. a coarse district code)."""

    @field_validator("min_cell", mode="before")
    @classmethod
    def _whole_number(cls, v: Any) -> Any:
        # YAML reads `true`/`yes` as a boolean, which int would accept as 1 (no suppression)
        if isinstance(v, bool) or not isinstance(v, int):
            raise ValueError(f"must be a whole number of at least 1 (e.g. 5), got {v!r}")
        return v


class DesignSpec(_Strict):
    """The study design: which column is the arm, which arm is the comparison, and the sites.

    Every column named here is also a grouping column (added to ``groups``).
    """

    arm: str | None = None
    """The column of the programme / comparison arm (any name: ``arm``, ``programme``, ...)."""
    reference_arm: str | int | float | None = None
    """The comparison arm: a value (code) of the arm column, or its value label."""
    site: str | None = None
    """The column of the sites (or clusters) results are broken down by."""
    cluster: str | None = None
    """The column of the clusters of a cluster design (used as the site when ``site`` is absent)."""
    weights: str | None = None
    """A survey-weight column (the same as the top-level ``weights``)."""

    @model_validator(mode="after")
    def _arm_and_reference(self) -> DesignSpec:
        if self.arm is not None and self.reference_arm is None:
            raise ValueError(
                "reference_arm: name the comparison arm (a value of the arm column), "
                f"e.g. reference_arm: 2 for {self.arm!r}"
            )
        if self.reference_arm is not None and self.arm is None:
            raise ValueError("reference_arm is given without arm (the arm column)")
        return self


class StudySpec(_Strict):
    """The parsed study file (docs/FORMATS.md)."""

    title: str
    data: list[DataFile]
    id: str
    wave: str = "wave"
    """Name of the wave column in the combined table (read from the file when one file holds all waves)."""
    groups: list[str] = Field(default_factory=list)
    weights: str | None = None
    missing_codes: list[float] = Field(default_factory=list)
    instruments: list[InstrumentUse] = Field(default_factory=list)
    models: list[ModelSpec] = Field(default_factory=list)
    privacy: PrivacySpec = Field(default_factory=PrivacySpec)
    seed: int = DEFAULT_SEED
    design: DesignSpec = Field(default_factory=DesignSpec)
    language: str | None = None
    waves: dict[str, int] = Field(default_factory=dict)
    cleaning: CleaningSpec = Field(default_factory=CleaningSpec)

    @model_validator(mode="before")
    @classmethod
    def _text_waves(cls, raw: Any) -> Any:
        return _cleaning.resolve_text_waves(raw)

    @model_validator(mode="before")
    @classmethod
    def _design_columns_are_groups(cls, raw: Any) -> Any:
        """The design's columns join ``groups`` (scores and tables carry them); its weights are
        the study's weights."""
        if not isinstance(raw, Mapping) or not isinstance(raw.get("design"), Mapping):
            return raw
        design = raw["design"]
        out = dict(raw)
        groups = out.get("groups") or []
        if isinstance(groups, list):
            extra = [design.get(k) for k in ("site", "cluster", "arm")]
            extra = [c for c in extra if isinstance(c, str) and c not in groups]
            out["groups"] = [*groups, *extra]
        w = design.get("weights")
        if w is not None:
            if out.get("weights") not in (None, w):
                raise ValueError(
                    f"design.weights ({w!r}) and weights ({out['weights']!r}) differ; give one"
                )
            out["weights"] = w
        return out

    @field_validator("data", mode="before")
    @classmethod
    def _one_or_many(cls, v: Any) -> Any:
        if isinstance(v, str):
            return [{"path": v}]
        if isinstance(v, Mapping):
            return [v]
        return v

    @model_validator(mode="after")
    def _waves(self) -> StudySpec:
        if not self.data:
            raise ValueError("data: at least one data file is needed")
        if len(self.data) > 1:
            missing = [i for i, d in enumerate(self.data) if d.wave is None]
            if missing:
                raise ValueError(
                    f"data[{missing[0]}].wave: each file needs a wave number when there are several"
                )
            waves = [d.wave for d in self.data]
            if len(set(waves)) != len(waves):
                raise ValueError("data: two files have the same wave number")
        names = [u.name for u in self.instruments]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(
                f"instruments: the name {dupes[0]!r} is used twice (score columns would clash)"
            )
        mnames = [m.name for m in self.models]
        if len(set(mnames)) != len(mnames):
            raise ValueError("models: two models have the same name")
        return self


def _read_spec(path: Path) -> StudySpec:
    from stigma_analysis.io._yaml import load_yaml, read_spec_text

    try:
        text = read_spec_text(path, what="study file")
    except FileNotFoundError:
        raise SpecError(path, "", "study file not found") from None
    except UnicodeDecodeError:
        raise SpecError(path, "", "the study file is not UTF-8 text; save it as UTF-8") from None
    except OSError as exc:
        raise SpecError(path, "", f"cannot read the study file: {exc.strerror or exc}") from None
    raw = load_yaml(text, file=path)  # a key given twice is an error, not silently the last one
    if not isinstance(raw, Mapping):
        raise SpecError(path, "", "a study file must be a mapping of keys (title, data, id, ...)")
    try:
        return StudySpec.model_validate(dict(raw))
    except ValidationError as exc:
        raise spec_error_from_validation(exc, path) from None


@dataclass(frozen=True, slots=True, kw_only=True)
class BoundInstrument:
    """An instrument of the study with its column mapping (item id → data column)."""

    use: InstrumentUse
    instrument: Instrument
    columns: dict[str, str]
    file: Path | None
    """The instrument's definition file when it is not a shipped one."""

    @property
    def name(self) -> str:
        return self.use.name


@dataclass(frozen=True, kw_only=True)
class Study:
    """A loaded study: the combined long table, its codebooks and its instruments.

    Attributes
    ----------
    spec : StudySpec
        The parsed study file.
    path : Path
        The study file.
    data : pandas.DataFrame
        All waves, one row per respondent × wave, raw values (missing codes are NaN).
        Columns ``_file`` and ``_row`` give each row's file and 1-based row in it.
    codebooks : dict
        Wave → :class:`~stigma_analysis.io.Codebook` of that wave's file.
    instruments : tuple of BoundInstrument
    missing : pandas.DataFrame
        Every missing cell that had a code: ``wave, row, column, code, reason``.
    """

    spec: StudySpec
    path: Path
    data: pd.DataFrame
    codebooks: dict[int, Codebook]
    instruments: tuple[BoundInstrument, ...]
    missing: pd.DataFrame
    raw_problems: pd.DataFrame = field(repr=False)
    cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    """Results computed once per loaded study (``stigma_analysis.score`` keeps its scores here)."""
    cleaning: pd.DataFrame = field(default_factory=lambda: _cleaning.cleaning_table([]), repr=False)
    """Cleaning rules applied at loading: ``file, rule, column, detail, n``."""

    @property
    def folder(self) -> Path:
        return self.path.parent

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def wave(self) -> str:
        return self.spec.wave

    @property
    def waves(self) -> list[int]:
        return sorted(int(w) for w in self.data[self.spec.wave].dropna().unique())

    @property
    def arm(self) -> str | None:
        """The arm column of the design (``design.arm``), or None: never guessed from names."""
        return self.spec.design.arm

    @property
    def site(self) -> str | None:
        """The site column of the design (``design.site``, else ``design.cluster``), or None."""
        return self.spec.design.site or self.spec.design.cluster

    @property
    def reference_arm(self) -> Any:
        """The comparison arm as a value of the arm column (``design.reference_arm``), or None."""
        if self.arm is None:
            return None
        return _arm_value(self, self.spec.design.reference_arm)

    @property
    def groups(self) -> list[str]:
        """The grouping columns: ``groups`` and the design's columns."""
        return list(self.spec.groups)

    @property
    def files(self) -> list[Path]:
        """The study file, every data (and codebook) file and every user instrument file."""
        out = [self.path]
        for d in self.spec.data:
            out.append(self.folder / d.path)
            if d.codebook:
                out.append(self.folder / d.codebook)
            if d.form:
                out.append(self.folder / d.form)
        out += [b.file for b in self.instruments if b.file is not None]
        return out

    def instrument(self, name: str) -> BoundInstrument:
        for b in self.instruments:
            if b.name == name:
                return b
        raise ValueError(
            f"the study has no instrument named {name!r}; names: {[b.name for b in self.instruments]}"
        )

    @property
    def item_columns(self) -> list[str]:
        cols: list[str] = []
        for b in self.instruments:
            cols += [c for c in b.columns.values() if c not in cols]
        return cols

    def presence(self) -> pd.DataFrame:
        """Wide presence table: one row per respondent, one boolean column per wave."""
        w = self.spec.wave
        p = pd.crosstab(self.data[self.spec.id], self.data[w]).gt(0)
        p.columns = [f"wave_{int(c)}" for c in p.columns]
        return p

    def missing_by_reason(self) -> pd.DataFrame:
        """Missing cells by instrument, wave and reason: ``instrument, wave, reason, code, n_cells, n_respondents``."""
        cols = ["instrument", "wave", "reason", "code", "n_cells", "n_respondents"]
        if self.missing.empty:
            return pd.DataFrame(columns=cols)
        owner = {c: b.name for b in self.instruments for c in b.columns.values()}
        m = self.missing.assign(instrument=self.missing["column"].map(owner).fillna("(other)"))
        g = m.groupby(["instrument", "wave", "reason", "code"], dropna=False)
        out = g.agg(n_cells=("row", "size"), n_respondents=("row", "nunique")).reset_index()
        return out[cols]

    def validate(self) -> pd.DataFrame:
        """Every data problem as a table (``file, row, column, value, reason, kind``); empty if none."""
        from stigma_analysis.study._validate import validate_study

        return validate_study(self)

    @cached_property
    def pii(self) -> pd.DataFrame:
        """Columns that look like personal data and are neither dropped nor allowed.

        See :func:`stigma_analysis.privacy.scan_pii`; ``privacy.drop`` columns were never read,
        ``privacy.allow`` columns are accepted, and the id column is known (it never leaves).
        """
        from stigma_analysis.io._kobo import personal_columns
        from stigma_analysis.privacy import PII_COLUMNS, scan_pii

        cols = [c for c in self.data.columns if not str(c).startswith("_")]
        found = scan_pii(self.data[cols], allow=self.spec.privacy.allow, id_columns=(self.spec.id,))
        # columns a field form marks as personal (device, user, phone number, timestamps, GPS)
        # are personal whatever their content looks like
        declared = {c for cb in self.codebooks.values() for c in personal_columns(cb)}
        extra = sorted(
            c
            for c in declared
            if c in cols
            and c != self.spec.id
            and c not in self.spec.privacy.allow
            and c not in set(found["column"])
        )
        if not extra:
            return found
        rows = pd.DataFrame(
            {
                "column": extra,
                "kind": "metadata",
                "evidence": "marked personal by the field form (metadata or location)",
                "n_flagged": [int(self.data[c].notna().sum()) for c in extra],
                "share_flagged": 1.0,
            }
        )
        return pd.concat([found, rows.loc[:, list(PII_COLUMNS)]], ignore_index=True)

    def disclosure_policy(self, *, check_pii: bool = True) -> DisclosurePolicy:
        """The study's disclosure rules (``privacy`` block), for every published table and figure.

        Raises
        ------
        DisclosureError
            When a column looks like personal data and is neither in ``privacy.drop`` nor in
            ``privacy.allow`` (reports refuse to render until it is resolved).
        """
        from stigma_analysis.errors import DisclosureError
        from stigma_analysis.privacy import DisclosurePolicy

        flagged = self.pii
        if check_pii and not flagged.empty:
            cols = ", ".join(
                f"{c} ({k})" for c, k in zip(flagged["column"], flagged["kind"], strict=True)
            )
            raise DisclosureError(
                f"{self.path}: columns look like personal data: {cols}. Add them to privacy.drop "
                "(never read) or, if they are not personal, to privacy.allow in the study file"
            )
        ids = tuple(c for c in (self.spec.id, self.spec.privacy.pseudonymize) if c)
        return DisclosurePolicy(
            min_cell=self.spec.privacy.min_cell,
            id_columns=ids,
            pii_columns=tuple(flagged["column"]),
            quasi_identifiers=tuple(self.spec.privacy.quasi_identifiers),
            n_respondents=int(self.data[self.spec.id].nunique()),
        )

    def value_labels(self, column: str) -> dict[Any, str]:
        """Value labels of ``column`` (from the first wave's codebook that has any)."""
        for _, cb in sorted(self.codebooks.items()):
            var = cb.variables.get(column)
            if var is not None and var.value_labels:
                return dict(var.value_labels)
        return {}

    def labelled(self, frame: pd.DataFrame, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """A copy of ``frame`` with coded columns (default: the group columns) shown by their labels.

        Codes without a label are kept as they are; the result is categorical in code order.
        """
        out = frame.copy()
        for col in columns if columns is not None else self.spec.groups:
            labels = self.value_labels(col)
            if col not in out.columns or not labels:
                continue
            codes = sorted(labels, key=lambda c: (isinstance(c, str), c))
            mapped = out[col].map(lambda v, lab=labels: lab.get(v, lab.get(_as_code(v), v)))
            order = [labels[c] for c in codes] + [
                v for v in mapped.dropna().unique() if v not in labels.values()
            ]
            out[col] = pd.Categorical(mapped, categories=list(dict.fromkeys(order)))
        return out


# ---------------------------------------------------------------------------- loading


def load_study(path: str | Path) -> Study:
    """Read a study file and its data files into a :class:`Study`.

    Parameters
    ----------
    path : str or Path
        The ``study.yaml``. Paths inside it are relative to its folder.

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
    for part in ("arm", "site", "cluster", "weights"):
        if getattr(spec.design, part) in (spec.id, spec.wave):
            raise SpecError(
                path, f"design.{part}", f"{getattr(spec.design, part)!r} is the id or wave column"
            )
    for j, g in enumerate(spec.groups):
        if g == spec.id:
            raise SpecError(
                path,
                f"groups[{j}]",
                f"{g!r} is the id column; groups are design columns such as site or arm "
                "(a respondent is not a group)",
            )

    bound: list[BoundInstrument] = []
    for i, use in enumerate(spec.instruments):
        try:
            ins = load_instrument(use.instrument, base=folder)
        except SpecError as exc:
            if exc.file is None:
                raise SpecError(path, f"instruments[{i}].instrument", exc.expected) from None
            raise
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

    frames: list[pd.DataFrame] = []
    codebooks: dict[int, Codebook] = {}
    missing_parts: list[pd.DataFrame] = []
    problems: list[dict[str, Any]] = []
    item_cols = {c for b in bound for c in b.columns.values()}
    drop = set(spec.privacy.drop)
    dropped_from: list[set[str]] = []
    id_kinds: dict[str, str] = {}
    cleaning_log: list[dict[str, Any]] = []
    for entry in spec.data:
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
        problems += form_problems
        dropped_from.append({c for c in survey.data.columns if c in drop})
        if spec.id in survey.data.columns:
            id_kinds[entry.path] = (
                "numbers" if pd.api.types.is_numeric_dtype(survey.data[spec.id]) else "text"
            )
        df = survey.data.drop(columns=[c for c in survey.data.columns if c in drop])
        fname = entry.path
        df, codebook = _cleaning.apply(
            df, survey.codebook, spec, bound=bound, fname=fname, study_path=path, log=cleaning_log
        )
        for b in bound:
            for item, col in b.columns.items():
                if col not in df.columns:
                    problems.append(
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
            wave_values = pd.Series(entry.wave, index=df.index, dtype="int64")
        elif spec.wave in df.columns:
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
            wave_values = wave_values.astype("int64")
        else:
            wave_values = pd.Series(1, index=df.index, dtype="int64")
        df = df.assign(**{spec.wave: wave_values.to_numpy()})
        df[spec.id] = _id_text(df[spec.id])
        order = list(df.columns)

        # the study's extra missing codes: numeric columns except id, wave and weights
        # (like SPSS `MISSING VALUES ALL`); each coded cell is remembered with its code.
        # Then the declared reversal of the response coding (after, so codes stay codes).
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
        for b in bound:
            if b.use.reversed_response:
                lo, hi = b.instrument.response.min, b.instrument.response.max
                for c in dict.fromkeys(b.columns.values()):
                    if c in df.columns:
                        updates[c] = (lo + hi) - pd.to_numeric(
                            updates.get(c, df[c]), errors="coerce"
                        )
        meta = pd.DataFrame({"_file": fname, "_row": np.arange(1, len(df) + 1)}, index=df.index)
        rest = df.drop(columns=list(updates))
        df = pd.concat([meta, rest, pd.DataFrame(updates, index=df.index)], axis=1)
        df = df[["_file", "_row", *order]]

        wave_ids = sorted({int(w) for w in df[spec.wave]})
        for wv in wave_ids:
            codebooks[wv] = codebook
        missing_parts.append(_missing_table(codebook, df, spec.wave, fname))
        frames.append(df)

    data = pd.concat(frames, ignore_index=True, sort=False) if len(frames) > 1 else frames[0]
    if len(set(id_kinds.values())) > 1:
        numeric = [f for f, k in id_kinds.items() if k == "numbers"]
        text = [f for f, k in id_kinds.items() if k == "text"]
        problems.append(
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
        if not any(c in seen for seen in dropped_from):
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
    missing = pd.concat(missing_parts, ignore_index=True) if missing_parts else _empty_missing()
    data, missing = _cleaning.finish(data, missing, spec, study_path=path, log=cleaning_log)

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

    for part in ("arm", "site", "cluster", "weights"):
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

    study = Study(
        spec=spec,
        path=path.resolve(),
        data=data,
        codebooks=codebooks,
        instruments=tuple(bound),
        missing=missing,
        raw_problems=pd.DataFrame(problems, columns=PROBLEM_COLUMNS),
        cleaning=_cleaning.cleaning_table(cleaning_log),
    )
    if spec.design.arm is not None:
        try:
            _arm_value(study, spec.design.reference_arm)
        except ValueError as exc:
            raise SpecError(path, "design.reference_arm", str(exc)) from None
    return study


def _arm_value(study: Study, given: Any) -> Any:
    """The value of the arm column that ``given`` names (the value itself, or its label)."""
    arm = study.spec.design.arm
    if arm is None:
        return None
    values = sorted(pd.unique(study.data[arm].dropna()), key=lambda v: (isinstance(v, str), v))
    for v in values:
        if (
            v == given
            or str(v) == str(given)
            or (_is_numeric(v) and _as_code(given) == _as_code(v))
        ):
            return v.item() if isinstance(v, np.generic) else v
    labels = study.value_labels(arm)
    for code, label in labels.items():
        names = {str(label).strip().lower(), str(label).split(" / ", 1)[0].strip().lower()}
        if str(given).strip().lower() in names:
            for v in values:
                if _as_code(v) == _as_code(code):
                    return v.item() if isinstance(v, np.generic) else v
    shown = ", ".join(
        f"{v}" + (f" ({labels.get(v, labels.get(_as_code(v)))})" if labels else "") for v in values
    )
    raise ValueError(f"{given!r} is not a value of the arm column {arm!r} (values: {shown})")


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


def _is_numeric(x: Any) -> bool:
    try:
        float(x)
    except (TypeError, ValueError):
        return False
    return True


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


def _as_code(v: Any) -> Any:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return v
    return f


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
