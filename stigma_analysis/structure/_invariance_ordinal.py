"""Ordinal multi-group invariance: WLSMV fits identified as Wu & Estabrook (2016) (private).

Each group g has latent responses y* = nu_g + Lambda_g eta + eps with thresholds tau_g, in
lavaan's delta parameterisation: scale factors delta_g = 1 / sd(y*), so the model-implied
polychoric correlations are delta_i delta_j (Lambda Psi Lambda')_ij and the implied
(standardised) thresholds (tau_k - nu - Lambda alpha) delta. The fit is DWLS on each group's
thresholds and polychoric correlations, F = sum_g n_g / N (s_g - sigma_g)' W_g (s_g - sigma_g),
W_g = diag(Gamma_g)^-1; chi-square N F; the scaled-shifted statistic, scaled CFI / TLI / RMSEA and
the Satorra (2000) difference test follow lavaan 0.6-14 (lav_test_satorra_bentler,
lav_test_diff_Satorra2000 with A.method = "delta").

Identification (semTools::measEq.syntax, ID.fac = "std.lv", ID.cat = "Wu.Estabrook.2016"):
the first group has nu = 0, delta = 1, alpha = 0, unit factor variances. Other groups:
configural fixes the same; equal thresholds free nu and delta; equal loadings free the factor
variances; equal intercepts (nu = 0 everywhere) free the factor means.

The table may also hold residual covariances of the latent responses (kind ``THETA``, off the
diagonal only: in the delta parameterisation the residual variances are not parameters), which
add delta_i delta_j theta_ij to the implied correlations; the longitudinal ordinal model
(``_longitudinal``) uses them for each item's covariance with itself at the other waves.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ._cfa import _prepare, _variables
from ._dwls import ordinal_codes
from ._engine import FloatArray
from ._fit import rmsea
from ._ordinal import PolychoricFit, polychoric
from ._syntax import parse_model

__all__ = [
    "ORDINAL_LEVELS",
    "OrdinalFit",
    "OrdinalModel",
    "fit_ordinal",
    "satorra2000",
    "small_sample_message",
]

ORDINAL_LEVELS: dict[str, tuple[str, ...]] = {
    "configural": (),
    "thresholds": ("thresholds",),
    "metric": ("thresholds", "loadings"),
    "scalar": ("thresholds", "loadings", "intercepts"),
}
LAM, PSI, TAU, NU, DELTA, ALPHA, THETA = range(7)
KIND_OP = {LAM: "=~", PSI: "~~", TAU: "|", NU: "~1", DELTA: "~*~", ALPHA: "~1", THETA: "~~"}


@dataclass(slots=True)
class OrdinalModel:
    """Parameter table of the multi-group ordinal model: one row per model entry per group."""

    items: list[str]
    factors: list[str]
    pattern: list[tuple[int, int]]  # (item, factor) loadings
    nth: list[int]  # thresholds per item
    n_groups: int
    group: list[int] = field(default_factory=list)
    kind: list[int] = field(default_factory=list)
    i: list[int] = field(default_factory=list)
    j: list[int] = field(default_factory=list)
    free: list[int] = field(default_factory=list)
    value: list[float] = field(default_factory=list)
    n_free: int = 0

    def name(self, r: int) -> tuple[str, str, str]:
        k, a, b = self.kind[r], self.i[r], self.j[r]
        it, fa = self.items, self.factors
        names = {
            LAM: lambda: (fa[b], "=~", it[a]),
            PSI: lambda: (fa[a], "~~", fa[b]),
            TAU: lambda: (it[a], "|", f"t{b + 1}"),
            NU: lambda: (it[a], "~1", ""),
            DELTA: lambda: (it[a], "~*~", it[a]),
            THETA: lambda: (it[a], "~~", it[b]),
            ALPHA: lambda: (fa[a], "~1", ""),
        }
        return names[k]()


def build_ordinal_model(  # noqa: PLR0917
    items: list[str],
    factors: list[str],
    pattern: list[tuple[int, int]],
    nth: list[int],
    n_groups: int,
    equal: tuple[str, ...],
    partial: frozenset[tuple[int, int, int]] = frozenset(),
) -> OrdinalModel:
    """The Wu & Estabrook (2016) parameter table for the constraints ``equal``; ``partial``
    holds (kind, i, j) entries released from their cross-group equality."""
    mod = OrdinalModel(items, factors, pattern, nth, n_groups)
    index: dict[tuple[object, ...], int] = {}
    eq_kind = {"thresholds": TAU, "loadings": LAM, "intercepts": NU}
    eq = {eq_kind[e] for e in equal}

    def add(g: int, k: int, a: int, b: int, fixed: float | None) -> None:
        mod.group.append(g)
        mod.kind.append(k)
        mod.i.append(a)
        mod.j.append(b)
        if fixed is not None:
            mod.free.append(-1)
            mod.value.append(fixed)
            return
        key: tuple[object, ...] = (
            ("eq", k, a, b) if k in eq and (k, a, b) not in partial else (g, k, a, b)
        )
        mod.free.append(index.setdefault(key, len(index)))
        mod.value.append(np.nan)

    thr = TAU in eq
    released_nu = {a for (k, a, _) in partial if k == NU}
    for g in range(n_groups):
        first = g == 0
        for a, f in pattern:
            add(g, LAM, a, f, None)
        for f in range(len(factors)):
            add(g, PSI, f, f, None if (not first and LAM in eq) else 1.0)
            for f2 in range(f + 1, len(factors)):
                add(g, PSI, f, f2, None)
        for a, n in enumerate(nth):
            for b in range(n):
                add(g, TAU, a, b, None)
        for a in range(len(items)):
            if first or not thr:
                add(g, NU, a, 0, 0.0)
            elif NU in eq and a not in released_nu:
                add(g, NU, a, 0, 0.0)  # equal to the first group's 0
            else:
                add(g, NU, a, 0, None)
            add(g, DELTA, a, 0, None if (thr and not first) else 1.0)
        for f in range(len(factors)):
            add(g, ALPHA, f, 0, None if (NU in eq and not first) else 0.0)
    mod.n_free = len(index)
    return mod


class _Implied:
    """Vectorised model-implied statistics (thresholds, then correlations by column)."""

    def __init__(self, mod: OrdinalModel) -> None:
        self.mod = mod
        self.free = np.asarray(mod.free, dtype=np.int64)
        self.value = np.asarray(mod.value, dtype=np.float64)
        self.group = np.asarray(mod.group, dtype=np.int64)
        self.kind = np.asarray(mod.kind, dtype=np.int64)
        self.i = np.asarray(mod.i, dtype=np.int64)
        self.j = np.asarray(mod.j, dtype=np.int64)
        p = len(mod.items)
        self.pairs = np.array([(a, b) for b in range(p) for a in range(b + 1, p)], dtype=np.int64)
        self.th_item = np.repeat(np.arange(p), mod.nth)
        self.th_k = np.concatenate([np.arange(n) for n in mod.nth]).astype(np.int64)

    def __call__(self, theta: NDArray[Any]) -> list[NDArray[Any]]:
        """Per group, the implied statistics; ``theta`` may carry leading batch dimensions."""
        mod = self.mod
        batch = theta.shape[:-1]
        vals = np.where(self.free >= 0, theta[..., np.maximum(self.free, 0)], self.value)
        p, m, K = len(mod.items), len(mod.factors), max(mod.nth)
        out = []
        for g in range(mod.n_groups):
            sel = self.group == g
            k, a, b, v = self.kind[sel], self.i[sel], self.j[sel], vals[..., sel]
            L = np.zeros((*batch, p, m), dtype=theta.dtype)
            P = np.zeros((*batch, m, m), dtype=theta.dtype)
            T = np.zeros((*batch, p, K), dtype=theta.dtype)
            nu = np.zeros((*batch, p), dtype=theta.dtype)
            de = np.zeros((*batch, p), dtype=theta.dtype)
            al = np.zeros((*batch, m), dtype=theta.dtype)
            s = k == LAM
            L[..., a[s], b[s]] = v[..., s]
            s = k == PSI
            P[..., a[s], b[s]] = v[..., s]
            P[..., b[s], a[s]] = v[..., s]
            s = k == TAU
            T[..., a[s], b[s]] = v[..., s]
            s = k == NU
            nu[..., a[s]] = v[..., s]
            s = k == DELTA
            de[..., a[s]] = v[..., s]
            s = k == ALPHA
            al[..., a[s]] = v[..., s]
            C = L @ P @ np.swapaxes(L, -1, -2)
            s = k == THETA  # residual covariances of the latent responses (off the diagonal)
            if s.any():
                C[..., a[s], b[s]] += v[..., s]
                C[..., b[s], a[s]] += v[..., s]
            ii, jj = self.pairs[:, 0], self.pairs[:, 1]
            r = de[..., ii] * de[..., jj] * C[..., ii, jj]
            mu = nu + (L @ al[..., None])[..., 0]
            th = (T[..., self.th_item, self.th_k] - mu[..., self.th_item]) * de[..., self.th_item]
            out.append(np.concatenate([th, r], axis=-1))
        return out

    def jacobian(self, theta: FloatArray) -> list[FloatArray]:
        """Per group, d sigma_g / d theta (n_stats, q) by complex steps (exact to rounding)."""
        q = len(theta)
        h = 1e-30
        pert = theta[None, :] + 1j * h * np.eye(q)
        return [np.ascontiguousarray(s.imag.T / h) for s in self(pert)]

    def communality(self, theta: FloatArray, g: int) -> FloatArray:
        vals = np.where(self.free >= 0, theta[np.maximum(self.free, 0)], self.value)
        sel = self.group == g
        k, a, b, v = self.kind[sel], self.i[sel], self.j[sel], vals[sel]
        p, m = len(self.mod.items), len(self.mod.factors)
        L = np.zeros((p, m))
        P = np.zeros((m, m))
        s = k == LAM
        L[a[s], b[s]] = v[s]
        s = k == PSI
        P[a[s], b[s]] = v[s]
        P[b[s], a[s]] = v[s]
        return np.einsum("ij,jk,ik->i", L, P, L)


@dataclass(slots=True)
class OrdinalFit:
    """One fitted ordinal multi-group model."""

    model: OrdinalModel
    theta: FloatArray
    converged: bool
    fit: dict[str, float]
    delta: list[FloatArray]  # per group d sigma / d theta at the estimate
    weights: list[FloatArray]  # per group diag W_g
    gamma: list[FloatArray]  # per group NACOV
    fg: FloatArray
    se: FloatArray
    implied: _Implied
    stats_vec: list[FloatArray]  # per group the sample thresholds and polychoric correlations
    labels: list[str] = field(default_factory=list)

    def values(self) -> FloatArray:
        """Every table entry's value (free ones from the estimate)."""
        free = np.asarray(self.model.free)
        return np.where(free >= 0, self.theta[np.maximum(free, 0)], self.model.value)

    def parameters(self, labels: list[str] | None = None) -> pd.DataFrame:
        """lavaan-style parameter table (estimate, robust SE) of every entry in every group."""
        labels = labels or self.labels
        mod = self.model
        vals = np.where(np.asarray(mod.free) >= 0, self.theta[np.maximum(mod.free, 0)], mod.value)
        se = np.where(np.asarray(mod.free) >= 0, self.se[np.maximum(mod.free, 0)], 0.0)
        names = [mod.name(r) for r in range(len(mod.free))]
        return pd.DataFrame(
            {
                "group": [labels[g] for g in mod.group],
                "lhs": [n[0] for n in names],
                "op": [n[1] for n in names],
                "rhs": [n[2] for n in names],
                "free": np.asarray(mod.free) >= 0,
                "estimate": vals,
                "se": se,
            }
        )


