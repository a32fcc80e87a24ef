"""Covariance-matrix arithmetic behind :mod:`stigma_analysis.reliability` (private).

Everything here works on float arrays (respondents x items, NaN = missing) and on
covariance / correlation matrices; pandas stays in the public module. The formulas follow
``psych::alpha`` 2.2.9 (``alpha.1``, ``smc``, ``alpha.ci`` and the item statistics block).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


# ----------------------------------------------------------------------------- moments
def pairwise_cov(X: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Pairwise-complete covariance matrix and pair counts, as R's ``cov(use = "pairwise")``.

    For each pair (j, k) the means are taken over the rows where both are observed.
    Columns are centred first (an exact shift) so that the one-pass sums do not cancel.
    """
    M = ~np.isnan(X)
    if M.all():
        n = X.shape[0]
        Xc = X - X.mean(axis=0)
        C = (Xc.T @ Xc) / (n - 1)
        return C, np.full(C.shape, float(n))
    Mf = M.astype(np.float64)
    X0 = np.where(M, X - _nanmean0(X), 0.0)
    N = Mf.T @ Mf
    Sxx = X0.T @ X0
    Sxm = X0.T @ Mf  # [j, k] = sum of x_j over rows where k is observed (and j, via X0 = 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        C = (Sxx - Sxm * Sxm.T / N) / (N - 1)
    return C, N


def pairwise_cor(X: FloatArray) -> FloatArray:
    """Pairwise-complete correlations, as R's ``cor(use = "pairwise")`` (used by ``psych::fa``).

    Unlike ``cov2cor`` of the pairwise covariances (what ``psych::alpha`` uses), the means and
    the standard deviations of each pair come from the rows where both items are observed.
    """
    M = ~np.isnan(X)
    if M.all():
        return cov2cor(pairwise_cov(X)[0])
    Mf = M.astype(np.float64)
    X0 = np.where(M, X - _nanmean0(X), 0.0)
    N = Mf.T @ Mf
    Sxm = X0.T @ Mf
    Sxxm = (X0 * X0).T @ Mf  # [j, k] = sum of x_j^2 over rows where both are observed
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = X0.T @ X0 - Sxm * Sxm.T / N
        var = Sxxm - Sxm * Sxm / N
        R = cov / np.sqrt(var * var.T)
    np.fill_diagonal(R, 1.0)
    return np.asarray(R, dtype=float)


def _nanmean0(X: FloatArray) -> FloatArray:
    counts = (~np.isnan(X)).sum(axis=0)
    sums = np.where(np.isnan(X), 0.0, X).sum(axis=0)
    return np.divide(sums, counts, out=np.zeros(X.shape[1]), where=counts > 0)


def cov2cor(C: FloatArray) -> FloatArray:
    d = np.sqrt(np.diag(C))
    R = C / np.outer(d, d)
    np.fill_diagonal(R, 1.0)
    return R


def smc(R: FloatArray) -> FloatArray:
    """Squared multiple correlations ``1 - 1/diag(R^-1)``, clipped to [0, 1] as psych::smc."""
    try:
        inv = np.linalg.inv(R)
        if not np.all(np.isfinite(inv)):
            raise np.linalg.LinAlgError
    except np.linalg.LinAlgError:
        inv = np.linalg.pinv(R, rcond=np.sqrt(np.finfo(float).eps), hermitian=True)
    with np.errstate(divide="ignore", invalid="ignore"):  # singular R: smc = 1, as psych
        out = 1.0 - 1.0 / np.diag(inv)
    return np.clip(out, 0.0, 1.0)


# ----------------------------------------------------------------------------- alpha
@dataclass(frozen=True, slots=True)
class AlphaStats:
    """psych's ``alpha.1`` on one covariance matrix."""

    raw: float
    std: float
    g6: float
    average_r: float
    signal_noise: float
    Q: float
    var_r: float
    median_r: float


