"""Reliability from data frames and instruments: the functions the package exports (see the
package docstring); the arithmetic is in ``_core`` and ``_omega``."""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt

from stigma_analysis._checks import DEFAULT_SEED, renamed_keywords
from stigma_analysis.reliability._inputs import (
    _apply_policy,
    _check_common,
    _choice,
    _item_matrix,
    _membership,
    _partition,
    _reverse,
)
from stigma_analysis.reliability._results import AlphaResult, OmegaResult
from stigma_analysis.reliability._warnings import (
    KeyingWarning,
    SingularCorrelationError,
    SingularCorrelationWarning,
)

if TYPE_CHECKING:
    import pandas as pd

    from stigma_analysis.instruments.model import Instrument
    from stigma_analysis.study import Study


MissingPolicy = Literal["pairwise", "listwise"]
CIMethod = Literal["feldt", "duhachek", "bootstrap", "bca"]
OmegaMethod = Literal["ml", "minres"]
OnInvalid = Literal["raise", "missing"]

_CI_NAMES = {
    "feldt": "Feldt (1965) F interval",
    "duhachek": "Duhachek & Iacobucci (2004) asymptotic interval",
    "bootstrap": "bootstrap percentile interval",
    "bca": "bootstrap BCa interval",
}
_POLICY_NAMES = {
    "pairwise": "pairwise-complete covariances (as psych::alpha)",
    "listwise": "complete cases only (listwise deletion)",
}
_OMEGA_NAMES = {
    "ml": "one-factor maximum-likelihood model (as psych::fa(nfactors = 1, fm = 'ml'))",
    "minres": "one-factor minimum-residual model (as psych::fa(nfactors = 1, fm = 'minres'))",
}


# ----------------------------------------------------------------------------- alpha
def _drop_array(drops: list[Any] | None, attr: str, k: int) -> npt.NDArray[np.float64]:
    if drops is None:
        return np.full(k, np.nan)
    return np.array([getattr(d, attr) for d in drops], dtype=float)


def _warn_alpha(
    C: npt.NDArray[np.float64],
    names: tuple[str, ...],
    *,
    raw: float,
    g6: float,
    r_drop: npt.NDArray[np.float64],
    n: int,
) -> None:
    from stigma_analysis.reliability import _core as core

    negative = core.first_component_signs(C)
    if negative.any():
        named = [names[j] for j in np.flatnonzero(negative)]
        rs = ", ".join(f"{names[j]} {r_drop[j]:.2f}" for j in np.flatnonzero(negative))
        sign = f"alpha is negative ({raw:.3f}): " if raw < 0 else ""
        warnings.warn(
            f"{sign}items {named} run against the rest of the scale (they load negatively on"
            f" its first principal component, the check of psych::alpha; corrected item-total"
            f" r: {rs}) and are probably mis-keyed: reverse them (keys=..., or the instrument's"
            " reverse list) if their wording runs the other way",
            KeyingWarning,
            stacklevel=3,
        )
    if math.isnan(g6) and math.isfinite(raw):
        warnings.warn(
            f"lambda6 and r_cor are NaN: the item correlation matrix is singular ({n}"
            f" respondents, {len(names)} items{'; fewer respondents than items' if n <= len(names) else ''})",
            SingularCorrelationWarning,
            stacklevel=3,
        )


