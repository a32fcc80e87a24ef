"""Item response theory: graded response models, DIF across groups and short forms.

Public API
----------
- :func:`irt` (Samejima's graded response model by marginal maximum likelihood) and its
  :class:`IRTResult` (parameters, θ scores, information, S-X² item fit, reliability)
- :func:`fit_multigroup` (multiple-group GRM, :class:`MultiGroupFit`) and :func:`dif_lr`
  (likelihood-ratio DIF per item with anchors, as ``mirt::DIF``; :class:`DIFResult`)
- :func:`dif_ordinal` (ordinal-logistic-regression DIF with pseudo-R² changes, as lordif;
  :class:`OrdinalDIFResult`)
- :func:`short_form` (short-form θ, information and reliability against the long form;
  :class:`ShortFormResult`)
- plots :func:`plot_icc`, :func:`plot_information`, :func:`plot_dif`
- warnings :class:`IRTNonConvergenceWarning`, :class:`SparseCategoryWarning` (subclasses of
  :class:`IRTWarning`, a UserWarning)

Importing this package is cheap: scipy.optimize, statsmodels and matplotlib load inside functions.
"""

from __future__ import annotations

from ._fit import IRTResult, irt
from ._multigroup import DIFResult, MultiGroupFit, dif_lr, fit_multigroup
from ._ordinal_dif import OrdinalDIFResult, dif_ordinal
from ._plots import plot_dif, plot_icc, plot_information
from ._shortform import ShortFormResult, short_form
from ._warnings import IRTNonConvergenceWarning, IRTWarning, SparseCategoryWarning

__all__ = [
    "DIFResult",
    "IRTNonConvergenceWarning",
    "IRTResult",
    "IRTWarning",
    "MultiGroupFit",
    "OrdinalDIFResult",
    "ShortFormResult",
    "SparseCategoryWarning",
    "dif_lr",
    "dif_ordinal",
    "fit_multigroup",
    "irt",
    "plot_dif",
    "plot_icc",
    "plot_information",
    "short_form",
]