def alpha_stats(C: FloatArray) -> AlphaStats:
    """Raw / standardised alpha, G6(smc), average and median r, S/N and Duhachek's Q."""
    n = C.shape[0]
    R = cov2cor(C)
    sumC = float(C.sum())
    trC = float(np.trace(C))
    raw = (1.0 - trC / sumC) * (n / (n - 1))
    sumR = float(R.sum())
    std = (1.0 - n / sumR) * (n / (n - 1))
    g6 = 1.0 - (n - float(smc(R).sum())) / sumR
    av_r = (sumR - n) / (n * (n - 1))
    lower = R[np.tril_indices(n, -1)]
    var_r = float(np.var(lower, ddof=1)) if lower.size > 1 else float("nan")
    med_r = float(np.median(lower))
    with np.errstate(divide="ignore", invalid="ignore"):  # perfectly correlated items: S/N = inf
        sn = float(np.float64(n * av_r) / np.float64(1.0 - av_r))
    CC = C @ C
    Q = (2.0 * n**2 / ((n - 1) ** 2 * sumC**3)) * (
        sumC * (float(np.trace(CC)) + trC**2) - 2.0 * trC * float(CC.sum())
    )
    return AlphaStats(
        raw=raw, std=std, g6=g6, average_r=av_r, signal_noise=sn, Q=Q, var_r=var_r, median_r=med_r
    )


def drop_one_stats(C: FloatArray) -> list[AlphaStats] | None:
    """``alpha_stats`` with each item left out (None when fewer than 3 items)."""
    p = C.shape[0]
    if p < 3:
        return None
    keep = ~np.eye(p, dtype=bool)
    return [alpha_stats(C[np.ix_(keep[i], keep[i])]) for i in range(p)]


