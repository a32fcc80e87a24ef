"""Reliability: Cronbach's alpha, Guttman's lambda-6, McDonald's omega, SEM and reliable change.

:func:`alpha` reproduces ``psych::alpha`` (pairwise-complete covariances by default) with
Feldt, Duhachek, bootstrap-percentile and BCa intervals; :func:`omega` fits a one-factor
model (ML or minres) for McDonald's omega total and, given subscales, an ML bifactor model
for omega hierarchical; :func:`reliability_table` and :func:`item_statistics` run them over every
scale of an :class:`~stigma_analysis.Instrument`.
The measurement-error helpers (:func:`standard_error_of_measurement`,
:func:`reliable_change_index`, :func:`reliable_change_threshold`) are closed forms used by
the evaluation work. :func:`icc` (intraclass correlations, for test-retest and inter-rater
reliability) and :func:`weighted_kappa` measure agreement between occasions or raters.

The arithmetic lives in ``_core`` (covariance matrices, bootstrap) and
``_omega`` (factor models); this module handles data frames and arguments.

Private modules: ``_api`` (data frames and arguments), ``_core`` (covariance matrices,
bootstrap), ``_omega`` (factor models), ``_change`` (SEM, reliable change), ``_agreement`` (ICC, kappa), ``_inputs``, ``_results``,
``_warnings``.
"""

from __future__ import annotations

import warnings
from typing import Any

import pandas as pd

from stigma_analysis.reliability._agreement import icc, weighted_kappa
from stigma_analysis.reliability._api import (
    alpha,
    item_statistics,
    omega,
    reliability_table,
)
from stigma_analysis.reliability._change import (
    reliable_change_index,
    reliable_change_threshold,
    standard_error_of_measurement,
)
from stigma_analysis.reliability._results import AlphaResult, OmegaResult
from stigma_analysis.reliability._warnings import (
    KeyingWarning,
    SingularCorrelationError,
    SingularCorrelationWarning,
)

__all__ = [
    "AlphaResult",
    "KeyingWarning",
    "OmegaResult",
    "SingularCorrelationError",
    "SingularCorrelationWarning",
    "alpha",
    "icc",
    "item_statistics",
    "omega",
    "reliability_table",
    "reliable_change_index",
    "reliable_change_threshold",
    "standard_error_of_measurement",
    "weighted_kappa",
]


def reliability(*args: Any, **kwargs: Any) -> pd.DataFrame:
    """Deprecated alias of :func:`reliability_table` (``stigma_analysis.reliability`` is this package)."""
    warnings.warn(
        "stigma_analysis.reliability.reliability() is deprecated; use "
        "stigma_analysis.reliability_table()",
        DeprecationWarning,
        stacklevel=2,
    )
    return reliability_table(*args, **kwargs)
