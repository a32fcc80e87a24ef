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

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from stigma_analysis.report._common import (
    _wave_data,
    captured_warnings,
    ci_column,
    figure_label,
    format_p,
    higher_is_better,
    numeric,
    plain_name,
    primary_scale,
    scale_label,
    short_name,
    with_ci,
    without_counts,
)
from stigma_analysis.report._equivalence import (
    ORDINAL_MAX_CATEGORIES,
    Equivalence,
    equivalence,
    group_parameters,
    longitudinal_parameters,
)
from stigma_analysis.report._figures import plot_binned, plot_means
from stigma_analysis.report._irt_section import (
    DIF_MIN_N,
    IRT_MIN_ITEMS,
    IRT_MIN_N,
    JODOIN_GIERL,
    ZUMBO_THOMAS,
    IRTSection,
    dif_band,
    flagged_text,
    irt_section,
    plot_dif_curves,
    plot_test_information,
    version_counts,
)
from stigma_analysis.report._model_tables import StudyModel, fit_study_models, model_table
from stigma_analysis.report._structure_tables import (
    CFA_CASES_PER_PARAMETER,
    CFA_MIN_N,
    cfa_min_n,
    cfa_parameters,
    cfa_table,
    invariance_table,
    invariance_verdicts,
)

if TYPE_CHECKING:
    from stigma_analysis.study import BoundInstrument, Study

__all__ = [
    "CFA_CASES_PER_PARAMETER",
    "CFA_MIN_N",
    "DIF_MIN_N",
    "IRT_MIN_ITEMS",
    "IRT_MIN_N",
    "JODOIN_GIERL",
    "ORDINAL_MAX_CATEGORIES",
    "ZUMBO_THOMAS",
    "Equivalence",
    "IRTSection",
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
    "dif_band",
    "disclose_blocks",
    "equivalence",
    "figure_label",
    "fit_study_models",
    "flagged_text",
    "format_p",
    "group_means",
    "group_parameters",
    "hide_repeated",
    "higher_is_better",
    "instrument_table",
    "invariance_table",
    "invariance_verdicts",
    "irt_section",
    "longitudinal_parameters",
    "missing_table",
    "model_table",
    "numeric",
    "plain_name",
    "plot_binned",
    "plot_dif_curves",
    "plot_means",
    "plot_test_information",
    "primary_scale",
    "reliability_table",
    "sample_table",
    "scale_alpha",
    "scale_label",
    "score_bins",
    "score_column",
    "short_name",
    "show_once",
    "version_counts",
    "with_ci",
    "without_counts",
]


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


def hide_repeated(
    safe: pd.DataFrame,
    *,
    column: str,
    by: Sequence[str],
    derived: Sequence[str] = (),
) -> pd.DataFrame:
    """Show a count repeated on several rows once: hidden on one row, hidden on all of them.

    A disclosed table that repeats one count on several rows (the people scored at a wave, on
    the row of every cut-off band) may hide it as a complementary cell on one row and show it
    on another, which gives the hidden cell away. Within each group of ``by``, a hidden
    ``column`` (``<5`` or ``[c]``) hides it on every row of the group (``<5`` wins); the
    ``derived`` columns (shares of that count) are hidden with it. Hiding more never helps an
    attacker: every hidden cell keeps its range.

    Parameters
    ----------
    safe : pandas.DataFrame
        A disclosed table (hidden cells as text markers).
    column : str
        The repeated count.
    by : sequence of str
        The columns that identify one count (its rows repeat it).
    derived : sequence of str
        Columns computed from ``column`` (hidden where it is).

    Returns
    -------
    pandas.DataFrame
    """
    if by:
        key = safe[list(by)].astype(str).agg("\x1f".join, axis=1)
    else:
        key = pd.Series("", index=safe.index)
    (out,) = show_once([(safe, key, derived)], column=column)
    return out


def show_once(
    tables: Sequence[tuple[pd.DataFrame, pd.Series, Sequence[str]]], *, column: str
) -> list[pd.DataFrame]:
    """One count in several disclosed tables (or rows), hidden everywhere it is hidden once.

    Parameters
    ----------
    tables : sequence of (table, key, derived)
        Each disclosed table, the key of each of its rows (text: rows of equal key, in any of
        the tables, show the same count) and the columns computed from ``column`` (hidden
        where it is).
    column : str
        The count column, named alike in every table.

    Returns
    -------
    list of pandas.DataFrame
        The tables, ``column`` hidden on every row whose key is hidden somewhere (``<5`` wins
        over ``[c]``). Hiding more never helps an attacker: every hidden cell keeps its range.
    """
    marker: dict[str, str] = {}
    for table, key, _ in tables:
        for k, v in zip(key.astype(str), table[column], strict=True):
            if isinstance(v, str) and not marker.get(k, "").startswith("<"):
                marker[k] = v
    out = []
    for table, key, derived in tables:
        t = table.copy()
        values = t[column].astype(object)
        keys = key.astype(str).to_numpy()
        for i, k in enumerate(keys):
            if k in marker:
                values.iloc[i] = marker[k]
        t[column] = values
        now = values.map(lambda v: isinstance(v, str))
        for c in derived:
            col = t[c].astype(object)
            col[now & ~col.map(lambda v: isinstance(v, str))] = "[c]"
            t[c] = col
        out.append(t)
    return out


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
