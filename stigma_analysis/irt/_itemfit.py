"""Orlando & Thissen's S-X² item fit, with the cell collapsing of mirt's ``itemfit``.

For item ``j`` and summed score ``s`` (all items, categories counted from 0), the model-implied
share answering ``k`` is ``Σ_q P_jk(θ_q) f_{-j}(s - k | θ_q) g_q / Σ_q f(s | θ_q) g_q``, where
``f`` is the summed-score distribution from the Lord-Wingersky recursion. Observed and expected
counts over the scores 1..max-1 are collapsed as mirt does (rows with impossible cells merged
inward, sparse categories merged within a row, then sparse rows merged with a neighbour), and
``S-X² = Σ (obs - ex)² / ex`` on ``#cells - #rows - #item parameters`` degrees of freedom.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ._engine import grm_probs, quadrature

if TYPE_CHECKING:
    from ._fit import IRTResult

__all__ = ["lord_wingersky", "s_x2"]


def lord_wingersky(probs: list[np.ndarray]) -> np.ndarray:
    """Summed-score distribution ``(Q, max + 1)`` from item category curves ``(Q, K_j)``."""
    q = probs[0].shape[0]
    dist = np.ones((q, 1))
    for p in probs:
        k = p.shape[1]
        new = np.zeros((q, dist.shape[1] + k - 1))
        for c in range(k):
            new[:, c : c + dist.shape[1]] += dist * p[:, c : c + 1]
        dist = new
    return dist


def expected_shares(
    probs: list[np.ndarray], g: np.ndarray, j: int
) -> tuple[np.ndarray, np.ndarray]:
    """Model-implied ``P(x_j = k | S = s)`` ``(max + 1, K_j)`` and which cells are possible."""
    full = g @ lord_wingersky(probs)  # P(S = s)
    rest = lord_wingersky([p for i, p in enumerate(probs) if i != j])
    k = probs[j].shape[1]
    share = np.zeros((full.size, k))
    possible = np.zeros((full.size, k), dtype=bool)
    for c in range(k):
        share[c : c + rest.shape[1], c] = (probs[j][:, c : c + 1] * rest).T @ g
        possible[c : c + rest.shape[1], c] = True
    with np.errstate(invalid="ignore", divide="ignore"):
        share = share / full[:, None]
    return share, possible


def _collapse(obs: np.ndarray, ex: np.ndarray, mincell: float) -> tuple[np.ndarray, np.ndarray]:
    """mirt's ``collapseCells`` for one item (rows: scores, columns: categories)."""
    obs = obs.astype(float).copy()
    ex = ex.astype(float).copy()
    drop = np.flatnonzero(np.isnan(ex).any(axis=1))
    ex[np.isnan(ex)] = 0.0
    if drop.size:
        h = drop.size // 2
        if h == 0:
            up, low = (drop, drop[:0]) if drop[0] < ex.shape[0] / 2 else (drop[:0], drop)
        else:
            up = np.arange(drop[0], drop[h - 1] + 1)
            low = np.arange(drop[h], drop[-1] + 1)
        if up.size:
            t = up.max() + 1
            ex[t] = ex[np.r_[up, t]].sum(axis=0)
            obs[t] = obs[np.r_[up, t]].sum(axis=0)
        if low.size:
            t = low.min() - 1
            ex[t] = ex[np.r_[low, t]].sum(axis=0)
            obs[t] = obs[np.r_[low, t]].sum(axis=0)
        keep = np.setdiff1d(np.arange(ex.shape[0]), np.r_[up, low])
        ex, obs = ex[keep], obs[keep]
    if obs.shape[0] == 0:
        return obs, ex
    keep = obs.sum(axis=1) != 0
    obs, ex = obs[keep], ex[keep]
    L = mincell > ex
    drop_rows = []
    for j in range(obs.shape[0] - 1):
        if obs[j].sum() == 1:
            drop_rows.append(j)
            obs[j + 1] += obs[j]
            ex[j + 1] += ex[j]
    if drop_rows:
        keep = np.setdiff1d(np.arange(obs.shape[0]), drop_rows)
        obs, ex = obs[keep], ex[keep]
    if obs.shape[0] > 1 and obs[-1].sum() == 1:
        obs[-2] += obs[-1]
        ex[-2] += ex[-1]
        obs, ex = obs[:-1], ex[:-1]
    ncol = ex.shape[1]
    if ncol > 2:
        for j in range(ex.shape[0]):
            if j >= L.shape[0] or not L[j].any():
                continue
            tmp, tmp2 = list(ex[j]), list(obs[j])
            while len(tmp) > 2:
                m = min(tmp)
                whc = max(i for i, v in enumerate(tmp) if v == m)
                if whc == 0:
                    pick = 1
                elif whc == len(tmp) - 1:
                    pick = len(tmp) - 2
                else:
                    pick = whc - 1 if min(tmp[whc - 1], tmp[whc + 1]) == tmp[whc - 1] else whc + 1
                tmp[pick] += tmp[whc]
                tmp2[pick] += tmp2[whc]
                del tmp[whc], tmp2[whc]
                if all(v >= mincell for v in tmp):
                    break
            ex[j] = tmp + [np.nan] * (ncol - len(tmp))
            obs[j] = tmp2 + [0.0] * (ncol - len(tmp2))
    ex[np.isnan(ex)] = 0.0
    if ex.shape[1] > 2:
        while ex.shape[1] > 2 and ex[:, -1].sum() < mincell * np.ceil(ex.shape[0] * 0.1):
            obs[:, -2] += obs[:, -1]
            ex[:, -2] += ex[:, -1]
            obs, ex = obs[:, :-1], ex[:, :-1]
    dropcol = np.zeros(ex.shape[1], dtype=bool)
    for j in range(ex.shape[1] - 1, 0, -1):
        if np.sum(ex[:, j] > 0) / ex.shape[0] < 0.05:
            dropcol[j] = True
            ex[:, j - 1] += ex[:, j]
            obs[:, j - 1] += obs[:, j]
    ex, obs = ex[:, ~dropcol], obs[:, ~dropcol]
    while ex.shape[0] > 1:
        L = (mincell > ex) & (ex != 0)
        if not L.any():
            break
        whc = int(np.flatnonzero(L.any(axis=1))[0])
        if whc == 0:
            pick = 1
        elif whc == ex.shape[0] - 1:
            pick = whc - 1
        else:
            ss = (obs[whc - 1].sum(), obs[whc + 1].sum())
            pick = whc - 1 if min(ss) == ss[0] else whc + 1
        ex[pick] += ex[whc]
        obs[pick] += obs[whc]
        keep = np.arange(ex.shape[0]) != whc
        ex, obs = ex[keep], obs[keep]
    ex = ex.copy()
    ex[ex == 0] = np.nan
    return obs, ex


