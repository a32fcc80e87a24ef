"""Item response theory and DIF by language version for the research report (issue 16).

For each instrument with at least :data:`IRT_MIN_ITEMS` items and :data:`IRT_MIN_N` complete
cases at one wave, :func:`irt_section` fits Samejima's graded response model to everyone
(:func:`stigma_analysis.irt.irt`) and, when the study declares its language-version column
(``design.language``) and at least two versions have :data:`DIF_MIN_N` complete cases each,
tests every item for differential item functioning (DIF) across those versions:

1. ordinal-logistic DIF (:func:`stigma_analysis.irt.dif_ordinal`, lordif's three models) for
   every item, matched on the GRM's EAP θ, with one purification: once items are flagged, θ is
   re-scored from the other items only and the test repeated until the flagged set is stable
   (at most :data:`PURIFY_ROUNDS` rounds). An item *functions differently* when one of the
   three χ² tests has p < ``alpha`` (0.01, lordif's default) **and** its Nagelkerke pseudo-R²
   change from model 1 to model 3 is at least moderate by Jodoin & Gierl (2001) (0.035);
2. likelihood-ratio DIF (:func:`stigma_analysis.irt.dif_lr`, as ``mirt::DIF``) for the flagged
   items only, with the unflagged items as anchors: one multiple-group fit per flagged item,
   cheap next to testing every item (skipped beyond :data:`LR_MAX_ITEMS` flagged items).

Privacy: only aggregates leave (item parameters, test statistics, model curves of versions with
at least :data:`DIF_MIN_N` complete cases); versions smaller than that are left out of the DIF
tests, and those below ``privacy.min_cell`` are never named. Counts are returned as tables for
``policy.disclose`` (:func:`version_counts`, which pools the left-out versions into one row).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from stigma_analysis.report._common import (
    _wave_data,
    captured_warnings,
    figure_label,
    short_name,
    without_counts,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from stigma_analysis.irt import DIFResult, IRTResult
    from stigma_analysis.study import BoundInstrument, Study

__all__ = [
    "DIF_MIN_N",
    "IRT_MIN_ITEMS",
    "IRT_MIN_N",
    "JODOIN_GIERL",
    "LR_MAX_ITEMS",
    "ZUMBO_THOMAS",
    "IRTSection",
    "dif_band",
    "flagged_text",
    "irt_section",
    "plot_dif_curves",
    "plot_test_information",
    "version_counts",
]

IRT_MIN_N = 100
"""Complete cases an instrument needs at the wave for the graded response model."""
IRT_MIN_ITEMS = 3
"""Items an instrument needs for the graded response model."""
DIF_MIN_N = 100
"""Complete cases each language version needs to enter the DIF tests."""
PURIFY_ROUNDS = 3
"""Rounds of ordinal-logistic DIF (θ re-scored from the unflagged items between rounds)."""
LR_MAX_ITEMS = 6
"""Flagged items up to which the likelihood-ratio test (one multiple-group fit each) is run."""
JODOIN_GIERL = (0.035, 0.070)
"""Nagelkerke pseudo-R² change bounds of moderate and large DIF (Jodoin & Gierl 2001)."""
ZUMBO_THOMAS = (0.13, 0.26)
"""Nagelkerke pseudo-R² change bounds of moderate and large DIF (Zumbo & Thomas 1997)."""
THETA = np.linspace(-4.0, 4.0, 161)
"""θ grid of the information shares and the figures."""
_STYLES = ("-", "--", ":", "-.")


def dif_band(r2_change: float, bounds: tuple[float, float] = JODOIN_GIERL) -> str:
    """``"negligible"``, ``"moderate"`` or ``"large"`` for a pseudo-R² change and its bounds."""
    if not np.isfinite(r2_change) or r2_change < bounds[0]:
        return "negligible"
    return "moderate" if r2_change < bounds[1] else "large"


@dataclass(frozen=True, kw_only=True)
class IRTSection:
    """What the report's IRT subsection shows (aggregates only; see :func:`irt_section`).

    Attributes
    ----------
    summary : pandas.DataFrame
        One row per fitted instrument: ``instrument, n, items, reliability`` (marginal
        reliability of the pooled GRM), ``dif_items`` (items that function differently; NaN
        when DIF was not tested).
    items : dict of str to pandas.DataFrame
        Per instrument: ``item, a, b1..bk, info_share`` (percent of the test information over
        θ from -4 to 4), reverse-keyed items reversed.
    dif : pandas.DataFrame
        One row per tested item: ``instrument, item, chisq, df, p`` (the χ² of model 1 vs 3,
        2 df with two versions), ``p_uniform`` (1 vs 2), ``p_nonuniform`` (2 vs 3), ``p_min``
        (smallest p of the three tests), ``r2_change`` (Nagelkerke, 1 → 3),
        ``jodoin_gierl, zumbo_thomas`` (bands), ``lr_chisq, lr_df, lr_p`` (NaN where not
        run), ``flagged``.
    language : str or None
        The language column (``design.language``).
    versions : list of str
        Labels of the language versions compared (empty when DIF was not tested).
    notes : list of str
        Instruments not fitted and why, versions left out (without names below ``min_cell``
        and without sizes), problems reported by the fits.
    """

    summary: pd.DataFrame
    items: dict[str, pd.DataFrame]
    dif: pd.DataFrame
    language: str | None
    versions: list[str]
    notes: list[str]
    wave: Any
    fits: dict[str, IRTResult] = field(repr=False)
    version_fits: dict[str, dict[str, IRTResult]] = field(repr=False)
    lr: dict[str, DIFResult] = field(repr=False)
    version_n: dict[str, pd.Series] = field(repr=False)

    @property
    def tested(self) -> bool:
        """Whether DIF by language was tested for at least one instrument."""
        return not self.dif.empty

    @property
    def flagged(self) -> list[tuple[str, str]]:
        """``(instrument, item)`` of every item that functions differently."""
        rows = self.dif.loc[self.dif["flagged"].astype(bool)]
        return list(zip(rows["instrument"], rows["item"], strict=True))


def _labels(study: Study, column: str, values: pd.Series) -> pd.Series:
    """Language codes as their value labels (codes without a label as text)."""
    labels = study.value_labels(column)

    def one(v: Any) -> Any:
        if pd.isna(v):
            return np.nan
        if v in labels:
            return str(labels[v])
        try:
            f = float(v)
        except (TypeError, ValueError):
            return str(v)
        if f in labels:
            return str(labels[f])
        return str(int(f)) if f.is_integer() else str(v)

    return values.map(one)


def _item_table(fit: IRTResult) -> pd.DataFrame:
    frame = fit.to_frame()
    kmax = fit.d.shape[1]
    out = frame[["item", "a", *[f"b{k + 1}" for k in range(kmax)]]].copy()
    info = fit.information(THETA).drop(columns="test")
    # trapezoid rule: the area under each item's information curve over the grid
    weights = np.full(THETA.size, THETA[1] - THETA[0])
    weights[[0, -1]] /= 2
    area = (info.to_numpy() * weights[:, None]).sum(axis=0)
    out["info_share"] = 100.0 * area / area.sum()
    return out


def irt_section(
    study: Study,
    *,
    wave: Any = None,
    min_n: int = IRT_MIN_N,
    min_version_n: int = DIF_MIN_N,
    alpha: float = 0.01,
) -> IRTSection:
    """Pooled GRM per instrument and, with declared language versions, DIF across them.

    Parameters
    ----------
    study : Study
        The study as the report sees it (small groups already withheld).
    wave : optional
        The wave (default the first).
    min_n : int
        Complete cases an instrument needs (at least 100 by default).
    min_version_n : int
        Complete cases a language version needs to enter the DIF tests (raised to
        ``privacy.min_cell`` when that is larger).
    alpha : float
        Significance level of the ordinal-logistic and likelihood-ratio DIF tests.

    Returns
    -------
    IRTSection
    """
    from stigma_analysis.irt import dif_lr, dif_ordinal, irt

    wave = study.waves[0] if wave is None else wave
    data = _wave_data(study, wave)
    min_cell = int(study.spec.privacy.min_cell)
    need_version = max(int(min_version_n), min_cell)
    language = study.language
    summary, items_out, dif_rows, notes = [], {}, [], []
    fits: dict[str, IRTResult] = {}
    version_fits: dict[str, dict[str, IRTResult]] = {}
    lr_out: dict[str, DIFResult] = {}
    version_n: dict[str, pd.Series] = {}
    versions_used: list[str] = []
    for b in study.instruments:
        name = short_name(b.instrument)
        cols = list(dict.fromkeys(b.columns.values()))
        if len(cols) < IRT_MIN_ITEMS:
            continue
        complete = data.dropna(subset=cols)
        if len(complete) < min_n:
            notes.append(
                f"{name}: not fitted: fewer than {min_n} respondents answered every item "
                f"at {study.wave} {wave}"
            )
            continue
        try:
            with captured_warnings() as found:
                fit = irt(complete, b.instrument, columns=b.columns, se=False)
        except ValueError as exc:  # e.g. an item everyone answered the same way
            notes.append(f"{name}: not fitted: {without_counts(str(exc))}")
            continue
        notes += [f"{name}: {without_counts(w)}" for w in found]
        fits[name] = fit
        items_out[name] = _item_table(fit)
        row: dict[str, Any] = {
            "instrument": name,
            "n": len(complete),
            "items": len(fit.items),
            "reliability": fit.marginal_reliability,
            "dif_items": np.nan,
        }
        if language is not None:
            tested = _dif_by_version(
                study,
                b,
                name,
                complete,
                fit,
                language=language,
                need=need_version,
                alpha=alpha,
                notes=notes,
                dif_ordinal=dif_ordinal,
                dif_lr=dif_lr,
                irt=irt,
            )
            if tested is not None:
                rows, groups_fit, lr, counts = tested
                dif_rows += rows
                version_fits[name] = groups_fit
                version_n[name] = counts
                if lr is not None:
                    lr_out[name] = lr
                row["dif_items"] = sum(r["flagged"] for r in rows)
                versions_used += [v for v in groups_fit if v not in versions_used]
        summary.append(row)
    dif_cols = ["instrument", "item", "chisq", "df", "p", "p_uniform", "p_nonuniform", "p_min"]
    dif_cols += ["r2_change"]
    dif_cols += ["jodoin_gierl", "zumbo_thomas", "lr_chisq", "lr_df", "lr_p", "flagged"]
    return IRTSection(
        summary=pd.DataFrame(
            summary, columns=["instrument", "n", "items", "reliability", "dif_items"]
        ),
        items=items_out,
        dif=pd.DataFrame(dif_rows, columns=dif_cols),
        language=language,
        versions=versions_used,
        notes=notes,
        wave=wave,
        fits=fits,
        version_fits=version_fits,
        lr=lr_out,
        version_n=version_n,
    )


def _dif_by_version(
    study: Study,
    b: BoundInstrument,
    name: str,
    complete: pd.DataFrame,
    fit: IRTResult,
    *,
    language: str,
    need: int,
    alpha: float,
    notes: list[str],
    dif_ordinal: Any,
    dif_lr: Any,
    irt: Any,
) -> tuple[list[dict[str, Any]], dict[str, IRTResult], DIFResult | None, pd.Series] | None:
    """DIF of one instrument across the language versions with ``need`` complete cases each."""
    min_cell = int(study.spec.privacy.min_cell)
    version = _labels(study, language, complete[language])
    sizes = version.value_counts()
    keep = sorted(sizes[sizes >= need].index.tolist(), key=str)
    small = [v for v in sizes.index if v not in set(keep)]
    if small:
        named = sorted(str(v) for v in small if sizes[v] >= min_cell)
        unnamed = len(small) - len(named)
        parts = []
        if named:
            parts.append(", ".join(named))
        if unnamed:
            parts.append(f"{unnamed} smaller version{'s' if unnamed > 1 else ''}, not named")
        notes.append(
            f"{name}: {len(small)} language version{'s' if len(small) > 1 else ''} with fewer "
            f"than {need} complete answers left out of the DIF tests ({'; '.join(parts)})"
        )
    counts = version.where(version.isin(keep)).value_counts().reindex(keep).fillna(0).astype(int)
    if len(keep) < 2:
        notes.append(
            f"{name}: fewer than two language versions with at least {need} complete answers; "
            "DIF not tested"
        )
        return None
    rows_in = version.isin(keep).to_numpy()
    part = complete.loc[rows_in]
    groups = version[rows_in]
    try:
        with captured_warnings() as found:
            flagged, table, lr = _purified_dif(
                fit, part, groups, b, alpha=alpha, dif_ordinal=dif_ordinal, dif_lr=dif_lr
            )
    except ValueError as exc:  # e.g. an item with one answer in the versions compared
        notes.append(f"{name}: DIF not tested: {without_counts(str(exc))}")
        return None
    notes += [f"{name}: {without_counts(w)}" for w in found]
    by_version = {}
    for v in keep:
        rows_v = (groups == v).to_numpy()
        try:
            with captured_warnings() as found:
                by_version[str(v)] = irt(
                    part.loc[rows_v], b.instrument, columns=b.columns, se=False
                )
        except ValueError as exc:
            notes.append(f"{name}, {v} version: no information curve: {without_counts(str(exc))}")
            continue
        notes += [f"{name}, {v} version: {without_counts(w)}" for w in found]
    if flagged and lr is None:
        notes.append(
            f"{name}: {len(flagged)} items flagged; the likelihood-ratio test (one multiple-group "
            f"fit per item) is run for at most {LR_MAX_ITEMS}"
            if len(flagged) > LR_MAX_ITEMS
            else f"{name}: every item was flagged, so no anchor items remain for the "
            "likelihood-ratio test"
        )
    rows = _dif_rows(name, table, flagged, lr)
    return rows, by_version, lr, counts


def _purified_dif(
    fit: IRTResult,
    part: pd.DataFrame,
    groups: pd.Series,
    b: BoundInstrument,
    *,
    alpha: float,
    dif_ordinal: Any,
    dif_lr: Any,
) -> tuple[list[str], pd.DataFrame, DIFResult | None]:
    """Ordinal DIF with θ re-scored from the unflagged items until the flags are stable; then
    the likelihood-ratio test of the flagged items with the others as anchors."""
    anchors = list(fit.items)
    flagged: list[str] = []
    table = pd.DataFrame()
    for _ in range(PURIFY_ROUNDS):
        # the matching trait: EAP θ of the pooled calibration from the unflagged items
        theta = fit.scores(items=anchors)["theta"]
        res = dif_ordinal(
            part, groups, b.instrument, columns=b.columns, matching=theta, alpha=alpha
        )
        table = res.to_frame()
        p_min = table[["p12", "p13", "p23"]].min(axis=1)
        new = table.loc[
            (p_min < alpha) & (table["nagelkerke_13"] >= JODOIN_GIERL[0]), "item"
        ].tolist()
        if new == flagged:
            break
        flagged = new
        anchors = [i for i in fit.items if i not in set(flagged)]
        if len(anchors) < 2:
            break
    lr = None
    if flagged and len(anchors) >= 1 and len(flagged) <= LR_MAX_ITEMS:
        lr = dif_lr(
            part,
            groups,
            b.instrument,
            columns=b.columns,
            anchors=anchors,
            items_to_test=flagged,
            alpha=alpha,
        )
    return flagged, table, lr


def _dif_rows(
    name: str, table: pd.DataFrame, flagged: list[str], lr: DIFResult | None
) -> list[dict[str, Any]]:
    """The section's DIF rows of one instrument (ordinal statistics, bands, LR where run)."""
    lr_rows: dict[Any, dict[Any, Any]] = (
        lr.to_frame().set_index("item").to_dict("index") if lr is not None else {}
    )
    p_min = table[["p12", "p13", "p23"]].min(axis=1).to_numpy()
    rows = []
    for k, r in enumerate(table.to_dict("records")):
        item = str(r["item"])
        r2 = float(r["nagelkerke_13"])
        lr_row = lr_rows.get(item, {})
        rows.append(
            {
                "instrument": name,
                "item": item,
                "chisq": float(r["chi13"]),
                "df": int(r["df13"]),
                "p": float(r["p13"]),
                "p_uniform": float(r["p12"]),
                "p_nonuniform": float(r["p23"]),
                "p_min": float(p_min[k]),
                "r2_change": r2,
                "jodoin_gierl": dif_band(r2, JODOIN_GIERL),
                "zumbo_thomas": dif_band(r2, ZUMBO_THOMAS),
                "lr_chisq": float(lr_row.get("chisq", np.nan)),
                "lr_df": float(lr_row.get("df", np.nan)),
                "lr_p": float(lr_row.get("p", np.nan)),
                "flagged": item in set(flagged),
            }
        )
    return rows


