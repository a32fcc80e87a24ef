"""``context(study, params)``: what both report documents share, built once per render.

The documents in ``analysis/`` used to copy one prelude each (``say``, ``show``, ``labels``,
the arm and site found by column name, the seed of the front matter). :class:`ReportContext`
holds that prelude in one place: the loaded study, its disclosure policy, its scores, the
design (arm, comparison arm and site from the study file's ``design`` block, never guessed),
the seed (the study's ``seed:`` unless the document's ``seed`` parameter overrides it) and the
helpers that show a table only through the privacy gate.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from stigma_analysis.report import tables as tbl

if TYPE_CHECKING:
    from stigma_analysis.privacy import DisclosurePolicy
    from stigma_analysis.report._show import Table
    from stigma_analysis.study import BoundInstrument, Study

__all__ = ["ReportContext", "SmallGroups", "context", "small_groups"]


@dataclass(kw_only=True)
class ReportContext:
    """The shared state of a report: study, gate, scores, design and display helpers.

    Attributes
    ----------
    study : Study
    policy : DisclosurePolicy
        The one gate every shown table passes (:meth:`show`).
    scores : pandas.DataFrame
        ``stigma_analysis.score(study)``, one row per respondent x wave.
    seed : int
        The study file's ``seed:``, unless the document was given another ``seed``.
    arm, site : str or None
        The design's arm and site columns (``design.arm``, ``design.site`` / ``design.cluster``).
    reference_arm : value or None
        The comparison arm (``design.reference_arm``), as a value of the arm column.
    programme_arms : list
        The other arms, in code order.
    arm_label : dict
        Arm value -> its label (the part before `` / `` of a bilingual label).
    provisional : list of BoundInstrument
        Instruments whose definition is provisional.
    small_groups : SmallGroups
        The groups pooled or withheld because they are small (:func:`small_groups`); the
        ``study`` and ``scores`` are already without the withheld respondents.
    scoring_notes : list of str
        Other warnings raised while scoring (distinct, in order).
    """

    study: Study
    params: dict[str, Any]
    policy: DisclosurePolicy
    scores: pd.DataFrame
    seed: int
    arm: str | None
    site: str | None
    reference_arm: Any
    programme_arms: list[Any]
    arm_label: dict[Any, str]
    provisional: list[BoundInstrument] = field(default_factory=list)
    provisional_warned: bool = False
    scoring_notes: list[str] = field(default_factory=list)
    small_groups: SmallGroups | None = None

    @property
    def withheld_note(self) -> str:
        """One sentence saying which kind of groups were left out of the report (or ``""``)."""
        return self.small_groups.note if self.small_groups is not None else ""

    # -------------------------------------------------------------- the study's shape
    @property
    def spec(self) -> Any:
        return self.study.spec

    @property
    def min_cell(self) -> int:
        return int(self.policy.min_cell)

    @property
    def wave(self) -> str:
        return self.study.wave

    @property
    def id(self) -> str:
        return self.study.id

    @property
    def waves(self) -> list[int]:
        return self.study.waves

    @property
    def first(self) -> int:
        return self.waves[0]

    @property
    def last(self) -> int:
        return self.waves[-1]

    @property
    def instruments(self) -> list[BoundInstrument]:
        return list(self.study.instruments)

    @property
    def title(self) -> str:
        return str(self.spec.title)

    @property
    def groups(self) -> list[str]:
        """The study's grouping columns (``groups`` and the design's columns)."""
        return list(self.spec.groups)

    def primary(self, b: BoundInstrument) -> str:
        """The scale the report leads with (:func:`~stigma_analysis.report.tables.primary_scale`)."""
        return tbl.primary_scale(b.instrument)

    def column(self, b: BoundInstrument, scale: str | None = None) -> str:
        """The score column of ``scale`` (default: the primary scale)."""
        return tbl.score_column(b, self.primary(b) if scale is None else scale)

    def higher_is_better(self, b: BoundInstrument) -> bool:
        return tbl.higher_is_better(b.instrument)

    def direction(self, b: BoundInstrument) -> str:
        return str(b.instrument.direction)

    def plain(self, b: BoundInstrument) -> str:
        """What the instrument measures, from its definition's ``name``."""
        return tbl.plain_name(b.instrument)

    def heading(self, b: BoundInstrument) -> str:
        """``**Name** (SHORT; lower is better)``."""
        way = "higher" if self.higher_is_better(b) else "lower"
        short = tbl.short_name(b.instrument)
        tag = f"{short}; " if short != self.plain(b) else ""
        return f"**{self.plain(b)}** ({tag}{way} is better)"

    def arm_name(self, value: Any) -> str:
        return self.arm_label.get(value, str(value))

    def group_words(self, columns: Sequence[str | None]) -> str:
        """``["site", "arm"]`` -> ``"site and arm"`` (empty names left out)."""
        names = [str(c) for c in columns if c]
        if not names:
            return ""
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]

    # -------------------------------------------------------------- people
    def seen_at_both(self, first: int | None = None, last: int | None = None) -> pd.DataFrame:
        """Score rows of the people seen at both ``first`` and ``last`` (default first, last wave).

        Figures and tables of change use these people only: mixing everyone seen at each visit
        with the people seen at both makes drop-out look like change.
        """
        a = self.first if first is None else first
        z = self.last if last is None else last
        s = self.scores
        at_a = set(s.loc[s[self.wave] == a, self.id])
        at_z = set(s.loc[s[self.wave] == z, self.id])
        both = at_a & at_z
        return s[s[self.id].isin(both) & s[self.wave].isin([a, z])]

    # -------------------------------------------------------------- display
    def say(self, text: str) -> None:
        """Show Markdown text."""
        from IPython.display import Markdown, display

        display(Markdown(text))

    def show(
        self,
        df: pd.DataFrame,
        *,
        digits: Any = 2,
        rename: Mapping[str, str] | None = None,
        **options: Any,
    ) -> Table:
        """A table through the privacy gate (small cells suppressed, no ids), then formatted."""
        from stigma_analysis.report._show import show_table

        safe = self.policy.disclose(df, **options)
        if rename:
            safe = safe.rename(columns=dict(rename))
        return show_table(safe, digits=digits)

    def labels(self, df: pd.DataFrame) -> pd.DataFrame:
        """Group codes shown by their value labels (as text, in code order)."""
        out = self.study.labelled(df, columns=self.groups)
        for g in self.groups:
            if g in out.columns:
                out[g] = out[g].astype(str)
        return out