@renamed_keywords(method="missing")
def alpha(
    data: Any,
    *,
    items: Sequence[Any] | None = None,
    keys: Iterable[Any] | None = None,
    response_range: tuple[float, float] | None = None,
    missing: MissingPolicy = "pairwise",
    ci: CIMethod = "feldt",
    ci_level: float = 0.95,
    n_boot: int = 1000,
    seed: int | None = DEFAULT_SEED,
) -> AlphaResult:
    """Cronbach's alpha, standardised alpha, Guttman's lambda-6 and item statistics.

    Parameters
    ----------
    data : pandas.DataFrame or 2-D array
        Respondents in rows, items in columns; NaN is missing. Arrays get names V1..Vk.
    items : sequence, optional
        The item columns (default: all columns).
    keys : iterable of str, optional
        Items to reverse as ``(min + max) - x`` before anything is computed.
    response_range : (float, float), optional
        ``(min, max)`` of the response scale for ``keys``. Default: the smallest and largest
        answer in the item block, as ``psych::alpha(keys = ...)`` does; give it explicitly
        when a sample might not use the extreme answers.
    missing : {"pairwise", "listwise"}, default "pairwise"
        Missing data: pairwise-complete covariances (as psych) over respondents with at least
        one answer, or complete cases only.
    ci : {"feldt", "duhachek", "bootstrap", "bca"}, default "feldt"
        Interval for alpha: Feldt's F interval, the Duhachek-Iacobucci asymptotic normal
        interval ``alpha -/+ z * ase``, or a nonparametric bootstrap of respondents
        (percentile, or bias-corrected and accelerated with a jackknife acceleration).
    ci_level : float, default 0.95
    n_boot : int, default 1000
        Bootstrap resamples (``ci="bootstrap"`` / ``"bca"``).
    seed : int or None, default 20240601
        Seed of ``numpy.random.default_rng`` for the bootstrap.

    Returns
    -------
    AlphaResult
        Scale-level results; ``.item_stats`` has one row per item with columns
        ``item, reversed, n, mean, sd, raw_r, std_r, r_cor, r_drop, alpha_if_dropped,
        alpha_std_if_dropped, lambda6_if_dropped, average_r_if_dropped, alpha_se_if_dropped``.
        ``raw_r`` correlates the item with the scale score (mean of answered items),
        ``std_r`` is its standardised version, ``r_cor`` corrects for item overlap and
        unreliability (smc on the diagonal), ``r_drop`` correlates the item with the sum of
        the other items (corrected item-total r).

    Warns
    -----
    KeyingWarning
        When an item loads negatively on the first principal component of the item
        correlations, as ``psych::alpha(check.keys = FALSE)`` warns ("Some items were
        negatively correlated with the total scale and probably should be reversed"): the
        message names the items (the same ones psych names) with their corrected item-total
        correlations, and says when alpha is negative. Nothing is reversed automatically.
    SingularCorrelationWarning
        When the item correlation matrix is singular (e.g. fewer respondents than items):
        ``lambda6``, ``r_cor`` and the lambda-6 if dropped, which invert it, are NaN. psych
        smooths the matrix and reports a value instead; alpha itself is defined.

    Notes
    -----
    With C the k x k item covariance matrix and R the correlation matrix:
    ``alpha = k/(k-1) * (1 - tr C / sum C)``, ``alpha_std = k/(k-1) * (1 - k / sum R)``,
    ``lambda6 = 1 - sum(1 - smc_j) / sum R`` with ``smc_j = 1 - 1 / (R^-1)_jj``,
    ``average_r = (sum R - k) / (k (k-1))``. Duhachek's
    ``ase = sqrt(Q / n)``, ``Q = 2k^2 / ((k-1)^2 (1'C1)^3) * [1'C1 (tr C^2 + (tr C)^2)
    - 2 tr C (1'C^2 1)]``; psych prints ``alpha -/+ 1.96 ase``, here ``z`` is exact for
    ``ci_level``. Feldt: ``1 - (1 - alpha) F_{1-p/2}`` and ``1 - (1 - alpha) F_{p/2}`` with
    ``(n-1, (n-1)(k-1))`` degrees of freedom. The bootstrap draws multinomial resampling
    counts and gets every resample's covariance matrix as a matrix product of the counts with
    per-respondent cross-products (no loop over resamples); resamples use the same missing
    data policy. Bootstrap quantiles interpolate between order statistics on the normal
    quantile scale, as R boot's ``norm.inter``; BCa takes its acceleration from the centred
    jackknife values (Efron & Tibshirani 1993, eq. 14.15). psych counts every row in ``n``; here rows with no answer at all are left
    out (they carry no information).

    References
    ----------
    Cronbach (1951), Psychometrika 16, 297-334. Guttman (1945), Psychometrika 10, 255-282.
    Feldt (1965), Psychometrika 30, 357-370. Duhachek & Iacobucci (2004), J Appl Psychol 89,
    792-808. Efron (1987), JASA 82, 171-185.
    Efron & Tibshirani (1993), An introduction to the bootstrap. Revelle, psych::alpha.

    Checked against: psych::alpha 2.2.9 and scoreItems on bfi to 1e-10
    (tests/results/psych_reliability.R); the percentile and BCa intervals against
    boot::boot.ci(type = "perc" / "bca") 1.3-28.1 on the same resamples to 1e-10
    (tests/results/boot_bca.R); on mis-keyed scales (negative alpha, the items
    psych's warning names) to 1e-10 (tests/results/psych_keying.R).

    Examples
    --------
    >>> import pandas as pd
    >>> bfi = pd.read_csv("tests/data/bfi.csv")  # psych::bfi
    >>> res = alpha(bfi, items=["A1", "A2", "A3", "A4", "A5"], keys=["A1"], response_range=(1, 6))
    >>> round(res.alpha, 6), round(res.ci_low, 6), round(res.ci_high, 6)  # psych: 0.703018
    (0.703018, 0.685264, 0.720063)
    """
    from stigma_analysis.reliability import _core as core

    _check_common(missing, ci, ci_level, n_boot)
    X, names = _item_matrix(data, items)
    if X.shape[1] < 2:
        raise ValueError(f"alpha needs at least 2 items, got {X.shape[1]}")
    X, rev, rng_used = _reverse(X, names, keys, response_range)
    k = X.shape[1]
    with np.errstate(invalid="ignore", divide="ignore"):  # checked just below
        sc = core.scan(X, missing)
    n, C, N = sc.n, sc.C, sc.N
    if n < 3:
        raise ValueError(f"alpha needs at least 3 respondents under {missing} deletion, got {n}")
    sd = np.sqrt(np.diag(C))
    bad = [names[j] for j in range(k) if not (np.isfinite(sd[j]) and sd[j] > 0)]
    if bad or not np.all(np.isfinite(C)):
        what = (
            f"items without variance: {bad}"
            if bad
            else "some item pairs are never answered together"
        )
        raise ValueError(f"alpha is undefined: {what}")
    # Degenerate data (perfectly or negatively related items, tiny samples) give inf / NaN
    # statistics, as in psych; they are returned, not warned about.
    with np.errstate(invalid="ignore", divide="ignore"):
        tot = core.alpha_stats(C)
        drops = core.drop_one_stats(C)
        std_r, r_cor, r_drop = core.item_total_r(C)
        ase = math.sqrt(tot.Q / n) if tot.Q >= 0 else float("nan")
        drop_se = np.sqrt(_drop_array(drops, "Q", k) / n)

    _warn_alpha(C, names, raw=tot.raw, g6=tot.g6, r_drop=r_drop, n=n)

    boot: npt.NDArray[np.float64] | None = None
    if ci == "feldt":
        lo, hi = core.feldt_ci(tot.raw, n, k, ci_level)
    elif ci == "duhachek":
        from statistics import NormalDist

        z = NormalDist().inv_cdf(0.5 + ci_level / 2)
        lo, hi = tot.raw - z * ase, tot.raw + z * ase
    else:
        X, _ = _apply_policy(X, missing)
        boot = core.bootstrap_alpha(X, n_boot=int(n_boot), seed=seed)
        if ci == "bootstrap":
            lo, hi = core.percentile_ci(boot, ci_level)
        else:
            lo, hi = core.bca_ci(boot, tot.raw, core.jackknife_alpha(X), ci_level)

    import pandas as pd

    def _drop(attr: str) -> npt.NDArray[np.float64]:
        return _drop_array(drops, attr, k)

    stats = pd.DataFrame(
        {
            "item": list(names),
            "reversed": [nm in rev for nm in names],
            "n": np.diag(N).astype(np.int64),
            "mean": sc.mu,
            "sd": sd,
            "raw_r": sc.raw_r,
            "std_r": std_r,
            "r_cor": r_cor,
            "r_drop": r_drop,
            "alpha_if_dropped": _drop("raw"),
            "alpha_std_if_dropped": _drop("std"),
            "lambda6_if_dropped": _drop("g6"),
            "average_r_if_dropped": _drop("average_r"),
            "alpha_se_if_dropped": drop_se,
        }
    )
    boot_note = f", {n_boot} resamples, seed {seed}" if boot is not None else ""
    return AlphaResult(
        alpha=tot.raw,
        alpha_std=tot.std,
        lambda6=tot.g6,
        average_r=tot.average_r,
        median_r=tot.median_r,
        var_r=tot.var_r,
        signal_noise=tot.signal_noise,
        ase=ase,
        ci_low=float(lo),
        ci_high=float(hi),
        ci_method=ci,
        ci_level=float(ci_level),
        n=int(n),
        n_items=int(k),
        missing_policy=missing,
        estimator=(
            f"Cronbach's alpha, {_POLICY_NAMES[missing]}; "
            f"{round(ci_level * 100, 6):g}% {_CI_NAMES[ci]}{boot_note}"
        ),
        score_mean=sc.score_mean,
        score_sd=sc.score_sd,
        items=names,
        reversed_items=rev,
        response_range=rng_used,
        item_stats=stats,
        n_boot=int(n_boot) if boot is not None else None,
        seed=seed if boot is not None else None,
        bootstrap=boot,
    )