def group_statistics(
    codes: list[NDArray[np.int64]], ncat: NDArray[np.int64], items: list[str], labels: list[str]
) -> list[PolychoricFit]:
    """Thresholds, polychoric correlations and NACOV per group (every category must occur in
    every group, as the thresholds are compared across groups)."""
    out = []
    for c, lab in zip(codes, labels, strict=True):
        for a in range(c.shape[1]):
            seen = np.unique(c[:, a])
            if len(seen) < ncat[a]:
                raise ValueError(
                    f"ordinal item {items[a]!r} has {len(seen)} of its {ncat[a]} categories in "
                    f"group {lab!r}: thresholds cannot be compared across groups; collapse "
                    "categories first"
                )
        out.append(polychoric(c, ncat))
    return out


def _sb_traces(
    delta: list[FloatArray], w: list[FloatArray], gamma: list[FloatArray], fg: FloatArray
) -> tuple[float, float]:
    """tr(U Gamma) and tr((U Gamma)^2), lavaan's lav_test_satorra_bentler_trace_original."""
    V = np.concatenate([f * wg for f, wg in zip(fg, w, strict=True)])
    D = np.vstack(delta)
    E = D.T @ (V[:, None] * D)
    Einv = np.linalg.inv(E)
    n = len(V)
    G = np.zeros((n, n))
    o = 0
    for f, gm in zip(fg, gamma, strict=True):
        k = gm.shape[0]
        G[o : o + k, o : o + k] = gm / f
        o += k
    VD = V[:, None] * D
    U = np.diag(V) - VD @ Einv @ VD.T
    UG = U @ G
    return float(np.trace(UG)), float(np.sum(UG * UG.T))


