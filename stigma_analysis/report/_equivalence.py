"""Measurement equivalence for the research report: across the study's declared language versions
(multi-group CFA at the first wave) and across waves (the same people at the first and last
wave), with one plain sentence per instrument on whether its mean scores may be compared.

The report only calls :func:`equivalence` and shows what it returns; every count in its text
has passed the privacy gate (or reads "fewer than <min_cell>").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from stigma_analysis.report._common import (
    _name_groups,
    captured_warnings,
    short_name,
    without_counts,
)
from stigma_analysis.report._structure_tables import (
    CFA_CASES_PER_PARAMETER,
    CFA_MIN_N,
    _safe_items,
    cfa_parameters,
)

if TYPE_CHECKING:
    from stigma_analysis.privacy import DisclosurePolicy
    from stigma_analysis.study import BoundInstrument, Study

__all__ = [
    "EQUIVALENCE_COLUMNS",
    "ORDINAL_MAX_CATEGORIES",
    "Equivalence",
    "equivalence",
    "group_parameters",
    "longitudinal_parameters",
]

ORDINAL_MAX_CATEGORIES = 4
"""An instrument whose response scale has at most this many categories is modelled as ordinal
(WLSMV); with more, as continuous (ML). With five or more categories ML on the item scores
behaves about as well as a categorical estimator, with fewer it does not (Rhemtulla,
Brosseau-Liard & Savalei 2012)."""

EQUIVALENCE_COLUMNS = [
    "instrument",
    "comparison",
    "estimator",
    "level",
    "chisq",
    "df",
    "cfi",
    "rmsea",
    "srmr",
    "delta_cfi",
    "delta_rmsea",
    "delta_srmr",
    "holds",
    "converged",
    "improper",
]
"""Columns of :attr:`Equivalence.table`. For ordinal (WLSMV) rows ``chisq``, ``cfi`` and
``rmsea`` are the scaled statistics; ``holds`` is None on a reference (configural) row."""

_VERDICT = {
    "full": "defensible",
    "partial": "defensible with care",
    "not": "not defensible",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Equivalence:
    """Measurement equivalence of every instrument of a study.

    Attributes
    ----------
    language : str or None
        The study's language-version column (``design.language``), or None.
    versions : list of str
        The language versions at the first wave (by label), in code order, without those
        answered by fewer than ``policy.min_cell`` people (never named).
    table : pandas.DataFrame
        One row per instrument x comparison (``languages`` or ``waves``) x level, with
        :data:`EQUIVALENCE_COLUMNS`; a partial model is the level ``scalar (partial)``.
    verdicts : dict
        Instrument short name -> ``{"languages": kind, "waves": kind}``, kind one of ``full``,
        ``partial``, ``not``, ``untested`` (too few cases, fewer than two versions, no later
        wave) or ``unclear`` (an improper or unconverged fit).
    freed : dict
        Instrument short name -> the items whose intercepts the partial search freed across
        language versions.
    sentences : list of str
        One sentence per instrument: may its mean scores be compared across language versions
        and over time?
    notes : list of str
        Groups left out (named, with their size only when at least ``min_cell``), instruments
        not tested and why, problems reported by the fits.
    """

    language: str | None
    versions: list[str]
    table: pd.DataFrame
    verdicts: dict[str, dict[str, str]]
    freed: dict[str, list[str]]
    sentences: list[str]
    notes: list[str] = field(default_factory=list)


def longitudinal_parameters(
    n_items: int, n_factors: int, n_waves: int = 2, *, categories: int | None = None
) -> int:
    """Free parameters of the configural longitudinal model (factor variances fixed).

    Continuous items: per wave ``k`` loadings, ``k`` intercepts and ``k`` residual variances.
    Ordinal items with ``categories`` answer categories (WLSMV, delta parameterisation): per
    wave ``k`` loadings and ``k (categories - 1)`` thresholds. Both: the covariances of all
    ``T f`` factors and each item's residual covariance with itself at the other waves
    (``k T (T - 1) / 2``).
    """
    tf = n_waves * n_factors
    per_item = 3 if categories is None else 1 + (categories - 1)
    return (
        per_item * n_items * n_waves + tf * (tf - 1) // 2 + n_items * n_waves * (n_waves - 1) // 2
    )


def _categories(b: BoundInstrument) -> int:
    r = b.instrument.response
    return int(r.max - r.min) + 1


def _levels(ordinal: bool) -> tuple[str, ...]:
    """The levels tested: thresholds before loadings for ordinal items (Wu & Estabrook 2016)."""
    if ordinal:
        return ("configural", "thresholds", "metric", "scalar")
    return ("configural", "metric", "scalar")


def group_parameters(b: BoundInstrument, *, ordinal: bool) -> int:
    """Free parameters of one group's part of the multi-group model of an instrument.

    Continuous: :func:`cfa_parameters` plus one intercept per item (the rule of the site
    invariance table). Ordinal (WLSMV, unit factor variances): one loading and
    ``categories - 1`` thresholds per item, and the factor correlations.
    """
    items, f = _model_items(b)
    k = len(items)
    if not ordinal:
        return cfa_parameters(k, f) + k
    return k + k * (_categories(b) - 1) + f * (f - 1) // 2


def _is_ordinal(b: BoundInstrument, max_categories: int) -> bool:
    r = b.instrument.response
    return float(r.max - r.min + 1) <= max_categories


def _model_items(b: BoundInstrument) -> tuple[list[str], int]:
    """The item columns of the instrument's factor model and its number of factors."""
    subs = b.instrument.subscales()
    if subs:
        items = [b.columns[str(i)] for s in subs for i in b.instrument.scale_items(s)]
        return list(dict.fromkeys(items)), len(subs)
    return list(dict.fromkeys(b.columns.values())), 1


