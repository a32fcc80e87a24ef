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
from stigma_analysis.errors import SpecError
from stigma_analysis.instruments import Instrument, ScaleNorms
from stigma_analysis.instruments.model import spec_error_from_validation
from stigma_analysis.study import _cleaning
from stigma_analysis.study._cleaning import CleaningSpec

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
    language: str | None = None
    """The language version every row of this file answered in (``Khmer``); its rows get it in
    the ``design.language`` column. Two files may then share a wave if their languages differ."""

    @field_validator("language")
    @classmethod
    def _named(cls, v: str | None) -> str | None:
        if v is not None and not v.strip():
            raise ValueError("name the language version (e.g. Khmer), or leave the key out")
        return v.strip() if v is not None else v


class InstrumentUse(_Strict):
    """An instrument administered in the study, and where its items are."""

    instrument: str
    columns: str | dict[str | int, str]
    name: str
    reversed_response: bool = False
    """The file codes answers the opposite way to the instrument (1 = strongly agree where the
    instrument has 1 = strongly disagree): answers are flipped as (min + max) - x on loading."""
    norms: dict[str, ScaleNorms] = Field(default_factory=dict)
    """Study-supplied functional / dysfunctional norms per scale (same shape as the instrument
    definition's ``norms``): a scale given here replaces the definition's norms of that scale."""

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
    language: str | None = None
    """The column saying in which language version each respondent answered (e.g. Khmer, Thai).

    Unlike the other design columns it does not join ``groups``: tables are not broken down by
    it; the research report tests measurement equivalence across its versions."""

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
            _check_shared_waves(self.data)
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


def _check_shared_waves(data: Sequence[DataFile]) -> None:
    """Files may share a wave only as different language versions of it (``language:``)."""
    first: dict[int | None, int] = {}
    for j, d in enumerate(data):
        if d.wave not in first:
            first[d.wave] = j
            continue
        i = first[d.wave]
        a, b = data[i].language, d.language
        if a is None or b is None:
            raise ValueError(
                f"data[{j}].wave: data[{i}] and data[{j}] have the same wave number ({d.wave}); "
                "two files may share a wave only as different language versions, each with "
                "its own `language:`"
            )
        same = [k for k, e in enumerate(data[:j]) if e.wave == d.wave and e.language == b]
        if same:
            raise ValueError(
                f"data[{j}].language: data[{same[0]}] and data[{j}] are both wave {d.wave} in "
                f"{b}; give each language version of a wave one file"
            )


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
    def language(self) -> str | None:
        """The language-version column of the design (``design.language``), or None."""
        return self.spec.design.language

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


def _is_numeric(x: Any) -> bool:
    try:
        float(x)
    except (TypeError, ValueError):
        return False
    return True


def _as_code(v: Any) -> Any:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return v
    return f