def item_total_r(C: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """psych's ``std.r``, ``r.cor`` and ``r.drop`` from the (keyed) covariance matrix."""
    R = cov2cor(C)
    RC = R.copy()
    np.fill_diagonal(RC, smc(R))
    d = np.diag(C)
    col = C.sum(axis=0)
    v_drop = C.sum() - 2.0 * col + d  # sum of C without row i and column i
    # negatively related items can make the sums negative: NaN, as psych (without a warning)
    with np.errstate(invalid="ignore", divide="ignore"):
        std_r = R.sum(axis=0) / np.sqrt(R.sum())
        r_cor = RC.sum(axis=0) / np.sqrt(RC.sum())
        r_drop = (col - d) / np.sqrt(d * v_drop)
    return std_r, r_cor, r_drop


def pairwise_corr_with(t: FloatArray, X: FloatArray) -> FloatArray:
    """``cor(t, X, use = "pairwise")`` for a vector ``t`` and each column of ``X``."""
    Mt = ~np.isnan(t)
    MX = ~np.isnan(X)
    both = (MX & Mt[:, None]).astype(np.float64)
    t0 = np.where(Mt, t - np.nanmean(t), 0.0)
    X0 = np.where(MX, X - _nanmean0(X), 0.0)
    n = both.sum(axis=0)
    st = t0 @ both
    stt = (t0 * t0) @ both
    sx = (X0 * Mt[:, None]).sum(axis=0)
    sxx = (X0 * X0 * Mt[:, None]).sum(axis=0)
    stx = t0 @ X0
    cov = stx - st * sx / n
    vt = stt - st * st / n
    vx = sxx - sx * sx / n
    return np.asarray(cov / np.sqrt(vt * vx), dtype=float)


def feldt_ci(alpha: float, n: int, k: int, level: float) -> tuple[float, float]:
    """Feldt (1965) F-based interval, as ``psych::alpha.ci``."""
    from scipy import stats

    p = 1.0 - level
    df1, df2 = n - 1, (n - 1) * (k - 1)
    low = 1.0 - (1.0 - alpha) * float(stats.f.ppf(1.0 - p / 2.0, df1, df2))
    high = 1.0 - (1.0 - alpha) * float(stats.f.ppf(p / 2.0, df1, df2))
    return low, high


# ----------------------------------------------------------------------------- bootstrap
def _pair_features(X: FloatArray) -> tuple[FloatArray, bool]:
    """Per-respondent terms whose (weighted) column sums give every resample's covariances.

    Without missing values: [x_j x_k for j <= k | x_j]. With missing values (pairwise):
    [x_j x_k | x_j m_k | m_j x_k | m_j m_k] for j <= k, with x centred and zero where missing.
    """
    p = X.shape[1]
    ju, ku = np.triu_indices(p)
    M = ~np.isnan(X)
    X0 = np.where(M, X - _nanmean0(X), 0.0)
    if M.all():
        return np.concatenate([X0[:, ju] * X0[:, ku], X0], axis=1), True
    Mf = M.astype(np.float64)
    F = np.concatenate(
        [
            X0[:, ju] * X0[:, ku],
            X0[:, ju] * Mf[:, ku],
            Mf[:, ju] * X0[:, ku],
            Mf[:, ju] * Mf[:, ku],
        ],
        axis=1,
    )
    return F, False


def _alpha_from_sums(S: FloatArray, p: int, complete: bool, n_total: FloatArray) -> FloatArray:
    """Raw alpha for each row of weighted sums ``S`` (one row per resample / leave-one-out)."""
    ju, ku = np.triu_indices(p)
    P = ju.size
    off = np.where(ju != ku, 2.0, 1.0)
    diag = ju == ku
    with np.errstate(invalid="ignore", divide="ignore"):
        if complete:
            sxx = S[:, :P]
            sx = S[:, P:]
            n = n_total[:, None]
            cov = (sxx - sx[:, ju] * sx[:, ku] / n) / (n - 1.0)
        else:
            sxx, sxm, smx, nn = (S[:, i * P : (i + 1) * P] for i in range(4))
            cov = (sxx - sxm * smx / nn) / (nn - 1.0)
        tr = cov[:, diag].sum(axis=1)
        tot = (cov * off).sum(axis=1)
        return np.asarray((1.0 - tr / tot) * (p / (p - 1.0)), dtype=float)


def bootstrap_alpha(
    X: FloatArray,
    *,
    n_boot: int,
    seed: int | np.random.Generator | None,
    chunk_elems: int = 4_000_000,
) -> FloatArray:
    """Raw alpha in ``n_boot`` nonparametric bootstrap resamples, without a loop over resamples.

    Each block of resamples is a matrix of multinomial resampling counts (respondents drawn
    with replacement, tallied with ``bincount``) multiplied by the per-respondent features of
    :func:`_pair_features`; covariances, and alpha, follow from the weighted sums.
    """
    rng = np.random.default_rng(seed)
    n, p = X.shape
    F, complete = _pair_features(X)
    per_block = max(1, min(n_boot, chunk_elems // max(n, 1)))
    out = np.empty(n_boot)
    done = 0
    while done < n_boot:
        b = min(per_block, n_boot - done)
        idx = rng.integers(0, n, size=(b, n))
        idx += (np.arange(b) * n)[:, None]
        W = np.bincount(idx.ravel(), minlength=b * n).reshape(b, n).astype(np.float64)
        out[done : done + b] = _alpha_from_sums(W @ F, p, complete, np.full(b, float(n)))
        done += b
    return out


def jackknife_alpha(X: FloatArray, *, chunk_rows: int = 50_000) -> FloatArray:
    """Leave-one-respondent-out raw alpha for every respondent (vectorised; for BCa)."""
    n, p = X.shape
    F, complete = _pair_features(X)
    total = F.sum(axis=0)
    out = np.empty(n)
    for start in range(0, n, chunk_rows):  # chunks of rows bound the memory, not a per-row loop
        stop = min(n, start + chunk_rows)
        out[start:stop] = _alpha_from_sums(
            total[None, :] - F[start:stop], p, complete, np.full(stop - start, n - 1.0)
        )
    return out


def percentile_ci(boot: FloatArray, level: float) -> tuple[float, float]:
    ok = boot[np.isfinite(boot)]
    lo, hi = np.quantile(ok, [(1.0 - level) / 2.0, (1.0 + level) / 2.0])
    return float(lo), float(hi)


def bca_ci(
    boot: FloatArray, estimate: float, jack: FloatArray, level: float
) -> tuple[float, float]:
    """Efron's (1987) bias-corrected and accelerated percentile interval."""
    from statistics import NormalDist

    nd = NormalDist()
    ok = boot[np.isfinite(boot)]
    prop = float(np.mean(ok < estimate))
    if not 0.0 < prop < 1.0:
        return float("nan"), float("nan")
    z0 = nd.inv_cdf(prop)
    jk = jack[np.isfinite(jack)]
    d = jk.mean() - jk
    den = 6.0 * float(np.sum(d**2)) ** 1.5
    a = float(np.sum(d**3)) / den if den > 0 else 0.0
    probs = []
    for q in ((1.0 - level) / 2.0, (1.0 + level) / 2.0):
        z = nd.inv_cdf(q)
        probs.append(nd.cdf(z0 + (z0 + z) / (1.0 - a * (z0 + z))))
    lo, hi = np.quantile(ok, probs)
    return float(lo), float(hi)
