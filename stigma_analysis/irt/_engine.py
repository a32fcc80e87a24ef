"""The numerical core: graded response model, marginal likelihood on a fixed quadrature, EM.

Samejima's graded response model in mirt's slope-intercept form: for an item with ``K``
ordered categories ``0..K-1``, ``P(x >= k | θ) = logistic(a θ + d_k)`` for ``k = 1..K-1``
(``d_1 > d_2 > ...``), and ``P(x = k) = P(x >= k) - P(x >= k + 1)``.

One engine serves single- and multiple-group models. Each group has its own copy of every item's
parameters (``a_j, d_j1..d_j,K-1``, laid out item after item in a flat vector of length
``ΣK_j``, the same layout as the one-hot response columns) and its own latent mean and log
standard deviation. A map sends each of these to an entry of the free-parameter vector or marks
it fixed; two groups sharing an entry is an equality constraint.

The latent density is a normal density evaluated at ``Q`` equally spaced points and normalised
to sum to one (mirt's rectangular quadrature). Response patterns are collapsed to unique rows
with frequencies; a missing answer is an all-zero one-hot block, so it drops out of the
likelihood.

Estimation: EM (E-step posterior over the grid; M-step one Fisher-scoring step per item on the
expected complete-data log-likelihood, with step halving that keeps intercepts ordered, and the
closed-form update of free latent means and variances), then a quasi-Newton polish (L-BFGS on
the exact marginal log-likelihood, whose gradient is the expected complete-data gradient, by
Fisher's identity). Standard errors come from the observed information: the central-difference
Jacobian of that exact analytic gradient, symmetrised.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field

import numpy as np

__all__ = ["Engine", "GroupData", "Layout", "grm_info", "grm_probs", "single_thread"]

FloatArray = np.ndarray
_EPS = 1e-300


def single_thread() -> AbstractContextManager[object]:
    """One BLAS thread while fitting: the matrices are small and, on a busy machine, OpenBLAS
    threads contend (an E-step then takes several times longer)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl is a dependency
        return nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def _expit(z: FloatArray) -> FloatArray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def grm_probs(a: float, d: FloatArray, theta: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Category probabilities ``(len(theta), K)`` and the boundary curves ``(len(theta), K+1)``."""
    z = a * theta[:, None] + d[None, :]
    ps = _expit(z)
    q = theta.shape[0]
    star = np.concatenate([np.ones((q, 1)), ps, np.zeros((q, 1))], axis=1)
    return star[:, :-1] - star[:, 1:], star


def grm_info(a: float, d: FloatArray, theta: FloatArray) -> FloatArray:
    """Item information ``Σ_k P'_k(θ)² / P_k(θ)`` at each θ."""
    p, star = grm_probs(a, d, theta)
    w = star * (1.0 - star)
    dp = a * (w[:, :-1] - w[:, 1:])
    return np.sum(dp * dp / np.maximum(p, _EPS), axis=1)


@dataclass
class GroupData:
    """One group's responses, collapsed to unique patterns."""

    codes: np.ndarray  # (m, J) int, -1 = missing
    freq: FloatArray  # (m,)
    onehot: FloatArray = field(init=False)  # (m, ΣK)

    def build(self, offsets: np.ndarray, ncat: np.ndarray) -> None:
        m, n_items = self.codes.shape
        oh = np.zeros((m, int(ncat.sum())))
        for j in range(n_items):
            c = self.codes[:, j]
            ok = c >= 0
            oh[np.flatnonzero(ok), offsets[j] + c[ok]] = 1.0
        self.onehot = oh


@dataclass
class Layout:
    """Where each group's item and latent parameters live in the free vector (-1: fixed)."""

    item_map: np.ndarray  # (G, ΣK) int
    group_map: np.ndarray  # (G, 2) int: mean, log sd
    n_free: int


class Engine:
    """Marginal likelihood, gradient, EM and observed information for a (multi-group) GRM."""

    def __init__(
        self,
        groups: list[GroupData],
        ncat: np.ndarray,
        theta: FloatArray,
        layout: Layout,
        *,
        item_values: np.ndarray,
        group_values: np.ndarray,
    ) -> None:
        self.groups = groups
        self.ncat = np.asarray(ncat, dtype=int)
        self.offsets = np.concatenate([[0], np.cumsum(self.ncat)[:-1]]).astype(int)
        self.theta = theta
        self.layout = layout
        self.item_values = item_values.astype(float).copy()  # (G, ΣK) current values
        self.group_values = group_values.astype(float).copy()  # (G, 2)
        for g in groups:
            g.build(self.offsets, self.ncat)
        # items with the same number of categories are computed together: (block K, flat idx)
        self.blocks: list[tuple[int, np.ndarray, np.ndarray]] = []
        for k in np.unique(self.ncat):
            js = np.flatnonzero(self.ncat == k)
            self.blocks.append((int(k), js, self.offsets[js][:, None] + np.arange(k)[None, :]))

    # ------------------------------------------------------------------ parameter vector
    def get_x(self) -> FloatArray:
        x = np.zeros(self.layout.n_free)
        im, gm = self.layout.item_map, self.layout.group_map
        x[im[im >= 0]] = self.item_values[im >= 0]
        x[gm[gm >= 0]] = self.group_values[gm >= 0]
        return x

    def set_x(self, x: FloatArray) -> None:
        im, gm = self.layout.item_map, self.layout.group_map
        self.item_values[im >= 0] = x[im[im >= 0]]
        self.group_values[gm >= 0] = x[gm[gm >= 0]]

    def ordered(self) -> bool:
        """Every item's intercepts strictly decreasing and parameters finite, in every group."""
        if not np.all(np.isfinite(self.item_values)):
            return False
        for k, _, idx in self.blocks:
            if k > 2:
                d = self.item_values[:, idx[:, 1:]]  # (G, nJ, K-1)
                if np.any(np.diff(d, axis=2) >= 0):
                    return False
        return True

    # ------------------------------------------------------------------ E-step
    def log_prior(self, g: int) -> FloatArray:
        mu, logsd = self.group_values[g]
        z = (self.theta - mu) / np.exp(logsd)
        lw = -0.5 * z * z
        return lw - np.log(np.sum(np.exp(lw - lw.max()))) - lw.max()

    def _item_logp(self, g: int) -> tuple[FloatArray, list[tuple[FloatArray, FloatArray]]]:
        """log P stacked ``(Q, ΣK)`` and per block of items (P, boundary curves)."""
        v = self.item_values[g]
        q = self.theta.shape[0]
        lp = np.empty((q, int(self.ncat.sum())))
        parts = []
        for k, _, idx in self.blocks:
            vals = v[idx]  # (nJ, K)
            z = self.theta[:, None, None] * vals[None, :, :1] + vals[None, :, 1:]
            star = np.empty((q, idx.shape[0], k + 1))
            star[:, :, 0] = 1.0
            star[:, :, -1] = 0.0
            star[:, :, 1:-1] = _expit(z)
            p = star[:, :, :-1] - star[:, :, 1:]
            parts.append((p, star))
            lp[:, idx.ravel()] = np.log(np.maximum(p, _EPS)).reshape(q, -1)
        return lp, parts

    def estep(self, g: int) -> tuple[float, FloatArray, FloatArray, list, FloatArray]:
        """Log-likelihood, expected counts ``R (ΣK, Q)``, ``N (Q,)``, item curves, posterior."""
        gd = self.groups[g]
        lp, parts = self._item_logp(g)
        ll_iq = gd.onehot @ lp.T + self.log_prior(g)[None, :]
        mx = ll_iq.max(axis=1, keepdims=True)
        e = np.exp(ll_iq - mx)
        s = e.sum(axis=1, keepdims=True)
        ll = float(gd.freq @ (np.log(s[:, 0]) + mx[:, 0]))
        post = e / s
        wpost = post * gd.freq[:, None]
        r = gd.onehot.T @ wpost
        n_q = wpost.sum(axis=0)
        return ll, r, n_q, parts, post

    # ------------------------------------------------------------------ gradients
    def _block_grad(
        self, b: int, r: FloatArray, part: tuple[FloatArray, FloatArray], n_q: FloatArray | None
    ) -> tuple[FloatArray, FloatArray | None]:
        """Complete-data gradient ``(nJ, K)`` of a block of items (and Fisher information
        ``(nJ, K, K)`` when ``n_q`` is given); parameters a, d1, ..."""
        k, _, idx = self.blocks[b]
        p, star = part  # (Q, nJ, K), (Q, nJ, K+1)
        th = self.theta
        w = star * (1.0 - star)
        pp = np.maximum(p, _EPS)
        ratio = r[idx].transpose(2, 0, 1) / pp  # (Q, nJ, K)
        dw = w[:, :, :-1] - w[:, :, 1:]
        grad = np.empty((idx.shape[0], k))
        grad[:, 0] = np.einsum("q,qjk->j", th, ratio * dw)
        grad[:, 1:] = np.sum(w[:, :, 1:-1] * (ratio[:, :, 1:] - ratio[:, :, :-1]), axis=0)
        if n_q is None:
            return grad, None
        # dP_k / dparam: (Q, nJ, K, K) with param 0 = a, param m = d_m
        dp = np.zeros((th.shape[0], idx.shape[0], k, k))
        dp[:, :, :, 0] = th[:, None, None] * dw
        for m in range(1, k):
            dp[:, :, m, m] = w[:, :, m]
            dp[:, :, m - 1, m] = -w[:, :, m]
        scaled = dp * (n_q[:, None, None] / pp)[:, :, :, None]
        info = np.einsum("qjkp,qjkr->jpr", scaled, dp, optimize=True)
        return grad, info

    def _group_grad(self, g: int, n_q: FloatArray) -> FloatArray:
        mu, logsd = self.group_values[g]
        sd2 = np.exp(2 * logsd)
        w = np.exp(self.log_prior(g))
        dev = self.theta - mu
        total = n_q.sum()
        gm = n_q @ dev / sd2 - total * (w @ dev) / sd2
        gs = n_q @ (dev * dev) / sd2 - total * (w @ (dev * dev)) / sd2
        return np.array([gm, gs])

    def loglik_grad(self, x: FloatArray | None = None) -> tuple[float, FloatArray]:
        """Exact marginal log-likelihood and its gradient in the free parameters."""
        if x is not None:
            self.set_x(x)
        grad = np.zeros(self.layout.n_free)
        total = 0.0
        for g in range(len(self.groups)):
            ll, r, n_q, parts, _ = self.estep(g)
            total += ll
            im = self.layout.item_map[g]
            for b, (_, _, idx) in enumerate(self.blocks):
                gb, _ = self._block_grad(b, r, parts[b], None)
                where = im[idx]
                ok = where >= 0
                np.add.at(grad, where[ok], gb[ok])
            gmap = self.layout.group_map[g]
            if np.any(gmap >= 0):
                gg = self._group_grad(g, n_q)
                ok = gmap >= 0
                np.add.at(grad, gmap[ok], gg[ok])
        return total, grad

    def loglik(self, x: FloatArray | None = None) -> float:
        if x is not None:
            self.set_x(x)
        return float(sum(self.estep(g)[0] for g in range(len(self.groups))))

    # ------------------------------------------------------------------ EM
    def em_step(self) -> tuple[float, float]:
        """One EM cycle; returns the log-likelihood before the step and the largest change."""
        n = self.layout.n_free
        grad = np.zeros(n)
        info = np.zeros((n, n))
        total = 0.0
        new_group = self.group_values.copy()
        for g in range(len(self.groups)):
            ll, r, n_q, parts, _ = self.estep(g)
            total += ll
            im = self.layout.item_map[g]
            for b, (_, _, idx) in enumerate(self.blocks):
                gb, ib = self._block_grad(b, r, parts[b], n_q)
                if ib is None:  # an internal invariant, not a user error: fail loudly under -O too
                    raise RuntimeError("IRT engine: the information block was not computed")
                where = im[idx]
                ok = where >= 0
                np.add.at(grad, where[ok], gb[ok])
                for j in range(idx.shape[0]):
                    sel = np.flatnonzero(ok[j])
                    if sel.size:
                        wj = where[j, sel]
                        info[np.ix_(wj, wj)] += ib[j][np.ix_(sel, sel)]
            gmap = self.layout.group_map[g]
            if np.any(gmap >= 0):
                tot = n_q.sum()
                mu = float(n_q @ self.theta / tot)
                var = float(n_q @ (self.theta - mu) ** 2 / tot)
                if gmap[0] >= 0:
                    new_group[g, 0] = mu
                if gmap[1] >= 0:
                    new_group[g, 1] = 0.5 * np.log(max(var, 1e-8))
        x0 = self.get_x()
        gfree = np.unique(self.layout.group_map[self.layout.group_map >= 0])
        item_free = np.setdiff1d(np.arange(n), gfree)
        step = np.zeros(n)
        if item_free.size:
            h = info[np.ix_(item_free, item_free)] + 1e-10 * np.eye(item_free.size)
            try:
                step[item_free] = np.linalg.solve(h, grad[item_free])
            except np.linalg.LinAlgError:
                step[item_free] = np.linalg.lstsq(h, grad[item_free], rcond=None)[0]
        # latent parameters: closed-form update
        gm = self.layout.group_map
        for g in range(len(self.groups)):
            for c in range(2):
                if gm[g, c] >= 0:
                    step[gm[g, c]] = new_group[g, c] - x0[gm[g, c]]
        scale = 1.0
        for _ in range(30):
            self.set_x(x0 + scale * step)
            if self.ordered():
                break
            scale *= 0.5
        else:
            self.set_x(x0)
            return total, 0.0
        return total, float(np.max(np.abs(scale * step))) if n else 0.0

    def fit(self, *, tol: float, max_iter: int, polish: bool = True) -> tuple[int, bool]:
        """EM to ``tol`` (largest parameter change), then a quasi-Newton polish."""
        from scipy.optimize import minimize

        n_iter = 0
        em_converged = False
        for n_iter in range(1, max_iter + 1):  # noqa: B007
            _, change = self.em_step()
            if change < tol:
                em_converged = True
                break
        if not polish or self.layout.n_free == 0:
            return n_iter, em_converged
        x_em = self.get_x()
        ll_em = self.loglik(x_em)

        def fun(x: FloatArray) -> tuple[float, FloatArray]:
            self.set_x(x)
            if not self.ordered():
                return 1e20, np.zeros_like(x)
            ll, g = self.loglik_grad()
            return -ll, -g

        res = minimize(
            fun,
            x_em,
            jac=True,
            method="L-BFGS-B",
            options={"maxiter": 500, "gtol": 1e-7, "ftol": 1e-14},
        )
        self.set_x(res.x)
        if not self.ordered() or not np.isfinite(res.fun) or -res.fun < ll_em - 1e-9:
            self.set_x(x_em)
            return n_iter, em_converged
        _, g = self.loglik_grad()
        grad_ok = bool(np.max(np.abs(g)) < 1e-3 * max(1.0, np.sqrt(self.n_obs())))
        return n_iter, em_converged or grad_ok

    def n_obs(self) -> float:
        return float(sum(g.freq.sum() for g in self.groups))

    # ------------------------------------------------------------------ information
    def observed_information(self) -> FloatArray:
        """Negative Hessian of the marginal log-likelihood (central differences of the gradient)."""
        x0 = self.get_x()
        n = x0.size
        hess = np.zeros((n, n))
        for i in range(n):
            h = 1e-5 * max(1.0, abs(x0[i]))
            xp = x0.copy()
            xp[i] += h
            xm = x0.copy()
            xm[i] -= h
            _, gp = self.loglik_grad(xp)
            _, gm = self.loglik_grad(xm)
            hess[:, i] = (gp - gm) / (2 * h)
        self.set_x(x0)
        return -(hess + hess.T) / 2


def quadrature(quadpts: int, theta_lim: tuple[float, float]) -> FloatArray:
    """Equally spaced quadrature points on ``theta_lim`` (mirt's default grid for one factor)."""
    if quadpts < 5:
        raise ValueError(f"quadpts must be at least 5, got {quadpts}")
    lo, hi = theta_lim
    if not lo < hi:
        raise ValueError(f"theta_lim must be (low, high) with low < high, got {theta_lim}")
    return np.linspace(lo, hi, quadpts)