# ----------------------------------------------------------------------------- omega
@renamed_keywords(groups="subscales")
def omega(
    data: Any,
    *,
    items: Sequence[Any] | None = None,
    keys: Iterable[Any] | None = None,
    response_range: tuple[float, float] | None = None,
    subscales: Mapping[str, Sequence[Any]] | None = None,
    method: OmegaMethod = "ml",
    missing: MissingPolicy = "pairwise",
) -> OmegaResult:
    """McDonald's omega total from a one-factor model of the item correlations.

    Parameters
    ----------
    data : pandas.DataFrame or 2-D array
        Respondents in rows, items in columns; NaN is missing.
    items, keys, response_range
        As in :func:`alpha`.
    subscales : mapping of str to item lists, optional
        Subscales (each item in exactly one, at least 2 subscales), for omega hierarchical
        from an ML bifactor model: a general factor and one orthogonal factor per subscale,
        as ``lavaan::cfa(orthogonal = TRUE, std.lv = TRUE)`` / ``psych::omegaSem``.
    method : {"ml", "minres"}, default "ml"
        Factor extraction: maximum likelihood (as ``psych::fa(fm = "ml")``) or minimum
        residual / unweighted least squares (as ``fm = "minres"``).
    missing : {"pairwise", "listwise"}, default "pairwise"
        Pairwise-complete correlations (R's ``cor(use = "pairwise")``, as psych::fa) or
        complete cases.

    Returns
    -------
    OmegaResult
        ``omega_total``, ``omega_total_observed``, with ``subscales`` also
        ``omega_hierarchical`` (+ ``_observed``) and ``omega_total_bifactor``, the loadings
        table and the method.

    Raises
    ------
    SingularCorrelationError
        When the item correlation matrix is singular or not positive definite (fewer
        respondents than items, an item that is a combination of others): no factor model
        can be fitted. psych::fa stops with an optimiser error there.

    Warns
    -----
    KeyingWarning
        When an item loads negatively on the factor (named in the message, with its loading).

    Notes
    -----
    **Keying convention.** Items are used as keyed: the factor's sign makes the loadings sum
    to a positive number, and an item that loads negatively lowers omega (``(sum
    lambda)^2``, ``sum R``). ``psych::omega`` instead reverses the items that load negatively
    on the general factor by default (``flip = TRUE``), so on a mis-keyed scale it reports
    the omega of a scale that was never scored: on bfi's agreeableness items with A1 not
    reversed, ``omega_total_observed`` is .592, psych's ``omega(flip = FALSE)``, against
    psych's default .723. Reversing the item (``keys=["A1"]``) gives psych's default value.


    ``omega_total = (sum lambda)^2 / ((sum lambda)^2 + sum psi)`` with standardised loadings
    ``lambda`` and uniquenesses ``psi = 1 - lambda^2``; ``omega_total_observed =
    1 - sum psi / sum R`` is psych::omega's ``omega.tot``. At least 3 items are needed for
    a one-factor model to be identified. Bifactor: with general loadings g, group loadings
    lambda_s and uniquenesses psi, ``omega_h = (sum g)^2 / V`` and ``omega_total_bifactor =
    ((sum g)^2 + sum_s (sum lambda_s)^2) / V`` with ``V = (sum g)^2 + sum_s (sum
    lambda_s)^2 + sum psi``; ``omega_hierarchical_observed = (sum g)^2 / sum R``. The
    bifactor model is fitted by ML to the correlation matrix (always with the ML
    discrepancy, whatever ``method``).

    References
    ----------
    McDonald (1999), Test theory: a unified treatment. Revelle & Zinbarg (2009),
    Psychometrika 74, 145-154.

    Checked against: psych::fa(nfactors = 1, fm = "ml" / "minres") and psych::omega
    2.2.9 on bfi to 1e-5 (psych's optimiser tolerance); the bifactor omega_h against a
    lavaan 0.6-14 bifactor CFA of bfi's 25 items to 1e-5; psych::omega(flip = FALSE / TRUE)
    on a mis-keyed scale to 1e-5 (tests/results/psych_keying.R).
    """
    from stigma_analysis.reliability import _core as core
    from stigma_analysis.reliability import _omega as om

    _choice("method", method, tuple(_OMEGA_NAMES))
    _choice("missing", missing, ("pairwise", "listwise"))
    X, names = _item_matrix(data, items)
    if X.shape[1] < 3:
        raise ValueError(f"omega needs at least 3 items for a one-factor model, got {X.shape[1]}")
    membership = None if subscales is None else _membership(subscales, names)
    X, _, _ = _reverse(X, names, keys, response_range)
    X, _ = _apply_policy(X, missing)
    n = X.shape[0]
    with np.errstate(invalid="ignore", divide="ignore"):  # checked just below
        R = core.pairwise_cor(X)
    if not np.all(np.isfinite(R)):
        raise ValueError(
            "omega is undefined: an item has no variance or a pair is never answered together"
        )
    k = len(names)
    if n <= k or not core.positive_definite(R):
        few = "; a factor model needs more respondents than items" if n <= k else ""
        raise SingularCorrelationError(
            f"omega is undefined: the item correlation matrix is singular ({n} respondents,"
            f" {k} items{few})"
        )
    fit = om.fit_one_factor(R, method)
    tot, tot_obs = om.omega_from_fit(fit, R)
    if (fit.loadings < 0).any():
        named = [names[j] for j in np.flatnonzero(fit.loadings < 0)]
        warnings.warn(
            f"items {named} load negatively on the factor (loadings "
            + ", ".join(
                f"{names[j]} {fit.loadings[j]:.2f}" for j in np.flatnonzero(fit.loadings < 0)
            )
            + "): omega is computed with the items as keyed, which lowers it; psych::omega"
            " reverses such items by default (flip = TRUE). Reverse them (keys=...) if their"
            " wording runs the other way",
            KeyingWarning,
            stacklevel=2,
        )
    converged = fit.converged
    nan = np.full(len(names), np.nan)
    table: dict[str, Any] = {
        "item": list(names),
        "loading": fit.loadings,
        "uniqueness": fit.uniquenesses,
        "group": [None] * len(names),
        "general_loading": nan,
        "group_loading": nan,
        "bifactor_uniqueness": nan,
    }
    omega_h = omega_h_obs = omega_tot_bif = None
    estimator = f"McDonald's omega total from a {_OMEGA_NAMES[method]}, {missing} correlations"
    if membership is not None and subscales is not None:
        bif = om.fit_bifactor(R, membership)
        omega_h, omega_tot_bif, omega_h_obs, _ = om.omega_from_bifactor(bif, membership, R)
        converged = converged and bif.converged
        labels = list(subscales)
        table.update(
            group=[labels[g] for g in membership],
            general_loading=bif.general,
            group_loading=bif.group,
            bifactor_uniqueness=bif.uniquenesses,
        )
        estimator += (
            f"; omega hierarchical from an ML bifactor model (general factor + {len(labels)}"
            " orthogonal group factors)"
        )

    import pandas as pd

    return OmegaResult(
        omega_total=tot,
        omega_total_observed=tot_obs,
        omega_hierarchical=omega_h,
        omega_hierarchical_observed=omega_h_obs,
        omega_total_bifactor=omega_tot_bif,
        method=method,
        estimator=estimator,
        n=int(n),
        n_items=len(names),
        missing_policy=missing,
        converged=converged,
        loadings=pd.DataFrame(table),
    )