def _scaled_shifted(T: float, df: float, tr: float, tr2: float) -> tuple[float, float, float]:
    a = math.sqrt(df / tr2)
    shift = df - a * tr
    return T * a + shift, 1.0 / a, shift


def fit_ordinal(
    mod: OrdinalModel,
    stats_: list[PolychoricFit],
    *,
    start: FloatArray | None = None,
    max_iter: int = 500,
) -> OrdinalFit:
    """DWLS fit with lavaan's WLSMV test statistics and fit measures."""
    from scipy import optimize
    from scipy import stats as st

    imp = _Implied(mod)
    ns = np.array([s.n for s in stats_], dtype=float)
    N = float(ns.sum())
    fg = ns / N
    G = mod.n_groups
    svec = [np.concatenate([np.concatenate(s.thresholds), s.cor[imp.pairs[:, 0], imp.pairs[:, 1]]])
            for s in stats_]  # fmt: skip
    w = [1.0 / np.diag(s.gamma) for s in stats_]
    sw = np.concatenate([np.sqrt(f * wg) for f, wg in zip(fg, w, strict=True)])
    s_all = np.concatenate(svec)

    def resid(theta: FloatArray) -> FloatArray:
        return sw * (s_all - np.concatenate(imp(theta)))

    def jac(theta: FloatArray) -> FloatArray:
        return -(sw[:, None] * np.vstack(imp.jacobian(theta)))

    theta0 = _start(mod, stats_) if start is None else start
    res = optimize.least_squares(
        resid, theta0, jac=jac, method="lm", xtol=1e-15, ftol=1e-15, gtol=1e-15,
        max_nfev=max_iter * 10,
    )  # fmt: skip
    theta = np.asarray(res.x)
    converged = bool(res.success) and res.status > 0
    est = imp(theta)
    # lavaan's categorical statistic: sum_g (n_g - 1) F_g, F_g the group's unweighted discrepancy
    chisq = float(sum((n - 1) * np.sum(wg * (sv - e) ** 2)
                      for n, wg, sv, e in zip(ns, w, svec, est, strict=True)))  # fmt: skip
    n_stats = len(s_all)
    df = n_stats - mod.n_free
    delta = imp.jacobian(theta)
    gamma = [s.gamma for s in stats_]
    tr, tr2 = _sb_traces(delta, w, gamma, fg)
    X2s, c, shift = _scaled_shifted(chisq, df, tr, tr2) if df > 0 else (chisq, np.nan, np.nan)
    # baseline: thresholds free per group, correlations zero
    nth = sum(mod.nth)
    pstar = len(imp.pairs)
    base = sum((n - 1) * float(np.sum(wg[nth:] * sv[nth:] ** 2)) for n, wg, sv in
               zip(ns, w, svec, strict=True))  # fmt: skip
    df_b = G * pstar
    dbase = [np.vstack([np.eye(nth), np.zeros((pstar, nth))]) for _ in range(G)]
    dbase_all = [np.zeros((nth + pstar, G * nth)) for _ in range(G)]
    for g in range(G):
        dbase_all[g][:, g * nth : (g + 1) * nth] = dbase[g]
    trb, trb2 = _sb_traces(dbase_all, w, gamma, fg)
    X2bs, _, _ = _scaled_shifted(base, df_b, trb, trb2)

    def cfi(x: float, d: float, xb: float, db: float) -> float:
        den = max(x - d, xb - db, 0.0)
        return 1.0 - max(x - d, 0.0) / den if den > 0 else 1.0

    def tli(x: float, d: float, xb: float, db: float) -> float:
        return ((xb / db) - (x / d)) / ((xb / db) - 1.0) if d > 0 else 1.0

    srmr_g = []
    for g in range(G):
        ssq = float(np.sum((svec[g][nth:] - est[g][nth:]) ** 2))
        srmr_g.append(math.sqrt(ssq / (pstar + len(mod.items))))
    r_s, lo_s, hi_s = rmsea(X2s, df, N - G, G)  # lavaan: N - G for categorical data
    fit = {
        "npar": float(mod.n_free),
        "chisq": chisq,
        "df": float(df),
        "pvalue": float(st.chi2.sf(chisq, df)) if df > 0 else np.nan,
        "chisq_scaled": X2s,
        "pvalue_scaled": float(st.chi2.sf(X2s, df)) if df > 0 else np.nan,
        "scaling_factor": c,
        "shift": shift,
        "baseline_chisq": base,
        "baseline_df": float(df_b),
        "baseline_chisq_scaled": X2bs,
        "cfi": cfi(chisq, df, base, df_b),
        "tli": tli(chisq, df, base, df_b),
        "rmsea": rmsea(chisq, df, N - G, G)[0],
        "cfi_scaled": cfi(X2s, df, X2bs, df_b),
        "tli_scaled": tli(X2s, df, X2bs, df_b),
        "rmsea_scaled": r_s,
        "rmsea_ci_low_scaled": lo_s,
        "rmsea_ci_high_scaled": hi_s,
        "srmr": float(fg @ np.array(srmr_g)),
        "ntotal": N,
    }
    # robust standard errors (lavaan se = "robust.sem")
    V = np.concatenate([f * wg for f, wg in zip(fg, w, strict=True)])
    D = np.vstack(delta)
    se = np.full(mod.n_free, np.nan)
    try:
        bread = np.linalg.inv(D.T @ (V[:, None] * D))
        VD = V[:, None] * D
        meat = np.zeros((mod.n_free, mod.n_free))
        o = 0
        for f, gm in zip(fg, gamma, strict=True):
            k = gm.shape[0]
            meat += VD[o : o + k].T @ (gm / f) @ VD[o : o + k]
            o += k
        se = np.sqrt(np.clip(np.diag(bread @ meat @ bread) / (N - G), 0, None))
    except np.linalg.LinAlgError:
        pass  # singular sandwich: the SEs stay NaN, which the parameter table shows as such
    return OrdinalFit(mod, theta, converged, fit, delta, w, gamma, fg, se, imp, svec)


