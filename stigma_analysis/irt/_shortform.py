"""Short forms: how much of the long form's θ and information a subset of items keeps."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from stigma_analysis.instruments import Instrument

from ._fit import IRTResult, irt

__all__ = ["ShortFormResult", "short_form"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ShortFormResult:
    """Short form against long form, both scored with the long form's calibration.

    Attributes
    ----------
    correlation : float
        Pearson correlation of short-form with long-form EAP θ (respondents with both).
    information_share : float
        ``∫ I_short / ∫ I_long`` over ``theta_range`` (test information, prior not added).
    reliability_long, reliability_short : float
        Marginal reliabilities (mirt's ``marginal_rxx``) of each form.
    empirical_reliability_long, empirical_reliability_short : float
        ``var(θ̂) / (var(θ̂) + mean(SE²))`` from the EAP scores (mirt's ``empirical_rxx``).
    information : pandas.DataFrame
        Index θ over ``theta_range``: ``long``, ``short``, ``share``.
    scores : pandas.DataFrame
        ``theta_long, se_long, theta_short, se_short`` per respondent.
    fit : IRTResult
        The long-form calibration.
    """

    long_items: tuple[str, ...]
    short_items: tuple[str, ...]
    correlation: float
    information_share: float
    theta_range: tuple[float, float]
    reliability_long: float
    reliability_short: float
    empirical_reliability_long: float
    empirical_reliability_short: float
    information: pd.DataFrame
    scores: pd.DataFrame
    fit: IRTResult

    def to_frame(self) -> pd.DataFrame:
        """One row per form: ``form, n_items, reliability, empirical_reliability,
        information, information_share, correlation_with_long``."""
        lo, hi = self.theta_range
        grid = self.information.index.to_numpy()
        area = {f: _trapezoid(self.information[f].to_numpy(), grid) for f in ("long", "short")}
        return pd.DataFrame(
            {
                "form": ["long", "short"],
                "n_items": [len(self.long_items), len(self.short_items)],
                "reliability": [self.reliability_long, self.reliability_short],
                "empirical_reliability": [
                    self.empirical_reliability_long,
                    self.empirical_reliability_short,
                ],
                f"information_{lo:g}_{hi:g}": [area["long"], area["short"]],
                "information_share": [1.0, self.information_share],
                "correlation_with_long": [1.0, self.correlation],
            }
        )


def _trapezoid(y: np.ndarray, x: np.ndarray) -> float:
    y = np.asarray(y, dtype=float)
    return float(np.sum((y[1:] + y[:-1]) / 2 * np.diff(x)))


def _marginal_rxx(info: np.ndarray, grid: np.ndarray) -> float:
    den = np.exp(-0.5 * grid**2)
    den /= den.sum()
    return float(np.sum(info / (info + 1.0) * den))


def _empirical_rxx(theta: pd.Series, se: pd.Series) -> float:
    ok = theta.notna() & se.notna()
    v = float(np.var(theta[ok], ddof=1))
    return v / (v + float(np.mean(se[ok] ** 2)))


def short_form(
    data: pd.DataFrame,
    long_items: Sequence[str] | None = None,
    short_items: Sequence[str] = (),
    instrument: Instrument | str | None = None,
    *,
    columns: str | Mapping[Any, str] | None = None,
    theta_range: tuple[float, float] = (-3.0, 3.0),
    fit: IRTResult | None = None,
) -> ShortFormResult:
    """Compare a short form with its long form under one GRM calibration of the long form.

    The long form is fitted with :func:`irt` (or ``fit`` is reused); both forms are then scored
    by EAP with those item parameters, so the short form's θ is on the long form's scale.

    Parameters
    ----------
    data : pandas.DataFrame
        Responses to the long form.
    long_items : sequence of str, optional
        The long form's items (default: the instrument's items, or every column).
    short_items : sequence of str
        The short form's items, a subset of ``long_items``.
    instrument, columns : optional
        As :func:`irt`.
    theta_range : (float, float)
        Range over which the share of test information is computed.
    fit : IRTResult, optional
        An existing calibration of the long form.

    Returns
    -------
    ShortFormResult

    Matches R mirt ``testinfo`` / ``marginal_rxx`` / ``fscores`` computations (each checked on
    Science in the GRM tests); the summaries are their ratios and correlations.
    """
    short = [str(i) for i in short_items]
    if not short:
        raise ValueError("short_items must name at least one item")
    if fit is None:
        fit = irt(data, instrument, items=long_items, columns=columns)
    unknown = [i for i in short if i not in fit.items]
    if unknown:
        raise ValueError(f"short_items not among the long form's items: {unknown}")
    lo, hi = theta_range
    if not lo < hi:
        raise ValueError(f"theta_range must be (low, high) with low < high, got {theta_range}")
    long_scores = fit.scores()
    short_scores = fit.scores(items=short)
    both = long_scores["theta"].notna() & short_scores["theta"].notna()
    corr = float(np.corrcoef(long_scores["theta"][both], short_scores["theta"][both])[0, 1])
    grid = np.linspace(lo, hi, 241)
    info = fit.information(grid)
    short_info = info[short].sum(axis=1)
    information = pd.DataFrame(
        {"long": info["test"], "short": short_info, "share": short_info / info["test"]},
        index=info.index,
    )
    share = _trapezoid(short_info.to_numpy(), grid) / _trapezoid(info["test"].to_numpy(), grid)
    full = np.linspace(fit.theta_lim[0], fit.theta_lim[1], 1000)
    full_info = fit.information(full)
    scores = pd.DataFrame(
        {
            "theta_long": long_scores["theta"],
            "se_long": long_scores["se"],
            "theta_short": short_scores["theta"],
            "se_short": short_scores["se"],
        }
    )
    return ShortFormResult(
        long_items=fit.items,
        short_items=tuple(short),
        correlation=corr,
        information_share=share,
        theta_range=(float(lo), float(hi)),
        reliability_long=_marginal_rxx(full_info["test"].to_numpy(), full),
        reliability_short=_marginal_rxx(full_info[short].sum(axis=1).to_numpy(), full),
        empirical_reliability_long=_empirical_rxx(long_scores["theta"], long_scores["se"]),
        empirical_reliability_short=_empirical_rxx(short_scores["theta"], short_scores["se"]),
        information=information,
        scores=scores,
        fit=fit,
    )
