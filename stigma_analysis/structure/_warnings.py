"""Warnings raised by the structure module."""

from __future__ import annotations

__all__ = [
    "ImproperSolutionWarning",
    "NonConvergenceWarning",
    "SmallSampleWarning",
    "StructureWarning",
]


class StructureWarning(UserWarning):
    """Base class: a factor-analytic result that must not be reported as if it were fine."""


class SmallSampleWarning(StructureWarning):
    """A group has too few cases for the number of free parameters (estimates are unstable)."""


class NonConvergenceWarning(StructureWarning):
    """The optimiser did not converge: the fit indices are not reported (set to NaN)."""


class ImproperSolutionWarning(StructureWarning):
    """Heywood case (negative variance), a non-positive-definite latent covariance matrix, or
    a standardised loading above 1 in absolute value."""