def _start(mod: OrdinalModel, stats_: list[PolychoricFit]) -> FloatArray:
    """Start values: loadings 0.7, factor covariances 0.3 (std.lv scale), sample thresholds,
    nu 0, delta 1, factor means 0, factor variances 1."""
    acc = np.zeros(mod.n_free)
    cnt = np.zeros(mod.n_free)
    off = np.concatenate([[0], np.cumsum(mod.nth)])
    for r, idx in enumerate(mod.free):
        if idx < 0:
            continue
        k, a, b, g = mod.kind[r], mod.i[r], mod.j[r], mod.group[r]
        if k == LAM:
            v = 0.7
        elif k == PSI:
            v = 1.0 if a == b else 0.3
        elif k == TAU:
            v = float(np.concatenate(stats_[g].thresholds)[off[a] + b])
        elif k == DELTA:
            v = 1.0
        else:
            v = 0.0
        acc[idx] += v
        cnt[idx] += 1
    return acc / np.maximum(cnt, 1)


def satorra2000(m1: OrdinalFit, m0: OrdinalFit) -> tuple[float, float, float]:
    """Scaled-shifted difference test of nested WLSMV fits (m0 restricted), as
    ``lavTestLRT(m1, m0, method = "satorra.2000")`` with A.method = "delta": returns
    (chisq difference, df difference, p-value)."""
    from scipy import linalg
    from scipy import stats as st

    T1, r1 = m1.fit["chisq"], m1.fit["df"]
    T0, r0 = m0.fit["chisq"], m0.fit["df"]
    m = r0 - r1
    if m <= 0:
        return T0 - T1, m, np.nan
    D1 = np.vstack(m1.delta)
    D0 = np.vstack(m0.delta)
    H = np.linalg.pinv(D1) @ D0
    A = linalg.null_space(H.T).T  # rows span the orthogonal complement of H's columns
    fg = m1.fg
    V = np.concatenate([f * wg for f, wg in zip(fg, m1.weights, strict=True)])
    P = D1.T @ (V[:, None] * D1)
    Pinv = np.linalg.inv(P)
    APA = A @ Pinv @ A.T
    keep = ~((np.abs(APA.sum(0)) < 1.5e-8) & (np.abs(APA.sum(1)) < 1.5e-8))
    A = A[keep]
    PAAPAAP = Pinv @ A.T @ np.linalg.pinv(A @ Pinv @ A.T) @ A @ Pinv
    Vall = np.concatenate(m1.weights)  # lavaan uses the unweighted WLS.V here
    U = (Vall[:, None] * D1) @ PAAPAAP @ (D1.T * Vall[None, :])
    n = len(Vall)
    Gm = np.zeros((n, n))
    o = 0
    for f, gm in zip(fg, m1.gamma, strict=True):
        k = gm.shape[0]
        Gm[o : o + k, o : o + k] = f * gm
        o += k
    UG = U @ Gm
    tr = float(np.trace(UG))
    tr2 = float(np.sum(UG * UG.T))
    a = math.sqrt(m / tr2)
    b = m - a * tr
    Td = (T0 - T1) * a + b
    return Td, m, float(st.chi2.sf(Td, m))


