"""Result containers and fixed table schemas shared by the model functions."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "COEFFICIENT_COLUMNS",
    "SUMMARY_COLUMNS",
    "VARIANCE_COMPONENT_COLUMNS",
    "ModelResult",
    "plain_warnings",
]

#: Columns of :attr:`ModelResult.coefficients`, in order (never depend on arguments).
COEFFICIENT_COLUMNS: tuple[str, ...] = (
    "term",
    "kind",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "p",
    "std_estimate",
    "odds_ratio",
    "odds_ratio_ci_low",
    "odds_ratio_ci_high",
)

#: Columns of :attr:`ModelResult.summary`, in order.
SUMMARY_COLUMNS: tuple[str, ...] = (
    "family",
    "formula",
    "n",
    "n_groups",
    "converged",
    "aic",
    "bic",
    "loglik",
    "r2",
    "r2_kind",
    "cov_type",
    "n_warnings",
)

#: Columns of :attr:`ModelResult.variance_components` (the layout of lme4's ``as.data.frame(VarCorr())``).
VARIANCE_COMPONENT_COLUMNS: tuple[str, ...] = ("group", "term", "term2", "variance", "sd_cor")


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelResult:
    """A fitted model as tidy tables.

    Attributes
    ----------
    family : str
        ``gaussian``, ``binomial``, ``ordinal``, ``mixed``, ``gee``, ``poisson`` or
        ``negative_binomial``.
    formula : str
        The model formula as given.
    coefficients : pandas.DataFrame
        One row per term, columns ``term, kind, estimate, se, ci_low, ci_high, p, std_estimate,
        odds_ratio, odds_ratio_ci_low, odds_ratio_ci_high``. ``kind`` is ``"coefficient"`` or,
        for ordinal models, ``"threshold"`` (cut-points on the scale of ``MASS::polr``'s
        ``zeta``). ``odds_ratio*`` hold ``exp`` of the estimate and interval for log-odds and
        log-rate models (odds ratios; rate ratios for ``poisson`` / ``negative_binomial``).
        Columns that do not apply to a family hold NaN.
    summary : pandas.DataFrame
        One row, columns ``family, formula, n, n_groups, converged, aic, bic, loglik, r2,
        r2_kind, cov_type, n_warnings``. ``r2_kind`` says what ``r2`` is (``"r_squared"``,
        ``"mcfadden"`` or ``""`` when not defined).
    variance_components : pandas.DataFrame
        Mixed models, GEE and negative binomial (empty otherwise): ``group, term, term2, variance, sd_cor``. Mixed:
        rows with an empty ``term2`` hold a variance and its standard deviation (``sd_cor``);
        rows with a ``term2`` hold a covariance and its correlation; the last row is the
        residual. GEE: ``group="Correlation"`` (``term`` the working structure, ``sd_cor`` its
        parameter alpha, NaN for independence) and ``group="Scale"`` (``variance`` = phi).
        Negative binomial: ``group="Dispersion", term="theta"`` with theta in ``sd_cor`` and the
        sampling variance of theta (``SE.theta^2`` of glm.nb) in ``variance``.
    warnings : tuple of str
        Convergence and estimation problems, in plain language (empty when none).
    fitted : object
        The underlying results object (statsmodels', or the GEE solution for ``gee``; for
        diagnostics, not part of the stable API).
    """

    family: str
    formula: str
    coefficients: pd.DataFrame
    summary: pd.DataFrame
    variance_components: pd.DataFrame
    warnings: tuple[str, ...] = ()
    fitted: Any = field(default=None, repr=False, compare=False)

    def to_frame(self) -> pd.DataFrame:
        """The coefficient table with the model-level columns ``family`` and ``formula`` prepended."""
        out = self.coefficients.copy()
        out.insert(0, "formula", self.formula)
        out.insert(0, "family", self.family)
        return out


def empty_variance_components() -> pd.DataFrame:
    return pd.DataFrame(
        {
            c: pd.Series(dtype=object if c in {"group", "term", "term2"} else float)
            for c in VARIANCE_COMPONENT_COLUMNS
        }
    )


def coefficient_frame(
    terms: Iterable[str],
    estimate: np.ndarray,
    se: np.ndarray,
    *,
    ci_low: np.ndarray,
    ci_high: np.ndarray,
    p: np.ndarray,
    std_estimate: np.ndarray | None = None,
    kind: Iterable[str] | None = None,
    odds_ratio: bool | np.ndarray = False,
) -> pd.DataFrame:
    """Build a coefficient table with the fixed schema (odds ratios as exp of the log-odds scale)."""
    terms = list(terms)
    k = len(terms)
    nan = np.full(k, np.nan)
    est = np.asarray(estimate, float)
    lo = np.asarray(ci_low, float)
    hi = np.asarray(ci_high, float)
    mask = np.broadcast_to(np.asarray(odds_ratio, bool), (k,))
    with np.errstate(over="ignore"):
        or_ = np.where(mask, np.exp(est), np.nan)
        or_lo = np.where(mask, np.exp(lo), np.nan)
        or_hi = np.where(mask, np.exp(hi), np.nan)
    return pd.DataFrame(
        {
            "term": pd.Series(terms, dtype=object),
            "kind": list(kind) if kind is not None else ["coefficient"] * k,
            "estimate": est,
            "se": np.asarray(se, float),
            "ci_low": lo,
            "ci_high": hi,
            "p": np.asarray(p, float),
            "std_estimate": nan if std_estimate is None else np.asarray(std_estimate, float),
            "odds_ratio": or_,
            "odds_ratio_ci_low": or_lo,
            "odds_ratio_ci_high": or_hi,
        },
        columns=list(COEFFICIENT_COLUMNS),
    )


def summary_frame(**values: Any) -> pd.DataFrame:
    """One-row model summary with the fixed schema; missing entries are NaN."""
    row = {c: values.get(c, np.nan) for c in SUMMARY_COLUMNS}
    return pd.DataFrame([row], columns=list(SUMMARY_COLUMNS))


_PLAIN = (
    (
        re.compile(r"maximum likelihood optimization failed to converge", re.I),
        "The optimiser stopped before converging; estimates may be unreliable "
        "(try simplifying the model or rescaling predictors).",
    ),
    (
        re.compile(r"hessian matrix .*not positive definite|inverting hessian failed", re.I),
        "The information matrix could not be inverted; standard errors are unreliable "
        "(the model may be over-parameterised or a predictor nearly constant).",
    ),
    (
        re.compile(r"random effects covariance is singular|on the boundary", re.I),
        "A random-effect variance was estimated at (or near) zero: the random-effects structure is "
        "more complex than the data support (a singular fit).",
    ),
    (
        re.compile(r"perfect separation|perfect prediction", re.I),
        "Perfect separation: some predictor perfectly predicts the outcome, so its estimate "
        "is infinite in principle.",
    ),
    (
        re.compile(r"overflow encountered|divide by zero|invalid value encountered", re.I),
        "Numerical overflow while fitting (often perfect separation or predictors on very "
        "different scales); check the estimates and standard errors.",
    ),
    (
        re.compile(
            r"gradient optimization failed|retrying mle|did not converge|failed to converge", re.I
        ),
        "The fitting algorithm did not converge cleanly; check the estimates.",
    ),
)


def plain_warnings(records: Iterable[warnings.WarningMessage]) -> list[str]:
    """Translate captured warnings into plain-language messages (deduplicated, order kept)."""
    out: list[str] = []
    for rec in records:
        # deprecations inside statsmodels/pandas say nothing about the user's model
        if issubclass(rec.category, (DeprecationWarning, PendingDeprecationWarning, FutureWarning)):
            continue
        msg = str(rec.message).strip().splitlines()[0] if str(rec.message).strip() else ""
        text = None
        for pattern, plain in _PLAIN:
            if pattern.search(msg):
                text = plain
                break
        if text is None:
            text = f"{rec.category.__name__}: {msg}"
        if text not in out:
            out.append(text)
    return out
