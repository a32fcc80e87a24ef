"""Named warnings and errors of :mod:`stigma_analysis.reliability` (private; re-exported there)."""

from __future__ import annotations

from stigma_analysis.errors import StigmaAnalysisError

__all__ = ["KeyingWarning", "SingularCorrelationError", "SingularCorrelationWarning"]


class KeyingWarning(UserWarning):
    """Items that run against the rest of the scale: probably mis-keyed (not reversed).

    :func:`~stigma_analysis.reliability.alpha` warns, as ``psych::alpha`` does, when an item
    loads negatively on the first principal component of the item correlations (alpha may
    then be negative); :func:`~stigma_analysis.reliability.omega` warns when an item loads
    negatively on the factor. The message names the items.
    """


class SingularCorrelationWarning(UserWarning):
    """The item correlation matrix is singular: statistics that invert it are NaN."""


class SingularCorrelationError(StigmaAnalysisError, ValueError):
    """The item correlation matrix is singular (e.g. fewer respondents than items), so a factor
    model cannot be fitted. A ``ValueError`` too: :func:`reliability_table` reports the scale
    as not estimable and goes on with the others."""