def s_x2(result: IRTResult, *, mincell: float = 1.0) -> pd.DataFrame:
    """S-X² for every item of a fitted GRM (complete cases only, as mirt's ``na.rm``)."""
    from scipy.stats import chi2

    codes = result.codes
    complete = codes[np.all(codes >= 0, axis=1)]
    n = complete.shape[0]
    th = quadrature(result.quadpts, result.theta_lim)
    g = np.exp(-0.5 * th**2)
    g /= g.sum()
    ncat = result.ncat
    probs = [grm_probs(result.a[j], result.d[j, : ncat[j] - 1], th)[0] for j in range(len(ncat))]
    total = complete.sum(axis=1)
    max_score = int((ncat - 1).sum())
    n_s = np.bincount(total, minlength=max_score + 1).astype(float)
    rows = []
    for j, k in enumerate(ncat):
        share, possible = expected_shares(probs, g, j)
        ex = share * n_s[:, None]
        ex[~possible] = np.nan
        obs = np.zeros((max_score + 1, k))
        np.add.at(obs, (total, complete[:, j]), 1.0)
        obs, ex = obs[1:-1], ex[1:-1]
        obs, ex = _collapse(obs, ex, mincell)
        stat = float(np.nansum((obs - ex) ** 2 / ex))
        df = int(np.sum(~np.isnan(ex)) - ex.shape[0] - k)
        rmsea = np.sqrt(max(stat / df - 1, 0.0) / (n - 1)) if df > 0 else np.nan
        p = float(chi2.sf(stat, df)) if df > 0 else np.nan
        rows.append({"item": result.items[j], "S_X2": stat, "df": df, "RMSEA": rmsea, "p": p})
    return pd.DataFrame(rows)