def _count(n: int, policy: DisclosurePolicy) -> str:
    """A count for the text: through the gate, or ``fewer than <min_cell>``."""
    if 0 < n < policy.min_cell:
        return f"fewer than {policy.min_cell}"
    return str(policy.disclose(int(n)))


def _rows(inv: pd.DataFrame, *, name: str, comparison: str, ordinal: bool) -> list[dict[str, Any]]:
    out = []
    for _, r in inv.iterrows():
        out.append(
            {
                "instrument": name,
                "comparison": comparison,
                "estimator": "WLSMV" if ordinal else "ML",
                "level": r["level"],
                "chisq": r["chisq_scaled"] if ordinal else r["chisq"],
                "df": r["df"],
                "cfi": r["cfi_scaled"] if ordinal else r["cfi"],
                "rmsea": r["rmsea_scaled"] if ordinal else r["rmsea"],
                "srmr": r["srmr"],
                "delta_cfi": r["delta_cfi"],
                "delta_rmsea": r["delta_rmsea"],
                "delta_srmr": r["delta_srmr"],
                "holds": r["holds"],
                "converged": bool(r["converged"]),
                "improper": bool(r.get("improper", False)),
            }
        )
    return out


def _kind(rows: Sequence[dict[str, Any]]) -> tuple[str, str | None]:
    """What a run of levels supports: ``full``, ``not`` (with the first failing level),
    ``unclear`` (an improper or unconverged fit) or ``poor`` (configural CFI below 0.90)."""
    if any(not r["converged"] or r["improper"] for r in rows):
        return "unclear", None
    if rows and rows[0]["cfi"] < 0.90:
        return "poor", rows[0]["level"]
    for r in rows[1:]:
        h = r["holds"]
        if h is not None and not pd.isna(h) and not bool(h):
            return "not", str(r["level"])
    return "full", None


def _freed_items(params: Sequence[str], names: dict[str, str]) -> list[str]:
    """Item columns named in freed parameters (``item_3 ~1``, ``item_3 | t1``, ``f =~ item_3``)."""
    out = []
    for p in params:
        tokens = p.replace("|", " ").replace("=~", " ").replace("~1", " ").split()
        for t in tokens:
            if t in names and names[t] not in out:
                out.append(names[t])
    return out


