"""Shared fixtures for the IRT tests: mirt's Science data and a GRM simulator."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from tests.conftest import RESULTS, ROOT


@pytest.fixture(scope="session")
def science() -> pd.DataFrame:
    return pd.read_csv(ROOT / "tests" / "data" / "science.csv")


@pytest.fixture(scope="session")
def mirt_science() -> dict:
    return json.loads((RESULTS / "mirt_science.json").read_text())


@pytest.fixture(scope="session")
def science_fit(science: pd.DataFrame):
    from stigma_analysis.irt import irt

    return irt(science)


def simulate_grm(
    a: np.ndarray,
    d: np.ndarray,
    n: int,
    *,
    rng: np.random.Generator,
    mean: float = 0.0,
    sd: float = 1.0,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Draw GRM answers (categories 1..K) for ``n`` respondents; returns data and true θ."""
    theta = rng.normal(mean, sd, n)
    u = rng.random((n, len(a)))
    cols = {}
    for j in range(len(a)):
        star = 1.0 / (1.0 + np.exp(-(a[j] * theta[:, None] + d[j][None, :])))
        cols[f"i{j + 1}"] = 1 + (u[:, j : j + 1] < star).sum(axis=1)
    return pd.DataFrame(cols), theta
