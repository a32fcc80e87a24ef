"""Errors raised by the structure module for data that cannot be factor-analysed."""

from __future__ import annotations

import pandas as pd

from stigma_analysis.errors import DataValidationError

__all__ = ["SingularCorrelationError"]


class SingularCorrelationError(DataValidationError, ValueError):
    """The item correlation matrix is singular or not positive definite.

    Bartlett's test (log |R|), the KMO (R^-1) and EFA (squared multiple correlations) do not
    exist then. Causes: fewer respondents than items, an item that is a linear combination of
    others, or pairwise deletion producing an inconsistent matrix.

    Attributes
    ----------
    n, n_items : int
        Rows of data used and number of items.
    min_eigenvalue : float
        The smallest eigenvalue of the correlation matrix.
    failure_cases : pandas.DataFrame
        One row (``file, row, column, value, reason``): the items and the sample size.
    """

    def __init__(self, what: str, items: list[str], n: int, min_eigenvalue: float) -> None:
        self.n = int(n)
        self.n_items = len(items)
        self.min_eigenvalue = float(min_eigenvalue)
        if n <= len(items):
            rel = "<" if n < len(items) else "="
            reason = (
                f"singular correlation matrix: n={n} {rel} items={len(items)} (the correlations "
                "of p items need more than p respondents)"
            )
        else:
            reason = (
                f"the correlation matrix of {len(items)} items (n={n}) is singular or not "
                f"positive definite (smallest eigenvalue {min_eigenvalue:.3g}): an item is a "
                "linear combination of others, or pairwise deletion gave inconsistent "
                "correlations (try use='complete')"
            )
        cases = pd.DataFrame(
            {"file": [None], "row": [None], "column": [", ".join(items)], "value": [n],
             "reason": [reason]}
        )  # fmt: skip
        super().__init__(f"{what}: {reason}", cases)
