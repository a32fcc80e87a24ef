"""Ordinal-logistic-regression DIF with pseudo-R² changes, as the R package lordif.

For each item, on the respondents who answered it, three cumulative-logit models
(``logit P(y ≤ k) = τ_k - η``) are fitted by maximum likelihood:

* model 1: ``η = β₁ θ``
* model 2: ``η = β₁ θ + β₂ group``               (uniform DIF)
* model 3: ``η = β₁ θ + β₂ group + β₃ θ × group`` (non-uniform DIF)

and compared by likelihood-ratio χ² (1 vs 2: uniform; 1 vs 3: total; 2 vs 3: non-uniform) and
by the change in pseudo-R² (McFadden, Cox & Snell, Nagelkerke; each against the
thresholds-only model). ``θ`` is the matching variable: the EAP θ of a GRM on all items (one
pass; lordif additionally purifies θ iteratively), the summed score, or a column you supply.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from stigma_analysis.instruments import Instrument

from ._data import code_items, item_frame

__all__ = ["OrdinalDIFResult", "dif_ordinal", "ordinal_logit"]


def _cdf(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def ordinal_logit(y: np.ndarray, X: np.ndarray) -> tuple[float, np.ndarray, np.ndarray, bool]:
    """Cumulative-logit model by maximum likelihood (MASS::polr's parameterisation).

    Parameters
    ----------
    y : array of int
        Categories ``0..K-1`` (every category observed).
    X : array (n, p)
        Predictors, no constant column (``p`` may be 0).

    Returns
    -------
    loglik, beta, cutpoints, converged
    """
    from scipy.optimize import minimize

    n_cat = int(y.max()) + 1
    p = X.shape[1]
    counts = np.bincount(y, minlength=n_cat)
    cum = np.cumsum(counts)[:-1] / y.size
    tau0 = np.log(cum / (1 - cum))
    start = np.concatenate([np.zeros(p), [tau0[0]], np.log(np.maximum(np.diff(tau0), 1e-3))])
    upper_idx = np.minimum(y, n_cat - 2)
    lower_idx = np.maximum(y - 1, 0)
    has_upper = y < n_cat - 1
    has_lower = y > 0

    def unpack(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        tau = x[p] + np.concatenate([[0.0], np.cumsum(np.exp(x[p + 1 :]))])
        return x[:p], tau

    def fun(x: np.ndarray) -> tuple[float, np.ndarray]:
        beta, tau = unpack(x)
        eta = X @ beta if p else np.zeros(y.size)
        a = tau[upper_idx] - eta
        b = tau[lower_idx] - eta
        fa = np.where(has_upper, _cdf(a), 1.0)
        fb = np.where(has_lower, _cdf(b), 0.0)
        prob = np.maximum(fa - fb, 1e-300)
        da = np.where(has_upper, fa * (1 - fa), 0.0) / prob
        db = np.where(has_lower, fb * (1 - fb), 0.0) / prob
        ll = float(np.sum(np.log(prob)))
        g_eta = -(da - db)
        g_tau = np.bincount(upper_idx[has_upper], da[has_upper], minlength=n_cat - 1) - np.bincount(
            lower_idx[has_lower], db[has_lower], minlength=n_cat - 1
        )
        grad = np.empty_like(x)
        grad[:p] = X.T @ g_eta if p else grad[:p]
        grad[p] = g_tau.sum()
        rev = np.cumsum(g_tau[::-1])[::-1]  # Σ_{k ≥ m} ∂τ_k
        grad[p + 1 :] = np.exp(x[p + 1 :]) * rev[1:]
        return -ll, -grad

    res = minimize(fun, start, jac=True, method="BFGS", options={"gtol": 1e-8, "maxiter": 1000})
    beta, tau = unpack(res.x)
    _, g = fun(res.x)
    converged = bool(res.success or np.max(np.abs(g)) < 1e-4)
    return -float(res.fun), beta, tau, converged


@dataclass(frozen=True, slots=True, kw_only=True)
class OrdinalDIFResult:
    """lordif-style DIF statistics, one row per item (see :func:`dif_ordinal`)."""

    table: pd.DataFrame
    matching: str
    criterion: str
    alpha: float
    r2_change: float
    pseudo_r2: str

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    @property
    def flagged(self) -> list[str]:
        return self.table.loc[self.table["flagged"], "item"].tolist()


def dif_ordinal(
    data: pd.DataFrame,
    group: str | pd.Series,
    instrument: Instrument | str | None = None,
    *,
    items: Sequence[str] | None = None,
    columns: str | Mapping[Any, str] | None = None,
    matching: Literal["irt", "sum"] | str | pd.Series = "irt",
    criterion: Literal["chisq", "r2"] = "chisq",
    alpha: float = 0.01,
    pseudo_r2: Literal["mcfadden", "nagelkerke", "cox_snell"] = "mcfadden",
    r2_change: float = 0.02,
) -> OrdinalDIFResult:
    """Ordinal-logistic-regression DIF per item (lordif's models 1, 2 and 3).

    Parameters
    ----------
    data, group : pandas.DataFrame, str or Series
        Responses and the grouping column (two or more groups; the first level in sorted order
        is the reference, the others enter as indicator columns).
    instrument, items, columns : optional
        As :func:`irt`.
    matching : {"irt", "sum"}, str or Series
        The trait the items are conditioned on: EAP θ from a GRM on all items (one pass, no
        purification), the summed score of the coded items (respondents with a missing answer
        get NaN and are left out), a column of ``data``, or a Series aligned with it.
    criterion : {"chisq", "r2"}
        Flag an item when any of the three χ² tests has p < ``alpha`` (lordif's "Chisqr"), or
        when the model 1 → 3 change in ``pseudo_r2`` reaches ``r2_change`` (lordif's "R2").

    Returns
    -------
    OrdinalDIFResult
        ``table`` has ``item, n, loglik0..loglik3, chi12, df12, p12, chi13, df13, p13, chi23,
        df23, p23``, pseudo-R² of models 1-3 (``mcfadden1`` ...) and their changes
        (``mcfadden_12``, ``mcfadden_13``, ``mcfadden_23``; same for ``nagelkerke`` and
        ``cox_snell``), ``converged`` and ``flagged``.

    Matches R MASS::polr log-likelihoods of the three models (and lordif's pseudo-R² formulas
    on them) to 1e-6.
    """
    if isinstance(group, str):
        if group not in data.columns:
            raise ValueError(f"group column {group!r} is not in the data")
        labels = data[group]
    else:
        labels = pd.Series(group, index=data.index)
    match_col = None
    if isinstance(matching, str) and matching not in ("irt", "sum"):
        if matching not in data.columns:
            raise ValueError(f"matching column {matching!r} is not in the data")
        match_col = matching
    if items is None and instrument is None:
        skip = {group} if isinstance(group, str) else set()
        if match_col is not None:
            skip.add(match_col)
        items = [c for c in data.columns if c not in skip]
    frame, ins = item_frame(data, instrument, items=items, columns=columns)
    coded = code_items(frame, ins)
    if isinstance(matching, pd.Series):
        trait = matching.reindex(data.index).to_numpy(dtype=float)
        match_name = "supplied"
    elif match_col is not None:
        trait = pd.to_numeric(data[match_col], errors="coerce").to_numpy(dtype=float)
        match_name = match_col
    elif matching == "sum":
        codes = coded.codes.astype(float)
        codes[codes < 0] = np.nan
        trait = np.sum(codes, axis=1)
        match_name = "sum"
    elif matching == "irt":
        from ._fit import irt

        fit = irt(data, instrument, items=items, columns=columns, se=False)
        trait = fit.scores()["theta"].to_numpy()
        match_name = "irt"
    else:
        raise ValueError(
            f"matching must be 'irt', 'sum', a column name or a Series, got {matching!r}"
        )
    if criterion not in ("chisq", "r2"):
        raise ValueError(f"criterion must be 'chisq' or 'r2', got {criterion!r}")
    if pseudo_r2 not in ("mcfadden", "nagelkerke", "cox_snell"):
        raise ValueError(f"pseudo_r2 must be mcfadden, nagelkerke or cox_snell, got {pseudo_r2!r}")
    levels = sorted(pd.unique(labels.dropna()).tolist(), key=str)
    if len(levels) < 2:
        raise ValueError(f"the group variable has {len(levels)} level(s); DIF needs at least two")
    lab = labels.to_numpy()
    dummies = np.column_stack([(lab == lv).astype(float) for lv in levels[1:]])
    n_extra = dummies.shape[1]
    from scipy.stats import chi2

    rows = []
    for j, item in enumerate(coded.items):
        y_all = coded.codes[:, j]
        ok = (y_all >= 0) & ~np.isnan(trait) & pd.notna(labels).to_numpy()
        y = y_all[ok]
        # recode to the categories present among these respondents
        _, y = np.unique(y, return_inverse=True)
        th = trait[ok][:, None]
        dm = dummies[ok]
        designs = [
            np.empty((y.size, 0)),
            th,
            np.hstack([th, dm]),
            np.hstack([th, dm, th * dm]),
        ]
        lls, conv = [], True
        for X in designs:
            ll, _, _, c = ordinal_logit(y, X)
            lls.append(ll)
            conv = conv and c
        ll0, ll1, ll2, ll3 = lls
        n = int(y.size)
        row: dict[str, Any] = {
            "item": item,
            "n": n,
            "loglik0": ll0,
            "loglik1": ll1,
            "loglik2": ll2,
            "loglik3": ll3,
        }
        for name, hi, lo, df in (
            ("12", ll2, ll1, n_extra),
            ("13", ll3, ll1, 2 * n_extra),
            ("23", ll3, ll2, n_extra),
        ):
            stat = max(2.0 * (hi - lo), 0.0)
            row[f"chi{name}"] = stat
            row[f"df{name}"] = df
            row[f"p{name}"] = float(chi2.sf(stat, df))
        for m, ll in enumerate((ll1, ll2, ll3), start=1):
            row[f"mcfadden{m}"] = 1.0 - ll / ll0
            cs = 1.0 - np.exp(2.0 * (ll0 - ll) / n)
            row[f"cox_snell{m}"] = cs
            row[f"nagelkerke{m}"] = cs / (1.0 - np.exp(2.0 * ll0 / n))
        for r2 in ("mcfadden", "nagelkerke", "cox_snell"):
            row[f"{r2}_12"] = row[f"{r2}2"] - row[f"{r2}1"]
            row[f"{r2}_13"] = row[f"{r2}3"] - row[f"{r2}1"]
            row[f"{r2}_23"] = row[f"{r2}3"] - row[f"{r2}2"]
        row["converged"] = conv
        if criterion == "chisq":
            row["flagged"] = min(row["p12"], row["p13"], row["p23"]) < alpha
        else:
            row["flagged"] = row[f"{pseudo_r2}_13"] >= r2_change
        rows.append(row)
    return OrdinalDIFResult(
        table=pd.DataFrame(rows),
        matching=match_name,
        criterion=criterion,
        alpha=alpha,
        r2_change=r2_change,
        pseudo_r2=pseudo_r2,
    )