def version_counts(section: IRTSection, study: Study) -> pd.DataFrame:
    """Complete cases per language version compared (rows) and instrument (columns).

    The versions left out (too few complete answers) and respondents without a recorded
    version are pooled in one row, and a ``Total`` row gives everyone fitted, so the table can
    go through ``policy.disclose(..., totals="columns")``: a pooled row below ``min_cell`` is
    hidden and so is whatever would give it back.
    """
    other = "other versions or none recorded"
    cols = {}
    for name, counts in section.version_n.items():
        total = int(
            dict(zip(section.summary["instrument"], section.summary["n"], strict=True))[name]
        )
        col = counts.reindex(section.versions).fillna(0).astype(int)
        col[other] = total - int(counts.sum())
        col["Total"] = total
        cols[name] = col
    if not cols:
        return pd.DataFrame()
    out = pd.DataFrame(cols).fillna(0).astype(int)
    out.index.name = figure_label(study.language or "language")
    return out


# ----------------------------------------------------------------------------- figures
def _panels(n: int, *, width: float = 7.0, row_height: float = 2.5) -> tuple[Figure, list[Any]]:
    import matplotlib.pyplot as plt

    ncols = 1 if n == 1 else 2
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(width, row_height * nrows + 0.6), squeeze=False)
    flat = list(axes.ravel())
    for ax in flat[n:]:
        ax.set_visible(False)
    return fig, flat[:n]