# ----------------------------------------------------------------------------- instruments
def _instrument_block(
    data: pd.DataFrame,
    instrument: Instrument,
    columns: str | Mapping[Any, str] | None,
    on_invalid: OnInvalid = "raise",
) -> pd.DataFrame:
    """The instrument's items as float columns named by item id, reverse items reversed.

    Answers that are not answers of the instrument (:meth:`Instrument.invalid_answers`, the
    rule of ``validate`` and ``score``) raise a DataValidationError listing them all, or
    become missing (``on_invalid="missing"``, with a warning).
    """
    import pandas as pd

    _choice("on_invalid", on_invalid, ("raise", "missing"))

    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    mapping = {i: i for i in instrument.items} if columns is None else instrument.columns(columns)
    absent = [c for c in mapping.values() if c not in data.columns]
    if absent:
        raise ValueError(f"columns for {instrument.id} not found in the data: {absent}")
    bad = [c for c in mapping.values() if not pd.api.types.is_numeric_dtype(data[c])]
    if bad:
        raise TypeError(f"items must be numeric columns; not numeric: {bad}")
    from stigma_analysis.scoring import item_matrix  # the one place items are reverse-keyed

    X = item_matrix(data, instrument, mapping)
    # reversal maps the valid answers onto themselves, so the rule holds on reversed items too
    bad = instrument.invalid_answers(X)
    if bad.any():
        rows, cols = np.nonzero(bad)
        names = [mapping[instrument.items[j]] for j in cols]
        lo, hi = instrument.response.min, instrument.response.max
        if on_invalid == "raise":
            from stigma_analysis.errors import DataValidationError

            cases = pd.DataFrame(
                {
                    "file": None,
                    "row": data.index[rows],
                    "column": names,
                    "value": [data[c].iloc[r] for r, c in zip(rows, names, strict=True)],
                    "reason": f"not an answer of {instrument.id} ({lo:g}-{hi:g}) nor missing",
                    "kind": "value",
                }
            )
            raise DataValidationError(
                f"{instrument.id}: answers outside {lo:g}-{hi:g} or fractions of its whole-number"
                " codes would distort the reliability (declare missing codes as NaN first, or pass"
                " on_invalid='missing')",
                cases,
            )
        X[bad] = np.nan
        warnings.warn(
            f"{int(bad.sum())} invalid answers to {instrument.id} were treated as missing",
            UserWarning,
            stacklevel=3,
        )
    return pd.DataFrame(X, columns=list(instrument.items), index=data.index)


