"""Measurement error of a score: SEM and the Jacobson-Truax reliable change index (private)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from stigma_analysis._checks import renamed_keywords

__all__ = ["reliable_change_index", "reliable_change_threshold", "standard_error_of_measurement"]


def _check_reliability_value(reliability: Any) -> npt.NDArray[np.float64]:
    r = np.asarray(reliability, dtype=float)
    if np.any((r < 0) | (r > 1)):
        raise ValueError(f"reliability must lie in [0, 1], got {reliability!r}")
    return r


def _check_sd(sd: Any) -> npt.NDArray[np.float64]:
    s = np.asarray(sd, dtype=float)
    if np.any(s < 0):
        raise ValueError(f"sd must be non-negative, got {sd!r}")
    return s


def standard_error_of_measurement(sd: Any, reliability: Any) -> Any:
    """Standard error of measurement of a score.

    Parameters
    ----------
    sd : float or array-like
        Standard deviation of the observed scores (usually in a reference or baseline sample).
    reliability : float or array-like
        Reliability of the score (e.g. Cronbach's alpha or test-retest r), in [0, 1].

    Returns
    -------
    float or numpy.ndarray
        ``sd * sqrt(1 - reliability)``; a float when both inputs are scalars.

    Notes
    -----
    :math:`SEM = s_x \\sqrt{1 - r_{xx}}` (classical test theory).

    References
    ----------
    Jacobson, N. S., & Truax, P. (1991). Clinical significance: a statistical approach to
    defining meaningful change in psychotherapy research. *J Consult Clin Psychol*, 59(1), 12-19.

    Checked against: the closed form (tests/reliability/test_reliability.py).
    """
    s = _check_sd(sd)
    r = _check_reliability_value(reliability)
    out = s * np.sqrt(1.0 - r)
    return float(out) if out.ndim == 0 else out


def reliable_change_index(
    pre: Any, post: Any, *, sd: float, reliability: float
) -> npt.NDArray[np.float64]:
    """Jacobson-Truax reliable change index for each respondent.

    Parameters
    ----------
    pre, post : array-like
        Scores before and after (same length; NaN propagates).
    sd : float
        Standard deviation of the pre scores in the reference sample.
    reliability : float
        Reliability of the score, in [0, 1].

    Returns
    -------
    numpy.ndarray
        ``(post - pre) / S_diff`` with ``S_diff = sqrt(2) * SEM``, one value per respondent.
        ``|RCI| > 1.96`` is reliable change at the 5% level
        (see :func:`reliable_change_threshold`).

    Notes
    -----
    :math:`RCI = (x_2 - x_1) / S_{diff}`, :math:`S_{diff} = \\sqrt{2 \\, SEM^2}`,
    :math:`SEM = s_1 \\sqrt{1 - r_{xx}}`.

    References
    ----------
    Jacobson, N. S., & Truax, P. (1991). *J Consult Clin Psychol*, 59(1), 12-19.

    Checked against: the closed form (tests/reliability/test_reliability.py).
    """
    a = np.asarray(pre, dtype=float)
    b = np.asarray(post, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"pre and post must have the same shape, got {a.shape} and {b.shape}")
    s_diff = math.sqrt(2.0) * float(standard_error_of_measurement(float(sd), float(reliability)))
    if s_diff == 0:
        raise ValueError("sd * sqrt(1 - reliability) is 0: the reliable change index is undefined")
    return np.asarray((b - a) / s_diff, dtype=float)


@renamed_keywords(level="ci_level")
def reliable_change_threshold(sd: float, reliability: float, *, ci_level: float = 0.95) -> float:
    """Smallest raw change that counts as reliable (Jacobson-Truax).

    Parameters
    ----------
    sd : float
        Standard deviation of the pre scores in the reference sample.
    reliability : float
        Reliability of the score, in [0, 1].
    ci_level : float, default 0.95
        Two-sided confidence level (0.95 gives the familiar 1.96).

    Returns
    -------
    float
        ``z_{(1+ci_level)/2} * sqrt(2) * SEM``: a change larger than this in absolute value is
        reliable.

    Notes
    -----
    :math:`z_{1-\\alpha/2} \\, \\sqrt{2} \\, s_1 \\sqrt{1 - r_{xx}}`.

    References
    ----------
    Jacobson, N. S., & Truax, P. (1991). *J Consult Clin Psychol*, 59(1), 12-19.

    Checked against: the closed form (tests/reliability/test_reliability.py).
    """
    if not 0 < ci_level < 1:
        raise ValueError(f"ci_level must be in (0, 1), got {ci_level!r}")
    from statistics import NormalDist

    z = NormalDist().inv_cdf(0.5 + ci_level / 2)
    return z * math.sqrt(2.0) * float(standard_error_of_measurement(float(sd), float(reliability)))