def equivalence(
    study: Study,
    *,
    policy: DisclosurePolicy,
    wave: Any = None,
    ordinal_max_categories: int = ORDINAL_MAX_CATEGORIES,
) -> Equivalence:
    """Measurement equivalence of every instrument across language versions and over waves.

    Across language versions (``design.language``), at ``wave`` (default the first): the
    instrument's factor model (one factor per subscale, else one factor) in each version,
    then equal loadings, then equal intercepts (continuous, ML) or, for ordinal items, equal
    thresholds, loadings and intercepts (WLSMV, Wu & Estabrook 2016). A version is left out
    when it has fewer than ``CFA_MIN_N`` complete cases or fewer than
    ``CFA_CASES_PER_PARAMETER`` per free parameter of its part of the model (the rule of the
    site invariance table). When scalar invariance fails, :func:`partial_invariance` frees
    item intercepts one at a time by the largest score test (for ordinal items the
    thresholds are already equal at that step, so an item's shift shows in its intercept). Over waves: the
    respondents with complete answers at both the first and the last wave, configural,
    metric and scalar longitudinal invariance (ML; at least ``CFA_MIN_N`` people and
    ``CFA_CASES_PER_PARAMETER`` per free parameter of :func:`longitudinal_parameters`).
    Each level is judged by Chen's (2007) rule (:func:`stigma_analysis.structure.invariance`).

    Parameters
    ----------
    study : Study
    policy : DisclosurePolicy
        The report's gate; every count in the notes passes it.
    wave : optional
        The wave of the comparison across language versions (default the first).
    ordinal_max_categories : int
        Instruments whose response scale has at most this many categories are ordinal.

    Returns
    -------
    Equivalence
        The fits, the verdicts and one sentence per instrument. The result is cached on the
        study (``study.cache``) for the same arguments.
    """
    key = f"equivalence:{wave}:{ordinal_max_categories}:{policy.min_cell}"
    if key in study.cache:
        cached: Equivalence = study.cache[key]
        return cached
    first = study.waves[0] if wave is None else wave
    lang = study.language
    data = study.data[study.data[study.wave] == first]
    labels = study.value_labels(lang) if lang else {}
    versions: list[str] = []
    unnamed: set[Any] = set()
    if lang is not None:
        present = sorted(data[lang].dropna().unique(), key=lambda v: (isinstance(v, str), v))
        people = data.drop_duplicates(subset=study.id)[lang].value_counts()
        # a version answered by fewer than min_cell people is never named: its name alone says
        # that a handful of respondents speak it
        unnamed = {v for v in present if people.get(v, 0) < policy.min_cell}
        versions = [str(labels.get(v, v)) for v in present if v not in unnamed]
    rows: list[dict[str, Any]] = []
    verdicts: dict[str, dict[str, str]] = {}
    freed: dict[str, list[str]] = {}
    sentences: list[str] = []
    notes: list[str] = []
    for b in study.instruments:
        name = short_name(b.instrument)
        ordinal = _is_ordinal(b, ordinal_max_categories)
        verdict = {"languages": "untested", "waves": "untested"}
        lang_text = ""
        if lang is not None:
            lang_rows, kind, items, lang_text = _across_languages(
                study,
                b,
                data,
                lang,
                labels,
                ordinal=ordinal,
                policy=policy,
                unnamed=unnamed,
                notes=notes,
            )
            rows += lang_rows
            verdict["languages"] = kind
            if items:
                freed[name] = items
        wave_rows, wkind, wave_text = _across_waves(
            study, b, ordinal=ordinal, policy=policy, notes=notes
        )
        rows += wave_rows
        verdict["waves"] = wkind
        verdicts[name] = verdict
        sentences.append(_sentence(name, lang_text, wave_text, has_language=lang is not None))
    table = pd.DataFrame(rows, columns=EQUIVALENCE_COLUMNS)
    result = Equivalence(
        language=lang,
        versions=versions,
        table=table,
        verdicts=verdicts,
        freed=freed,
        sentences=sentences,
        notes=notes,
    )
    study.cache[key] = result
    return result


