"""Multi-group normal-theory ML engine for confirmatory factor models (private).

The model for group g is Sigma_g = Lambda Psi Lambda' + Theta and mu_g = nu + Lambda alpha. Every
matrix element is an entry of a parameter table; free entries point into one parameter vector,
so equality constraints (across groups, or by label) are entries sharing an index. The fitting
function is lavaan's (likelihood = "normal", divisor N):

    F(theta) = sum_g n_g / N * [log|Sigma_g| + tr(S_g Sigma_g^-1) - log|S_g| - p
                                + (m_g - mu_g)' Sigma_g^-1 (m_g - mu_g)]

minimised by Fisher scoring with step halving; the expected information gives the standard errors.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from ._syntax import ModelTerm

LAMBDA, PSI, THETA, NU, ALPHA = 0, 1, 2, 3, 4
OPS = {LAMBDA: "=~", PSI: "~~", THETA: "~~", NU: "~1", ALPHA: "~1"}
GROUP_EQUAL = (
    "loadings",
    "intercepts",
    "residuals",
    "residual_covariances",
    "lv_variances",
    "lv_covariances",
)

FloatArray = NDArray[np.float64]


@dataclass(slots=True)
class Table:
    """The parameter table: one row per matrix element per group."""

    observed: list[str]
    factors: list[str]
    n_groups: int
    meanstructure: bool
    group: list[int] = field(default_factory=list)
    mat: list[int] = field(default_factory=list)
    row: list[int] = field(default_factory=list)
    col: list[int] = field(default_factory=list)
    free: list[int] = field(default_factory=list)
    value: list[float] = field(default_factory=list)
    label: list[str] = field(default_factory=list)
    n_free: int = 0

    def arrays(self) -> dict[str, NDArray[np.int64] | FloatArray]:
        return {
            "group": np.asarray(self.group, dtype=np.int64),
            "mat": np.asarray(self.mat, dtype=np.int64),
            "row": np.asarray(self.row, dtype=np.int64),
            "col": np.asarray(self.col, dtype=np.int64),
            "free": np.asarray(self.free, dtype=np.int64),
            "value": np.asarray(self.value, dtype=np.float64),
        }

    def names(self, i: int) -> tuple[str, str, str]:
        """(lhs, op, rhs) of table row ``i`` in lavaan's notation."""
        m, r, c = self.mat[i], self.row[i], self.col[i]
        if m == LAMBDA:
            return self.factors[c], "=~", self.observed[r]
        if m == PSI:
            return self.factors[min(r, c)], "~~", self.factors[max(r, c)]
        if m == THETA:
            return self.observed[min(r, c)], "~~", self.observed[max(r, c)]
        if m == NU:
            return self.observed[r], "~1", ""
        return self.factors[r], "~1", ""


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