def run_ordinal(
    data: pd.DataFrame,
    model: str,
    group: str,
    levels: tuple[str, ...],
    group_partial: Any = (),
) -> tuple[dict[str, OrdinalFit], list[float], list[str]]:
    """Fit the ordinal invariance levels; returns fits, group sizes and small-sample messages."""

    terms = parse_model(model)
    extra = [t for t in terms if t.op != "=~" or t.fixed is not None or t.label]
    if extra:
        t = extra[0]
        raise ValueError(
            f"ordinal invariance supports plain 'factor =~ items' models; '{t.lhs} {t.op} "
            f"{t.rhs}' (a covariance, fixed value or label) is not supported"
        )
    items, factors = _variables(terms)
    pattern = [(items.index(t.rhs), factors.index(t.lhs)) for t in terms]
    labels, Xs, _ = _prepare(data, items, group)
    codes_all, ncat = ordinal_codes(np.vstack(Xs), items)
    cuts = np.cumsum([len(x) for x in Xs])[:-1]
    codes = np.split(codes_all, cuts)
    stats_ = group_statistics(codes, ncat, items, labels)
    nth = [int(k) - 1 for k in ncat]
    partial = _ordinal_partial(group_partial, items, factors, nth)
    fits: dict[str, OrdinalFit] = {}
    for lv in levels:
        mod = build_ordinal_model(
            items, factors, pattern, nth, len(labels), ORDINAL_LEVELS[lv], partial
        )
        fits[lv] = fit_ordinal(mod, stats_)
        fits[lv].labels = labels
    ns = [float(len(x)) for x in Xs]
    npar = max(f.model.n_free for f in fits.values())
    return fits, ns, small_sample_message(labels, ns, npar)


