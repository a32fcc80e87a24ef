"""Models linking stigma to outcomes: regression families, mediation and moderation, multiple
imputation with Rubin's rules.

Every function returns tidy DataFrames (or frozen dataclasses holding them) with fixed columns;
the column tuples are exported so that callers can check schemas. statsmodels, patsy and scipy
are imported inside the functions that need them.
"""

from __future__ import annotations

from stigma_analysis.models._imputation import (
    COMPARISON_COLUMNS,
    Imputation,
    compare_complete_case,
    fit_imputed,
    impute,
)
from stigma_analysis.models._mediation import (
    MEDIATION_COLUMNS,
    MODERATION_COLUMNS,
    DegenerateResampleWarning,
    mediation,
    moderation,
)
from stigma_analysis.models._pool import POOL_COLUMNS, pool
from stigma_analysis.models._regression import fit_model, fit_models
from stigma_analysis.models._results import (
    COEFFICIENT_COLUMNS,
    SUMMARY_COLUMNS,
    VARIANCE_COMPONENT_COLUMNS,
    ModelResult,
)

__all__ = [
    "COEFFICIENT_COLUMNS",
    "COMPARISON_COLUMNS",
    "MEDIATION_COLUMNS",
    "MODERATION_COLUMNS",
    "POOL_COLUMNS",
    "SUMMARY_COLUMNS",
    "VARIANCE_COMPONENT_COLUMNS",
    "DegenerateResampleWarning",
    "Imputation",
    "ModelResult",
    "compare_complete_case",
    "fit_imputed",
    "fit_model",
    "fit_models",
    "impute",
    "mediation",
    "moderation",
    "pool",
]
