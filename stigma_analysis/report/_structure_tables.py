"""CFA and measurement-invariance tables for the research report, with their minimum-n rules."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from stigma_analysis.report._common import (
    _name_groups,
    _wave_data,
    captured_warnings,
    short_name,
    without_counts,
)

if TYPE_CHECKING:
    from stigma_analysis.study import BoundInstrument, Study


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