def build_table(
    terms: list[ModelTerm],
    observed: list[str],
    factors: list[str],
    *,
    n_groups: int,
    std_lv: bool,
    meanstructure: bool,
    group_equal: tuple[str, ...],
    orthogonal: bool = False,
    free_residual_variances: bool = True,
    group_partial: frozenset[tuple[int, int, int]] = frozenset(),
) -> Table:
    """Build lavaan's default CFA parameter table (auto.fix.first / std.lv, auto.cov.lv.x).

    With ``free_residual_variances=False`` (ordinal data, delta parameterisation) the residual
    variances are table entries fixed at 0: they are 1 - communality, not parameters.
    """
    t = Table(observed=observed, factors=factors, n_groups=n_groups, meanstructure=meanstructure)
    oi = {v: i for i, v in enumerate(observed)}
    fi = {v: i for i, v in enumerate(factors)}
    index: dict[tuple[object, ...], int] = {}
    equal_mats = {
        "loadings": {LAMBDA},
        "intercepts": {NU},
        "residuals": {THETA},
        "residual_covariances": {THETA},
        "lv_variances": {PSI},
        "lv_covariances": {PSI},
    }

    def constrained(mat: int, r: int, c: int) -> bool:
        if (mat, r, c) in group_partial:
            return False
        for ge in group_equal:
            if mat not in equal_mats[ge]:
                continue
            if ge in {"residuals", "lv_variances"} and r != c:
                continue
            if ge in {"residual_covariances", "lv_covariances"} and r == c:
                continue
            return True
        return False

    def add(g: int, mat: int, r: int, c: int, *, fixed: float | None, label: str | None) -> None:
        if fixed is not None:
            t.group.append(g)
            t.mat.append(mat)
            t.row.append(r)
            t.col.append(c)
            t.free.append(-1)
            t.value.append(float(fixed))
            t.label.append(label or "")
            return
        if label:
            key: tuple[object, ...] = ("label", label)
        elif constrained(mat, r, c):
            key = ("eq", mat, r, c)
        else:
            key = (g, mat, r, c)
        if key not in index:
            index[key] = len(index)
        t.group.append(g)
        t.mat.append(mat)
        t.row.append(r)
        t.col.append(c)
        t.free.append(index[key])
        t.value.append(np.nan)
        t.label.append(label or "")

    # user specifications of ~~ terms, keyed by the sorted pair
    user_cov: dict[tuple[str, str], ModelTerm] = {}
    for term in terms:
        if term.op == "~~":
            user_cov[_pair(term.lhs, term.rhs)] = term

    for g in range(n_groups):
        marked: set[str] = set()
        for term in terms:
            if term.op != "=~":
                continue
            r, c = oi[term.rhs], fi[term.lhs]
            fixed = term.fixed
            if fixed is None and not term.force_free and not std_lv and term.lhs not in marked:
                fixed = 1.0
            marked.add(term.lhs)
            add(g, LAMBDA, r, c, fixed=fixed, label=term.label)
        for j, fj in enumerate(factors):
            for k in range(j + 1):
                fk = factors[k]
                spec = user_cov.get(_pair(fj, fk))
                if spec is not None:
                    add(g, PSI, j, k, fixed=spec.fixed, label=spec.label)
                elif j == k:
                    # std.lv: unit variances, except in later groups once loadings are equal
                    # (lavaan frees them there, as it frees latent means with equal intercepts)
                    unit = std_lv and (g == 0 or "loadings" not in group_equal)
                    add(g, PSI, j, j, fixed=1.0 if unit else None, label=None)
                elif not orthogonal:
                    add(g, PSI, j, k, fixed=None, label=None)
        for a, va in enumerate(observed):
            for b in range(a + 1):
                vb = observed[b]
                spec = user_cov.get(_pair(va, vb))
                if spec is not None:
                    add(g, THETA, a, b, fixed=spec.fixed, label=spec.label)
                elif a == b:
                    add(g, THETA, a, a, fixed=None if free_residual_variances else 0.0, label=None)
        if meanstructure:
            for a in range(len(observed)):
                add(g, NU, a, 0, fixed=None, label=None)
            for j in range(len(factors)):
                free_mean = g > 0 and "intercepts" in group_equal
                add(g, ALPHA, j, 0, fixed=None if free_mean else 0.0, label=None)
    t.n_free = len(index)
    return t