@renamed_keywords(method="missing")
def reliability_table(
    data: pd.DataFrame | Study,
    instrument: Instrument | None = None,
    *,
    columns: str | Mapping[Any, str] | None = None,
    missing: MissingPolicy = "pairwise",
    ci: CIMethod = "feldt",
    ci_level: float = 0.95,
    n_boot: int = 1000,
    seed: int | None = DEFAULT_SEED,
    omega_method: OmegaMethod = "ml",
    on_invalid: OnInvalid = "raise",
) -> pd.DataFrame:
    """Alpha (with CI), lambda-6 and omega total for every scale of an instrument.

    Parameters
    ----------
    data : pandas.DataFrame or Study
        Item responses, one row per respondent; or a loaded study (then one row per
        instrument use x scale x wave, and ``instrument`` and ``columns`` come from the study).
    instrument : Instrument
        Its reverse items are reversed as ``(min + max) - x`` with the instrument's response
        range before anything is computed; every scale in ``instrument.scales`` gets a row.
    columns : str or mapping, optional
        Item id -> column: a template such as ``"ismi_{item}"`` or a mapping, passed to
        ``instrument.columns``. Default: columns named exactly as the item ids.
    missing, ci, ci_level, n_boot, seed
        As in :func:`alpha`.
    omega_method : {"ml", "minres"}, default "ml"
        One-factor model for omega total (see :func:`omega`).
    on_invalid : {"raise", "missing"}, default "raise"
        Answers that are not answers of the instrument, by the rule that ``validate`` and
        ``score`` apply (:meth:`Instrument.invalid_answers`: outside the response range, or
        a fraction such as 2.5 of whole-number codes): raise
        :class:`~stigma_analysis.errors.DataValidationError` listing every one (for a study,
        with file and row, as ``validate``), or treat them as missing with a warning. One
        undeclared 99 can turn an alpha of .76 into a negative one, so they are never used.

    Returns
    -------
    pandas.DataFrame
        One row per scale with columns ``instrument, scale, n, n_items, alpha, alpha_ci_low,
        alpha_ci_high, alpha_std, lambda6, average_r, median_r, omega_total,
        omega_hierarchical, ci_method, ci_level, missing_policy, estimator,
        omega_estimator``. Scales with one item get NaN statistics; omega is NaN for scales
        with fewer than 3 items; ``omega_hierarchical`` (bifactor, see :func:`omega`) is given
        for a scale that the instrument's other subscales split exactly (e.g. a total score
        over its subscales), NaN otherwise. A scale that cannot be estimated (one item, an
        item without variance) gets NaN and the reason in ``estimator`` /
        ``omega_estimator``.

    Notes
    -----
    See :func:`alpha` and :func:`omega` for the formulas.

    Checked against: psych::alpha 2.2.9 on bfi to 1e-10 (via :func:`alpha`).
    """
    from stigma_analysis.study import Study

    if isinstance(data, Study):
        if instrument is not None:
            raise TypeError(
                "reliability_table(study): the study names its instruments; do not pass one"
            )
        return _study_reliability(
            data,
            missing=missing,
            ci=ci,
            ci_level=ci_level,
            n_boot=n_boot,
            seed=seed,
            omega_method=omega_method,
            on_invalid=on_invalid,
        )
    if instrument is None:
        raise TypeError(
            "reliability_table(data, instrument): instrument is required for a DataFrame"
        )
    import pandas as pd

    _check_common(missing, ci, ci_level, n_boot)
    _choice("omega_method", omega_method, tuple(_OMEGA_NAMES))
    block = _instrument_block(data, instrument, columns, on_invalid)
    rows = []
    for scale in instrument.scales:
        its = list(instrument.scale_items(scale))
        row: dict[str, Any] = {
            "instrument": instrument.id,
            "scale": scale,
            "n": int((~block[its].isna().all(axis=1)).sum()),
            "n_items": len(its),
            "alpha": np.nan,
            "alpha_ci_low": np.nan,
            "alpha_ci_high": np.nan,
            "alpha_std": np.nan,
            "lambda6": np.nan,
            "average_r": np.nan,
            "median_r": np.nan,
            "omega_total": np.nan,
            "omega_hierarchical": np.nan,
            "ci_method": ci,
            "ci_level": float(ci_level),
            "missing_policy": missing,
            "estimator": "",
            "omega_estimator": "",
        }
        # One scale that cannot be estimated (an item without variance, too few items) must
        # not hide the others: its row says why instead.
        try:
            if len(its) < 2:
                raise ValueError("alpha needs at least 2 items")
            a = alpha(
                block,
                items=its,
                missing=missing,
                ci=ci,
                ci_level=ci_level,
                n_boot=n_boot,
                seed=seed,
            )
        except ValueError as exc:
            row["estimator"] = f"not estimable: {exc}"
        else:
            row.update(
                n=a.n,
                alpha=a.alpha,
                alpha_ci_low=a.ci_low,
                alpha_ci_high=a.ci_high,
                alpha_std=a.alpha_std,
                lambda6=a.lambda6,
                average_r=a.average_r,
                median_r=a.median_r,
                estimator=a.estimator,
            )
        try:
            if len(its) < 3:
                raise ValueError("omega needs at least 3 items for a one-factor model")
            groups = _partition(instrument, scale, its)
            o = omega(block, items=its, method=omega_method, missing=missing, subscales=groups)
        except ValueError as exc:
            row["omega_estimator"] = f"not estimable: {exc}"
        else:
            note = "" if o.converged else " (the optimiser did not report convergence)"
            row.update(omega_total=o.omega_total, omega_estimator=o.estimator + note)
            if o.omega_hierarchical is not None:
                row["omega_hierarchical"] = o.omega_hierarchical
        rows.append(row)
    return pd.DataFrame(rows)


