"""Tests for stigma_analysis.reliability."""

from __future__ import annotations

import math

import numpy as np
import pytest

from stigma_analysis.reliability import (
    reliable_change_index,
    reliable_change_threshold,
    standard_error_of_measurement,
)


# ----------------------------------------------------------------- SEM and reliable change
def test_sem_closed_form() -> None:
    # rtol=1e-12: closed form
    assert standard_error_of_measurement(10.0, 0.84) == pytest.approx(4.0, rel=1e-12)
    out = standard_error_of_measurement(np.array([1.0, 2.0]), np.array([0.75, 0.0]))
    np.testing.assert_allclose(out, [0.5, 2.0], rtol=1e-12)


def test_rci_jacobson_truax() -> None:
    # sd = 7.5, r = 0.88: SEM = 7.5*sqrt(.12), S_diff = sqrt(2)*SEM
    s_diff = math.sqrt(2) * 7.5 * math.sqrt(0.12)
    rci = reliable_change_index([20.0, 30.0, np.nan], [10.0, 30.0, 1.0], sd=7.5, reliability=0.88)
    np.testing.assert_allclose(rci[:2], [-10.0 / s_diff, 0.0], rtol=1e-12)
    assert np.isnan(rci[2])
    thr = reliable_change_threshold(7.5, 0.88)
    assert thr == pytest.approx(1.959963984540054 * s_diff, rel=1e-12)
    assert reliable_change_threshold(7.5, 0.88, level=0.9) < thr


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"sd": 1.0, "reliability": 1.5}, "reliability must lie in"),
        ({"sd": -1.0, "reliability": 0.5}, "sd must be non-negative"),
    ],
)
def test_sem_rejects_bad_values(kwargs: dict[str, float], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        standard_error_of_measurement(**kwargs)


def test_rci_shape_and_level_errors() -> None:
    with pytest.raises(ValueError, match="same shape"):
        reliable_change_index([1.0, 2.0], [1.0], sd=1.0, reliability=0.8)
    with pytest.raises(ValueError, match="undefined"):
        reliable_change_index([1.0], [2.0], sd=1.0, reliability=1.0)
    with pytest.raises(ValueError, match="level must be in"):
        reliable_change_threshold(1.0, 0.8, level=1.5)