def _across_languages(  # noqa: PLR0911 - one return per verdict
    study: Study,
    b: BoundInstrument,
    data: pd.DataFrame,
    lang: str,
    labels: dict[Any, str],
    *,
    ordinal: bool,
    policy: DisclosurePolicy,
    unnamed: set[Any],
    notes: list[str],
) -> tuple[list[dict[str, Any]], str, list[str], str]:
    """Rows, verdict kind, freed items and the phrase for one instrument across versions."""
    from stigma_analysis.structure import default_model, invariance, partial_invariance

    name = short_name(b.instrument)
    items, _ = _model_items(b)
    per_group = group_parameters(b, ordinal=ordinal)
    need = max(CFA_MIN_N, CFA_CASES_PER_PARAMETER * per_group)
    complete = data.dropna(subset=[*items, lang])
    sizes = complete[lang].value_counts()
    if data[lang].nunique() < 2:
        return [], "untested", [], "equivalence is not tested (one version only)"
    keep = [g for g in sizes.index if sizes[g] >= need]
    small = sorted(
        (str(labels.get(g, g)), int(sizes[g]))
        for g in sizes.index
        if sizes[g] < need and g not in unnamed
    )
    n_unnamed = len(set(sizes.index) & unnamed)
    if small or n_unnamed:
        shown = ", ".join(f"{g} ({_count(n, policy)})" for g, n in small)
        if n_unnamed:
            few = (
                f"{n_unnamed} version{'s' if n_unnamed > 1 else ''} answered by fewer than "
                f"{policy.min_cell} people (not named)"
            )
            shown = f"{shown} and {few}" if shown else few
        notes.append(
            f"{name}: language versions left out of the comparison, with fewer than {need} "
            f"complete answers ({per_group} free parameters per version, "
            f"{CFA_CASES_PER_PARAMETER} cases each): {shown}"
        )
    if len(keep) < 2:
        why = "only one language version has" if len(keep) == 1 else "no language version has"
        return [], "untested", [], f"equivalence is not tested ({why} enough complete answers)"
    kept_names = sorted(str(labels.get(g, g)) for g in keep)
    part = complete[complete[lang].isin(keep)]
    part, safe = _safe_items(part, b, keep=[lang])
    item_of = {safe[i]: b.columns[i] for i in safe}
    model = default_model(b.instrument, safe)
    try:
        with captured_warnings() as found:
            inv = invariance(part, model, group=lang, levels=_levels(ordinal), ordered=ordinal)
    except (ValueError, np.linalg.LinAlgError) as exc:
        notes.append(
            f"{name}: the multi-group model could not be fitted ({without_counts(str(exc))})"
        )
        return [], "unclear", [], "equivalence cannot be judged (the model could not be fitted)"
    notes += [
        f"{name} (language versions): {_name_groups(without_counts(w), labels)}" for w in found
    ]
    rows = _rows(cast("pd.DataFrame", inv), name=name, comparison="languages", ordinal=ordinal)
    kind, failed = _kind(rows)
    among = _and(kept_names)
    if kind == "full":
        return (
            rows,
            "full",
            [],
            f"mean comparisons between {among} are {_VERDICT['full']} (scalar invariance holds)",
        )
    if kind == "unclear":
        return rows, "unclear", [], "equivalence cannot be judged (an improper or unconverged fit)"
    if kind == "poor":
        return (
            rows,
            "not",
            [],
            (
                f"mean comparisons between {among} are {_VERDICT['not']} (the factor model itself "
                "fits poorly)"
            ),
        )
    if failed != "scalar":
        return (
            rows,
            "not",
            [],
            f"mean comparisons between {among} are {_VERDICT['not']} ({failed} invariance fails)",
        )
    try:
        with captured_warnings():
            pi = partial_invariance(part, model, group=lang, level="scalar", ordered=ordinal)
    except (ValueError, np.linalg.LinAlgError) as exc:
        notes.append(f"{name}: the partial-invariance search failed ({without_counts(str(exc))})")
        return (
            rows,
            "not",
            [],
            f"mean comparisons between {among} are {_VERDICT['not']} (scalar invariance fails)",
        )
    items_freed = _freed_items(pi.freed, item_of)
    if pi.holds and pi.freed:
        last = pi.steps.iloc[-1]
        prev_cfi = rows[-2]["cfi"]
        rows.append(
            {
                "instrument": name,
                "comparison": "languages",
                "estimator": "WLSMV" if ordinal else "ML",
                "level": "scalar (partial)",
                "chisq": last["chisq"],
                "df": last["df"],
                "cfi": last["cfi"],
                "rmsea": last["rmsea"],
                "srmr": last["srmr"],
                "delta_cfi": last["cfi"] - prev_cfi,
                "delta_rmsea": last["delta_rmsea"],
                "delta_srmr": last["delta_srmr"],
                "holds": bool(last["holds"]),
                "converged": True,
                "improper": False,
            }
        )
        return (
            rows,
            "partial",
            items_freed,
            (
                f"mean comparisons between {among} are {_VERDICT['partial']}: scalar invariance "
                "fails, but holds once "
                f"the intercepts of {_and(items_freed)} may differ between versions (partial "
                "invariance); compare means with those items' bias in mind, or leave them out"
            ),
        )
    return (
        rows,
        "not",
        items_freed,
        (
            f"mean comparisons between {among} are {_VERDICT['not']} (scalar invariance fails, "
            "and freeing "
            f"{len(pi.freed)} item parameters one at a time does not restore it)"
        ),
    )