def _study_reliability(study: Study, *, on_invalid: OnInvalid, **options: Any) -> pd.DataFrame:
    """One row per instrument use x scale x wave (waves are never pooled: respondents repeat)."""
    import pandas as pd

    _choice("on_invalid", on_invalid, ("raise", "missing"))
    items = set(study.item_columns)
    problems = study.validate()
    invalid = problems[(problems["kind"] == "value") & problems["column"].isin(items)]
    if not invalid.empty:
        if on_invalid == "raise":
            from stigma_analysis.errors import DataValidationError

            raise DataValidationError(
                f"{study.path}: answers that are not answers of their instrument would distort"
                " the reliability; fix them or declare them as missing codes (see"
                " `stigma-analysis validate`), or pass on_invalid='missing'",
                invalid.reset_index(drop=True),
            )
        warnings.warn(
            f"{len(invalid)} invalid answers were treated as missing", UserWarning, stacklevel=3
        )
    data = study.data
    text = [c for c in items if c in data.columns and not pd.api.types.is_numeric_dtype(data[c])]
    if text:  # answers that are not numbers are among the invalid ones: missing
        data = data.assign(**{c: pd.to_numeric(data[c], errors="coerce") for c in text})
    frames = []
    wave = study.spec.wave
    for b in study.instruments:
        for w, part in data.groupby(wave, sort=True):
            with warnings.catch_warnings():  # counted once above, not per wave
                warnings.filterwarnings("ignore", message=r"\d+ invalid answers to ")
                table = reliability_table(
                    part, b.instrument, columns=b.columns, on_invalid="missing", **options
                )
            table.insert(1, "name", b.name)
            table.insert(3, "wave", int(str(w)))
            frames.append(table)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


