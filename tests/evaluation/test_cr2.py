"""CR2 cluster-robust SEs with Satterthwaite df against R clubSandwich.

Reference: tests/results/clubsandwich_cr2.R (+ .json, _data.csv).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from stigma_analysis import evaluation as ev
from tests.conftest import RESULTS

REF = json.loads((RESULTS / "clubsandwich_cr2.json").read_text())


def test_matches_clubsandwich_coef_test():
    data = pd.read_csv(RESULTS / "clubsandwich_cr2_data.csv")
    out = ev.cluster_robust(data, "score ~ arm + age + pre", cluster="site")
    assert out["term"].tolist() == ["Intercept", "arm", "age", "pre"]
    # linear algebra on both sides (eigen square roots): 1e-8
    for col in ("estimate", "se", "t", "df", "p"):
        np.testing.assert_allclose(out[col], REF[col], rtol=1e-8, err_msg=col)
    assert (out["ci_low"] < out["estimate"]).all()


def test_row_order_does_not_matter():
    data = pd.read_csv(RESULTS / "clubsandwich_cr2_data.csv")
    a = ev.cluster_robust(data, "score ~ arm + pre", cluster="site")
    b = ev.cluster_robust(data.sample(frac=1, random_state=3), "score ~ arm + pre", cluster="site")
    np.testing.assert_allclose(a[["se", "df"]], b[["se", "df"]], rtol=1e-10)


def test_needs_two_clusters():
    data = pd.DataFrame({"site": ["a"] * 4, "x": [1.0, 2.0, 3.0, 4.0], "y": [1.0, 3.0, 2.0, 5.0]})
    with pytest.raises(ValueError, match="needs at least 2 clusters"):
        ev.cluster_robust(data, "y ~ x", cluster="site")
