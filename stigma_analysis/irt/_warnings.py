"""Warnings raised by the IRT module."""

from __future__ import annotations

__all__ = ["IRTNonConvergenceWarning", "IRTWarning", "SparseCategoryWarning"]


class IRTWarning(UserWarning):
    """Base class: an IRT result that must not be reported as if it were fine."""


class IRTNonConvergenceWarning(IRTWarning):
    """EM and the quasi-Newton polish did not reach a maximum: estimates are provisional."""


class SparseCategoryWarning(IRTWarning):
    """A response category in the instrument's range was never chosen for an item; the item's
    categories were recoded to the ones observed (as mirt does), so its thresholds count from
    the lowest observed answer."""