def small_sample_message(labels: list[str], ns: list[float], npar: int) -> list[str]:
    """The small-sample warning (empty when none): a group under max(100, 5 free parameters
    per group) complete cases."""
    per_group = math.ceil(npar / len(labels))
    need = max(100, 5 * per_group)
    small = [f"{lab} (n = {int(n)})" for lab, n in zip(labels, ns, strict=True) if n < need]
    if not small:
        return []
    return [
        f"small sample: group(s) {', '.join(small)} have fewer than {need} complete cases "
        f"(rule of thumb: at least 100 and 5 per free parameter; {per_group} free parameters "
        "per group); WLSMV estimates and fit indices are unstable"
    ]


def _ordinal_partial(
    partial: Any, items: list[str], factors: list[str], nth: list[int]
) -> frozenset[tuple[int, int, int]]:
    keys = set()
    for raw in partial:
        text = str(raw).replace(" ", "")
        if "=~" in text:
            f, x = text.split("=~", 1)
            if f in factors and x in items:
                keys.add((LAM, items.index(x), factors.index(f)))
                continue
        elif text.endswith("~1") and text[:-2] in items:
            keys.add((NU, items.index(text[:-2]), 0))
            continue
        elif "|t" in text:
            x, k = text.split("|t", 1)
            if x in items and k.isdigit() and 1 <= int(k) <= nth[items.index(x)]:
                keys.add((TAU, items.index(x), int(k) - 1))
                continue
        raise ValueError(
            f"group_partial entry {raw!r} names no loading ('f =~ x'), intercept ('x ~1') or "
            "threshold ('x | t1') of this ordinal model"
        )
    return frozenset(keys)