def _across_waves(  # noqa: PLR0911 - one return per verdict
    study: Study,
    b: BoundInstrument,
    *,
    ordinal: bool,
    policy: DisclosurePolicy,
    notes: list[str],
) -> tuple[list[dict[str, Any]], str, str]:
    """Rows, verdict kind and phrase for one instrument over waves (first vs last)."""
    from stigma_analysis.structure import default_model, longitudinal_invariance

    waves = study.waves
    if len(waves) < 2:
        return [], "untested", ""
    name = short_name(b.instrument)
    w0, w1 = waves[0], waves[-1]
    items, n_factors = _model_items(b)
    n_par = longitudinal_parameters(
        len(items), n_factors, categories=_categories(b) if ordinal else None
    )
    need = max(CFA_MIN_N, CFA_CASES_PER_PARAMETER * n_par)
    wide = []
    for w in (w0, w1):
        part = study.data[study.data[study.wave] == w]
        part, safe = _safe_items(part, b, keep=[study.id])
        part = part.dropna().drop_duplicates(subset=study.id, keep=False).set_index(study.id)
        wide.append(part.add_suffix(f"_t{w}"))
    both = wide[0].join(wide[1], how="inner")
    n = len(both)
    span = f"{study.wave}s {w0} and {w1}"
    if n < need:
        notes.append(
            f"{name}: not tested over time: {_count(n, policy)} people with complete answers at "
            f"both {span}, {need} needed"
        )
        return (
            [],
            "untested",
            f"equivalence is not tested (too few people answered every item at both {span})",
        )
    model = default_model(b.instrument, safe)
    try:
        with captured_warnings() as found:
            inv = longitudinal_invariance(
                both.reset_index(drop=True),
                model,
                waves=(f"t{w0}", f"t{w1}"),
                levels=_levels(ordinal),
                ordered=ordinal,
            )
    except (ValueError, np.linalg.LinAlgError) as exc:
        notes.append(
            f"{name}: the longitudinal model could not be fitted ({without_counts(str(exc))})"
        )
        return [], "unclear", "equivalence cannot be judged (the model could not be fitted)"
    notes += [f"{name} (over time): {without_counts(w)}" for w in found]
    rows = _rows(cast("pd.DataFrame", inv), name=name, comparison="waves", ordinal=ordinal)
    kind, failed = _kind(rows)
    if kind == "full":
        return (
            rows,
            "full",
            f"mean comparisons between {span} are {_VERDICT['full']} (scalar invariance holds)",
        )
    if kind == "unclear":
        return rows, "unclear", "equivalence cannot be judged (an improper or unconverged fit)"
    if kind == "poor":
        return (
            rows,
            "not",
            f"mean comparisons between {span} are {_VERDICT['not']} (the two-wave model fits poorly)",
        )
    return (
        rows,
        "not",
        f"mean comparisons between {span} are {_VERDICT['not']} ({failed} invariance fails)",
    )


def _and(words: Sequence[str]) -> str:
    words = list(words)
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _sentence(name: str, lang_text: str, wave_text: str, *, has_language: bool) -> str:
    """``EDS-9: across language versions, mean comparisons are defensible ...; over time ...``."""
    parts = []
    if has_language:
        parts.append(f"across language versions, {lang_text}")
    if wave_text:
        parts.append(f"over time, {wave_text}")
    if not parts:
        return f"{name}: one wave and no language versions, so there is nothing to compare."
    return f"{name}: " + "; ".join(parts) + "."
