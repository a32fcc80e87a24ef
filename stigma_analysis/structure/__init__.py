"""Factor structure and measurement invariance: EFA, CFA (lavaan conventions), invariance.

Public API
----------
- :func:`eigenvalues`, :func:`parallel_analysis`, :func:`kmo`, :func:`bartlett`, :func:`efa`,
  :func:`factor_scores` (also ``EFAResult.scores``)
- :func:`cfa`, :func:`default_model`, :func:`parse_model`
- :func:`invariance`, :func:`partial_invariance`, :func:`score_tests`,
  :func:`longitudinal_invariance`, :func:`alignment`
- :func:`plot_loadings`
- warnings :class:`SmallSampleWarning`, :class:`NonConvergenceWarning`,
  :class:`ImproperSolutionWarning` (all subclasses of :class:`StructureWarning`, a UserWarning)
- error :class:`SingularCorrelationError` (a :class:`~stigma_analysis.errors.DataValidationError`
  and ValueError): kmo, bartlett and efa on a singular / non-positive-definite correlation matrix

Importing this package is cheap: scipy.optimize, matplotlib and seaborn load inside functions.
"""

from __future__ import annotations

from ._alignment import AlignmentResult, alignment
from ._cfa import FIT_KEYS, CFAResult, cfa, default_model
from ._efa import (
    BartlettResult,
    EFAResult,
    KMOResult,
    ParallelAnalysisResult,
    bartlett,
    efa,
    eigenvalues,
    factor_scores,
    kmo,
    parallel_analysis,
)
from ._errors import SingularCorrelationError
from ._invariance import INVARIANCE_COLUMNS, ORDINAL_COLUMNS, invariance
from ._longitudinal import longitudinal_invariance
from ._partial import PartialInvarianceResult, partial_invariance, score_tests
from ._plots import plot_loadings
from ._syntax import ModelTerm, parse_model
from ._warnings import (
    ImproperSolutionWarning,
    NonConvergenceWarning,
    SmallSampleWarning,
    StructureWarning,
)

__all__ = [
    "FIT_KEYS",
    "INVARIANCE_COLUMNS",
    "ORDINAL_COLUMNS",
    "AlignmentResult",
    "BartlettResult",
    "CFAResult",
    "EFAResult",
    "ImproperSolutionWarning",
    "KMOResult",
    "ModelTerm",
    "NonConvergenceWarning",
    "ParallelAnalysisResult",
    "PartialInvarianceResult",
    "SingularCorrelationError",
    "SmallSampleWarning",
    "StructureWarning",
    "alignment",
    "bartlett",
    "cfa",
    "default_model",
    "efa",
    "eigenvalues",
    "factor_scores",
    "invariance",
    "kmo",
    "longitudinal_invariance",
    "parallel_analysis",
    "parse_model",
    "partial_invariance",
    "plot_loadings",
    "score_tests",
]
