"""Degenerate correlation matrices: kmo, bartlett and efa raise a typed data error where psych
returns numbers (tests/results/psych_bartlett_singular.R -> psych_bartlett_singular.json)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from stigma_analysis.errors import DataValidationError
from stigma_analysis.structure import (
    SingularCorrelationError,
    bartlett,
    efa,
    eigenvalues,
    kmo,
    parallel_analysis,
)
from tests.conftest import RESULTS

REF = json.loads((RESULTS / "psych_bartlett_singular.json").read_text())


def _data(key: str) -> pd.DataFrame:
    return pd.DataFrame(REF[key]["data"]).astype("float64")


def test_fewer_rows_than_items_is_a_named_data_error() -> None:
    x = _data("fewer_rows")
    assert x.shape == (8, 12)
    # R agrees the matrix is singular; psych still reports chi-square 412 and MSA 0.5
    assert abs(REF["fewer_rows"]["min_eigenvalue"]) < 1e-12
    assert REF["fewer_rows"]["bartlett_chisq"] > 0
    for fn in (bartlett, kmo):
        with pytest.raises(
            SingularCorrelationError, match=r"singular correlation matrix: n=8 < items=12"
        ) as info:
            fn(x)
        assert isinstance(info.value, DataValidationError)
        assert isinstance(info.value, ValueError)
        assert (info.value.n, info.value.n_items) == (8, 12)
        assert info.value.failure_cases["value"].tolist() == [8]
    with pytest.raises(SingularCorrelationError, match=r"^efa: singular"):
        efa(x, n_factors=2)


def test_non_positive_definite_pairwise_matrix_is_a_named_data_error() -> None:
    x = _data("pairwise")
    assert x.notna().all(axis=1).sum() == 0  # no respondent answered all three items
    with pytest.raises(SingularCorrelationError, match="not positive definite") as info:
        bartlett(x)
    # the smallest eigenvalue is R's, to rounding
    assert info.value.min_eigenvalue == pytest.approx(REF["pairwise"]["min_eigenvalue"], abs=1e-10)
    assert REF["pairwise"]["bartlett_chisq"] is None  # psych: NaN (log of det(R) < 0)
    with pytest.raises(SingularCorrelationError, match="use='complete'"):
        kmo(x)


def test_items_equal_to_rows_is_singular() -> None:
    x = _data("fewer_rows").iloc[:, :8]
    with pytest.raises(SingularCorrelationError, match="n=8 = items=8"):
        bartlett(x)


def test_eigenvalues_and_parallel_analysis_still_work_on_singular_data() -> None:
    # eigenvalues of a singular matrix are well defined (zeros); no warning escapes
    x = _data("fewer_rows")
    ev = eigenvalues(x)["eigenvalue"].to_numpy()
    np.testing.assert_allclose(ev[7:], 0, atol=1e-12)
    assert parallel_analysis(x, n_iter=5).n_factors >= 0
