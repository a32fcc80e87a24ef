"""Bootstrap intervals for alpha against R boot on the same resamples.

Reference: tests/results/boot_bca.R wrote the data (boot_bca_data.csv), boot's resample
indices (boot_bca_indices.csv, ``boot.array(indices = TRUE)``, 999 x 150) and
``boot.ci(type = "bca", L = empinf(type = "jack"))`` / ``type = "perc"`` (boot_bca.json).
Tolerance 1e-10: the same resamples and closed forms, only rounding differs.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stigma_analysis.reliability import _core as core

RESULTS = Path(__file__).resolve().parents[1] / "results"
REF = json.loads((RESULTS / "boot_bca.json").read_text())


@pytest.fixture(scope="module")
def fixed() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    X = pd.read_csv(RESULTS / "boot_bca_data.csv").to_numpy(dtype=float)
    idx = np.loadtxt(RESULTS / "boot_bca_indices.csv", delimiter=",", dtype=np.int64) - 1
    boot = core.bootstrap_alpha(X, n_boot=idx.shape[0], seed=None, indices=idx)
    return X, idx, boot, core.jackknife_alpha(X)


def test_resample_alphas_equal_boots(fixed: tuple[np.ndarray, ...]) -> None:
    X, idx, boot, jack = fixed
    assert idx.shape == (REF["meta"]["R"], REF["meta"]["n"]) == (999, 150)
    np.testing.assert_allclose(core.alpha_stats(np.cov(X, rowvar=False)).raw, REF["t0"], rtol=1e-12)
    np.testing.assert_allclose(boot, REF["t"], rtol=1e-10)
    # boot's jackknife influence values: (n - 1) (mean of the jackknife values - each one)
    n = X.shape[0]
    np.testing.assert_allclose((n - 1) * (jack.mean() - jack), REF["L"], rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("interval", REF["intervals"], ids=lambda r: f"conf{r['conf']}")
def test_bca_and_percentile_equal_boot_ci(
    fixed: tuple[np.ndarray, ...], interval: dict[str, object]
) -> None:
    _, _, boot, jack = fixed
    level = float(interval["conf"])  # type: ignore[arg-type]
    lo, hi = core.bca_ci(boot, REF["t0"], jack, level)
    np.testing.assert_allclose([lo, hi], interval["bca"], rtol=1e-10)
    plo, phi = core.percentile_ci(boot, level)
    np.testing.assert_allclose([plo, phi], interval["perc"], rtol=1e-10)


def test_norm_inter_uses_whole_order_statistics_and_the_extremes() -> None:
    t = np.arange(1.0, 10.0)  # R = 9: (R + 1) p is whole for p = 0.1, 0.5
    assert core.norm_inter(t, [0.1, 0.5, 0.01, 0.999]) == [1.0, 5.0, 1.0, 9.0]
