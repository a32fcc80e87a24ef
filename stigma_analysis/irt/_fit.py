"""``irt()``: the graded response model by marginal maximum likelihood, and its result."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from stigma_analysis.instruments import Instrument

from ._data import Coded, code_items, collapse, item_frame
from ._engine import Engine, GroupData, Layout, grm_info, grm_probs, quadrature, single_thread
from ._warnings import IRTNonConvergenceWarning

__all__ = ["IRTResult", "irt", "start_values"]

FloatArray = np.ndarray


def start_values(codes: np.ndarray, ncat: np.ndarray) -> FloatArray:
    """Flat start vector: slope 1 and intercepts from the marginal cumulative proportions."""
    out = np.zeros(int(ncat.sum()))
    o = 0
    for j, k in enumerate(ncat):
        x = codes[:, j]
        x = x[x >= 0]
        cum = np.array([(x >= c).mean() for c in range(1, k)])
        cum = np.clip(cum, 0.5 / max(x.size, 1), 1 - 0.5 / max(x.size, 1))
        out[o] = 1.0
        # logit of the marginal proportion, rescaled for a unit-slope conditional model
        d = np.log(cum / (1 - cum)) * np.sqrt(1 + 0.346)
        d = d - np.arange(k - 1) * 1e-3  # strictly decreasing even for equal proportions
        out[o + 1 : o + k] = d
        o += k
    return out


@dataclass(frozen=True, slots=True, kw_only=True)
class IRTResult:
    """A fitted unidimensional graded response model.

    Attributes
    ----------
    items : tuple of str
        Item ids (instrument order) or column names.
    categories : tuple of tuple of float
        The answers of each item in category order (code ``k`` is ``categories[j][k]``).
    a : numpy.ndarray
        Slopes (discriminations), one per item.
    d : numpy.ndarray
        Intercepts ``d_1 > d_2 > ...`` (items × max categories - 1, NaN-padded), mirt's
        slope-intercept parameterisation: ``P(x ≥ k) = logistic(a θ + d_k)``.
    se_a, se_d : numpy.ndarray
        Standard errors from the observed information (NaN when ``se=False``).
    cov : numpy.ndarray or None
        Covariance of the free parameters (item after item: a, d1, d2, ...).
    loglik, aic, bic : float
        Marginal log-likelihood and information criteria (``n_par`` free parameters,
        ``n_obs`` respondents with at least one answer).
    converged : bool
        EM reached ``tol`` or the polish reached a zero gradient.
    n_iter : int
        EM cycles.
    marginal_reliability : float
        ``Σ_q I(θ_q) / (I(θ_q) + 1) g(θ_q)`` over 1000 points on ``theta_lim``
        (mirt's ``marginal_rxx``).
    """

    items: tuple[str, ...]
    categories: tuple[tuple[float, ...], ...]
    a: FloatArray
    d: FloatArray
    se_a: FloatArray
    se_d: FloatArray
    cov: FloatArray | None
    loglik: float
    aic: float
    bic: float
    n_par: int
    n_obs: int
    converged: bool
    n_iter: int
    marginal_reliability: float
    quadpts: int
    theta_lim: tuple[float, float]
    instrument: Instrument | None = field(default=None, repr=False)
    columns: Mapping[Any, str] | str | None = field(default=None, repr=False)
    codes: np.ndarray = field(repr=False)
    index: pd.Index = field(repr=False)

    # ------------------------------------------------------------------ parameters
    @property
    def b(self) -> FloatArray:
        """Thresholds in the IRT parameterisation, ``b_k = -d_k / a``."""
        return -self.d / self.a[:, None]

    def to_frame(self) -> pd.DataFrame:
        """One row per item: ``a, d1..dk, b1..bk`` and their standard errors (``se_*``)."""
        kmax = self.d.shape[1]
        out: dict[str, Any] = {
            "item": list(self.items),
            "n_categories": [len(c) for c in self.categories],
        }
        out["a"] = self.a
        for k in range(kmax):
            out[f"d{k + 1}"] = self.d[:, k]
        b = self.b
        for k in range(kmax):
            out[f"b{k + 1}"] = b[:, k]
        out["se_a"] = self.se_a
        for k in range(kmax):
            out[f"se_d{k + 1}"] = self.se_d[:, k]
        se_b = self._se_b()
        for k in range(kmax):
            out[f"se_b{k + 1}"] = se_b[:, k]
        return pd.DataFrame(out)

    def _se_b(self) -> FloatArray:
        """Delta-method SEs of ``b = -d / a`` from the item's covariance block."""
        se = np.full_like(self.d, np.nan)
        if self.cov is None:
            return se
        o = 0
        for j, cats in enumerate(self.categories):
            k = len(cats)
            block = self.cov[o : o + k, o : o + k]
            a = self.a[j]
            for m in range(1, k):
                g = np.zeros(k)
                g[0] = self.d[j, m - 1] / a**2
                g[m] = -1.0 / a
                se[j, m - 1] = np.sqrt(max(g @ block @ g, 0.0))
            o += k
        return se

    @property
    def ncat(self) -> np.ndarray:
        return np.array([len(c) for c in self.categories], dtype=int)

    # ------------------------------------------------------------------ curves
    def probabilities(self, theta: Sequence[float] | FloatArray, item: str | int) -> pd.DataFrame:
        """Category response curves of one item: rows θ, columns the item's answers."""
        j = self._item_index(item)
        th = np.asarray(theta, dtype=float).ravel()
        k = len(self.categories[j])
        p, _ = grm_probs(self.a[j], self.d[j, : k - 1], th)
        return pd.DataFrame(p, index=pd.Index(th, name="theta"), columns=list(self.categories[j]))

    def expected_score(self, theta: Sequence[float] | FloatArray, item: str | int) -> FloatArray:
        """Expected answer (on the original scale) of one item at each θ."""
        curves = self.probabilities(theta, item)
        return curves.to_numpy() @ np.asarray(curves.columns, dtype=float)

    def information(
        self, theta: Sequence[float] | FloatArray, items: Sequence[str] | None = None
    ) -> pd.DataFrame:
        """Item and test information at each θ.

        Returns
        -------
        pandas.DataFrame
            Index θ; one column per item and ``test`` (their sum; the prior is not added).
        """
        th = np.asarray(theta, dtype=float).ravel()
        sel = [self._item_index(i) for i in items] if items is not None else range(len(self.items))
        cols = {}
        for j in sel:
            k = len(self.categories[j])
            cols[self.items[j]] = grm_info(self.a[j], self.d[j, : k - 1], th)
        frame = pd.DataFrame(cols, index=pd.Index(th, name="theta"))
        frame["test"] = frame.sum(axis=1)
        return frame

    def _item_index(self, item: str | int) -> int:
        if isinstance(item, int | np.integer) and not isinstance(item, bool):
            if not 0 <= item < len(self.items):
                raise ValueError(f"item index {item} out of range 0..{len(self.items) - 1}")
            return int(item)
        if str(item) not in self.items:
            raise ValueError(f"{item!r} is not one of the items {list(self.items)}")
        return self.items.index(str(item))

    # ------------------------------------------------------------------ scores
    def scores(
        self,
        data: pd.DataFrame | None = None,
        *,
        method: Literal["EAP"] = "EAP",
        items: Sequence[str] | None = None,
        quadpts: int | None = None,
    ) -> pd.DataFrame:
        """θ scores: EAP (posterior mean) and its posterior SD under the N(0, 1) prior.

        Parameters
        ----------
        data : pandas.DataFrame, optional
            New respondents with the same item columns (or the instrument's columns); default the
            data the model was fitted on. Missing answers are skipped.
        method : {"EAP"}
            Expected a posteriori, on ``quadpts`` points over ``theta_lim`` (mirt's
            ``fscores(method = "EAP")``).
        items : sequence of str, optional
            Score from these items only (e.g. a short form scored with the long form's
            calibration); default all items.

        Returns
        -------
        pandas.DataFrame
            ``theta`` and ``se`` (posterior SD), same index as the data; NaN for respondents who
            answered no item.

        Matches R mirt ``fscores(mirt(Science, 1), response.pattern = c(1, 2, 3, 4))`` to 1e-3.
        """
        if method != "EAP":
            raise ValueError(f"method must be 'EAP', got {method!r}")
        if data is None:
            codes, index = self.codes, self.index
        else:
            codes, index = self._code_new(data)
        th = quadrature(quadpts or self.quadpts, self.theta_lim)
        lw = -0.5 * th**2
        ll = np.zeros((codes.shape[0], th.size))
        use = (
            range(len(self.items))
            if items is None
            else sorted({self._item_index(i) for i in items})
        )
        for j in use:
            k = len(self.categories[j])
            p, _ = grm_probs(self.a[j], self.d[j, : k - 1], th)
            lp = np.log(np.maximum(p, 1e-300))
            c = codes[:, j]
            ok = c >= 0
            ll[ok] += lp[:, c[ok]].T
        ll += lw
        ll -= ll.max(axis=1, keepdims=True)
        post = np.exp(ll)
        post /= post.sum(axis=1, keepdims=True)
        eap = post @ th
        sd = np.sqrt(np.maximum(post @ th**2 - eap**2, 0.0))
        none = np.all(codes[:, list(use)] < 0, axis=1)
        eap[none] = np.nan
        sd[none] = np.nan
        return pd.DataFrame({"theta": eap, "se": sd}, index=index)

    def _code_new(self, data: pd.DataFrame) -> tuple[np.ndarray, pd.Index]:
        frame, _ = item_frame(data, self.instrument, items=list(self.items), columns=self.columns)
        X = frame.to_numpy(dtype=float)
        codes = np.full(X.shape, -1, dtype=np.int64)
        for j, cats in enumerate(self.categories):
            x = X[:, j]
            ok = ~np.isnan(x)
            values = np.asarray(cats)
            pos = np.searchsorted(values, x[ok])
            pos_c = np.clip(pos, 0, values.size - 1)
            bad = values[pos_c] != x[ok]
            if bad.any():
                raise ValueError(
                    f"item {self.items[j]!r}: answers {np.unique(x[ok][bad])[:3]} were not seen when "
                    f"the model was fitted (categories {list(cats)})"
                )
            codes[ok, j] = pos_c
        return codes, frame.index

    # ------------------------------------------------------------------ fit
    def item_fit(self, *, mincell: float = 1.0) -> pd.DataFrame:
        """Orlando-Thissen S-X² item fit (complete cases), with mirt's cell collapsing.

        Returns
        -------
        pandas.DataFrame
            ``item, S_X2, df, RMSEA, p``.

        Matches R mirt ``itemfit(mirt(expand.table(LSAT7), 1))`` S_X2 to 1e-3.
        """
        from ._itemfit import s_x2

        with single_thread():
            return s_x2(self, mincell=mincell)


def _result_from_engine(
    eng: Engine,
    coded: Coded,
    *,
    group: int,
    n_iter: int,
    converged: bool,
    se: bool,
    quadpts: int,
    theta_lim: tuple[float, float],
    instrument: Instrument | None,
    columns: Mapping[Any, str] | str | None,
    index: pd.Index,
    codes: np.ndarray,
    loglik: float,
    n_par: int,
    n_obs: int,
    cov: FloatArray | None,
) -> IRTResult:
    ncat = coded.ncat
    kmax = int(ncat.max()) - 1
    v = eng.item_values[group]
    a = np.empty(ncat.size)
    d = np.full((ncat.size, kmax), np.nan)
    se_a = np.full(ncat.size, np.nan)
    se_d = np.full((ncat.size, kmax), np.nan)
    item_cov = None
    if cov is not None:
        idx = eng.layout.item_map[group]
        item_cov = np.full((idx.size, idx.size), np.nan)
        ok = idx >= 0
        item_cov[np.ix_(ok, ok)] = cov[np.ix_(idx[ok], idx[ok])]
        item_cov[~ok, :] = 0.0
        item_cov[:, ~ok] = 0.0
    o = 0
    for j, k in enumerate(ncat):
        a[j] = v[o]
        d[j, : k - 1] = v[o + 1 : o + k]
        if item_cov is not None:
            s = np.sqrt(np.maximum(np.diag(item_cov)[o : o + k], 0.0))
            se_a[j] = s[0]
            se_d[j, : k - 1] = s[1:]
        o += k
    grid = np.linspace(theta_lim[0], theta_lim[1], 1000)
    info = np.zeros_like(grid)
    for j, k in enumerate(ncat):
        info += grm_info(a[j], d[j, : k - 1], grid)
    mu, logsd = eng.group_values[group]
    den = np.exp(-0.5 * ((grid - mu) / np.exp(logsd)) ** 2)
    den /= den.sum()
    rxx = float(np.sum(info / (info + 1.0) * den))
    return IRTResult(
        items=tuple(coded.items),
        categories=tuple(coded.categories),
        a=a,
        d=d,
        se_a=se_a,
        se_d=se_d,
        cov=item_cov,
        loglik=loglik,
        aic=-2 * loglik + 2 * n_par,
        bic=-2 * loglik + np.log(n_obs) * n_par,
        n_par=n_par,
        n_obs=n_obs,
        converged=converged,
        n_iter=n_iter,
        marginal_reliability=rxx,
        quadpts=quadpts,
        theta_lim=theta_lim,
        instrument=instrument,
        columns=columns,
        codes=codes,
        index=index,
    )


def _covariance(eng: Engine) -> FloatArray | None:
    info = eng.observed_information()
    try:
        return np.linalg.inv(info)
    except np.linalg.LinAlgError:
        return None


def irt(
    data: pd.DataFrame,
    instrument: Instrument | str | None = None,
    *,
    items: Sequence[str] | None = None,
    columns: str | Mapping[Any, str] | None = None,
    model: Literal["grm"] = "grm",
    quadpts: int = 61,
    theta_lim: tuple[float, float] = (-6.0, 6.0),
    tol: float = 1e-4,
    max_iter: int = 500,
    se: bool = True,
) -> IRTResult:
    """Fit Samejima's graded response model by marginal maximum likelihood.

    The latent trait is N(0, 1) on ``quadpts`` equally spaced points over ``theta_lim`` (mirt's
    defaults for one factor). EM with a Fisher-scoring M-step per item runs until no parameter
    moves more than ``tol``; an L-BFGS polish on the exact marginal log-likelihood then takes the
    estimates to the maximum (mirt stops at its EM tolerance, so its estimates can differ from
    the maximum in the third decimal). Missing answers are skipped in the likelihood;
    respondents who answered nothing are dropped.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent.
    instrument : Instrument or str, optional
        Take the items (and reverse keying) from this instrument, with the columns found as
        :func:`stigma_analysis.score` finds them (or ``columns``).
    items : sequence of str, optional
        Item columns (without an instrument), or a subset of the instrument's item ids.
    columns : str or mapping, optional
        With an instrument: a column template (``"ismi_{item}"``) or ``{item: column}``.
    model : {"grm"}
        Samejima's graded response model (two categories: the 2PL).
    quadpts, theta_lim : int, (float, float)
        The quadrature grid.
    tol, max_iter : float, int
        EM stopping rule (largest parameter change) and cycle limit.
    se : bool
        Compute standard errors from the observed information matrix (the central-difference
        Jacobian of the analytic gradient of the marginal log-likelihood; the same matrix as
        mirt's ``SE.type = "Louis"``).

    Returns
    -------
    IRTResult

    Warns
    -----
    IRTNonConvergenceWarning
        When neither EM nor the polish converged.
    SparseCategoryWarning
        When an instrument category was never chosen for an item.

    Matches R mirt ``mirt(Science, 1)`` (graded) on mirt's Science data: slopes and intercepts
    to 1e-3 (relative, R's ``all.equal``), log-likelihood to 1e-3, SEs to 1e-2.
    """
    if model != "grm":
        raise ValueError(f"model must be 'grm', got {model!r}")
    frame, ins = item_frame(data, instrument, items=items, columns=columns)
    coded = code_items(frame, ins)
    answered = np.any(coded.codes >= 0, axis=1)
    codes_fit = coded.codes[answered]
    pats, freq, _ = collapse(codes_fit)
    theta = quadrature(quadpts, theta_lim)
    nk = int(coded.ncat.sum())
    layout = Layout(item_map=np.arange(nk)[None, :], group_map=np.full((1, 2), -1), n_free=nk)
    eng = Engine(
        [GroupData(pats, freq)],
        coded.ncat,
        theta,
        layout,
        item_values=start_values(codes_fit, coded.ncat)[None, :],
        group_values=np.zeros((1, 2)),
    )
    with single_thread():
        n_iter, converged = eng.fit(tol=tol, max_iter=max_iter)
        loglik = eng.loglik()
        cov = _covariance(eng) if se else None
    if not converged:
        warnings.warn(
            f"the GRM did not converge in {max_iter} EM cycles; estimates are provisional",
            IRTNonConvergenceWarning,
            stacklevel=2,
        )
    return _result_from_engine(
        eng,
        coded,
        group=0,
        n_iter=n_iter,
        converged=converged,
        se=se,
        quadpts=quadpts,
        theta_lim=(float(theta_lim[0]), float(theta_lim[1])),
        instrument=ins,
        columns=columns,
        index=frame.index,
        codes=coded.codes,
        loglik=loglik,
        n_par=nk,
        n_obs=int(answered.sum()),
        cov=cov,
    )