def _as_path(study: Any) -> str | os.PathLike[str]:
    return study if isinstance(study, str | os.PathLike) else str(study)


def context(
    study: Study | str | os.PathLike[str], params: Mapping[str, Any] | None = None
) -> ReportContext:
    """Load a study (if given a path) and build the shared state of a report.

    Parameters
    ----------
    study : Study or path
        The study, or its ``study.yaml``.
    params : mapping, optional
        The document's parameters; ``seed`` (None or absent: the study's ``seed:``).

    Returns
    -------
    ReportContext

    Raises
    ------
    DisclosureError
        A column looks personal and is neither dropped nor allowed (the report must not go on).
    """
    from stigma_analysis.scoring import ProvisionalInstrumentWarning, score
    from stigma_analysis.study import Study, load_study

    if not isinstance(study, Study):
        study = load_study(Path(_as_path(study)))
    ref = study.reference_arm  # before withholding: the comparison arm may be withheld
    small = small_groups(study)
    study = small.study
    params = dict(params or {})
    seed_param = params.get("seed")
    seed = int(study.spec.seed) if seed_param in (None, "", "null") else int(seed_param)
    params["seed"] = seed
    policy = study.disclosure_policy()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        scores = score(study, on_invalid=str(params.get("invalid") or "raise"))  # type: ignore[arg-type]
    provisional_warned = any(issubclass(w.category, ProvisionalInstrumentWarning) for w in caught)
    notes = list(
        dict.fromkeys(
            str(w.message)
            for w in caught
            if not issubclass(w.category, ProvisionalInstrumentWarning | DeprecationWarning)
        )
    )
    arm, site = study.arm, study.site
    programme: list[Any] = []
    arm_label: dict[Any, str] = {}
    if arm is not None:
        codes = sorted(pd.unique(scores[arm].dropna()), key=lambda v: (isinstance(v, str), v))
        codes = [c.item() if hasattr(c, "item") else c for c in codes]
        labels = study.value_labels(arm)
        arm_label = {
            c: tbl.figure_label(
                labels.get(c, labels.get(float(c), c)) if _num(c) else labels.get(c, c)
            )
            for c in codes
        }
        programme = [c for c in codes if c != ref]
        if ref is not None and not any(_same(c, ref) for c in codes):
            programme = []  # the comparison arm was withheld (too small): nothing to compare
    return ReportContext(
        study=study,
        params=params,
        policy=policy,
        scores=scores,
        seed=seed,
        arm=arm,
        site=site,
        reference_arm=ref,
        programme_arms=programme,
        arm_label=arm_label,
        provisional=[b for b in study.instruments if b.instrument.status == "provisional"],
        provisional_warned=provisional_warned,
        scoring_notes=notes,
        small_groups=small,
    )


def _same(a: Any, b: Any) -> bool:
    return bool(a == b) or (_num(a) and _num(b) and float(a) == float(b))


def _num(v: Any) -> bool:
    try:
        float(v)
    except (TypeError, ValueError):
        return False
    return True


# ----------------------------------------------------------------------------- small groups
POOLED_LABEL = "other sites (small)"