def plot_test_information(section: IRTSection) -> Figure | None:
    """Test information against θ, one panel per instrument.

    With DIF tested: one line per language version (each version's own GRM, so θ is in SD
    units of that version's respondents); otherwise one line for everyone. None when no
    instrument was fitted.
    """
    from stigma_analysis.plots import _colours

    if not section.fits:
        return None
    fig, axes = _panels(len(section.fits))
    for ax, (name, fit) in zip(axes, section.fits.items(), strict=True):
        curves = section.version_fits.get(name) or {"all respondents": fit}
        colours = _colours(len(curves))
        for k, (label, f) in enumerate(curves.items()):
            ax.plot(
                THETA,
                f.information(THETA)["test"].to_numpy(),
                color=colours[k],
                ls=_STYLES[k % len(_STYLES)],
                lw=1.8,
                label=figure_label(label),
            )
        ax.set_title(name, loc="left", fontsize="medium")
        ax.set_xlabel("θ (trait, SD units)")
        ax.set_ylabel("Test information")
        if len(curves) > 1:
            ax.legend(fontsize="small", title=figure_label(section.language or ""))
    fig.tight_layout()
    return fig


def plot_dif_curves(section: IRTSection, *, max_items: int = 12) -> Figure | None:
    """Expected answer against θ of each flagged item, one line per language version.

    From the likelihood-ratio model in which the item is free across versions (anchors equal,
    latent mean and SD of the other versions free; :func:`stigma_analysis.irt.plot_dif`).
    None when no flagged item had a likelihood-ratio model.
    """
    from stigma_analysis.irt import plot_dif
    from stigma_analysis.plots import _colours

    shown = [
        (name, item)
        for name, item in section.flagged
        if item in getattr(section.lr.get(name), "item_fits", {})
    ][:max_items]
    if not shown:
        return None
    fig, axes = _panels(len(shown), row_height=2.8)
    for ax, (name, item) in zip(axes, shown, strict=True):
        plot_dif(section.lr[name], item, ax=ax, theta=THETA)
        # the same colours, line styles and labels as the information figure
        lines = ax.get_lines()
        colours = _colours(len(lines))
        for k, line in enumerate(lines):
            line.set_color(colours[k])
            line.set_linestyle(_STYLES[k % len(_STYLES)])
            line.set_linewidth(1.8)
            line.set_label(figure_label(line.get_label()))
        ax.legend(fontsize="small", title=figure_label(section.language or "group"))
        ax.set_title("")
        ax.set_title(f"{name} item {item}", loc="left", fontsize="medium")
        ax.set_xlabel("θ (trait, SD units of the reference version)")
    fig.tight_layout()
    return fig


def flagged_text(section: IRTSection, items: Sequence[tuple[str, str]] | None = None) -> str:
    """``"ISMI-29 items 3 and 7"`` style list of flagged items, grouped by instrument."""
    pairs = section.flagged if items is None else list(items)
    by: dict[str, list[str]] = {}
    for name, item in pairs:
        by.setdefault(name, []).append(str(item))
    parts = []
    for name, its in by.items():
        word = "item" if len(its) == 1 else "items"
        listed = its[0] if len(its) == 1 else ", ".join(its[:-1]) + " and " + its[-1]
        parts.append(f"{name} {word} {listed}")
    return "; ".join(parts)
