"""Confirmatory factor analysis by normal-theory maximum likelihood, with lavaan's conventions."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from ._dwls import dwls_parameters, fit_dwls, ordinal_codes
from ._engine import (
    ALPHA,
    GROUP_EQUAL,
    LAMBDA,
    NU,
    PSI,
    THETA,
    Engine,
    FloatArray,
    Table,
    build_table,
)
from ._fiml import Pattern, baseline_logl, em_h1, pattern_logl, patterns_of
from ._fit import KEEP_ON_FAILURE, fit_measures, robust_measures
from ._modindices import modification_indices, residual_correlations
from ._robust import mlr_statistics
from ._syntax import ModelTerm, parse_model
from ._threads import _single_thread
from ._warnings import ImproperSolutionWarning, NonConvergenceWarning, SmallSampleWarning

if TYPE_CHECKING:
    from stigma_analysis.instruments.model import Instrument

__all__ = ["FIT_KEYS", "CFAResult", "cfa", "default_model"]

FIT_KEYS = (
    "chisq",
    "df",
    "pvalue",
    "cfi",
    "tli",
    "rmsea",
    "rmsea_ci_low",
    "rmsea_ci_high",
    "srmr",
    "aic",
    "bic",
)
LOADING_COLUMNS = ["group", "factor", "item", "estimate", "se", "z", "p_value", "std_estimate"]
PARAMETER_COLUMNS = [
    "group",
    "lhs",
    "op",
    "rhs",
    "label",
    "free",
    "estimate",
    "se",
    "z",
    "p_value",
    "std_estimate",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class CFAResult:
    """A fitted confirmatory factor model.

    Attributes
    ----------
    model : str
        The model syntax that was fitted.
    estimator : str
        ``"ML"``, ``"MLR"`` or ``"DWLS"``.
    group : str or None
        The grouping column (None for a single-group fit).
    groups : tuple of str
        Group labels in the order fitted (order of first appearance in the data); ``("all",)``
        without a grouping column.
    n_obs : tuple of int
        Complete cases used per group (listwise deletion on the model's items).
    n_dropped : int
        Rows dropped because an item or the group was missing.
    group_equal : tuple of str
        Parameter kinds constrained equal across groups.
    fit : dict of str to float
        ``chisq, df, pvalue, cfi, tli, rmsea, rmsea_ci_low, rmsea_ci_high, srmr, aic, bic`` plus
        ``logl, npar, ntotal, baseline_chisq, baseline_df``. All NaN (except df, npar, ntotal) when
        the optimiser did not converge.
    loadings : pandas.DataFrame
        One row per loading and group: ``group, factor, item, estimate, se, z, p_value,
        std_estimate`` (std_estimate is lavaan's std.all; se is NaN for fixed loadings).
    parameters : pandas.DataFrame
        Every parameter: ``group, lhs, op, rhs, label, free, estimate, se, z, p_value,
        std_estimate`` (lavaan's parameterEstimates notation: ``=~`` loadings, ``~~`` variances
        and covariances, ``~1`` intercepts and latent means).
    converged : bool
        Whether Fisher scoring reached a stationary point.
    iterations : int
        Fisher-scoring iterations used.
    message : str
        The optimiser's message.
    improper : bool
        Heywood case, non-positive-definite latent covariance matrix, or |std loading| > 1.
    small_sample : bool
        Some group has fewer than ``max(100, 5 * free parameters per group)`` cases.
    problems : tuple of str
        Human-readable descriptions of every problem found (also issued as warnings).
    """

    model: str
    estimator: str
    group: str | None
    groups: tuple[str, ...]
    n_obs: tuple[int, ...]
    n_dropped: int
    group_equal: tuple[str, ...]
    fit: dict[str, float]
    loadings: pd.DataFrame
    parameters: pd.DataFrame
    converged: bool
    iterations: int
    message: str
    improper: bool
    small_sample: bool
    problems: tuple[str, ...]
    # the fitted engine and estimates, for residuals and modification indices
    _engine: Engine | None = field(default=None, repr=False, compare=False)
    _theta: FloatArray | None = field(default=None, repr=False, compare=False)
    _missing: str = field(default="listwise", repr=False, compare=False)

    def to_frame(self) -> pd.DataFrame:
        """The fit indices as a one-row DataFrame (columns ``FIT_KEYS`` then ``converged``)."""
        row: dict[str, Any] = {k: self.fit[k] for k in FIT_KEYS}
        row["converged"] = self.converged
        row["improper"] = self.improper
        return pd.DataFrame([row])

    def _fitted(self) -> tuple[Engine, FloatArray]:
        if self._engine is None or self._theta is None:
            raise ValueError("this CFAResult carries no fitted model (it was built by hand)")
        return self._engine, self._theta

    def residual_correlations(self, group: str | None = None) -> pd.DataFrame:
        """Observed minus model-implied correlations, as ``lavaan::resid(fit, type = "cor")``.

        Parameters
        ----------
        group : str, optional
            The group (default: the first).

        Returns
        -------
        pandas.DataFrame
            Items by items. "Observed" is the sample correlation matrix (ML), the EM estimate
            (FIML) or the polychoric matrix (DWLS).

        Matches R lavaan 0.6-14 ``resid(fit, type = "cor")$cov`` on HolzingerSwineford1939
        to 1e-6.
        """
        eng, theta = self._fitted()
        g = self._group_index(group)
        R = residual_correlations(eng, theta, g)
        items = pd.Index(eng.table.observed, name="item")
        return pd.DataFrame(R, index=items, columns=list(eng.table.observed))

    def modification_indices(self, minimum: float = 0.0) -> pd.DataFrame:
        """Modification indices (score tests) for each fixed or absent parameter.

        Candidates, per group: cross-loadings, fixed latent (co)variances and residual
        covariances; parameters whose release would leave the model unidentified (markers,
        unit variances under ``std_lv``) have no index, as in lavaan. Equality constraints of
        the fitted model stay in place (lavaan's ``==`` rows, the score tests for releasing
        them, are not reported).

        Parameters
        ----------
        minimum : float
            Report only indices at least this large (lavaan ``minimum.value``).

        Returns
        -------
        pandas.DataFrame
            ``group, lhs, op, rhs, mi, epc, sepc_lv, sepc_all``, sorted by decreasing ``mi``
            (lavaan's ``mi, epc, sepc.lv, sepc.all``; a residual covariance's sepc_all is
            scaled by the residual SDs).

        Raises
        ------
        ValueError
            For DWLS or FIML fits (not implemented).

        Matches R lavaan 0.6-14 ``modindices(fit)`` on HolzingerSwineford1939 (single group,
        configural and metric by school) to 1e-4 relative (1e-3 with two groups, where lavaan's
        own optimisers disagree by 3e-4).
        """
        if self.estimator != "ML" or self._missing != "listwise":
            raise ValueError(
                "modification indices are implemented for estimator='ML' with "
                "missing='listwise' only"
            )
        eng, theta = self._fitted()
        mi = modification_indices(eng, theta, list(self.groups))
        mi = mi[mi["mi"] >= minimum]
        return mi.sort_values("mi", ascending=False, kind="stable").reset_index(drop=True)

    def _group_index(self, group: str | None) -> int:
        if group is None:
            return 0
        if group not in self.groups:
            raise ValueError(f"group must be one of {list(self.groups)}, got {group!r}")
        return self.groups.index(group)


def default_model(instrument: Instrument, columns: str | Mapping[Any, str]) -> str:
    """lavaan syntax with one factor per subscale of ``instrument``.

    Parameters
    ----------
    instrument : Instrument
        A loaded instrument; its ``subscales()`` (scales defined by an item list) become factors.
        An instrument without subscales gives one factor (named after its first scale, or its id)
        over all items.
    columns : str or mapping
        Item id → data column, as ``Instrument.columns`` takes it (``"ismi_{item}"`` or a dict).

    Returns
    -------
    str
        Model syntax such as ``"alienation =~ ismi_1 + ismi_5\\nstereotype =~ ..."``.
    """
    cols = instrument.columns(columns)
    subs = instrument.subscales()
    if subs:
        blocks = [(s, instrument.scale_items(s)) for s in subs]
    else:
        name = instrument.scale_names[0] if instrument.scale_names else instrument.id
        blocks = [(name, tuple(instrument.items))]
    lines = []
    for name, items in blocks:
        factor = _safe_name(name)
        lines.append(f"{factor} =~ " + " + ".join(cols[str(i)] for i in items))
    return "\n".join(lines)


def _safe_name(name: str) -> str:
    out = "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in str(name))
    return out if out and not out[0].isdigit() else f"f_{out}"


def _variables(terms: list[ModelTerm]) -> tuple[list[str], list[str]]:
    factors: list[str] = []
    observed: list[str] = []
    for t in terms:
        if t.op == "=~" and t.lhs not in factors:
            factors.append(t.lhs)
    for t in terms:
        if t.op == "=~":
            if t.rhs in factors:
                raise ValueError(
                    f"higher-order factors are not supported ({t.lhs} =~ {t.rhs}); "
                    "this is a first-order CFA"
                )
            if t.rhs not in observed:
                observed.append(t.rhs)
    for t in terms:
        if t.op == "~~":
            for v in (t.lhs, t.rhs):
                if v not in factors and v not in observed:
                    raise ValueError(
                        f"{v!r} in '{t.lhs} ~~ {t.rhs}' is neither a factor nor an indicator of one"
                    )
            if (t.lhs in factors) != (t.rhs in factors):
                raise ValueError(f"'{t.lhs} ~~ {t.rhs}' mixes a factor and an observed variable")
    return observed, factors


def _normalise_group_equal(group_equal: Iterable[str]) -> tuple[str, ...]:
    out = []
    for ge in group_equal:
        key = str(ge).replace(".", "_")
        if key not in GROUP_EQUAL:
            raise ValueError(f"group_equal must be among {GROUP_EQUAL}, got {ge!r}")
        out.append(key)
    return tuple(dict.fromkeys(out))


def _partial_keys(
    partial: Iterable[str], observed: list[str], factors: list[str]
) -> frozenset[tuple[int, int, int]]:
    """lavaan ``group.partial`` strings ("f =~ x", "x ~1", "x ~~ x") → parameter-table keys."""
    oi = {v: i for i, v in enumerate(observed)}
    fi = {v: i for i, v in enumerate(factors)}
    keys = set()
    for raw in partial:
        text = str(raw).replace(" ", "")
        key: tuple[int, int, int] | None = None
        if "=~" in text:
            f, x = text.split("=~", 1)
            if f in fi and x in oi:
                key = (LAMBDA, oi[x], fi[f])
        elif "~~" in text:
            a, b = text.split("~~", 1)
            if a in oi and b in oi:
                key = (THETA, max(oi[a], oi[b]), min(oi[a], oi[b]))
            elif a in fi and b in fi:
                key = (PSI, max(fi[a], fi[b]), min(fi[a], fi[b]))
        elif text.endswith("~1") and text[:-2] in oi:
            key = (NU, oi[text[:-2]], 0)
        if key is None:
            raise ValueError(
                f"group_partial entry {raw!r} names no loading ('f =~ x'), intercept ('x ~1') "
                "or (residual) variance / covariance ('x ~~ x') of this model"
            )
        keys.add(key)
    return frozenset(keys)


def _prepare(
    data: pd.DataFrame, observed: list[str], group: str | None, *, listwise: bool = True
) -> tuple[list[str], list[np.ndarray], int]:
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    needed = [*observed, *([group] if group is not None else [])]
    missing = [c for c in needed if c not in data.columns]
    if missing:
        raise ValueError(f"data has no column(s) {missing} named in the model or group")
    sub = data[needed]
    if listwise:
        complete = sub.notna().all(axis=1)
    else:  # FIML: keep every row with a group and at least one answered item
        complete = sub[observed].notna().any(axis=1)
        if group is not None:
            complete &= sub[group].notna()
    dropped = int((~complete).sum())
    sub = sub.loc[complete]
    try:
        X = sub[observed].to_numpy(dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"the model's items must be numeric: {exc}") from None
    if group is None:
        return ["all"], [X], dropped
    g = sub[group]
    if isinstance(g.dtype, pd.CategoricalDtype):
        levels = [lv for lv in g.cat.categories if (g == lv).any()]
    else:
        levels = list(pd.unique(g))
    gv = g.to_numpy()
    return [str(lv) for lv in levels], [X[gv == lv] for lv in levels], dropped


def _std_values(eng: Engine, theta: FloatArray) -> FloatArray:
    """lavaan's std.all for every table row.

    Loadings are scaled by the latent and total observed SDs, (residual) variances by the total
    variance, factor covariances by the latent SDs, and residual covariances between indicators
    by the residual SDs: theta_ij / sqrt(theta_ii theta_jj), as lavaan and Mplus STDYX.
    """
    vals = eng.values(theta)
    arr = eng.arr
    out = np.full(len(vals), np.nan)
    for g in range(eng.table.n_groups):
        L, P, T, _, _ = eng.matrices(theta, g)
        sigma = L @ P @ L.T + T
        sd_o = np.sqrt(np.clip(np.diag(sigma), 0, None))
        sd_l = np.sqrt(np.clip(np.diag(P), 0, None))
        sel = np.flatnonzero(arr["group"] == g)
        for i in sel:
            m, r, c, v = int(arr["mat"][i]), int(arr["row"][i]), int(arr["col"][i]), vals[i]
            with np.errstate(divide="ignore", invalid="ignore"):
                if m == LAMBDA:
                    out[i] = v * sd_l[c] / sd_o[r]
                elif m == PSI:
                    out[i] = v / (sd_l[r] * sd_l[c])
                elif m == THETA and r == c:
                    out[i] = v / sigma[r, r]
                elif m == THETA:  # residual covariance: scaled by the residual SDs (STDYX)
                    out[i] = v / math.sqrt(T[r, r] * T[c, c]) if T[r, r] * T[c, c] > 0 else np.nan
                elif m == NU:
                    out[i] = v / sd_o[r]
                elif m == ALPHA:
                    out[i] = v / sd_l[r]
    return out


def cfa(
    data: pd.DataFrame,
    model: str,
    *,
    group: str | None = None,
    estimator: Literal["ML", "MLR", "DWLS"] = "ML",
    group_equal: Iterable[str] = (),
    group_partial: Iterable[str] = (),
    missing: Literal["listwise", "fiml"] = "listwise",
    std_lv: bool = False,
    meanstructure: bool | None = None,
    orthogonal: bool = False,
    max_iter: int = 1000,
    warn: bool = True,
    _table_hook: Callable[[Table], Table] | None = None,
) -> CFAResult:
    """Fit a confirmatory factor model by maximum likelihood, as ``lavaan::cfa``.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent; the model's items as numeric columns. Rows with a missing item
        (or group) are dropped (lavaan's ``missing = "listwise"``).
    model : str
        lavaan-style syntax: ``f =~ x1 + x2 + x3``, ``x1 ~~ x2``, modifiers ``1*x1``, ``NA*x1``
        and equality labels ``a*x1``.
    group : str, optional
        Column defining groups for a multi-group fit (with a mean structure).
    estimator : {"ML", "MLR", "DWLS"}
        ``"ML"``: normal-theory maximum likelihood (continuous items). ``"MLR"``: the same
        estimates with lavaan's ``estimator = "MLR"`` corrections for non-normal items:
        Huber-White (sandwich) standard errors and, added to ``fit``, the Yuan-Bentler (Mplus)
        scaled chi-square (``chisq_scaled, pvalue_scaled, scaling_factor``,
        ``baseline_chisq_scaled, baseline_scaling_factor``), ``cfi_scaled, tli_scaled,
        rmsea_scaled`` and the robust ``cfi_robust, tli_robust, rmsea_robust,
        rmsea_ci_low_robust, rmsea_ci_high_robust`` (Brosseau-Liard & Savalei); listwise only.
        Matches R lavaan 0.6-14 ``cfa(estimator = "MLR")`` on HolzingerSwineford1939 to 1e-5.
        ``"DWLS"``: ordinal items
        (each column's sorted distinct values are its ordered categories), diagonally weighted
        least squares on polychoric correlations with the delta parameterisation, as
        ``lavaan::cfa(ordered = items, estimator = "DWLS")``: same point estimates and
        (unscaled) chi-square; standard errors are the robust sandwich ones lavaan reports for
        ``estimator = "WLSMV"``; AIC and BIC are NaN. Single group only.
    group_equal : iterable of str
        Parameters constrained equal across groups, as lavaan's ``group.equal``: ``"loadings"``,
        ``"intercepts"`` (latent means are then freed in all but the first group),
        ``"residuals"``, ``"residual_covariances"``, ``"lv_variances"``, ``"lv_covariances"``.
    group_partial : iterable of str
        Parameters exempted from ``group_equal`` (partial invariance), as lavaan's
        ``group.partial``: ``"visual =~ x2"``, ``"x3 ~1"``, ``"x1 ~~ x1"``.
    missing : {"listwise", "fiml"}
        ``"listwise"`` drops rows with any missing item (lavaan's default). ``"fiml"``:
        full-information ML over all rows with at least one item answered, as lavaan's
        ``missing = "ml"`` (mean structure; H1 model by EM; standard errors from the observed
        information). ML only.
    std_lv : bool
        Identify factors by unit variance instead of a unit first loading (lavaan ``std.lv``);
        with equal loadings the latent variances of later groups are free, as in lavaan. Each
        such factor is signed so that its first indicator (in syntax order) loads positively,
        per group, as lavaan reports it (matches lavaan 0.6-14 to 1e-4 relative).
    meanstructure : bool, optional
        Default: True with ``group``, False otherwise (as lavaan).
    orthogonal : bool
        Fix the factor covariances at zero.
    max_iter : int
        Maximum Fisher-scoring iterations.
    warn : bool
        Issue :class:`SmallSampleWarning`, :class:`NonConvergenceWarning` and
        :class:`ImproperSolutionWarning` (the result records them in ``problems`` either way).

    Returns
    -------
    CFAResult
        ``fit`` (dict), ``loadings`` and ``parameters`` (tidy DataFrames), convergence and
        problem flags. See :class:`CFAResult`.

    Notes
    -----
    The discrepancy is lavaan's ``likelihood = "normal"``: with S_g the covariance matrix with
    divisor n_g, ``F = sum_g n_g/N [log|Sigma_g| + tr(S_g Sigma_g^-1) - log|S_g| - p +
    (m_g - mu_g)' Sigma_g^-1 (m_g - mu_g)]`` and chi-square ``N F_min``. Standard errors from the
    expected information. CFI and TLI use the independence baseline (free variances and means
    per group); RMSEA = sqrt(max(chisq/(N df) - 1/N, 0)) sqrt(G), its 90% interval from the
    non-central chi-square as ``lav_fit_rmsea_ci``; SRMR is Bentler's (residuals standardised by
    the observed SDs; with a mean structure the mean residuals are included), averaged over
    groups with weights n_g/N; AIC = -2 logL + 2 npar, BIC = -2 logL + npar log N.

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. *Journal of
    Statistical Software*, 48(2), 1-36.

    For DWLS the statistic is (N - 1) sum_ij w_ij (r_ij - sigma_ij)^2 over the polychoric
    correlations r with w = 1 / diag(NACOV) (lavaan's ``muthen1984``); RMSEA, SEs use N - 1 and
    SRMR averages over p(p-1)/2 + p elements, all as lavaan does for ordinal data.

    ``std_estimate`` is lavaan's std.all (``standardizedSolution``); a residual covariance
    between two indicators is standardised by their residual SDs, theta_ij / sqrt(theta_ii
    theta_jj) (Mplus STDYX), not by their total SDs.

    Checked against: lavaan::cfa 0.6-14 on HolzingerSwineford1939 (single group and by school,
    configural / metric / scalar / strict; fit indices to 1e-5, estimates to 1e-4 relative) and
    on 15 bfi items with ordered = items, estimator = "DWLS" (fit to 1e-6, estimates to 1e-5).
    """
    if estimator not in ("ML", "MLR", "DWLS"):
        raise ValueError(f"estimator must be 'ML', 'MLR' or 'DWLS', got {estimator!r}")
    if estimator == "DWLS" and group is not None:
        raise ValueError(
            "estimator='DWLS' (ordinal items) supports single-group models only; multi-group "
            "ordinal invariance (threshold constraints) is not implemented: use group=None"
        )
    if missing not in ("listwise", "fiml"):
        raise ValueError(f"missing must be 'listwise' or 'fiml', got {missing!r}")
    if missing == "fiml" and estimator != "ML":
        raise ValueError("missing='fiml' needs estimator='ML'")
    robust = estimator == "MLR"
    ge = _normalise_group_equal(group_equal)
    terms = parse_model(model)
    observed, factors = _variables(terms)
    labels, Xs, dropped = _prepare(data, observed, group, listwise=missing == "listwise")
    G = len(labels)
    if group is None and ge:
        raise ValueError("group_equal needs a group column (group=...)")
    ms = (group is not None) if meanstructure is None else bool(meanstructure)
    if missing == "fiml":
        ms = True
    ordinal = estimator == "DWLS"
    if ordinal:
        ms = False
    table = build_table(
        terms,
        observed,
        factors,
        n_groups=G,
        std_lv=std_lv,
        meanstructure=ms,
        group_equal=ge,
        orthogonal=orthogonal,
        free_residual_variances=not ordinal,
        group_partial=_partial_keys(group_partial, observed, factors),
    )
    if _table_hook is not None:  # private: constraints the syntax cannot express (waves)
        table = _table_hook(table)
    p = len(observed)
    ns = np.array([x.shape[0] for x in Xs], dtype=np.float64)
    problems: list[str] = []
    npar = table.n_free
    if ordinal:
        codes, ncat = ordinal_codes(Xs[0], observed)
        n_th = int((ncat - 1).sum())
        npar += n_th
    per_group = math.ceil(npar / G)
    need = max(100, 5 * per_group)
    small = [f"{lab} (n = {int(n)})" for lab, n in zip(labels, ns, strict=True) if n < need]
    if small:
        problems.append(
            f"small sample: group(s) {', '.join(small)} have fewer than {need} complete cases "
            f"(rule of thumb: at least 100 and 5 per free parameter; {per_group} free parameters "
            "per group); estimates, standard errors and fit indices are unstable"
        )
    moments = p * (p + 1) / 2 + (p if ms else 0)
    if ordinal:
        moments = p * (p - 1) / 2 + n_th
    df = int(G * moments - npar)
    if df < 0:
        raise ValueError(
            f"the model is not identified: {npar} free parameters for {int(G * moments)} moments"
        )
    if (ns <= p).any():
        bad = [lab for lab, n in zip(labels, ns, strict=True) if n <= p]
        raise ValueError(
            f"group(s) {bad} have no more complete cases than items ({p}): "
            "the covariance matrix is singular"
        )
    if ordinal:
        with _single_thread():
            eng, theta, converged, iterations, message, fit, se, pc = fit_dwls(
                table, codes, ncat, max_iter=max_iter
            )
        theta = eng.orient(theta)
        if not converged:
            problems.append(
                f"the optimiser did not converge ({message}); fit indices are not reported"
            )
            fit = {k: (v if k in KEEP_ON_FAILURE else np.nan) for k, v in fit.items()}
            se = np.full_like(se, np.nan)
        params = dwls_parameters(eng, theta, se, pc, observed)
        return _result(
            model=model, estimator=estimator, group=group, labels=labels, ns=ns,
            dropped=dropped, ge=ge, fit=fit, params=params, eng=eng, theta=theta,
            converged=converged, iterations=iterations, message=message, problems=problems,
            small=bool(small), warn=warn,
        )  # fmt: skip
    pats: list[list[Pattern]] | None = None
    if missing == "fiml":
        pats = [patterns_of(x) for x in Xs]
        h1 = [em_h1(pt, p) for pt in pats]
        if not all(ok for _, _, ok in h1):
            problems.append("the EM algorithm for the unrestricted (H1) model did not converge")
        S = [sig for _, sig, _ in h1]
        M = [mu for mu, _, _ in h1]
    else:
        S = [np.cov(x, rowvar=False, bias=True) for x in Xs]
        M = [x.mean(axis=0) for x in Xs]
    _check_moments(S, labels, observed)
    eng = Engine(table=table, S=S, M=M, n=ns, patterns=pats)
    with _single_thread():
        theta, converged, iterations, message = eng.fit(eng.start(), max_iter=max_iter)
    theta = eng.orient(theta)
    if not converged:
        problems.append(f"the optimiser did not converge ({message}); fit indices are not reported")

    N = float(ns.sum())
    fit = _ml_fit(eng, theta, S=S, M=M, ns=ns, pats=pats, ms=ms, moments=moments, df=df, npar=npar)
    if not converged:
        fit = {k: (v if k in KEEP_ON_FAILURE else np.nan) for k, v in fit.items()}

    se = _ml_standard_errors(
        eng, theta, npar=npar, N=N, fiml=pats is not None, converged=converged, problems=problems
    )
    if robust:
        fit, se = _robust(eng, theta, Xs, fit, se, converged=converged, N=N, G=G)

    params = _parameter_table(eng, theta, se, labels)
    return _result(
        model=model, estimator=estimator, group=group, labels=labels, ns=ns, dropped=dropped,
        ge=ge, fit=fit, params=params, eng=eng, theta=theta, converged=converged,
        iterations=iterations, message=message, problems=problems, small=bool(small), warn=warn,
        missing=missing,
    )  # fmt: skip


def _check_moments(S: list[FloatArray], labels: list[Any], observed: list[str]) -> None:
    """Every item varies and the item covariance matrix of every group is non-singular."""
    for lab, cov in zip(labels, S, strict=True):
        const = [observed[i] for i in np.flatnonzero(np.diag(cov) <= 0)]
        if const:
            raise ValueError(f"item(s) {const} do not vary in group {lab}: drop them or the group")
        if np.linalg.eigvalsh(cov / np.sqrt(np.outer(np.diag(cov), np.diag(cov)))).min() <= 1e-12:
            raise ValueError(
                f"the covariance matrix of the items in group {lab} is singular (an item is a "
                "linear combination of others, or there are too few cases)"
            )


def _ml_fit(
    eng: Engine,
    theta: FloatArray,
    *,
    S: list[FloatArray],
    M: list[FloatArray],
    ns: FloatArray,
    pats: list[list[Pattern]] | None,
    ms: bool,
    moments: float,
    df: int,
    npar: int,
) -> dict[str, float]:
    """ML fit measures: log-likelihoods of the model and H1, the baseline model, SRMR."""
    p = S[0].shape[0]
    G = len(S)
    N = float(ns.sum())
    logl = 0.0
    logl_h1 = 0.0
    srmr_g = np.zeros(G)
    base = 0.0
    for g in range(G):
        sigma, mu = eng.implied(theta, g)
        sign, logdet = np.linalg.slogdet(sigma)
        W = np.linalg.inv(sigma) if sign > 0 else np.full_like(sigma, np.nan)
        d = M[g] - mu
        if pats is None:
            c = p * math.log(2 * math.pi)
            logl += -ns[g] / 2 * (c + logdet + np.sum(S[g] * W) + d @ W @ d)
            logl_h1 += -ns[g] / 2 * (c + eng.logdet_s[g] + p)
            base += ns[g] * (float(np.sum(np.log(np.diag(S[g])))) - eng.logdet_s[g])
        else:  # FIML: pattern-wise likelihoods; H1 by EM; baseline from available cases
            lh1 = pattern_logl(pats[g], M[g], S[g])
            logl += pattern_logl(pats[g], mu, sigma)
            logl_h1 += lh1
            base += 2.0 * (lh1 - baseline_logl(pats[g], p))
        # SRMR (Bentler): residuals standardised by the (H1) sample SDs
        sd = np.sqrt(np.diag(S[g]))
        R = (S[g] - sigma) / np.outer(sd, sd)
        ssq = float(np.sum(R[np.tril_indices(p)] ** 2))
        if ms:
            ssq += float(np.sum((d / sd) ** 2))
        srmr_g[g] = math.sqrt(ssq / moments)
    chisq = 2.0 * (logl_h1 - logl)
    df_b = G * p * (p - 1) / 2
    return fit_measures(
        chisq=chisq,
        df=df,
        base=base,
        df_b=df_b,
        logl=logl,
        npar=npar,
        N=N,
        G=G,
        srmr=float(ns @ srmr_g) / N,
    )


def _ml_standard_errors(
    eng: Engine,
    theta: FloatArray,
    *,
    npar: int,
    N: float,
    fiml: bool,
    converged: bool,
    problems: list[str],
) -> FloatArray:
    """Standard errors: expected information (complete data) or observed (FIML, as lavaan)."""
    se = np.full(npar, np.nan)
    if converged:
        with _single_thread():
            if not fiml:
                _, info = eng.gradient_information(theta)
            else:
                info = eng._hessian(theta) / 2.0
        try:
            vcov = np.linalg.inv(info * N)
            se = np.sqrt(np.clip(np.diag(vcov), 0, None))
        except np.linalg.LinAlgError:
            problems.append("the information matrix is singular: standard errors are not available")
    return se


def _robust(
    eng: Engine,
    theta: FloatArray,
    Xs: list[np.ndarray],
    fit: dict[str, float],
    se: FloatArray,
    *,
    converged: bool,
    N: float,
    G: int,
) -> tuple[dict[str, float], FloatArray]:
    """MLR: add the scaled / robust fit measures; replace the SEs by the sandwich ones."""
    keys = ("chisq_scaled", "pvalue_scaled", "scaling_factor", "baseline_chisq_scaled",
            "baseline_scaling_factor", "cfi_scaled", "tli_scaled", "cfi_robust", "tli_robust",
            "rmsea_scaled", "rmsea_robust", "rmsea_ci_low_robust", "rmsea_ci_high_robust")  # fmt: skip
    if not converged:
        return {**fit, **dict.fromkeys(keys, np.nan)}, np.full_like(se, np.nan)
    with _single_thread():
        factors, vcov = mlr_statistics(eng, theta, Xs, chisq=fit["chisq"], df=int(fit["df"]))
    extra = robust_measures(
        fit, c=factors["scaling_factor"], c_b=factors["baseline_scaling_factor"], N=N, G=G
    )
    return {**fit, **extra}, np.sqrt(np.clip(np.diag(vcov), 0, None))


def _result(
    *,
    model: str,
    estimator: str,
    group: str | None,
    labels: list[str],
    ns: FloatArray,
    dropped: int,
    ge: tuple[str, ...],
    fit: dict[str, float],
    params: pd.DataFrame,
    eng: Engine,
    theta: FloatArray,
    converged: bool,
    iterations: int,
    message: str,
    problems: list[str],
    small: bool,
    warn: bool,
    missing: str = "listwise",
) -> CFAResult:
    improper = _improper(eng, theta, params, labels, problems)
    loadings = (
        params.loc[
            params["op"] == "=~",
            ["group", "lhs", "rhs", "estimate", "se", "z", "p_value", "std_estimate"],
        ]
        .rename(columns={"lhs": "factor", "rhs": "item"})
        .reset_index(drop=True)[LOADING_COLUMNS]
    )
    if warn:
        for msg in problems:
            if msg.startswith("small sample"):
                cat: type[Warning] = SmallSampleWarning
            elif msg.startswith("the optimiser"):
                cat = NonConvergenceWarning
            else:
                cat = ImproperSolutionWarning
            warnings.warn(msg, cat, stacklevel=3)
    return CFAResult(
        model=model,
        estimator=estimator,
        group=group,
        groups=tuple(labels),
        n_obs=tuple(int(n) for n in ns),
        n_dropped=dropped,
        group_equal=ge,
        fit=fit,
        loadings=loadings,
        parameters=params,
        converged=converged,
        iterations=iterations,
        message=message,
        improper=improper,
        small_sample=small,
        problems=tuple(problems),
        _engine=eng,
        _theta=theta,
        _missing=missing,
    )


def _parameter_table(
    eng: Engine, theta: FloatArray, se: FloatArray, labels: list[str]
) -> pd.DataFrame:
    from scipy import stats

    tb = eng.table
    vals = eng.values(theta)
    std = _std_values(eng, theta)
    free = eng.arr["free"].astype(np.int64)
    se_e = np.where(free >= 0, se[np.maximum(free, 0)], np.nan)
    names = [tb.names(i) for i in range(len(vals))]
    with np.errstate(divide="ignore", invalid="ignore"):
        z = vals / se_e
    df = pd.DataFrame(
        {
            "group": [labels[g] for g in eng.arr["group"]],
            "lhs": [n[0] for n in names],
            "op": [n[1] for n in names],
            "rhs": [n[2] for n in names],
            "label": tb.label,
            "free": free >= 0,
            "estimate": vals,
            "se": se_e,
            "z": z,
            "p_value": 2 * stats.norm.sf(np.abs(z)),
            "std_estimate": std,
        }
    )
    return df[PARAMETER_COLUMNS]


def _improper(
    eng: Engine, theta: FloatArray, params: pd.DataFrame, labels: list[str], problems: list[str]
) -> bool:
    improper = False
    for g, lab in enumerate(labels):
        _, P, _, _, _ = eng.matrices(theta, g)
        where = f" in group {lab}" if len(labels) > 1 else ""
        resvar = params[
            (params["group"] == lab)
            & (params["op"] == "~~")
            & (params["lhs"] == params["rhs"])
            & params["lhs"].isin(eng.table.observed)
        ]
        neg = resvar.loc[resvar["estimate"] < 0, "lhs"].tolist()
        if neg:
            improper = True
            problems.append(
                f"improper solution{where}: negative residual variance (Heywood case) "
                f"for {', '.join(neg)}"
            )
        if np.linalg.eigvalsh(P).min() <= 0:
            improper = True
            problems.append(
                f"improper solution{where}: the latent covariance matrix is not positive definite"
            )
    big = params[(params["op"] == "=~") & (params["std_estimate"].abs() > 1)]
    if len(big):
        improper = True
        items = ", ".join(f"{r.lhs} =~ {r.rhs}" for r in big.itertuples())
        problems.append(f"improper solution: standardised loading above 1 for {items}")
    return improper