@dataclass(slots=True)
class Engine:
    """Evaluates the ML discrepancy, its gradient and expected information."""

    table: Table
    S: list[FloatArray]  # biased (divisor n) covariance matrices
    M: list[FloatArray]  # means
    n: FloatArray  # group sizes
    # full-information ML: per group, the missing-data patterns (observed columns, n, mean,
    # covariance); S and M then hold the EM (H1) estimates and serve start values and SRMR
    patterns: list[list[tuple[NDArray[np.int64], float, FloatArray, FloatArray]]] | None = None
    arr: dict[str, NDArray[np.int64] | FloatArray] = field(init=False)
    logdet_s: FloatArray = field(init=False)
    _cache: dict[int, tuple[NDArray[np.int64], ...]] = field(init=False)

    def __post_init__(self) -> None:
        self._cache = {}
        self.arr = self.table.arrays()
        self.logdet_s = np.array([np.linalg.slogdet(s)[1] for s in self.S])

    @property
    def p(self) -> int:
        return len(self.table.observed)

    @property
    def m(self) -> int:
        return len(self.table.factors)

    def values(self, theta: FloatArray) -> FloatArray:
        free = self.arr["free"].astype(np.int64)
        return np.where(free >= 0, theta[np.maximum(free, 0)], self.arr["value"])

    def matrices(
        self, theta: FloatArray, g: int
    ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
        vals = self.values(theta)
        sel = self.arr["group"] == g
        mat, row, col = (self.arr[k][sel].astype(np.int64) for k in ("mat", "row", "col"))
        v = vals[sel]
        p, m = self.p, self.m
        L = np.zeros((p, m))
        P = np.zeros((m, m))
        T = np.zeros((p, p))
        nu = np.zeros(p)
        al = np.zeros(m)
        k = mat == LAMBDA
        L[row[k], col[k]] = v[k]
        k = mat == PSI
        P[row[k], col[k]] = v[k]
        P[col[k], row[k]] = v[k]
        k = mat == THETA
        T[row[k], col[k]] = v[k]
        T[col[k], row[k]] = v[k]
        k = mat == NU
        nu[row[k]] = v[k]
        k = mat == ALPHA
        al[row[k]] = v[k]
        return L, P, T, nu, al

    def implied(self, theta: FloatArray, g: int) -> tuple[FloatArray, FloatArray]:
        L, P, T, nu, al = self.matrices(theta, g)
        sigma = L @ P @ L.T + T
        mu = nu + L @ al if self.table.meanstructure else self.M[g]
        return sigma, mu

    def objective(self, theta: FloatArray) -> float:
        """The weighted ML discrepancy sum_g n_g/N F_g (inf when a Sigma_g is not positive
        definite); with missing-data patterns, -2 logL / N up to a constant."""
        N = self.n.sum()
        total = 0.0
        for g in range(self.table.n_groups):
            sigma, mu = self.implied(theta, g)
            try:
                C = np.linalg.cholesky(sigma)
            except np.linalg.LinAlgError:
                return np.inf
            if self.patterns is not None:
                for o, n_p, m_p, S_p in self.patterns[g]:
                    so = sigma[np.ix_(o, o)]
                    Co = np.linalg.cholesky(so)
                    W = np.linalg.inv(so)
                    d = m_p - mu[o]
                    logdet = 2.0 * np.log(np.diag(Co)).sum()
                    total += n_p / N * (logdet + np.sum(S_p * W) + d @ W @ d)
                continue
            logdet = 2.0 * np.log(np.diag(C)).sum()
            W = np.linalg.inv(sigma)
            d = self.M[g] - mu
            F = logdet + np.sum(self.S[g] * W) - self.logdet_s[g] - self.p + d @ W @ d
            total += self.n[g] / N * F
        return float(total)

    def _group_index(self, g: int) -> tuple[NDArray[np.int64], ...]:
        """Rows of group g's free entries, their matrix coordinates, and the aggregation map."""
        cached = self._cache.get(g)
        if cached is None:
            sel = np.flatnonzero((self.arr["group"] == g) & (self.arr["free"] >= 0))
            mat, row, col, free = (
                self.arr[k][sel].astype(np.int64) for k in ("mat", "row", "col", "free")
            )
            uniq, local = np.unique(free, return_inverse=True)
            cached = (mat, row, col, uniq, local.astype(np.int64))
            self._cache[g] = cached
        return cached

    def jacobian(
        self, theta: FloatArray, g: int
    ) -> tuple[FloatArray, FloatArray, NDArray[np.int64]]:
        """d Sigma_g / d theta_u (n_u, p, p), d mu_g / d theta_u (n_u, p) for the parameters u
        that enter group g (returned as the third element)."""
        L, P, _, _, al = self.matrices(theta, g)
        mat, row, col, uniq, local = self._group_index(g)
        p, E = self.p, len(mat)
        dS = np.zeros((E, p, p))
        dm = np.zeros((E, p))
        e = np.arange(E)
        LP = L @ P
        k = mat == LAMBDA
        if k.any():
            ek, r, c = e[k], row[k], col[k]
            dS[ek, r, :] += LP[:, c].T
            dS[ek, :, r] += LP[:, c].T
            if self.table.meanstructure:
                dm[ek, r] = al[c]
        k = mat == PSI
        if k.any():
            ek, r, c = e[k], row[k], col[k]
            outer = L[:, r].T[:, :, None] * L[:, c].T[:, None, :]
            offd = (r != c)[:, None, None]
            dS[ek] += outer + np.where(offd, np.transpose(outer, (0, 2, 1)), 0.0)
        k = mat == THETA
        if k.any():
            ek, r, c = e[k], row[k], col[k]
            dS[ek, r, c] = 1.0
            dS[ek, c, r] = 1.0
        k = mat == NU
        dm[e[k], row[k]] = 1.0
        k = mat == ALPHA
        if k.any():
            dm[e[k]] = L[:, row[k]].T
        if len(uniq) == E:  # no equality labels within the group: a permutation
            J = np.empty((E, p, p))
            Jm = np.empty((E, p))
            J[local] = dS
            Jm[local] = dm
        else:
            J = np.zeros((len(uniq), p, p))
            Jm = np.zeros((len(uniq), p))
            np.add.at(J, local, dS)
            np.add.at(Jm, local, dm)
        return J, Jm, uniq

    def gradient(self, theta: FloatArray) -> FloatArray:
        """Gradient of the weighted discrepancy (NaN where a Sigma_g is not positive definite)."""
        return self.gradient_information(theta, information=False)[0]

    def gradient_information(
        self, theta: FloatArray, *, information: bool = True
    ) -> tuple[FloatArray, FloatArray]:
        """Gradient of the weighted discrepancy and sum_g n_g/N * (unit expected information)."""
        q = self.table.n_free
        grad = np.zeros(q)
        info = np.zeros((q, q) if information else (0, 0))
        for g in range(self.table.n_groups):
            terms = self._group_terms(theta, g, information=information)
            if terms is None:
                return np.full(q, np.nan), info
            gr, inf, u = terms
            grad[u] += gr
            if information:
                info[np.ix_(u, u)] += inf
        return grad, info

    def _group_terms(
        self, theta: FloatArray, g: int, *, information: bool
    ) -> tuple[FloatArray, FloatArray, NDArray[np.int64]] | None:
        """Group g's share of the gradient (and expected information) over the parameters u
        that enter it; None when Sigma_g is singular."""
        N = self.n.sum()
        p = self.p
        sigma, mu = self.implied(theta, g)
        try:
            W = np.linalg.inv(sigma)
        except np.linalg.LinAlgError:
            return None
        J, Jm, u = self.jacobian(theta, g)
        Jf = J.reshape(len(u), p * p)
        info: FloatArray = np.zeros((len(u), len(u)) if information else (0, 0))
        if self.patterns is not None:
            G = np.zeros((p, p))
            gm = np.zeros(p)
            for o, n_p, m_p, S_p in self.patterns[g]:
                Wo = np.linalg.inv(sigma[np.ix_(o, o)])
                d = m_p - mu[o]
                G[np.ix_(o, o)] += n_p / N * (Wo - Wo @ (S_p + np.outer(d, d)) @ Wo)
                gm[o] += n_p / N * (-2.0 * Wo @ d)
                if information:
                    k = len(o)
                    Jo = J[:, o][:, :, o]
                    WJW = (Wo[None] @ Jo @ Wo[None]).reshape(len(u), k * k)
                    Jmo = Jm[:, o]
                    info += n_p / N * (0.5 * Jo.reshape(len(u), k * k) @ WJW.T + Jmo @ Wo @ Jmo.T)
            return Jf @ G.ravel() + Jm @ gm, info, u
        d = self.M[g] - mu
        Wd = W @ d
        Gc = W - W @ (self.S[g] + np.outer(d, d)) @ W
        w = self.n[g] / N
        grad = w * (Jf @ Gc.ravel() - 2.0 * Jm @ Wd)
        if information:
            WJW = (W[None] @ J @ W[None]).reshape(len(u), p * p)
            info = w * (0.5 * Jf @ WJW.T + Jm @ W @ Jm.T)
        return grad, info, u

    def fit(
        self, theta0: FloatArray, *, max_iter: int = 1000, tol: float = 1e-16
    ) -> tuple[FloatArray, bool, int, str]:
        """Fisher scoring with step halving, then (if that stalls) Newton trust-region steps on
        the finite-difference Hessian of the analytic gradient.

        Returns (theta, converged, iterations, message).
        """
        theta = theta0.copy()
        f = self.objective(theta)
        if not np.isfinite(f):
            return theta, False, 0, "the starting values give a non-positive-definite Sigma"
        scoring_iter = min(max_iter, 200)
        decrement = np.inf
        for it in range(1, scoring_iter + 1):
            grad, info = self.gradient_information(theta)
            try:
                step = -np.linalg.solve(2.0 * info, grad)
            except np.linalg.LinAlgError:
                return theta, False, it, "singular information matrix: the model is not identified"
            decrement = float(-grad @ step)
            if decrement < tol:
                return theta, True, it, "converged"
            t = 1.0
            fn = np.inf
            while t > 1e-10:
                new = theta + t * step
                fn = self.objective(new)
                if np.isfinite(fn) and fn <= f - 1e-4 * t * decrement:
                    break
                t /= 2.0
            if not fn < f:
                # no strict decrease along the scoring direction: the numerical floor
                if decrement < 1e-10:
                    return theta, True, it, "converged"
                break
            theta, f = new, fn
        if max_iter <= scoring_iter:
            return theta, False, max_iter, f"no convergence in {max_iter} iterations"
        return self._newton(theta, it, max_iter)

    def _hessian(self, theta: FloatArray) -> FloatArray:
        """Hessian of the discrepancy by central differences of the analytic gradient, group by
        group (a parameter moves only the groups it enters)."""
        q = len(theta)
        H = np.zeros((q, q))
        for g in range(self.table.n_groups):
            u = self._group_index(g)[3]
            for k in u:
                h = 1e-5 * max(1.0, abs(theta[k]))
                e = np.zeros(q)
                e[k] = h
                plus = self._group_terms(theta + e, g, information=False)
                minus = self._group_terms(theta - e, g, information=False)
                if plus is None or minus is None:
                    H[:, k] = np.nan
                    continue
                H[u, k] += (plus[0] - minus[0]) / (2 * h)
        return (H + H.T) / 2

    def _newton(
        self, theta: FloatArray, done: int, max_iter: int
    ) -> tuple[FloatArray, bool, int, str]:
        """Trust-region Newton (scipy 'trust-exact'; L-BFGS-B above 100 parameters) for fits
        where Fisher scoring is slow: typically improper solutions in small samples, or ML
        estimates that do not exist (a loading diverging), which then stay non-converged."""
        from scipy import optimize

        def fun(x: FloatArray) -> float:
            v = self.objective(x)
            return v if np.isfinite(v) else 1e10

        remaining = max(1, max_iter - done)
        if len(theta) <= 100:
            res = optimize.minimize(
                fun, theta, jac=self.gradient, hess=self._hessian, method="trust-exact",
                options={"gtol": 1e-12, "maxiter": min(remaining, 100)},
            )  # fmt: skip
        else:  # a finite-difference Hessian would cost 2q gradients per step
            res = optimize.minimize(
                fun, theta, jac=self.gradient, method="L-BFGS-B",
                options={"gtol": 1e-12, "ftol": 1e-16, "maxiter": remaining},
            )  # fmt: skip
        x = np.asarray(res.x)
        grad, info = self.gradient_information(x)
        try:
            decrement = float(grad @ np.linalg.solve(2.0 * info, grad))
        except np.linalg.LinAlgError:
            return x, False, done + int(res.nit), "singular information matrix at the solution"
        ok = bool(np.isfinite(decrement) and decrement < 1e-12)
        msg = "converged" if ok else f"no convergence ({res.message})"
        return x, ok, done + int(res.nit), msg

    def orient(self, theta: FloatArray) -> FloatArray:
        """Reflect factors scaled by their variance so each has a positive first loading.

        A factor with no non-zero fixed loading (``std_lv``, or ``NA*x`` with a fixed variance)
        is identified only up to sign: F and -F fit equally. lavaan reports the solution whose
        first indicator (in syntax order) loads positively, per group; so do we. Reflecting
        factor j negates its loadings, its covariances with unreflected factors and its mean.
        A reflection is skipped when an equality constraint ties a parameter it would negate to
        one it would keep (the fit would change); the objective is otherwise unchanged.
        """
        arr = self.arr
        group, mat, row, col, free = (
            arr[k].astype(np.int64) for k in ("group", "mat", "row", "col", "free")
        )
        vals = self.values(theta)
        flip = np.zeros((self.table.n_groups, self.m), dtype=bool)
        for g in range(self.table.n_groups):
            for j in range(self.m):
                lam = np.flatnonzero((group == g) & (mat == LAMBDA) & (col == j))
                if len(lam) == 0 or ((free[lam] < 0) & (vals[lam] != 0)).any():
                    continue  # no loadings, or scaled by a fixed (marker) loading
                flip[g, j] = vals[lam[0]] < 0
        if not flip.any():
            return theta
        f_row = np.zeros(len(mat), dtype=bool)  # the row / column is a reflected factor
        f_col = np.zeros(len(mat), dtype=bool)
        k = (mat == PSI) | (mat == ALPHA)
        f_row[k] = flip[group[k], row[k]]
        k = (mat == PSI) | (mat == LAMBDA)
        f_col[k] = flip[group[k], col[k]]
        sign = np.ones(len(mat))
        sign[(mat == LAMBDA) & f_col] = -1.0
        sign[(mat == PSI) & (row != col) & (f_row != f_col)] = -1.0
        sign[(mat == ALPHA) & f_row] = -1.0
        out = theta.copy()
        for k in np.unique(free[free >= 0]):
            s = sign[free == k]
            if (s != s[0]).any():
                return theta  # an equality constraint ties a reflected to a kept parameter
            out[k] = s[0] * theta[k]
        return out

    def start(self) -> FloatArray:
        """Start values: one-factor principal-axis loadings per factor, scaled to the marker."""
        tb = self.table
        q = tb.n_free
        acc = np.zeros(q)
        cnt = np.zeros(q)
        arr = self.arr
        for g in range(tb.n_groups):
            S = self.S[g]
            sel = arr["group"] == g
            mat = arr["mat"][sel].astype(np.int64)
            row = arr["row"][sel].astype(np.int64)
            col = arr["col"][sel].astype(np.int64)
            free = arr["free"][sel].astype(np.int64)
            val = arr["value"][sel]
            lam_std = np.zeros((self.p, self.m))  # standardised-scale loadings
            scale = np.ones(self.m)
            for j in range(self.m):
                items = np.unique(row[(mat == LAMBDA) & (col == j)])
                sub = S[np.ix_(items, items)]
                w, v = np.linalg.eigh(sub)
                load = v[:, -1] * np.sqrt(max(w[-1], 1e-8))
                if len(items) >= 3:
                    # principal-axis refinement with communalities from the first pass
                    red = sub.copy()
                    np.fill_diagonal(red, np.minimum(load**2, np.diag(sub) * 0.995))
                    w, v = np.linalg.eigh(red)
                    load = v[:, -1] * np.sqrt(max(w[-1], 1e-8))
                if load.sum() < 0:
                    load = -load
                lam_std[items, j] = load
                # the latent scale: fixed loading (marker) or unit variance
                fixed_l = (mat == LAMBDA) & (col == j) & (free < 0)
                if fixed_l.any():
                    r0 = row[fixed_l][0]
                    v0 = val[fixed_l][0]
                    scale[j] = lam_std[r0, j] / v0 if v0 != 0 else 1.0
                    if abs(scale[j]) < 1e-8:
                        scale[j] = 1.0
            Lam = lam_std / scale  # loadings on the chosen latent scale
            Psi = np.diag(scale**2)
            for j in range(self.m):
                for k in range(j):
                    ij = lam_std[:, j] != 0
                    ik = lam_std[:, k] != 0
                    block = S[np.ix_(ij, ik)]
                    denom = np.outer(lam_std[ij, j], lam_std[ik, k])
                    corr = float(np.clip(np.mean(block / denom), -0.9, 0.9))
                    Psi[j, k] = Psi[k, j] = corr * scale[j] * scale[k]
            resid = np.diag(S) - np.einsum("ij,jk,ik->i", Lam, Psi, Lam)
            resid = np.maximum(resid, 0.1 * np.diag(S))
            for e in range(len(mat)):
                if free[e] < 0:
                    continue
                if mat[e] == LAMBDA:
                    s = Lam[row[e], col[e]]
                elif mat[e] == PSI:
                    s = Psi[row[e], col[e]]
                elif mat[e] == THETA:
                    s = resid[row[e]] if row[e] == col[e] else 0.0
                elif mat[e] == NU:
                    s = self.M[g][row[e]]
                else:
                    s = 0.0
                acc[free[e]] += s
                cnt[free[e]] += 1
        return acc / np.maximum(cnt, 1)
