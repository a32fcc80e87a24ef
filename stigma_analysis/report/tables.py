"""Tidy results → publication tables (and aggregate figures) for the reports.

Every function here turns results of the package API (a :class:`~stigma_analysis.study.Study`,
:func:`~stigma_analysis.reliability.reliability`, :func:`~stigma_analysis.structure.cfa`,
:func:`~stigma_analysis.models.fit_models`, the evaluation functions) into the aggregate tables
the documents in ``analysis/`` show. None of them publishes anything: every table still goes
through ``study.disclosure_policy().disclose(...)`` before display, and the figures here are
drawn from tables that have already passed it (:func:`numeric` turns the disclosed display
table back into numbers, hidden cells as NaN). Nothing here reads or returns respondent-level
rows.

Study-dependent choices are derived from the instrument definitions, never hard-wired:

- :func:`primary_scale` - the scale a report leads with (the first scale with cut-offs, else
  ``total``, else the first scale);
- :func:`higher_is_better` - the direction of improvement (the instrument's required
  ``direction``);
- :func:`plain_name`, :func:`short_name` - names for programme staff and for tables, from the
  instrument's ``name`` (and the ``ismi29`` -> ``ISMI-29`` pattern of shipped ids).
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from stigma_analysis.report._figures import plot_binned, plot_means

if TYPE_CHECKING:
    from stigma_analysis.instruments import Instrument
    from stigma_analysis.study import BoundInstrument, Study

__all__ = [
    "StudyModel",
    "alpha_by_wave",
    "captured_warnings",
    "cfa_min_n",
    "cfa_parameters",
    "cfa_table",
    "change_counts",
    "ci_column",
    "correlation_table",
    "cutoff_table",
    "disclose_blocks",
    "figure_label",
    "fit_study_models",
    "format_p",
    "group_means",
    "higher_is_better",
    "instrument_table",
    "invariance_table",
    "invariance_verdicts",
    "missing_table",
    "model_table",
    "numeric",
    "plain_name",
    "plot_binned",
    "plot_means",
    "primary_scale",
    "reliability_table",
    "sample_table",
    "scale_alpha",
    "scale_label",
    "score_bins",
    "score_column",
    "short_name",
    "with_ci",
    "without_counts",
]


# ----------------------------------------------------------------------------- naming
def primary_scale(instrument: Instrument) -> str:
    """The scale a report leads with: the first scale with cut-offs, else ``total``, else the first."""
    for scale in instrument.scales:
        if instrument.cutoffs.get(scale):
            return str(scale)
    if "total" in instrument.scales:
        return "total"
    return str(next(iter(instrument.scales)))


def higher_is_better(instrument: Instrument) -> bool:
    """Whether a higher score means the person is doing better (the instrument's ``direction``)."""
    return instrument.direction == "higher_is_better"


def short_name(instrument: Instrument) -> str:
    """``ismi29`` -> ``ISMI-29``; other instruments by their ``name`` without its parentheses."""
    m = re.fullmatch(r"([a-z]+)(\d+)", instrument.id)
    if m:
        return f"{m.group(1).upper()}-{m.group(2)}"
    return plain_name(instrument)


def plain_name(instrument: Instrument) -> str:
    """The instrument's ``name`` without parenthetical remarks (``"Reintegration index"``)."""
    return re.sub(r"\s*\(.*?\)\s*", " ", instrument.name).strip() or instrument.id


def scale_label(scale: str) -> str:
    """``total_excl_sr`` → ``total excl sr``."""
    return str(scale).replace("_", " ")


def figure_label(label: Any) -> str:
    """The part of a bilingual value label before `` / `` (figures use Latin-script fonts only)."""
    text = str(label)
    return text.split(" / ", 1)[0].strip() if " / " in text else text


def with_ci(low: Any, high: Any, *, digits: int = 2) -> pd.Series:
    """``[low, high]`` strings (no-break space after the comma; empty where either end is not a
    number, e.g. suppressed)."""
    lows = pd.Series(low).reset_index(drop=True)
    highs = pd.Series(high).reset_index(drop=True)
    out = []
    for lo, hi in zip(lows, highs, strict=True):
        if _is_number(lo) and _is_number(hi):
            # a no-break space keeps an interval on one line in a narrow table
            out.append(f"[{float(lo):.{digits}f},\u00a0{float(hi):.{digits}f}]")
        else:
            out.append("")
    return pd.Series(out, index=pd.Series(low).index if isinstance(low, pd.Series) else None)


def _is_number(v: Any) -> bool:
    return (
        isinstance(v, int | float | np.integer | np.floating)
        and not isinstance(v, bool)
        and math.isfinite(float(v))
    )


def ci_column(
    table: pd.DataFrame,
    *,
    low: str = "ci_low",
    high: str = "ci_high",
    name: str = "95% CI",
    digits: int = 2,
) -> pd.DataFrame:
    """Replace the ``low`` and ``high`` columns of a (disclosed) table by one ``[low, high]`` text column."""
    out = table.copy()
    at = list(out.columns).index(low)
    text = with_ci(out[low], out[high], digits=digits)
    out = out.drop(columns=[low, high])
    out.insert(at, name, text.to_numpy())
    return out


_HIDDEN = re.compile(r"^(<\d+|n<\d+|\[c\])$")


def numeric(table: pd.DataFrame, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """A disclosed display table with its hidden cells (``"<5"``, ``"[c]"``, ``"n<5"``) as NaN.

    Only columns whose every value is a number, missing or a suppression marker are converted;
    text columns (terms, labels) stay as they are.
    """
    out = table.copy()
    for c in columns if columns is not None else list(out.columns):
        col = out[c]
        if not (col.dtype == object or pd.api.types.is_string_dtype(col)):
            continue
        values = col.to_numpy(dtype=object)
        ok = all(
            v is None
            or (isinstance(v, float) and math.isnan(v))
            or _is_number(v)
            or (isinstance(v, str) and _HIDDEN.match(v.strip()) is not None)
            for v in values
        )
        if ok:
            out[c] = pd.to_numeric(
                col.where(~col.map(lambda v: isinstance(v, str))), errors="coerce"
            )
    return out


_SIZES = re.compile(r"\s*\(n = \d+\)")


_CODE = re.compile(r"(?<![\d.])(\d+\.\d+|\d+)(?![\d.])")


def _name_groups(message: str, labels: dict[Any, str]) -> str:
    """Group codes (``2.0``) in a message replaced by their value labels."""
    if not labels:
        return message
    by_value = {float(k): v for k, v in labels.items() if _is_number(k)}

    def swap(m: re.Match[str]) -> str:
        text = m.group(1)
        if "." not in text:
            return text
        return by_value.get(float(text), text)

    return _CODE.sub(swap, message)


def without_counts(message: str) -> str:
    """A warning message with its ``(n = 123)`` group sizes removed (they are not disclosed)."""
    return _SIZES.sub("", message)


@contextmanager
def captured_warnings() -> Iterator[list[str]]:
    """Collect the warnings raised in the block as distinct messages (in order), not emitted."""
    found: list[str] = []
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always")
        try:
            yield found
        finally:
            for r in records:
                text = str(r.message)
                if text not in found:
                    found.append(text)


# ----------------------------------------------------------------------------- sample
def _labelled_groups(study: Study, frame: pd.DataFrame, groups: Sequence[str]) -> pd.DataFrame:
    out = study.labelled(frame, columns=list(groups))
    for g in groups:
        if isinstance(out[g].dtype, pd.CategoricalDtype):
            out[g] = out[g].cat.remove_unused_categories()
    return out


def sample_table(
    study: Study, *, rows: str | None = None, columns: str | None = None
) -> pd.DataFrame:
    """Respondents per wave as one two-way table per wave (rows x columns, with margins).

    Parameters
    ----------
    study : Study
    rows, columns : str, optional
        Group columns of the rows and of the columns (default: the study's first and second
        group columns). Without groups, one ``Total`` row per wave.

    Returns
    -------
    pandas.DataFrame
        Columns: the wave column, ``rows`` (value labels; ``Total`` on each wave's last row),
        one integer column per value label of ``columns`` and a ``Total`` column. Disclose it
        block by block (:func:`disclose_blocks` with ``block=<wave>``): each wave is a
        contingency table whose margins are shown, so complementary suppression protects both
        the cells and the row totals (a small site cannot be recovered from the margins).
    """
    groups = list(study.spec.groups)
    rows = rows if rows is not None else (groups[0] if groups else None)
    columns = columns if columns is not None else (groups[1] if len(groups) > 1 else None)
    keep = [study.id, study.wave] + [g for g in (rows, columns) if g]
    data = study.data[keep].drop_duplicates([study.id, study.wave])
    lab = _labelled_groups(study, data, [g for g in (rows, columns) if g])
    blocks = []
    for w in study.waves:
        part = lab[lab[study.wave] == w]
        r = part[rows] if rows else pd.Series("all", index=part.index, name="group")
        if columns:
            table = pd.crosstab(r, part[columns])
        else:
            table = r.value_counts(sort=False).to_frame("n")
        table.columns = [str(c) for c in table.columns]
        table.index = [str(i) for i in table.index]
        table["Total"] = table.sum(axis=1)
        total = table.sum(axis=0).to_frame().T
        total.index = ["Total"]
        block = pd.concat([table, total]).astype("int64")
        block.insert(0, rows or "group", block.index)
        block.insert(0, study.wave, int(w))
        blocks.append(block.reset_index(drop=True))
    return pd.concat(blocks, ignore_index=True)


BLANK = "blank (no answer)"
"""The reason of an item answer left empty (no missing-value code)."""


def _blank_answers(study: Study) -> pd.DataFrame:
    """Empty item answers without a missing code: ``instrument, wave, reason, code, n_cells,
    n_respondents`` (as :meth:`Study.missing_by_reason`).

    A column absent from a wave's file (every answer empty at that wave) is not counted: the
    item was not asked there.
    """
    data = study.data
    coded = study.missing
    position = pd.Series(
        np.arange(len(data)), index=pd.MultiIndex.from_arrays([data["_file"], data["_row"]])
    )
    rows = []
    for b in study.instruments:
        cols = [c for c in dict.fromkeys(b.columns.values()) if c in data.columns]
        if not cols:
            continue
        empty = data[cols].isna().to_numpy()
        mine = coded[coded["column"].isin(cols)]
        if len(mine):
            at = position.reindex(pd.MultiIndex.from_arrays([mine["file"], mine["row"]])).to_numpy()
            ok = ~pd.isna(at)
            col_at = pd.Index(cols).get_indexer(pd.Index(mine["column"]))
            empty[at[ok].astype(np.int64), col_at[ok]] = False
        for w in study.waves:
            in_wave = (data[study.wave] == w).to_numpy()
            block = empty[in_wave]
            asked = ~data.loc[in_wave, cols].isna().all(axis=0).to_numpy()
            block = block[:, asked]
            n_cells = int(block.sum())
            if n_cells:
                rows.append(
                    {
                        "instrument": b.name,
                        "wave": int(w),
                        "reason": BLANK,
                        "code": np.nan,
                        "n_cells": n_cells,
                        "n_respondents": int(block.any(axis=1).sum()),
                    }
                )
    return pd.DataFrame(
        rows, columns=["instrument", "wave", "reason", "code", "n_cells", "n_respondents"]
    )


def missing_table(study: Study) -> pd.DataFrame:
    """Missing item answers by instrument and reason (rows) and wave (columns).

    Coded answers (refused, don't know, ...) by their reason, and answers left empty as
    ``"blank (no answer)"``.

    Returns
    -------
    pandas.DataFrame
        Index ``instrument, reason``; per wave two integer columns ``wave w: answers`` (missing
        item answers) and ``wave w: respondents`` (respondents with at least one). Empty when
        no item answer is missing.
    """
    m = study.missing_by_reason()
    m = m[m["instrument"] != "(other)"] if not m.empty else m
    blanks = _blank_answers(study)
    parts = [x for x in (m, blanks) if not x.empty]
    if not parts:
        return pd.DataFrame()
    m = pd.concat(parts, ignore_index=True)
    names = {b.name: short_name(b.instrument) for b in study.instruments}
    m = m.assign(instrument=m["instrument"].map(names).fillna(m["instrument"]))
    g = m.groupby(["instrument", "reason", "wave"], sort=True)[["n_cells", "n_respondents"]].sum()
    wide = pd.DataFrame(g.unstack("wave", fill_value=0))  # noqa: PD010 - two values per wave
    cols = []
    for w in sorted({int(c[1]) for c in wide.columns}):
        cols += [("n_cells", w), ("n_respondents", w)]
    wide = wide.reindex(columns=pd.MultiIndex.from_tuples(cols), fill_value=0)
    wide.columns = [
        f"{study.wave} {w}: {'answers' if k == 'n_cells' else 'respondents'}" for k, w in cols
    ]
    order = [short_name(b.instrument) for b in study.instruments]
    wide = wide.reset_index()
    wide["_o"] = wide["instrument"].map({n: i for i, n in enumerate(order)}).fillna(len(order))
    wide = wide.sort_values(["_o", "reason"]).drop(columns="_o")
    return wide.set_index(["instrument", "reason"]).astype("int64")


# ----------------------------------------------------------------------------- reliability
def _wave_data(study: Study, wave: Any) -> pd.DataFrame:
    return study.data[study.data[study.wave] == wave]


def reliability_table(
    study: Study, *, wave: Any = None, ci: str = "feldt", seed: int | None = None
) -> pd.DataFrame:
    """:func:`~stigma_analysis.reliability.reliability` of every instrument at one wave, stacked.

    ``seed`` (bootstrap intervals) defaults to the study file's ``seed:``.

    Returns
    -------
    pandas.DataFrame
        Columns ``instrument`` (short name), ``name`` (the study's name for it), ``scale``,
        ``n_items``, ``n``, ``alpha``, ``alpha_ci_low``, ``alpha_ci_high``, ``omega_total``.
    """
    from stigma_analysis.reliability import reliability_table as reliability_of

    wave = study.waves[0] if wave is None else wave
    seed = int(study.spec.seed) if seed is None else seed
    data = _wave_data(study, wave)
    rows = []
    for b in study.instruments:
        r = reliability_of(data, b.instrument, columns=b.columns, ci=ci, seed=seed)  # type: ignore[arg-type]
        r = r.assign(instrument=short_name(b.instrument), name=b.name)
        rows.append(r)
    cols = ["instrument", "name", "scale", "n_items", "n", "alpha"]
    cols += ["alpha_ci_low", "alpha_ci_high", "omega_total"]
    return pd.concat(rows, ignore_index=True)[cols]


def alpha_by_wave(study: Study) -> pd.DataFrame:
    """Cronbach's alpha of every scale (2+ items) at every wave.

    Returns
    -------
    pandas.DataFrame
        Columns ``instrument, scale, wave, n, alpha`` (long; one row per scale and wave).
    """
    from stigma_analysis.reliability import alpha

    rows = []
    for w in study.waves:
        data = _wave_data(study, w)
        for b in study.instruments:
            ins = b.instrument
            rng = (float(ins.response.min), float(ins.response.max))
            for s in ins.scales:
                its = [b.columns[str(i)] for i in ins.scale_items(s)]
                if len(its) < 2:
                    continue
                keys = [b.columns[str(i)] for i in ins.scale_items(s) if ins.is_reversed(i)]
                a = alpha(data, items=its, keys=keys or None, response_range=rng)
                rows.append(
                    {
                        "instrument": short_name(ins),
                        "scale": s,
                        "wave": int(w),
                        "n": int(a.n),
                        "alpha": float(a.alpha),
                    }
                )
    return pd.DataFrame(rows, columns=["instrument", "scale", "wave", "n", "alpha"])


def scale_alpha(study: Study, bound: BoundInstrument, scale: str, *, wave: Any = None) -> float:
    """Cronbach's alpha of one scale at one wave (default the first), reverse items reversed."""
    from stigma_analysis.reliability import alpha

    ins = bound.instrument
    wave = study.waves[0] if wave is None else wave
    its = [bound.columns[str(i)] for i in ins.scale_items(scale)]
    keys = [bound.columns[str(i)] for i in ins.scale_items(scale) if ins.is_reversed(i)]
    rng = (float(ins.response.min), float(ins.response.max))
    res = alpha(_wave_data(study, wave), items=its, keys=keys or None, response_range=rng)
    return float(res.alpha)


def disclose_blocks(
    policy: Any, table: pd.DataFrame, *, block: str, **options: Any
) -> pd.DataFrame:
    """Disclose a table block by block (each block with its own ``Total`` row), then stack them.

    For a table of groups within blocks (sites within arms) whose per-block totals are shown:
    each block is a separate table with a margin row, so complementary suppression protects
    every hidden cell against its block's total.
    """
    parts = [policy.disclose(part, **options) for _, part in table.groupby(block, sort=False)]
    return pd.concat(parts) if parts else table


def change_counts(classified: pd.DataFrame, *, site: str | None, arm: str | None) -> pd.DataFrame:
    """Reliable-change counts per site within arm, with a ``Total`` row per arm.

    Parameters
    ----------
    classified : pandas.DataFrame
        :func:`~stigma_analysis.evaluation.reliable_change` called with ``by=(site, arm)``
        (either may be None), groups as codes.

    Returns
    -------
    pandas.DataFrame
        Columns ``<arm>`` (``"all"`` when ``arm`` is None; column ``arm``), ``<site>``
        (``"Total"`` on each arm's last row; ``"all"`` when ``site`` is None; column ``site``),
        ``n, improved, unchanged, deteriorated, pct_improved, pct_unchanged,
        pct_deteriorated``; arms and sites in code order.
    """
    from stigma_analysis.evaluation import reliable_change_counts

    a_col, s_col = arm or "arm", site or "site"
    frame = classified.assign(**{a_col: classified[arm] if arm else "all"})
    frame = frame.assign(**{s_col: frame[site] if site else "all"})
    counts = reliable_change_counts(frame, by=(a_col, s_col))
    counts = counts.sort_values([a_col, s_col], kind="stable")
    cats = ["n", "improved", "unchanged", "deteriorated"]
    rows = []
    for _, part in counts.groupby(a_col, sort=True):
        part = part.astype({s_col: object})
        rows.append(part)
        if site:
            total = part[cats].sum().to_frame().T.astype("int64")
            total.insert(0, s_col, "Total")
            total.insert(0, a_col, part[a_col].iloc[0])
            rows.append(total)
    out = pd.concat(rows, ignore_index=True)
    n = out["n"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        for c in cats[1:]:
            out[f"pct_{c}"] = np.where(n > 0, 100 * out[c].to_numpy(float) / n, np.nan)
    out[cats] = out[cats].astype("int64")
    return out


# ----------------------------------------------------------------------------- structure
CFA_MIN_N = 100
"""Smallest number of complete cases for a CFA (and per group of an invariance test)."""
CFA_CASES_PER_PARAMETER = 5
"""Complete cases needed per free parameter of a CFA (Bentler & Chou 1987: at least 5:1)."""


def cfa_parameters(n_items: int, n_factors: int) -> int:
    """Free parameters of a CFA with one factor per subscale (simple structure, marker items).

    ``n_items - n_factors`` loadings, ``n_items`` residual variances, ``n_factors`` factor
    variances and ``n_factors (n_factors - 1) / 2`` factor covariances: ``2 k + f (f - 1) / 2``.
    """
    return 2 * n_items + n_factors * (n_factors - 1) // 2


def cfa_min_n(n_items: int, n_factors: int) -> int:
    """The complete cases a CFA needs here: ``max(100, 5 x free parameters)``."""
    return max(CFA_MIN_N, CFA_CASES_PER_PARAMETER * cfa_parameters(n_items, n_factors))


def cfa_table(study: Study, *, wave: Any = None) -> tuple[pd.DataFrame, list[str]]:
    """CFA (ML) of every instrument with subscales, one factor per subscale, at one wave.

    An instrument is fitted only with at least :func:`cfa_min_n` complete cases (100, and 5 per
    free parameter); otherwise a note says how many it had and needed.

    Returns
    -------
    (pandas.DataFrame, list of str)
        Columns ``instrument, factors, n, chisq, df, pvalue, cfi, tli, rmsea, rmsea_ci_low,
        rmsea_ci_high, srmr, converged, improper``; and the notes (too few cases, problems
        reported by the fits), prefixed with the instrument.
    """
    from stigma_analysis.structure import cfa, default_model

    wave = study.waves[0] if wave is None else wave
    data = _wave_data(study, wave)
    rows, notes = [], []
    for b in study.instruments:
        subs = b.instrument.subscales()
        if not subs:
            continue
        name = short_name(b.instrument)
        items = [b.columns[str(i)] for s in subs for i in b.instrument.scale_items(s)]
        items = list(dict.fromkeys(items))
        n_complete = int(data[items].notna().all(axis=1).sum())
        need = cfa_min_n(len(items), len(subs))
        if n_complete < need:
            notes.append(
                f"{name}: not fitted: {_few_cases(n_complete, study)} complete cases, "
                f"{need} needed ({len(subs)} factors, {cfa_parameters(len(items), len(subs))} "
                f"free parameters; at least {CFA_MIN_N} and {CFA_CASES_PER_PARAMETER} per parameter)"
            )
            continue
        part, safe = _safe_items(data, b)
        fit = cfa(part, default_model(b.instrument, safe), warn=False)
        row = {"instrument": name, "factors": len(subs), "n": fit.n_obs[0]}
        row.update({k: fit.fit.get(k, np.nan) for k in _FIT})
        row["converged"] = bool(fit.converged)
        row["improper"] = bool(fit.improper)
        rows.append(row)
        notes += [f"{name}: {without_counts(p)}" for p in fit.problems]
    cols = ["instrument", "factors", "n", *_FIT, "converged", "improper"]
    return pd.DataFrame(rows, columns=cols), notes


def _safe_items(
    data: pd.DataFrame, b: BoundInstrument, keep: Sequence[str] = ()
) -> tuple[pd.DataFrame, dict[str, str]]:
    """The instrument's item columns (and ``keep``) under names a model syntax accepts.

    Exports name columns ``group/question`` (KoboToolbox) or with spaces; a factor model's
    syntax only takes identifiers, so the items are fitted as ``item_1``, ``item_2``, ...
    """
    safe = {item: f"item_{k}" for k, item in enumerate(b.columns, start=1)}
    renamed = {b.columns[item]: name for item, name in safe.items()}
    part = data[[*dict.fromkeys(b.columns.values()), *keep]].rename(columns=renamed)
    return part, safe


def _few_cases(n: int, study: Study) -> str:
    """A count for a note: the number, or ``fewer than <min_cell>``."""
    m = int(study.spec.privacy.min_cell)
    return str(n) if n >= m or n == 0 else f"fewer than {m}"


_FIT = ("chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea_ci_low", "rmsea_ci_high", "srmr")


def invariance_table(
    study: Study, *, group: str, wave: Any = None, min_group_n: int = CFA_MIN_N
) -> tuple[pd.DataFrame, list[str]]:
    """Configural, metric and scalar invariance of every instrument with subscales across ``group``.

    Groups with fewer than ``min_group_n`` complete cases on an instrument's items are left out
    of its comparison, and so are groups with fewer than 5 complete cases per free parameter of
    their part of the model (:func:`cfa_parameters` plus one intercept per item): a
    multi-group CFA on fewer people gives unstable estimates and fit indices.

    Returns
    -------
    (pandas.DataFrame, list of str)
        Columns ``instrument, level, chisq, df, cfi, rmsea, srmr, delta_chisq, delta_df,
        delta_p, delta_cfi, delta_rmsea, converged, improper``, and notes (left-out groups,
        problems).
    """
    from stigma_analysis.structure import default_model, invariance

    wave = study.waves[0] if wave is None else wave
    data = _wave_data(study, wave)
    rows, notes = [], []
    labels = study.value_labels(group)
    for b in study.instruments:
        if not b.instrument.subscales():
            continue
        cols = list(dict.fromkeys(b.columns.values()))
        n_factors = len(b.instrument.subscales())
        # per group: the factor model plus one intercept per item (the models have mean structure)
        per_group = cfa_parameters(len(cols), n_factors) + len(cols)
        need = max(min_group_n, CFA_CASES_PER_PARAMETER * per_group)
        complete = data.dropna(subset=[*cols, group])
        sizes = complete[group].value_counts()
        keep = sizes[sizes >= need].index
        left_out = [labels.get(g, g) for g in sizes.index if g not in set(keep)]
        name = short_name(b.instrument)
        if left_out:
            notes.append(
                f"{name}: {len(left_out)} {group} group(s) with fewer than {need} complete cases "
                f"({per_group} free parameters per group, {CFA_CASES_PER_PARAMETER} cases each) "
                f"left out ({', '.join(sorted(map(str, left_out)))})"
            )
        if len(keep) < 2:
            notes.append(f"{name}: fewer than two {group} groups large enough; not tested")
            continue
        part = complete[complete[group].isin(keep)]
        part, safe = _safe_items(part, b, keep=[group])
        with captured_warnings() as found:
            inv = invariance(
                part,
                default_model(b.instrument, safe),
                group=group,
                levels=("configural", "metric", "scalar"),
            )
        notes += [f"{name}: {_name_groups(without_counts(w), labels)}" for w in found]
        inv = pd.DataFrame(inv).assign(instrument=name)
        rows.append(inv)
    out_cols = ["instrument", "level", "chisq", "df", "cfi", "rmsea", "srmr"]
    out_cols += ["delta_chisq", "delta_df", "delta_p", "delta_cfi", "delta_rmsea", "converged"]
    out_cols += ["improper"]
    if not rows:
        return pd.DataFrame(columns=out_cols), notes
    return pd.concat(rows, ignore_index=True)[out_cols], notes


def invariance_verdicts(inv: pd.DataFrame, *, max_cfi_drop: float = 0.01) -> list[str]:
    """One sentence per instrument of an :func:`invariance_table`: what the fits support.

    An improper or unconverged fit at any level means invariance cannot be judged; a configural
    CFI below 0.90 means the later steps are not evidence; otherwise the first level whose CFI
    drops by more than ``max_cfi_drop`` (Chen 2007) is not supported, or scalar invariance holds.
    """
    out = []
    for name, part in inv.groupby("instrument", sort=False):
        bad = ~part["converged"].fillna(False).astype(bool)
        if "improper" in part.columns:
            bad |= part["improper"].fillna(True).astype(bool)
        configural = part.loc[part["level"] == "configural", "cfi"]
        drops = part["delta_cfi"].dropna()
        if bad.any():
            levels = ", ".join(map(str, part.loc[bad, "level"]))
            out.append(
                f"{name}: the {levels} model has an improper or unconverged solution, so "
                "invariance cannot be judged from these fits"
            )
        elif len(configural) and configural.iloc[0] < 0.90:
            out.append(
                f"{name}: the configural model already fits poorly (CFI {configural.iloc[0]:.3f}), "
                "so the later steps cannot be read as evidence of invariance"
            )
        elif drops.ge(-max_cfi_drop).all():
            out.append(f"{name}: scalar invariance holds by this rule")
        else:
            first = part.loc[part["delta_cfi"] < -max_cfi_drop, "level"].iloc[0]
            out.append(
                f"{name}: {first} invariance is not supported (ΔCFI below -{max_cfi_drop:g})"
            )
    return out


# ----------------------------------------------------------------------------- scores
def score_column(bound: BoundInstrument, scale: str) -> str:
    """The score column of a scale (``ismi_total_excl_sr``)."""
    return f"{bound.name}_{scale}"


def cutoff_table(
    study: Study, *, by: Sequence[str] = (), scores: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Share of respondents at or above each cut-off (Wilson 95% CI), per wave (and group).

    Every scale with cut-offs and every band above its lowest gives rows
    (:func:`~stigma_analysis.evaluation.threshold_attainment` with ``at_or_above``).

    Returns
    -------
    pandas.DataFrame
        Columns ``instrument, scale, band`` (``"elevated (≥ 2.5)"``), the ``by`` columns (labelled), ``wave, n,
        k, share, ci_low, ci_high`` (share and interval in percent).
    """
    from stigma_analysis.evaluation import threshold_attainment
    from stigma_analysis.scoring import score

    scores = score(study) if scores is None else scores
    lab = _labelled_groups(study, scores, list(by)) if by else scores
    rows = []
    for b in study.instruments:
        for scale, bands in b.instrument.cutoffs.items():
            col = score_column(b, scale)
            if col not in lab.columns:
                continue
            for band in sorted(bands, key=lambda x: x.from_)[1:]:
                t = threshold_attainment(
                    lab,
                    score=col,
                    cutoff=float(band.from_),
                    direction="at_or_above",
                    wave=study.wave,
                    by=tuple(by),
                )
                t.insert(0, "band", f"{scale_label(band.label)} (≥\u00a0{float(band.from_):g})")
                t.insert(0, "scale", scale_label(scale))
                t.insert(0, "instrument", short_name(b.instrument))
                rows.append(t)
    cols = ["instrument", "scale", "band", *by, study.wave, "n", "k"]
    cols += ["share", "ci_low", "ci_high"]
    if not rows:
        return pd.DataFrame(columns=cols)
    out = pd.concat(rows, ignore_index=True)[cols]
    for c in ("share", "ci_low", "ci_high"):
        out[c] = 100 * out[c]
    for g in by:
        out[g] = out[g].astype(str)
    return out


def score_bins(
    scores: pd.DataFrame, *, score: str, lo: float, hi: float, wave: str, n_bins: int = 12
) -> pd.DataFrame:
    """Respondents per score bin and wave (a cross-tabulation for a published histogram).

    Returns
    -------
    pandas.DataFrame
        Index ``bin`` (the bins' labels ``"1.00-1.25"``; the last bin includes ``hi``); one
        integer column per wave (``wave 1`` ...).
    """
    edges = np.linspace(lo, hi, n_bins + 1)
    frame = scores[[score, wave]].dropna()
    idx = np.clip(
        np.searchsorted(edges, frame[score].to_numpy(float), side="right") - 1, 0, n_bins - 1
    )
    labels = [f"{edges[i]:.2f}-{edges[i + 1]:.2f}" for i in range(n_bins)]
    table = pd.crosstab(pd.Categorical(np.asarray(labels)[idx], categories=labels), frame[wave])
    table = table.reindex(index=labels, fill_value=0)
    table.index = pd.Index(labels, name="bin")
    table.columns = [f"{wave} {int(w)}" for w in table.columns]
    return table.astype("int64")


def group_means(
    scores: pd.DataFrame, *, score: str, by: Sequence[str], ci_level: float = 0.95
) -> pd.DataFrame:
    """Mean score per group with a t interval (the aggregate behind a trajectory figure).

    Returns
    -------
    pandas.DataFrame
        The ``by`` columns, ``n``, ``mean``, ``sd``, ``ci_low``, ``ci_high``
        (:math:`\\bar x \\pm t_{n-1} s / \\sqrt n`, as :func:`stigma_analysis.plots.trajectory_plot`).
    """
    from scipy import stats

    frame = scores[[*by, score]].dropna(subset=[score])
    g = frame.groupby(list(by), observed=True, sort=True)[score].agg(["count", "mean", "std"])
    g = g.reset_index().rename(columns={"count": "n", "std": "sd"})
    n = g["n"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        half = (
            stats.t.ppf(0.5 + ci_level / 2, np.where(n > 1, n - 1, np.nan)) * g["sd"] / np.sqrt(n)
        )
    g["ci_low"] = g["mean"] - half
    g["ci_high"] = g["mean"] + half
    g["n"] = g["n"].astype("int64")
    return g


def correlation_table(scores: pd.DataFrame, columns: dict[str, str]) -> tuple[pd.DataFrame, int]:
    """Pearson correlations among scale scores (pairwise complete), as a lower triangle.

    Parameters
    ----------
    scores : pandas.DataFrame
        Scores, one row per respondent (one wave).
    columns : dict
        Display name → score column.

    Returns
    -------
    (pandas.DataFrame, int)
        The matrix (display names; NaN above the diagonal, 1 on it) and the smallest pairwise n.
    """
    data = scores[list(columns.values())]
    r = data.corr(method="pearson")
    present = data.notna().to_numpy(float)
    n_pair = present.T @ present
    mask = np.triu(np.ones(r.shape, dtype=bool), k=1)
    r = r.mask(mask)
    names = list(columns)
    r.index = pd.Index(names, name="")
    r.columns = names
    return r, int(n_pair.min()) if n_pair.size else 0


# ----------------------------------------------------------------------------- models
_FACTOR = re.compile(r"^C\((\w+)\)\[T\.(.+)\]$")


def _code(text: str) -> Any:
    try:
        f = float(text)
    except ValueError:
        return text
    return f


def model_table(
    result: Any, *, data: pd.DataFrame, study: Study | None = None, id: str | None = None
) -> pd.DataFrame:
    """A model's coefficients with readable terms and the people behind each factor level.

    Parameters
    ----------
    result : ModelResult
        From :func:`~stigma_analysis.models.fit_model` / :func:`fit_study_models`.
    data : pandas.DataFrame
        The rows the model was fitted on (to count the people of each factor level).
    study : Study, optional
        For value labels of coded factor levels, and its id column.
    id : str, optional
        The respondent id column (default: the study's). Counts are of distinct respondents:
        three waves of two people are 2, not 6, so the gate hides a 2-person level.

    Returns
    -------
    pandas.DataFrame
        Columns ``term`` (``site: Siem Reap`` for ``C(site)[T.2.0]``), ``n`` (distinct
        respondents in the model with that level of a factor term; all respondents in the model
        otherwise), ``estimate, se, ci_low, ci_high, p``, and for binomial models
        ``odds_ratio, odds_ratio_ci_low, odds_ratio_ci_high``. A statistic of a level with
        fewer than ``min_cell`` people is hidden by the disclosure gate.
    """
    coef = result.coefficients
    id_col = id if id is not None else (study.id if study is not None else None)

    def people(rows: pd.DataFrame) -> int:
        if id_col is not None and id_col in rows.columns:
            return int(rows[id_col].nunique())
        return len(rows)

    n_model = people(data) if len(data) else int(result.summary["n"].iloc[0])
    terms, ns = [], []
    for term in coef["term"]:
        m = _FACTOR.match(str(term))
        if m:
            col, level = m.group(1), _code(m.group(2))
            labels = study.value_labels(col) if study is not None else {}
            terms.append(f"{col}: {labels.get(level, m.group(2))}")
            if col in data.columns:
                values = data[col]
                hit = values == level
                if not hit.any():
                    hit = values.astype(str) == m.group(2)
                ns.append(people(data[hit.to_numpy()]))
            else:
                ns.append(n_model)
        else:
            terms.append("intercept" if term == "Intercept" else str(term))
            ns.append(n_model)
    out = pd.DataFrame({"term": terms, "n": np.asarray(ns, dtype="int64")})
    cols = ["estimate", "se", "ci_low", "ci_high", "p"]
    if result.family == "binomial":
        cols += ["odds_ratio", "odds_ratio_ci_low", "odds_ratio_ci_high"]
    for c in cols:
        out[c] = coef[c].to_numpy(float)
    return out


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")


def _model_columns(formula: str, columns: Sequence[str]) -> list[str]:
    """The data columns a formula names (its identifiers that are columns)."""
    names = set(_NAME.findall(formula))
    return [c for c in columns if c in names]


@dataclass(frozen=True, kw_only=True)
class StudyModel:
    """A model of the study file, fitted on its declared waves.

    Attributes
    ----------
    name, family : str
    result : ModelResult
    data : pandas.DataFrame
        The rows the model used (declared waves, complete on its columns).
    waves : list of int
        The waves it used.
    n_rows, n_people : int
        Rows and distinct respondents in the model.
    errors : str
        How the standard errors treat repeated respondents, in words.
    options : dict
        The options passed to :func:`~stigma_analysis.models.fit_model` (``groups``,
        ``re_formula``, ``cluster``), to refit the same model (e.g. after imputation).
    """

    name: str
    family: str
    result: Any
    data: pd.DataFrame
    waves: list[int]
    n_rows: int
    n_people: int
    errors: str
    options: dict[str, Any]


def fit_study_models(study: Study, scores: pd.DataFrame | None = None) -> dict[str, StudyModel]:
    """Fit every model of the study file on its declared waves, with honest standard errors.

    A model uses the rows of its ``waves`` (default every wave). When those rows hold some
    respondents more than once, a ``gaussian`` or ``binomial`` model gets standard errors
    clustered by respondent (CR1, as ``sandwich::vcovCL`` / Stata's ``vce(cluster id)``) unless
    the study file names another ``cluster``; ``mixed`` and ``gee`` models account for them by
    their ``groups``. An ``ordinal`` model over repeated respondents is refused (no clustered
    errors for it here): declare one wave.

    Returns
    -------
    dict of str to StudyModel
        In the order of the study file.

    Raises
    ------
    SpecError
        An ordinal model whose waves hold repeated respondents.
    """
    from stigma_analysis.errors import SpecError
    from stigma_analysis.models import fit_model
    from stigma_analysis.scoring import score

    scores = score(study) if scores is None else scores
    out: dict[str, StudyModel] = {}
    for i, m in enumerate(study.spec.models):
        waves = list(m.waves) if m.waves else list(study.waves)
        part = scores[scores[study.wave].isin(waves)]
        extra = [c for c in (m.groups, m.cluster) if c]
        cols = list(dict.fromkeys([*_model_columns(m.formula, list(part.columns)), *extra]))
        used = part.dropna(subset=cols)
        repeated = bool(used[study.id].duplicated().any())
        kwargs: dict[str, Any] = {"groups": m.groups, "re_formula": m.re_formula}
        if m.family in ("mixed", "gee"):
            how = (
                f"random intercept per {m.groups}"
                if m.family == "mixed"
                else f"GEE with robust standard errors clustered by {m.groups}"
            )
        elif m.cluster:
            kwargs["cluster"] = m.cluster
            how = f"standard errors clustered by {m.cluster}"
        elif repeated:
            if m.family == "ordinal":
                raise SpecError(
                    study.path,
                    f"models[{i}].waves",
                    f"the ordinal model {m.name!r} would use some respondents more than once "
                    "(several waves) and cannot account for it; declare one wave, e.g. waves: [1]",
                )
            kwargs["cluster"] = study.id
            how = f"standard errors clustered by respondent ({study.id}): people answer at several waves"
        else:
            how = "one row per respondent"
        options = {k: v for k, v in kwargs.items() if v}
        result = fit_model(part, m.formula, family=m.family, **options)
        out[m.name] = StudyModel(
            name=m.name,
            family=m.family,
            result=result,
            data=used,
            waves=waves,
            n_rows=len(used),
            n_people=int(used[study.id].nunique()),
            errors=how,
            options=options,
        )
    return out


def format_p(p: Any) -> str:
    """``p`` as text: ``<0.001`` or three decimals (empty when not a number)."""
    if not _is_number(p):
        return ""
    return "<0.001" if float(p) < 0.001 else f"{float(p):.3f}"


# ----------------------------------------------------------------------------- instruments
def instrument_table(study: Study) -> pd.DataFrame:
    """The instrument definitions the study used (appendix).

    Returns
    -------
    pandas.DataFrame
        Columns ``name`` (in the study), ``instrument`` (short and full name), ``status``,
        ``items``, ``response`` (range), ``scoring``, ``scales`` (how many), ``reversed`` (the
        reverse-keyed items).
    """
    rows = []
    for b in study.instruments:
        ins = b.instrument
        rows.append(
            {
                "name": b.name,
                "instrument": ins.name
                if short_name(ins) == plain_name(ins)
                else f"{short_name(ins)}: {ins.name}",
                "status": ins.status,
                "items": len(ins.items),
                "response": f"{ins.response.min:g}-{ins.response.max:g}",
                "scoring": ins.scoring,
                "scales": len(ins.scales),
                "reversed": ", ".join(ins.reverse) if ins.reverse else "none",
            }
        )
    return pd.DataFrame(rows)