@dataclass(frozen=True, kw_only=True)
class SmallGroups:
    """A study as its reports break it down: small groups pooled, too-small ones withheld.

    Attributes
    ----------
    study : Study
        The study without the withheld respondents, small levels recoded to one pooled level.
    pooled : dict
        Grouping column -> the levels recoded to the pooled level (its label ``POOLED_LABEL``).
    withheld : dict
        Grouping column -> the levels whose respondents are left out of the whole report.
    n_withheld : int
        Respondents left out (never published).
    """

    study: Study
    pooled: dict[str, list[Any]]
    withheld: dict[str, list[Any]]
    n_withheld: int

    @property
    def note(self) -> str:
        """One sentence for the reader; it names no group and gives no count."""
        if not self.withheld:
            return ""
        kinds = []
        for column, levels in self.withheld.items():
            what = f"{column} group"
            kinds.append(f"{len(levels)} {what}{'s' if len(levels) > 1 else ''}")
        min_cell = self.study.spec.privacy.min_cell
        return (
            f"To protect their participants, {' and '.join(kinds)} with fewer than {min_cell} "
            "people at some visit (after pooling small groups) "
            f"{'are' if len(kinds) > 1 or any(len(v) > 1 for v in self.withheld.values()) else 'is'}"
            " left out of every table and figure of this report, totals included."
        )


def _small(data: pd.DataFrame, column: str, *, id_col: str, wave: str, min_cell: int) -> list[Any]:
    """Levels of ``column`` with 1 .. min_cell - 1 distinct respondents at some wave."""
    present = data.dropna(subset=[column])
    if present.empty:
        return []
    n = present.groupby([column, wave])[id_col].nunique()
    small = n[(n >= 1) & (n < min_cell)].index.get_level_values(0)
    return sorted(pd.unique(small), key=lambda v: (isinstance(v, str), v))


def small_groups(study: Study) -> SmallGroups:
    """Pool and withhold the small levels of the study's grouping columns (issue 11).

    A level of a grouping column with fewer than ``privacy.min_cell`` distinct respondents at
    any wave appears, with every other such level of its column, as one pooled level
    (``"other sites (small)"``) in every breakdown. When the pooled level is itself below
    ``min_cell`` at some wave (or only one level is small), its respondents are left out of
    the whole report: a withheld group cannot be recovered by subtracting the shown groups
    from a total, because no total counts them. Small arm levels are never pooled (that would
    mix a programme into a comparison); they are withheld. Repeats until no level is small
    (withholding people can make another level small).

    Parameters
    ----------
    study : Study

    Returns
    -------
    SmallGroups
    """
    import dataclasses

    min_cell = int(study.spec.privacy.min_cell)
    id_col, wave, arm = study.id, study.wave, study.arm
    data = study.data
    codebooks = study.codebooks
    pooled: dict[str, list[Any]] = {}
    withheld: dict[str, list[Any]] = {}
    for _ in range(10):
        out: set[Any] = set()
        changed = False
        for column in study.groups:
            if column not in data.columns:
                continue
            small = _small(data, column, id_col=id_col, wave=wave, min_cell=min_cell)
            if not small:
                continue
            changed = True
            rows = data[column].isin(small)
            if column != arm and len(small) > 1:
                merged = data.loc[rows, [id_col, wave]].groupby(wave)[id_col].nunique()
                if ((merged == 0) | (merged >= min_cell)).all():
                    code = _new_code(data[column])
                    data = data.assign(**{column: data[column].mask(rows, code)})
                    pooled.setdefault(column, []).extend(small)
                    codebooks = _with_label(codebooks, column, code, POOLED_LABEL)
                    continue
            withheld.setdefault(column, []).extend(small)
            out |= set(data.loc[rows, id_col])
        if not changed:
            break
        if out:
            data = data[~data[id_col].isin(out)]
    kept = len(data) == len(study.data)
    if not pooled and kept:
        return SmallGroups(study=study, pooled={}, withheld={}, n_withheld=0)
    n_out = int(study.data[id_col].nunique() - data[id_col].nunique())
    missing = study.missing
    if not kept and not missing.empty:
        # a missing cell is kept with its row (file and 1-based row in it)
        kept_rows = pd.MultiIndex.from_arrays([data["_file"].astype(str), data["_row"].astype(int)])
        where = pd.MultiIndex.from_arrays([missing["file"].astype(str), missing["row"].astype(int)])
        missing = missing[where.isin(kept_rows)].reset_index(drop=True)
    smaller = dataclasses.replace(
        study, data=data.reset_index(drop=True), missing=missing, codebooks=codebooks, cache={}
    )
    return SmallGroups(study=smaller, pooled=pooled, withheld=withheld, n_withheld=n_out)


def _new_code(values: pd.Series) -> Any:
    codes = list(pd.unique(values.dropna()))
    if codes and all(_num(v) for v in codes):
        return float(max(float(v) for v in codes)) + 1.0
    return POOLED_LABEL


def _with_label(codebooks: dict[int, Any], column: str, code: Any, label: str) -> dict[int, Any]:
    import dataclasses

    out = {}
    for w, cb in codebooks.items():
        var = cb.variables.get(column)
        if var is not None and var.value_labels:
            var = dataclasses.replace(var, value_labels={**var.value_labels, code: label})
            cb = dataclasses.replace(cb, variables={**cb.variables, column: var})
        out[w] = cb
    return out