@renamed_keywords(method="missing")
def item_statistics(
    data: pd.DataFrame,
    instrument: Instrument,
    *,
    columns: str | Mapping[Any, str] | None = None,
    scale: str | None = None,
    missing: MissingPolicy = "pairwise",
    on_invalid: OnInvalid = "raise",
) -> pd.DataFrame:
    """Item statistics (psych::alpha's item block) for the scales of an instrument.

    Parameters
    ----------
    data : pandas.DataFrame
        Item responses, one row per respondent.
    instrument : Instrument
        Reverse items are reversed as ``(min + max) - x`` first.
    columns : str or mapping, optional
        As in :func:`reliability_table`.
    scale : str, optional
        One scale; default all scales with at least 2 items, stacked.
    missing : {"pairwise", "listwise"}, default "pairwise"
    on_invalid : {"raise", "missing"}, default "raise"
        Answers that ``validate`` and ``score`` reject: as in :func:`reliability_table`.

    Returns
    -------
    pandas.DataFrame
        Columns ``instrument, scale, item, reversed, n, mean, sd, raw_r, std_r, r_cor, r_drop,
        alpha_if_dropped, alpha_std_if_dropped, lambda6_if_dropped, average_r_if_dropped,
        alpha_se_if_dropped`` (see :func:`alpha`); ``mean`` and ``sd`` are of the reversed item.

    Checked against: psych::alpha 2.2.9 on bfi to 1e-10 (via :func:`alpha`).
    """
    import pandas as pd

    block = _instrument_block(data, instrument, columns, on_invalid)
    scales = list(instrument.scales) if scale is None else [scale]
    frames = []
    for s in scales:
        its = list(instrument.scale_items(s))
        if len(its) < 2:
            continue
        st = alpha(block, items=its, missing=missing).item_stats.copy()
        st["reversed"] = [instrument.is_reversed(i) for i in its]
        st.insert(0, "scale", s)
        st.insert(0, "instrument", instrument.id)
        frames.append(st)
    if not frames:
        raise ValueError(f"{instrument.id} has no scale with at least 2 items")
    return pd.concat(frames, ignore_index=True)
