"""Multiple-group graded response models and likelihood-ratio DIF tests (as ``mirt::DIF``)."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from stigma_analysis.instruments import Instrument

from ._data import Coded, code_items, collapse, item_frame
from ._engine import Engine, GroupData, Layout, quadrature, single_thread
from ._fit import start_values
from ._warnings import IRTNonConvergenceWarning, SparseCategoryWarning

__all__ = ["DIFResult", "MultiGroupFit", "dif_lr", "fit_multigroup"]

FloatArray = np.ndarray


@dataclass(frozen=True, slots=True, kw_only=True)
class MultiGroupFit:
    """One multiple-group GRM: log-likelihood, parameters per group, latent mean and SD."""

    groups: tuple[str, ...]
    items: tuple[str, ...]
    equal: frozenset[str]
    loglik: float
    n_par: int
    converged: bool
    a: FloatArray  # (G, J)
    d: FloatArray  # (G, J, Kmax - 1)
    mean: FloatArray  # (G,)
    sd: FloatArray  # (G,)

    def to_frame(self) -> pd.DataFrame:
        """One row per group and item: ``group, item, a, d1.., equal``."""
        rows = []
        for g, name in enumerate(self.groups):
            for j, item in enumerate(self.items):
                row: dict[str, Any] = {"group": name, "item": item, "a": self.a[g, j]}
                for k in range(self.d.shape[2]):
                    row[f"d{k + 1}"] = self.d[g, j, k]
                row["equal"] = item in self.equal
                rows.append(row)
        return pd.DataFrame(rows)


class _Problem:
    """Coded data split by group, ready for any pattern of equality constraints."""

    def __init__(self, coded: Coded, labels: np.ndarray, groups: list[Any], theta: FloatArray):
        self.coded = coded
        self.groups = groups
        self.theta = theta
        answered = np.any(coded.codes >= 0, axis=1)
        self.data = []
        self.empty: dict[int, list[tuple[Any, list[float]]]] = {}
        for g in groups:
            rows = answered & (labels == g)
            if rows.sum() < 2:
                raise ValueError(f"group {g!r} has fewer than two respondents with answers")
            pats, freq, _ = collapse(coded.codes[rows])
            self.data.append((pats, freq))
            for j, cats in enumerate(coded.categories):
                seen = set(np.unique(coded.codes[rows, j]).tolist())
                unused = [cats[c] for c in range(len(cats)) if c not in seen]
                if unused:
                    self.empty.setdefault(j, []).append((g, unused))
        self.start = start_values(coded.codes[answered], coded.ncat)
        self.offsets = np.concatenate([[0], np.cumsum(coded.ncat)[:-1]]).astype(int)

    def layout(self, equal: set[int], free_latent: bool) -> Layout:
        ncat = self.coded.ncat
        n_groups = len(self.groups)
        item_map = np.full((n_groups, int(ncat.sum())), -1)
        nxt = 0
        for j, (o, k) in enumerate(zip(self.offsets, ncat, strict=True)):
            if j in equal:
                item_map[:, o : o + k] = np.arange(nxt, nxt + k)[None, :]
                nxt += k
            else:
                for g in range(n_groups):
                    item_map[g, o : o + k] = np.arange(nxt, nxt + k)
                    nxt += k
        group_map = np.full((n_groups, 2), -1)
        if free_latent:
            for g in range(1, n_groups):
                group_map[g] = [nxt, nxt + 1]
                nxt += 2
        return Layout(item_map=item_map, group_map=group_map, n_free=nxt)

    def fit(
        self,
        equal: set[int],
        *,
        free_latent: bool,
        tol: float,
        max_iter: int,
        start: tuple[FloatArray, FloatArray] | None = None,
    ) -> tuple[MultiGroupFit, Engine]:
        if free_latent and not equal:
            raise ValueError(
                "free latent means and variances need at least one anchor item equal across groups"
            )
        layout = self.layout(equal, free_latent)
        n_groups = len(self.groups)
        if start is None:
            item_values = np.tile(self.start, (n_groups, 1))
            group_values = np.zeros((n_groups, 2))
        else:
            item_values, group_values = start[0].copy(), start[1].copy()
            # equal items start from their mean over groups
            for j in equal:
                o, k = self.offsets[j], self.coded.ncat[j]
                item_values[:, o : o + k] = item_values[:, o : o + k].mean(axis=0)
            if not free_latent:
                group_values[:] = 0.0
        eng = Engine(
            [GroupData(p, f) for p, f in self.data],
            self.coded.ncat,
            self.theta,
            layout,
            item_values=item_values,
            group_values=group_values,
        )
        _, converged = eng.fit(tol=tol, max_iter=max_iter)
        ll = eng.loglik()
        ncat = self.coded.ncat
        kmax = int(ncat.max()) - 1
        a = np.zeros((n_groups, ncat.size))
        d = np.full((n_groups, ncat.size, kmax), np.nan)
        for g in range(n_groups):
            v = eng.item_values[g]
            for j, (o, k) in enumerate(zip(self.offsets, ncat, strict=True)):
                a[g, j] = v[o]
                d[g, j, : k - 1] = v[o + 1 : o + k]
        items = self.coded.items
        result = MultiGroupFit(
            groups=tuple(str(g) for g in self.groups),
            items=tuple(items),
            equal=frozenset(items[j] for j in equal),
            loglik=ll,
            n_par=layout.n_free,
            converged=converged,
            a=a,
            d=d,
            mean=eng.group_values[:, 0].copy(),
            sd=np.exp(eng.group_values[:, 1]),
        )
        return result, eng


def _problem(
    data: pd.DataFrame,
    group: str | pd.Series,
    *,
    instrument: Instrument | str | None,
    items: Sequence[str] | None,
    columns: str | Mapping[Any, str] | None,
    reference: Any,
    quadpts: int,
    theta_lim: tuple[float, float],
) -> _Problem:
    if isinstance(group, str):
        if group not in data.columns:
            raise ValueError(f"group column {group!r} is not in the data")
        labels_s = data[group]
        if items is None and instrument is None:
            items = [c for c in data.columns if c != group]
    else:
        labels_s = pd.Series(group, index=data.index)
    keep = labels_s.notna().to_numpy()
    frame, ins = item_frame(data.loc[keep], instrument, items=items, columns=columns)
    coded = code_items(frame, ins)
    labels = labels_s.to_numpy()[keep]
    levels = sorted(pd.unique(labels).tolist(), key=str)
    if len(levels) < 2:
        raise ValueError(f"the group variable has {len(levels)} level(s); DIF needs at least two")
    if reference is not None:
        if reference not in levels:
            raise ValueError(f"reference group {reference!r} is not one of {levels}")
        levels.remove(reference)
        levels.insert(0, reference)
    return _Problem(coded, labels, levels, quadrature(quadpts, theta_lim))


def fit_multigroup(
    data: pd.DataFrame,
    group: str | pd.Series,
    instrument: Instrument | str | None = None,
    *,
    items: Sequence[str] | None = None,
    columns: str | Mapping[Any, str] | None = None,
    equal: Sequence[str] | Literal["all", "none"] = "all",
    free_latent: bool = True,
    reference: Any = None,
    quadpts: int = 61,
    theta_lim: tuple[float, float] = (-6.0, 6.0),
    tol: float = 1e-4,
    max_iter: int = 500,
) -> MultiGroupFit:
    """Fit a multiple-group GRM (mirt's ``multipleGroup``).

    Parameters
    ----------
    data, group : pandas.DataFrame, str or Series
        Responses and the grouping column (language version, site); rows with no group are
        dropped. The reference group (default: the first level in sorted order) has latent
        mean 0 and SD 1.
    equal : sequence of str, "all" or "none"
        Items whose parameters are equal across groups (anchors).
    free_latent : bool
        Estimate the latent mean and SD of the other groups (needs at least one equal item).

    Returns
    -------
    MultiGroupFit

    Matches R mirt ``multipleGroup`` in construction; the likelihood of the configural model is
    checked to equal the sum of separate single-group fits.
    """
    prob = _problem(
        data,
        group,
        instrument=instrument,
        items=items,
        columns=columns,
        reference=reference,
        quadpts=quadpts,
        theta_lim=theta_lim,
    )
    eq = _equal_set(equal, prob.coded.items)
    with single_thread():
        fit, _ = prob.fit(eq, free_latent=free_latent, tol=tol, max_iter=max_iter)
    if not fit.converged:
        warnings.warn(
            "the multiple-group GRM did not converge", IRTNonConvergenceWarning, stacklevel=2
        )
    return fit


def _equal_set(equal: Sequence[str] | str, items: list[str]) -> set[int]:
    if isinstance(equal, str):
        if equal == "all":
            return set(range(len(items)))
        if equal == "none":
            return set()
        raise ValueError(f"equal must be 'all', 'none' or a list of items, got {equal!r}")
    unknown = [e for e in equal if str(e) not in items]
    if unknown:
        raise ValueError(f"anchor/equal items not among the items: {unknown}")
    return {items.index(str(e)) for e in equal}


@dataclass(frozen=True, slots=True, kw_only=True)
class DIFResult:
    """Likelihood-ratio DIF tests, one per tested item.

    Attributes
    ----------
    table : pandas.DataFrame
        ``item, loglik_constrained, loglik_free, chisq, df, p, p_adjusted, flagged``.
    baseline : MultiGroupFit
        The anchor model (all items equal for ``anchors=None``).
    anchors : tuple of str
        The anchor items (all others, when ``anchors=None``: recorded as the empty tuple).
    item_fits : dict
        For each tested item, the fit in which that item's parameters are free across groups
        (for DIF curves).
    """

    table: pd.DataFrame
    baseline: MultiGroupFit
    anchors: tuple[str, ...]
    scheme: str
    alpha: float
    item_fits: dict[str, MultiGroupFit] = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    @property
    def flagged(self) -> list[str]:
        return self.table.loc[self.table["flagged"], "item"].tolist()


def _adjust(p: np.ndarray, method: str) -> np.ndarray:
    if method == "none":
        return p.copy()
    from statsmodels.stats.multitest import multipletests

    mapping = {"holm": "holm", "bonferroni": "bonferroni", "fdr": "fdr_bh", "BH": "fdr_bh"}
    if method not in mapping:
        raise ValueError(f"p_adjust must be one of none, holm, bonferroni, fdr; got {method!r}")
    return multipletests(p, method=mapping[method])[1]


def dif_lr(
    data: pd.DataFrame,
    group: str | pd.Series,
    instrument: Instrument | str | None = None,
    *,
    items: Sequence[str] | None = None,
    columns: str | Mapping[Any, str] | None = None,
    anchors: Sequence[str] | None = None,
    items_to_test: Sequence[str] | None = None,
    reference: Any = None,
    alpha: float = 0.05,
    p_adjust: Literal["none", "holm", "bonferroni", "fdr"] = "none",
    quadpts: int = 61,
    theta_lim: tuple[float, float] = (-6.0, 6.0),
    tol: float = 1e-4,
    max_iter: int = 500,
) -> DIFResult:
    """Likelihood-ratio DIF tests per item in a multiple-group GRM, as ``mirt::DIF``.

    The latent mean and SD are free in every group but the reference group; anchor items have
    equal parameters across groups.

    * ``anchors=None`` (all other items as anchors; mirt's ``scheme = "add"`` on a fully
      constrained model): the baseline has every item equal; each tested item in turn gets its
      slope and intercepts freed in the non-reference groups.
    * ``anchors=[...]`` (mirt's ``scheme = "drop"`` on a model with those anchors): the baseline
      has the anchors equal and every other item free; each tested item in turn is constrained
      equal.

    The statistic is ``2 (loglik_free - loglik_constrained)`` on ``K_j (G - 1)`` degrees of
    freedom (slope and ``K_j - 1`` intercepts per extra group).

    Parameters
    ----------
    data, group : pandas.DataFrame, str or Series
        Responses and the grouping column.
    anchors : sequence of str, optional
        User-chosen anchor items (see above).
    items_to_test : sequence of str, optional
        Default: every item that is not an anchor.
    reference : optional
        The reference group level (default: the first in sorted order).
    alpha, p_adjust : float, str
        Items are flagged when the (adjusted) p-value is below ``alpha``.

    Returns
    -------
    DIFResult

    Matches R mirt ``DIF(multipleGroup(..., invariance = c(anchors, "free_means", "free_var")))``
    in construction; checked by simulation (planted DIF items are flagged, others at the nominal
    rate) and by the configural likelihood equalling separate group fits.
    """
    prob = _problem(
        data,
        group,
        instrument=instrument,
        items=items,
        columns=columns,
        reference=reference,
        quadpts=quadpts,
        theta_lim=theta_lim,
    )
    names = prob.coded.items
    n_items = len(names)
    if anchors is not None:
        anchor_set = _equal_set(list(anchors), names)
        if not anchor_set:
            raise ValueError("anchors must name at least one item")
    else:
        anchor_set = set()
    tested = (
        [names.index(str(i)) for i in items_to_test]
        if items_to_test is not None
        else [j for j in range(n_items) if j not in anchor_set]
    )
    unknown = [i for i in (items_to_test or []) if str(i) not in names]
    if unknown:
        raise ValueError(f"items_to_test not among the items: {unknown}")
    if anchor_set & set(tested):
        raise ValueError("an item cannot be both an anchor and tested")
    for j in tested:
        for g, unused in prob.empty.get(j, []):
            warnings.warn(
                f"item {names[j]!r}: answers [{', '.join(f'{u:g}' for u in unused)}] were never "
                f"chosen in group {g!r}; with the item free across groups its test largely "
                "measures the empty category (collapse sparse categories first)",
                SparseCategoryWarning,
                stacklevel=2,
            )
    n_groups = len(prob.groups)
    rows = []
    item_fits: dict[str, MultiGroupFit] = {}
    with single_thread():
        if anchors is None:
            base, base_eng = prob.fit(
                set(range(n_items)), free_latent=True, tol=tol, max_iter=max_iter
            )
        else:
            base, base_eng = prob.fit(anchor_set, free_latent=True, tol=tol, max_iter=max_iter)
        start = (base_eng.item_values, base_eng.group_values)
        for j in tested:
            if anchors is None:
                fit, _ = prob.fit(
                    set(range(n_items)) - {j},
                    free_latent=True,
                    tol=tol,
                    max_iter=max_iter,
                    start=start,
                )
                ll_free, ll_con, free_fit, conv = fit.loglik, base.loglik, fit, fit.converged
            else:
                fit, _ = prob.fit(
                    anchor_set | {j}, free_latent=True, tol=tol, max_iter=max_iter, start=start
                )
                ll_free, ll_con, free_fit, conv = base.loglik, fit.loglik, base, fit.converged
            item_fits[names[j]] = free_fit
            df = int(prob.coded.ncat[j]) * (n_groups - 1)
            chisq = max(2.0 * (ll_free - ll_con), 0.0)
            rows.append(
                {
                    "item": names[j],
                    "loglik_constrained": ll_con,
                    "loglik_free": ll_free,
                    "chisq": chisq,
                    "df": df,
                    "converged": conv and base.converged,
                }
            )
    from scipy.stats import chi2

    table = pd.DataFrame(rows)
    table["p"] = chi2.sf(table["chisq"], table["df"])
    table["p_adjusted"] = _adjust(table["p"].to_numpy(), p_adjust)
    table["flagged"] = table["p_adjusted"] < alpha
    if not table["converged"].all() or not base.converged:
        warnings.warn(
            "some DIF models did not converge (see the 'converged' column)",
            IRTNonConvergenceWarning,
            stacklevel=2,
        )
    return DIFResult(
        table=table,
        baseline=base,
        anchors=tuple(names[j] for j in sorted(anchor_set)),
        scheme="add" if anchors is None else "drop",
        alpha=alpha,
        item_fits=item_fits,
    )
